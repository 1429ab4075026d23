#include "projections/row_store.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "eventstore/rocks_db.h"
#include "projections/keys.h"
#include "rocksdb/table.h"

namespace kamgov::projections {

using eventstore::ToStatus;

absl::StatusOr<std::unique_ptr<RowStore>> RowStore::Open(
    const std::string& path, size_t block_cache_bytes) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat(
        "cannot create the read-model directory ", path, ": ", ec.message()));
  }
  rocksdb::Options options;
  options.create_if_missing = true;
  options.IncreaseParallelism(2);
  // Queries are prefix scans and point reads of rows written in batches.
  options.table_factory.reset(
      rocksdb::NewBlockBasedTableFactory(eventstore::BoundedTableOptions(
          rocksdb::NewLRUCache(block_cache_bytes), /*bloom=*/true)));
  // Most rows a projection looks up during a build do not exist yet: a
  // memtable bloom filter answers that without searching the skip list.
  options.memtable_prefix_bloom_size_ratio = 0.05;
  options.memtable_whole_key_filtering = true;
  // Bigger memtables: fewer flushes while a build writes every row anew.
  options.write_buffer_size = 64 << 20;
  // Batches arrive sorted (engine.cc), so a single inserter finds each
  // key next to the previous one; concurrent inserts (two catch-up threads
  // in one write group) would search the skip list from its top per key.
  options.allow_concurrent_memtable_write = false;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path, &raw);
  if (!s.ok()) {
    return ToStatus(s, absl::StrCat("opening the read models at ", path));
  }
  return std::unique_ptr<RowStore>(
      new RowStore(std::unique_ptr<rocksdb::DB>(raw)));
}

RowStore::~RowStore() {
  if (db_ != nullptr) {
    db_->FlushWAL(/*sync=*/true).PermitUncheckedError();
    // No WAL replay at the next open.
    db_->Flush(rocksdb::FlushOptions()).PermitUncheckedError();
    db_->Close().PermitUncheckedError();
  }
}

bool RowStore::HasBackgroundWork() const {
  return eventstore::HasBackgroundWork(*db_);
}

absl::StatusOr<std::optional<std::string>> RowStore::Get(
    absl::string_view key, const rocksdb::Snapshot* snapshot) const {
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  std::string value;
  rocksdb::Status s =
      db_->Get(read, rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return ToStatus(s, "reading a read-model row");
  return value;
}

absl::Status RowStore::Write(rocksdb::WriteBatch* batch) {
  rocksdb::WriteOptions write;
  write.sync = false;
  rocksdb::Status s = db_->Write(write, batch);
  return s.ok() ? absl::OkStatus() : ToStatus(s, "writing read-model rows");
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> RowStore::Scan(
    absl::string_view base, absl::string_view prefix,
    absl::string_view start_after, size_t limit,
    const rocksdb::Snapshot* snapshot) const {
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  const std::string full_prefix = absl::StrCat(base, prefix);
  const std::string upper = keys::PrefixEnd(full_prefix);
  const rocksdb::Slice upper_slice(upper);
  if (!upper.empty()) read.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read));
  const bool resume = !start_after.empty() && start_after > prefix;
  const std::string first =
      resume ? absl::StrCat(base, start_after) : full_prefix;
  it->Seek(first);
  if (resume && it->Valid() && it->key() == rocksdb::Slice(first)) it->Next();
  std::vector<std::pair<std::string, std::string>> rows;
  for (; it->Valid() && rows.size() < limit; it->Next()) {
    const rocksdb::Slice key = it->key();
    if (!key.starts_with(full_prefix)) break;
    rows.emplace_back(
        std::string(key.data() + base.size(), key.size() - base.size()),
        it->value().ToString());
  }
  if (!it->status().ok()) {
    return ToStatus(it->status(), "scanning read-model rows");
  }
  return rows;
}

std::shared_ptr<const rocksdb::Snapshot> RowStore::Snapshot() const {
  rocksdb::DB* db = db_.get();
  return std::shared_ptr<const rocksdb::Snapshot>(
      db->GetSnapshot(),
      [db](const rocksdb::Snapshot* s) { db->ReleaseSnapshot(s); });
}

}  // namespace kamgov::projections
