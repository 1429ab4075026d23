#include "services/backup.h"

#include <filesystem>
#include <memory>
#include <system_error>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "eventstore/rocks_db.h"
#include "rocksdb/env.h"
#include "rocksdb/utilities/backup_engine.h"
#include "spdlog/spdlog.h"

namespace kamgov::services {
namespace {

namespace fs = std::filesystem;

// The app metadata of a kamgov backup: "kamgov-backup position=N hash=HEX".
constexpr absl::string_view kMetadataTag = "kamgov-backup";

std::string Metadata(const eventstore::ChainHead& head) {
  return absl::StrCat(kMetadataTag, " position=", head.position,
                      " hash=", absl::BytesToHexString(head.hash));
}

uint64_t PositionOf(absl::string_view metadata) {
  if (!absl::StartsWith(metadata, kMetadataTag)) return 0;
  for (absl::string_view field : absl::StrSplit(metadata, ' ')) {
    uint64_t position = 0;
    if (absl::ConsumePrefix(&field, "position=") &&
        absl::SimpleAtoi(field, &position)) {
      return position;
    }
  }
  return 0;
}

// Is `path` (normalized, absolute) inside `dir` (or `dir` itself)?
bool Inside(const fs::path& path, const fs::path& dir) {
  const fs::path relative = path.lexically_relative(dir);
  return !relative.empty() && *relative.begin() != "..";
}

absl::Status FromRocks(const rocksdb::Status& status, absl::string_view what) {
  return eventstore::ToStatus(status, what);
}

}  // namespace

absl::Status BackupTaker::CheckDestination(
    const std::string& destination) const {
  if (destination.empty() || destination.front() != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("the backup destination must be an absolute path on the "
                     "server, got '",
                     destination, "'"));
  }
  const fs::path normal = fs::path(destination).lexically_normal();
  const fs::path store =
      fs::path(log_->rocks_db()->db()->GetName()).lexically_normal();
  if (Inside(normal, store) || Inside(store, normal)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the backup destination ", destination,
                     " overlaps the event store at ", store.string()));
  }
  if (!options_.backup_root.empty() &&
      !Inside(normal, fs::path(options_.backup_root).lexically_normal())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the backup destination ", destination,
        " is outside the server's backup_root ", options_.backup_root));
  }
  return absl::OkStatus();
}

absl::StatusOr<BackupResult> BackupTaker::Take(const std::string& destination,
                                               uint32_t keep) {
  if (absl::Status valid = CheckDestination(destination); !valid.ok()) {
    return valid;
  }
  {
    absl::MutexLock lock(&mu_);
    if (cancelled_) {
      return absl::UnavailableError("the server is shutting down");
    }
    if (busy_) {
      return absl::FailedPreconditionError(
          "a backup is already running; retry when it has finished");
    }
    busy_ = true;
  }
  absl::Cleanup not_busy = [this] {
    absl::MutexLock lock(&mu_);
    busy_ = false;
  };

  std::error_code error;
  fs::create_directories(destination, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot create the backup directory ", destination, ": ",
                     error.message()));
  }
  rocksdb::BackupEngineOptions engine_options(destination);
  engine_options.max_background_operations = 1;  // leave the disk to writes
  engine_options.backup_rate_limit = options_.rate_limit_bytes_per_second;
  rocksdb::BackupEngine* raw = nullptr;
  rocksdb::IOStatus opened = rocksdb::BackupEngine::Open(
      engine_options, rocksdb::Env::Default(), &raw);
  if (!opened.ok()) {
    return FromRocks(opened,
                     absl::StrCat("open the backup directory ", destination));
  }
  std::unique_ptr<rocksdb::BackupEngine> engine(raw);
  {
    absl::MutexLock lock(&mu_);
    if (cancelled_) {
      return absl::UnavailableError("the server is shutting down");
    }
    active_ = engine.get();
  }
  // Every append acknowledged so far is at or below this head, so in the
  // backup: what the backup copies is taken after this point.
  const eventstore::ChainHead head = log_->GetChainHead();
  rocksdb::BackupID id = 0;
  rocksdb::IOStatus created = engine->CreateNewBackupWithMetadata(
      rocksdb::CreateBackupOptions(), log_->rocks_db()->db(), Metadata(head),
      &id);
  {
    absl::MutexLock lock(&mu_);
    active_ = nullptr;
    if (created.IsIncomplete() || cancelled_) {
      return absl::UnavailableError(
          "the server is shutting down; the backup was abandoned (the "
          "destination keeps its earlier backups)");
    }
  }
  if (!created.ok()) return FromRocks(created, "back up the event store");
  if (keep > 0) {
    rocksdb::IOStatus purged = engine->PurgeOldBackups(keep);
    if (!purged.ok()) return FromRocks(purged, "delete older backups");
  }
  rocksdb::IOStatus verified = engine->VerifyBackup(id);
  if (!verified.ok()) return FromRocks(verified, "check the new backup");

  rocksdb::BackupInfo info;
  rocksdb::Status got = engine->GetBackupInfo(id, &info);
  if (!got.ok()) return FromRocks(got, "read the new backup's information");
  std::vector<rocksdb::BackupInfo> all;
  engine->GetBackupInfo(&all);
  BackupResult result;
  result.backup_id = id;
  result.position = head.position;
  result.size_bytes = info.size;
  result.file_count = info.number_files;
  result.backups_in_destination = static_cast<uint32_t>(all.size());
  result.created_at_us = info.timestamp * 1000000;
  return result;
}

void BackupTaker::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  if (active_ != nullptr) active_->StopBackup();
}

absl::StatusOr<RestoreResult> RestoreBackup(const std::string& backup_dir,
                                            const std::string& log_dir,
                                            bool overwrite,
                                            uint32_t backup_id) {
  std::error_code error;
  if (!fs::is_directory(backup_dir, error)) {
    return absl::NotFoundError(
        absl::StrCat("no backup directory at ", backup_dir));
  }
  rocksdb::BackupEngineOptions engine_options(backup_dir);
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  rocksdb::IOStatus opened = rocksdb::BackupEngineReadOnly::Open(
      engine_options, rocksdb::Env::Default(), &raw);
  if (!opened.ok()) {
    return FromRocks(opened,
                     absl::StrCat("open the backup directory ", backup_dir));
  }
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  std::vector<rocksdb::BackupInfo> backups;
  engine->GetBackupInfo(&backups);
  const rocksdb::BackupInfo* chosen = nullptr;
  for (const rocksdb::BackupInfo& info : backups) {
    if (backup_id == 0
            ? (chosen == nullptr || info.backup_id > chosen->backup_id)
            : info.backup_id == backup_id) {
      chosen = &info;
    }
  }
  if (chosen == nullptr) {
    return absl::NotFoundError(
        backup_id == 0
            ? absl::StrCat("no backup in ", backup_dir)
            : absl::StrCat("no backup ", backup_id, " in ", backup_dir));
  }
  rocksdb::IOStatus verified =
      engine->VerifyBackup(chosen->backup_id, /*verify_with_checksum=*/true);
  if (!verified.ok()) {
    return absl::DataLossError(
        absl::StrCat("backup ", chosen->backup_id, " in ", backup_dir,
                     " fails verification: ", verified.ToString()));
  }

  // The data directory must hold nothing a restore would silently replace.
  const fs::path log_path = fs::path(log_dir);
  const fs::path data_dir = log_path.parent_path();
  RestoreResult result;
  if (!overwrite && fs::exists(data_dir, error) &&
      !fs::is_empty(data_dir, error)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the data directory ", data_dir.string(),
                     " is not empty; restore into an empty one, or pass "
                     "--restore_overwrite to move the current store aside"));
  }
  if (fs::exists(log_path, error)) {
    const std::string aside = absl::StrCat(
        log_path.string(), ".replaced-",
        absl::FormatTime("%Y%m%dT%H%M%SZ", absl::Now(), absl::UTCTimeZone()));
    fs::rename(log_path, aside, error);
    if (error) {
      return absl::UnavailableError(absl::StrCat("cannot move ",
                                                 log_path.string(), " to ",
                                                 aside, ": ", error.message()));
    }
    result.replaced_dir = aside;
  }
  fs::create_directories(log_path, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat(
        "cannot create ", log_path.string(), ": ", error.message()));
  }
  rocksdb::IOStatus restored = engine->RestoreDBFromBackup(
      rocksdb::RestoreOptions(), chosen->backup_id, log_dir, log_dir);
  if (!restored.ok()) {
    fs::remove_all(log_path, error);  // never leave half a store
    if (!result.replaced_dir.empty()) {
      fs::rename(result.replaced_dir, log_path, error);
    }
    return FromRocks(
        restored, absl::StrCat("restore backup ", chosen->backup_id, " from ",
                               backup_dir));
  }
  result.backup_id = chosen->backup_id;
  result.created_at_us = chosen->timestamp * 1000000;
  result.position = PositionOf(chosen->app_metadata);
  return result;
}

absl::Status CheckRestoredLog(const eventstore::EventLog& log,
                              const RestoreResult& restored) {
  const eventstore::ChainHead head = log.GetChainHead();
  if (head.position < restored.position) {
    return absl::DataLossError(absl::StrCat(
        "the restored log ends at position ", head.position, " but backup ",
        restored.backup_id, " was taken at position ", restored.position));
  }
  uint64_t checked = 0;
  if (head.position > 0) {
    absl::StatusOr<eventstore::VerifyResult> verified =
        log.VerifyChain(1, head.position);
    if (!verified.ok()) return verified.status();
    if (!verified->ok) {
      return absl::DataLossError(absl::StrCat(
          "the restored log fails hash-chain verification at position ",
          verified->first_bad_position, ": ", verified->problem));
    }
    checked = verified->checked;
  }
  spdlog::info(
      "restored backup {} (taken {}): head position {}, hash chain verified "
      "over {} events{}",
      restored.backup_id,
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                       absl::FromUnixMicros(restored.created_at_us),
                       absl::UTCTimeZone()),
      head.position, checked,
      restored.replaced_dir.empty()
          ? ""
          : absl::StrCat("; the previous store was moved to ",
                         restored.replaced_dir));
  return absl::OkStatus();
}

}  // namespace kamgov::services
