// Fuzzes request validation at the store's door: eventstore::ValidateAppend
// over AppendRequests built from the input, against
// small limits so that every limit is reachable, and CheckExpectedVersion.
// The input is read as values (FuzzInput), not as a fixed layout.
//
// Invariants: ValidateAppend never crashes; it accepts exactly the requests
// a reference reading of its contract (validation.h, format.h: ids never
// contain 0x00) accepts; a refusal is INVALID_ARGUMENT with at least one
// BadRequest violation naming a field; CheckExpectedVersion is OK or
// ABORTED, and OK exactly when the expectation holds.

#include <optional>
#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "eventstore/event_log.h"
#include "eventstore/validation.h"
#include "proto/status_details.h"
#include "tests/fuzz/fuzz_check.h"

namespace kamgov::eventstore {
namespace {

constexpr AppendLimits kLimits{
    .max_event_bytes = 64,
    .max_events_per_append = 6,
    .max_tags_per_event = 3,
    .max_id_length = 12,
};

// Mostly identifier-like text, so that valid requests are common.
std::string Text(kamgov::fuzz::FuzzInput& in, size_t max_length) {
  if (in.Bool()) return in.String(max_length);
  static constexpr char kAlphabet[] = "abAB09._:@- \x01";
  std::string text(in.Range(0, max_length), 'a');
  for (char& c : text) {
    c = kAlphabet[in.Range(0, sizeof(kAlphabet) - 2)];
  }
  return text;
}

bool ReferenceId(const std::string& id) {
  if (id.empty() || id.size() > kLimits.max_id_length) return false;
  for (char c : id) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
          c == '_' || c == ':' || c == '@' || c == '-')) {
      return false;
    }
  }
  return true;
}

bool ReferenceKeyText(const std::string& text, size_t max_length) {
  if (text.empty() || text.size() > max_length) return false;
  for (char c : text) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

bool ReferenceType(const std::string& type) {
  if (type.empty() || type.size() > kLimits.max_id_length ||
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

bool ReferenceValid(const AppendRequest& request) {
  if (!ReferenceKeyText(request.principal, 256)) return false;
  if (!request.command_id.empty() &&
      !ReferenceKeyText(request.command_id, kLimits.max_id_length)) {
    return false;
  }
  if (request.streams.empty()) return false;
  std::set<std::string> seen;
  size_t total = 0;
  for (const StreamAppend& stream : request.streams) {
    if (!ReferenceId(stream.stream_id) ||
        !seen.insert(stream.stream_id).second || stream.events.empty()) {
      return false;
    }
    total += stream.events.size();
    for (const NewEvent& event : stream.events) {
      if (!ReferenceType(event.type) ||
          event.main.size() + event.personal.size() > kLimits.max_event_bytes ||
          event.tags.size() > kLimits.max_tags_per_event ||
          event.effective_at_us < 0) {
        return false;
      }
      for (const std::string& tag : event.tags) {
        if (!ReferenceId(tag)) return false;
      }
    }
  }
  return total <= kLimits.max_events_per_append;
}

ExpectedVersion Expected(kamgov::fuzz::FuzzInput& in) {
  switch (in.Range(0, 3)) {
    case 0:
      return ExpectedVersion::Any();
    case 1:
      return ExpectedVersion::NoStream();
    case 2:
      return ExpectedVersion::StreamExists();
    default:
      return ExpectedVersion::Exact(in.Range(0, 3));
  }
}

}  // namespace
}  // namespace kamgov::eventstore

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = kamgov::fuzz::QuietProtobuf();
  (void)quiet;
  using namespace kamgov::eventstore;  // NOLINT: harness
  kamgov::fuzz::FuzzInput in(data, size);
  AppendRequest request;
  request.principal = Text(in, 20);
  request.command_id = in.Bool() ? "" : Text(in, 16);
  request.fingerprint = in.String(8);
  request.acting_person = Text(in, 8);
  const int streams = in.Range(0, 4);
  for (int s = 0; s < streams; ++s) {
    StreamAppend stream;
    stream.stream_id = Text(in, 16);
    stream.expected = Expected(in);
    const int events = in.Range(0, 4);
    for (int e = 0; e < events; ++e) {
      NewEvent event;
      event.type = Text(in, 16);
      const int tags = in.Range(0, 5);
      for (int t = 0; t < tags; ++t) event.tags.push_back(Text(in, 16));
      event.main = in.String(80);
      event.personal = in.String(40);
      event.effective_at_us = in.Int64();
      stream.events.push_back(std::move(event));
    }
    request.streams.push_back(std::move(stream));
  }

  const absl::Status status = ValidateAppend(request, kLimits);
  FUZZ_CHECK(status.ok() == ReferenceValid(request), status.ToString());
  if (!status.ok()) {
    FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument,
               status.ToString());
    auto bad = kamgov::GetBadRequest(status);
    FUZZ_CHECK(bad.has_value() && bad->field_violations_size() > 0,
               "a refusal lists its violations");
    for (const auto& violation : bad->field_violations()) {
      FUZZ_CHECK(!violation.field().empty() && !violation.description().empty(),
                 "a violation names a field and says why");
    }
  }
  for (const StreamAppend& stream : request.streams) {
    FUZZ_CHECK(IsValidIdentifier(stream.stream_id, kLimits.max_id_length) ==
                   ReferenceId(stream.stream_id),
               stream.stream_id);
    // The writer checks versions only of validated stream ids.
    if (!ReferenceId(stream.stream_id)) continue;
    std::optional<uint64_t> actual;
    if (in.Bool()) actual = in.Range(0, 3);
    const absl::Status checked =
        CheckExpectedVersion(stream.stream_id, stream.expected, actual);
    bool holds = true;
    switch (stream.expected.kind) {
      case ExpectedVersion::Kind::kAny:
        break;
      case ExpectedVersion::Kind::kNoStream:
        holds = !actual.has_value();
        break;
      case ExpectedVersion::Kind::kStreamExists:
        holds = actual.has_value();
        break;
      case ExpectedVersion::Kind::kExact:
        holds = actual.has_value() && *actual == stream.expected.version;
        break;
    }
    FUZZ_CHECK(checked.ok() == holds, checked.ToString());
    FUZZ_CHECK(checked.ok() || checked.code() == absl::StatusCode::kAborted,
               checked.ToString());
  }
  return 0;
}
