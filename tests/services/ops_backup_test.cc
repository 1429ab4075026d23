// Online backup (AdminService.Backup over gRPC) while commands run, and the
// restore a new server starts from (DaemonOptions::restore_from, as
// `kamgovd --restore_from`).

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/backup.h"
#include "tests/services/ops_util.h"
#include "tests/testing/temp_dir.h"

namespace kamgov::services::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// A command acknowledged to its caller.
struct Acked {
  std::string person_id;
  std::string command_id;
  uint64_t position = 0;
  // Acknowledged before the backup was requested.
  bool before_backup = false;
};

std::vector<eventstore::RecordedEvent> ReadAll(const eventstore::EventLog& log,
                                               uint64_t up_to) {
  std::vector<eventstore::RecordedEvent> all;
  while (all.size() < up_to) {
    absl::StatusOr<std::vector<eventstore::RecordedEvent>> page = log.ReadAll(
        all.size(), std::min<size_t>(500, up_to - all.size()), true);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok() || page->empty()) break;
    for (auto& event : *page) all.push_back(std::move(event));
  }
  return all;
}

TEST(OpsBackup, BackupDuringCommandsRestoresEveryAcknowledgedCommand) {
  kamgov::testing::TempDir data, backups, restored_data;
  absl::StatusOr<std::unique_ptr<OpsServer>> original =
      OpsServer::Start(TestDaemonOptions(data.path()));
  ASSERT_TRUE(original.ok()) << original.status();
  ASSERT_TRUE((*original)->RunAll(domain::testing::World()).ok());

  // Writers register people without pause, before, during and after the
  // backup.
  std::atomic<bool> backup_requested{false};
  std::atomic<bool> stop{false};
  std::atomic<int> acked_count{0};
  std::atomic<bool> failed{false};
  absl::Mutex mu;
  std::vector<Acked> acked;
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; !stop.load(); ++i) {
        const std::string person = absl::StrCat("w", w, "-", i);
        domain::testing::CommandStep step = RegisterStep(person);
        step.meta.set_command_id(absl::StrCat("cmd-", person));
        absl::StatusOr<v1::CommandResult> result = (*original)->Execute(step);
        // Read after the answer: true means the answer came before the
        // backup was even requested.
        const bool before = !backup_requested.load();
        if (!result.ok()) {
          ADD_FAILURE() << person << ": " << result.status();
          failed.store(true);
          return;
        }
        absl::MutexLock lock(&mu);
        acked.push_back({person, step.meta.command_id(),
                         result->commit_position(), before});
        ++acked_count;
      }
    });
  }
  while (acked_count.load() < 100 && !failed.load()) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  const std::string destination = backups.path() + "/kamgov";
  backup_requested.store(true);
  absl::StatusOr<v1::BackupResponse> backup = (*original)->Backup(destination);
  const int at_backup_end = acked_count.load();
  while (acked_count.load() < at_backup_end + 50 && !failed.load()) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  stop.store(true);
  for (std::thread& t : writers) t.join();
  ASSERT_FALSE(failed.load());
  ASSERT_TRUE(backup.ok()) << backup.status();
  EXPECT_EQ(backup->backup_id(), 1u);
  EXPECT_EQ(backup->backups_in_destination(), 1u);
  EXPECT_GT(backup->file_count(), 0u);

  uint64_t last_before = 0;
  int before_count = 0;
  for (const Acked& a : acked) {
    if (!a.before_backup) continue;
    ++before_count;
    last_before = std::max(last_before, a.position);
  }
  ASSERT_GE(before_count, 100);
  EXPECT_GE(backup->position(), last_before);

  // A new server restored from the backup.
  DaemonOptions options = TestDaemonOptions(restored_data.path() + "/data");
  options.restore_from = destination;
  absl::StatusOr<std::unique_ptr<OpsServer>> restored =
      OpsServer::Start(options);
  ASSERT_TRUE(restored.ok()) << restored.status();
  eventstore::EventLog& restored_log = (*restored)->daemon().log();
  const uint64_t restored_head = restored_log.GetChainHead().position;
  // Every command acknowledged before the backup began is there...
  EXPECT_GE(restored_head, last_before);
  EXPECT_GE(restored_head, backup->position());
  // ...the chain verifies...
  absl::StatusOr<eventstore::VerifyResult> verified =
      restored_log.VerifyChain(1, 0);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(verified->ok) << verified->problem;
  EXPECT_EQ(verified->checked, restored_head);
  // ...and the restored log is exactly the original's prefix.
  const uint64_t original_head =
      (*original)->daemon().log().GetChainHead().position;
  ASSERT_LE(restored_head, original_head);
  const std::vector<eventstore::RecordedEvent> mine =
      ReadAll(restored_log, restored_head);
  const std::vector<eventstore::RecordedEvent> theirs =
      ReadAll((*original)->daemon().log(), restored_head);
  ASSERT_EQ(mine.size(), restored_head);
  ASSERT_EQ(theirs.size(), restored_head);
  for (size_t i = 0; i < mine.size(); ++i) {
    ASSERT_EQ(mine[i].position, theirs[i].position);
    ASSERT_EQ(mine[i].record_bytes, theirs[i].record_bytes) << i;
    ASSERT_EQ(mine[i].hash, theirs[i].hash) << i;
    ASSERT_EQ(mine[i].personal, theirs[i].personal) << i;
  }

  // It serves the same state: Get of people registered before the backup,
  // and a retried command answers with its original result.
  for (const Acked& a : acked) {
    if (!a.before_backup) continue;
    absl::StatusOr<v1::GetPersonResponse> got =
        (*restored)->GetPerson(a.person_id);
    absl::StatusOr<v1::GetPersonResponse> want =
        (*original)->GetPerson(a.person_id);
    ASSERT_TRUE(got.ok()) << a.person_id << ": " << got.status();
    ASSERT_TRUE(want.ok()) << want.status();
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*got, *want))
        << a.person_id;
  }
  // The restored server rebuilt its read models from the restored log (they
  // are derived data, not in the backup). The writers only registered
  // people, which the dashboards do not show: those read models are row
  // for row the original's.
  for (const char* name : {"portfolio", "coverage", "plan_compliance",
                           "escalations", "selection_cycle"}) {
    auto rows_of = [name](Daemon& daemon) {
      const uint64_t head = daemon.log().GetChainHead().position;
      auto rows = daemon.projections().Read(name, head,
                                            absl::Now() + absl::Seconds(30));
      EXPECT_TRUE(rows.ok()) << name << ": " << rows.status();
      std::vector<std::pair<std::string, std::string>> all;
      if (rows.ok()) all = *(*rows)->Scan("", "", size_t{1} << 30);
      return all;
    };
    const auto restored_rows = rows_of((*restored)->daemon());
    EXPECT_FALSE(restored_rows.empty()) << name;
    EXPECT_TRUE(restored_rows == rows_of((*original)->daemon())) << name;
  }

  const Acked& first = acked.front();
  ASSERT_TRUE(first.before_backup);
  domain::testing::CommandStep retry = RegisterStep(first.person_id);
  retry.meta.set_command_id(first.command_id);
  absl::StatusOr<v1::CommandResult> replayed = (*restored)->Execute(retry);
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_EQ(replayed->commit_position(), first.position);

  // And it goes on: a new command extends the restored chain.
  ASSERT_TRUE((*restored)->Execute(RegisterStep("after-restore")).ok());
  verified = restored_log.VerifyChain(1, 0);
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok) << verified->problem;
  EXPECT_EQ(verified->checked, restored_head + 1);
}

TEST(OpsBackup, BackupsAreIncrementalAndKeepTrimsOldOnes) {
  kamgov::testing::TempDir data, backups;
  absl::StatusOr<std::unique_ptr<OpsServer>> server =
      OpsServer::Start(TestDaemonOptions(data.path()));
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_TRUE((*server)->RunAll(domain::testing::World()).ok());
  const std::string destination = backups.path() + "/b";
  absl::StatusOr<v1::BackupResponse> first = (*server)->Backup(destination);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE((*server)->Execute(RegisterStep("later")).ok());
  absl::StatusOr<v1::BackupResponse> second = (*server)->Backup(destination);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->backup_id(), first->backup_id() + 1);
  EXPECT_EQ(second->backups_in_destination(), 2u);
  EXPECT_GT(second->position(), first->position());
  {
    // An older backup can be restored by its id.
    kamgov::testing::TempDir target;
    DaemonOptions options = TestDaemonOptions(target.path() + "/data");
    options.restore_from = destination;
    options.restore_backup_id = first->backup_id();
    absl::StatusOr<std::unique_ptr<Daemon>> restored = Daemon::Start(options);
    ASSERT_TRUE(restored.ok()) << restored.status();
    EXPECT_EQ((*restored)->log().GetChainHead().position, first->position());
  }
  absl::StatusOr<v1::BackupResponse> third =
      (*server)->Backup(destination, /*keep=*/1);
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->backups_in_destination(), 1u);
  // The backup counter and the last-success figures move.
  const std::string text = (*server)->daemon().metrics().ScrapeText();
  EXPECT_THAT(text, HasSubstr("kamgov_backups_total{outcome=\"ok\"} 3"));
}

TEST(OpsBackup, BadDestinationsAndCallersAreRefused) {
  kamgov::testing::TempDir data, backups;
  DaemonOptions options = TestDaemonOptions(data.path());
  options.backup.backup_root = backups.path() + "/allowed";
  options.admin.admin_principals = {kOpsPrincipal};
  absl::StatusOr<std::unique_ptr<OpsServer>> server = OpsServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();

  absl::StatusOr<v1::BackupResponse> relative =
      (*server)->Backup("relative/dir");
  EXPECT_EQ(relative.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(relative.status().message(), HasSubstr("absolute"));

  absl::StatusOr<v1::BackupResponse> outside =
      (*server)->Backup(backups.path() + "/allowed/../elsewhere");
  EXPECT_EQ(outside.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(outside.status().message(), HasSubstr("backup_root"));

  absl::StatusOr<v1::BackupResponse> stranger =
      (*server)->Backup(backups.path() + "/allowed/x", 0, "svc:stranger");
  EXPECT_EQ(stranger.status().code(), absl::StatusCode::kPermissionDenied);

  absl::StatusOr<v1::BackupResponse> inside_store =
      (*server)->Backup(data.path() + "/log/backup");
  EXPECT_EQ(inside_store.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(inside_store.status().message(), HasSubstr("overlaps"));

  EXPECT_TRUE((*server)->Backup(backups.path() + "/allowed/x").ok());
}

TEST(OpsBackup, RestoreRefusesANonEmptyDataDirUnlessToldToOverwrite) {
  kamgov::testing::TempDir data, backups, other;
  const std::string destination = backups.path() + "/b";
  uint64_t backed_up_head = 0;
  {
    absl::StatusOr<std::unique_ptr<OpsServer>> server =
        OpsServer::Start(TestDaemonOptions(data.path()));
    ASSERT_TRUE(server.ok()) << server.status();
    ASSERT_TRUE((*server)->RunAll(domain::testing::World()).ok());
    ASSERT_TRUE((*server)->Backup(destination).ok());
    backed_up_head = (*server)->daemon().log().GetChainHead().position;
  }
  // Another store, with a different history, in `other`.
  {
    absl::StatusOr<std::unique_ptr<OpsServer>> server =
        OpsServer::Start(TestDaemonOptions(other.path()));
    ASSERT_TRUE(server.ok()) << server.status();
    ASSERT_TRUE((*server)->Execute(domain::testing::World()[0]).ok());
  }
  DaemonOptions options = TestDaemonOptions(other.path());
  options.restore_from = destination;
  absl::StatusOr<std::unique_ptr<Daemon>> refused = Daemon::Start(options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("--restore_overwrite"));

  options.restore_overwrite = true;
  absl::StatusOr<std::unique_ptr<Daemon>> restored = Daemon::Start(options);
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_EQ((*restored)->log().GetChainHead().position, backed_up_head);
  (*restored)->Stop();
  // The replaced store was moved aside, not deleted.
  int aside = 0;
  for (const auto& entry : fs::directory_iterator(other.path())) {
    if (entry.path().filename().string().rfind("log.replaced-", 0) == 0) {
      ++aside;
    }
  }
  EXPECT_EQ(aside, 1);
}

TEST(OpsBackup, ACorruptBackupIsNotRestored) {
  kamgov::testing::TempDir data, backups, target;
  const std::string destination = backups.path() + "/b";
  {
    absl::StatusOr<std::unique_ptr<OpsServer>> server =
        OpsServer::Start(TestDaemonOptions(data.path()));
    ASSERT_TRUE(server.ok()) << server.status();
    ASSERT_TRUE((*server)->RunAll(domain::testing::World()).ok());
    ASSERT_TRUE((*server)->Backup(destination).ok());
  }
  // Flip one byte in the middle of the largest file of the backup.
  fs::path largest;
  uintmax_t largest_size = 0;
  for (const auto& entry : fs::recursive_directory_iterator(destination)) {
    if (entry.is_regular_file() && entry.file_size() > largest_size &&
        entry.path().parent_path().filename() != "meta") {
      largest = entry.path();
      largest_size = entry.file_size();
    }
  }
  ASSERT_GT(largest_size, 0u);
  {
    std::fstream file(largest, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(static_cast<std::streamoff>(largest_size / 2));
    char byte = 0;
    file.read(&byte, 1);
    byte = static_cast<char>(byte ^ 0x5a);
    file.seekp(static_cast<std::streamoff>(largest_size / 2));
    file.write(&byte, 1);
  }
  DaemonOptions options = TestDaemonOptions(target.path() + "/data");
  options.restore_from = destination;
  absl::StatusOr<std::unique_ptr<Daemon>> restored = Daemon::Start(options);
  ASSERT_FALSE(restored.ok());
  EXPECT_EQ(restored.status().code(), absl::StatusCode::kDataLoss)
      << restored.status();
  // Nothing half-restored is left to be opened by mistake.
  EXPECT_FALSE(fs::exists(target.path() + "/data/log"));
}

TEST(OpsBackup, RestoreFromAMissingBackupFails) {
  kamgov::testing::TempDir target;
  DaemonOptions options = TestDaemonOptions(target.path() + "/data");
  options.restore_from = target.path() + "/no-such-backup";
  absl::StatusOr<std::unique_ptr<Daemon>> restored = Daemon::Start(options);
  ASSERT_FALSE(restored.ok());
  EXPECT_EQ(restored.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace kamgov::services::testing
