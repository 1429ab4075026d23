# services_event_stream_*: EventStreamService (ReadStream, ReadAll, Subscribe)
# against a real daemon on port 0 with a temp data directory.
kamgov_test(NAME services_event_stream_test PREFIX services
  SOURCES event_stream_test.cc
  LIBS kamgov_services absl::cleanup)
