# services_Ops*: operations: the config file, /metrics, backup and restore,
# against real daemons (127.0.0.1:0, temp data directories, real RocksDB).
kamgov_test(NAME services_ops_test PREFIX services
  SOURCES ops_util.cc ops_config_test.cc ops_metrics_test.cc
          ops_backup_test.cc
  LIBS kamgov_services kamgov_domain_rule_cases absl::flags)
target_compile_definitions(services_ops_test PRIVATE
  KAMGOV_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
# The real kamgovd binary: a bad config fails startup naming the key,
# --print_config, JSON logs, /metrics, `kamgov backup` and --restore_from.
add_test(NAME services_ops_kamgovd
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/ops_kamgovd_test.py
          $<TARGET_FILE:kamgovd> $<TARGET_FILE:kamgov>)
