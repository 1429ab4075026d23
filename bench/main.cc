// kamgov-bench: measures kamgov against its machine's own limits, measured
// in the same run (docs/PERFORMANCE.md).
//
//   kamgov-bench SCENARIO... [--json] [--json_out=FILE] [--quick]
//                [--data_dir=DIR] [--duration=10s] [--warmup=1s]
//   kamgov-bench all --quick --json_out=bench/results/latest.json
//   kamgov-bench list
//
// --json prints one JSON object per figure per line on stdout (the format
// of ARCHITECTURE.md); otherwise stdout gets a table per scenario. Progress
// goes to stderr. Exit status: 0 when every scenario ran (missed targets
// included), 1 when one failed, 2 on bad usage.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bench/data_dir.h"
#include "bench/report.h"
#include "bench/scenario.h"

ABSL_FLAG(bool, json, false,
          "Print one JSON object per figure per line on stdout instead of a "
          "table.");
ABSL_FLAG(std::string, json_out, "",
          "Also write every figure as JSON lines to this file (replaced at "
          "the end of the run).");
ABSL_FLAG(std::string, data_dir, "",
          "Directory under which a fresh run directory is created and "
          "removed afterwards; it must be on a real disk. Default: "
          "bench-data beside the kamgov-bench binary.");
ABSL_FLAG(bool, quick, false,
          "Short measurements (2 s each) for `make bench`; the full run "
          "measures 10 s each.");
ABSL_FLAG(absl::Duration, duration, absl::ZeroDuration(),
          "Length of each measured window; 0 means 2s with --quick, 10s "
          "otherwise.");
ABSL_FLAG(absl::Duration, warmup, absl::ZeroDuration(),
          "Unmeasured run before each window; 0 means 300ms with --quick, "
          "1s otherwise.");
ABSL_FLAG(bool, keep_data, false,
          "Keep the databases of the run instead of deleting them.");

namespace kamgov::bench {
namespace {

std::string Usage() {
  std::string usage =
      "kamgov-bench: measures kamgov against the machine's own limits.\n"
      "  kamgov-bench SCENARIO... [--json] [--json_out=FILE] [--quick] "
      "[--data_dir=DIR]\n"
      "  kamgov-bench all --quick --json_out=bench/results/latest.json\n"
      "Scenarios (`all` runs each in this order; `list` describes them):\n";
  for (const std::string& name : ScenarioNames()) {
    absl::StrAppend(&usage, "  ", name, "\n");
  }
  return usage;
}

absl::Status WriteJsonLines(const std::string& path,
                            const std::vector<Figure>& figures) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const Figure& f : figures) out << FormatJsonLine(f) << "\n";
    out.flush();
    if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", tmp));
  }
  std::error_code error;
  std::filesystem::rename(tmp, path, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat("cannot rename ", tmp, " to ",
                                               path, ": ", error.message()));
  }
  return absl::OkStatus();
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(Usage());
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  // Debian's abseil checks every Mutex acquisition for lock-order cycles, a
  // cost on every hot path; the tests keep the check, production drops it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  if (args.size() < 2) {
    std::fprintf(stderr, "%s", Usage().c_str());
    return 2;
  }
  std::vector<std::string> names;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string arg = args[i];
    if (arg == "list") {
      for (const std::string& name : ScenarioNames()) {
        std::printf("%-10s %s\n", name.c_str(),
                    MakeScenario(name)->description().c_str());
      }
      return 0;
    }
    if (arg == "all") {
      for (const std::string& name : ScenarioNames()) names.push_back(name);
    } else if (MakeScenario(arg) == nullptr) {
      std::fprintf(stderr, "kamgov-bench: unknown scenario '%s'\n%s",
                   arg.c_str(), Usage().c_str());
      return 2;
    } else {
      names.push_back(arg);
    }
  }

  const bool json = absl::GetFlag(FLAGS_json);
  const bool quick = absl::GetFlag(FLAGS_quick);
  ScenarioContext context;
  context.quick = quick;
  context.keep_data = absl::GetFlag(FLAGS_keep_data);
  context.duration = absl::GetFlag(FLAGS_duration);
  if (context.duration <= absl::ZeroDuration()) {
    context.duration = quick ? absl::Seconds(2) : absl::Seconds(10);
  }
  context.warmup = absl::GetFlag(FLAGS_warmup);
  if (context.warmup <= absl::ZeroDuration()) {
    context.warmup = quick ? absl::Milliseconds(300) : absl::Seconds(1);
  }

  std::string base = absl::GetFlag(FLAGS_data_dir);
  if (base.empty()) base = DefaultDataDir();
  absl::StatusOr<std::unique_ptr<RunDir>> run_dir =
      RunDir::Create(base, context.keep_data);
  if (!run_dir.ok()) {
    std::fprintf(stderr, "kamgov-bench: %s\n",
                 run_dir.status().ToString().c_str());
    return 1;
  }
  context.data_dir = (*run_dir)->path();
  absl::StatusOr<FileSystemInfo> fs = DescribeFileSystem(context.data_dir);
  const std::string fs_type = fs.ok() ? fs->type : "unknown";
  if (fs.ok() && fs->in_memory) {
    std::fprintf(stderr,
                 "kamgov-bench: WARNING: %s is on %s: fsync costs nothing "
                 "there, so durable-write figures are meaningless. Use "
                 "--data_dir on a real disk.\n",
                 context.data_dir.c_str(), fs_type.c_str());
  }

  // Describes the run; on stderr when stdout carries JSON.
  FILE* info = json ? stderr : stdout;
  std::fprintf(info,
               "kamgov-bench %s: %u CPUs, data in %s (%s), %s per "
               "measurement after %s warm-up\n",
               absl::StrJoin(names, " ").c_str(),
               std::thread::hardware_concurrency(), context.data_dir.c_str(),
               fs_type.c_str(), absl::FormatDuration(context.duration).c_str(),
               absl::FormatDuration(context.warmup).c_str());
  std::fflush(info);

  std::vector<Figure> all;
  std::vector<std::string> failed;
  for (const std::string& name : names) {
    std::vector<Figure> figures;
    context.emit = [&](Figure f) {
      if (f.scenario.empty()) f.scenario = name;
      if (json) {
        std::printf("%s\n", FormatJsonLine(f).c_str());
        std::fflush(stdout);
      }
      figures.push_back(std::move(f));
    };
    context.progress = [&](absl::string_view line) {
      std::fprintf(stderr, "[%s] %.*s\n", name.c_str(),
                   static_cast<int>(line.size()), line.data());
    };
    absl::Status status = MakeScenario(name)->Run(context);
    if (!json && !figures.empty()) {
      std::printf("\nscenario %s\n%s", name.c_str(),
                  FormatTable(figures).c_str());
      std::fflush(stdout);
    }
    if (!status.ok()) {
      std::fprintf(stderr, "kamgov-bench: scenario %s failed: %s\n",
                   name.c_str(), status.ToString().c_str());
      failed.push_back(name);
    }
    all.insert(all.end(), figures.begin(), figures.end());
  }

  const std::string json_out = absl::GetFlag(FLAGS_json_out);
  if (!json_out.empty()) {
    absl::Status written = WriteJsonLines(json_out, all);
    if (!written.ok()) {
      std::fprintf(stderr, "kamgov-bench: %s\n", written.ToString().c_str());
      return 1;
    }
    std::fprintf(info, "\n%zu figures written to %s (JSON lines)\n", all.size(),
                 json_out.c_str());
  }
  if (!failed.empty()) {
    std::fprintf(stderr, "kamgov-bench: failed: %s\n",
                 absl::StrJoin(failed, " ").c_str());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace kamgov::bench

int main(int argc, char** argv) { return kamgov::bench::Main(argc, argv); }
