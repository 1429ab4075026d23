#ifndef KAMGOV_TESTS_SERVICES_GOVERNANCE_FIXTURE_H_
#define KAMGOV_TESTS_SERVICES_GOVERNANCE_FIXTURE_H_

// The schema-evolution fixture (tests/fixtures/): a small log made by
// kamgov v1 through the API (v1_log.jsonl, the auditor export of
// eventstore/export.h) and the states every aggregate folds to
// (v1_states.textproto). governance_fixture_gen writes them once;
// governance_fixture_test.cc checks that this version still opens and folds
// them to the same states. Pure functions; any thread.
//
// The golden states file is protobuf text format in sections, one per
// aggregate, each headed by a line "[<kind> <id>]" (kind: program, person,
// account, escalation) and holding that aggregate's v1.<Kind>State; lines
// starting with '#' outside sections are comments.

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "domain/state.h"
#include "kamgov/v1/domain.pb.h"

namespace kamgov::services::testing {

inline constexpr char kFixtureLogFile[] = "v1_log.jsonl";
inline constexpr char kFixtureStatesFile[] = "v1_states.textproto";

// Every aggregate of a log, by id.
struct GoldenStates {
  std::map<std::string, v1::ProgramState> programs;
  std::map<std::string, v1::PersonState> persons;
  std::map<std::string, v1::AccountState> accounts;
  std::map<std::string, v1::EscalationState> escalations;
};

GoldenStates StatesOf(const domain::GovernanceState& state);

// The golden file's text for `states`, headed by `comment` lines.
std::string FormatGoldenStates(const GoldenStates& states,
                               absl::string_view comment);

// INVALID_ARGUMENT for a malformed file (unknown kind, duplicate section,
// text that does not parse).
absl::StatusOr<GoldenStates> ParseGoldenStates(absl::string_view text);

// Lowercase hex SHA-256 of `bytes`.
std::string Sha256Hex(absl::string_view bytes);

}  // namespace kamgov::services::testing

#endif  // KAMGOV_TESTS_SERVICES_GOVERNANCE_FIXTURE_H_
