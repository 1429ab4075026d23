// docs/rules.md is generated from the registry and must match it.

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "domain/rules.h"
#include "gtest/gtest.h"

namespace kamgov::domain {
namespace {

TEST(RulesDoc, MatchesRegistry) {
  std::ifstream in(KAMGOV_RULES_MD);
  ASSERT_TRUE(in.good()) << "cannot read " << KAMGOV_RULES_MD;
  std::stringstream content;
  content << in.rdbuf();
  EXPECT_EQ(content.str(), RulesMarkdown())
      << "docs/rules.md is stale; regenerate it with\n"
         "  build/tests/domain/kamgov_rules_md > docs/rules.md";
}

TEST(RulesRegistry, IdsAreUniqueAndSourced) {
  std::set<std::string> ids;
  for (const Rule& rule : AllRules()) {
    EXPECT_TRUE(ids.insert(std::string(rule.id)).second) << rule.id;
    EXPECT_TRUE(rule.source == "[policy]" ||
                rule.source.substr(0, 6) == "[seed ")
        << rule.id << ": " << rule.source;
    EXPECT_FALSE(rule.description.empty()) << rule.id;
    for (char c : rule.id) {
      EXPECT_TRUE((c >= 'A' && c <= 'Z') || c == '_') << rule.id;
    }
  }
}

TEST(RulesRegistry, IssueNamedIdsExist) {
  for (const char* id :
       {"SPONSOR_CAPACITY_EXCEEDED", "REVIEWER_IS_AUTHOR",
        "CRITERIA_SCORE_MISSING", "PORTFOLIO_CAPACITY_EXCEEDED",
        "DECIDER_NOT_SENIOR_MANAGEMENT", "DECIDER_IS_NOMINATOR",
        "PLAN_INITIATIVES_OUT_OF_RANGE", "ESCALATION_AUTHORITY_TOO_LOW"}) {
    const Rule* rule = FindRule(id);
    ASSERT_NE(rule, nullptr) << id;
    EXPECT_EQ(rule->kind, RuleKind::kCommand) << id;
  }
}

TEST(RulesRegistry, ViolationCarriesTheIdAndRefusesUnknownIds) {
  absl::Status status = Violation(rules::kReviewerIsAuthor, "no");
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "REVIEWER_IS_AUTHOR: no");
  EXPECT_EQ(Violation("NO_SUCH_RULE", "x").code(), absl::StatusCode::kInternal);
  // Deadline rules are not violations.
  EXPECT_EQ(Violation(rules::kCoverageGap, "x").code(),
            absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace kamgov::domain
