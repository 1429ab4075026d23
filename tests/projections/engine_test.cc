// The projection engine over a real RocksEventLog and a real read-model
// RocksDB: exactly-once application across restarts, checkpoints over
// ignored events, read-your-writes waits, rebuilds and version bumps while
// the old generation serves, and a projection that fails.

#include "projections/engine.h"

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "eventstore/rocks_event_log.h"
#include "gtest/gtest.h"
#include "tests/eventstore/event_log_test_util.h"
#include "tests/testing/temp_dir.h"

namespace kamgov::projections {
namespace {

using eventstore::RecordedEvent;
using eventstore::RocksEventLog;
using eventstore::testing::Event;
using eventstore::testing::Request;
using eventstore::testing::Simple;
using eventstore::testing::To;

// Counts the "Noted" events of each stream ("n/<stream>"), ignores the
// others, and records which positions it applied ("p/<position>"): a
// position applied twice or skipped shows up in the rows. Version-dependent
// marker row "v" tells the generations apart.
class CountingProjection : public Projection {
 public:
  explicit CountingProjection(uint32_t version = 1,
                              std::atomic<uint64_t>* fail_at = nullptr)
      : version_(version), fail_at_(fail_at) {}
  std::string name() const override { return "counting"; }
  uint32_t version() const override { return version_; }
  absl::Status Apply(const RecordedEvent& event, RowTx& rows) override {
    if (fail_at_ != nullptr && event.position == fail_at_->load()) {
      return absl::InvalidArgumentError("refusing this event");
    }
    if (event.record.type() != "Noted") return absl::OkStatus();
    const std::string key = absl::StrCat("n/", event.record.stream_id());
    absl::StatusOr<std::optional<std::string>> current = rows.Get(key);
    if (!current.ok()) return current.status();
    uint64_t n = 0;
    if (current->has_value() && !absl::SimpleAtoi(**current, &n)) {
      return absl::DataLossError("bad count");
    }
    rows.Put(key, absl::StrCat(n + 1));
    const std::string seen = absl::StrCat("p/", event.position);
    if (rows.Get(seen)->has_value()) {
      return absl::InternalError(absl::StrCat("applied twice: ", seen));
    }
    rows.Put(seen, "");
    rows.Put("v", absl::StrCat(version_));
    return absl::OkStatus();
  }

 private:
  const uint32_t version_;
  std::atomic<uint64_t>* const fail_at_;
};

// Counts every event: another projection beside "counting".
class TotalProjection : public Projection {
 public:
  std::string name() const override { return "total"; }
  uint32_t version() const override { return 1; }
  absl::Status Apply(const RecordedEvent&, RowTx& rows) override {
    uint64_t n = 0;
    absl::StatusOr<std::optional<std::string>> current = rows.Get("n");
    if (!current.ok()) return current.status();
    if (current->has_value()) (void)absl::SimpleAtoi(**current, &n);
    rows.Put("n", absl::StrCat(n + 1));
    return absl::OkStatus();
  }
};

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override { OpenLog(); }

  void OpenLog() {
    eventstore::RocksEventLogOptions options;
    options.path = dir_.path() + "/log";
    auto log = RocksEventLog::Open(options);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
  }

  std::unique_ptr<ProjectionEngine> OpenEngine(
      uint32_t version = 1, std::atomic<uint64_t>* fail_at = nullptr) {
    EngineOptions options;
    options.path = dir_.path() + "/readmodels";
    options.batch_events = batch_events_;
    std::vector<ProjectionFactory> factories;
    factories.push_back([version, fail_at] {
      return std::make_unique<CountingProjection>(version, fail_at);
    });
    factories.push_back([] { return std::make_unique<TotalProjection>(); });
    auto engine =
        ProjectionEngine::Open(options, log_.get(), std::move(factories));
    EXPECT_TRUE(engine.ok()) << engine.status();
    if (!engine.ok()) return nullptr;
    (*engine)->Start();
    return *std::move(engine);
  }

  uint64_t Append(const std::string& stream, int noted, int other = 0) {
    std::vector<eventstore::NewEvent> events =
        eventstore::testing::Events(noted);
    for (int i = 0; i < other; ++i) events.push_back(Event("Other"));
    auto result = log_->AppendAndWait(Request(
        {To(stream, eventstore::ExpectedVersion::Any(), std::move(events))}));
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? result->last_position : 0;
  }

  static absl::Time Soon() { return absl::Now() + absl::Seconds(10); }

  static std::string Row(const RowSnapshot& rows, const std::string& key) {
    auto value = rows.Get(key);
    EXPECT_TRUE(value.ok()) << value.status();
    return value.ok() && value->has_value() ? **value : "<none>";
  }

  kamgov::testing::TempDir dir_;
  std::unique_ptr<RocksEventLog> log_;
  size_t batch_events_ = 7;  // many batches, even in small tests
};

TEST_F(EngineTest, AppliesEveryEventOnceAndReadsAtTheAskedPosition) {
  Append("a", 3, 2);  // positions 1..5
  std::unique_ptr<ProjectionEngine> engine = OpenEngine();
  const uint64_t head = Append("b", 4, 1);  // 6..10
  auto rows = engine->Read("counting", head, Soon());
  ASSERT_TRUE(rows.ok()) << rows.status();
  // The checkpoint advanced over the ignored "Other" events too.
  EXPECT_EQ((*rows)->position(), head);
  EXPECT_EQ(Row(**rows, "n/a"), "3");
  EXPECT_EQ(Row(**rows, "n/b"), "4");
  auto applied = (*rows)->Scan("p/", "", 100);
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(applied->size(), 7u);
  // Paging: after the third key, the rest.
  auto page = (*rows)->Scan("p/", (*applied)[2].first, 100);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 4u);
  EXPECT_EQ(page->front().first, (*applied)[3].first);

  auto total = engine->Read("total", head, Soon());
  ASSERT_TRUE(total.ok()) << total.status();
  EXPECT_EQ(Row(**total, "n"), absl::StrCat(head));
  EXPECT_EQ(engine->Position("total"), head);
  EXPECT_EQ(engine->HeadPosition(), head);
}

TEST_F(EngineTest, ReadWaitsForThePositionOrTimesOut) {
  std::unique_ptr<ProjectionEngine> engine = OpenEngine();
  const uint64_t head = Append("a", 2);
  // Beyond the head: nothing will reach it.
  const absl::Time start = absl::Now();
  auto beyond =
      engine->Read("counting", head + 1, absl::Now() + absl::Milliseconds(200));
  EXPECT_EQ(beyond.status().code(), absl::StatusCode::kDeadlineExceeded)
      << beyond.status();
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(200));
  EXPECT_NE(beyond.status().message().find("min_position"), std::string::npos);

  // A reader waiting for a position that commits later is woken by it.
  std::thread later([this] {
    absl::SleepFor(absl::Milliseconds(50));
    Append("a", 1);
  });
  auto woken = engine->Read("counting", head + 1, Soon());
  later.join();
  ASSERT_TRUE(woken.ok()) << woken.status();
  EXPECT_EQ((*woken)->position(), head + 1);
  EXPECT_EQ(Row(**woken, "n/a"), "3");

  EXPECT_EQ(engine->Read("nope", 0, Soon()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(EngineTest, RestartResumesFromTheCheckpointExactlyOnce) {
  Append("a", 10);
  {
    std::unique_ptr<ProjectionEngine> engine = OpenEngine();
    ASSERT_TRUE(engine->Read("counting", 10, Soon()).ok());
    Append("a", 5);  // may or may not be applied before the stop
  }
  Append("a", 5);
  std::unique_ptr<ProjectionEngine> engine = OpenEngine();
  auto rows = engine->Read("counting", 20, Soon());
  ASSERT_TRUE(rows.ok()) << rows.status();
  // CountingProjection fails on a position applied twice; the count shows
  // none was skipped.
  EXPECT_EQ(Row(**rows, "n/a"), "20");
  EXPECT_TRUE(engine->Status()[0].error.empty()) << engine->Status()[0].error;
  EXPECT_EQ(Row(**engine->Read("total", 20, Soon()), "n"), "20");
}

TEST_F(EngineTest, RebuildServesTheOldGenerationUntilTheNewOneCaughtUp) {
  for (int i = 0; i < 20; ++i) Append(absl::StrCat("s", i % 3), 5);
  std::unique_ptr<ProjectionEngine> engine = OpenEngine();
  auto before = engine->Read("counting", 100, Soon());
  ASSERT_TRUE(before.ok()) << before.status();

  ASSERT_TRUE(engine->Rebuild("counting").ok());
  // The old generation answers meanwhile.
  auto during = engine->Read("counting", 100, Soon());
  ASSERT_TRUE(during.ok()) << during.status();
  EXPECT_EQ(Row(**during, "n/s0"), "35");

  // Appends go on during the rebuild; the new generation takes over with
  // all of them, and a second rebuild is refused while one runs.
  const uint64_t head = Append("s0", 1);
  absl::Status again = engine->Rebuild("counting");
  EXPECT_TRUE(again.ok() ||
              again.code() == absl::StatusCode::kFailedPrecondition)
      << again;
  for (int i = 0; i < 1000; ++i) {
    if (!engine->Status()[0].rebuilding) break;
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_FALSE(engine->Status()[0].rebuilding);
  auto after = engine->Read("counting", head, Soon());
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(Row(**after, "n/s0"), "36");
  EXPECT_EQ(Row(**after, "n/s1"), "35");
  auto applied = (*after)->Scan("p/", "", 1000);
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(applied->size(), head);
  // The snapshot taken before the swap still reads the old rows.
  EXPECT_EQ(Row(**before, "n/s0"), "35");
  EXPECT_EQ(engine->Rebuild("nope").code(), absl::StatusCode::kNotFound);
}

TEST_F(EngineTest, AVersionBumpRebuildsAndTheOldRowsServeUntilThen) {
  for (int i = 0; i < 10; ++i) Append("a", 3);
  {
    std::unique_ptr<ProjectionEngine> engine = OpenEngine(1);
    ASSERT_TRUE(engine->Read("counting", 30, Soon()).ok());
  }
  std::unique_ptr<ProjectionEngine> engine = OpenEngine(2);
  // Served by version 1 (frozen at 30) or, once caught up, by version 2.
  auto early = engine->Read("counting", 30, Soon());
  ASSERT_TRUE(early.ok()) << early.status();
  EXPECT_EQ(Row(**early, "n/a"), "30");
  // ReadCurrent never hands out version 1's rows: until version 2 serves
  // it refuses.
  auto current = engine->ReadCurrent("counting");
  if (current.ok()) {
    EXPECT_EQ(Row(**current, "v"), "2");
  } else {
    EXPECT_EQ(current.status().code(), absl::StatusCode::kFailedPrecondition)
        << current.status();
  }
  const uint64_t head = Append("a", 1);
  auto rows = engine->Read("counting", head, Soon());
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(Row(**rows, "v"), "2");
  EXPECT_EQ(Row(**rows, "n/a"), "31");
  EXPECT_EQ(engine->Status()[0].version, 2u);
  EXPECT_FALSE(engine->Status()[0].rebuilding);
  current = engine->ReadCurrent("counting");
  ASSERT_TRUE(current.ok()) << current.status();
  EXPECT_EQ(Row(**current, "v"), "2");
}

TEST_F(EngineTest, RowsAheadOfTheLogAreRebuilt) {
  Append("a", 10);
  {
    std::unique_ptr<ProjectionEngine> engine = OpenEngine();
    ASSERT_TRUE(engine->Read("counting", 10, Soon()).ok());
  }
  // The log is replaced by a shorter one (a restore from an older backup).
  log_.reset();
  std::filesystem::remove_all(dir_.path() + "/log");
  OpenLog();
  Append("a", 2);
  Append("b", 1);
  std::unique_ptr<ProjectionEngine> engine = OpenEngine();
  auto rows = engine->Read("counting", 3, Soon());
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ((*rows)->position(), 3u);
  EXPECT_EQ(Row(**rows, "n/a"), "2");
  EXPECT_EQ(Row(**rows, "n/b"), "1");
  EXPECT_EQ((*rows)->Scan("p/", "", 100)->size(), 3u);
}

TEST_F(EngineTest, AFailingProjectionStopsAloneAndSaysWhy) {
  std::atomic<uint64_t> fail_at{4};
  Append("a", 6);
  std::unique_ptr<ProjectionEngine> engine = OpenEngine(1, &fail_at);
  // The other projection goes on.
  auto total = engine->Read("total", 6, Soon());
  ASSERT_TRUE(total.ok()) << total.status();
  EXPECT_EQ(Row(**total, "n"), "6");
  auto failed = engine->Read("counting", 6, Soon());
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kFailedPrecondition)
      << failed.status();
  EXPECT_NE(failed.status().message().find("position 4"), std::string::npos)
      << failed.status();
  EXPECT_NE(engine->Status()[0].error.find("refusing"), std::string::npos);
  // Rows of a stopped projection are no state to build on.
  EXPECT_EQ(engine->ReadCurrent("counting").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(engine->ReadCurrent("total").ok());
  // A rebuild with the fault gone recovers it.
  fail_at = 0;
  ASSERT_TRUE(engine->Rebuild("counting").ok());
  auto rebuilt = engine->Read("counting", 6, Soon());
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status();
  EXPECT_EQ(Row(**rebuilt, "n/a"), "6");
}

// Batches this big are split across two threads (a projection each here):
// each still sees every event once and fails alone.
TEST_F(EngineTest, BigCatchUpBatchesApplyEveryEventOnceAndFailAlone) {
  batch_events_ = 1000;
  std::atomic<uint64_t> fail_at{1500};
  for (int i = 0; i < 20; ++i) Append(absl::StrCat("s", i % 3), 90, 10);
  std::unique_ptr<ProjectionEngine> engine = OpenEngine(1, &fail_at);
  auto total = engine->Read("total", 2000, Soon());
  ASSERT_TRUE(total.ok()) << total.status();
  EXPECT_EQ(Row(**total, "n"), "2000");
  auto failed = engine->Read("counting", 2000, Soon());
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kFailedPrecondition)
      << failed.status();
  // The first batch (positions 1..1000) committed; the failing one did not.
  EXPECT_EQ(engine->Position("counting"), 1000u);
  fail_at = 0;
  ASSERT_TRUE(engine->Rebuild("counting").ok());
  auto rebuilt = engine->Read("counting", 2000, Soon());
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status();
  // 7 appends to s0 and s1, 6 to s2, 90 noted events each.
  EXPECT_EQ(Row(**rebuilt, "n/s0"), "630");
  EXPECT_EQ(Row(**rebuilt, "n/s1"), "630");
  EXPECT_EQ(Row(**rebuilt, "n/s2"), "540");
}

TEST_F(EngineTest, StopWakesWaitingReaders) {
  std::unique_ptr<ProjectionEngine> engine = OpenEngine();
  std::thread stopper([&engine] {
    absl::SleepFor(absl::Milliseconds(50));
    engine->Stop();
  });
  auto read = engine->Read("counting", 1000, Soon());
  stopper.join();
  EXPECT_EQ(read.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace kamgov::projections
