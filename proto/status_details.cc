#include "proto/status_details.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace kamgov {
namespace {

void Attach(absl::Status& status, const google::protobuf::Message& detail) {
  status.SetPayload(TypeUrl(detail), absl::Cord(detail.SerializeAsString()));
}

template <typename M>
std::optional<M> Get(const absl::Status& status) {
  M message;
  auto payload = status.GetPayload(TypeUrl(message));
  if (!payload.has_value() || !message.ParseFromString(std::string(*payload))) {
    return std::nullopt;
  }
  return message;
}

}  // namespace

std::string TypeUrl(const google::protobuf::Message& message) {
  return absl::StrCat("type.googleapis.com/", message.GetTypeName());
}

absl::Status InvalidArgument(std::vector<FieldViolation> violations) {
  google::rpc::BadRequest bad_request;
  std::vector<std::string> parts;
  for (const FieldViolation& v : violations) {
    auto* fv = bad_request.add_field_violations();
    fv->set_field(v.field);
    fv->set_description(v.description);
    parts.push_back(absl::StrCat(v.field, ": ", v.description));
  }
  absl::Status status = absl::InvalidArgumentError(
      absl::StrCat("invalid request: ", absl::StrJoin(parts, "; ")));
  Attach(status, bad_request);
  return status;
}

absl::Status ErrorWithReason(
    absl::StatusCode code, absl::string_view message, absl::string_view reason,
    std::vector<std::pair<std::string, std::string>> metadata) {
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(kErrorDomain));
  for (auto& [key, value] : metadata) {
    (*info.mutable_metadata())[key] = value;
  }
  absl::Status status(code, message);
  Attach(status, info);
  return status;
}

absl::Status RuleViolation(absl::string_view rule_id,
                           absl::string_view message) {
  return ErrorWithReason(absl::StatusCode::kFailedPrecondition,
                         absl::StrCat(rule_id, ": ", message), rule_id);
}

absl::Status WrongExpectedVersion(absl::string_view stream_id,
                                  absl::string_view expected,
                                  absl::string_view actual) {
  std::string message =
      absl::StrCat("stream '", stream_id, "' is at version ", actual,
                   ", the command expected ", expected);
  absl::Status status = ErrorWithReason(
      absl::StatusCode::kAborted, message, "WRONG_EXPECTED_VERSION",
      {{"stream_id", std::string(stream_id)},
       {"expected_version", std::string(expected)},
       {"actual_version", std::string(actual)}});
  google::rpc::PreconditionFailure failure;
  auto* violation = failure.add_violations();
  violation->set_type("STREAM_VERSION");
  violation->set_subject(std::string(stream_id));
  violation->set_description(message);
  Attach(status, failure);
  return status;
}

absl::Status IdempotencyKeyReused(absl::string_view principal,
                                  absl::string_view command_id) {
  return ErrorWithReason(
      absl::StatusCode::kInvalidArgument,
      absl::StrCat("command_id '", command_id, "' was already used by '",
                   principal, "' for a different request"),
      "IDEMPOTENCY_KEY_REUSED", {{"command_id", std::string(command_id)}});
}

std::optional<google::rpc::ErrorInfo> GetErrorInfo(const absl::Status& status) {
  return Get<google::rpc::ErrorInfo>(status);
}
std::optional<google::rpc::BadRequest> GetBadRequest(
    const absl::Status& status) {
  return Get<google::rpc::BadRequest>(status);
}
std::optional<google::rpc::PreconditionFailure> GetPreconditionFailure(
    const absl::Status& status) {
  return Get<google::rpc::PreconditionFailure>(status);
}

}  // namespace kamgov
