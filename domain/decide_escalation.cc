// Decisions on escalations: raise, acknowledge, raise a level, resolve,
// withdraw.

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "domain/decide_internal.h"
#include "domain/ids.h"
#include "domain/policy.h"
#include "domain/sorted_ids.h"

namespace kamgov::domain {
namespace {

using internal::Events;
using internal::Fields;

struct EscalationContext {
  const v1::PersonState* actor = nullptr;
  const v1::EscalationState* escalation = nullptr;
  const v1::AccountState* account = nullptr;
  const v1::ProgramState* program = nullptr;
};

absl::StatusOr<EscalationContext> LoadEscalation(
    const v1::CommandMeta& meta, absl::string_view escalation_id,
    const DecisionContext& ctx) {
  EscalationContext e;
  KAMGOV_ASSIGN_OR_RETURN(e.actor, internal::FindActor(meta, ctx));
  KAMGOV_ASSIGN_OR_RETURN(
      e.escalation,
      internal::FindEscalation(ctx, escalation_id, "command.escalation_id"));
  KAMGOV_ASSIGN_OR_RETURN(e.account,
                          internal::FindAccount(ctx, e.escalation->account_id(),
                                                "escalation.account_id"));
  KAMGOV_ASSIGN_OR_RETURN(e.program,
                          internal::FindProgram(ctx, e.escalation->program_id(),
                                                "escalation.program_id"));
  KAMGOV_RETURN_IF_ERROR(
      internal::CheckEffectiveAt(meta, internal::PolicyOf(*e.program), ctx));
  KAMGOV_RETURN_IF_ERROR(internal::CheckActorMayAct(*e.actor));
  if (e.escalation->status() != v1::ESCALATION_STATUS_OPEN) {
    return Violation(
        rules::kEscalationNotOpen,
        absl::StrCat("escalation '", escalation_id, "' is ",
                     v1::EscalationStatus_Name(e.escalation->status())));
  }
  return e;
}

bool Involves(const v1::EscalationState& escalation, absl::string_view unit) {
  return std::find(escalation.units_involved().begin(),
                   escalation.units_involved().end(),
                   unit) != escalation.units_involved().end();
}

// The highest ladder level whose authority `person` holds for this
// escalation; UNSPECIFIED when none.
v1::EscalationLevel AuthorityOf(const v1::PersonState& person,
                                const EscalationContext& e) {
  const std::string& id = person.person_id();
  const std::string& program = e.program->program_id();
  if (id == e.account->sponsor_id()) {
    return v1::ESCALATION_LEVEL_EXECUTIVE_SPONSOR;
  }
  if (internal::HasRole(person, v1::GOVERNANCE_ROLE_PROGRAM_DIRECTOR,
                        program)) {
    return v1::ESCALATION_LEVEL_PROGRAM_DIRECTOR;
  }
  if (internal::HasRole(person, v1::GOVERNANCE_ROLE_UNIT_HEAD, program) &&
      Involves(*e.escalation, person.unit_id())) {
    return v1::ESCALATION_LEVEL_UNIT_HEAD;
  }
  if (id == e.account->manager_id()) {
    return v1::ESCALATION_LEVEL_KEY_ACCOUNT_MANAGER;
  }
  return v1::ESCALATION_LEVEL_UNSPECIFIED;
}

absl::Status RequireAuthority(const EscalationContext& e, bool raiser_may) {
  if (raiser_may && e.actor->person_id() == e.escalation->raised_by()) {
    return absl::OkStatus();
  }
  const v1::EscalationLevel held = AuthorityOf(*e.actor, e);
  if (held >= e.escalation->level()) return absl::OkStatus();
  return Violation(
      rules::kEscalationAuthorityTooLow,
      absl::StrCat(
          "escalation '", e.escalation->escalation_id(), "' is at ",
          v1::EscalationLevel_Name(e.escalation->level()), "; person '",
          e.actor->person_id(), "' holds ",
          held == v1::ESCALATION_LEVEL_UNSPECIFIED
              ? "no authority on its ladder"
              : absl::StrCat("only ", v1::EscalationLevel_Name(held))));
}

std::vector<std::string> TagsOf(const v1::EscalationState& escalation) {
  return internal::EscalationTags(escalation.escalation_id(),
                                  escalation.account_id(),
                                  escalation.program_id());
}

}  // namespace

absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::RaiseEscalation& cmd,
                                const DecisionContext& ctx) {
  KAMGOV_RETURN_IF_ERROR(internal::CheckContext(ctx));
  Fields f;
  f.Meta(meta, /*rationale_required=*/false);
  f.Id(cmd.escalation_id(), "command.escalation_id");
  f.Id(cmd.account_id(), "command.account_id");
  f.Enum(cmd.category(), v1::EscalationCategory_IsValid, "command.category");
  f.OptionalEnum(cmd.level(), v1::EscalationLevel_IsValid, "command.level");
  f.UniqueIds(cmd.units_involved(), "command.units_involved");
  KAMGOV_RETURN_IF_ERROR(f.Status());
  KAMGOV_ASSIGN_OR_RETURN(const v1::PersonState* actor,
                          internal::FindActor(meta, ctx));
  KAMGOV_ASSIGN_OR_RETURN(
      const v1::AccountState* account,
      internal::FindAccount(ctx, cmd.account_id(), "command.account_id"));
  KAMGOV_ASSIGN_OR_RETURN(
      const v1::ProgramState* program,
      internal::FindProgram(ctx, account->program_id(), "account.program_id"));
  KAMGOV_RETURN_IF_ERROR(
      internal::CheckEffectiveAt(meta, internal::PolicyOf(*program), ctx));
  KAMGOV_RETURN_IF_ERROR(internal::CheckActorMayAct(*actor));
  if (account->status() != v1::ACCOUNT_STATUS_DESIGNATED) {
    return Violation(rules::kAccountNotDesignated,
                     absl::StrCat("account '", cmd.account_id(), "' is ",
                                  v1::AccountStatus_Name(account->status())));
  }
  if (ctx.state->FindEscalation(cmd.escalation_id()) != nullptr) {
    return Violation(
        rules::kEscalationAlreadyExists,
        absl::StrCat("escalation '", cmd.escalation_id(), "' already exists"));
  }
  v1::EscalationRaised raised;
  raised.set_escalation_id(cmd.escalation_id());
  raised.set_account_id(cmd.account_id());
  raised.set_program_id(account->program_id());
  raised.set_category(cmd.category());
  raised.set_level(cmd.level() == v1::ESCALATION_LEVEL_UNSPECIFIED
                       ? v1::ESCALATION_LEVEL_KEY_ACCOUNT_MANAGER
                       : cmd.level());
  *raised.mutable_units_involved() = cmd.units_involved();
  raised.set_raised_by(actor->person_id());
  raised.set_raised_day(internal::Today(ctx));
  Events events(meta);
  events.Add(EscalationStream(cmd.escalation_id()), raised,
             internal::EscalationTags(cmd.escalation_id(), cmd.account_id(),
                                      account->program_id()),
             {{"description", cmd.description()}});
  return events.Take();
}

absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::AcknowledgeEscalation& cmd,
                                const DecisionContext& ctx) {
  KAMGOV_RETURN_IF_ERROR(internal::CheckContext(ctx));
  Fields f;
  f.Meta(meta, /*rationale_required=*/false);
  f.Id(cmd.escalation_id(), "command.escalation_id");
  KAMGOV_RETURN_IF_ERROR(f.Status());
  KAMGOV_ASSIGN_OR_RETURN(EscalationContext e,
                          LoadEscalation(meta, cmd.escalation_id(), ctx));
  KAMGOV_RETURN_IF_ERROR(RequireAuthority(e, /*raiser_may=*/false));
  if (!e.escalation->acknowledged_by().empty()) {
    return Violation(rules::kEscalationAlreadyAcknowledged,
                     absl::StrCat("escalation '", cmd.escalation_id(),
                                  "' was acknowledged at this level by '",
                                  e.escalation->acknowledged_by(), "'"));
  }
  v1::EscalationAcknowledged acknowledged;
  acknowledged.set_escalation_id(cmd.escalation_id());
  acknowledged.set_account_id(e.escalation->account_id());
  acknowledged.set_program_id(e.escalation->program_id());
  acknowledged.set_level(e.escalation->level());
  acknowledged.set_acknowledged_by(e.actor->person_id());
  acknowledged.set_acknowledged_day(internal::Today(ctx));
  Events events(meta);
  events.Add(EscalationStream(cmd.escalation_id()), acknowledged,
             TagsOf(*e.escalation));
  return events.Take();
}

absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::RaiseEscalationLevel& cmd,
                                const DecisionContext& ctx) {
  KAMGOV_RETURN_IF_ERROR(internal::CheckContext(ctx));
  Fields f;
  f.Meta(meta, /*rationale_required=*/true);
  f.Id(cmd.escalation_id(), "command.escalation_id");
  f.OptionalEnum(cmd.to_level(), v1::EscalationLevel_IsValid,
                 "command.to_level");
  KAMGOV_RETURN_IF_ERROR(f.Status());
  KAMGOV_ASSIGN_OR_RETURN(EscalationContext e,
                          LoadEscalation(meta, cmd.escalation_id(), ctx));
  KAMGOV_RETURN_IF_ERROR(RequireAuthority(e, /*raiser_may=*/true));
  const v1::EscalationLevel from = e.escalation->level();
  const v1::EscalationLevel to =
      cmd.to_level() != v1::ESCALATION_LEVEL_UNSPECIFIED
          ? cmd.to_level()
          : static_cast<v1::EscalationLevel>(
                std::min<int>(from + 1, v1::EscalationLevel_MAX));
  if (to <= from) {
    return Violation(
        rules::kEscalationLevelNotHigher,
        absl::StrCat("escalation '", cmd.escalation_id(), "' is at ",
                     v1::EscalationLevel_Name(from), "; ",
                     v1::EscalationLevel_Name(to), " is not higher"));
  }
  v1::EscalationLevelRaised raised;
  raised.set_escalation_id(cmd.escalation_id());
  raised.set_account_id(e.escalation->account_id());
  raised.set_program_id(e.escalation->program_id());
  raised.set_from_level(from);
  raised.set_to_level(to);
  raised.set_reason(v1::LEVEL_RAISE_REASON_MANUAL);
  raised.set_raised_day(internal::Today(ctx));
  Events events(meta);
  events.Add(EscalationStream(cmd.escalation_id()), raised,
             TagsOf(*e.escalation));
  return events.Take();
}

absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::ResolveEscalation& cmd,
                                const DecisionContext& ctx) {
  KAMGOV_RETURN_IF_ERROR(internal::CheckContext(ctx));
  Fields f;
  f.Meta(meta, /*rationale_required=*/true);
  f.Id(cmd.escalation_id(), "command.escalation_id");
  f.Text(cmd.decision(), "command.decision");
  KAMGOV_RETURN_IF_ERROR(f.Status());
  KAMGOV_ASSIGN_OR_RETURN(EscalationContext e,
                          LoadEscalation(meta, cmd.escalation_id(), ctx));
  KAMGOV_RETURN_IF_ERROR(RequireAuthority(e, /*raiser_may=*/false));
  v1::EscalationResolved resolved;
  resolved.set_escalation_id(cmd.escalation_id());
  resolved.set_account_id(e.escalation->account_id());
  resolved.set_program_id(e.escalation->program_id());
  resolved.set_level(e.escalation->level());
  resolved.set_resolved_by(e.actor->person_id());
  resolved.set_action_count(cmd.actions_size());
  resolved.set_resolved_day(internal::Today(ctx));
  std::map<std::string, std::string> text = {{"decision", cmd.decision()}};
  for (int i = 0; i < cmd.actions_size(); ++i) {
    text[absl::StrCat("action.", i)] = cmd.actions(i);
  }
  Events events(meta);
  events.Add(EscalationStream(cmd.escalation_id()), resolved,
             TagsOf(*e.escalation), std::move(text));
  return events.Take();
}

absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::WithdrawEscalation& cmd,
                                const DecisionContext& ctx) {
  KAMGOV_RETURN_IF_ERROR(internal::CheckContext(ctx));
  Fields f;
  f.Meta(meta, /*rationale_required=*/true);
  f.Id(cmd.escalation_id(), "command.escalation_id");
  KAMGOV_RETURN_IF_ERROR(f.Status());
  KAMGOV_ASSIGN_OR_RETURN(EscalationContext e,
                          LoadEscalation(meta, cmd.escalation_id(), ctx));
  KAMGOV_RETURN_IF_ERROR(RequireAuthority(e, /*raiser_may=*/true));
  v1::EscalationWithdrawn withdrawn;
  withdrawn.set_escalation_id(cmd.escalation_id());
  withdrawn.set_account_id(e.escalation->account_id());
  withdrawn.set_program_id(e.escalation->program_id());
  withdrawn.set_reason(v1::ESCALATION_WITHDRAWAL_REASON_WITHDRAWN);
  withdrawn.set_withdrawn_day(internal::Today(ctx));
  Events events(meta);
  events.Add(EscalationStream(cmd.escalation_id()), withdrawn,
             TagsOf(*e.escalation));
  return events.Take();
}

}  // namespace kamgov::domain
