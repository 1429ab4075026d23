// Idempotent retries through gRPC: command_id is scoped per principal, a
// retry of an accepted command returns the original CommandResult marked
// `replayed` and writes nothing (while the original is in flight, after it
// committed, after a restart); a reused id with another request is
// INVALID_ARGUMENT / IDEMPOTENCY_KEY_REUSED; a rejected command's id stays
// free. (processor_test.cc pins the in-flight case deterministically.)

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/domain/rule_cases.h"
#include "tests/services/governance_harness.h"
#include "tests/testing/temp_dir.h"

namespace kamgov::services::testing {
namespace {

using domain::testing::World;
using ::testing::ElementsAreArray;

CommandStep Nominate(absl::string_view command_id, absl::string_view account,
                     absl::string_view program = "emea") {
  return StepWithId(command_id, "kam1",
                    absl::StrCat("nominate_account { account_id: \"", account,
                                 "\" program_id: \"", program,
                                 "\" customer_name: \"Customer ", account,
                                 "\" customer_segment: CUSTOMER_SEGMENT_MAJOR "
                                 "}"));
}

// The same result, apart from `replayed`.
void ExpectSameResult(const v1::CommandResult& replayed,
                      const v1::CommandResult& original) {
  EXPECT_EQ(replayed.commit_position(), original.commit_position());
  EXPECT_THAT(replayed.event_ids(), ElementsAreArray(original.event_ids()));
  ASSERT_EQ(replayed.stream_versions_size(), original.stream_versions_size());
  for (int i = 0; i < original.stream_versions_size(); ++i) {
    EXPECT_EQ(replayed.stream_versions(i).stream_id(),
              original.stream_versions(i).stream_id());
    EXPECT_EQ(replayed.stream_versions(i).version(),
              original.stream_versions(i).version());
  }
}

class GovernanceIdempotencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Restart();
    ASSERT_TRUE(server_->RunAll(World()).ok());
  }
  // Stops the daemon (if any) and starts a new one on the same data dir.
  void Restart() {
    server_.reset();
    auto started = GovernanceServer::Start(dir_.path(), &clock_);
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
  }
  // Events written by `principal` with `command_id`.
  int EventsOf(absl::string_view principal, absl::string_view command_id) {
    int count = 0;
    for (const eventstore::RecordedEvent& event : server_->ReadAll()) {
      if (event.record.principal() == principal &&
          event.record.command_id() == command_id) {
        ++count;
      }
    }
    return count;
  }

  kamgov::testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<GovernanceServer> server_;
};

TEST_F(GovernanceIdempotencyTest, RetryAfterCommitReplaysTheOriginal) {
  const CommandStep step = Nominate("n-1", "acme");
  absl::StatusOr<v1::CommandResult> first = server_->Run(step);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->replayed());
  const eventstore::ChainHead head = server_->log().GetChainHead();

  // Through the same RPC and through Execute: the same command.
  absl::StatusOr<v1::CommandResult> again = server_->Run(step);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->replayed());
  ExpectSameResult(*again, *first);
  absl::StatusOr<v1::CommandResult> executed = server_->RunExecute(step);
  ASSERT_TRUE(executed.ok()) << executed.status();
  EXPECT_TRUE(executed->replayed());
  ExpectSameResult(*executed, *first);

  EXPECT_EQ(server_->log().GetChainHead().hash, head.hash);
  EXPECT_EQ(EventsOf(kTestPrincipal, "n-1"), first->event_ids_size());
}

TEST_F(GovernanceIdempotencyTest, RetryWhileInFlightReplaysTheOriginal) {
  for (int round = 0; round < 5; ++round) {
    const std::string id = absl::StrCat("n-", round);
    const CommandStep step = Nominate(id, absl::StrCat("acme", round));
    // Fired together: the second is decided while the first is in flight
    // (or, if the first was fast, after it committed); either way it must
    // be the same result, written once.
    std::vector<absl::StatusOr<v1::CommandResult>> results =
        server_->ExecuteConcurrently({step, step, step});
    int originals = 0;
    for (const auto& result : results) {
      ASSERT_TRUE(result.ok()) << result.status();
      if (!result->replayed()) ++originals;
      ExpectSameResult(*result, *results[0]);
    }
    EXPECT_EQ(originals, 1);
    EXPECT_EQ(EventsOf(kTestPrincipal, id), results[0]->event_ids_size());
  }
}

TEST_F(GovernanceIdempotencyTest, RetryAfterRestartReplaysTheOriginal) {
  const CommandStep step = Nominate("n-restart", "acme");
  absl::StatusOr<v1::CommandResult> first = server_->Run(step);
  ASSERT_TRUE(first.ok()) << first.status();
  const eventstore::ChainHead head = server_->log().GetChainHead();

  Restart();
  absl::StatusOr<v1::CommandResult> again = server_->Run(step);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->replayed());
  ExpectSameResult(*again, *first);
  EXPECT_EQ(server_->log().GetChainHead().position, head.position);
  EXPECT_EQ(server_->log().GetChainHead().hash, head.hash);

  // The key stays bound to its request across the restart too.
  absl::StatusOr<v1::CommandResult> other =
      server_->Run(Nominate("n-restart", "beta"));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(other.status()), "IDEMPOTENCY_KEY_REUSED");
}

TEST_F(GovernanceIdempotencyTest, ReusedIdWithAnotherRequestIsRefused) {
  ASSERT_TRUE(server_->Run(Nominate("n-1", "acme")).ok());
  const eventstore::ChainHead head = server_->log().GetChainHead();

  // Another command, the same command with another field, or the same
  // command with another meta (the rationale changes the request).
  CommandStep other_rationale = Nominate("n-1", "acme");
  other_rationale.meta.set_rationale("another reason");
  for (const CommandStep& step :
       {Nominate("n-1", "beta"), Nominate("n-1", "acme", "apac"),
        other_rationale, StepWithId("n-1", "boss", R"pb(depart_person {
                                                          person_id: "nobody"
                                                        })pb")}) {
    absl::StatusOr<v1::CommandResult> reused = server_->Run(step);
    ASSERT_FALSE(reused.ok()) << step.command.ShortDebugString();
    EXPECT_EQ(reused.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(ReasonOf(reused.status()), "IDEMPOTENCY_KEY_REUSED")
        << reused.status();
  }
  EXPECT_EQ(server_->log().GetChainHead().position, head.position);
}

TEST_F(GovernanceIdempotencyTest, IdsAreScopedPerPrincipal) {
  absl::StatusOr<v1::CommandResult> mine =
      server_->Run(Nominate("shared-id", "acme"), "svc:alpha");
  ASSERT_TRUE(mine.ok()) << mine.status();

  // The same id and request from another principal is a new command: it is
  // decided (and here breaks a rule, since acme is already nominated)...
  absl::StatusOr<v1::CommandResult> theirs =
      server_->Run(Nominate("shared-id", "acme"), "svc:beta");
  ASSERT_FALSE(theirs.ok());
  EXPECT_EQ(ReasonOf(theirs.status()), "ACCOUNT_NOT_NOMINATABLE");
  // ...and the same id with another request is not a reuse for them.
  absl::StatusOr<v1::CommandResult> other =
      server_->Run(Nominate("shared-id", "beta"), "svc:beta");
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_FALSE(other->replayed());
  EXPECT_NE(other->commit_position(), mine->commit_position());
  EXPECT_EQ(EventsOf("svc:alpha", "shared-id"), 1);
  EXPECT_EQ(EventsOf("svc:beta", "shared-id"), 1);

  // Each principal's retry replays its own command.
  absl::StatusOr<v1::CommandResult> alpha_again =
      server_->Run(Nominate("shared-id", "acme"), "svc:alpha");
  ASSERT_TRUE(alpha_again.ok()) << alpha_again.status();
  EXPECT_TRUE(alpha_again->replayed());
  ExpectSameResult(*alpha_again, *mine);
}

TEST_F(GovernanceIdempotencyTest, RejectedCommandLeavesItsIdFree) {
  // Refused (kam9 does not exist): nothing is recorded under the id...
  CommandStep refused = Nominate("n-fix", "acme");
  refused.meta.set_acting_person("kam9");
  absl::StatusOr<v1::CommandResult> first = server_->Run(refused);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.status().code(), absl::StatusCode::kNotFound);
  // ...so the corrected request may use it.
  absl::StatusOr<v1::CommandResult> fixed =
      server_->Run(Nominate("n-fix", "acme"));
  ASSERT_TRUE(fixed.ok()) << fixed.status();
  EXPECT_FALSE(fixed->replayed());
}

TEST_F(GovernanceIdempotencyTest, CommandsWithoutIdAreNotDeduplicated) {
  CommandStep step = Nominate("", "acme");
  ASSERT_TRUE(server_->Run(step).ok());
  absl::StatusOr<v1::CommandResult> again = server_->Run(step);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(ReasonOf(again.status()), "ACCOUNT_NOT_NOMINATABLE");
}

}  // namespace
}  // namespace kamgov::services::testing
