// GovernanceService errors through gRPC, each decoded from the
// grpc-status-details-bin trailer: ABORTED for a stale expected version
// (naming the stream), UNAUTHENTICATED without a principal, INVALID_ARGUMENT
// with BadRequest for bad input, NOT_FOUND for unknown ids. None writes.

#include <future>
#include <string>

#include "absl/strings/str_cat.h"
#include "domain/days.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/status_details.h"
#include "tests/domain/rule_cases.h"
#include "tests/services/governance_harness.h"
#include "tests/testing/temp_dir.h"

namespace kamgov::services::testing {
namespace {

using domain::testing::Designated;
using domain::testing::kT0;
using domain::testing::World;
using ::testing::Contains;
using ::testing::HasSubstr;

CommandStep AssignManager(absl::string_view id, absl::string_view manager) {
  return StepWithId(
      id, "dir",
      absl::StrCat("assign_key_account_manager { account_id: "
                   "\"acme\" manager_id: \"",
                   manager,
                   "\" mode: MANAGER_MODE_PART_TIME scope: "
                   "MANAGER_SCOPE_LOCAL bonds_considered: true }"));
}

class GovernanceErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = GovernanceServer::Start(dir_.path(), &clock_);
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    ASSERT_TRUE(server_->RunAll(World() + Designated("acme")).ok());
    head_ = server_->log().GetChainHead();
  }
  // Nothing was written since SetUp (or the last Mark()).
  void ExpectNothingWritten() {
    const eventstore::ChainHead now = server_->log().GetChainHead();
    EXPECT_EQ(now.position, head_.position);
    EXPECT_EQ(now.hash, head_.hash);
  }
  void Mark() { head_ = server_->log().GetChainHead(); }

  kamgov::testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<GovernanceServer> server_;
  eventstore::ChainHead head_;
};

TEST_F(GovernanceErrorsTest, StaleExpectedVersionIsAbortedNamingTheStream) {
  absl::StatusOr<v1::GetAccountResponse> account = server_->GetAccount("acme");
  ASSERT_TRUE(account.ok()) << account.status();
  const uint64_t version = account->version();
  ASSERT_GT(version, 0u);

  CommandStep stale = AssignManager("m-stale", "kam1");
  stale.meta.mutable_expected_version()->set_exact(version - 1);
  absl::StatusOr<v1::CommandResult> aborted = server_->Run(stale);
  ASSERT_FALSE(aborted.ok());
  EXPECT_EQ(aborted.status().code(), absl::StatusCode::kAborted);
  auto failure = GetPreconditionFailure(aborted.status());
  ASSERT_TRUE(failure.has_value()) << aborted.status();
  ASSERT_EQ(failure->violations_size(), 1);
  EXPECT_EQ(failure->violations(0).subject(), "account-acme");
  auto info = GetErrorInfo(aborted.status());
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "WRONG_EXPECTED_VERSION");
  EXPECT_EQ(info->metadata().at("stream_id"), "account-acme");
  EXPECT_EQ(info->metadata().at("actual_version"), absl::StrCat(version));

  CommandStep no_stream = AssignManager("m-no-stream", "kam1");
  no_stream.meta.mutable_expected_version()->set_no_stream(true);
  EXPECT_EQ(server_->Run(no_stream).status().code(),
            absl::StatusCode::kAborted);
  ExpectNothingWritten();

  // The version Get returned is the one to expect.
  CommandStep current = AssignManager("m-current", "kam1");
  current.meta.mutable_expected_version()->set_exact(version);
  absl::StatusOr<v1::CommandResult> assigned = server_->Run(current);
  ASSERT_TRUE(assigned.ok()) << assigned.status();
  ASSERT_GE(assigned->stream_versions_size(), 1);
  EXPECT_EQ(assigned->stream_versions(0).stream_id(), "account-acme");
  EXPECT_EQ(assigned->stream_versions(0).version(), version + 1);

  // A retry of it is replayed, although its expected version is now stale.
  absl::StatusOr<v1::CommandResult> retried = server_->Run(current);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_TRUE(retried->replayed());

  // stream_exists / no_stream on a new aggregate.
  CommandStep nominate =
      StepWithId("n-beta", "kam1",
                 R"pb(nominate_account {
                        account_id: "beta"
                        program_id: "emea"
                        customer_name: "Beta"
                        customer_segment: CUSTOMER_SEGMENT_MAJOR
                      })pb");
  nominate.meta.mutable_expected_version()->set_stream_exists(true);
  EXPECT_EQ(server_->Run(nominate).status().code(), absl::StatusCode::kAborted);
  nominate.meta.mutable_expected_version()->set_no_stream(true);
  EXPECT_TRUE(server_->Run(nominate).ok());
}

TEST_F(GovernanceErrorsTest, CallsWithoutAPrincipalAreUnauthenticated) {
  const CommandStep step = AssignManager("m-1", "kam1");
  absl::StatusOr<v1::CommandResult> typed = server_->Run(step, "");
  EXPECT_EQ(typed.status().code(), absl::StatusCode::kUnauthenticated)
      << typed.status();
  absl::StatusOr<v1::CommandResult> executed = server_->RunExecute(step, "");
  EXPECT_EQ(executed.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(executed.status().message(), HasSubstr("x-kamgov-principal"));

  // Not printable ASCII without spaces.
  EXPECT_EQ(server_->Run(step, "svc alpha").status().code(),
            absl::StatusCode::kInvalidArgument);
  // The scheduler's principal is the processor's own.
  EXPECT_EQ(server_->Run(step, "system:scheduler").status().code(),
            absl::StatusCode::kPermissionDenied);
  ExpectNothingWritten();

  // The same command with a principal passes.
  EXPECT_TRUE(server_->Run(step).ok());
}

TEST_F(GovernanceErrorsTest, BadInputIsInvalidArgumentWithFieldViolations) {
  struct Bad {
    CommandStep step;
    std::string field;
  };
  std::vector<Bad> cases;
  cases.push_back({StepWithId("b-1", "dir",
                              R"pb(assign_key_account_manager {
                                     account_id: "no spaces allowed"
                                     manager_id: "kam1"
                                     mode: MANAGER_MODE_PART_TIME
                                     scope: MANAGER_SCOPE_LOCAL
                                   })pb"),
                   "command.account_id"});
  cases.push_back({StepWithId("b-2", "dir",
                              R"pb(assign_key_account_manager {
                                     account_id: "acme"
                                     manager_id: "kam1"
                                     scope: MANAGER_SCOPE_LOCAL
                                   })pb"),
                   "command.mode"});
  {
    CommandStep unknown_enum = AssignManager("b-3", "kam1");
    unknown_enum.command.mutable_assign_key_account_manager()->set_scope(
        static_cast<v1::ManagerScope>(42));
    cases.push_back({unknown_enum, "command.scope"});
  }
  {
    CommandStep no_rationale = AssignManager("b-4", "kam1");
    no_rationale.meta.clear_rationale();
    cases.push_back({no_rationale, "meta.rationale"});
  }
  {
    CommandStep future = AssignManager("b-5", "kam1");
    future.meta.set_effective_at_us(kT0 + domain::kMicrosPerDay);
    cases.push_back({future, "meta.effective_at_us"});
  }
  cases.push_back(
      {StepWithId("b-6", "boss",
                  R"pb(publish_selection_criteria {
                         program_id: "emea"
                         version: 2
                         criteria {
                           criterion_id: "revenue"
                           tangible: true
                           weight: 0.7
                         }
                         criteria { criterion_id: "fit" weight: 0.7 }
                         designation_threshold: 6
                         max_key_accounts: 3
                       })pb"),
       "command.criteria"});
  for (const Bad& bad : cases) {
    absl::StatusOr<v1::CommandResult> result = server_->Run(bad.step);
    ASSERT_FALSE(result.ok()) << bad.field;
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument)
        << result.status();
    EXPECT_THAT(BadFieldsOf(result.status()), Contains(bad.field))
        << result.status();
  }

  // Execute without a command.
  v1::CommandMeta meta;
  meta.set_acting_person("boss");
  meta.set_rationale("because");
  absl::StatusOr<v1::CommandResult> empty =
      server_->Execute(meta, v1::Command());
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(GetBadRequest(empty.status()).has_value()) << empty.status();
  ExpectNothingWritten();
}

TEST_F(GovernanceErrorsTest, UnknownIdsAreNotFound) {
  struct Unknown {
    CommandStep step;
    std::string reason;
  };
  CommandStep unknown_actor = AssignManager("u-1", "kam1");
  unknown_actor.meta.set_acting_person("ghost");
  for (const Unknown& unknown : std::vector<Unknown>{
           {unknown_actor, "PERSON_NOT_FOUND"},
           {AssignManager("u-2", "kam-ghost"), "PERSON_NOT_FOUND"},
           {StepWithId("u-3", "dir",
                       R"pb(assign_executive_sponsor {
                              account_id: "ghost"
                              sponsor_id: "spons"
                            })pb"),
            "ACCOUNT_NOT_FOUND"},
           {StepWithId("u-4", "kam1",
                       R"pb(nominate_account {
                              account_id: "beta"
                              program_id: "ghost"
                              customer_name: "Beta"
                              customer_segment: CUSTOMER_SEGMENT_MAJOR
                            })pb"),
            "PROGRAM_NOT_FOUND"},
           {StepWithId("u-5", "kam1", R"pb(acknowledge_escalation {
                                             escalation_id: "ghost"
                                           })pb"),
            "ESCALATION_NOT_FOUND"},
       }) {
    absl::StatusOr<v1::CommandResult> result = server_->Run(unknown.step);
    ASSERT_FALSE(result.ok()) << unknown.reason;
    EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound)
        << result.status();
    EXPECT_EQ(ReasonOf(result.status()), unknown.reason) << result.status();
  }
  ExpectNothingWritten();

  EXPECT_EQ(server_->GetProgram("ghost").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(server_->GetPerson("ghost").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(server_->GetAccount("ghost").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(server_->GetEscalation("ghost").status().code(),
            absl::StatusCode::kNotFound);
  // A person id is not an account id.
  EXPECT_EQ(server_->GetAccount("kam1").status().code(),
            absl::StatusCode::kNotFound);
  absl::StatusOr<v1::GetAccountResponse> bad_id =
      server_->GetAccount("not an id");
  EXPECT_EQ(bad_id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(BadFieldsOf(bad_id.status()), Contains("id"));
}

// DaemonOptions::clock_us is documented as the one clock of the service:
// recorded_at AND the decisions' "now". Started with only that clock set,
// a decision must stamp its day from it.
TEST(GovernanceDaemonClock, DaemonClockDrivesDecisionsAndRecordedAt) {
  kamgov::testing::TempDir dir;
  FakeClock clock(kT0 + 100 * domain::kMicrosPerDay);
  DaemonOptions options;
  options.server.listen = "127.0.0.1:0";
  options.data_dir = dir.path();
  options.clock_us = clock.AsFunction();
  options.scheduler_interval = absl::ZeroDuration();
  absl::StatusOr<std::unique_ptr<Daemon>> daemon = Daemon::Start(options);
  ASSERT_TRUE(daemon.ok()) << daemon.status();

  std::promise<absl::StatusOr<eventstore::AppendResult>> done;
  auto result = done.get_future();
  CommandStep bootstrap =
      StepWithId("boot", "boss",
                 R"pb(register_person {
                        person_id: "boss"
                        name: "Boss"
                        unit_id: "mgmt"
                        country: "DE"
                        roles { role: GOVERNANCE_ROLE_SENIOR_MANAGEMENT }
                      })pb");
  (*daemon)->processor().Submit(
      kTestPrincipal, bootstrap.meta, bootstrap.command,
      [&done](absl::StatusOr<eventstore::AppendResult> r) {
        done.set_value(std::move(r));
      });
  absl::StatusOr<eventstore::AppendResult> appended = result.get();
  ASSERT_TRUE(appended.ok()) << appended.status();
  EXPECT_EQ(appended->recorded_at_us, clock.Now());

  std::promise<int64_t> day;
  (*daemon)->processor().Read([&day](AggregateCache& cache) {
    const v1::PersonState* boss = cache.FindPerson("boss");
    day.set_value(boss == nullptr ? -1 : boss->registered_day());
  });
  EXPECT_EQ(day.get_future().get(), domain::DayOf(clock.Now()))
      << "the decision did not use DaemonOptions::clock_us";
}

}  // namespace
}  // namespace kamgov::services::testing
