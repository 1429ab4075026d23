// EventStreamService end to end: a real daemon on 127.0.0.1:0 over a temp
// data directory, real gRPC clients. Appends go straight to the daemon's log
// (GovernanceService commands are not needed to produce events).
//
// What a subscriber receives is checked against an independent model: the
// final log read back, filtered by the test's own matcher (not the server's
// EventFilter), so a filtering bug cannot hide behind itself.

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "eventstore/event_log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kamgov/v1/event_stream.grpc.pb.h"
#include "proto/status_details.h"
#include "services/daemon.h"
#include "services/grpc_status.h"
#include "tests/testing/temp_dir.h"

namespace kamgov::services {
namespace {

using ::kamgov::v1::EventFilter;
using ::kamgov::v1::EventStreamService;
using ::kamgov::v1::SubscribeRequest;
using ::kamgov::v1::SubscribeResponse;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// ---------------------------------------------------------------------------
// Test model

// The test's own reading of the filter semantics (AND across criteria, OR
// within one).
bool ModelMatches(const EventFilter& filter,
                  const kamgov::v1::EventRecord& record) {
  auto contains = [](const auto& values, const std::string& value) {
    return std::find(values.begin(), values.end(), value) != values.end();
  };
  bool prefix_ok = filter.stream_prefixes().empty();
  for (const std::string& prefix : filter.stream_prefixes()) {
    if (absl::StartsWith(record.stream_id(), prefix)) prefix_ok = true;
  }
  const bool type_ok = filter.event_types().empty() ||
                       contains(filter.event_types(), record.type());
  bool tag_ok = filter.tags().empty();
  for (const std::string& tag : record.tags()) {
    if (contains(filter.tags(), tag)) tag_ok = true;
  }
  return prefix_ok && type_ok && tag_ok;
}

bool IsFiltered(const EventFilter& filter) {
  return !filter.stream_prefixes().empty() || !filter.event_types().empty() ||
         !filter.tags().empty();
}

EventFilter Filter(std::vector<std::string> prefixes,
                   std::vector<std::string> types,
                   std::vector<std::string> tags) {
  EventFilter filter;
  for (std::string& p : prefixes) filter.add_stream_prefixes(std::move(p));
  for (std::string& t : types) filter.add_event_types(std::move(t));
  for (std::string& t : tags) filter.add_tags(std::move(t));
  return filter;
}

SubscribeRequest FromStart(EventFilter filter = {}) {
  SubscribeRequest request;
  request.mutable_from()->set_start(true);
  *request.mutable_filter() = std::move(filter);
  return request;
}

SubscribeRequest After(uint64_t position, EventFilter filter = {}) {
  SubscribeRequest request;
  request.mutable_from()->set_after(position);
  *request.mutable_filter() = std::move(filter);
  return request;
}

SubscribeRequest FromEnd(EventFilter filter = {}) {
  SubscribeRequest request;
  request.mutable_from()->set_end(true);
  *request.mutable_filter() = std::move(filter);
  return request;
}

// One received message, reduced to what the tests check.
struct Message {
  SubscribeResponse::KindCase kind = SubscribeResponse::KIND_NOT_SET;
  uint64_t position = 0;  // checkpoint / caught_up
  std::vector<kamgov::v1::Event> events;
};

// A synchronous gRPC subscriber on its own thread. It records every message
// and can pause (stop calling Read) and resume on the same stream.
class TestSubscriber {
 public:
  TestSubscriber(const std::shared_ptr<grpc::Channel>& channel,
                 SubscribeRequest request)
      : stub_(EventStreamService::NewStub(channel)),
        request_(std::move(request)) {
    thread_ = std::thread([this] { Run(); });
  }
  // A subscriber that pauses before its first Read.
  static std::unique_ptr<TestSubscriber> Paused(
      const std::shared_ptr<grpc::Channel>& channel, SubscribeRequest request) {
    return std::unique_ptr<TestSubscriber>(
        new TestSubscriber(channel, std::move(request), /*paused=*/true));
  }

  ~TestSubscriber() {
    context_.TryCancel();
    Resume();
    thread_.join();
  }

  void Pause() {
    absl::MutexLock lock(&mu_);
    paused_ = true;
  }
  void Resume() {
    absl::MutexLock lock(&mu_);
    paused_ = false;
  }

  // Waits until the subscriber knows every position up to `position` (an
  // event, checkpoint or caught-up marker at or past it).
  bool WaitKnown(uint64_t position,
                 absl::Duration timeout = absl::Seconds(30)) {
    absl::MutexLock lock(&mu_);
    auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return known_ >= position || done_;
    };
    mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
    return known_ >= position;
  }
  bool WaitCaughtUp(absl::Duration timeout = absl::Seconds(30)) {
    absl::MutexLock lock(&mu_);
    auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return caught_up_ || done_;
    };
    mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
    return caught_up_;
  }
  bool WaitMessages(size_t count, absl::Duration timeout = absl::Seconds(30)) {
    absl::MutexLock lock(&mu_);
    auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return messages_.size() >= count || done_;
    };
    mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
    return messages_.size() >= count;
  }
  // Waits for the stream to end by itself; nullopt on timeout.
  std::optional<grpc::Status> WaitEnd(
      absl::Duration timeout = absl::Seconds(30)) {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&done_), timeout);
    if (!done_) return std::nullopt;
    return status_;
  }
  // Cancels the call and returns its final status.
  grpc::Status Cancel() {
    context_.TryCancel();
    Resume();
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&done_));
    return status_;
  }

  std::vector<Message> messages() const {
    absl::MutexLock lock(&mu_);
    return messages_;
  }
  // Positions of the events received, in order of receipt.
  std::vector<uint64_t> positions() const {
    absl::MutexLock lock(&mu_);
    std::vector<uint64_t> out;
    for (const Message& m : messages_) {
      for (const kamgov::v1::Event& e : m.events) {
        out.push_back(e.record().position());
      }
    }
    return out;
  }

 private:
  TestSubscriber(const std::shared_ptr<grpc::Channel>& channel,
                 SubscribeRequest request, bool paused)
      : stub_(EventStreamService::NewStub(channel)),
        request_(std::move(request)),
        paused_(paused) {
    thread_ = std::thread([this] { Run(); });
  }

  void Run() {
    std::unique_ptr<grpc::ClientReader<SubscribeResponse>> reader =
        stub_->Subscribe(&context_, request_);
    SubscribeResponse response;
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        auto running = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return !paused_;
        };
        mu_.Await(absl::Condition(&running));
      }
      if (!reader->Read(&response)) break;
      Message message;
      message.kind = response.kind_case();
      absl::MutexLock lock(&mu_);
      switch (response.kind_case()) {
        case SubscribeResponse::kEvents:
          message.events.assign(response.events().events().begin(),
                                response.events().events().end());
          for (const kamgov::v1::Event& e : message.events) {
            known_ = std::max(known_, e.record().position());
          }
          break;
        case SubscribeResponse::kCheckpoint:
          message.position = response.checkpoint();
          known_ = std::max(known_, message.position);
          break;
        case SubscribeResponse::kCaughtUp:
          message.position = response.caught_up();
          known_ = std::max(known_, message.position);
          caught_up_ = true;
          break;
        default:
          break;
      }
      messages_.push_back(std::move(message));
    }
    grpc::Status status = reader->Finish();
    absl::MutexLock lock(&mu_);
    status_ = std::move(status);
    done_ = true;
  }

  std::unique_ptr<EventStreamService::Stub> stub_;
  const SubscribeRequest request_;
  grpc::ClientContext context_;

  mutable absl::Mutex mu_;
  bool paused_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<Message> messages_ ABSL_GUARDED_BY(mu_);
  uint64_t known_ ABSL_GUARDED_BY(mu_) = 0;
  bool caught_up_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

// Checks the ordering contract of a message sequence that started after
// `after`: events strictly ascending and after every position announced
// before them; checkpoints and markers never go back; an unfiltered
// subscription gets no checkpoints; a filtered one never lets more than
// `checkpoint_every` positions pass without announcing one (0: unchecked).
void CheckSequence(const std::vector<Message>& messages, uint64_t after,
                   bool filtered, size_t checkpoint_every,
                   const std::string& who) {
  uint64_t known = after;
  for (size_t i = 0; i < messages.size(); ++i) {
    const Message& m = messages[i];
    SCOPED_TRACE(absl::StrCat(who, " message ", i));
    switch (m.kind) {
      case SubscribeResponse::kEvents:
        ASSERT_FALSE(m.events.empty());
        for (const kamgov::v1::Event& e : m.events) {
          const uint64_t p = e.record().position();
          ASSERT_GT(p, known) << "out of order or repeated";
          if (filtered && checkpoint_every > 0) {
            ASSERT_LE(p - known, checkpoint_every) << "checkpoint overdue";
          }
          known = p;
        }
        break;
      case SubscribeResponse::kCheckpoint:
        ASSERT_TRUE(filtered) << "unfiltered subscriptions need no checkpoint";
        ASSERT_GT(m.position, known);
        if (checkpoint_every > 0) {
          ASSERT_LE(m.position - known, checkpoint_every);
        }
        known = m.position;
        break;
      case SubscribeResponse::kCaughtUp:
        ASSERT_GE(m.position, known);
        if (filtered && checkpoint_every > 0) {
          ASSERT_LE(m.position - known, checkpoint_every);
        }
        known = m.position;
        break;
      default:
        FAIL() << "a message without a kind";
    }
  }
}

// ---------------------------------------------------------------------------
// Fixture

struct Spec {
  std::string stream;
  std::string type;
  std::vector<std::string> tags;
};

eventstore::AppendRequest Request(const Spec& spec, int count,
                                  size_t payload_bytes = 16,
                                  std::string personal = "") {
  eventstore::AppendRequest request;
  request.principal = "svc:event-stream-test";
  eventstore::StreamAppend& stream = request.streams.emplace_back();
  stream.stream_id = spec.stream;
  for (int i = 0; i < count; ++i) {
    eventstore::NewEvent& event = stream.events.emplace_back();
    event.type = spec.type;
    event.tags = spec.tags;
    event.main = std::string(payload_bytes, static_cast<char>('a' + i % 26));
    event.personal = personal;
  }
  return request;
}

class EventStreamTest : public ::testing::Test {
 protected:
  void StartDaemon(eventstore::SubscriptionOptions subscriptions = {}) {
    DaemonOptions options;
    options.server.listen = "127.0.0.1:0";
    options.data_dir = dir_.path();
    options.subscriptions = subscriptions;
    // These tests open up to 100 subscriptions as one principal; the
    // per-principal limit has its own test (security).
    options.server.max_subscriptions_per_principal = 1000;
    absl::StatusOr<std::unique_ptr<Daemon>> daemon = Daemon::Start(options);
    ASSERT_TRUE(daemon.ok()) << daemon.status();
    daemon_ = *std::move(daemon);
    channel_ = NewChannel();
    stub_ = EventStreamService::NewStub(channel_);
  }

  // `small_window`: no BDP probing, so the client's HTTP/2 window stays at
  // its 64 KiB default and a client that stops reading quickly stops the
  // server's writes (a separate connection from channel_).
  std::shared_ptr<grpc::Channel> NewChannel(bool small_window = false) {
    grpc::ChannelArguments args;
    if (small_window) args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
    return grpc::CreateCustomChannel(
        absl::StrCat("127.0.0.1:", daemon_->port()),
        grpc::InsecureChannelCredentials(), args);
  }

  eventstore::AppendResult Append(const Spec& spec, int count = 1,
                                  size_t payload_bytes = 16,
                                  std::string personal = "") {
    absl::StatusOr<eventstore::AppendResult> result =
        daemon_->log().AppendAndWait(
            Request(spec, count, payload_bytes, std::move(personal)));
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : eventstore::AppendResult{};
  }

  uint64_t Head() { return daemon_->log().GetChainHead().position; }

  // The whole log as stored.
  std::vector<eventstore::RecordedEvent> ReadLog() {
    absl::StatusOr<std::vector<eventstore::RecordedEvent>> all =
        daemon_->log().ReadAll(0, 10'000'000, /*include_personal=*/false);
    EXPECT_TRUE(all.ok()) << all.status();
    return all.ok() ? *std::move(all)
                    : std::vector<eventstore::RecordedEvent>{};
  }

  // Positions > after matching `filter` in the stored log, by the model.
  std::vector<uint64_t> Expected(
      const std::vector<eventstore::RecordedEvent>& log,
      const EventFilter& filter, uint64_t after) {
    std::vector<uint64_t> out;
    for (const eventstore::RecordedEvent& event : log) {
      if (event.position > after && ModelMatches(filter, event.record)) {
        out.push_back(event.position);
      }
    }
    return out;
  }

  bool WaitHubSize(size_t size, absl::Duration timeout = absl::Seconds(20)) {
    const absl::Time deadline = absl::Now() + timeout;
    while (daemon_->hub().size() != size) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(2));
    }
    return true;
  }

  testing::TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<EventStreamService::Stub> stub_;
};

// The mix of streams, types and tags the concurrent tests append.
Spec MixedSpec(int thread, int i) {
  const int a = (thread * 7 + i) % 10;
  const std::string account = std::to_string(a);
  const std::string person = std::to_string(i % 4);
  switch ((thread + i) % 5) {
    case 0:
      return {
          "account-" + account, "AccountDesignated", {"account:" + account}};
    case 1:
      return {"account-" + account,
              "PlanReviewed",
              {"account:" + account, "person:" + person}};
    case 2:
      return {"person-" + person, "PersonRegistered", {"person:" + person}};
    case 3:
      return {"program-main", "ProgramConfigured", {}};
    default:
      return {
          "account-" + account,
          "SponsorAssigned",
          {"account:" + account, "account:" + std::to_string((a + 1) % 10)}};
  }
}

// Filters of every shape: none, prefix, type, tag, combinations, one that
// matches nothing.
EventFilter MixedFilter(int i) {
  const std::string a = std::to_string((i / 10) % 10);
  switch (i % 10) {
    case 0:
      return {};
    case 1:
      return Filter({"account-"}, {}, {});
    case 2:
      return Filter({}, {"PlanReviewed"}, {});
    case 3:
      return Filter({}, {}, {"account:" + a});
    case 4:
      return Filter({"account-"}, {"SponsorAssigned", "AccountDesignated"}, {});
    case 5:
      return Filter({}, {}, {"person:1", "account:3"});
    case 6:
      return Filter({"person-", "program-"}, {}, {});
    case 7:
      return Filter({}, {"ProgramConfigured"}, {"nobody:0"});
    case 8:
      return Filter({"account-1"}, {}, {"account:1"});
    default:
      return Filter({}, {"SponsorAssigned"}, {"account:" + a});
  }
}

// Appends `appends` mixed appends of 1-3 events from `threads` threads.
void AppendConcurrently(eventstore::EventLog& log, int threads, int appends,
                        int thread_offset = 0) {
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&log, t, appends, thread_offset] {
      for (int i = 0; i < appends; ++i) {
        absl::StatusOr<eventstore::AppendResult> result = log.AppendAndWait(
            Request(MixedSpec(t + thread_offset, i), 1 + i % 3));
        ASSERT_TRUE(result.ok()) << result.status();
      }
    });
  }
  for (std::thread& w : workers) w.join();
}

// ---------------------------------------------------------------------------
// Subscribe: delivery

TEST_F(EventStreamTest, HundredFilteredSubscribersUnderConcurrentAppends) {
  eventstore::SubscriptionOptions options;
  options.max_batch_events = 50;
  options.max_buffered_events = 128;  // some subscribers will fall behind
  options.checkpoint_every_events = 64;
  options.checkpoint_interval = absl::Milliseconds(100);
  StartDaemon(options);
  AppendConcurrently(daemon_->log(), 2, 100, /*thread_offset=*/10);
  const uint64_t prefill = Head();
  ASSERT_GT(prefill, 0u);

  struct Sub {
    SubscribeRequest request;
    uint64_t after = 0;
    std::unique_ptr<TestSubscriber> client;
  };
  std::vector<Sub> subs(100);
  for (int i = 0; i < 100; ++i) {
    EventFilter filter = MixedFilter(i);
    if (i % 4 == 3) {
      subs[i].after = (static_cast<uint64_t>(i) * 37) % prefill;
      subs[i].request = After(subs[i].after, filter);
    } else if (i % 4 == 2) {
      subs[i].request = FromStart(filter);
    } else {
      subs[i].request.mutable_filter()->CopyFrom(filter);  // from unset
    }
  }
  // Half subscribe before the appends, half while they run (their catch-up
  // turns live under load).
  for (int i = 0; i < 50; ++i) {
    subs[i].client =
        std::make_unique<TestSubscriber>(channel_, subs[i].request);
  }
  std::thread appenders([this] { AppendConcurrently(daemon_->log(), 4, 150); });
  for (int i = 50; i < 100; ++i) {
    absl::SleepFor(absl::Milliseconds(3));
    subs[i].client =
        std::make_unique<TestSubscriber>(channel_, subs[i].request);
  }
  appenders.join();
  const uint64_t head = Head();
  const std::vector<eventstore::RecordedEvent> log = ReadLog();
  ASSERT_EQ(log.size(), head);

  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(subs[i].client->WaitKnown(head)) << "subscriber " << i;
  }
  EXPECT_EQ(daemon_->hub().size(), 100u);
  for (int i = 0; i < 100; ++i) {
    SCOPED_TRACE(absl::StrCat("subscriber ", i));
    const EventFilter& filter = subs[i].request.filter();
    std::vector<uint64_t> expected = Expected(log, filter, subs[i].after);
    EXPECT_THAT(subs[i].client->positions(), ElementsAreArray(expected));
    CheckSequence(subs[i].client->messages(), subs[i].after, IsFiltered(filter),
                  options.checkpoint_every_events,
                  absl::StrCat("subscriber ", i));
    // The events are the stored ones, byte for byte.
    for (const Message& m : subs[i].client->messages()) {
      for (const kamgov::v1::Event& e : m.events) {
        const eventstore::RecordedEvent& stored =
            log[e.record().position() - 1];
        ASSERT_EQ(e.record_bytes(), stored.record_bytes);
        ASSERT_EQ(e.hash(), stored.hash);
      }
    }
  }
  for (Sub& sub : subs) sub.client.reset();
  EXPECT_TRUE(WaitHubSize(0));
}

TEST_F(EventStreamTest, NoGapOrDuplicateAtTheSwitchToLive) {
  eventstore::SubscriptionOptions options;
  options.max_batch_events = 16;  // many catch-up pages
  options.recent_events = 32;     // joining often misses the window
  // Small buffers: some subscribers fall behind and rejoin, crossing the
  // disk -> live switch more than once.
  options.max_buffered_events = 64;
  StartDaemon(options);
  AppendConcurrently(daemon_->log(), 2, 50);

  std::atomic<bool> stop{false};
  std::vector<std::thread> appenders;
  absl::Cleanup stop_appenders = [&] {
    stop = true;
    for (std::thread& t : appenders) t.join();
  };
  for (int t = 0; t < 4; ++t) {
    appenders.emplace_back([this, t, &stop] {
      for (int i = 0; !stop.load(); ++i) {
        ASSERT_TRUE(daemon_->log()
                        .AppendAndWait(Request(MixedSpec(t, i), 1 + i % 4))
                        .ok());
      }
    });
  }
  std::vector<std::unique_ptr<TestSubscriber>> subs;
  std::vector<uint64_t> afters;
  for (int i = 0; i < 30; ++i) {
    absl::SleepFor(absl::Milliseconds(5));
    // Some from the start, some resuming from a recent position, some
    // filtered: each switches to live while appends run.
    uint64_t after = 0;
    SubscribeRequest request;
    if (i % 3 == 1) {
      after = Head() > 10 ? Head() - 10 : 0;
      request = After(after);
    } else if (i % 3 == 2) {
      request = FromStart(Filter({"account-"}, {}, {}));
    } else {
      request = FromStart();
    }
    afters.push_back(after);
    subs.push_back(std::make_unique<TestSubscriber>(channel_, request));
  }
  absl::SleepFor(absl::Milliseconds(300));  // live, under load
  // Appends stop after a fixed time, not once everyone is live: on a
  // starved machine subscribers may only catch up once the load is gone.
  std::move(stop_appenders).Invoke();
  for (auto& sub : subs) ASSERT_TRUE(sub->WaitCaughtUp());
  // One last event every subscriber matches, so each learns the head.
  Append({"account-9", "AccountDesignated", {}});
  const uint64_t head = Head();
  const std::vector<eventstore::RecordedEvent> log = ReadLog();
  for (size_t i = 0; i < subs.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("subscriber ", i));
    const bool filtered = i % 3 == 2;
    const EventFilter filter =
        filtered ? Filter({"account-"}, {}, {}) : EventFilter{};
    ASSERT_TRUE(subs[i]->WaitKnown(head));
    EXPECT_THAT(subs[i]->positions(),
                ElementsAreArray(Expected(log, filter, afters[i])));
    CheckSequence(subs[i]->messages(), afters[i], filtered, 0,
                  absl::StrCat("subscriber ", i));
  }
}

// Deterministic version of the race above: commits land exactly between the
// catch-up read that reached the head and the join to the live feed.
TEST_F(EventStreamTest, CommitsAtTheSwitchAreDeliveredOnce) {
  std::atomic<int> commits_at_switch{0};
  eventstore::SubscriptionOptions options;
  options.max_batch_events = 8;
  // The hub keeps only the last commit group. Every other time, the hook
  // commits two groups: the first slips out of the window, so the
  // subscription must read it from disk before joining. Otherwise one group,
  // which the join takes from the window.
  options.recent_events = 4;
  options.at_head_for_testing = [this, &commits_at_switch] {
    const int call = commits_at_switch.fetch_add(1);
    if (call >= 16) return;
    for (int i = 0; i < (call % 2 == 0 ? 2 : 1); ++i) {
      ASSERT_TRUE(daemon_->log()
                      .AppendAndWait(Request(
                          {"account-2", "PlanReviewed", {"account:2"}}, 3))
                      .ok());
    }
  };
  StartDaemon(options);
  for (int i = 0; i < 10; ++i) Append(MixedSpec(0, i), 5);
  std::vector<std::unique_ptr<TestSubscriber>> subs;
  const EventFilter tagged = Filter({}, {}, {"account:2"});
  // From the end first, alone, so that it starts after position 50.
  subs.push_back(std::make_unique<TestSubscriber>(channel_, FromEnd()));
  ASSERT_TRUE(subs[0]->WaitCaughtUp());
  subs.push_back(std::make_unique<TestSubscriber>(channel_, FromStart()));
  subs.push_back(std::make_unique<TestSubscriber>(channel_, After(20)));
  subs.push_back(std::make_unique<TestSubscriber>(channel_, FromStart(tagged)));
  for (auto& sub : subs) ASSERT_TRUE(sub->WaitCaughtUp());
  ASSERT_GE(commits_at_switch.load(), 4);
  Append({"account-2", "AccountDesignated", {"account:2"}});
  const uint64_t head = Head();
  const std::vector<eventstore::RecordedEvent> log = ReadLog();
  for (auto& sub : subs) ASSERT_TRUE(sub->WaitKnown(head));
  // From the end: everything after the head it subscribed at (50),
  // starting with what the hook committed during its first read.
  EXPECT_THAT(subs[0]->positions(), ElementsAreArray(Expected(log, {}, 50)));
  EXPECT_THAT(subs[1]->positions(), ElementsAreArray(Expected(log, {}, 0)));
  EXPECT_THAT(subs[2]->positions(), ElementsAreArray(Expected(log, {}, 20)));
  EXPECT_THAT(subs[3]->positions(), ElementsAreArray(Expected(log, tagged, 0)));
  const uint64_t afters[] = {50, 0, 20, 0};
  for (size_t i = 0; i < subs.size(); ++i) {
    CheckSequence(subs[i]->messages(), afters[i], /*filtered=*/i == 3, 0,
                  absl::StrCat("subscriber ", i));
  }
}

TEST_F(EventStreamTest, CaughtUpMarksTheSwitchToLive) {
  StartDaemon();
  for (int i = 0; i < 10; ++i) Append({"account-1", "PlanReviewed", {}}, 10);
  ASSERT_EQ(Head(), 100u);

  TestSubscriber from_start(channel_, FromStart());
  ASSERT_TRUE(from_start.WaitCaughtUp());
  TestSubscriber from_end(channel_, FromEnd());
  ASSERT_TRUE(from_end.WaitCaughtUp());
  Append({"account-1", "PlanReviewed", {}}, 5);
  ASSERT_TRUE(from_start.WaitKnown(105));
  ASSERT_TRUE(from_end.WaitKnown(105));

  // From the start: all 100 stored events, then the marker at 100, then the
  // live ones, and no second marker.
  std::vector<Message> messages = from_start.messages();
  size_t marker = 0;
  uint64_t before_marker = 0;
  int markers = 0;
  for (size_t i = 0; i < messages.size(); ++i) {
    if (messages[i].kind == SubscribeResponse::kCaughtUp) {
      ++markers;
      marker = i;
    } else if (markers == 0) {
      before_marker = messages[i].events.back().record().position();
    }
  }
  EXPECT_EQ(markers, 1);
  EXPECT_EQ(messages[marker].position, 100u);
  EXPECT_EQ(before_marker, 100u);
  std::vector<uint64_t> all(105);
  for (uint64_t p = 1; p <= 105; ++p) all[p - 1] = p;
  EXPECT_THAT(from_start.positions(), ElementsAreArray(all));

  // From the end: the marker first, at the head when subscribing.
  messages = from_end.messages();
  ASSERT_GE(messages.size(), 2u);
  EXPECT_EQ(messages[0].kind, SubscribeResponse::kCaughtUp);
  EXPECT_EQ(messages[0].position, 100u);
  EXPECT_THAT(from_end.positions(),
              ElementsAreArray(std::vector<uint64_t>{101, 102, 103, 104, 105}));
}

TEST_F(EventStreamTest, PausedSubscriberStaysBoundedAndResumesOnTheSameStream) {
  eventstore::SubscriptionOptions options;
  options.max_buffered_events = 64;
  options.max_batch_events = 32;
  options.stall_timeout = absl::Minutes(5);  // a pause, not a stall
  StartDaemon(options);
  Append({"account-1", "AccountDesignated", {}}, 10);

  auto channel = NewChannel(/*small_window=*/true);
  TestSubscriber subscriber(channel, FromStart());
  ASSERT_TRUE(subscriber.WaitCaughtUp());
  subscriber.Pause();

  // Watch the hub's buffers while ~4 MB of events commit.
  std::atomic<bool> appending{true};
  std::atomic<size_t> max_buffered{0};
  std::thread watcher([&] {
    while (appending.load()) {
      const size_t b = daemon_->hub().buffered_events();
      if (b > max_buffered.load()) max_buffered = b;
      absl::SleepFor(absl::Microseconds(200));
    }
  });
  const uint64_t fallbacks_before = daemon_->hub().fallbacks();
  // The appends complete while the subscriber reads nothing: if the writer
  // waited for it, this would never return.
  for (int i = 0; i < 200; ++i) {
    Append({"account-" + std::to_string(i % 10),
            "PlanReviewed",
            {"account:" + std::to_string(i % 10)}},
           10, /*payload_bytes=*/2048);
  }
  appending = false;
  watcher.join();
  const uint64_t head = Head();
  ASSERT_EQ(head, 2010u);
  EXPECT_LE(max_buffered.load(), options.max_buffered_events);
  EXPECT_LE(daemon_->hub().buffered_events(), options.max_buffered_events);
  // The pause did overflow the buffer: the subscriber dropped to disk reads.
  EXPECT_GT(daemon_->hub().fallbacks(), fallbacks_before);
  EXPECT_LT(subscriber.positions().size(), 2010u);

  subscriber.Resume();
  ASSERT_TRUE(subscriber.WaitKnown(head));
  std::vector<uint64_t> all(head);
  for (uint64_t p = 1; p <= head; ++p) all[p - 1] = p;
  EXPECT_THAT(subscriber.positions(), ElementsAreArray(all));
  CheckSequence(subscriber.messages(), 0, false, 0, "paused");
  // Back live on the same stream: a new commit arrives.
  Append({"account-1", "PlanReviewed", {}});
  ASSERT_TRUE(subscriber.WaitKnown(head + 1));
  EXPECT_EQ(subscriber.positions().back(), head + 1);
  EXPECT_EQ(daemon_->hub().size(), 1u);
}

TEST_F(EventStreamTest, ResumingFromEveryPositionYieldsExactlyTheSuffix) {
  StartDaemon();
  for (int i = 0; i < 30; ++i) Append(MixedSpec(1, i), 1 + i % 2);
  const uint64_t head = Head();
  const std::vector<eventstore::RecordedEvent> log = ReadLog();
  const EventFilter filters[] = {EventFilter{},
                                 Filter({}, {}, {"account:3", "person:2"})};
  for (const EventFilter& filter : filters) {
    for (uint64_t after = 0; after <= head; ++after) {
      SCOPED_TRACE(
          absl::StrCat("after ", after, " filtered ", IsFiltered(filter)));
      TestSubscriber subscriber(channel_, After(after, filter));
      ASSERT_TRUE(subscriber.WaitCaughtUp());
      EXPECT_THAT(subscriber.positions(),
                  ElementsAreArray(Expected(log, filter, after)));
      // Same events, not only same positions.
      for (const Message& m : subscriber.messages()) {
        for (const auto& e : m.events) {
          EXPECT_EQ(e.record().event_id(),
                    log[e.record().position() - 1].record.event_id());
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Checkpoints

TEST_F(EventStreamTest, SparseFilterGetsCheckpointsEveryNEvents) {
  eventstore::SubscriptionOptions options;
  options.checkpoint_every_events = 10;
  options.checkpoint_interval = absl::Hours(1);  // count-based only
  options.max_batch_events = 32;
  StartDaemon(options);
  // 200 events, one in 50 tagged account:7.
  for (int i = 1; i <= 200; ++i) {
    Append(i % 50 == 0 ? Spec{"account-7", "PlanReviewed", {"account:7"}}
                       : Spec{"account-1", "PlanReviewed", {"account:1"}});
  }
  const EventFilter filter = Filter({}, {}, {"account:7"});
  TestSubscriber subscriber(channel_, FromStart(filter));
  ASSERT_TRUE(subscriber.WaitCaughtUp());
  // Catch-up: every gap of 10 scanned positions was announced.
  std::vector<Message> messages = subscriber.messages();
  CheckSequence(messages, 0, true, 10, "catch-up");
  EXPECT_THAT(subscriber.positions(),
              ElementsAreArray(std::vector<uint64_t>{50, 100, 150, 200}));
  int checkpoints = 0;
  for (const Message& m : messages) {
    if (m.kind == SubscribeResponse::kCheckpoint) ++checkpoints;
  }
  EXPECT_GE(checkpoints, 15);  // 196 non-matching events / 10, roughly

  // Live: 100 non-matching events in commit groups larger than N; still a
  // checkpoint at least every 10 positions.
  for (int i = 0; i < 4; ++i) Append({"account-1", "PlanReviewed", {}}, 25);
  ASSERT_TRUE(subscriber.WaitKnown(291));
  messages = subscriber.messages();
  CheckSequence(messages, 0, true, 10, "live");

  // Resuming from any checkpoint rescans nothing before it: the first event
  // received is the next match after it.
  uint64_t some_checkpoint = 0;
  for (const Message& m : messages) {
    if (m.kind == SubscribeResponse::kCheckpoint && m.position > 100 &&
        m.position < 150) {
      some_checkpoint = m.position;
    }
  }
  ASSERT_GT(some_checkpoint, 0u);
  TestSubscriber resumed(channel_, After(some_checkpoint, filter));
  ASSERT_TRUE(resumed.WaitCaughtUp());
  EXPECT_THAT(resumed.positions(),
              ElementsAreArray(std::vector<uint64_t>{150, 200}));
  CheckSequence(resumed.messages(), some_checkpoint, true, 10, "resumed");
}

TEST_F(EventStreamTest, SparseFilterGetsTimeBasedCheckpoints) {
  eventstore::SubscriptionOptions options;
  options.checkpoint_every_events = 0;  // time-based only
  options.checkpoint_interval = absl::Milliseconds(50);
  StartDaemon(options);
  const EventFilter filter = Filter({}, {"AccountDesignated"}, {});
  TestSubscriber subscriber(channel_, FromEnd(filter));
  ASSERT_TRUE(subscriber.WaitCaughtUp());
  for (int i = 0; i < 20; ++i) Append({"account-1", "PlanReviewed", {}});
  // No event matches, yet the subscriber learns the head.
  ASSERT_TRUE(subscriber.WaitKnown(20));
  std::vector<Message> messages = subscriber.messages();
  ASSERT_GE(messages.size(), 2u);
  EXPECT_EQ(messages.back().kind, SubscribeResponse::kCheckpoint);
  EXPECT_EQ(messages.back().position, 20u);
  EXPECT_THAT(subscriber.positions(), IsEmpty());
  CheckSequence(messages, 0, true, 0, "timed");

  // Resume from it: only what commits later arrives.
  Append({"account-2", "AccountDesignated", {}});
  TestSubscriber resumed(channel_, After(messages.back().position, filter));
  ASSERT_TRUE(resumed.WaitCaughtUp());
  EXPECT_THAT(resumed.positions(), ElementsAreArray(std::vector<uint64_t>{21}));
  // An unfiltered subscription gets no checkpoints, whatever the interval.
  TestSubscriber unfiltered(channel_, FromEnd());
  ASSERT_TRUE(unfiltered.WaitCaughtUp());
  absl::SleepFor(absl::Milliseconds(200));
  for (const Message& m : unfiltered.messages()) {
    EXPECT_NE(m.kind, SubscribeResponse::kCheckpoint);
  }
}

TEST_F(EventStreamTest, PersonalPartsOnlyWhenRequested) {
  StartDaemon();
  kamgov::v1::PersonalPart personal;
  personal.set_rationale("why it was decided");
  Append({"account-1", "PlanReviewed", {}}, 1, 16,
         personal.SerializeAsString());
  SubscribeRequest with = FromStart();
  with.set_include_personal(true);
  TestSubscriber with_personal(channel_, with);
  TestSubscriber without_personal(channel_, FromStart());
  ASSERT_TRUE(with_personal.WaitCaughtUp());
  ASSERT_TRUE(without_personal.WaitCaughtUp());
  // One from disk (catch-up), one live.
  Append({"account-1", "PlanReviewed", {}}, 1, 16,
         personal.SerializeAsString());
  ASSERT_TRUE(with_personal.WaitKnown(2));
  ASSERT_TRUE(without_personal.WaitKnown(2));
  for (const Message& m : with_personal.messages()) {
    for (const auto& e : m.events) {
      EXPECT_EQ(e.personal().rationale(), "why it was decided");
    }
  }
  for (const Message& m : without_personal.messages()) {
    for (const auto& e : m.events) EXPECT_FALSE(e.has_personal());
  }
  EXPECT_EQ(with_personal.positions().size(), 2u);
  EXPECT_EQ(without_personal.positions().size(), 2u);
}

// ---------------------------------------------------------------------------
// Cancellation, shutdown, limits, stalls

TEST_F(EventStreamTest, CancellingDuringCatchUpCleansUp) {
  eventstore::SubscriptionOptions options;
  options.max_batch_events = 4;
  options.checkpoint_every_events = 0;
  options.checkpoint_interval = absl::Hours(1);
  StartDaemon(options);
  for (int i = 0; i < 40; ++i) {
    Append({"account-" + std::to_string(i % 10), "PlanReviewed", {}}, 500);
  }
  ASSERT_EQ(Head(), 20000u);

  // Unfiltered: it reads a few pages, then cancels; 19,990 events remain,
  // so the subscription is still catching up.
  TestSubscriber reader(channel_, FromStart());
  ASSERT_TRUE(reader.WaitMessages(3));
  reader.Pause();
  // Filtered, matching nothing: it scans the log page by page without
  // sending anything.
  TestSubscriber scanner(channel_, FromStart(Filter({"nobody-"}, {}, {})));
  absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(daemon_->hub().size(), 2u);
  EXPECT_EQ(daemon_->hub().live_size(), 0u);  // both still catching up
  EXPECT_EQ(reader.Cancel().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_EQ(scanner.Cancel().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_TRUE(WaitHubSize(0));

  // A deadline ends a catch-up the same way.
  {
    grpc::ClientContext context;
    context.set_deadline(
        absl::ToChronoTime(absl::Now() + absl::Milliseconds(100)));
    auto stream =
        stub_->Subscribe(&context, FromStart(Filter({"nobody-"}, {}, {})));
    SubscribeResponse response;
    while (stream->Read(&response)) {
    }
    EXPECT_EQ(stream->Finish().error_code(),
              grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  EXPECT_TRUE(WaitHubSize(0));
}

TEST_F(EventStreamTest, ShutdownEndsSubscriptionsWithUnavailable) {
  StartDaemon();
  for (int i = 0; i < 10; ++i) Append({"account-1", "PlanReviewed", {}}, 100);
  std::vector<std::unique_ptr<TestSubscriber>> live;
  for (int i = 0; i < 10; ++i) {
    live.push_back(std::make_unique<TestSubscriber>(
        channel_, i % 2 == 0 ? FromEnd() : FromStart(MixedFilter(i))));
  }
  for (auto& sub : live) ASSERT_TRUE(sub->WaitCaughtUp());

  const absl::Time start = absl::Now();
  daemon_->Stop(/*grace=*/absl::Seconds(60));
  // The subscriptions ended themselves; the grace period did not run out.
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));
  for (auto& sub : live) {
    std::optional<grpc::Status> status = sub->WaitEnd();
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(status->error_code(), grpc::StatusCode::UNAVAILABLE)
        << status->error_message();
    EXPECT_THAT(status->error_message(), HasSubstr("shutting down"));
  }
}

TEST_F(EventStreamTest, TooManySubscriptionsIsResourceExhausted) {
  eventstore::SubscriptionOptions options;
  options.max_subscriptions = 3;
  StartDaemon(options);
  std::vector<std::unique_ptr<TestSubscriber>> subs;
  for (int i = 0; i < 3; ++i) {
    subs.push_back(std::make_unique<TestSubscriber>(channel_, FromEnd()));
    ASSERT_TRUE(subs.back()->WaitCaughtUp());
  }
  TestSubscriber refused(channel_, FromEnd());
  std::optional<grpc::Status> status = refused.WaitEnd();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status->error_message(), HasSubstr("too many subscriptions"));

  // A slot frees when one ends.
  EXPECT_EQ(subs[0]->Cancel().error_code(), grpc::StatusCode::CANCELLED);
  ASSERT_TRUE(WaitHubSize(2));
  TestSubscriber accepted(channel_, FromEnd());
  EXPECT_TRUE(accepted.WaitCaughtUp());
}

TEST_F(EventStreamTest, StalledSubscriberIsDisconnected) {
  eventstore::SubscriptionOptions options;
  options.stall_timeout = absl::Milliseconds(300);
  options.max_batch_events = 32;
  StartDaemon(options);
  for (int i = 0; i < 10; ++i) {
    Append({"account-1", "PlanReviewed", {}}, 50, /*payload_bytes=*/2048);
  }
  // Never reads: its window fills, the server's write never completes.
  auto channel = NewChannel(/*small_window=*/true);
  std::unique_ptr<TestSubscriber> stalled =
      TestSubscriber::Paused(channel, FromStart());
  ASSERT_TRUE(WaitHubSize(1));  // registered (ended 300 ms later at least)
  // A healthy subscriber on the same server is unaffected.
  TestSubscriber healthy(channel_, FromStart());
  ASSERT_TRUE(healthy.WaitCaughtUp());
  // The healthy one stays registered while idle: size 1 means the stalled
  // one was ended and removed.
  ASSERT_TRUE(WaitHubSize(1));
  stalled->Resume();
  std::optional<grpc::Status> status = stalled->WaitEnd();
  ASSERT_TRUE(status.has_value());
  EXPECT_FALSE(status->ok()) << status->error_message();
  EXPECT_LT(stalled->positions().size(), 500u);
  Append({"account-1", "PlanReviewed", {}});
  EXPECT_TRUE(healthy.WaitKnown(501));
}

TEST_F(EventStreamTest, BadFilterIsInvalidArgument) {
  StartDaemon();
  TestSubscriber subscriber(channel_, FromStart(Filter({}, {}, {""})));
  std::optional<grpc::Status> status = subscriber.WaitEnd();
  ASSERT_TRUE(status.has_value());
  ASSERT_EQ(status->error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auto bad_request = GetBadRequest(FromGrpcStatus(*status));
  ASSERT_TRUE(bad_request.has_value());
  ASSERT_EQ(bad_request->field_violations_size(), 1);
  EXPECT_EQ(bad_request->field_violations(0).field(), "filter.tags[0]");
  EXPECT_EQ(daemon_->hub().size(), 0u);
}

TEST_F(EventStreamTest, ResumingPastTheHeadIsInvalidArgument) {
  StartDaemon();
  Append({"account-1", "PlanReviewed", {}}, 5);
  TestSubscriber at_head(channel_, After(5));
  EXPECT_TRUE(at_head.WaitCaughtUp());
  TestSubscriber past_head(channel_, After(6));
  std::optional<grpc::Status> status = past_head.WaitEnd();
  ASSERT_TRUE(status.has_value());
  ASSERT_EQ(status->error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auto bad_request = GetBadRequest(FromGrpcStatus(*status));
  ASSERT_TRUE(bad_request.has_value());
  EXPECT_EQ(bad_request->field_violations(0).field(), "from.after");
}

// ---------------------------------------------------------------------------
// ReadStream and ReadAll

// Reads the stream page by page; returns the versions, in order.
std::vector<uint64_t> PageThrough(EventStreamService::Stub* stub,
                                  const std::string& stream, bool forward,
                                  uint32_t limit, int* pages,
                                  int64_t* last_version) {
  std::vector<uint64_t> versions;
  std::optional<uint64_t> from;
  *pages = 0;
  while (true) {
    kamgov::v1::ReadStreamRequest request;
    request.set_stream_id(stream);
    request.set_limit(limit);
    if (!forward) request.set_direction(kamgov::v1::DIRECTION_BACKWARD);
    if (from.has_value()) request.set_from_version(*from);
    kamgov::v1::ReadStreamResponse response;
    grpc::ClientContext context;
    grpc::Status status = stub->ReadStream(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok()) break;
    ++*pages;
    *last_version = response.last_version();
    for (const kamgov::v1::Event& e : response.events()) {
      EXPECT_EQ(e.record().stream_id(), stream);
      versions.push_back(e.record().stream_version());
    }
    if (!response.has_next_version()) break;
    from = response.next_version();
    if (*pages > 100) {
      ADD_FAILURE() << "paging does not end";
      break;
    }
  }
  return versions;
}

std::vector<uint64_t> Range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> out;
  if (first <= last) {
    for (uint64_t v = first;; ++v) {
      out.push_back(v);
      if (v == last) break;
    }
  } else {
    for (uint64_t v = first;; --v) {
      out.push_back(v);
      if (v == last) break;
    }
  }
  return out;
}

TEST_F(EventStreamTest, ReadStreamPagesForwardAndBackward) {
  StartDaemon();
  for (int i = 0; i < 5; ++i) {
    Append({"account-1", "PlanReviewed", {}}, 5);  // 25 events: versions 0..24
    Append({"account-2", "PlanReviewed", {}}, 4);  // 20 events: versions 0..19
  }
  int pages = 0;
  int64_t last = 0;
  EXPECT_THAT(PageThrough(stub_.get(), "account-1", true, 10, &pages, &last),
              ElementsAreArray(Range(0, 24)));
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(last, 24);
  EXPECT_THAT(PageThrough(stub_.get(), "account-1", false, 10, &pages, &last),
              ElementsAreArray(Range(24, 0)));
  EXPECT_EQ(pages, 3);
  // A stream of an exact number of pages ends without an empty extra page.
  EXPECT_THAT(PageThrough(stub_.get(), "account-2", true, 10, &pages, &last),
              ElementsAreArray(Range(0, 19)));
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(last, 19);
  EXPECT_THAT(PageThrough(stub_.get(), "account-2", false, 10, &pages, &last),
              ElementsAreArray(Range(19, 0)));
  EXPECT_EQ(pages, 2);
  // Default page size (100) covers the stream in one page.
  EXPECT_THAT(PageThrough(stub_.get(), "account-1", true, 0, &pages, &last),
              ElementsAreArray(Range(0, 24)));
  EXPECT_EQ(pages, 1);
  // A stream that does not exist.
  EXPECT_THAT(PageThrough(stub_.get(), "account-404", true, 10, &pages, &last),
              IsEmpty());
  EXPECT_EQ(last, -1);
}

TEST_F(EventStreamTest, ReadAllPagesThroughTheLog) {
  StartDaemon();
  for (int i = 0; i < 10; ++i) Append(MixedSpec(0, i), 5);
  uint64_t after = 0;
  std::vector<uint64_t> positions;
  for (int page = 0; page < 20; ++page) {
    kamgov::v1::ReadAllRequest request;
    request.set_after_position(after);
    request.set_limit(7);
    kamgov::v1::ReadAllResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->ReadAll(&context, request, &response).ok());
    EXPECT_EQ(response.head_position(), 50u);
    EXPECT_LE(response.events_size(), 7);
    for (const kamgov::v1::Event& e : response.events()) {
      positions.push_back(e.record().position());
    }
    if (response.events_size() == 0) {
      EXPECT_EQ(response.next_after_position(), after);
      break;
    }
    after = response.next_after_position();
  }
  EXPECT_THAT(positions, ElementsAreArray(Range(1, 50)));
}

TEST_F(EventStreamTest, BadReadRequestsAreInvalidArgumentWithDetails) {
  StartDaemon();
  auto expect_violation = [](const grpc::Status& status,
                             const std::string& field) {
    ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    auto bad_request = GetBadRequest(FromGrpcStatus(status));
    ASSERT_TRUE(bad_request.has_value()) << status.error_message();
    ASSERT_GE(bad_request->field_violations_size(), 1);
    EXPECT_EQ(bad_request->field_violations(0).field(), field);
  };
  for (const std::string& id : std::vector<std::string>{
           "", "has space", std::string(129, 'a'), "a\nb"}) {
    kamgov::v1::ReadStreamRequest request;
    request.set_stream_id(id);
    kamgov::v1::ReadStreamResponse response;
    grpc::ClientContext context;
    expect_violation(stub_->ReadStream(&context, request, &response),
                     "stream_id");
  }
  {
    kamgov::v1::ReadStreamRequest request;
    request.set_stream_id("account-1");
    request.set_limit(1001);
    kamgov::v1::ReadStreamResponse response;
    grpc::ClientContext context;
    expect_violation(stub_->ReadStream(&context, request, &response), "limit");
  }
  {
    kamgov::v1::ReadAllRequest request;
    request.set_limit(1001);
    kamgov::v1::ReadAllResponse response;
    grpc::ClientContext context;
    expect_violation(stub_->ReadAll(&context, request, &response), "limit");
  }
  {
    // The largest allowed page is fine.
    kamgov::v1::ReadAllRequest request;
    request.set_limit(1000);
    kamgov::v1::ReadAllResponse response;
    grpc::ClientContext context;
    EXPECT_TRUE(stub_->ReadAll(&context, request, &response).ok());
  }
}

}  // namespace
}  // namespace kamgov::services
