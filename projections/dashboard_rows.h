#ifndef KAMGOV_PROJECTIONS_DASHBOARD_ROWS_H_
#define KAMGOV_PROJECTIONS_DASHBOARD_ROWS_H_

// What the dashboard read models (portfolio, coverage, sponsor load, plan
// compliance, escalations, selection cycle) share: the fold into index
// rows, the query-side paging, and the program lookups.
//
// Write side. A DashboardProjection folds the events it lists into
// aggregate states (AggregateRows, i.e. the domain's own Evolve) and, for
// each aggregate a batch of events changed, turns the states before and
// after the batch into index rows and counter deltas: the rows of `before`
// that `after` no longer has are deleted, new or changed ones are written
// (ReplaceRows). So rows and counters must derive from the states alone,
// never from the events between them: then any cut of the log into
// batches gives the same rows.
// Programs are folded from their own stream only (ProgramEstablished,
// ProgramPolicySet, criteria and cycles), never from their accounts'
// events: that would rewrite a state listing every key account of the
// program per event. Projections count accounts themselves (Counters).
// Events a projection does not list are skipped before anything is
// parsed: the fields it reads must depend only on the types it lists (each
// projection says why, next to its list).
//
// Read side. Rows are read from a RowSnapshot by prefix scans (ScanPage),
// page tokens are the last key returned, and a query checks a token
// belongs to its own prefix (DecodePageToken).
//
// Key layout: one short prefix per index ("a/", "d/", ...; never "s/",
// which AggregateRows uses), then ids separated by '\0' (ids never hold
// it), and fixed-width big-endian numbers so byte order is numeric order.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "domain/ids.h"
#include "kamgov/v1/domain.pb.h"
#include "projections/aggregate_rows.h"
#include "projections/engine.h"
#include "projections/projection.h"
#include "proto/status_details.h"

namespace kamgov::projections {

// ------------------------------------------------------------------ keys --

// Separates the ids in a key.
inline constexpr absl::string_view kSep("\0", 1);

// 8 bytes, big-endian, sign bit flipped: byte order = numeric order.
std::string OrderedInt64(int64_t value);
// Inverse of OrderedInt64; DATA_LOSS unless 8 bytes.
absl::StatusOr<int64_t> ParseOrderedInt64(absl::string_view bytes);
// One byte for an enum value (0..255), for keys.
std::string EnumByte(int value);

// For a block of keys that all start with `block` (which ends with kSep):
// a key after every key of the block and before any key after it, for
// skip-scans (ScanPage's jump).
std::string SkipBlock(absl::string_view block);

// For indexes keyed "<index><program>\0<class byte>\0...", scanned across
// programs for one class: where to jump from a row of `program_id` and
// `row_class` to reach the next row of `wanted_class`.
std::string ClassJump(absl::string_view index, absl::string_view program_id,
                      int row_class, int wanted_class);

// A row (key, value) of an index.
using Row = std::pair<std::string, std::string>;

// Makes `rows` hold `after` where it held `before`: deletes the keys of
// `before` not in `after`, puts the rows of `after` that are new or whose
// value changed. Both lists may be in any order.
void ReplaceRows(const std::vector<Row>& before, const std::vector<Row>& after,
                 RowTx& rows);

// Parses a row value into M; DATA_LOSS naming the key when it does not.
template <typename M>
absl::StatusOr<M> ParseRow(absl::string_view key, absl::string_view value);

// -------------------------------------------------------------- counters --

// Counter rows (key -> int64), changed by deltas cached for the batch.
// Flush reads each touched counter once, adds its delta and writes it
// (deleting it at 0). Owned by one projection; not thread-safe.
class Counters {
 public:
  void Add(absl::string_view key, int64_t delta);
  // -1 for each key of `before`, +1 for each of `after`.
  void Move(const std::vector<std::string>& before,
            const std::vector<std::string>& after);
  absl::Status Flush(RowTx& rows);
  void Reset() { deltas_.clear(); }

 private:
  absl::flat_hash_map<std::string, int64_t> deltas_;
};

// Counter values as stored; DATA_LOSS when malformed.
std::string EncodeCounter(int64_t value);
absl::StatusOr<int64_t> DecodeCounter(absl::string_view value);

// Every counter under `prefix`, keyed by the rest of its key.
absl::StatusOr<std::map<std::string, int64_t>> ReadCounters(
    const RowSnapshot& rows, absl::string_view prefix);

// ------------------------------------------------------------ projection --

// The event types a projection folds. Holds views of static strings.
class TypeSet {
 public:
  TypeSet(std::initializer_list<absl::string_view> types) : types_(types) {}
  bool contains(absl::string_view type) const { return types_.contains(type); }

 private:
  absl::flat_hash_set<absl::string_view> types_;
};

// The events of a program's own stream: what programs are folded from.
bool IsProgramStreamType(absl::string_view type);
// The events of a person's own stream.
bool IsPersonStreamType(absl::string_view type);

// A read model folded from aggregate states (see the top of this file).
// Subclasses name the kinds and event types they fold and turn each
// change into rows in OnChange. Threads and ownership as Projection.
class DashboardProjection : public Projection {
 public:
  absl::Status Apply(const eventstore::RecordedEvent& event, RowTx& rows) final;
  absl::Status Flush(RowTx& rows) final;
  void ResetBatch() final;

 protected:
  DashboardProjection(std::vector<domain::AggregateKind> kinds, TypeSet types);

  // One aggregate of a folded kind changed during the batch (called from
  // Flush). Programs' changes are not reported: queries read program
  // states directly (LoadPrograms).
  virtual absl::Status OnChange(const AggregateChange& change, RowTx& rows) = 0;

  Counters& counters() { return counters_; }

  // The usual OnChange: `derive` turns a State into its rows and counter
  // keys ({.rows, .counters}); the rows and counts of the state before the
  // change are replaced by those of the state after it.
  template <typename State, typename Derive>
  absl::Status ReplaceDerived(const AggregateChange& change, RowTx& rows,
                              Derive derive) {
    const auto before = derive(static_cast<const State&>(*change.before));
    const auto after = derive(static_cast<const State&>(*change.after));
    ReplaceRows(before.rows, after.rows, rows);
    counters_.Move(before.counters, after.counters);
    return absl::OkStatus();
  }

 private:
  AggregateRows aggregates_;
  AggregateRows programs_;
  TypeSet types_;
  Counters counters_;
};

// ---------------------------------------------------------------- queries --

// What a query needs besides the request: the server's clock and the page
// size (already checked against the service's limits).
struct QueryContext {
  int64_t now_us = 0;
  size_t page_size = 100;
  // Rows a filtering query may scan for one page before it returns a
  // short page with a token.
  size_t scan_budget = 20000;
};

// A program's state (folded from its own stream) and effective policy.
struct ProgramInfo {
  v1::ProgramState state;
  v1::ProgramPolicy policy;  // complete (domain::EffectivePolicy)
  // Of the last published criteria set; 0 when none.
  int32_t criteria_version() const;
  int32_t max_key_accounts() const;
};

// Every program, by id; or just `program_id` when given (NOT_FOUND with
// reason PROGRAM_NOT_FOUND when it does not exist).
absl::StatusOr<std::map<std::string, ProgramInfo>> LoadPrograms(
    const RowSnapshot& rows, absl::string_view program_id);

// The policy for `program_id` from `programs`; DefaultPolicy() when the
// program is unknown.
const v1::ProgramPolicy& PolicyOf(
    const std::map<std::string, ProgramInfo>& programs,
    absl::string_view program_id);

// What ScanPage's visitor says about one row.
enum class RowVerdict {
  kTake,  // counts toward the page
  kSkip,  // filtered out
  kStop,  // the page is complete before this row (which is not consumed)
};

// Visits one row. It may set `*jump` to a key (after this one) to continue
// the scan after: a skip-scan over a block of rows it does not want.
using RowVisitor = absl::FunctionRef<absl::StatusOr<RowVerdict>(
    absl::string_view key, absl::string_view value, std::string* jump)>;

// Visits the rows under `prefix` after `start_after` (from the first when
// empty) in key order, until `context.page_size` rows were taken,
// `context.scan_budget` rows scanned, or the visitor says kStop. Returns the
// page token to continue from, empty when no row is left.
absl::StatusOr<std::string> ScanPage(const RowSnapshot& rows,
                                     absl::string_view prefix,
                                     absl::string_view start_after,
                                     const QueryContext& context,
                                     RowVisitor visit);

// The key a page token continues after; "" for an empty token.
// INVALID_ARGUMENT (field "page_token") when it is malformed or does not
// belong to `prefix` (another query, or other filters).
absl::StatusOr<std::string> DecodePageToken(absl::string_view token,
                                            absl::string_view prefix);
std::string EncodePageToken(absl::string_view key);

// Field violations for request filters, collected then returned at once.
class FilterCheck {
 public:
  // An id filter: empty, or a valid id.
  void Id(absl::string_view field, absl::string_view id);
  // An enum filter: 0 (unset) or a value `valid` accepts.
  void Enum(absl::string_view field, int value, bool (*valid)(int));
  void Fail(absl::string_view field, absl::string_view description);
  absl::Status Done();

 private:
  std::vector<FieldViolation> violations_;
};

// Today's UTC day from a clock reading.
int64_t Today(const QueryContext& context);

// ------------------------------------------------------------- templates --

absl::Status RowDoesNotParse(absl::string_view key, absl::string_view type);

template <typename M>
absl::StatusOr<M> ParseRow(absl::string_view key, absl::string_view value) {
  M message;
  if (!message.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return RowDoesNotParse(key, M::descriptor()->name());
  }
  return message;
}

}  // namespace kamgov::projections

#endif  // KAMGOV_PROJECTIONS_DASHBOARD_ROWS_H_
