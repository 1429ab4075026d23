#include "services/unary_call.h"

#include <utility>

#include "services/grpc_status.h"
#include "services/identity.h"

namespace kamgov::services {

grpc::ServerUnaryReactor* AnswerOnPool(
    grpc::CallbackServerContext* context, eventstore::ThreadPool* pool,
    absl::AnyInvocable<absl::Status()> work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (absl::Status admitted = CheckCall(*context); !admitted.ok()) {
    reactor->Finish(ToGrpcStatus(admitted));
    return reactor;
  }
  pool->Schedule([reactor, work = std::move(work)]() mutable {
    reactor->Finish(ToGrpcStatus(work()));
  });
  return reactor;
}

}  // namespace kamgov::services
