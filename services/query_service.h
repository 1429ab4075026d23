#ifndef KAMGOV_SERVICES_QUERY_SERVICE_H_
#define KAMGOV_SERVICES_QUERY_SERVICE_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "absl/time/time.h"
#include "eventstore/thread_pool.h"
#include "kamgov/v1/query.grpc.pb.h"
#include "projections/dashboard_rows.h"
#include "projections/engine.h"

namespace kamgov::services {

struct QueryLimits {
  // Rows (sponsors for SponsorLoad) per page when the caller sets none.
  uint32_t default_page_size = 50;
  // Larger page sizes fail with INVALID_ARGUMENT.
  uint32_t max_page_size = 1000;
  // Rows a filtering query scans for one page before returning a short
  // page with a token (projections::QueryContext::scan_budget).
  size_t scan_budget = 20000;
  // Threads that wait for a projection to reach a caller's min_position.
  int wait_threads = 4;
  // The longest such wait, whatever the call's deadline.
  absl::Duration max_wait = absl::Seconds(30);
};

// QueryService on the callback API: the dashboard read models of
// projections/ (portfolio, coverage, sponsor_load, plan_compliance,
// escalations, selection_cycle), their status and rebuilds.
//
// Each query checks the call's admission first (CheckCall), then its page
// size, then reads the projection through ProjectionEngine::Read at the
// caller's min_position, waiting no longer than the call's deadline (and
// limits.max_wait). The wait and the RocksDB reads never run on a gRPC
// reaction: a query whose projection has already reached min_position runs
// on `pool` (the daemon's I/O pool, like every disk read); one that must
// wait runs on the service's own `wait_threads`, so callers asking for a
// position not yet applied never hold up the I/O pool. Waits are woken by
// the engine, never polled; waiters beyond wait_threads queue (their
// deadline still runs).
//
// Ages, days-since and "overdue" are computed from `clock_us` (µs since the
// epoch) when the query runs.
//
// The engine and pool are not owned and must outlive the service; stop the
// engine before destroying the service (its destructor joins the waiting
// threads, which the engine's Stop wakes with UNAVAILABLE).
//
// Errors: INVALID_ARGUMENT with BadRequest details (a bad filter, page size
// or page token, an empty projection name); NOT_FOUND (unknown program or
// projection); from the engine DEADLINE_EXCEEDED (min_position not reached
// in time), UNAVAILABLE (stopping), FAILED_PRECONDITION (a projection
// stopped on an error, or already rebuilding); DATA_LOSS (unreadable rows).
class QueryService final : public kamgov::v1::QueryService::CallbackService {
 public:
  QueryService(projections::ProjectionEngine* engine,
               eventstore::ThreadPool* pool, std::function<int64_t()> clock_us,
               QueryLimits limits = {});
  ~QueryService() override;

  grpc::ServerUnaryReactor* Portfolio(
      grpc::CallbackServerContext* context,
      const kamgov::v1::PortfolioRequest* request,
      kamgov::v1::PortfolioResponse* response) override;
  grpc::ServerUnaryReactor* Coverage(
      grpc::CallbackServerContext* context,
      const kamgov::v1::CoverageRequest* request,
      kamgov::v1::CoverageResponse* response) override;
  grpc::ServerUnaryReactor* SponsorLoad(
      grpc::CallbackServerContext* context,
      const kamgov::v1::SponsorLoadRequest* request,
      kamgov::v1::SponsorLoadResponse* response) override;
  grpc::ServerUnaryReactor* PlanCompliance(
      grpc::CallbackServerContext* context,
      const kamgov::v1::PlanComplianceRequest* request,
      kamgov::v1::PlanComplianceResponse* response) override;
  grpc::ServerUnaryReactor* Escalations(
      grpc::CallbackServerContext* context,
      const kamgov::v1::EscalationsRequest* request,
      kamgov::v1::EscalationsResponse* response) override;
  grpc::ServerUnaryReactor* SelectionCycle(
      grpc::CallbackServerContext* context,
      const kamgov::v1::SelectionCycleRequest* request,
      kamgov::v1::SelectionCycleResponse* response) override;
  grpc::ServerUnaryReactor* ProjectionStatus(
      grpc::CallbackServerContext* context,
      const kamgov::v1::ProjectionStatusRequest* request,
      kamgov::v1::ProjectionStatusResponse* response) override;

 private:
  // A query over one projection's rows.
  template <typename Request, typename Response>
  using QueryFn = absl::StatusOr<Response> (*)(
      const projections::RowSnapshot&, const Request&,
      const projections::QueryContext&);

  template <typename Request, typename Response>
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context,
                                  const char* projection,
                                  const Request* request, Response* response,
                                  QueryFn<Request, Response> query);

  projections::ProjectionEngine* const engine_;
  eventstore::ThreadPool* const pool_;
  const std::function<int64_t()> clock_us_;
  const QueryLimits limits_;
  std::unique_ptr<eventstore::ThreadPool> waiters_;
};

}  // namespace kamgov::services

#endif  // KAMGOV_SERVICES_QUERY_SERVICE_H_
