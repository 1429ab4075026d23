#ifndef KAMGOV_BENCH_RAW_ROCKSDB_H_
#define KAMGOV_BENCH_RAW_ROCKSDB_H_

// The machine's own limit for durable writes: a plain RocksDB, no kamgov
// code, opened with options comparable to the event store's
// (eventstore/rocks_db.cc): max_background_jobs = 2, one column family set
// up like the store's `events` family (block-based table with a 64 MiB LRU
// block cache, LZ4, 64 MiB write buffer). Scenarios run it in the same run,
// on the same file system, with the same thread counts, as the baseline.

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rocksdb/db.h"
#include "rocksdb/statistics.h"
#include "rocksdb/write_batch.h"

namespace kamgov::bench {

// Thread-safe as rocksdb::DB is. Destruction closes the database.
class RawRocksDb {
 public:
  // Creates the database at `path`; `statistics` may be null.
  static absl::StatusOr<std::unique_ptr<RawRocksDb>> Open(
      const std::string& path, std::shared_ptr<rocksdb::Statistics> statistics);
  ~RawRocksDb();
  RawRocksDb(const RawRocksDb&) = delete;
  RawRocksDb& operator=(const RawRocksDb&) = delete;

  // With `sync`, the WAL is fsync'd before returning (RocksDB groups
  // concurrent writers into one WAL write and sync).
  absl::Status Put(absl::string_view key, absl::string_view value, bool sync);
  absl::Status Write(rocksdb::WriteBatch* batch, bool sync);

 private:
  explicit RawRocksDb(std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)) {}
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace kamgov::bench

#endif  // KAMGOV_BENCH_RAW_ROCKSDB_H_
