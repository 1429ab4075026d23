// kamgovd: the kamgov server on its embedded event store.
//
//   kamgovd --listen=127.0.0.1:50051 --data_dir=./data
//   kamgovd --config=/etc/kamgov/kamgovd.conf [--print_config]
//
// Settings come from the defaults, then --config's file, then the flags
// given on the command line (services/config.h, docs/operations.md).
//
// SIGTERM or SIGINT stops it gracefully: no new calls, calls in flight
// finish, RocksDB is flushed and closed, exit status 0.

#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/synchronization/mutex.h"
#include "services/config.h"
#include "services/daemon.h"
#include "services/logging.h"
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
ABSL_FLAG(std::string, config, "",
          "Config file (key = value lines); flags given here override it.");
ABSL_FLAG(bool, print_config, false,
          "Print the effective configuration (a valid config file) and exit.");
ABSL_FLAG(std::string, log_format, "text", "text, or json (one per line).");
ABSL_FLAG(std::string, metrics_listen, "127.0.0.1:9464",
          "Prometheus /metrics HTTP address, host:port; empty disables it.");
ABSL_FLAG(std::string, restore_from, "",
          "Restore the newest backup of this directory (kamgov backup) into "
          "--data_dir before starting; the data directory must be empty.");
ABSL_FLAG(uint32_t, restore_backup_id, 0,
          "With --restore_from: the backup to restore (kamgov backup prints "
          "its id); 0 is the newest.");
ABSL_FLAG(bool, restore_overwrite, false,
          "With --restore_from: move a non-empty data directory's store "
          "aside instead of refusing.");
// Security and limits (docs/security.md).
ABSL_FLAG(std::string, tls_cert, "",
          "Server certificate chain (PEM). With --tls_key and --tls_client_ca "
          "turns on mutual TLS; the principal then comes from the client "
          "certificate.");
ABSL_FLAG(std::string, tls_key, "", "The server certificate's key (PEM).");
ABSL_FLAG(std::string, tls_client_ca, "",
          "CA certificate(s) (PEM) that client certificates must chain to.");
ABSL_FLAG(std::string, principal_from, "uri_san",
          "With TLS, the client certificate field naming the principal: "
          "uri_san or cn.");
ABSL_FLAG(std::string, authz_policy, "",
          "Authorization policy file (principals, roles, RPCs); required "
          "with TLS. Without one, every call is allowed (development).");
ABSL_FLAG(int, max_message_bytes, 4 * 1024 * 1024,
          "Largest request message; larger ones fail with RESOURCE_EXHAUSTED.");
ABSL_FLAG(absl::Duration, default_deadline, absl::Seconds(30),
          "Deadline of unary calls whose caller sets none.");
ABSL_FLAG(int, max_subscriptions_per_principal, 64,
          "Subscriptions one principal may hold open at once.");

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

  kamgov::services::Config config = kamgov::services::DefaultConfig();
  absl::Status configured = absl::OkStatus();
  if (const std::string file = absl::GetFlag(FLAGS_config); !file.empty()) {
    configured = kamgov::services::LoadConfigFile(file, config);
  }
  if (configured.ok()) {
    configured = kamgov::services::ApplyCommandLineFlags(
        kamgov::services::FlagsOnCommandLine(argc, argv), config);
  }
  if (configured.ok()) configured = kamgov::services::ValidateConfig(config);
  if (configured.ok()) {
    configured =
        kamgov::services::ConfigureLogging(config.log_level, config.log_format);
  }
  if (!configured.ok()) {
    spdlog::critical("kamgovd cannot start: configuration: {}",
                     std::string(configured.message()));
    return EXIT_FAILURE;
  }
  if (absl::GetFlag(FLAGS_print_config)) {
    std::cout << kamgov::services::FormatConfig(config);
    return EXIT_SUCCESS;
  }

  // Block the stop signals in every thread (gRPC's included); the main thread
  // waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  kamgov::services::DaemonOptions options = config.daemon;
  options.restore_from = absl::GetFlag(FLAGS_restore_from);
  options.restore_overwrite = absl::GetFlag(FLAGS_restore_overwrite);
  options.restore_backup_id = absl::GetFlag(FLAGS_restore_backup_id);
  options.metrics_listen_required = config.set_keys.contains("metrics_listen");
  absl::StatusOr<std::unique_ptr<kamgov::services::Daemon>> daemon =
      kamgov::services::Daemon::Start(options);
  if (!daemon.ok()) {
    spdlog::critical("kamgovd cannot start: {}", daemon.status().ToString());
    return EXIT_FAILURE;
  }
  if (options.server.tls.enabled()) {
    spdlog::info(
        "mutual TLS: principals from the client certificate's {}; "
        "authorization policy {}",
        options.server.principal_from ==
                kamgov::services::PrincipalSource::kCommonName
            ? "subject CN"
            : "URI SAN",
        options.server.authz_policy_file);
  } else {
    if (options.server.insecure) {
      spdlog::warn("INSECURE: serving {} without TLS (--insecure)",
                   options.server.listen);
    }
    spdlog::warn(
        "INSECURE development mode: no TLS; the principal is taken from the "
        "x-kamgov-principal header, which any local process can set; {}",
        options.server.authz_policy_file.empty()
            ? "no --authz_policy: every call is allowed"
            : "authorization policy " + options.server.authz_policy_file);
  }
  spdlog::info("kamgovd serving on port {} with data in {}", (*daemon)->port(),
               options.data_dir);
  if ((*daemon)->metrics_port() != 0) {
    spdlog::info("metrics on http://{}/metrics", options.metrics_listen);
  }

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  spdlog::info("received {}, shutting down", strsignal(signal_number));
  (*daemon)->Stop(config.shutdown_grace);
  spdlog::info("kamgovd stopped cleanly");
  return EXIT_SUCCESS;
}
