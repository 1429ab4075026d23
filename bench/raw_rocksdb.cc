#include "bench/raw_rocksdb.h"

#include "absl/strings/str_cat.h"
#include "rocksdb/cache.h"
#include "rocksdb/table.h"

namespace kamgov::bench {
namespace {

absl::Status ToStatus(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat(what, ": ", s.ToString()));
}

}  // namespace

absl::StatusOr<std::unique_ptr<RawRocksDb>> RawRocksDb::Open(
    const std::string& path, std::shared_ptr<rocksdb::Statistics> statistics) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.max_background_jobs = 2;
  options.statistics = std::move(statistics);
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(64 << 20);
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  options.compression = rocksdb::kLZ4Compression;
  options.write_buffer_size = 64 << 20;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path, &raw);
  if (!s.ok()) return ToStatus(s, absl::StrCat("open ", path));
  return std::unique_ptr<RawRocksDb>(
      new RawRocksDb(std::unique_ptr<rocksdb::DB>(raw)));
}

RawRocksDb::~RawRocksDb() { db_->Close().PermitUncheckedError(); }

absl::Status RawRocksDb::Put(absl::string_view key, absl::string_view value,
                             bool sync) {
  rocksdb::WriteOptions options;
  options.sync = sync;
  return ToStatus(db_->Put(options, rocksdb::Slice(key.data(), key.size()),
                           rocksdb::Slice(value.data(), value.size())),
                  "put");
}

absl::Status RawRocksDb::Write(rocksdb::WriteBatch* batch, bool sync) {
  rocksdb::WriteOptions options;
  options.sync = sync;
  return ToStatus(db_->Write(options, batch), "write");
}

}  // namespace kamgov::bench
