// Kills kamgovd with SIGKILL while its projections catch up with a log
// they have never seen, restarts, and checks that every read model ends up
// row for row equal to a clean rebuild: each event took effect exactly once
// across the crashes (rows and checkpoint commit in one batch).

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/workload/executor.h"
#include "bench/workload/generator.h"
#include "bench/workload/pipeline.h"
#include "bench/workload/profile.h"
#include "eventstore/rocks_event_log.h"
#include "gtest/gtest.h"
#include "projections/engine.h"
#include "projections/registry.h"
#include "services/daemon.h"
#include "tests/testing/temp_dir.h"

namespace kamgov::projections {
namespace {

using Rows = std::vector<std::pair<std::string, std::string>>;

constexpr int kMaxRuns = 16;

// Fills data_dir's log with a generated organization's history.
uint64_t FillLog(const std::string& data_dir) {
  services::DaemonOptions options;
  options.data_dir = data_dir;
  options.server.listen = "127.0.0.1:0";
  options.scheduler_interval = absl::ZeroDuration();
  auto daemon = services::Daemon::Start(options);
  EXPECT_TRUE(daemon.ok()) << daemon.status();
  if (!daemon.ok()) return 0;
  bench::workload::ProfileParams params;
  params.name = "global-matrix";
  params.accounts = 200;
  params.seed = 7;
  auto generator = bench::workload::Generator::Create(params);
  EXPECT_TRUE(generator.ok()) << generator.status();
  if (!generator.ok()) return 0;
  bench::workload::ProcessorExecutor executor(&(*daemon)->processor(),
                                              "svc:crash-test");
  bench::workload::Pipeline pipeline(&executor);
  for (auto& phase : (*generator)->Setup()) {
    absl::Status status =
        bench::workload::RunPhase(pipeline, std::move(phase), 32);
    EXPECT_TRUE(status.ok()) << status;
  }
  absl::Status steady = bench::workload::RunCommands(
      pipeline, [&] { return (*generator)->Next(); }, 6000, 64);
  EXPECT_TRUE(steady.ok()) << steady;
  const uint64_t head = (*daemon)->log().GetChainHead().position;
  (*daemon)->Stop();
  return head;
}

// Starts kamgovd on data_dir and SIGKILLs it after `delay`.
void RunAndKill(const std::string& data_dir, absl::Duration delay) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const std::string data = "--data_dir=" + data_dir;
    execl(KAMGOVD_PATH, KAMGOVD_PATH, "--listen=127.0.0.1:0",
          "--metrics_listen=", "--log_level=error", data.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  absl::SleepFor(delay);
  kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "kamgovd exited by itself: " << status;
}

struct Opened {
  std::unique_ptr<eventstore::RocksEventLog> log;
  std::unique_ptr<ProjectionEngine> engine;
};

Opened Open(const std::string& data_dir) {
  Opened opened;
  eventstore::RocksEventLogOptions log_options;
  log_options.path = data_dir + "/log";
  auto log = eventstore::RocksEventLog::Open(log_options);
  EXPECT_TRUE(log.ok()) << log.status();
  if (!log.ok()) return opened;
  opened.log = *std::move(log);
  EngineOptions options;
  options.path = data_dir + "/readmodels";
  auto engine =
      ProjectionEngine::Open(options, opened.log.get(), AllProjections());
  EXPECT_TRUE(engine.ok()) << engine.status();
  if (engine.ok()) opened.engine = *std::move(engine);
  return opened;
}

Rows AllRows(ProjectionEngine& engine, const std::string& name,
             uint64_t position) {
  auto rows = engine.Read(name, position, absl::Now() + absl::Seconds(60));
  EXPECT_TRUE(rows.ok()) << name << ": " << rows.status();
  if (!rows.ok()) return {};
  EXPECT_EQ((*rows)->position(), position) << name;
  auto all = (*rows)->Scan("", "", std::numeric_limits<size_t>::max());
  EXPECT_TRUE(all.ok()) << all.status();
  return all.ok() ? *all : Rows{};
}

TEST(ProjectionCrashTest, KillsDuringCatchUpEndEqualToACleanRebuild) {
  ASSERT_FALSE(AllProjections().empty());
  kamgov::testing::TempDir dir;
  const uint64_t head = FillLog(dir.path());
  ASSERT_GT(head, 5000u);
  // The projections start from nothing, with the whole log to catch up on.
  std::filesystem::remove_all(dir.path() + "/readmodels");

  // Kill until one kill lands mid-way through the catch-up (some projection
  // checkpointed, not all at the head): later when nothing was
  // checkpointed yet, sooner (from scratch) when everything was.
  absl::Duration delay = absl::Milliseconds(60);
  int mid_way = 0;
  for (int run = 0; run < kMaxRuns && mid_way == 0; ++run) {
    RunAndKill(dir.path(), delay);
    Opened opened = Open(dir.path());
    ASSERT_NE(opened.engine, nullptr);
    bool all_done = true;
    for (const ProjectionProgress& p : opened.engine->Status()) {
      if (p.position > 0 && p.position < head) ++mid_way;
      all_done = all_done && p.position >= head;
    }
    if (mid_way > 0) break;
    if (all_done) {
      opened.engine.reset();  // before the log it listens to
      opened.log.reset();
      std::filesystem::remove_all(dir.path() + "/readmodels");
      delay = delay * 0.6;
    } else {
      delay = delay * 1.7;
    }
  }
  ASSERT_GT(mid_way, 0) << "no kill landed during the catch-up";

  Opened opened = Open(dir.path());
  ASSERT_NE(opened.engine, nullptr);
  opened.engine->Start();
  // kamgovd's deadline scheduler may have recorded events of its own.
  const uint64_t final_head = opened.log->GetChainHead().position;
  std::map<std::string, Rows> resumed;
  for (const ProjectionProgress& p : opened.engine->Status()) {
    resumed[p.name] = AllRows(*opened.engine, p.name, final_head);
    EXPECT_FALSE(resumed[p.name].empty()) << p.name;
    ASSERT_TRUE(opened.engine->Rebuild(p.name).ok());
  }
  // Wait for the rebuilds; each then serves.
  for (int i = 0; i < 6000; ++i) {
    bool rebuilding = false;
    for (const ProjectionProgress& p : opened.engine->Status()) {
      rebuilding |= p.rebuilding;
      ASSERT_TRUE(p.error.empty()) << p.name << ": " << p.error;
    }
    if (!rebuilding) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  for (const auto& [name, rows] : resumed) {
    Rows rebuilt = AllRows(*opened.engine, name, final_head);
    ASSERT_EQ(rebuilt.size(), rows.size()) << name;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (rebuilt[i] == rows[i]) continue;
      ADD_FAILURE() << name << " differs from its rebuild at row " << i << ": "
                    << absl::CEscape(rows[i].first) << " = "
                    << absl::CEscape(rows[i].second) << ", rebuilt "
                    << absl::CEscape(rebuilt[i].first) << " = "
                    << absl::CEscape(rebuilt[i].second);
      break;
    }
  }
}

}  // namespace
}  // namespace kamgov::projections
