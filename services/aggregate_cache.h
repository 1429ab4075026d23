#ifndef KAMGOV_SERVICES_AGGREGATE_CACHE_H_
#define KAMGOV_SERVICES_AGGREGATE_CACHE_H_

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "domain/decide.h"
#include "domain/ids.h"
#include "domain/state.h"
#include "eventstore/event_log.h"
#include "projections/as_of.h"
#include "projections/engine.h"

namespace kamgov::services {

// The command processor's in-memory aggregate states, loaded lazily from
// the log and kept current with every decided event, committed or not.
//
// An aggregate's state is the fold of the events carrying its tag
// (domain/ids.h), loaded on first use: from its state in the
// decision_history read model plus the tag's events after the read model's
// position when `history` gives rows (projections::LatestState), else by
// folding the whole tag from the log's tag index. Decided
// events are folded at once into every aggregate they are tagged with
// (loading it first), and those aggregates stay pinned until the append
// commits: so an aggregate that is not cached has no uncommitted events,
// and loading it from the log gives its exact state.
//
// Bounded: beyond `capacity` aggregates, Trim() evicts the least recently
// used unpinned ones. Pointers returned by Find* stay valid until the next
// Trim() or Clear().
//
// Not thread-safe: the command processor's decision thread owns it. Find*
// cannot return errors (domain::StateView); a failed load returns nullptr
// and is kept for TakeLoadError(), which the caller checks after each
// decision and before trusting it.
class AggregateCache : public domain::StateView {
 public:
  // Where loads start: decision_history's current rows, as built by this
  // code's version (ProjectionEngine::ReadCurrent). Any error (the read
  // models stopping, rebuilding, damaged) makes the load fold the whole
  // tag from the log instead, so the log alone stays the truth.
  using HistoryRows = std::function<
      absl::StatusOr<std::unique_ptr<projections::RowSnapshot>>()>;

  // How loads went, since construction.
  struct LoadStats {
    uint64_t loads = 0;
    // Of those, the ones started from decision_history's rows.
    uint64_t from_history = 0;
    // Events read from the log and folded, over all loads.
    uint64_t events_read = 0;
  };

  // `history` may be empty (every load folds the whole tag).
  AggregateCache(const eventstore::EventLog* log, size_t capacity,
                 HistoryRows history = nullptr)
      : log_(log), capacity_(capacity), history_(std::move(history)) {}

  const v1::ProgramState* FindProgram(absl::string_view id) const override;
  const v1::PersonState* FindPerson(absl::string_view id) const override;
  const v1::AccountState* FindAccount(absl::string_view id) const override;
  const v1::EscalationState* FindEscalation(
      absl::string_view id) const override;

  // The last version of the aggregate's own stream; nullopt when it has
  // none.
  absl::StatusOr<std::optional<uint64_t>> StreamVersion(
      const domain::AggregateRef& ref);

  // Folds a decision's events into every aggregate they are tagged with and
  // pins those aggregates; returns their tags (for Unpin).
  absl::StatusOr<std::vector<std::string>> ApplyDecided(
      const domain::Decision& decision);
  void Unpin(const std::vector<std::string>& tags);

  // The first load error since the last call, if any.
  absl::Status TakeLoadError() const;

  // Evicts unpinned aggregates beyond the capacity.
  void Trim();
  // Forgets everything (after a failed commit: state is reloaded lazily).
  void Clear();

  size_t size() const { return entries_.size(); }
  const LoadStats& load_stats() const { return load_stats_; }

 private:
  using State = std::variant<v1::ProgramState, v1::PersonState,
                             v1::AccountState, v1::EscalationState>;
  struct Entry {
    domain::AggregateRef ref;
    State state;
    // Version of the aggregate's own stream; -1 when it has no events.
    int64_t version = -1;
    int pins = 0;
    std::list<std::string>::iterator lru;
  };

  static State EmptyState(domain::AggregateKind kind);
  // The entry for `ref`, loaded from the log when absent; nullptr on error
  // (kept in load_error_).
  Entry* Get(const domain::AggregateRef& ref) const;
  absl::Status Load(Entry& entry) const;
  // The state at the log's durable head, from decision_history's rows
  // when possible.
  absl::StatusOr<projections::AsOfState> LoadState(
      const domain::AggregateRef& ref) const;
  // Folds one event; `own_stream` events advance the version.
  static absl::Status Fold(Entry& entry, absl::string_view stream_id,
                           absl::string_view type, absl::string_view main);
  template <typename S>
  const S* Find(domain::AggregateKind kind, absl::string_view id) const;

  const eventstore::EventLog* const log_;
  const size_t capacity_;
  const HistoryRows history_;
  mutable LoadStats load_stats_;
  // Keyed by tag ("account:acme"). Mutable: lookups load lazily.
  mutable absl::flat_hash_map<std::string, std::unique_ptr<Entry>> entries_;
  mutable std::list<std::string> lru_;  // most recent first
  mutable absl::Status load_error_;
};

}  // namespace kamgov::services

#endif  // KAMGOV_SERVICES_AGGREGATE_CACHE_H_
