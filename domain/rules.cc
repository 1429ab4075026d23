#include "domain/rules.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "proto/status_details.h"

namespace kamgov::domain {
namespace {

using K = RuleKind;

// The registry. Descriptions are written for docs/rules.md: name the
// command(s) checked and, in backquotes, the policy fields used.
constexpr Rule kRules[] = {
    // ---- Actors.
    {rules::kActorDeparted, K::kCommand, "[policy]",
     "A person who has departed can no longer act on any command."},
    {rules::kActorReadOnly, K::kCommand, "[policy]",
     "A person holding no role, or only AUDITOR, changes nothing: auditors "
     "read and replay everything (DOMAIN.md section 2)."},

    // ---- Persons and roles.
    {rules::kBootstrapWithoutAdminRole, K::kCommand, "[policy]",
     "The bootstrap (the first RegisterPerson on an empty store, by the "
     "person being registered) may grant any role and is recorded as the "
     "bootstrap; it must include SENIOR_MANAGEMENT or PROGRAM_DIRECTOR, or "
     "nobody could ever register anyone."},
    {rules::kRoleGrantNotAuthorized, K::kCommand, "[policy]",
     "After the bootstrap, RegisterPerson, GrantGovernanceRole, "
     "RevokeGovernanceRole and DepartPerson need SENIOR_MANAGEMENT or "
     "PROGRAM_DIRECTOR; granting or revoking SENIOR_MANAGEMENT needs "
     "SENIOR_MANAGEMENT."},
    {rules::kPersonAlreadyRegistered, K::kCommand, "[policy]",
     "A person id is registered once."},
    {rules::kPersonDeparted, K::kCommand, "[policy]",
     "A departed person departs once and cannot be granted a role, nor "
     "assigned as manager, sponsor or team member."},
    {rules::kRoleAlreadyHeld, K::kCommand, "[policy]",
     "GrantGovernanceRole grants a role (with its program scope) the person "
     "does not hold yet."},
    {rules::kRoleNotHeld, K::kCommand, "[policy]",
     "RevokeGovernanceRole revokes a role (with its program scope) the "
     "person holds."},
    {rules::kRoleInUse, K::kCommand, "[policy]",
     "KEY_ACCOUNT_MANAGER or EXECUTIVE_SPONSOR cannot be revoked while the "
     "person manages or sponsors an account that needs it: reassign first."},

    // ---- Programs, criteria, selection cycles.
    {rules::kProgramEstablisherNotSeniorManagement, K::kCommand, "[policy]",
     "Only senior management establishes a program."},
    {rules::kProgramAlreadyExists, K::kCommand, "[policy]",
     "A program id is established once."},
    {rules::kProgramAdminNotAuthorized, K::kCommand, "[policy]",
     "SetProgramPolicy, OpenSelectionCycle and CloseSelectionCycle need "
     "SENIOR_MANAGEMENT or a PROGRAM_DIRECTOR of the program (the director "
     "runs the program [seed S1, S3])."},
    {rules::kCriteriaPublisherNotSeniorManagement, K::kCommand, "[seed S3]",
     "Only senior management publishes selection criteria: it is "
     "\"responsible for selecting and weighting\" them."},
    {rules::kCriteriaNotMixed, K::kCommand, "[seed S3]",
     "A criteria set mixes tangible (size, revenue, profitability, ...) and "
     "intangible (fit, wish to partner, reputation, ...) criteria."},
    {rules::kCriteriaVersionNotNext, K::kCommand, "[policy]",
     "PublishSelectionCriteria publishes the program's current version + 1 "
     "(the first is 1)."},
    {rules::kScoreOutOfRange, K::kCommand, "[policy]",
     "Criteria scores and the designation threshold lie in [0, "
     "`score_scale_max`]."},
    {rules::kCycleAlreadyOpen, K::kCommand, "[policy]",
     "A program has at most one open selection cycle."},
    {rules::kCycleIdReused, K::kCommand, "[policy]",
     "A selection cycle id is used once per program."},
    {rules::kCycleDueOutOfRange, K::kCommand, "[seed S3]",
     "A selection cycle is due after the day it opens and at most "
     "`selection_cycle_months` later: selection is repeated regularly, "
     "annually by default."},
    {rules::kCycleNotOpen, K::kCommand, "[policy]",
     "CloseSelectionCycle, ReevaluateAccount and a DesignateAccount that "
     "names a cycle cite the program's open cycle."},
    {rules::kCycleReevaluationIncomplete, K::kCommand, "[seed S3]",
     "A selection cycle closes only when every key account of the program "
     "has been re-evaluated (or designated) in it."},

    // ---- Accounts: selection.
    {rules::kCriteriaNotPublished, K::kCommand, "[seed S3]",
     "Accounts are nominated and designated against published selection "
     "criteria."},
    {rules::kAccountNotNominatable, K::kCommand, "[policy]",
     "NominateAccount applies to a new, rejected or de-designated account, "
     "not to one nominated or designated."},
    {rules::kAccountProgramMismatch, K::kCommand, "[policy]",
     "An account stays in the program it was first nominated in."},
    {rules::kAccountNotNominated, K::kCommand, "[policy]",
     "DesignateAccount and RejectNomination apply to a nominated account."},
    {rules::kAccountNotDesignated, K::kCommand, "[policy]",
     "Re-evaluation, reclassification, de-designation, manager, sponsor, "
     "team, plan and escalation commands apply to a designated account."},
    {rules::kDeciderNotSeniorManagement, K::kCommand, "[seed S3]",
     "DesignateAccount, RejectNomination, ReevaluateAccount, "
     "ReclassifyAccount and DeDesignateAccount are decided by senior "
     "management."},
    {rules::kDeciderIsNominator, K::kCommand, "[policy]",
     "The person designating an account is not the person who nominated it: "
     "resist admitting \"non-strategic customers... even in the face of "
     "potential pressure from key account managers\" [seed S3]."},
    {rules::kCriteriaVersionSuperseded, K::kCommand, "[policy]",
     "Designations and re-evaluations score against the program's current "
     "criteria version."},
    {rules::kCriterionUnknown, K::kCommand, "[policy]",
     "Every score names a criterion of the cited criteria version."},
    {rules::kCriteriaScoreMissing, K::kCommand, "[seed S3]",
     "A designation or re-evaluation scores every criterion of the cited "
     "version."},
    {rules::kWeightedScoreBelowThreshold, K::kCommand, "[seed S3]",
     "The weighted score (sum of weight x score) reaches the version's "
     "designation threshold to designate, retain or reclassify."},
    {rules::kPortfolioCapacityExceeded, K::kCommand, "[seed S3]",
     "A designation keeps the program's key accounts within the current "
     "version's `max_key_accounts`: resources cap the portfolio."},
    {rules::kAccountAlreadyReevaluated, K::kCommand, "[policy]",
     "An account is re-evaluated once per selection cycle."},
    {rules::kClassUnchanged, K::kCommand, "[policy]",
     "A reclassification changes the portfolio class."},
    {rules::kOpenEscalationsOnDedesignation, K::kCommand, "[policy]",
     "An account with open escalations is de-designated only when the "
     "command asks to close them (close_open_escalations): they are then "
     "withdrawn with reason ACCOUNT_DEDESIGNATED in the same atomic append."},

    // ---- Accounts: manager, sponsor, team.
    {rules::kAccountRoleAssignerNotAuthorized, K::kCommand, "[policy]",
     "AssignKeyAccountManager, AssignExecutiveSponsor and "
     "ReleaseExecutiveSponsor need SENIOR_MANAGEMENT or a PROGRAM_DIRECTOR "
     "of the account's program."},
    {rules::kManagerLacksKamRole, K::kCommand, "[policy]",
     "The manager holds the KEY_ACCOUNT_MANAGER role for the account's "
     "program."},
    {rules::kManagerUnchanged, K::kCommand, "[policy]",
     "An assignment names a manager other than the current one."},
    {rules::kReassignmentBondsNotConsidered, K::kCommand, "[seed S3]",
     "Replacing an account's manager states that the existing customer "
     "bonds were considered (bonds_considered)."},
    {rules::kSponsorNotBoardLevel, K::kCommand, "[seed S3]",
     "The sponsor is a board-level executive: holds EXECUTIVE_SPONSOR for "
     "the account's program."},
    {rules::kSponsorCapacityExceeded, K::kCommand, "[seed S3]",
     "A sponsor sponsors at most `sponsor_max_accounts` accounts (\"usually "
     "between one and three\"), counted across all programs; the limit of "
     "the assigned account's program applies."},
    {rules::kSponsorUnchanged, K::kCommand, "[policy]",
     "An assignment names a sponsor other than the current one."},
    {rules::kSponsorNotAssigned, K::kCommand, "[policy]",
     "ReleaseExecutiveSponsor and LogSponsorEngagement need a sponsor on "
     "the account."},
    {rules::kEngagementLoggerNotAuthorized, K::kCommand, "[policy]",
     "Sponsor engagements are logged by the account's sponsor or its key "
     "account manager."},
    {rules::kTeamChangerNotAuthorized, K::kCommand, "[policy]",
     "The account team is changed by the account's key account manager, "
     "SENIOR_MANAGEMENT or a PROGRAM_DIRECTOR of the program."},
    {rules::kTeamMemberAlreadyOnTeam, K::kCommand, "[policy]",
     "A person joins an account team once."},
    {rules::kTeamMemberNotOnTeam, K::kCommand, "[policy]",
     "Only a team member can leave the team."},

    // ---- Accounts: plans.
    {rules::kPlanAuthorNotKam, K::kCommand, "[policy]",
     "The account's key account manager submits its plans."},
    {rules::kPlanVersionNotNext, K::kCommand, "[policy]",
     "A plan is submitted as the account's current plan version + 1 (the "
     "first is 1)."},
    {rules::kPlanSectionsMissing, K::kCommand, "[seed S3]",
     "A plan has all six sections: relationship overview, account overview, "
     "objectives and strategy, customer alignment, relationship management, "
     "implementation."},
    {rules::kPlanInitiativesOutOfRange, K::kCommand, "[seed S3]",
     "A plan has `plan_min_initiatives` to `plan_max_initiatives` strategic "
     "initiatives (\"no less than two and no more than five\")."},
    {rules::kPlanVersionNotCurrent, K::kCommand, "[policy]",
     "A review cites the account's current (latest) plan version."},
    {rules::kReviewerIsAuthor, K::kCommand, "[policy]",
     "A plan's reviewer is never its author: plans are reviewed, not a "
     "\"tick-in-a-box exercise\" [seed S3]."},
    {rules::kReviewerNotSponsorOrSeniorManagement, K::kCommand, "[policy]",
     "A plan is reviewed by the account's sponsor or by senior management."},

    // ---- Escalations.
    {rules::kEscalationAlreadyExists, K::kCommand, "[policy]",
     "An escalation id is raised once."},
    {rules::kEscalationNotOpen, K::kCommand, "[policy]",
     "Only an open escalation is acknowledged, raised, resolved or "
     "withdrawn."},
    {rules::kEscalationAuthorityTooLow, K::kCommand, "[policy]",
     "Acknowledging or resolving an escalation, and raising or withdrawing "
     "it unless one raised it, needs the authority of its current level or "
     "higher on the ladder KEY_ACCOUNT_MANAGER (the account's KAM) -> "
     "UNIT_HEAD (a unit head of an involved unit) -> PROGRAM_DIRECTOR (a "
     "director of the account's program) -> EXECUTIVE_SPONSOR (the "
     "account's sponsor, the \"point of final escalation\" [seed S3])."},
    {rules::kEscalationAlreadyAcknowledged, K::kCommand, "[policy]",
     "An escalation is acknowledged once per level."},
    {rules::kEscalationLevelNotHigher, K::kCommand, "[policy]",
     "A manual raise moves the escalation up the ladder; the top level "
     "cannot be raised."},

    // ---- Input rules.
    {rules::kRationaleRequired, K::kInput, "[policy]",
     "A rationale (CommandMeta.rationale) is required on every command that "
     "changes an account's status or class, assigns or releases a role, "
     "sets policy or criteria, reviews a plan, or moves or settles an "
     "escalation."},
    {rules::kEffectiveAtInFuture, K::kInput, "[policy]",
     "effective_at is never later than the decision's clock beyond "
     "`effective_at_skew_us` (the program's policy; the default policy for "
     "person commands)."},
    {rules::kCriteriaWeightsNotOne, K::kInput, "[policy]",
     "Criteria weights are positive and sum to 1 within "
     "`weight_sum_tolerance`."},

    // ---- Deadlines (the scheduler records them once per instance).
    {rules::kCoverageGap, K::kDeadline, "[policy]",
     "A designated account without a manager or a sponsor for more than "
     "`coverage_grace_days` gets CoverageGapDetected (MANAGER or SPONSOR), "
     "once per gap episode."},
    {rules::kPlanRequiredByClass, K::kDeadline, "[seed S3]",
     "Plans are required for the classes in `plan_required_classes` "
     "(STRATEGIC and STAR; STATUS selectively; STREAMLINE never): an account "
     "of such a class without a plan (none, or the latest rejected) for "
     "more than `coverage_grace_days` gets CoverageGapDetected (PLAN), once "
     "per gap episode."},
    {rules::kPlanReviewOverdue, K::kDeadline, "[policy]",
     "A plan is due for review `plan_review_cadence_days` after its "
     "submission or last review; after that day it gets "
     "AccountPlanReviewOverdue, once per plan version and due day."},
    {rules::kSponsorEngagementOverdue, K::kDeadline, "[seed S3]",
     "A sponsor engages with the account at least every "
     "`sponsor_engagement_max_days` (\"between annually and quarterly\") "
     "counted from the assignment or the last engagement; otherwise "
     "SponsorEngagementOverdue, once per sponsor and due day."},
    {rules::kEscalationTimeout, K::kDeadline, "[policy]",
     "An open escalation left at a level for more than "
     "`escalation_timeout_days_<level>` is raised one level with reason "
     "TIMEOUT; the top level never times out."},

    // ---- Invariants.
    {rules::kOneAccountableKam, K::kInvariant, "[policy]",
     "A designated account has exactly one accountable key account manager "
     "(one manager field; a new assignment replaces the old): before KAM "
     "\"no one [was] taking care of the relationship itself\" [seed S0]."},
    {rules::kLossDistinctFromDeselection, K::kInvariant, "[seed S3]",
     "A lost account (\"a highly visible indicator of low performance\") is "
     "recorded with reason LOST, distinct from DESELECTED and MERGED."},
    {rules::kDedesignationReleases, K::kInvariant, "[policy]",
     "A de-designation releases the sponsor and the manager and closes the "
     "plan, as events in the same atomic append; a departure releases the "
     "person's accounts the same way."},
    {rules::kRulesArePolicy, K::kInvariant, "[policy]",
     "Every number a rule uses is a field of the program's policy "
     "(ProgramPolicySet) or of its criteria version (threshold, "
     "max_key_accounts); none is a constant in code."},
};

}  // namespace

absl::Span<const Rule> AllRules() { return kRules; }

const Rule* FindRule(absl::string_view id) {
  for (const Rule& rule : kRules) {
    if (rule.id == id) return &rule;
  }
  return nullptr;
}

absl::string_view RuleKindName(RuleKind kind) {
  switch (kind) {
    case RuleKind::kCommand:
      return "command";
    case RuleKind::kInput:
      return "input";
    case RuleKind::kDeadline:
      return "deadline";
    case RuleKind::kInvariant:
      return "invariant";
  }
  return "";
}

absl::Status Violation(absl::string_view rule_id, absl::string_view message) {
  const Rule* rule = FindRule(rule_id);
  if (rule == nullptr || rule->kind != RuleKind::kCommand) {
    return absl::InternalError(
        absl::StrCat("unregistered rule id '", rule_id, "': ", message));
  }
  return RuleViolation(rule_id, message);
}

std::string RulesMarkdown() {
  std::string out =
      "# Governance rules\n"
      "\n"
      "<!-- Generated from domain/rules.cc by RulesMarkdown(); do not edit.\n"
      "     Regenerate: build/tests/domain/kamgov_rules_md > docs/rules.md\n"
      "     (tests/domain/rules_doc_test.cc fails while they differ). -->\n"
      "\n"
      "Every rule kamgov enforces, with its stable id and where it comes "
      "from\n"
      "([seed Sx]: a research paper of DOMAIN.md; [policy]: our own rule).\n"
      "Numbers in backquotes are fields of the program's policy "
      "(`ProgramPolicySet`).\n"
      "\n"
      "| kind | what happens |\n"
      "|---|---|\n"
      "| command | the command fails with FAILED_PRECONDITION; the id is "
      "`ErrorInfo.reason` |\n"
      "| input | the command fails with INVALID_ARGUMENT and `BadRequest` "
      "field violations |\n"
      "| deadline | the scheduler records a ⚙ event, once per deadline "
      "instance |\n"
      "| invariant | holds by the shape of the model |\n"
      "\n"
      "| id | kind | rule | source |\n"
      "|---|---|---|---|\n";
  for (const Rule& rule : kRules) {
    absl::StrAppend(&out, "| `", rule.id, "` | ", RuleKindName(rule.kind),
                    " | ",
                    absl::StrReplaceAll(rule.description, {{"|", "\\|"}}),
                    " | ", rule.source, " |\n");
  }
  return out;
}

}  // namespace kamgov::domain
