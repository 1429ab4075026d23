// Scenario `scale` (issue 8): does kamgov keep its pace as the log grows,
// and does it come back fast and small after a restart?
//
// 1. A daemon (services::Daemon, store on disk under the run's data
//    directory) is set up with the workload generator's organization
//    (--scale_profile, default global-matrix with 2000 accounts).
// 2. Fill: the generator's steady-state mix, submitted straight to the
//    daemon's CommandProcessor at --scale_fill_in_flight, until the log
//    holds --scale_events events (full run 10M, --quick 200k): real domain
//    events with their personal parts, tags, stream heads and command ids,
//    of the sizes the API produces.
// 3. Append rate at N against at 0: the same mix, --scale_in_flight
//    commands outstanding, through the same path (no gRPC: the transport's
//    constant cost would hide a slowdown of the store), in durable events/s
//    from the daemon's metrics, on the full store and on a second, freshly
//    set-up one, in alternating slices, once the full store's read models
//    have caught up with the fill and RocksDB has finished the flushes and
//    compactions the fill left (WaitForQuietStorage); target >= 90%.
// 4. Restart: the daemon is stopped, then a fresh server process
//    (kamgov-bench itself in --scale_serve_dir mode) is started on the
//    data. Restart-to-ready runs from spawning it to the first command
//    answered through gRPC (target <= 2 s). After --duration of commands
//    through gRPC at --scale_in_flight, the server's RSS is read from
//    /proc (target <= 300 MB).

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "bench/load.h"
#include "bench/scenario.h"
#include "bench/workload/executor.h"
#include "bench/workload/generator.h"
#include "bench/workload/pipeline.h"
#include "bench/workload/profile.h"
#include "bench/workload/server_stats.h"
#include "eventstore/rocks_db.h"
#include "projections/engine.h"
#include "services/daemon.h"

extern char** environ;

ABSL_FLAG(uint64_t, scale_events, 0,
          "scale: events to fill the log to; 0 means 10M, or 200k with "
          "--quick.");
ABSL_FLAG(int, scale_in_flight, 64,
          "scale: commands in flight while measuring.");
ABSL_FLAG(int, scale_fill_in_flight, 256,
          "scale: commands in flight while "
          "filling.");
ABSL_FLAG(std::string, scale_profile, "global-matrix",
          "scale: workload profile (primum or global-matrix).");
ABSL_FLAG(int, scale_accounts, 2000,
          "scale: accounts of the organization (0: the profile's default).");
ABSL_FLAG(uint64_t, scale_seed, 1, "scale: the generator's seed.");
ABSL_FLAG(std::string, scale_serve_dir, "",
          "scale (internal): serve this data directory as the restarted "
          "server process, print its port, stop at end of stdin.");

namespace kamgov::bench {
namespace {

constexpr double kTargetRateRatio = 0.9;
constexpr double kTargetRestartSeconds = 2;
constexpr double kTargetRssMb = 300;
constexpr char kPrincipal[] = "svc:kamgov-bench";
constexpr char kReadyLine[] = "scale-serve-ready ";

// The restarted server's side: serve `dir` until stdin closes.
absl::Status Serve(const std::string& dir) {
  const absl::Time start = absl::Now();
  services::DaemonOptions options;
  options.server.listen = "127.0.0.1:0";
  options.data_dir = dir;
  absl::StatusOr<std::unique_ptr<services::Daemon>> daemon =
      services::Daemon::Start(std::move(options));
  if (!daemon.ok()) return daemon.status();
  std::printf("%s%d %.3f\n", kReadyLine, (*daemon)->port(),
              absl::ToDoubleSeconds(absl::Now() - start));
  std::fflush(stdout);
  char buffer[256];
  while (read(STDIN_FILENO, buffer, sizeof buffer) > 0) {
  }
  (*daemon)->Stop();
  return absl::OkStatus();
}

// A server process started on a data directory: kamgov-bench itself in
// --scale_serve_dir mode. Destruction closes its stdin (it then stops)
// and reaps it.
class ServerProcess {
 public:
  static absl::StatusOr<std::unique_ptr<ServerProcess>> Spawn(
      const std::string& dir, const std::string& run_dir) {
    char exe[4096];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return absl::UnavailableError("cannot read /proc/self/exe");
    exe[n] = '\0';
    int to_child[2], from_child[2];
    if (pipe2(to_child, O_CLOEXEC) != 0 || pipe2(from_child, O_CLOEXEC) != 0) {
      return absl::UnavailableError("pipe failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, to_child[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, from_child[1], STDOUT_FILENO);
    std::vector<std::string> args = {exe, "scale",
                                     absl::StrCat("--scale_serve_dir=", dir),
                                     absl::StrCat("--data_dir=", run_dir)};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    auto process = std::unique_ptr<ServerProcess>(new ServerProcess);
    const int spawned = posix_spawn(&process->pid_, exe, &actions, nullptr,
                                    argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(to_child[0]);
    close(from_child[1]);
    process->stdin_ = to_child[1];
    process->stdout_ = fdopen(from_child[0], "r");
    if (spawned != 0) {
      process->pid_ = -1;
      return absl::UnavailableError(absl::StrCat("posix_spawn: ", spawned));
    }
    return process;
  }

  ~ServerProcess() {
    if (stdin_ >= 0) close(stdin_);
    if (pid_ > 0) {
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    if (stdout_ != nullptr) fclose(stdout_);
  }

  // Blocks until the server says it is serving; its port and the time its
  // Daemon::Start took.
  absl::Status WaitReady(int* port, double* start_seconds) {
    char line[512];
    while (fgets(line, sizeof line, stdout_) != nullptr) {
      absl::string_view text = line;
      if (!absl::ConsumePrefix(&text, kReadyLine)) continue;
      std::vector<absl::string_view> parts =
          absl::StrSplit(absl::StripAsciiWhitespace(text), ' ');
      if (parts.size() == 2 && absl::SimpleAtoi(parts[0], port) &&
          absl::SimpleAtod(parts[1], start_seconds)) {
        return absl::OkStatus();
      }
    }
    return absl::UnavailableError(
        "the restarted server exited before "
        "serving (see its errors above)");
  }

  pid_t pid() const { return pid_; }

 private:
  ServerProcess() = default;
  pid_t pid_ = -1;
  int stdin_ = -1;
  FILE* stdout_ = nullptr;
};

class ScaleScenario : public Scenario {
 public:
  std::string name() const override { return "scale"; }
  std::string description() const override {
    return "append rate at N events against at 0, restart-to-ready time "
           "and server RSS (N = 10M; 200k with --quick)";
  }
  absl::Status Run(const ScenarioContext& context) override;
};

// Durable events/s of the mix at `in_flight`, through `pipeline`.
absl::StatusOr<double> MeasureRate(const ScenarioContext& context,
                                   services::Daemon& daemon,
                                   workload::Pipeline& pipeline,
                                   workload::Generator& gen, int in_flight,
                                   absl::Duration duration,
                                   const std::string& label) {
  LoadOptions options;
  options.warmup = std::min(context.warmup, absl::Milliseconds(300));
  options.duration = duration;
  workload::StoreCounters at[2];
  int samples = 0;
  options.counter = [&]() -> uint64_t {
    const workload::StoreCounters c =
        workload::ReadStoreCounters(daemon.metrics());
    at[samples++ == 0 ? 0 : 1] = c;
    return c.syncs;
  };
  absl::StatusOr<LoadResult> r =
      RunInFlight(options, in_flight,
                  [&](uint64_t, absl::AnyInvocable<void(absl::Status)> done) {
                    pipeline.Submit(gen.Next(), std::move(done));
                  });
  if (!r.ok()) return r.status();
  const double events_per_s =
      r->seconds > 0 ? (at[1].events - at[0].events) / r->seconds : 0;
  context.progress(absl::StrFormat(
      "%s: %7.0f events/s  %7.0f commands/s  p99 %6.0f us  (log head %d)",
      label, events_per_s, r->ops_per_s(), r->latency.p99_us,
      daemon.log().GetChainHead().position));
  return events_per_s;
}

// Waits (at most `limit`) until no store of `daemons` flushes or compacts
// any more: a store that reached N events over its lifetime has absorbed
// them, while one just filled at full speed may still owe RocksDB
// background work that is not the cost of appending at N. The measured
// slices then pay for the flushes and compactions their own appends cause
// (in practice the stores are quiet within a second of the read models
// catching up; docs/PERFORMANCE.md).
absl::Duration WaitForQuietStorage(
    const std::vector<services::Daemon*>& daemons, absl::Duration limit) {
  const absl::Time start = absl::Now();
  // Two quiet looks in a row: a flush can finish just before the next
  // compaction is scheduled.
  int quiet = 0;
  while (quiet < 2 && absl::Now() - start < limit) {
    bool busy = false;
    for (services::Daemon* daemon : daemons) {
      busy = busy ||
             eventstore::HasBackgroundWork(*daemon->log().rocks_db()->db()) ||
             daemon->projections().HasStorageBackgroundWork();
    }
    quiet = busy ? 0 : quiet + 1;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::Now() - start;
}

uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t bytes = 0;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(dir, error)) {
    if (entry.is_regular_file(error)) bytes += entry.file_size(error);
  }
  return bytes;
}

absl::Status ScaleScenario::Run(const ScenarioContext& context) {
  if (const std::string dir = absl::GetFlag(FLAGS_scale_serve_dir);
      !dir.empty()) {
    return Serve(dir);
  }
  uint64_t target_events = absl::GetFlag(FLAGS_scale_events);
  if (target_events == 0) target_events = context.quick ? 200000 : 10000000;
  const int in_flight = std::max(1, absl::GetFlag(FLAGS_scale_in_flight));
  workload::ProfileParams params;
  params.name = absl::GetFlag(FLAGS_scale_profile);
  params.accounts = absl::GetFlag(FLAGS_scale_accounts);
  params.seed = absl::GetFlag(FLAGS_scale_seed);
  absl::StatusOr<std::unique_ptr<workload::Generator>> generator =
      workload::Generator::Create(params);
  if (!generator.ok()) return generator.status();
  workload::Generator& gen = **generator;

  absl::StatusOr<std::unique_ptr<ScopedDir>> dir =
      ScopedDir::Create(context.data_dir, "scale", context.keep_data);
  if (!dir.ok()) return dir.status();
  const std::string data = (*dir)->path();

  double rate0 = 0, rate_n = 0;
  uint64_t events = 0;
  {
    services::DaemonOptions options;
    options.server.listen = "127.0.0.1:0";
    options.data_dir = data;
    absl::StatusOr<std::unique_ptr<services::Daemon>> started =
        services::Daemon::Start(std::move(options));
    if (!started.ok()) return started.status();
    services::Daemon& daemon = **started;
    workload::ProcessorExecutor executor(&daemon.processor(), kPrincipal);
    workload::Pipeline pipeline(&executor);
    for (std::vector<workload::GeneratedCommand>& phase : gen.Setup()) {
      if (absl::Status s = workload::RunPhase(pipeline, std::move(phase), 64);
          !s.ok()) {
        return s;
      }
    }
    const int fill_in_flight =
        std::max(1, absl::GetFlag(FLAGS_scale_fill_in_flight));
    const absl::Time fill_start = absl::Now();
    absl::Time last = fill_start;
    for (uint64_t head = daemon.log().GetChainHead().position;
         head < target_events; head = daemon.log().GetChainHead().position) {
      // Commands give ~1 event each; chunks keep the overshoot small.
      const uint64_t chunk = std::min<uint64_t>(target_events - head, 100000);
      if (absl::Status s = workload::RunCommands(
              pipeline, [&] { return gen.Next(); }, chunk, fill_in_flight);
          !s.ok()) {
        return s;
      }
      if (absl::Now() - last > absl::Seconds(5)) {
        last = absl::Now();
        const uint64_t now_head = daemon.log().GetChainHead().position;
        context.progress(absl::StrFormat(
            "filled %d of %d events (%.0f events/s)", now_head, target_events,
            now_head / absl::ToDoubleSeconds(last - fill_start)));
      }
    }
    events = daemon.log().GetChainHead().position;
    context.progress(
        absl::StrFormat("filled %d events in %.1f s", events,
                        absl::ToDoubleSeconds(absl::Now() - fill_start)));
    // The read models follow the log on their own thread and lag behind a
    // fill at full speed: measure once they have caught up, as a server
    // in steady state would be.
    const absl::Time wait_start = absl::Now();
    for (;;) {
      uint64_t lowest = events;
      for (const projections::ProjectionProgress& p :
           daemon.projections().Status()) {
        lowest = std::min(lowest, p.position);
      }
      if (lowest >= events || absl::Now() - wait_start > absl::Minutes(5)) {
        context.progress(absl::StrFormat(
            "read models at %d of %d events, %.1f s after the fill", lowest,
            events, absl::ToDoubleSeconds(absl::Now() - wait_start)));
        break;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }

    // The same load on a freshly set-up store (its own daemon, directory
    // and organization), in slices alternating with the full one so that
    // the machine's drift falls on both alike.
    absl::StatusOr<std::unique_ptr<ScopedDir>> fresh_dir =
        ScopedDir::Create(context.data_dir, "scale-fresh", context.keep_data);
    if (!fresh_dir.ok()) return fresh_dir.status();
    services::DaemonOptions fresh_options;
    fresh_options.server.listen = "127.0.0.1:0";
    fresh_options.data_dir = (*fresh_dir)->path();
    absl::StatusOr<std::unique_ptr<services::Daemon>> fresh =
        services::Daemon::Start(std::move(fresh_options));
    if (!fresh.ok()) return fresh.status();
    absl::StatusOr<std::unique_ptr<workload::Generator>> fresh_gen =
        workload::Generator::Create(gen.profile());
    if (!fresh_gen.ok()) return fresh_gen.status();
    workload::ProcessorExecutor fresh_executor(&(*fresh)->processor(),
                                               kPrincipal);
    workload::Pipeline fresh_pipeline(&fresh_executor);
    for (std::vector<workload::GeneratedCommand>& phase :
         (*fresh_gen)->Setup()) {
      if (absl::Status s =
              workload::RunPhase(fresh_pipeline, std::move(phase), 64);
          !s.ok()) {
        return s;
      }
    }
    const absl::Duration settle =
        WaitForQuietStorage({&daemon, fresh->get()}, absl::Minutes(10));
    context.progress(absl::StrFormat(
        "stores done flushing and compacting %.1f s after the read models",
        absl::ToDoubleSeconds(settle)));
    const int slices = context.quick ? 2 : 4;
    const absl::Duration slice = context.duration / slices;
    for (int i = 0; i < slices; ++i) {
      for (int j = 0; j < 2; ++j) {
        const bool full = (i % 2 == 0) == (j == 0);  // N 0 0 N N 0 ...
        absl::StatusOr<double> r =
            full ? MeasureRate(context, daemon, pipeline, gen, in_flight, slice,
                               absl::StrCat("rate at ", events))
                 : MeasureRate(context, **fresh, fresh_pipeline, **fresh_gen,
                               in_flight, slice, "rate at 0");
        if (!r.ok()) return r.status();
        (full ? rate_n : rate0) += *r / slices;
      }
    }
    (*fresh)->Stop();
    daemon.Stop();
  }
  const uint64_t bytes = DirectoryBytes(data);

  // Restart in a process of its own, so that its memory is the server's.
  const absl::Time spawned = absl::Now();
  absl::StatusOr<std::unique_ptr<ServerProcess>> server =
      ServerProcess::Spawn(data, context.data_dir);
  if (!server.ok()) return server.status();
  int port = 0;
  double daemon_start_s = 0;
  if (absl::Status s = (*server)->WaitReady(&port, &daemon_start_s); !s.ok()) {
    return s;
  }
  const std::vector<std::shared_ptr<grpc::Channel>> channels =
      workload::MakeChannels(absl::StrCat("127.0.0.1:", port), 4);
  workload::GrpcExecutor executor(channels, kPrincipal);
  workload::Pipeline pipeline(&executor);
  if (absl::Status s = workload::RunCommands(
          pipeline, [&] { return gen.Next(); }, 1, 1);
      !s.ok()) {
    return s;
  }
  const double restart_s = absl::ToDoubleSeconds(absl::Now() - spawned);
  context.progress(absl::StrFormat(
      "restart: serving after %.3f s (Daemon::Start %.3f s), first command "
      "answered after %.3f s",
      restart_s, daemon_start_s, restart_s));
  LoadOptions options;
  options.warmup = context.warmup;
  options.duration = context.duration;
  absl::StatusOr<LoadResult> warm =
      RunInFlight(options, in_flight,
                  [&](uint64_t, absl::AnyInvocable<void(absl::Status)> done) {
                    pipeline.Submit(gen.Next(), std::move(done));
                  });
  if (!warm.ok()) return warm.status();
  absl::StatusOr<workload::ProcessMemory> memory =
      workload::ReadProcessMemory((*server)->pid());
  if (!memory.ok()) return memory.status();
  context.progress(absl::StrFormat(
      "restarted server: %.0f commands/s through gRPC, RSS %.1f MB (peak "
      "%.1f MB)",
      warm->ops_per_s(), memory->rss_mb, memory->peak_mb));
  server->reset();  // stops it

  auto figure = [&](std::string metric, double value, std::string unit) {
    Figure f;
    f.scenario = name();
    f.metric = std::move(metric);
    f.value = value;
    f.unit = std::move(unit);
    return f;
  };
  const std::string at_n = absl::StrCat("at_", events, "_events");
  Figure rate =
      figure(absl::StrCat("append_events_per_s_", at_n), rate_n, "events/s");
  rate.baseline = rate0;
  rate.baseline_label = "the same load on the freshly set-up store";
  rate.target = Target{Target::Of::kRatio, Target::Cmp::kAtLeast,
                       kTargetRateRatio, "issue 8"};
  context.emit(std::move(rate));
  Figure restart =
      figure(absl::StrCat("restart_to_ready_s_", at_n), restart_s, "s");
  restart.target = Target{Target::Of::kValue, Target::Cmp::kAtMost,
                          kTargetRestartSeconds, "issue 8"};
  context.emit(std::move(restart));
  Figure rss =
      figure(absl::StrCat("server_rss_mb_", at_n), memory->rss_mb, "MB");
  rss.target =
      Target{Target::Of::kValue, Target::Cmp::kAtMost, kTargetRssMb, "issue 8"};
  context.emit(std::move(rss));
  context.emit(
      figure(absl::StrCat("server_peak_rss_mb_", at_n), memory->peak_mb, "MB"));
  // Through gRPC, in the first --duration after the restart (after
  // --warmup): the processor reloads every aggregate it touches.
  context.emit(figure(absl::StrCat("commands_per_s_after_restart_", at_n),
                      warm->ops_per_s(), "commands/s"));
  context.emit(figure(absl::StrCat("store_bytes_per_event_", at_n),
                      events > 0 ? static_cast<double>(bytes) / events : 0,
                      "B/event"));
  return absl::OkStatus();
}

KAMGOV_REGISTER_SCENARIO("scale", ScaleScenario);

}  // namespace
}  // namespace kamgov::bench
