#include "eventstore/rocks_db.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "eventstore/format.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"

namespace kamgov::eventstore {
namespace {

constexpr const char* kCfNames[kCfCount] = {
    format::kEventsCf,   format::kHashesCf, format::kStreamsCf,
    format::kHeadsCf,    format::kTagsCf,   format::kCommandsCf,
    format::kPersonalCf, format::kMetaCf};

// The bytes of an index key up to and including its 0x00 separator: the
// stream of a `streams` key, the tag of a `tags` key (format.h). Used only as
// a memtable insert hint, never for reads or on disk.
class UpToSeparator final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "kamgov.UpToSeparator"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    const void* zero = memchr(key.data(), '\0', key.size());
    return {
        key.data(),
        static_cast<size_t>(static_cast<const char*>(zero) - key.data()) + 1};
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return memchr(key.data(), '\0', key.size()) != nullptr;
  }
};

rocksdb::ColumnFamilyOptions CfOptions(Cf which,
                                       std::shared_ptr<rocksdb::Cache> cache) {
  rocksdb::ColumnFamilyOptions options;
  // A group inserts one key per stream and per tag it touches, scattered
  // over the memtable's skip list; each would search it from the top. Keys
  // of one stream or tag arrive in order, so a per-prefix insert hint turns
  // most of these into short local searches (the writer is the only
  // inserter, as the hint requires: no concurrent memtable writes).
  if (which == Cf::kStreams || which == Cf::kTags) {
    static const std::shared_ptr<const rocksdb::SliceTransform> kHint =
        std::make_shared<UpToSeparator>();
    options.memtable_insert_with_hint_prefix_extractor = kHint;
  }
  // Every command looks up its id, and nearly all are new: a memtable bloom
  // filter answers "absent" without searching the skip list.
  if (which == Cf::kCommands) {
    options.memtable_prefix_bloom_size_ratio = 0.02;
    options.memtable_whole_key_filtering = true;
  }
  // Point lookups (heads, commands, personal, meta) skip SST files that
  // cannot hold the key. Events and hashes are read by position ranges,
  // streams and tags only through iterators.
  const bool point_lookups = which == Cf::kHeads || which == Cf::kCommands ||
                             which == Cf::kPersonal || which == Cf::kMeta;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(
      BoundedTableOptions(std::move(cache), point_lookups)));
  options.compression = rocksdb::kLZ4Compression;
  if (which == Cf::kEvents) options.write_buffer_size = 64 << 20;
  return options;
}

}  // namespace

absl::Status ToStatus(const rocksdb::Status& status, absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  std::string message = absl::StrCat(what, ": ", status.ToString());
  if (status.IsCorruption()) return absl::DataLossError(message);
  if (status.IsIOError() || status.IsNoSpace() || status.IsBusy() ||
      status.IsTimedOut() || status.IsTryAgain() || status.IsNotSupported()) {
    return absl::UnavailableError(message);
  }
  return absl::InternalError(message);
}

rocksdb::BlockBasedTableOptions BoundedTableOptions(
    std::shared_ptr<rocksdb::Cache> cache, bool bloom) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = std::move(cache);
  table.cache_index_and_filter_blocks = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  table.pin_top_level_index_and_filter = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  if (bloom) {
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    table.partition_filters = true;
  }
  return table;
}

bool HasBackgroundWork(rocksdb::DB& db) {
  uint64_t flushes = 0;
  uint64_t compactions = 0;
  uint64_t pending = 0;
  uint64_t immutable_memtables = 0;
  // A property the DB cannot report counts as work, so callers waiting for
  // quiet never proceed on a guess.
  if (!db.GetIntProperty("rocksdb.num-running-flushes", &flushes) ||
      !db.GetIntProperty("rocksdb.num-running-compactions", &compactions) ||
      !db.GetAggregatedIntProperty("rocksdb.compaction-pending", &pending) ||
      !db.GetAggregatedIntProperty("rocksdb.num-immutable-mem-table",
                                   &immutable_memtables)) {
    return true;
  }
  return flushes + compactions + pending + immutable_memtables > 0;
}

absl::StatusOr<std::unique_ptr<RocksDb>> RocksDb::Open(
    const RocksDbOptions& options) {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  // One writer thread (group_commit_writer.h) batches every append, so
  // RocksDB never has parallel memtable writers; the insert hints above
  // require this.
  db_options.allow_concurrent_memtable_write = false;
  db_options.statistics = options.statistics;
  if (options.env != nullptr) db_options.env = options.env;
  // One memtable budget for all column families: the small ones (heads,
  // commands) would otherwise each grow to a full write buffer before
  // flushing.
  db_options.db_write_buffer_size = 128 << 20;

  std::shared_ptr<rocksdb::Cache> cache =
      rocksdb::NewLRUCache(options.block_cache_bytes);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName,
                           rocksdb::ColumnFamilyOptions());
  for (int i = 0; i < kCfCount; ++i) {
    descriptors.emplace_back(kCfNames[i], CfOptions(static_cast<Cf>(i), cache));
  }

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &raw);
  if (!s.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "cannot open the event store at ", options.path, ": ", s.ToString()));
  }
  std::unique_ptr<RocksDb> store(new RocksDb());
  store->db_.reset(raw);
  // handles[0] is the default family; RocksDB keeps it alive itself.
  store->db_->DestroyColumnFamilyHandle(handles[0]);
  for (int i = 0; i < kCfCount; ++i) store->handles_[i] = handles[i + 1];

  absl::StatusOr<std::optional<std::string>> version =
      store->Get(Cf::kMeta, format::kFormatKey);
  if (!version.ok()) return version.status();
  if (!version->has_value()) {
    rocksdb::WriteBatch batch;
    batch.Put(store->cf(Cf::kMeta), format::kFormatKey,
              format::BE64(format::kFormatVersion));
    absl::Status written = store->Write(&batch, /*sync=*/true);
    if (!written.ok()) return written;
  } else if ((*version)->size() != 8 ||
             format::DecodeBE64(**version) != format::kFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the event store at ", options.path, " has format version ",
        (*version)->size() == 8 ? std::to_string(format::DecodeBE64(**version))
                                : "<unreadable>",
        "; this build reads format version ", format::kFormatVersion));
  }
  return store;
}

RocksDb::~RocksDb() {
  if (db_ == nullptr) return;
  // After a failed write RocksDB's WAL writer is in an error state and
  // syncing it again trips an assertion (Debian builds RocksDB with them);
  // every acknowledged write was synced already.
  if (!write_failed_.load(std::memory_order_acquire)) {
    db_->FlushWAL(/*sync=*/true).PermitUncheckedError();
    // Memtables flushed now are not replayed from the WAL at the next open:
    // a clean restart is ready in milliseconds instead of seconds.
    std::vector<rocksdb::ColumnFamilyHandle*> families;
    for (rocksdb::ColumnFamilyHandle* handle : handles_) {
      if (handle != nullptr) families.push_back(handle);
    }
    rocksdb::FlushOptions flush;
    flush.wait = true;
    db_->Flush(flush, families).PermitUncheckedError();
  }
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    if (handle != nullptr) {
      db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
    }
  }
  db_->Close().PermitUncheckedError();
}

absl::StatusOr<std::optional<std::string>> RocksDb::Get(
    Cf which, absl::string_view key, const rocksdb::Snapshot* snapshot) const {
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot;
  std::string value;
  rocksdb::Status s = db_->Get(read_options, cf(which),
                               rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return ToStatus(s, "read");
  return value;
}

absl::Status RocksDb::Write(rocksdb::WriteBatch* batch, bool sync) {
  rocksdb::WriteOptions write_options;
  write_options.sync = sync;
  rocksdb::Status s = db_->Write(write_options, batch);
  if (!s.ok()) write_failed_.store(true, std::memory_order_release);
  return ToStatus(s, "write");
}

absl::Status RocksDb::SyncWal() {
  rocksdb::Status s = db_->SyncWAL();
  if (!s.ok()) write_failed_.store(true, std::memory_order_release);
  return ToStatus(s, "sync WAL");
}

std::unique_ptr<rocksdb::Iterator> RocksDb::NewIterator(
    Cf which, const rocksdb::ReadOptions& read_options) const {
  return std::unique_ptr<rocksdb::Iterator>(
      db_->NewIterator(read_options, cf(which)));
}

}  // namespace kamgov::eventstore
