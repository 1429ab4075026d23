// Scenario `append` (issue 3, "Measure and report"): durable appends to the
// RocksDB event log against raw RocksDB sync writes, measured in the same
// run, on the same file system, with the same options and thread counts.
//
// For each appender count N (--append_appenders, default 1, 8, 64):
//   kamgov  N threads, each AppendAndWait() of one event (~300 B main part,
//           one tag) to one of its own streams, ExpectedVersion::Any, with
//           a command id (every command of the service carries one);
//   raw     N threads, each a sync Put of a 300 B value.
// Then one thread keeping --append_in_flight appends outstanding through
// the asynchronous Append (the way the command processor submits), against
// raw sync Puts from as many threads.
// Then for each --append_batch_appenders count: appends of 100 events
// against raw sync WriteBatches of 100 x 300 B puts.
//
// Each comparison opens both databases in fresh directories (removed after)
// and alternates slices of load between them, kamgov-raw-raw-kamgov-...,
// so that the disk's and the machine's drift (other work on the shared
// machine) falls on both sides alike. WAL syncs are counted with RocksDB's
// WAL_FILE_SYNCED ticker.

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/load.h"
#include "bench/raw_rocksdb.h"
#include "bench/scenario.h"
#include "eventstore/rocks_event_log.h"
#include "rocksdb/statistics.h"
#include "rocksdb/write_batch.h"

ABSL_FLAG(std::vector<std::string>, append_appenders,
          std::vector<std::string>({"1", "8", "64"}),
          "append: counts of concurrent appenders (threads) of 1 event.");
ABSL_FLAG(int, append_in_flight, 64,
          "append: appends kept in flight by one thread through the async "
          "Append; 0 skips this measurement.");
ABSL_FLAG(std::vector<std::string>, append_batch_appenders,
          std::vector<std::string>({"1", "8"}),
          "append: counts of concurrent appenders of batches.");
ABSL_FLAG(int, append_batch_size, 100, "append: events per batched append.");
ABSL_FLAG(int, append_event_bytes, 300,
          "append: bytes of each event's main part (and raw value).");
ABSL_FLAG(int, append_streams_per_appender, 100,
          "append: streams each appender spreads its appends over.");
ABSL_FLAG(bool, append_command_ids, true,
          "append: give every append a command id (idempotency key), as the "
          "service does.");
ABSL_FLAG(std::string, append_only, "",
          "append: run only this side, kamgov or raw, and print its progress "
          "lines without figures (for profiling, e.g. under perf).");
ABSL_FLAG(int, append_slices, 0,
          "append: slices each side's measurement is cut into, alternating "
          "with the other side; 0 means 2 with --quick, 5 otherwise.");

namespace kamgov::bench {
namespace {

using eventstore::AppendRequest;
using eventstore::ExpectedVersion;
using eventstore::RocksEventLog;
using eventstore::RocksEventLogOptions;

// Issue 3's targets on the project's 2-core machines.
constexpr double kTargetAppendersRatio = 2.0;  // 64 appenders vs raw puts
constexpr int kTargetAppenders = 64;
constexpr double kTargetBatchRatio = 0.8;  // batches vs raw WriteBatch

std::string BE(uint64_t v, int bytes) {
  std::string out(bytes, '\0');
  for (int i = bytes - 1; i >= 0; --i, v >>= 8) {
    out[i] = static_cast<char>(v & 0xff);
  }
  return out;
}

absl::StatusOr<std::vector<int>> ParseCounts(
    const std::vector<std::string>& values, absl::string_view flag) {
  std::vector<int> counts;
  for (const std::string& v : values) {
    int n = 0;
    if (!absl::SimpleAtoi(v, &n) || n < 1 || n > 4096) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--", flag, ": '", v, "' is not a count between 1 and 4096"));
    }
    counts.push_back(n);
  }
  return counts;
}

// What both sides write: incompressible payloads (compression must not
// flatter either side) and kamgov's requests. Immutable once made.
class Workload {
 public:
  Workload(int event_bytes, int streams_per_appender, bool command_ids)
      : streams_per_appender_(streams_per_appender), command_ids_(command_ids) {
    absl::BitGen gen;
    for (int i = 0; i < 64; ++i) {
      std::string p(event_bytes, '\0');
      for (char& c : p) c = static_cast<char>(absl::Uniform<uint8_t>(gen));
      payloads_.push_back(std::move(p));
    }
  }

  const std::string& Payload(uint64_t i) const {
    return payloads_[i % payloads_.size()];
  }

  // `slice` keeps command ids unique across slices, whose seq restart at 0.
  AppendRequest MakeRequest(uint64_t slice, int thread, uint64_t seq,
                            int events) const {
    AppendRequest request;
    request.principal = "kamgov-bench";
    if (command_ids_) {
      request.command_id = absl::StrCat("bench-", slice, "-", thread, "-", seq);
      request.fingerprint = "bench";
    }
    const uint64_t stream = seq % streams_per_appender_;
    eventstore::StreamAppend& append = request.streams.emplace_back();
    append.stream_id = absl::StrCat("account-", thread, "-", stream);
    append.expected = ExpectedVersion::Any();
    append.events.resize(events);
    for (int i = 0; i < events; ++i) {
      eventstore::NewEvent& event = append.events[i];
      event.type = "BenchEventRecorded";
      event.tags = {absl::StrCat("account:", thread, "-", stream)};
      event.main = Payload(seq * events + i);
    }
    return request;
  }

 private:
  std::vector<std::string> payloads_;
  const uint64_t streams_per_appender_;
  const bool command_ids_;
};

// One side of a comparison: a database open in its own directory and the
// load it runs, one slice at a time. Used by one thread (the scenario's);
// RunSlice starts and joins the load's threads itself.
class Side {
 public:
  virtual ~Side() = default;
  virtual absl::StatusOr<LoadResult> RunSlice(LoadOptions options) = 0;
  // After the last slice, given the sum of all slices.
  virtual absl::Status Check(const LoadResult&) { return absl::OkStatus(); }

  double FsyncAvgUs() const {
    rocksdb::HistogramData sync_micros;
    statistics_->histogramData(rocksdb::WAL_FILE_SYNC_MICROS, &sync_micros);
    return sync_micros.average;
  }
  // WAL bytes per event written (warm-ups included): what each event costs
  // in disk bandwidth.
  double WalBytesPerEvent() const {
    const uint64_t events = EventsWritten();
    return events > 0 ? static_cast<double>(statistics_->getTickerCount(
                            rocksdb::WAL_FILE_BYTES)) /
                            events
                      : 0;
  }
  virtual uint64_t EventsWritten() const = 0;

 protected:
  // The WAL syncs so far.
  uint64_t Syncs() const {
    return statistics_->getTickerCount(rocksdb::WAL_FILE_SYNCED);
  }
  LoadOptions WithSyncCounter(LoadOptions options) const {
    options.counter = [this] { return Syncs(); };
    return options;
  }

  std::shared_ptr<rocksdb::Statistics> statistics_ =
      rocksdb::CreateDBStatistics();
  uint64_t slice_ = 0;
};

class KamgovSide final : public Side {
 public:
  // `threads` threads of AppendAndWait, or (in_flight > 0) one thread
  // keeping `in_flight` async appends outstanding.
  static absl::StatusOr<std::unique_ptr<KamgovSide>> Open(
      const ScenarioContext& context, const std::string& label,
      const Workload& workload, int threads, int in_flight, int events) {
    absl::StatusOr<std::unique_ptr<ScopedDir>> dir = ScopedDir::Create(
        context.data_dir, "kamgov-" + label, context.keep_data);
    if (!dir.ok()) return dir.status();
    std::unique_ptr<KamgovSide> side(
        new KamgovSide(workload, threads, in_flight, events));
    side->dir_ = *std::move(dir);
    RocksEventLogOptions options;
    options.path = side->dir_->path();
    options.statistics = side->statistics_;
    absl::StatusOr<std::unique_ptr<RocksEventLog>> log =
        RocksEventLog::Open(std::move(options));
    if (!log.ok()) return log.status();
    side->log_ = *std::move(log);
    return side;
  }

  absl::StatusOr<LoadResult> RunSlice(LoadOptions options) override {
    const uint64_t slice = slice_++;
    options = WithSyncCounter(options);
    options.items_per_op = events_;
    if (in_flight_ > 0) {
      return RunInFlight(
          options, in_flight_,
          [&](uint64_t seq, absl::AnyInvocable<void(absl::Status)> done) {
            log_->Append(
                workload_.MakeRequest(slice, 0, seq, events_),
                [done = std::move(done)](
                    absl::StatusOr<eventstore::AppendResult> r) mutable {
                  done(r.status());
                });
          });
    }
    return RunThreads(options, threads_, [&](int thread, uint64_t seq) {
      return log_
          ->AppendAndWait(workload_.MakeRequest(slice, thread, seq, events_))
          .status();
    });
  }

  absl::Status Check(const LoadResult& total) override {
    // The log holds at least what was acknowledged inside the windows.
    const uint64_t head = log_->GetChainHead().position;
    if (head < total.ops * events_) {
      return absl::InternalError(
          absl::StrCat("kamgov acknowledged ", total.ops * events_,
                       " events but its head is at ", head));
    }
    return absl::OkStatus();
  }

  uint64_t EventsWritten() const override {
    return log_->GetChainHead().position;
  }

 private:
  KamgovSide(const Workload& workload, int threads, int in_flight, int events)
      : workload_(workload),
        threads_(threads),
        in_flight_(in_flight),
        events_(events) {}

  const Workload& workload_;
  const int threads_;
  const int in_flight_;
  const int events_;
  // Declared before log_: the log closes before its directory goes.
  std::unique_ptr<ScopedDir> dir_;
  std::unique_ptr<RocksEventLog> log_;
};

class RawSide final : public Side {
 public:
  // `threads` threads of sync Put (batch == 1) or sync WriteBatch.
  static absl::StatusOr<std::unique_ptr<RawSide>> Open(
      const ScenarioContext& context, const std::string& label,
      const Workload& workload, int threads, int batch) {
    absl::StatusOr<std::unique_ptr<ScopedDir>> dir =
        ScopedDir::Create(context.data_dir, "raw-" + label, context.keep_data);
    if (!dir.ok()) return dir.status();
    std::unique_ptr<RawSide> side(new RawSide(workload, threads, batch));
    side->dir_ = *std::move(dir);
    absl::StatusOr<std::unique_ptr<RawRocksDb>> db =
        RawRocksDb::Open(side->dir_->path(), side->statistics_);
    if (!db.ok()) return db.status();
    side->db_ = *std::move(db);
    return side;
  }

  absl::StatusOr<LoadResult> RunSlice(LoadOptions options) override {
    const uint64_t slice = slice_++;
    options = WithSyncCounter(options);
    options.items_per_op = batch_;
    // Keys: BE16(slice) BE16(thread) BE64(seq) [BE32(i)], ordered like the
    // store's position keys within a thread.
    return RunThreads(options, threads_, [&](int thread, uint64_t seq) {
      const std::string prefix = BE(slice, 2) + BE(thread, 2) + BE(seq, 8);
      absl::Status written;
      if (batch_ == 1) {
        written = db_->Put(prefix, workload_.Payload(seq), /*sync=*/true);
      } else {
        rocksdb::WriteBatch write_batch;
        for (int i = 0; i < batch_; ++i) {
          const std::string key = prefix + BE(i, 4);
          const std::string& value = workload_.Payload(seq * batch_ + i);
          write_batch.Put(key, rocksdb::Slice(value.data(), value.size()));
        }
        written = db_->Write(&write_batch, /*sync=*/true);
      }
      if (written.ok()) events_written_.fetch_add(batch_);
      return written;
    });
  }

  uint64_t EventsWritten() const override { return events_written_.load(); }

 private:
  RawSide(const Workload& workload, int threads, int batch)
      : workload_(workload), threads_(threads), batch_(batch) {}

  const Workload& workload_;
  const int threads_;
  const int batch_;
  std::atomic<uint64_t> events_written_{0};
  std::unique_ptr<ScopedDir> dir_;
  std::unique_ptr<RawRocksDb> db_;
};

struct Pair {
  std::optional<LoadResult> kamgov;
  std::optional<LoadResult> raw;
};

// Runs `slices` slices on each side, in the order k r r k k r ..., each
// slice measuring duration / slices after a warm-up (the full one before a
// side's first slice, a short one after that to refill the pipeline). A
// null side is skipped (--append_only) and its result left empty.
absl::StatusOr<Pair> Compare(const ScenarioContext& context, int slices,
                             const std::string& label, Side* kamgov,
                             Side* raw) {
  LoadOptions first, next;
  first.duration = next.duration = context.duration / slices;
  first.warmup = context.warmup;
  next.warmup = std::min(context.warmup, absl::Milliseconds(100));
  std::optional<LoadResult> sums[2];
  Side* sides[2] = {kamgov, raw};
  for (int s = 0; s < slices; ++s) {
    for (int j = 0; j < 2; ++j) {
      const int which = s % 2 == 0 ? j : 1 - j;
      if (sides[which] == nullptr) continue;
      absl::StatusOr<LoadResult> r =
          sides[which]->RunSlice(sums[which].has_value() ? next : first);
      if (!r.ok()) return r.status();
      sums[which] =
          sums[which].has_value() ? Merge(*sums[which], *r) : *std::move(r);
    }
  }
  if (kamgov != nullptr) {
    if (absl::Status ok = kamgov->Check(*sums[0]); !ok.ok()) return ok;
  }
  for (int which = 0; which < 2; ++which) {
    if (sides[which] == nullptr) continue;
    const LoadResult& r = *sums[which];
    context.progress(absl::StrFormat(
        "%-6s %-22s %7.0f events/s %6.1f events/fsync  p99 %6.0f us  "
        "fsync avg %5.0f us  %4.0f WAL B/event  cpu %5.1f us/event",
        which == 0 ? "kamgov" : "raw", label, r.items_per_s(),
        r.items_per_count(), r.latency.p99_us, sides[which]->FsyncAvgUs(),
        sides[which]->WalBytesPerEvent(), r.cpu_us_per_item()));
  }
  return Pair{std::move(sums[0]), std::move(sums[1])};
}

class AppendScenario : public Scenario {
 public:
  std::string name() const override { return "append"; }
  std::string description() const override {
    return "durable appends/s (1, 8, 64 appenders; batches of 100) against "
           "raw RocksDB sync Put / WriteBatch, and events per fsync";
  }

  absl::Status Run(const ScenarioContext& context) override;

 private:
  void Emit(const ScenarioContext& context, const std::string& suffix,
            const LoadResult& kamgov, const LoadResult& raw,
            int events_per_append, int threads, const std::string& raw_label,
            std::optional<Target> target) const;
};

void AppendScenario::Emit(const ScenarioContext& context,
                          const std::string& suffix, const LoadResult& kamgov,
                          const LoadResult& raw, int events_per_append,
                          int threads, const std::string& raw_label,
                          std::optional<Target> target) const {
  auto figure = [&](std::string metric, double value, std::string unit,
                    double baseline, std::string label) {
    Figure f;
    f.scenario = name();
    f.metric = absl::StrCat(metric, "_", suffix);
    f.value = value;
    f.unit = std::move(unit);
    f.baseline = baseline;
    f.baseline_label = std::move(label);
    return f;
  };
  const std::string raw_what = absl::StrCat(
      raw_label, ", ", threads, threads == 1 ? " thread" : " threads");
  Figure throughput = events_per_append == 1
                          ? figure("durable_appends_per_s", kamgov.ops_per_s(),
                                   "appends/s", raw.ops_per_s(), raw_what)
                          : figure("durable_events_per_s", kamgov.items_per_s(),
                                   "events/s", raw.items_per_s(), raw_what);
  throughput.target = std::move(target);
  context.emit(std::move(throughput));
  context.emit(figure("events_per_fsync", kamgov.items_per_count(),
                      "events/fsync", raw.items_per_count(),
                      "raw, same threads: events per WAL sync"));
  context.emit(figure("append_p99_us", kamgov.latency.p99_us, "us",
                      raw.latency.p99_us,
                      "raw, same threads: p99 of one write"));
  context.emit(figure("cpu_us_per_event", kamgov.cpu_us_per_item(), "us",
                      raw.cpu_us_per_item(),
                      "raw, same threads: process CPU per event"));
}

absl::Status AppendScenario::Run(const ScenarioContext& context) {
  absl::StatusOr<std::vector<int>> appenders =
      ParseCounts(absl::GetFlag(FLAGS_append_appenders), "append_appenders");
  if (!appenders.ok()) return appenders.status();
  absl::StatusOr<std::vector<int>> batch_appenders = ParseCounts(
      absl::GetFlag(FLAGS_append_batch_appenders), "append_batch_appenders");
  if (!batch_appenders.ok()) return batch_appenders.status();
  const int batch = absl::GetFlag(FLAGS_append_batch_size);
  const int event_bytes = absl::GetFlag(FLAGS_append_event_bytes);
  const int in_flight = absl::GetFlag(FLAGS_append_in_flight);
  const int streams = absl::GetFlag(FLAGS_append_streams_per_appender);
  int slices = absl::GetFlag(FLAGS_append_slices);
  if (slices <= 0) slices = context.quick ? 2 : 5;
  const std::string only = absl::GetFlag(FLAGS_append_only);
  if (!only.empty() && only != "kamgov" && only != "raw") {
    return absl::InvalidArgumentError("--append_only: kamgov, raw or empty");
  }
  if (batch < 1 || event_bytes < 1 || in_flight < 0 || streams < 1) {
    return absl::InvalidArgumentError(
        "--append_batch_size, --append_event_bytes and "
        "--append_streams_per_appender must be positive, "
        "--append_in_flight not negative");
  }
  const Workload workload(event_bytes, streams,
                          absl::GetFlag(FLAGS_append_command_ids));
  const std::string put_label =
      absl::StrCat("raw sync Put of ", event_bytes, " B");

  // Opens both sides, compares them, emits; the databases close and their
  // directories go before the next comparison starts.
  auto compare = [&](const std::string& label, int kamgov_threads,
                     int kamgov_in_flight, int raw_threads, int events,
                     const std::string& raw_label,
                     std::optional<Target> target) -> absl::Status {
    std::unique_ptr<KamgovSide> k;
    std::unique_ptr<RawSide> r;
    if (only != "raw") {
      absl::StatusOr<std::unique_ptr<KamgovSide>> opened = KamgovSide::Open(
          context, label, workload, kamgov_threads, kamgov_in_flight, events);
      if (!opened.ok()) return opened.status();
      k = *std::move(opened);
    }
    if (only != "kamgov") {
      absl::StatusOr<std::unique_ptr<RawSide>> opened =
          RawSide::Open(context, label, workload, raw_threads, events);
      if (!opened.ok()) return opened.status();
      r = *std::move(opened);
    }
    absl::StatusOr<Pair> pair =
        Compare(context, slices, label, k.get(), r.get());
    if (!pair.ok()) return pair.status();
    if (pair->kamgov.has_value() && pair->raw.has_value()) {
      Emit(context, label, *pair->kamgov, *pair->raw, events, raw_threads,
           raw_label, std::move(target));
    }
    return absl::OkStatus();
  };

  for (int n : *appenders) {
    std::optional<Target> target;
    if (n == kTargetAppenders) {
      target = Target{Target::Of::kRatio, Target::Cmp::kAtLeast,
                      kTargetAppendersRatio, "issue 3"};
    }
    absl::Status s =
        compare(absl::StrCat(n, n == 1 ? "_appender" : "_appenders"), n, 0, n,
                1, put_label, target);
    if (!s.ok()) return s;
  }
  if (in_flight > 0) {
    absl::Status s = compare(absl::StrCat(in_flight, "_in_flight_async"), 1,
                             in_flight, in_flight, 1, put_label, std::nullopt);
    if (!s.ok()) return s;
  }
  for (int n : *batch_appenders) {
    absl::Status s = compare(absl::StrCat("batch", batch, "_", n,
                                          n == 1 ? "_appender" : "_appenders"),
                             n, 0, n, batch,
                             absl::StrCat("raw sync WriteBatch of ", batch,
                                          " x ", event_bytes, " B"),
                             Target{Target::Of::kRatio, Target::Cmp::kAtLeast,
                                    kTargetBatchRatio, "issue 3"});
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

KAMGOV_REGISTER_SCENARIO("append", AppendScenario);

}  // namespace
}  // namespace kamgov::bench
