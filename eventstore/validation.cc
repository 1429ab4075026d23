#include "eventstore/validation.h"

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "proto/status_details.h"

namespace kamgov::eventstore {
namespace {

bool IsIdChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
         c == '_' || c == ':' || c == '@' || c == '-';
}

// Printable ASCII without separators: principals and command ids.
bool IsValidKeyText(absl::string_view text, size_t max_length) {
  if (text.empty() || text.size() > max_length) return false;
  for (char c : text) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

bool IsValidType(absl::string_view type, size_t max_length) {
  if (type.empty() || type.size() > max_length ||
      !absl::ascii_isalpha(static_cast<unsigned char>(type[0]))) {
    return false;
  }
  for (char c : type) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' &&
        c != '.') {
      return false;
    }
  }
  return true;
}

}  // namespace

bool IsValidIdentifier(absl::string_view id, size_t max_length) {
  if (id.empty() || id.size() > max_length) return false;
  for (char c : id) {
    if (!IsIdChar(c)) return false;
  }
  return true;
}

absl::Status ValidateAppend(const AppendRequest& request,
                            const AppendLimits& limits) {
  std::vector<FieldViolation> violations;
  auto violate = [&violations](std::string field, std::string description) {
    violations.push_back({std::move(field), std::move(description)});
  };
  const std::string id_rule = absl::StrCat(
      "1 to ", limits.max_id_length, " characters of A-Z a-z 0-9 . _ : @ -");

  if (!IsValidKeyText(request.principal, 256)) {
    violate("principal", "required; printable ASCII without spaces");
  }
  if (!request.command_id.empty() &&
      !IsValidKeyText(request.command_id, limits.max_id_length)) {
    violate("command_id",
            absl::StrCat("at most ", limits.max_id_length,
                         " printable ASCII characters without spaces"));
  }
  if (request.streams.empty()) violate("streams", "at least one stream");

  size_t total_events = 0;
  absl::flat_hash_set<absl::string_view> seen;
  for (size_t s = 0; s < request.streams.size(); ++s) {
    const StreamAppend& stream = request.streams[s];
    const std::string prefix = absl::StrCat("streams[", s, "]");
    if (!IsValidIdentifier(stream.stream_id, limits.max_id_length)) {
      violate(prefix + ".stream_id", id_rule);
    } else if (!seen.insert(stream.stream_id).second) {
      violate(prefix + ".stream_id",
              absl::StrCat("stream '", stream.stream_id,
                           "' appears twice in one append"));
    }
    if (stream.events.empty())
      violate(prefix + ".events", "at least one event");
    total_events += stream.events.size();
    for (size_t e = 0; e < stream.events.size(); ++e) {
      const NewEvent& event = stream.events[e];
      const std::string field = absl::StrCat(prefix, ".events[", e, "]");
      if (!IsValidType(event.type, limits.max_id_length)) {
        violate(field + ".type",
                "a letter, then letters, digits, '_' or '.'; at most " +
                    std::to_string(limits.max_id_length));
      }
      if (event.main.size() + event.personal.size() > limits.max_event_bytes) {
        violate(
            field,
            absl::StrCat("event is ", event.main.size() + event.personal.size(),
                         " bytes; the limit is ", limits.max_event_bytes));
      }
      if (event.tags.size() > limits.max_tags_per_event) {
        violate(field + ".tags",
                absl::StrCat("at most ", limits.max_tags_per_event, " tags"));
      }
      for (size_t t = 0; t < event.tags.size(); ++t) {
        if (!IsValidIdentifier(event.tags[t], limits.max_id_length)) {
          violate(absl::StrCat(field, ".tags[", t, "]"), id_rule);
        }
      }
      if (event.effective_at_us < 0) {
        violate(field + ".effective_at_us", "must not be negative");
      }
    }
  }
  if (total_events > limits.max_events_per_append) {
    violate("streams",
            absl::StrCat(total_events, " events; the limit is ",
                         limits.max_events_per_append, " per append"));
  }
  if (violations.empty()) return absl::OkStatus();
  return InvalidArgument(std::move(violations));
}

}  // namespace kamgov::eventstore
