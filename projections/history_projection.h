#ifndef KAMGOV_PROJECTIONS_HISTORY_PROJECTION_H_
#define KAMGOV_PROJECTIONS_HISTORY_PROJECTION_H_

// "decision_history": the read model behind AuditService.StateAsOf and the
// history of a person's or principal's decisions (DOMAIN.md section 5).
//
// The log's tag index already lists every event of an aggregate, but
// folding 10k events per question is too slow, so this projection keeps,
// for every aggregate tag (account:, program:, person:, escalation:), the
// current folded state and, every so often, a snapshot of it keyed by
// position. as_of.h answers "state of X at position P" with the last
// snapshot <= P plus a fold of the few tag events after it.
//
// Snapshot spacing: after at least kSnapshotEvery events of the aggregate,
// and at least as many events as the state's size / kSnapshotBytesPerEvent,
// so a huge state (a program with 100k accounts) costs at most that many
// bytes per event and a small one (an account) is snapshotted every
// kSnapshotEvery events.
//
// Rows (keys use '\0' as separator: principals may contain '/'):
//   "c\0<tag>"                  BE64(events) BE64(next snapshot at events)
//                               state bytes        (current state)
//   "p\0<tag>\0" BE64(~pos)     BE64(events) state bytes (snapshot after the
//                               event at pos; ~pos sorts the newest first,
//                               so one forward seek finds the last <= P)
//   "m\0<program>\0<account>"   BE64(position of its first nomination)
//   "a\0<acting person>\0" BE64(pos)   ""   (decisions by person)
//   "q\0<principal>\0" BE64(pos)       ""   (events by principal)
//
// Deterministic (no clock). Not thread-safe: the engine calls it from one
// thread at a time. States are cached decoded across batches (the rows
// they came from have no other writer), the changed ones written by Flush;
// large states (a program's) and a cache past kMaxCached are dropped after
// each batch, and a failed batch (ResetBatch) drops everything.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "domain/ids.h"
#include "google/protobuf/message.h"
#include "projections/projection.h"
#include "projections/state_cache.h"

namespace kamgov::projections {

inline constexpr char kHistoryProjectionName[] = "decision_history";

class HistoryProjection final : public Projection {
 public:
  static constexpr uint64_t kSnapshotEvery = 256;
  static constexpr uint64_t kSnapshotBytesPerEvent = 64;
  static constexpr size_t kMaxCached = 100000;
  static constexpr size_t kMaxCachedStateBytes = 16 << 10;

  // `snapshot_every` overrides kSnapshotEvery (tests use small values).
  explicit HistoryProjection(uint64_t snapshot_every = kSnapshotEvery)
      : snapshot_every_(snapshot_every < 1 ? 1 : snapshot_every) {}

  std::string name() const override { return kHistoryProjectionName; }
  // Bump whenever a fold of domain/evolve.h changes: StateAsOf and the
  // command processor's loads start from the states stored here, and only
  // a rebuild makes them agree with the new folds.
  uint32_t version() const override { return 1; }

  // DATA_LOSS for a payload or stored row that does not parse.
  absl::Status Apply(const eventstore::RecordedEvent& event,
                     RowTx& rows) override;
  absl::Status Flush(RowTx& rows) override;
  void ResetBatch() override { cache_.Clear(); }

  // Row keys, for readers (as_of.h).
  static std::string CurrentKey(absl::string_view tag);
  static std::string SnapshotPrefix(absl::string_view tag);
  // The snapshot key of `tag` after the event at `position`.
  static std::string SnapshotKey(absl::string_view tag, uint64_t position);
  static std::string MemberPrefix(absl::string_view program_id);
  static std::string ActorPrefix(absl::string_view person_id);
  static std::string PrincipalPrefix(absl::string_view principal);

  // The header of a current-state row ("c\0<tag>").
  struct CurrentRow {
    uint64_t events = 0;         // the tag's events folded into the state
    uint64_t next_snapshot = 0;  // events count of the next snapshot
  };
  // Parses the current-state row of `tag`, its state into `state`.
  // DATA_LOSS when the row is malformed.
  static absl::StatusOr<CurrentRow> ParseCurrentRow(
      absl::string_view tag, absl::string_view row,
      google::protobuf::Message& state);

 private:
  struct Entry {
    domain::AggregateKind kind;
    std::unique_ptr<google::protobuf::Message> state;
    uint64_t events = 0;
    uint64_t next_snapshot = 0;
    bool dirty = false;  // StateCache's
  };
  using Item = StateCache<Entry>::Item;
  // Keyed by tag (not the row key: the tag is what Apply has at hand).
  absl::StatusOr<Item*> Load(const domain::AggregateRef& ref,
                             const std::string& tag, RowTx& rows);

  const uint64_t snapshot_every_;
  StateCache<Entry> cache_;
};

}  // namespace kamgov::projections

#endif  // KAMGOV_PROJECTIONS_HISTORY_PROJECTION_H_
