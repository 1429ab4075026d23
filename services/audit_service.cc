#include "services/audit_service.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "domain/ids.h"
#include "eventstore/export.h"
#include "eventstore/format.h"
#include "kamgov/v1/domain.pb.h"
#include "projections/as_of.h"
#include "projections/history_projection.h"
#include "proto/status_details.h"
#include "services/grpc_status.h"
#include "services/identity.h"
#include "services/unary_call.h"

namespace kamgov::services {
namespace {

using projections::HistoryProjection;

// Rules per event type (see RuleContextFor). Kept beside the service: it
// explains recorded decisions, it decides nothing.
const absl::flat_hash_map<std::string, std::vector<std::string>>& RuleTable() {
  static const auto* table = new absl::flat_hash_map<std::string,
                                                     std::vector<std::string>>{
      {"ProgramEstablished",
       {"PROGRAM_ESTABLISHER_NOT_SENIOR_MANAGEMENT", "PROGRAM_ALREADY_EXISTS"}},
      {"ProgramPolicySet",
       {"PROGRAM_ADMIN_NOT_AUTHORIZED", "RULE_NUMBERS_ARE_POLICY"}},
      {"SelectionCriteriaPublished",
       {"CRITERIA_PUBLISHER_NOT_SENIOR_MANAGEMENT", "CRITERIA_NOT_MIXED",
        "CRITERIA_VERSION_NOT_NEXT", "CRITERIA_WEIGHTS_NOT_ONE",
        "SCORE_OUT_OF_RANGE"}},
      {"SelectionCycleOpened",
       {"PROGRAM_ADMIN_NOT_AUTHORIZED", "CYCLE_ALREADY_OPEN", "CYCLE_ID_REUSED",
        "CYCLE_DUE_OUT_OF_RANGE"}},
      {"SelectionCycleClosed",
       {"PROGRAM_ADMIN_NOT_AUTHORIZED", "CYCLE_NOT_OPEN",
        "CYCLE_REEVALUATION_INCOMPLETE"}},
      {"PersonRegistered",
       {"ROLE_GRANT_NOT_AUTHORIZED", "BOOTSTRAP_WITHOUT_ADMIN_ROLE",
        "PERSON_ALREADY_REGISTERED"}},
      {"GovernanceRoleGranted",
       {"ROLE_GRANT_NOT_AUTHORIZED", "PERSON_DEPARTED", "ROLE_ALREADY_HELD"}},
      {"GovernanceRoleRevoked",
       {"ROLE_GRANT_NOT_AUTHORIZED", "ROLE_NOT_HELD", "ROLE_IN_USE"}},
      {"PersonDeparted", {"ROLE_GRANT_NOT_AUTHORIZED", "PERSON_DEPARTED"}},
      {"AccountNominated",
       {"CRITERIA_NOT_PUBLISHED", "ACCOUNT_NOT_NOMINATABLE",
        "ACCOUNT_PROGRAM_MISMATCH"}},
      {"NominationRejected",
       {"ACCOUNT_NOT_NOMINATED", "DECIDER_NOT_SENIOR_MANAGEMENT"}},
      {"AccountDesignated",
       {"ACCOUNT_NOT_NOMINATED", "DECIDER_NOT_SENIOR_MANAGEMENT",
        "DECIDER_IS_NOMINATOR", "CYCLE_NOT_OPEN", "CRITERIA_VERSION_SUPERSEDED",
        "CRITERION_UNKNOWN", "CRITERIA_SCORE_MISSING", "SCORE_OUT_OF_RANGE",
        "WEIGHTED_SCORE_BELOW_THRESHOLD", "PORTFOLIO_CAPACITY_EXCEEDED"}},
      {"AccountReevaluated",
       {"ACCOUNT_NOT_DESIGNATED", "DECIDER_NOT_SENIOR_MANAGEMENT",
        "CYCLE_NOT_OPEN", "ACCOUNT_ALREADY_REEVALUATED",
        "CRITERIA_VERSION_SUPERSEDED", "CRITERION_UNKNOWN",
        "CRITERIA_SCORE_MISSING", "WEIGHTED_SCORE_BELOW_THRESHOLD",
        "CLASS_UNCHANGED"}},
      {"AccountReclassified",
       {"ACCOUNT_NOT_DESIGNATED", "DECIDER_NOT_SENIOR_MANAGEMENT",
        "CLASS_UNCHANGED"}},
      {"AccountDeDesignated",
       {"ACCOUNT_NOT_DESIGNATED", "DECIDER_NOT_SENIOR_MANAGEMENT",
        "OPEN_ESCALATIONS_ON_DEDESIGNATION", "LOSS_DISTINCT_FROM_DESELECTION",
        "DEDESIGNATION_RELEASES"}},
      {"KeyAccountManagerAssigned",
       {"ACCOUNT_NOT_DESIGNATED", "ACCOUNT_ROLE_ASSIGNER_NOT_AUTHORIZED",
        "PERSON_DEPARTED", "MANAGER_LACKS_KAM_ROLE", "MANAGER_UNCHANGED",
        "REASSIGNMENT_BONDS_NOT_CONSIDERED", "ONE_ACCOUNTABLE_KAM"}},
      {"KeyAccountManagerReleased", {"DEDESIGNATION_RELEASES"}},
      {"ExecutiveSponsorAssigned",
       {"ACCOUNT_NOT_DESIGNATED", "ACCOUNT_ROLE_ASSIGNER_NOT_AUTHORIZED",
        "PERSON_DEPARTED", "SPONSOR_NOT_BOARD_LEVEL", "SPONSOR_UNCHANGED",
        "SPONSOR_CAPACITY_EXCEEDED"}},
      {"ExecutiveSponsorReleased",
       {"ACCOUNT_ROLE_ASSIGNER_NOT_AUTHORIZED", "SPONSOR_NOT_ASSIGNED",
        "DEDESIGNATION_RELEASES"}},
      {"SponsorEngagementLogged",
       {"ACCOUNT_NOT_DESIGNATED", "SPONSOR_NOT_ASSIGNED",
        "ENGAGEMENT_LOGGER_NOT_AUTHORIZED"}},
      {"TeamMemberJoined",
       {"ACCOUNT_NOT_DESIGNATED", "TEAM_CHANGER_NOT_AUTHORIZED",
        "PERSON_DEPARTED", "TEAM_MEMBER_ALREADY_ON_TEAM"}},
      {"TeamMemberLeft",
       {"TEAM_CHANGER_NOT_AUTHORIZED", "TEAM_MEMBER_NOT_ON_TEAM"}},
      {"AccountPlanSubmitted",
       {"ACCOUNT_NOT_DESIGNATED", "PLAN_AUTHOR_NOT_KAM",
        "PLAN_VERSION_NOT_NEXT", "PLAN_SECTIONS_MISSING",
        "PLAN_INITIATIVES_OUT_OF_RANGE"}},
      {"AccountPlanReviewed",
       {"ACCOUNT_NOT_DESIGNATED", "PLAN_VERSION_NOT_CURRENT",
        "REVIEWER_IS_AUTHOR", "REVIEWER_NOT_SPONSOR_OR_SENIOR_MANAGEMENT"}},
      {"AccountPlanReviewOverdue", {"PLAN_REVIEW_OVERDUE"}},
      {"CoverageGapDetected", {"COVERAGE_GAP", "PLAN_REQUIRED_BY_CLASS"}},
      {"SponsorEngagementOverdue", {"SPONSOR_ENGAGEMENT_OVERDUE"}},
      {"EscalationRaised",
       {"ACCOUNT_NOT_DESIGNATED", "ESCALATION_ALREADY_EXISTS"}},
      {"EscalationAcknowledged",
       {"ESCALATION_NOT_OPEN", "ESCALATION_AUTHORITY_TOO_LOW",
        "ESCALATION_ALREADY_ACKNOWLEDGED"}},
      {"EscalationLevelRaised",
       {"ESCALATION_NOT_OPEN", "ESCALATION_AUTHORITY_TOO_LOW",
        "ESCALATION_LEVEL_NOT_HIGHER"}},
      {"EscalationResolved",
       {"ESCALATION_NOT_OPEN", "ESCALATION_AUTHORITY_TOO_LOW"}},
      {"EscalationWithdrawn",
       {"ESCALATION_NOT_OPEN", "ESCALATION_AUTHORITY_TOO_LOW",
        "OPEN_ESCALATIONS_ON_DEDESIGNATION"}},
  };
  return *table;
}

bool ValidId(absl::string_view id) { return domain::IsValidId(id); }

constexpr char kIdRule[] = "1 to 117 characters of A-Z a-z 0-9 . _ : @ -";

// The aggregate a StateAsOf or History request names, validated.
absl::StatusOr<domain::AggregateRef> Subject(domain::AggregateKind kind,
                                             const std::string& id,
                                             const char* field) {
  if (!ValidId(id)) return InvalidArgument({{field, kIdRule}});
  return domain::AggregateRef{kind, id};
}

// [after, end] clipped to the log: the last position a read may return.
uint64_t RangeEnd(uint64_t to_position, uint64_t head) {
  return to_position == 0 ? head : std::min(to_position, head);
}

}  // namespace

std::vector<std::string> RuleContextFor(absl::string_view type,
                                        absl::string_view acting_person) {
  // Raised by the scheduler: the time-out, not a person's decision.
  if (type == "EscalationLevelRaised" && acting_person.empty()) {
    return {"ESCALATION_TIMEOUT"};
  }
  auto it = RuleTable().find(type);
  return it == RuleTable().end() ? std::vector<std::string>{} : it->second;
}

void ToHistoryEntry(const eventstore::RecordedEvent& event,
                    kamgov::v1::HistoryEntry* out) {
  const v1::EventRecord& r = event.record;
  out->set_position(event.position);
  out->set_event_id(r.event_id());
  out->set_stream_id(r.stream_id());
  out->set_stream_version(r.stream_version());
  out->set_type(r.type());
  out->mutable_tags()->CopyFrom(r.tags());
  out->set_recorded_at_us(r.recorded_at_us());
  out->set_effective_at_us(r.effective_at_us() != 0 ? r.effective_at_us()
                                                    : r.recorded_at_us());
  out->set_principal(r.principal());
  out->set_acting_person(r.acting_person());
  out->set_command_id(r.command_id());
  out->set_correlation_id(r.correlation_id());
  out->set_causation_id(r.causation_id());
  out->set_personal_erased(event.personal_erased);
  if (event.personal.has_value()) {
    v1::PersonalPart personal;
    // Unparseable personal bytes show as none: the record, which the chain
    // proves, is still complete.
    if (personal.ParseFromString(*event.personal)) {
      out->set_rationale(personal.rationale());
      out->mutable_personal_text()->insert(personal.text().begin(),
                                           personal.text().end());
    }
  }
  for (std::string& rule : RuleContextFor(r.type(), r.acting_person())) {
    out->mutable_rule()->add_rule_ids(std::move(rule));
  }
  out->mutable_payload()->set_type_url(
      absl::StrCat("type.googleapis.com/kamgov.v1.", r.type()));
  out->mutable_payload()->set_value(r.main());
  out->set_hash(event.hash);
}

absl::StatusOr<size_t> AuditService::PageSize(uint32_t requested) const {
  if (requested == 0) return limits_.default_page_size;
  if (requested > limits_.max_page_size) {
    return InvalidArgument(
        {{"page_size", absl::StrCat("at most ", limits_.max_page_size)}});
  }
  return requested;
}

absl::Status AuditService::DoHistory(
    const grpc::CallbackServerContext& context,
    const kamgov::v1::HistoryRequest& request,
    kamgov::v1::HistoryResponse& response) const {
  using R = kamgov::v1::HistoryRequest;
  absl::StatusOr<size_t> limit = PageSize(request.page_size());
  if (!limit.ok()) return limit.status();
  const uint64_t head = log_->GetChainHead().position;
  const uint64_t end = RangeEnd(request.to_position(), head);
  const uint64_t after = request.after_position();
  response.set_position(end);
  response.set_next_after_position(after);

  std::vector<eventstore::RecordedEvent> events;
  bool more = false;
  switch (request.subject_case()) {
    case R::kAccountId:
    case R::kEscalationId:
    case R::kPersonId:
    case R::kProgramId: {
      const auto [kind, id, field] = [&]() {
        switch (request.subject_case()) {
          case R::kAccountId:
            return std::make_tuple(domain::AggregateKind::kAccount,
                                   request.account_id(), "account_id");
          case R::kEscalationId:
            return std::make_tuple(domain::AggregateKind::kEscalation,
                                   request.escalation_id(), "escalation_id");
          case R::kPersonId:
            return std::make_tuple(domain::AggregateKind::kPerson,
                                   request.person_id(), "person_id");
          default:
            return std::make_tuple(domain::AggregateKind::kProgram,
                                   request.program_id(), "program_id");
        }
      }();
      absl::StatusOr<domain::AggregateRef> ref = Subject(kind, id, field);
      if (!ref.ok()) return ref.status();
      if (after >= end) return absl::OkStatus();
      absl::StatusOr<std::vector<eventstore::RecordedEvent>> page =
          log_->ReadByTag(domain::Tag(ref->kind, ref->id), after, *limit + 1,
                          /*include_personal=*/true);
      if (!page.ok()) return page.status();
      for (eventstore::RecordedEvent& event : *page) {
        if (event.position > end) break;
        if (events.size() == *limit) {
          more = true;
          break;
        }
        events.push_back(std::move(event));
      }
      break;
    }
    case R::kActingPersonId:
    case R::kPrincipal: {
      std::string prefix;
      if (request.subject_case() == R::kActingPersonId) {
        if (!ValidId(request.acting_person_id())) {
          return InvalidArgument({{"acting_person_id", kIdRule}});
        }
        prefix = HistoryProjection::ActorPrefix(request.acting_person_id());
      } else {
        if (!ValidatePrincipal(request.principal()).ok()) {
          return InvalidArgument(
              {{"principal",
                "1 to 256 printable ASCII characters, no spaces"}});
        }
        prefix = HistoryProjection::PrincipalPrefix(request.principal());
      }
      if (after >= end) return absl::OkStatus();
      absl::StatusOr<std::unique_ptr<projections::RowSnapshot>> rows =
          engine_->Read(projections::kHistoryProjectionName, end,
                        CallDeadline(context));
      if (!rows.ok()) return rows.status();
      absl::StatusOr<std::vector<std::pair<std::string, std::string>>> index =
          (*rows)->Scan(prefix, prefix + eventstore::format::BE64(after),
                        *limit + 1);
      if (!index.ok()) return index.status();
      for (const auto& [key, value] : *index) {
        const uint64_t position = eventstore::format::DecodeBE64(
            absl::string_view(key).substr(prefix.size()));
        if (position > end) break;
        if (events.size() == *limit) {
          more = true;
          break;
        }
        absl::StatusOr<std::vector<eventstore::RecordedEvent>> one =
            log_->ReadAll(position - 1, 1, /*include_personal=*/true);
        if (!one.ok()) return one.status();
        if (one->empty() || one->front().position != position) {
          return absl::DataLossError(
              absl::StrCat("no event stored at position ", position));
        }
        events.push_back(std::move(one->front()));
      }
      break;
    }
    default:
      return InvalidArgument(
          {{"subject",
            "name an account_id, escalation_id, person_id, program_id, "
            "acting_person_id or principal"}});
  }
  for (const eventstore::RecordedEvent& event : events) {
    ToHistoryEntry(event, response.add_entries());
  }
  if (!events.empty()) response.set_next_after_position(events.back().position);
  response.set_more(more);
  return absl::OkStatus();
}

absl::Status AuditService::DoStateAsOf(
    const grpc::CallbackServerContext& context,
    const kamgov::v1::StateAsOfRequest& request,
    kamgov::v1::StateAsOfResponse& response) const {
  using R = kamgov::v1::StateAsOfRequest;
  absl::StatusOr<domain::AggregateRef> ref = [&] {
    switch (request.subject_case()) {
      case R::kAccountId:
        return Subject(domain::AggregateKind::kAccount, request.account_id(),
                       "account_id");
      case R::kProgramId:
        return Subject(domain::AggregateKind::kProgram, request.program_id(),
                       "program_id");
      case R::kEscalationId:
        return Subject(domain::AggregateKind::kEscalation,
                       request.escalation_id(), "escalation_id");
      case R::kPersonId:
        return Subject(domain::AggregateKind::kPerson, request.person_id(),
                       "person_id");
      default:
        return absl::StatusOr<domain::AggregateRef>(InvalidArgument(
            {{"subject",
              "name an account_id, program_id, escalation_id or person_id"}}));
    }
  }();
  if (!ref.ok()) return ref.status();
  const bool portfolio = request.subject_case() == R::kProgramId;
  size_t page_size = 0;
  if (portfolio) {
    absl::StatusOr<size_t> limit = PageSize(request.page_size());
    if (!limit.ok()) return limit.status();
    page_size = *limit;
    if (!request.page_token().empty() && !ValidId(request.page_token())) {
      return InvalidArgument({{"page_token", "not a token this server gave"}});
    }
  }

  const uint64_t head = log_->GetChainHead().position;
  uint64_t position = head;
  switch (request.at_case()) {
    case R::kPosition:
      if (request.position() < 1 || request.position() > head) {
        return InvalidArgument(
            {{"position",
              absl::StrCat("from 1 to the head of the log (", head, ")")}});
      }
      position = request.position();
      break;
    case R::kRecordedAtUs: {
      absl::StatusOr<uint64_t> at =
          projections::PositionAtTime(*log_, request.recorded_at_us(), head);
      if (!at.ok()) return at.status();
      position = *at;
      break;
    }
    default:
      break;
  }
  absl::StatusOr<int64_t> recorded_at =
      projections::RecordedAt(*log_, position);
  if (!recorded_at.ok()) return recorded_at.status();
  response.set_position(position);
  response.set_recorded_at_us(*recorded_at);

  absl::StatusOr<std::unique_ptr<projections::RowSnapshot>> rows =
      engine_->Read(projections::kHistoryProjectionName, position,
                    CallDeadline(context));
  if (!rows.ok()) return rows.status();
  absl::StatusOr<projections::AsOfState> state =
      projections::StateAsOf(**rows, *log_, *ref, position);
  if (!state.ok()) return state.status();
  if (!state->exists()) {
    return absl::NotFoundError(
        absl::StrCat(domain::KindName(ref->kind), " ", ref->id,
                     " did not exist at position ", position));
  }
  response.set_aggregate_events(state->events);
  switch (ref->kind) {
    case domain::AggregateKind::kAccount:
      response.mutable_account()->CopyFrom(*state->state);
      break;
    case domain::AggregateKind::kEscalation:
      response.mutable_escalation()->CopyFrom(*state->state);
      break;
    case domain::AggregateKind::kPerson:
      response.mutable_person()->CopyFrom(*state->state);
      break;
    case domain::AggregateKind::kProgram: {
      kamgov::v1::PortfolioAsOf* out = response.mutable_portfolio();
      out->mutable_program()->CopyFrom(*state->state);
      absl::StatusOr<projections::ProgramAccountsPage> members =
          projections::ProgramAccountsAsOf(**rows, ref->id, position,
                                           request.page_token(), page_size);
      if (!members.ok()) return members.status();
      for (const std::string& account_id : members->account_ids) {
        absl::StatusOr<projections::AsOfState> account = projections::StateAsOf(
            **rows, *log_, {domain::AggregateKind::kAccount, account_id},
            position);
        if (!account.ok()) return account.status();
        if (account->exists()) out->add_accounts()->CopyFrom(*account->state);
      }
      out->set_next_page_token(members->next_after);
      break;
    }
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* AuditService::History(
    grpc::CallbackServerContext* context,
    const kamgov::v1::HistoryRequest* request,
    kamgov::v1::HistoryResponse* response) {
  return AnswerOnPool(context, pool_, [this, context, request, response] {
    return DoHistory(*context, *request, *response);
  });
}

grpc::ServerUnaryReactor* AuditService::StateAsOf(
    grpc::CallbackServerContext* context,
    const kamgov::v1::StateAsOfRequest* request,
    kamgov::v1::StateAsOfResponse* response) {
  return AnswerOnPool(context, pool_, [this, context, request, response] {
    return DoStateAsOf(*context, *request, *response);
  });
}

grpc::ServerUnaryReactor* AuditService::ChainHead(
    grpc::CallbackServerContext* context,
    const kamgov::v1::ChainHeadRequest* /*request*/,
    kamgov::v1::ChainHeadResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (absl::Status admitted = CheckCall(*context); !admitted.ok()) {
    reactor->Finish(ToGrpcStatus(admitted));
    return reactor;
  }
  // Held in memory by the log: no disk read.
  const eventstore::ChainHead head = log_->GetChainHead();
  response->set_position(head.position);
  response->set_hash(head.hash);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* AuditService::VerifyChain(
    grpc::CallbackServerContext* context,
    const kamgov::v1::VerifyChainRequest* request,
    kamgov::v1::VerifyChainResponse* response) {
  return AnswerOnPool(
      context, pool_, [this, request, response]() -> absl::Status {
        const uint64_t from = std::max<uint64_t>(request->from_position(), 1);
        if (request->to_position() != 0 && request->to_position() < from) {
          return InvalidArgument(
              {{"to_position",
                "must be 0 (the head) or at least from_position"}});
        }
        absl::StatusOr<eventstore::VerifyResult> result =
            log_->VerifyChain(from, request->to_position());
        if (!result.ok()) return result.status();
        response->set_ok(result->ok);
        response->set_checked(result->checked);
        response->set_first_bad_position(result->first_bad_position);
        response->set_problem(result->problem);
        return absl::OkStatus();
      });
}

namespace {

// One Export call. Exactly one operation is in flight at any time, either
// a page read on the pool or a write, and whoever completes it moves on:
// so Finish runs once, and no reaction ever reads the disk. `this` is not
// touched after Finish or StartWrite hand it back to gRPC, except through
// the write's OnWriteDone.
class ExportReactor final
    : public grpc::ServerWriteReactor<kamgov::v1::ExportChunk> {
 public:
  ExportReactor(grpc::CallbackServerContext* context, eventstore::EventLog* log,
                eventstore::ThreadPool* pool,
                const kamgov::v1::ExportRequest& request)
      : pool_(pool) {
    if (absl::Status admitted = CheckCall(*context); !admitted.ok()) {
      Finish(ToGrpcStatus(admitted));
      return;
    }
    if (!kamgov::v1::ExportFormat_IsValid(request.format())) {
      Finish(ToGrpcStatus(
          InvalidArgument({{"format", "EXPORT_FORMAT_JSONL or _CSV"}})));
      return;
    }
    absl::StatusOr<eventstore::ExportCursor> cursor =
        eventstore::ExportCursor::Start(
            *log, request.from_position(), request.to_position(),
            request.format() == kamgov::v1::EXPORT_FORMAT_CSV
                ? eventstore::ExportFormat::kCsv
                : eventstore::ExportFormat::kJsonl);
    if (!cursor.ok()) {  // the only error: the range ends before it starts
      Finish(ToGrpcStatus(InvalidArgument(
          {{"to_position",
            "must be 0 (the head) or at least from_position"}})));
      return;
    }
    cursor_.emplace(*std::move(cursor));
    pool_->Schedule([this] { ReadPage(); });
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
      return;
    }
    if (cursor_->done()) {
      Finish(grpc::Status::OK);
      return;
    }
    pool_->Schedule([this] { ReadPage(); });
  }
  void OnCancel() override { cancelled_.store(true); }
  void OnDone() override { delete this; }

 private:
  // On the pool: reads the next page and writes it as one chunk.
  void ReadPage() {
    if (cancelled_.load()) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "export cancelled"));
      return;
    }
    std::string* data = chunk_.mutable_data();
    data->clear();
    absl::Status status = cursor_->NextPage([data](absl::string_view line) {
      data->append(line.data(), line.size());
      return absl::OkStatus();
    });
    if (!status.ok()) {
      Finish(ToGrpcStatus(status));
      return;
    }
    if (chunk_.data().empty()) {  // an empty range, in JSONL
      Finish(grpc::Status::OK);
      return;
    }
    StartWrite(&chunk_);
  }

  eventstore::ThreadPool* const pool_;
  std::optional<eventstore::ExportCursor> cursor_;
  kamgov::v1::ExportChunk chunk_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace

grpc::ServerWriteReactor<kamgov::v1::ExportChunk>* AuditService::Export(
    grpc::CallbackServerContext* context,
    const kamgov::v1::ExportRequest* request) {
  return new ExportReactor(context, log_, pool_, *request);
}

}  // namespace kamgov::services
