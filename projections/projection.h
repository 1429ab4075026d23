#ifndef KAMGOV_PROJECTIONS_PROJECTION_H_
#define KAMGOV_PROJECTIONS_PROJECTION_H_

// A projection: a named, versioned, deterministic fold of the event log into
// rows (keys and values of its own), which queries read.
//
// The engine (engine.h) calls Apply for every event in log order, exactly
// once per event across crashes: the row changes of a batch of events and
// the projection's checkpoint commit together. Apply must be deterministic:
// it depends only on the event and the rows it reads, never on the wall
// clock (ages and "overdue" are computed at query time).

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "eventstore/event_log.h"

namespace kamgov::projections {

// The rows of one projection inside one engine batch. Keys are the
// projection's own (the engine keeps each projection, and each generation
// of it, in a key space of its own). Reads see the batch's earlier writes.
// Used by the engine's runner thread only; valid during Apply/Flush.
class RowTx {
 public:
  virtual ~RowTx() = default;
  // nullopt when the row does not exist. Errors: UNAVAILABLE or DATA_LOSS
  // from storage.
  virtual absl::StatusOr<std::optional<std::string>> Get(
      absl::string_view key) = 0;
  virtual void Put(absl::string_view key, absl::string_view value) = 0;
  virtual void Delete(absl::string_view key) = 0;
};

// One read model's fold. An instance is owned by the engine and called from
// one thread at a time; it may cache decoded rows between Apply calls of a
// batch, provided Flush writes them and a failed batch (ResetBatch) forgets
// them.
class Projection {
 public:
  virtual ~Projection() = default;

  // Stable name: [a-z_]+, e.g. "portfolio".
  virtual std::string name() const = 0;
  // Bumped whenever Apply changes what it writes: a new version is rebuilt
  // from position 0 while the old one keeps serving.
  virtual uint32_t version() const = 0;

  // Folds one event. Events it has no use for are simply ignored (the
  // checkpoint advances over them anyway). An error fails the batch, which
  // the engine retries later; DATA_LOSS for an event it cannot parse stops
  // the projection (reported in its status).
  virtual absl::Status Apply(const eventstore::RecordedEvent& event,
                             RowTx& rows) = 0;

  // Writes what Apply cached, before the batch commits.
  virtual absl::Status Flush(RowTx& /*rows*/) { return absl::OkStatus(); }
  // The batch failed: drop anything cached since the last Flush.
  virtual void ResetBatch() {}
};

}  // namespace kamgov::projections

#endif  // KAMGOV_PROJECTIONS_PROJECTION_H_
