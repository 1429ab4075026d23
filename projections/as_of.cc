#include "projections/as_of.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "domain/evolve.h"
#include "eventstore/format.h"
#include "projections/history_projection.h"

namespace kamgov::projections {
namespace {

using eventstore::format::DecodeBE64;

// Tag events read per call while folding: small first (a snapshot is
// usually a few dozen events back, and each event read is a point read),
// doubling up to kMaxFoldPage for long tails.
constexpr size_t kFirstFoldPage = 64;
constexpr size_t kMaxFoldPage = 1024;

// Folds the tag's events after `after` up to `position` into `out`.
absl::Status FoldTail(const eventstore::EventLog& log,
                      const domain::AggregateRef& ref, uint64_t after,
                      uint64_t position, AsOfState& out) {
  const std::string tag = domain::Tag(ref.kind, ref.id);
  for (size_t limit = kFirstFoldPage; after < position;
       limit = std::min(limit * 2, kMaxFoldPage)) {
    absl::StatusOr<std::vector<eventstore::RecordedEvent>> page =
        log.ReadByTag(tag, after, limit, /*include_personal=*/false);
    if (!page.ok()) return page.status();
    for (const eventstore::RecordedEvent& event : *page) {
      if (event.position > position) return absl::OkStatus();
      absl::Status folded = domain::EvolveState(
          ref.kind, *out.state, event.record.type(), event.record.main());
      if (!folded.ok()) return folded;
      ++out.events;
      ++out.events_read;
      after = event.position;
    }
    if (page->size() < limit) break;
  }
  return absl::OkStatus();
}

}  // namespace

bool AsOfState::exists() const {
  if (state == nullptr) return false;
  // Every state message has its id as field 1 (domain.proto).
  const google::protobuf::FieldDescriptor* id =
      state->GetDescriptor()->FindFieldByNumber(1);
  return id != nullptr &&
         !state->GetReflection()->GetString(*state, id).empty();
}

absl::StatusOr<int64_t> RecordedAt(const eventstore::EventLog& log,
                                   uint64_t position) {
  if (position == 0) return 0;
  absl::StatusOr<std::vector<eventstore::RecordedEvent>> events =
      log.ReadAll(position - 1, 1, /*include_personal=*/false);
  if (!events.ok()) return events.status();
  if (events->empty() || events->front().position != position) {
    return absl::DataLossError(
        absl::StrCat("no event stored at position ", position));
  }
  return events->front().record.recorded_at_us();
}

absl::StatusOr<uint64_t> PositionAtTime(const eventstore::EventLog& log,
                                        int64_t at_us, uint64_t head) {
  // Invariant: recorded_at(lo) <= at_us (lo = 0 stands for "before the
  // log"), recorded_at(hi + 1) > at_us.
  uint64_t lo = 0;
  uint64_t hi = head;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo + 1) / 2;
    absl::StatusOr<int64_t> at = RecordedAt(log, mid);
    if (!at.ok()) return at.status();
    if (*at <= at_us) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

absl::StatusOr<AsOfState> FoldFromTagIndex(const eventstore::EventLog& log,
                                           const domain::AggregateRef& ref,
                                           uint64_t position) {
  AsOfState out;
  out.state = domain::NewState(ref.kind);
  absl::Status folded = FoldTail(log, ref, 0, position, out);
  if (!folded.ok()) return folded;
  return out;
}

absl::StatusOr<AsOfState> StateAsOf(const RowSnapshot& rows,
                                    const eventstore::EventLog& log,
                                    const domain::AggregateRef& ref,
                                    uint64_t position) {
  AsOfState out;
  out.state = domain::NewState(ref.kind);
  const std::string tag = domain::Tag(ref.kind, ref.id);
  // Snapshot keys hold ~position: the first key after ~(position + 1) is
  // the newest snapshot at or before `position`.
  const std::string prefix = HistoryProjection::SnapshotPrefix(tag);
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> found =
      rows.Scan(prefix, HistoryProjection::SnapshotKey(tag, position + 1), 1);
  if (!found.ok()) return found.status();
  uint64_t after = 0;
  if (!found->empty()) {
    const auto& [key, value] = found->front();
    if (key.size() != prefix.size() + 8 || value.size() < 8) {
      return absl::DataLossError(
          absl::StrCat("decision_history: a malformed snapshot of ", tag));
    }
    after = ~DecodeBE64(absl::string_view(key).substr(prefix.size()));
    out.events = DecodeBE64(value);
    const absl::string_view state = absl::string_view(value).substr(8);
    if (!out.state->ParseFromArray(state.data(),
                                   static_cast<int>(state.size()))) {
      return absl::DataLossError(
          absl::StrCat("decision_history: a snapshot of ", tag, " at position ",
                       after, " does not parse"));
    }
  }
  absl::Status folded = FoldTail(log, ref, after, position, out);
  if (!folded.ok()) return folded;
  return out;
}

absl::StatusOr<AsOfState> LatestState(const RowSnapshot& rows,
                                      const eventstore::EventLog& log,
                                      const domain::AggregateRef& ref) {
  AsOfState out;
  out.state = domain::NewState(ref.kind);
  const std::string tag = domain::Tag(ref.kind, ref.id);
  absl::StatusOr<std::optional<std::string>> row =
      rows.Get(HistoryProjection::CurrentKey(tag));
  if (!row.ok()) return row.status();
  if (row->has_value()) {
    absl::StatusOr<HistoryProjection::CurrentRow> header =
        HistoryProjection::ParseCurrentRow(tag, **row, *out.state);
    if (!header.ok()) return header.status();
    out.events = header->events;
  }
  absl::Status folded = FoldTail(log, ref, rows.position(),
                                 std::numeric_limits<uint64_t>::max(), out);
  if (!folded.ok()) return folded;
  return out;
}

absl::StatusOr<ProgramAccountsPage> ProgramAccountsAsOf(
    const RowSnapshot& rows, absl::string_view program_id, uint64_t position,
    absl::string_view after_account_id, size_t limit) {
  const std::string prefix = HistoryProjection::MemberPrefix(program_id);
  const std::string start_after =
      after_account_id.empty() ? "" : absl::StrCat(prefix, after_account_id);
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> members =
      rows.Scan(prefix, start_after, limit);
  if (!members.ok()) return members.status();
  ProgramAccountsPage page;
  for (const auto& [key, value] : *members) {
    if (value.size() < 8) {
      return absl::DataLossError("decision_history: a malformed member row");
    }
    if (DecodeBE64(value) > position) continue;  // nominated later
    page.account_ids.push_back(key.substr(prefix.size()));
  }
  if (members->size() == limit && !members->empty()) {
    page.next_after = members->back().first.substr(prefix.size());
  }
  return page;
}

}  // namespace kamgov::projections
