#ifndef KAMGOV_BENCH_WORKLOAD_PIPELINE_H_
#define KAMGOV_BENCH_WORKLOAD_PIPELINE_H_

// Runs generated commands concurrently without breaking the history the
// generator wrote: a command starts only when every earlier command it
// depends on (by key, generator.h) has completed.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "bench/workload/generator.h"

namespace kamgov::bench::workload {

using CommandDone = absl::AnyInvocable<void(absl::Status)>;

// Sends one command to a server (executor.h). Thread-safe.
class Executor {
 public:
  virtual ~Executor() = default;
  // Starts `command` and returns; `done` is called exactly once, on any
  // thread (possibly before Execute returns), with the command's outcome.
  virtual void Execute(const GeneratedCommand& command, CommandDone done) = 0;
};

// Orders commands by their keys and starts each on the executor as soon as
// it may run: an exclusive holder of a key after every earlier holder, a
// shared holder after every earlier exclusive holder.
//
// Thread-safe: Submit from any thread, in the generator's order (the
// order of Submit calls is the sequence order). `done` runs on the
// executor's completion thread, never under the pipeline's lock. The
// executor is not owned and must outlive every command submitted.
class Pipeline {
 public:
  explicit Pipeline(Executor* executor) : executor_(executor) {}
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  void Submit(GeneratedCommand command, CommandDone done);

  // Commands submitted and not completed (running or waiting for a key).
  size_t pending() const;

 private:
  struct Entry {
    GeneratedCommand command;
    CommandDone done;
    bool started = false;
  };
  struct Holder {
    uint64_t entry;
    bool exclusive;
  };

  bool ReadyLocked(uint64_t id) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Start(uint64_t id, const GeneratedCommand* command);
  void Completed(uint64_t id, absl::Status status);

  Executor* const executor_;
  mutable absl::Mutex mu_;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<uint64_t, std::unique_ptr<Entry>> entries_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<uint64_t, std::deque<Holder>> queues_
      ABSL_GUARDED_BY(mu_);
};

// Called with the number of commands completed so far.
using Progress = std::function<void(uint64_t completed)>;

// Runs `count` commands taken from `next` (on the calling thread, in
// order) through `pipeline`, at most `in_flight` outstanding, and waits for
// all of them. Returns the first failure, naming the command; the rest
// still run to completion.
absl::Status RunCommands(Pipeline& pipeline,
                         const std::function<GeneratedCommand()>& next,
                         uint64_t count, int in_flight,
                         const Progress& progress = nullptr);

// RunCommands over a phase of Generator::Setup().
absl::Status RunPhase(Pipeline& pipeline,
                      std::vector<GeneratedCommand> commands, int in_flight,
                      const Progress& progress = nullptr);

// "DesignateAccount #1234 (as sm-1)": how errors name a command.
std::string Describe(const GeneratedCommand& command);

}  // namespace kamgov::bench::workload

#endif  // KAMGOV_BENCH_WORKLOAD_PIPELINE_H_
