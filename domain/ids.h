#ifndef KAMGOV_DOMAIN_IDS_H_
#define KAMGOV_DOMAIN_IDS_H_

// Aggregate ids, the streams and tags built from them. Pure; any thread.
//
// Every aggregate has one stream ("<kind>-<id>") and one tag
// ("<kind>:<id>"). An aggregate's state is the fold of every event carrying
// its tag, in log order (see state.h): its own stream's events always carry
// it, and events of other streams carry it when they change that aggregate
// (an account's escalations carry account:<id>, an assignment carries
// person:<id> of the person assigned).

#include <cstddef>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace kamgov::domain {

// Ids are 1..kMaxIdLength characters of [A-Za-z0-9._:@-]: the event
// store's identifier alphabet, leaving room for the longest prefix
// ("escalation-") within its 128-character limit.
inline constexpr size_t kMaxIdLength = 117;

bool IsValidId(absl::string_view id);

enum class AggregateKind { kProgram, kPerson, kAccount, kEscalation };

struct AggregateRef {
  AggregateKind kind;
  std::string id;
  friend bool operator==(const AggregateRef&, const AggregateRef&) = default;
};

// "program", "person", "account", "escalation".
absl::string_view KindName(AggregateKind kind);

std::string StreamId(AggregateKind kind, absl::string_view id);
std::string Tag(AggregateKind kind, absl::string_view id);

inline std::string ProgramStream(absl::string_view id) {
  return StreamId(AggregateKind::kProgram, id);
}
inline std::string PersonStream(absl::string_view id) {
  return StreamId(AggregateKind::kPerson, id);
}
inline std::string AccountStream(absl::string_view id) {
  return StreamId(AggregateKind::kAccount, id);
}
inline std::string EscalationStream(absl::string_view id) {
  return StreamId(AggregateKind::kEscalation, id);
}
inline std::string ProgramTag(absl::string_view id) {
  return Tag(AggregateKind::kProgram, id);
}
inline std::string PersonTag(absl::string_view id) {
  return Tag(AggregateKind::kPerson, id);
}
inline std::string AccountTag(absl::string_view id) {
  return Tag(AggregateKind::kAccount, id);
}
inline std::string EscalationTag(absl::string_view id) {
  return Tag(AggregateKind::kEscalation, id);
}

// The aggregate a tag or stream id names; nullopt for anything else.
std::optional<AggregateRef> ParseTag(absl::string_view tag);
std::optional<AggregateRef> ParseStreamId(absl::string_view stream_id);

}  // namespace kamgov::domain

#endif  // KAMGOV_DOMAIN_IDS_H_
