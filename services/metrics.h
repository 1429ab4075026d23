#ifndef KAMGOV_SERVICES_METRICS_H_
#define KAMGOV_SERVICES_METRICS_H_

// kamgovd's Prometheus metrics (docs/metrics.md lists every one) and the
// HTTP listener that serves them.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "eventstore/group_commit_writer.h"
#include "eventstore/rocks_event_log.h"
#include "eventstore/subscription_hub.h"
#include "projections/engine.h"
#include "prometheus/collectable.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "services/command_processor.h"

namespace prometheus {
class Exposer;
}

namespace kamgov::services {

// Counts and times what the server does, and logs what deserves a person's
// attention (a rejected command at debug level with its rule id, a failed
// store write at error level). It observes the store's writer and the
// command processor (push: counters and histograms), and reads the log's
// head, the subscription hub, the projections' positions and RocksDB's
// properties when scraped (pull, through Attach()).
//
// Contract: every method is thread-safe. The observer methods are quick (a
// few atomic or briefly locked updates, no I/O) as their callers require.
// Collect() may run on any thread while the server works; Detach() waits
// for a Collect() in progress, after which the attached objects may be
// destroyed. Nothing logged names a person, a principal or a payload: only
// command types, rule ids and status codes.
class Metrics final : public prometheus::Collectable,
                      public eventstore::WriterObserver,
                      public CommandObserver {
 public:
  Metrics();
  ~Metrics() override;
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // The sources of the figures read at scrape time (not owned; either may
  // be null). They must stay valid until Detach() returns.
  void Attach(const eventstore::RocksEventLog* log,
              const eventstore::SubscriptionHub* hub,
              const projections::ProjectionEngine* projections = nullptr);
  void Detach();

  // eventstore::WriterObserver.
  void OnQueued() override;
  void OnDrained(size_t appends) override;
  void OnGroupWritten(size_t appends, size_t events) override;
  void OnSynced(size_t groups, absl::Duration duration, bool ok) override;
  void OnAppendDurable(absl::Duration latency) override;
  void OnWriteFailed() override;

  // CommandObserver.
  void OnCommandDone(absl::string_view command, const absl::Status& status,
                     bool replayed, absl::Duration elapsed) override;

  // A backup finished (services/backup.h).
  void OnBackup(bool ok, absl::Duration duration, uint64_t size_bytes);

  // prometheus::Collectable: the registry's families plus the pulled ones.
  std::vector<prometheus::MetricFamily> Collect() const override;

  // What /metrics serves: the text exposition format, version 0.0.4.
  std::string ScrapeText() const;

  // The outcome label of a command's answer: accepted, replayed, rejected
  // (a governance rule), invalid, conflict, not_found, denied, unavailable
  // or error.
  static absl::string_view Outcome(const absl::Status& status, bool replayed);

 private:
  void MarkStoreFailed();
  void CollectPulled(std::vector<prometheus::MetricFamily>& out) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(sources_mu_);
  void CollectProjections(std::vector<prometheus::MetricFamily>& out) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(sources_mu_);

  std::shared_ptr<prometheus::Registry> registry_;

  prometheus::Family<prometheus::Counter>& commands_;
  prometheus::Histogram& command_duration_;
  prometheus::Histogram& append_duration_;
  prometheus::Histogram& group_appends_;
  prometheus::Histogram& group_events_;
  prometheus::Histogram& sync_duration_;
  prometheus::Histogram& groups_per_sync_;
  prometheus::Counter& events_appended_;
  prometheus::Counter& sync_failures_;
  prometheus::Counter& write_failures_;
  prometheus::Gauge& queue_depth_;
  prometheus::Gauge& unsynced_groups_;
  prometheus::Gauge& store_failed_;
  prometheus::Family<prometheus::Counter>& backups_;
  prometheus::Gauge& backup_last_success_;
  prometheus::Gauge& backup_last_duration_;
  prometheus::Gauge& backup_last_size_;
  prometheus::Gauge& start_time_;

  // Logs the store failure once.
  std::atomic<bool> failure_logged_{false};

  mutable absl::Mutex sources_mu_;
  const eventstore::RocksEventLog* log_ ABSL_GUARDED_BY(sources_mu_) = nullptr;
  const eventstore::SubscriptionHub* hub_ ABSL_GUARDED_BY(sources_mu_) =
      nullptr;
  const projections::ProjectionEngine* projections_
      ABSL_GUARDED_BY(sources_mu_) = nullptr;
};

// The HTTP listener serving GET /metrics (civetweb, through prometheus-cpp's
// Exposer) on its own threads, apart from the gRPC port. Destruction stops
// it and waits for scrapes in progress. The metrics are shared so that a
// scrape never outlives them.
class MetricsServer {
 public:
  // `listen` is host:port ("127.0.0.1:9464"; port 0 picks a free one).
  // UNAVAILABLE when it cannot listen there.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(
      const std::string& listen, std::shared_ptr<Metrics> metrics);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // The bound port.
  int port() const { return port_; }

 private:
  MetricsServer(std::unique_ptr<prometheus::Exposer> exposer,
                std::shared_ptr<Metrics> metrics, int port);

  std::unique_ptr<prometheus::Exposer> exposer_;
  std::shared_ptr<Metrics> metrics_;
  int port_;
};

}  // namespace kamgov::services

#endif  // KAMGOV_SERVICES_METRICS_H_
