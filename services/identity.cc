#include "services/identity.h"

#include "absl/strings/str_cat.h"

namespace kamgov::services {

absl::StatusOr<std::string> PrincipalOf(
    const grpc::CallbackServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kPrincipalHeader);
  if (it == metadata.end() || it->second.empty()) {
    return absl::UnauthenticatedError(absl::StrCat(
        "no principal: set the ", kPrincipalHeader, " metadata header"));
  }
  std::string principal(it->second.data(), it->second.size());
  if (principal.size() > 256) {
    return absl::InvalidArgumentError("the principal is longer than 256");
  }
  for (char c : principal) {
    if (c <= ' ' || c > '~') {
      return absl::InvalidArgumentError(
          "the principal must be printable ASCII without spaces");
    }
  }
  return principal;
}

}  // namespace kamgov::services
