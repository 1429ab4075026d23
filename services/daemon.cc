#include "services/daemon.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"

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
  absl::StatusOr<std::unique_ptr<eventstore::RocksEventLog>> log =
      eventstore::RocksEventLog::Open(std::move(log_options));
  if (!log.ok()) return log.status();
  daemon->log_ = *std::move(log);

  std::vector<grpc::Service*> services;
  for (const auto& service : daemon->services_) services.push_back(service.get());
  absl::StatusOr<std::unique_ptr<GrpcServer>> server =
      GrpcServer::Start(options.server, services);
  if (!server.ok()) return server.status();
  daemon->server_ = *std::move(server);
  return daemon;
}

Daemon::~Daemon() { Stop(absl::ZeroDuration()); }

void Daemon::Stop(absl::Duration grace) {
  if (server_ != nullptr) server_->Shutdown(grace);
  server_.reset();
  services_.clear();
  log_.reset();  // commits what is queued, flushes and closes RocksDB
}

}  // namespace kamgov::services
