// The decision_history projection and as-of reads (projections/as_of.h)
// over a real RocksEventLog holding the audit scenario: the state as of
// every position equals folding that prefix of the log, whatever the
// snapshot spacing, batch boundaries or retried batches; and the same
// through the real ProjectionEngine.

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "domain/ids.h"
#include "eventstore/format.h"
#include "eventstore/rocks_event_log.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "projections/as_of.h"
#include "projections/engine.h"
#include "projections/history_projection.h"
#include "tests/projections/history_scenario.h"
#include "tests/testing/temp_dir.h"

namespace kamgov::projections {
namespace {

using domain::AggregateKind;
using domain::AggregateRef;
using google::protobuf::util::MessageDifferencer;

// The rows of one projection in memory: the unit seam standing in for the
// engine's batch (RowTx) and snapshot (RowSnapshot).
class MapRows final : public RowTx, public RowSnapshot {
 public:
  absl::StatusOr<std::optional<std::string>> Get(
      absl::string_view key) override {
    return Find(key);
  }
  void Put(absl::string_view key, absl::string_view value) override {
    rows_[std::string(key)] = std::string(value);
  }
  void Delete(absl::string_view key) override { rows_.erase(std::string(key)); }

  uint64_t position() const override { return position_; }
  absl::StatusOr<std::optional<std::string>> Get(
      absl::string_view key) const override {
    return Find(key);
  }
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Scan(
      absl::string_view prefix, absl::string_view start_after,
      size_t limit) const override {
    std::vector<std::pair<std::string, std::string>> out;
    for (auto it = rows_.lower_bound(std::string(prefix));
         it != rows_.end() && out.size() < limit &&
         absl::StartsWith(it->first, prefix);
         ++it) {
      if (!start_after.empty() && it->first <= start_after) continue;
      out.emplace_back(it->first, it->second);
    }
    return out;
  }

  void set_position(uint64_t position) { position_ = position; }
  size_t CountPrefix(const std::string& prefix) const {
    size_t n = 0;
    for (const auto& [key, value] : rows_) n += absl::StartsWith(key, prefix);
    return n;
  }
  const std::map<std::string, std::string>& rows() const { return rows_; }

 private:
  std::optional<std::string> Find(absl::string_view key) const {
    auto it = rows_.find(std::string(key));
    if (it == rows_.end()) return std::nullopt;
    return it->second;
  }
  std::map<std::string, std::string> rows_;
  uint64_t position_ = 0;
};

// A log holding the audit scenario.
class HistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    eventstore::RocksEventLogOptions options;
    options.path = dir_.path() + "/log";
    options.clock_us = [this] { return clock_us_; };
    absl::StatusOr<std::unique_ptr<eventstore::RocksEventLog>> log =
        eventstore::RocksEventLog::Open(options);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
    ASSERT_TRUE(
        testing::AppendScenario(testing::AuditScenario(), *log_, &clock_us_)
            .ok());
    head_ = log_->GetChainHead().position;
    ASSERT_GT(head_, 30u);
  }

  std::vector<eventstore::RecordedEvent> AllEvents() {
    absl::StatusOr<std::vector<eventstore::RecordedEvent>> events =
        log_->ReadAll(0, 100000, /*include_personal=*/false);
    EXPECT_TRUE(events.ok());
    return events.ok() ? *std::move(events)
                       : std::vector<eventstore::RecordedEvent>{};
  }

  // Runs the projection over the whole log in batches of `batch` events.
  void Project(HistoryProjection& projection, MapRows& rows, size_t batch) {
    size_t in_batch = 0;
    for (const eventstore::RecordedEvent& event : AllEvents()) {
      ASSERT_TRUE(projection.Apply(event, rows).ok());
      if (++in_batch == batch) {
        ASSERT_TRUE(projection.Flush(rows).ok());
        in_batch = 0;
      }
    }
    ASSERT_TRUE(projection.Flush(rows).ok());
    rows.set_position(head_);
  }

  // Every aggregate of the final state, as refs.
  std::vector<AggregateRef> AllAggregates() {
    domain::GovernanceState all = testing::FoldPrefix(*log_, head_);
    std::vector<AggregateRef> refs;
    for (const auto& [id, s] : all.programs()) {
      refs.push_back({AggregateKind::kProgram, id});
    }
    for (const auto& [id, s] : all.persons()) {
      refs.push_back({AggregateKind::kPerson, id});
    }
    for (const auto& [id, s] : all.accounts()) {
      refs.push_back({AggregateKind::kAccount, id});
    }
    for (const auto& [id, s] : all.escalations()) {
      refs.push_back({AggregateKind::kEscalation, id});
    }
    return refs;
  }

  // The reference state of `ref` in `state`; nullptr when absent.
  static const google::protobuf::Message* Expected(
      const domain::GovernanceState& state, const AggregateRef& ref) {
    switch (ref.kind) {
      case AggregateKind::kProgram:
        return state.FindProgram(ref.id);
      case AggregateKind::kPerson:
        return state.FindPerson(ref.id);
      case AggregateKind::kAccount:
        return state.FindAccount(ref.id);
      case AggregateKind::kEscalation:
        return state.FindEscalation(ref.id);
    }
    return nullptr;
  }

  // Events carrying `ref`'s tag up to `position`.
  uint64_t TagEvents(const AggregateRef& ref, uint64_t position) {
    uint64_t n = 0;
    for (const eventstore::RecordedEvent& event : AllEvents()) {
      if (event.position > position) break;
      for (const std::string& tag : event.record.tags()) {
        n += tag == domain::Tag(ref.kind, ref.id);
      }
    }
    return n;
  }

  // StateAsOf over `rows` equals the prefix fold for every aggregate at
  // every position.
  void ExpectAsOfEqualsPrefixFold(const RowSnapshot& rows) {
    const std::vector<AggregateRef> refs = AllAggregates();
    for (uint64_t p = 0; p <= head_; ++p) {
      const domain::GovernanceState prefix = testing::FoldPrefix(*log_, p);
      for (const AggregateRef& ref : refs) {
        SCOPED_TRACE(absl::StrCat(domain::Tag(ref.kind, ref.id), " at ", p));
        absl::StatusOr<AsOfState> got = StateAsOf(rows, *log_, ref, p);
        ASSERT_TRUE(got.ok()) << got.status();
        const google::protobuf::Message* want = Expected(prefix, ref);
        ASSERT_EQ(got->exists(), want != nullptr);
        if (want != nullptr) {
          EXPECT_TRUE(MessageDifferencer::Equals(*got->state, *want))
              << "got " << got->state->ShortDebugString() << "\nwant "
              << want->ShortDebugString();
        }
      }
    }
  }

  ::kamgov::testing::TempDir dir_;
  int64_t clock_us_ = domain::testing::kT0;
  std::unique_ptr<eventstore::RocksEventLog> log_;
  uint64_t head_ = 0;
};

class HistorySpacingTest : public HistoryTest,
                           public ::testing::WithParamInterface<uint64_t> {};

TEST_P(HistorySpacingTest, AsOfEveryPositionEqualsFoldingThePrefix) {
  HistoryProjection projection(GetParam());
  MapRows rows;
  Project(projection, rows, /*batch=*/7);
  ExpectAsOfEqualsPrefixFold(rows);
}

INSTANTIATE_TEST_SUITE_P(Spacing, HistorySpacingTest,
                         ::testing::Values(1, 3, 256));

TEST_F(HistoryTest, BaselineFoldEqualsSnapshotsAndCountsTagEvents) {
  HistoryProjection projection(3);
  MapRows rows;
  Project(projection, rows, 5);
  for (const AggregateRef& ref : AllAggregates()) {
    for (uint64_t p : {uint64_t{1}, head_ / 2, head_}) {
      SCOPED_TRACE(absl::StrCat(domain::Tag(ref.kind, ref.id), " at ", p));
      absl::StatusOr<AsOfState> fold = FoldFromTagIndex(*log_, ref, p);
      absl::StatusOr<AsOfState> snap = StateAsOf(rows, *log_, ref, p);
      ASSERT_TRUE(fold.ok() && snap.ok());
      EXPECT_TRUE(MessageDifferencer::Equals(*fold->state, *snap->state));
      EXPECT_EQ(fold->events, TagEvents(ref, p));
      EXPECT_EQ(snap->events, fold->events);
      EXPECT_EQ(fold->events_read, fold->events);
      // With a snapshot every 3 events, at most 2 are read from the log
      // (3 more when the state is large).
      EXPECT_LE(snap->events_read, 6u);
    }
  }
}

TEST_F(HistoryTest, SnapshotsEveryKEventsOfTheAggregate) {
  HistoryProjection projection(4);
  MapRows rows;
  Project(projection, rows, 1000);
  const AggregateRef acme{AggregateKind::kAccount, "acme"};
  const uint64_t events = TagEvents(acme, head_);
  ASSERT_GE(events, 12u);
  EXPECT_EQ(rows.CountPrefix(HistoryProjection::SnapshotPrefix("account:acme")),
            events / 4);
  // One forward seek finds the newest snapshot: the first row of the
  // prefix is the latest.
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> newest =
      rows.Scan(HistoryProjection::SnapshotPrefix("account:acme"), "", 1);
  ASSERT_TRUE(newest.ok() && newest->size() == 1);
  EXPECT_EQ(eventstore::format::DecodeBE64(newest->front().second),
            events / 4 * 4);
}

TEST_F(HistoryTest, LargeStatesAreSnapshottedLessOften) {
  // With K = 1 a small state is snapshotted at every event; the program's
  // state (criteria, accounts) is bigger than 64 bytes, so it is spaced by
  // its size.
  HistoryProjection projection(1);
  MapRows rows;
  Project(projection, rows, 1000);
  const uint64_t program_events =
      TagEvents({AggregateKind::kProgram, "emea"}, head_);
  const size_t program_snapshots =
      rows.CountPrefix(HistoryProjection::SnapshotPrefix("program:emea"));
  EXPECT_GT(program_snapshots, 0u);
  EXPECT_LT(program_snapshots, program_events);
  EXPECT_EQ(rows.CountPrefix(HistoryProjection::SnapshotPrefix("person:aud")),
            TagEvents({AggregateKind::kPerson, "aud"}, head_));
}

TEST_F(HistoryTest, RetriedBatchWritesTheSameRows) {
  HistoryProjection straight(3);
  MapRows want;
  Project(straight, want, 6);

  // The same, but every batch is first applied, abandoned and retried, as
  // the engine does when a batch fails.
  HistoryProjection retried(3);
  MapRows got;
  const std::vector<eventstore::RecordedEvent> events = AllEvents();
  for (size_t start = 0; start < events.size(); start += 6) {
    const size_t end = std::min(events.size(), start + 6);
    MapRows scratch = got;
    for (size_t i = start; i < end; ++i) {
      ASSERT_TRUE(retried.Apply(events[i], scratch).ok());
    }
    retried.ResetBatch();
    for (size_t i = start; i < end; ++i) {
      ASSERT_TRUE(retried.Apply(events[i], got).ok());
    }
    ASSERT_TRUE(retried.Flush(got).ok());
  }
  EXPECT_EQ(got.rows(), want.rows());
}

TEST_F(HistoryTest, ProgramMembersAsOfAPosition) {
  HistoryProjection projection;
  MapRows rows;
  Project(projection, rows, 100);
  uint64_t beta_nominated = 0;
  for (const eventstore::RecordedEvent& event : AllEvents()) {
    if (event.record.type() == "AccountNominated" &&
        event.record.stream_id() == "account-beta") {
      beta_nominated = event.position;
    }
  }
  ASSERT_GT(beta_nominated, 0u);
  absl::StatusOr<ProgramAccountsPage> all =
      ProgramAccountsAsOf(rows, "emea", head_, "", 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->account_ids, (std::vector<std::string>{"acme", "beta"}));
  EXPECT_EQ(all->next_after, "");
  absl::StatusOr<ProgramAccountsPage> before =
      ProgramAccountsAsOf(rows, "emea", beta_nominated - 1, "", 100);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->account_ids, (std::vector<std::string>{"acme"}));
  // Paged one row at a time.
  absl::StatusOr<ProgramAccountsPage> first =
      ProgramAccountsAsOf(rows, "emea", head_, "", 1);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->account_ids, (std::vector<std::string>{"acme"}));
  EXPECT_EQ(first->next_after, "acme");
  absl::StatusOr<ProgramAccountsPage> second =
      ProgramAccountsAsOf(rows, "emea", head_, first->next_after, 1);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->account_ids, (std::vector<std::string>{"beta"}));
  EXPECT_TRUE(
      ProgramAccountsAsOf(rows, "apac", head_, "", 10)->account_ids.empty());
}

TEST_F(HistoryTest, IndexesDecisionsByActingPersonAndPrincipal) {
  HistoryProjection projection;
  MapRows rows;
  Project(projection, rows, 100);
  std::vector<uint64_t> by_boss;
  for (const eventstore::RecordedEvent& event : AllEvents()) {
    if (event.record.acting_person() == "boss") {
      by_boss.push_back(event.position);
    }
  }
  ASSERT_FALSE(by_boss.empty());
  const std::string prefix = HistoryProjection::ActorPrefix("boss");
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> index =
      rows.Scan(prefix, "", 1000);
  ASSERT_TRUE(index.ok());
  std::vector<uint64_t> got;
  for (const auto& [key, value] : *index) {
    got.push_back(eventstore::format::DecodeBE64(key.substr(prefix.size())));
  }
  EXPECT_EQ(got, by_boss);
  EXPECT_EQ(rows.CountPrefix(HistoryProjection::PrincipalPrefix(
                testing::kScenarioPrincipal)),
            head_);
}

TEST_F(HistoryTest, PositionAtTimeFindsTheLastEventRecordedByThen) {
  const std::vector<eventstore::RecordedEvent> events = AllEvents();
  for (const eventstore::RecordedEvent& event : events) {
    const int64_t at = event.record.recorded_at_us();
    absl::StatusOr<uint64_t> p = PositionAtTime(*log_, at, head_);
    ASSERT_TRUE(p.ok());
    // The last event of its commit (same recorded_at).
    uint64_t last = event.position;
    for (const eventstore::RecordedEvent& later : events) {
      if (later.record.recorded_at_us() == at) last = later.position;
    }
    EXPECT_EQ(*p, last);
    // Just before it: the previous commit.
    absl::StatusOr<uint64_t> before = PositionAtTime(*log_, at - 1, head_);
    ASSERT_TRUE(before.ok());
    EXPECT_LT(*before, event.position);
  }
  EXPECT_EQ(*PositionAtTime(*log_, domain::testing::kT0 - 1, head_), 0u);
  EXPECT_EQ(*PositionAtTime(*log_, INT64_MAX, head_), head_);
}

TEST_F(HistoryTest, WithTheRealEngine) {
  EngineOptions options;
  options.path = dir_.path() + "/rows";
  options.batch_events = 5;
  absl::StatusOr<std::unique_ptr<ProjectionEngine>> engine =
      ProjectionEngine::Open(options, log_.get(), {[] {
                               return std::make_unique<HistoryProjection>(3);
                             }});
  ASSERT_TRUE(engine.ok()) << engine.status();
  (*engine)->Start();
  absl::StatusOr<std::unique_ptr<RowSnapshot>> rows = (*engine)->Read(
      kHistoryProjectionName, head_, absl::Now() + absl::Seconds(10));
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_GE((*rows)->position(), head_);
  ExpectAsOfEqualsPrefixFold(**rows);
  rows->reset();
  (*engine)->Stop();
}

}  // namespace
}  // namespace kamgov::projections
