# projections_history_*: the decision_history projection and as-of reads
# over a real event log holding the audit scenario (history_scenario.h,
# shared with tests/services/audit.cmake through kamgov_history_scenario).
add_library(kamgov_history_scenario STATIC history_scenario.cc)
target_compile_options(kamgov_history_scenario PRIVATE ${KAMGOV_WARNINGS})
target_include_directories(kamgov_history_scenario PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(kamgov_history_scenario
  PUBLIC kamgov_domain_rule_cases kamgov_eventstore GTest::gtest)

kamgov_test(NAME projections_history_test PREFIX projections
  SOURCES history_test.cc
  LIBS kamgov_history_scenario kamgov_projections kamgov_eventstore)
