// The EventLog contract (eventstore/event_log.h, issue 3), run against every
// backend instantiated with EventLogContractTest (event_log_contract.h).

#include "tests/eventstore/event_log_contract.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/status_details.h"
#include "tests/eventstore/event_log_test_util.h"

namespace kamgov::eventstore::testing {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

constexpr uint64_t kMaxVersion = std::numeric_limits<uint64_t>::max();

std::string Meta(const google::rpc::ErrorInfo& info, const std::string& key) {
  auto it = info.metadata().find(key);
  return it == info.metadata().end() ? "<absent>" : it->second;
}

// `status` is the ABORTED of a stale expected version of `stream`.
void ExpectWrongVersion(const absl::Status& status, const std::string& stream,
                        const std::string& expected,
                        const std::string& actual) {
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted) << status;
  std::optional<google::rpc::ErrorInfo> info = GetErrorInfo(status);
  ASSERT_TRUE(info.has_value()) << status;
  EXPECT_EQ(info->reason(), "WRONG_EXPECTED_VERSION");
  EXPECT_EQ(Meta(*info, "stream_id"), stream);
  EXPECT_EQ(Meta(*info, "expected_version"), expected);
  EXPECT_EQ(Meta(*info, "actual_version"), actual);
  std::optional<google::rpc::PreconditionFailure> failure =
      GetPreconditionFailure(status);
  ASSERT_TRUE(failure.has_value()) << status;
  ASSERT_EQ(failure->violations_size(), 1);
  EXPECT_EQ(failure->violations(0).subject(), stream);
}

// `status` is INVALID_ARGUMENT with a BadRequest naming `field`.
void ExpectFieldViolation(const absl::Status& status,
                          const std::string& field) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  std::optional<google::rpc::BadRequest> bad = GetBadRequest(status);
  ASSERT_TRUE(bad.has_value()) << status;
  std::vector<std::string> fields;
  for (const auto& violation : bad->field_violations()) {
    fields.push_back(violation.field());
  }
  EXPECT_THAT(fields, Contains(field)) << status;
}

void ExpectReason(const absl::Status& status, absl::StatusCode code,
                  const std::string& reason) {
  EXPECT_EQ(status.code(), code) << status;
  std::optional<google::rpc::ErrorInfo> info = GetErrorInfo(status);
  ASSERT_TRUE(info.has_value()) << status;
  EXPECT_EQ(info->reason(), reason);
}

std::vector<uint64_t> Versions(const std::vector<RecordedEvent>& events) {
  std::vector<uint64_t> out;
  for (const RecordedEvent& e : events)
    out.push_back(e.record.stream_version());
  return out;
}

std::vector<uint64_t> Positions(const std::vector<RecordedEvent>& events) {
  std::vector<uint64_t> out;
  for (const RecordedEvent& e : events) out.push_back(e.position);
  return out;
}

std::vector<uint64_t> Range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> out;
  for (uint64_t i = first; i <= last; ++i) out.push_back(i);
  return out;
}

void ExpectSameResult(const AppendResult& replay, const AppendResult& first) {
  EXPECT_EQ(replay.first_position, first.first_position);
  EXPECT_EQ(replay.last_position, first.last_position);
  EXPECT_EQ(replay.event_ids, first.event_ids);
  EXPECT_EQ(replay.recorded_at_us, first.recorded_at_us);
  ASSERT_EQ(replay.streams.size(), first.streams.size());
  for (size_t i = 0; i < first.streams.size(); ++i) {
    EXPECT_EQ(replay.streams[i].stream_id, first.streams[i].stream_id);
    EXPECT_EQ(replay.streams[i].first_version, first.streams[i].first_version);
    EXPECT_EQ(replay.streams[i].last_version, first.streams[i].last_version);
  }
}

// ---------------------------------------------------------------------------
// Appends, positions and versions

TEST_P(EventLogContractTest, EmptyLogHasTheGenesisHeadAndReadsNothing) {
  const ChainHead head = log().GetChainHead();
  EXPECT_EQ(head.position, 0u);
  EXPECT_EQ(head.hash, std::string(32, '\0'));
  ASSERT_OK_AND_ASSIGN(auto all, log().ReadAll(0, 10, true));
  EXPECT_THAT(all, IsEmpty());
  ASSERT_OK_AND_ASSIGN(auto version, log().StreamVersion("nope"));
  EXPECT_FALSE(version.has_value());
  ASSERT_OK_AND_ASSIGN(auto verify, log().VerifyChain(0, 0));
  EXPECT_TRUE(verify.ok);
  EXPECT_EQ(verify.checked, 0u);
}

TEST_P(EventLogContractTest, AppendsOneEventAndReadsEveryFieldBack) {
  NewEvent event = Event("AccountDesignated", std::string("\x01\x00main", 6),
                         {"account:acme", "program:emea"});
  event.effective_at_us = 1234;
  AppendRequest request =
      Request({To("account-acme", ExpectedVersion::NoStream(), {event})},
              "cmd-1", "fp-1");
  request.acting_person = "person:alice";
  request.correlation_id = "corr-1";
  request.causation_id = "cause-1";

  ASSERT_OK_AND_ASSIGN(AppendResult result, log().AppendAndWait(request));
  EXPECT_EQ(result.first_position, 1u);
  EXPECT_EQ(result.last_position, 1u);
  EXPECT_FALSE(result.replayed);
  ASSERT_EQ(result.streams.size(), 1u);
  EXPECT_EQ(result.streams[0].stream_id, "account-acme");
  EXPECT_EQ(result.streams[0].first_version, 0u);
  EXPECT_EQ(result.streams[0].last_version, 0u);
  ASSERT_EQ(result.event_ids.size(), 1u);
  EXPECT_FALSE(result.event_ids[0].empty());
  EXPECT_GT(result.recorded_at_us, 0);

  ASSERT_OK_AND_ASSIGN(
      auto events,
      log().ReadStream("account-acme", 0, ReadDirection::kForward, 10, false));
  ASSERT_EQ(events.size(), 1u);
  const RecordedEvent& e = events[0];
  EXPECT_EQ(e.position, 1u);
  const kamgov::v1::EventRecord& r = e.record;
  EXPECT_EQ(r.event_id(), result.event_ids[0]);
  EXPECT_EQ(r.stream_id(), "account-acme");
  EXPECT_EQ(r.stream_version(), 0u);
  EXPECT_EQ(r.position(), 1u);
  EXPECT_EQ(r.type(), "AccountDesignated");
  EXPECT_THAT(r.tags(), ElementsAre("account:acme", "program:emea"));
  EXPECT_EQ(r.recorded_at_us(), result.recorded_at_us);
  EXPECT_EQ(r.effective_at_us(), 1234);
  EXPECT_EQ(r.principal(), kPrincipal);
  EXPECT_EQ(r.acting_person(), "person:alice");
  EXPECT_EQ(r.command_id(), "cmd-1");
  EXPECT_EQ(r.correlation_id(), "corr-1");
  EXPECT_EQ(r.causation_id(), "cause-1");
  EXPECT_EQ(r.main(), std::string("\x01\x00main", 6));
  EXPECT_TRUE(r.personal_digest().empty());
  // record_bytes are the stored bytes of exactly this record.
  kamgov::v1::EventRecord reparsed;
  ASSERT_TRUE(reparsed.ParseFromString(e.record_bytes));
  EXPECT_EQ(reparsed.SerializeAsString(), r.SerializeAsString());
  // The head is this event's hash.
  EXPECT_EQ(e.hash.size(), 32u);
  const ChainHead head = log().GetChainHead();
  EXPECT_EQ(head.position, 1u);
  EXPECT_EQ(head.hash, e.hash);
  ASSERT_OK_AND_ASSIGN(auto all, log().ReadAll(0, 10, false));
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].record_bytes, e.record_bytes);
  EXPECT_EQ(all[0].hash, e.hash);
  ASSERT_OK_AND_ASSIGN(auto version, log().StreamVersion("account-acme"));
  EXPECT_EQ(version, std::optional<uint64_t>(0));

  // A caller-chosen event id is kept.
  NewEvent named = Event("Noted");
  named.event_id = "6f1c2a52-8d7e-4c1b-9a0e-3f2b1c4d5e6f";
  ASSERT_OK_AND_ASSIGN(
      AppendResult second,
      log().AppendAndWait(
          Request({To("account-acme", ExpectedVersion::Exact(0), {named})})));
  EXPECT_THAT(second.event_ids, ElementsAre(named.event_id));
  EXPECT_NE(second.event_ids[0], result.event_ids[0]);
}

TEST_P(EventLogContractTest, AppendsToSeveralStreamsTogetherInRequestOrder) {
  ASSERT_OK(log().AppendAndWait(Simple("b")).status());
  ASSERT_OK_AND_ASSIGN(AppendResult result,
                       log().AppendAndWait(Request(
                           {To("a", ExpectedVersion::NoStream(), Events(2)),
                            To("b", ExpectedVersion::Exact(0), Events(1)),
                            To("c", ExpectedVersion::Any(), Events(3))},
                           "multi", "fp")));
  EXPECT_EQ(result.first_position, 2u);
  EXPECT_EQ(result.last_position, 7u);
  ASSERT_EQ(result.streams.size(), 3u);
  EXPECT_EQ(result.streams[0].stream_id, "a");
  EXPECT_EQ(result.streams[0].first_version, 0u);
  EXPECT_EQ(result.streams[0].last_version, 1u);
  EXPECT_EQ(result.streams[1].stream_id, "b");
  EXPECT_EQ(result.streams[1].first_version, 1u);
  EXPECT_EQ(result.streams[1].last_version, 1u);
  EXPECT_EQ(result.streams[2].stream_id, "c");
  EXPECT_EQ(result.streams[2].first_version, 0u);
  EXPECT_EQ(result.streams[2].last_version, 2u);
  ASSERT_EQ(result.event_ids.size(), 6u);
  EXPECT_EQ(
      std::set<std::string>(result.event_ids.begin(), result.event_ids.end())
          .size(),
      6u);

  ASSERT_OK_AND_ASSIGN(auto events, log().ReadAll(1, 100, false));
  EXPECT_THAT(Positions(events), ElementsAreArray(Range(2, 7)));
  std::vector<std::string> streams, ids;
  for (const RecordedEvent& e : events) {
    streams.push_back(e.record.stream_id());
    ids.push_back(e.record.event_id());
    EXPECT_EQ(e.record.recorded_at_us(), result.recorded_at_us);
    EXPECT_EQ(e.record.command_id(), "multi");
  }
  EXPECT_THAT(streams, ElementsAre("a", "a", "b", "c", "c", "c"));
  EXPECT_THAT(Versions(events), ElementsAre(0, 1, 1, 0, 1, 2));
  EXPECT_EQ(ids, result.event_ids);
}

TEST_P(EventLogContractTest, ExpectedVersionsMatchAndMismatch) {
  struct Case {
    bool stream_exists;  // the stream is at version 1 before the append
    ExpectedVersion expected;
    bool accepted;
    std::string expected_text, actual_text;  // of a mismatch
  };
  const std::vector<Case> cases = {
      {true, ExpectedVersion::Any(), true, "", ""},
      {false, ExpectedVersion::Any(), true, "", ""},
      {true, ExpectedVersion::NoStream(), false, "no stream", "1"},
      {false, ExpectedVersion::NoStream(), true, "", ""},
      {true, ExpectedVersion::StreamExists(), true, "", ""},
      {false, ExpectedVersion::StreamExists(), false, "stream exists",
       "no stream"},
      {true, ExpectedVersion::Exact(1), true, "", ""},
      {true, ExpectedVersion::Exact(0), false, "0", "1"},
      {true, ExpectedVersion::Exact(2), false, "2", "1"},
      {false, ExpectedVersion::Exact(0), false, "0", "no stream"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const std::string stream = "case-" + std::to_string(i);
    SCOPED_TRACE(stream);
    if (c.stream_exists) {
      ASSERT_OK(log().AppendAndWait(Simple(stream, 2)).status());
    }
    const ChainHead before = log().GetChainHead();
    absl::StatusOr<AppendResult> result =
        log().AppendAndWait(Request({To(stream, c.expected, Events(1))}));
    ASSERT_OK_AND_ASSIGN(auto version, log().StreamVersion(stream));
    if (c.accepted) {
      ASSERT_TRUE(result.ok()) << result.status();
      EXPECT_EQ(result->first_position, before.position + 1);
      EXPECT_EQ(result->streams[0].first_version, c.stream_exists ? 2u : 0u);
      EXPECT_EQ(version, std::optional<uint64_t>(c.stream_exists ? 2 : 0));
    } else {
      ExpectWrongVersion(result.status(), stream, c.expected_text,
                         c.actual_text);
      EXPECT_EQ(log().GetChainHead().position, before.position);
      EXPECT_EQ(log().GetChainHead().hash, before.hash);
      EXPECT_EQ(version,
                c.stream_exists ? std::optional<uint64_t>(1) : std::nullopt);
    }
  }
}

TEST_P(EventLogContractTest, AMismatchFailsTheWholeMultiStreamAppend) {
  ASSERT_OK(log().AppendAndWait(Simple("a", 1)).status());
  ASSERT_OK(log().AppendAndWait(Simple("b", 3)).status());
  const ChainHead before = log().GetChainHead();

  // The stale stream first, in the middle and last: nothing is written.
  const std::vector<std::vector<StreamAppend>> stale_requests = {
      {To("b", ExpectedVersion::Exact(1), Events(1)),
       To("a", ExpectedVersion::Exact(0), Events(2)),
       To("c", ExpectedVersion::NoStream(), Events(1))},
      {To("a", ExpectedVersion::Exact(0), Events(2)),
       To("b", ExpectedVersion::Exact(1), Events(1)),
       To("c", ExpectedVersion::NoStream(), Events(1))},
      {To("a", ExpectedVersion::Exact(0), Events(2)),
       To("c", ExpectedVersion::NoStream(), Events(1)),
       To("b", ExpectedVersion::Exact(1), Events(1))},
  };
  for (const auto& streams : stale_requests) {
    absl::StatusOr<AppendResult> result =
        log().AppendAndWait(Request(streams, "stale-cmd", "fp"));
    ExpectWrongVersion(result.status(), "b", "1", "2");
    EXPECT_EQ(log().GetChainHead().position, before.position);
    EXPECT_EQ(log().GetChainHead().hash, before.hash);
    ASSERT_OK_AND_ASSIGN(auto after, log().ReadAll(before.position, 10, true));
    EXPECT_THAT(after, IsEmpty());
    EXPECT_EQ(*log().StreamVersion("a"), std::optional<uint64_t>(0));
    EXPECT_EQ(*log().StreamVersion("b"), std::optional<uint64_t>(2));
    EXPECT_EQ(*log().StreamVersion("c"), std::nullopt);
    ASSERT_OK_AND_ASSIGN(
        auto c, log().ReadStream("c", 0, ReadDirection::kForward, 10, false));
    EXPECT_THAT(c, IsEmpty());
  }

  // The corrected append takes the next position: the failures left no gap.
  // (A rejected command id is not recorded, so the same id commits now.)
  ASSERT_OK_AND_ASSIGN(AppendResult ok,
                       log().AppendAndWait(Request(
                           {To("a", ExpectedVersion::Exact(0), Events(2)),
                            To("b", ExpectedVersion::Exact(2), Events(1)),
                            To("c", ExpectedVersion::NoStream(), Events(1))},
                           "stale-cmd", "fp")));
  EXPECT_FALSE(ok.replayed);
  EXPECT_EQ(ok.first_position, before.position + 1);
  EXPECT_EQ(ok.last_position, before.position + 4);
}

TEST_P(EventLogContractTest, PositionsAreGaplessFromOneAndVersionsFromZero) {
  const std::vector<std::string> streams = {"s0", "s1", "s2", "s3"};
  std::map<std::string, uint64_t> expected_count;
  uint64_t previous_last = 0;
  for (int i = 0; i < 40; ++i) {
    const std::string& stream = streams[(i * 7) % streams.size()];
    const int count = 1 + i % 3;
    ASSERT_OK_AND_ASSIGN(AppendResult result,
                         log().AppendAndWait(Simple(stream, count)));
    EXPECT_EQ(result.first_position, previous_last + 1);
    EXPECT_EQ(result.last_position, result.first_position + count - 1);
    EXPECT_EQ(result.streams[0].first_version, expected_count[stream]);
    previous_last = result.last_position;
    expected_count[stream] += count;
    // Rejected appends in between take no position.
    if (i % 5 == 0) {
      EXPECT_EQ(log()
                    .AppendAndWait(Request(
                        {To(stream, ExpectedVersion::NoStream(), Events(1))}))
                    .status()
                    .code(),
                absl::StatusCode::kAborted);
      EXPECT_EQ(log().AppendAndWait(Simple("bad stream")).status().code(),
                absl::StatusCode::kInvalidArgument);
    }
  }
  ASSERT_OK_AND_ASSIGN(auto all, ReadEverything(log()));
  EXPECT_THAT(Positions(all), ElementsAreArray(Range(1, previous_last)));
  EXPECT_EQ(log().GetChainHead().position, previous_last);
  std::map<std::string, uint64_t> next_version;
  for (const RecordedEvent& e : all) {
    EXPECT_EQ(e.record.position(), e.position);
    EXPECT_EQ(e.record.stream_version(), next_version[e.record.stream_id()]++)
        << "at position " << e.position;
  }
  for (const auto& [stream, count] : expected_count) {
    EXPECT_EQ(next_version[stream], count);
    EXPECT_EQ(*log().StreamVersion(stream), std::optional<uint64_t>(count - 1));
  }
}

TEST_P(EventLogContractTest, RecordedAtNeverDecreasesEvenWhenTheClockGoesBack) {
  auto now = std::make_shared<std::atomic<int64_t>>(5'000'000);
  BackendOptions options;
  options.clock_us = [now] { return now->load(); };
  ASSERT_NO_FATAL_FAILURE(Open(options));

  std::vector<int64_t> recorded;
  for (int64_t clock :
       {5'000'000, 1'000'000, 3'000'000, 9'000'000, 8'999'999}) {
    now->store(clock);
    ASSERT_OK_AND_ASSIGN(AppendResult result,
                         log().AppendAndWait(Simple("clock", 2)));
    recorded.push_back(result.recorded_at_us);
  }
  EXPECT_THAT(recorded, ElementsAre(5'000'000, 5'000'000, 5'000'000, 9'000'000,
                                    9'000'000));

  // The floor survives a restart: the clock is still behind.
  now->store(2'000'000);
  ASSERT_NO_FATAL_FAILURE(Reopen());
  ASSERT_OK_AND_ASSIGN(AppendResult after, log().AppendAndWait(Simple("x")));
  EXPECT_EQ(after.recorded_at_us, 9'000'000);

  ASSERT_OK_AND_ASSIGN(auto all, ReadEverything(log()));
  ASSERT_EQ(all.size(), 11u);
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_GE(all[i].record.recorded_at_us(),
              all[i - 1].record.recorded_at_us())
        << "at position " << all[i].position;
  }
}

// ---------------------------------------------------------------------------
// Idempotency

TEST_P(EventLogContractTest, RetryReturnsTheOriginalResultAndWritesNothing) {
  const AppendRequest request =
      Request({To("acct", ExpectedVersion::NoStream(), Events(2)),
               To("other", ExpectedVersion::Any(), Events(1))},
              "cmd-1", "fp-1");
  ASSERT_OK_AND_ASSIGN(AppendResult original, log().AppendAndWait(request));
  EXPECT_FALSE(original.replayed);
  ASSERT_OK(log().AppendAndWait(Simple("unrelated", 3)).status());
  const ChainHead before = log().GetChainHead();

  auto expect_replay = [&](AppendRequest retry) {
    ASSERT_OK_AND_ASSIGN(AppendResult replay, log().AppendAndWait(retry));
    EXPECT_TRUE(replay.replayed);
    ExpectSameResult(replay, original);
    EXPECT_EQ(log().GetChainHead().position, before.position);
    EXPECT_EQ(log().GetChainHead().hash, before.hash);
    EXPECT_EQ(*log().StreamVersion("acct"), std::optional<uint64_t>(1));
  };
  expect_replay(request);
  // The fingerprint identifies the request: a retry whose expected version
  // is now stale still gets the original result, not ABORTED.
  AppendRequest stale = request;
  stale.streams[0].expected = ExpectedVersion::NoStream();
  stale.streams[0].events = Events(5);
  expect_replay(stale);

  ASSERT_NO_FATAL_FAILURE(Reopen());
  expect_replay(request);
}

TEST_P(EventLogContractTest, SameCommandIdWithAnotherFingerprintIsRejected) {
  ASSERT_OK(
      log()
          .AppendAndWait(Request(
              {To("acct", ExpectedVersion::Any(), Events(1))}, "cmd-1", "fp-1"))
          .status());
  const ChainHead before = log().GetChainHead();
  auto expect_rejected = [&] {
    absl::StatusOr<AppendResult> result = log().AppendAndWait(Request(
        {To("acct", ExpectedVersion::Any(), Events(1))}, "cmd-1", "fp-2"));
    ExpectReason(result.status(), absl::StatusCode::kInvalidArgument,
                 "IDEMPOTENCY_KEY_REUSED");
    EXPECT_EQ(log().GetChainHead().position, before.position);
    EXPECT_EQ(*log().StreamVersion("acct"), std::optional<uint64_t>(0));
  };
  expect_rejected();
  ASSERT_NO_FATAL_FAILURE(Reopen());
  expect_rejected();
}

TEST_P(EventLogContractTest, CommandIdsAreScopedPerPrincipal) {
  ASSERT_OK_AND_ASSIGN(
      AppendResult a,
      log().AppendAndWait(Request({To("s", ExpectedVersion::Any(), Events(1))},
                                  "cmd-1", "fp-a", "svc:a")));
  ASSERT_OK_AND_ASSIGN(
      AppendResult b,
      log().AppendAndWait(Request({To("s", ExpectedVersion::Any(), Events(1))},
                                  "cmd-1", "fp-b", "svc:b")));
  EXPECT_FALSE(b.replayed);
  EXPECT_EQ(b.first_position, a.last_position + 1);
  ASSERT_OK_AND_ASSIGN(
      AppendResult b_again,
      log().AppendAndWait(Request({To("s", ExpectedVersion::Any(), Events(1))},
                                  "cmd-1", "fp-b", "svc:b")));
  EXPECT_TRUE(b_again.replayed);
  ExpectSameResult(b_again, b);
  EXPECT_EQ(log().GetChainHead().position, 2u);
}

TEST_P(EventLogContractTest, ARejectedCommandMayBeRetriedWithTheSameId) {
  ASSERT_OK(log().AppendAndWait(Simple("acct")).status());
  // Stale version: ABORTED, and the id is not recorded.
  EXPECT_EQ(log()
                .AppendAndWait(Request(
                    {To("acct", ExpectedVersion::NoStream(), Events(1))},
                    "cmd-r", "fp-1"))
                .status()
                .code(),
            absl::StatusCode::kAborted);
  // Invalid input: INVALID_ARGUMENT, and the id is not recorded either.
  EXPECT_EQ(log()
                .AppendAndWait(Request(
                    {To("acct", ExpectedVersion::Any(), {Event("9bad")})},
                    "cmd-r", "fp-1"))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(AppendResult retried,
                       log().AppendAndWait(Request(
                           {To("acct", ExpectedVersion::Exact(0), Events(1))},
                           "cmd-r", "fp-1")));
  EXPECT_FALSE(retried.replayed);
  EXPECT_EQ(retried.first_position, 2u);
}

TEST_P(EventLogContractTest, IdenticalCommandIdsInOneGroupCommitOnce) {
  RecordingListener listener;
  log().AddCommitListener(&listener);
  AppendOutcome trigger, x, y, z, w;
  {
    WriterGate gate(&log());
    log().Append(Simple("trigger"), trigger.Callback());
    gate.WaitUntilHeld();
    // The writer is held: these queue up and form the next group.
    const AppendRequest request = Request(
        {To("acct", ExpectedVersion::NoStream(), Events(2))}, "cmd-g", "fp");
    log().Append(request, x.Callback());
    log().Append(request, y.Callback());
    log().Append(Request({To("acct", ExpectedVersion::NoStream(), Events(1))},
                         "cmd-g", "other-fp"),
                 z.Callback());
    log().Append(Request({To("acct-w", ExpectedVersion::NoStream(), Events(1))},
                         "cmd-g", "fp", "svc:other"),
                 w.Callback());
    // Append returned without waiting for the commit.
    EXPECT_FALSE(x.done());
    EXPECT_FALSE(w.done());
  }
  ASSERT_TRUE(trigger.Wait().ok()) << trigger.Wait().status();
  ASSERT_TRUE(x.Wait().ok()) << x.Wait().status();
  ASSERT_TRUE(y.Wait().ok()) << y.Wait().status();
  ASSERT_TRUE(w.Wait().ok()) << w.Wait().status();
  EXPECT_FALSE(x.Wait()->replayed);
  EXPECT_TRUE(y.Wait()->replayed);
  ExpectSameResult(*y.Wait(), *x.Wait());
  ExpectReason(z.Wait().status(), absl::StatusCode::kInvalidArgument,
               "IDEMPOTENCY_KEY_REUSED");
  EXPECT_FALSE(w.Wait()->replayed);
  log().RemoveCommitListener(&listener);

  // Exactly trigger + x + w were written. The gate holds the commit
  // notification, not the writer, which may put x and w in one group or in
  // two: the replay of x is answered either way, once x is durable.
  uint64_t next = 1;
  for (const auto& batch : listener.batches()) {
    EXPECT_EQ(batch->first_position, next);
    next = batch->last_position + 1;
  }
  EXPECT_EQ(next, 5u);
  EXPECT_EQ(log().GetChainHead().position, 4u);
  ASSERT_OK_AND_ASSIGN(
      auto acct,
      log().ReadStream("acct", 0, ReadDirection::kForward, 10, false));
  EXPECT_EQ(acct.size(), 2u);
  for (AppendOutcome* o : {&trigger, &x, &y, &z, &w}) EXPECT_EQ(o->calls(), 1);
}

TEST_P(EventLogContractTest, ExpectedVersionsSeeEarlierAppendsOfTheSameGroup) {
  ASSERT_OK(log().AppendAndWait(Simple("s")).status());  // s at 0
  AppendOutcome trigger, first, second, stale, fresh, taken;
  {
    WriterGate gate(&log());
    log().Append(Simple("trigger"), trigger.Callback());
    gate.WaitUntilHeld();
    log().Append(Request({To("s", ExpectedVersion::Exact(0), Events(1))}),
                 first.Callback());
    log().Append(Request({To("s", ExpectedVersion::Exact(1), Events(2))}),
                 second.Callback());
    log().Append(Request({To("s", ExpectedVersion::Exact(0), Events(1))}),
                 stale.Callback());
    log().Append(Request({To("n", ExpectedVersion::NoStream(), Events(1))}),
                 fresh.Callback());
    log().Append(Request({To("n", ExpectedVersion::NoStream(), Events(1))}),
                 taken.Callback());
  }
  ASSERT_TRUE(trigger.Wait().ok());
  ASSERT_TRUE(first.Wait().ok()) << first.Wait().status();
  ASSERT_TRUE(second.Wait().ok()) << second.Wait().status();
  ASSERT_TRUE(fresh.Wait().ok()) << fresh.Wait().status();
  EXPECT_EQ(first.Wait()->streams[0].first_version, 1u);
  EXPECT_EQ(second.Wait()->streams[0].first_version, 2u);
  EXPECT_EQ(second.Wait()->streams[0].last_version, 3u);
  ExpectWrongVersion(stale.Wait().status(), "s", "0", "3");
  ExpectWrongVersion(taken.Wait().status(), "n", "no stream", "0");
  EXPECT_EQ(*log().StreamVersion("s"), std::optional<uint64_t>(3));
  EXPECT_EQ(log().GetChainHead().position, 6u);
  ASSERT_OK_AND_ASSIGN(auto all, ReadEverything(log()));
  EXPECT_THAT(Positions(all), ElementsAreArray(Range(1, 6)));
}

// ---------------------------------------------------------------------------
// Reads

TEST_P(EventLogContractTest, ReadsAStreamForwardInPages) {
  // "s" interleaved with streams whose ids extend it.
  for (int count : {3, 3, 4}) {
    ASSERT_OK(log().AppendAndWait(Simple("s", count)).status());
    ASSERT_OK(log().AppendAndWait(Simple("s-1", 1)).status());
    ASSERT_OK(log().AppendAndWait(Simple("s:x", 1)).status());
    ASSERT_OK(log().AppendAndWait(Simple("r", 1)).status());
  }
  std::vector<uint64_t> seen;
  uint64_t from = 0;
  std::vector<size_t> page_sizes;
  while (true) {
    ASSERT_OK_AND_ASSIGN(
        auto page,
        log().ReadStream("s", from, ReadDirection::kForward, 4, true));
    if (page.empty()) break;
    page_sizes.push_back(page.size());
    for (const RecordedEvent& e : page) {
      EXPECT_EQ(e.record.stream_id(), "s");
      seen.push_back(e.record.stream_version());
    }
    from = page.back().record.stream_version() + 1;
  }
  EXPECT_THAT(page_sizes, ElementsAre(4, 4, 2));
  EXPECT_THAT(seen, ElementsAreArray(Range(0, 9)));

  ASSERT_OK_AND_ASSIGN(
      auto middle, log().ReadStream("s", 5, ReadDirection::kForward, 2, false));
  EXPECT_THAT(Versions(middle), ElementsAre(5, 6));
  for (uint64_t past : {uint64_t{10}, uint64_t{1000}, kMaxVersion}) {
    ASSERT_OK_AND_ASSIGN(
        auto none,
        log().ReadStream("s", past, ReadDirection::kForward, 10, false));
    EXPECT_THAT(none, IsEmpty()) << past;
  }
  ASSERT_OK_AND_ASSIGN(
      auto zero, log().ReadStream("s", 0, ReadDirection::kForward, 0, false));
  EXPECT_THAT(zero, IsEmpty());
  for (ReadDirection d : {ReadDirection::kForward, ReadDirection::kBackward}) {
    for (const char* absent : {"absent", "s-", "q", "zzz"}) {
      ASSERT_OK_AND_ASSIGN(auto none,
                           log().ReadStream(absent, 0, d, 10, false));
      EXPECT_THAT(none, IsEmpty()) << absent;
      ASSERT_OK_AND_ASSIGN(auto none2,
                           log().ReadStream(absent, kMaxVersion, d, 10, false));
      EXPECT_THAT(none2, IsEmpty()) << absent;
    }
  }
}

TEST_P(EventLogContractTest, ReadsAStreamBackwardInPages) {
  ASSERT_OK(log().AppendAndWait(Simple("r", 2)).status());
  ASSERT_OK(log().AppendAndWait(Simple("s", 6)).status());
  ASSERT_OK(log().AppendAndWait(Simple("s-1", 2)).status());
  ASSERT_OK(log().AppendAndWait(Simple("s", 4)).status());
  ASSERT_OK(log().AppendAndWait(Simple("t", 2)).status());

  std::vector<uint64_t> seen;
  std::vector<size_t> page_sizes;
  uint64_t from = kMaxVersion;
  while (true) {
    ASSERT_OK_AND_ASSIGN(
        auto page,
        log().ReadStream("s", from, ReadDirection::kBackward, 4, false));
    if (page.empty()) break;
    page_sizes.push_back(page.size());
    for (const RecordedEvent& e : page) {
      EXPECT_EQ(e.record.stream_id(), "s");
      seen.push_back(e.record.stream_version());
    }
    if (page.back().record.stream_version() == 0) break;
    from = page.back().record.stream_version() - 1;
  }
  EXPECT_THAT(page_sizes, ElementsAre(4, 4, 2));
  EXPECT_THAT(seen, ElementsAre(9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
  ASSERT_OK_AND_ASSIGN(
      auto middle,
      log().ReadStream("s", 3, ReadDirection::kBackward, 2, false));
  EXPECT_THAT(Versions(middle), ElementsAre(3, 2));
  ASSERT_OK_AND_ASSIGN(
      auto first, log().ReadStream("s", 0, ReadDirection::kBackward, 5, false));
  EXPECT_THAT(Versions(first), ElementsAre(0));
}

TEST_P(EventLogContractTest, ReadsTheWholeLogInPages) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(
        log().AppendAndWait(Simple("s" + std::to_string(i % 3), 5)).status());
  }
  std::vector<std::vector<uint64_t>> pages;
  uint64_t after = 0;
  while (true) {
    ASSERT_OK_AND_ASSIGN(auto page, log().ReadAll(after, 10, false));
    if (page.empty()) break;
    pages.push_back(Positions(page));
    after = page.back().position;
  }
  EXPECT_THAT(pages, ElementsAre(Range(1, 10), Range(11, 20), Range(21, 25)));
  for (uint64_t past : {uint64_t{25}, uint64_t{26}, uint64_t{1000},
                        std::numeric_limits<uint64_t>::max()}) {
    ASSERT_OK_AND_ASSIGN(auto none, log().ReadAll(past, 10, false));
    EXPECT_THAT(none, IsEmpty()) << past;
  }
  ASSERT_OK_AND_ASSIGN(auto zero, log().ReadAll(0, 0, false));
  EXPECT_THAT(zero, IsEmpty());
  ASSERT_OK_AND_ASSIGN(auto middle, log().ReadAll(12, 3, false));
  EXPECT_THAT(Positions(middle), ElementsAre(13, 14, 15));
}

TEST_P(EventLogContractTest, ReadsByTagInLogOrderWithContinuation) {
  for (int i = 0; i < 6; ++i) {
    std::vector<std::string> tags = {i % 2 == 0 ? "account:a" : "account:ab"};
    if (i % 3 == 0) tags.push_back("program:emea");
    ASSERT_OK(log()
                  .AppendAndWait(Request(
                      {To("s" + std::to_string(i % 4), ExpectedVersion::Any(),
                          {Event("T", "m" + std::to_string(i), tags,
                                 i == 4 ? "private" : "")})}))
                  .status());
  }
  ASSERT_OK_AND_ASSIGN(auto a, log().ReadByTag("account:a", 0, 10, true));
  EXPECT_THAT(Positions(a), ElementsAre(1, 3, 5));
  EXPECT_EQ(a[1].record.main(), "m2");
  EXPECT_THAT(a[1].record.tags(), ElementsAre("account:a"));
  EXPECT_EQ(a[2].personal, std::optional<std::string>("private"));
  ASSERT_OK_AND_ASSIGN(auto page, log().ReadByTag("account:ab", 2, 2, false));
  EXPECT_THAT(Positions(page), ElementsAre(4, 6));
  ASSERT_OK_AND_ASSIGN(auto first, log().ReadByTag("account:ab", 0, 1, false));
  EXPECT_THAT(Positions(first), ElementsAre(2));
  ASSERT_OK_AND_ASSIGN(auto emea,
                       log().ReadByTag("program:emea", 0, 10, false));
  EXPECT_THAT(Positions(emea), ElementsAre(1, 4));
  // Past the end, a prefix of a tag, an unknown tag: nothing.
  for (const auto& [tag, after] :
       std::vector<std::pair<std::string, uint64_t>>{{"account:a", 5},
                                                     {"account:a", kMaxVersion},
                                                     {"account", 0},
                                                     {"account:", 0},
                                                     {"nope", 0}}) {
    ASSERT_OK_AND_ASSIGN(auto none, log().ReadByTag(tag, after, 10, false));
    EXPECT_THAT(none, IsEmpty()) << tag << " after " << after;
  }
}

TEST_P(EventLogContractTest, ListsStreamsByPrefixInByteOrder) {
  for (const char* stream :
       {"acct-2", "acct-10", "other", "acct-1", "acct.x", "ac"}) {
    ASSERT_OK(log().AppendAndWait(Simple(stream)).status());
  }
  // A rejected append creates no stream.
  EXPECT_EQ(log()
                .AppendAndWait(Request(
                    {To("acct-9", ExpectedVersion::StreamExists(), Events(1))}))
                .status()
                .code(),
            absl::StatusCode::kAborted);

  ASSERT_OK_AND_ASSIGN(auto acct, log().ListStreams("acct-", "", 10));
  EXPECT_THAT(acct, ElementsAre("acct-1", "acct-10", "acct-2"));
  ASSERT_OK_AND_ASSIGN(auto page1, log().ListStreams("acct-", "", 2));
  EXPECT_THAT(page1, ElementsAre("acct-1", "acct-10"));
  ASSERT_OK_AND_ASSIGN(auto page2, log().ListStreams("acct-", page1.back(), 2));
  EXPECT_THAT(page2, ElementsAre("acct-2"));
  ASSERT_OK_AND_ASSIGN(auto page3, log().ListStreams("acct-", page2.back(), 2));
  EXPECT_THAT(page3, IsEmpty());
  // An `after` before the prefix starts at the prefix.
  ASSERT_OK_AND_ASSIGN(auto early, log().ListStreams("acct-", "a", 10));
  EXPECT_THAT(early, ElementsAre("acct-1", "acct-10", "acct-2"));
  ASSERT_OK_AND_ASSIGN(auto all, log().ListStreams("", "", 100));
  EXPECT_THAT(
      all, ElementsAre("ac", "acct-1", "acct-10", "acct-2", "acct.x", "other"));
  ASSERT_OK_AND_ASSIGN(auto none, log().ListStreams("zzz", "", 10));
  EXPECT_THAT(none, IsEmpty());
}

TEST_P(EventLogContractTest, LooksUpCommittedCommands) {
  ASSERT_OK_AND_ASSIGN(auto unknown, log().LookupCommand(kPrincipal, "cmd-1"));
  EXPECT_FALSE(unknown.has_value());
  ASSERT_OK(log().AppendAndWait(Simple("pad", 2)).status());
  ASSERT_OK_AND_ASSIGN(
      AppendResult original,
      log().AppendAndWait(Request({To("a", ExpectedVersion::Any(), Events(2)),
                                   To("b", ExpectedVersion::Any(), Events(1))},
                                  "cmd-1", "fp-1")));
  // Rejected: not recorded.
  EXPECT_EQ(log()
                .AppendAndWait(
                    Request({To("a", ExpectedVersion::NoStream(), Events(1))},
                            "cmd-2", "fp-2"))
                .status()
                .code(),
            absl::StatusCode::kAborted);

  auto expect_recorded = [&] {
    ASSERT_OK_AND_ASSIGN(auto found, log().LookupCommand(kPrincipal, "cmd-1"));
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->fingerprint, "fp-1");
    EXPECT_TRUE(found->result.replayed);
    ExpectSameResult(found->result, original);
    ASSERT_OK_AND_ASSIGN(auto rejected,
                         log().LookupCommand(kPrincipal, "cmd-2"));
    EXPECT_FALSE(rejected.has_value());
    ASSERT_OK_AND_ASSIGN(auto other, log().LookupCommand("svc:other", "cmd-1"));
    EXPECT_FALSE(other.has_value());
  };
  expect_recorded();
  ASSERT_NO_FATAL_FAILURE(Reopen());
  expect_recorded();
}

// ---------------------------------------------------------------------------
// Personal data

TEST_P(EventLogContractTest, PersonalPartIsStoredBesideTheRecord) {
  const std::string personal = "rationale: Alice Example approved";
  ASSERT_OK(
      log()
          .AppendAndWait(Request({To("p", ExpectedVersion::Any(),
                                     {Event("Decided", "main", {}, personal),
                                      Event("Noted", "main")})}))
          .status());
  ASSERT_OK_AND_ASSIGN(auto with, log().ReadAll(0, 10, true));
  ASSERT_EQ(with.size(), 2u);
  EXPECT_EQ(with[0].personal, std::optional<std::string>(personal));
  EXPECT_FALSE(with[0].personal_erased);
  EXPECT_EQ(with[0].record.personal_digest().size(), 32u);
  // The personal bytes are committed by digest, never inside the record.
  EXPECT_EQ(with[0].record_bytes.find("Alice"), std::string::npos);
  EXPECT_EQ(with[1].personal, std::nullopt);
  EXPECT_FALSE(with[1].personal_erased);
  EXPECT_TRUE(with[1].record.personal_digest().empty());

  ASSERT_OK_AND_ASSIGN(auto without, log().ReadAll(0, 10, false));
  EXPECT_EQ(without[0].personal, std::nullopt);
  ASSERT_OK_AND_ASSIGN(
      auto stream, log().ReadStream("p", 0, ReadDirection::kForward, 10, true));
  EXPECT_EQ(stream[0].personal, std::optional<std::string>(personal));

  // Equal personal parts get different digests (salted).
  ASSERT_OK(log()
                .AppendAndWait(
                    Request({To("p", ExpectedVersion::Any(),
                                {Event("Decided", "main", {}, personal)})}))
                .status());
  ASSERT_OK_AND_ASSIGN(auto third, log().ReadAll(2, 10, true));
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0].personal, std::optional<std::string>(personal));
  EXPECT_NE(third[0].record.personal_digest(),
            with[0].record.personal_digest());
}

TEST_P(EventLogContractTest, ErasingThePersonalPartKeepsTheChainValid) {
  ASSERT_OK(log().AppendAndWait(Simple("p")).status());
  ASSERT_OK(log()
                .AppendAndWait(Request(
                    {To("p", ExpectedVersion::Any(),
                        {Event("Decided", "main", {}, "Bob's notes")})}))
                .status());
  ASSERT_OK(log().AppendAndWait(Simple("p")).status());
  ASSERT_OK_AND_ASSIGN(auto before, log().ReadAll(0, 10, true));
  ASSERT_EQ(before.size(), 3u);
  const ChainHead head = log().GetChainHead();

  ASSERT_OK(log().ErasePersonal(2));
  EXPECT_EQ(log().ErasePersonal(99).code(), absl::StatusCode::kNotFound);

  auto expect_erased = [&] {
    ASSERT_OK_AND_ASSIGN(VerifyResult verify, log().VerifyChain(0, 0));
    EXPECT_TRUE(verify.ok) << verify.problem << " at "
                           << verify.first_bad_position;
    EXPECT_EQ(verify.checked, 3u);
    EXPECT_EQ(log().GetChainHead().position, head.position);
    EXPECT_EQ(log().GetChainHead().hash, head.hash);
    ASSERT_OK_AND_ASSIGN(auto after, log().ReadAll(0, 10, true));
    ASSERT_EQ(after.size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(after[i].record_bytes, before[i].record_bytes);
      EXPECT_EQ(after[i].hash, before[i].hash);
    }
    EXPECT_EQ(after[1].personal, std::nullopt);
    EXPECT_TRUE(after[1].personal_erased);
    EXPECT_EQ(after[1].record.personal_digest(),
              before[1].record.personal_digest());
    EXPECT_FALSE(after[0].personal_erased);
    ASSERT_OK_AND_ASSIGN(
        auto stream,
        log().ReadStream("p", 1, ReadDirection::kForward, 1, true));
    ASSERT_EQ(stream.size(), 1u);
    EXPECT_TRUE(stream[0].personal_erased);
  };
  expect_erased();
  ASSERT_NO_FATAL_FAILURE(Reopen());
  expect_erased();
  ASSERT_OK(log().AppendAndWait(Simple("p")).status());
  ASSERT_OK_AND_ASSIGN(VerifyResult verify, log().VerifyChain(0, 0));
  EXPECT_TRUE(verify.ok);
  EXPECT_EQ(verify.checked, 4u);
}

// ---------------------------------------------------------------------------
// Validation and limits

TEST_P(EventLogContractTest, InvalidAppendsAreRejectedAndWriteNothing) {
  ASSERT_OK(log().AppendAndWait(Simple("existing")).status());
  const ChainHead before = log().GetChainHead();
  const AppendLimits defaults;

  auto with_stream = [](std::string stream_id) {
    return Request(
        {To(std::move(stream_id), ExpectedVersion::Any(), Events(1))});
  };
  auto with_event = [](NewEvent event) {
    return Request({To("target", ExpectedVersion::Any(), {std::move(event)})});
  };
  struct Case {
    std::string name;
    AppendRequest request;
    std::string field;
  };
  std::vector<Case> cases;
  {
    AppendRequest r = Simple("target");
    r.principal = "";
    cases.push_back({"empty principal", r, "principal"});
  }
  cases.push_back({"no streams", Request({}), "streams"});
  cases.push_back({"empty stream id", with_stream(""), "streams[0].stream_id"});
  cases.push_back(
      {"space in stream id", with_stream("acct acme"), "streams[0].stream_id"});
  cases.push_back(
      {"slash in stream id", with_stream("acct/acme"), "streams[0].stream_id"});
  cases.push_back({"NUL in stream id", with_stream(std::string("a\0b", 3)),
                   "streams[0].stream_id"});
  cases.push_back({"non-ASCII stream id", with_stream("acct-\xc3\xa9"),
                   "streams[0].stream_id"});
  cases.push_back({"stream id too long",
                   with_stream(std::string(defaults.max_id_length + 1, 'a')),
                   "streams[0].stream_id"});
  cases.push_back(
      {"stream twice",
       Request({To("target", ExpectedVersion::Any(), Events(1)),
                To("other", ExpectedVersion::Any(), Events(1)),
                To("target", ExpectedVersion::NoStream(), Events(1))}),
       "streams[2].stream_id"});
  cases.push_back({"no events",
                   Request({To("target", ExpectedVersion::Any(), {})}),
                   "streams[0].events"});
  cases.push_back({"type starts with a digit", with_event(Event("1Type")),
                   "streams[0].events[0].type"});
  cases.push_back({"dash in type", with_event(Event("Type-X")),
                   "streams[0].events[0].type"});
  cases.push_back(
      {"empty type", with_event(Event("")), "streams[0].events[0].type"});
  cases.push_back({"space in tag",
                   with_event(Event("T", "m", {"account acme"})),
                   "streams[0].events[0].tags[0]"});
  cases.push_back({"second tag bad",
                   with_event(Event("T", "m", {"ok:1", "bad/tag"})),
                   "streams[0].events[0].tags[1]"});
  cases.push_back({"empty tag", with_event(Event("T", "m", {""})),
                   "streams[0].events[0].tags[0]"});
  cases.push_back({"too many tags",
                   with_event(Event("T", "m",
                                    std::vector<std::string>(
                                        defaults.max_tags_per_event + 1, "t"))),
                   "streams[0].events[0].tags"});
  cases.push_back(
      {"event too big",
       with_event(Event("T", std::string(defaults.max_event_bytes + 1, 'x'))),
       "streams[0].events[0]"});
  cases.push_back(
      {"event too big with its personal part",
       with_event(Event("T", std::string(1000, 'x'), {},
                        std::string(defaults.max_event_bytes - 999, 'p'))),
       "streams[0].events[0]"});
  cases.push_back(
      {"too many events",
       Request(
           {To("target", ExpectedVersion::Any(),
               Events(static_cast<int>(defaults.max_events_per_append) + 1))}),
       "streams"});
  cases.push_back(
      {"too many events across streams",
       Request({To("target", ExpectedVersion::Any(), Events(600)),
                To("other", ExpectedVersion::Any(),
                   Events(static_cast<int>(defaults.max_events_per_append) -
                          599))}),
       "streams"});
  cases.push_back({"bad event in the second stream",
                   Request({To("target", ExpectedVersion::Any(), Events(1)),
                            To("other", ExpectedVersion::Any(),
                               {Event("A"), Event("B"), Event("C D")})}),
                   "streams[1].events[2].type"});
  {
    AppendRequest r = Simple("target");
    r.command_id = "has space";
    r.fingerprint = "fp";
    cases.push_back({"space in command id", r, "command_id"});
  }
  {
    AppendRequest r = Simple("target");
    r.streams[0].events[0].effective_at_us = -1;
    cases.push_back(
        {"negative effective time", r, "streams[0].events[0].effective_at_us"});
  }

  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<AppendResult> result = log().AppendAndWait(c.request);
    ExpectFieldViolation(result.status(), c.field);
    EXPECT_EQ(log().GetChainHead().position, before.position);
    EXPECT_EQ(log().GetChainHead().hash, before.hash);
    EXPECT_EQ(*log().StreamVersion("target"), std::nullopt);
    EXPECT_EQ(*log().StreamVersion("other"), std::nullopt);
  }
  ASSERT_OK_AND_ASSIGN(auto all, ReadEverything(log()));
  EXPECT_EQ(all.size(), 1u);
}

TEST_P(EventLogContractTest, DefaultLimitsAreInclusive) {
  const AppendLimits defaults;
  const std::string id(defaults.max_id_length, 'a');
  const std::string all_chars = "Az09._:@-";
  NewEvent biggest =
      Event("T.x_9", std::string(defaults.max_event_bytes - 10, 'm'),
            std::vector<std::string>(defaults.max_tags_per_event, all_chars),
            std::string(10, 'p'));
  ASSERT_OK_AND_ASSIGN(
      AppendResult big,
      log().AppendAndWait(
          Request({To(id, ExpectedVersion::Any(), {biggest}),
                   To(all_chars, ExpectedVersion::Any(), Events(1))})));
  EXPECT_EQ(big.last_position, 2u);
  ASSERT_OK_AND_ASSIGN(
      AppendResult many,
      log().AppendAndWait(Request(
          {To("many", ExpectedVersion::Any(),
              Events(static_cast<int>(defaults.max_events_per_append)))})));
  EXPECT_EQ(many.last_position - many.first_position + 1,
            defaults.max_events_per_append);
  ASSERT_OK_AND_ASSIGN(
      auto read, log().ReadStream(id, 0, ReadDirection::kForward, 1, true));
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].record.main().size(), defaults.max_event_bytes - 10);
  EXPECT_EQ(read[0].personal, std::optional<std::string>(std::string(10, 'p')));
}

TEST_P(EventLogContractTest, LimitsAreConfigurable) {
  BackendOptions options;
  AppendLimits limits;
  limits.max_event_bytes = 100;
  limits.max_events_per_append = 3;
  limits.max_tags_per_event = 2;
  limits.max_id_length = 10;
  options.limits = limits;
  ASSERT_NO_FATAL_FAILURE(Open(options));

  auto one = [](std::string stream, NewEvent event) {
    return Request(
        {To(std::move(stream), ExpectedVersion::Any(), {std::move(event)})});
  };
  ASSERT_OK(log()
                .AppendAndWait(one("s", Event("T", std::string(100, 'x'))))
                .status());
  ExpectFieldViolation(
      log().AppendAndWait(one("s", Event("T", std::string(101, 'x')))).status(),
      "streams[0].events[0]");
  ASSERT_OK(
      log()
          .AppendAndWait(Request({To("s", ExpectedVersion::Any(), Events(3))}))
          .status());
  ExpectFieldViolation(
      log()
          .AppendAndWait(Request({To("s", ExpectedVersion::Any(), Events(4))}))
          .status(),
      "streams");
  ASSERT_OK(
      log().AppendAndWait(one("s", Event("T", "m", {"a", "b"}))).status());
  ExpectFieldViolation(
      log().AppendAndWait(one("s", Event("T", "m", {"a", "b", "c"}))).status(),
      "streams[0].events[0].tags");
  ASSERT_OK(log().AppendAndWait(one("abcdefghij", Event("T"))).status());
  ExpectFieldViolation(
      log().AppendAndWait(one("abcdefghijk", Event("T"))).status(),
      "streams[0].stream_id");
  EXPECT_EQ(log().GetChainHead().position, 6u);
}

// ---------------------------------------------------------------------------
// Commit notification

TEST_P(EventLogContractTest, CommitListenersSeeEveryCommitInOrder) {
  ASSERT_OK(log().AppendAndWait(Simple("pre", 3)).status());
  RecordingListener listener;
  EXPECT_EQ(log().AddCommitListener(&listener), 3u);

  constexpr int kThreads = 8;
  constexpr int kAppendsPerThread = 20;
  RecordingListener late;
  std::atomic<uint64_t> late_registered_at{0};
  std::atomic<int> stale_reads{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAppendsPerThread; ++i) {
        if (t == 0 && i == kAppendsPerThread / 2) {
          late_registered_at = log().AddCommitListener(&late);
        }
        AppendRequest request = Simple("t" + std::to_string(t), 1 + i % 3);
        if (i % 4 == 0) request.streams[0].events[0].personal = "secret";
        absl::StatusOr<AppendResult> result = log().AppendAndWait(request);
        ASSERT_TRUE(result.ok()) << result.status();
        // Listeners learn of a commit before its submitter does.
        if (listener.last_position() < result->last_position) ++stale_reads;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  log().RemoveCommitListener(&late);
  EXPECT_EQ(stale_reads.load(), 0);

  const uint64_t head = log().GetChainHead().position;
  auto check =
      [head](const std::vector<std::shared_ptr<const CommittedBatch>>& batches,
             uint64_t registered_at) {
        uint64_t expected_next = registered_at + 1;
        for (const auto& batch : batches) {
          EXPECT_EQ(batch->first_position, expected_next);
          ASSERT_FALSE(batch->events.empty());
          EXPECT_EQ(batch->last_position,
                    batch->first_position + batch->events.size() - 1);
          for (const RecordedEvent& e : batch->events) {
            EXPECT_EQ(e.position, expected_next);
            EXPECT_EQ(e.record.position(), expected_next);
            EXPECT_EQ(e.hash.size(), 32u);
            if (!e.record.personal_digest().empty()) {
              EXPECT_EQ(e.personal, std::optional<std::string>("secret"));
            }
            ++expected_next;
          }
        }
        EXPECT_EQ(expected_next - 1, head);
      };
  check(listener.batches(), 3);
  check(late.batches(), late_registered_at.load());

  // The batches carry exactly what the log holds.
  ASSERT_OK_AND_ASSIGN(auto all, ReadEverything(log(), true));
  std::vector<std::string> from_batches;
  for (const auto& batch : listener.batches()) {
    for (const RecordedEvent& e : batch->events) {
      from_batches.push_back(e.record_bytes + e.hash);
    }
  }
  std::vector<std::string> from_log;
  for (size_t i = 3; i < all.size(); ++i) {
    from_log.push_back(all[i].record_bytes + all[i].hash);
  }
  EXPECT_EQ(from_batches, from_log);

  // Removed: told nothing more.
  const size_t batches = listener.batches().size();
  log().RemoveCommitListener(&listener);
  ASSERT_OK(log().AppendAndWait(Simple("after")).status());
  EXPECT_EQ(listener.batches().size(), batches);
}

// ---------------------------------------------------------------------------
// Restart and the chain

TEST_P(EventLogContractTest, ReopenKeepsHeadsChainHeadAndPositions) {
  ASSERT_OK(log().AppendAndWait(Simple("a", 3)).status());
  ASSERT_OK(log().AppendAndWait(Simple("b", 2)).status());
  ASSERT_OK(log().AppendAndWait(Simple("a", 1)).status());
  const ChainHead head = log().GetChainHead();
  ASSERT_NO_FATAL_FAILURE(Reopen());

  const ChainHead reopened = log().GetChainHead();
  EXPECT_EQ(reopened.position, head.position);
  EXPECT_EQ(reopened.hash, head.hash);
  EXPECT_EQ(*log().StreamVersion("a"), std::optional<uint64_t>(3));
  EXPECT_EQ(*log().StreamVersion("b"), std::optional<uint64_t>(1));
  RecordingListener listener;
  EXPECT_EQ(log().AddCommitListener(&listener), head.position);

  ASSERT_OK_AND_ASSIGN(AppendResult next,
                       log().AppendAndWait(Request(
                           {To("a", ExpectedVersion::Exact(3), Events(1)),
                            To("b", ExpectedVersion::Exact(1), Events(1))})));
  EXPECT_EQ(next.first_position, head.position + 1);
  EXPECT_EQ(next.streams[0].first_version, 4u);
  EXPECT_EQ(next.streams[1].first_version, 2u);
  log().RemoveCommitListener(&listener);
  ASSERT_EQ(listener.batches().size(), 1u);
  EXPECT_EQ(listener.batches()[0]->first_position, head.position + 1);
  ASSERT_OK_AND_ASSIGN(
      auto a, log().ReadStream("a", 0, ReadDirection::kForward, 100, false));
  EXPECT_THAT(Versions(a), ElementsAre(0, 1, 2, 3, 4));
  ASSERT_OK_AND_ASSIGN(VerifyResult verify, log().VerifyChain(0, 0));
  EXPECT_TRUE(verify.ok) << verify.problem;
  EXPECT_EQ(verify.checked, head.position + 2);
}

TEST_P(EventLogContractTest, VerifyChainChecksAnyRange) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(
        log().AppendAndWait(Simple("v" + std::to_string(i % 2), 2)).status());
  }
  struct Range {
    uint64_t from, to, checked;
  };
  for (const Range& r : std::vector<Range>{{0, 0, 10},
                                           {1, 10, 10},
                                           {3, 5, 3},
                                           {10, 10, 1},
                                           {1, 1, 1},
                                           {0, 3, 3},
                                           {4, 100, 7},
                                           {11, 0, 0},
                                           {6, 5, 0}}) {
    SCOPED_TRACE(::testing::Message() << "[" << r.from << ", " << r.to << "]");
    ASSERT_OK_AND_ASSIGN(VerifyResult verify, log().VerifyChain(r.from, r.to));
    EXPECT_TRUE(verify.ok) << verify.problem;
    EXPECT_EQ(verify.checked, r.checked);
  }
}

TEST_P(EventLogContractTest, ClosingCompletesEveryQueuedAppend) {
  constexpr int kAppends = 50;
  std::vector<AppendOutcome> outcomes(kAppends);
  for (int i = 0; i < kAppends; ++i) {
    log().Append(Request({To("q", ExpectedVersion::Any(), Events(1))},
                         "q-" + std::to_string(i), "fp"),
                 outcomes[i].Callback());
  }
  log_.reset();
  std::set<uint64_t> positions;
  for (AppendOutcome& o : outcomes) {
    ASSERT_TRUE(o.done());
    ASSERT_EQ(o.calls(), 1);
    ASSERT_TRUE(o.Wait().ok()) << o.Wait().status();
    positions.insert(o.Wait()->first_position);
  }
  EXPECT_EQ(positions.size(), static_cast<size_t>(kAppends));
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(log().GetChainHead().position, static_cast<uint64_t>(kAppends));
  EXPECT_EQ(*log().StreamVersion("q"), std::optional<uint64_t>(kAppends - 1));
}

// ---------------------------------------------------------------------------
// Concurrency

TEST_P(EventLogContractTest, ConcurrentExactAppendsNeverLoseAnUpdate) {
  constexpr int kThreads = 64;
  constexpr int kSuccessesPerThread = 6;
  constexpr int kStreams = 8;
  absl::Mutex mu;
  std::vector<AppendResult> successes;  // guarded by mu
  std::atomic<int> aborted{0};
  std::atomic<int> failures{0};

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      int done = 0;
      while (done < kSuccessesPerThread && failures.load() == 0) {
        // One stream mostly; every third append spans two streams.
        std::vector<std::string> streams = {"acct-" +
                                            std::to_string(rng() % kStreams)};
        if (rng() % 3 == 0) {
          std::string second = "acct-" + std::to_string(rng() % kStreams);
          if (second != streams[0]) streams.push_back(second);
        }
        std::vector<StreamAppend> appends;
        bool read_failed = false;
        for (const std::string& s : streams) {
          absl::StatusOr<std::optional<uint64_t>> version =
              log().StreamVersion(s);
          if (!version.ok()) {
            read_failed = true;
            break;
          }
          appends.push_back(To(s,
                               version->has_value()
                                   ? ExpectedVersion::Exact(**version)
                                   : ExpectedVersion::NoStream(),
                               Events(1)));
        }
        if (read_failed) {
          ++failures;
          break;
        }
        absl::StatusOr<AppendResult> result =
            log().AppendAndWait(Request(std::move(appends)));
        if (result.ok()) {
          absl::MutexLock lock(&mu);
          successes.push_back(*std::move(result));
          ++done;
        } else if (result.status().code() == absl::StatusCode::kAborted) {
          ++aborted;
        } else {
          ADD_FAILURE() << result.status();
          ++failures;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  absl::MutexLock lock(&mu);
  ASSERT_EQ(successes.size(),
            static_cast<size_t>(kThreads * kSuccessesPerThread));

  // Every success owns unique (stream, version)s and positions.
  std::set<std::pair<std::string, uint64_t>> versions;
  std::map<std::string, uint64_t> per_stream;
  std::map<uint64_t, std::string> event_at;  // position -> event id
  uint64_t total = 0;
  for (const AppendResult& r : successes) {
    size_t i = 0;
    for (const StreamAppendResult& s : r.streams) {
      EXPECT_EQ(s.first_version, s.last_version);
      EXPECT_TRUE(versions.insert({s.stream_id, s.first_version}).second)
          << s.stream_id << "@" << s.first_version << " committed twice";
      ++per_stream[s.stream_id];
      EXPECT_TRUE(event_at.emplace(r.first_position + i, r.event_ids[i]).second)
          << "position " << r.first_position + i << " assigned twice";
      ++i;
    }
    EXPECT_EQ(r.last_position - r.first_position + 1, r.streams.size());
    total += r.streams.size();
  }
  // No lost update: each stream's last version counts every success on it.
  for (const auto& [stream, count] : per_stream) {
    EXPECT_EQ(*log().StreamVersion(stream), std::optional<uint64_t>(count - 1))
        << stream;
  }
  // Gapless positions, and each holds the event its success reported.
  ASSERT_OK_AND_ASSIGN(auto all, ReadEverything(log()));
  ASSERT_EQ(all.size(), total);
  EXPECT_EQ(log().GetChainHead().position, total);
  std::map<std::string, uint64_t> next_version;
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].position, i + 1);
    EXPECT_EQ(all[i].record.event_id(), event_at[i + 1]);
    EXPECT_EQ(all[i].record.stream_version(),
              next_version[all[i].record.stream_id()]++);
  }
  ASSERT_OK_AND_ASSIGN(VerifyResult verify, log().VerifyChain(0, 0));
  EXPECT_TRUE(verify.ok) << verify.problem << " at "
                         << verify.first_bad_position;
  EXPECT_EQ(verify.checked, total);
  RecordProperty("aborted_retries", aborted.load());
}

}  // namespace
}  // namespace kamgov::eventstore::testing
