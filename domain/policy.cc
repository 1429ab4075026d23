#include "domain/policy.h"

#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"

namespace kamgov::domain {

v1::ProgramPolicy DefaultPolicy() {
  v1::ProgramPolicy p;
  p.set_sponsor_max_accounts(3);
  p.set_plan_review_cadence_days(90);
  p.set_coverage_grace_days(30);
  p.set_sponsor_engagement_max_days(365);
  p.set_escalation_timeout_days_key_account_manager(14);
  p.set_escalation_timeout_days_unit_head(14);
  p.set_escalation_timeout_days_program_director(14);
  p.set_plan_min_initiatives(2);
  p.set_plan_max_initiatives(5);
  p.set_selection_cycle_months(12);
  p.set_effective_at_skew_us(int64_t{30} * 1000 * 1000);
  p.set_weight_sum_tolerance(1e-6);
  p.set_score_scale_max(10);
  p.mutable_plan_required_classes()->add_classes(v1::PORTFOLIO_CLASS_STRATEGIC);
  p.mutable_plan_required_classes()->add_classes(v1::PORTFOLIO_CLASS_STAR);
  return p;
}

v1::ProgramPolicy MergePolicy(const v1::ProgramPolicy& base,
                              const v1::ProgramPolicy& overrides) {
  // MergeFrom copies exactly the fields present in `overrides` (proto3
  // optional scalars and the message field have presence), except that it
  // would append to the repeated classes: replace those instead.
  v1::ProgramPolicy merged = base;
  merged.MergeFrom(overrides);
  if (overrides.has_plan_required_classes()) {
    *merged.mutable_plan_required_classes() = overrides.plan_required_classes();
  }
  return merged;
}

v1::ProgramPolicy EffectivePolicy(const v1::ProgramPolicy& recorded) {
  return MergePolicy(DefaultPolicy(), recorded);
}

std::vector<FieldViolation> ValidatePolicy(const v1::ProgramPolicy& p,
                                           absl::string_view prefix) {
  std::vector<FieldViolation> out;
  auto field = [&](absl::string_view name) {
    return absl::StrCat(prefix, ".", name);
  };
  auto at_least = [&](absl::string_view name, int64_t value, int64_t min) {
    if (value < min) {
      out.push_back({field(name), absl::StrCat("must be at least ", min)});
    }
  };
  at_least("sponsor_max_accounts", p.sponsor_max_accounts(), 1);
  at_least("plan_review_cadence_days", p.plan_review_cadence_days(), 1);
  at_least("coverage_grace_days", p.coverage_grace_days(), 0);
  at_least("sponsor_engagement_max_days", p.sponsor_engagement_max_days(), 1);
  at_least("escalation_timeout_days_key_account_manager",
           p.escalation_timeout_days_key_account_manager(), 1);
  at_least("escalation_timeout_days_unit_head",
           p.escalation_timeout_days_unit_head(), 1);
  at_least("escalation_timeout_days_program_director",
           p.escalation_timeout_days_program_director(), 1);
  at_least("plan_min_initiatives", p.plan_min_initiatives(), 0);
  at_least("plan_max_initiatives", p.plan_max_initiatives(), 1);
  if (p.plan_max_initiatives() < p.plan_min_initiatives()) {
    out.push_back({field("plan_max_initiatives"),
                   "must not be below plan_min_initiatives"});
  }
  at_least("selection_cycle_months", p.selection_cycle_months(), 1);
  at_least("effective_at_skew_us", p.effective_at_skew_us(), 0);
  if (!std::isfinite(p.weight_sum_tolerance()) ||
      p.weight_sum_tolerance() < 0 || p.weight_sum_tolerance() >= 0.5) {
    out.push_back({field("weight_sum_tolerance"), "must be in [0, 0.5)"});
  }
  if (!std::isfinite(p.score_scale_max()) || p.score_scale_max() <= 0) {
    out.push_back({field("score_scale_max"), "must be positive"});
  }
  std::set<int> seen;
  for (int i = 0; i < p.plan_required_classes().classes_size(); ++i) {
    const int c = p.plan_required_classes().classes(i);
    const std::string name =
        field(absl::StrCat("plan_required_classes.classes[", i, "]"));
    if (c == v1::PORTFOLIO_CLASS_UNSPECIFIED ||
        !v1::PortfolioClass_IsValid(c)) {
      out.push_back({name, "unknown portfolio class"});
    } else if (!seen.insert(c).second) {
      out.push_back({name, "listed twice"});
    }
  }
  return out;
}

int EscalationTimeoutDays(const v1::ProgramPolicy& policy,
                          v1::EscalationLevel level) {
  switch (level) {
    case v1::ESCALATION_LEVEL_KEY_ACCOUNT_MANAGER:
      return policy.escalation_timeout_days_key_account_manager();
    case v1::ESCALATION_LEVEL_UNIT_HEAD:
      return policy.escalation_timeout_days_unit_head();
    case v1::ESCALATION_LEVEL_PROGRAM_DIRECTOR:
      return policy.escalation_timeout_days_program_director();
    default:
      return -1;
  }
}

bool PlanRequired(const v1::ProgramPolicy& policy,
                  v1::PortfolioClass portfolio_class) {
  for (int c : policy.plan_required_classes().classes()) {
    if (c == portfolio_class) return true;
  }
  return false;
}

}  // namespace kamgov::domain
