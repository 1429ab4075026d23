#ifndef KAMGOV_EVENTSTORE_EVENT_LOG_H_
#define KAMGOV_EVENTSTORE_EVENT_LOG_H_

// The event log: an append-only, hash-chained sequence of immutable events,
// grouped into streams. It knows streams, tags, event types and positions;
// it knows nothing of key account management.
//
// EventLog is the contract every backend fulfils (tests/eventstore runs one
// contract suite against each); RocksEventLog (rocks_event_log.h) is the
// embedded backend.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kamgov/v1/event.pb.h"

namespace kamgov::eventstore {

// The version a stream must be at for an append to it to commit.
struct ExpectedVersion {
  enum class Kind { kAny, kNoStream, kStreamExists, kExact };
  Kind kind = Kind::kAny;
  uint64_t version = 0;  // for kExact

  static ExpectedVersion Any() { return {}; }
  static ExpectedVersion NoStream() { return {Kind::kNoStream, 0}; }
  static ExpectedVersion StreamExists() { return {Kind::kStreamExists, 0}; }
  static ExpectedVersion Exact(uint64_t v) { return {Kind::kExact, v}; }
};

// OK when a stream whose last version is `actual` (nullopt: no stream)
// satisfies `expected`; otherwise ABORTED with details naming the stream, the
// expected and the actual version (proto/status_details.h).
absl::Status CheckExpectedVersion(const std::string& stream_id,
                                  const ExpectedVersion& expected,
                                  std::optional<uint64_t> actual);

// One event to append. The store fills in ids, versions, positions, times
// and the envelope fields of the AppendRequest.
struct NewEvent {
  std::string type;
  std::vector<std::string> tags;
  // Payload bytes, hash-chained.
  std::string main;
  // Erasable personal bytes (names, free text); kept outside the chain and
  // committed in it by a salted digest. Empty means none.
  std::string personal;
  // Business time, µs since the epoch; 0 means "= recorded_at".
  int64_t effective_at_us = 0;
  // Generated (UUID v4) when empty.
  std::string event_id;
};

struct StreamAppend {
  std::string stream_id;
  ExpectedVersion expected;
  std::vector<NewEvent> events;
};

// One atomic append: all its streams commit together or none does.
struct AppendRequest {
  std::vector<StreamAppend> streams;
  // The authenticated caller; scopes command_id.
  std::string principal;
  // Idempotency key; empty means the append is not idempotent.
  std::string command_id;
  // Identifies the request behind command_id (e.g. a hash of it); a retry
  // with the same id must carry the same fingerprint.
  std::string fingerprint;
  std::string acting_person;
  std::string correlation_id;
  std::string causation_id;
};

struct StreamAppendResult {
  std::string stream_id;
  uint64_t first_version = 0;
  uint64_t last_version = 0;
};

struct AppendResult {
  uint64_t first_position = 0;
  // The commit position: read-your-writes token.
  uint64_t last_position = 0;
  std::vector<StreamAppendResult> streams;
  // In append order, across streams.
  std::vector<std::string> event_ids;
  int64_t recorded_at_us = 0;
  // True when command_id had committed before: nothing was written and this
  // is the original result.
  bool replayed = false;
};

// Called exactly once per Append: on the store's commit thread, or on the
// caller's thread before Append returns when the append is refused at once
// (invalid input, store failed or closing). It must not block.
using AppendCallback = absl::AnyInvocable<void(absl::StatusOr<AppendResult>)>;

// A committed event as read back.
struct RecordedEvent {
  uint64_t position = 0;
  // The stored (and hashed) bytes of `record`.
  std::string record_bytes;
  kamgov::v1::EventRecord record;
  // hash_position, 32 bytes.
  std::string hash;
  // Present when requested and not erased.
  std::optional<std::string> personal;
  bool personal_erased = false;
};

enum class ReadDirection { kForward, kBackward };

// What the log remembers of a committed command id.
struct CommandOutcome {
  std::string fingerprint;
  // The original result, marked replayed.
  AppendResult result;
};

struct ChainHead {
  uint64_t position = 0;
  std::string hash;  // 32 bytes; zeros for an empty log
};

struct VerifyResult {
  bool ok = true;
  uint64_t checked = 0;
  // First position whose stored hash, record or link is wrong (when !ok).
  uint64_t first_bad_position = 0;
  std::string problem;
};

// A batch of events that just became durable, shared by every listener.
struct CommittedBatch {
  uint64_t first_position = 0;
  uint64_t last_position = 0;
  std::vector<RecordedEvent> events;  // with personal parts
};

// Learns of commits without polling. OnCommitted runs on the store's commit
// thread after the batch is durable, once per batch and in log order: it
// must be quick and must not block or call back into Append synchronously.
class CommitListener {
 public:
  virtual ~CommitListener() = default;
  virtual void OnCommitted(std::shared_ptr<const CommittedBatch> batch) = 0;
};

// The event log contract.
//
// Threads: every method may be called from any thread concurrently.
// Errors:
//   INVALID_ARGUMENT  bad stream id, tag, type, size or count limits
//                     (BadRequest details); command id reused with another
//                     fingerprint (reason IDEMPOTENCY_KEY_REUSED)
//   ABORTED           an expected version did not match (details name the
//                     stream, expected and actual version)
//   UNAVAILABLE       the store failed a write and refuses further writes
//                     until reopened (fail closed); reads keep working
// Durability: when Append's callback gets OK, the events are on disk.
class EventLog {
 public:
  virtual ~EventLog() = default;

  // Queues the append and returns at once; `done` runs exactly once.
  // Nothing is written when `done` gets an error, with one exception: an
  // UNAVAILABLE caused by a failed write (e.g. a failed WAL fsync) is an
  // unknown outcome, because the disk may still have kept the whole group,
  // which then reappears on reopen (never part of it). Retrying with the
  // same command_id after reopening settles it: replayed, or written once.
  virtual void Append(AppendRequest request, AppendCallback done) = 0;

  // Blocking convenience over Append, for tools and tests.
  absl::StatusOr<AppendResult> AppendAndWait(AppendRequest request);

  // Up to `limit` events of a stream starting at `from_version` (inclusive),
  // in the given direction. Backward from a version past the end (e.g.
  // UINT64_MAX) starts at the last version; forward from past the end, or a
  // stream that does not exist, reads as no events.
  virtual absl::StatusOr<std::vector<RecordedEvent>> ReadStream(
      const std::string& stream_id, uint64_t from_version,
      ReadDirection direction, size_t limit, bool include_personal) const = 0;

  // Up to `limit` events with position > after_position, in order.
  virtual absl::StatusOr<std::vector<RecordedEvent>> ReadAll(
      uint64_t after_position, size_t limit, bool include_personal) const = 0;

  // Up to `limit` events carrying `tag`, with position > after_position, in
  // log order (through the tag index).
  virtual absl::StatusOr<std::vector<RecordedEvent>> ReadByTag(
      const std::string& tag, uint64_t after_position, size_t limit,
      bool include_personal) const = 0;

  // Ids of the streams starting with `prefix`, after `after_stream_id`, in
  // byte order; at most `limit`.
  virtual absl::StatusOr<std::vector<std::string>> ListStreams(
      const std::string& prefix, const std::string& after_stream_id,
      size_t limit) const = 0;

  // The outcome of a committed (principal, command_id), or nullopt.
  virtual absl::StatusOr<std::optional<CommandOutcome>> LookupCommand(
      const std::string& principal, const std::string& command_id) const = 0;

  // The last version of a stream, or nullopt when it does not exist.
  virtual absl::StatusOr<std::optional<uint64_t>> StreamVersion(
      const std::string& stream_id) const = 0;

  // The last committed position and its hash.
  virtual ChainHead GetChainHead() const = 0;

  // Recomputes the chain over [from, to] (to = 0 means the head) against the
  // stored hashes and, at the head, the chain head.
  virtual absl::StatusOr<VerifyResult> VerifyChain(uint64_t from,
                                                   uint64_t to) const = 0;

  // Deletes the personal part of the event at `position` (and its salt);
  // the chain still verifies. NOT_FOUND for an unknown position.
  virtual absl::Status ErasePersonal(uint64_t position) = 0;

  // Registers a listener (not owned; it must outlive its registration).
  // Returns the position committed at registration: every later commit is
  // reported to the listener, none before it.
  virtual uint64_t AddCommitListener(CommitListener* listener) = 0;
  virtual void RemoveCommitListener(CommitListener* listener) = 0;
};

}  // namespace kamgov::eventstore

#endif  // KAMGOV_EVENTSTORE_EVENT_LOG_H_
