# services_query_*: QueryService over a real event log (commands through a
# real daemon's GovernanceService), a real projection engine and gRPC on
# 127.0.0.1:0: read-your-writes, deadlines, paging and filters, rebuilds.
kamgov_test(NAME services_query_test PREFIX services
  SOURCES query_test.cc governance_harness.cc
  LIBS kamgov_services kamgov_read_models_scenario kamgov_domain_rule_cases)
