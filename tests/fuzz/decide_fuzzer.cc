// Fuzzes the domain's decisions: the input is a serialized
// kamgov.v1.ExecuteRequest (CommandMeta + Command, as a caller sends them),
// decided against a small governance world: the rule table's World() (two
// programs with criteria, persons with every governance role), a staffed
// key account "acme" with a submitted plan and an open escalation.
//
// Invariants (domain/decide.h): Decide never crashes and is deterministic;
// a refusal is INVALID_ARGUMENT, NOT_FOUND or FAILED_PRECONDITION, and a
// FAILED_PRECONDITION names a registered rule id; a decision has at least
// one event, the first on TargetStreamId(command), every event carrying the
// meta's rationale and effective time with sorted, unique tags; and the
// decision folds into the state without error.

#include <algorithm>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "domain/decide.h"
#include "domain/rules.h"
#include "domain/state.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "kamgov/v1/governance.pb.h"
#include "proto/status_details.h"
#include "tests/domain/rule_cases.h"
#include "tests/fuzz/fuzz_check.h"

namespace kamgov::domain {
namespace {

const GovernanceState& World() {
  static const GovernanceState* const world = [] {
    auto* state = new GovernanceState();
    testing::Steps steps = testing::World() + testing::Staffed("acme");
    steps.push_back(testing::Step("kam1", testing::PlanText("acme", 1)));
    steps.push_back(
        testing::Step("kam1", testing::EscalationText("esc1", "acme")));
    for (const testing::CommandStep& step : steps) {
      absl::StatusOr<Decision> decision = testing::RunStep(*state, step);
      FUZZ_CHECK(decision.ok(), decision.status().ToString());
    }
    return state;
  }();
  return *world;
}

// Map fields (PersonalPart.text) serialize in hash order unless asked for
// a deterministic order: compare decisions through it.
std::string Deterministic(const google::protobuf::Message& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

std::string Fingerprint(const absl::StatusOr<Decision>& decision) {
  std::string out;
  if (!decision.ok()) {
    // The payloads hold maps too (ErrorInfo.metadata).
    const absl::Status& status = decision.status();
    absl::StrAppend(&out, status.code(), " ", status.message());
    if (auto info = kamgov::GetErrorInfo(status)) {
      absl::StrAppend(&out, " ", Deterministic(*info));
    }
    if (auto bad = kamgov::GetBadRequest(status)) {
      absl::StrAppend(&out, " ", Deterministic(*bad));
    }
    return out;
  }
  for (const DomainEvent& event : decision->events) {
    absl::StrAppend(&out, event.stream_id, "|", event.type, "|", event.main,
                    "|", Deterministic(event.personal), "\n");
  }
  return out;
}

}  // namespace
}  // namespace kamgov::domain

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = kamgov::fuzz::QuietProtobuf();
  (void)quiet;
  using namespace kamgov::domain;  // NOLINT: harness
  kamgov::v1::ExecuteRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  GovernanceState state = World();
  DecisionContext context;
  context.state = &state;
  context.now_us = testing::kT0 + testing::kMicrosPerSecond;
  context.principal = "fuzz";
  context.store_empty = false;

  const absl::StatusOr<Decision> decision =
      Decide(request.meta(), request.command(), context);
  const std::string first = Fingerprint(decision);
  const std::string second =
      Fingerprint(Decide(request.meta(), request.command(), context));
  FUZZ_CHECK(first == second,
             absl::StrCat("the same inputs decided differently:\n",
                          absl::CHexEscape(first), "\n---\n",
                          absl::CHexEscape(second)));
  if (!decision.ok()) {
    const absl::StatusCode code = decision.status().code();
    FUZZ_CHECK(code == absl::StatusCode::kInvalidArgument ||
                   code == absl::StatusCode::kNotFound ||
                   code == absl::StatusCode::kFailedPrecondition,
               decision.status().ToString());
    if (code == absl::StatusCode::kFailedPrecondition) {
      auto info = kamgov::GetErrorInfo(decision.status());
      FUZZ_CHECK(info.has_value() && FindRule(info->reason()) != nullptr,
                 decision.status().ToString());
    }
    return 0;
  }
  FUZZ_CHECK(!decision->events.empty(), "a decision has events");
  FUZZ_CHECK(decision->events[0].stream_id == TargetStreamId(request.command()),
             decision->events[0].stream_id);
  for (const DomainEvent& event : decision->events) {
    FUZZ_CHECK(!event.type.empty() && !event.stream_id.empty(), event.type);
    FUZZ_CHECK(event.personal.rationale() == request.meta().rationale(),
               absl::StrCat(event.type, " carries another rationale"));
    FUZZ_CHECK(event.effective_at_us == request.meta().effective_at_us(),
               absl::StrCat(event.type, " carries another effective time"));
    FUZZ_CHECK(std::is_sorted(event.tags.begin(), event.tags.end()) &&
                   std::adjacent_find(event.tags.begin(), event.tags.end()) ==
                       event.tags.end(),
               absl::StrCat(event.type, " tags are not sorted and unique"));
  }
  const absl::Status applied = state.Apply(*decision);
  FUZZ_CHECK(applied.ok(), applied.ToString());
  return 0;
}
