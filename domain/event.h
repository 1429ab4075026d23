#ifndef KAMGOV_DOMAIN_EVENT_H_
#define KAMGOV_DOMAIN_EVENT_H_

// What a decision produces: domain events ready to append. Pure value types.
//
// A DomainEvent is one event of one stream. Its type is the name of its
// payload message (package kamgov.v1), e.g. "AccountDesignated"; `main` is
// that message serialized (ids, codes, scores, dates); names and free text
// are in `personal`. The command processor turns each into an
// eventstore::NewEvent (personal serialized, empty when it has no content)
// and fills the envelope (principal, acting person, command id, correlation
// and causation ids) from the command.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "kamgov/v1/domain.pb.h"
#include "kamgov/v1/event.pb.h"

namespace kamgov::domain {

struct DomainEvent {
  std::string stream_id;
  std::string type;
  // Sorted, unique; includes the stream's own aggregate tag.
  std::vector<std::string> tags;
  std::string main;
  v1::PersonalPart personal;
  // Business time (CommandMeta.effective_at_us); 0 = recorded_at.
  int64_t effective_at_us = 0;
};

// The outcome of a successful decision: at least one event. Events are in
// decision order; they may span several streams, and must then be appended
// as ONE atomic multi-stream append, each stream's events in this order.
// events[0] is always on the command's target stream (TargetStreamId()).
struct Decision {
  std::vector<DomainEvent> events;

  // The distinct streams touched, in order of first appearance.
  std::vector<std::string> Streams() const;
};

// Builds an event whose type is the payload's message name. Tags are sorted
// and deduplicated.
DomainEvent MakeEvent(std::string stream_id,
                      const google::protobuf::Message& payload,
                      std::vector<std::string> tags,
                      v1::PersonalPart personal = {},
                      int64_t effective_at_us = 0);

// The payload of `event` (or of stored bytes) as message M; DATA_LOSS when
// the type differs or the bytes do not parse.
template <typename M>
absl::StatusOr<M> ParsePayload(absl::string_view type, absl::string_view main);
template <typename M>
absl::StatusOr<M> ParsePayload(const DomainEvent& event) {
  return ParsePayload<M>(event.type, event.main);
}

// Every event type the domain emits (and evolve folds), in schema order.
absl::Span<const absl::string_view> EventTypes();

// Helper behind ParsePayload.
absl::Status ParsePayloadInto(absl::string_view type, absl::string_view main,
                              google::protobuf::Message* out);

template <typename M>
absl::StatusOr<M> ParsePayload(absl::string_view type, absl::string_view main) {
  M message;
  absl::Status status = ParsePayloadInto(type, main, &message);
  if (!status.ok()) return status;
  return message;
}

}  // namespace kamgov::domain

#endif  // KAMGOV_DOMAIN_EVENT_H_
