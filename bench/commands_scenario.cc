// Scenario `commands` (issue 8): durable governance commands per second
// through the real gRPC API, against a server composed as kamgovd is
// (services::Daemon on 127.0.0.1:0, its store on disk under the run's data
// directory, subscription hub and the rest live), reached over TCP
// loopback from clients in the same process.
//
// 1. Setup (unmeasured): the workload generator (bench/workload/,
//    docs/workload.md) builds an organization (--commands_profile,
//    default global-matrix with 2000 accounts) through the API.
// 2. The same-run ceiling: a no-op unary call (grpc.health.v1.Health/Check)
//    on the same server, channels and client code, at 64 in flight, before
//    and after the command measurements (their mean is the baseline).
// 3. For each --commands_in_flight count: the generator's steady-state mix
//    (GovernanceService.Execute), that many commands outstanding. A command
//    counts when its reply arrives, i.e. when its events are durable. Its
//    latency runs from when the client issued it, including any wait
//    behind an earlier command on the same account (the generator's
//    ordering keys: a caller would not send two dependent commands at
//    once either). Events per fsync come from the daemon's own metrics.
// 4. For diagnosis: the same mix at 64 in flight straight into the daemon's
//    CommandProcessor, without gRPC (in_process_commands_per_s_64_...).
//
// Targets (issue 8): at 64 in flight, commands/s >= 70% of the no-op
// ceiling and p99 <= 10 ms.

#include <grpcpp/client_context.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/load.h"
#include "bench/scenario.h"
#include "bench/workload/executor.h"
#include "bench/workload/generator.h"
#include "bench/workload/pipeline.h"
#include "bench/workload/profile.h"
#include "bench/workload/server_stats.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/daemon.h"
#include "services/grpc_status.h"

ABSL_FLAG(std::vector<std::string>, commands_in_flight,
          std::vector<std::string>({"1", "16", "64", "256"}),
          "commands: counts of commands kept in flight.");
ABSL_FLAG(std::string, commands_profile, "global-matrix",
          "commands: workload profile (primum or global-matrix).");
ABSL_FLAG(int, commands_accounts, 2000,
          "commands: accounts of the organization (0: the profile's "
          "default); many accounts keep dependent commands rare.");
ABSL_FLAG(int, commands_persons, 0,
          "commands: registered persons (0: the profile's default).");
ABSL_FLAG(int, commands_programs, 0,
          "commands: programs (0: the profile's default).");
ABSL_FLAG(uint64_t, commands_seed, 1, "commands: the generator's seed.");
ABSL_FLAG(bool, commands_in_process_only, false,
          "commands: after the setup, measure only the in-process "
          "CommandProcessor path (for profiling it, e.g. under perf).");
ABSL_FLAG(int, commands_channels, 4,
          "commands: client channels (connections) calls are spread over.");

namespace kamgov::bench {
namespace {

constexpr int kTargetInFlight = 64;
constexpr double kTargetRatio = 0.7;
constexpr double kTargetP99Ms = 10;
constexpr char kPrincipal[] = "svc:kamgov-bench";

absl::StatusOr<std::vector<int>> InFlightCounts() {
  std::vector<int> counts;
  for (const std::string& v : absl::GetFlag(FLAGS_commands_in_flight)) {
    int n = 0;
    if (!absl::SimpleAtoi(v, &n) || n < 1 || n > 4096) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--commands_in_flight: '", v, "' is not a count from 1 to 4096"));
    }
    counts.push_back(n);
  }
  return counts;
}

// Health/Check through the callback API, round-robin over the channels.
class NoOpCaller {
 public:
  explicit NoOpCaller(
      const std::vector<std::shared_ptr<grpc::Channel>>& channels) {
    for (const auto& channel : channels) {
      stubs_.push_back(grpc::health::v1::Health::NewStub(channel));
    }
  }
  void Call(uint64_t seq, absl::AnyInvocable<void(absl::Status)> done) {
    struct Call {
      grpc::ClientContext context;
      grpc::health::v1::HealthCheckRequest request;
      grpc::health::v1::HealthCheckResponse response;
      absl::AnyInvocable<void(absl::Status)> done;
    };
    auto* call = new Call;
    call->done = std::move(done);
    call->context.set_deadline(
        absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    stubs_[seq % stubs_.size()]->async()->Check(
        &call->context, &call->request, &call->response,
        [call](grpc::Status status) {
          absl::Status outcome = services::FromGrpcStatus(status);
          auto done = std::move(call->done);
          delete call;
          done(std::move(outcome));
        });
  }

 private:
  std::vector<std::unique_ptr<grpc::health::v1::Health::Stub>> stubs_;
};

class CommandsScenario : public Scenario {
 public:
  std::string name() const override { return "commands"; }
  std::string description() const override {
    return "durable governance commands/s and latency through gRPC (1, 16, "
           "64, 256 in flight; the workload mix) against a no-op call";
  }
  absl::Status Run(const ScenarioContext& context) override;
};

absl::Status CommandsScenario::Run(const ScenarioContext& context) {
  absl::StatusOr<std::vector<int>> in_flight = InFlightCounts();
  if (!in_flight.ok()) return in_flight.status();
  workload::ProfileParams params;
  params.name = absl::GetFlag(FLAGS_commands_profile);
  params.accounts = absl::GetFlag(FLAGS_commands_accounts);
  params.persons = absl::GetFlag(FLAGS_commands_persons);
  params.programs = absl::GetFlag(FLAGS_commands_programs);
  params.seed = absl::GetFlag(FLAGS_commands_seed);
  absl::StatusOr<std::unique_ptr<workload::Generator>> generator =
      workload::Generator::Create(params);
  if (!generator.ok()) return generator.status();
  workload::Generator& gen = **generator;

  absl::StatusOr<std::unique_ptr<ScopedDir>> dir =
      ScopedDir::Create(context.data_dir, "commands", context.keep_data);
  if (!dir.ok()) return dir.status();
  services::DaemonOptions options;
  options.server.listen = "127.0.0.1:0";
  options.data_dir = (*dir)->path();
  absl::StatusOr<std::unique_ptr<services::Daemon>> started =
      services::Daemon::Start(std::move(options));
  if (!started.ok()) return started.status();
  services::Daemon& daemon = **started;

  const std::vector<std::shared_ptr<grpc::Channel>> channels =
      workload::MakeChannels(
          absl::StrCat("127.0.0.1:", daemon.port()),
          std::max(1, absl::GetFlag(FLAGS_commands_channels)));
  workload::GrpcExecutor executor(channels, kPrincipal);
  workload::Pipeline pipeline(&executor);

  // 1. The organization.
  const absl::Time setup_start = absl::Now();
  uint64_t setup_commands = 0;
  for (std::vector<workload::GeneratedCommand>& phase : gen.Setup()) {
    setup_commands += phase.size();
    if (absl::Status s = workload::RunPhase(pipeline, std::move(phase), 64);
        !s.ok()) {
      return s;
    }
  }
  const workload::Generator::Summary org = gen.summary();
  context.progress(absl::StrFormat(
      "setup: %s with %d persons, %d programs, %d key accounts: %d commands "
      "in %.1f s",
      gen.profile().params.name, org.persons, org.programs, org.designated,
      setup_commands, absl::ToDoubleSeconds(absl::Now() - setup_start)));

  LoadOptions load;
  load.warmup = context.warmup;
  load.duration = context.duration;

  const bool in_process_only = absl::GetFlag(FLAGS_commands_in_process_only);

  // 2. The transport's ceiling on this machine, in this run.
  NoOpCaller noop(channels);
  auto run_noop = [&]() -> absl::StatusOr<LoadResult> {
    absl::StatusOr<LoadResult> r = RunInFlight(
        load, kTargetInFlight,
        [&](uint64_t seq, absl::AnyInvocable<void(absl::Status)> done) {
          noop.Call(seq, std::move(done));
        });
    if (r.ok()) {
      context.progress(absl::StrFormat(
          "no-op Health/Check, %d in flight: %7.0f calls/s  p99 %6.0f us  "
          "cpu %5.1f us/call",
          kTargetInFlight, r->ops_per_s(), r->latency.p99_us,
          r->cpu_us_per_item()));
    }
    return r;
  };
  absl::StatusOr<LoadResult> noop_before =
      in_process_only ? LoadResult() : run_noop();
  if (!noop_before.ok()) return noop_before.status();

  // 3. Commands at each concurrency.
  struct Level {
    int in_flight;
    LoadResult result;
    workload::StoreCounters start, end;
  };
  std::vector<Level> levels;
  for (int n : *in_flight) {
    if (in_process_only) break;
    Level level;
    level.in_flight = n;
    int samples = 0;
    LoadOptions options = load;
    // Sampled at the window's start and end: syncs drive the counter,
    // events are kept beside them.
    options.counter = [&]() -> uint64_t {
      const workload::StoreCounters c =
          workload::ReadStoreCounters(daemon.metrics());
      (samples++ == 0 ? level.start : level.end) = c;
      return c.syncs;
    };
    absl::StatusOr<LoadResult> r = RunInFlight(
        options, n, [&](uint64_t, absl::AnyInvocable<void(absl::Status)> done) {
          pipeline.Submit(gen.Next(), std::move(done));
        });
    if (!r.ok()) return r.status();
    level.result = *std::move(r);
    const uint64_t events = level.end.events - level.start.events;
    context.progress(absl::StrFormat(
        "%4d in flight: %7.0f commands/s  p50 %6.0f us  p99 %6.0f us  p999 "
        "%6.0f us  %5.2f events/command  %6.1f events/fsync  cpu %5.1f "
        "us/command",
        n, level.result.ops_per_s(), level.result.latency.p50_us,
        level.result.latency.p99_us, level.result.latency.p999_us,
        level.result.ops > 0 ? static_cast<double>(events) / level.result.ops
                             : 0,
        level.result.counter_delta > 0
            ? static_cast<double>(events) / level.result.counter_delta
            : 0,
        level.result.cpu_us_per_item()));
    levels.push_back(std::move(level));
  }
  // 4. Diagnosis: the same mix at the target concurrency straight into the
  // daemon's CommandProcessor (no gRPC): what the write path alone
  // sustains, to tell the transport's share from the store's.
  workload::ProcessorExecutor direct_executor(&daemon.processor(), kPrincipal);
  workload::Pipeline direct(&direct_executor);
  absl::StatusOr<LoadResult> in_process =
      RunInFlight(load, kTargetInFlight,
                  [&](uint64_t, absl::AnyInvocable<void(absl::Status)> done) {
                    direct.Submit(gen.Next(), std::move(done));
                  });
  if (!in_process.ok()) return in_process.status();
  context.progress(absl::StrFormat(
      "%4d in flight, in-process CommandProcessor (no gRPC): %7.0f "
      "commands/s  p99 %6.0f us  cpu %5.1f us/command",
      kTargetInFlight, in_process->ops_per_s(), in_process->latency.p99_us,
      in_process->cpu_us_per_item()));

  if (in_process_only) return absl::OkStatus();
  absl::StatusOr<LoadResult> noop_after = run_noop();
  if (!noop_after.ok()) return noop_after.status();
  const double ceiling =
      (noop_before->ops_per_s() + noop_after->ops_per_s()) / 2;

  for (const Level& level : levels) {
    const std::string suffix = absl::StrCat(level.in_flight, "_in_flight");
    const bool target = level.in_flight == kTargetInFlight;
    auto figure = [&](std::string metric, double value, std::string unit) {
      Figure f;
      f.scenario = name();
      f.metric = absl::StrCat(metric, "_", suffix);
      f.value = value;
      f.unit = std::move(unit);
      return f;
    };
    Figure rate = figure("durable_commands_per_s", level.result.ops_per_s(),
                         "commands/s");
    if (target) {
      rate.baseline = ceiling;
      rate.baseline_label = absl::StrCat("no-op gRPC call (Health/Check), ",
                                         kTargetInFlight, " in flight");
      rate.target = Target{Target::Of::kRatio, Target::Cmp::kAtLeast,
                           kTargetRatio, "issue 8"};
    }
    context.emit(std::move(rate));
    context.emit(
        figure("command_p50_ms", level.result.latency.p50_us / 1e3, "ms"));
    Figure p99 =
        figure("command_p99_ms", level.result.latency.p99_us / 1e3, "ms");
    if (target) {
      p99.target = Target{Target::Of::kValue, Target::Cmp::kAtMost,
                          kTargetP99Ms, "issue 8"};
    }
    context.emit(std::move(p99));
    context.emit(
        figure("command_p999_ms", level.result.latency.p999_us / 1e3, "ms"));
    const uint64_t events = level.end.events - level.start.events;
    context.emit(figure("events_per_fsync",
                        level.end.syncs > level.start.syncs
                            ? static_cast<double>(events) /
                                  (level.end.syncs - level.start.syncs)
                            : 0,
                        "events/fsync"));
    context.emit(
        figure("cpu_us_per_command", level.result.cpu_us_per_item(), "us"));
  }
  Figure direct_rate;
  direct_rate.scenario = name();
  direct_rate.metric =
      absl::StrCat("in_process_commands_per_s_", kTargetInFlight, "_in_flight");
  direct_rate.value = in_process->ops_per_s();
  direct_rate.unit = "commands/s";
  context.emit(std::move(direct_rate));
  Figure noop_rate;
  noop_rate.scenario = name();
  noop_rate.metric =
      absl::StrCat("noop_calls_per_s_", kTargetInFlight, "_in_flight");
  noop_rate.value = ceiling;
  noop_rate.unit = "calls/s";
  context.emit(std::move(noop_rate));
  daemon.Stop();
  return absl::OkStatus();
}

KAMGOV_REGISTER_SCENARIO("commands", CommandsScenario);

}  // namespace
}  // namespace kamgov::bench
