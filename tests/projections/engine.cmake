# projections_engine_*: the engine over a real event log and read-model store.
kamgov_test(NAME projections_engine_test PREFIX projections
  SOURCES engine_test.cc
  LIBS kamgov_projections kamgov_eventstore absl::synchronization)
