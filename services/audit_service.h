#ifndef KAMGOV_SERVICES_AUDIT_SERVICE_H_
#define KAMGOV_SERVICES_AUDIT_SERVICE_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "eventstore/event_log.h"
#include "eventstore/thread_pool.h"
#include "kamgov/v1/audit.grpc.pb.h"
#include "projections/engine.h"
#include "services/event_stream_service.h"

namespace kamgov::services {

// AuditService on the callback API (docs/audit.md): what auditors replay
// and verify. Read-only.
//
// - History: the tag index of the log (EventLog::ReadByTag) for accounts
//   (their escalations included, through account:<id>), escalations,
//   persons and programs; the decision_history projection's indexes for an
//   acting person's or a principal's decisions. Paged by position.
// - StateAsOf: a decision_history snapshot plus the tag events after it
//   (projections/as_of.h); a recorded time is turned into the last
//   position recorded at or before it.
// - ChainHead, VerifyChain: the log's.
// - Export: a ServerWriteReactor sending one chunk per page of
//   eventstore::kExportPageSize events, in the format of
//   eventstore/export.h; the next page is read only after the previous
//   chunk was written, so a slow reader holds one page, never the log.
//
// Every handler checks the call's admission first (CheckCall); disk reads
// run on `pool`, never in a reaction. The log, pool and engine are not
// owned and must outlive the service; the engine must serve the
// decision_history projection (HistoryProjection).
//
// Errors: INVALID_ARGUMENT with BadRequest details (no subject, a bad id,
// a page size over the limit, a position past the head, a reversed range);
// NOT_FOUND when the aggregate did not exist at the position; from the
// engine, DEADLINE_EXCEEDED / UNAVAILABLE / FAILED_PRECONDITION; DATA_LOSS
// for unreadable stored data; CANCELLED when the client goes away.
class AuditService final : public kamgov::v1::AuditService::CallbackService {
 public:
  AuditService(eventstore::EventLog* log, eventstore::ThreadPool* pool,
               projections::ProjectionEngine* engine, ReadLimits limits = {})
      : log_(log), pool_(pool), engine_(engine), limits_(limits) {}

  grpc::ServerUnaryReactor* History(
      grpc::CallbackServerContext* context,
      const kamgov::v1::HistoryRequest* request,
      kamgov::v1::HistoryResponse* response) override;
  grpc::ServerUnaryReactor* StateAsOf(
      grpc::CallbackServerContext* context,
      const kamgov::v1::StateAsOfRequest* request,
      kamgov::v1::StateAsOfResponse* response) override;
  grpc::ServerUnaryReactor* ChainHead(
      grpc::CallbackServerContext* context,
      const kamgov::v1::ChainHeadRequest* request,
      kamgov::v1::ChainHeadResponse* response) override;
  grpc::ServerUnaryReactor* VerifyChain(
      grpc::CallbackServerContext* context,
      const kamgov::v1::VerifyChainRequest* request,
      kamgov::v1::VerifyChainResponse* response) override;
  grpc::ServerWriteReactor<kamgov::v1::ExportChunk>* Export(
      grpc::CallbackServerContext* context,
      const kamgov::v1::ExportRequest* request) override;

 private:
  absl::Status DoHistory(const grpc::CallbackServerContext& context,
                         const kamgov::v1::HistoryRequest& request,
                         kamgov::v1::HistoryResponse& response) const;
  absl::Status DoStateAsOf(const grpc::CallbackServerContext& context,
                           const kamgov::v1::StateAsOfRequest& request,
                           kamgov::v1::StateAsOfResponse& response) const;
  absl::StatusOr<size_t> PageSize(uint32_t requested) const;

  eventstore::EventLog* const log_;
  eventstore::ThreadPool* const pool_;
  projections::ProjectionEngine* const engine_;
  const ReadLimits limits_;
};

// The rules (ids of domain/rules.h) a decision recorded as `type` was
// checked against, or the deadline rule that made the scheduler record it
// (system events have no acting person). Empty for unknown types.
std::vector<std::string> RuleContextFor(absl::string_view type,
                                        absl::string_view acting_person);

// An event as History returns it.
void ToHistoryEntry(const eventstore::RecordedEvent& event,
                    kamgov::v1::HistoryEntry* out);

}  // namespace kamgov::services

#endif  // KAMGOV_SERVICES_AUDIT_SERVICE_H_
