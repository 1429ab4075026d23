// Lifecycle scenarios from DOMAIN.md section 7, through Decide() and the
// scheduler: "Primum-like" (a 60-person firm, 10 part-time KAMs, two
// years) and a global account whose sponsor is at capacity.

#include <map>
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

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::string Person(absl::string_view id, absl::string_view unit,
                   absl::string_view role, absl::string_view program = "") {
  std::string roles;
  if (!role.empty()) {
    roles = absl::StrCat("roles { role: ", role, " program_id: \"", program,
                         "\" }");
  }
  return absl::StrCat("register_person { person_id: \"", id,
                      "\" name: \"Person ", id, "\" unit_id: \"", unit,
                      "\" country: \"FI\" ", roles, " }");
}

std::string Scores(double v) {
  return absl::StrCat("scores { criterion_id: \"revenue\" score: ", v,
                      " } scores { criterion_id: \"potential\" score: ", v,
                      " } scores { criterion_id: \"fit\" score: ", v,
                      " } scores { criterion_id: \"partner\" score: ", v, " }");
}

// Primum [seed S0]: 60 staff in one country; seven expertise areas grouped
// into four subgroups, each with a superior (unit head); ten consultants
// acting as part-time KAMs for the "strategic partners"; about two years.
TEST(Scenario, PrimumLikeFirmWithTenPartTimeKams) {
  Governance g;
  g.Do("boss", Person("boss", "mgmt", "GOVERNANCE_ROLE_SENIOR_MANAGEMENT"));
  g.Do("boss", Person("champion", "mgmt", "GOVERNANCE_ROLE_PROGRAM_DIRECTOR"));
  int staff = 2;
  for (int u = 0; u < 4; ++u) {
    g.Do("boss", Person(absl::StrCat("uh", u), absl::StrCat("sg", u),
                        "GOVERNANCE_ROLE_UNIT_HEAD"));
    g.Do("boss", Person(absl::StrCat("sp", u), absl::StrCat("sg", u),
                        "GOVERNANCE_ROLE_EXECUTIVE_SPONSOR"));
    staff += 2;
  }
  for (int k = 0; k < 10; ++k) {
    g.Do("champion", Person(absl::StrCat("kam", k), absl::StrCat("sg", k % 4),
                            "GOVERNANCE_ROLE_KEY_ACCOUNT_MANAGER"));
    ++staff;
  }
  for (int t = 0; staff < 60; ++t, ++staff) {
    g.Do("champion", Person(absl::StrCat("tm", t), absl::StrCat("sg", t % 4),
                            "GOVERNANCE_ROLE_TEAM_MEMBER"));
  }
  EXPECT_EQ(g.state().persons().size(), 60u);

  g.Do("boss", R"pb(establish_program {
                      program_id: "primum"
                      name: "Strategic partners"
                      level: PROGRAM_LEVEL_NATIONAL
                      scope: "FI"
                    })pb");
  g.Do("boss",
       R"pb(publish_selection_criteria {
              program_id: "primum"
              version: 1
              criteria { criterion_id: "revenue" tangible: true weight: 0.4 }
              criteria { criterion_id: "potential" tangible: true weight: 0.2 }
              criteria { criterion_id: "fit" weight: 0.25 }
              criteria { criterion_id: "partner" weight: 0.15 }
              designation_threshold: 6
              max_key_accounts: 10
            })pb");

  // Ten strategic partners, each nominated by its future KAM, designated
  // by senior management, with a part-time KAM, a sponsor (at most three
  // each), a two-unit team and a plan approved by the sponsor.
  for (int i = 0; i <= 10; ++i) {
    g.Do(absl::StrCat("kam", i % 10),
         absl::StrCat("nominate_account { account_id: \"c", i,
                      "\" program_id: \"primum\" customer_name: \"Client ", i,
                      "\" customer_segment: CUSTOMER_SEGMENT_MAJOR }"));
  }
  for (int i = 0; i < 10; ++i) {
    const std::string c = absl::StrCat("c", i);
    g.Do("boss",
         absl::StrCat(
             "designate_account { account_id: \"", c, "\" criteria_version: 1 ",
             Scores(7), " portfolio_class: ",
             i < 5 ? "PORTFOLIO_CLASS_STRATEGIC" : "PORTFOLIO_CLASS_STAR",
             " }"));
    g.Do("champion", absl::StrCat("assign_key_account_manager { account_id: \"",
                                  c, "\" manager_id: \"kam", i,
                                  "\" mode: MANAGER_MODE_PART_TIME scope: "
                                  "MANAGER_SCOPE_LOCAL }"));
    g.Do("champion", absl::StrCat("assign_executive_sponsor { account_id: \"",
                                  c, "\" sponsor_id: \"sp", i % 4, "\" }"));
    for (int m : {i, i + 1}) {
      g.Do(absl::StrCat("kam", i),
           absl::StrCat("add_team_member { account_id: \"", c,
                        "\" member_id: \"tm", m, "\" expertise: \"area", m % 7,
                        "\" }"));
    }
  }
  for (int i = 0; i < 10; ++i) {
    const std::string c = absl::StrCat("c", i);
    g.Do(absl::StrCat("kam", i), PlanText(c, 1), AtDay(20));
    g.Do(absl::StrCat("sp", i % 4),
         absl::StrCat("review_account_plan { account_id: \"", c,
                      "\" plan_version: 1 outcome: "
                      "PLAN_REVIEW_OUTCOME_APPROVED }"),
         AtDay(25));
  }
  // Resources cap the portfolio: the eleventh partner does not fit.
  absl::Status eleventh =
      g.Try("boss",
            absl::StrCat("designate_account { account_id: \"c10\" "
                         "criteria_version: 1 ",
                         Scores(9), " portfolio_class: PORTFOLIO_CLASS_STAR }"),
            AtDay(26))
          .status();
  EXPECT_EQ(ReasonOf(eleventh), rules::kPortfolioCapacityExceeded);
  for (int s = 0; s < 4; ++s) {
    EXPECT_LE(g.person(absl::StrCat("sp", s)).sponsored_account_ids_size(), 3);
  }
  for (int k = 0; k < 10; ++k) {
    EXPECT_THAT(g.person(absl::StrCat("kam", k)).managed_account_ids(),
                ElementsAre(absl::StrCat("c", k)));
  }

  // Two experts protecting "their" customer: escalated, timed out to the
  // unit heads, settled by the superior of an involved unit.
  g.Do("tm0", R"pb(raise_escalation {
                     escalation_id: "x1"
                     account_id: "c0"
                     category: ESCALATION_CATEGORY_KNOWLEDGE_PROTECTIONISM
                     units_involved: "sg0"
                     units_involved: "sg1"
                     description: "both advise the client without telling"
                   })pb",
       AtDay(40));

  // Two years of monthly scheduler runs, with a selection cycle after the
  // first year and sponsor engagements now and then.
  std::map<std::string, int> fired;
  std::set<std::string> instances;
  for (int day = 30; day <= 730; day += 5) {
    if (day == 60) {
      EXPECT_EQ(g.escalation("x1").level(), v1::ESCALATION_LEVEL_UNIT_HEAD);
      EXPECT_EQ(ReasonOf(g.Try("uh2",
                               R"pb(resolve_escalation {
                                      escalation_id: "x1"
                                      decision: "share"
                                    })pb",
                               AtDay(day))
                             .status()),
                rules::kEscalationAuthorityTooLow);
      g.Do("uh1", R"pb(resolve_escalation {
                         escalation_id: "x1"
                         decision: "one joint offer"
                       })pb",
           AtDay(day));
    }
    if (day == 300) {
      for (int i = 0; i < 10; ++i) {
        g.Do(absl::StrCat("sp", i % 4),
             absl::StrCat("log_sponsor_engagement { account_id: \"c", i,
                          "\" kind: ENGAGEMENT_KIND_STRATEGY_REVIEWED }"),
             AtDay(day));
      }
    }
    if (day == 330) {
      g.Do("champion",
           absl::StrCat("open_selection_cycle { program_id: \"primum\" "
                        "cycle_id: \"y1\" due_day: ",
                        kDay0 + 420, " }"),
           AtDay(day));
      for (int i = 0; i < 10; ++i) {
        const bool deselect = i == 9;
        g.Do("boss",
             absl::StrCat("reevaluate_account { account_id: \"c", i,
                          "\" cycle_id: \"y1\" criteria_version: 1 ",
                          Scores(deselect ? 3 : 7), " outcome: ",
                          deselect ? "REEVALUATION_OUTCOME_DESELECTED"
                                   : "REEVALUATION_OUTCOME_RETAINED",
                          " }"),
             AtDay(day));
      }
      g.Do("champion", R"pb(close_selection_cycle {
                              program_id: "primum"
                              cycle_id: "y1"
                            })pb",
           AtDay(day));
    }
    for (const DomainEvent& e : g.Tick(AtDay(day))) {
      ++fired[e.type];
      std::string key = e.type + "/" + e.stream_id;
      if (auto o = ParsePayload<v1::AccountPlanReviewOverdue>(e); o.ok()) {
        absl::StrAppend(&key, "/", o->plan_version(), "/", o->due_day());
      }
      if (auto o = ParsePayload<v1::SponsorEngagementOverdue>(e); o.ok()) {
        absl::StrAppend(&key, "/", o->sponsor_id(), "/", o->due_day());
      }
      if (auto o = ParsePayload<v1::CoverageGapDetected>(e); o.ok()) {
        absl::StrAppend(&key, "/", o->episode());
      }
      if (auto o = ParsePayload<v1::EscalationLevelRaised>(e); o.ok()) {
        absl::StrAppend(&key, "/", o->from_level());
      }
      EXPECT_TRUE(instances.insert(key).second) << "fired twice: " << key;
    }
  }
  // Each of the ten plans was overdue once (reviewed day 25, due day 115,
  // never reviewed again); the deselected account stops counting.
  EXPECT_EQ(fired["AccountPlanReviewOverdue"], 10);
  // Engagements on day 300 pushed the deadline to day 665: nine accounts
  // are still key accounts then.
  EXPECT_EQ(fired["SponsorEngagementOverdue"], 9);
  EXPECT_EQ(fired["EscalationLevelRaised"], 1);
  EXPECT_EQ(fired["CoverageGapDetected"], 0);

  const v1::ProgramState& primum = g.program("primum");
  EXPECT_EQ(primum.active_key_account_ids_size(), 9);
  EXPECT_THAT(primum.closed_cycle_ids(), ElementsAre("y1"));
  EXPECT_EQ(g.account("c9").status(), v1::ACCOUNT_STATUS_DE_DESIGNATED);
  EXPECT_THAT(g.person("kam9").managed_account_ids(), IsEmpty());
  EXPECT_EQ(g.person("sp1").sponsored_account_ids_size(), 2);  // c1, c5
  // The freed slot admits the waiting candidate.
  g.Do("boss",
       absl::StrCat("designate_account { account_id: \"c10\" "
                    "criteria_version: 1 ",
                    Scores(9), " portfolio_class: PORTFOLIO_CLASS_STAR }"),
       AtDay(731));
  EXPECT_EQ(g.program("primum").active_key_account_ids_size(), 10);

  // A restarted process folds the same state and owes no deadline.
  GovernanceState replayed = g.Replay();
  for (const auto& [id, account] : g.state().accounts()) {
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
        account, *replayed.FindAccount(id)))
        << id;
  }
  EXPECT_THAT(DueDeadlines(replayed, AtDay(730)), IsEmpty());
}

// Global matrix [seed S3]: global accounts with local leads; sponsors are
// capped at three accounts, counted across programs.
TEST(Scenario, GlobalAccountWhoseSponsorIsAtCapacity) {
  Governance g;
  g.Do("boss", Person("boss", "hq", "GOVERNANCE_ROLE_SENIOR_MANAGEMENT"));
  g.Do("boss", Person("gkd", "hq", "GOVERNANCE_ROLE_PROGRAM_DIRECTOR"));
  g.Do("boss", Person("ceo", "board", "GOVERNANCE_ROLE_EXECUTIVE_SPONSOR"));
  g.Do("boss", Person("cfo", "board", "GOVERNANCE_ROLE_EXECUTIVE_SPONSOR"));
  g.Do("boss",
       Person("gkam", "global-kam", "GOVERNANCE_ROLE_KEY_ACCOUNT_MANAGER"));
  g.Do("boss", Person("dekam", "de", "GOVERNANCE_ROLE_KEY_ACCOUNT_MANAGER"));
  for (const char* country : {"de", "fr", "br", "cn"}) {
    g.Do("boss", Person(absl::StrCat("lead-", country), country,
                        "GOVERNANCE_ROLE_TEAM_MEMBER"));
  }
  for (const char* p : {"global", "de"}) {
    g.Do("boss",
         absl::StrCat("establish_program { program_id: \"", p, "\" name: \"", p,
                      "\" level: ",
                      std::string(p) == "global" ? "PROGRAM_LEVEL_GLOBAL"
                                                 : "PROGRAM_LEVEL_NATIONAL",
                      " }"));
    g.Do("boss",
         absl::StrCat("publish_selection_criteria { program_id: \"", p,
                      "\" version: 1 criteria { criterion_id: \"revenue\" "
                      "tangible: true weight: 0.4 } criteria { criterion_id: "
                      "\"potential\" tangible: true weight: 0.2 } criteria { "
                      "criterion_id: \"fit\" weight: 0.25 } criteria { "
                      "criterion_id: \"partner\" weight: 0.15 } "
                      "designation_threshold: 6 max_key_accounts: 20 }"));
  }
  auto key_account = [&](const std::string& account, const std::string& program,
                         const std::string& kam, bool global) {
    g.Do(kam, absl::StrCat(
                  "nominate_account { account_id: \"", account,
                  "\" program_id: \"", program, "\" customer_name: \"", account,
                  " Group\" customer_segment: CUSTOMER_SEGMENT_MAJOR }"));
    g.Do("boss", absl::StrCat("designate_account { account_id: \"", account,
                              "\" criteria_version: 1 ", Scores(8),
                              " portfolio_class: PORTFOLIO_CLASS_STRATEGIC }"));
    g.Do("gkd",
         absl::StrCat("assign_key_account_manager { account_id: \"", account,
                      "\" manager_id: \"", kam,
                      "\" mode: MANAGER_MODE_FULL_TIME scope: ",
                      global ? "MANAGER_SCOPE_GLOBAL" : "MANAGER_SCOPE_LOCAL",
                      " }"));
  };
  key_account("g1", "global", "gkam", true);
  key_account("g2", "global", "gkam", true);
  key_account("g3", "global", "gkam", true);
  key_account("g4", "global", "gkam", true);
  key_account("d1", "de", "dekam", false);
  // Local leads from the countries join the global account teams.
  for (const char* country : {"de", "fr", "br", "cn"}) {
    g.Do("gkam", absl::StrCat("add_team_member { account_id: \"g1\" "
                              "member_id: \"lead-",
                              country, "\" permanent: false }"));
  }
  EXPECT_EQ(g.account("g1").team_size(), 4);
  EXPECT_EQ(g.account("g1").team(2).unit_id(), "br");

  auto sponsor = [&](const std::string& account, const std::string& who) {
    return g.Try("gkd",
                 absl::StrCat("assign_executive_sponsor { account_id: \"",
                              account, "\" sponsor_id: \"", who, "\" }"));
  };
  ASSERT_TRUE(sponsor("g1", "ceo").ok());
  ASSERT_TRUE(sponsor("g2", "ceo").ok());
  ASSERT_TRUE(sponsor("d1", "ceo").ok());  // a national account counts too
  EXPECT_EQ(ReasonOf(sponsor("g3", "ceo").status()),
            rules::kSponsorCapacityExceeded);
  ASSERT_TRUE(sponsor("g3", "cfo").ok());
  // Losing the national account releases the CEO, who can take g4.
  Decision lost = g.Do("boss", R"pb(de_designate_account {
                                      account_id: "d1"
                                      reason: DE_DESIGNATION_REASON_LOST
                                    })pb");
  EXPECT_THAT(TypesOf(lost.events),
              ElementsAre("AccountDeDesignated", "KeyAccountManagerReleased",
                          "ExecutiveSponsorReleased"));
  ASSERT_TRUE(sponsor("g4", "ceo").ok());
  EXPECT_THAT(g.person("ceo").sponsored_account_ids(),
              ElementsAre("g1", "g2", "g4"));

  // Uniform global prices against local freedom: escalated by a local lead,
  // taken to the sponsor, the "point of final escalation".
  g.Do("lead-br", R"pb(raise_escalation {
                         escalation_id: "price-br"
                         account_id: "g1"
                         category: ESCALATION_CATEGORY_GLOBAL_VS_LOCAL
                         units_involved: "br"
                         units_involved: "global-kam"
                       })pb");
  g.Do("gkam", R"pb(raise_escalation_level {
                      escalation_id: "price-br"
                      to_level: ESCALATION_LEVEL_EXECUTIVE_SPONSOR
                    })pb");
  const std::string resolve = R"pb(resolve_escalation {
                                     escalation_id: "price-br"
                                     decision: "regional band"
                                   })pb";
  EXPECT_EQ(ReasonOf(g.Try("gkd", resolve).status()),
            rules::kEscalationAuthorityTooLow);
  EXPECT_EQ(ReasonOf(g.Try("cfo", resolve).status()),
            rules::kEscalationAuthorityTooLow);  // not g1's sponsor
  g.Do("ceo", resolve);

  // The CEO leaves: three global accounts lose their sponsor; each gap is
  // reported once after the grace period.
  g.Do("boss", R"pb(depart_person { person_id: "ceo" })pb", AtDay(100));
  EXPECT_THAT(g.person("ceo").sponsored_account_ids(), IsEmpty());
  std::vector<DomainEvent> gaps;
  for (int day = 100; day <= 200; day += 10) {
    for (const DomainEvent& e : g.Tick(AtDay(day))) {
      auto gap = ParsePayload<v1::CoverageGapDetected>(e);
      if (gap.ok() && gap->missing() == v1::COVERAGE_MISSING_SPONSOR) {
        gaps.push_back(e);
      }
    }
  }
  std::vector<std::string> streams;
  for (const DomainEvent& e : gaps) streams.push_back(e.stream_id);
  EXPECT_THAT(streams, ElementsAre("account-g1", "account-g2", "account-g4"));
  EXPECT_EQ(ParsePayload<v1::CoverageGapDetected>(gaps[0])->detected_day(),
            kDay0 + 140);
}

}  // namespace
}  // namespace kamgov::domain::testing
