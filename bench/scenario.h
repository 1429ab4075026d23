#ifndef KAMGOV_BENCH_SCENARIO_H_
#define KAMGOV_BENCH_SCENARIO_H_

// The scenarios of kamgov-bench and their registry. A scenario is one file
// (e.g. append_scenario.cc) that defines a Scenario subclass and registers it
// with KAMGOV_REGISTER_SCENARIO; main.cc finds it by name.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "bench/report.h"

namespace kamgov::bench {

// What a scenario is given to run with.
//
// Directories: NewDir() creates a fresh, empty directory under the run's
// data directory (on disk, never tmpfs: main.cc checks); ScopedDir removes
// it when the measurement that uses it is done, unless --keep_data.
struct ScenarioContext {
  // The run's directory (already created, removed after the run).
  std::string data_dir;
  // --quick: every measurement is short (about 2 s) so that `make bench`
  // runs every scenario in a few minutes.
  bool quick = false;
  // How long one measurement lasts, and how long it runs unmeasured before.
  absl::Duration duration = absl::Seconds(10);
  absl::Duration warmup = absl::Seconds(1);
  bool keep_data = false;
  // Takes every figure as soon as it is measured (printing it, collecting
  // it). Never null while a scenario runs.
  std::function<void(Figure)> emit;
  // One line of progress for the human watching (stderr).
  std::function<void(absl::string_view)> progress;
};

// A directory made for one measurement and removed with its contents on
// destruction (unless `keep`). Not thread-safe; owned by one scenario.
class ScopedDir {
 public:
  // Creates `parent`/`name` (failing if it exists).
  static absl::StatusOr<std::unique_ptr<ScopedDir>> Create(
      const std::string& parent, absl::string_view name, bool keep);
  ~ScopedDir();
  ScopedDir(const ScopedDir&) = delete;
  ScopedDir& operator=(const ScopedDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  ScopedDir(std::string path, bool keep)
      : path_(std::move(path)), keep_(keep) {}
  std::string path_;
  bool keep_;
};

// One benchmark scenario.
//
// Contract: Run() measures, reports every figure through context.emit in
// the order a reader should see them, and returns OK, or an error when a
// measurement could not be made (a missed target is not an error). It runs
// on the calling thread and may start and join threads of its own; it
// leaves no thread or open database behind.
class Scenario {
 public:
  virtual ~Scenario() = default;
  virtual std::string name() const = 0;
  // One line for `kamgov-bench list` and --help.
  virtual std::string description() const = 0;
  virtual absl::Status Run(const ScenarioContext& context) = 0;
};

using ScenarioFactory = std::function<std::unique_ptr<Scenario>()>;

// Registers a scenario under `name`; called at static initialization by
// KAMGOV_REGISTER_SCENARIO. Names are unique (a duplicate aborts).
bool RegisterScenario(const std::string& name, ScenarioFactory factory);

// A new instance of the scenario `name`, or nullptr when none is registered.
std::unique_ptr<Scenario> MakeScenario(absl::string_view name);

// Every registered name, in the order `all` runs them: the order of issue 8
// (append, subscribe, rebuild, audit, commands, scale) for those that exist,
// then any others alphabetically.
std::vector<std::string> ScenarioNames();

}  // namespace kamgov::bench

#define KAMGOV_REGISTER_SCENARIO(name, type)                           \
  static const bool kamgov_bench_registered_##type =                   \
      ::kamgov::bench::RegisterScenario(name, [] {                     \
        return std::unique_ptr<::kamgov::bench::Scenario>(new type()); \
      })

#endif  // KAMGOV_BENCH_SCENARIO_H_
