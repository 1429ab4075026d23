# services_audit_*: AuditService over gRPC, beside a real daemon that ran
# the audit scenario (tests/projections/history_scenario.h), with a real
# ProjectionEngine keeping decision_history; exports are checked with
# cmd/verify_chain.py.
kamgov_test(NAME services_audit_test PREFIX services
  SOURCES audit_test.cc governance_harness.cc
  LIBS kamgov_services kamgov_history_scenario kamgov_domain_rule_cases)
target_compile_definitions(services_audit_test PRIVATE
  KAMGOV_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
  PYTHON3_PATH="${Python3_EXECUTABLE}")

# The CLI walk-through of docs/audit.md with the real binaries.
add_test(NAME services_audit_cli
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/audit_cli_test.py
          ${PROJECT_SOURCE_DIR} $<TARGET_FILE:kamgovd> $<TARGET_FILE:kamgov>)
