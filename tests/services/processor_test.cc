// CommandProcessor over a real RocksEventLog, driven directly (no gRPC) so
// that a test can hold appends in flight (GatedEventLog) and break the WAL
// (WalFileSystem): decided-but-uncommitted state and retries in flight, a
// failed append failing every command decided after it with nothing
// half-applied, and cross-aggregate rules with a cache far smaller than the
// working set.

#include <future>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/time/time.h"
#include "domain/state.h"
#include "eventstore/rocks_event_log.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "projections/engine.h"
#include "projections/history_projection.h"
#include "proto/status_details.h"
#include "services/command_processor.h"
#include "tests/domain/rule_cases.h"
#include "tests/services/governance_harness.h"
#include "tests/services/processor_gated_log.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wal_file_system.h"

namespace kamgov::services::testing {
namespace {

using domain::testing::PlanText;
using domain::testing::ScoresText;
using domain::testing::Staffed;
using domain::testing::Steps;
using domain::testing::World;
using google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

using Result = absl::StatusOr<eventstore::AppendResult>;
constexpr char kPrincipal[] = "svc:processor-test";

CommandStep Nominate(absl::string_view account, absl::string_view program) {
  return StepWithId(absl::StrCat("nominate-", account), "kam1",
                    absl::StrCat("nominate_account { account_id: \"", account,
                                 "\" program_id: \"", program,
                                 "\" customer_name: \"C\" customer_segment: "
                                 "CUSTOMER_SEGMENT_MAJOR }"));
}
CommandStep Designate(absl::string_view account) {
  return StepWithId(absl::StrCat("designate-", account), "boss",
                    absl::StrCat("designate_account { account_id: \"", account,
                                 "\" criteria_version: 1 ", ScoresText(8, 8, 8),
                                 " portfolio_class: PORTFOLIO_CLASS_STRATEGIC "
                                 "}"));
}
CommandStep AssignManager(absl::string_view account) {
  return StepWithId(
      absl::StrCat("manager-", account), "dir",
      absl::StrCat("assign_key_account_manager { account_id: \"", account,
                   "\" manager_id: \"kam1\" mode: "
                   "MANAGER_MODE_PART_TIME scope: "
                   "MANAGER_SCOPE_LOCAL }"));
}

// A store, optionally over a fault-injecting file system, and a processor
// over it (through a gate).
class ProcessorTest : public ::testing::Test {
 protected:
  // `with_history`: a ProjectionEngine with decision_history follows the
  // log, and the processor loads aggregates from its rows.
  void Open(size_t cache_capacity = 100000, bool with_history = false) {
    eventstore::RocksEventLogOptions options;
    options.path = dir_.path() + "/log";
    options.clock_us = clock_.AsFunction();
    options.env = env_.get();
    auto log = eventstore::RocksEventLog::Open(options);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
    gate_ = std::make_unique<GatedEventLog>(log_.get());
    ProcessorOptions processor_options;
    processor_options.cache_capacity = cache_capacity;
    processor_options.clock_us = clock_.AsFunction();
    if (with_history) {
      projections::EngineOptions engine_options;
      engine_options.path = dir_.path() + "/readmodels";
      auto engine = projections::ProjectionEngine::Open(
          engine_options, log_.get(),
          {[] { return std::make_unique<projections::HistoryProjection>(); }});
      ASSERT_TRUE(engine.ok()) << engine.status();
      engine_ = *std::move(engine);
      engine_->Start();
      processor_options.history_rows = HistoryRows();
    }
    processor_ =
        std::make_unique<CommandProcessor>(gate_.get(), processor_options);
  }
  AggregateCache::HistoryRows HistoryRows() {
    return [engine = engine_.get()] {
      return engine->ReadCurrent(projections::kHistoryProjectionName);
    };
  }
  // Waits until decision_history has folded the whole log.
  void AwaitHistory() {
    ASSERT_TRUE(engine_
                    ->Read(projections::kHistoryProjectionName,
                           log_->GetChainHead().position,
                           absl::Now() + absl::Seconds(30))
                    .ok());
  }
  void Close() {
    if (gate_ != nullptr) gate_->Open();
    processor_.reset();
    if (engine_ != nullptr) engine_->Stop();
    engine_.reset();
    gate_.reset();
    log_.reset();
  }
  void TearDown() override { Close(); }

  std::future<Result> Submit(const CommandStep& step) {
    auto done = std::make_shared<std::promise<Result>>();
    std::future<Result> result = done->get_future();
    processor_->Submit(kPrincipal, step.meta, step.command,
                       [done](Result r) { done->set_value(std::move(r)); });
    return result;
  }
  Result Run(const CommandStep& step) { return Submit(step).get(); }
  void RunAll(const Steps& steps) {
    for (const CommandStep& step : steps) {
      Result result = Run(step);
      ASSERT_TRUE(result.ok())
          << domain::CommandName(step.command) << ": " << result.status();
    }
  }
  // The processor's account and program states, read on its thread.
  struct Snapshot {
    std::optional<v1::AccountState> account;
    std::optional<v1::ProgramState> program;
    std::optional<v1::PersonState> person;
  };
  std::future<Snapshot> ReadAsync(std::string account, std::string program,
                                  std::string person) {
    auto done = std::make_shared<std::promise<Snapshot>>();
    std::future<Snapshot> result = done->get_future();
    processor_->Read([=](AggregateCache& cache) {
      Snapshot s;
      if (auto* a = cache.FindAccount(account)) s.account = *a;
      if (auto* p = cache.FindProgram(program)) s.program = *p;
      if (auto* p = cache.FindPerson(person)) s.person = *p;
      done->set_value(std::move(s));
    });
    return result;
  }
  // The fold of the committed log.
  domain::GovernanceState Fold() {
    domain::GovernanceState fold;
    uint64_t after = 0;
    while (true) {
      auto page = log_->ReadAll(after, 1000, false);
      EXPECT_TRUE(page.ok());
      if (!page.ok() || page->empty()) break;
      for (const auto& event : *page) {
        EXPECT_TRUE(fold.Apply(event.record).ok());
        after = event.position;
      }
    }
    return fold;
  }
  // The processor's view of these aggregates equals the fold of the log.
  void ExpectMatchesLog(const std::string& account, const std::string& program,
                        const std::string& person) {
    Snapshot seen = ReadAsync(account, program, person).get();
    domain::GovernanceState fold = Fold();
    const v1::AccountState* a = fold.FindAccount(account);
    ASSERT_EQ(seen.account.has_value(), a != nullptr) << account;
    if (a != nullptr) {
      EXPECT_TRUE(MessageDifferencer::Equals(*seen.account, *a))
          << seen.account->ShortDebugString() << "\n!=\n"
          << a->ShortDebugString();
    }
    const v1::ProgramState* p = fold.FindProgram(program);
    ASSERT_TRUE(seen.program.has_value() && p != nullptr);
    EXPECT_TRUE(MessageDifferencer::Equals(*seen.program, *p))
        << seen.program->ShortDebugString() << "\n!=\n"
        << p->ShortDebugString();
    const v1::PersonState* q = fold.FindPerson(person);
    ASSERT_TRUE(seen.person.has_value() && q != nullptr);
    EXPECT_TRUE(MessageDifferencer::Equals(*seen.person, *q));
  }
  // Designates the nominated accounts a0..a<accounts - 1> all at once:
  // World()'s portfolio capacity (3) of them win, the others get the rule
  // violation. Returns emea's key accounts, from the log.
  std::vector<std::string> RaceDesignations(int accounts) {
    std::vector<std::future<Result>> designated;
    for (int i = 0; i < accounts; ++i) {
      designated.push_back(Submit(Designate(absl::StrCat("a", i))));
    }
    int ok = 0;
    for (auto& f : designated) {
      Result r = f.get();
      if (r.ok()) {
        ++ok;
      } else {
        EXPECT_EQ(ReasonOf(r.status()), "PORTFOLIO_CAPACITY_EXCEEDED")
            << r.status();
      }
    }
    EXPECT_EQ(ok, 3);
    domain::GovernanceState fold = Fold();
    const v1::ProgramState* emea = fold.FindProgram("emea");
    if (emea == nullptr) return {};
    return {emea->active_key_account_ids().begin(),
            emea->active_key_account_ids().end()};
  }
  int EventsOfCommand(const std::string& command_id) {
    int count = 0;
    uint64_t after = 0;
    while (true) {
      auto page = log_->ReadAll(after, 1000, false);
      if (!page.ok() || page->empty()) break;
      for (const auto& event : *page) {
        if (event.record.command_id() == command_id) ++count;
        after = event.position;
      }
    }
    return count;
  }

  kamgov::testing::TempDir dir_;
  FakeClock clock_;
  std::shared_ptr<kamgov::testing::WalFileSystem> fs_ =
      std::make_shared<kamgov::testing::WalFileSystem>();
  std::unique_ptr<rocksdb::Env> env_ =
      kamgov::testing::WalFileSystem::NewEnv(fs_);
  std::unique_ptr<eventstore::RocksEventLog> log_;
  std::unique_ptr<GatedEventLog> gate_;
  std::unique_ptr<projections::ProjectionEngine> engine_;
  std::unique_ptr<CommandProcessor> processor_;
};

bool IsReady(std::future<Result>& f) {
  return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

TEST_F(ProcessorTest, DecidesAgainstUncommittedEventsAndHoldsRetries) {
  Open();
  RunAll(World() + Steps{Nominate("acme", "emea")});
  const uint64_t head = log_->GetChainHead().position;

  gate_->Close();
  std::future<Result> designate = Submit(Designate("acme"));
  // Decided against the uncommitted designation (a manager needs a
  // designated account): both appends are in flight together.
  std::future<Result> manager = Submit(AssignManager("acme"));
  ASSERT_TRUE(gate_->WaitHeld(2));

  // Reads see the decided state; nothing is committed yet.
  Snapshot seen = ReadAsync("acme", "emea", "kam1").get();
  ASSERT_TRUE(seen.account.has_value());
  EXPECT_EQ(seen.account->status(), v1::ACCOUNT_STATUS_DESIGNATED);
  EXPECT_EQ(seen.account->manager_id(), "kam1");
  EXPECT_THAT(seen.program->active_key_account_ids(), ElementsAre("acme"));
  EXPECT_THAT(seen.person->managed_account_ids(), ElementsAre("acme"));
  EXPECT_EQ(log_->GetChainHead().position, head);

  // A retry of the designation in flight waits for it; a reuse of its id
  // for another request is refused at once.
  std::future<Result> retry = Submit(Designate("acme"));
  CommandStep reuse = Designate("acme");
  reuse.command.mutable_designate_account()->set_portfolio_class(
      v1::PORTFOLIO_CLASS_STAR);
  Result reused = Run(reuse);
  ASSERT_FALSE(reused.ok());
  EXPECT_EQ(ReasonOf(reused.status()), "IDEMPOTENCY_KEY_REUSED");
  EXPECT_FALSE(IsReady(designate));
  EXPECT_FALSE(IsReady(retry));
  EXPECT_EQ(gate_->held(), 2u);  // the retry appended nothing

  gate_->Open();
  Result original = designate.get();
  ASSERT_TRUE(original.ok()) << original.status();
  EXPECT_FALSE(original->replayed);
  Result replayed = retry.get();
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_TRUE(replayed->replayed);
  EXPECT_EQ(replayed->event_ids, original->event_ids);
  EXPECT_EQ(replayed->last_position, original->last_position);
  ASSERT_TRUE(manager.get().ok());
  EXPECT_EQ(EventsOfCommand("designate-acme"), 1);
  ExpectMatchesLog("acme", "emea", "kam1");
}

// A failed append fails its command with UNAVAILABLE, and every command
// decided after it (on its events or not) fails too; the processor's state
// then equals the log again: nothing half-applied, also for a read issued
// while the failed appends drain. After a reopen, retrying the same ids
// settles each command exactly once.
TEST_F(ProcessorTest, FailedAppendFailsEveryCommandDecidedAfterIt) {
  Open();
  RunAll(World() + Steps{Nominate("acme", "emea")});
  const uint64_t head = log_->GetChainHead().position;

  gate_->Close();
  std::future<Result> designate = Submit(Designate("acme"));
  std::future<Result> manager = Submit(AssignManager("acme"));   // depends
  std::future<Result> other = Submit(Nominate("beta", "apac"));  // does not
  ASSERT_TRUE(gate_->WaitHeld(3));

  fs_->FailWalSyncs(true);
  fs_->FailWalAppends(true);
  gate_->ReleaseOne();
  Result failed = designate.get();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable)
      << failed.status();
  // The client learnt its command failed: what it reads now must not show
  // it, although two appends decided after it are still in flight.
  std::future<Snapshot> read_while_draining = ReadAsync("acme", "emea", "kam1");
  gate_->Open();
  for (std::future<Result>* f : {&manager, &other}) {
    Result r = f->get();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  }
  Snapshot draining = read_while_draining.get();
  ASSERT_TRUE(draining.account.has_value());
  EXPECT_EQ(draining.account->status(), v1::ACCOUNT_STATUS_NOMINATED)
      << "a read served the events of a failed append";
  EXPECT_EQ(draining.account->manager_id(), "");
  EXPECT_THAT(draining.program->active_key_account_ids(), IsEmpty());

  EXPECT_GT(fs_->faults_injected(), 0u);
  EXPECT_EQ(log_->GetChainHead().position, head);
  ExpectMatchesLog("acme", "emea", "kam1");
  ExpectMatchesLog("beta", "apac", "kam1");
  // The store fails closed: later commands fail too, deciding nothing.
  fs_->FailWalSyncs(false);
  fs_->FailWalAppends(false);
  Result later = Run(Designate("acme"));
  EXPECT_EQ(later.status().code(), absl::StatusCode::kUnavailable);
  ExpectMatchesLog("acme", "emea", "kam1");

  // Reopened, the same ids settle each command once.
  Close();
  Open();
  for (const CommandStep& step :
       {Designate("acme"), AssignManager("acme"), Nominate("beta", "apac")}) {
    Result r = Run(step);
    ASSERT_TRUE(r.ok()) << step.meta.command_id() << ": " << r.status();
    EXPECT_EQ(EventsOfCommand(step.meta.command_id()),
              static_cast<int>(r->event_ids.size()));
  }
  ExpectMatchesLog("acme", "emea", "kam1");
  ExpectMatchesLog("beta", "apac", "kam1");
  EXPECT_TRUE(log_->VerifyChain(0, 0)->ok);
}

// With room for one aggregate in the cache, every decision reloads what it
// reads from the log while the in-flight ones stay pinned: the portfolio
// and sponsor limits still hold for a burst of concurrent commands.
TEST_F(ProcessorTest, TinyCacheKeepsCrossAggregateRules) {
  Open(/*cache_capacity=*/1);
  RunAll(World());
  constexpr int kAccounts = 24;
  std::vector<std::future<Result>> nominated;
  for (int i = 0; i < kAccounts; ++i) {
    nominated.push_back(Submit(Nominate(absl::StrCat("a", i), "emea")));
  }
  for (auto& f : nominated) ASSERT_TRUE(f.get().ok());

  const std::vector<std::string> key_accounts = RaceDesignations(kAccounts);
  ASSERT_EQ(key_accounts.size(), 3u);
  std::vector<std::future<Result>> sponsored;
  for (const std::string& account : key_accounts) {
    sponsored.push_back(Submit(
        StepWithId(absl::StrCat("sponsor-", account), "dir",
                   absl::StrCat("assign_executive_sponsor { account_id: \"",
                                account, "\" sponsor_id: \"spons\" }"))));
  }
  for (auto& f : sponsored) ASSERT_TRUE(f.get().ok());
  ExpectMatchesLog(key_accounts[0], "emea", "spons");
}

// decision_history rows of one moment, served again and again, as if the
// read model had stopped there while the log went on.
class FrozenRows : public projections::RowSnapshot {
 public:
  explicit FrozenRows(std::shared_ptr<projections::RowSnapshot> rows)
      : rows_(std::move(rows)) {}
  uint64_t position() const override { return rows_->position(); }
  absl::StatusOr<std::optional<std::string>> Get(
      absl::string_view key) const override {
    return rows_->Get(key);
  }
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Scan(
      absl::string_view prefix, absl::string_view start_after,
      size_t limit) const override {
    return rows_->Scan(prefix, start_after, limit);
  }

 private:
  std::shared_ptr<projections::RowSnapshot> rows_;
};

// What a cache that starts empty (a restarted processor) loads, read on
// the decision thread's terms: the states, the own-stream version, and how.
struct Loaded {
  v1::AccountState account;
  v1::ProgramState program;
  std::optional<uint64_t> version;
  AggregateCache::LoadStats stats;
};
Loaded LoadFresh(const eventstore::EventLog* log,
                 AggregateCache::HistoryRows history) {
  AggregateCache cache(log, 100, std::move(history));
  Loaded out;
  if (const v1::AccountState* a = cache.FindAccount("acme")) out.account = *a;
  if (const v1::ProgramState* p = cache.FindProgram("emea")) out.program = *p;
  absl::StatusOr<std::optional<uint64_t>> version =
      cache.StreamVersion({domain::AggregateKind::kAccount, "acme"});
  EXPECT_TRUE(version.ok()) << version.status();
  if (version.ok()) out.version = *version;
  EXPECT_TRUE(cache.TakeLoadError().ok());
  out.stats = cache.load_stats();
  return out;
}

// A cache that starts empty loads each aggregate from its state in
// decision_history plus the log's later events: the same states and stream
// versions as folding the whole tag, from far fewer events; also when the
// rows lag the log, and from the log alone when there are none.
TEST_F(ProcessorTest, LoadsStartFromDecisionHistory) {
  Open(/*cache_capacity=*/100000, /*with_history=*/true);
  RunAll(World() + Staffed("acme"));
  for (int version = 1; version <= 12; ++version) {
    ASSERT_TRUE(Run(StepWithId(absl::StrCat("plan-", version), "kam1",
                               PlanText("acme", version)))
                    .ok())
        << version;
  }
  AwaitHistory();
  domain::GovernanceState fold = Fold();
  const v1::AccountState* acme = fold.FindAccount("acme");
  const v1::ProgramState* emea = fold.FindProgram("emea");
  ASSERT_NE(acme, nullptr);
  ASSERT_NE(emea, nullptr);
  const std::optional<uint64_t> acme_version =
      *log_->StreamVersion("account-acme");

  const Loaded whole = LoadFresh(log_.get(), nullptr);
  const Loaded history = LoadFresh(log_.get(), HistoryRows());
  for (const Loaded* loaded : {&whole, &history}) {
    EXPECT_TRUE(MessageDifferencer::Equals(loaded->account, *acme))
        << loaded->account.ShortDebugString();
    EXPECT_TRUE(MessageDifferencer::Equals(loaded->program, *emea));
    EXPECT_EQ(loaded->version, acme_version);
  }
  EXPECT_EQ(whole.stats.loads, 2u);
  EXPECT_EQ(whole.stats.from_history, 0u);
  EXPECT_EQ(history.stats.loads, 2u);
  EXPECT_EQ(history.stats.from_history, 2u);
  // acme alone has 16+ events; decision_history has folded them all.
  EXPECT_GT(whole.stats.events_read, 16u);
  EXPECT_EQ(history.stats.events_read, 0u);

  // The read model stops where it is; the log goes on.
  absl::StatusOr<std::unique_ptr<projections::RowSnapshot>> taken =
      engine_->ReadCurrent(projections::kHistoryProjectionName);
  ASSERT_TRUE(taken.ok()) << taken.status();
  std::shared_ptr<projections::RowSnapshot> frozen = *std::move(taken);
  for (int version = 13; version <= 18; ++version) {
    ASSERT_TRUE(Run(StepWithId(absl::StrCat("plan-", version), "kam1",
                               PlanText("acme", version)))
                    .ok())
        << version;
  }
  fold = Fold();
  acme = fold.FindAccount("acme");
  ASSERT_NE(acme, nullptr);
  const Loaded lagging = LoadFresh(
      log_.get(),
      [frozen]() -> absl::StatusOr<std::unique_ptr<projections::RowSnapshot>> {
        return std::make_unique<FrozenRows>(frozen);
      });
  EXPECT_TRUE(MessageDifferencer::Equals(lagging.account, *acme))
      << lagging.account.ShortDebugString();
  EXPECT_EQ(lagging.version, *log_->StreamVersion("account-acme"));
  EXPECT_EQ(lagging.stats.from_history, 2u);
  // The six later submissions, not the whole history.
  EXPECT_GE(lagging.stats.events_read, 6u);
  EXPECT_LT(lagging.stats.events_read, whole.stats.events_read);

  const Loaded unavailable = LoadFresh(
      log_.get(),
      []() -> absl::StatusOr<std::unique_ptr<projections::RowSnapshot>> {
        return absl::UnavailableError("read models stopping");
      });
  EXPECT_TRUE(MessageDifferencer::Equals(unavailable.account, *acme));
  EXPECT_EQ(unavailable.stats.from_history, 0u);
}

// A processor with room for one aggregate reloads nearly everything it
// reads, mostly from rows that lag the commits it just made: the
// cross-aggregate rules still hold and its appends' expected versions
// still match (a wrong version would fail them with ABORTED).
TEST_F(ProcessorTest, TinyCacheLoadingFromHistoryKeepsRulesAndVersions) {
  Open(/*cache_capacity=*/1, /*with_history=*/true);
  RunAll(World());
  constexpr int kAccounts = 12;
  for (int i = 0; i < kAccounts; ++i) {
    ASSERT_TRUE(Run(Nominate(absl::StrCat("a", i), "emea")).ok());
  }
  AwaitHistory();
  const std::vector<std::string> key_accounts = RaceDesignations(kAccounts);
  ASSERT_EQ(key_accounts.size(), 3u);
  const std::string& account = key_accounts[0];
  ASSERT_TRUE(Run(AssignManager(account)).ok());
  std::vector<std::future<Result>> plans;
  for (int version = 1; version <= 9; ++version) {
    plans.push_back(Submit(StepWithId(absl::StrCat("plan-", version), "kam1",
                                      PlanText(account, version))));
  }
  for (auto& f : plans) EXPECT_TRUE(f.get().ok());
  ExpectMatchesLog(account, "emea", "kam1");
  EXPECT_TRUE(log_->VerifyChain(0, 0)->ok);
}

}  // namespace
}  // namespace kamgov::services::testing
