#ifndef KAMGOV_PROJECTIONS_AS_OF_H_
#define KAMGOV_PROJECTIONS_AS_OF_H_

// The past, rebuilt from the log: an aggregate's state as it was after the
// event at a position, and the position at a recorded time.
//
// An aggregate's state at P is the fold (domain/evolve.h) of the events
// carrying its tag with position <= P, exactly what domain::GovernanceState
// holds after applying the log's prefix 1..P. StateAsOf starts from the
// last decision_history snapshot <= P (history_projection.h) and folds the
// tag's events after it from the log's tag index; FoldFromTagIndex folds
// them all (the baseline, and what the snapshots must agree with).
//
// Pure reads: any thread, concurrently. The log and rows are borrowed for
// the call. Errors: DATA_LOSS when a stored state or payload does not
// parse; read errors of the log or the rows as reported.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "domain/ids.h"
#include "eventstore/event_log.h"
#include "google/protobuf/message.h"
#include "projections/engine.h"

namespace kamgov::projections {

struct AsOfState {
  // AccountState, ProgramState, ... (domain::NewState); its id
  // field is empty when the aggregate did not exist yet at the position.
  std::unique_ptr<google::protobuf::Message> state;
  // Events carrying the aggregate's tag up to the position.
  uint64_t events = 0;
  // Of those, how many were read from the log (not from a snapshot).
  uint64_t events_read = 0;

  bool exists() const;
};

// The last position (<= head) whose event was recorded at or before
// `at_us`; 0 when the first event is later (or the log is empty). A binary
// search over point reads, relying on recorded_at never decreasing.
absl::StatusOr<uint64_t> PositionAtTime(const eventstore::EventLog& log,
                                        int64_t at_us, uint64_t head);

// The recorded_at_us of the event at `position` (0 for position 0).
absl::StatusOr<int64_t> RecordedAt(const eventstore::EventLog& log,
                                   uint64_t position);

// The baseline: folds every event of the aggregate's tag up to `position`.
absl::StatusOr<AsOfState> FoldFromTagIndex(const eventstore::EventLog& log,
                                           const domain::AggregateRef& ref,
                                           uint64_t position);

// The last snapshot <= `position` in `rows` (decision_history rows at a
// position >= `position`), plus the tag's later events up to `position`.
absl::StatusOr<AsOfState> StateAsOf(const RowSnapshot& rows,
                                    const eventstore::EventLog& log,
                                    const domain::AggregateRef& ref,
                                    uint64_t position);

// The state after every event the log holds: decision_history's current
// row of the aggregate (its state at rows.position()) plus the tag's later
// events from the log. How the command processor loads an aggregate.
absl::StatusOr<AsOfState> LatestState(const RowSnapshot& rows,
                                      const eventstore::EventLog& log,
                                      const domain::AggregateRef& ref);

// One page of the accounts nominated in a program by `position`, by id.
struct ProgramAccountsPage {
  std::vector<std::string> account_ids;
  // The last account id looked at; empty when there are no more.
  std::string next_after;
};

// Accounts of `program_id` with ids after `after_account_id` (all when
// empty), looking at no more than `limit` index rows.
absl::StatusOr<ProgramAccountsPage> ProgramAccountsAsOf(
    const RowSnapshot& rows, absl::string_view program_id, uint64_t position,
    absl::string_view after_account_id, size_t limit);

}  // namespace kamgov::projections

#endif  // KAMGOV_PROJECTIONS_AS_OF_H_
