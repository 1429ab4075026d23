#ifndef KAMGOV_BENCH_WORKLOAD_SERVER_STATS_H_
#define KAMGOV_BENCH_WORKLOAD_SERVER_STATS_H_

// Figures read from a running server for the benchmarks: the store's
// commit counters (through the daemon's own Prometheus metrics, so the
// benchmark counts exactly what an operator sees) and a process's memory.

#include <sys/types.h>

#include <cstdint>

#include "absl/status/statusor.h"
#include "services/metrics.h"

namespace kamgov::bench::workload {

struct StoreCounters {
  // kamgov_events_appended_total.
  uint64_t events = 0;
  // Samples of kamgov_wal_sync_duration_seconds: WAL syncs (fsyncs).
  uint64_t syncs = 0;
};

// Reads the counters from `metrics` (thread-safe, as Metrics::Collect).
StoreCounters ReadStoreCounters(const services::Metrics& metrics);

struct ProcessMemory {
  double rss_mb = 0;   // VmRSS
  double peak_mb = 0;  // VmHWM: the high-water mark of RSS
};

// From /proc/<pid>/status (0: this process); UNAVAILABLE when unreadable.
absl::StatusOr<ProcessMemory> ReadProcessMemory(pid_t pid = 0);

}  // namespace kamgov::bench::workload

#endif  // KAMGOV_BENCH_WORKLOAD_SERVER_STATS_H_
