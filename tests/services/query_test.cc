// QueryService end to end: commands through a real daemon's
// GovernanceService, the dashboard projections in a real ProjectionEngine
// following the daemon's log, and QueryService on a real gRPC server
// (127.0.0.1:0). The read models' answers themselves are checked in
// tests/projections/read_models_test.cc; here: read-your-writes, deadlines,
// paging and filters over the wire, status, and rebuilds.

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "kamgov/v1/admin.grpc.pb.h"
#include "kamgov/v1/query.grpc.pb.h"
#include "projections/coverage_projection.h"
#include "projections/engine.h"
#include "projections/escalations_projection.h"
#include "projections/plan_compliance_projection.h"
#include "projections/portfolio_projection.h"
#include "projections/selection_cycle_projection.h"
#include "projections/sponsor_load_projection.h"
#include "services/grpc_server.h"
#include "services/grpc_status.h"
#include "services/query_service.h"
#include "tests/projections/read_models_scenario.h"
#include "tests/services/governance_harness.h"
#include "tests/testing/temp_dir.h"

namespace kamgov::services {
namespace {

using ::kamgov::testing::kQueryDay;
using ::kamgov::testing::ScenarioTime;
using testing::BadFieldsOf;
using ::testing::ElementsAre;
using testing::FakeClock;
using testing::GovernanceServer;

std::vector<projections::ProjectionFactory> Dashboards() {
  return {
      [] { return std::make_unique<projections::PortfolioProjection>(); },
      [] { return std::make_unique<projections::CoverageProjection>(); },
      [] { return std::make_unique<projections::SponsorLoadProjection>(); },
      [] { return std::make_unique<projections::PlanComplianceProjection>(); },
      [] { return std::make_unique<projections::EscalationsProjection>(); },
      [] { return std::make_unique<projections::SelectionCycleProjection>(); },
  };
}

class QueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<GovernanceServer>> server =
        GovernanceServer::Start(dir_.path() + "/daemon", &clock_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ASSERT_TRUE(server_->RunAll(::kamgov::testing::ReadModelScenario()).ok());
    clock_.Set(ScenarioTime(kQueryDay));

    projections::EngineOptions options;
    options.path = dir_.path() + "/readmodels";
    absl::StatusOr<std::unique_ptr<projections::ProjectionEngine>> engine =
        projections::ProjectionEngine::Open(options, &server_->log(),
                                            Dashboards());
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = *std::move(engine);
    engine_->Start();
    pool_ = std::make_unique<eventstore::ThreadPool>(2);
    QueryLimits limits;
    limits.max_page_size = 20;
    service_ = std::make_unique<QueryService>(engine_.get(), pool_.get(),
                                              clock_.AsFunction(), limits);
    GrpcServerOptions grpc_options;
    grpc_options.listen = "127.0.0.1:0";
    absl::StatusOr<std::unique_ptr<GrpcServer>> grpc =
        GrpcServer::Start(grpc_options, {service_.get()});
    ASSERT_TRUE(grpc.ok()) << grpc.status();
    grpc_ = *std::move(grpc);
    stub_ = v1::QueryService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", grpc_->port()),
                            grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (grpc_ != nullptr) grpc_->Shutdown(absl::ZeroDuration());
    if (engine_ != nullptr) engine_->Stop();
    service_.reset();
    if (pool_ != nullptr) pool_->Shutdown();
  }

  // Calls `method` with `timeout`; returns the absl status.
  template <typename Request, typename Response, typename Method>
  absl::Status Call(Method method, const Request& request, Response* response,
                    absl::Duration timeout = absl::Seconds(10)) {
    grpc::ClientContext context;
    testing::PrepareContext(context, "svc:dashboard");
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    return FromGrpcStatus(((*stub_).*method)(&context, request, response));
  }

  // Every read model's default answer.
  std::vector<std::unique_ptr<google::protobuf::Message>> AllAnswers(
      uint64_t min_position) {
    std::vector<std::unique_ptr<google::protobuf::Message>> out;
    auto portfolio = std::make_unique<v1::PortfolioResponse>();
    v1::PortfolioRequest p;
    p.set_min_position(min_position);
    EXPECT_TRUE(
        Call(&v1::QueryService::Stub::Portfolio, p, portfolio.get()).ok());
    out.push_back(std::move(portfolio));
    auto coverage = std::make_unique<v1::CoverageResponse>();
    v1::CoverageRequest c;
    c.set_min_position(min_position);
    EXPECT_TRUE(
        Call(&v1::QueryService::Stub::Coverage, c, coverage.get()).ok());
    out.push_back(std::move(coverage));
    auto sponsors = std::make_unique<v1::SponsorLoadResponse>();
    v1::SponsorLoadRequest s;
    s.set_min_position(min_position);
    EXPECT_TRUE(
        Call(&v1::QueryService::Stub::SponsorLoad, s, sponsors.get()).ok());
    out.push_back(std::move(sponsors));
    auto plans = std::make_unique<v1::PlanComplianceResponse>();
    v1::PlanComplianceRequest pc;
    pc.set_min_position(min_position);
    EXPECT_TRUE(
        Call(&v1::QueryService::Stub::PlanCompliance, pc, plans.get()).ok());
    out.push_back(std::move(plans));
    auto escalations = std::make_unique<v1::EscalationsResponse>();
    v1::EscalationsRequest e;
    e.set_min_position(min_position);
    EXPECT_TRUE(
        Call(&v1::QueryService::Stub::Escalations, e, escalations.get()).ok());
    out.push_back(std::move(escalations));
    auto cycle = std::make_unique<v1::SelectionCycleResponse>();
    v1::SelectionCycleRequest sc;
    sc.set_min_position(min_position);
    EXPECT_TRUE(
        Call(&v1::QueryService::Stub::SelectionCycle, sc, cycle.get()).ok());
    out.push_back(std::move(cycle));
    return out;
  }

  FakeClock clock_;
  kamgov::testing::TempDir dir_;
  std::unique_ptr<GovernanceServer> server_;
  std::unique_ptr<projections::ProjectionEngine> engine_;
  std::unique_ptr<eventstore::ThreadPool> pool_;
  std::unique_ptr<QueryService> service_;
  std::unique_ptr<GrpcServer> grpc_;
  std::unique_ptr<v1::QueryService::Stub> stub_;
};

TEST_F(QueryTest, ACommandsPositionIsAnsweredWithItsEffect) {
  // gamma becomes emea's third key account.
  absl::StatusOr<v1::CommandResult> result = server_->Run(domain::testing::Step(
      "boss",
      absl::StrCat("designate_account { account_id: \"gamma\" "
                   "criteria_version: 2 ",
                   domain::testing::ScoresText(8, 8, 8),
                   " portfolio_class: PORTFOLIO_CLASS_STREAMLINE }"),
      "because", ScenarioTime(kQueryDay)));
  ASSERT_TRUE(result.ok()) << result.status();
  v1::PortfolioRequest request;
  request.set_program_id("emea");
  request.set_min_position(result->commit_position());
  v1::PortfolioResponse response;
  const absl::Time start = absl::Now();
  ASSERT_TRUE(
      Call(&v1::QueryService::Stub::Portfolio, request, &response).ok());
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));  // not a deadline
  EXPECT_GE(response.position(), result->commit_position());
  ASSERT_EQ(response.programs_size(), 1);
  EXPECT_EQ(response.programs(0).active_key_accounts(), 3);
  EXPECT_EQ(response.accounts_size(), 3);
}

TEST_F(QueryTest, APositionBeyondTheHeadTimesOut) {
  v1::EscalationsRequest request;
  request.set_min_position(server_->HeadPosition() + 1000);
  v1::EscalationsResponse response;
  absl::Status status = Call(&v1::QueryService::Stub::Escalations, request,
                             &response, absl::Milliseconds(300));
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  // The service keeps answering others meanwhile.
  request.set_min_position(0);
  EXPECT_TRUE(
      Call(&v1::QueryService::Stub::Escalations, request, &response).ok());
}

TEST_F(QueryTest, FiltersAndPagesOverTheWire) {
  const uint64_t head = server_->HeadPosition();
  v1::EscalationsRequest escalations;
  escalations.set_level(v1::ESCALATION_LEVEL_UNIT_HEAD);
  escalations.set_min_position(head);
  v1::EscalationsResponse open;
  ASSERT_TRUE(
      Call(&v1::QueryService::Stub::Escalations, escalations, &open).ok());
  EXPECT_EQ(open.position(), head);
  ASSERT_EQ(open.escalations_size(), 1);
  EXPECT_EQ(open.escalations(0).escalation_id(), "e2");
  EXPECT_EQ(open.escalations(0).age_days(), kQueryDay - 3);

  v1::PortfolioRequest request;
  request.set_page_size(2);
  request.set_min_position(head);
  std::vector<std::string> ids;
  do {
    v1::PortfolioResponse page;
    ASSERT_TRUE(Call(&v1::QueryService::Stub::Portfolio, request, &page).ok());
    for (const auto& a : page.accounts()) ids.push_back(a.account_id());
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty() && ids.size() < 10);
  EXPECT_THAT(ids, ElementsAre("delta", "acme", "beta"));

  v1::PlanComplianceRequest plans;
  plans.set_overdue_only(true);
  v1::PlanComplianceResponse overdue;
  ASSERT_TRUE(
      Call(&v1::QueryService::Stub::PlanCompliance, plans, &overdue).ok());
  ASSERT_EQ(overdue.accounts_size(), 1);
  EXPECT_EQ(overdue.accounts(0).account_id(), "beta");
}

TEST_F(QueryTest, BadRequestsNameTheField) {
  v1::PortfolioRequest request;
  request.set_page_size(21);
  v1::PortfolioResponse response;
  absl::Status status =
      Call(&v1::QueryService::Stub::Portfolio, request, &response);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(BadFieldsOf(status), ElementsAre("page_size"));
  request.set_page_size(0);
  request.set_page_token("bm90IGEga2V5");
  status = Call(&v1::QueryService::Stub::Portfolio, request, &response);
  EXPECT_THAT(BadFieldsOf(status), ElementsAre("page_token"));
  v1::CoverageRequest coverage;
  coverage.set_manager_id("has space");
  v1::CoverageResponse coverage_response;
  status =
      Call(&v1::QueryService::Stub::Coverage, coverage, &coverage_response);
  EXPECT_THAT(BadFieldsOf(status), ElementsAre("manager_id"));
}

TEST_F(QueryTest, AdminsRebuildThroughAdminService) {
  // The daemon's own engine, through its AdminService.
  auto admin = v1::AdminService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->daemon().port()),
                          grpc::InsecureChannelCredentials()));
  auto call = [&](const std::string& name,
                  v1::RebuildProjectionResponse* response) {
    grpc::ClientContext context;
    testing::PrepareContext(context, "svc:ops");
    v1::RebuildProjectionRequest request;
    request.set_name(name);
    return FromGrpcStatus(
        admin->RebuildProjection(&context, request, response));
  };
  v1::RebuildProjectionResponse response;
  absl::Status status = call("", &response);
  EXPECT_THAT(BadFieldsOf(status), ElementsAre("name"));
  EXPECT_EQ(call("nothing", &response).code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(call("portfolio", &response).ok());
  EXPECT_EQ(response.version(), 1u);
  EXPECT_EQ(response.head_position(), server_->HeadPosition());
  // Queries keep being answered while it runs, and after.
  EXPECT_TRUE(server_->daemon()
                  .projections()
                  .Read("portfolio", server_->HeadPosition(),
                        absl::Now() + absl::Seconds(20))
                  .ok());
}

TEST_F(QueryTest, ARebuildAnswersAsTheLiveBuiltRows) {
  const uint64_t head = server_->HeadPosition();
  const auto live = AllAnswers(head);
  for (const char* name :
       {"portfolio", "coverage", "sponsor_load", "plan_compliance",
        "escalations", "selection_cycle"}) {
    ASSERT_TRUE(engine_->Rebuild(name).ok()) << name;
  }
  // The engine offers no "rebuilt" notification: poll the status, as
  // `kamgov projections rebuild` does.
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  v1::ProjectionStatusResponse status;
  bool done = false;
  while (!done && absl::Now() < give_up) {
    ASSERT_TRUE(Call(&v1::QueryService::Stub::ProjectionStatus,
                     v1::ProjectionStatusRequest(), &status)
                    .ok());
    done = status.projections_size() == 6;
    for (const auto& p : status.projections()) {
      done = done && !p.rebuilding() && p.position() >= head;
    }
    if (!done) absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_TRUE(done) << status.DebugString();
  EXPECT_EQ(status.head_position(), head);
  const auto rebuilt = AllAnswers(head);
  ASSERT_EQ(rebuilt.size(), live.size());
  for (size_t i = 0; i < live.size(); ++i) {
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*live[i],
                                                                   *rebuilt[i]))
        << live[i]->DebugString() << "\nvs\n"
        << rebuilt[i]->DebugString();
  }
}

}  // namespace
}  // namespace kamgov::services
