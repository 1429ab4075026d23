#include "services/event_stream_service.h"

#include <atomic>
#include <limits>
#include <memory>

#include "absl/strings/str_cat.h"
#include "eventstore/validation.h"
#include "proto/status_details.h"
#include "services/event_conversion.h"
#include "services/grpc_status.h"
#include "services/identity.h"
#include "services/unary_call.h"

namespace kamgov::services {
namespace {

constexpr size_t kMaxFilterValues = 100;

absl::StatusOr<eventstore::EventFilter> ToFilter(
    const kamgov::v1::EventFilter& in) {
  std::vector<FieldViolation> violations;
  auto check = [&violations](const auto& values, const char* field) {
    if (values.size() > static_cast<int>(kMaxFilterValues)) {
      violations.push_back({absl::StrCat("filter.", field),
                            absl::StrCat("at most ", kMaxFilterValues)});
    }
    for (int i = 0; i < values.size(); ++i) {
      if (values[i].empty() || values[i].size() > 256) {
        violations.push_back({absl::StrCat("filter.", field, "[", i, "]"),
                              "1 to 256 characters"});
      }
    }
  };
  check(in.stream_prefixes(), "stream_prefixes");
  check(in.event_types(), "event_types");
  check(in.tags(), "tags");
  if (!violations.empty()) return InvalidArgument(std::move(violations));
  eventstore::EventFilter filter;
  filter.stream_prefixes.assign(in.stream_prefixes().begin(),
                                in.stream_prefixes().end());
  filter.event_types.assign(in.event_types().begin(), in.event_types().end());
  filter.tags.assign(in.tags().begin(), in.tags().end());
  return filter;
}

// One Subscribe call: a ServerWriteReactor fed by a hub Subscription. The
// hub calls Send/End from its pool, one at a time, never under a lock; the
// reactions only forward to the subscription, so none blocks.
class SubscribeReactor final
    : public grpc::ServerWriteReactor<kamgov::v1::SubscribeResponse>,
      public eventstore::SubscriptionSink {
 public:
  SubscribeReactor(grpc::CallbackServerContext* context,
                   eventstore::EventLog* log, eventstore::SubscriptionHub* hub,
                   const kamgov::v1::SubscribeRequest& request)
      : context_(context) {
    // Authorization and the per-principal subscription limit (identity.h).
    if (absl::Status admitted = CheckCall(*context); !admitted.ok()) {
      Finish(ToGrpcStatus(admitted));
      return;
    }
    absl::StatusOr<eventstore::EventFilter> filter = ToFilter(request.filter());
    if (!filter.ok()) {
      Finish(ToGrpcStatus(filter.status()));
      return;
    }
    uint64_t after = 0;
    switch (request.from().kind_case()) {
      case kamgov::v1::LogPosition::kEnd:
        after = log->GetChainHead().position;
        break;
      case kamgov::v1::LogPosition::kAfter: {
        // A position past the head (say, from a server restored from an
        // older backup) would silently skip the events committed up to it.
        after = request.from().after();
        const uint64_t head = log->GetChainHead().position;
        if (after > head) {
          Finish(ToGrpcStatus(InvalidArgument(
              {{"from.after",
                absl::StrCat("position ", after,
                             " is past the head of the log (", head, ")")}})));
          return;
        }
        break;
      }
      default:
        break;  // unset or start: from the beginning
    }
    absl::StatusOr<std::shared_ptr<eventstore::Subscription>> subscription =
        hub->Subscribe(this, after, *std::move(filter),
                       request.include_personal());
    if (!subscription.ok()) {
      Finish(ToGrpcStatus(subscription.status()));
      return;
    }
    subscription_ = *std::move(subscription);
    subscription_->Start();
  }

  // SubscriptionSink
  void Send(eventstore::SubscriptionMessage message) override {
    response_.Clear();
    switch (message.kind) {
      case eventstore::SubscriptionMessage::Kind::kEvents: {
        kamgov::v1::EventBatch* batch = response_.mutable_events();
        for (const eventstore::RecordedEvent& event : message.events) {
          ToApiEvent(event, batch->add_events());
        }
        break;
      }
      case eventstore::SubscriptionMessage::Kind::kCheckpoint:
        response_.set_checkpoint(message.position);
        break;
      case eventstore::SubscriptionMessage::Kind::kCaughtUp:
        response_.set_caught_up(message.position);
        break;
    }
    writing_.store(true, std::memory_order_release);
    StartWrite(&response_);
  }

  void End(absl::Status status) override {
    // A write that never completes (a stalled client) would hold the status
    // back forever: cancel it so the call can end.
    if (writing_.load(std::memory_order_acquire)) context_->TryCancel();
    Finish(ToGrpcStatus(status));
  }

  // Reactions
  void OnWriteDone(bool ok) override {
    writing_.store(false, std::memory_order_release);
    subscription_->OnSent(ok);
  }
  void OnCancel() override {
    if (subscription_ != nullptr) subscription_->Cancel();
  }
  void OnDone() override { delete this; }

 private:
  grpc::CallbackServerContext* const context_;
  std::shared_ptr<eventstore::Subscription> subscription_;
  kamgov::v1::SubscribeResponse response_;
  std::atomic<bool> writing_{false};
};

}  // namespace

absl::StatusOr<size_t> EventStreamService::PageSize(uint32_t requested) const {
  if (requested == 0) return limits_.default_page_size;
  if (requested > limits_.max_page_size) {
    return InvalidArgument(
        {{"limit", absl::StrCat("at most ", limits_.max_page_size)}});
  }
  return requested;
}

grpc::ServerUnaryReactor* EventStreamService::ReadStream(
    grpc::CallbackServerContext* context,
    const kamgov::v1::ReadStreamRequest* request,
    kamgov::v1::ReadStreamResponse* response) {
  return AnswerOnPool(
      context, pool_, [this, request, response]() -> absl::Status {
        if (!eventstore::IsValidIdentifier(request->stream_id(), 128)) {
          return InvalidArgument(
              {{"stream_id", "1 to 128 characters of A-Z a-z 0-9 . _ : @ -"}});
        }
        absl::StatusOr<size_t> limit = PageSize(request->limit());
        if (!limit.ok()) return limit.status();
        const bool forward =
            request->direction() != kamgov::v1::DIRECTION_BACKWARD;
        uint64_t from =
            request->has_from_version()
                ? request->from_version()
                : (forward ? 0 : std::numeric_limits<uint64_t>::max());
        absl::StatusOr<std::vector<eventstore::RecordedEvent>> events =
            log_->ReadStream(request->stream_id(), from,
                             forward ? eventstore::ReadDirection::kForward
                                     : eventstore::ReadDirection::kBackward,
                             *limit, request->include_personal());
        if (!events.ok()) return events.status();
        absl::StatusOr<std::optional<uint64_t>> last =
            log_->StreamVersion(request->stream_id());
        if (!last.ok()) return last.status();
        response->set_last_version(
            last->has_value() ? static_cast<int64_t>(**last) : -1);
        for (const eventstore::RecordedEvent& event : *events) {
          ToApiEvent(event, response->add_events());
        }
        // A next page exists when this one is full and did not end at the
        // stream's last (forward) or first (backward) version.
        if (!events->empty() && events->size() == *limit) {
          const uint64_t v = events->back().record.stream_version();
          if (forward && last->has_value() && v < **last) {
            response->set_next_version(v + 1);
          } else if (!forward && v > 0) {
            response->set_next_version(v - 1);
          }
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* EventStreamService::ReadAll(
    grpc::CallbackServerContext* context,
    const kamgov::v1::ReadAllRequest* request,
    kamgov::v1::ReadAllResponse* response) {
  return AnswerOnPool(
      context, pool_, [this, request, response]() -> absl::Status {
        absl::StatusOr<size_t> limit = PageSize(request->limit());
        if (!limit.ok()) return limit.status();
        absl::StatusOr<std::vector<eventstore::RecordedEvent>> events =
            log_->ReadAll(request->after_position(), *limit,
                          request->include_personal());
        if (!events.ok()) return events.status();
        // Read after the page, so the head is never behind an event returned.
        response->set_head_position(log_->GetChainHead().position);
        for (const eventstore::RecordedEvent& event : *events) {
          ToApiEvent(event, response->add_events());
        }
        response->set_next_after_position(events->empty()
                                              ? request->after_position()
                                              : events->back().position);
        return absl::OkStatus();
      });
}

grpc::ServerWriteReactor<kamgov::v1::SubscribeResponse>*
EventStreamService::Subscribe(grpc::CallbackServerContext* context,
                              const kamgov::v1::SubscribeRequest* request) {
  return new SubscribeReactor(context, log_, hub_, *request);
}

}  // namespace kamgov::services
