// The scheduler records each ⚙ deadline once per deadline instance, also
// after a restart (a state replayed from the log).

#include <string>

#include "domain/rules.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/domain/domain_fixture.h"

namespace kamgov::domain::testing {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;

// Types of the events due in a state replayed from the log, at `day`: what
// a restarted scheduler would record.
std::vector<std::string> AfterRestart(const Governance& g, int64_t day) {
  std::vector<std::string> types;
  for (const Decision& d : DueDeadlines(g.Replay(), AtDay(day))) {
    for (const DomainEvent& e : d.events) types.push_back(e.type);
  }
  return types;
}

TEST(Scheduler, CoverageGapsFireOncePerEpisode) {
  Governance g;
  g.Setup(World() + Designated("acme"));
  EXPECT_THAT(g.Tick(AtDay(30)), IsEmpty());  // the grace period's last day
  std::vector<DomainEvent> fired = g.Tick(AtDay(31));
  ASSERT_EQ(fired.size(), 3u);
  std::vector<v1::CoverageMissing> missing;
  for (const DomainEvent& e : fired) {
    auto gap = ParsePayload<v1::CoverageGapDetected>(e);
    ASSERT_TRUE(gap.ok());
    EXPECT_EQ(gap->since_day(), kDay0);
    EXPECT_EQ(gap->detected_day(), kDay0 + 31);
    missing.push_back(gap->missing());
    EXPECT_FALSE(e.personal.rationale().empty());
    EXPECT_EQ(e.stream_id, "account-acme");
  }
  EXPECT_THAT(missing, ElementsAre(v1::COVERAGE_MISSING_MANAGER,
                                   v1::COVERAGE_MISSING_SPONSOR,
                                   v1::COVERAGE_MISSING_PLAN));
  EXPECT_THAT(g.Tick(AtDay(31)), IsEmpty());
  EXPECT_THAT(g.Tick(AtDay(200)), IsEmpty());
  EXPECT_THAT(AfterRestart(g, 200), IsEmpty());

  // Covered, then uncovered again by a departure: a new episode.
  g.Do("dir", R"pb(assign_key_account_manager {
                     account_id: "acme"
                     manager_id: "kam1"
                     mode: MANAGER_MODE_PART_TIME
                     scope: MANAGER_SCOPE_LOCAL
                   })pb",
       AtDay(201));
  g.Do("boss", R"pb(depart_person { person_id: "kam1" })pb", AtDay(210));
  EXPECT_THAT(g.Tick(AtDay(240)), IsEmpty());
  fired = g.Tick(AtDay(241));
  ASSERT_EQ(fired.size(), 1u);
  auto gap = ParsePayload<v1::CoverageGapDetected>(fired[0]);
  EXPECT_EQ(gap->missing(), v1::COVERAGE_MISSING_MANAGER);
  EXPECT_EQ(gap->since_day(), kDay0 + 210);
  EXPECT_THAT(g.Tick(AtDay(300)), IsEmpty());
  EXPECT_THAT(AfterRestart(g, 300), IsEmpty());
}

// Reclassification into a class that needs a plan restarts the grace
// period for the plan; STREAMLINE never needs one.
TEST(Scheduler, PlanGapFollowsTheClass) {
  Governance g;
  g.Setup(World() + Staffed("acme"));
  g.Do("boss", R"pb(reclassify_account {
                      account_id: "acme"
                      to_class: PORTFOLIO_CLASS_STREAMLINE
                    })pb");
  EXPECT_THAT(g.Tick(AtDay(100)), IsEmpty());
  g.Do("boss", R"pb(reclassify_account {
                      account_id: "acme"
                      to_class: PORTFOLIO_CLASS_STAR
                    })pb",
       AtDay(100));
  EXPECT_THAT(g.Tick(AtDay(130)), IsEmpty());
  std::vector<DomainEvent> fired = g.Tick(AtDay(131));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(ParsePayload<v1::CoverageGapDetected>(fired[0])->missing(),
            v1::COVERAGE_MISSING_PLAN);
}

TEST(Scheduler, PlanReviewOverdueOncePerVersionAndDueDay) {
  Governance g;
  g.Setup(World() + Staffed("acme"));
  g.Do("kam1", PlanText("acme", 1));  // first review due day 90
  EXPECT_THAT(g.Tick(AtDay(90)), IsEmpty());
  std::vector<DomainEvent> fired = g.Tick(AtDay(91));
  ASSERT_THAT(TypesOf(fired), ElementsAre("AccountPlanReviewOverdue"));
  auto overdue = ParsePayload<v1::AccountPlanReviewOverdue>(fired[0]);
  EXPECT_EQ(overdue->plan_version(), 1);
  EXPECT_EQ(overdue->due_day(), kDay0 + 90);
  EXPECT_THAT(g.Tick(AtDay(92)), IsEmpty());
  EXPECT_THAT(AfterRestart(g, 150), Not(Contains("AccountPlanReviewOverdue")));

  // A late review sets a new due day: a new instance.
  g.Do("spons", R"pb(review_account_plan {
                       account_id: "acme"
                       plan_version: 1
                       outcome: PLAN_REVIEW_OUTCOME_APPROVED
                     })pb",
       AtDay(100));
  EXPECT_THAT(g.Tick(AtDay(190)), IsEmpty());
  fired = g.Tick(AtDay(191));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(ParsePayload<v1::AccountPlanReviewOverdue>(fired[0])->due_day(),
            kDay0 + 190);
  EXPECT_THAT(g.Tick(AtDay(191)), IsEmpty());

  // A new version is a new instance too.
  g.Do("kam1", PlanText("acme", 2), AtDay(200));
  EXPECT_THAT(g.Tick(AtDay(290)), IsEmpty());
  fired = g.Tick(AtDay(291));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(
      ParsePayload<v1::AccountPlanReviewOverdue>(fired[0])->plan_version(), 2);
  // Only the sponsor's engagement, never ticked for, is due.
  EXPECT_THAT(AfterRestart(g, 400), ElementsAre("SponsorEngagementOverdue"));
}

TEST(Scheduler, SponsorEngagementOverdueOncePerSponsorAndDueDay) {
  Governance g;
  g.Setup(World() + Staffed("acme"));
  g.Do("kam1", PlanText("acme", 1));
  g.Do("spons", R"pb(review_account_plan {
                       account_id: "acme"
                       plan_version: 1
                       outcome: PLAN_REVIEW_OUTCOME_APPROVED
                     })pb");
  auto engagement = [&](int64_t day) {
    std::vector<DomainEvent> out;
    for (const DomainEvent& e : g.Tick(AtDay(day))) {
      if (e.type == "SponsorEngagementOverdue") out.push_back(e);
    }
    return out;
  };
  EXPECT_THAT(engagement(365), IsEmpty());
  std::vector<DomainEvent> fired = engagement(366);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_THAT(fired[0].tags, ::testing::Contains("person:spons"));
  EXPECT_THAT(engagement(367), IsEmpty());
  EXPECT_THAT(AfterRestart(g, 367), IsEmpty());
  g.Do("spons", R"pb(log_sponsor_engagement {
                       account_id: "acme"
                       kind: ENGAGEMENT_KIND_BRIEFED
                     })pb",
       AtDay(400));
  EXPECT_THAT(engagement(765), IsEmpty());
  fired = engagement(766);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(ParsePayload<v1::SponsorEngagementOverdue>(fired[0])->since_day(),
            kDay0 + 400);
  // A new sponsor starts a new clock.
  g.Do("dir", R"pb(assign_executive_sponsor {
                     account_id: "acme"
                     sponsor_id: "spons2"
                   })pb",
       AtDay(800));
  EXPECT_THAT(engagement(1165), IsEmpty());
  EXPECT_EQ(engagement(1166).size(), 1u);
}

TEST(Scheduler, EscalationTimeoutsClimbTheLadderOnceALevel) {
  Governance g;
  g.Setup(World() + Staffed("acme"));
  g.Do("tm", EscalationText("e1", "acme"));
  auto raised = [&](int64_t day) {
    std::vector<v1::EscalationLevelRaised> out;
    for (const DomainEvent& e : g.Tick(AtDay(day))) {
      if (e.type == "EscalationLevelRaised") {
        out.push_back(*ParsePayload<v1::EscalationLevelRaised>(e));
      }
    }
    return out;
  };
  EXPECT_THAT(raised(14), IsEmpty());
  auto first = raised(15);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].from_level(), v1::ESCALATION_LEVEL_KEY_ACCOUNT_MANAGER);
  EXPECT_EQ(first[0].to_level(), v1::ESCALATION_LEVEL_UNIT_HEAD);
  EXPECT_EQ(first[0].reason(), v1::LEVEL_RAISE_REASON_TIMEOUT);
  EXPECT_THAT(raised(15), IsEmpty());
  EXPECT_THAT(raised(29), IsEmpty());
  EXPECT_EQ(raised(30).at(0).to_level(), v1::ESCALATION_LEVEL_PROGRAM_DIRECTOR);
  EXPECT_EQ(raised(45).at(0).to_level(),
            v1::ESCALATION_LEVEL_EXECUTIVE_SPONSOR);
  EXPECT_THAT(raised(400), IsEmpty());  // the top never times out
  EXPECT_EQ(g.escalation("e1").timeouts(), 3);
  EXPECT_THAT(AfterRestart(g, 400), IsEmpty());
  // The acknowledgement is per level.
  g.Do("spons", R"pb(acknowledge_escalation { escalation_id: "e1" })pb",
       AtDay(401));
  EXPECT_EQ(g.escalation("e1").acknowledged_by(), "spons");
}

TEST(Scheduler, SettledAndNonKeyAccountsHaveNoDeadlines) {
  Governance g;
  g.Setup(World() + Staffed("acme") + Nominated("beta"));
  g.Do("tm", EscalationText("e1", "acme"));
  g.Do("kam1",
       R"pb(resolve_escalation { escalation_id: "e1" decision: "d" })pb");
  g.Do("boss", R"pb(de_designate_account {
                      account_id: "acme"
                      reason: DE_DESIGNATION_REASON_MERGED
                      merged_into_account_id: "beta"
                    })pb");
  EXPECT_THAT(g.Tick(AtDay(1000)), IsEmpty());
}

}  // namespace
}  // namespace kamgov::domain::testing
