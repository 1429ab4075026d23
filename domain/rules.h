#ifndef KAMGOV_DOMAIN_RULES_H_
#define KAMGOV_DOMAIN_RULES_H_

// The rule registry: every governance rule kamgov enforces, in one place,
// with a stable id and the source it comes from (DOMAIN.md: "[seed Sx]" or
// "[policy]"). docs/rules.md is generated from it (RulesMarkdown()) and a
// test keeps the two equal. Ids never change meaning and are never reused.
//
// A broken kCommand rule fails the command with FAILED_PRECONDITION and the
// id in ErrorInfo.reason (Violation()). A kInput rule fails it with
// INVALID_ARGUMENT and BadRequest field violations. kDeadline rules are
// applied by the scheduler (scheduler.h), kInvariant rules hold by the
// shape of the model. Pure; any thread.

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace kamgov::domain {

enum class RuleKind { kCommand, kInput, kDeadline, kInvariant };

struct Rule {
  absl::string_view id;
  RuleKind kind;
  // "[seed S3]", "[policy]", ...
  absl::string_view source;
  absl::string_view description;
};

// Every rule, grouped by aggregate, in a stable order.
absl::Span<const Rule> AllRules();

// nullptr for an unknown id.
const Rule* FindRule(absl::string_view id);

absl::string_view RuleKindName(RuleKind kind);

// FAILED_PRECONDITION with `rule_id` as ErrorInfo.reason and the message
// prefixed by the rule id. `rule_id` must be a registered kCommand rule;
// otherwise INTERNAL, so that a typo cannot pass silently.
absl::Status Violation(absl::string_view rule_id, absl::string_view message);

// The content of docs/rules.md.
std::string RulesMarkdown();

namespace rules {
// Actors.
inline constexpr absl::string_view kActorDeparted = "ACTOR_DEPARTED";
inline constexpr absl::string_view kActorReadOnly = "ACTOR_READ_ONLY";
// Persons and roles.
inline constexpr absl::string_view kBootstrapWithoutAdminRole =
    "BOOTSTRAP_WITHOUT_ADMIN_ROLE";
inline constexpr absl::string_view kRoleGrantNotAuthorized =
    "ROLE_GRANT_NOT_AUTHORIZED";
inline constexpr absl::string_view kPersonAlreadyRegistered =
    "PERSON_ALREADY_REGISTERED";
inline constexpr absl::string_view kPersonDeparted = "PERSON_DEPARTED";
inline constexpr absl::string_view kRoleAlreadyHeld = "ROLE_ALREADY_HELD";
inline constexpr absl::string_view kRoleNotHeld = "ROLE_NOT_HELD";
inline constexpr absl::string_view kRoleInUse = "ROLE_IN_USE";
// Programs, criteria, cycles.
inline constexpr absl::string_view kProgramEstablisherNotSeniorManagement =
    "PROGRAM_ESTABLISHER_NOT_SENIOR_MANAGEMENT";
inline constexpr absl::string_view kProgramAlreadyExists =
    "PROGRAM_ALREADY_EXISTS";
inline constexpr absl::string_view kProgramAdminNotAuthorized =
    "PROGRAM_ADMIN_NOT_AUTHORIZED";
inline constexpr absl::string_view kCriteriaPublisherNotSeniorManagement =
    "CRITERIA_PUBLISHER_NOT_SENIOR_MANAGEMENT";
inline constexpr absl::string_view kCriteriaNotMixed = "CRITERIA_NOT_MIXED";
inline constexpr absl::string_view kCriteriaVersionNotNext =
    "CRITERIA_VERSION_NOT_NEXT";
inline constexpr absl::string_view kScoreOutOfRange = "SCORE_OUT_OF_RANGE";
inline constexpr absl::string_view kCycleAlreadyOpen = "CYCLE_ALREADY_OPEN";
inline constexpr absl::string_view kCycleIdReused = "CYCLE_ID_REUSED";
inline constexpr absl::string_view kCycleDueOutOfRange =
    "CYCLE_DUE_OUT_OF_RANGE";
inline constexpr absl::string_view kCycleNotOpen = "CYCLE_NOT_OPEN";
inline constexpr absl::string_view kCycleReevaluationIncomplete =
    "CYCLE_REEVALUATION_INCOMPLETE";
// Accounts: selection.
inline constexpr absl::string_view kCriteriaNotPublished =
    "CRITERIA_NOT_PUBLISHED";
inline constexpr absl::string_view kAccountNotNominatable =
    "ACCOUNT_NOT_NOMINATABLE";
inline constexpr absl::string_view kAccountProgramMismatch =
    "ACCOUNT_PROGRAM_MISMATCH";
inline constexpr absl::string_view kAccountNotNominated =
    "ACCOUNT_NOT_NOMINATED";
inline constexpr absl::string_view kAccountNotDesignated =
    "ACCOUNT_NOT_DESIGNATED";
inline constexpr absl::string_view kDeciderNotSeniorManagement =
    "DECIDER_NOT_SENIOR_MANAGEMENT";
inline constexpr absl::string_view kDeciderIsNominator = "DECIDER_IS_NOMINATOR";
inline constexpr absl::string_view kCriteriaVersionSuperseded =
    "CRITERIA_VERSION_SUPERSEDED";
inline constexpr absl::string_view kCriterionUnknown = "CRITERION_UNKNOWN";
inline constexpr absl::string_view kCriteriaScoreMissing =
    "CRITERIA_SCORE_MISSING";
inline constexpr absl::string_view kWeightedScoreBelowThreshold =
    "WEIGHTED_SCORE_BELOW_THRESHOLD";
inline constexpr absl::string_view kPortfolioCapacityExceeded =
    "PORTFOLIO_CAPACITY_EXCEEDED";
inline constexpr absl::string_view kAccountAlreadyReevaluated =
    "ACCOUNT_ALREADY_REEVALUATED";
inline constexpr absl::string_view kClassUnchanged = "CLASS_UNCHANGED";
inline constexpr absl::string_view kOpenEscalationsOnDedesignation =
    "OPEN_ESCALATIONS_ON_DEDESIGNATION";
// Accounts: manager, sponsor, team.
inline constexpr absl::string_view kAccountRoleAssignerNotAuthorized =
    "ACCOUNT_ROLE_ASSIGNER_NOT_AUTHORIZED";
inline constexpr absl::string_view kManagerLacksKamRole =
    "MANAGER_LACKS_KAM_ROLE";
inline constexpr absl::string_view kManagerUnchanged = "MANAGER_UNCHANGED";
inline constexpr absl::string_view kReassignmentBondsNotConsidered =
    "REASSIGNMENT_BONDS_NOT_CONSIDERED";
inline constexpr absl::string_view kSponsorNotBoardLevel =
    "SPONSOR_NOT_BOARD_LEVEL";
inline constexpr absl::string_view kSponsorCapacityExceeded =
    "SPONSOR_CAPACITY_EXCEEDED";
inline constexpr absl::string_view kSponsorUnchanged = "SPONSOR_UNCHANGED";
inline constexpr absl::string_view kSponsorNotAssigned = "SPONSOR_NOT_ASSIGNED";
inline constexpr absl::string_view kEngagementLoggerNotAuthorized =
    "ENGAGEMENT_LOGGER_NOT_AUTHORIZED";
inline constexpr absl::string_view kTeamChangerNotAuthorized =
    "TEAM_CHANGER_NOT_AUTHORIZED";
inline constexpr absl::string_view kTeamMemberAlreadyOnTeam =
    "TEAM_MEMBER_ALREADY_ON_TEAM";
inline constexpr absl::string_view kTeamMemberNotOnTeam =
    "TEAM_MEMBER_NOT_ON_TEAM";
// Accounts: plans.
inline constexpr absl::string_view kPlanAuthorNotKam = "PLAN_AUTHOR_NOT_KAM";
inline constexpr absl::string_view kPlanVersionNotNext =
    "PLAN_VERSION_NOT_NEXT";
inline constexpr absl::string_view kPlanSectionsMissing =
    "PLAN_SECTIONS_MISSING";
inline constexpr absl::string_view kPlanInitiativesOutOfRange =
    "PLAN_INITIATIVES_OUT_OF_RANGE";
inline constexpr absl::string_view kPlanVersionNotCurrent =
    "PLAN_VERSION_NOT_CURRENT";
inline constexpr absl::string_view kReviewerIsAuthor = "REVIEWER_IS_AUTHOR";
inline constexpr absl::string_view kReviewerNotSponsorOrSeniorManagement =
    "REVIEWER_NOT_SPONSOR_OR_SENIOR_MANAGEMENT";
// Escalations.
inline constexpr absl::string_view kEscalationAlreadyExists =
    "ESCALATION_ALREADY_EXISTS";
inline constexpr absl::string_view kEscalationNotOpen = "ESCALATION_NOT_OPEN";
inline constexpr absl::string_view kEscalationAuthorityTooLow =
    "ESCALATION_AUTHORITY_TOO_LOW";
inline constexpr absl::string_view kEscalationAlreadyAcknowledged =
    "ESCALATION_ALREADY_ACKNOWLEDGED";
inline constexpr absl::string_view kEscalationLevelNotHigher =
    "ESCALATION_LEVEL_NOT_HIGHER";
// Input rules (INVALID_ARGUMENT).
inline constexpr absl::string_view kRationaleRequired = "RATIONALE_REQUIRED";
inline constexpr absl::string_view kEffectiveAtInFuture =
    "EFFECTIVE_AT_IN_FUTURE";
inline constexpr absl::string_view kCriteriaWeightsNotOne =
    "CRITERIA_WEIGHTS_NOT_ONE";
// Deadline rules (scheduler).
inline constexpr absl::string_view kCoverageGap = "COVERAGE_GAP";
inline constexpr absl::string_view kPlanRequiredByClass =
    "PLAN_REQUIRED_BY_CLASS";
inline constexpr absl::string_view kPlanReviewOverdue = "PLAN_REVIEW_OVERDUE";
inline constexpr absl::string_view kSponsorEngagementOverdue =
    "SPONSOR_ENGAGEMENT_OVERDUE";
inline constexpr absl::string_view kEscalationTimeout = "ESCALATION_TIMEOUT";
// Invariants.
inline constexpr absl::string_view kOneAccountableKam = "ONE_ACCOUNTABLE_KAM";
inline constexpr absl::string_view kLossDistinctFromDeselection =
    "LOSS_DISTINCT_FROM_DESELECTION";
inline constexpr absl::string_view kDedesignationReleases =
    "DEDESIGNATION_RELEASES";
inline constexpr absl::string_view kRulesArePolicy = "RULE_NUMBERS_ARE_POLICY";
}  // namespace rules

}  // namespace kamgov::domain

#endif  // KAMGOV_DOMAIN_RULES_H_
