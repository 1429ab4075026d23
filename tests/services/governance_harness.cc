#include "tests/services/governance_harness.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <future>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "domain/decide.h"
#include "proto/status_details.h"
#include "services/grpc_status.h"
#include "services/identity.h"

namespace kamgov::services::testing {

void PrepareContext(grpc::ClientContext& context, absl::string_view principal) {
  if (!principal.empty()) {
    context.AddMetadata(kPrincipalHeader, std::string(principal));
  }
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
}

std::string ReasonOf(const absl::Status& status) {
  auto info = GetErrorInfo(status);
  return info.has_value() ? info->reason() : "";
}

std::vector<std::string> BadFieldsOf(const absl::Status& status) {
  std::vector<std::string> fields;
  if (auto bad = GetBadRequest(status); bad.has_value()) {
    for (const auto& v : bad->field_violations()) fields.push_back(v.field());
  }
  return fields;
}

CommandStep StepWithId(absl::string_view command_id, absl::string_view actor,
                       absl::string_view command_text, int64_t now_us,
                       absl::string_view rationale) {
  CommandStep step =
      domain::testing::Step(actor, command_text, rationale, now_us);
  step.meta.set_command_id(std::string(command_id));
  return step;
}

absl::StatusOr<std::unique_ptr<GovernanceServer>> GovernanceServer::Start(
    const std::string& data_dir, FakeClock* clock) {
  DaemonOptions options;
  options.server.listen = "127.0.0.1:0";
  options.data_dir = data_dir;
  options.clock_us = clock->AsFunction();
  // Daemon::Start does not hand DaemonOptions::clock_us to the processor
  // (see GovernanceDaemonClock in governance_errors_test.cc); set both so
  // that the other tests do not depend on that.
  options.processor.clock_us = clock->AsFunction();
  options.scheduler_interval = absl::ZeroDuration();
  absl::StatusOr<std::unique_ptr<Daemon>> daemon = Daemon::Start(options);
  if (!daemon.ok()) return daemon.status();
  std::unique_ptr<GovernanceServer> server(new GovernanceServer());
  server->daemon_ = *std::move(daemon);
  server->clock_ = clock;
  server->channel_ =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", server->daemon_->port()),
                          grpc::InsecureChannelCredentials());
  server->stub_ = v1::GovernanceService::NewStub(server->channel_);
  return server;
}

GovernanceServer::~GovernanceServer() {
  stub_.reset();
  channel_.reset();
  if (daemon_ != nullptr) daemon_->Stop(absl::Seconds(5));
}

absl::StatusOr<v1::CommandResult> GovernanceServer::Execute(
    const v1::CommandMeta& meta, const v1::Command& command,
    absl::string_view principal) {
  grpc::ClientContext context;
  PrepareContext(context, principal);
  v1::ExecuteRequest request;
  *request.mutable_meta() = meta;
  *request.mutable_command() = command;
  v1::CommandResult result;
  absl::Status status =
      FromGrpcStatus(stub_->Execute(&context, request, &result));
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<v1::CommandResult> GovernanceServer::Call(
    const v1::CommandMeta& meta, const v1::Command& command,
    absl::string_view principal) {
  grpc::ClientContext context;
  PrepareContext(context, principal);
  v1::CommandResult result;
  grpc::Status status;
  switch (command.command_case()) {
#define KAMGOV_CALL(Name, field)                      \
  case v1::Command::k##Name: {                        \
    v1::Name##Request request;                        \
    *request.mutable_meta() = meta;                   \
    *request.mutable_command() = command.field();     \
    status = stub_->Name(&context, request, &result); \
    break;                                            \
  }
    KAMGOV_CALL(EstablishProgram, establish_program)
    KAMGOV_CALL(SetProgramPolicy, set_program_policy)
    KAMGOV_CALL(PublishSelectionCriteria, publish_selection_criteria)
    KAMGOV_CALL(OpenSelectionCycle, open_selection_cycle)
    KAMGOV_CALL(CloseSelectionCycle, close_selection_cycle)
    KAMGOV_CALL(RegisterPerson, register_person)
    KAMGOV_CALL(GrantGovernanceRole, grant_governance_role)
    KAMGOV_CALL(RevokeGovernanceRole, revoke_governance_role)
    KAMGOV_CALL(DepartPerson, depart_person)
    KAMGOV_CALL(NominateAccount, nominate_account)
    KAMGOV_CALL(RejectNomination, reject_nomination)
    KAMGOV_CALL(DesignateAccount, designate_account)
    KAMGOV_CALL(ReevaluateAccount, reevaluate_account)
    KAMGOV_CALL(ReclassifyAccount, reclassify_account)
    KAMGOV_CALL(DeDesignateAccount, de_designate_account)
    KAMGOV_CALL(AssignKeyAccountManager, assign_key_account_manager)
    KAMGOV_CALL(AssignExecutiveSponsor, assign_executive_sponsor)
    KAMGOV_CALL(ReleaseExecutiveSponsor, release_executive_sponsor)
    KAMGOV_CALL(LogSponsorEngagement, log_sponsor_engagement)
    KAMGOV_CALL(AddTeamMember, add_team_member)
    KAMGOV_CALL(RemoveTeamMember, remove_team_member)
    KAMGOV_CALL(SubmitAccountPlan, submit_account_plan)
    KAMGOV_CALL(ReviewAccountPlan, review_account_plan)
    KAMGOV_CALL(RaiseEscalation, raise_escalation)
    KAMGOV_CALL(AcknowledgeEscalation, acknowledge_escalation)
    KAMGOV_CALL(RaiseEscalationLevel, raise_escalation_level)
    KAMGOV_CALL(ResolveEscalation, resolve_escalation)
    KAMGOV_CALL(WithdrawEscalation, withdraw_escalation)
#undef KAMGOV_CALL
    case v1::Command::COMMAND_NOT_SET:
      return Execute(meta, command, principal);
  }
  absl::Status converted = FromGrpcStatus(status);
  if (!converted.ok()) return converted;
  return result;
}

absl::StatusOr<v1::CommandResult> GovernanceServer::Run(
    const CommandStep& step, absl::string_view principal) {
  clock_->Set(step.now_us);
  return Call(step.meta, step.command, principal);
}

absl::StatusOr<v1::CommandResult> GovernanceServer::RunExecute(
    const CommandStep& step, absl::string_view principal) {
  clock_->Set(step.now_us);
  return Execute(step.meta, step.command, principal);
}

absl::Status GovernanceServer::RunAll(const std::vector<CommandStep>& steps,
                                      absl::string_view principal) {
  for (size_t i = 0; i < steps.size(); ++i) {
    absl::StatusOr<v1::CommandResult> done = RunExecute(steps[i], principal);
    if (!done.ok()) {
      return absl::Status(
          done.status().code(),
          absl::StrCat("step ", i, " (", domain::CommandName(steps[i].command),
                       " ", steps[i].meta.command_id(),
                       "): ", done.status().message()));
    }
  }
  return absl::OkStatus();
}

std::vector<absl::StatusOr<v1::CommandResult>>
GovernanceServer::ExecuteConcurrently(const std::vector<CommandStep>& steps,
                                      absl::string_view principal) {
  struct Call {
    grpc::ClientContext context;
    v1::ExecuteRequest request;
    v1::CommandResult response;
    grpc::Status status;
  };
  std::vector<std::unique_ptr<Call>> calls;
  absl::BlockingCounter pending(static_cast<int>(steps.size()));
  for (const CommandStep& step : steps) {
    auto call = std::make_unique<Call>();
    PrepareContext(call->context, principal);
    *call->request.mutable_meta() = step.meta;
    *call->request.mutable_command() = step.command;
    calls.push_back(std::move(call));
  }
  for (auto& call : calls) {
    Call* raw = call.get();
    stub_->async()->Execute(&raw->context, &raw->request, &raw->response,
                            [raw, &pending](grpc::Status status) {
                              raw->status = std::move(status);
                              pending.DecrementCount();
                            });
  }
  pending.Wait();
  std::vector<absl::StatusOr<v1::CommandResult>> results;
  for (auto& call : calls) {
    absl::Status status = FromGrpcStatus(call->status);
    if (status.ok()) {
      results.push_back(call->response);
    } else {
      results.push_back(status);
    }
  }
  return results;
}

namespace {

template <typename Response, typename Method>
absl::StatusOr<Response> Get(absl::string_view id, Method method) {
  grpc::ClientContext context;
  PrepareContext(context, kTestPrincipal);
  v1::GetRequest request;
  request.set_id(std::string(id));
  Response response;
  absl::Status status = FromGrpcStatus(method(&context, request, &response));
  if (!status.ok()) return status;
  return response;
}

}  // namespace

absl::StatusOr<v1::GetProgramResponse> GovernanceServer::GetProgram(
    absl::string_view id) {
  return Get<v1::GetProgramResponse>(id, [this](auto* c, auto& r, auto* o) {
    return stub_->GetProgram(c, r, o);
  });
}
absl::StatusOr<v1::GetPersonResponse> GovernanceServer::GetPerson(
    absl::string_view id) {
  return Get<v1::GetPersonResponse>(id, [this](auto* c, auto& r, auto* o) {
    return stub_->GetPerson(c, r, o);
  });
}
absl::StatusOr<v1::GetAccountResponse> GovernanceServer::GetAccount(
    absl::string_view id) {
  return Get<v1::GetAccountResponse>(id, [this](auto* c, auto& r, auto* o) {
    return stub_->GetAccount(c, r, o);
  });
}
absl::StatusOr<v1::GetEscalationResponse> GovernanceServer::GetEscalation(
    absl::string_view id) {
  return Get<v1::GetEscalationResponse>(id, [this](auto* c, auto& r, auto* o) {
    return stub_->GetEscalation(c, r, o);
  });
}

absl::StatusOr<int> GovernanceServer::RunDeadlines() {
  std::promise<absl::StatusOr<int>> done;
  std::future<absl::StatusOr<int>> result = done.get_future();
  daemon_->processor().RunDeadlines(
      [&done](absl::StatusOr<int> recorded) { done.set_value(recorded); });
  return result.get();
}

std::vector<eventstore::RecordedEvent> GovernanceServer::ReadAll(
    uint64_t after_position) {
  std::vector<eventstore::RecordedEvent> all;
  while (true) {
    absl::StatusOr<std::vector<eventstore::RecordedEvent>> page =
        log().ReadAll(after_position, 1000, /*include_personal=*/true);
    if (!page.ok() || page->empty()) break;
    after_position = page->back().position;
    for (auto& event : *page) all.push_back(std::move(event));
  }
  return all;
}

}  // namespace kamgov::services::testing
