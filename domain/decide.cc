// Dispatch over the Command oneof, and facts about commands.

#include "domain/decide.h"

#include "domain/ids.h"
#include "proto/status_details.h"

namespace kamgov::domain {

using v1::Command;

absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const Command& command,
                                const DecisionContext& context) {
  switch (command.command_case()) {
    case Command::kEstablishProgram:
      return Decide(meta, command.establish_program(), context);
    case Command::kSetProgramPolicy:
      return Decide(meta, command.set_program_policy(), context);
    case Command::kPublishSelectionCriteria:
      return Decide(meta, command.publish_selection_criteria(), context);
    case Command::kOpenSelectionCycle:
      return Decide(meta, command.open_selection_cycle(), context);
    case Command::kCloseSelectionCycle:
      return Decide(meta, command.close_selection_cycle(), context);
    case Command::kRegisterPerson:
      return Decide(meta, command.register_person(), context);
    case Command::kGrantGovernanceRole:
      return Decide(meta, command.grant_governance_role(), context);
    case Command::kRevokeGovernanceRole:
      return Decide(meta, command.revoke_governance_role(), context);
    case Command::kDepartPerson:
      return Decide(meta, command.depart_person(), context);
    case Command::kNominateAccount:
      return Decide(meta, command.nominate_account(), context);
    case Command::kRejectNomination:
      return Decide(meta, command.reject_nomination(), context);
    case Command::kDesignateAccount:
      return Decide(meta, command.designate_account(), context);
    case Command::kReevaluateAccount:
      return Decide(meta, command.reevaluate_account(), context);
    case Command::kReclassifyAccount:
      return Decide(meta, command.reclassify_account(), context);
    case Command::kDeDesignateAccount:
      return Decide(meta, command.de_designate_account(), context);
    case Command::kAssignKeyAccountManager:
      return Decide(meta, command.assign_key_account_manager(), context);
    case Command::kAssignExecutiveSponsor:
      return Decide(meta, command.assign_executive_sponsor(), context);
    case Command::kReleaseExecutiveSponsor:
      return Decide(meta, command.release_executive_sponsor(), context);
    case Command::kLogSponsorEngagement:
      return Decide(meta, command.log_sponsor_engagement(), context);
    case Command::kAddTeamMember:
      return Decide(meta, command.add_team_member(), context);
    case Command::kRemoveTeamMember:
      return Decide(meta, command.remove_team_member(), context);
    case Command::kSubmitAccountPlan:
      return Decide(meta, command.submit_account_plan(), context);
    case Command::kReviewAccountPlan:
      return Decide(meta, command.review_account_plan(), context);
    case Command::kRaiseEscalation:
      return Decide(meta, command.raise_escalation(), context);
    case Command::kAcknowledgeEscalation:
      return Decide(meta, command.acknowledge_escalation(), context);
    case Command::kRaiseEscalationLevel:
      return Decide(meta, command.raise_escalation_level(), context);
    case Command::kResolveEscalation:
      return Decide(meta, command.resolve_escalation(), context);
    case Command::kWithdrawEscalation:
      return Decide(meta, command.withdraw_escalation(), context);
    case Command::COMMAND_NOT_SET:
      break;
  }
  return InvalidArgument({{"command", "no command set"}});
}

std::string TargetStreamId(const Command& command) {
  auto stream = [](AggregateKind kind, const std::string& id) {
    return id.empty() ? std::string() : StreamId(kind, id);
  };
  using K = AggregateKind;
  switch (command.command_case()) {
    case Command::kEstablishProgram:
      return stream(K::kProgram, command.establish_program().program_id());
    case Command::kSetProgramPolicy:
      return stream(K::kProgram, command.set_program_policy().program_id());
    case Command::kPublishSelectionCriteria:
      return stream(K::kProgram,
                    command.publish_selection_criteria().program_id());
    case Command::kOpenSelectionCycle:
      return stream(K::kProgram, command.open_selection_cycle().program_id());
    case Command::kCloseSelectionCycle:
      return stream(K::kProgram, command.close_selection_cycle().program_id());
    case Command::kRegisterPerson:
      return stream(K::kPerson, command.register_person().person_id());
    case Command::kGrantGovernanceRole:
      return stream(K::kPerson, command.grant_governance_role().person_id());
    case Command::kRevokeGovernanceRole:
      return stream(K::kPerson, command.revoke_governance_role().person_id());
    case Command::kDepartPerson:
      return stream(K::kPerson, command.depart_person().person_id());
    case Command::kNominateAccount:
      return stream(K::kAccount, command.nominate_account().account_id());
    case Command::kRejectNomination:
      return stream(K::kAccount, command.reject_nomination().account_id());
    case Command::kDesignateAccount:
      return stream(K::kAccount, command.designate_account().account_id());
    case Command::kReevaluateAccount:
      return stream(K::kAccount, command.reevaluate_account().account_id());
    case Command::kReclassifyAccount:
      return stream(K::kAccount, command.reclassify_account().account_id());
    case Command::kDeDesignateAccount:
      return stream(K::kAccount, command.de_designate_account().account_id());
    case Command::kAssignKeyAccountManager:
      return stream(K::kAccount,
                    command.assign_key_account_manager().account_id());
    case Command::kAssignExecutiveSponsor:
      return stream(K::kAccount,
                    command.assign_executive_sponsor().account_id());
    case Command::kReleaseExecutiveSponsor:
      return stream(K::kAccount,
                    command.release_executive_sponsor().account_id());
    case Command::kLogSponsorEngagement:
      return stream(K::kAccount, command.log_sponsor_engagement().account_id());
    case Command::kAddTeamMember:
      return stream(K::kAccount, command.add_team_member().account_id());
    case Command::kRemoveTeamMember:
      return stream(K::kAccount, command.remove_team_member().account_id());
    case Command::kSubmitAccountPlan:
      return stream(K::kAccount, command.submit_account_plan().account_id());
    case Command::kReviewAccountPlan:
      return stream(K::kAccount, command.review_account_plan().account_id());
    case Command::kRaiseEscalation:
      return stream(K::kEscalation, command.raise_escalation().escalation_id());
    case Command::kAcknowledgeEscalation:
      return stream(K::kEscalation,
                    command.acknowledge_escalation().escalation_id());
    case Command::kRaiseEscalationLevel:
      return stream(K::kEscalation,
                    command.raise_escalation_level().escalation_id());
    case Command::kResolveEscalation:
      return stream(K::kEscalation,
                    command.resolve_escalation().escalation_id());
    case Command::kWithdrawEscalation:
      return stream(K::kEscalation,
                    command.withdraw_escalation().escalation_id());
    case Command::COMMAND_NOT_SET:
      break;
  }
  return "";
}

absl::string_view CommandName(const Command& command) {
  const google::protobuf::FieldDescriptor* field =
      Command::descriptor()->FindFieldByNumber(command.command_case());
  if (field == nullptr) return "";
  return field->message_type()->name();
}

bool RationaleRequired(const Command& command) {
  switch (command.command_case()) {
    case Command::kRegisterPerson:
      return command.register_person().roles_size() > 0;
    case Command::kOpenSelectionCycle:
    case Command::kCloseSelectionCycle:
    case Command::kNominateAccount:
    case Command::kLogSponsorEngagement:
    case Command::kSubmitAccountPlan:
    case Command::kRaiseEscalation:
    case Command::kAcknowledgeEscalation:
    case Command::COMMAND_NOT_SET:
      return false;
    default:
      return true;
  }
}

}  // namespace kamgov::domain
