#ifndef KAMGOV_EVENTSTORE_ROCKS_EVENT_LOG_H_
#define KAMGOV_EVENTSTORE_ROCKS_EVENT_LOG_H_

#include <functional>
#include <memory>
#include <string>

#include "eventstore/event_log.h"
#include "eventstore/group_commit_writer.h"
#include "eventstore/rocks_db.h"
#include "eventstore/validation.h"

namespace kamgov::eventstore {

struct RocksEventLogOptions {
  // Directory of the store; created when missing.
  std::string path;
  AppendLimits limits;
  // recorded_at source (µs since the epoch); the system clock by default.
  std::function<int64_t()> clock_us;
  // Test seam: an Env whose file system counts syncs or injects faults.
  rocksdb::Env* env = nullptr;
  // Test seam: the salts' random source (WriterOptions::random_bytes).
  std::function<bool(unsigned char*, size_t)> random_bytes;
  std::shared_ptr<rocksdb::Statistics> statistics;
  size_t block_cache_bytes = 64 << 20;
  // The writer's observer (metrics); not owned, must outlive the log.
  WriterObserver* writer_observer = nullptr;
};

// The embedded event log on RocksDB (layout in format.h), with one
// group-commit writer (group_commit_writer.h). Fulfils the EventLog contract.
//
// Opening reads the heads and the chain head where they are kept; it never
// replays the log. Reads see only durable events: nothing past the committed
// head, though the writer may already have written the next groups to the
// WAL while their fsync is in flight. Destruction commits what is queued,
// flushes and closes RocksDB. A directory holds one open store at a time
// (RocksDB's lock).
class RocksEventLog final : public EventLog {
 public:
  // FAILED_PRECONDITION for an unknown format version, UNAVAILABLE when the
  // directory cannot be opened, DATA_LOSS when the chain head is unreadable.
  static absl::StatusOr<std::unique_ptr<RocksEventLog>> Open(
      RocksEventLogOptions options);

  ~RocksEventLog() override;

  void Append(AppendRequest request, AppendCallback done) override;
  absl::StatusOr<std::vector<RecordedEvent>> ReadStream(
      const std::string& stream_id, uint64_t from_version,
      ReadDirection direction, size_t limit,
      bool include_personal) const override;
  absl::StatusOr<std::vector<RecordedEvent>> ReadAll(
      uint64_t after_position, size_t limit,
      bool include_personal) const override;
  absl::StatusOr<std::vector<RecordedEvent>> ReadByTag(
      const std::string& tag, uint64_t after_position, size_t limit,
      bool include_personal) const override;
  absl::StatusOr<std::vector<std::string>> ListStreams(
      const std::string& prefix, const std::string& after_stream_id,
      size_t limit) const override;
  absl::StatusOr<std::optional<CommandOutcome>> LookupCommand(
      const std::string& principal,
      const std::string& command_id) const override;
  absl::StatusOr<std::optional<uint64_t>> StreamVersion(
      const std::string& stream_id) const override;
  ChainHead GetChainHead() const override;
  absl::StatusOr<VerifyResult> VerifyChain(uint64_t from,
                                           uint64_t to) const override;
  absl::Status ErasePersonal(uint64_t position) override;
  uint64_t AddCommitListener(CommitListener* listener) override;
  void RemoveCommitListener(CommitListener* listener) override;

  // Positions of the events carrying `tag`, after `after_position`, in
  // order; at most `limit`.
  absl::StatusOr<std::vector<uint64_t>> PositionsWithTag(
      const std::string& tag, uint64_t after_position, size_t limit,
      const rocksdb::Snapshot* snapshot = nullptr) const;

  // The underlying database, for tools (backup) and tests.
  RocksDb* rocks_db() const { return db_.get(); }

 private:
  RocksEventLog(RocksEventLogOptions options, std::unique_ptr<RocksDb> db,
                std::unique_ptr<GroupCommitWriter> writer)
      : options_(std::move(options)),
        db_(std::move(db)),
        writer_(std::move(writer)) {}

  // Reads the events at `positions` (which must exist) under `snapshot`.
  absl::StatusOr<std::vector<RecordedEvent>> ReadPositions(
      const std::vector<uint64_t>& positions, bool include_personal,
      const rocksdb::Snapshot* snapshot) const;

  // The last durable position: reads never go past it.
  uint64_t DurablePosition() const { return GetChainHead().position; }

  // Fills in the personal parts (or marks them erased) of `events`.
  absl::Status AttachPersonal(std::vector<RecordedEvent>& events,
                              const rocksdb::Snapshot* snapshot) const;

  const RocksEventLogOptions options_;
  std::unique_ptr<RocksDb> db_;
  std::unique_ptr<GroupCommitWriter> writer_;
};

}  // namespace kamgov::eventstore

#endif  // KAMGOV_EVENTSTORE_ROCKS_EVENT_LOG_H_
