#ifndef KAMGOV_SERVICES_GRPC_STATUS_H_
#define KAMGOV_SERVICES_GRPC_STATUS_H_

// The one place where absl::Status becomes grpc::Status (and back, for
// clients). Details attached with proto/status_details.h travel as a
// google.rpc.Status in the grpc-status-details-bin trailer, so stock clients
// can read the ErrorInfo, BadRequest and PreconditionFailure. Pure functions;
// any thread.

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace kamgov::services {

grpc::Status ToGrpcStatus(const absl::Status& status);

// Inverse of ToGrpcStatus: restores the code, message and details.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace kamgov::services

#endif  // KAMGOV_SERVICES_GRPC_STATUS_H_
