#include "services/metrics.h"

#include <exception>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "prometheus/exposer.h"
#include "prometheus/text_serializer.h"
#include "proto/status_details.h"
#include "rocksdb/db.h"
#include "rocksdb/statistics.h"
#include "rocksdb/transaction_log.h"
#include "spdlog/spdlog.h"

namespace kamgov::services {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Histogram;

// Latencies from 100 µs (an fsync on a fast SSD) to 10 s.
const Histogram::BucketBoundaries& SecondsBuckets() {
  static const auto* buckets = new Histogram::BucketBoundaries{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,   0.1,     0.25,   0.5,   1,      2.5,   10};
  return *buckets;
}

Histogram::BucketBoundaries PowersOfTwo(int up_to_exponent) {
  Histogram::BucketBoundaries buckets;
  for (int e = 0; e <= up_to_exponent; ++e) buckets.push_back(1 << e);
  return buckets;
}

Histogram& AddHistogram(prometheus::Registry& registry, const std::string& name,
                        const std::string& help,
                        const Histogram::BucketBoundaries& buckets) {
  return BuildHistogram().Name(name).Help(help).Register(registry).Add({},
                                                                       buckets);
}

prometheus::Counter& AddCounter(prometheus::Registry& registry,
                                const std::string& name,
                                const std::string& help) {
  return BuildCounter().Name(name).Help(help).Register(registry).Add({});
}

prometheus::Gauge& AddGauge(prometheus::Registry& registry,
                            const std::string& name, const std::string& help) {
  return BuildGauge().Name(name).Help(help).Register(registry).Add({});
}

double Seconds(absl::Duration d) { return absl::ToDoubleSeconds(d); }

// One gauge (or counter) family of one unlabelled sample, read at scrape.
void AddPulled(std::vector<prometheus::MetricFamily>& out,
               const std::string& name, const std::string& help,
               prometheus::MetricType type, double value) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = type;
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
  out.push_back(std::move(family));
}

}  // namespace

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      commands_(BuildCounter()
                    .Name("kamgov_commands_total")
                    .Help("Governance commands answered, by command type, "
                          "outcome and the rule id (ErrorInfo.reason) of a "
                          "refusal")
                    .Register(*registry_)),
      command_duration_(AddHistogram(
          *registry_, "kamgov_command_duration_seconds",
          "From a command's arrival at the processor to its answer",
          SecondsBuckets())),
      append_duration_(AddHistogram(
          *registry_, "kamgov_append_duration_seconds",
          "From an append joining the writer's queue to its durable "
          "acknowledgement (accepted appends)",
          SecondsBuckets())),
      group_appends_(AddHistogram(*registry_, "kamgov_commit_group_appends",
                                  "Accepted appends per commit group",
                                  PowersOfTwo(12))),
      group_events_(AddHistogram(*registry_, "kamgov_commit_group_events",
                                 "Events per commit group", PowersOfTwo(14))),
      sync_duration_(
          AddHistogram(*registry_, "kamgov_wal_sync_duration_seconds",
                       "Duration of each WAL fsync", SecondsBuckets())),
      groups_per_sync_(AddHistogram(
          *registry_, "kamgov_wal_sync_groups",
          "Commit groups made durable by one WAL fsync", PowersOfTwo(8))),
      events_appended_(AddCounter(*registry_, "kamgov_events_appended_total",
                                  "Events written to the log (durable once "
                                  "their group's fsync succeeds)")),
      sync_failures_(AddCounter(*registry_, "kamgov_wal_sync_failures_total",
                                "WAL fsyncs that failed")),
      write_failures_(AddCounter(*registry_,
                                 "kamgov_store_write_failures_total",
                                 "WAL writes of a commit group that failed")),
      queue_depth_(AddGauge(*registry_, "kamgov_writer_queue_depth",
                            "Appends waiting for the writer thread")),
      unsynced_groups_(AddGauge(*registry_, "kamgov_writer_unsynced_groups",
                                "Commit groups written to the WAL and "
                                "waiting for their fsync")),
      store_failed_(AddGauge(*registry_, "kamgov_store_failed",
                             "1 once a write or fsync failed: the store "
                             "refuses writes until the server restarts")),
      backups_(BuildCounter()
                   .Name("kamgov_backups_total")
                   .Help("Backups taken through AdminService.Backup, by "
                         "outcome (ok, error)")
                   .Register(*registry_)),
      backup_last_success_(
          AddGauge(*registry_, "kamgov_backup_last_success_timestamp_seconds",
                   "When the last successful backup finished (Unix time)")),
      backup_last_duration_(
          AddGauge(*registry_, "kamgov_backup_last_duration_seconds",
                   "How long the last successful backup took")),
      backup_last_size_(AddGauge(*registry_, "kamgov_backup_last_size_bytes",
                                 "Size of the last successful backup's files")),
      start_time_(AddGauge(*registry_, "kamgov_start_time_seconds",
                           "When this server started (Unix time)")) {
  start_time_.Set(absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch()));
  // Families with labels show from the start, so that a dashboard's query
  // finds them before the first command.
  backups_.Add({{"outcome", "ok"}});
  backups_.Add({{"outcome", "error"}});
}

Metrics::~Metrics() = default;

void Metrics::Attach(const eventstore::RocksEventLog* log,
                     const eventstore::SubscriptionHub* hub,
                     const projections::ProjectionEngine* projections) {
  absl::MutexLock lock(&sources_mu_);
  log_ = log;
  hub_ = hub;
  projections_ = projections;
}

void Metrics::Detach() { Attach(nullptr, nullptr); }

void Metrics::OnQueued() { queue_depth_.Increment(); }

void Metrics::OnDrained(size_t appends) {
  queue_depth_.Decrement(static_cast<double>(appends));
}

void Metrics::OnGroupWritten(size_t appends, size_t events) {
  unsynced_groups_.Increment();
  group_appends_.Observe(static_cast<double>(appends));
  group_events_.Observe(static_cast<double>(events));
  events_appended_.Increment(static_cast<double>(events));
}

void Metrics::OnSynced(size_t groups, absl::Duration duration, bool ok) {
  unsynced_groups_.Decrement(static_cast<double>(groups));
  sync_duration_.Observe(Seconds(duration));
  if (groups > 0) groups_per_sync_.Observe(static_cast<double>(groups));
  if (!ok) {
    sync_failures_.Increment();
    MarkStoreFailed();
  }
}

void Metrics::OnAppendDurable(absl::Duration latency) {
  append_duration_.Observe(Seconds(latency));
}

void Metrics::OnWriteFailed() {
  write_failures_.Increment();
  MarkStoreFailed();
}

void Metrics::MarkStoreFailed() {
  store_failed_.Set(1);
  if (!failure_logged_.exchange(true)) {
    spdlog::error(
        "the event store failed a write or fsync and refuses writes until "
        "kamgovd restarts; check the disk holding --data_dir");
  }
}

absl::string_view Metrics::Outcome(const absl::Status& status, bool replayed) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return replayed ? "replayed" : "accepted";
    case absl::StatusCode::kFailedPrecondition:
      return "rejected";
    case absl::StatusCode::kInvalidArgument:
      return "invalid";
    case absl::StatusCode::kAborted:
      return "conflict";
    case absl::StatusCode::kNotFound:
      return "not_found";
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnauthenticated:
      return "denied";
    case absl::StatusCode::kUnavailable:
      return "unavailable";
    default:
      return "error";
  }
}

void Metrics::OnCommandDone(absl::string_view command,
                            const absl::Status& status, bool replayed,
                            absl::Duration elapsed) {
  const absl::string_view outcome = Outcome(status, replayed);
  std::string rule;
  if (!status.ok()) {
    if (auto info = GetErrorInfo(status); info.has_value()) {
      rule = info->reason();
    }
  }
  commands_
      .Add({{"command", std::string(command)},
            {"outcome", std::string(outcome)},
            {"rule", rule}})
      .Increment();
  command_duration_.Observe(Seconds(elapsed));
  if (status.ok()) return;
  // The command type, rule and code only: messages may quote ids of people.
  if (outcome == "error") {
    spdlog::warn("command {} failed: {}", std::string(command),
                 absl::StatusCodeToString(status.code()));
  } else if (outcome != "unavailable") {
    spdlog::debug("command {} {}: rule {} ({})", std::string(command),
                  std::string(outcome), rule.empty() ? "-" : rule,
                  absl::StatusCodeToString(status.code()));
  }
}

void Metrics::OnBackup(bool ok, absl::Duration duration, uint64_t size_bytes) {
  backups_.Add({{"outcome", ok ? "ok" : "error"}}).Increment();
  if (!ok) return;
  backup_last_success_.Set(
      absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch()));
  backup_last_duration_.Set(Seconds(duration));
  backup_last_size_.Set(static_cast<double>(size_bytes));
}

std::vector<prometheus::MetricFamily> Metrics::Collect() const {
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  absl::MutexLock lock(&sources_mu_);
  CollectPulled(families);
  return families;
}

void Metrics::CollectProjections(
    std::vector<prometheus::MetricFamily>& out) const {
  const uint64_t head = projections_->HeadPosition();
  prometheus::MetricFamily lag;
  lag.name = "kamgov_projection_lag_events";
  lag.help =
      "Durable events a read model has not applied yet (the serving "
      "generation; a rebuild shows in kamgov_projection_rebuild_position)";
  lag.type = prometheus::MetricType::Gauge;
  prometheus::MetricFamily rebuild;
  rebuild.name = "kamgov_projection_rebuild_position";
  rebuild.help = "Position a rebuild in progress has reached";
  rebuild.type = prometheus::MetricType::Gauge;
  prometheus::MetricFamily failed;
  failed.name = "kamgov_projection_failed";
  failed.help = "1 while a read model is stopped on an error (see the log)";
  failed.type = prometheus::MetricType::Gauge;
  for (const projections::ProjectionProgress& p : projections_->Status()) {
    prometheus::ClientMetric metric;
    metric.label.push_back({"projection", p.name});
    metric.gauge.value =
        static_cast<double>(head > p.position ? head - p.position : 0);
    lag.metric.push_back(metric);
    metric.gauge.value = p.error.empty() ? 0 : 1;
    failed.metric.push_back(metric);
    if (p.rebuilding) {
      metric.gauge.value = static_cast<double>(p.rebuild_position);
      rebuild.metric.push_back(std::move(metric));
    }
  }
  out.push_back(std::move(lag));
  out.push_back(std::move(rebuild));
  out.push_back(std::move(failed));
}

void Metrics::CollectPulled(std::vector<prometheus::MetricFamily>& out) const {
  using prometheus::MetricType;
  if (hub_ != nullptr) {
    const eventstore::SubscriptionHub::Stats stats = hub_->GetStats();
    prometheus::MetricFamily active;
    active.name = "kamgov_subscriptions";
    active.help =
        "Open subscriptions, by phase (catch_up reads the disk, "
        "live follows commits)";
    active.type = MetricType::Gauge;
    for (const auto& [phase, count] :
         {std::pair<const char*, size_t>{"catch_up", stats.active - stats.live},
          {"live", stats.live}}) {
      prometheus::ClientMetric metric;
      metric.label.push_back({"phase", phase});
      metric.gauge.value = static_cast<double>(count);
      active.metric.push_back(std::move(metric));
    }
    out.push_back(std::move(active));
    AddPulled(out, "kamgov_subscription_lag_max_events",
              "The largest lag of an open subscription: events committed "
              "past its cursor",
              MetricType::Gauge, static_cast<double>(stats.max_lag));
    AddPulled(out, "kamgov_subscription_lag_events_sum",
              "The lags of all open subscriptions added up (divide by "
              "kamgov_subscriptions for the mean)",
              MetricType::Gauge, static_cast<double>(stats.total_lag));
    AddPulled(out, "kamgov_subscription_buffered_events",
              "Live events buffered for subscribers, all subscribers",
              MetricType::Gauge, static_cast<double>(stats.buffered_events));
    AddPulled(out, "kamgov_subscription_fallbacks_total",
              "Times a live subscriber fell behind and went back to reading "
              "the disk",
              MetricType::Counter, static_cast<double>(stats.fallbacks));
  }
  if (projections_ != nullptr) CollectProjections(out);
  if (log_ == nullptr) return;
  AddPulled(out, "kamgov_log_head_position",
            "The last committed (durable) position of the log",
            MetricType::Gauge,
            static_cast<double>(log_->GetChainHead().position));

  rocksdb::DB* db = log_->rocks_db()->db();
  struct Property {
    const char* property;
    bool aggregated;  // summed over the column families
    const char* name;
    const char* help;
    MetricType type;
  };
  static constexpr Property kProperties[] = {
      {"rocksdb.estimate-pending-compaction-bytes", true,
       "kamgov_rocksdb_pending_compaction_bytes",
       "Bytes compaction would have to rewrite to settle the LSM tree; "
       "RocksDB slows then stops writes as it grows",
       MetricType::Gauge},
      {"rocksdb.compaction-pending", true, "kamgov_rocksdb_compaction_pending",
       "Column families with a compaction pending", MetricType::Gauge},
      {"rocksdb.num-running-compactions", false,
       "kamgov_rocksdb_running_compactions", "Compactions running",
       MetricType::Gauge},
      {"rocksdb.num-running-flushes", false, "kamgov_rocksdb_running_flushes",
       "Memtable flushes running", MetricType::Gauge},
      {"rocksdb.actual-delayed-write-rate", false,
       "kamgov_rocksdb_delayed_write_rate_bytes",
       "The write rate RocksDB currently imposes (bytes per second; 0 when "
       "writes are not delayed)",
       MetricType::Gauge},
      {"rocksdb.is-write-stopped", false, "kamgov_rocksdb_write_stopped",
       "1 while RocksDB stops writes (a write stall)", MetricType::Gauge},
      {"rocksdb.cur-size-all-mem-tables", true, "kamgov_rocksdb_memtable_bytes",
       "Bytes in memtables (active and unflushed immutable)",
       MetricType::Gauge},
      {"rocksdb.live-sst-files-size", true, "kamgov_rocksdb_live_sst_bytes",
       "Bytes of the SST files of the current version", MetricType::Gauge},
      {"rocksdb.estimate-table-readers-mem", true,
       "kamgov_rocksdb_table_readers_bytes",
       "Memory held by open SST files outside the block cache (their index "
       "and filter blocks)",
       MetricType::Gauge},
      {"rocksdb.background-errors", false,
       "kamgov_rocksdb_background_errors_total",
       "Errors in RocksDB's background work (flushes, compactions)",
       MetricType::Counter},
  };
  for (const Property& p : kProperties) {
    uint64_t value = 0;
    const bool ok = p.aggregated
                        ? db->GetAggregatedIntProperty(p.property, &value)
                        : db->GetIntProperty(p.property, &value);
    if (ok) AddPulled(out, p.name, p.help, p.type, static_cast<double>(value));
  }
  // The events column family shares the block cache with the others.
  uint64_t cache_usage = 0;
  if (db->GetIntProperty(log_->rocks_db()->cf(eventstore::Cf::kEvents),
                         "rocksdb.block-cache-usage", &cache_usage)) {
    AddPulled(out, "kamgov_rocksdb_block_cache_bytes",
              "Bytes held by the block cache", MetricType::Gauge,
              static_cast<double>(cache_usage));
  }

  // No property reports the WAL's size in RocksDB 7.8: list the files.
  rocksdb::VectorLogPtr wal_files;
  if (db->GetSortedWalFiles(wal_files).ok()) {
    double bytes = 0;
    double files = 0;
    for (const std::unique_ptr<rocksdb::LogFile>& file : wal_files) {
      if (file->Type() != rocksdb::kAliveLogFile) continue;
      bytes += static_cast<double>(file->SizeFileBytes());
      ++files;
    }
    AddPulled(out, "kamgov_rocksdb_wal_bytes",
              "Bytes of the live write-ahead log files", MetricType::Gauge,
              bytes);
    AddPulled(out, "kamgov_rocksdb_wal_files", "Live write-ahead log files",
              MetricType::Gauge, files);
  }
  if (std::shared_ptr<rocksdb::Statistics> statistics =
          db->GetDBOptions().statistics;
      statistics != nullptr) {
    AddPulled(
        out, "kamgov_rocksdb_write_stall_seconds_total",
        "Time writes spent delayed or stopped by RocksDB", MetricType::Counter,
        static_cast<double>(statistics->getTickerCount(rocksdb::STALL_MICROS)) /
            1e6);
  }
}

std::string Metrics::ScrapeText() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, Collect());
  return out.str();
}

MetricsServer::MetricsServer(std::unique_ptr<prometheus::Exposer> exposer,
                             std::shared_ptr<Metrics> metrics, int port)
    : exposer_(std::move(exposer)), metrics_(std::move(metrics)), port_(port) {}

MetricsServer::~MetricsServer() {
  exposer_.reset();  // stops civetweb: no scrape runs after this
}

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const std::string& listen, std::shared_ptr<Metrics> metrics) {
  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    // civetweb threads: one scrape at a time is all Prometheus needs; a
    // second lets a slow client not block it.
    exposer = std::make_unique<prometheus::Exposer>(listen, 2);
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat(
        "cannot serve metrics on --metrics_listen=", listen, ": ", e.what()));
  }
  std::vector<int> ports = exposer->GetListeningPorts();
  if (ports.empty()) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on --metrics_listen=", listen));
  }
  exposer->RegisterCollectable(metrics);
  return std::unique_ptr<MetricsServer>(
      new MetricsServer(std::move(exposer), std::move(metrics), ports[0]));
}

}  // namespace kamgov::services
