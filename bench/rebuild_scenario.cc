// Scenario `rebuild` (issue 6, "Measure and report"):
//
// 1. rebuild_events_per_s: every read model (the six dashboards and
//    decision_history) built from position 0 by a fresh ProjectionEngine
//    over a log of 1M events (100k with --quick), record parsing included.
//    Baseline, same run, same log: a raw RocksDB scan of the log's `events`
//    column family (read-only open, every value touched, nothing parsed).
//    Target: ratio >= 0.4.
// 2. portfolio_page_p99_ms and escalations_by_level_p99_ms: QueryService
//    over gRPC on 127.0.0.1 at 100k key accounts (10k with --quick): a
//    portfolio page filtered by program and class, and open escalations by
//    level, 50 rows per page, one call at a time, after a settling period
//    of unmeasured queries (the fresh read models compact meanwhile).
//    Target: p99 <= 2 ms each.
//
// The log is a realistic history decided by the domain itself (Decide
// against a GovernanceState, so every event is one the service could
// record), appended decision by decision with many appends in flight (the
// store's group commit): persons (a KAM per 10 accounts, a sponsor per 3,
// team members, unit heads), one program per 1,000 accounts, each account
// nominated, designated (classes in turn), staffed, with a team member and
// a plan; then a steady mix until the size is reached: plan reviews and new
// versions, sponsor engagements, team changes, escalations raised,
// acknowledged and resolved, re-evaluations in the programs' open cycles.

#include <grpcpp/create_channel.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/scenario.h"
#include "domain/days.h"
#include "domain/decide.h"
#include "domain/state.h"
#include "eventstore/format.h"
#include "eventstore/rocks_event_log.h"
#include "eventstore/thread_pool.h"
#include "kamgov/v1/query.grpc.pb.h"
#include "projections/coverage_projection.h"
#include "projections/engine.h"
#include "projections/escalations_projection.h"
#include "projections/history_projection.h"
#include "projections/plan_compliance_projection.h"
#include "projections/portfolio_projection.h"
#include "projections/selection_cycle_projection.h"
#include "projections/sponsor_load_projection.h"
#include "rocksdb/db.h"
#include "services/grpc_server.h"
#include "services/query_service.h"

namespace kamgov::bench {
namespace {

constexpr double kTargetRatio = 0.4;
constexpr double kTargetP99Ms = 2.0;
constexpr int kAccountsPerProgram = 1000;
constexpr int kTeamMembers = 500;
constexpr int kUnits = 20;
// 2025-01-06 09:00 UTC; every decision a few seconds after the previous.
constexpr int64_t kStartUs = int64_t{20094} * 86400 * 1000000;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double PercentileMs(std::vector<int64_t> ns, double q) {
  if (ns.empty()) return 0;
  std::sort(ns.begin(), ns.end());
  const size_t i = static_cast<size_t>(q * static_cast<double>(ns.size()));
  return ns[std::min(i, ns.size() - 1)] / 1e6;
}

std::string Id(absl::string_view prefix, int64_t i) {
  return absl::StrCat(prefix, i);
}

// Decides commands against an in-memory state and appends each decision to
// the log, keeping up to kInFlight appends queued for the group commit.
class LogWriter {
 public:
  explicit LogWriter(eventstore::EventLog* log) : log_(log) {}

  // Decides and appends; false when the domain refused (counted).
  bool Do(absl::string_view actor, v1::Command command) {
    now_us_ += 3 * 1000000;
    v1::CommandMeta meta;
    meta.set_acting_person(std::string(actor));
    meta.set_rationale("bench");
    domain::DecisionContext context;
    context.state = &state_;
    context.now_us = now_us_;
    context.principal = "bench:rebuild";
    context.store_empty = state_.empty();
    absl::StatusOr<domain::Decision> decision =
        domain::Decide(meta, command, context);
    if (!decision.ok()) {
      ++refused_;
      return false;
    }
    if (!state_.Apply(*decision).ok()) {
      ++refused_;
      return false;
    }
    eventstore::AppendRequest request;
    request.principal = "bench:rebuild";
    request.acting_person = std::string(actor);
    for (const std::string& stream : decision->Streams()) {
      request.streams.emplace_back().stream_id = stream;
    }
    for (domain::DomainEvent& event : decision->events) {
      for (eventstore::StreamAppend& append : request.streams) {
        if (append.stream_id != event.stream_id) continue;
        eventstore::NewEvent& out = append.events.emplace_back();
        out.type = std::move(event.type);
        out.tags = std::move(event.tags);
        out.main = std::move(event.main);
        out.personal = event.personal.SerializeAsString();
        break;
      }
      ++events_;
    }
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](int* n) { return *n < kInFlight; }, &in_flight_));
      ++in_flight_;
    }
    log_->Append(std::move(request),
                 [this](absl::StatusOr<eventstore::AppendResult> result) {
                   absl::MutexLock lock(&mu_);
                   --in_flight_;
                   if (!result.ok() && error_.ok()) error_ = result.status();
                 });
    return true;
  }

  absl::Status Finish() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* n) { return *n == 0; }, &in_flight_));
    return error_;
  }

  domain::GovernanceState& state() { return state_; }
  int64_t events() const { return events_; }
  int64_t refused() const { return refused_; }
  int64_t now_us() const { return now_us_; }

 private:
  static constexpr int kInFlight = 512;
  eventstore::EventLog* const log_;
  domain::GovernanceState state_;
  int64_t now_us_ = kStartUs;
  int64_t events_ = 0;
  int64_t refused_ = 0;
  absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
};

v1::Command Register(const std::string& id, int unit, v1::GovernanceRole role) {
  v1::Command c;
  auto* r = c.mutable_register_person();
  r->set_person_id(id);
  r->set_name(id);
  r->set_unit_id(Id("u", unit));
  r->set_country("DE");
  r->add_roles()->set_role(role);
  return c;
}

void AddScores(google::protobuf::RepeatedPtrField<v1::CriterionScore>* out) {
  for (const char* id : {"c1", "c2"}) {
    auto* s = out->Add();
    s->set_criterion_id(id);
    s->set_score(8);
  }
}

v1::Command Plan(const std::string& account, int version, int64_t day) {
  v1::Command c;
  auto* p = c.mutable_submit_account_plan();
  p->set_account_id(account);
  p->set_plan_version(version);
  p->set_period_start_day(day);
  p->set_period_end_day(day + 365);
  for (int s = 1; s <= 6; ++s) {
    auto* section = p->add_sections();
    section->set_section(static_cast<v1::PlanSection>(s));
    section->set_text("text");
  }
  for (int i = 1; i <= 2; ++i) {
    auto* initiative = p->add_initiatives();
    initiative->set_initiative_id(Id("i", i));
    initiative->set_title("initiative");
  }
  p->set_value_proposition("value");
  p->add_metric_ids("share_of_wallet");
  p->set_customer_participated(true);
  return c;
}

// Writes the history described at the top of the file: `accounts` key
// accounts, then the steady mix until `total` events.
absl::Status WriteHistory(LogWriter& w, int accounts, int64_t total,
                          const ScenarioContext& context) {
  const int kams = std::max(1, accounts / 10);
  const int sponsors = accounts / 3 + 1;
  const int programs =
      std::max(1, (accounts + kAccountsPerProgram - 1) / kAccountsPerProgram);
  w.Do("boss", Register("boss", 0, v1::GOVERNANCE_ROLE_SENIOR_MANAGEMENT));
  w.Do("boss", Register("dir", 0, v1::GOVERNANCE_ROLE_PROGRAM_DIRECTOR));
  for (int i = 0; i < kUnits; ++i) {
    w.Do("boss", Register(Id("uh", i), i, v1::GOVERNANCE_ROLE_UNIT_HEAD));
  }
  for (int i = 0; i < kTeamMembers; ++i) {
    w.Do("boss",
         Register(Id("tm", i), i % kUnits, v1::GOVERNANCE_ROLE_TEAM_MEMBER));
  }
  for (int i = 0; i < kams; ++i) {
    w.Do("boss", Register(Id("kam", i), i % kUnits,
                          v1::GOVERNANCE_ROLE_KEY_ACCOUNT_MANAGER));
  }
  for (int i = 0; i < sponsors; ++i) {
    w.Do("boss",
         Register(Id("sp", i), 0, v1::GOVERNANCE_ROLE_EXECUTIVE_SPONSOR));
  }
  for (int p = 0; p < programs; ++p) {
    v1::Command c;
    auto* e = c.mutable_establish_program();
    e->set_program_id(Id("p", p));
    e->set_name("program");
    e->set_level(v1::PROGRAM_LEVEL_NATIONAL);
    e->set_scope("DE");
    w.Do("boss", c);
    v1::Command criteria;
    auto* pc = criteria.mutable_publish_selection_criteria();
    pc->set_program_id(Id("p", p));
    pc->set_version(1);
    for (const auto& [id, tangible] :
         {std::pair<const char*, bool>{"c1", true}, {"c2", false}}) {
      auto* d = pc->add_criteria();
      d->set_criterion_id(id);
      d->set_name(id);
      d->set_tangible(tangible);
      d->set_weight(0.5);
    }
    pc->set_designation_threshold(5);
    pc->set_max_key_accounts(kAccountsPerProgram + 100);
    w.Do("boss", criteria);
  }
  context.progress(
      absl::StrFormat("rebuild: designating %d accounts", accounts));
  for (int k = 0; k < accounts; ++k) {
    const std::string account = Id("a", k);
    const std::string kam = Id("kam", k / 10 % kams);
    v1::Command nominate;
    auto* n = nominate.mutable_nominate_account();
    n->set_account_id(account);
    n->set_program_id(Id("p", k / kAccountsPerProgram));
    n->set_customer_name("customer");
    n->set_customer_segment(v1::CUSTOMER_SEGMENT_MAJOR);
    w.Do(kam, nominate);
    v1::Command designate;
    auto* d = designate.mutable_designate_account();
    d->set_account_id(account);
    d->set_criteria_version(1);
    AddScores(d->mutable_scores());
    d->set_portfolio_class(static_cast<v1::PortfolioClass>(k % 4 + 1));
    w.Do("boss", designate);
    v1::Command manager;
    auto* m = manager.mutable_assign_key_account_manager();
    m->set_account_id(account);
    m->set_manager_id(kam);
    m->set_mode(v1::MANAGER_MODE_PART_TIME);
    m->set_scope(v1::MANAGER_SCOPE_LOCAL);
    w.Do("dir", manager);
    v1::Command sponsor;
    sponsor.mutable_assign_executive_sponsor()->set_account_id(account);
    sponsor.mutable_assign_executive_sponsor()->set_sponsor_id(Id("sp", k / 3));
    w.Do("dir", sponsor);
    v1::Command team;
    auto* t = team.mutable_add_team_member();
    t->set_account_id(account);
    t->set_member_id(Id("tm", k % kTeamMembers));
    t->set_expertise("tax");
    t->set_permanent(true);
    w.Do("dir", team);
    w.Do(kam, Plan(account, 1, domain::DayOf(w.now_us())));
  }
  for (int p = 0; p < programs; ++p) {
    v1::Command open;
    auto* o = open.mutable_open_selection_cycle();
    o->set_program_id(Id("p", p));
    o->set_cycle_id("fy25");
    o->set_due_day(domain::DayOf(w.now_us()) + 300);
    w.Do("dir", open);
  }

  context.progress(
      absl::StrFormat("rebuild: steady mix up to %d events", total));
  absl::BitGen gen;
  std::vector<std::string> open_escalations;
  int64_t next_escalation = 0;
  while (w.events() < total) {
    const int k = absl::Uniform(gen, 0, accounts);
    const std::string account = Id("a", k);
    const std::string kam = Id("kam", k / 10 % kams);
    const v1::AccountState* state = w.state().FindAccount(account);
    if (state == nullptr) continue;
    const double pick = absl::Uniform(gen, 0.0, 1.0);
    v1::Command c;
    std::string actor = "dir";
    if (pick < 0.30) {
      const v1::AccountPlanState& plan = state->plan();
      if (plan.status() == v1::PLAN_STATUS_SUBMITTED) {
        auto* r = c.mutable_review_account_plan();
        r->set_account_id(account);
        r->set_plan_version(plan.plan_version());
        r->set_outcome(v1::PLAN_REVIEW_OUTCOME_APPROVED);
        r->set_comments("ok");
        actor = "boss";
      } else {
        c = Plan(account, plan.plan_version() + 1, domain::DayOf(w.now_us()));
        actor = kam;
      }
    } else if (pick < 0.50) {
      if (state->sponsor_id().empty()) continue;
      auto* e = c.mutable_log_sponsor_engagement();
      e->set_account_id(account);
      e->set_kind(static_cast<v1::EngagementKind>(absl::Uniform(gen, 1, 5)));
      actor = state->sponsor_id();
    } else if (pick < 0.65) {
      const std::string member = Id("tm", absl::Uniform(gen, 0, kTeamMembers));
      const bool on_team =
          std::any_of(state->team().begin(), state->team().end(),
                      [&](const auto& m) { return m.member_id() == member; });
      if (on_team) {
        c.mutable_remove_team_member()->set_account_id(account);
        c.mutable_remove_team_member()->set_member_id(member);
      } else {
        auto* t = c.mutable_add_team_member();
        t->set_account_id(account);
        t->set_member_id(member);
        t->set_expertise("audit");
      }
    } else if (pick < 0.85) {
      if (open_escalations.size() < static_cast<size_t>(accounts) / 20 + 1 ||
          absl::Bernoulli(gen, 0.5)) {
        const std::string id = Id("e", next_escalation++);
        auto* r = c.mutable_raise_escalation();
        r->set_escalation_id(id);
        r->set_account_id(account);
        r->set_category(
            static_cast<v1::EscalationCategory>(absl::Uniform(gen, 1, 13)));
        r->set_level(
            static_cast<v1::EscalationLevel>(absl::Uniform(gen, 1, 3)));
        r->add_units_involved(Id("u", absl::Uniform(gen, 0, kUnits)));
        r->add_units_involved(Id("u", absl::Uniform(gen, 0, kUnits)));
        r->set_description("conflict");
        actor = kam;
        if (w.Do(actor, c)) open_escalations.push_back(id);
        continue;
      }
      const size_t i = absl::Uniform<size_t>(gen, 0, open_escalations.size());
      const std::string id = open_escalations[i];
      const v1::EscalationState* e = w.state().FindEscalation(id);
      if (e == nullptr) continue;
      if (e->acknowledged_by().empty() && absl::Bernoulli(gen, 0.5)) {
        c.mutable_acknowledge_escalation()->set_escalation_id(id);
      } else {
        c.mutable_resolve_escalation()->set_escalation_id(id);
        c.mutable_resolve_escalation()->set_decision("settled");
        open_escalations[i] = open_escalations.back();
        open_escalations.pop_back();
      }
      actor = "boss";
    } else if (pick < 0.95) {
      auto* m = c.mutable_assign_key_account_manager();
      m->set_account_id(account);
      m->set_manager_id(Id("kam", absl::Uniform(gen, 0, kams)));
      m->set_mode(v1::MANAGER_MODE_FULL_TIME);
      m->set_scope(v1::MANAGER_SCOPE_GLOBAL);
      m->set_bonds_considered(true);
      m->set_handover_note("handover");
    } else {
      auto* r = c.mutable_reevaluate_account();
      r->set_account_id(account);
      r->set_cycle_id("fy25");
      r->set_criteria_version(1);
      AddScores(r->mutable_scores());
      r->set_outcome(v1::REEVALUATION_OUTCOME_RETAINED);
      actor = "boss";
    }
    w.Do(actor, c);
  }
  return w.Finish();
}

// Events per second of a plain iteration over the log's `events` column
// family, every key and value touched.
absl::StatusOr<double> RawScanRate(const std::string& path, int64_t* rows) {
  std::vector<std::string> names;
  rocksdb::Status s =
      rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names);
  if (!s.ok()) return absl::UnavailableError(s.ToString());
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const std::string& name : names)
    families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), path, families,
                                   &handles, &raw);
  if (!s.ok()) return absl::UnavailableError(s.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::ColumnFamilyHandle* events = nullptr;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == eventstore::format::kEventsCf) events = handles[i];
  }
  double rate = 0;
  if (events != nullptr) {
    const int64_t t0 = NowNs();
    std::unique_ptr<rocksdb::Iterator> it(
        db->NewIterator(rocksdb::ReadOptions(), events));
    uint64_t checksum = 0;
    *rows = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      checksum += it->key().size() + it->value().size() +
                  static_cast<uint8_t>(it->value()[0]);
      ++*rows;
    }
    const double seconds = (NowNs() - t0) / 1e9;
    rate = *rows / std::max(seconds, 1e-9);
    if (checksum == 0) rate = 0;
  }
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    db->DestroyColumnFamilyHandle(handle);
  }
  return rate;
}

std::vector<projections::ProjectionFactory> EveryReadModel() {
  return {
      [] { return std::make_unique<projections::PortfolioProjection>(); },
      [] { return std::make_unique<projections::CoverageProjection>(); },
      [] { return std::make_unique<projections::SponsorLoadProjection>(); },
      [] { return std::make_unique<projections::PlanComplianceProjection>(); },
      [] { return std::make_unique<projections::EscalationsProjection>(); },
      [] { return std::make_unique<projections::SelectionCycleProjection>(); },
      [] { return std::make_unique<projections::HistoryProjection>(); },
  };
}

constexpr const char* kNames[] = {
    "portfolio",   "coverage",        "sponsor_load",    "plan_compliance",
    "escalations", "selection_cycle", "decision_history"};

class RebuildScenario final : public Scenario {
 public:
  std::string name() const override { return "rebuild"; }
  std::string description() const override {
    return "every read model rebuilt from a 1M-event log vs a raw RocksDB "
           "scan; portfolio and escalation pages at 100k accounts";
  }

  absl::Status Run(const ScenarioContext& context) override {
    absl::StatusOr<std::unique_ptr<ScopedDir>> dir =
        ScopedDir::Create(context.data_dir, "rebuild", context.keep_data);
    if (!dir.ok()) return dir.status();
    const int accounts = context.quick ? 10000 : 100000;
    const int64_t total = context.quick ? 100000 : 1000000;
    const std::string log_path = (*dir)->path() + "/log";
    eventstore::RocksEventLogOptions log_options;
    log_options.path = log_path;
    absl::StatusOr<std::unique_ptr<eventstore::RocksEventLog>> log =
        eventstore::RocksEventLog::Open(log_options);
    if (!log.ok()) return log.status();
    LogWriter writer(log->get());
    absl::Status written = WriteHistory(writer, accounts, total, context);
    if (!written.ok()) return written;
    const uint64_t head = (*log)->GetChainHead().position;
    context.progress(
        absl::StrFormat("rebuild: %d events written (%d commands refused)",
                        head, writer.refused()));

    // Baseline: the raw scan (twice; the second, warm, counts, as the
    // rebuild below also reads a warm log).
    int64_t rows = 0;
    absl::StatusOr<double> raw = RawScanRate(log_path, &rows);
    if (raw.ok()) raw = RawScanRate(log_path, &rows);
    if (!raw.ok()) return raw.status();

    // Every read model from position 0.
    context.progress("rebuild: building every read model from position 0");
    projections::EngineOptions options;
    options.path = (*dir)->path() + "/readmodels";
    absl::StatusOr<std::unique_ptr<projections::ProjectionEngine>> engine =
        projections::ProjectionEngine::Open(options, log->get(),
                                            EveryReadModel());
    if (!engine.ok()) return engine.status();
    const int64_t t0 = NowNs();
    (*engine)->Start();
    for (const char* name : kNames) {
      absl::StatusOr<std::unique_ptr<projections::RowSnapshot>> rows =
          (*engine)->Read(name, head, absl::Now() + absl::Minutes(30));
      if (!rows.ok()) return rows.status();
    }
    const double rebuild_s = (NowNs() - t0) / 1e9;

    // Queries over gRPC.
    eventstore::ThreadPool pool(2);
    services::QueryService service(engine->get(), &pool,
                                   [&writer] { return writer.now_us(); });
    services::GrpcServerOptions server_options;
    server_options.listen = "127.0.0.1:0";
    absl::StatusOr<std::unique_ptr<services::GrpcServer>> server =
        services::GrpcServer::Start(server_options, {&service});
    if (!server.ok()) return server.status();
    auto stub = v1::QueryService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                            grpc::InsecureChannelCredentials()));
    const int samples = context.quick ? 2000 : 10000;
    const int programs =
        std::max(1, (accounts + kAccountsPerProgram - 1) / kAccountsPerProgram);
    absl::BitGen gen;
    absl::Status failed;
    auto timed = [&](auto call, int count) {
      std::vector<int64_t> ns;
      for (int n = 0; n < count; ++n) {
        grpc::ClientContext client;
        client.set_deadline(std::chrono::system_clock::now() +
                            std::chrono::seconds(10));
        const int64_t start = NowNs();
        grpc::Status status = call(client);
        ns.push_back(NowNs() - start);
        if (!status.ok() && failed.ok()) {
          failed = absl::InternalError(status.error_message());
        }
      }
      return ns;
    };
    int64_t escalation_rows = 0;
    auto escalations = [&](grpc::ClientContext& c) {
      v1::EscalationsRequest request;
      request.set_level(
          static_cast<v1::EscalationLevel>(absl::Uniform(gen, 1, 3)));
      request.set_page_size(50);
      v1::EscalationsResponse response;
      grpc::Status status = stub->Escalations(&c, request, &response);
      escalation_rows += response.escalations_size();
      return status;
    };
    int64_t portfolio_rows = 0;
    auto portfolio = [&](grpc::ClientContext& c) {
      v1::PortfolioRequest request;
      request.set_program_id(Id("p", absl::Uniform(gen, 0, programs)));
      request.set_portfolio_class(
          static_cast<v1::PortfolioClass>(absl::Uniform(gen, 1, 5)));
      request.set_page_size(50);
      v1::PortfolioResponse response;
      grpc::Status status = stub->Portfolio(&c, request, &response);
      portfolio_rows += response.accounts_size();
      return status;
    };
    // Unmeasured: the freshly built read models are still being compacted
    // in the background; measuring at once measures the compaction.
    context.progress(absl::StrFormat("rebuild: %s of unmeasured queries",
                                     absl::FormatDuration(context.duration)));
    for (const absl::Time end = absl::Now() + context.duration;
         absl::Now() < end;) {
      timed(escalations, 50);
      timed(portfolio, 50);
    }
    context.progress(
        absl::StrFormat("rebuild: %d open-escalation pages", samples));
    std::vector<int64_t> escalation_ns = timed(escalations, samples);
    context.progress(absl::StrFormat("rebuild: %d portfolio pages", samples));
    std::vector<int64_t> portfolio_ns = timed(portfolio, samples);
    (*server)->Shutdown(absl::Seconds(5));
    (*engine)->Stop();
    pool.Shutdown();
    if (!failed.ok()) return failed;
    if (portfolio_rows == 0 || escalation_rows == 0) {
      return absl::InternalError("the query pages came back empty");
    }

    Figure rebuild;
    rebuild.scenario = name();
    rebuild.metric = "rebuild_events_per_s";
    rebuild.value = static_cast<double>(head) / rebuild_s;
    rebuild.unit = "events/s";
    rebuild.baseline = *raw;
    rebuild.baseline_label = "raw RocksDB scan of the log's events";
    rebuild.target = Target{Target::Of::kRatio, Target::Cmp::kAtLeast,
                            kTargetRatio, "issue 6"};
    context.emit(std::move(rebuild));
    for (const auto& [metric, ns] :
         {std::pair<const char*, const std::vector<int64_t>*>{"portfolio_page",
                                                              &portfolio_ns},
          {"escalations_by_level", &escalation_ns}}) {
      for (const double q : {0.5, 0.99}) {
        Figure f;
        f.scenario = name();
        f.metric = absl::StrCat(metric, q == 0.5 ? "_p50_ms" : "_p99_ms");
        f.value = PercentileMs(*ns, q);
        f.unit = "ms";
        if (q == 0.99) {
          f.target = Target{Target::Of::kValue, Target::Cmp::kAtMost,
                            kTargetP99Ms, "issue 6"};
        }
        context.emit(std::move(f));
      }
    }
    return absl::OkStatus();
  }
};

}  // namespace

KAMGOV_REGISTER_SCENARIO("rebuild", RebuildScenario);

}  // namespace kamgov::bench
