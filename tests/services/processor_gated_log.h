#ifndef KAMGOV_TESTS_SERVICES_PROCESSOR_GATED_LOG_H_
#define KAMGOV_TESTS_SERVICES_PROCESSOR_GATED_LOG_H_

// An EventLog decorator for command processor tests: it forwards every call
// to a real log (a RocksEventLog), except that while its gate is closed it
// holds Append calls, in order, until Open(). That lets a test keep commands
// "decided but not committed" for as long as it needs, instead of hoping a
// race goes its way.

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "eventstore/event_log.h"

namespace kamgov::services::testing {

// Threads: every method may be called from any thread. The target is not
// owned and must outlive this log. Appends still held when the gate opens
// are forwarded in arrival order, before any later append; callbacks run as
// the target runs them. Destroying a log with held appends drops them
// without calling back: open the gate first.
class GatedEventLog final : public eventstore::EventLog {
 public:
  explicit GatedEventLog(eventstore::EventLog* target) : target_(target) {}

  // Appends from now on are held until Open().
  void Close() {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }
  // Forwards the held appends, in order, and lets later ones through. The
  // gate stays closed until nothing is held, so that an append racing
  // Open() is queued behind the held ones, never ahead of them.
  void Open() {
    while (true) {
      std::deque<Held> batch;
      {
        absl::MutexLock lock(&mu_);
        if (held_.empty()) {
          closed_ = false;
          return;
        }
        batch.swap(held_);
      }
      for (Held& h : batch) {
        target_->Append(std::move(h.request), std::move(h.done));
      }
    }
  }
  // Forwards only the oldest held append (if any); the gate stays closed.
  void ReleaseOne() {
    std::optional<Held> first;
    {
      absl::MutexLock lock(&mu_);
      if (held_.empty()) return;
      first.emplace(std::move(held_.front()));
      held_.pop_front();
    }
    target_->Append(std::move(first->request), std::move(first->done));
  }
  // Waits until `count` appends are held; false on timeout.
  bool WaitHeld(size_t count, absl::Duration timeout = absl::Seconds(30)) {
    absl::MutexLock lock(&mu_);
    auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return held_.size() >= count;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
  }
  size_t held() {
    absl::MutexLock lock(&mu_);
    return held_.size();
  }

  void Append(eventstore::AppendRequest request,
              eventstore::AppendCallback done) override {
    {
      absl::MutexLock lock(&mu_);
      if (closed_) {
        held_.push_back({std::move(request), std::move(done)});
        return;
      }
    }
    target_->Append(std::move(request), std::move(done));
  }
  absl::StatusOr<std::vector<eventstore::RecordedEvent>> ReadStream(
      const std::string& stream_id, uint64_t from_version,
      eventstore::ReadDirection direction, size_t limit,
      bool include_personal) const override {
    return target_->ReadStream(stream_id, from_version, direction, limit,
                               include_personal);
  }
  absl::StatusOr<std::vector<eventstore::RecordedEvent>> ReadAll(
      uint64_t after_position, size_t limit,
      bool include_personal) const override {
    return target_->ReadAll(after_position, limit, include_personal);
  }
  absl::StatusOr<std::vector<eventstore::RecordedEvent>> ReadByTag(
      const std::string& tag, uint64_t after_position, size_t limit,
      bool include_personal) const override {
    return target_->ReadByTag(tag, after_position, limit, include_personal);
  }
  absl::StatusOr<std::vector<std::string>> ListStreams(
      const std::string& prefix, const std::string& after_stream_id,
      size_t limit) const override {
    return target_->ListStreams(prefix, after_stream_id, limit);
  }
  absl::StatusOr<std::optional<eventstore::CommandOutcome>> LookupCommand(
      const std::string& principal,
      const std::string& command_id) const override {
    return target_->LookupCommand(principal, command_id);
  }
  absl::StatusOr<std::optional<uint64_t>> StreamVersion(
      const std::string& stream_id) const override {
    return target_->StreamVersion(stream_id);
  }
  eventstore::ChainHead GetChainHead() const override {
    return target_->GetChainHead();
  }
  absl::StatusOr<eventstore::VerifyResult> VerifyChain(
      uint64_t from, uint64_t to) const override {
    return target_->VerifyChain(from, to);
  }
  absl::Status ErasePersonal(uint64_t position) override {
    return target_->ErasePersonal(position);
  }
  uint64_t AddCommitListener(eventstore::CommitListener* listener) override {
    return target_->AddCommitListener(listener);
  }
  void RemoveCommitListener(eventstore::CommitListener* listener) override {
    target_->RemoveCommitListener(listener);
  }

 private:
  struct Held {
    eventstore::AppendRequest request;
    eventstore::AppendCallback done;
  };

  eventstore::EventLog* const target_;
  absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<Held> held_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kamgov::services::testing

#endif  // KAMGOV_TESTS_SERVICES_PROCESSOR_GATED_LOG_H_
