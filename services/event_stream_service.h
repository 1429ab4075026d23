#ifndef KAMGOV_SERVICES_EVENT_STREAM_SERVICE_H_
#define KAMGOV_SERVICES_EVENT_STREAM_SERVICE_H_

#include "eventstore/event_log.h"
#include "eventstore/subscription_hub.h"
#include "eventstore/thread_pool.h"
#include "kamgov/v1/event_stream.grpc.pb.h"

namespace kamgov::services {

struct ReadLimits {
  // Events per page when the caller sets no limit.
  uint32_t default_page_size = 100;
  // Larger limits fail with INVALID_ARGUMENT.
  uint32_t max_page_size = 1000;
};

// EventStreamService on the callback API: ReadStream and ReadAll run their
// disk reads on the pool (never on a gRPC reaction); Subscribe streams
// through a SubscriptionHub with one ServerWriteReactor per call.
//
// Subscribe sends, in order: events (batched per commit group or per disk
// page), checkpoints (filtered subscriptions only) and a caught_up marker
// each time the subscription switches to live. Every position it announces
// is a valid resume point (LogPosition.after).
//
// The log, hub and pool are not owned and must outlive the service.
// Errors: INVALID_ARGUMENT with BadRequest details (bad stream id, filter,
// page size, or a resume position past the head); from the hub,
// RESOURCE_EXHAUSTED (too many subscriptions, or a stalled subscriber) and
// UNAVAILABLE (shutdown); CANCELLED / DEADLINE_EXCEEDED from the client.
class EventStreamService final
    : public kamgov::v1::EventStreamService::CallbackService {
 public:
  EventStreamService(eventstore::EventLog* log,
                     eventstore::SubscriptionHub* hub,
                     eventstore::ThreadPool* pool, ReadLimits limits = {})
      : log_(log), hub_(hub), pool_(pool), limits_(limits) {}

  grpc::ServerUnaryReactor* ReadStream(
      grpc::CallbackServerContext* context,
      const kamgov::v1::ReadStreamRequest* request,
      kamgov::v1::ReadStreamResponse* response) override;
  grpc::ServerUnaryReactor* ReadAll(
      grpc::CallbackServerContext* context,
      const kamgov::v1::ReadAllRequest* request,
      kamgov::v1::ReadAllResponse* response) override;
  grpc::ServerWriteReactor<kamgov::v1::SubscribeResponse>* Subscribe(
      grpc::CallbackServerContext* context,
      const kamgov::v1::SubscribeRequest* request) override;

 private:
  absl::StatusOr<size_t> PageSize(uint32_t requested) const;

  eventstore::EventLog* const log_;
  eventstore::SubscriptionHub* const hub_;
  eventstore::ThreadPool* const pool_;
  const ReadLimits limits_;
};

}  // namespace kamgov::services

#endif  // KAMGOV_SERVICES_EVENT_STREAM_SERVICE_H_
