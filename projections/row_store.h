#ifndef KAMGOV_PROJECTIONS_ROW_STORE_H_
#define KAMGOV_PROJECTIONS_ROW_STORE_H_

// The read models' storage module: owns their RocksDB (separate from the
// event log's, so a rebuild never competes with the log's compactions for
// one LSM tree) and converts every rocksdb::Status through
// eventstore::ToStatus. Thread-safe as RocksDB is.
//
// Writes are not synced: a read model is derived data whose rows and
// checkpoint commit in one batch, so any prefix of its writes that survives
// a crash is consistent, and it only ever trails the durable log.

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace kamgov::projections {

class RowStore {
 public:
  // Creates the directory if missing. UNAVAILABLE when it cannot be opened
  // (e.g. locked by another process).
  static absl::StatusOr<std::unique_ptr<RowStore>> Open(
      const std::string& path, size_t block_cache_bytes);
  ~RowStore();
  RowStore(const RowStore&) = delete;
  RowStore& operator=(const RowStore&) = delete;

  absl::StatusOr<std::optional<std::string>> Get(
      absl::string_view key, const rocksdb::Snapshot* snapshot = nullptr) const;
  absl::Status Write(rocksdb::WriteBatch* batch);

  // Rows whose keys are `base` + k, where k starts with `prefix` and sorts
  // after `start_after` (when non-empty); in key order, at most `limit`;
  // each returned as (k, value).
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Scan(
      absl::string_view base, absl::string_view prefix,
      absl::string_view start_after, size_t limit,
      const rocksdb::Snapshot* snapshot) const;

  // True while RocksDB runs or owes a flush or compaction of the rows.
  bool HasBackgroundWork() const;

  // A snapshot, released by the returned pointer's deleter.
  std::shared_ptr<const rocksdb::Snapshot> Snapshot() const;

 private:
  explicit RowStore(std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)) {}
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace kamgov::projections

#endif  // KAMGOV_PROJECTIONS_ROW_STORE_H_
