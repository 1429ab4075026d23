#include "projections/portfolio_projection.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace kamgov::projections {
namespace {

// The account fields read below (status, program, segments, class, score,
// criteria version, days, designation count) are written by these events
// only (domain/evolve.cc).
TypeSet FoldedTypes() {
  return {"AccountNominated",   "NominationRejected",  "AccountDesignated",
          "AccountReevaluated", "AccountReclassified", "AccountDeDesignated"};
}

std::string AccountKey(const v1::AccountState& a) {
  return absl::StrCat("a/", a.program_id(), kSep, EnumByte(a.portfolio_class()),
                      kSep, a.account_id());
}

std::string CounterPrefix(absl::string_view program_id) {
  return absl::StrCat("n/", program_id, kSep);
}

std::vector<Row> AccountRows(const v1::AccountState& a) {
  std::vector<Row> rows;
  if (a.status() != v1::ACCOUNT_STATUS_DESIGNATED) return rows;
  v1::PortfolioAccount row;
  row.set_account_id(a.account_id());
  row.set_program_id(a.program_id());
  row.set_portfolio_class(a.portfolio_class());
  row.set_weighted_score(a.weighted_score());
  row.set_criteria_version(a.criteria_version());
  row.set_designated_day(a.designated_day());
  row.set_class_since_day(a.class_since_day());
  row.set_designation_count(a.designation_count());
  row.set_segment_before_designation(a.segment_before_designation());
  rows.emplace_back(AccountKey(a), row.SerializeAsString());
  return rows;
}

std::vector<std::string> AccountCounters(const v1::AccountState& a) {
  std::vector<std::string> keys;
  if (!Exists(a)) return keys;
  const std::string prefix = CounterPrefix(a.program_id());
  keys.push_back(absl::StrCat(prefix, "g", EnumByte(a.customer_segment())));
  if (a.status() == v1::ACCOUNT_STATUS_DESIGNATED) {
    keys.push_back(absl::StrCat(prefix, "k"));
    keys.push_back(absl::StrCat(prefix, "c", EnumByte(a.portfolio_class())));
  }
  return keys;
}

absl::Status Summarize(const RowSnapshot& rows, const ProgramInfo& program,
                       v1::PortfolioProgram* out) {
  out->set_program_id(program.state.program_id());
  out->set_level(program.state.level());
  out->set_max_key_accounts(program.max_key_accounts());
  out->set_criteria_version(program.criteria_version());
  absl::StatusOr<std::map<std::string, int64_t>> counters =
      ReadCounters(rows, CounterPrefix(program.state.program_id()));
  if (!counters.ok()) return counters.status();
  auto count = [&](const std::string& key) -> int64_t {
    auto it = counters->find(key);
    return it == counters->end() ? 0 : it->second;
  };
  out->set_active_key_accounts(count("k"));
  for (int c = v1::PORTFOLIO_CLASS_STRATEGIC;
       c <= v1::PORTFOLIO_CLASS_STREAMLINE; ++c) {
    v1::ClassCount* entry = out->add_classes();
    entry->set_portfolio_class(static_cast<v1::PortfolioClass>(c));
    entry->set_accounts(count(absl::StrCat("c", EnumByte(c))));
  }
  for (int s = v1::CUSTOMER_SEGMENT_KEY; s <= v1::CUSTOMER_SEGMENT_SMALL; ++s) {
    v1::SegmentCount* entry = out->add_segments();
    entry->set_segment(static_cast<v1::CustomerSegment>(s));
    entry->set_accounts(count(absl::StrCat("g", EnumByte(s))));
  }
  return absl::OkStatus();
}

}  // namespace

PortfolioProjection::PortfolioProjection()
    : DashboardProjection({domain::AggregateKind::kAccount}, FoldedTypes()) {}

absl::Status PortfolioProjection::OnChange(const AggregateChange& change,
                                           RowTx& rows) {
  const auto& before = static_cast<const v1::AccountState&>(*change.before);
  const auto& after = static_cast<const v1::AccountState&>(*change.after);
  ReplaceRows(AccountRows(before), AccountRows(after), rows);
  counters().Move(AccountCounters(before), AccountCounters(after));
  return absl::OkStatus();
}

absl::StatusOr<v1::PortfolioResponse> QueryPortfolio(
    const RowSnapshot& rows, const v1::PortfolioRequest& request,
    const QueryContext& context) {
  FilterCheck check;
  check.Id("program_id", request.program_id());
  check.Enum("portfolio_class", request.portfolio_class(),
             v1::PortfolioClass_IsValid);
  if (absl::Status status = check.Done(); !status.ok()) return status;

  std::string prefix = "a/";
  if (!request.program_id().empty()) {
    absl::StrAppend(&prefix, request.program_id(), kSep);
    if (request.portfolio_class() != 0) {
      absl::StrAppend(&prefix, EnumByte(request.portfolio_class()), kSep);
    }
  }
  absl::StatusOr<std::string> start =
      DecodePageToken(request.page_token(), prefix);
  if (!start.ok()) return start.status();
  absl::StatusOr<std::map<std::string, ProgramInfo>> programs =
      LoadPrograms(rows, request.program_id());
  if (!programs.ok()) return programs.status();

  v1::PortfolioResponse response;
  response.set_position(rows.position());
  for (const auto& [id, program] : *programs) {
    absl::Status status = Summarize(rows, program, response.add_programs());
    if (!status.ok()) return status;
  }
  const int64_t today = Today(context);
  // Without a program, a class filter skips the other classes' blocks.
  const bool skip_classes =
      request.program_id().empty() && request.portfolio_class() != 0;
  absl::StatusOr<std::string> next = ScanPage(
      rows, prefix, *start, context,
      [&](absl::string_view key, absl::string_view value,
          std::string* jump) -> absl::StatusOr<RowVerdict> {
        absl::StatusOr<v1::PortfolioAccount> account =
            ParseRow<v1::PortfolioAccount>(key, value);
        if (!account.ok()) return account.status();
        if (skip_classes &&
            account->portfolio_class() != request.portfolio_class()) {
          *jump =
              ClassJump("a/", account->program_id(), account->portfolio_class(),
                        request.portfolio_class());
          return RowVerdict::kSkip;
        }
        account->set_years_as_key_account(
            static_cast<double>(today - account->designated_day()) / 365.25);
        *response.add_accounts() = *std::move(account);
        return RowVerdict::kTake;
      });
  if (!next.ok()) return next.status();
  response.set_next_page_token(*next);
  return response;
}

}  // namespace kamgov::projections
