#include "tests/projections/history_scenario.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "domain/decide.h"
#include "gtest/gtest.h"

namespace kamgov::testing {

using domain::testing::CommandStep;
using domain::testing::EscalationText;
using domain::testing::kT0;
using domain::testing::PlanText;
using domain::testing::Step;
using domain::testing::Steps;

std::vector<CommandStep> AuditScenario() {
  Steps steps = domain::testing::World() + domain::testing::Staffed("acme") +
                domain::testing::Designated("beta") +
                Steps{
                    Step("kam1", PlanText("acme", 1)),
                    Step("spons", R"txt(review_account_plan {
                           account_id: "acme" plan_version: 1
                           outcome: PLAN_REVIEW_OUTCOME_APPROVED
                           comments: "sound" })txt"),
                    Step("kam1", EscalationText("e1", "acme")),
                    Step("kam1", R"txt(acknowledge_escalation {
                           escalation_id: "e1" })txt"),
                    Step("kam1", R"txt(resolve_escalation {
                           escalation_id: "e1" decision: "split the work"
                           actions: "weekly sync" })txt"),
                    Step("boss", R"txt(reclassify_account {
                           account_id: "acme"
                           to_class: PORTFOLIO_CLASS_STAR })txt",
                         kReclassifyRationale),
                    Step("kam1", EscalationText("e2", "acme")),
                    Step("dir", R"txt(assign_key_account_manager {
                           account_id: "acme" manager_id: "kam2"
                           mode: MANAGER_MODE_FULL_TIME
                           scope: MANAGER_SCOPE_GLOBAL
                           bonds_considered: true
                           handover_note: "introduced at the QBR" })txt"),
                    Step("spons", R"txt(log_sponsor_engagement {
                           account_id: "acme"
                           kind: ENGAGEMENT_KIND_MEETING })txt"),
                    Step("boss", R"txt(grant_governance_role {
                           person_id: "tm"
                           role { role: GOVERNANCE_ROLE_UNIT_HEAD } })txt"),
                    Step("boss", R"txt(de_designate_account {
                           account_id: "acme"
                           reason: DE_DESIGNATION_REASON_LOST
                           close_open_escalations: true })txt"),
                };
  for (size_t i = 0; i < steps.size(); ++i) {
    steps[i].now_us = kT0 + static_cast<int64_t>(i) * 60 * 1000000;
  }
  return steps;
}

absl::Status AppendScenario(const std::vector<CommandStep>& steps,
                            eventstore::EventLog& log, int64_t* clock_us) {
  domain::GovernanceState state;
  for (size_t i = 0; i < steps.size(); ++i) {
    const CommandStep& step = steps[i];
    absl::StatusOr<domain::Decision> decision =
        domain::testing::RunStep(state, step);
    if (!decision.ok()) {
      return absl::Status(
          decision.status().code(),
          absl::StrCat("step ", i, ": ", decision.status().message()));
    }
    eventstore::AppendRequest request;
    request.principal = kScenarioPrincipal;
    request.acting_person = step.meta.acting_person();
    for (const std::string& stream_id : decision->Streams()) {
      eventstore::StreamAppend& append = request.streams.emplace_back();
      append.stream_id = stream_id;
      for (const domain::DomainEvent& event : decision->events) {
        if (event.stream_id != stream_id) continue;
        eventstore::NewEvent& out = append.events.emplace_back();
        out.type = event.type;
        out.tags = event.tags;
        out.main = event.main;
        if (event.personal.ByteSizeLong() > 0) {
          out.personal = event.personal.SerializeAsString();
        }
        out.effective_at_us = event.effective_at_us;
      }
    }
    *clock_us = step.now_us;
    absl::StatusOr<eventstore::AppendResult> appended =
        log.AppendAndWait(std::move(request));
    if (!appended.ok()) return appended.status();
  }
  return absl::OkStatus();
}

domain::GovernanceState FoldPrefix(const eventstore::EventLog& log,
                                   uint64_t position) {
  domain::GovernanceState state;
  uint64_t after = 0;
  while (after < position) {
    absl::StatusOr<std::vector<eventstore::RecordedEvent>> page =
        log.ReadAll(after, 256, /*include_personal=*/false);
    if (!page.ok()) {
      ADD_FAILURE() << page.status();
      break;
    }
    if (page->empty()) break;
    for (const eventstore::RecordedEvent& event : *page) {
      if (event.position > position) return state;
      absl::Status applied = state.Apply(event.record);
      if (!applied.ok()) ADD_FAILURE() << applied;
      after = event.position;
    }
  }
  return state;
}

}  // namespace kamgov::testing
