#ifndef KAMGOV_BENCH_REPORT_H_
#define KAMGOV_BENCH_REPORT_H_

// Figures measured by kamgov-bench and their two renderings: one JSON
// object per line (ARCHITECTURE.md, "kamgov-bench SCENARIO --json") and a
// table for humans. Pure functions; any thread.

#include <optional>
#include <string>
#include <vector>

namespace kamgov::bench {

// What a figure should reach. `of` says whether the threshold applies to
// the ratio against the same-run baseline or to the value itself.
struct Target {
  enum class Of { kRatio, kValue };
  enum class Cmp { kAtLeast, kAtMost };
  Of of = Of::kRatio;
  Cmp cmp = Cmp::kAtLeast;
  double threshold = 0;
  // Where the target comes from, e.g. "issue 3".
  std::string source;
};

// One measured number.
struct Figure {
  std::string scenario;
  std::string metric;
  double value = 0;
  std::string unit;
  // The same quantity measured in the same run on the machine's own limit
  // (raw RocksDB, a no-op call, ...), when there is one.
  std::optional<double> baseline;
  // Table only: what the baseline is, e.g. "raw sync Put, 64 threads".
  std::string baseline_label;
  std::optional<Target> target;

  // value / baseline; nullopt without a (non-zero) baseline.
  std::optional<double> ratio() const;
  // Whether the target is met; nullopt without a target (or without the
  // baseline a ratio target needs).
  std::optional<bool> target_met() const;
};

// Exactly
//   {"scenario": "...", "metric": "...", "value": N, "unit": "...",
//    "baseline": N, "ratio": N}
// on one line, without a trailing newline; "baseline" and "ratio" only when
// the figure has a baseline. Non-finite numbers are written as null.
std::string FormatJsonLine(const Figure& figure);

// A number as the JSON and the table show it: integers above 1000, fewer
// decimals as magnitude grows; "null" when not finite.
std::string FormatNumber(double value);

// "ratio >= 2.00 (issue 3): MET", or "" without a target.
std::string DescribeTarget(const Figure& figure);

// A fixed-width table of the figures (header, one row each).
std::string FormatTable(const std::vector<Figure>& figures);

}  // namespace kamgov::bench

#endif  // KAMGOV_BENCH_REPORT_H_
