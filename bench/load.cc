#include "bench/load.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace kamgov::bench {
namespace {

enum Phase : int { kWarmup = 0, kMeasure = 1, kStop = 2 };

double ProcessCpuSeconds() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// `nanos` must be sorted.
LatencySummary Summarize(const std::vector<int64_t>& nanos) {
  LatencySummary summary;
  summary.samples = nanos.size();
  if (nanos.empty()) return summary;
  auto at = [&](double q) {
    size_t i = static_cast<size_t>(q * static_cast<double>(nanos.size()));
    return nanos[std::min(i, nanos.size() - 1)] / 1e3;
  };
  summary.p50_us = at(0.50);
  summary.p99_us = at(0.99);
  summary.p999_us = at(0.999);
  summary.max_us = nanos.back() / 1e3;
  return summary;
}

// The first error of a run; later ones are dropped.
class FirstError {
 public:
  void Set(absl::Status status) {
    absl::MutexLock lock(&mu_);
    if (status_.ok()) status_ = std::move(status);
    failed_.store(true, std::memory_order_release);
  }
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  absl::Status Get() const {
    absl::MutexLock lock(&mu_);
    return status_;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> failed_{false};
};

}  // namespace

LoadResult Merge(const LoadResult& a, const LoadResult& b) {
  LoadResult merged;
  merged.items_per_op = a.items_per_op;
  merged.ops = a.ops + b.ops;
  merged.seconds = a.seconds + b.seconds;
  merged.counter_delta = a.counter_delta + b.counter_delta;
  merged.cpu_seconds = a.cpu_seconds + b.cpu_seconds;
  merged.latency_ns.resize(a.latency_ns.size() + b.latency_ns.size());
  std::merge(a.latency_ns.begin(), a.latency_ns.end(), b.latency_ns.begin(),
             b.latency_ns.end(), merged.latency_ns.begin());
  merged.latency = Summarize(merged.latency_ns);
  return merged;
}

absl::StatusOr<LoadResult> RunThreads(const LoadOptions& options, int threads,
                                      const SyncOp& op) {
  std::atomic<int> phase{kWarmup};
  std::atomic<uint64_t> completed{0};
  FirstError error;
  absl::Notification failed;
  std::vector<std::vector<int64_t>> latencies(threads);

  std::vector<std::thread> workers;
  workers.reserve(threads);
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::vector<int64_t>& mine = latencies[t];
      for (uint64_t seq = 0; phase.load(std::memory_order_relaxed) != kStop;
           ++seq) {
        const absl::Time start = absl::Now();
        absl::Status status = op(t, seq);
        if (!status.ok()) {
          error.Set(std::move(status));
          if (!failed.HasBeenNotified()) failed.Notify();
          return;
        }
        completed.fetch_add(1, std::memory_order_relaxed);
        if (phase.load(std::memory_order_relaxed) == kMeasure) {
          mine.push_back(absl::ToInt64Nanoseconds(absl::Now() - start));
        }
      }
    });
  }

  LoadResult result;
  result.items_per_op = options.items_per_op;
  auto stop_and_join = [&] {
    phase.store(kStop);
    for (std::thread& w : workers) w.join();
  };
  if (failed.WaitForNotificationWithTimeout(options.warmup)) {
    stop_and_join();
    return error.Get();
  }
  const uint64_t count0 = options.counter ? options.counter() : 0;
  const uint64_t ops0 = completed.load();
  const double cpu0 = ProcessCpuSeconds();
  const absl::Time t0 = absl::Now();
  phase.store(kMeasure);
  if (failed.WaitForNotificationWithTimeout(options.duration)) {
    stop_and_join();
    return error.Get();
  }
  const uint64_t ops1 = completed.load();
  const absl::Time t1 = absl::Now();
  const double cpu1 = ProcessCpuSeconds();
  const uint64_t count1 = options.counter ? options.counter() : 0;
  stop_and_join();
  if (error.failed()) return error.Get();

  result.ops = ops1 - ops0;
  result.seconds = absl::ToDoubleSeconds(t1 - t0);
  result.counter_delta = count1 - count0;
  result.cpu_seconds = cpu1 - cpu0;
  for (const std::vector<int64_t>& l : latencies) {
    result.latency_ns.insert(result.latency_ns.end(), l.begin(), l.end());
  }
  std::sort(result.latency_ns.begin(), result.latency_ns.end());
  result.latency = Summarize(result.latency_ns);
  return result;
}

absl::StatusOr<LoadResult> RunInFlight(const LoadOptions& options,
                                       int in_flight, const AsyncOp& submit) {
  // Completions arrive on other threads; everything they touch is here.
  struct Shared {
    absl::Mutex mu;
    int outstanding ABSL_GUARDED_BY(mu) = 0;
    int phase ABSL_GUARDED_BY(mu) = kWarmup;
    uint64_t completed ABSL_GUARDED_BY(mu) = 0;
    std::vector<int64_t> latencies ABSL_GUARDED_BY(mu);
    FirstError error;
  } shared;

  const absl::Time start = absl::Now();
  const absl::Time window_start = start + options.warmup;
  const absl::Time window_end = window_start + options.duration;
  uint64_t count0 = 0, count1 = 0, ops0 = 0, ops1 = 0;
  double cpu0 = 0, cpu1 = 0;
  absl::Time t0, t1;
  bool in_window = false;
  uint64_t seq = 0;

  while (!shared.error.failed()) {
    const absl::Time now = absl::Now();
    if (!in_window && now >= window_start) {
      count0 = options.counter ? options.counter() : 0;
      cpu0 = ProcessCpuSeconds();
      absl::MutexLock lock(&shared.mu);
      ops0 = shared.completed;
      t0 = absl::Now();
      shared.phase = kMeasure;
      in_window = true;
    }
    if (in_window && now >= window_end) {
      {
        absl::MutexLock lock(&shared.mu);
        ops1 = shared.completed;
        t1 = absl::Now();
        shared.phase = kStop;
      }
      cpu1 = ProcessCpuSeconds();
      count1 = options.counter ? options.counter() : 0;
      break;
    }
    {
      absl::MutexLock lock(&shared.mu);
      const absl::Time deadline = in_window ? window_end : window_start;
      auto has_room = [&shared,
                       in_flight]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared.mu) {
        return shared.outstanding < in_flight || shared.error.failed();
      };
      if (!shared.mu.AwaitWithDeadline(absl::Condition(&has_room), deadline)) {
        continue;  // a window boundary passed
      }
      if (shared.error.failed()) break;
      ++shared.outstanding;
    }
    const absl::Time op_start = absl::Now();
    submit(seq++, [&shared, op_start](absl::Status status) {
      const absl::Time end = absl::Now();
      absl::MutexLock lock(&shared.mu);
      --shared.outstanding;
      if (!status.ok()) {
        shared.error.Set(std::move(status));
        return;
      }
      ++shared.completed;
      if (shared.phase == kMeasure) {
        shared.latencies.push_back(absl::ToInt64Nanoseconds(end - op_start));
      }
    });
  }

  // The callbacks reference `shared`: wait for every one of them.
  {
    absl::MutexLock lock(&shared.mu);
    auto drained = [&shared]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared.mu) {
      return shared.outstanding == 0;
    };
    shared.mu.Await(absl::Condition(&drained));
  }
  if (shared.error.failed()) return shared.error.Get();

  LoadResult result;
  result.items_per_op = options.items_per_op;
  result.ops = ops1 - ops0;
  result.seconds = absl::ToDoubleSeconds(t1 - t0);
  result.counter_delta = count1 - count0;
  result.cpu_seconds = cpu1 - cpu0;
  absl::MutexLock lock(&shared.mu);
  result.latency_ns = std::move(shared.latencies);
  std::sort(result.latency_ns.begin(), result.latency_ns.end());
  result.latency = Summarize(result.latency_ns);
  return result;
}

}  // namespace kamgov::bench
