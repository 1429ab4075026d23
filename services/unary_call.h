#ifndef KAMGOV_SERVICES_UNARY_CALL_H_
#define KAMGOV_SERVICES_UNARY_CALL_H_

// The shape every read-only unary handler shares: check the call's
// admission (identity.h CheckCall), then do the work on a thread pool,
// never on a gRPC reaction (it reads the disk), and finish with its status
// mapped once (grpc_status.h).

#include <grpcpp/support/server_callback.h>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "eventstore/thread_pool.h"

namespace kamgov::services {

// Returns the call's reactor. `work` runs on `pool` only if the call was
// admitted, fills the response and returns the call's status; the request
// and response it captures stay valid until the reactor finishes. Any
// thread (a handler's).
grpc::ServerUnaryReactor* AnswerOnPool(grpc::CallbackServerContext* context,
                                       eventstore::ThreadPool* pool,
                                       absl::AnyInvocable<absl::Status()> work);

}  // namespace kamgov::services

#endif  // KAMGOV_SERVICES_UNARY_CALL_H_
