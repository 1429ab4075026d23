#include "services/daemon.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "projections/history_projection.h"
#include "projections/registry.h"
#include "rocksdb/statistics.h"
#include "services/audit_service.h"
#include "services/event_stream_service.h"
#include "services/governance_service.h"
#include "spdlog/spdlog.h"

namespace kamgov::services {

absl::StatusOr<std::unique_ptr<Daemon>> Daemon::Start(DaemonOptions options) {
  std::error_code error;
  std::filesystem::create_directories(options.data_dir, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat(
        "cannot create --data_dir=", options.data_dir, ": ", error.message()));
  }
  std::unique_ptr<Daemon> daemon(new Daemon());
  daemon->metrics_ = std::make_shared<Metrics>();
  eventstore::RocksEventLogOptions log_options;
  log_options.path = (std::filesystem::path(options.data_dir) / "log").string();
  log_options.clock_us = options.clock_us;
  log_options.limits = options.append_limits;
  log_options.block_cache_bytes = options.block_cache_bytes;
  log_options.writer_observer = daemon->metrics_.get();
  // Tickers only (write stall time for the metrics): no timers, cheap.
  log_options.statistics = rocksdb::CreateDBStatistics();
  log_options.statistics->set_stats_level(rocksdb::kExceptHistogramOrTimers);
  std::optional<RestoreResult> restored;
  if (!options.restore_from.empty()) {
    absl::StatusOr<RestoreResult> restore =
        RestoreBackup(options.restore_from, log_options.path,
                      options.restore_overwrite, options.restore_backup_id);
    if (!restore.ok()) return restore.status();
    restored = *std::move(restore);
  }
  absl::StatusOr<std::unique_ptr<eventstore::RocksEventLog>> log =
      eventstore::RocksEventLog::Open(std::move(log_options));
  if (!log.ok()) return log.status();
  daemon->log_ = *std::move(log);
  if (restored.has_value()) {
    absl::Status checked = CheckRestoredLog(*daemon->log_, *restored);
    if (!checked.ok()) return checked;
  }
  daemon->pool_ = std::make_unique<eventstore::ThreadPool>(options.io_threads);
  daemon->hub_ = std::make_unique<eventstore::SubscriptionHub>(
      daemon->log_.get(), daemon->pool_.get(), options.subscriptions);
  options.projections.path =
      (std::filesystem::path(options.data_dir) / "readmodels").string();
  absl::StatusOr<std::unique_ptr<projections::ProjectionEngine>> engine =
      projections::ProjectionEngine::Open(options.projections,
                                          daemon->log_.get(),
                                          projections::AllProjections());
  if (!engine.ok()) return engine.status();
  daemon->projections_ = *std::move(engine);
  daemon->projections_->Start();
  options.processor.observer = daemon->metrics_.get();
  // After a restart, aggregates load from their current states in
  // decision_history and fold only the events since, not their history.
  options.processor.history_rows = [engine = daemon->projections_.get()] {
    return engine->ReadCurrent(projections::kHistoryProjectionName);
  };
  if (options.clock_us) options.processor.clock_us = options.clock_us;
  daemon->processor_ =
      std::make_unique<CommandProcessor>(daemon->log_.get(), options.processor);
  if (options.scheduler_interval > absl::ZeroDuration()) {
    daemon->scheduler_ = std::make_unique<DeadlineScheduler>(
        daemon->processor_.get(), options.scheduler_interval);
  }
  daemon->services_.push_back(
      std::make_unique<GovernanceService>(daemon->processor_.get()));
  daemon->services_.push_back(std::make_unique<EventStreamService>(
      daemon->log_.get(), daemon->hub_.get(), daemon->pool_.get(),
      options.read_limits));
  daemon->services_.push_back(std::make_unique<AuditService>(
      daemon->log_.get(), daemon->pool_.get(), daemon->projections_.get(),
      options.read_limits));
  daemon->backups_ =
      std::make_unique<BackupTaker>(daemon->log_.get(), options.backup);
  daemon->services_.push_back(std::make_unique<QueryService>(
      daemon->projections_.get(), daemon->pool_.get(),
      options.clock_us ? options.clock_us
                       : [] { return absl::ToUnixMicros(absl::Now()); },
      options.query_limits));
  daemon->services_.push_back(std::make_unique<AdminService>(
      daemon->backups_.get(), daemon->projections_.get(),
      daemon->metrics_.get(), options.admin));
  daemon->metrics_->Attach(daemon->log_.get(), daemon->hub_.get(),
                           daemon->projections_.get());
  if (!options.metrics_listen.empty()) {
    absl::StatusOr<std::unique_ptr<MetricsServer>> metrics_server =
        MetricsServer::Start(options.metrics_listen, daemon->metrics_);
    if (metrics_server.ok()) {
      daemon->metrics_server_ = *std::move(metrics_server);
    } else if (options.metrics_listen_required) {
      return metrics_server.status();
    } else {
      spdlog::warn("no metrics: {} (set metrics_listen to choose the address)",
                   std::string(metrics_server.status().message()));
    }
  }

  std::vector<grpc::Service*> services;
  for (const auto& service : daemon->services_)
    services.push_back(service.get());
  absl::StatusOr<std::unique_ptr<GrpcServer>> server =
      GrpcServer::Start(options.server, services);
  if (!server.ok()) return server.status();
  daemon->server_ = *std::move(server);
  return daemon;
}

Daemon::~Daemon() { Stop(absl::ZeroDuration()); }

void Daemon::Stop(absl::Duration grace) {
  metrics_server_.reset();  // no scrape reads what is torn down below
  if (metrics_ != nullptr) metrics_->Detach();
  // A backup in progress is abandoned rather than holding up the stop.
  if (backups_ != nullptr) backups_->Cancel();
  // Subscriptions never end by themselves: end them first so the server's
  // shutdown does not wait for them.
  if (hub_ != nullptr) hub_->Shutdown();
  if (server_ != nullptr) server_->Shutdown(grace);
  server_.reset();
  scheduler_.reset();
  if (processor_ != nullptr) processor_->Stop();  // waits for its appends
  // Wakes queries waiting for a position, before the pool runs them out.
  if (projections_ != nullptr) projections_->Stop();
  if (pool_ != nullptr) pool_->Shutdown();  // runs what is queued
  services_.clear();
  backups_.reset();
  processor_.reset();
  projections_.reset();
  hub_.reset();
  pool_.reset();
  log_.reset();  // commits what is queued, flushes and closes RocksDB
}

}  // namespace kamgov::services
