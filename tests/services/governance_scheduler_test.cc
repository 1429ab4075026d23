// The ⚙ deadline events through a real daemon and a fake clock: each is
// recorded exactly once per deadline instance, as principal
// system:scheduler with no acting person; a second run records nothing, and
// neither does a run after a restart on the same data directory.

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "domain/days.h"
#include "domain/event.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/domain/rule_cases.h"
#include "tests/services/governance_harness.h"
#include "tests/testing/temp_dir.h"

namespace kamgov::services::testing {
namespace {

using domain::testing::Designated;
using domain::testing::EscalationText;
using domain::testing::kT0;
using domain::testing::PlanText;
using domain::testing::Staffed;
using domain::testing::Step;
using domain::testing::Steps;
using domain::testing::World;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

int64_t AtDay(int64_t days) { return kT0 + days * domain::kMicrosPerDay; }

class GovernanceSchedulerTest : public ::testing::Test {
 protected:
  void Restart() {
    server_.reset();
    auto started = GovernanceServer::Start(dir_.path(), &clock_);
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
  }

  // Runs the scheduler at `day`: returns the types of the events it
  // recorded, after checking their envelope, and that a second run at the
  // same moment records nothing.
  std::vector<std::string> RunAt(int64_t day) {
    clock_.Set(AtDay(day));
    const uint64_t head = server_->HeadPosition();
    absl::StatusOr<int> recorded = server_->RunDeadlines();
    EXPECT_TRUE(recorded.ok()) << recorded.status();
    std::vector<std::string> types;
    std::vector<eventstore::RecordedEvent> events = server_->ReadAll(head);
    for (const eventstore::RecordedEvent& event : events) {
      const v1::EventRecord& record = event.record;
      EXPECT_EQ(record.principal(), "system:scheduler") << record.type();
      EXPECT_EQ(record.acting_person(), "") << record.type();
      EXPECT_EQ(record.command_id(), "") << record.type();
      EXPECT_EQ(record.recorded_at_us(), AtDay(day)) << record.type();
      // The generated explanation is the rationale.
      EXPECT_TRUE(event.personal.has_value()) << record.type();
      types.push_back(record.type());
      payloads_.push_back(record);
    }
    EXPECT_EQ(recorded.value_or(-1), static_cast<int>(events.size()));

    absl::StatusOr<int> again = server_->RunDeadlines();
    EXPECT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(again.value_or(-1), 0) << "day " << day << " recorded twice";
    EXPECT_EQ(server_->HeadPosition(), head + events.size());
    return types;
  }

  kamgov::testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<GovernanceServer> server_;
  std::vector<v1::EventRecord> payloads_;
};

TEST_F(GovernanceSchedulerTest, EachDeadlineIsRecordedOnceAlsoAcrossRestarts) {
  Restart();
  // Day 0: acme is staffed, has an approved plan (review due day 90) and an
  // open escalation at the KAM level (time-out 14 days; the higher levels
  // are set far out so that each step below fires one kind of deadline);
  // beta is a key account with no manager, sponsor or plan.
  Steps steps =
      World() +
      Steps{Step("dir", R"pb(set_program_policy {
                               program_id: "emea"
                               policy {
                                 escalation_timeout_days_unit_head: 1000
                                 escalation_timeout_days_program_director: 1000
                               }
                             })pb")} +
      Staffed("acme") +
      Steps{Step("kam1", PlanText("acme", 1)),
            Step("spons", R"pb(review_account_plan {
                                 account_id: "acme"
                                 plan_version: 1
                                 outcome: PLAN_REVIEW_OUTCOME_APPROVED
                               })pb"),
            Step("tm", EscalationText("e1", "acme"))} +
      Designated("beta");
  ASSERT_TRUE(server_->RunAll(steps).ok());

  EXPECT_THAT(RunAt(0), IsEmpty());
  EXPECT_THAT(RunAt(14), IsEmpty());  // due day 14 has not passed yet
  EXPECT_THAT(RunAt(15), ElementsAre("EscalationLevelRaised"));
  EXPECT_THAT(RunAt(30), IsEmpty());
  EXPECT_THAT(RunAt(31),
              ElementsAre("CoverageGapDetected", "CoverageGapDetected",
                          "CoverageGapDetected"));
  EXPECT_THAT(RunAt(91), ElementsAre("AccountPlanReviewOverdue"));
  Restart();
  EXPECT_THAT(RunAt(91), IsEmpty());
  EXPECT_THAT(RunAt(366), ElementsAre("SponsorEngagementOverdue"));
  Restart();
  EXPECT_THAT(RunAt(366), IsEmpty());
  EXPECT_THAT(RunAt(400), IsEmpty());

  // What was recorded, instance by instance.
  ASSERT_EQ(payloads_.size(), 6u);
  auto raised = domain::ParsePayload<v1::EscalationLevelRaised>(
      payloads_[0].type(), payloads_[0].main());
  ASSERT_TRUE(raised.ok());
  EXPECT_EQ(raised->reason(), v1::LEVEL_RAISE_REASON_TIMEOUT);
  EXPECT_EQ(raised->from_level(), v1::ESCALATION_LEVEL_KEY_ACCOUNT_MANAGER);
  EXPECT_EQ(raised->to_level(), v1::ESCALATION_LEVEL_UNIT_HEAD);
  EXPECT_EQ(payloads_[0].stream_id(), "escalation-e1");
  std::vector<v1::CoverageMissing> missing;
  for (int i = 1; i <= 3; ++i) {
    EXPECT_EQ(payloads_[i].stream_id(), "account-beta");
    auto gap = domain::ParsePayload<v1::CoverageGapDetected>(
        payloads_[i].type(), payloads_[i].main());
    ASSERT_TRUE(gap.ok());
    EXPECT_EQ(gap->since_day(), domain::testing::kDay0);
    missing.push_back(gap->missing());
  }
  EXPECT_THAT(missing, UnorderedElementsAre(v1::COVERAGE_MISSING_MANAGER,
                                            v1::COVERAGE_MISSING_SPONSOR,
                                            v1::COVERAGE_MISSING_PLAN));
  auto overdue = domain::ParsePayload<v1::AccountPlanReviewOverdue>(
      payloads_[4].type(), payloads_[4].main());
  ASSERT_TRUE(overdue.ok());
  EXPECT_EQ(overdue->due_day(), domain::testing::kDay0 + 90);
  auto engagement = domain::ParsePayload<v1::SponsorEngagementOverdue>(
      payloads_[5].type(), payloads_[5].main());
  ASSERT_TRUE(engagement.ok());
  EXPECT_EQ(engagement->sponsor_id(), "spons");
  EXPECT_EQ(engagement->due_day(), domain::testing::kDay0 + 365);

  // The states the Get RPCs serve reflect the deadlines.
  auto escalation = server_->GetEscalation("e1");
  ASSERT_TRUE(escalation.ok());
  EXPECT_EQ(escalation->state().level(), v1::ESCALATION_LEVEL_UNIT_HEAD);
  EXPECT_EQ(escalation->state().timeouts(), 1);
  auto beta = server_->GetAccount("beta");
  ASSERT_TRUE(beta.ok());
  EXPECT_EQ(beta->state().coverage_gaps_size(), 3);
  for (const auto& gap : beta->state().coverage_gaps()) {
    EXPECT_TRUE(gap.reported());
  }

  // A new instance of a deadline fires again: a new plan version restarts
  // the review clock, and its own due day is reported once.
  clock_.Set(AtDay(400));
  ASSERT_TRUE(
      server_
          ->RunAll({Step("kam1", PlanText("acme", 2), "because", AtDay(400))})
          .ok());
  EXPECT_THAT(RunAt(490), IsEmpty());
  EXPECT_THAT(RunAt(491), ElementsAre("AccountPlanReviewOverdue"));
}

}  // namespace
}  // namespace kamgov::services::testing
