#ifndef KAMGOV_SERVICES_IDENTITY_H_
#define KAMGOV_SERVICES_IDENTITY_H_

// Who is calling. The principal comes from authentication, never from a
// request body. Until TLS arrives, kamgovd only serves loopback (or
// --insecure) and takes the principal from the x-kamgov-principal header.

#include <grpcpp/server_context.h>

#include <string>

#include "absl/status/statusor.h"

namespace kamgov::services {

inline constexpr char kPrincipalHeader[] = "x-kamgov-principal";

// The caller's principal: UNAUTHENTICATED when there is none, INVALID_ARGUMENT
// when it is not printable ASCII of at most 256 characters.
absl::StatusOr<std::string> PrincipalOf(
    const grpc::CallbackServerContext& context);

}  // namespace kamgov::services

#endif  // KAMGOV_SERVICES_IDENTITY_H_
