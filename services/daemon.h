#ifndef KAMGOV_SERVICES_DAEMON_H_
#define KAMGOV_SERVICES_DAEMON_H_

#include <grpcpp/impl/codegen/service_type.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "eventstore/rocks_event_log.h"
#include "eventstore/subscription_hub.h"
#include "eventstore/thread_pool.h"
#include "projections/engine.h"
#include "services/admin_service.h"
#include "services/backup.h"
#include "services/command_processor.h"
#include "services/deadline_scheduler.h"
#include "services/event_stream_service.h"
#include "services/grpc_server.h"
#include "services/metrics.h"
#include "services/query_service.h"

namespace kamgov::services {

struct DaemonOptions {
  GrpcServerOptions server;
  // Data directory; the event log lives in its log/ subdirectory.
  std::string data_dir = "./data";
  eventstore::SubscriptionOptions subscriptions;
  // Threads for disk reads and subscription delivery.
  int io_threads = 2;
  ProcessorOptions processor;
  // The one clock of the service (µs since the epoch): recorded_at and the
  // decisions' "now". The system clock when empty; tests inject a fake.
  std::function<int64_t()> clock_us;
  // How often the ⚙ deadline events are recorded; zero disables.
  absl::Duration scheduler_interval = absl::Minutes(10);

  // Operations (docs/operations.md). Limits of each append to the store.
  eventstore::AppendLimits append_limits;
  size_t block_cache_bytes = 64 << 20;
  // Page sizes of ReadStream and ReadAll.
  ReadLimits read_limits;
  // host:port of the Prometheus /metrics listener; empty disables it
  // (kamgovd's default is 127.0.0.1:9464).
  std::string metrics_listen;
  // When false, failing to listen on metrics_listen only logs a warning:
  // kamgovd's built-in default must not stop a server whose operator never
  // asked for metrics there (another kamgovd may hold the port).
  bool metrics_listen_required = true;
  AdminOptions admin;
  BackupOptions backup;
  // The read models (projections/); their RocksDB lives in data_dir's
  // readmodels/ subdirectory. `path` is set by the daemon.
  projections::EngineOptions projections;
  QueryLimits query_limits;
  // Before opening the store: restore the newest backup of this directory
  // into data_dir (which must be empty unless restore_overwrite), then
  // verify the restored hash chain.
  std::string restore_from;
  bool restore_overwrite = false;
  // The backup to restore; 0 is the newest.
  uint32_t restore_backup_id = 0;
};

// kamgovd's composition root: opens the event store, builds the services
// over it and starts the gRPC server. kamgovd and the integration tests start
// the service the same way, through this class.
//
// Stop() (or destruction) stops accepting calls, lets calls in flight finish,
// then flushes and closes the store. Start and Stop are called from one
// thread; the services run on gRPC's threads.
class Daemon {
 public:
  // Errors from opening the store (UNAVAILABLE, FAILED_PRECONDITION) or from
  // starting the server (a refused address, a port in use).
  static absl::StatusOr<std::unique_ptr<Daemon>> Start(DaemonOptions options);

  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  int port() const { return server_->port(); }
  eventstore::RocksEventLog& log() { return *log_; }
  eventstore::SubscriptionHub& hub() { return *hub_; }
  CommandProcessor& processor() { return *processor_; }
  projections::ProjectionEngine& projections() { return *projections_; }
  Metrics& metrics() { return *metrics_; }
  // The /metrics port; 0 when metrics_listen is empty.
  int metrics_port() const {
    return metrics_server_ != nullptr ? metrics_server_->port() : 0;
  }

  // Graceful stop: calls in flight get up to `grace` to finish.
  void Stop(absl::Duration grace = absl::Seconds(10));

 private:
  Daemon() = default;

  // Declared in construction order; Stop() tears down in reverse.
  std::shared_ptr<Metrics> metrics_;  // observes the log and the processor
  std::unique_ptr<eventstore::RocksEventLog> log_;
  std::unique_ptr<eventstore::ThreadPool> pool_;
  std::unique_ptr<eventstore::SubscriptionHub> hub_;
  std::unique_ptr<projections::ProjectionEngine> projections_;
  std::unique_ptr<CommandProcessor> processor_;
  std::unique_ptr<DeadlineScheduler> scheduler_;
  std::unique_ptr<BackupTaker> backups_;
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<MetricsServer> metrics_server_;
};

}  // namespace kamgov::services

#endif  // KAMGOV_SERVICES_DAEMON_H_
