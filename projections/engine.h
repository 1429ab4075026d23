#ifndef KAMGOV_PROJECTIONS_ENGINE_H_
#define KAMGOV_PROJECTIONS_ENGINE_H_

// The projection engine: keeps every read model up to date with the event
// log, durably checkpointed, and answers reads at a position a caller names.
//
// Guarantees:
// - Each projection sees every event once, in log order. Its row changes
//   and its checkpoint commit in ONE RocksDB write batch, so after a crash
//   it resumes exactly where its last batch left off.
// - Only durable events are applied (commit notifications and the log's
//   committed head), so a read model is never ahead of the log.
// - Rows live in their own RocksDB (EngineOptions::path), one key space per
//   projection generation. A new generation (a version bump at start, or
//   Rebuild()) is built from position 0 on a thread of its own while the
//   previous generation keeps serving; it takes over once it has caught up,
//   and the old rows are dropped.
// - Read() waits, woken by the runner, never polling, until the serving
//   generation has reached the position asked for.
//
// Threads: Start/Stop from one owner thread; Read, Status and Rebuild from
// any thread. A runner catching up applies a batch on two threads (half the
// projections each, so a projection's Apply and Flush still run on one
// thread at a time). OnCommitted is called by the event log's commit thread.
// Owns its RocksDB and the projections; borrows the log, which must outlive
// the engine (Stop() before the log closes).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "eventstore/event_log.h"
#include "projections/projection.h"

namespace kamgov::projections {

struct EngineOptions {
  // Directory of the read models' RocksDB (created if missing).
  std::string path;
  // Events per write batch while catching up or rebuilding.
  size_t batch_events = 2048;
  size_t block_cache_bytes = 32 << 20;
  // How many commit notifications the runner keeps before it falls back to
  // reading the log.
  size_t live_queue_batches = 256;
};

// A consistent view of one projection's rows, as of `position()`: every
// event up to it applied, none after. Cheap to create; holds a RocksDB
// snapshot until destroyed. Any thread, one at a time.
class RowSnapshot {
 public:
  virtual ~RowSnapshot() = default;
  // The last log position the rows reflect.
  virtual uint64_t position() const = 0;
  virtual absl::StatusOr<std::optional<std::string>> Get(
      absl::string_view key) const = 0;
  // Rows whose keys start with `prefix` and sort after `start_after`
  // (ignored when empty), in key order, at most `limit`.
  virtual absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Scan(
      absl::string_view prefix, absl::string_view start_after,
      size_t limit) const = 0;
};

// What `kamgov projections status` shows of one projection.
struct ProjectionProgress {
  std::string name;
  uint32_t version = 0;
  // Position of the serving generation.
  uint64_t position = 0;
  // Set while a new generation is being built.
  bool rebuilding = false;
  uint32_t rebuild_version = 0;
  uint64_t rebuild_position = 0;
  // Events per second of the build, averaged since it started.
  double rebuild_events_per_second = 0;
  // Non-empty when the projection stopped on an error.
  std::string error;
};

// Makes a fresh instance of one projection: the engine keeps one for the
// serving generation and makes another for each build.
using ProjectionFactory = std::function<std::unique_ptr<Projection>()>;

class ProjectionEngine : public eventstore::CommitListener {
 public:
  // Opens the read-model store and each projection's generations. Errors:
  // UNAVAILABLE (the directory cannot be opened), DATA_LOSS (corrupt
  // metadata), INVALID_ARGUMENT (duplicate or malformed names).
  static absl::StatusOr<std::unique_ptr<ProjectionEngine>> Open(
      EngineOptions options, eventstore::EventLog* log,
      std::vector<ProjectionFactory> projections);

  ~ProjectionEngine() override;
  ProjectionEngine(const ProjectionEngine&) = delete;
  ProjectionEngine& operator=(const ProjectionEngine&) = delete;

  // Subscribes to the log and starts following it (and any pending build).
  void Start();
  // Stops the threads after their current batch and unsubscribes; waiting
  // readers get UNAVAILABLE. Idempotent.
  void Stop();

  // The serving rows of `name` once they reflect at least `min_position`.
  // Errors: NOT_FOUND (no such projection), DEADLINE_EXCEEDED (not reached
  // by `deadline`), UNAVAILABLE (stopping), FAILED_PRECONDITION (the
  // projection stopped on an error and cannot reach the position).
  absl::StatusOr<std::unique_ptr<RowSnapshot>> Read(absl::string_view name,
                                                    uint64_t min_position,
                                                    absl::Time deadline);

  // The serving rows of `name` as they are now, without waiting, and only
  // when the running code's version of the projection built them and it
  // has not stopped on an error: for readers that must agree with this
  // code's folds (the command processor starting from decision_history's
  // states). Errors: NOT_FOUND, UNAVAILABLE (stopping), FAILED_PRECONDITION
  // (an older version still serves during a rebuild, or an error stopped
  // the projection).
  absl::StatusOr<std::unique_ptr<RowSnapshot>> ReadCurrent(
      absl::string_view name);

  // Every projection, in registration order.
  std::vector<ProjectionProgress> Status() const;

  // Starts building a new generation of `name` from position 0; the
  // current one serves until it has caught up. Errors: NOT_FOUND;
  // FAILED_PRECONDITION when a build of it is already running.
  absl::Status Rebuild(absl::string_view name);

  // Position of the serving generation of `name` (0 when unknown).
  uint64_t Position(absl::string_view name) const;
  // The last durable log position the engine knows of.
  uint64_t HeadPosition() const;
  // True while the read-model store still flushes or compacts earlier
  // writes (RocksDB background work).
  bool HasStorageBackgroundWork() const;

  // CommitListener.
  void OnCommitted(
      std::shared_ptr<const eventstore::CommittedBatch> batch) override;

 private:
  class Impl;
  explicit ProjectionEngine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kamgov::projections

#endif  // KAMGOV_PROJECTIONS_ENGINE_H_
