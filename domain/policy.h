#ifndef KAMGOV_DOMAIN_POLICY_H_
#define KAMGOV_DOMAIN_POLICY_H_

// Program policies: every number a rule uses (DOMAIN.md section 4), with
// DOMAIN.md's defaults. Pure; any thread.
//
// ProgramPolicy fields have presence. A recorded policy may lack fields that
// were added to the schema after it was recorded; EffectivePolicy() fills
// them from the defaults, so old logs keep folding. The domain always
// decides with an effective (complete) policy.

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "kamgov/v1/domain.pb.h"
#include "proto/status_details.h"

namespace kamgov::domain {

// Every field set to DOMAIN.md's default: sponsor_max_accounts 3,
// plan_review_cadence_days 90, coverage_grace_days 30,
// sponsor_engagement_max_days 365, escalation timeouts 14 days per level,
// plan initiatives 2..5, selection_cycle_months 12, effective_at skew 30 s,
// weight_sum_tolerance 1e-6, score_scale_max 10, plan required for
// STRATEGIC and STAR.
v1::ProgramPolicy DefaultPolicy();

// `base` with every field that is set in `overrides` replaced.
v1::ProgramPolicy MergePolicy(const v1::ProgramPolicy& base,
                              const v1::ProgramPolicy& overrides);

// DefaultPolicy() merged with `recorded`: complete.
v1::ProgramPolicy EffectivePolicy(const v1::ProgramPolicy& recorded);

// Field violations of a complete policy (non-positive periods, min above
// max, tolerance outside [0, 0.5), unknown classes, ...), with field paths
// under `prefix` (e.g. "command.policy").
std::vector<FieldViolation> ValidatePolicy(const v1::ProgramPolicy& policy,
                                           absl::string_view prefix);

// Days an open escalation may stay at `level`; -1 for the top level (and
// for UNSPECIFIED), which never times out.
int EscalationTimeoutDays(const v1::ProgramPolicy& policy,
                          v1::EscalationLevel level);

// Whether accounts of `portfolio_class` need a plan under `policy`.
bool PlanRequired(const v1::ProgramPolicy& policy,
                  v1::PortfolioClass portfolio_class);

}  // namespace kamgov::domain

#endif  // KAMGOV_DOMAIN_POLICY_H_
