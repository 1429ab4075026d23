// Every number a rule uses is a program policy field (DOMAIN.md): for each
// field, changing it with SetProgramPolicy changes a decision's outcome.
// Most tests run one account in emea (policy changed) beside one in apac
// (defaults), so the difference is the policy and nothing else.

#include "domain/policy.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "domain/rules.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/domain/domain_fixture.h"

namespace kamgov::domain::testing {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;

class PolicyTest : public ::testing::Test {
 protected:
  void SetUp() override { g_.Setup(World()); }

  void SetPolicy(absl::string_view program, absl::string_view fields) {
    g_.Do("boss", absl::StrCat("set_program_policy { program_id: \"", program,
                               "\" policy { ", fields, " } }"));
  }

  // Events of `type` fired by the scheduler at `day`, as their streams.
  std::vector<std::string> Fired(int64_t day, absl::string_view type) {
    std::vector<std::string> streams;
    for (const DomainEvent& e : g_.Tick(AtDay(day))) {
      if (e.type == type) streams.push_back(e.stream_id);
    }
    return streams;
  }

  static std::string Designate(absl::string_view account,
                               absl::string_view portfolio_class) {
    return absl::StrCat("designate_account { account_id: \"", account,
                        "\" criteria_version: 1 ", ScoresText(8, 8, 8),
                        " portfolio_class: ", portfolio_class, " }");
  }

  Governance g_;
};

// Keep in step with the tests below: a new policy field needs a test.
TEST(PolicyFields, EveryFieldHasAnOutcomeTest) {
  const std::set<std::string> tested = {
      "sponsor_max_accounts",
      "plan_review_cadence_days",
      "coverage_grace_days",
      "sponsor_engagement_max_days",
      "escalation_timeout_days_key_account_manager",
      "escalation_timeout_days_unit_head",
      "escalation_timeout_days_program_director",
      "plan_min_initiatives",
      "plan_max_initiatives",
      "selection_cycle_months",
      "effective_at_skew_us",
      "weight_sum_tolerance",
      "score_scale_max",
      "plan_required_classes",
  };
  std::set<std::string> fields;
  const auto* d = v1::ProgramPolicy::descriptor();
  for (int i = 0; i < d->field_count(); ++i) fields.insert(d->field(i)->name());
  EXPECT_EQ(fields, tested);
}

TEST(PolicyFields, DefaultsAreDomainMds) {
  const v1::ProgramPolicy p = DefaultPolicy();
  EXPECT_EQ(p.sponsor_max_accounts(), 3);
  EXPECT_EQ(p.plan_review_cadence_days(), 90);
  EXPECT_EQ(p.coverage_grace_days(), 30);
  EXPECT_EQ(p.sponsor_engagement_max_days(), 365);
  EXPECT_EQ(p.escalation_timeout_days_key_account_manager(), 14);
  EXPECT_EQ(p.escalation_timeout_days_unit_head(), 14);
  EXPECT_EQ(p.escalation_timeout_days_program_director(), 14);
  EXPECT_EQ(p.plan_min_initiatives(), 2);
  EXPECT_EQ(p.plan_max_initiatives(), 5);
  EXPECT_EQ(p.selection_cycle_months(), 12);
  EXPECT_THAT(
      p.plan_required_classes().classes(),
      ElementsAre(v1::PORTFOLIO_CLASS_STRATEGIC, v1::PORTFOLIO_CLASS_STAR));
  EXPECT_TRUE(ValidatePolicy(p, "policy").empty());
}

// A policy recorded before a field existed reads that field as its default.
TEST(PolicyFields, EffectivePolicyFillsFieldsMissingFromOldRecords) {
  v1::ProgramPolicy old;
  old.set_sponsor_max_accounts(2);
  const v1::ProgramPolicy effective = EffectivePolicy(old);
  EXPECT_EQ(effective.sponsor_max_accounts(), 2);
  EXPECT_EQ(effective.coverage_grace_days(), 30);
  EXPECT_TRUE(effective.has_plan_required_classes());
  // Zero is a value, not "unset".
  v1::ProgramPolicy zero;
  zero.set_coverage_grace_days(0);
  EXPECT_EQ(EffectivePolicy(zero).coverage_grace_days(), 0);
}

TEST(PolicyFields, MergeReplacesTheClassListInsteadOfAppending) {
  v1::ProgramPolicy overrides;
  overrides.mutable_plan_required_classes()->add_classes(
      v1::PORTFOLIO_CLASS_STATUS);
  EXPECT_THAT(
      MergePolicy(DefaultPolicy(), overrides).plan_required_classes().classes(),
      ElementsAre(v1::PORTFOLIO_CLASS_STATUS));
  // An empty but present list means "no class needs a plan".
  v1::ProgramPolicy none;
  none.mutable_plan_required_classes();
  EXPECT_THAT(
      MergePolicy(DefaultPolicy(), none).plan_required_classes().classes(),
      IsEmpty());
}

TEST_F(PolicyTest, SetProgramPolicyKeepsUnsetFieldsAndRecordsTheWholePolicy) {
  Decision d = g_.Do("boss",
                     R"pb(set_program_policy {
                            program_id: "emea"
                            policy { coverage_grace_days: 7 }
                          })pb");
  ASSERT_EQ(d.events.size(), 1u);
  auto set = ParsePayload<v1::ProgramPolicySet>(d.events[0]);
  ASSERT_TRUE(set.ok());
  v1::ProgramPolicy expected = DefaultPolicy();
  expected.set_coverage_grace_days(7);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(set->policy(),
                                                                 expected));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      g_.program("emea").policy(), expected));
}

TEST_F(PolicyTest, InvalidPoliciesAreInvalidArguments) {
  auto status = g_.Try("boss",
                       R"pb(set_program_policy {
                              program_id: "emea"
                              policy { plan_min_initiatives: 6 }
                            })pb")
                    .status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  auto bad = GetBadRequest(status);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->field_violations(0).field(),
            "command.policy.plan_max_initiatives");
  EXPECT_EQ(g_.Try("boss", R"pb(set_program_policy {
                                  program_id: "emea"
                                  policy {}
                                })pb")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(g_.Try("boss", R"pb(establish_program {
                                  program_id: "x"
                                  name: "X"
                                  level: PROGRAM_LEVEL_GLOBAL
                                  policy { sponsor_max_accounts: 0 }
                                })pb")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(PolicyTest, SponsorMaxAccountsOfTheAssignedAccountsProgramApplies) {
  g_.Setup(Designated("a1") + Designated("a2") + Designated("a3") +
           Designated("b1", "apac"));
  for (const char* a : {"a1", "a2", "a3"}) {
    g_.Do("dir", absl::StrCat("assign_executive_sponsor { account_id: \"", a,
                              "\" sponsor_id: \"spons\" }"));
  }
  const std::string assign = R"pb(assign_executive_sponsor {
                                    account_id: "b1"
                                    sponsor_id: "spons"
                                  })pb";
  EXPECT_EQ(ReasonOf(g_.Try("dir", assign).status()),
            rules::kSponsorCapacityExceeded);
  SetPolicy("emea", "sponsor_max_accounts: 4");
  EXPECT_EQ(ReasonOf(g_.Try("dir", assign).status()),
            rules::kSponsorCapacityExceeded);
  SetPolicy("apac", "sponsor_max_accounts: 4");
  EXPECT_TRUE(g_.Try("dir", assign).ok());
  EXPECT_EQ(g_.person("spons").sponsored_account_ids_size(), 4);
}

TEST_F(PolicyTest, PlanReviewCadenceDaysSetsTheNextReview) {
  SetPolicy("emea", "plan_review_cadence_days: 120");
  g_.Setup(Staffed("acme") + Staffed("b1", "apac"));
  g_.Do("kam1", PlanText("acme", 1));
  g_.Do("kam1", PlanText("b1", 1));
  Decision d = g_.Do("spons",
                     R"pb(review_account_plan {
                            account_id: "acme"
                            plan_version: 1
                            outcome: PLAN_REVIEW_OUTCOME_APPROVED
                          })pb");
  auto reviewed = ParsePayload<v1::AccountPlanReviewed>(d.events[0]);
  ASSERT_TRUE(reviewed.ok());
  EXPECT_EQ(reviewed->next_review_due_day(), kDay0 + 120);
  EXPECT_THAT(Fired(91, "AccountPlanReviewOverdue"), ElementsAre("account-b1"));
  EXPECT_THAT(Fired(121, "AccountPlanReviewOverdue"),
              ElementsAre("account-acme"));
}

TEST_F(PolicyTest, CoverageGraceDaysDelaysTheGap) {
  SetPolicy("emea", "coverage_grace_days: 60");
  g_.Setup(Designated("acme") + Designated("b1", "apac"));
  EXPECT_THAT(Fired(30, "CoverageGapDetected"), IsEmpty());
  EXPECT_THAT(Fired(31, "CoverageGapDetected"),
              ElementsAre("account-b1", "account-b1", "account-b1"));
  EXPECT_THAT(Fired(61, "CoverageGapDetected"),
              ElementsAre("account-acme", "account-acme", "account-acme"));
}

TEST_F(PolicyTest, SponsorEngagementMaxDaysDelaysTheOverdue) {
  SetPolicy("emea", "sponsor_engagement_max_days: 400");
  g_.Setup(Staffed("acme") + Staffed("b1", "apac"));
  EXPECT_THAT(Fired(366, "SponsorEngagementOverdue"),
              ElementsAre("account-b1"));
  EXPECT_THAT(Fired(401, "SponsorEngagementOverdue"),
              ElementsAre("account-acme"));
}

struct TimeoutCase {
  const char* field;
  const char* level;
};

class EscalationTimeoutPolicyTest
    : public PolicyTest,
      public ::testing::WithParamInterface<TimeoutCase> {};

TEST_P(EscalationTimeoutPolicyTest, TimeoutOfTheLevelDelaysTheRaise) {
  SetPolicy("emea", absl::StrCat(GetParam().field, ": 30"));
  g_.Setup(Staffed("acme") + Staffed("b1", "apac"));
  g_.Do("tm", EscalationText("e1", "acme", GetParam().level));
  g_.Do("tm", EscalationText("e2", "b1", GetParam().level));
  // e2 (default 14 days) times out on day 15; e1 waits its 30 days.
  EXPECT_THAT(Fired(15, "EscalationLevelRaised"), ElementsAre("escalation-e2"));
  EXPECT_THAT(Fired(30, "EscalationLevelRaised"),
              Not(Contains("escalation-e1")));
  EXPECT_THAT(Fired(31, "EscalationLevelRaised"), Contains("escalation-e1"));
}

INSTANTIATE_TEST_SUITE_P(
    Levels, EscalationTimeoutPolicyTest,
    ::testing::Values(TimeoutCase{"escalation_timeout_days_key_account_manager",
                                  "ESCALATION_LEVEL_KEY_ACCOUNT_MANAGER"},
                      TimeoutCase{"escalation_timeout_days_unit_head",
                                  "ESCALATION_LEVEL_UNIT_HEAD"},
                      TimeoutCase{"escalation_timeout_days_program_director",
                                  "ESCALATION_LEVEL_PROGRAM_DIRECTOR"}),
    [](const ::testing::TestParamInfo<TimeoutCase>& info) {
      return std::string(info.param.field);
    });

TEST_F(PolicyTest, PlanMinInitiatives) {
  g_.Setup(Staffed("acme"));
  EXPECT_EQ(ReasonOf(g_.Try("kam1", PlanText("acme", 1, 1)).status()),
            rules::kPlanInitiativesOutOfRange);
  SetPolicy("emea", "plan_min_initiatives: 1");
  EXPECT_TRUE(g_.Try("kam1", PlanText("acme", 1, 1)).ok());
}

TEST_F(PolicyTest, PlanMaxInitiatives) {
  g_.Setup(Staffed("acme"));
  EXPECT_EQ(ReasonOf(g_.Try("kam1", PlanText("acme", 1, 6)).status()),
            rules::kPlanInitiativesOutOfRange);
  SetPolicy("emea", "plan_max_initiatives: 6");
  EXPECT_TRUE(g_.Try("kam1", PlanText("acme", 1, 6)).ok());
}

TEST_F(PolicyTest, SelectionCycleMonths) {
  const std::string open = absl::StrCat(
      "open_selection_cycle { program_id: \"emea\" cycle_id: \"fy25\" "
      "due_day: ",
      kDay0 + 500, " }");
  EXPECT_EQ(ReasonOf(g_.Try("dir", open).status()), rules::kCycleDueOutOfRange);
  SetPolicy("emea", "selection_cycle_months: 24");
  EXPECT_TRUE(g_.Try("dir", open).ok());
}

TEST_F(PolicyTest, EffectiveAtSkewUs) {
  CommandStep step = Step("kam1",
                          R"pb(nominate_account {
                                 account_id: "acme"
                                 program_id: "emea"
                                 customer_name: "Acme"
                                 customer_segment: CUSTOMER_SEGMENT_MAJOR
                               })pb");
  step.meta.set_effective_at_us(kT0 + 60 * kMicrosPerSecond);
  EXPECT_EQ(g_.Try(step).status().code(), absl::StatusCode::kInvalidArgument);
  SetPolicy("emea", "effective_at_skew_us: 120000000");
  absl::StatusOr<Decision> d = g_.Try(step);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->events[0].effective_at_us, kT0 + 60 * kMicrosPerSecond);
}

TEST_F(PolicyTest, WeightSumTolerance) {
  const std::string publish =
      R"pb(publish_selection_criteria {
             program_id: "emea"
             version: 2
             criteria { criterion_id: "revenue" tangible: true weight: 0.5 }
             criteria { criterion_id: "fit" weight: 0.49 }
             designation_threshold: 6
             max_key_accounts: 3
           })pb";
  EXPECT_EQ(g_.Try("boss", publish).status().code(),
            absl::StatusCode::kInvalidArgument);
  SetPolicy("emea", "weight_sum_tolerance: 0.02");
  EXPECT_TRUE(g_.Try("boss", publish).ok());
}

TEST_F(PolicyTest, ScoreScaleMax) {
  g_.Setup(Nominated("acme"));
  const std::string designate = absl::StrCat(
      "designate_account { account_id: \"acme\" criteria_version: 1 ",
      ScoresText(50, 8, 8), " portfolio_class: PORTFOLIO_CLASS_STAR }");
  EXPECT_EQ(ReasonOf(g_.Try("boss", designate).status()),
            rules::kScoreOutOfRange);
  SetPolicy("emea", "score_scale_max: 100");
  absl::StatusOr<Decision> d = g_.Try("boss", designate);
  ASSERT_TRUE(d.ok()) << d.status();
  auto designated = ParsePayload<v1::AccountDesignated>(d->events[0]);
  EXPECT_DOUBLE_EQ(designated->weighted_score(), 0.5 * 50 + 0.3 * 8 + 0.2 * 8);
}

TEST_F(PolicyTest, PlanRequiredClasses) {
  SetPolicy("emea",
            "plan_required_classes { classes: PORTFOLIO_CLASS_STATUS }");
  g_.Setup(Nominated("acme") + Nominated("b1", "apac") + Nominated("c1") +
           Nominated("d1", "apac"));
  g_.Do("boss", Designate("acme", "PORTFOLIO_CLASS_STATUS"));
  g_.Do("boss", Designate("b1", "PORTFOLIO_CLASS_STATUS"));
  g_.Do("boss", Designate("c1", "PORTFOLIO_CLASS_STRATEGIC"));
  g_.Do("boss", Designate("d1", "PORTFOLIO_CLASS_STRATEGIC"));
  std::vector<std::string> plan_gaps;
  for (const DomainEvent& e : g_.Tick(AtDay(31))) {
    auto gap = ParsePayload<v1::CoverageGapDetected>(e);
    if (gap.ok() && gap->missing() == v1::COVERAGE_MISSING_PLAN) {
      plan_gaps.push_back(e.stream_id);
    }
  }
  // emea: STATUS needs a plan, STRATEGIC no longer; apac: the defaults.
  EXPECT_THAT(plan_gaps, ElementsAre("account-acme", "account-d1"));
}

}  // namespace
}  // namespace kamgov::domain::testing
