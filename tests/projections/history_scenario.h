#ifndef KAMGOV_TESTS_PROJECTIONS_HISTORY_SCENARIO_H_
#define KAMGOV_TESTS_PROJECTIONS_HISTORY_SCENARIO_H_

// The scripted scenario of the audit tests: the rule table's world, then a
// key account's life (staffing, a plan and its review, two escalations, a
// reclassification, a manager handover, a loss that closes an open
// escalation) beside a second account and a role change. Each step runs a
// minute after the previous one, so recorded times are distinct.
//
// Also: running the steps straight into a RocksEventLog (no server), and
// folding a prefix of a log with domain::GovernanceState, the reference
// every as-of answer must equal.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "domain/state.h"
#include "eventstore/event_log.h"
#include "tests/domain/rule_cases.h"

namespace kamgov::testing {

inline constexpr char kScenarioPrincipal[] = "svc:audit-test";
// The rationale of the reclassification step, which History must return.
inline constexpr char kReclassifyRationale[] =
    "the customer's buying centre moved to the group";

// Steps, with now_us = kT0 + i minutes for step i.
std::vector<domain::testing::CommandStep> AuditScenario();

// Decides each step against a GovernanceState and appends its decision to
// `log` as one atomic append (principal kScenarioPrincipal, the step's
// acting person), setting `*clock_us` to the step's now_us first.
absl::Status AppendScenario(
    const std::vector<domain::testing::CommandStep>& steps,
    eventstore::EventLog& log, int64_t* clock_us);

// Every aggregate state after folding the log's events 1..position.
domain::GovernanceState FoldPrefix(const eventstore::EventLog& log,
                                   uint64_t position);

}  // namespace kamgov::testing

#endif  // KAMGOV_TESTS_PROJECTIONS_HISTORY_SCENARIO_H_
