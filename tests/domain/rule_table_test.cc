// The rule table (rule_cases.h) run against domain/ directly: for every
// rule, its passing command succeeds and its breaking command fails with
// the rule's code and id, writing nothing.

#include <set>
#include <string>

#include "domain/decide.h"
#include "domain/rules.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/status_details.h"
#include "tests/domain/rule_cases.h"

namespace kamgov::domain::testing {
namespace {

class RuleCaseTest : public ::testing::TestWithParam<RuleCase> {};

TEST_P(RuleCaseTest, PassesAndBreaks) {
  const RuleCase& rc = GetParam();
  GovernanceState state;
  for (size_t i = 0; i < rc.setup.size(); ++i) {
    absl::StatusOr<Decision> done = RunStep(state, rc.setup[i]);
    ASSERT_TRUE(done.ok()) << "setup step " << i << " ("
                           << CommandName(rc.setup[i].command)
                           << "): " << done.status();
  }
  const uint64_t applied = state.events_applied();

  absl::StatusOr<Decision> broken = RunStep(state, rc.breaking);
  ASSERT_FALSE(broken.ok())
      << "breaking " << CommandName(rc.breaking.command) << " passed";
  EXPECT_EQ(broken.status().code(), rc.code) << broken.status();
  if (rc.code == absl::StatusCode::kFailedPrecondition) {
    auto info = GetErrorInfo(broken.status());
    ASSERT_TRUE(info.has_value()) << broken.status();
    EXPECT_EQ(info->reason(), rc.rule_id) << broken.status();
    EXPECT_EQ(info->domain(), "kamgov.v1");
  } else {
    auto bad = GetBadRequest(broken.status());
    ASSERT_TRUE(bad.has_value()) << broken.status();
    std::vector<std::string> fields;
    for (const auto& v : bad->field_violations()) fields.push_back(v.field());
    EXPECT_THAT(fields, ::testing::Contains(rc.field)) << broken.status();
  }
  EXPECT_EQ(state.events_applied(), applied) << "a failed command wrote";

  absl::StatusOr<Decision> passed = RunStep(state, rc.passing);
  ASSERT_TRUE(passed.ok()) << "passing " << CommandName(rc.passing.command)
                           << ": " << passed.status();
  ASSERT_FALSE(passed->events.empty());
  EXPECT_EQ(passed->events[0].stream_id, TargetStreamId(rc.passing.command));
}

INSTANTIATE_TEST_SUITE_P(Table, RuleCaseTest, ::testing::ValuesIn(RuleCases()),
                         [](const ::testing::TestParamInfo<RuleCase>& info) {
                           return info.param.name;
                         });

TEST(RuleTable, EveryCommandAndInputRuleHasACase) {
  std::set<std::string> covered;
  for (const RuleCase& rc : RuleCases()) covered.insert(rc.rule_id);
  for (const Rule& rule : AllRules()) {
    if (rule.kind == RuleKind::kCommand || rule.kind == RuleKind::kInput) {
      EXPECT_TRUE(covered.count(std::string(rule.id)))
          << rule.id << " has no case in rule_cases.cc";
    }
  }
}

TEST(RuleTable, CasesNameRegisteredRulesOfTheirKind) {
  for (const RuleCase& rc : RuleCases()) {
    const Rule* rule = FindRule(rc.rule_id);
    ASSERT_NE(rule, nullptr) << rc.rule_id;
    EXPECT_EQ(rule->kind == RuleKind::kInput,
              rc.code == absl::StatusCode::kInvalidArgument)
        << rc.rule_id;
  }
}

TEST(RuleTable, CommandIdsAreUniqueWithinACase) {
  for (const RuleCase& rc : RuleCases()) {
    std::set<std::string> ids;
    for (const CommandStep& s : rc.setup) ids.insert(s.meta.command_id());
    ids.insert(rc.passing.meta.command_id());
    ids.insert(rc.breaking.meta.command_id());
    EXPECT_EQ(ids.size(), rc.setup.size() + 2) << rc.name;
  }
}

// RationaleRequired() tells callers (CLI, gRPC validation) what Decide()
// enforces: every successful command of the table, replayed without its
// rationale, fails on meta.rationale exactly when RationaleRequired says.
TEST(RuleTable, RationaleRequiredMatchesDecide) {
  std::set<std::string> seen;
  for (const RuleCase& rc : RuleCases()) {
    GovernanceState state;
    std::vector<CommandStep> steps = rc.setup;
    steps.push_back(rc.passing);
    for (const CommandStep& step : steps) {
      CommandStep bare = step;
      bare.meta.clear_rationale();
      DecisionContext ctx{&state, step.now_us, "test", state.empty()};
      absl::StatusOr<Decision> without = Decide(bare.meta, bare.command, ctx);
      const bool required = RationaleRequired(step.command);
      if (required) {
        ASSERT_FALSE(without.ok()) << CommandName(step.command);
        auto bad = GetBadRequest(without.status());
        ASSERT_TRUE(bad.has_value()) << without.status();
        EXPECT_EQ(bad->field_violations(0).field(), "meta.rationale");
      } else {
        EXPECT_TRUE(without.ok())
            << CommandName(step.command) << ": " << without.status();
      }
      seen.insert(std::string(CommandName(step.command)));
      ASSERT_TRUE(RunStep(state, step).ok());
    }
  }
  // Every command of the oneof is exercised by the table.
  EXPECT_EQ(seen.size(),
            static_cast<size_t>(
                v1::Command::descriptor()->oneof_decl(0)->field_count()));
}

}  // namespace
}  // namespace kamgov::domain::testing
