#include "bench/workload/executor.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <utility>

#include "services/grpc_status.h"
#include "services/identity.h"

namespace kamgov::bench::workload {

std::vector<std::shared_ptr<grpc::Channel>> MakeChannels(
    const std::string& target, int count) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < count; ++i) {
    grpc::ChannelArguments args;
    // gRPC would otherwise share one connection between equal channels.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    channels.push_back(grpc::CreateCustomChannel(
        target, grpc::InsecureChannelCredentials(), args));
  }
  return channels;
}

GrpcExecutor::GrpcExecutor(std::vector<std::shared_ptr<grpc::Channel>> channels,
                           std::string principal, absl::Duration deadline)
    : principal_(std::move(principal)), deadline_(deadline) {
  for (const auto& channel : channels) {
    stubs_.push_back(v1::GovernanceService::NewStub(channel));
  }
}

void GrpcExecutor::Execute(const GeneratedCommand& command, CommandDone done) {
  // One heap object per call: gRPC needs the context, request and response
  // until the callback runs.
  struct Call {
    grpc::ClientContext context;
    v1::ExecuteRequest request;
    v1::CommandResult result;
    CommandDone done;
  };
  auto* call = new Call;
  call->done = std::move(done);
  *call->request.mutable_meta() = command.meta;
  *call->request.mutable_command() = command.command;
  if (!principal_.empty()) {
    call->context.AddMetadata(services::kPrincipalHeader, principal_);
  }
  call->context.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  const uint64_t n = next_.fetch_add(1, std::memory_order_relaxed);
  stubs_[n % stubs_.size()]->async()->Execute(
      &call->context, &call->request, &call->result,
      [call](grpc::Status status) {
        absl::Status outcome =
            status.ok() ? absl::OkStatus() : services::FromGrpcStatus(status);
        CommandDone done = std::move(call->done);
        delete call;
        done(std::move(outcome));
      });
}

void ProcessorExecutor::Execute(const GeneratedCommand& command,
                                CommandDone done) {
  processor_->Submit(
      principal_, command.meta, command.command,
      [done = std::move(done)](
          absl::StatusOr<eventstore::AppendResult> result) mutable {
        done(result.status());
      });
}

}  // namespace kamgov::bench::workload
