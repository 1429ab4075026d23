// kamgovd: the kamgov server on its embedded event store.
//
//   kamgovd --listen=127.0.0.1:50051 --data_dir=./data
//
// SIGTERM or SIGINT stops it gracefully: no new calls, calls in flight
// finish, RocksDB is flushed and closed, exit status 0.

#include <signal.h>

#include <cstdlib>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/synchronization/mutex.h"
#include "services/daemon.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "gRPC address, host:port. Non-loopback needs TLS or --insecure.");
ABSL_FLAG(std::string, data_dir, "./data", "Directory of the event store.");
ABSL_FLAG(std::string, log_level, "info",
          "One of trace, debug, info, warn, error.");
ABSL_FLAG(bool, insecure, false,
          "Allow a non-loopback --listen address without TLS.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "How long calls in flight may take to finish on shutdown.");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "kamgovd: the event-sourced KAM governance service.\n"
      "  kamgovd --listen=127.0.0.1:50051 --data_dir=./data");
  absl::ParseCommandLine(argc, argv);
  // Debian's abseil checks every Mutex acquisition for lock-order cycles, a
  // cost on every hot path; the tests keep the check, production drops it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // Logs go to stderr, the place service managers collect them from.
  spdlog::set_default_logger(spdlog::stderr_color_mt("kamgovd"));

  spdlog::level::level_enum level =
      spdlog::level::from_str(absl::GetFlag(FLAGS_log_level));
  if (level == spdlog::level::off && absl::GetFlag(FLAGS_log_level) != "off") {
    spdlog::error("unknown --log_level={}; use trace, debug, info, warn, error",
                  absl::GetFlag(FLAGS_log_level));
    return EXIT_FAILURE;
  }
  spdlog::set_level(level);

  // Block the stop signals in every thread (gRPC's included); the main thread
  // waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  kamgov::services::DaemonOptions options;
  options.server.listen = absl::GetFlag(FLAGS_listen);
  options.server.insecure = absl::GetFlag(FLAGS_insecure);
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  absl::StatusOr<std::unique_ptr<kamgov::services::Daemon>> daemon =
      kamgov::services::Daemon::Start(options);
  if (!daemon.ok()) {
    spdlog::critical("kamgovd cannot start: {}", daemon.status().ToString());
    return EXIT_FAILURE;
  }
  if (options.server.insecure) {
    spdlog::warn("INSECURE: serving {} without TLS (--insecure)",
                 options.server.listen);
  }
  spdlog::warn(
      "development mode: no TLS; the principal is taken from the "
      "x-kamgov-principal header");
  spdlog::info("kamgovd serving on port {} with data in {}", (*daemon)->port(),
               options.data_dir);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  spdlog::info("received {}, shutting down", strsignal(signal_number));
  (*daemon)->Stop(absl::GetFlag(FLAGS_shutdown_grace));
  spdlog::info("kamgovd stopped cleanly");
  return EXIT_SUCCESS;
}
