#include "projections/selection_cycle_projection.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace kamgov::projections {
namespace {

// Status, class, score, criteria version and last cycle are written by
// these events only (domain/evolve.cc).
TypeSet FoldedTypes() {
  return {"AccountNominated",   "NominationRejected",  "AccountDesignated",
          "AccountReevaluated", "AccountReclassified", "AccountDeDesignated"};
}

std::string CounterPrefix(absl::string_view program_id) {
  return absl::StrCat("n/", program_id, kSep);
}

struct Derived {
  std::vector<Row> rows;
  std::vector<std::string> counters;
};

Derived Derive(const v1::AccountState& a) {
  Derived out;
  if (a.status() != v1::ACCOUNT_STATUS_DESIGNATED) return out;
  v1::CycleAccount row;
  row.set_account_id(a.account_id());
  row.set_program_id(a.program_id());
  row.set_last_reevaluated_cycle_id(a.last_reevaluated_cycle_id());
  row.set_criteria_version(a.criteria_version());
  row.set_weighted_score(a.weighted_score());
  row.set_portfolio_class(a.portfolio_class());
  row.set_designated_day(a.designated_day());
  const std::string value = row.SerializeAsString();
  const std::string program = absl::StrCat(a.program_id(), kSep);
  const std::string version = OrderedInt64(a.criteria_version());
  out.rows.emplace_back(
      absl::StrCat("c/", program, a.last_reevaluated_cycle_id(), kSep,
                   a.account_id()),
      value);
  out.rows.emplace_back(
      absl::StrCat("v/", program, version, kSep, a.account_id()), value);
  const std::string prefix = CounterPrefix(a.program_id());
  out.counters.push_back(absl::StrCat(prefix, "k"));
  out.counters.push_back(
      absl::StrCat(prefix, "c", a.last_reevaluated_cycle_id()));
  out.counters.push_back(absl::StrCat(prefix, "v", version));
  return out;
}

}  // namespace

SelectionCycleProjection::SelectionCycleProjection()
    : DashboardProjection({domain::AggregateKind::kAccount}, FoldedTypes()) {}

absl::Status SelectionCycleProjection::OnChange(const AggregateChange& change,
                                                RowTx& rows) {
  return ReplaceDerived<v1::AccountState>(change, rows, &Derive);
}

absl::StatusOr<v1::SelectionCycleResponse> QuerySelectionCycle(
    const RowSnapshot& rows, const v1::SelectionCycleRequest& request,
    const QueryContext& context) {
  FilterCheck check;
  check.Id("program_id", request.program_id());
  check.Enum("view", request.view(), v1::SelectionCycleView_IsValid);
  if (absl::Status status = check.Done(); !status.ok()) return status;
  const bool superseded = request.view() == v1::SELECTION_CYCLE_VIEW_SUPERSEDED;
  std::string prefix = superseded ? "v/" : "c/";
  if (!request.program_id().empty()) {
    absl::StrAppend(&prefix, request.program_id(), kSep);
  }
  absl::StatusOr<std::string> start =
      DecodePageToken(request.page_token(), prefix);
  if (!start.ok()) return start.status();
  absl::StatusOr<std::map<std::string, ProgramInfo>> programs =
      LoadPrograms(rows, request.program_id());
  if (!programs.ok()) return programs.status();

  v1::SelectionCycleResponse response;
  response.set_position(rows.position());
  const int64_t today = Today(context);
  for (const auto& [id, program] : *programs) {
    absl::StatusOr<std::map<std::string, int64_t>> counters =
        ReadCounters(rows, CounterPrefix(id));
    if (!counters.ok()) return counters.status();
    v1::ProgramCycle* cycle = response.add_programs();
    cycle->set_program_id(id);
    const v1::SelectionCycleState& open = program.state.open_cycle();
    cycle->set_open_cycle_id(open.cycle_id());
    cycle->set_opened_day(open.opened_day());
    cycle->set_due_day(open.due_day());
    if (!open.cycle_id().empty())
      cycle->set_days_to_due(open.due_day() - today);
    cycle->set_current_criteria_version(program.criteria_version());
    cycle->set_closed_cycles(program.state.closed_cycle_ids_size());
    const std::string current_version =
        absl::StrCat("v", OrderedInt64(program.criteria_version()));
    for (const auto& [key, count] : *counters) {
      if (key == "k") cycle->set_key_accounts(count);
      if (!open.cycle_id().empty() &&
          key == absl::StrCat("c", open.cycle_id())) {
        cycle->set_reevaluated(count);
      }
      if (key[0] == 'v' && key < current_version) {
        cycle->set_superseded(cycle->superseded() + count);
      }
    }
    if (!open.cycle_id().empty()) {
      cycle->set_pending(cycle->key_accounts() - cycle->reevaluated());
    }
  }

  absl::StatusOr<std::string> next = ScanPage(
      rows, prefix, *start, context,
      [&](absl::string_view key, absl::string_view value,
          std::string* jump) -> absl::StatusOr<RowVerdict> {
        absl::StatusOr<v1::CycleAccount> account =
            ParseRow<v1::CycleAccount>(key, value);
        if (!account.ok()) return account.status();
        const std::string program_block =
            absl::StrCat(prefix.substr(0, 2), account->program_id(), kSep);
        auto it = programs->find(account->program_id());
        if (it == programs->end()) {
          *jump = SkipBlock(program_block);
          return RowVerdict::kSkip;
        }
        if (superseded) {
          if (account->criteria_version() >= it->second.criteria_version()) {
            *jump = SkipBlock(program_block);
            return RowVerdict::kSkip;
          }
        } else {
          const std::string& open = it->second.state.open_cycle().cycle_id();
          if (open.empty()) {
            *jump = SkipBlock(program_block);
            return RowVerdict::kSkip;
          }
          if (account->last_reevaluated_cycle_id() == open) {
            *jump = SkipBlock(absl::StrCat(program_block, open, kSep));
            return RowVerdict::kSkip;
          }
        }
        *response.add_accounts() = *std::move(account);
        return RowVerdict::kTake;
      });
  if (!next.ok()) return next.status();
  response.set_next_page_token(*next);
  return response;
}

}  // namespace kamgov::projections
