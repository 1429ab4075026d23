#ifndef KAMGOV_PROTO_STATUS_DETAILS_H_
#define KAMGOV_PROTO_STATUS_DETAILS_H_

// Typed error details on absl::Status.
//
// Inside the process every error is an absl::Status. Where the caller needs
// more than a code and a message (the rule id that was broken, the fields
// that were invalid, the stream whose version was stale), the detail travels
// as a google.rpc message stored in the status payload under its type URL.
// services/grpc_status.h is the one place that turns these into the
// grpc-status-details-bin trailer. All functions are pure and thread-safe.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/rpc/error_details.pb.h"

namespace kamgov {

// The ErrorInfo domain of every kamgov error.
inline constexpr absl::string_view kErrorDomain = "kamgov.v1";

// One invalid field of a request: its path ("events[0].type") and why.
struct FieldViolation {
  std::string field;
  std::string description;
};

// INVALID_ARGUMENT carrying a BadRequest with the given violations. The
// message lists them too, for callers that read only the message.
absl::Status InvalidArgument(std::vector<FieldViolation> violations);

// `code` with an ErrorInfo{reason, domain=kamgov.v1, metadata}.
absl::Status ErrorWithReason(
    absl::StatusCode code, absl::string_view message, absl::string_view reason,
    std::vector<std::pair<std::string, std::string>> metadata = {});

// FAILED_PRECONDITION for a broken governance rule; `rule_id` goes in
// ErrorInfo.reason.
absl::Status RuleViolation(absl::string_view rule_id,
                           absl::string_view message);

// ABORTED for a stale expected version, with a PreconditionFailure naming the
// stream and an ErrorInfo (reason WRONG_EXPECTED_VERSION) whose metadata holds
// the stream, the expected and the actual version.
absl::Status WrongExpectedVersion(absl::string_view stream_id,
                                  absl::string_view expected,
                                  absl::string_view actual);

// INVALID_ARGUMENT, reason IDEMPOTENCY_KEY_REUSED: `command_id` was already
// used by `principal` for a different request.
absl::Status IdempotencyKeyReused(absl::string_view principal,
                                  absl::string_view command_id);

// The details attached to `status`, if any.
std::optional<google::rpc::ErrorInfo> GetErrorInfo(const absl::Status& status);
std::optional<google::rpc::BadRequest> GetBadRequest(
    const absl::Status& status);
std::optional<google::rpc::PreconditionFailure> GetPreconditionFailure(
    const absl::Status& status);

// The type URL under which a detail message is stored, e.g.
// "type.googleapis.com/google.rpc.ErrorInfo".
std::string TypeUrl(const google::protobuf::Message& message);

}  // namespace kamgov

#endif  // KAMGOV_PROTO_STATUS_DETAILS_H_
