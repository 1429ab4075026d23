// Scenario `audit` (issue 6, "Measure and report"): StateAsOf for an account
// with 10k events, target p99 <= 5 ms.
//
// The log (RocksEventLog on disk under the run's data directory) holds one
// hot account with 10,000 events (nominated, designated, then team joins
// and leaves, sponsor engagements and plan submissions) spread evenly among
// 9 cold accounts' events: 100k events in all (20k with --quick). A
// ProjectionEngine keeping only decision_history catches up (its rate is
// reported), then:
//
// 1. state_as_of_*: AuditService.StateAsOf(account, position) over gRPC on
//    127.0.0.1 (a GrpcServer serving AuditService on the same log and
//    engine), one call at a time, at uniformly random positions after the
//    nomination. Baseline: the plain fold of every tag event up to the
//    position from the log's tag index (projections::FoldFromTagIndex,
//    in-process, no gRPC), at the same kind of positions, in the same run.
// 2. state_as_of_inproc_*: the service's work without gRPC (engine Read +
//    snapshot + tail fold), to show what the transport adds.
//
// Every answer is checked against the baseline fold at a sample of
// positions; a mismatch fails the scenario after its figures.

#include <grpcpp/create_channel.h>

#include <algorithm>
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
#include "absl/time/clock.h"
#include "bench/scenario.h"
#include "domain/ids.h"
#include "eventstore/rocks_event_log.h"
#include "eventstore/thread_pool.h"
#include "google/protobuf/util/message_differencer.h"
#include "kamgov/v1/audit.grpc.pb.h"
#include "kamgov/v1/domain.pb.h"
#include "projections/as_of.h"
#include "projections/engine.h"
#include "projections/history_projection.h"
#include "services/audit_service.h"
#include "services/grpc_server.h"

namespace kamgov::bench {
namespace {

constexpr int kHotEvents = 10000;
constexpr int kColdAccounts = 9;
constexpr double kTargetP99Ms = 5.0;
constexpr char kHot[] = "hot";
constexpr char kProgram[] = "bench";

double PercentileMs(std::vector<int64_t> ns, double q) {
  if (ns.empty()) return 0;
  std::sort(ns.begin(), ns.end());
  const size_t i = static_cast<size_t>(q * static_cast<double>(ns.size()));
  return ns[std::min(i, ns.size() - 1)] / 1e6;
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The i-th event of `account` (i = 0 nominates, 1 designates, then a
// rotation of team, engagement and plan events): a real payload Evolve
// folds.
eventstore::NewEvent AccountEvent(const std::string& account, int i) {
  eventstore::NewEvent event;
  event.tags = {domain::AccountTag(account), domain::ProgramTag(kProgram)};
  const int64_t day = 20000 + i / 10;
  if (i == 0) {
    v1::AccountNominated e;
    e.set_account_id(account);
    e.set_program_id(kProgram);
    e.set_customer_segment(v1::CUSTOMER_SEGMENT_MAJOR);
    e.set_criteria_version(1);
    e.set_nominator_id("kam");
    e.set_nominated_day(day);
    event.type = "AccountNominated";
    event.main = e.SerializeAsString();
  } else if (i == 1) {
    v1::AccountDesignated e;
    e.set_account_id(account);
    e.set_program_id(kProgram);
    e.set_criteria_version(1);
    e.set_weighted_score(8);
    e.set_portfolio_class(v1::PORTFOLIO_CLASS_STRATEGIC);
    e.set_designated_day(day);
    for (const char* c : {"revenue", "fit", "partner"}) {
      v1::CriterionScore* s = e.add_scores();
      s->set_criterion_id(c);
      s->set_score(8);
    }
    event.type = "AccountDesignated";
    event.main = e.SerializeAsString();
  } else if (i % 4 == 2) {
    v1::TeamMemberJoined e;
    e.set_account_id(account);
    e.set_program_id(kProgram);
    e.set_member_id(absl::StrCat("m", (i / 4) % 8));
    e.set_unit_id("tax");
    e.set_expertise("tax-law");
    e.set_joined_day(day);
    event.type = "TeamMemberJoined";
    event.main = e.SerializeAsString();
  } else if (i % 4 == 3) {
    v1::SponsorEngagementLogged e;
    e.set_account_id(account);
    e.set_program_id(kProgram);
    e.set_sponsor_id("spons");
    e.set_kind(static_cast<v1::EngagementKind>(1 + i % 4));
    e.set_engaged_day(day);
    event.type = "SponsorEngagementLogged";
    event.main = e.SerializeAsString();
  } else if (i % 8 == 0) {
    v1::TeamMemberLeft e;
    e.set_account_id(account);
    e.set_program_id(kProgram);
    e.set_member_id(absl::StrCat("m", (i / 4 - 1) % 8));
    e.set_left_day(day);
    event.type = "TeamMemberLeft";
    event.main = e.SerializeAsString();
  } else {
    v1::AccountPlanSubmitted e;
    e.set_account_id(account);
    e.set_program_id(kProgram);
    e.set_plan_version(i / 8 + 1);
    e.set_period_start_day(day);
    e.set_period_end_day(day + 365);
    for (int s = 1; s <= 6; ++s) {
      e.add_sections(static_cast<v1::PlanSection>(s));
    }
    e.add_initiative_ids("i1");
    e.add_initiative_ids("i2");
    e.set_author_id("kam");
    e.set_submitted_day(day);
    e.set_review_due_day(day + 90);
    event.type = "AccountPlanSubmitted";
    event.main = e.SerializeAsString();
  }
  event.personal = "a rationale of a few dozen bytes, as people write them";
  return event;
}

class AuditScenario : public Scenario {
 public:
  std::string name() const override { return "audit"; }
  std::string description() const override {
    return "StateAsOf of an account with 10k events over gRPC (p50/p99), "
           "against folding its tag index";
  }

  absl::Status Run(const ScenarioContext& context) override {
    absl::StatusOr<std::unique_ptr<ScopedDir>> dir =
        ScopedDir::Create(context.data_dir, "audit", context.keep_data);
    if (!dir.ok()) return dir.status();
    eventstore::RocksEventLogOptions log_options;
    log_options.path = (*dir)->path() + "/log";
    absl::StatusOr<std::unique_ptr<eventstore::RocksEventLog>> log =
        eventstore::RocksEventLog::Open(log_options);
    if (!log.ok()) return log.status();

    // Fill: the hot account's events spread evenly among the cold ones'.
    const int total = context.quick ? 20000 : 100000;
    context.progress(
        absl::StrFormat("audit: writing %d events (%d of account %s)", total,
                        kHotEvents, kHot));
    std::vector<int> cold_next(kColdAccounts, 0);
    int hot_next = 0;
    for (int written = 0; written < total;) {
      eventstore::AppendRequest request;
      request.principal = "bench:audit";
      request.acting_person = "boss";
      for (int k = 0; k < 100 && written < total; ++k, ++written) {
        const bool hot = hot_next < kHotEvents &&
                         static_cast<int64_t>(written) * kHotEvents >=
                             static_cast<int64_t>(hot_next) * total;
        std::string account = kHot;
        int i = 0;
        if (hot) {
          i = hot_next++;
        } else {
          const int c = written % kColdAccounts;
          account = absl::StrCat("cold", c);
          i = cold_next[c]++;
        }
        // One stream per event in a batch: multi-stream appends are atomic.
        eventstore::StreamAppend& stream = request.streams.emplace_back();
        stream.stream_id = domain::AccountStream(account);
        stream.events.push_back(AccountEvent(account, i));
      }
      // Merge appends to the same stream within the batch.
      std::vector<eventstore::StreamAppend> merged;
      for (eventstore::StreamAppend& s : request.streams) {
        auto it = std::find_if(merged.begin(), merged.end(),
                               [&](const eventstore::StreamAppend& m) {
                                 return m.stream_id == s.stream_id;
                               });
        if (it == merged.end()) {
          merged.push_back(std::move(s));
        } else {
          for (eventstore::NewEvent& e : s.events) {
            it->events.push_back(std::move(e));
          }
        }
      }
      request.streams = std::move(merged);
      absl::StatusOr<eventstore::AppendResult> appended =
          (*log)->AppendAndWait(std::move(request));
      if (!appended.ok()) return appended.status();
    }
    const uint64_t head = (*log)->GetChainHead().position;
    // Positions inside a batch are grouped by stream: find the nomination.
    absl::StatusOr<std::vector<eventstore::RecordedEvent>> first =
        (*log)->ReadByTag(domain::AccountTag(kHot), 0, 1, false);
    if (!first.ok() || first->empty()) {
      return absl::InternalError("the hot account has no events");
    }
    const uint64_t hot_nominated_at = first->front().position;

    // The projection catches up.
    projections::EngineOptions options;
    options.path = (*dir)->path() + "/rows";
    absl::StatusOr<std::unique_ptr<projections::ProjectionEngine>> engine =
        projections::ProjectionEngine::Open(
            options, log->get(), {[] {
              return std::make_unique<projections::HistoryProjection>();
            }});
    if (!engine.ok()) return engine.status();
    const absl::Time started = absl::Now();
    (*engine)->Start();
    absl::StatusOr<std::unique_ptr<projections::RowSnapshot>> caught_up =
        (*engine)->Read(projections::kHistoryProjectionName, head,
                        absl::Now() + absl::Minutes(10));
    if (!caught_up.ok()) return caught_up.status();
    caught_up->reset();
    const double catchup_s = absl::ToDoubleSeconds(absl::Now() - started);

    eventstore::ThreadPool pool(2);
    services::AuditService audit(log->get(), &pool, engine->get());
    services::GrpcServerOptions server_options;
    server_options.listen = "127.0.0.1:0";
    absl::StatusOr<std::unique_ptr<services::GrpcServer>> server =
        services::GrpcServer::Start(server_options, {&audit});
    if (!server.ok()) return server.status();
    auto stub = v1::AuditService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                            grpc::InsecureChannelCredentials()));

    absl::BitGen gen;
    auto random_position = [&] {
      return absl::Uniform<uint64_t>(absl::IntervalClosed, gen,
                                     hot_nominated_at, head);
    };
    const domain::AggregateRef hot{domain::AggregateKind::kAccount, kHot};
    absl::Status mismatch;

    // Baseline: the plain fold.
    const int fold_samples = context.quick ? 40 : 200;
    context.progress(absl::StrFormat("audit: %d plain folds from the tag index",
                                     fold_samples));
    std::vector<int64_t> fold_ns;
    for (int n = 0; n < fold_samples; ++n) {
      const uint64_t p = random_position();
      const int64_t t0 = NowNs();
      absl::StatusOr<projections::AsOfState> folded =
          projections::FoldFromTagIndex(**log, hot, p);
      fold_ns.push_back(NowNs() - t0);
      if (!folded.ok()) return folded.status();
    }

    // In-process: what the service does, without gRPC.
    const int samples = context.quick ? 2000 : 20000;
    context.progress(
        absl::StrFormat("audit: %d as-of reads in process", samples));
    std::vector<int64_t> inproc_ns;
    for (int n = 0; n < samples; ++n) {
      const uint64_t p = random_position();
      const int64_t t0 = NowNs();
      absl::StatusOr<std::unique_ptr<projections::RowSnapshot>> rows =
          (*engine)->Read(projections::kHistoryProjectionName, p,
                          absl::Now() + absl::Seconds(10));
      if (!rows.ok()) return rows.status();
      absl::StatusOr<projections::AsOfState> state =
          projections::StateAsOf(**rows, **log, hot, p);
      inproc_ns.push_back(NowNs() - t0);
      if (!state.ok()) return state.status();
    }

    // Over gRPC, checking a sample against the fold.
    context.progress(absl::StrFormat("audit: %d StateAsOf calls", samples));
    std::vector<int64_t> rpc_ns;
    for (int n = 0; n < samples; ++n) {
      const uint64_t p = random_position();
      v1::StateAsOfRequest request;
      request.set_account_id(kHot);
      request.set_position(p);
      v1::StateAsOfResponse response;
      grpc::ClientContext call;
      call.set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(10));
      const int64_t t0 = NowNs();
      grpc::Status status = stub->StateAsOf(&call, request, &response);
      rpc_ns.push_back(NowNs() - t0);
      if (!status.ok()) {
        return absl::InternalError(
            absl::StrCat("StateAsOf failed: ", status.error_message()));
      }
      if (n % 100 == 0) {
        absl::StatusOr<projections::AsOfState> want =
            projections::FoldFromTagIndex(**log, hot, p);
        if (!want.ok()) return want.status();
        if (!google::protobuf::util::MessageDifferencer::Equals(
                response.account(), *want->state) ||
            response.aggregate_events() != want->events) {
          mismatch = absl::InternalError(
              absl::StrCat("StateAsOf at ", p, " differs from the fold"));
        }
      }
    }
    (*server)->Shutdown(absl::Seconds(5));
    (*engine)->Stop();
    pool.Shutdown();

    auto figure = [&](std::string metric, double value, std::string unit) {
      Figure f;
      f.scenario = name();
      f.metric = std::move(metric);
      f.value = value;
      f.unit = std::move(unit);
      return f;
    };
    const std::string label = "fold of the tag index, in process";
    context.emit(figure("history_catchup_events_per_s",
                        static_cast<double>(head) / catchup_s, "events/s"));
    for (const auto& [metric, q] :
         {std::pair<const char*, double>{"p50", 0.50}, {"p99", 0.99}}) {
      Figure rpc = figure(absl::StrCat("state_as_of_", metric, "_ms"),
                          PercentileMs(rpc_ns, q), "ms");
      rpc.baseline = PercentileMs(fold_ns, q);
      rpc.baseline_label = label;
      if (q == 0.99) {
        rpc.target = Target{Target::Of::kValue, Target::Cmp::kAtMost,
                            kTargetP99Ms, "issue 6"};
      }
      context.emit(std::move(rpc));
    }
    Figure inproc = figure("state_as_of_inproc_p99_ms",
                           PercentileMs(inproc_ns, 0.99), "ms");
    inproc.baseline = PercentileMs(fold_ns, 0.99);
    inproc.baseline_label = label;
    context.emit(std::move(inproc));
    return mismatch;
  }
};

}  // namespace

KAMGOV_REGISTER_SCENARIO("audit", AuditScenario);

}  // namespace kamgov::bench
