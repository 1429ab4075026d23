#include "services/query_service.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "projections/coverage_projection.h"
#include "projections/escalations_projection.h"
#include "projections/plan_compliance_projection.h"
#include "projections/portfolio_projection.h"
#include "projections/selection_cycle_projection.h"
#include "projections/sponsor_load_projection.h"
#include "proto/status_details.h"
#include "services/grpc_status.h"
#include "services/identity.h"

namespace kamgov::services {
namespace {

void ToApi(const projections::ProjectionProgress& in,
           kamgov::v1::ProjectionStatusResponse::Projection* out) {
  out->set_name(in.name);
  out->set_version(in.version);
  out->set_position(in.position);
  out->set_rebuilding(in.rebuilding);
  out->set_rebuild_version(in.rebuild_version);
  out->set_rebuild_position(in.rebuild_position);
  out->set_rebuild_events_per_second(in.rebuild_events_per_second);
  out->set_error(in.error);
}

}  // namespace

QueryService::QueryService(projections::ProjectionEngine* engine,
                           eventstore::ThreadPool* pool,
                           std::function<int64_t()> clock_us,
                           QueryLimits limits)
    : engine_(engine),
      pool_(pool),
      clock_us_(std::move(clock_us)),
      limits_(limits),
      waiters_(std::make_unique<eventstore::ThreadPool>(
          std::max(1, limits.wait_threads))) {}

QueryService::~QueryService() { waiters_->Shutdown(); }

template <typename Request, typename Response>
grpc::ServerUnaryReactor* QueryService::Serve(
    grpc::CallbackServerContext* context, const char* projection,
    const Request* request, Response* response,
    QueryFn<Request, Response> query) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (absl::Status admitted = CheckCall(*context); !admitted.ok()) {
    reactor->Finish(ToGrpcStatus(admitted));
    return reactor;
  }
  if (request->page_size() > limits_.max_page_size) {
    reactor->Finish(ToGrpcStatus(InvalidArgument(
        {{"page_size", absl::StrCat("at most ", limits_.max_page_size)}})));
    return reactor;
  }
  projections::QueryContext query_context;
  query_context.page_size = request->page_size() == 0
                                ? limits_.default_page_size
                                : request->page_size();
  query_context.scan_budget = limits_.scan_budget;
  const uint64_t min_position = request->min_position();
  const absl::Time deadline =
      std::min(CallDeadline(*context), absl::Now() + limits_.max_wait);
  auto run = [this, projection, request, response, reactor, query,
              query_context, min_position, deadline]() mutable {
    absl::Status status = [&]() -> absl::Status {
      absl::StatusOr<std::unique_ptr<projections::RowSnapshot>> rows =
          engine_->Read(projection, min_position, deadline);
      if (!rows.ok()) return rows.status();
      query_context.now_us = clock_us_();
      absl::StatusOr<Response> answer = query(**rows, *request, query_context);
      if (!answer.ok()) return answer.status();
      *response = *std::move(answer);
      return absl::OkStatus();
    }();
    reactor->Finish(ToGrpcStatus(status));
  };
  if (engine_->Position(projection) >= min_position) {
    pool_->Schedule(std::move(run));
  } else {
    waiters_->Schedule(std::move(run));
  }
  return reactor;
}

grpc::ServerUnaryReactor* QueryService::Portfolio(
    grpc::CallbackServerContext* context,
    const kamgov::v1::PortfolioRequest* request,
    kamgov::v1::PortfolioResponse* response) {
  return Serve(context, "portfolio", request, response,
               &projections::QueryPortfolio);
}

grpc::ServerUnaryReactor* QueryService::Coverage(
    grpc::CallbackServerContext* context,
    const kamgov::v1::CoverageRequest* request,
    kamgov::v1::CoverageResponse* response) {
  return Serve(context, "coverage", request, response,
               &projections::QueryCoverage);
}

grpc::ServerUnaryReactor* QueryService::SponsorLoad(
    grpc::CallbackServerContext* context,
    const kamgov::v1::SponsorLoadRequest* request,
    kamgov::v1::SponsorLoadResponse* response) {
  return Serve(context, "sponsor_load", request, response,
               &projections::QuerySponsorLoad);
}

grpc::ServerUnaryReactor* QueryService::PlanCompliance(
    grpc::CallbackServerContext* context,
    const kamgov::v1::PlanComplianceRequest* request,
    kamgov::v1::PlanComplianceResponse* response) {
  return Serve(context, "plan_compliance", request, response,
               &projections::QueryPlanCompliance);
}

grpc::ServerUnaryReactor* QueryService::Escalations(
    grpc::CallbackServerContext* context,
    const kamgov::v1::EscalationsRequest* request,
    kamgov::v1::EscalationsResponse* response) {
  return Serve(context, "escalations", request, response,
               &projections::QueryEscalations);
}

grpc::ServerUnaryReactor* QueryService::SelectionCycle(
    grpc::CallbackServerContext* context,
    const kamgov::v1::SelectionCycleRequest* request,
    kamgov::v1::SelectionCycleResponse* response) {
  return Serve(context, "selection_cycle", request, response,
               &projections::QuerySelectionCycle);
}

// Status reads only the engine's memory: answered in the reaction.
grpc::ServerUnaryReactor* QueryService::ProjectionStatus(
    grpc::CallbackServerContext* context,
    const kamgov::v1::ProjectionStatusRequest*,
    kamgov::v1::ProjectionStatusResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (absl::Status admitted = CheckCall(*context); !admitted.ok()) {
    reactor->Finish(ToGrpcStatus(admitted));
    return reactor;
  }
  response->set_head_position(engine_->HeadPosition());
  for (const projections::ProjectionProgress& progress : engine_->Status()) {
    ToApi(progress, response->add_projections());
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace kamgov::services
