#include "projections/coverage_projection.h"

#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace kamgov::projections {
namespace {

// Manager, sponsor, team, class and the coverage gaps (which Evolve derives
// from status, manager, sponsor and plan) are written by these events only
// (domain/evolve.cc).
TypeSet FoldedTypes() {
  return {"AccountNominated",
          "NominationRejected",
          "AccountDesignated",
          "AccountReclassified",
          "AccountDeDesignated",
          "KeyAccountManagerAssigned",
          "KeyAccountManagerReleased",
          "ExecutiveSponsorAssigned",
          "ExecutiveSponsorReleased",
          "TeamMemberJoined",
          "TeamMemberLeft",
          "AccountPlanSubmitted",
          "AccountPlanReviewed",
          "CoverageGapDetected"};
}

std::string CounterPrefix(absl::string_view program_id) {
  return absl::StrCat("n/", program_id, kSep);
}

v1::CoverageAccount ToRow(const v1::AccountState& a) {
  v1::CoverageAccount row;
  row.set_account_id(a.account_id());
  row.set_program_id(a.program_id());
  row.set_portfolio_class(a.portfolio_class());
  row.set_manager_id(a.manager_id());
  row.set_manager_mode(a.manager_mode());
  row.set_manager_scope(a.manager_scope());
  row.set_manager_since_day(a.manager_since_day());
  row.set_sponsor_id(a.sponsor_id());
  row.set_sponsor_since_day(a.sponsor_since_day());
  absl::flat_hash_set<absl::string_view> people;
  absl::flat_hash_set<absl::string_view> units;
  if (!a.manager_id().empty()) people.insert(a.manager_id());
  for (const v1::TeamMemberState& member : a.team()) {
    v1::CoverageTeamMember* out = row.add_team();
    out->set_member_id(member.member_id());
    out->set_unit_id(member.unit_id());
    out->set_permanent(member.permanent());
    people.insert(member.member_id());
    if (!member.unit_id().empty()) units.insert(member.unit_id());
  }
  row.set_team_units(static_cast<int32_t>(units.size()));
  row.set_single_person_relationship(people.size() <= 1);
  for (const v1::CoverageGapState& gap : a.coverage_gaps()) {
    v1::CoverageGap* out = row.add_gaps();
    out->set_missing(gap.missing());
    out->set_since_day(gap.since_day());
    out->set_reported(gap.reported());
  }
  return row;
}

bool Missing(const v1::CoverageAccount& row, v1::CoverageMissing missing) {
  for (const v1::CoverageGap& gap : row.gaps()) {
    if (gap.missing() == missing) return true;
  }
  return false;
}

bool HasGap(const v1::CoverageAccount& row) {
  return row.gaps_size() > 0 || row.single_person_relationship();
}

struct Derived {
  std::vector<Row> rows;
  std::vector<std::string> counters;
};

Derived Derive(const v1::AccountState& a) {
  Derived out;
  if (a.status() != v1::ACCOUNT_STATUS_DESIGNATED) return out;
  const v1::CoverageAccount row = ToRow(a);
  const std::string value = row.SerializeAsString();
  const std::string tail = absl::StrCat(kSep, a.account_id());
  out.rows.emplace_back(absl::StrCat("a/", a.program_id(), tail), value);
  if (HasGap(row)) {
    out.rows.emplace_back(absl::StrCat("g/", a.program_id(), tail), value);
  }
  if (!a.manager_id().empty()) {
    out.rows.emplace_back(absl::StrCat("m/", a.manager_id(), tail), value);
  }
  const std::string prefix = CounterPrefix(a.program_id());
  out.counters.push_back(absl::StrCat(prefix, "k"));
  if (Missing(row, v1::COVERAGE_MISSING_MANAGER)) {
    out.counters.push_back(absl::StrCat(prefix, "m"));
  }
  if (Missing(row, v1::COVERAGE_MISSING_SPONSOR)) {
    out.counters.push_back(absl::StrCat(prefix, "s"));
  }
  if (Missing(row, v1::COVERAGE_MISSING_PLAN)) {
    out.counters.push_back(absl::StrCat(prefix, "p"));
  }
  if (row.single_person_relationship()) {
    out.counters.push_back(absl::StrCat(prefix, "1"));
  }
  if (HasGap(row)) out.counters.push_back(absl::StrCat(prefix, "g"));
  return out;
}

}  // namespace

CoverageProjection::CoverageProjection()
    : DashboardProjection({domain::AggregateKind::kAccount}, FoldedTypes()) {}

absl::Status CoverageProjection::OnChange(const AggregateChange& change,
                                          RowTx& rows) {
  return ReplaceDerived<v1::AccountState>(change, rows, &Derive);
}

absl::StatusOr<v1::CoverageResponse> QueryCoverage(
    const RowSnapshot& rows, const v1::CoverageRequest& request,
    const QueryContext& context) {
  FilterCheck check;
  check.Id("program_id", request.program_id());
  check.Id("manager_id", request.manager_id());
  if (absl::Status status = check.Done(); !status.ok()) return status;

  std::string prefix;
  if (!request.manager_id().empty()) {
    prefix = absl::StrCat("m/", request.manager_id(), kSep);
  } else {
    prefix = request.gaps_only() ? "g/" : "a/";
    if (!request.program_id().empty()) {
      absl::StrAppend(&prefix, request.program_id(), kSep);
    }
  }
  absl::StatusOr<std::string> start =
      DecodePageToken(request.page_token(), prefix);
  if (!start.ok()) return start.status();
  absl::StatusOr<std::map<std::string, ProgramInfo>> programs =
      LoadPrograms(rows, request.program_id());
  if (!programs.ok()) return programs.status();

  v1::CoverageResponse response;
  response.set_position(rows.position());
  for (const auto& [id, program] : *programs) {
    absl::StatusOr<std::map<std::string, int64_t>> counters =
        ReadCounters(rows, CounterPrefix(id));
    if (!counters.ok()) return counters.status();
    auto count = [&](const char* key) -> int64_t {
      auto it = counters->find(key);
      return it == counters->end() ? 0 : it->second;
    };
    v1::CoverageSummary* summary = response.add_programs();
    summary->set_program_id(id);
    summary->set_key_accounts(count("k"));
    summary->set_without_manager(count("m"));
    summary->set_without_sponsor(count("s"));
    summary->set_without_plan(count("p"));
    summary->set_single_person(count("1"));
    summary->set_with_any_gap(count("g"));
  }
  const int64_t today = Today(context);
  const bool by_manager = !request.manager_id().empty();
  absl::StatusOr<std::string> next = ScanPage(
      rows, prefix, *start, context,
      [&](absl::string_view key, absl::string_view value,
          std::string*) -> absl::StatusOr<RowVerdict> {
        absl::StatusOr<v1::CoverageAccount> account =
            ParseRow<v1::CoverageAccount>(key, value);
        if (!account.ok()) return account.status();
        if (by_manager && ((!request.program_id().empty() &&
                            account->program_id() != request.program_id()) ||
                           (request.gaps_only() && !HasGap(*account)))) {
          return RowVerdict::kSkip;
        }
        const int grace =
            PolicyOf(*programs, account->program_id()).coverage_grace_days();
        for (v1::CoverageGap& gap : *account->mutable_gaps()) {
          gap.set_days_open(today - gap.since_day());
          gap.set_beyond_grace(today > gap.since_day() + grace);
        }
        *response.add_accounts() = *std::move(account);
        return RowVerdict::kTake;
      });
  if (!next.ok()) return next.status();
  response.set_next_page_token(*next);
  return response;
}

}  // namespace kamgov::projections
