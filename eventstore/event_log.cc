#include "eventstore/event_log.h"

#include <optional>

#include "absl/synchronization/notification.h"
#include "proto/status_details.h"

namespace kamgov::eventstore {

namespace {

std::string Describe(const ExpectedVersion& expected) {
  switch (expected.kind) {
    case ExpectedVersion::Kind::kAny:
      return "any";
    case ExpectedVersion::Kind::kNoStream:
      return "no stream";
    case ExpectedVersion::Kind::kStreamExists:
      return "stream exists";
    case ExpectedVersion::Kind::kExact:
      return std::to_string(expected.version);
  }
  return "?";
}

}  // namespace

absl::Status CheckExpectedVersion(const std::string& stream_id,
                                  const ExpectedVersion& expected,
                                  std::optional<uint64_t> actual) {
  bool ok = true;
  switch (expected.kind) {
    case ExpectedVersion::Kind::kAny:
      break;
    case ExpectedVersion::Kind::kNoStream:
      ok = !actual.has_value();
      break;
    case ExpectedVersion::Kind::kStreamExists:
      ok = actual.has_value();
      break;
    case ExpectedVersion::Kind::kExact:
      ok = actual.has_value() && *actual == expected.version;
      break;
  }
  if (ok) return absl::OkStatus();
  return WrongExpectedVersion(
      stream_id, Describe(expected),
      actual.has_value() ? std::to_string(*actual) : "no stream");
}

absl::StatusOr<AppendResult> EventLog::AppendAndWait(AppendRequest request) {
  absl::Notification done;
  std::optional<absl::StatusOr<AppendResult>> result;
  Append(std::move(request), [&](absl::StatusOr<AppendResult> r) {
    result.emplace(std::move(r));
    done.Notify();
  });
  done.WaitForNotification();
  return *std::move(result);
}

}  // namespace kamgov::eventstore
