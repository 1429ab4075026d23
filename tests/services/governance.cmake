# services_governance_*: GovernanceService and the CommandProcessor end to
# end, over real daemons (127.0.0.1:0, temp data directories, real RocksDB),
# plus the v1 schema-evolution fixture (tests/fixtures/).
kamgov_test(NAME services_governance_test PREFIX services
  SOURCES
    governance_harness.cc
    governance_fixture.cc
    governance_rule_table_test.cc
    governance_concurrency_test.cc
    governance_idempotency_test.cc
    governance_errors_test.cc
    governance_get_test.cc
    governance_scheduler_test.cc
    governance_lifecycle_test.cc
    governance_fixture_test.cc
    processor_test.cc
  LIBS kamgov_services kamgov_domain_rule_cases OpenSSL::Crypto)
target_compile_definitions(services_governance_test PRIVATE
  KAMGOV_FIXTURES_DIR="${PROJECT_SOURCE_DIR}/tests/fixtures")

# Writes the v1 fixture; run by hand only, never by ctest:
#   build/tests/services/kamgov_governance_fixture_gen tests/fixtures
# (refuses to overwrite without --overwrite; then update kFixtureSha256 in
# governance_fixture_test.cc).
add_executable(kamgov_governance_fixture_gen
  governance_fixture_gen.cc governance_fixture.cc governance_harness.cc)
target_compile_options(kamgov_governance_fixture_gen PRIVATE
  ${KAMGOV_WARNINGS})
target_include_directories(kamgov_governance_fixture_gen PRIVATE
  ${PROJECT_SOURCE_DIR})
target_link_libraries(kamgov_governance_fixture_gen PRIVATE
  kamgov_services kamgov_domain_rule_cases OpenSSL::Crypto)
