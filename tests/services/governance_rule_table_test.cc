// The rule table (tests/domain/rule_cases.h) replayed through gRPC against
// a real server: for every case, on an empty store, the setup succeeds, the
// breaking command fails with the rule's code, ErrorInfo.reason (or
// BadRequest field) and writes nothing, and the passing command succeeds.
//
// Every case starts from an empty store (the bootstrap rule needs one, and
// the cases reuse the same ids), so each gets its own daemon and data
// directory; the cases are sharded, and each shard replays its cases a few
// at a time (a failure names its case). Setup steps go through Execute; the
// breaking and passing commands through their own RPCs, so both paths are
// exercised.

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "domain/decide.h"
#include "gtest/gtest.h"
#include "proto/status_details.h"
#include "tests/domain/rule_cases.h"
#include "tests/services/governance_harness.h"
#include "tests/testing/temp_dir.h"

namespace kamgov::services::testing {
namespace {

using domain::testing::RuleCase;

// What went wrong in one case, replayed on its own daemon and data
// directory; empty when the case held. Runs on any thread (no gtest
// assertions here: the caller reports).
std::vector<std::string> RunCase(const RuleCase& rc) {
  std::vector<std::string> problems;
  auto problem = [&problems](auto&&... parts) {
    problems.push_back(absl::StrCat(parts...));
  };
  kamgov::testing::TempDir dir;
  FakeClock clock;
  absl::StatusOr<std::unique_ptr<GovernanceServer>> started =
      GovernanceServer::Start(dir.path(), &clock);
  if (!started.ok()) {
    problem("daemon: ", started.status().ToString());
    return problems;
  }
  GovernanceServer& server = **started;

  for (size_t i = 0; i < rc.setup.size(); ++i) {
    absl::StatusOr<v1::CommandResult> done = server.RunExecute(rc.setup[i]);
    if (!done.ok()) {
      problem("setup step ", i, " (", domain::CommandName(rc.setup[i].command),
              "): ", done.status().ToString());
      return problems;
    }
  }
  const eventstore::ChainHead before = server.log().GetChainHead();

  absl::StatusOr<v1::CommandResult> broken = server.Run(rc.breaking);
  if (broken.ok()) {
    problem("breaking ", domain::CommandName(rc.breaking.command), " passed");
    return problems;
  }
  const absl::Status& status = broken.status();
  if (status.code() != rc.code) {
    problem("breaking: code ", absl::StatusCodeToString(status.code()),
            ", want ", absl::StatusCodeToString(rc.code), ": ",
            status.ToString());
  }
  if (rc.code == absl::StatusCode::kFailedPrecondition) {
    auto info = GetErrorInfo(status);
    if (!info.has_value()) {
      problem("breaking: no ErrorInfo: ", status.ToString());
    } else if (info->reason() != rc.rule_id || info->domain() != "kamgov.v1") {
      problem("breaking: ErrorInfo ", info->ShortDebugString(), ", want ",
              rc.rule_id);
    }
  } else {
    const std::vector<std::string> fields = BadFieldsOf(status);
    if (std::find(fields.begin(), fields.end(), rc.field) == fields.end()) {
      problem("breaking: no BadRequest violation on ", rc.field, ": ",
              status.ToString());
    }
  }
  const eventstore::ChainHead after = server.log().GetChainHead();
  if (after.position != before.position || after.hash != before.hash) {
    problem("the breaking command moved the head from ", before.position,
            " to ", after.position);
  }

  absl::StatusOr<v1::CommandResult> passed = server.Run(rc.passing);
  if (!passed.ok()) {
    problem("passing ", domain::CommandName(rc.passing.command), ": ",
            passed.status().ToString());
    return problems;
  }
  if (passed->replayed()) problem("passing: replayed");
  if (passed->event_ids_size() == 0 || passed->stream_versions_size() == 0) {
    problem("passing: empty result ", passed->ShortDebugString());
    return problems;
  }
  if (passed->stream_versions(0).stream_id() !=
      domain::TargetStreamId(rc.passing.command)) {
    problem("passing: first stream ", passed->stream_versions(0).stream_id());
  }
  // The passing command was decided after the breaking one, so its events
  // directly follow the head the breaking command saw: nothing of the
  // breaking command was appended, not even late.
  if (passed->commit_position() - passed->event_ids_size() != before.position) {
    problem("passing: events at ", passed->commit_position(),
            " do not follow the head ", before.position);
  }
  for (const eventstore::RecordedEvent& event :
       server.ReadAll(before.position)) {
    const v1::EventRecord& record = event.record;
    if (record.command_id() != rc.passing.meta.command_id() ||
        record.principal() != kTestPrincipal ||
        record.acting_person() != rc.passing.meta.acting_person() ||
        record.recorded_at_us() != rc.passing.now_us) {
      problem("passing: unexpected record ", record.ShortDebugString());
    }
  }
  return problems;
}

// Each case needs a fresh daemon (the bootstrap rule needs an empty store,
// and the cases reuse the same ids). Starting one is dominated by waiting
// for fsyncs, so each shard replays its cases on a few threads at once.
constexpr int kShards = 6;
constexpr int kParallel = 4;

class GovernanceRuleTableTest : public ::testing::TestWithParam<int> {};

TEST_P(GovernanceRuleTableTest, EveryCaseBreaksThenPasses) {
  std::vector<RuleCase> cases;
  const std::vector<RuleCase> all = domain::testing::RuleCases();
  for (size_t i = GetParam(); i < all.size(); i += kShards) {
    cases.push_back(all[i]);
  }
  ASSERT_FALSE(cases.empty());
  std::vector<std::vector<std::string>> problems(cases.size());
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < kParallel; ++w) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < cases.size(); i = next++) {
        problems[i] = RunCase(cases[i]);
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  for (size_t i = 0; i < cases.size(); ++i) {
    for (const std::string& p : problems[i]) {
      ADD_FAILURE() << cases[i].name << ": " << p;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Table, GovernanceRuleTableTest,
                         ::testing::Range(0, kShards),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return absl::StrCat("Shard", info.param);
                         });

}  // namespace
}  // namespace kamgov::services::testing
