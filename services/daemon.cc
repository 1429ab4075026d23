#include "services/daemon.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "services/event_stream_service.h"
#include "services/governance_service.h"

namespace kamgov::services {

absl::StatusOr<std::unique_ptr<Daemon>> Daemon::Start(DaemonOptions options) {
  std::error_code error;
  std::filesystem::create_directories(options.data_dir, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat(
        "cannot create --data_dir=", options.data_dir, ": ", error.message()));
  }
  std::unique_ptr<Daemon> daemon(new Daemon());
  eventstore::RocksEventLogOptions log_options;
  log_options.path = (std::filesystem::path(options.data_dir) / "log").string();
  log_options.clock_us = options.clock_us;
  absl::StatusOr<std::unique_ptr<eventstore::RocksEventLog>> log =
      eventstore::RocksEventLog::Open(std::move(log_options));
  if (!log.ok()) return log.status();
  daemon->log_ = *std::move(log);
  daemon->pool_ = std::make_unique<eventstore::ThreadPool>(options.io_threads);
  daemon->hub_ = std::make_unique<eventstore::SubscriptionHub>(
      daemon->log_.get(), daemon->pool_.get(), options.subscriptions);
  daemon->processor_ =
      std::make_unique<CommandProcessor>(daemon->log_.get(), options.processor);
  if (options.scheduler_interval > absl::ZeroDuration()) {
    daemon->scheduler_ = std::make_unique<DeadlineScheduler>(
        daemon->processor_.get(), options.scheduler_interval);
  }
  daemon->services_.push_back(
      std::make_unique<GovernanceService>(daemon->processor_.get()));
  daemon->services_.push_back(std::make_unique<EventStreamService>(
      daemon->log_.get(), daemon->hub_.get(), daemon->pool_.get()));

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
  // Subscriptions never end by themselves: end them first so the server's
  // shutdown does not wait for them.
  if (hub_ != nullptr) hub_->Shutdown();
  if (server_ != nullptr) server_->Shutdown(grace);
  server_.reset();
  scheduler_.reset();
  if (processor_ != nullptr) processor_->Stop();  // waits for its appends
  if (pool_ != nullptr) pool_->Shutdown();        // runs what is queued
  services_.clear();
  processor_.reset();
  hub_.reset();
  pool_.reset();
  log_.reset();  // commits what is queued, flushes and closes RocksDB
}

}  // namespace kamgov::services
