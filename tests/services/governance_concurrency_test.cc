// Rules that span aggregates hold under concurrency through gRPC: with far
// more calls in flight than the server has threads, the command processor
// decides one at a time against state that includes decided-but-uncommitted
// events, so the losers of a race get the rule violation, never ABORTED.

#include <algorithm>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/grpc_status.h"
#include "tests/domain/rule_cases.h"
#include "tests/services/governance_harness.h"
#include "tests/testing/temp_dir.h"

namespace kamgov::services::testing {
namespace {

using domain::testing::ScoresText;
using domain::testing::World;
using ::testing::UnorderedElementsAreArray;

// Criteria version 2 of `program` (World() published version 1), capping
// the portfolio at `max_key_accounts`.
CommandStep CriteriaV2(absl::string_view program, int max_key_accounts) {
  return StepWithId(
      absl::StrCat("criteria-", program), "boss",
      absl::StrCat("publish_selection_criteria { program_id: \"", program,
                   "\" version: 2 criteria { criterion_id: \"revenue\" "
                   "tangible: true weight: 0.5 } criteria { criterion_id: "
                   "\"fit\" weight: 0.3 } criteria { criterion_id: "
                   "\"partner\" weight: 0.2 } designation_threshold: 6 "
                   "max_key_accounts: ",
                   max_key_accounts, " }"));
}

CommandStep Nominate(absl::string_view account, absl::string_view program) {
  return StepWithId(absl::StrCat("nominate-", account), "kam1",
                    absl::StrCat("nominate_account { account_id: \"", account,
                                 "\" program_id: \"", program,
                                 "\" customer_name: \"Customer ", account,
                                 "\" customer_segment: CUSTOMER_SEGMENT_MAJOR "
                                 "}"));
}

CommandStep Designate(absl::string_view account) {
  return StepWithId(absl::StrCat("designate-", account), "boss",
                    absl::StrCat("designate_account { account_id: \"", account,
                                 "\" criteria_version: 2 ", ScoresText(8, 8, 8),
                                 " portfolio_class: PORTFOLIO_CLASS_STRATEGIC "
                                 "}"));
}

void ExpectAllOk(
    const std::vector<absl::StatusOr<v1::CommandResult>>& results) {
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_TRUE(results[i].ok()) << i << ": " << results[i].status();
  }
}

int CountEvents(GovernanceServer& server, absl::string_view type,
                absl::string_view tag) {
  int count = 0;
  for (const eventstore::RecordedEvent& event : server.ReadAll()) {
    const auto& tags = event.record.tags();
    if (event.record.type() == type &&
        std::find(tags.begin(), tags.end(), tag) != tags.end()) {
      ++count;
    }
  }
  return count;
}

TEST(GovernanceConcurrency, DesignationsRaceForTheLastPortfolioSlots) {
  constexpr int kMaxKeyAccounts = 5;
  constexpr int kAlreadyDesignated = 3;
  constexpr int kRacers = 200;
  kamgov::testing::TempDir dir;
  FakeClock clock;
  auto started = GovernanceServer::Start(dir.path(), &clock);
  ASSERT_TRUE(started.ok()) << started.status();
  GovernanceServer& server = **started;
  ASSERT_TRUE(server.RunAll(World()).ok());
  ASSERT_TRUE(server.RunAll({CriteriaV2("emea", kMaxKeyAccounts)}).ok());
  std::vector<std::string> designated;
  for (int i = 0; i < kAlreadyDesignated; ++i) {
    const std::string account = absl::StrCat("held", i);
    ASSERT_TRUE(
        server.RunAll({Nominate(account, "emea"), Designate(account)}).ok());
    designated.push_back(account);
  }
  std::vector<CommandStep> nominations;
  for (int i = 0; i < kRacers; ++i) {
    nominations.push_back(Nominate(absl::StrCat("racer", i), "emea"));
  }
  ExpectAllOk(server.ExecuteConcurrently(nominations));

  // Every designation in flight at once, through the DesignateAccount RPC.
  struct Call {
    grpc::ClientContext context;
    v1::DesignateAccountRequest request;
    v1::CommandResult response;
    grpc::Status status;
  };
  std::vector<std::unique_ptr<Call>> calls;
  for (int i = 0; i < kRacers; ++i) {
    CommandStep step = Designate(absl::StrCat("racer", i));
    auto call = std::make_unique<Call>();
    PrepareContext(call->context, kTestPrincipal);
    *call->request.mutable_meta() = step.meta;
    *call->request.mutable_command() = step.command.designate_account();
    calls.push_back(std::move(call));
  }
  absl::BlockingCounter pending(kRacers);
  for (auto& call : calls) {
    Call* raw = call.get();
    server.stub().async()->DesignateAccount(
        &raw->context, &raw->request, &raw->response,
        [raw, &pending](grpc::Status status) {
          raw->status = std::move(status);
          pending.DecrementCount();
        });
  }
  pending.Wait();

  std::vector<std::string> winners;
  std::set<uint64_t> positions;
  for (int i = 0; i < kRacers; ++i) {
    absl::Status status = FromGrpcStatus(calls[i]->status);
    if (status.ok()) {
      winners.push_back(absl::StrCat("racer", i));
      EXPECT_TRUE(
          positions.insert(calls[i]->response.commit_position()).second);
      continue;
    }
    EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
    EXPECT_EQ(ReasonOf(status), "PORTFOLIO_CAPACITY_EXCEEDED") << status;
  }
  EXPECT_EQ(winners.size(), size_t{kMaxKeyAccounts - kAlreadyDesignated});

  designated.insert(designated.end(), winners.begin(), winners.end());
  absl::StatusOr<v1::GetProgramResponse> program = server.GetProgram("emea");
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_THAT(program->state().active_key_account_ids(),
              UnorderedElementsAreArray(designated));
  EXPECT_EQ(CountEvents(server, "AccountDesignated", "program:emea"),
            kMaxKeyAccounts);
}

// Sponsor load is counted across programs: 64 client threads assign one
// sponsor to 64 key accounts of two programs at once; the sponsor ends with
// exactly sponsor_max_accounts (3, both programs) and every other
// assignment fails with SPONSOR_CAPACITY_EXCEEDED.
TEST(GovernanceConcurrency,
     SponsorAssignmentsAcrossTwoProgramsRaceForCapacity) {
  constexpr int kPerProgram = 32;
  constexpr int kSponsorMax = 3;
  kamgov::testing::TempDir dir;
  FakeClock clock;
  auto started = GovernanceServer::Start(dir.path(), &clock);
  ASSERT_TRUE(started.ok()) << started.status();
  GovernanceServer& server = **started;
  ASSERT_TRUE(server.RunAll(World()).ok());
  ASSERT_TRUE(
      server.RunAll({CriteriaV2("emea", 40), CriteriaV2("apac", 40)}).ok());
  std::vector<std::string> accounts;
  std::vector<CommandStep> nominations, designations;
  for (int i = 0; i < kPerProgram; ++i) {
    for (const char* program : {"emea", "apac"}) {
      const std::string account = absl::StrCat(program, "-", i);
      accounts.push_back(account);
      nominations.push_back(Nominate(account, program));
      designations.push_back(Designate(account));
    }
  }
  ExpectAllOk(server.ExecuteConcurrently(nominations));
  ExpectAllOk(server.ExecuteConcurrently(designations));

  std::vector<absl::Status> outcomes(accounts.size());
  absl::Notification go;
  std::vector<std::thread> threads;
  for (size_t i = 0; i < accounts.size(); ++i) {
    threads.emplace_back([&, i] {
      CommandStep step =
          StepWithId(absl::StrCat("sponsor-", accounts[i]), "dir",
                     absl::StrCat("assign_executive_sponsor { account_id: \"",
                                  accounts[i], "\" sponsor_id: \"spons\" }"));
      go.WaitForNotification();
      outcomes[i] = server.Call(step.meta, step.command).status();
    });
  }
  go.Notify();
  for (std::thread& thread : threads) thread.join();

  std::vector<std::string> winners;
  for (size_t i = 0; i < accounts.size(); ++i) {
    if (outcomes[i].ok()) {
      winners.push_back(accounts[i]);
      continue;
    }
    EXPECT_EQ(outcomes[i].code(), absl::StatusCode::kFailedPrecondition)
        << outcomes[i];
    EXPECT_EQ(ReasonOf(outcomes[i]), "SPONSOR_CAPACITY_EXCEEDED")
        << outcomes[i];
  }
  EXPECT_EQ(winners.size(), size_t{kSponsorMax});
  absl::StatusOr<v1::GetPersonResponse> sponsor = server.GetPerson("spons");
  ASSERT_TRUE(sponsor.ok()) << sponsor.status();
  EXPECT_THAT(sponsor->state().sponsored_account_ids(),
              UnorderedElementsAreArray(winners));
  EXPECT_EQ(CountEvents(server, "ExecutiveSponsorAssigned", "person:spons"),
            kSponsorMax);
}

// Only the first registration on an empty store is the bootstrap: of many
// racing self-registrations, exactly one is accepted.
TEST(GovernanceConcurrency, OneBootstrapAmongRacingRegistrations) {
  constexpr int kRacers = 32;
  kamgov::testing::TempDir dir;
  FakeClock clock;
  auto started = GovernanceServer::Start(dir.path(), &clock);
  ASSERT_TRUE(started.ok()) << started.status();
  GovernanceServer& server = **started;
  std::vector<CommandStep> registrations;
  for (int i = 0; i < kRacers; ++i) {
    const std::string id = absl::StrCat("founder", i);
    registrations.push_back(StepWithId(
        absl::StrCat("register-", id), id,
        absl::StrCat("register_person { person_id: \"", id,
                     "\" name: \"Founder\" unit_id: \"mgmt\" country: \"DE\" "
                     "roles { role: GOVERNANCE_ROLE_SENIOR_MANAGEMENT } }")));
  }
  std::vector<absl::StatusOr<v1::CommandResult>> results =
      server.ExecuteConcurrently(registrations);
  int accepted = 0;
  for (const auto& result : results) {
    if (result.ok()) {
      ++accepted;
      continue;
    }
    // The others act as persons who do not exist yet.
    EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound)
        << result.status();
  }
  EXPECT_EQ(accepted, 1);
  EXPECT_EQ(server.ReadAll().size(), 1u);
}

}  // namespace
}  // namespace kamgov::services::testing
