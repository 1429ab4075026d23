#include "domain/scheduler.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "domain/days.h"
#include "domain/ids.h"
#include "domain/policy.h"

namespace kamgov::domain {
namespace {

v1::PersonalPart Because(std::string rationale) {
  v1::PersonalPart personal;
  personal.set_rationale(std::move(rationale));
  return personal;
}

std::vector<std::string> TagsOf(const v1::AccountState& account) {
  return {AccountTag(account.account_id()), ProgramTag(account.program_id())};
}

}  // namespace

std::vector<DomainEvent> AccountDeadlines(const v1::AccountState& account,
                                          const v1::ProgramPolicy& policy,
                                          int64_t now_us) {
  std::vector<DomainEvent> events;
  if (account.status() != v1::ACCOUNT_STATUS_DESIGNATED) return events;
  const int64_t today = DayOf(now_us);
  const std::string stream = AccountStream(account.account_id());

  for (const v1::CoverageGapState& gap : account.coverage_gaps()) {
    if (gap.reported()) continue;
    int64_t start = gap.since_day();
    if (gap.missing() == v1::COVERAGE_MISSING_PLAN) {
      if (!PlanRequired(policy, account.portfolio_class())) continue;
      // A class that starts needing a plan gets the full grace period.
      start = std::max(start, account.class_since_day());
    }
    const int64_t due = start + policy.coverage_grace_days();
    if (today <= due) continue;
    v1::CoverageGapDetected detected;
    detected.set_account_id(account.account_id());
    detected.set_program_id(account.program_id());
    detected.set_missing(gap.missing());
    detected.set_since_day(gap.since_day());
    detected.set_episode(gap.episode());
    detected.set_detected_day(today);
    events.push_back(MakeEvent(
        stream, detected, TagsOf(account),
        Because(absl::StrCat("no ", v1::CoverageMissing_Name(gap.missing()),
                             " since ", FormatDay(gap.since_day()),
                             "; grace of ", policy.coverage_grace_days(),
                             " days ended ", FormatDay(due)))));
  }

  const v1::AccountPlanState& plan = account.plan();
  const bool reviewable = plan.plan_version() > 0 &&
                          plan.status() != v1::PLAN_STATUS_REJECTED &&
                          plan.status() != v1::PLAN_STATUS_CLOSED;
  if (reviewable && plan.next_review_due_day() > 0 &&
      today > plan.next_review_due_day() &&
      !(plan.overdue_reported_version() == plan.plan_version() &&
        plan.overdue_reported_due_day() == plan.next_review_due_day())) {
    v1::AccountPlanReviewOverdue overdue;
    overdue.set_account_id(account.account_id());
    overdue.set_program_id(account.program_id());
    overdue.set_plan_version(plan.plan_version());
    overdue.set_due_day(plan.next_review_due_day());
    overdue.set_detected_day(today);
    events.push_back(MakeEvent(
        stream, overdue, TagsOf(account),
        Because(absl::StrCat("plan version ", plan.plan_version(),
                             " was due for review on ",
                             FormatDay(plan.next_review_due_day())))));
  }

  if (!account.sponsor_id().empty()) {
    const int64_t since =
        std::max(account.sponsor_since_day(), account.last_engagement_day());
    const int64_t due = since + policy.sponsor_engagement_max_days();
    if (today > due &&
        !(account.engagement_overdue_sponsor_id() == account.sponsor_id() &&
          account.engagement_overdue_due_day() == due)) {
      v1::SponsorEngagementOverdue overdue;
      overdue.set_account_id(account.account_id());
      overdue.set_program_id(account.program_id());
      overdue.set_sponsor_id(account.sponsor_id());
      overdue.set_since_day(since);
      overdue.set_due_day(due);
      overdue.set_detected_day(today);
      std::vector<std::string> tags = TagsOf(account);
      tags.push_back(PersonTag(account.sponsor_id()));
      events.push_back(MakeEvent(
          stream, overdue, std::move(tags),
          Because(absl::StrCat("no sponsor engagement since ", FormatDay(since),
                               "; limit ", policy.sponsor_engagement_max_days(),
                               " days"))));
    }
  }
  return events;
}

std::vector<DomainEvent> EscalationDeadlines(
    const v1::EscalationState& escalation, const v1::ProgramPolicy& policy,
    int64_t now_us) {
  std::vector<DomainEvent> events;
  if (escalation.status() != v1::ESCALATION_STATUS_OPEN) return events;
  const int timeout = EscalationTimeoutDays(policy, escalation.level());
  if (timeout < 0) return events;
  const int64_t today = DayOf(now_us);
  const int64_t due = escalation.level_since_day() + timeout;
  if (today <= due) return events;
  v1::EscalationLevelRaised raised;
  raised.set_escalation_id(escalation.escalation_id());
  raised.set_account_id(escalation.account_id());
  raised.set_program_id(escalation.program_id());
  raised.set_from_level(escalation.level());
  raised.set_to_level(static_cast<v1::EscalationLevel>(escalation.level() + 1));
  raised.set_reason(v1::LEVEL_RAISE_REASON_TIMEOUT);
  raised.set_raised_day(today);
  events.push_back(MakeEvent(
      EscalationStream(escalation.escalation_id()), raised,
      {EscalationTag(escalation.escalation_id()),
       AccountTag(escalation.account_id()),
       ProgramTag(escalation.program_id())},
      Because(absl::StrCat("unresolved at ",
                           v1::EscalationLevel_Name(escalation.level()),
                           " since ", FormatDay(escalation.level_since_day()),
                           "; time-out of ", timeout, " days"))));
  return events;
}

std::vector<Decision> DueDeadlines(const GovernanceState& state,
                                   int64_t now_us) {
  std::vector<Decision> decisions;
  auto policy_of = [&](const std::string& program_id) {
    const v1::ProgramState* program = state.FindProgram(program_id);
    return EffectivePolicy(program == nullptr ? v1::ProgramPolicy()
                                              : program->policy());
  };
  for (const auto& [id, account] : state.accounts()) {
    std::vector<DomainEvent> events =
        AccountDeadlines(account, policy_of(account.program_id()), now_us);
    if (!events.empty()) decisions.push_back(Decision{std::move(events)});
  }
  for (const auto& [id, escalation] : state.escalations()) {
    std::vector<DomainEvent> events = EscalationDeadlines(
        escalation, policy_of(escalation.program_id()), now_us);
    if (!events.empty()) decisions.push_back(Decision{std::move(events)});
  }
  return decisions;
}

}  // namespace kamgov::domain
