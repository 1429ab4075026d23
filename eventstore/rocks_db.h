#ifndef KAMGOV_EVENTSTORE_ROCKS_DB_H_
#define KAMGOV_EVENTSTORE_ROCKS_DB_H_

// The storage module: owns the RocksDB instance and its column families
// (format.h) and is the one place where rocksdb::Status becomes
// absl::Status. Thread-safe as RocksDB is: any thread may read and write.

#include <array>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"
#include "rocksdb/statistics.h"
#include "rocksdb/table.h"

namespace kamgov::eventstore {

enum class Cf : int {
  kEvents,
  kHashes,
  kStreams,
  kHeads,
  kTags,
  kCommands,
  kPersonal,
  kMeta,
};
inline constexpr int kCfCount = 8;

struct RocksDbOptions {
  std::string path;
  // Test seam: an Env whose file system counts syncs or injects faults.
  rocksdb::Env* env = nullptr;
  std::shared_ptr<rocksdb::Statistics> statistics;
  size_t block_cache_bytes = 64 << 20;
};

// Converts a RocksDB status: IO errors and a read-only DB become UNAVAILABLE,
// corruption DATA_LOSS, others INTERNAL. `what` names the operation.
absl::Status ToStatus(const rocksdb::Status& status, absl::string_view what);

// Table options whose memory stays within `cache` however large the data
// grows: index and filter blocks are partitioned and kept in the block
// cache (top levels and L0 pinned) instead of held beside it for every open
// SST file. `bloom`: whole-key bloom filters, for column families read by
// point lookups (useless to iterators).
rocksdb::BlockBasedTableOptions BoundedTableOptions(
    std::shared_ptr<rocksdb::Cache> cache, bool bloom);

// True while `db` runs or owes a flush or compaction: the LSM tree is still
// absorbing earlier writes. Any thread.
bool HasBackgroundWork(rocksdb::DB& db);

class RocksDb {
 public:
  // Opens or creates the store at options.path and checks its format
  // version: FAILED_PRECONDITION for a store written by an unknown format
  // version, UNAVAILABLE when the directory cannot be opened (e.g. locked
  // by another process).
  static absl::StatusOr<std::unique_ptr<RocksDb>> Open(
      const RocksDbOptions& options);

  // Flushes the WAL (unless a write failed: RocksDB's WAL writer must not be
  // used after an I/O error) and closes the database.
  ~RocksDb();
  RocksDb(const RocksDb&) = delete;
  RocksDb& operator=(const RocksDb&) = delete;

  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* cf(Cf which) const {
    return handles_[static_cast<int>(which)];
  }

  // nullopt when the key is absent.
  absl::StatusOr<std::optional<std::string>> Get(
      Cf which, absl::string_view key,
      const rocksdb::Snapshot* snapshot = nullptr) const;

  // Writes the batch; with `sync` the WAL is fsync'd before returning.
  absl::Status Write(rocksdb::WriteBatch* batch, bool sync);

  // Fsyncs the WAL: every write that returned before the call is durable
  // when it returns OK.
  absl::Status SyncWal();

  std::unique_ptr<rocksdb::Iterator> NewIterator(
      Cf which, const rocksdb::ReadOptions& read_options) const;

 private:
  RocksDb() = default;

  std::unique_ptr<rocksdb::DB> db_;
  std::array<rocksdb::ColumnFamilyHandle*, kCfCount> handles_{};
  // Set by the first failed Write.
  std::atomic<bool> write_failed_{false};
};

}  // namespace kamgov::eventstore

#endif  // KAMGOV_EVENTSTORE_ROCKS_DB_H_
