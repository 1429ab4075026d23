// Tests of kamgov-bench's parts: the JSON line format other tools parse,
// targets, the registry, the data directory checks, the load drivers, and a
// short smoke run of the append scenario against real RocksDB. No assertion
// depends on how fast anything is.

#include <algorithm>
#include <atomic>
#include <cmath>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "bench/data_dir.h"
#include "bench/load.h"
#include "bench/report.h"
#include "bench/scenario.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

ABSL_DECLARE_FLAG(std::vector<std::string>, append_appenders);
ABSL_DECLARE_FLAG(int, append_in_flight);
ABSL_DECLARE_FLAG(std::vector<std::string>, append_batch_appenders);
ABSL_DECLARE_FLAG(int, append_batch_size);
ABSL_DECLARE_FLAG(std::vector<std::string>, commands_in_flight);
ABSL_DECLARE_FLAG(std::string, commands_profile);
ABSL_DECLARE_FLAG(int, commands_accounts);

namespace kamgov::bench {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Figure MakeFigure(double value, std::optional<double> baseline) {
  Figure f;
  f.scenario = "append";
  f.metric = "durable_appends_per_s_64_appenders";
  f.value = value;
  f.unit = "appends/s";
  f.baseline = baseline;
  return f;
}

TEST(Report, JsonLineHasExactlyTheDocumentedFieldsInOrder) {
  EXPECT_EQ(FormatJsonLine(MakeFigure(41234.4, 20000)),
            "{\"scenario\": \"append\", \"metric\": "
            "\"durable_appends_per_s_64_appenders\", \"value\": 41234, "
            "\"unit\": \"appends/s\", \"baseline\": 20000, \"ratio\": 2.062}");
}

TEST(Report, JsonLineOmitsBaselineAndRatioWithoutABaseline) {
  EXPECT_EQ(FormatJsonLine(MakeFigure(12.5, std::nullopt)),
            "{\"scenario\": \"append\", \"metric\": "
            "\"durable_appends_per_s_64_appenders\", \"value\": 12.50, "
            "\"unit\": \"appends/s\"}");
}

TEST(Report, JsonLineEscapesStringsAndWritesNonFiniteAsNull) {
  Figure f = MakeFigure(std::nan(""), 0);
  f.metric = "a\"b\\c\nd";
  const std::string line = FormatJsonLine(f);
  EXPECT_THAT(line, HasSubstr("\"metric\": \"a\\\"b\\\\c\\nd\""));
  EXPECT_THAT(line, HasSubstr("\"value\": null"));
  // A zero baseline gives no ratio rather than a division by zero.
  EXPECT_THAT(line, HasSubstr("\"baseline\": 0.0000, \"ratio\": null}"));
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(Report, TargetsOnRatioAndValue) {
  Figure f = MakeFigure(41000, 20000);
  f.target = Target{Target::Of::kRatio, Target::Cmp::kAtLeast, 2.0, "issue 3"};
  EXPECT_EQ(f.target_met(), true);
  EXPECT_EQ(DescribeTarget(f), "ratio >= 2.00 (issue 3): MET");
  f.value = 39000;
  EXPECT_EQ(f.target_met(), false);
  EXPECT_THAT(DescribeTarget(f), HasSubstr("MISSED"));
  f.baseline.reset();
  EXPECT_EQ(f.target_met(), std::nullopt);

  Figure latency = MakeFigure(9.5, std::nullopt);
  latency.target = Target{Target::Of::kValue, Target::Cmp::kAtMost, 10, ""};
  EXPECT_EQ(latency.target_met(), true);
  latency.value = 10.5;
  EXPECT_EQ(latency.target_met(), false);
}

TEST(Report, TableHasAHeaderAndOneRowPerFigure) {
  Figure f = MakeFigure(41000, 20000);
  f.baseline_label = "raw sync Put, 64 threads";
  const std::string table = FormatTable({f, MakeFigure(3, std::nullopt)});
  std::vector<std::string> lines = absl::StrSplit(table, '\n');
  ASSERT_EQ(lines.size(), 5u);  // header, rule, 2 rows, empty after last \n
  EXPECT_THAT(lines[0], HasSubstr("metric"));
  EXPECT_THAT(lines[2], HasSubstr("41000"));
  EXPECT_THAT(lines[2], HasSubstr("2.050"));
  EXPECT_THAT(lines[2], HasSubstr("raw sync Put, 64 threads"));
}

TEST(Registry, FindsAppendFirstAndRejectsUnknownNames) {
  ASSERT_NE(MakeScenario("append"), nullptr);
  EXPECT_EQ(MakeScenario("append")->name(), "append");
  EXPECT_EQ(MakeScenario("no-such-scenario"), nullptr);
  std::vector<std::string> names = ScenarioNames();
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names.front(), "append");
}

TEST(DataDir, DetectsMemoryFileSystems) {
  if (!std::filesystem::exists("/dev/shm")) GTEST_SKIP() << "no /dev/shm";
  absl::StatusOr<FileSystemInfo> shm = DescribeFileSystem("/dev/shm");
  ASSERT_TRUE(shm.ok()) << shm.status();
  if (shm->type != "tmpfs") GTEST_SKIP() << "/dev/shm is " << shm->type;
  EXPECT_TRUE(shm->in_memory);
}

TEST(DataDir, MissingPathIsAnError) {
  EXPECT_EQ(DescribeFileSystem("/no/such/kamgov/dir").status().code(),
            absl::StatusCode::kUnavailable);
}

TEST(DataDir, RunDirIsFreshAndRemovedUnlessKept) {
  kamgov::testing::TempDir base;
  std::string removed, kept;
  {
    absl::StatusOr<std::unique_ptr<RunDir>> a =
        RunDir::Create(base.path() + "/nested/base", /*keep=*/false);
    ASSERT_TRUE(a.ok()) << a.status();
    removed = (*a)->path();
    EXPECT_TRUE(std::filesystem::is_empty(removed));
    absl::StatusOr<std::unique_ptr<ScopedDir>> sub =
        ScopedDir::Create(removed, "m1", /*keep=*/false);
    ASSERT_TRUE(sub.ok());
    EXPECT_FALSE(ScopedDir::Create(removed, "m1", false).ok());  // exists
  }
  EXPECT_FALSE(std::filesystem::exists(removed));
  {
    absl::StatusOr<std::unique_ptr<RunDir>> b =
        RunDir::Create(base.path(), /*keep=*/true);
    ASSERT_TRUE(b.ok());
    kept = (*b)->path();
  }
  EXPECT_TRUE(std::filesystem::exists(kept));
}

LoadOptions Short() {
  LoadOptions options;
  options.warmup = absl::Milliseconds(10);
  options.duration = absl::Milliseconds(50);
  return options;
}

TEST(Load, ThreadsCountOpsItemsAndTheCounter) {
  std::atomic<uint64_t> calls{0};
  LoadOptions options = Short();
  options.items_per_op = 10;
  options.counter = [&calls] { return calls.load(); };
  absl::StatusOr<LoadResult> r =
      RunThreads(options, 3, [&](int thread, uint64_t) {
        EXPECT_GE(thread, 0);
        EXPECT_LT(thread, 3);
        calls.fetch_add(1);
        absl::SleepFor(absl::Microseconds(200));
        return absl::OkStatus();
      });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GT(r->ops, 0u);
  EXPECT_GT(r->seconds, 0);
  EXPECT_EQ(r->latency.samples, r->ops);
  EXPECT_DOUBLE_EQ(r->items_per_s(), r->ops_per_s() * 10);
  // The counter moved by about the ops of the window (calls in flight at
  // the edges count on one side only).
  EXPECT_GE(r->counter_delta + 3, r->ops);
  EXPECT_LE(r->counter_delta, r->ops + 3);
}

TEST(Load, ThreadsStopAtTheFirstError) {
  absl::StatusOr<LoadResult> r = RunThreads(Short(), 4, [](int, uint64_t seq) {
    return seq == 5 ? absl::DataLossError("boom") : absl::OkStatus();
  });
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
}

// Completes the driver's operations on another thread, as the event log's
// writer does, and records how many were ever outstanding at once.
class Completer {
 public:
  Completer() : thread_([this] { Loop(); }) {}
  ~Completer() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    thread_.join();
  }
  void Submit(absl::AnyInvocable<void(absl::Status)> done, absl::Status s) {
    absl::MutexLock lock(&mu_);
    queue_.push_back({std::move(done), std::move(s)});
    max_outstanding_ = std::max(max_outstanding_, queue_.size());
  }
  size_t max_outstanding() {
    absl::MutexLock lock(&mu_);
    return max_outstanding_;
  }

 private:
  void Loop() {
    while (true) {
      std::deque<
          std::pair<absl::AnyInvocable<void(absl::Status)>, absl::Status>>
          batch;
      {
        absl::MutexLock lock(&mu_);
        auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return stop_ || !queue_.empty();
        };
        mu_.Await(absl::Condition(&ready));
        if (queue_.empty()) return;
        batch.swap(queue_);
      }
      absl::SleepFor(absl::Microseconds(300));  // a "group commit"
      for (auto& [done, status] : batch) std::move(done)(status);
    }
  }
  absl::Mutex mu_;
  std::deque<std::pair<absl::AnyInvocable<void(absl::Status)>, absl::Status>>
      queue_ ABSL_GUARDED_BY(mu_);
  size_t max_outstanding_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

TEST(Load, InFlightNeverExceedsItsLimitAndWaitsForEveryCompletion) {
  Completer completer;
  absl::StatusOr<LoadResult> r = RunInFlight(
      Short(), 8, [&](uint64_t, absl::AnyInvocable<void(absl::Status)> done) {
        completer.Submit(std::move(done), absl::OkStatus());
      });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GT(r->ops, 0u);
  EXPECT_LE(completer.max_outstanding(), 8u);
  EXPECT_GT(completer.max_outstanding(), 1u);  // it did keep several going
}

TEST(Load, InFlightReturnsTheFirstError) {
  Completer completer;
  absl::StatusOr<LoadResult> r = RunInFlight(
      Short(), 4,
      [&](uint64_t seq, absl::AnyInvocable<void(absl::Status)> done) {
        completer.Submit(std::move(done), seq == 10
                                              ? absl::UnavailableError("down")
                                              : absl::OkStatus());
      });
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
}

// The whole append scenario, tiny: real RocksEventLog and raw RocksDB in a
// temp dir, every measurement reported with its baseline, and WAL syncs
// actually counted (events per fsync > 0 on both sides).
TEST(AppendScenario, SmokeRunReportsEveryFigureWithItsBaseline) {
  absl::SetFlag(&FLAGS_append_appenders, {"1", "2"});
  absl::SetFlag(&FLAGS_append_in_flight, 4);
  absl::SetFlag(&FLAGS_append_batch_appenders, {"2"});
  absl::SetFlag(&FLAGS_append_batch_size, 10);
  kamgov::testing::TempDir dir;
  ScenarioContext context;
  context.data_dir = dir.path();
  context.quick = true;
  context.warmup = absl::Milliseconds(20);
  context.duration = absl::Milliseconds(300);
  std::vector<Figure> figures;
  context.emit = [&](Figure f) { figures.push_back(std::move(f)); };
  context.progress = [](absl::string_view) {};
  ASSERT_TRUE(MakeScenario("append")->Run(context).ok());

  std::vector<std::string> metrics;
  for (const Figure& f : figures) {
    metrics.push_back(f.metric);
    EXPECT_EQ(f.scenario, "append");
    ASSERT_TRUE(f.baseline.has_value()) << f.metric;
    EXPECT_GT(f.value, 0) << f.metric;
    EXPECT_GT(*f.baseline, 0) << f.metric;
  }
  EXPECT_THAT(
      metrics,
      ElementsAre(
          "durable_appends_per_s_1_appender", "events_per_fsync_1_appender",
          "append_p99_us_1_appender", "cpu_us_per_event_1_appender",
          "durable_appends_per_s_2_appenders", "events_per_fsync_2_appenders",
          "append_p99_us_2_appenders", "cpu_us_per_event_2_appenders",
          "durable_appends_per_s_4_in_flight_async",
          "events_per_fsync_4_in_flight_async",
          "append_p99_us_4_in_flight_async",
          "cpu_us_per_event_4_in_flight_async",
          "durable_events_per_s_batch10_2_appenders",
          "events_per_fsync_batch10_2_appenders",
          "append_p99_us_batch10_2_appenders",
          "cpu_us_per_event_batch10_2_appenders"));
  // The batch figure carries issue 3's target. One appender of one event
  // waits for its own fsync: one event per sync on both sides (give or
  // take an append straddling a window's edge).
  EXPECT_TRUE(figures[12].target.has_value());
  EXPECT_FALSE(figures[0].target.has_value());
  EXPECT_GE(figures[1].value, 0.5);
  EXPECT_LE(figures[1].value, 2.0);
  EXPECT_GE(*figures[1].baseline, 0.5);
  EXPECT_LE(*figures[1].baseline, 2.0);
  // A sync covers whole appends of 10 events (counted as events, not as
  // appends), edges aside.
  EXPECT_GE(figures[13].value, 5.0);
  EXPECT_GE(*figures[13].baseline, 5.0);
  // Every measurement's directory was removed.
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(Registry, AllRunsTheIssueEightScenariosInOrder) {
  std::vector<std::string> names = ScenarioNames();
  auto at = [&](const std::string& name) {
    return std::find(names.begin(), names.end(), name) - names.begin();
  };
  ASSERT_LT(at("commands"), static_cast<long>(names.size()));
  ASSERT_LT(at("scale"), static_cast<long>(names.size()));
  EXPECT_LT(at("append"), at("commands"));
  EXPECT_LT(at("commands"), at("scale"));
}

// The commands scenario, tiny: a primum organization through a real
// daemon over gRPC, every figure reported, the 2-in-flight rate against
// nothing and the target figures only at 64 in flight.
TEST(CommandsScenario, SmokeRunReportsEveryFigure) {
  absl::SetFlag(&FLAGS_commands_in_flight, {"2", "64"});
  absl::SetFlag(&FLAGS_commands_profile, "primum");
  absl::SetFlag(&FLAGS_commands_accounts, 0);
  kamgov::testing::TempDir dir;
  ScenarioContext context;
  context.data_dir = dir.path();
  context.quick = true;
  context.warmup = absl::Milliseconds(20);
  context.duration = absl::Milliseconds(200);
  std::vector<Figure> figures;
  context.emit = [&](Figure f) { figures.push_back(std::move(f)); };
  context.progress = [](absl::string_view) {};
  const absl::Status run = MakeScenario("commands")->Run(context);
  ASSERT_TRUE(run.ok()) << run;
  std::vector<std::string> metrics;
  for (const Figure& f : figures) {
    metrics.push_back(f.metric);
    EXPECT_EQ(f.scenario, "commands");
    EXPECT_GT(f.value, 0) << f.metric;
  }
  EXPECT_THAT(
      metrics,
      ElementsAre(
          "durable_commands_per_s_2_in_flight", "command_p50_ms_2_in_flight",
          "command_p99_ms_2_in_flight", "command_p999_ms_2_in_flight",
          "events_per_fsync_2_in_flight", "cpu_us_per_command_2_in_flight",
          "durable_commands_per_s_64_in_flight", "command_p50_ms_64_in_flight",
          "command_p99_ms_64_in_flight", "command_p999_ms_64_in_flight",
          "events_per_fsync_64_in_flight", "cpu_us_per_command_64_in_flight",
          "in_process_commands_per_s_64_in_flight",
          "noop_calls_per_s_64_in_flight"));
  EXPECT_FALSE(figures[0].baseline.has_value());
  ASSERT_TRUE(figures[6].baseline.has_value());  // the no-op ceiling
  EXPECT_TRUE(figures[6].target.has_value());
  EXPECT_TRUE(figures[8].target.has_value());  // p99 <= 10 ms
  // Several commands share a group commit at 64 in flight.
  EXPECT_GT(figures[10].value, 1.0);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

}  // namespace
}  // namespace kamgov::bench
