// Get{Program,Person,Account,Escalation} through gRPC: the current state and
// the version of the aggregate's own stream, which a caller passes back as
// CommandMeta.expected_version. The states equal an independent fold of the
// log (domain::GovernanceState), before and after a restart.

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "domain/state.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/domain/rule_cases.h"
#include "tests/services/governance_harness.h"
#include "tests/testing/temp_dir.h"

namespace kamgov::services::testing {
namespace {

using domain::testing::EscalationText;
using domain::testing::Staffed;
using domain::testing::Steps;
using domain::testing::World;
using google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;

class GovernanceGetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Restart();
    Steps steps =
        World() + Staffed("acme") +
        Steps{domain::testing::Step("tm", EscalationText("e1", "acme"))};
    for (const CommandStep& step : steps) {
      absl::StatusOr<v1::CommandResult> result = server_->RunExecute(step);
      ASSERT_TRUE(result.ok()) << result.status();
      for (const v1::StreamVersion& v : result->stream_versions()) {
        versions_[v.stream_id()] = v.version();
      }
    }
  }
  void Restart() {
    server_.reset();
    auto started = GovernanceServer::Start(dir_.path(), &clock_);
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
  }
  // Every aggregate's Get equals the fold of the log, with the version of
  // its stream.
  void ExpectGetsEqualTheFold() {
    domain::GovernanceState fold;
    for (const eventstore::RecordedEvent& event : server_->ReadAll()) {
      ASSERT_TRUE(fold.Apply(event.record).ok());
    }
    ASSERT_EQ(fold.programs().size(), 2u);
    for (const auto& [id, state] : fold.programs()) {
      auto got = server_->GetProgram(id);
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_TRUE(MessageDifferencer::Equals(got->state(), state)) << id;
      EXPECT_EQ(got->version(), versions_.at("program-" + id)) << id;
    }
    ASSERT_EQ(fold.persons().size(), 11u);
    for (const auto& [id, state] : fold.persons()) {
      auto got = server_->GetPerson(id);
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_TRUE(MessageDifferencer::Equals(got->state(), state)) << id;
      EXPECT_EQ(got->version(), versions_.at("person-" + id)) << id;
    }
    ASSERT_EQ(fold.accounts().size(), 1u);
    for (const auto& [id, state] : fold.accounts()) {
      auto got = server_->GetAccount(id);
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_TRUE(MessageDifferencer::Equals(got->state(), state)) << id;
      EXPECT_EQ(got->version(), versions_.at("account-" + id)) << id;
    }
    ASSERT_EQ(fold.escalations().size(), 1u);
    for (const auto& [id, state] : fold.escalations()) {
      auto got = server_->GetEscalation(id);
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_TRUE(MessageDifferencer::Equals(got->state(), state)) << id;
      EXPECT_EQ(got->version(), versions_.at("escalation-" + id)) << id;
    }
  }

  kamgov::testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<GovernanceServer> server_;
  // Last version of each stream, from the CommandResults.
  std::map<std::string, uint64_t> versions_;
};

TEST_F(GovernanceGetTest, ReturnsTheStateOfEachAggregate) {
  auto program = server_->GetProgram("emea");
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_THAT(program->state().active_key_account_ids(), ElementsAre("acme"));
  EXPECT_EQ(program->state().criteria_size(), 1);

  auto account = server_->GetAccount("acme");
  ASSERT_TRUE(account.ok()) << account.status();
  EXPECT_EQ(account->state().status(), v1::ACCOUNT_STATUS_DESIGNATED);
  EXPECT_EQ(account->state().manager_id(), "kam1");
  EXPECT_EQ(account->state().sponsor_id(), "spons");
  EXPECT_THAT(account->state().open_escalation_ids(), ElementsAre("e1"));
  // Nominated, designated, manager, sponsor: versions 0..3.
  EXPECT_EQ(account->version(), 3u);

  auto sponsor = server_->GetPerson("spons");
  ASSERT_TRUE(sponsor.ok()) << sponsor.status();
  EXPECT_THAT(sponsor->state().sponsored_account_ids(), ElementsAre("acme"));
  EXPECT_EQ(sponsor->version(), 0u);  // assignments are on account-acme

  auto escalation = server_->GetEscalation("e1");
  ASSERT_TRUE(escalation.ok()) << escalation.status();
  EXPECT_EQ(escalation->state().status(), v1::ESCALATION_STATUS_OPEN);
  EXPECT_EQ(escalation->state().level(),
            v1::ESCALATION_LEVEL_KEY_ACCOUNT_MANAGER);
  EXPECT_EQ(escalation->version(), 0u);

  ExpectGetsEqualTheFold();
  Restart();  // loaded lazily from the log by the new process
  ExpectGetsEqualTheFold();
}

TEST_F(GovernanceGetTest, VersionIsTheExpectedVersionOfTheNextCommand) {
  auto escalation = server_->GetEscalation("e1");
  ASSERT_TRUE(escalation.ok()) << escalation.status();
  CommandStep ack =
      StepWithId("ack-e1", "kam1",
                 R"pb(acknowledge_escalation { escalation_id: "e1" })pb");
  ack.meta.mutable_expected_version()->set_exact(escalation->version());
  absl::StatusOr<v1::CommandResult> acked = server_->Run(ack);
  ASSERT_TRUE(acked.ok()) << acked.status();

  auto after = server_->GetEscalation("e1");
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->version(), escalation->version() + 1);
  EXPECT_EQ(after->state().acknowledged_by(), "kam1");
  ASSERT_EQ(acked->stream_versions_size(), 1);
  EXPECT_EQ(acked->stream_versions(0).version(), after->version());

  // The old version is now stale.
  CommandStep raise =
      StepWithId("raise-e1", "kam1",
                 R"pb(raise_escalation_level { escalation_id: "e1" })pb");
  raise.meta.mutable_expected_version()->set_exact(escalation->version());
  EXPECT_EQ(server_->Run(raise).status().code(), absl::StatusCode::kAborted);
  raise.meta.mutable_expected_version()->set_exact(after->version());
  EXPECT_TRUE(server_->Run(raise).ok());
}

}  // namespace
}  // namespace kamgov::services::testing
