# projections_read_models_*: the six dashboard read models (portfolio,
# coverage, sponsor load, plan compliance, escalations, selection cycle):
# Apply and the queries over in-memory rows, against hand-computed answers
# for the scenario of read_models_scenario.h (shared with
# tests/services/query.cmake through kamgov_read_models_scenario).
add_library(kamgov_read_models_scenario STATIC read_models_scenario.cc)
target_compile_options(kamgov_read_models_scenario PRIVATE ${KAMGOV_WARNINGS})
target_include_directories(kamgov_read_models_scenario
  PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(kamgov_read_models_scenario
  PUBLIC kamgov_domain_rule_cases kamgov_eventstore GTest::gtest)

kamgov_test(NAME projections_read_models_test PREFIX projections
  SOURCES read_models_test.cc
  LIBS kamgov_read_models_scenario kamgov_projections)
