#ifndef KAMGOV_TESTS_TESTING_WAL_FILE_SYSTEM_H_
#define KAMGOV_TESTS_TESTING_WAL_FILE_SYSTEM_H_

// A RocksDB file system for tests that proves and breaks WAL durability.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"

namespace kamgov::testing {

// Forwards every call to `target` (the default POSIX file system unless
// given). For write-ahead-log files (names ending in ".log") it also
//   - numbers every Sync/Fsync with a ticket when it starts, and remembers
//     the highest ticket that completed successfully, so a test can prove
//     that a sync STARTED after some moment FINISHED before another;
//   - fails appends and/or syncs with an IOError while a fault is armed.
// Other files (SSTs, MANIFEST, OPTIONS, the info LOG) are never touched.
//
// Threads: every method is safe to call from any thread; counters are
// atomics. Use it through Env(): RocksDB needs an Env, and the Env returned
// must outlive every DB opened with it.
class WalFileSystem : public rocksdb::FileSystemWrapper {
 public:
  explicit WalFileSystem(std::shared_ptr<rocksdb::FileSystem> target =
                             rocksdb::FileSystem::Default())
      : rocksdb::FileSystemWrapper(target) {}

  static const char* kClassName() { return "WalFileSystem"; }
  const char* Name() const override { return kClassName(); }

  // An Env over this file system. The file system must outlive it.
  static std::unique_ptr<rocksdb::Env> NewEnv(
      const std::shared_ptr<WalFileSystem>& fs) {
    return rocksdb::NewCompositeEnv(fs);
  }

  static bool IsWal(const std::string& fname) {
    return absl::EndsWith(fname, ".log");
  }

  // Tickets handed out so far: the ticket of the next WAL sync to start is
  // syncs_started() + 1.
  uint64_t syncs_started() const {
    return started_.load(std::memory_order_seq_cst);
  }
  // The highest ticket of a WAL sync that returned OK (0 if none).
  uint64_t last_completed_ticket() const {
    return completed_max_.load(std::memory_order_seq_cst);
  }
  // WAL syncs that returned OK.
  uint64_t syncs_completed() const {
    return completed_count_.load(std::memory_order_seq_cst);
  }
  // Faults injected so far.
  uint64_t faults_injected() const {
    return faults_.load(std::memory_order_seq_cst);
  }

  // While armed, WAL appends (resp. syncs) fail with an IOError and write
  // (resp. sync) nothing.
  void FailWalAppends(bool fail) { fail_appends_.store(fail); }
  void FailWalSyncs(bool fail) { fail_syncs_.store(fail); }
  // Marks injected errors retryable (as a transient EIO would be), which
  // makes RocksDB try to resume writing on its own.
  void MakeFaultsRetryable(bool retryable) { retryable_.store(retryable); }

  rocksdb::IOStatus NewWritableFile(const std::string& fname,
                                    const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewWritableFile(fname, options, r, dbg);
    if (s.ok() && IsWal(fname))
      *r = std::make_unique<WalFile>(std::move(*r), this);
    return s;
  }
  rocksdb::IOStatus ReopenWritableFile(
      const std::string& fname, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* r,
      rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->ReopenWritableFile(fname, options, r, dbg);
    if (s.ok() && IsWal(fname))
      *r = std::make_unique<WalFile>(std::move(*r), this);
    return s;
  }
  rocksdb::IOStatus ReuseWritableFile(
      const std::string& fname, const std::string& old_fname,
      const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* r,
      rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s =
        target()->ReuseWritableFile(fname, old_fname, options, r, dbg);
    if (s.ok() && IsWal(fname))
      *r = std::make_unique<WalFile>(std::move(*r), this);
    return s;
  }

 private:
  class WalFile : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    WalFile(std::unique_ptr<rocksdb::FSWritableFile> target, WalFileSystem* fs)
        : rocksdb::FSWritableFileOwnerWrapper(std::move(target)), fs_(fs) {}

    rocksdb::IOStatus Append(const rocksdb::Slice& data,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_->fail_appends_.load()) return fs_->Fault("WAL append");
      return FSWritableFileOwnerWrapper::Append(data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data,
                             const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_->fail_appends_.load()) return fs_->Fault("WAL append");
      return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
    }
    rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data,
                                       uint64_t offset,
                                       const rocksdb::IOOptions& options,
                                       rocksdb::IODebugContext* dbg) override {
      if (fs_->fail_appends_.load()) return fs_->Fault("WAL append");
      return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options,
                                                          dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
      return fs_->CountedSync(
          [&] { return FSWritableFileOwnerWrapper::Sync(options, dbg); });
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* dbg) override {
      return fs_->CountedSync(
          [&] { return FSWritableFileOwnerWrapper::Fsync(options, dbg); });
    }

   private:
    WalFileSystem* const fs_;
  };

  rocksdb::IOStatus Fault(const char* what) {
    faults_.fetch_add(1);
    rocksdb::IOStatus s =
        rocksdb::IOStatus::IOError(std::string("injected fault: ") + what);
    s.SetRetryable(retryable_.load());
    return s;
  }

  template <typename SyncFn>
  rocksdb::IOStatus CountedSync(SyncFn sync) {
    const uint64_t ticket = started_.fetch_add(1) + 1;
    if (fail_syncs_.load()) return Fault("WAL sync");
    rocksdb::IOStatus s = sync();
    if (s.ok()) {
      completed_count_.fetch_add(1);
      uint64_t seen = completed_max_.load();
      while (seen < ticket &&
             !completed_max_.compare_exchange_weak(seen, ticket)) {
      }
    }
    return s;
  }

  std::atomic<uint64_t> started_{0};
  std::atomic<uint64_t> completed_max_{0};
  std::atomic<uint64_t> completed_count_{0};
  std::atomic<uint64_t> faults_{0};
  std::atomic<bool> fail_appends_{false};
  std::atomic<bool> fail_syncs_{false};
  std::atomic<bool> retryable_{false};
};

}  // namespace kamgov::testing

#endif  // KAMGOV_TESTS_TESTING_WAL_FILE_SYSTEM_H_
