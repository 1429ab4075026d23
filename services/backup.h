#ifndef KAMGOV_SERVICES_BACKUP_H_
#define KAMGOV_SERVICES_BACKUP_H_

// Online backups of the event store and their restore, with RocksDB's
// BackupEngine (docs/operations.md).
//
// A backup directory holds one or more backups; table files are shared
// between them, so every backup after the first copies only the files that
// changed (incremental). The live WAL is copied with them, so a backup is a
// consistent prefix of the log: every event committed before the backup
// began, and possibly some committed while it ran, never half a commit
// group (one group is one WriteBatch).

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "eventstore/rocks_event_log.h"

namespace rocksdb {
class BackupEngine;
}

namespace kamgov::services {

struct BackupOptions {
  // When set, destinations must lie inside this directory (a lexical
  // check of the normalized absolute path).
  std::string backup_root;
  // Bytes per second the copy may use; 0 is unlimited.
  uint64_t rate_limit_bytes_per_second = 0;
};

struct BackupResult {
  uint32_t backup_id = 0;
  // The committed position when the backup began (it holds at least that).
  uint64_t position = 0;
  uint64_t size_bytes = 0;
  uint32_t file_count = 0;
  uint32_t backups_in_destination = 0;
  int64_t created_at_us = 0;
};

// Takes backups of one open event log, one at a time, on the caller's
// thread (a backup reads and copies files: run it off gRPC's threads).
//
// Errors: INVALID_ARGUMENT for a bad destination (relative, outside
// backup_root, inside the store), FAILED_PRECONDITION while another backup
// runs, UNAVAILABLE for I/O errors and after Cancel(). Thread-safe; the log
// is not owned and must outlive the taker.
class BackupTaker {
 public:
  BackupTaker(const eventstore::RocksEventLog* log, BackupOptions options)
      : log_(log), options_(std::move(options)) {}

  // Blocks until the backup is written, checked (file sizes) and, with
  // keep > 0, older backups beyond the newest `keep` deleted.
  absl::StatusOr<BackupResult> Take(const std::string& destination,
                                    uint32_t keep);

  // Stops a backup in progress (it fails with UNAVAILABLE, leaving the
  // destination consistent) and refuses later ones. For shutdown.
  void Cancel();

 private:
  absl::Status CheckDestination(const std::string& destination) const;

  const eventstore::RocksEventLog* const log_;
  const BackupOptions options_;

  absl::Mutex mu_;
  bool busy_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  rocksdb::BackupEngine* active_ ABSL_GUARDED_BY(mu_) = nullptr;
};

struct RestoreResult {
  uint32_t backup_id = 0;
  int64_t created_at_us = 0;
  // The committed position when the backup began (from its metadata; 0
  // when the backup was not taken by kamgov).
  uint64_t position = 0;
  // Where the replaced store was moved (with `overwrite`); empty if none.
  std::string replaced_dir;
};

// Restores the newest backup of `backup_dir` (or `backup_id` when not 0)
// into `log_dir`, after verifying every file's checksum. Call it before the
// store is opened. `log_dir`'s parent, the data directory, must be empty
// unless `overwrite`, in which case an existing `log_dir` is moved aside to
// `<log_dir>.replaced-<time>` (never deleted).
//
// Errors: FAILED_PRECONDITION (data directory not empty without
// overwrite), NOT_FOUND (no such backup), DATA_LOSS (a corrupt backup),
// UNAVAILABLE (I/O). A failed restore leaves no half-restored store.
absl::StatusOr<RestoreResult> RestoreBackup(const std::string& backup_dir,
                                            const std::string& log_dir,
                                            bool overwrite,
                                            uint32_t backup_id = 0);

// Checks a store just opened after RestoreBackup: the whole hash chain
// verifies and the log holds at least the backup's position. Logs the
// outcome. DATA_LOSS otherwise.
absl::Status CheckRestoredLog(const eventstore::EventLog& log,
                              const RestoreResult& restored);

}  // namespace kamgov::services

#endif  // KAMGOV_SERVICES_BACKUP_H_
