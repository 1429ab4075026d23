// Writes the schema-evolution fixture of governance_fixture_test.cc: a
// small log covering every event type of domain::EventTypes(), made by this
// version through the gRPC API with a fixed fake clock and fixed command
// ids, exported as JSON lines, and the golden states it folds to.
//
//   build/tests/services/kamgov_governance_fixture_gen tests/fixtures
//
// refuses to overwrite existing files unless --overwrite is given. The
// output is not byte-reproducible (the store draws event ids and personal
// salts at random), which is why the test pins the file's SHA-256: after a
// deliberate regeneration, paste the printed SHA-256 into
// governance_fixture_test.cc. Not run by ctest.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "domain/days.h"
#include "domain/event.h"
#include "domain/state.h"
#include "eventstore/export.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/domain/rule_cases.h"
#include "tests/services/governance_fixture.h"
#include "tests/services/governance_harness.h"
#include "tests/testing/temp_dir.h"

namespace kamgov::services::testing {
namespace {

using domain::testing::kT0;

constexpr char kPrincipal[] = "svc:fixture-v1";

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "governance_fixture_gen: %s\n", message.c_str());
  std::exit(1);
}

class Script {
 public:
  explicit Script(GovernanceServer* server) : server_(server) {}

  // Runs one command at 09:00 UTC of day kDay0 + `day`; it must pass.
  v1::CommandResult Do(int64_t day, absl::string_view actor,
                       absl::string_view text,
                       absl::string_view rationale = "fixture v1",
                       v1::CommandMeta extra = {}) {
    CommandStep step = StepWithId(absl::StrCat("fx-", ++count_), actor, text,
                                  At(day), rationale);
    step.meta.MergeFrom(extra);
    absl::StatusOr<v1::CommandResult> result = server_->Run(step, kPrincipal);
    if (!result.ok()) {
      Die(absl::StrCat("command ", count_, " failed: ", text, "\n",
                       result.status().ToString()));
    }
    return *result;
  }
  // Records the deadlines due at day kDay0 + `day`.
  void Deadlines(int64_t day) {
    server_->clock().Set(At(day));
    absl::StatusOr<int> recorded = server_->RunDeadlines();
    if (!recorded.ok() || *recorded == 0) {
      Die(absl::StrCat("no deadline on day ", day));
    }
  }
  static int64_t At(int64_t day) { return kT0 + day * domain::kMicrosPerDay; }

 private:
  GovernanceServer* server_;
  int count_ = 0;
};

std::string Register(absl::string_view id, absl::string_view unit,
                     absl::string_view role) {
  return absl::StrCat("register_person { person_id: \"", id,
                      "\" name: \"Name of ", id, "\" unit_id: \"", unit,
                      "\" country: \"DE\" roles { role: ", role, " } }");
}

void RunScript(Script& s) {
  // Persons and roles.
  s.Do(0, "boss",
       Register("boss", "mgmt", "GOVERNANCE_ROLE_SENIOR_MANAGEMENT"));
  s.Do(0, "boss", Register("dir", "mgmt", "GOVERNANCE_ROLE_PROGRAM_DIRECTOR"));
  s.Do(0, "boss",
       Register("kam1", "tax", "GOVERNANCE_ROLE_KEY_ACCOUNT_MANAGER"));
  s.Do(0, "boss",
       Register("kam2", "audit", "GOVERNANCE_ROLE_KEY_ACCOUNT_MANAGER"));
  s.Do(0, "boss",
       Register("spons", "board", "GOVERNANCE_ROLE_EXECUTIVE_SPONSOR"));
  s.Do(0, "boss", Register("uh", "tax", "GOVERNANCE_ROLE_UNIT_HEAD"));
  s.Do(0, "boss", Register("tm", "tax", "GOVERNANCE_ROLE_TEAM_MEMBER"));
  s.Do(0, "boss", Register("temp", "audit", "GOVERNANCE_ROLE_TEAM_MEMBER"));
  s.Do(0, "boss", R"pb(grant_governance_role {
                         person_id: "kam2"
                         role { role: GOVERNANCE_ROLE_UNIT_HEAD }
                       })pb");
  s.Do(0, "boss", R"pb(revoke_governance_role {
                         person_id: "kam2"
                         role { role: GOVERNANCE_ROLE_UNIT_HEAD }
                       })pb");

  // The program, its policy and criteria.
  s.Do(0, "boss", R"pb(establish_program {
                         program_id: "emea"
                         name: "EMEA key accounts"
                         level: PROGRAM_LEVEL_NATIONAL
                         scope: "DE"
                         policy { plan_review_cadence_days: 90 }
                       })pb");
  s.Do(0, "dir", R"pb(set_program_policy {
                        program_id: "emea"
                        policy { sponsor_engagement_max_days: 180 }
                      })pb");
  s.Do(0, "boss",
       R"pb(publish_selection_criteria {
              program_id: "emea"
              version: 1
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
              max_key_accounts: 5
            })pb");

  // Accounts: nominated (one with an earlier business time), one rejected,
  // three designated, one reclassified.
  v1::CommandMeta earlier;
  earlier.set_effective_at_us(Script::At(-1));
  earlier.set_correlation_id("selection-2025");
  for (const char* account : {"acme", "beta", "gamma", "delta"}) {
    s.Do(0, "kam1",
         absl::StrCat("nominate_account { account_id: \"", account,
                      "\" program_id: \"emea\" customer_name: \"", account,
                      " GmbH\" customer_segment: CUSTOMER_SEGMENT_MAJOR "
                      "criteria_version: 1 ",
                      domain::testing::ScoresText(7, 7, 7),
                      " evidence: \"growing fast\" }"),
         "fixture v1",
         std::string(account) == "acme" ? earlier : v1::CommandMeta());
  }
  s.Do(0, "boss", R"pb(reject_nomination { account_id: "gamma" })pb");
  s.Do(0, "boss",
       absl::StrCat("designate_account { account_id: \"acme\" "
                    "criteria_version: 1 ",
                    domain::testing::ScoresText(9, 8, 7),
                    " portfolio_class: PORTFOLIO_CLASS_STRATEGIC }"));
  s.Do(0, "boss",
       absl::StrCat("designate_account { account_id: \"beta\" "
                    "criteria_version: 1 ",
                    domain::testing::ScoresText(7, 7, 7),
                    " portfolio_class: PORTFOLIO_CLASS_STAR }"));
  s.Do(0, "boss",
       absl::StrCat("designate_account { account_id: \"delta\" "
                    "criteria_version: 1 ",
                    domain::testing::ScoresText(6, 6, 6),
                    " portfolio_class: PORTFOLIO_CLASS_STATUS }"));
  s.Do(0, "boss", R"pb(reclassify_account {
                         account_id: "beta"
                         to_class: PORTFOLIO_CLASS_STATUS
                       })pb");

  // acme: manager, sponsor, engagement, team, plan and review.
  s.Do(0, "dir", R"pb(assign_key_account_manager {
                        account_id: "acme"
                        manager_id: "kam1"
                        mode: MANAGER_MODE_PART_TIME
                        scope: MANAGER_SCOPE_LOCAL
                      })pb");
  s.Do(0, "dir", R"pb(assign_executive_sponsor {
                        account_id: "acme"
                        sponsor_id: "spons"
                      })pb");
  s.Do(0, "spons", R"pb(log_sponsor_engagement {
                          account_id: "acme"
                          kind: ENGAGEMENT_KIND_ROLES_AGREED
                        })pb");
  s.Do(0, "kam1", R"pb(add_team_member {
                         account_id: "acme"
                         member_id: "tm"
                         expertise: "tax-law"
                         permanent: true
                       })pb");
  s.Do(0, "kam1", R"pb(add_team_member {
                         account_id: "acme"
                         member_id: "temp"
                         expertise: "audit"
                       })pb");
  s.Do(0, "kam1",
       R"pb(remove_team_member { account_id: "acme" member_id: "temp" })pb");
  s.Do(0, "kam1", domain::testing::PlanText("acme", 1, 3));
  s.Do(0, "spons", R"pb(review_account_plan {
                          account_id: "acme"
                          plan_version: 1
                          outcome: PLAN_REVIEW_OUTCOME_APPROVED
                          comments: "sound"
                        })pb");

  // Escalations: one climbs by hand and is resolved, one is withdrawn, one
  // stays open for the scheduler.
  s.Do(0, "tm", domain::testing::EscalationText("e1", "acme"));
  s.Do(0, "kam1", R"pb(acknowledge_escalation { escalation_id: "e1" })pb");
  s.Do(0, "kam1", R"pb(raise_escalation_level { escalation_id: "e1" })pb");
  s.Do(0, "uh", R"pb(resolve_escalation {
                       escalation_id: "e1"
                       decision: "joint offer"
                       actions: "weekly sync"
                     })pb");
  s.Do(0, "tm", domain::testing::EscalationText("e2", "acme"));
  s.Do(0, "tm", R"pb(withdraw_escalation { escalation_id: "e2" })pb");
  s.Do(0, "tm", domain::testing::EscalationText("e3", "acme"));

  // delta: staffed, then lost (releases its manager and sponsor).
  s.Do(1, "dir", R"pb(assign_key_account_manager {
                        account_id: "delta"
                        manager_id: "kam2"
                        mode: MANAGER_MODE_FULL_TIME
                        scope: MANAGER_SCOPE_GLOBAL
                      })pb");
  const v1::CommandResult sponsored =
      s.Do(1, "dir", R"pb(assign_executive_sponsor {
                            account_id: "delta"
                            sponsor_id: "spons"
                          })pb");
  v1::CommandMeta correction;
  correction.set_causation_id(sponsored.event_ids(0));
  s.Do(2, "boss", R"pb(de_designate_account {
                         account_id: "delta"
                         reason: DE_DESIGNATION_REASON_LOST
                       })pb",
       "the customer moved to a competitor", correction);

  // A selection cycle re-evaluates the key accounts.
  s.Do(3, "dir",
       absl::StrCat("open_selection_cycle { program_id: \"emea\" "
                    "cycle_id: \"fy25\" due_day: ",
                    domain::testing::kDay0 + 60, " }"));
  for (const char* account : {"acme", "beta"}) {
    s.Do(4, "boss",
         absl::StrCat("reevaluate_account { account_id: \"", account,
                      "\" cycle_id: \"fy25\" criteria_version: 1 ",
                      domain::testing::ScoresText(8, 8, 8),
                      " outcome: REEVALUATION_OUTCOME_RETAINED }"));
  }
  s.Do(5, "dir",
       R"pb(close_selection_cycle { program_id: "emea" cycle_id: "fy25" })pb");
  s.Do(5, "boss", R"pb(depart_person { person_id: "temp" })pb");

  // The scheduler: e3 times out (day 15, 29, ...); beta lacks a manager and
  // a sponsor (day 31); acme's plan review is overdue (day 91) and so is
  // its sponsor's engagement (day 181).
  s.Deadlines(15);
  s.Deadlines(31);
  s.Deadlines(91);
  s.Deadlines(181);
}

int Main(int argc, char** argv) {
  std::string out_dir;
  bool overwrite = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--overwrite") {
      overwrite = true;
    } else if (out_dir.empty() && arg[0] != '-') {
      out_dir = arg;
    } else {
      Die("usage: kamgov_governance_fixture_gen [--overwrite] OUT_DIR");
    }
  }
  if (out_dir.empty()) {
    Die("usage: kamgov_governance_fixture_gen [--overwrite] OUT_DIR");
  }
  const std::filesystem::path log_path =
      std::filesystem::path(out_dir) / kFixtureLogFile;
  const std::filesystem::path states_path =
      std::filesystem::path(out_dir) / kFixtureStatesFile;
  if (!overwrite && (std::filesystem::exists(log_path) ||
                     std::filesystem::exists(states_path))) {
    Die("the fixture exists; it is pinned by governance_fixture_test.cc. "
        "Pass --overwrite only to replace it deliberately.");
  }

  kamgov::testing::TempDir dir;
  FakeClock clock;
  absl::StatusOr<std::unique_ptr<GovernanceServer>> server =
      GovernanceServer::Start(dir.path(), &clock);
  if (!server.ok()) Die(server.status().ToString());
  Script script(server->get());
  RunScript(script);

  // The fold of the log, checked against the server's own states.
  domain::GovernanceState fold;
  std::set<std::string> types;
  for (const eventstore::RecordedEvent& event : (*server)->ReadAll()) {
    if (absl::Status s = fold.Apply(event.record); !s.ok()) {
      Die(s.ToString());
    }
    types.insert(event.record.type());
  }
  for (absl::string_view type : domain::EventTypes()) {
    if (!types.count(std::string(type))) {
      Die(absl::StrCat("no ", type, " event"));
    }
  }
  using google::protobuf::util::MessageDifferencer;
  for (const auto& [id, state] : fold.programs()) {
    auto got = (*server)->GetProgram(id);
    if (!got.ok() || !MessageDifferencer::Equals(got->state(), state)) {
      Die("program " + id + " differs from the server's");
    }
  }
  for (const auto& [id, state] : fold.persons()) {
    auto got = (*server)->GetPerson(id);
    if (!got.ok() || !MessageDifferencer::Equals(got->state(), state)) {
      Die("person " + id + " differs from the server's");
    }
  }
  for (const auto& [id, state] : fold.accounts()) {
    auto got = (*server)->GetAccount(id);
    if (!got.ok() || !MessageDifferencer::Equals(got->state(), state)) {
      Die("account " + id + " differs from the server's");
    }
  }
  for (const auto& [id, state] : fold.escalations()) {
    auto got = (*server)->GetEscalation(id);
    if (!got.ok() || !MessageDifferencer::Equals(got->state(), state)) {
      Die("escalation " + id + " differs from the server's");
    }
  }

  std::ostringstream jsonl;
  if (absl::Status s = eventstore::ExportJsonl((*server)->log(), 0, 0, jsonl);
      !s.ok()) {
    Die(s.ToString());
  }
  const std::string states = FormatGoldenStates(
      StatesOf(fold),
      "Golden states of tests/fixtures/v1_log.jsonl: every aggregate folded\n"
      "from its records by kamgov v1 (domain::GovernanceState). Written by\n"
      "kamgov_governance_fixture_gen "
      "(tests/services/governance_fixture_gen.cc);\n"
      "never edit by hand. Checked by governance_fixture_test.cc.");
  std::filesystem::create_directories(out_dir);
  std::ofstream(log_path, std::ios::binary) << jsonl.str();
  std::ofstream(states_path, std::ios::binary) << states;
  std::printf("wrote %s (%zu events) and %s\nSHA-256 of %s: %s\n",
              log_path.c_str(), (*server)->ReadAll().size(),
              states_path.c_str(), kFixtureLogFile,
              Sha256Hex(jsonl.str()).c_str());
  return 0;
}

}  // namespace
}  // namespace kamgov::services::testing

int main(int argc, char** argv) {
  return kamgov::services::testing::Main(argc, argv);
}
