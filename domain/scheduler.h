#ifndef KAMGOV_DOMAIN_SCHEDULER_H_
#define KAMGOV_DOMAIN_SCHEDULER_H_

// Scheduler decisions: the ⚙ events whose deadline has passed. Pure; any
// thread (on states nobody mutates meanwhile).
//
// "Once per deadline instance" holds because every ⚙ event is folded back
// into the aggregate's state, which records the instances already fired:
// - AccountPlanReviewOverdue: AccountPlanState.overdue_reported_{version,
//   due_day}: once per plan version and due day;
// - CoverageGapDetected: CoverageGapState.reported: once per gap episode
//   (a gap that closes and reopens is a new episode);
// - SponsorEngagementOverdue: AccountState.engagement_overdue_{sponsor_id,
//   due_day}: once per sponsor and due day;
// - EscalationLevelRaised (reason TIMEOUT): the level changes, which
//   restarts the clock at the new level.
// Since those fields are folded from the log, the guarantee holds across
// restarts. The caller must fold the events it appends before asking
// again (the command processor's in-memory state does).
//
// A deadline is "due_day = start_day + N days"; it has passed when the UTC
// day of now_us is after due_day. The runtime records these events with
// principal kSchedulerPrincipal and no acting person; their personal
// rationale is a generated explanation.

#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "domain/event.h"
#include "domain/state.h"
#include "kamgov/v1/domain.pb.h"

namespace kamgov::domain {

inline constexpr absl::string_view kSchedulerPrincipal = "system:scheduler";

// The ⚙ events due for one account (all on its stream, in one decision);
// none unless it is designated. `policy` is its program's effective policy
// (EffectivePolicy(program.policy())).
std::vector<DomainEvent> AccountDeadlines(const v1::AccountState& account,
                                          const v1::ProgramPolicy& policy,
                                          int64_t now_us);

// The time-out of one open escalation, if due: EscalationLevelRaised one
// level up with reason TIMEOUT. The top level never times out.
std::vector<DomainEvent> EscalationDeadlines(
    const v1::EscalationState& escalation, const v1::ProgramPolicy& policy,
    int64_t now_us);

// Every due ⚙ event of `state`: one Decision per aggregate with something
// due (each a single-stream append), accounts first, in id order.
std::vector<Decision> DueDeadlines(const GovernanceState& state,
                                   int64_t now_us);

}  // namespace kamgov::domain

#endif  // KAMGOV_DOMAIN_SCHEDULER_H_
