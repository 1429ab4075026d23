#include "services/governance_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "domain/ids.h"
#include "proto/status_details.h"
#include "services/grpc_status.h"
#include "services/identity.h"

namespace kamgov::services {
namespace {

void ToCommandResult(const eventstore::AppendResult& result,
                     kamgov::v1::CommandResult* out) {
  out->set_commit_position(result.last_position);
  for (const eventstore::StreamAppendResult& stream : result.streams) {
    kamgov::v1::StreamVersion* version = out->add_stream_versions();
    version->set_stream_id(stream.stream_id);
    version->set_version(stream.last_version);
  }
  for (const std::string& id : result.event_ids) out->add_event_ids(id);
  out->set_replayed(result.replayed);
}

// The aggregate kind and lookup for each Get RPC's state type.
template <typename State>
struct StateLookup;
template <>
struct StateLookup<kamgov::v1::ProgramState> {
  static constexpr domain::AggregateKind kKind =
      domain::AggregateKind::kProgram;
  static const kamgov::v1::ProgramState* Find(const AggregateCache& cache,
                                              absl::string_view id) {
    return cache.FindProgram(id);
  }
};
template <>
struct StateLookup<kamgov::v1::PersonState> {
  static constexpr domain::AggregateKind kKind = domain::AggregateKind::kPerson;
  static const kamgov::v1::PersonState* Find(const AggregateCache& cache,
                                             absl::string_view id) {
    return cache.FindPerson(id);
  }
};
template <>
struct StateLookup<kamgov::v1::AccountState> {
  static constexpr domain::AggregateKind kKind =
      domain::AggregateKind::kAccount;
  static const kamgov::v1::AccountState* Find(const AggregateCache& cache,
                                              absl::string_view id) {
    return cache.FindAccount(id);
  }
};
template <>
struct StateLookup<kamgov::v1::EscalationState> {
  static constexpr domain::AggregateKind kKind =
      domain::AggregateKind::kEscalation;
  static const kamgov::v1::EscalationState* Find(const AggregateCache& cache,
                                                 absl::string_view id) {
    return cache.FindEscalation(id);
  }
};

}  // namespace

grpc::ServerUnaryReactor* GovernanceService::Execute(
    grpc::CallbackServerContext* context,
    const kamgov::v1::ExecuteRequest* request,
    kamgov::v1::CommandResult* response) {
  return Run(context, request->meta(), request->command(), response);
}

grpc::ServerUnaryReactor* GovernanceService::Run(
    grpc::CallbackServerContext* context, const kamgov::v1::CommandMeta& meta,
    kamgov::v1::Command command, kamgov::v1::CommandResult* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<std::string> principal = PrincipalOf(*context);
  if (!principal.ok()) {
    reactor->Finish(ToGrpcStatus(principal.status()));
    return reactor;
  }
  processor_->Submit(
      *std::move(principal), meta, std::move(command),
      [reactor, response](absl::StatusOr<eventstore::AppendResult> result) {
        if (result.ok()) ToCommandResult(*result, response);
        reactor->Finish(ToGrpcStatus(result.status()));
      });
  return reactor;
}

template <typename State, typename Response>
grpc::ServerUnaryReactor* GovernanceService::Get(
    grpc::CallbackServerContext* context, const kamgov::v1::GetRequest* request,
    Response* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (absl::Status admitted = CheckCall(*context); !admitted.ok()) {
    reactor->Finish(ToGrpcStatus(admitted));
    return reactor;
  }
  if (!domain::IsValidId(request->id())) {
    reactor->Finish(ToGrpcStatus(InvalidArgument(
        {{"id", "1 to 117 characters of A-Z a-z 0-9 . _ : @ -"}})));
    return reactor;
  }
  processor_->Read([reactor, request, response](AggregateCache& cache) {
    using Lookup = StateLookup<State>;
    const State* state = Lookup::Find(cache, request->id());
    absl::Status status = cache.TakeLoadError();
    if (status.ok() && state == nullptr) {
      status = absl::NotFoundError(absl::StrCat(domain::KindName(Lookup::kKind),
                                                " '", request->id(),
                                                "' does not exist"));
    }
    if (status.ok()) {
      *response->mutable_state() = *state;
      absl::StatusOr<std::optional<uint64_t>> version =
          cache.StreamVersion({Lookup::kKind, request->id()});
      if (version.ok()) {
        response->set_version(version->value_or(0));
      } else {
        status = version.status();
      }
    }
    reactor->Finish(ToGrpcStatus(status));
  });
  return reactor;
}

grpc::ServerUnaryReactor* GovernanceService::GetProgram(
    grpc::CallbackServerContext* context, const kamgov::v1::GetRequest* request,
    kamgov::v1::GetProgramResponse* response) {
  return Get<kamgov::v1::ProgramState>(context, request, response);
}
grpc::ServerUnaryReactor* GovernanceService::GetPerson(
    grpc::CallbackServerContext* context, const kamgov::v1::GetRequest* request,
    kamgov::v1::GetPersonResponse* response) {
  return Get<kamgov::v1::PersonState>(context, request, response);
}
grpc::ServerUnaryReactor* GovernanceService::GetAccount(
    grpc::CallbackServerContext* context, const kamgov::v1::GetRequest* request,
    kamgov::v1::GetAccountResponse* response) {
  return Get<kamgov::v1::AccountState>(context, request, response);
}
grpc::ServerUnaryReactor* GovernanceService::GetEscalation(
    grpc::CallbackServerContext* context, const kamgov::v1::GetRequest* request,
    kamgov::v1::GetEscalationResponse* response) {
  return Get<kamgov::v1::EscalationState>(context, request, response);
}

}  // namespace kamgov::services
