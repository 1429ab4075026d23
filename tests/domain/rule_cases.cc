#include "tests/domain/rule_cases.h"

#include <cstdio>
#include <cstdlib>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "domain/rules.h"
#include "google/protobuf/text_format.h"

namespace kamgov::domain::testing {
namespace {

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

std::string Criteria(absl::string_view program, int version,
                     absl::string_view extra = "") {
  return absl::StrFormat(
      R"pb(publish_selection_criteria {
             program_id: "%s"
             version: %d
             criteria {
               criterion_id: "revenue"
               name: "Revenue"
               tangible: true
               weight: 0.5
             }
             criteria { criterion_id: "fit" name: "Strategic fit" weight: 0.3 }
             criteria {
               criterion_id: "partner"
               name: "Wish to partner"
               weight: 0.2
             }
             designation_threshold: 6
             max_key_accounts: 3 %s
           })pb",
      program, version, extra);
}

std::string Register(absl::string_view id, absl::string_view unit,
                     absl::string_view role) {
  return absl::StrFormat(
      R"pb(register_person {
             person_id: "%s"
             name: "Name of %s"
             unit_id: "%s"
             country: "DE" %s
           })pb",
      id, id, unit,
      role.empty() ? "" : absl::StrCat("roles { role: ", role, " }"));
}

std::string Designate(
    absl::string_view account, absl::string_view scores, int version = 1,
    absl::string_view portfolio_class = "PORTFOLIO_CLASS_STRATEGIC",
    absl::string_view extra = "") {
  return absl::StrFormat(
      R"pb(designate_account {
             account_id: "%s"
             criteria_version: %d %s
             portfolio_class: %s %s
           })pb",
      account, version, scores, portfolio_class, extra);
}

std::string Nominate(absl::string_view account, absl::string_view program) {
  return absl::StrFormat(
      R"pb(nominate_account {
             account_id: "%s"
             program_id: "%s"
             customer_name: "Customer %s"
             customer_segment: CUSTOMER_SEGMENT_MAJOR
             evidence: "big and growing"
           })pb",
      account, program, account);
}

std::string Reevaluate(absl::string_view account, absl::string_view cycle,
                       absl::string_view outcome,
                       absl::string_view extra = "") {
  return absl::StrFormat(
      R"pb(reevaluate_account {
             account_id: "%s"
             cycle_id: "%s"
             criteria_version: 1 %s
             outcome: %s %s
           })pb",
      account, cycle, ScoresText(8, 8, 8), outcome, extra);
}

std::string OpenCycle(absl::string_view program, absl::string_view cycle,
                      int64_t due_day = kDay0 + 180) {
  return absl::StrFormat(R"pb(open_selection_cycle {
                                program_id: "%s"
                                cycle_id: "%s"
                                due_day: %d
                              })pb",
                         program, cycle, due_day);
}

std::string CloseCycle(absl::string_view program, absl::string_view cycle) {
  return absl::StrFormat(
      R"pb(close_selection_cycle { program_id: "%s" cycle_id: "%s" })pb",
      program, cycle);
}

std::string AssignManager(absl::string_view account, absl::string_view manager,
                          absl::string_view extra = "") {
  return absl::StrFormat(
      R"pb(assign_key_account_manager {
             account_id: "%s"
             manager_id: "%s"
             mode: MANAGER_MODE_PART_TIME
             scope: MANAGER_SCOPE_LOCAL %s
           })pb",
      account, manager, extra);
}

std::string AssignSponsor(absl::string_view account,
                          absl::string_view sponsor) {
  return absl::StrFormat(
      R"pb(assign_executive_sponsor { account_id: "%s" sponsor_id: "%s" })pb",
      account, sponsor);
}

std::string Review(absl::string_view account, int version,
                   absl::string_view outcome = "PLAN_REVIEW_OUTCOME_APPROVED") {
  return absl::StrFormat(
      R"pb(review_account_plan {
             account_id: "%s"
             plan_version: %d
             outcome: %s
             comments: "fine"
           })pb",
      account, version, outcome);
}

std::string AddMember(absl::string_view account, absl::string_view member) {
  return absl::StrFormat(
      R"pb(add_team_member {
             account_id: "%s"
             member_id: "%s"
             expertise: "tax-law"
             permanent: true
           })pb",
      account, member);
}

std::string Depart(absl::string_view person) {
  return absl::StrFormat(R"pb(depart_person { person_id: "%s" })pb", person);
}

std::string Grant(absl::string_view person, absl::string_view role,
                  absl::string_view verb = "grant") {
  return absl::StrCat(verb, "_governance_role { person_id: \"", person,
                      "\" role { role: ", role, " } }");
}

std::string Establish(absl::string_view program) {
  return absl::StrFormat(
      R"pb(establish_program {
             program_id: "%s"
             name: "Program %s"
             level: PROGRAM_LEVEL_NATIONAL
             scope: "DE"
           })pb",
      program, program);
}

std::string Good() { return ScoresText(8, 8, 8); }

// Every case of the table, without names and command ids.
std::vector<RuleCase> Cases() {
  const Steps world = World();
  std::vector<RuleCase> c;
  auto add = [&c](absl::string_view rule, Steps setup, CommandStep passing,
                  CommandStep breaking) {
    RuleCase rc;
    rc.rule_id = std::string(rule);
    rc.setup = std::move(setup);
    rc.passing = std::move(passing);
    rc.breaking = std::move(breaking);
    c.push_back(std::move(rc));
  };
  auto add_input = [&c](absl::string_view rule, absl::string_view field,
                        Steps setup, CommandStep passing,
                        CommandStep breaking) {
    RuleCase rc;
    rc.rule_id = std::string(rule);
    rc.code = kInvalid;
    rc.field = std::string(field);
    rc.setup = std::move(setup);
    rc.passing = std::move(passing);
    rc.breaking = std::move(breaking);
    c.push_back(std::move(rc));
  };

  // ---- Actors.
  add(rules::kActorDeparted, world + Steps{Step("boss", Depart("sm2"))},
      Step("kam1", Nominate("acme", "emea")),
      Step("sm2", Nominate("acme", "emea")));
  add(rules::kActorReadOnly, world, Step("kam1", Nominate("acme", "emea")),
      Step("aud", Nominate("acme", "emea")));
  add(rules::kActorReadOnly, world, Step("kam1", Nominate("acme", "emea")),
      Step("nobody", Nominate("acme", "emea")));

  // ---- Persons and roles.
  add(rules::kBootstrapWithoutAdminRole, {},
      Step("boss",
           Register("boss", "mgmt", "GOVERNANCE_ROLE_SENIOR_MANAGEMENT")),
      Step("boss",
           Register("boss", "mgmt", "GOVERNANCE_ROLE_KEY_ACCOUNT_MANAGER")));
  add(rules::kRoleGrantNotAuthorized, world,
      Step("dir", Register("newbie", "tax", "GOVERNANCE_ROLE_TEAM_MEMBER")),
      Step("kam1", Register("newbie", "tax", "GOVERNANCE_ROLE_TEAM_MEMBER")));
  add(rules::kRoleGrantNotAuthorized, world,
      Step("boss", Grant("kam1", "GOVERNANCE_ROLE_SENIOR_MANAGEMENT")),
      Step("dir", Grant("kam1", "GOVERNANCE_ROLE_SENIOR_MANAGEMENT")));
  add(rules::kPersonAlreadyRegistered, world,
      Step("boss",
           Register("kam3", "tax", "GOVERNANCE_ROLE_KEY_ACCOUNT_MANAGER")),
      Step("boss",
           Register("kam1", "tax", "GOVERNANCE_ROLE_KEY_ACCOUNT_MANAGER")));
  add(rules::kPersonDeparted, world + Steps{Step("boss", Depart("kam2"))},
      Step("boss", Grant("kam1", "GOVERNANCE_ROLE_UNIT_HEAD")),
      Step("boss", Grant("kam2", "GOVERNANCE_ROLE_UNIT_HEAD")));
  add(rules::kPersonDeparted, world + Steps{Step("boss", Depart("kam2"))},
      Step("boss", Depart("kam1")), Step("boss", Depart("kam2")));
  add(rules::kPersonDeparted,
      world + Designated("acme") + Steps{Step("boss", Depart("kam2"))},
      Step("dir", AssignManager("acme", "kam1")),
      Step("dir", AssignManager("acme", "kam2")));
  add(rules::kRoleAlreadyHeld, world,
      Step("boss", Grant("kam1", "GOVERNANCE_ROLE_UNIT_HEAD")),
      Step("boss", Grant("kam1", "GOVERNANCE_ROLE_KEY_ACCOUNT_MANAGER")));
  add(rules::kRoleNotHeld, world,
      Step("boss",
           Grant("kam1", "GOVERNANCE_ROLE_KEY_ACCOUNT_MANAGER", "revoke")),
      Step("boss", Grant("kam1", "GOVERNANCE_ROLE_UNIT_HEAD", "revoke")));
  add(rules::kRoleInUse, world + Staffed("acme"),
      Step("boss",
           Grant("kam2", "GOVERNANCE_ROLE_KEY_ACCOUNT_MANAGER", "revoke")),
      Step("boss",
           Grant("kam1", "GOVERNANCE_ROLE_KEY_ACCOUNT_MANAGER", "revoke")));
  add(rules::kRoleInUse, world + Staffed("acme"),
      Step("boss",
           Grant("spons2", "GOVERNANCE_ROLE_EXECUTIVE_SPONSOR", "revoke")),
      Step("boss",
           Grant("spons", "GOVERNANCE_ROLE_EXECUTIVE_SPONSOR", "revoke")));

  // ---- Programs, criteria, cycles.
  add(rules::kProgramEstablisherNotSeniorManagement, world,
      Step("boss", Establish("latam")), Step("dir", Establish("latam")));
  add(rules::kProgramAlreadyExists, world, Step("boss", Establish("latam")),
      Step("boss", Establish("emea")));
  const std::string policy =
      R"pb(set_program_policy {
             program_id: "emea"
             policy { sponsor_max_accounts: 4 }
           })pb";
  add(rules::kProgramAdminNotAuthorized, world, Step("dir", policy),
      Step("kam1", policy));
  add(rules::kProgramAdminNotAuthorized, world,
      Step("dir", OpenCycle("emea", "fy25")),
      Step("spons", OpenCycle("emea", "fy25")));
  add(rules::kCriteriaPublisherNotSeniorManagement, world,
      Step("boss", Criteria("emea", 2)), Step("dir", Criteria("emea", 2)));
  add(rules::kCriteriaNotMixed, world, Step("boss", Criteria("emea", 2)),
      Step(
          "boss",
          R"pb(publish_selection_criteria {
                 program_id: "emea"
                 version: 2
                 criteria { criterion_id: "revenue" tangible: true weight: 0.5 }
                 criteria { criterion_id: "size" tangible: true weight: 0.5 }
                 designation_threshold: 6
                 max_key_accounts: 3
               })pb"));
  add(rules::kCriteriaVersionNotNext, world, Step("boss", Criteria("emea", 2)),
      Step("boss", Criteria("emea", 3)));
  add(rules::kScoreOutOfRange, world,
      Step(
          "boss",
          R"pb(publish_selection_criteria {
                 program_id: "emea"
                 version: 2
                 criteria { criterion_id: "revenue" tangible: true weight: 0.5 }
                 criteria { criterion_id: "fit" weight: 0.5 }
                 designation_threshold: 10
                 max_key_accounts: 3
               })pb"),
      Step(
          "boss",
          R"pb(publish_selection_criteria {
                 program_id: "emea"
                 version: 2
                 criteria { criterion_id: "revenue" tangible: true weight: 0.5 }
                 criteria { criterion_id: "fit" weight: 0.5 }
                 designation_threshold: 10.5
                 max_key_accounts: 3
               })pb"));
  add(rules::kScoreOutOfRange, world + Nominated("acme"),
      Step("boss", Designate("acme", ScoresText(10, 8, 8))),
      Step("boss", Designate("acme", ScoresText(10.5, 8, 8))));
  add(rules::kCycleAlreadyOpen,
      world + Steps{Step("dir", OpenCycle("emea", "fy25"))},
      Step("dir", OpenCycle("apac", "fy26")),
      Step("dir", OpenCycle("emea", "fy26")));
  add(rules::kCycleIdReused,
      world + Steps{Step("dir", OpenCycle("emea", "fy25")),
                    Step("dir", CloseCycle("emea", "fy25"))},
      Step("dir", OpenCycle("emea", "fy26")),
      Step("dir", OpenCycle("emea", "fy25")));
  add(rules::kCycleDueOutOfRange, world,
      Step("dir", OpenCycle("emea", "fy25", kDay0 + 365)),
      Step("dir", OpenCycle("emea", "fy25", kDay0 + 366)));
  add(rules::kCycleDueOutOfRange, world,
      Step("dir", OpenCycle("emea", "fy25", kDay0 + 1)),
      Step("dir", OpenCycle("emea", "fy25", kDay0)));
  add(rules::kCycleNotOpen,
      world + Steps{Step("dir", OpenCycle("emea", "fy25"))},
      Step("dir", CloseCycle("emea", "fy25")),
      Step("dir", CloseCycle("emea", "fy24")));
  add(rules::kCycleNotOpen, world + Nominated("acme"),
      Step("boss", Designate("acme", Good())),
      Step("boss", Designate("acme", Good(), 1, "PORTFOLIO_CLASS_STRATEGIC",
                             R"(cycle_id: "fy25")")));
  add(rules::kCycleNotOpen,
      world + Designated("acme") +
          Steps{Step("dir", OpenCycle("emea", "fy25"))},
      Step("boss", Reevaluate("acme", "fy25", "REEVALUATION_OUTCOME_RETAINED")),
      Step("boss",
           Reevaluate("acme", "fy24", "REEVALUATION_OUTCOME_RETAINED")));
  add(rules::kCycleReevaluationIncomplete,
      world + Designated("acme") +
          Steps{Step("dir", OpenCycle("emea", "fy25")),
                Step("dir", OpenCycle("apac", "fy25"))},
      Step("dir", CloseCycle("apac", "fy25")),
      Step("dir", CloseCycle("emea", "fy25")));

  // ---- Accounts: selection.
  add(rules::kCriteriaNotPublished,
      world + Steps{Step("boss", Establish("latam"))},
      Step("kam1", Nominate("acme", "emea")),
      Step("kam1", Nominate("acme", "latam")));
  add(rules::kAccountNotNominatable, world + Nominated("acme"),
      Step("kam1", Nominate("beta", "emea")),
      Step("kam1", Nominate("acme", "emea")));
  add(rules::kAccountNotNominatable, world + Designated("acme"),
      Step("kam1", Nominate("beta", "emea")),
      Step("kam1", Nominate("acme", "emea")));
  add(rules::kAccountProgramMismatch,
      world + Nominated("acme") + Steps{Step("boss", R"pb(reject_nomination {
                                                            account_id: "acme"
                                                          })pb")},
      Step("kam1", Nominate("acme", "emea")),
      Step("kam1", Nominate("acme", "apac")));
  add(rules::kAccountNotNominated,
      world + Designated("acme") + Nominated("beta"),
      Step("boss", Designate("beta", Good())),
      Step("boss", Designate("acme", Good())));
  add(rules::kAccountNotNominated,
      world + Designated("acme") + Nominated("beta"),
      Step("boss", R"pb(reject_nomination { account_id: "beta" })pb"),
      Step("boss", R"pb(reject_nomination { account_id: "acme" })pb"));
  add(rules::kAccountNotDesignated,
      world + Nominated("acme") + Designated("beta"),
      Step("boss", R"pb(reclassify_account {
                          account_id: "beta"
                          to_class: PORTFOLIO_CLASS_STAR
                        })pb"),
      Step("boss", R"pb(reclassify_account {
                          account_id: "acme"
                          to_class: PORTFOLIO_CLASS_STAR
                        })pb"));
  add(rules::kAccountNotDesignated,
      world + Nominated("acme") + Designated("beta"),
      Step("tm", EscalationText("e1", "beta")),
      Step("tm", EscalationText("e1", "acme")));
  add(rules::kDeciderNotSeniorManagement, world + Nominated("acme"),
      Step("boss", Designate("acme", Good())),
      Step("dir", Designate("acme", Good())));
  add(rules::kDeciderNotSeniorManagement, world + Designated("acme"),
      Step("boss", R"pb(de_designate_account {
                          account_id: "acme"
                          reason: DE_DESIGNATION_REASON_LOST
                        })pb"),
      Step("dir", R"pb(de_designate_account {
                         account_id: "acme"
                         reason: DE_DESIGNATION_REASON_LOST
                       })pb"));
  add(rules::kDeciderIsNominator, world + Nominated("acme", "emea", "boss"),
      Step("sm2", Designate("acme", Good())),
      Step("boss", Designate("acme", Good())));
  add(rules::kCriteriaVersionSuperseded,
      world + Nominated("acme") + Steps{Step("boss", Criteria("emea", 2))},
      Step("boss", Designate("acme", Good(), 2)),
      Step("boss", Designate("acme", Good(), 1)));
  add(rules::kCriterionUnknown, world + Nominated("acme"),
      Step("boss", Designate("acme", Good())),
      Step("boss",
           Designate("acme",
                     Good() + R"( scores { criterion_id: "size" score: 8 })")));
  add(rules::kCriteriaScoreMissing, world + Nominated("acme"),
      Step("boss", Designate("acme", Good())),
      Step("boss", Designate("acme",
                             R"(scores { criterion_id: "revenue" score: 8 }
                        scores { criterion_id: "fit" score: 8 })")));
  add(rules::kWeightedScoreBelowThreshold, world + Nominated("acme"),
      Step("boss", Designate("acme", ScoresText(6, 6, 6))),
      Step("boss", Designate("acme", ScoresText(6, 6, 5.9))));
  add(rules::kPortfolioCapacityExceeded,
      world + Designated("a1") + Designated("a2") + Designated("a3") +
          Nominated("a4") + Nominated("b1", "apac"),
      Step("boss", Designate("b1", Good())),
      Step("boss", Designate("a4", Good())));
  add(rules::kAccountAlreadyReevaluated,
      world + Designated("acme") + Designated("beta") +
          Steps{Step("dir", OpenCycle("emea", "fy25")),
                Step("boss", Reevaluate("acme", "fy25",
                                        "REEVALUATION_OUTCOME_RETAINED"))},
      Step("boss", Reevaluate("beta", "fy25", "REEVALUATION_OUTCOME_RETAINED")),
      Step("boss",
           Reevaluate("acme", "fy25", "REEVALUATION_OUTCOME_RETAINED")));
  add(rules::kClassUnchanged, world + Designated("acme"),
      Step("boss", R"pb(reclassify_account {
                          account_id: "acme"
                          to_class: PORTFOLIO_CLASS_STAR
                        })pb"),
      Step("boss", R"pb(reclassify_account {
                          account_id: "acme"
                          to_class: PORTFOLIO_CLASS_STRATEGIC
                        })pb"));
  add(rules::kOpenEscalationsOnDedesignation,
      world + Staffed("acme") + Steps{Step("tm", EscalationText("e1", "acme"))},
      Step("boss",
           R"pb(de_designate_account {
                  account_id: "acme"
                  reason: DE_DESIGNATION_REASON_LOST
                  close_open_escalations: true
                })pb"),
      Step("boss",
           R"pb(de_designate_account {
                  account_id: "acme"
                  reason: DE_DESIGNATION_REASON_LOST
                })pb"));
  add(rules::kOpenEscalationsOnDedesignation,
      world + Staffed("acme") +
          Steps{Step("tm", EscalationText("e1", "acme")),
                Step("dir", OpenCycle("emea", "fy25"))},
      Step("boss", Reevaluate("acme", "fy25", "REEVALUATION_OUTCOME_DESELECTED",
                              "close_open_escalations: true")),
      Step("boss",
           Reevaluate("acme", "fy25", "REEVALUATION_OUTCOME_DESELECTED")));

  // ---- Accounts: manager, sponsor, team.
  add(rules::kAccountRoleAssignerNotAuthorized, world + Designated("acme"),
      Step("dir", AssignManager("acme", "kam1")),
      Step("kam1", AssignManager("acme", "kam1")));
  add(rules::kAccountRoleAssignerNotAuthorized, world + Staffed("acme"),
      Step("boss", R"pb(release_executive_sponsor { account_id: "acme" })pb"),
      Step("spons", R"pb(release_executive_sponsor { account_id: "acme" })pb"));
  add(rules::kManagerLacksKamRole, world + Designated("acme"),
      Step("dir", AssignManager("acme", "kam1")),
      Step("dir", AssignManager("acme", "uh")));
  add(rules::kManagerUnchanged, world + Staffed("acme"),
      Step("dir",
           R"pb(assign_key_account_manager {
                  account_id: "acme"
                  manager_id: "kam1"
                  mode: MANAGER_MODE_FULL_TIME
                  scope: MANAGER_SCOPE_LOCAL
                })pb"),
      Step("dir", AssignManager("acme", "kam1")));
  add(rules::kReassignmentBondsNotConsidered, world + Staffed("acme"),
      Step("dir",
           AssignManager("acme", "kam2",
                         R"(bonds_considered: true handover_note: "x")")),
      Step("dir", AssignManager("acme", "kam2")));
  add(rules::kSponsorNotBoardLevel, world + Designated("acme"),
      Step("dir", AssignSponsor("acme", "spons")),
      Step("dir", AssignSponsor("acme", "boss")));
  // The sponsor's load counts across programs: 3 in emea, the 4th in apac.
  add(rules::kSponsorCapacityExceeded,
      world + Designated("a1") + Designated("a2") + Designated("a3") +
          Designated("b1", "apac") +
          Steps{Step("dir", AssignSponsor("a1", "spons")),
                Step("dir", AssignSponsor("a2", "spons")),
                Step("dir", AssignSponsor("a3", "spons"))},
      Step("dir", AssignSponsor("b1", "spons2")),
      Step("dir", AssignSponsor("b1", "spons")));
  add(rules::kSponsorUnchanged, world + Staffed("acme"),
      Step("dir", AssignSponsor("acme", "spons2")),
      Step("dir", AssignSponsor("acme", "spons")));
  add(rules::kSponsorNotAssigned, world + Designated("acme") + Staffed("beta"),
      Step("dir", R"pb(release_executive_sponsor { account_id: "beta" })pb"),
      Step("dir", R"pb(release_executive_sponsor { account_id: "acme" })pb"));
  add(rules::kEngagementLoggerNotAuthorized, world + Staffed("acme"),
      Step("spons", R"pb(log_sponsor_engagement {
                           account_id: "acme"
                           kind: ENGAGEMENT_KIND_MEETING
                         })pb"),
      Step("tm", R"pb(log_sponsor_engagement {
                        account_id: "acme"
                        kind: ENGAGEMENT_KIND_MEETING
                      })pb"));
  add(rules::kTeamChangerNotAuthorized, world + Staffed("acme"),
      Step("kam1", AddMember("acme", "uh")),
      Step("tm", AddMember("acme", "uh")));
  add(rules::kTeamMemberAlreadyOnTeam,
      world + Staffed("acme") + Steps{Step("kam1", AddMember("acme", "tm"))},
      Step("kam1", AddMember("acme", "uh")),
      Step("kam1", AddMember("acme", "tm")));
  add(rules::kTeamMemberNotOnTeam,
      world + Staffed("acme") + Steps{Step("kam1", AddMember("acme", "tm"))},
      Step("kam1",
           R"pb(remove_team_member { account_id: "acme" member_id: "tm" })pb"),
      Step("kam1",
           R"pb(remove_team_member { account_id: "acme" member_id: "uh" })pb"));

  // ---- Accounts: plans.
  add(rules::kPlanAuthorNotKam, world + Staffed("acme"),
      Step("kam1", PlanText("acme", 1)), Step("kam2", PlanText("acme", 1)));
  add(rules::kPlanVersionNotNext, world + Staffed("acme"),
      Step("kam1", PlanText("acme", 1)), Step("kam1", PlanText("acme", 2)));
  add(rules::kPlanSectionsMissing, world + Staffed("acme"),
      Step("kam1", PlanText("acme", 1)),
      Step("kam1", PlanText("acme", 1, 2, 5)));
  add(rules::kPlanInitiativesOutOfRange, world + Staffed("acme"),
      Step("kam1", PlanText("acme", 1, 2)),
      Step("kam1", PlanText("acme", 1, 1)));
  add(rules::kPlanInitiativesOutOfRange, world + Staffed("acme"),
      Step("kam1", PlanText("acme", 1, 5)),
      Step("kam1", PlanText("acme", 1, 6)));
  const Steps planned =
      world + Staffed("acme") + Steps{Step("kam1", PlanText("acme", 1))};
  add(rules::kPlanVersionNotCurrent,
      planned + Steps{Step("kam1", PlanText("acme", 2))},
      Step("spons", Review("acme", 2)), Step("spons", Review("acme", 1)));
  add(rules::kReviewerIsAuthor, planned, Step("spons", Review("acme", 1)),
      Step("kam1", Review("acme", 1)));
  add(rules::kReviewerNotSponsorOrSeniorManagement, planned,
      Step("boss", Review("acme", 1)), Step("dir", Review("acme", 1)));

  // ---- Escalations.
  const Steps escalated = world + Staffed("acme") +
                          Steps{Step("tm", EscalationText("e1", "acme")),
                                Step("tm", EscalationText("e2", "acme"))};
  add(rules::kEscalationAlreadyExists, escalated,
      Step("tm", EscalationText("e3", "acme")),
      Step("tm", EscalationText("e1", "acme")));
  add(rules::kEscalationNotOpen,
      escalated + Steps{Step("kam1", R"pb(resolve_escalation {
                                            escalation_id: "e1"
                                            decision: "split"
                                          })pb")},
      Step("kam1", R"pb(acknowledge_escalation { escalation_id: "e2" })pb"),
      Step("kam1", R"pb(acknowledge_escalation { escalation_id: "e1" })pb"));
  add(rules::kEscalationAuthorityTooLow, escalated,
      Step("kam1", R"pb(resolve_escalation {
                          escalation_id: "e1"
                          decision: "split"
                        })pb"),
      Step("tm", R"pb(resolve_escalation {
                        escalation_id: "e1"
                        decision: "split"
                      })pb"));
  add(rules::kEscalationAuthorityTooLow,
      world + Staffed("acme") +
          Steps{Step("tm", EscalationText("e1", "acme",
                                          "ESCALATION_LEVEL_UNIT_HEAD"))},
      Step("uh", R"pb(resolve_escalation {
                        escalation_id: "e1"
                        decision: "split"
                      })pb"),
      Step("kam1", R"pb(resolve_escalation {
                          escalation_id: "e1"
                          decision: "split"
                        })pb"));
  add(rules::kEscalationAuthorityTooLow,
      world + Staffed("acme") +
          Steps{
              Step("tm", EscalationText("e1", "acme",
                                        "ESCALATION_LEVEL_EXECUTIVE_SPONSOR"))},
      Step("spons", R"pb(resolve_escalation {
                           escalation_id: "e1"
                           decision: "split"
                         })pb"),
      Step("dir", R"pb(resolve_escalation {
                         escalation_id: "e1"
                         decision: "split"
                       })pb"));
  add(rules::kEscalationAuthorityTooLow, escalated,
      Step("tm", R"pb(withdraw_escalation { escalation_id: "e1" })pb"),
      Step("kam2", R"pb(withdraw_escalation { escalation_id: "e1" })pb"));
  add(rules::kEscalationAlreadyAcknowledged,
      escalated + Steps{Step("kam1", R"pb(acknowledge_escalation {
                                            escalation_id: "e1"
                                          })pb")},
      Step("kam1", R"pb(acknowledge_escalation { escalation_id: "e2" })pb"),
      Step("uh", R"pb(acknowledge_escalation { escalation_id: "e1" })pb"));
  add(rules::kEscalationLevelNotHigher, escalated,
      Step("kam1", R"pb(raise_escalation_level {
                          escalation_id: "e1"
                          to_level: ESCALATION_LEVEL_UNIT_HEAD
                        })pb"),
      Step("kam1",
           R"pb(raise_escalation_level {
                  escalation_id: "e1"
                  to_level: ESCALATION_LEVEL_KEY_ACCOUNT_MANAGER
                })pb"));
  add(rules::kEscalationLevelNotHigher,
      world + Staffed("acme") +
          Steps{
              Step("tm", EscalationText("e1", "acme",
                                        "ESCALATION_LEVEL_PROGRAM_DIRECTOR")),
              Step("tm", EscalationText("e2", "acme",
                                        "ESCALATION_LEVEL_EXECUTIVE_SPONSOR"))},
      Step("tm", R"pb(raise_escalation_level { escalation_id: "e1" })pb"),
      Step("tm", R"pb(raise_escalation_level { escalation_id: "e2" })pb"));

  // ---- Input rules.
  add_input(rules::kRationaleRequired, "meta.rationale",
            world + Nominated("acme"), Step("boss", Designate("acme", Good())),
            Step("boss", Designate("acme", Good()), ""));
  CommandStep soon = Step("boss", Designate("acme", Good()));
  soon.meta.set_effective_at_us(kT0 + 30 * kMicrosPerSecond);
  CommandStep late = Step("boss", Designate("acme", Good()));
  late.meta.set_effective_at_us(kT0 + 31 * kMicrosPerSecond);
  add_input(rules::kEffectiveAtInFuture, "meta.effective_at_us",
            world + Nominated("acme"), soon, late);
  add_input(
      rules::kCriteriaWeightsNotOne, "command.criteria", world,
      Step("boss", Criteria("emea", 2)),
      Step(
          "boss",
          R"pb(publish_selection_criteria {
                 program_id: "emea"
                 version: 2
                 criteria { criterion_id: "revenue" tangible: true weight: 0.5 }
                 criteria { criterion_id: "fit" weight: 0.4 }
                 designation_threshold: 6
                 max_key_accounts: 3
               })pb"));
  return c;
}

}  // namespace

CommandStep Step(absl::string_view actor, absl::string_view command_text,
                 absl::string_view rationale, int64_t now_us) {
  CommandStep step;
  step.meta.set_acting_person(std::string(actor));
  step.meta.set_rationale(std::string(rationale));
  step.now_us = now_us;
  if (!google::protobuf::TextFormat::ParseFromString(std::string(command_text),
                                                     &step.command)) {
    std::fprintf(stderr, "rule_cases: bad command text:\n%s\n",
                 std::string(command_text).c_str());
    std::abort();
  }
  return step;
}

Steps operator+(Steps a, const Steps& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::string ScoresText(double revenue, double fit, double partner) {
  return absl::StrCat("scores { criterion_id: \"revenue\" score: ", revenue,
                      " } scores { criterion_id: \"fit\" score: ", fit,
                      " } scores { criterion_id: \"partner\" score: ", partner,
                      " }");
}

Steps World() {
  return {
      Step("boss",
           Register("boss", "mgmt", "GOVERNANCE_ROLE_SENIOR_MANAGEMENT")),
      Step("boss", Register("dir", "mgmt", "GOVERNANCE_ROLE_PROGRAM_DIRECTOR")),
      Step("boss",
           Register("sm2", "mgmt", "GOVERNANCE_ROLE_SENIOR_MANAGEMENT")),
      Step("boss",
           Register("kam1", "tax", "GOVERNANCE_ROLE_KEY_ACCOUNT_MANAGER")),
      Step("boss",
           Register("kam2", "audit", "GOVERNANCE_ROLE_KEY_ACCOUNT_MANAGER")),
      Step("boss",
           Register("spons", "board", "GOVERNANCE_ROLE_EXECUTIVE_SPONSOR")),
      Step("boss",
           Register("spons2", "board", "GOVERNANCE_ROLE_EXECUTIVE_SPONSOR")),
      Step("boss", Register("uh", "tax", "GOVERNANCE_ROLE_UNIT_HEAD")),
      Step("boss", Register("tm", "tax", "GOVERNANCE_ROLE_TEAM_MEMBER")),
      Step("boss", Register("aud", "audit", "GOVERNANCE_ROLE_AUDITOR")),
      Step("boss", Register("nobody", "audit", "")),
      Step("boss", Establish("emea")),
      Step("boss", Establish("apac")),
      Step("boss", Criteria("emea", 1)),
      Step("boss", Criteria("apac", 1)),
  };
}

Steps Nominated(absl::string_view account, absl::string_view program,
                absl::string_view by) {
  return {Step(by, Nominate(account, program))};
}

Steps Designated(absl::string_view account, absl::string_view program) {
  return Nominated(account, program) +
         Steps{Step("boss", Designate(account, Good()))};
}

Steps Staffed(absl::string_view account, absl::string_view program) {
  return Designated(account, program) +
         Steps{Step("dir", AssignManager(account, "kam1")),
               Step("dir", AssignSponsor(account, "spons"))};
}

std::string PlanText(absl::string_view account, int plan_version,
                     int initiatives, int sections) {
  std::string text = absl::StrFormat(
      R"pb(submit_account_plan { account_id: "%s" plan_version: %d
                                 period_start_day: %d
                                 period_end_day: %d
                                 value_proposition: "lower total cost"
                                 metric_ids: "share_of_wallet"
                                 customer_participated: true
      )pb",
      account, plan_version, kDay0, kDay0 + 365);
  for (int s = 1; s <= sections; ++s) {
    absl::StrAppend(&text, "sections { section: ", s, " text: \"section ", s,
                    "\" } ");
  }
  for (int i = 1; i <= initiatives; ++i) {
    absl::StrAppend(&text, "initiatives { initiative_id: \"i", i,
                    "\" title: \"initiative ", i, "\" } ");
  }
  return text + "}";
}

std::string EscalationText(absl::string_view id, absl::string_view account,
                           absl::string_view level) {
  return absl::StrFormat(
      R"pb(raise_escalation {
             escalation_id: "%s"
             account_id: "%s"
             category: ESCALATION_CATEGORY_KNOWLEDGE_PROTECTIONISM
             level: %s
             units_involved: "tax"
             units_involved: "audit"
             description: "two experts serve the customer without knowing"
           })pb",
      id, account, level);
}

std::vector<RuleCase> RuleCases() {
  std::vector<RuleCase> cases = Cases();
  std::map<std::string, int> seen;
  for (RuleCase& rc : cases) {
    rc.name = absl::StrCat(rc.rule_id, "_", seen[rc.rule_id]++);
    for (size_t i = 0; i < rc.setup.size(); ++i) {
      rc.setup[i].meta.set_command_id(absl::StrCat(rc.name, ".setup.", i));
    }
    rc.passing.meta.set_command_id(rc.name + ".pass");
    rc.breaking.meta.set_command_id(rc.name + ".break");
  }
  return cases;
}

absl::StatusOr<Decision> RunStep(GovernanceState& state,
                                 const CommandStep& step) {
  DecisionContext ctx;
  ctx.state = &state;
  ctx.now_us = step.now_us;
  ctx.principal = "test";
  ctx.store_empty = state.empty();
  absl::StatusOr<Decision> decision = Decide(step.meta, step.command, ctx);
  if (decision.ok()) {
    absl::Status applied = state.Apply(*decision);
    if (!applied.ok()) return applied;
  }
  return decision;
}

}  // namespace kamgov::domain::testing
