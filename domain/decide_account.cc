// Decisions on accounts: selection, manager, sponsor, team, plans.

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/decide_internal.h"
#include "domain/ids.h"
#include "domain/policy.h"
#include "domain/sorted_ids.h"

namespace kamgov::domain {
namespace {

using internal::Events;
using internal::Fields;

// Rounding noise of a weighted sum, not a governance number.
constexpr double kScoreEpsilon = 1e-9;

// The lookups every command on an existing account starts with.
struct AccountContext {
  const v1::PersonState* actor = nullptr;
  const v1::AccountState* account = nullptr;
  const v1::ProgramState* program = nullptr;
  v1::ProgramPolicy policy;
};

// NOT_FOUND for the actor, the account and (an inconsistency) its program;
// then the effective_at check and the actor rules.
absl::StatusOr<AccountContext> LoadAccount(const v1::CommandMeta& meta,
                                           absl::string_view account_id,
                                           const DecisionContext& ctx) {
  AccountContext a;
  KAMGOV_ASSIGN_OR_RETURN(a.actor, internal::FindActor(meta, ctx));
  KAMGOV_ASSIGN_OR_RETURN(
      a.account, internal::FindAccount(ctx, account_id, "command.account_id"));
  KAMGOV_ASSIGN_OR_RETURN(a.program,
                          internal::FindProgram(ctx, a.account->program_id(),
                                                "account.program_id"));
  a.policy = internal::PolicyOf(*a.program);
  return a;
}

absl::Status CheckActor(const v1::CommandMeta& meta, const AccountContext& a,
                        const DecisionContext& ctx) {
  KAMGOV_RETURN_IF_ERROR(internal::CheckEffectiveAt(meta, a.policy, ctx));
  return internal::CheckActorMayAct(*a.actor);
}

bool IsDesignated(const v1::AccountState& account) {
  return account.status() == v1::ACCOUNT_STATUS_DESIGNATED;
}

absl::Status RequireDesignated(const v1::AccountState& account) {
  if (IsDesignated(account)) return absl::OkStatus();
  return Violation(rules::kAccountNotDesignated,
                   absl::StrCat("account '", account.account_id(), "' is ",
                                v1::AccountStatus_Name(account.status())));
}

absl::Status RequireSeniorDecider(const AccountContext& a) {
  if (internal::IsSeniorManagement(*a.actor, a.program->program_id())) {
    return absl::OkStatus();
  }
  return Violation(rules::kDeciderNotSeniorManagement,
                   absl::StrCat("person '", a.actor->person_id(),
                                "' is not senior management"));
}

absl::Status RequireAccountRoleAssigner(const AccountContext& a) {
  if (internal::IsProgramAdmin(*a.actor, a.program->program_id())) {
    return absl::OkStatus();
  }
  return Violation(rules::kAccountRoleAssignerNotAuthorized,
                   absl::StrCat("person '", a.actor->person_id(),
                                "' is neither senior management nor a "
                                "director of program '",
                                a.program->program_id(), "'"));
}

absl::Status RequireNotDeparted(const v1::PersonState& person) {
  if (!person.departed()) return absl::OkStatus();
  return Violation(
      rules::kPersonDeparted,
      absl::StrCat("person '", person.person_id(), "' has departed"));
}

absl::Status RequireOpenEscalationsHandled(const v1::AccountState& account,
                                           bool close_open_escalations) {
  if (account.open_escalation_ids_size() == 0 || close_open_escalations) {
    return absl::OkStatus();
  }
  return Violation(
      rules::kOpenEscalationsOnDedesignation,
      absl::StrCat("account '", account.account_id(), "' has ",
                   account.open_escalation_ids_size(),
                   " open escalation(s), e.g. '",
                   account.open_escalation_ids(0),
                   "': resolve them first or set close_open_escalations"));
}

// The events of a de-designation: the account's, then the releases of its
// manager and sponsor, then one withdrawal per open escalation (on the
// escalation's stream: a multi-stream decision).
absl::Status AddDeDesignation(Events& events, const v1::AccountState& account,
                              v1::DeDesignationReason reason,
                              absl::string_view merged_into,
                              const DecisionContext& ctx) {
  const int64_t today = internal::Today(ctx);
  const std::string stream = AccountStream(account.account_id());
  v1::AccountDeDesignated dedesignated;
  dedesignated.set_account_id(account.account_id());
  dedesignated.set_program_id(account.program_id());
  dedesignated.set_reason(reason);
  dedesignated.set_merged_into_account_id(std::string(merged_into));
  dedesignated.set_customer_segment(account.segment_before_designation() ==
                                            v1::CUSTOMER_SEGMENT_UNSPECIFIED
                                        ? account.customer_segment()
                                        : account.segment_before_designation());
  dedesignated.set_dedesignated_day(today);
  events.Add(stream, dedesignated, internal::AccountTags(account));
  if (!account.manager_id().empty()) {
    v1::KeyAccountManagerReleased released;
    released.set_account_id(account.account_id());
    released.set_program_id(account.program_id());
    released.set_manager_id(account.manager_id());
    released.set_reason(v1::MANAGER_RELEASE_REASON_ACCOUNT_DEDESIGNATED);
    released.set_released_day(today);
    events.Add(stream, released,
               internal::AccountTags(account, {account.manager_id()}));
  }
  if (!account.sponsor_id().empty()) {
    v1::ExecutiveSponsorReleased released;
    released.set_account_id(account.account_id());
    released.set_program_id(account.program_id());
    released.set_sponsor_id(account.sponsor_id());
    released.set_reason(v1::SPONSOR_RELEASE_REASON_ACCOUNT_DEDESIGNATED);
    released.set_released_day(today);
    events.Add(stream, released,
               internal::AccountTags(account, {account.sponsor_id()}));
  }
  for (const std::string& id : account.open_escalation_ids()) {
    if (ctx.state->FindEscalation(id) == nullptr) {
      return absl::InternalError(
          absl::StrCat("account '", account.account_id(),
                       "' refers to unknown escalation '", id, "'"));
    }
    v1::EscalationWithdrawn withdrawn;
    withdrawn.set_escalation_id(id);
    withdrawn.set_account_id(account.account_id());
    withdrawn.set_program_id(account.program_id());
    withdrawn.set_reason(v1::ESCALATION_WITHDRAWAL_REASON_ACCOUNT_DEDESIGNATED);
    withdrawn.set_withdrawn_day(today);
    events.Add(EscalationStream(id), withdrawn,
               internal::EscalationTags(id, account.account_id(),
                                        account.program_id()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::NominateAccount& cmd,
                                const DecisionContext& ctx) {
  KAMGOV_RETURN_IF_ERROR(internal::CheckContext(ctx));
  Fields f;
  f.Meta(meta, /*rationale_required=*/false);
  f.Id(cmd.account_id(), "command.account_id");
  f.Id(cmd.program_id(), "command.program_id");
  f.Text(cmd.customer_name(), "command.customer_name");
  f.Enum(cmd.customer_segment(), v1::CustomerSegment_IsValid,
         "command.customer_segment");
  f.Scores(cmd.scores(), "command.scores");
  if (cmd.scores_size() > 0) {
    f.Positive(cmd.criteria_version(), "command.criteria_version");
  }
  KAMGOV_RETURN_IF_ERROR(f.Status());
  KAMGOV_ASSIGN_OR_RETURN(const v1::PersonState* actor,
                          internal::FindActor(meta, ctx));
  KAMGOV_ASSIGN_OR_RETURN(
      const v1::ProgramState* program,
      internal::FindProgram(ctx, cmd.program_id(), "command.program_id"));
  const v1::ProgramPolicy policy = internal::PolicyOf(*program);
  KAMGOV_RETURN_IF_ERROR(internal::CheckEffectiveAt(meta, policy, ctx));
  KAMGOV_RETURN_IF_ERROR(internal::CheckActorMayAct(*actor));
  if (internal::CurrentCriteria(*program) == nullptr) {
    return Violation(rules::kCriteriaNotPublished,
                     absl::StrCat("program '", program->program_id(),
                                  "' has no published selection criteria"));
  }
  const v1::AccountState* existing = ctx.state->FindAccount(cmd.account_id());
  if (existing != nullptr) {
    if (existing->program_id() != cmd.program_id()) {
      return Violation(
          rules::kAccountProgramMismatch,
          absl::StrCat("account '", cmd.account_id(), "' belongs to program '",
                       existing->program_id(), "'"));
    }
    if (existing->status() == v1::ACCOUNT_STATUS_NOMINATED ||
        existing->status() == v1::ACCOUNT_STATUS_DESIGNATED) {
      return Violation(
          rules::kAccountNotNominatable,
          absl::StrCat("account '", cmd.account_id(), "' is ",
                       v1::AccountStatus_Name(existing->status())));
    }
  }
  if (cmd.scores_size() > 0) {
    const v1::CriteriaSet* criteria =
        internal::FindCriteria(*program, cmd.criteria_version());
    if (criteria == nullptr) {
      return internal::NotFound("CRITERIA_VERSION_NOT_FOUND",
                                "criteria version", "command.criteria_version",
                                absl::StrCat(cmd.criteria_version()));
    }
    KAMGOV_RETURN_IF_ERROR(internal::WeightedScore(*criteria, cmd.scores(),
                                                   policy, /*complete=*/false)
                               .status());
  }
  v1::AccountNominated nominated;
  nominated.set_account_id(cmd.account_id());
  nominated.set_program_id(cmd.program_id());
  nominated.set_customer_segment(cmd.customer_segment());
  nominated.set_criteria_version(cmd.scores_size() > 0 ? cmd.criteria_version()
                                                       : 0);
  *nominated.mutable_scores() = cmd.scores();
  nominated.set_nominator_id(actor->person_id());
  nominated.set_nominated_day(internal::Today(ctx));
  Events events(meta);
  events.Add(
      AccountStream(cmd.account_id()), nominated,
      {AccountTag(cmd.account_id()), ProgramTag(cmd.program_id())},
      {{"customer_name", cmd.customer_name()}, {"evidence", cmd.evidence()}});
  return events.Take();
}

absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::RejectNomination& cmd,
                                const DecisionContext& ctx) {
  KAMGOV_RETURN_IF_ERROR(internal::CheckContext(ctx));
  Fields f;
  f.Meta(meta, /*rationale_required=*/true);
  f.Id(cmd.account_id(), "command.account_id");
  KAMGOV_RETURN_IF_ERROR(f.Status());
  KAMGOV_ASSIGN_OR_RETURN(AccountContext a,
                          LoadAccount(meta, cmd.account_id(), ctx));
  KAMGOV_RETURN_IF_ERROR(CheckActor(meta, a, ctx));
  if (a.account->status() != v1::ACCOUNT_STATUS_NOMINATED) {
    return Violation(rules::kAccountNotNominated,
                     absl::StrCat("account '", cmd.account_id(), "' is ",
                                  v1::AccountStatus_Name(a.account->status())));
  }
  KAMGOV_RETURN_IF_ERROR(RequireSeniorDecider(a));
  v1::NominationRejected rejected;
  rejected.set_account_id(cmd.account_id());
  rejected.set_program_id(a.account->program_id());
  rejected.set_rejected_day(internal::Today(ctx));
  Events events(meta);
  events.Add(AccountStream(cmd.account_id()), rejected,
             internal::AccountTags(*a.account));
  return events.Take();
}

absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::DesignateAccount& cmd,
                                const DecisionContext& ctx) {
  KAMGOV_RETURN_IF_ERROR(internal::CheckContext(ctx));
  Fields f;
  f.Meta(meta, /*rationale_required=*/true);
  f.Id(cmd.account_id(), "command.account_id");
  f.Positive(cmd.criteria_version(), "command.criteria_version");
  f.Scores(cmd.scores(), "command.scores");
  f.Enum(cmd.portfolio_class(), v1::PortfolioClass_IsValid,
         "command.portfolio_class");
  f.OptionalId(cmd.cycle_id(), "command.cycle_id");
  KAMGOV_RETURN_IF_ERROR(f.Status());
  KAMGOV_ASSIGN_OR_RETURN(AccountContext a,
                          LoadAccount(meta, cmd.account_id(), ctx));
  KAMGOV_RETURN_IF_ERROR(CheckActor(meta, a, ctx));
  if (a.account->status() != v1::ACCOUNT_STATUS_NOMINATED) {
    return Violation(rules::kAccountNotNominated,
                     absl::StrCat("account '", cmd.account_id(), "' is ",
                                  v1::AccountStatus_Name(a.account->status())));
  }
  KAMGOV_RETURN_IF_ERROR(RequireSeniorDecider(a));
  if (a.account->nominator_id() == a.actor->person_id()) {
    return Violation(
        rules::kDeciderIsNominator,
        absl::StrCat("person '", a.actor->person_id(), "' nominated account '",
                     cmd.account_id(), "' and cannot also designate it"));
  }
  if (!cmd.cycle_id().empty() &&
      cmd.cycle_id() != a.program->open_cycle().cycle_id()) {
    return Violation(rules::kCycleNotOpen,
                     absl::StrCat("cycle '", cmd.cycle_id(),
                                  "' is not the open cycle of program '",
                                  a.program->program_id(), "'"));
  }
  KAMGOV_ASSIGN_OR_RETURN(
      const v1::CriteriaSet* criteria,
      internal::CitedCurrentCriteria(*a.program, cmd.criteria_version()));
  KAMGOV_ASSIGN_OR_RETURN(
      const double weighted,
      internal::WeightedScore(*criteria, cmd.scores(), a.policy,
                              /*complete=*/true));
  if (weighted + kScoreEpsilon < criteria->designation_threshold()) {
    return Violation(
        rules::kWeightedScoreBelowThreshold,
        absl::StrCat("weighted score ", weighted, " is below the threshold ",
                     criteria->designation_threshold()));
  }
  if (a.program->active_key_account_ids_size() >=
      criteria->max_key_accounts()) {
    return Violation(
        rules::kPortfolioCapacityExceeded,
        absl::StrCat("program '", a.program->program_id(), "' already has ",
                     a.program->active_key_account_ids_size(),
                     " key accounts, the maximum is ",
                     criteria->max_key_accounts()));
  }
  v1::AccountDesignated designated;
  designated.set_account_id(cmd.account_id());
  designated.set_program_id(a.program->program_id());
  designated.set_criteria_version(criteria->version());
  *designated.mutable_scores() = cmd.scores();
  designated.set_weighted_score(weighted);
  designated.set_portfolio_class(cmd.portfolio_class());
  designated.set_cycle_id(cmd.cycle_id());
  designated.set_designated_day(internal::Today(ctx));
  Events events(meta);
  events.Add(AccountStream(cmd.account_id()), designated,
             internal::AccountTags(*a.account));
  return events.Take();
}

absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::ReevaluateAccount& cmd,
                                const DecisionContext& ctx) {
  KAMGOV_RETURN_IF_ERROR(internal::CheckContext(ctx));
  Fields f;
  f.Meta(meta, /*rationale_required=*/true);
  f.Id(cmd.account_id(), "command.account_id");
  f.Id(cmd.cycle_id(), "command.cycle_id");
  f.Positive(cmd.criteria_version(), "command.criteria_version");
  f.Scores(cmd.scores(), "command.scores");
  f.Enum(cmd.outcome(), v1::ReevaluationOutcome_IsValid, "command.outcome");
  const bool reclassified =
      cmd.outcome() == v1::REEVALUATION_OUTCOME_RECLASSIFIED;
  if (reclassified) {
    f.Enum(cmd.new_class(), v1::PortfolioClass_IsValid, "command.new_class");
  } else if (cmd.new_class() != v1::PORTFOLIO_CLASS_UNSPECIFIED) {
    f.Add("command.new_class", "only for outcome RECLASSIFIED");
  }
  KAMGOV_RETURN_IF_ERROR(f.Status());
  KAMGOV_ASSIGN_OR_RETURN(AccountContext a,
                          LoadAccount(meta, cmd.account_id(), ctx));
  KAMGOV_RETURN_IF_ERROR(CheckActor(meta, a, ctx));
  KAMGOV_RETURN_IF_ERROR(RequireDesignated(*a.account));
  KAMGOV_RETURN_IF_ERROR(RequireSeniorDecider(a));
  const v1::SelectionCycleState& cycle = a.program->open_cycle();
  if (cycle.cycle_id().empty() || cycle.cycle_id() != cmd.cycle_id()) {
    return Violation(rules::kCycleNotOpen,
                     absl::StrCat("cycle '", cmd.cycle_id(),
                                  "' is not the open cycle of program '",
                                  a.program->program_id(), "'"));
  }
  if (ContainsSorted(cycle.reevaluated_account_ids(), cmd.account_id())) {
    return Violation(rules::kAccountAlreadyReevaluated,
                     absl::StrCat("account '", cmd.account_id(),
                                  "' was already re-evaluated in cycle '",
                                  cmd.cycle_id(), "'"));
  }
  KAMGOV_ASSIGN_OR_RETURN(
      const v1::CriteriaSet* criteria,
      internal::CitedCurrentCriteria(*a.program, cmd.criteria_version()));
  KAMGOV_ASSIGN_OR_RETURN(
      const double weighted,
      internal::WeightedScore(*criteria, cmd.scores(), a.policy,
                              /*complete=*/true));
  const bool deselected = cmd.outcome() == v1::REEVALUATION_OUTCOME_DESELECTED;
  if (!deselected &&
      weighted + kScoreEpsilon < criteria->designation_threshold()) {
    return Violation(
        rules::kWeightedScoreBelowThreshold,
        absl::StrCat("weighted score ", weighted, " is below the threshold ",
                     criteria->designation_threshold(),
                     ": the account cannot be retained"));
  }
  if (reclassified && cmd.new_class() == a.account->portfolio_class()) {
    return Violation(
        rules::kClassUnchanged,
        absl::StrCat("account '", cmd.account_id(), "' already is ",
                     v1::PortfolioClass_Name(cmd.new_class())));
  }
  if (deselected) {
    KAMGOV_RETURN_IF_ERROR(RequireOpenEscalationsHandled(
        *a.account, cmd.close_open_escalations()));
  }
  const int64_t today = internal::Today(ctx);
  Events events(meta);
  v1::AccountReevaluated reevaluated;
  reevaluated.set_account_id(cmd.account_id());
  reevaluated.set_program_id(a.program->program_id());
  reevaluated.set_cycle_id(cmd.cycle_id());
  reevaluated.set_criteria_version(criteria->version());
  *reevaluated.mutable_scores() = cmd.scores();
  reevaluated.set_weighted_score(weighted);
  reevaluated.set_outcome(cmd.outcome());
  reevaluated.set_reevaluated_day(today);
  events.Add(AccountStream(cmd.account_id()), reevaluated,
             internal::AccountTags(*a.account));
  if (reclassified) {
    v1::AccountReclassified reclass;
    reclass.set_account_id(cmd.account_id());
    reclass.set_program_id(a.program->program_id());
    reclass.set_from_class(a.account->portfolio_class());
    reclass.set_to_class(cmd.new_class());
    reclass.set_reclassified_day(today);
    events.Add(AccountStream(cmd.account_id()), reclass,
               internal::AccountTags(*a.account));
  }
  if (deselected) {
    KAMGOV_RETURN_IF_ERROR(AddDeDesignation(
        events, *a.account, v1::DE_DESIGNATION_REASON_DESELECTED, "", ctx));
  }
  return events.Take();
}

absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::ReclassifyAccount& cmd,
                                const DecisionContext& ctx) {
  KAMGOV_RETURN_IF_ERROR(internal::CheckContext(ctx));
  Fields f;
  f.Meta(meta, /*rationale_required=*/true);
  f.Id(cmd.account_id(), "command.account_id");
  f.Enum(cmd.to_class(), v1::PortfolioClass_IsValid, "command.to_class");
  KAMGOV_RETURN_IF_ERROR(f.Status());
  KAMGOV_ASSIGN_OR_RETURN(AccountContext a,
                          LoadAccount(meta, cmd.account_id(), ctx));
  KAMGOV_RETURN_IF_ERROR(CheckActor(meta, a, ctx));
  KAMGOV_RETURN_IF_ERROR(RequireDesignated(*a.account));
  KAMGOV_RETURN_IF_ERROR(RequireSeniorDecider(a));
  if (cmd.to_class() == a.account->portfolio_class()) {
    return Violation(
        rules::kClassUnchanged,
        absl::StrCat("account '", cmd.account_id(), "' already is ",
                     v1::PortfolioClass_Name(cmd.to_class())));
  }
  v1::AccountReclassified reclass;
  reclass.set_account_id(cmd.account_id());
  reclass.set_program_id(a.program->program_id());
  reclass.set_from_class(a.account->portfolio_class());
  reclass.set_to_class(cmd.to_class());
  reclass.set_reclassified_day(internal::Today(ctx));
  Events events(meta);
  events.Add(AccountStream(cmd.account_id()), reclass,
             internal::AccountTags(*a.account));
  return events.Take();
}

absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::DeDesignateAccount& cmd,
                                const DecisionContext& ctx) {
  KAMGOV_RETURN_IF_ERROR(internal::CheckContext(ctx));
  Fields f;
  f.Meta(meta, /*rationale_required=*/true);
  f.Id(cmd.account_id(), "command.account_id");
  f.Enum(cmd.reason(), v1::DeDesignationReason_IsValid, "command.reason");
  if (cmd.reason() == v1::DE_DESIGNATION_REASON_MERGED) {
    f.Id(cmd.merged_into_account_id(), "command.merged_into_account_id");
    if (cmd.merged_into_account_id() == cmd.account_id()) {
      f.Add("command.merged_into_account_id",
            "an account is not merged into itself");
    }
  } else if (!cmd.merged_into_account_id().empty()) {
    f.Add("command.merged_into_account_id", "only for reason MERGED");
  }
  KAMGOV_RETURN_IF_ERROR(f.Status());
  KAMGOV_ASSIGN_OR_RETURN(AccountContext a,
                          LoadAccount(meta, cmd.account_id(), ctx));
  if (!cmd.merged_into_account_id().empty()) {
    KAMGOV_RETURN_IF_ERROR(
        internal::FindAccount(ctx, cmd.merged_into_account_id(),
                              "command.merged_into_account_id")
            .status());
  }
  KAMGOV_RETURN_IF_ERROR(CheckActor(meta, a, ctx));
  KAMGOV_RETURN_IF_ERROR(RequireDesignated(*a.account));
  KAMGOV_RETURN_IF_ERROR(RequireSeniorDecider(a));
  KAMGOV_RETURN_IF_ERROR(
      RequireOpenEscalationsHandled(*a.account, cmd.close_open_escalations()));
  Events events(meta);
  KAMGOV_RETURN_IF_ERROR(AddDeDesignation(events, *a.account, cmd.reason(),
                                          cmd.merged_into_account_id(), ctx));
  return events.Take();
}

absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::AssignKeyAccountManager& cmd,
                                const DecisionContext& ctx) {
  KAMGOV_RETURN_IF_ERROR(internal::CheckContext(ctx));
  Fields f;
  f.Meta(meta, /*rationale_required=*/true);
  f.Id(cmd.account_id(), "command.account_id");
  f.Id(cmd.manager_id(), "command.manager_id");
  f.Enum(cmd.mode(), v1::ManagerMode_IsValid, "command.mode");
  f.Enum(cmd.scope(), v1::ManagerScope_IsValid, "command.scope");
  KAMGOV_RETURN_IF_ERROR(f.Status());
  KAMGOV_ASSIGN_OR_RETURN(AccountContext a,
                          LoadAccount(meta, cmd.account_id(), ctx));
  KAMGOV_ASSIGN_OR_RETURN(
      const v1::PersonState* manager,
      internal::FindPerson(ctx, cmd.manager_id(), "command.manager_id"));
  KAMGOV_RETURN_IF_ERROR(CheckActor(meta, a, ctx));
  KAMGOV_RETURN_IF_ERROR(RequireDesignated(*a.account));
  KAMGOV_RETURN_IF_ERROR(RequireAccountRoleAssigner(a));
  KAMGOV_RETURN_IF_ERROR(RequireNotDeparted(*manager));
  if (!internal::HasRole(*manager, v1::GOVERNANCE_ROLE_KEY_ACCOUNT_MANAGER,
                         a.program->program_id())) {
    return Violation(rules::kManagerLacksKamRole,
                     absl::StrCat("person '", cmd.manager_id(),
                                  "' does not hold KEY_ACCOUNT_MANAGER for "
                                  "program '",
                                  a.program->program_id(), "'"));
  }
  const std::string& previous = a.account->manager_id();
  if (previous == cmd.manager_id() && a.account->manager_mode() == cmd.mode() &&
      a.account->manager_scope() == cmd.scope()) {
    return Violation(
        rules::kManagerUnchanged,
        absl::StrCat("person '", cmd.manager_id(),
                     "' already manages account '", cmd.account_id(),
                     "' in this mode and scope"));
  }
  if (!previous.empty() && previous != cmd.manager_id() &&
      !cmd.bonds_considered()) {
    return Violation(rules::kReassignmentBondsNotConsidered,
                     absl::StrCat("replacing manager '", previous,
                                  "' needs bonds_considered: the existing "
                                  "customer bonds must be weighed"));
  }
  v1::KeyAccountManagerAssigned assigned;
  assigned.set_account_id(cmd.account_id());
  assigned.set_program_id(a.program->program_id());
  assigned.set_manager_id(cmd.manager_id());
  assigned.set_previous_manager_id(previous);
  assigned.set_mode(cmd.mode());
  assigned.set_scope(cmd.scope());
  assigned.set_bonds_considered(cmd.bonds_considered());
  assigned.set_assigned_day(internal::Today(ctx));
  Events events(meta);
  events.Add(AccountStream(cmd.account_id()), assigned,
             internal::AccountTags(*a.account, {cmd.manager_id(), previous}),
             {{"handover_note", cmd.handover_note()}});
  return events.Take();
}

absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::AssignExecutiveSponsor& cmd,
                                const DecisionContext& ctx) {
  KAMGOV_RETURN_IF_ERROR(internal::CheckContext(ctx));
  Fields f;
  f.Meta(meta, /*rationale_required=*/true);
  f.Id(cmd.account_id(), "command.account_id");
  f.Id(cmd.sponsor_id(), "command.sponsor_id");
  KAMGOV_RETURN_IF_ERROR(f.Status());
  KAMGOV_ASSIGN_OR_RETURN(AccountContext a,
                          LoadAccount(meta, cmd.account_id(), ctx));
  KAMGOV_ASSIGN_OR_RETURN(
      const v1::PersonState* sponsor,
      internal::FindPerson(ctx, cmd.sponsor_id(), "command.sponsor_id"));
  KAMGOV_RETURN_IF_ERROR(CheckActor(meta, a, ctx));
  KAMGOV_RETURN_IF_ERROR(RequireDesignated(*a.account));
  KAMGOV_RETURN_IF_ERROR(RequireAccountRoleAssigner(a));
  KAMGOV_RETURN_IF_ERROR(RequireNotDeparted(*sponsor));
  if (!internal::HasRole(*sponsor, v1::GOVERNANCE_ROLE_EXECUTIVE_SPONSOR,
                         a.program->program_id())) {
    return Violation(rules::kSponsorNotBoardLevel,
                     absl::StrCat("person '", cmd.sponsor_id(),
                                  "' does not hold EXECUTIVE_SPONSOR for "
                                  "program '",
                                  a.program->program_id(), "'"));
  }
  const std::string& previous = a.account->sponsor_id();
  if (previous == cmd.sponsor_id()) {
    return Violation(
        rules::kSponsorUnchanged,
        absl::StrCat("person '", cmd.sponsor_id(),
                     "' already sponsors account '", cmd.account_id(), "'"));
  }
  // Counted across all programs; the assigned account's limit applies.
  if (sponsor->sponsored_account_ids_size() >=
      a.policy.sponsor_max_accounts()) {
    return Violation(
        rules::kSponsorCapacityExceeded,
        absl::StrCat("person '", cmd.sponsor_id(), "' already sponsors ",
                     sponsor->sponsored_account_ids_size(),
                     " accounts; the limit is ",
                     a.policy.sponsor_max_accounts()));
  }
  v1::ExecutiveSponsorAssigned assigned;
  assigned.set_account_id(cmd.account_id());
  assigned.set_program_id(a.program->program_id());
  assigned.set_sponsor_id(cmd.sponsor_id());
  assigned.set_previous_sponsor_id(previous);
  assigned.set_assigned_day(internal::Today(ctx));
  Events events(meta);
  events.Add(AccountStream(cmd.account_id()), assigned,
             internal::AccountTags(*a.account, {cmd.sponsor_id(), previous}));
  return events.Take();
}

absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::ReleaseExecutiveSponsor& cmd,
                                const DecisionContext& ctx) {
  KAMGOV_RETURN_IF_ERROR(internal::CheckContext(ctx));
  Fields f;
  f.Meta(meta, /*rationale_required=*/true);
  f.Id(cmd.account_id(), "command.account_id");
  KAMGOV_RETURN_IF_ERROR(f.Status());
  KAMGOV_ASSIGN_OR_RETURN(AccountContext a,
                          LoadAccount(meta, cmd.account_id(), ctx));
  KAMGOV_RETURN_IF_ERROR(CheckActor(meta, a, ctx));
  KAMGOV_RETURN_IF_ERROR(RequireAccountRoleAssigner(a));
  if (a.account->sponsor_id().empty()) {
    return Violation(
        rules::kSponsorNotAssigned,
        absl::StrCat("account '", cmd.account_id(), "' has no sponsor"));
  }
  v1::ExecutiveSponsorReleased released;
  released.set_account_id(cmd.account_id());
  released.set_program_id(a.program->program_id());
  released.set_sponsor_id(a.account->sponsor_id());
  released.set_reason(v1::SPONSOR_RELEASE_REASON_RELEASED);
  released.set_released_day(internal::Today(ctx));
  Events events(meta);
  events.Add(AccountStream(cmd.account_id()), released,
             internal::AccountTags(*a.account, {a.account->sponsor_id()}));
  return events.Take();
}

absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::LogSponsorEngagement& cmd,
                                const DecisionContext& ctx) {
  KAMGOV_RETURN_IF_ERROR(internal::CheckContext(ctx));
  Fields f;
  f.Meta(meta, /*rationale_required=*/false);
  f.Id(cmd.account_id(), "command.account_id");
  f.Enum(cmd.kind(), v1::EngagementKind_IsValid, "command.kind");
  KAMGOV_RETURN_IF_ERROR(f.Status());
  KAMGOV_ASSIGN_OR_RETURN(AccountContext a,
                          LoadAccount(meta, cmd.account_id(), ctx));
  KAMGOV_RETURN_IF_ERROR(CheckActor(meta, a, ctx));
  KAMGOV_RETURN_IF_ERROR(RequireDesignated(*a.account));
  if (a.account->sponsor_id().empty()) {
    return Violation(
        rules::kSponsorNotAssigned,
        absl::StrCat("account '", cmd.account_id(), "' has no sponsor"));
  }
  if (a.actor->person_id() != a.account->sponsor_id() &&
      a.actor->person_id() != a.account->manager_id()) {
    return Violation(rules::kEngagementLoggerNotAuthorized,
                     absl::StrCat("person '", a.actor->person_id(),
                                  "' is neither the sponsor nor the key "
                                  "account manager of account '",
                                  cmd.account_id(), "'"));
  }
  v1::SponsorEngagementLogged logged;
  logged.set_account_id(cmd.account_id());
  logged.set_program_id(a.program->program_id());
  logged.set_sponsor_id(a.account->sponsor_id());
  logged.set_kind(cmd.kind());
  logged.set_engaged_day(internal::Today(ctx));
  Events events(meta);
  events.Add(AccountStream(cmd.account_id()), logged,
             internal::AccountTags(*a.account));
  return events.Take();
}

namespace {

absl::Status RequireTeamChanger(const AccountContext& a) {
  if (a.actor->person_id() == a.account->manager_id() ||
      internal::IsProgramAdmin(*a.actor, a.program->program_id())) {
    return absl::OkStatus();
  }
  return Violation(rules::kTeamChangerNotAuthorized,
                   absl::StrCat("person '", a.actor->person_id(),
                                "' is neither the key account manager of "
                                "account '",
                                a.account->account_id(),
                                "', senior management nor a program "
                                "director"));
}

bool OnTeam(const v1::AccountState& account, absl::string_view member_id) {
  for (const v1::TeamMemberState& m : account.team()) {
    if (m.member_id() == member_id) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::AddTeamMember& cmd,
                                const DecisionContext& ctx) {
  KAMGOV_RETURN_IF_ERROR(internal::CheckContext(ctx));
  Fields f;
  f.Meta(meta, /*rationale_required=*/true);
  f.Id(cmd.account_id(), "command.account_id");
  f.Id(cmd.member_id(), "command.member_id");
  f.OptionalId(cmd.unit_id(), "command.unit_id");
  f.OptionalId(cmd.expertise(), "command.expertise");
  KAMGOV_RETURN_IF_ERROR(f.Status());
  KAMGOV_ASSIGN_OR_RETURN(AccountContext a,
                          LoadAccount(meta, cmd.account_id(), ctx));
  KAMGOV_ASSIGN_OR_RETURN(
      const v1::PersonState* member,
      internal::FindPerson(ctx, cmd.member_id(), "command.member_id"));
  KAMGOV_RETURN_IF_ERROR(CheckActor(meta, a, ctx));
  KAMGOV_RETURN_IF_ERROR(RequireDesignated(*a.account));
  KAMGOV_RETURN_IF_ERROR(RequireTeamChanger(a));
  KAMGOV_RETURN_IF_ERROR(RequireNotDeparted(*member));
  if (OnTeam(*a.account, cmd.member_id())) {
    return Violation(rules::kTeamMemberAlreadyOnTeam,
                     absl::StrCat("person '", cmd.member_id(),
                                  "' is already on the team of account '",
                                  cmd.account_id(), "'"));
  }
  v1::TeamMemberJoined joined;
  joined.set_account_id(cmd.account_id());
  joined.set_program_id(a.program->program_id());
  joined.set_member_id(cmd.member_id());
  joined.set_unit_id(cmd.unit_id().empty() ? member->unit_id() : cmd.unit_id());
  joined.set_expertise(cmd.expertise());
  joined.set_permanent(cmd.permanent());
  joined.set_joined_day(internal::Today(ctx));
  Events events(meta);
  events.Add(AccountStream(cmd.account_id()), joined,
             internal::AccountTags(*a.account, {cmd.member_id()}));
  return events.Take();
}

absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::RemoveTeamMember& cmd,
                                const DecisionContext& ctx) {
  KAMGOV_RETURN_IF_ERROR(internal::CheckContext(ctx));
  Fields f;
  f.Meta(meta, /*rationale_required=*/true);
  f.Id(cmd.account_id(), "command.account_id");
  f.Id(cmd.member_id(), "command.member_id");
  KAMGOV_RETURN_IF_ERROR(f.Status());
  KAMGOV_ASSIGN_OR_RETURN(AccountContext a,
                          LoadAccount(meta, cmd.account_id(), ctx));
  KAMGOV_RETURN_IF_ERROR(CheckActor(meta, a, ctx));
  KAMGOV_RETURN_IF_ERROR(RequireTeamChanger(a));
  if (!OnTeam(*a.account, cmd.member_id())) {
    return Violation(rules::kTeamMemberNotOnTeam,
                     absl::StrCat("person '", cmd.member_id(),
                                  "' is not on the team of account '",
                                  cmd.account_id(), "'"));
  }
  v1::TeamMemberLeft left;
  left.set_account_id(cmd.account_id());
  left.set_program_id(a.program->program_id());
  left.set_member_id(cmd.member_id());
  left.set_reason(v1::TEAM_LEAVE_REASON_REMOVED);
  left.set_left_day(internal::Today(ctx));
  Events events(meta);
  events.Add(AccountStream(cmd.account_id()), left,
             internal::AccountTags(*a.account, {cmd.member_id()}));
  return events.Take();
}

absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::SubmitAccountPlan& cmd,
                                const DecisionContext& ctx) {
  KAMGOV_RETURN_IF_ERROR(internal::CheckContext(ctx));
  Fields f;
  f.Meta(meta, /*rationale_required=*/false);
  f.Id(cmd.account_id(), "command.account_id");
  f.Positive(cmd.plan_version(), "command.plan_version");
  if (cmd.period_start_day() < 0) {
    f.Add("command.period_start_day", "must not be negative");
  }
  if (cmd.period_end_day() < cmd.period_start_day() ||
      cmd.period_end_day() <= 0) {
    f.Add("command.period_end_day",
          "must be positive and not before period_start_day");
  }
  std::set<int> sections;
  for (int i = 0; i < cmd.sections_size(); ++i) {
    const std::string path = absl::StrCat("command.sections[", i, "]");
    f.Enum(cmd.sections(i).section(), v1::PlanSection_IsValid,
           path + ".section");
    if (!sections.insert(cmd.sections(i).section()).second) {
      f.Add(path + ".section", "listed twice");
    }
  }
  std::set<std::string> initiatives;
  for (int i = 0; i < cmd.initiatives_size(); ++i) {
    const std::string path = absl::StrCat("command.initiatives[", i, "]");
    f.Id(cmd.initiatives(i).initiative_id(), path + ".initiative_id");
    if (!initiatives.insert(cmd.initiatives(i).initiative_id()).second) {
      f.Add(path + ".initiative_id", "listed twice");
    }
  }
  f.UniqueIds(cmd.metric_ids(), "command.metric_ids");
  KAMGOV_RETURN_IF_ERROR(f.Status());
  KAMGOV_ASSIGN_OR_RETURN(AccountContext a,
                          LoadAccount(meta, cmd.account_id(), ctx));
  KAMGOV_RETURN_IF_ERROR(CheckActor(meta, a, ctx));
  KAMGOV_RETURN_IF_ERROR(RequireDesignated(*a.account));
  if (a.actor->person_id() != a.account->manager_id()) {
    return Violation(rules::kPlanAuthorNotKam,
                     absl::StrCat("person '", a.actor->person_id(),
                                  "' is not the key account manager of "
                                  "account '",
                                  cmd.account_id(), "'"));
  }
  const int next = a.account->plan().plan_version() + 1;
  if (cmd.plan_version() != next) {
    return Violation(
        rules::kPlanVersionNotNext,
        absl::StrCat("the next plan version of account '", cmd.account_id(),
                     "' is ", next, ", not ", cmd.plan_version()));
  }
  std::vector<std::string> missing;
  for (int s = v1::PlanSection_MIN; s <= v1::PlanSection_MAX; ++s) {
    if (s != v1::PLAN_SECTION_UNSPECIFIED && v1::PlanSection_IsValid(s) &&
        sections.count(s) == 0) {
      missing.push_back(v1::PlanSection_Name(static_cast<v1::PlanSection>(s)));
    }
  }
  if (!missing.empty()) {
    return Violation(
        rules::kPlanSectionsMissing,
        absl::StrCat("the plan lacks ", absl::StrJoin(missing, ", ")));
  }
  if (cmd.initiatives_size() < a.policy.plan_min_initiatives() ||
      cmd.initiatives_size() > a.policy.plan_max_initiatives()) {
    return Violation(rules::kPlanInitiativesOutOfRange,
                     absl::StrCat("the plan has ", cmd.initiatives_size(),
                                  " strategic initiatives; it needs ",
                                  a.policy.plan_min_initiatives(), " to ",
                                  a.policy.plan_max_initiatives()));
  }
  const int64_t today = internal::Today(ctx);
  v1::AccountPlanSubmitted submitted;
  submitted.set_account_id(cmd.account_id());
  submitted.set_program_id(a.program->program_id());
  submitted.set_plan_version(cmd.plan_version());
  submitted.set_period_start_day(cmd.period_start_day());
  submitted.set_period_end_day(cmd.period_end_day());
  std::map<std::string, std::string> text = {
      {"value_proposition", cmd.value_proposition()}};
  for (const v1::PlanSectionText& s : cmd.sections()) {
    submitted.add_sections(s.section());
    text[absl::StrCat("section.", v1::PlanSection_Name(s.section()))] =
        s.text();
  }
  for (const v1::PlanInitiative& i : cmd.initiatives()) {
    submitted.add_initiative_ids(i.initiative_id());
    text[absl::StrCat("initiative.", i.initiative_id())] = i.title();
  }
  *submitted.mutable_metric_ids() = cmd.metric_ids();
  submitted.set_customer_participated(cmd.customer_participated());
  submitted.set_author_id(a.actor->person_id());
  submitted.set_submitted_day(today);
  submitted.set_review_due_day(today + a.policy.plan_review_cadence_days());
  Events events(meta);
  events.Add(AccountStream(cmd.account_id()), submitted,
             internal::AccountTags(*a.account), std::move(text));
  return events.Take();
}

absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::ReviewAccountPlan& cmd,
                                const DecisionContext& ctx) {
  KAMGOV_RETURN_IF_ERROR(internal::CheckContext(ctx));
  Fields f;
  f.Meta(meta, /*rationale_required=*/true);
  f.Id(cmd.account_id(), "command.account_id");
  f.Positive(cmd.plan_version(), "command.plan_version");
  f.Enum(cmd.outcome(), v1::PlanReviewOutcome_IsValid, "command.outcome");
  KAMGOV_RETURN_IF_ERROR(f.Status());
  KAMGOV_ASSIGN_OR_RETURN(AccountContext a,
                          LoadAccount(meta, cmd.account_id(), ctx));
  if (cmd.plan_version() > a.account->plan().plan_version()) {
    return internal::NotFound("PLAN_VERSION_NOT_FOUND", "plan version",
                              "command.plan_version",
                              absl::StrCat(cmd.plan_version()));
  }
  KAMGOV_RETURN_IF_ERROR(CheckActor(meta, a, ctx));
  KAMGOV_RETURN_IF_ERROR(RequireDesignated(*a.account));
  const v1::AccountPlanState& plan = a.account->plan();
  if (cmd.plan_version() != plan.plan_version()) {
    return Violation(
        rules::kPlanVersionNotCurrent,
        absl::StrCat("plan version ", cmd.plan_version(),
                     " is superseded by version ", plan.plan_version()));
  }
  if (a.actor->person_id() == plan.author_id()) {
    return Violation(
        rules::kReviewerIsAuthor,
        absl::StrCat("person '", a.actor->person_id(), "' wrote plan version ",
                     plan.plan_version(), " and cannot review it"));
  }
  if (a.actor->person_id() != a.account->sponsor_id() &&
      !internal::IsSeniorManagement(*a.actor, a.program->program_id())) {
    return Violation(rules::kReviewerNotSponsorOrSeniorManagement,
                     absl::StrCat("person '", a.actor->person_id(),
                                  "' is neither the account's sponsor nor "
                                  "senior management"));
  }
  const int64_t today = internal::Today(ctx);
  v1::AccountPlanReviewed reviewed;
  reviewed.set_account_id(cmd.account_id());
  reviewed.set_program_id(a.program->program_id());
  reviewed.set_plan_version(cmd.plan_version());
  reviewed.set_outcome(cmd.outcome());
  reviewed.set_next_review_due_day(today + a.policy.plan_review_cadence_days());
  reviewed.set_reviewer_id(a.actor->person_id());
  reviewed.set_reviewed_day(today);
  Events events(meta);
  events.Add(AccountStream(cmd.account_id()), reviewed,
             internal::AccountTags(*a.account), {{"comments", cmd.comments()}});
  return events.Take();
}

}  // namespace kamgov::domain
