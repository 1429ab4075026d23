#ifndef KAMGOV_TESTS_PROJECTIONS_READ_MODELS_SCENARIO_H_
#define KAMGOV_TESTS_PROJECTIONS_READ_MODELS_SCENARIO_H_

// The scripted scenario of the dashboard read-model tests, small enough to
// compute every expected answer by hand (read_models_test.cc lists them):
//
// On the rule table's World() (programs emea and apac, criteria v1, at most
// 3 key accounts each; people boss, dir, kam1, kam2, spons, spons2, tm,
// uh, ...):
//   day 0  acme (emea) designated STRATEGIC: manager kam1, sponsor spons,
//          team member tm, plan v1 submitted (review due day 90);
//          beta (emea) designated STAR: manager kam2, no sponsor, plan v1
//          submitted (due day 90); gamma (emea) only nominated (MAJOR);
//          delta (apac) designated STATUS: sponsor spons, no manager, no
//          plan.
//   day 2  escalation e1 on acme (KEY_ACCOUNT_MANAGER), day 3 e2 on acme
//          (UNIT_HEAD), day 4 e3 on beta, withdrawn day 5; all
//          KNOWLEDGE_PROTECTIONISM between units tax and audit.
//   day 5  emea opens cycle c1 (due day 60); day 6 publishes criteria v2;
//          day 7 acme re-evaluated in c1 against v2 (retained).
//   day 10 spons logs STRATEGY_REVIEWED on acme; day 20 spons approves
//          acme's plan (next review due day 110).
// Queries run at day 100. Days are counted from kDay0 (2025-01-06).

#include <cstdint>
#include <vector>

#include "eventstore/event_log.h"
#include "tests/domain/rule_cases.h"

namespace kamgov::testing {

// The day the queries run at, relative to kDay0.
inline constexpr int64_t kQueryDay = 100;

// Microseconds of 09:00 UTC on kDay0 + `days`.
int64_t ScenarioTime(int64_t days);

// Every step, each with its now_us; World() first.
std::vector<domain::testing::CommandStep> ReadModelScenario();

// Decides the steps in order against a fresh GovernanceState and returns
// the events as the log would record them (positions from 1, recorded_at
// the step's clock). Aborts the test (ADD_FAILURE) on a refused step.
std::vector<eventstore::RecordedEvent> ReadModelScenarioEvents();

}  // namespace kamgov::testing

#endif  // KAMGOV_TESTS_PROJECTIONS_READ_MODELS_SCENARIO_H_
