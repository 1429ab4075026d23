#ifndef KAMGOV_TESTS_EVENTSTORE_EVENT_LOG_CONTRACT_H_
#define KAMGOV_TESTS_EVENTSTORE_EVENT_LOG_CONTRACT_H_

// The EventLog contract suite (event_log_contract_test.cc), parameterized by
// backend. A backend joins the suite with one line:
//
//   INSTANTIATE_TEST_SUITE_P(MyBackend, EventLogContractTest,
//                            ::testing::Values(MyBackendFactory()),
//                            BackendName);

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "eventstore/event_log.h"
#include "eventstore/validation.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace kamgov::eventstore::testing {

// What the suite may ask of a backend beyond its defaults.
struct BackendOptions {
  // recorded_at source (µs since the epoch); null = the backend's clock.
  std::function<int64_t()> clock_us;
  // Null = the backend's default limits.
  std::optional<AppendLimits> limits;
};

struct EventLogBackend {
  std::string name;
  // Opens the store kept in `dir` (creating it when empty). Called again
  // with the same dir after the previous instance was destroyed to reopen.
  std::function<absl::StatusOr<std::unique_ptr<EventLog>>(
      const std::string& dir, const BackendOptions& options)>
      open;
};

// Names the backend in test listings (gtest prints parameters otherwise as
// raw bytes).
inline void PrintTo(const EventLogBackend& backend, std::ostream* os) {
  *os << backend.name;
}

inline std::string BackendName(
    const ::testing::TestParamInfo<EventLogBackend>& info) {
  return info.param.name;
}

// Fixture of the contract suite: a fresh store in its own temporary
// directory per test, opened through the backend's factory. Tests may reopen
// it (same directory) with other options. Single-threaded itself; tests
// that start threads join them before the fixture tears down.
class EventLogContractTest : public ::testing::TestWithParam<EventLogBackend> {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(Open()); }

  // (Re)opens the store with `options`, closing any open instance first.
  void Open(BackendOptions options = {}) {
    log_.reset();
    options_ = std::move(options);
    absl::StatusOr<std::unique_ptr<EventLog>> log =
        GetParam().open(dir_.path(), options_);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
  }
  // Closes and opens the same directory with the same options.
  void Reopen() { ASSERT_NO_FATAL_FAILURE(Open(options_)); }

  EventLog& log() { return *log_; }

  kamgov::testing::TempDir dir_;
  BackendOptions options_;
  std::unique_ptr<EventLog> log_;
};

}  // namespace kamgov::eventstore::testing

#endif  // KAMGOV_TESTS_EVENTSTORE_EVENT_LOG_CONTRACT_H_
