#include "bench/workload/server_stats.h"

#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace kamgov::bench::workload {

StoreCounters ReadStoreCounters(const services::Metrics& metrics) {
  StoreCounters counters;
  for (const prometheus::MetricFamily& family : metrics.Collect()) {
    if (family.metric.empty()) continue;
    if (family.name == "kamgov_events_appended_total") {
      counters.events = static_cast<uint64_t>(family.metric[0].counter.value);
    } else if (family.name == "kamgov_wal_sync_duration_seconds") {
      counters.syncs = family.metric[0].histogram.sample_count;
    }
  }
  return counters;
}

absl::StatusOr<ProcessMemory> ReadProcessMemory(pid_t pid) {
  const std::string path =
      pid == 0 ? "/proc/self/status" : absl::StrCat("/proc/", pid, "/status");
  std::ifstream in(path);
  if (!in) return absl::UnavailableError(absl::StrCat("cannot read ", path));
  ProcessMemory memory;
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view rest = line;
    double* out = absl::ConsumePrefix(&rest, "VmRSS:")   ? &memory.rss_mb
                  : absl::ConsumePrefix(&rest, "VmHWM:") ? &memory.peak_mb
                                                         : nullptr;
    if (out == nullptr) continue;
    rest = absl::StripAsciiWhitespace(rest);
    absl::ConsumeSuffix(&rest, " kB");
    double kb = 0;
    if (absl::SimpleAtod(rest, &kb)) *out = kb / 1024;
  }
  return memory;
}

}  // namespace kamgov::bench::workload
