// kamgov exec: issues any governance command.
//
//   kamgov exec DesignateAccount --json '{"account_id": "acme", ...}' \
//       --as=alice --rationale="why" [--command_id=ID] [--expected_version=N]
//
// The JSON is the command message in protobuf's JSON mapping (messages in
// proto/kamgov/v1/domain.proto). The meta every command carries comes from
// flags. Shortcuts (designate, assign-sponsor, review-plan,
// raise-escalation) build the JSON from readable flags.

#include <iostream>

#include "absl/flags/flag.h"
#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cmd/kamgov/client.h"
#include "cmd/kamgov/commands.h"
#include "domain/rules.h"
#include "google/protobuf/util/json_util.h"
#include "kamgov/v1/governance.grpc.pb.h"
#include "proto/status_details.h"
#include "services/grpc_status.h"
#include "services/identity.h"

ABSL_FLAG(std::string, json, "{}", "exec: the command as JSON.");
ABSL_FLAG(std::string, as, "", "The acting person (a registered person id).");
ABSL_FLAG(std::string, rationale, "", "Why: required on every decision.");
ABSL_FLAG(std::string, command_id, "",
          "Idempotency key; a random one when empty. Reuse it to retry.");
ABSL_FLAG(std::string, expected_version, "",
          "Fail with ABORTED unless the target stream is at this version.");
// Shortcut flags.
ABSL_FLAG(std::string, account, "", "designate/...: the account id.");
ABSL_FLAG(std::string, sponsor, "", "assign-sponsor: the sponsor's person id.");
ABSL_FLAG(std::string, portfolio_class, "STRATEGIC",
          "designate: STRATEGIC, STAR, STATUS or STREAMLINE.");
ABSL_FLAG(int, criteria_version, 1, "designate: the criteria version cited.");
ABSL_FLAG(std::string, scores, "",
          "designate: criterion=score pairs, e.g. size=8,fit=7.");
ABSL_FLAG(std::string, cycle, "", "designate: the selection cycle id.");
ABSL_FLAG(int, plan_version, 1, "review-plan: the plan version reviewed.");
ABSL_FLAG(std::string, outcome, "APPROVED",
          "review-plan: APPROVED, CHANGES_REQUESTED or REJECTED.");
ABSL_FLAG(std::string, escalation, "", "raise-escalation: the escalation id.");
ABSL_FLAG(std::string, category, "",
          "raise-escalation: the conflict category (default RESOURCING); "
          "escalations: a filter.");
ABSL_FLAG(std::string, level, "",
          "raise-escalation: the starting level (default "
          "KEY_ACCOUNT_MANAGER); escalations: a filter.");
ABSL_FLAG(std::vector<std::string>, units, {},
          "raise-escalation: the units involved.");
ABSL_FLAG(std::string, description, "", "raise-escalation: what happened.");

namespace kamgov::cli {
namespace {

std::string RandomId() {
  absl::BitGen gen;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(gen),
                         absl::Uniform<uint64_t>(gen));
}

// Fills the `command` oneof field whose message is named `name`.
absl::Status SetCommand(const std::string& name, const std::string& json,
                        kamgov::v1::Command* command) {
  const google::protobuf::Descriptor* descriptor = command->GetDescriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = descriptor->field(i);
    if (field->message_type() == nullptr ||
        field->message_type()->name() != name) {
      continue;
    }
    google::protobuf::Message* message =
        command->GetReflection()->MutableMessage(command, field);
    auto parsed = google::protobuf::util::JsonStringToMessage(json, message);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--json is not a valid ", name, ": ", std::string(parsed.message())));
    }
    return absl::OkStatus();
  }
  std::vector<std::string> names;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    names.push_back(descriptor->field(i)->message_type()->name());
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown command '", name, "'; commands: ", absl::StrJoin(names, ", ")));
}

int Execute(const std::string& name, const std::string& json) {
  kamgov::v1::ExecuteRequest request;
  if (absl::Status set = SetCommand(name, json, request.mutable_command());
      !set.ok()) {
    std::cerr << set.message() << "\n";
    return 2;
  }
  kamgov::v1::CommandMeta* meta = request.mutable_meta();
  meta->set_command_id(absl::GetFlag(FLAGS_command_id).empty()
                           ? RandomId()
                           : absl::GetFlag(FLAGS_command_id));
  meta->set_acting_person(absl::GetFlag(FLAGS_as));
  meta->set_rationale(absl::GetFlag(FLAGS_rationale));
  if (const std::string v = absl::GetFlag(FLAGS_expected_version); !v.empty()) {
    uint64_t version = 0;
    if (!absl::SimpleAtoi(v, &version)) {
      std::cerr << "--expected_version must be a number\n";
      return 2;
    }
    meta->mutable_expected_version()->set_exact(version);
  }

  auto stub = kamgov::v1::GovernanceService::NewStub(Connect());
  auto context = NewContext();
  kamgov::v1::CommandResult result;
  grpc::Status status = stub->Execute(context.get(), request, &result);
  if (!status.ok()) {
    absl::Status error = services::FromGrpcStatus(status);
    if (auto info = GetErrorInfo(error); info.has_value()) {
      if (const domain::Rule* rule = domain::FindRule(info->reason())) {
        std::cerr << "rejected: " << rule->description << " (" << rule->id
                  << ", " << rule->source << ")\n";
      }
    }
    return PrintError(status);
  }
  if (JsonOutput()) {
    std::cout << ToJson(result) << "\n";
  } else {
    std::cout << absl::StrFormat("%s %s at position %d", name,
                                 result.replayed() ? "replayed" : "recorded",
                                 result.commit_position());
    for (const auto& v : result.stream_versions()) {
      std::cout << absl::StrFormat("  %s@%d", v.stream_id(), v.version());
    }
    std::cout << "\n";
  }
  return 0;
}

std::string OrDefault(std::string value, const char* fallback) {
  return value.empty() ? fallback : value;
}

std::string Quote(const std::string& s) { return absl::StrCat("\"", s, "\""); }

// "STRATEGIC" -> "PORTFOLIO_CLASS_STRATEGIC": enum values carry their type's
// prefix in the API.
std::string Enum(const char* prefix, const std::string& value) {
  return Quote(absl::StartsWith(value, prefix) ? value
                                               : absl::StrCat(prefix, value));
}

}  // namespace

int Exec(const Args& args) {
  if (args.size() != 1) {
    std::cerr << "usage: kamgov exec COMMAND --json '{...}' --as=PERSON "
                 "--rationale=WHY\n";
    return 2;
  }
  return Execute(args[0], absl::GetFlag(FLAGS_json));
}

int Designate(const Args&) {
  std::vector<std::string> scores;
  for (absl::string_view pair :
       absl::StrSplit(absl::GetFlag(FLAGS_scores), ',', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(pair, '=');
    scores.push_back(absl::StrFormat(R"({"criterion_id": "%s", "score": %s})",
                                     kv.first, kv.second));
  }
  return Execute(
      "DesignateAccount",
      absl::StrFormat(
          R"({"account_id": %s, "criteria_version": %d,
          "scores": [%s], "portfolio_class": %s, "cycle_id": %s})",
          Quote(absl::GetFlag(FLAGS_account)),
          absl::GetFlag(FLAGS_criteria_version), absl::StrJoin(scores, ","),
          Enum("PORTFOLIO_CLASS_", absl::GetFlag(FLAGS_portfolio_class)),
          Quote(absl::GetFlag(FLAGS_cycle))));
}

int AssignSponsor(const Args&) {
  return Execute("AssignExecutiveSponsor",
                 absl::StrFormat(R"({"account_id": %s, "sponsor_id": %s})",
                                 Quote(absl::GetFlag(FLAGS_account)),
                                 Quote(absl::GetFlag(FLAGS_sponsor))));
}

int ReviewPlan(const Args&) {
  return Execute("ReviewAccountPlan",
                 absl::StrFormat(R"({"account_id": %s, "plan_version": %d,
                     "outcome": %s})",
                                 Quote(absl::GetFlag(FLAGS_account)),
                                 absl::GetFlag(FLAGS_plan_version),
                                 Enum("PLAN_REVIEW_OUTCOME_",
                                      absl::GetFlag(FLAGS_outcome))));
}

int RaiseEscalation(const Args&) {
  std::vector<std::string> units;
  for (const std::string& u : absl::GetFlag(FLAGS_units)) {
    units.push_back(Quote(u));
  }
  return Execute(
      "RaiseEscalation",
      absl::StrFormat(
          R"({"escalation_id": %s, "account_id": %s,
          "category": %s, "level": %s, "units_involved": [%s],
          "description": %s})",
          Quote(absl::GetFlag(FLAGS_escalation)),
          Quote(absl::GetFlag(FLAGS_account)),
          Enum("ESCALATION_CATEGORY_",
               OrDefault(absl::GetFlag(FLAGS_category), "RESOURCING")),
          Enum("ESCALATION_LEVEL_",
               OrDefault(absl::GetFlag(FLAGS_level), "KEY_ACCOUNT_MANAGER")),
          absl::StrJoin(units, ","), Quote(absl::GetFlag(FLAGS_description))));
}

}  // namespace kamgov::cli
