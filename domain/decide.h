#ifndef KAMGOV_DOMAIN_DECIDE_H_
#define KAMGOV_DOMAIN_DECIDE_H_

// Decide: (command, states, now) -> events or an error. Pure: no I/O, no
// clock, no threads; the same inputs always give the same decision.
//
// Every Decide() checks, in this order, and returns the first failure:
//  1. INVALID_ARGUMENT (BadRequest): malformed meta or command (missing or
//     bad ids, unknown enum values, missing rationale where DOMAIN.md
//     requires one, ...); every violation found is listed. Field paths are
//     relative to the request {meta, command}, e.g. "meta.rationale",
//     "command.scores[2].criterion_id".
//  2. NOT_FOUND: the acting person or an aggregate the command names does
//     not exist (ErrorInfo reason PROGRAM_NOT_FOUND, PERSON_NOT_FOUND,
//     ACCOUNT_NOT_FOUND or ESCALATION_NOT_FOUND, metadata {field, id}). A
//     criteria or plan version that was never published is NOT_FOUND too
//     (CRITERIA_VERSION_NOT_FOUND, PLAN_VERSION_NOT_FOUND), reported where
//     the rules reach it.
//  3. INVALID_ARGUMENT for input checks that need the program's policy:
//     effective_at later than now + effective_at_skew_us, criteria weights
//     not summing to 1 within weight_sum_tolerance, policy values.
//  4. FAILED_PRECONDITION: a broken rule, with the rule id (rules.h) as
//     ErrorInfo.reason.
// On success the Decision holds at least one event; events[0] is on
// TargetStreamId(command). Every event carries meta.rationale as its
// personal rationale, meta.effective_at_us, and its tags (ids.h).
//
// Cross-aggregate rules read the states the caller keeps current by folding
// every event into every aggregate it is tagged with (state.h):
// - portfolio capacity: ProgramState.active_key_account_ids;
// - sponsor load across programs: PersonState.sponsored_account_ids;
// - open escalations closed by a de-designation:
//   AccountState.open_escalation_ids;
// - accounts released by a departure: PersonState.managed/sponsored/
//   team_account_ids.
// Deciding commands one at a time against states that include every
// decided event (committed or not) makes these rules race-free.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "domain/event.h"
#include "domain/state.h"
#include "kamgov/v1/domain.pb.h"
#include "kamgov/v1/governance.pb.h"

namespace kamgov::domain {

// Everything a decision reads besides the command. The caller owns the
// view; it must outlive the Decide() call.
struct DecisionContext {
  // Required.
  const StateView* state = nullptr;
  // The decision's clock (µs since the epoch, UTC), from the same clock that
  // stamps recorded_at. Day fields of the events are DayOf(now_us).
  int64_t now_us = 0;
  // The authenticated caller. Recorded by the caller in the envelope; the
  // domain does not use it for rules today.
  std::string principal;
  // True when the log, including decided but uncommitted events, is empty:
  // the first RegisterPerson is then the bootstrap.
  bool store_empty = false;
};

// Dispatches on the command's oneof; INVALID_ARGUMENT when it is not set.
absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::Command& command,
                                const DecisionContext& context);

// The stream CommandMeta.expected_version refers to ("account-acme", ...);
// empty when the command's id field is empty or the oneof is not set.
std::string TargetStreamId(const v1::Command& command);

// The command's message name ("DesignateAccount"); empty when not set.
absl::string_view CommandName(const v1::Command& command);

// Whether DOMAIN.md requires a rationale for the command.
bool RationaleRequired(const v1::Command& command);

// One overload per command; each behaves as Decide() above.
absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::EstablishProgram& command,
                                const DecisionContext& context);
absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::SetProgramPolicy& command,
                                const DecisionContext& context);
absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::PublishSelectionCriteria& command,
                                const DecisionContext& context);
absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::OpenSelectionCycle& command,
                                const DecisionContext& context);
absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::CloseSelectionCycle& command,
                                const DecisionContext& context);
absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::RegisterPerson& command,
                                const DecisionContext& context);
absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::GrantGovernanceRole& command,
                                const DecisionContext& context);
absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::RevokeGovernanceRole& command,
                                const DecisionContext& context);
absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::DepartPerson& command,
                                const DecisionContext& context);
absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::NominateAccount& command,
                                const DecisionContext& context);
absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::RejectNomination& command,
                                const DecisionContext& context);
absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::DesignateAccount& command,
                                const DecisionContext& context);
absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::ReevaluateAccount& command,
                                const DecisionContext& context);
absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::ReclassifyAccount& command,
                                const DecisionContext& context);
absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::DeDesignateAccount& command,
                                const DecisionContext& context);
absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::AssignKeyAccountManager& command,
                                const DecisionContext& context);
absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::AssignExecutiveSponsor& command,
                                const DecisionContext& context);
absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::ReleaseExecutiveSponsor& command,
                                const DecisionContext& context);
absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::LogSponsorEngagement& command,
                                const DecisionContext& context);
absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::AddTeamMember& command,
                                const DecisionContext& context);
absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::RemoveTeamMember& command,
                                const DecisionContext& context);
absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::SubmitAccountPlan& command,
                                const DecisionContext& context);
absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::ReviewAccountPlan& command,
                                const DecisionContext& context);
absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::RaiseEscalation& command,
                                const DecisionContext& context);
absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::AcknowledgeEscalation& command,
                                const DecisionContext& context);
absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::RaiseEscalationLevel& command,
                                const DecisionContext& context);
absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::ResolveEscalation& command,
                                const DecisionContext& context);
absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::WithdrawEscalation& command,
                                const DecisionContext& context);

}  // namespace kamgov::domain

#endif  // KAMGOV_DOMAIN_DECIDE_H_
