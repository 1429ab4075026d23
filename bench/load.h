#ifndef KAMGOV_BENCH_LOAD_H_
#define KAMGOV_BENCH_LOAD_H_

// Load drivers shared by the scenarios: run an operation from many threads
// (closed loop) or keep N asynchronous operations in flight, for a warm-up
// and then a measured window, and report throughput, latency and the
// change of a counter (e.g. WAL syncs) over the window.
//
// Timing is wall clock (absl::Now); the window starts after the warm-up
// and only operations completing inside it count.

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace kamgov::bench {

struct LoadOptions {
  absl::Duration warmup = absl::Seconds(1);
  absl::Duration duration = absl::Seconds(10);
  // What one operation completes (events of an append, puts of a batch).
  int items_per_op = 1;
  // Sampled at the start and the end of the window, from the driving
  // thread; may be empty. E.g. RocksDB's WAL_FILE_SYNCED ticker.
  std::function<uint64_t()> counter;
};

struct LatencySummary {
  uint64_t samples = 0;
  double p50_us = 0;
  double p99_us = 0;
  double p999_us = 0;
  double max_us = 0;
};

struct LoadResult {
  // Operations completed inside the window.
  uint64_t ops = 0;
  int items_per_op = 1;
  double seconds = 0;
  // counter(end) - counter(start); 0 without a counter.
  uint64_t counter_delta = 0;
  // CPU time of the whole process (user + system, every thread) over the
  // window: with the machine's core count it tells whether the run was
  // CPU-bound.
  double cpu_seconds = 0;
  LatencySummary latency;
  // Every latency sample of the window, sorted (for Merge).
  std::vector<int64_t> latency_ns;

  double ops_per_s() const { return seconds > 0 ? ops / seconds : 0; }
  double items_per_s() const { return ops_per_s() * items_per_op; }
  // Items per unit of the counter (e.g. events per fsync); 0 if it did not
  // move.
  double cpu_us_per_item() const {
    return ops > 0
               ? cpu_seconds * 1e6 / (static_cast<double>(ops) * items_per_op)
               : 0;
  }
  double items_per_count() const {
    return counter_delta > 0
               ? static_cast<double>(ops) * items_per_op / counter_delta
               : 0;
  }
};

// `a` and `b` as one run: counts, times and samples added up. Both must
// have the same items_per_op.
LoadResult Merge(const LoadResult& a, const LoadResult& b);

// Called back to back by each thread; `seq` counts that thread's calls from
// 0. Returns when the operation is complete (e.g. durable).
using SyncOp = std::function<absl::Status(int thread, uint64_t seq)>;

// Starts `threads` threads calling `op` until the window ends, then joins
// them. The first error stops the run and is returned.
absl::StatusOr<LoadResult> RunThreads(const LoadOptions& options, int threads,
                                      const SyncOp& op);

// Starts one operation and returns at once; `done` is called exactly once,
// from any thread, when it completes. `done` must not be called while the
// submitter holds locks `done` could need (it only takes the driver's own).
using AsyncOp = std::function<void(
    uint64_t seq, absl::AnyInvocable<void(absl::Status)> done)>;

// One submitting thread (the caller's) keeps `in_flight` operations
// outstanding until the window ends, then waits for all of them. The first
// error stops the run and is returned.
absl::StatusOr<LoadResult> RunInFlight(const LoadOptions& options,
                                       int in_flight, const AsyncOp& submit);

}  // namespace kamgov::bench

#endif  // KAMGOV_BENCH_LOAD_H_
