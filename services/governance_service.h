#ifndef KAMGOV_SERVICES_GOVERNANCE_SERVICE_H_
#define KAMGOV_SERVICES_GOVERNANCE_SERVICE_H_

#include "kamgov/v1/governance.grpc.pb.h"
#include "services/command_processor.h"

namespace kamgov::services {

// GovernanceService on the callback API: a thin handler that authenticates
// the caller, hands each command to the CommandProcessor and maps its answer
// to a CommandResult or a rich gRPC error (services/grpc_status.h). No
// business rule lives here. Nothing blocks in a reaction: the processor
// completes the call from its own threads.
//
// The processor is not owned and must outlive the service.
class GovernanceService final
    : public kamgov::v1::GovernanceService::CallbackService {
 public:
  explicit GovernanceService(CommandProcessor* processor)
      : processor_(processor) {}

  grpc::ServerUnaryReactor* Execute(
      grpc::CallbackServerContext* context,
      const kamgov::v1::ExecuteRequest* request,
      kamgov::v1::CommandResult* response) override;

// One RPC per command: wraps the command in a v1::Command and executes it.
#define KAMGOV_COMMAND_RPC(Name, field)                                    \
  grpc::ServerUnaryReactor* Name(grpc::CallbackServerContext* context,     \
                                 const kamgov::v1::Name##Request* request, \
                                 kamgov::v1::CommandResult* response)      \
      override {                                                           \
    kamgov::v1::Command command;                                           \
    *command.mutable_##field() = request->command();                       \
    return Run(context, request->meta(), std::move(command), response);    \
  }
  KAMGOV_COMMAND_RPC(EstablishProgram, establish_program)
  KAMGOV_COMMAND_RPC(SetProgramPolicy, set_program_policy)
  KAMGOV_COMMAND_RPC(PublishSelectionCriteria, publish_selection_criteria)
  KAMGOV_COMMAND_RPC(OpenSelectionCycle, open_selection_cycle)
  KAMGOV_COMMAND_RPC(CloseSelectionCycle, close_selection_cycle)
  KAMGOV_COMMAND_RPC(RegisterPerson, register_person)
  KAMGOV_COMMAND_RPC(GrantGovernanceRole, grant_governance_role)
  KAMGOV_COMMAND_RPC(RevokeGovernanceRole, revoke_governance_role)
  KAMGOV_COMMAND_RPC(DepartPerson, depart_person)
  KAMGOV_COMMAND_RPC(NominateAccount, nominate_account)
  KAMGOV_COMMAND_RPC(RejectNomination, reject_nomination)
  KAMGOV_COMMAND_RPC(DesignateAccount, designate_account)
  KAMGOV_COMMAND_RPC(ReevaluateAccount, reevaluate_account)
  KAMGOV_COMMAND_RPC(ReclassifyAccount, reclassify_account)
  KAMGOV_COMMAND_RPC(DeDesignateAccount, de_designate_account)
  KAMGOV_COMMAND_RPC(AssignKeyAccountManager, assign_key_account_manager)
  KAMGOV_COMMAND_RPC(AssignExecutiveSponsor, assign_executive_sponsor)
  KAMGOV_COMMAND_RPC(ReleaseExecutiveSponsor, release_executive_sponsor)
  KAMGOV_COMMAND_RPC(LogSponsorEngagement, log_sponsor_engagement)
  KAMGOV_COMMAND_RPC(AddTeamMember, add_team_member)
  KAMGOV_COMMAND_RPC(RemoveTeamMember, remove_team_member)
  KAMGOV_COMMAND_RPC(SubmitAccountPlan, submit_account_plan)
  KAMGOV_COMMAND_RPC(ReviewAccountPlan, review_account_plan)
  KAMGOV_COMMAND_RPC(RaiseEscalation, raise_escalation)
  KAMGOV_COMMAND_RPC(AcknowledgeEscalation, acknowledge_escalation)
  KAMGOV_COMMAND_RPC(RaiseEscalationLevel, raise_escalation_level)
  KAMGOV_COMMAND_RPC(ResolveEscalation, resolve_escalation)
  KAMGOV_COMMAND_RPC(WithdrawEscalation, withdraw_escalation)
#undef KAMGOV_COMMAND_RPC

  grpc::ServerUnaryReactor* GetProgram(
      grpc::CallbackServerContext* context,
      const kamgov::v1::GetRequest* request,
      kamgov::v1::GetProgramResponse* response) override;
  grpc::ServerUnaryReactor* GetPerson(
      grpc::CallbackServerContext* context,
      const kamgov::v1::GetRequest* request,
      kamgov::v1::GetPersonResponse* response) override;
  grpc::ServerUnaryReactor* GetAccount(
      grpc::CallbackServerContext* context,
      const kamgov::v1::GetRequest* request,
      kamgov::v1::GetAccountResponse* response) override;
  grpc::ServerUnaryReactor* GetEscalation(
      grpc::CallbackServerContext* context,
      const kamgov::v1::GetRequest* request,
      kamgov::v1::GetEscalationResponse* response) override;

 private:
  grpc::ServerUnaryReactor* Run(grpc::CallbackServerContext* context,
                                const kamgov::v1::CommandMeta& meta,
                                kamgov::v1::Command command,
                                kamgov::v1::CommandResult* response);
  template <typename State, typename Response>
  grpc::ServerUnaryReactor* Get(grpc::CallbackServerContext* context,
                                const kamgov::v1::GetRequest* request,
                                Response* response);

  CommandProcessor* const processor_;
};

}  // namespace kamgov::services

#endif  // KAMGOV_SERVICES_GOVERNANCE_SERVICE_H_
