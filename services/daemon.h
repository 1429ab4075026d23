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
#include "services/command_processor.h"
#include "services/deadline_scheduler.h"
#include "services/grpc_server.h"

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

  // Graceful stop: calls in flight get up to `grace` to finish.
  void Stop(absl::Duration grace = absl::Seconds(10));

 private:
  Daemon() = default;

  // Declared in construction order; Stop() tears down in reverse.
  std::unique_ptr<eventstore::RocksEventLog> log_;
  std::unique_ptr<eventstore::ThreadPool> pool_;
  std::unique_ptr<eventstore::SubscriptionHub> hub_;
  std::unique_ptr<CommandProcessor> processor_;
  std::unique_ptr<DeadlineScheduler> scheduler_;
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<GrpcServer> server_;
};

}  // namespace kamgov::services

#endif  // KAMGOV_SERVICES_DAEMON_H_
