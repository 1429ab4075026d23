#ifndef KAMGOV_TESTS_DOMAIN_RULE_CASES_H_
#define KAMGOV_TESTS_DOMAIN_RULE_CASES_H_

// The rule table: for every kCommand and kInput rule of the registry
// (domain/rules.h), a setup, one command that passes and one that breaks
// the rule. It is data (commands as a caller sends them), so the same
// table runs against domain/ directly (rule_table_test.cc) and can be
// replayed through gRPC against a real server:
//
//   for each case, on an empty store:
//     run every setup step: each must succeed;
//     run `breaking`: it fails with `code`; for FAILED_PRECONDITION,
//       ErrorInfo.reason == rule_id; for INVALID_ARGUMENT, BadRequest has a
//       violation on `field`; nothing is written;
//     run `passing`: it succeeds.
//
// Each step carries the clock the decision must use (now_us); a server
// replay needs an injectable clock. Command ids are unique within a case
// and valid event-store identifiers. Thread-compatible; pure data.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "domain/decide.h"
#include "domain/state.h"
#include "kamgov/v1/domain.pb.h"
#include "kamgov/v1/governance.pb.h"

namespace kamgov::domain::testing {

// 2025-01-06 09:00:00 UTC, the clock of every step unless a case says
// otherwise.
inline constexpr int64_t kT0 =
    int64_t{20094} * 86400 * 1000000 + int64_t{9} * 3600 * 1000000;
inline constexpr int64_t kDay0 = 20094;
inline constexpr int64_t kMicrosPerSecond = 1000000;

// One command as a caller sends it.
struct CommandStep {
  v1::CommandMeta meta;
  v1::Command command;
  int64_t now_us = kT0;
};

struct RuleCase {
  std::string rule_id;
  // The code `breaking` fails with.
  absl::StatusCode code = absl::StatusCode::kFailedPrecondition;
  // For INVALID_ARGUMENT: a field path among the BadRequest violations.
  std::string field;
  // From an empty store; each step succeeds.
  std::vector<CommandStep> setup;
  CommandStep passing;
  CommandStep breaking;
  // Unique within the table, e.g. "SPONSOR_CAPACITY_EXCEEDED_0".
  std::string name;
};

// Every case, in registry order; rules may have several cases.
std::vector<RuleCase> RuleCases();

// A step: `command_text` is a v1.Command in protobuf text format. Aborts on
// a parse error (the table is code).
CommandStep Step(absl::string_view actor, absl::string_view command_text,
                 absl::string_view rationale = "because", int64_t now_us = kT0);

using Steps = std::vector<CommandStep>;
Steps operator+(Steps a, const Steps& b);

// The base world every case starts from: the bootstrap (boss, senior
// management), persons dir (program director), sm2 (senior management),
// kam1 and kam2 (key account managers, units tax and audit), spons and
// spons2 (executive sponsors), uh (unit head of tax), tm (team member in
// tax), aud (auditor), nobody (no role); programs emea and apac, each with
// criteria version 1: revenue (tangible, 0.5), fit (intangible, 0.3),
// partner (intangible, 0.2), threshold 6, max_key_accounts 3.
Steps World();
// The helpers below add to World(): `account` nominated in `program` by
// `by` (segment MAJOR, no scores).
Steps Nominated(absl::string_view account, absl::string_view program = "emea",
                absl::string_view by = "kam1");
// Nominated by kam1, designated by boss (all scores 8, class STRATEGIC).
Steps Designated(absl::string_view account, absl::string_view program = "emea");
// Designated, then manager kam1 (PART_TIME, LOCAL) and sponsor spons,
// both assigned by dir.
Steps Staffed(absl::string_view account, absl::string_view program = "emea");
// A command text: `plan_version` submitted for `account` with all six
// sections and `initiatives` initiatives.
std::string PlanText(absl::string_view account, int plan_version,
                     int initiatives = 2, int sections = 6);
// A command text: escalation `id` on `account`, at `level` (a proto enum
// name), involving unit tax.
std::string EscalationText(
    absl::string_view id, absl::string_view account,
    absl::string_view level = "ESCALATION_LEVEL_KEY_ACCOUNT_MANAGER");
// Scores text for emea/apac version-1 criteria.
std::string ScoresText(double revenue, double fit, double partner);

// Runs one step against `state` (store_empty = state.empty(), principal
// "test"): decides and, on success, applies the decision.
absl::StatusOr<Decision> RunStep(GovernanceState& state,
                                 const CommandStep& step);

}  // namespace kamgov::domain::testing

#endif  // KAMGOV_TESTS_DOMAIN_RULE_CASES_H_
