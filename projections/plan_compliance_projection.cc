#include "projections/plan_compliance_projection.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "domain/evolve.h"
#include "domain/policy.h"

namespace kamgov::projections {
namespace {

// Status, class and the plan's fields (but the overdue markers, unused)
// are written by these events only (domain/evolve.cc).
TypeSet FoldedTypes() {
  return {"AccountNominated",    "NominationRejected",  "AccountDesignated",
          "AccountReclassified", "AccountDeDesignated", "AccountPlanSubmitted",
          "AccountPlanReviewed"};
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
  const bool present = domain::HasPlan(a);
  const v1::AccountPlanState& plan = a.plan();
  v1::PlanComplianceAccount row;
  row.set_account_id(a.account_id());
  row.set_program_id(a.program_id());
  row.set_portfolio_class(a.portfolio_class());
  row.set_plan_present(present);
  row.set_plan_approved(present && plan.status() == v1::PLAN_STATUS_APPROVED);
  row.set_plan_status(plan.status());
  row.set_plan_version(plan.plan_version());
  row.set_next_review_due_day(plan.next_review_due_day());
  row.set_initiative_count(plan.initiative_count());
  row.set_customer_participated(plan.customer_participated());
  row.set_last_review_outcome(plan.last_review_outcome());
  row.set_last_reviewed_day(plan.last_reviewed_day());
  const std::string value = row.SerializeAsString();
  const std::string program = absl::StrCat(a.program_id(), kSep);
  const std::string cls = EnumByte(a.portfolio_class());
  const std::string tail = absl::StrCat(kSep, a.account_id());
  out.rows.emplace_back(absl::StrCat("a/", program, cls, tail), value);
  if (present) {
    if (plan.next_review_due_day() > 0) {
      out.rows.emplace_back(
          absl::StrCat("d/", program, OrderedInt64(plan.next_review_due_day()),
                       tail),
          value);
    }
  } else {
    out.rows.emplace_back(absl::StrCat("m/", program, cls, tail), value);
  }
  const std::string prefix = CounterPrefix(a.program_id());
  out.counters.push_back(absl::StrCat(prefix, "k"));
  out.counters.push_back(absl::StrCat(prefix, "c", cls));
  if (present) out.counters.push_back(absl::StrCat(prefix, "p", cls));
  if (row.plan_approved()) {
    out.counters.push_back(absl::StrCat(prefix, "a", cls));
  }
  return out;
}

bool Overdue(const v1::PlanComplianceAccount& row, int64_t today) {
  return row.plan_present() && row.next_review_due_day() > 0 &&
         today > row.next_review_due_day();
}

// Overdue reviews of one program: the start of its "d/" range.
absl::StatusOr<int64_t> CountOverdue(const RowSnapshot& rows,
                                     absl::string_view program_id,
                                     const QueryContext& context) {
  const std::string prefix = absl::StrCat("d/", program_id, kSep);
  // Keys of reviews due before today sort before this one.
  const std::string end = absl::StrCat(prefix, OrderedInt64(Today(context)));
  int64_t count = 0;
  std::string after;
  while (count < static_cast<int64_t>(context.scan_budget)) {
    auto batch = rows.Scan(prefix, after, 1024);
    if (!batch.ok()) return batch.status();
    for (const auto& [key, value] : *batch) {
      if (key >= end) return count;
      ++count;
    }
    if (batch->size() < 1024) return count;
    after = batch->back().first;
  }
  return count;
}

}  // namespace

PlanComplianceProjection::PlanComplianceProjection()
    : DashboardProjection({domain::AggregateKind::kAccount}, FoldedTypes()) {}

absl::Status PlanComplianceProjection::OnChange(const AggregateChange& change,
                                                RowTx& rows) {
  return ReplaceDerived<v1::AccountState>(change, rows, &Derive);
}

absl::StatusOr<v1::PlanComplianceResponse> QueryPlanCompliance(
    const RowSnapshot& rows, const v1::PlanComplianceRequest& request,
    const QueryContext& context) {
  FilterCheck check;
  check.Id("program_id", request.program_id());
  check.Enum("portfolio_class", request.portfolio_class(),
             v1::PortfolioClass_IsValid);
  if (request.overdue_only() && request.missing_only()) {
    check.Fail("missing_only",
               "an account without a plan has no review due: use "
               "overdue_only or missing_only, not both");
  }
  if (absl::Status status = check.Done(); !status.ok()) return status;

  const bool by_class_block = !request.overdue_only();
  std::string prefix =
      request.overdue_only() ? "d/" : (request.missing_only() ? "m/" : "a/");
  if (!request.program_id().empty()) {
    absl::StrAppend(&prefix, request.program_id(), kSep);
    if (by_class_block && request.portfolio_class() != 0) {
      absl::StrAppend(&prefix, EnumByte(request.portfolio_class()), kSep);
    }
  }
  absl::StatusOr<std::string> start =
      DecodePageToken(request.page_token(), prefix);
  if (!start.ok()) return start.status();
  absl::StatusOr<std::map<std::string, ProgramInfo>> programs =
      LoadPrograms(rows, request.program_id());
  if (!programs.ok()) return programs.status();

  v1::PlanComplianceResponse response;
  response.set_position(rows.position());
  for (const auto& [id, program] : *programs) {
    absl::StatusOr<std::map<std::string, int64_t>> counters =
        ReadCounters(rows, CounterPrefix(id));
    if (!counters.ok()) return counters.status();
    auto count = [&](const std::string& key) -> int64_t {
      auto it = counters->find(key);
      return it == counters->end() ? 0 : it->second;
    };
    v1::PlanComplianceSummary* summary = response.add_programs();
    summary->set_program_id(id);
    summary->set_key_accounts(count("k"));
    for (int c = v1::PORTFOLIO_CLASS_STRATEGIC;
         c <= v1::PORTFOLIO_CLASS_STREAMLINE; ++c) {
      const std::string cls = EnumByte(c);
      const int64_t present = count(absl::StrCat("p", cls));
      summary->set_plan_present(summary->plan_present() + present);
      summary->set_plan_approved(summary->plan_approved() +
                                 count(absl::StrCat("a", cls)));
      if (domain::PlanRequired(program.policy,
                               static_cast<v1::PortfolioClass>(c))) {
        const int64_t accounts = count(absl::StrCat("c", cls));
        summary->set_plan_required(summary->plan_required() + accounts);
        summary->set_plan_missing(summary->plan_missing() + accounts - present);
      }
    }
    absl::StatusOr<int64_t> overdue = CountOverdue(rows, id, context);
    if (!overdue.ok()) return overdue.status();
    summary->set_reviews_overdue(*overdue);
  }

  const int64_t today = Today(context);
  const int wanted_class = request.portfolio_class();
  absl::StatusOr<std::string> next = ScanPage(
      rows, prefix, *start, context,
      [&](absl::string_view key, absl::string_view value,
          std::string* jump) -> absl::StatusOr<RowVerdict> {
        absl::StatusOr<v1::PlanComplianceAccount> account =
            ParseRow<v1::PlanComplianceAccount>(key, value);
        if (!account.ok()) return account.status();
        if (request.overdue_only() && !Overdue(*account, today)) {
          // Due today or later: so is the rest of this program's range.
          *jump = SkipBlock(absl::StrCat("d/", account->program_id(), kSep));
          return RowVerdict::kSkip;
        }
        if (wanted_class != 0 && account->portfolio_class() != wanted_class) {
          if (by_class_block) {
            *jump = ClassJump(prefix.substr(0, 2), account->program_id(),
                              account->portfolio_class(), wanted_class);
          }
          return RowVerdict::kSkip;
        }
        const v1::ProgramPolicy& policy =
            PolicyOf(*programs, account->program_id());
        account->set_plan_required(
            domain::PlanRequired(policy, account->portfolio_class()));
        if (request.missing_only() && !account->plan_required()) {
          return RowVerdict::kSkip;
        }
        account->set_review_overdue(Overdue(*account, today));
        if (account->review_overdue()) {
          account->set_days_overdue(today - account->next_review_due_day());
        }
        *response.add_accounts() = *std::move(account);
        return RowVerdict::kTake;
      });
  if (!next.ok()) return next.status();
  response.set_next_page_token(*next);
  return response;
}

}  // namespace kamgov::projections
