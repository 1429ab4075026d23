#ifndef KAMGOV_TESTS_EVENTSTORE_EVENT_LOG_TEST_UTIL_H_
#define KAMGOV_TESTS_EVENTSTORE_EVENT_LOG_TEST_UTIL_H_

// Builders and probes shared by the event store tests. Test-only code: it
// aborts the test (gtest assertions) rather than returning errors.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "eventstore/event_log.h"
#include "gtest/gtest.h"

#define KAMGOV_CONCAT_INNER(a, b) a##b
#define KAMGOV_CONCAT(a, b) KAMGOV_CONCAT_INNER(a, b)

// ASSERT_OK_AND_ASSIGN(auto x, StatusOrExpr): asserts OK, then assigns.
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL(KAMGOV_CONCAT(status_or_, __LINE__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  ASSERT_TRUE(tmp.ok()) << tmp.status();          \
  lhs = *std::move(tmp)

#define ASSERT_OK(expr)                     \
  do {                                      \
    const absl::Status kamgov_s = (expr);   \
    ASSERT_TRUE(kamgov_s.ok()) << kamgov_s; \
  } while (false)

namespace kamgov::eventstore::testing {

inline constexpr char kPrincipal[] = "svc:tester";

inline NewEvent Event(std::string type, std::string main = "payload",
                      std::vector<std::string> tags = {},
                      std::string personal = "") {
  NewEvent event;
  event.type = std::move(type);
  event.main = std::move(main);
  event.tags = std::move(tags);
  event.personal = std::move(personal);
  return event;
}

// `count` events of type "Noted" with distinct payloads.
inline std::vector<NewEvent> Events(int count, const std::string& tag = "") {
  std::vector<NewEvent> events;
  for (int i = 0; i < count; ++i) {
    events.push_back(Event("Noted", "n" + std::to_string(i),
                           tag.empty() ? std::vector<std::string>{}
                                       : std::vector<std::string>{tag}));
  }
  return events;
}

inline StreamAppend To(std::string stream_id, ExpectedVersion expected,
                       std::vector<NewEvent> events) {
  return StreamAppend{std::move(stream_id), expected, std::move(events)};
}

inline AppendRequest Request(std::vector<StreamAppend> streams,
                             std::string command_id = "",
                             std::string fingerprint = "",
                             std::string principal = kPrincipal) {
  AppendRequest request;
  request.streams = std::move(streams);
  request.principal = std::move(principal);
  request.command_id = std::move(command_id);
  request.fingerprint = std::move(fingerprint);
  return request;
}

// One stream, `count` events, expected ANY.
inline AppendRequest Simple(std::string stream_id, int count = 1) {
  return Request(
      {To(std::move(stream_id), ExpectedVersion::Any(), Events(count))});
}

// The whole log, read in pages of `page` events.
inline absl::StatusOr<std::vector<RecordedEvent>> ReadEverything(
    const EventLog& log, bool include_personal = false, size_t page = 500) {
  std::vector<RecordedEvent> all;
  uint64_t after = 0;
  while (true) {
    absl::StatusOr<std::vector<RecordedEvent>> chunk =
        log.ReadAll(after, page, include_personal);
    if (!chunk.ok()) return chunk.status();
    if (chunk->empty()) return all;
    after = chunk->back().position;
    for (RecordedEvent& e : *chunk) all.push_back(std::move(e));
  }
}

// The outcome of one asynchronous Append; counts callback invocations.
class AppendOutcome {
 public:
  AppendCallback Callback() {
    return [this](absl::StatusOr<AppendResult> result) {
      if (calls_.fetch_add(1) == 0) {
        result_.emplace(std::move(result));
        done_.Notify();
      }
    };
  }
  const absl::StatusOr<AppendResult>& Wait() {
    done_.WaitForNotification();
    return *result_;
  }
  bool done() const { return done_.HasBeenNotified(); }
  int calls() const { return calls_.load(); }

 private:
  std::atomic<int> calls_{0};
  absl::Notification done_;
  std::optional<absl::StatusOr<AppendResult>> result_;
};

// Records every committed batch it is told of.
class RecordingListener : public CommitListener {
 public:
  void OnCommitted(std::shared_ptr<const CommittedBatch> batch) override {
    absl::MutexLock lock(&mu_);
    batches_.push_back(std::move(batch));
  }
  std::vector<std::shared_ptr<const CommittedBatch>> batches() const {
    absl::MutexLock lock(&mu_);
    return batches_;
  }
  uint64_t last_position() const {
    absl::MutexLock lock(&mu_);
    return batches_.empty() ? 0 : batches_.back()->last_position;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::shared_ptr<const CommittedBatch>> batches_
      ABSL_GUARDED_BY(mu_);
};

// Holds the commit notification of the next group until Release(), so a
// test can queue appends that cannot complete before it lets go. The writer
// is not held: it may write what is queued meanwhile, as one group or
// several, but none of them completes while the gate is closed. Registers
// itself on construction; releases and unregisters on destruction.
class WriterGate : public CommitListener {
 public:
  explicit WriterGate(EventLog* log) : log_(log) {
    log_->AddCommitListener(this);
  }
  ~WriterGate() override {
    Release();
    log_->RemoveCommitListener(this);
  }
  void OnCommitted(std::shared_ptr<const CommittedBatch>) override {
    if (used_.exchange(true)) return;
    held_.Notify();
    released_.WaitForNotification();
  }
  void WaitUntilHeld() { held_.WaitForNotification(); }
  void Release() {
    if (!released_.HasBeenNotified()) released_.Notify();
  }

 private:
  EventLog* const log_;
  std::atomic<bool> used_{false};
  absl::Notification held_;
  absl::Notification released_;
};

}  // namespace kamgov::eventstore::testing

#endif  // KAMGOV_TESTS_EVENTSTORE_EVENT_LOG_TEST_UTIL_H_
