#include "domain/ids.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace kamgov::domain {
namespace {

constexpr AggregateKind kKinds[] = {
    AggregateKind::kProgram, AggregateKind::kPerson, AggregateKind::kAccount,
    AggregateKind::kEscalation};

bool IsIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
         c == '@' || c == '-';
}

std::optional<AggregateRef> Parse(absl::string_view text, char separator) {
  for (AggregateKind kind : kKinds) {
    const std::string prefix =
        absl::StrCat(KindName(kind), std::string(1, separator));
    if (absl::StartsWith(text, prefix)) {
      absl::string_view id = text.substr(prefix.size());
      if (!IsValidId(id)) return std::nullopt;
      return AggregateRef{kind, std::string(id)};
    }
  }
  return std::nullopt;
}

}  // namespace

bool IsValidId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  for (char c : id) {
    if (!IsIdChar(c)) return false;
  }
  return true;
}

absl::string_view KindName(AggregateKind kind) {
  switch (kind) {
    case AggregateKind::kProgram:
      return "program";
    case AggregateKind::kPerson:
      return "person";
    case AggregateKind::kAccount:
      return "account";
    case AggregateKind::kEscalation:
      return "escalation";
  }
  return "";
}

std::string StreamId(AggregateKind kind, absl::string_view id) {
  return absl::StrCat(KindName(kind), "-", id);
}

std::string Tag(AggregateKind kind, absl::string_view id) {
  return absl::StrCat(KindName(kind), ":", id);
}

std::optional<AggregateRef> ParseTag(absl::string_view tag) {
  return Parse(tag, ':');
}

std::optional<AggregateRef> ParseStreamId(absl::string_view stream_id) {
  return Parse(stream_id, '-');
}

}  // namespace kamgov::domain
