// Decisions beyond the rule table: the events they emit, error details,
// the bootstrap, multi-stream de-designation, departures, the escalation
// ladder.

#include "domain/decide.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "domain/rules.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/domain/domain_fixture.h"

namespace kamgov::domain::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

std::vector<std::string> Fields(const absl::Status& status) {
  std::vector<std::string> fields;
  auto bad = GetBadRequest(status);
  if (bad.has_value()) {
    for (const auto& v : bad->field_violations()) fields.push_back(v.field());
  }
  return fields;
}

TEST(Bootstrap, FirstRegistrationIsRecordedAsTheBootstrap) {
  Governance g;
  Decision first = g.Do("boss",
                        R"pb(register_person {
                               person_id: "boss"
                               name: "B"
                               unit_id: "mgmt"
                               roles { role: GOVERNANCE_ROLE_SENIOR_MANAGEMENT }
                               roles { role: GOVERNANCE_ROLE_EXECUTIVE_SPONSOR }
                             })pb");
  auto registered = ParsePayload<v1::PersonRegistered>(first.events[0]);
  ASSERT_TRUE(registered.ok());
  EXPECT_TRUE(registered->bootstrap());
  EXPECT_TRUE(g.person("boss").bootstrap());
  Decision second =
      g.Do("boss",
           R"pb(register_person {
                  person_id: "kam1"
                  name: "K"
                  unit_id: "tax"
                  roles { role: GOVERNANCE_ROLE_KEY_ACCOUNT_MANAGER }
                })pb");
  EXPECT_FALSE(
      ParsePayload<v1::PersonRegistered>(second.events[0])->bootstrap());
}

TEST(Bootstrap, OnlyThePersonThemselfAndOnlyOnAnEmptyStore) {
  Governance g;
  const std::string register_boss =
      R"pb(register_person {
             person_id: "boss"
             name: "B"
             unit_id: "mgmt"
             roles { role: GOVERNANCE_ROLE_SENIOR_MANAGEMENT }
           })pb";
  absl::Status other = g.Try("someone", register_boss).status();
  EXPECT_EQ(other.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReasonOf(other), "PERSON_NOT_FOUND");
  g.Do("boss", register_boss);
  // Afterwards a newcomer cannot register themself.
  absl::Status late =
      g.Try("eve",
            R"pb(register_person {
                   person_id: "eve"
                   name: "E"
                   unit_id: "x"
                   roles { role: GOVERNANCE_ROLE_SENIOR_MANAGEMENT }
                 })pb")
          .status();
  EXPECT_EQ(late.code(), absl::StatusCode::kNotFound);
}

TEST(Errors, NotFoundNamesTheFieldAndId) {
  Governance g;
  g.Setup(World());
  absl::Status account =
      g.Try("boss", absl::StrCat("designate_account { account_id: \"ghost\" "
                                 "criteria_version: 1 portfolio_class: "
                                 "PORTFOLIO_CLASS_STAR ",
                                 ScoresText(8, 8, 8), " }"))
          .status();
  EXPECT_EQ(account.code(), absl::StatusCode::kNotFound);
  auto info = GetErrorInfo(account);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "ACCOUNT_NOT_FOUND");
  EXPECT_EQ(info->metadata().at("field"), "command.account_id");
  EXPECT_EQ(info->metadata().at("id"), "ghost");

  g.Setup(Nominated("acme"));
  absl::Status version =
      g.Try("boss", absl::StrCat("designate_account { account_id: \"acme\" "
                                 "criteria_version: 7 portfolio_class: "
                                 "PORTFOLIO_CLASS_STAR ",
                                 ScoresText(8, 8, 8), " }"))
          .status();
  EXPECT_EQ(version.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReasonOf(version), "CRITERIA_VERSION_NOT_FOUND");

  EXPECT_EQ(ReasonOf(g.Try("boss", R"pb(withdraw_escalation {
                                          escalation_id: "nope"
                                        })pb")
                         .status()),
            "ESCALATION_NOT_FOUND");
  EXPECT_EQ(ReasonOf(g.Try("boss",
                           R"pb(set_program_policy {
                                  program_id: "nope"
                                  policy { coverage_grace_days: 1 }
                                })pb")
                         .status()),
            "PROGRAM_NOT_FOUND");
}

TEST(Errors, InvalidInputListsEveryViolation) {
  Governance g;
  g.Setup(World());
  CommandStep step =
      Step("bad id", R"pb(designate_account {
                            account_id: "acme!"
                            portfolio_class: 99
                            cycle_id: "a b"
                            scores { criterion_id: "fit" score: 1 }
                            scores { criterion_id: "fit" score: 2 }
                          })pb",
           "");
  step.meta.set_effective_at_us(-5);
  absl::Status status = g.Try(step).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Fields(status),
              UnorderedElementsAre(
                  "meta.acting_person", "meta.rationale",
                  "meta.effective_at_us", "command.account_id",
                  "command.criteria_version", "command.scores[1].criterion_id",
                  "command.portfolio_class", "command.cycle_id"));
  EXPECT_EQ(g.state().events_applied(), g.log().size());
  EXPECT_EQ(Decide(v1::CommandMeta(), v1::Command(),
                   DecisionContext{&g.state(), kT0, "t", false})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  v1::Command command;
  command.mutable_depart_person()->set_person_id("kam1");
  EXPECT_EQ(
      Decide(v1::CommandMeta(), command, DecisionContext{}).status().code(),
      absl::StatusCode::kInternal);
}

TEST(Designation, RecordsTheWeightedScoreAndMakesTheSegmentKey) {
  Governance g;
  g.Setup(World() + Nominated("acme"));
  Decision d =
      g.Do("boss", absl::StrCat("designate_account { account_id: \"acme\" "
                                "criteria_version: 1 portfolio_class: "
                                "PORTFOLIO_CLASS_STAR ",
                                ScoresText(9, 7, 5), " }"));
  ASSERT_EQ(d.events.size(), 1u);
  EXPECT_EQ(d.events[0].type, "AccountDesignated");
  EXPECT_THAT(d.events[0].tags, ElementsAre("account:acme", "program:emea"));
  EXPECT_EQ(d.events[0].personal.rationale(), "because");
  auto e = ParsePayload<v1::AccountDesignated>(d.events[0]);
  ASSERT_TRUE(e.ok());
  EXPECT_DOUBLE_EQ(e->weighted_score(), 0.5 * 9 + 0.3 * 7 + 0.2 * 5);
  EXPECT_EQ(e->designated_day(), kDay0);
  const v1::AccountState& acme = g.account("acme");
  EXPECT_EQ(acme.status(), v1::ACCOUNT_STATUS_DESIGNATED);
  EXPECT_EQ(acme.customer_segment(), v1::CUSTOMER_SEGMENT_KEY);
  EXPECT_EQ(acme.segment_before_designation(), v1::CUSTOMER_SEGMENT_MAJOR);
  EXPECT_THAT(g.program("emea").active_key_account_ids(), ElementsAre("acme"));
}

TEST(Nomination, CustomerNameAndEvidenceArePersonal) {
  Governance g;
  g.Setup(World());
  Decision d =
      g.Do("kam1", R"pb(nominate_account {
                          account_id: "acme"
                          program_id: "emea"
                          customer_name: "Acme GmbH"
                          customer_segment: CUSTOMER_SEGMENT_MIDDLE_MARKET
                          evidence: "won three tenders"
                        })pb");
  EXPECT_EQ(d.events[0].personal.text().at("customer_name"), "Acme GmbH");
  EXPECT_EQ(d.events[0].personal.text().at("evidence"), "won three tenders");
  EXPECT_EQ(g.account("acme").nominator_id(), "kam1");
}

// A de-designation with open escalations and close_open_escalations is one
// multi-stream decision: the account's events first, then one withdrawal
// per escalation on its own stream.
TEST(DeDesignation, ClosesEscalationsAndReleasesEverythingAtomically) {
  Governance g;
  g.Setup(World() + Staffed("acme"));
  g.Do("kam1", PlanText("acme", 1));
  g.Do("tm", EscalationText("e1", "acme"));
  g.Do("tm", EscalationText("e2", "acme"));
  EXPECT_THAT(g.account("acme").open_escalation_ids(), ElementsAre("e1", "e2"));
  EXPECT_THAT(g.person("spons").sponsored_account_ids(), ElementsAre("acme"));
  Decision d = g.Do("boss", R"pb(de_designate_account {
                                   account_id: "acme"
                                   reason: DE_DESIGNATION_REASON_LOST
                                   close_open_escalations: true
                                 })pb");
  EXPECT_THAT(TypesOf(d.events),
              ElementsAre("AccountDeDesignated", "KeyAccountManagerReleased",
                          "ExecutiveSponsorReleased", "EscalationWithdrawn",
                          "EscalationWithdrawn"));
  EXPECT_THAT(d.Streams(),
              ElementsAre("account-acme", "escalation-e1", "escalation-e2"));
  auto withdrawn = ParsePayload<v1::EscalationWithdrawn>(d.events[3]);
  EXPECT_EQ(withdrawn->reason(),
            v1::ESCALATION_WITHDRAWAL_REASON_ACCOUNT_DEDESIGNATED);
  auto dedesignated = ParsePayload<v1::AccountDeDesignated>(d.events[0]);
  EXPECT_EQ(dedesignated->reason(), v1::DE_DESIGNATION_REASON_LOST);
  EXPECT_EQ(dedesignated->customer_segment(), v1::CUSTOMER_SEGMENT_MAJOR);

  const v1::AccountState& acme = g.account("acme");
  EXPECT_EQ(acme.status(), v1::ACCOUNT_STATUS_DE_DESIGNATED);
  EXPECT_EQ(acme.dedesignation_reason(), v1::DE_DESIGNATION_REASON_LOST);
  EXPECT_THAT(acme.open_escalation_ids(), IsEmpty());
  EXPECT_TRUE(acme.manager_id().empty());
  EXPECT_TRUE(acme.sponsor_id().empty());
  EXPECT_EQ(acme.plan().status(), v1::PLAN_STATUS_CLOSED);
  EXPECT_THAT(acme.coverage_gaps(), IsEmpty());
  EXPECT_EQ(g.escalation("e2").status(), v1::ESCALATION_STATUS_WITHDRAWN);
  EXPECT_THAT(g.person("spons").sponsored_account_ids(), IsEmpty());
  EXPECT_THAT(g.person("kam1").managed_account_ids(), IsEmpty());
  EXPECT_THAT(g.program("emea").active_key_account_ids(), IsEmpty());
  // The released sponsor capacity is usable again, and the account can be
  // nominated anew (and must then cite the next plan version).
  g.Do("kam1", R"pb(nominate_account {
                      account_id: "acme"
                      program_id: "emea"
                      customer_name: "A"
                      customer_segment: CUSTOMER_SEGMENT_MAJOR
                    })pb");
  EXPECT_EQ(g.account("acme").status(), v1::ACCOUNT_STATUS_NOMINATED);
}

TEST(Reevaluation, ReclassifiesAndDeselectsInOneDecision) {
  Governance g;
  g.Setup(World() + Staffed("acme") + Staffed("beta"));
  g.Do("dir", absl::StrCat("open_selection_cycle { program_id: \"emea\" "
                           "cycle_id: \"fy25\" due_day: ",
                           kDay0 + 90, " }"));
  Decision r =
      g.Do("boss", absl::StrCat("reevaluate_account { account_id: \"acme\" "
                                "cycle_id: \"fy25\" criteria_version: 1 ",
                                ScoresText(9, 9, 9),
                                " outcome: REEVALUATION_OUTCOME_RECLASSIFIED "
                                "new_class: PORTFOLIO_CLASS_STAR }"));
  EXPECT_THAT(TypesOf(r.events),
              ElementsAre("AccountReevaluated", "AccountReclassified"));
  EXPECT_EQ(g.account("acme").portfolio_class(), v1::PORTFOLIO_CLASS_STAR);
  // Deselection is allowed below the threshold and de-designates.
  Decision d =
      g.Do("boss", absl::StrCat("reevaluate_account { account_id: \"beta\" "
                                "cycle_id: \"fy25\" criteria_version: 1 ",
                                ScoresText(1, 1, 1),
                                " outcome: REEVALUATION_OUTCOME_DESELECTED }"));
  EXPECT_THAT(
      TypesOf(d.events),
      ElementsAre("AccountReevaluated", "AccountDeDesignated",
                  "KeyAccountManagerReleased", "ExecutiveSponsorReleased"));
  EXPECT_EQ(g.account("beta").dedesignation_reason(),
            v1::DE_DESIGNATION_REASON_DESELECTED);
  EXPECT_THAT(g.program("emea").open_cycle().reevaluated_account_ids(),
              ElementsAre("acme", "beta"));
  // Every key account was re-evaluated: the cycle closes.
  g.Do("dir",
       R"pb(close_selection_cycle { program_id: "emea" cycle_id: "fy25" })pb");
  EXPECT_THAT(g.program("emea").closed_cycle_ids(), ElementsAre("fy25"));
  EXPECT_FALSE(g.program("emea").has_open_cycle());
}

// A departure leaves the person's accounts uncovered, as explicit events on
// each account's stream.
TEST(Departure, ReleasesTheAccountsThePersonCovered) {
  Governance g;
  g.Setup(World() + Staffed("acme") + Staffed("beta"));
  g.Do("kam1",
       R"pb(add_team_member { account_id: "acme" member_id: "spons" })pb");
  Decision d =
      g.Do("boss", R"pb(depart_person { person_id: "spons" })pb", AtDay(10));
  EXPECT_THAT(TypesOf(d.events),
              ElementsAre("PersonDeparted", "ExecutiveSponsorReleased",
                          "ExecutiveSponsorReleased", "TeamMemberLeft"));
  EXPECT_THAT(d.Streams(),
              ElementsAre("person-spons", "account-acme", "account-beta"));
  EXPECT_TRUE(g.person("spons").departed());
  EXPECT_THAT(g.person("spons").sponsored_account_ids(), IsEmpty());
  EXPECT_THAT(g.person("spons").team_account_ids(), IsEmpty());
  ASSERT_EQ(g.account("acme").coverage_gaps_size(), 2);  // plan, sponsor
  EXPECT_TRUE(g.account("acme").sponsor_id().empty());
  // A departed person can no longer act nor be assigned.
  EXPECT_EQ(ReasonOf(g.Try("spons",
                           R"pb(log_sponsor_engagement {
                                  account_id: "acme"
                                  kind: ENGAGEMENT_KIND_MEETING
                                })pb")
                         .status()),
            rules::kActorDeparted);
  EXPECT_EQ(ReasonOf(g.Try("dir",
                           R"pb(assign_executive_sponsor {
                                  account_id: "acme"
                                  sponsor_id: "spons"
                                })pb")
                         .status()),
            rules::kPersonDeparted);
}

TEST(Manager, AReassignmentRecordsThePreviousManager) {
  Governance g;
  g.Setup(World() + Staffed("acme"));
  Decision d = g.Do("dir", R"pb(assign_key_account_manager {
                                  account_id: "acme"
                                  manager_id: "kam2"
                                  mode: MANAGER_MODE_FULL_TIME
                                  scope: MANAGER_SCOPE_GLOBAL
                                  bonds_considered: true
                                  handover_note: "introduce kam2 to the CFO"
                                })pb");
  auto assigned = ParsePayload<v1::KeyAccountManagerAssigned>(d.events[0]);
  EXPECT_EQ(assigned->previous_manager_id(), "kam1");
  EXPECT_THAT(d.events[0].tags, ElementsAre("account:acme", "person:kam1",
                                            "person:kam2", "program:emea"));
  EXPECT_EQ(d.events[0].personal.text().at("handover_note"),
            "introduce kam2 to the CFO");
  EXPECT_THAT(g.person("kam1").managed_account_ids(), IsEmpty());
  EXPECT_THAT(g.person("kam2").managed_account_ids(), ElementsAre("acme"));
  EXPECT_EQ(g.account("acme").manager_scope(), v1::MANAGER_SCOPE_GLOBAL);
}

TEST(Roles, ProgramScopedRolesOnlyCountInTheirProgram) {
  Governance g;
  g.Setup(World() + Designated("acme") + Designated("b1", "apac"));
  g.Do("boss", R"pb(register_person {
                      person_id: "kamx"
                      name: "X"
                      unit_id: "tax"
                      roles {
                        role: GOVERNANCE_ROLE_KEY_ACCOUNT_MANAGER
                        program_id: "apac"
                      }
                    })pb");
  const std::string to_acme =
      R"pb(assign_key_account_manager {
             account_id: "acme"
             manager_id: "kamx"
             mode: MANAGER_MODE_PART_TIME
             scope: MANAGER_SCOPE_LOCAL
           })pb";
  EXPECT_EQ(ReasonOf(g.Try("dir", to_acme).status()),
            rules::kManagerLacksKamRole);
  g.Do("dir", R"pb(assign_key_account_manager {
                     account_id: "b1"
                     manager_id: "kamx"
                     mode: MANAGER_MODE_PART_TIME
                     scope: MANAGER_SCOPE_LOCAL
                   })pb");
  // A role scoped to an unknown program is NOT_FOUND.
  EXPECT_EQ(ReasonOf(g.Try("boss",
                           R"pb(grant_governance_role {
                                  person_id: "kamx"
                                  role {
                                    role: GOVERNANCE_ROLE_UNIT_HEAD
                                    program_id: "mars"
                                  }
                                })pb")
                         .status()),
            "PROGRAM_NOT_FOUND");
}

// "Anyone higher on the ladder may also resolve"; a unit head only for the
// units involved.
TEST(Escalation, TheLadderDecidesWhoMayResolve) {
  Governance g;
  g.Setup(World() + Staffed("acme"));
  g.Do("boss", R"pb(register_person {
                      person_id: "uh2"
                      name: "U"
                      unit_id: "legal"
                      roles { role: GOVERNANCE_ROLE_UNIT_HEAD }
                    })pb");
  g.Do("tm", EscalationText("e1", "acme"));
  const std::string resolve = R"pb(resolve_escalation {
                                     escalation_id: "e1"
                                     decision: "joint offer"
                                     actions: "call"
                                   })pb";
  EXPECT_EQ(ReasonOf(g.Try("uh2", resolve).status()),
            rules::kEscalationAuthorityTooLow);
  g.Do("kam1", R"pb(raise_escalation_level { escalation_id: "e1" })pb");
  EXPECT_EQ(g.escalation("e1").level(), v1::ESCALATION_LEVEL_UNIT_HEAD);
  EXPECT_EQ(ReasonOf(g.Try("kam1", resolve).status()),
            rules::kEscalationAuthorityTooLow);
  Decision d = g.Do("spons", resolve);  // the sponsor is above every level
  auto resolved = ParsePayload<v1::EscalationResolved>(d.events[0]);
  EXPECT_EQ(resolved->level(), v1::ESCALATION_LEVEL_UNIT_HEAD);
  EXPECT_EQ(resolved->action_count(), 1);
  EXPECT_EQ(d.events[0].personal.text().at("decision"), "joint offer");
  EXPECT_EQ(d.events[0].personal.text().at("action.0"), "call");
  EXPECT_EQ(g.escalation("e1").status(), v1::ESCALATION_STATUS_RESOLVED);
  EXPECT_THAT(g.account("acme").open_escalation_ids(), IsEmpty());
}

TEST(Plan, ReviewSetsTheNextDueDayAndTextIsPersonal) {
  Governance g;
  g.Setup(World() + Staffed("acme"));
  Decision s = g.Do("kam1", PlanText("acme", 1, 3));
  auto submitted = ParsePayload<v1::AccountPlanSubmitted>(s.events[0]);
  EXPECT_EQ(submitted->sections_size(), 6);
  EXPECT_THAT(submitted->initiative_ids(), ElementsAre("i1", "i2", "i3"));
  EXPECT_EQ(submitted->author_id(), "kam1");
  EXPECT_EQ(submitted->review_due_day(), kDay0 + 90);
  EXPECT_EQ(s.events[0].personal.text().at("initiative.i2"), "initiative 2");
  EXPECT_EQ(
      s.events[0].personal.text().at("section.PLAN_SECTION_CUSTOMER_ALIGNMENT"),
      "section 4");
  Decision r = g.Do("boss",
                    R"pb(review_account_plan {
                           account_id: "acme"
                           plan_version: 1
                           outcome: PLAN_REVIEW_OUTCOME_REJECTED
                         })pb",
                    AtDay(5));
  EXPECT_EQ(
      ParsePayload<v1::AccountPlanReviewed>(r.events[0])->next_review_due_day(),
      kDay0 + 5 + 90);
  // A rejected plan is no plan: the coverage gap reopens.
  ASSERT_EQ(g.account("acme").coverage_gaps_size(), 1);
  EXPECT_EQ(g.account("acme").coverage_gaps(0).missing(),
            v1::COVERAGE_MISSING_PLAN);
  EXPECT_EQ(g.account("acme").coverage_gaps(0).since_day(), kDay0 + 5);
}

TEST(Commands, TargetStreamAndName) {
  v1::Command c;
  EXPECT_EQ(TargetStreamId(c), "");
  EXPECT_EQ(CommandName(c), "");
  c.mutable_resolve_escalation()->set_escalation_id("e7");
  EXPECT_EQ(TargetStreamId(c), "escalation-e7");
  EXPECT_EQ(CommandName(c), "ResolveEscalation");
  c.mutable_register_person()->set_person_id("p");
  EXPECT_EQ(TargetStreamId(c), "person-p");
  EXPECT_FALSE(RationaleRequired(c));
  c.mutable_register_person()->add_roles()->set_role(
      v1::GOVERNANCE_ROLE_TEAM_MEMBER);
  EXPECT_TRUE(RationaleRequired(c));
}

}  // namespace
}  // namespace kamgov::domain::testing
