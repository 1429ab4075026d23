// Lifecycle scenarios of DOMAIN.md section 7 through gRPC against a real
// daemon, asserting the final states the Get RPCs serve: "Primum-like" (a
// 60-person firm, 10 part-time KAMs, unit heads, designations within
// capacity, plans reviewed by non-authors, an escalation that times out to
// the unit heads and is settled there) and a global account whose sponsor
// is at capacity across programs.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "domain/days.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/domain/rule_cases.h"
#include "tests/services/governance_harness.h"
#include "tests/testing/temp_dir.h"

namespace kamgov::services::testing {
namespace {

using domain::testing::kDay0;
using domain::testing::kT0;
using domain::testing::PlanText;
using domain::testing::Step;
using domain::testing::Steps;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

int64_t AtDay(int64_t days) { return kT0 + days * domain::kMicrosPerDay; }

std::string Person(absl::string_view id, absl::string_view unit,
                   absl::string_view role) {
  return absl::StrCat("register_person { person_id: \"", id,
                      "\" name: \"Person ", id, "\" unit_id: \"", unit,
                      "\" country: \"FI\" roles { role: ", role, " } }");
}

std::string Scores(double v) {
  return absl::StrCat("scores { criterion_id: \"revenue\" score: ", v,
                      " } scores { criterion_id: \"potential\" score: ", v,
                      " } scores { criterion_id: \"fit\" score: ", v,
                      " } scores { criterion_id: \"partner\" score: ", v, " }");
}

std::string Criteria(absl::string_view program, int max_key_accounts) {
  return absl::StrCat(
      "publish_selection_criteria { program_id: \"", program,
      "\" version: 1 criteria { criterion_id: \"revenue\" tangible: true "
      "weight: 0.4 } criteria { criterion_id: \"potential\" tangible: true "
      "weight: 0.2 } criteria { criterion_id: \"fit\" weight: 0.25 } "
      "criteria { criterion_id: \"partner\" weight: 0.15 } "
      "designation_threshold: 6 max_key_accounts: ",
      max_key_accounts, " }");
}

std::string Nominate(absl::string_view account, absl::string_view program) {
  return absl::StrCat("nominate_account { account_id: \"", account,
                      "\" program_id: \"", program, "\" customer_name: \"",
                      account,
                      " Oy\" customer_segment: CUSTOMER_SEGMENT_MAJOR }");
}

std::string Designate(absl::string_view account, absl::string_view cls) {
  return absl::StrCat("designate_account { account_id: \"", account,
                      "\" criteria_version: 1 ", Scores(7),
                      " portfolio_class: ", cls, " }");
}

std::string Manager(absl::string_view account, absl::string_view manager,
                    absl::string_view mode, absl::string_view scope) {
  return absl::StrCat("assign_key_account_manager { account_id: \"", account,
                      "\" manager_id: \"", manager, "\" mode: ", mode,
                      " scope: ", scope, " }");
}

std::string Sponsor(absl::string_view account, absl::string_view sponsor) {
  return absl::StrCat("assign_executive_sponsor { account_id: \"", account,
                      "\" sponsor_id: \"", sponsor, "\" }");
}

class GovernanceLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = GovernanceServer::Start(dir_.path(), &clock_);
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
  }
  // Runs one command at `day`; it must succeed.
  void Do(absl::string_view actor, const std::string& text, int64_t day = 0) {
    absl::StatusOr<v1::CommandResult> result =
        server_->Run(Step(actor, text, "because", AtDay(day)));
    EXPECT_TRUE(result.ok()) << text << "\n" << result.status();
  }
  // Runs one command at `day`; returns the rule it broke ("" if it passed).
  std::string Broken(absl::string_view actor, const std::string& text,
                     int64_t day = 0) {
    absl::StatusOr<v1::CommandResult> result =
        server_->Run(Step(actor, text, "because", AtDay(day)));
    if (result.ok()) return "";
    EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition)
        << result.status();
    return ReasonOf(result.status());
  }
  // Runs every step at once (they must not depend on each other).
  void DoConcurrently(const Steps& steps) {
    for (const auto& result : server_->ExecuteConcurrently(steps)) {
      EXPECT_TRUE(result.ok()) << result.status();
    }
  }
  v1::AccountState Account(absl::string_view id) {
    auto got = server_->GetAccount(id);
    EXPECT_TRUE(got.ok()) << id << ": " << got.status();
    return got.ok() ? got->state() : v1::AccountState();
  }
  v1::PersonState PersonState(absl::string_view id) {
    auto got = server_->GetPerson(id);
    EXPECT_TRUE(got.ok()) << id << ": " << got.status();
    return got.ok() ? got->state() : v1::PersonState();
  }
  v1::EscalationState Escalation(absl::string_view id) {
    auto got = server_->GetEscalation(id);
    EXPECT_TRUE(got.ok()) << id << ": " << got.status();
    return got.ok() ? got->state() : v1::EscalationState();
  }
  v1::ProgramState Program(absl::string_view id) {
    auto got = server_->GetProgram(id);
    EXPECT_TRUE(got.ok()) << id << ": " << got.status();
    return got.ok() ? got->state() : v1::ProgramState();
  }

  kamgov::testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<GovernanceServer> server_;
};

// Primum [seed S0]: 60 staff, seven expertise areas in four subgroups each
// with a superior, ten consultants as part-time KAMs of the strategic
// partners.
TEST_F(GovernanceLifecycleTest, PrimumLikeFirmWithTenPartTimeKams) {
  Do("boss", Person("boss", "mgmt", "GOVERNANCE_ROLE_SENIOR_MANAGEMENT"));
  Do("boss", Person("champion", "mgmt", "GOVERNANCE_ROLE_PROGRAM_DIRECTOR"));
  Steps staff;
  for (int u = 0; u < 4; ++u) {
    staff.push_back(
        Step("boss", Person(absl::StrCat("uh", u), absl::StrCat("sg", u),
                            "GOVERNANCE_ROLE_UNIT_HEAD")));
    staff.push_back(Step("boss", Person(absl::StrCat("sp", u), "board",
                                        "GOVERNANCE_ROLE_EXECUTIVE_SPONSOR")));
  }
  for (int k = 0; k < 10; ++k) {
    staff.push_back(Step(
        "champion", Person(absl::StrCat("kam", k), absl::StrCat("sg", k % 4),
                           "GOVERNANCE_ROLE_KEY_ACCOUNT_MANAGER")));
  }
  for (int t = 0; t < 40; ++t) {
    staff.push_back(Step(
        "champion", Person(absl::StrCat("tm", t), absl::StrCat("sg", t % 4),
                           "GOVERNANCE_ROLE_TEAM_MEMBER")));
  }
  DoConcurrently(staff);  // 2 + 58 = 60 staff

  Do("boss", R"pb(establish_program {
                    program_id: "primum"
                    name: "Strategic partners"
                    level: PROGRAM_LEVEL_NATIONAL
                    scope: "FI"
                  })pb");
  Do("boss", Criteria("primum", 10));
  Steps nominations;
  for (int i = 0; i <= 10; ++i) {
    nominations.push_back(Step(absl::StrCat("kam", i % 10),
                               Nominate(absl::StrCat("c", i), "primum")));
  }
  DoConcurrently(nominations);

  for (int i = 0; i < 10; ++i) {
    const std::string c = absl::StrCat("c", i);
    Do("boss", Designate(c, i < 5 ? "PORTFOLIO_CLASS_STRATEGIC"
                                  : "PORTFOLIO_CLASS_STAR"));
    Do("champion", Manager(c, absl::StrCat("kam", i), "MANAGER_MODE_PART_TIME",
                           "MANAGER_SCOPE_LOCAL"));
    Do("champion", Sponsor(c, absl::StrCat("sp", i % 4)));
    for (int m : {i, i + 10}) {
      Do(absl::StrCat("kam", i),
         absl::StrCat("add_team_member { account_id: \"", c,
                      "\" member_id: \"tm", m, "\" expertise: \"area", m % 7,
                      "\" permanent: true }"));
    }
  }
  // Resources cap the portfolio: the eleventh partner does not fit.
  EXPECT_EQ(Broken("boss", Designate("c10", "PORTFOLIO_CLASS_STAR")),
            "PORTFOLIO_CAPACITY_EXCEEDED");

  // Plans by the KAMs on day 20, reviewed by the sponsors (never the
  // author) on day 25.
  for (int i = 0; i < 10; ++i) {
    const std::string c = absl::StrCat("c", i);
    Do(absl::StrCat("kam", i), PlanText(c, 1), 20);
    const std::string review = absl::StrCat(
        "review_account_plan { account_id: \"", c,
        "\" plan_version: 1 outcome: PLAN_REVIEW_OUTCOME_APPROVED }");
    if (i == 0) {
      EXPECT_EQ(Broken("kam0", review, 25), "REVIEWER_IS_AUTHOR");
    }
    Do(absl::StrCat("sp", i % 4), review, 25);
  }

  // Two experts protecting "their" client: raised on day 40, timed out to
  // the unit heads by the scheduler, settled by the superior of an involved
  // unit (not by another unit head).
  Do("tm0", R"pb(raise_escalation {
                   escalation_id: "x1"
                   account_id: "c0"
                   category: ESCALATION_CATEGORY_KNOWLEDGE_PROTECTIONISM
                   units_involved: "sg0"
                   units_involved: "sg1"
                   description: "both advise the client without telling"
                 })pb",
     40);
  clock_.Set(AtDay(55));
  absl::StatusOr<int> fired = server_->RunDeadlines();
  ASSERT_TRUE(fired.ok()) << fired.status();
  EXPECT_EQ(*fired, 1);
  EXPECT_EQ(Escalation("x1").level(), v1::ESCALATION_LEVEL_UNIT_HEAD);
  const std::string resolve = R"pb(resolve_escalation {
                                     escalation_id: "x1"
                                     decision: "one joint offer"
                                   })pb";
  EXPECT_EQ(Broken("uh2", resolve, 56), "ESCALATION_AUTHORITY_TOO_LOW");
  Do("uh1", resolve, 56);

  // A capacity conflict climbs by hand to the program director.
  Do("kam1", R"pb(raise_escalation {
                    escalation_id: "x2"
                    account_id: "c1"
                    category: ESCALATION_CATEGORY_KAM_CAPACITY
                    units_involved: "sg1"
                    description: "no time for KAM work"
                  })pb",
     60);
  Do("uh1", R"pb(acknowledge_escalation { escalation_id: "x2" })pb", 60);
  Do("kam1", R"pb(raise_escalation_level {
                    escalation_id: "x2"
                    to_level: ESCALATION_LEVEL_PROGRAM_DIRECTOR
                  })pb",
     61);
  EXPECT_EQ(Broken("uh1", R"pb(resolve_escalation {
                                 escalation_id: "x2"
                                 decision: "half a day a week"
                               })pb",
                   62),
            "ESCALATION_AUTHORITY_TOO_LOW");
  Do("champion", R"pb(resolve_escalation {
                        escalation_id: "x2"
                        decision: "half a day a week"
                        actions: "free kam1 on Fridays"
                      })pb",
     62);

  // Final states.
  v1::ProgramState primum = Program("primum");
  EXPECT_EQ(primum.active_key_account_ids_size(), 10);
  EXPECT_THAT(primum.active_key_account_ids(),
              ::testing::Not(::testing::Contains("c10")));
  EXPECT_EQ(Account("c10").status(), v1::ACCOUNT_STATUS_NOMINATED);
  for (int i = 0; i < 10; ++i) {
    const std::string c = absl::StrCat("c", i);
    v1::AccountState account = Account(c);
    EXPECT_EQ(account.status(), v1::ACCOUNT_STATUS_DESIGNATED) << c;
    EXPECT_EQ(account.customer_segment(), v1::CUSTOMER_SEGMENT_KEY) << c;
    EXPECT_EQ(account.manager_id(), absl::StrCat("kam", i));
    EXPECT_EQ(account.manager_mode(), v1::MANAGER_MODE_PART_TIME);
    EXPECT_EQ(account.sponsor_id(), absl::StrCat("sp", i % 4));
    EXPECT_EQ(account.team_size(), 2);
    EXPECT_EQ(account.plan().status(), v1::PLAN_STATUS_APPROVED) << c;
    EXPECT_EQ(account.plan().author_id(), absl::StrCat("kam", i));
    EXPECT_EQ(account.plan().next_review_due_day(), kDay0 + 25 + 90);
    EXPECT_THAT(account.open_escalation_ids(), IsEmpty());
    EXPECT_THAT(PersonState(absl::StrCat("kam", i)).managed_account_ids(),
                ElementsAre(c));
  }
  EXPECT_THAT(PersonState("sp0").sponsored_account_ids(),
              ElementsAre("c0", "c4", "c8"));
  EXPECT_THAT(PersonState("sp3").sponsored_account_ids(),
              ElementsAre("c3", "c7"));
  EXPECT_THAT(PersonState("tm13").team_account_ids(), ElementsAre("c3"));
  v1::EscalationState x1 = Escalation("x1");
  EXPECT_EQ(x1.status(), v1::ESCALATION_STATUS_RESOLVED);
  EXPECT_EQ(x1.resolved_by(), "uh1");
  EXPECT_EQ(x1.timeouts(), 1);
  v1::EscalationState x2 = Escalation("x2");
  EXPECT_EQ(x2.status(), v1::ESCALATION_STATUS_RESOLVED);
  EXPECT_EQ(x2.level(), v1::ESCALATION_LEVEL_PROGRAM_DIRECTOR);
  EXPECT_EQ(x2.resolved_by(), "champion");
  EXPECT_EQ(x2.timeouts(), 0);
}

// Global matrix [seed S3]: sponsors are capped across programs, and the
// limit of the assigned account's program applies.
TEST_F(GovernanceLifecycleTest, GlobalAccountWhoseSponsorIsAtCapacity) {
  Do("boss", Person("boss", "hq", "GOVERNANCE_ROLE_SENIOR_MANAGEMENT"));
  DoConcurrently({
      Step("boss", Person("gkd", "hq", "GOVERNANCE_ROLE_PROGRAM_DIRECTOR")),
      Step("boss", Person("ceo", "board", "GOVERNANCE_ROLE_EXECUTIVE_SPONSOR")),
      Step("boss", Person("cfo", "board", "GOVERNANCE_ROLE_EXECUTIVE_SPONSOR")),
      Step("boss",
           Person("gkam", "global-kam", "GOVERNANCE_ROLE_KEY_ACCOUNT_MANAGER")),
      Step("boss",
           Person("lkam", "local", "GOVERNANCE_ROLE_KEY_ACCOUNT_MANAGER")),
      Step("boss", Person("lead-br", "br", "GOVERNANCE_ROLE_TEAM_MEMBER")),
      Step("boss", Person("lead-cn", "cn", "GOVERNANCE_ROLE_TEAM_MEMBER")),
  });
  for (const char* p : {"global", "de", "fr", "cn"}) {
    const bool global = std::string(p) == "global";
    // China's program lets a sponsor carry five accounts.
    Do("boss",
       absl::StrCat(
           "establish_program { program_id: \"", p, "\" name: \"", p,
           "\" level: ",
           global ? "PROGRAM_LEVEL_GLOBAL" : "PROGRAM_LEVEL_NATIONAL",
           std::string(p) == "cn" ? " policy { sponsor_max_accounts: 5 }" : "",
           " }"));
    Do("boss", Criteria(p, 20));
  }
  auto key_account = [&](const std::string& account, const std::string& program,
                         const std::string& kam, bool global) {
    Do(kam, Nominate(account, program));
    Do("boss", Designate(account, "PORTFOLIO_CLASS_STRATEGIC"));
    Do("gkd", Manager(account, kam, "MANAGER_MODE_FULL_TIME",
                      global ? "MANAGER_SCOPE_GLOBAL" : "MANAGER_SCOPE_LOCAL"));
  };
  key_account("g1", "global", "gkam", true);
  key_account("g2", "global", "gkam", true);
  key_account("g3", "global", "gkam", true);
  key_account("d1", "de", "lkam", false);
  key_account("f1", "fr", "lkam", false);
  key_account("z1", "cn", "lkam", false);
  for (const char* lead : {"lead-br", "lead-cn"}) {
    Do("gkam",
       absl::StrCat("add_team_member { account_id: \"g1\" member_id: \"", lead,
                    "\" permanent: false }"));
  }

  Do("gkd", Sponsor("g1", "ceo"));
  Do("gkd", Sponsor("g2", "ceo"));
  Do("gkd", Sponsor("d1", "ceo"));  // a national account counts too
  // At three, across two programs: a third program's account is refused...
  EXPECT_EQ(Broken("gkd", Sponsor("f1", "ceo")), "SPONSOR_CAPACITY_EXCEEDED");
  EXPECT_EQ(Broken("gkd", Sponsor("g3", "ceo")), "SPONSOR_CAPACITY_EXCEEDED");
  // ...unless that program's own limit is higher.
  Do("gkd", Sponsor("z1", "ceo"));
  Do("gkd", Sponsor("g3", "cfo"));
  Do("gkd", Sponsor("f1", "cfo"));

  // Uniform global prices against local freedom, taken to the sponsor, the
  // "point of final escalation".
  Do("lead-br", R"pb(raise_escalation {
                       escalation_id: "price-br"
                       account_id: "g1"
                       category: ESCALATION_CATEGORY_GLOBAL_VS_LOCAL
                       units_involved: "br"
                       units_involved: "global-kam"
                       description: "uniform global prices"
                     })pb");
  Do("gkam", R"pb(raise_escalation_level {
                    escalation_id: "price-br"
                    to_level: ESCALATION_LEVEL_EXECUTIVE_SPONSOR
                  })pb");
  const std::string resolve = R"pb(resolve_escalation {
                                     escalation_id: "price-br"
                                     decision: "regional price band"
                                   })pb";
  EXPECT_EQ(Broken("gkd", resolve), "ESCALATION_AUTHORITY_TOO_LOW");
  EXPECT_EQ(Broken("cfo", resolve), "ESCALATION_AUTHORITY_TOO_LOW");
  Do("ceo", resolve);

  // Losing the national account releases its manager and sponsor in the
  // same append.
  Do("boss", R"pb(de_designate_account {
                    account_id: "d1"
                    reason: DE_DESIGNATION_REASON_LOST
                  })pb",
     30);

  EXPECT_THAT(PersonState("ceo").sponsored_account_ids(),
              ElementsAre("g1", "g2", "z1"));
  EXPECT_THAT(PersonState("cfo").sponsored_account_ids(),
              ElementsAre("f1", "g3"));
  EXPECT_THAT(PersonState("gkam").managed_account_ids(),
              ElementsAre("g1", "g2", "g3"));
  EXPECT_THAT(PersonState("lkam").managed_account_ids(),
              ElementsAre("f1", "z1"));
  v1::AccountState g1 = Account("g1");
  EXPECT_EQ(g1.manager_scope(), v1::MANAGER_SCOPE_GLOBAL);
  EXPECT_EQ(g1.sponsor_id(), "ceo");
  EXPECT_EQ(g1.team_size(), 2);
  EXPECT_THAT(g1.open_escalation_ids(), IsEmpty());
  v1::AccountState d1 = Account("d1");
  EXPECT_EQ(d1.status(), v1::ACCOUNT_STATUS_DE_DESIGNATED);
  EXPECT_EQ(d1.dedesignation_reason(), v1::DE_DESIGNATION_REASON_LOST);
  EXPECT_EQ(d1.sponsor_id(), "");
  EXPECT_EQ(d1.manager_id(), "");
  EXPECT_EQ(d1.customer_segment(), v1::CUSTOMER_SEGMENT_MAJOR);
  EXPECT_THAT(Program("de").active_key_account_ids(), IsEmpty());
  EXPECT_THAT(Program("global").active_key_account_ids(),
              ElementsAre("g1", "g2", "g3"));
  v1::EscalationState price = Escalation("price-br");
  EXPECT_EQ(price.status(), v1::ESCALATION_STATUS_RESOLVED);
  EXPECT_EQ(price.level(), v1::ESCALATION_LEVEL_EXECUTIVE_SPONSOR);
  EXPECT_EQ(price.resolved_by(), "ceo");
  EXPECT_THAT(price.units_involved(), UnorderedElementsAre("br", "global-kam"));
}

}  // namespace
}  // namespace kamgov::services::testing
