#include "tests/projections/read_models_scenario.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "domain/days.h"
#include "domain/state.h"
#include "gtest/gtest.h"

namespace kamgov::testing {

using domain::testing::CommandStep;
using domain::testing::kDay0;
using domain::testing::kT0;
using domain::testing::Step;

int64_t ScenarioTime(int64_t days) {
  return kT0 + days * domain::kMicrosPerDay;
}

namespace {

std::string Nominate(absl::string_view account, absl::string_view program) {
  return absl::StrFormat(
      "nominate_account { account_id: \"%s\" program_id: \"%s\" "
      "customer_name: \"Customer %s\" customer_segment: "
      "CUSTOMER_SEGMENT_MAJOR evidence: \"big\" }",
      account, program, account);
}

std::string Designate(absl::string_view account, absl::string_view cls) {
  return absl::StrCat(
      "designate_account { account_id: \"", account, "\" criteria_version: 1 ",
      domain::testing::ScoresText(8, 8, 8), " portfolio_class: ", cls, " }");
}

std::string Manager(absl::string_view account, absl::string_view manager) {
  return absl::StrFormat(
      "assign_key_account_manager { account_id: \"%s\" manager_id: \"%s\" "
      "mode: MANAGER_MODE_PART_TIME scope: MANAGER_SCOPE_LOCAL }",
      account, manager);
}

std::string Sponsor(absl::string_view account, absl::string_view sponsor) {
  return absl::StrFormat(
      "assign_executive_sponsor { account_id: \"%s\" sponsor_id: \"%s\" }",
      account, sponsor);
}

}  // namespace

std::vector<CommandStep> ReadModelScenario() {
  std::vector<CommandStep> steps = domain::testing::World();
  auto at = [&steps](int64_t day, absl::string_view actor,
                     const std::string& text) {
    steps.push_back(Step(actor, text, "because", ScenarioTime(day)));
  };
  at(0, "kam1", Nominate("acme", "emea"));
  at(0, "boss", Designate("acme", "PORTFOLIO_CLASS_STRATEGIC"));
  at(0, "kam1", Nominate("beta", "emea"));
  at(0, "boss", Designate("beta", "PORTFOLIO_CLASS_STAR"));
  at(0, "kam2", Nominate("gamma", "emea"));
  at(0, "kam1", Nominate("delta", "apac"));
  at(0, "boss", Designate("delta", "PORTFOLIO_CLASS_STATUS"));
  at(0, "dir", Manager("acme", "kam1"));
  at(0, "dir", Sponsor("acme", "spons"));
  at(0, "dir",
     "add_team_member { account_id: \"acme\" member_id: \"tm\" "
     "expertise: \"tax-law\" permanent: true }");
  at(0, "dir", Manager("beta", "kam2"));
  at(0, "dir", Sponsor("delta", "spons"));
  at(0, "kam1", domain::testing::PlanText("acme", 1));
  at(0, "kam2", domain::testing::PlanText("beta", 1));
  at(2, "tm", domain::testing::EscalationText("e1", "acme"));
  at(3, "tm",
     domain::testing::EscalationText("e2", "acme",
                                     "ESCALATION_LEVEL_UNIT_HEAD"));
  at(4, "tm", domain::testing::EscalationText("e3", "beta"));
  at(5, "tm", "withdraw_escalation { escalation_id: \"e3\" }");
  at(5, "dir",
     absl::StrCat("open_selection_cycle { program_id: \"emea\" cycle_id: "
                  "\"c1\" due_day: ",
                  kDay0 + 60, " }"));
  at(6, "boss",
     "publish_selection_criteria { program_id: \"emea\" version: 2 "
     "criteria { criterion_id: \"revenue\" name: \"Revenue\" tangible: true "
     "weight: 0.5 } criteria { criterion_id: \"fit\" name: \"Fit\" "
     "weight: 0.3 } criteria { criterion_id: \"partner\" name: \"Partner\" "
     "weight: 0.2 } designation_threshold: 6 max_key_accounts: 3 }");
  at(7, "boss",
     absl::StrCat("reevaluate_account { account_id: \"acme\" cycle_id: \"c1\" "
                  "criteria_version: 2 ",
                  domain::testing::ScoresText(8, 8, 8),
                  " outcome: REEVALUATION_OUTCOME_RETAINED }"));
  at(10, "spons",
     "log_sponsor_engagement { account_id: \"acme\" "
     "kind: ENGAGEMENT_KIND_STRATEGY_REVIEWED }");
  at(20, "spons",
     "review_account_plan { account_id: \"acme\" plan_version: 1 "
     "outcome: PLAN_REVIEW_OUTCOME_APPROVED comments: \"fine\" }");
  return steps;
}

std::vector<eventstore::RecordedEvent> ReadModelScenarioEvents() {
  std::vector<eventstore::RecordedEvent> events;
  domain::GovernanceState state;
  for (const CommandStep& step : ReadModelScenario()) {
    absl::StatusOr<domain::Decision> decision =
        domain::testing::RunStep(state, step);
    if (!decision.ok()) {
      ADD_FAILURE() << domain::CommandName(step.command) << ": "
                    << decision.status();
      return events;
    }
    for (const domain::DomainEvent& e : decision->events) {
      eventstore::RecordedEvent event;
      event.position = events.size() + 1;
      v1::EventRecord& record = event.record;
      record.set_stream_id(e.stream_id);
      record.set_position(event.position);
      record.set_type(e.type);
      for (const std::string& tag : e.tags) record.add_tags(tag);
      record.set_recorded_at_us(step.now_us);
      record.set_acting_person(step.meta.acting_person());
      record.set_main(e.main);
      event.record_bytes = record.SerializeAsString();
      events.push_back(std::move(event));
    }
  }
  return events;
}

}  // namespace kamgov::testing
