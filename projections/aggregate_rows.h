#ifndef KAMGOV_PROJECTIONS_AGGREGATE_ROWS_H_
#define KAMGOV_PROJECTIONS_AGGREGATE_ROWS_H_

// Aggregate states kept as rows of a projection, folded with the domain's
// own Evolve (domain/evolve.h), so read models derive from exactly the state
// the rules decide on and no projection re-implements the fold.
//
// A projection that needs, say, account states keeps an AggregateRows for
// kAccount: Fold() folds each event into the state of every account the
// event is tagged with; TakeChanges() then reports each aggregate changed
// since the last call once, as its state then and now, from which the
// projection updates its index rows. A batch of events thus costs one
// index update per aggregate it touched, not one per event: rows derived
// from states compose (replacing s0's rows by s1's, then s1's by s2's,
// leaves s2's). States are cached decoded (up to kMaxCached of them) and
// the changed ones written by Flush().
//
// Row layout: "s/<tag>" -> the serialized state (v1::AccountState, ...).
// Not thread-safe: owned by one projection, called on the engine's runner.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "domain/ids.h"
#include "eventstore/event_log.h"
#include "google/protobuf/message.h"
#include "projections/projection.h"
#include "projections/state_cache.h"

namespace kamgov::projections {

// One aggregate's state before and after the events folded into it since
// the last TakeChanges (which may have left it unchanged: Evolve ignores
// what it has no use for). `before` is a default (empty) state when the
// aggregate did not exist yet; an aggregate exists once its id field is set
// (see Exists()). `after` stays valid until the next Fold, Find, Flush or
// Reset.
struct AggregateChange {
  domain::AggregateKind kind;
  std::string id;
  std::unique_ptr<google::protobuf::Message> before;
  const google::protobuf::Message* after;  // owned by the AggregateRows
};

// Whether a state message of any kind has been created (id set).
bool Exists(const google::protobuf::Message& state);

class AggregateRows {
 public:
  // Folds the kinds listed; other tags are ignored.
  explicit AggregateRows(std::vector<domain::AggregateKind> kinds);

  // Folds `event` into every tagged aggregate of the folded kinds. Errors:
  // DATA_LOSS (a stored state or the payload does not parse), storage
  // errors from `rows`.
  absl::Status Fold(const eventstore::RecordedEvent& event, RowTx& rows);

  // One change per aggregate folded since the last call, in the order they
  // were first folded.
  std::vector<AggregateChange> TakeChanges();

  // The current state of an aggregate of a folded kind; nullptr when it
  // does not exist.
  absl::StatusOr<const google::protobuf::Message*> Find(
      domain::AggregateKind kind, absl::string_view id, RowTx& rows);

  // Writes the states changed since the last Flush.
  absl::Status Flush(RowTx& rows);
  // Forgets everything cached (the batch failed).
  void Reset();

  static constexpr size_t kMaxCached = 100000;

  // The row key of an aggregate's state, for queries reading it directly.
  static std::string StateKey(domain::AggregateKind kind, absl::string_view id);

 private:
  struct Entry {
    domain::AggregateKind kind;
    std::string id;
    std::unique_ptr<google::protobuf::Message> state;
    // The state at the first Fold since the last TakeChanges; null when
    // none since.
    std::unique_ptr<google::protobuf::Message> before;
    bool dirty = false;  // StateCache's
  };
  using Item = StateCache<Entry>::Item;
  absl::StatusOr<Item*> Load(domain::AggregateKind kind, absl::string_view id,
                             RowTx& rows);

  std::vector<domain::AggregateKind> kinds_;
  StateCache<Entry> cache_;
  // The entries with a `before`, in the order they got it.
  std::vector<Item*> changed_;
};

// Parses a stored state row into M. DATA_LOSS when it does not parse.
template <typename M>
absl::StatusOr<M> ParseState(absl::string_view bytes) {
  M state;
  if (!state.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(
        absl::StrCat("a stored ", M::descriptor()->name(), " does not parse"));
  }
  return state;
}

}  // namespace kamgov::projections

#endif  // KAMGOV_PROJECTIONS_AGGREGATE_ROWS_H_
