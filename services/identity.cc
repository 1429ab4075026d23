#include "services/identity.h"

#include <grpc/grpc_security_constants.h>

#include "absl/strings/str_cat.h"

namespace kamgov::services {
namespace {

absl::Status NotAdmitted() {
  return absl::UnauthenticatedError(
      "the call was not admitted by kamgov's server (GrpcServer)");
}

}  // namespace

absl::StatusOr<PrincipalSource> ParsePrincipalSource(absl::string_view name) {
  if (name == "uri_san") return PrincipalSource::kUriSan;
  if (name == "cn") return PrincipalSource::kCommonName;
  return absl::InvalidArgumentError(
      absl::StrCat("--principal_from=", name, ": use uri_san or cn"));
}

absl::Status ValidatePrincipal(absl::string_view principal) {
  if (principal.empty() || principal.size() > 256) {
    return absl::InvalidArgumentError(
        "the principal must be 1 to 256 characters");
  }
  for (char c : principal) {
    if (c <= ' ' || c > '~') {
      return absl::InvalidArgumentError(
          "the principal must be printable ASCII without spaces");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> PrincipalFromHeader(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
  auto [first, last] = metadata.equal_range(kPrincipalHeader);
  if (first == last) return std::string();
  if (std::next(first) != last) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ", kPrincipalHeader, " header is given twice"));
  }
  if (first->second.empty()) return std::string();
  std::string principal(first->second.data(), first->second.size());
  if (absl::Status valid = ValidatePrincipal(principal); !valid.ok()) {
    return valid;
  }
  return principal;
}

absl::StatusOr<std::string> PrincipalFromPeer(const grpc::AuthContext& auth,
                                              PrincipalSource source) {
  if (!auth.IsPeerAuthenticated()) {
    return absl::UnauthenticatedError(
        "the connection carries no verified client certificate");
  }
  const char* property = source == PrincipalSource::kCommonName
                             ? GRPC_X509_CN_PROPERTY_NAME
                             : GRPC_PEER_URI_PROPERTY_NAME;
  const char* what =
      source == PrincipalSource::kCommonName ? "subject CN" : "URI SAN";
  std::vector<grpc::string_ref> values = auth.FindPropertyValues(property);
  if (values.size() != 1) {
    // Several identities in one certificate would make the principal a
    // matter of order: refuse rather than guess.
    return absl::UnauthenticatedError(
        absl::StrCat("the client certificate has ", values.size(), " ", what,
                     "s; kamgov needs exactly one (see --principal_from)"));
  }
  std::string principal(values[0].data(), values[0].size());
  if (absl::Status valid = ValidatePrincipal(principal); !valid.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("the client certificate's ", what, ": ", valid.message()));
  }
  return principal;
}

ServerCall::~ServerCall() {
  for (auto& release : releases_) release();
}

void ServerCall::Admit(absl::Status status, std::string principal,
                       absl::Time deadline) {
  admission_ = std::move(status);
  principal_ = std::move(principal);
  deadline_ = deadline;
}

absl::StatusOr<std::string> PrincipalOf(
    const grpc::CallbackServerContext& context) {
  const auto* call = dynamic_cast<const ServerCall*>(&context);
  if (call == nullptr) return NotAdmitted();
  if (!call->admission().ok()) return call->admission();
  if (call->principal().empty()) {
    return absl::UnauthenticatedError(absl::StrCat(
        "no principal: set the ", kPrincipalHeader, " metadata header"));
  }
  return call->principal();
}

absl::Status CheckCall(const grpc::CallbackServerContext& context) {
  const auto* call = dynamic_cast<const ServerCall*>(&context);
  if (call == nullptr) return NotAdmitted();
  return call->admission();
}

absl::Time CallDeadline(const grpc::CallbackServerContext& context) {
  const auto* call = dynamic_cast<const ServerCall*>(&context);
  if (call != nullptr) return call->effective_deadline();
  if (context.deadline() == std::chrono::system_clock::time_point::max()) {
    return absl::InfiniteFuture();
  }
  return absl::FromChrono(context.deadline());
}

}  // namespace kamgov::services
