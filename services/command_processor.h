#ifndef KAMGOV_SERVICES_COMMAND_PROCESSOR_H_
#define KAMGOV_SERVICES_COMMAND_PROCESSOR_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "eventstore/event_log.h"
#include "kamgov/v1/domain.pb.h"
#include "kamgov/v1/governance.pb.h"
#include "services/aggregate_cache.h"

namespace kamgov::services {

// Learns the answer to every submitted command (metrics, logs). Called once
// per Submit, just before its `done`, on the thread that completes it (the
// caller's, the decision thread or the store's commit thread): it must be
// thread-safe and quick.
class CommandObserver {
 public:
  virtual ~CommandObserver() = default;
  // `command`: the message name of the command ("DesignateAccount");
  // `elapsed`: from Submit to the answer.
  virtual void OnCommandDone(absl::string_view command,
                             const absl::Status& status, bool replayed,
                             absl::Duration elapsed) = 0;
};

struct ProcessorOptions {
  // Aggregates kept in memory.
  size_t cache_capacity = 100000;
  // Where loading an aggregate starts (AggregateCache::HistoryRows);
  // called on the decision thread. Empty: loads fold whole tags.
  AggregateCache::HistoryRows history_rows;
  // Decision clock (µs since the epoch); the system clock by default.
  std::function<int64_t()> clock_us;
  // Not owned; must outlive the processor. Null: no observation.
  CommandObserver* observer = nullptr;
};

// Decides governance commands one at a time and pipelines their appends
// into the event store's group commit (ARCHITECTURE.md "The command
// processor").
//
// One decision thread owns an AggregateCache holding every decided event,
// committed or not, so deciding the next command never waits for an fsync,
// and rules that span aggregates (portfolio capacity, sponsor load across
// programs) hold under any concurrency: the loser of a race gets the rule
// violation, never ABORTED.
//
// For each command, in order: a retried command id (committed, or decided
// and still in flight) returns the original result marked `replayed`
// without deciding again; the caller's expected version of the target
// stream is checked (ABORTED); domain::Decide runs (INVALID_ARGUMENT,
// NOT_FOUND, FAILED_PRECONDITION, nothing written); the events are folded
// into the cache and appended as ONE multi-stream append with exact
// expected versions.
//
// If an append fails, the processor stops deciding until every append in
// flight has completed, then forgets its state and reloads lazily from the
// log: commands that depended on the lost events fail (the store fails
// closed, or their exact versions no longer match).
//
// Threads: Submit and Read from any thread; they never block. Callbacks run
// on the writer or decision thread and must not block. The log is not owned
// and must outlive the processor.
class CommandProcessor {
 public:
  using Done =
      absl::AnyInvocable<void(absl::StatusOr<eventstore::AppendResult>)>;

  CommandProcessor(eventstore::EventLog* log, ProcessorOptions options);
  // Stop()s.
  ~CommandProcessor();

  // Decides and appends `command` for `principal` (from authentication,
  // never from the request). The system principal (domain's scheduler) is
  // refused here: it is the processor's own.
  void Submit(std::string principal, v1::CommandMeta meta, v1::Command command,
              Done done);

  // Runs `read` on the decision thread, against the current state
  // (including decided events whose commit is in flight). After a failed
  // append, reads wait until the state has been reloaded from the log.
  void Read(absl::AnyInvocable<void(AggregateCache&)> read);

  // Records the ⚙ deadline events due at the clock's now, as principal
  // system:scheduler; `done` gets the number of events recorded.
  void RunDeadlines(absl::AnyInvocable<void(absl::StatusOr<int>)> done);

  // Completes what is queued, waits for appends in flight, then stops.
  void Stop();

 private:
  struct CommandItem {
    std::string principal;
    v1::CommandMeta meta;
    v1::Command command;
    std::string fingerprint;
    Done done;
  };
  struct ReadItem {
    absl::AnyInvocable<void(AggregateCache&)> read;
  };
  struct DeadlinesItem {
    absl::AnyInvocable<void(absl::StatusOr<int>)> done;
  };
  // An append finished (on the store's commit thread); handled on the decision
  // thread.
  struct CommittedItem {
    std::string command_key;
    std::vector<std::string> pinned;
    absl::StatusOr<eventstore::AppendResult> result;
  };
  using Item =
      std::variant<CommandItem, ReadItem, DeadlinesItem, CommittedItem>;

  // A command decided and appended, not yet committed; retries wait here.
  struct InFlight {
    std::string fingerprint;
    std::vector<Done> retries;
  };

  void Enqueue(Item item);
  void Run();
  void Handle(CommandItem& item);
  void Handle(ReadItem& item);
  void Handle(DeadlinesItem& item);
  void Handle(CommittedItem& item);
  // Folds and appends a decision; `done` gets the store's answer, or the
  // error that stopped the append.
  void Append(const std::string& principal, const v1::CommandMeta& meta,
              const std::string& command_key, const std::string& fingerprint,
              const domain::Decision& decision, Done done);
  // After a failure, once no append is in flight: forgets the state and
  // decides the commands held back.
  void MaybeReload();

  eventstore::EventLog* const log_;
  const ProcessorOptions options_;

  absl::Mutex mu_;
  std::deque<Item> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  // Decision thread only.
  AggregateCache cache_;
  absl::flat_hash_map<std::string, InFlight> in_flight_;
  size_t appends_in_flight_ = 0;
  bool draining_ = false;
  // Commands and reads held back while draining, in arrival order: neither
  // may see the events of a failed append.
  std::deque<std::variant<CommandItem, ReadItem>> held_;
  // Whether the log was empty when the processor started and nothing has
  // been decided since (the bootstrap condition).
  bool store_empty_;

  std::thread thread_;
};

// SHA-256 of everything that identifies a command besides its id: the
// command and the meta fields that change its meaning.
std::string CommandFingerprint(const v1::CommandMeta& meta,
                               const v1::Command& command);

}  // namespace kamgov::services

#endif  // KAMGOV_SERVICES_COMMAND_PROCESSOR_H_
