#ifndef KAMGOV_BENCH_WORKLOAD_EXECUTOR_H_
#define KAMGOV_BENCH_WORKLOAD_EXECUTOR_H_

// The two ways generated commands reach kamgov: through the real gRPC API
// (GovernanceService.Execute, as any caller), or straight into a
// CommandProcessor in the same process (the scale scenario's fill, where
// the transport is not what is measured).

#include <grpcpp/channel.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "bench/workload/pipeline.h"
#include "kamgov/v1/governance.grpc.pb.h"
#include "services/command_processor.h"

namespace kamgov::bench::workload {

// `count` channels to `target` (host:port), each with a connection of its
// own (as separate client processes would have), without TLS.
std::vector<std::shared_ptr<grpc::Channel>> MakeChannels(
    const std::string& target, int count);

// Calls GovernanceService.Execute through gRPC's callback API, spreading
// calls round-robin over the channels. The principal goes in the
// development header x-kamgov-principal (loopback, no TLS), or nothing
// when empty (e.g. the channels carry TLS credentials). A failed call's
// status is mapped back with services::FromGrpcStatus. Thread-safe; must
// outlive the calls it started.
class GrpcExecutor final : public Executor {
 public:
  GrpcExecutor(std::vector<std::shared_ptr<grpc::Channel>> channels,
               std::string principal,
               absl::Duration deadline = absl::Seconds(30));
  void Execute(const GeneratedCommand& command, CommandDone done) override;

 private:
  std::vector<std::unique_ptr<v1::GovernanceService::Stub>> stubs_;
  const std::string principal_;
  const absl::Duration deadline_;
  std::atomic<uint64_t> next_{0};
};

// Submits to a CommandProcessor of this process (not owned; it must outlive
// the commands). Thread-safe.
class ProcessorExecutor final : public Executor {
 public:
  ProcessorExecutor(services::CommandProcessor* processor,
                    std::string principal)
      : processor_(processor), principal_(std::move(principal)) {}
  void Execute(const GeneratedCommand& command, CommandDone done) override;

 private:
  services::CommandProcessor* const processor_;
  const std::string principal_;
};

}  // namespace kamgov::bench::workload

#endif  // KAMGOV_BENCH_WORKLOAD_EXECUTOR_H_
