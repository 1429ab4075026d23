// Scenario `subscribe` (issue 5, "Measure and report"): live event streams
// served by a real kamgovd composition (services::Daemon on 127.0.0.1:0,
// its log on disk under the run's data directory) to real gRPC clients in
// the same process.
//
// 1. Catch-up. The log is pre-filled with N events (~300 B main parts,
//    batched appends straight on daemon->log()). One unfiltered subscriber
//    then subscribes from START and reads until the caught_up marker:
//    events/s over gRPC, against the same-run baseline of scanning the same
//    log in-process through EventLog::ReadAll in pages of the hub's size.
// 2. Live latency. 100 subscribers (90 filtered to one `account:<i>` tag
//    each, 10 unfiltered, one principal and one connection each) follow the
//    log from END while one thread appends single-event appends paced at
//    5k events/s, tagged round-robin with the 90 accounts. Latency of one
//    delivery = when the subscriber got the message carrying the event -
//    when the append's callback fired (the acknowledgement), both on the
//    steady clock; every delivery of an event acknowledged inside the
//    measured window is one sample. The ack times are kept per position in
//    a table and matched with the deliveries after the window (the hub is
//    told of a commit before the appender, so a delivery may come first;
//    it counts as 0).
//    The same load runs three times, each with fresh subscribers:
//      hub     in-process sinks on the daemon's SubscriptionHub (no gRPC):
//              the hub's own share;
//      fanout  the same gRPC clients against a minimal fan-out server on
//              the same log without the hub (the figures' baseline: what
//              gRPC itself costs on this machine);
//      kamgovd the same gRPC clients against the daemon's
//              EventStreamService.Subscribe (the figures).
//
// Every pass also checks what each subscriber received (every matching
// event, once, in order); a wrong delivery fails the scenario after its
// figures are reported.

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/cleanup/cleanup.h"
#include "absl/container/flat_hash_set.h"
#include "absl/flags/flag.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/scenario.h"
#include "eventstore/event_log.h"
#include "kamgov/v1/event_stream.grpc.pb.h"
#include "services/daemon.h"
#include "services/event_conversion.h"
#include "services/grpc_server.h"
#include "services/identity.h"

ABSL_FLAG(int64_t, subscribe_catchup_events, 0,
          "subscribe: events pre-filled for the catch-up measurement; 0 "
          "means 200000 with --quick, 1000000 otherwise.");
ABSL_FLAG(int, subscribe_catchup_rounds, 0,
          "subscribe: catch-up measurements (each a ReadAll scan, then a "
          "gRPC catch-up); 0 means 1 with --quick, 2 otherwise.");
ABSL_FLAG(int, subscribe_event_bytes, 300,
          "subscribe: bytes of each event's main part.");
ABSL_FLAG(int, subscribe_filtered, 90,
          "subscribe: live subscribers filtered to one account tag each "
          "(the appended events cycle through as many accounts).");
ABSL_FLAG(int, subscribe_unfiltered, 10,
          "subscribe: live subscribers without a filter.");
ABSL_FLAG(double, subscribe_rate, 5000,
          "subscribe: events/s appended (one event per append) while the "
          "live latency is measured.");
ABSL_FLAG(absl::Duration, subscribe_live_duration, absl::ZeroDuration(),
          "subscribe: measured window of the live phase; 0 means 5s with "
          "--quick, 20s otherwise (after --warmup).");
ABSL_FLAG(int, subscribe_connections, 0,
          "subscribe: gRPC connections the live subscribers spread over; 0 "
          "means one each (like independent dashboards).");
ABSL_FLAG(std::string, subscribe_client, "sync",
          "subscribe: the live subscribers' gRPC client API: `sync` (a "
          "thread each, blocking Read) or `callback` (ClientReadReactor).");
ABSL_FLAG(bool, subscribe_live_baseline, true,
          "subscribe: before measuring kamgovd's live latency, measure the "
          "same load delivered by a minimal gRPC fan-out server without the "
          "hub (the latency figures' baseline) and to in-process sinks on "
          "the hub (no gRPC).");
ABSL_FLAG(bool, subscribe_ignore_deadlock_cycles, false,
          "subscribe: diagnosis only: turn off abseil's Mutex deadlock "
          "detection (on in Debian's abseil build) for the rest of the "
          "process.");
ABSL_FLAG(std::string, subscribe_only, "",
          "subscribe: run only `catchup` or `live` (for profiling).");

namespace kamgov::bench {
namespace {

using kamgov::v1::EventStreamService;
using kamgov::v1::SubscribeRequest;
using kamgov::v1::SubscribeResponse;

// Issue 5's targets on the project's 2-core machines.
constexpr double kTargetCatchUpEventsPerS = 300000;
constexpr double kTargetLiveP99Ms = 5;
constexpr char kPrincipal[] = "kamgov-bench";
// Appends of the pre-fill: events each (the store's per-append limit) and
// how many are kept in flight so that the writer always has a group ready.
constexpr int kFillEventsPerAppend = 1000;
constexpr int kFillInFlight = 4;

int64_t SteadyNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double ProcessCpuSeconds() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// `sorted` must be sorted; in milliseconds.
double PercentileMs(const std::vector<int64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  const size_t i = static_cast<size_t>(q * static_cast<double>(sorted.size()));
  return sorted[std::min(i, sorted.size() - 1)] / 1e6;
}

std::string AccountTag(int account) {
  return absl::StrCat("account:", account);
}

// Incompressible payloads (compression must not flatter the reads).
std::vector<std::string> MakePayloads(int bytes) {
  absl::BitGen gen;
  std::vector<std::string> payloads;
  for (int i = 0; i < 64; ++i) {
    std::string p(bytes, '\0');
    for (char& c : p) c = static_cast<char>(absl::Uniform<uint8_t>(gen));
    payloads.push_back(std::move(p));
  }
  return payloads;
}

// Keeps at most `limit` operations outstanding; Release runs on the writer
// thread and only takes mu_ briefly. The first error is kept.
class InFlight {
 public:
  explicit InFlight(int limit) : limit_(limit) {}

  void Acquire() {
    absl::MutexLock lock(&mu_);
    auto room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return outstanding_ < limit_;
    };
    mu_.Await(absl::Condition(&room));
    ++outstanding_;
  }
  void Release(const absl::Status& status) {
    absl::MutexLock lock(&mu_);
    --outstanding_;
    if (!status.ok() && error_.ok()) error_ = status;
  }
  // Waits (up to `timeout`) for every operation; the first error, or
  // DEADLINE_EXCEEDED.
  absl::Status Drain(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return outstanding_ == 0;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&idle), timeout)) {
      return absl::DeadlineExceededError(
          absl::StrCat(outstanding_, " appends still unacknowledged"));
    }
    return error_;
  }

 private:
  absl::Mutex mu_;
  const int limit_;
  int outstanding_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
};

// Appends `count` events in batches straight on the log, tagged like the
// live phase's (`accounts` accounts, round-robin per batch).
absl::Status Fill(eventstore::EventLog& log, int64_t count, int accounts,
                  const std::vector<std::string>& payloads) {
  // Shared with the callbacks: they may outlive a timed-out Drain.
  auto in_flight = std::make_shared<InFlight>(kFillInFlight);
  for (int64_t done = 0, batch = 0; done < count; ++batch) {
    const int events =
        static_cast<int>(std::min<int64_t>(kFillEventsPerAppend, count - done));
    const int account = static_cast<int>(batch % accounts);
    eventstore::AppendRequest request;
    request.principal = kPrincipal;
    eventstore::StreamAppend& append = request.streams.emplace_back();
    append.stream_id = absl::StrCat("account-", account);
    append.events.resize(events);
    for (int i = 0; i < events; ++i) {
      append.events[i].type = "BenchEventRecorded";
      append.events[i].tags = {AccountTag(account)};
      append.events[i].main = payloads[(done + i) % payloads.size()];
    }
    in_flight->Acquire();
    log.Append(std::move(request),
               [in_flight](absl::StatusOr<eventstore::AppendResult> r) {
                 in_flight->Release(r.status());
               });
    done += events;
  }
  return in_flight->Drain(absl::Minutes(5));
}

struct Rate {
  uint64_t events = 0;
  double seconds = 0;
  double cpu_seconds = 0;

  double events_per_s() const { return seconds > 0 ? events / seconds : 0; }
  double cpu_us_per_event() const {
    return events > 0 ? cpu_seconds * 1e6 / events : 0;
  }
  void Add(const Rate& r) {
    events += r.events;
    seconds += r.seconds;
    cpu_seconds += r.cpu_seconds;
  }
};

// The baseline: the whole log through EventLog::ReadAll, in-process.
absl::StatusOr<Rate> ScanAll(const eventstore::EventLog& log, size_t page) {
  Rate rate;
  const double cpu0 = ProcessCpuSeconds();
  const absl::Time start = absl::Now();
  uint64_t after = 0;
  while (true) {
    absl::StatusOr<std::vector<eventstore::RecordedEvent>> events =
        log.ReadAll(after, page, /*include_personal=*/false);
    if (!events.ok()) return events.status();
    if (events->empty()) break;
    rate.events += events->size();
    after = events->back().position;
  }
  rate.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  rate.cpu_seconds = ProcessCpuSeconds() - cpu0;
  return rate;
}

std::shared_ptr<grpc::Channel> MakeChannel(int port) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  // A connection of its own, as separate client processes would have (gRPC
  // otherwise shares one connection between channels with equal args).
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                   grpc::InsecureChannelCredentials(), args);
}

// One unfiltered subscription from START read until its caught_up marker,
// on the calling thread. Checks that it got positions 1..expected in order.
absl::StatusOr<Rate> CatchUp(const std::shared_ptr<grpc::Channel>& channel,
                             uint64_t expected, double* wire_bytes_per_event) {
  std::unique_ptr<EventStreamService::Stub> stub =
      EventStreamService::NewStub(channel);
  SubscribeRequest request;
  request.mutable_from()->set_start(true);
  grpc::ClientContext context;
  context.AddMetadata(services::kPrincipalHeader, kPrincipal);
  Rate rate;
  const double cpu0 = ProcessCpuSeconds();
  const absl::Time start = absl::Now();
  std::unique_ptr<grpc::ClientReader<SubscribeResponse>> reader =
      stub->Subscribe(&context, request);
  SubscribeResponse response;
  uint64_t next = 1;
  bool caught_up = false;
  while (reader->Read(&response)) {
    if (response.has_events()) {
      const auto& events = response.events().events();
      if (next == 1 && !events.empty()) {
        *wire_bytes_per_event =
            static_cast<double>(response.ByteSizeLong()) / events.size();
      }
      for (const kamgov::v1::Event& event : events) {
        if (event.record().position() != next) {
          context.TryCancel();
          reader->Finish();
          return absl::InternalError(absl::StrCat(
              "catch-up delivered position ", event.record().position(),
              " where ", next, " was due"));
        }
        ++next;
      }
    } else if (response.kind_case() == SubscribeResponse::kCaughtUp) {
      caught_up = true;
      break;
    }
  }
  rate.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  rate.cpu_seconds = ProcessCpuSeconds() - cpu0;
  rate.events = next - 1;
  context.TryCancel();
  const grpc::Status finished = reader->Finish();
  if (!caught_up) {
    return absl::InternalError(
        absl::StrCat("the catch-up subscription ended before caught_up: ",
                     finished.error_message()));
  }
  if (rate.events != expected) {
    return absl::InternalError(absl::StrCat(
        "caught up after ", rate.events, " events; the log holds ", expected));
  }
  return rate;
}

// When a subscriber received an event.
struct Delivery {
  uint64_t position;
  int64_t received_ns;
};

// Set once by a thread that may be the last to touch its owner: the owner
// waits for it and may then be destroyed while Set() is still unlocking,
// so the flag lives in a shared_ptr the setter holds.
class DoneFlag {
 public:
  static void Set(std::shared_ptr<DoneFlag> flag) {
    absl::MutexLock lock(&flag->mu_);
    flag->done_ = true;
  }
  void Wait() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&done_));
  }

 private:
  absl::Mutex mu_;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
};

// A live subscriber following the log from END, recording when each event
// reached it. caught_up() and last_position() may be read from any thread;
// deliveries() and problem() only after Stop(), which ends the
// subscription and waits until nothing more is delivered.
class LiveSubscriber {
 public:
  // `account` < 0: unfiltered.
  explicit LiveSubscriber(int account) : account_(account) {}
  virtual ~LiveSubscriber() = default;
  LiveSubscriber(const LiveSubscriber&) = delete;
  LiveSubscriber& operator=(const LiveSubscriber&) = delete;

  int account() const { return account_; }
  bool caught_up() const { return caught_up_.load(std::memory_order_acquire); }
  uint64_t last_position() const {
    return last_position_.load(std::memory_order_acquire);
  }
  // The subscription ended before Stop (or could not start).
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  virtual void Stop() = 0;
  const std::vector<Delivery>& deliveries() const { return deliveries_; }
  const std::string& problem() const { return problem_; }

 protected:
  // One thread at a time (each implementation's delivery is sequential).
  void Received(const uint64_t* positions, size_t n, int64_t now) {
    for (size_t i = 0; i < n; ++i) deliveries_.push_back({positions[i], now});
    if (n > 0)
      last_position_.store(positions[n - 1], std::memory_order_release);
  }
  void CaughtUp() { caught_up_.store(true, std::memory_order_release); }
  void Fail(std::string problem) {
    problem_ = std::move(problem);
    failed_.store(true, std::memory_order_release);
  }
  eventstore::EventFilter Filter() const {
    eventstore::EventFilter filter;
    if (account_ >= 0) filter.tags.push_back(AccountTag(account_));
    return filter;
  }

 private:
  const int account_;
  std::atomic<bool> caught_up_{false};
  std::atomic<bool> failed_{false};
  std::atomic<uint64_t> last_position_{0};
  std::vector<Delivery> deliveries_;
  std::string problem_;
};

// Over gRPC: one Subscribe call read on its own thread with the synchronous
// client API, as a simple dashboard would. A delivery is timed when Read
// returns the message carrying it.
class GrpcSubscriber final : public LiveSubscriber {
 public:
  GrpcSubscriber(const std::shared_ptr<grpc::Channel>& channel, int account,
                 const std::string& principal)
      : LiveSubscriber(account), stub_(EventStreamService::NewStub(channel)) {
    context_.AddMetadata(services::kPrincipalHeader, principal);
    thread_ = std::thread([this] { Run(); });
  }
  ~GrpcSubscriber() override { Stop(); }
  void Stop() override {
    context_.TryCancel();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Run() {
    SubscribeRequest request;
    request.mutable_from()->set_end(true);
    for (const std::string& tag : Filter().tags) {
      request.mutable_filter()->add_tags(tag);
    }
    std::unique_ptr<grpc::ClientReader<SubscribeResponse>> reader =
        stub_->Subscribe(&context_, request);
    SubscribeResponse response;
    std::vector<uint64_t> positions;
    while (reader->Read(&response)) {
      if (response.has_events()) {
        const int64_t now = SteadyNanos();
        positions.clear();
        for (const kamgov::v1::Event& event : response.events().events()) {
          positions.push_back(event.record().position());
        }
        Received(positions.data(), positions.size(), now);
      } else if (response.kind_case() == SubscribeResponse::kCaughtUp) {
        CaughtUp();
      }
    }
    const grpc::Status status = reader->Finish();
    if (status.error_code() != grpc::StatusCode::CANCELLED) {
      Fail(absl::StrCat("the call ended: ", status.error_code(), " ",
                        status.error_message()));
    }
  }

  std::unique_ptr<EventStreamService::Stub> stub_;
  grpc::ClientContext context_;
  std::thread thread_;
};

// Over gRPC with the callback client API (a ClientReadReactor): no thread
// per subscriber; gRPC's own threads run OnReadDone.
class CallbackSubscriber final
    : public LiveSubscriber,
      public grpc::ClientReadReactor<SubscribeResponse> {
 public:
  CallbackSubscriber(const std::shared_ptr<grpc::Channel>& channel, int account,
                     const std::string& principal)
      : LiveSubscriber(account), stub_(EventStreamService::NewStub(channel)) {
    context_.AddMetadata(services::kPrincipalHeader, principal);
    request_.mutable_from()->set_end(true);
    for (const std::string& tag : Filter().tags) {
      request_.mutable_filter()->add_tags(tag);
    }
    stub_->async()->Subscribe(&context_, &request_, this);
    StartRead(&response_);
    StartCall();
  }
  ~CallbackSubscriber() override { Stop(); }
  void Stop() override {
    context_.TryCancel();
    done_->Wait();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows
    if (response_.has_events()) {
      const int64_t now = SteadyNanos();
      positions_.clear();
      for (const kamgov::v1::Event& event : response_.events().events()) {
        positions_.push_back(event.record().position());
      }
      Received(positions_.data(), positions_.size(), now);
    } else if (response_.kind_case() == SubscribeResponse::kCaughtUp) {
      CaughtUp();
    }
    StartRead(&response_);
  }
  void OnDone(const grpc::Status& status) override {
    if (status.error_code() != grpc::StatusCode::CANCELLED) {
      Fail(absl::StrCat("the call ended: ", status.error_code(), " ",
                        status.error_message()));
    }
    DoneFlag::Set(done_);  // gRPC is done with the reactor
  }

 private:
  std::unique_ptr<EventStreamService::Stub> stub_;
  grpc::ClientContext context_;
  SubscribeRequest request_;
  SubscribeResponse response_;
  std::vector<uint64_t> positions_;  // one reaction at a time
  const std::shared_ptr<DoneFlag> done_ = std::make_shared<DoneFlag>();
};

// The baseline: the same subscription on the daemon's SubscriptionHub with
// an in-process sink instead of the gRPC reactor. A delivery is timed when
// the hub hands the message to the sink, which completes the send at once.
class HubSubscriber final : public LiveSubscriber,
                            public eventstore::SubscriptionSink {
 public:
  HubSubscriber(eventstore::SubscriptionHub& hub, uint64_t after, int account)
      : LiveSubscriber(account) {
    absl::StatusOr<std::shared_ptr<eventstore::Subscription>> sub =
        hub.Subscribe(this, after, Filter(), /*include_personal=*/false);
    if (!sub.ok()) {
      Fail(sub.status().ToString());
      DoneFlag::Set(ended_);
      return;
    }
    subscription_ = *std::move(sub);
    subscription_->Start();
  }
  ~HubSubscriber() override { Stop(); }

  void Stop() override {
    if (subscription_ != nullptr) subscription_->Cancel();
    ended_->Wait();
  }

  // SubscriptionSink: from one pool thread at a time.
  void Send(eventstore::SubscriptionMessage message) override {
    const int64_t now = SteadyNanos();
    if (message.kind == eventstore::SubscriptionMessage::Kind::kEvents) {
      positions_.clear();
      for (const eventstore::RecordedEvent& e : message.events) {
        positions_.push_back(e.position);
      }
      Received(positions_.data(), positions_.size(), now);
    } else if (message.kind ==
               eventstore::SubscriptionMessage::Kind::kCaughtUp) {
      CaughtUp();
    }
    subscription_->OnSent(true);
  }
  void End(absl::Status status) override {
    if (!absl::IsCancelled(status)) Fail(status.ToString());
    DoneFlag::Set(ended_);
  }

 private:
  std::shared_ptr<eventstore::Subscription> subscription_;
  std::vector<uint64_t> positions_;  // the delivering pool thread only
  const std::shared_ptr<DoneFlag> ended_ = std::make_shared<DoneFlag>();
};

// The gRPC baseline: a minimal EventStreamService whose Subscribe serves
// only live events (from END) straight from the log's commit notifications,
// without the hub, its pool, catch-up, checkpoints or buffers bounds. What
// delivering the same events to the same clients costs in gRPC itself.
//
// OnCommitted (writer thread) appends each commit to the queues of the
// reactors it matches and hands those not writing to a kicker thread, which
// starts their writes; OnWriteDone starts the next write inline. The writer
// thread never calls into gRPC, and no StartWrite or Finish happens under a
// lock. A reactor is deleted (OnDone) only after Finish, which waits until
// no write is in flight, so the kicker never touches a deleted reactor.
class FanoutService final : public EventStreamService::CallbackService,
                            public eventstore::CommitListener {
 public:
  FanoutService() : kicker_([this] { Kick(); }) {}
  ~FanoutService() override {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    kicker_.join();
  }

  grpc::ServerWriteReactor<SubscribeResponse>* Subscribe(
      grpc::CallbackServerContext* /*context*/,
      const SubscribeRequest* request) override {
    // The scenario's filters are one tag or none; that is all this serves.
    auto* reactor = new Reactor(this, request->filter().tags().empty()
                                          ? std::string()
                                          : request->filter().tags(0));
    {
      absl::MutexLock lock(&mu_);
      reactors_.insert(reactor);
    }
    reactor->StartCaughtUp();
    return reactor;
  }

  void OnCommitted(
      std::shared_ptr<const eventstore::CommittedBatch> batch) override {
    absl::MutexLock lock(&mu_);
    for (Reactor* reactor : reactors_) {
      if (reactor->Offer(batch)) kicks_.push_back(reactor);
    }
  }

 private:
  class Reactor final : public grpc::ServerWriteReactor<SubscribeResponse> {
   public:
    Reactor(FanoutService* service, std::string tag)
        : service_(service), tag_(std::move(tag)) {}

    void StartCaughtUp() {
      {
        absl::MutexLock lock(&mu_);
        writing_ = true;
      }
      response_.set_caught_up(0);
      StartWrite(&response_);
    }
    // Under the service's lock: queues the matching events; true when the
    // caller must start a write (the reactor then cannot finish before
    // that write completes).
    bool Offer(const std::shared_ptr<const eventstore::CommittedBatch>& batch) {
      absl::MutexLock lock(&mu_);
      if (finishing_) return false;
      bool matched = false;
      for (const eventstore::RecordedEvent& event : batch->events) {
        if (Matches(event)) {
          pending_.push_back(&event);
          matched = true;
        }
      }
      if (matched) hold_.push_back(batch);
      if (!matched || writing_) return false;
      writing_ = true;
      return true;
    }
    // Starts a write of everything pending (writing_ is set).
    void WriteNext() {
      response_.Clear();
      {
        absl::MutexLock lock(&mu_);
        kamgov::v1::EventBatch* out = response_.mutable_events();
        for (const eventstore::RecordedEvent* event : pending_) {
          services::ToApiEvent(*event, out->add_events());
        }
        pending_.clear();
        hold_.clear();
      }
      StartWrite(&response_);
    }

    void OnWriteDone(bool ok) override {
      bool finish = false;
      {
        absl::MutexLock lock(&mu_);
        if (!ok || cancelled_) {
          writing_ = false;
          if (finishing_) return;
          finishing_ = finish = true;
        } else if (pending_.empty()) {
          writing_ = false;
          return;
        }
      }
      // Events arriving meanwhile join the next write: writing_ stays set.
      if (finish) {
        Finish(grpc::Status::CANCELLED);
      } else {
        WriteNext();
      }
    }
    void OnCancel() override {
      {
        absl::MutexLock lock(&mu_);
        cancelled_ = true;
        if (writing_ || finishing_) return;  // OnWriteDone finishes
        finishing_ = true;
      }
      Finish(grpc::Status::CANCELLED);
    }
    void OnDone() override {
      {
        absl::MutexLock lock(&service_->mu_);
        service_->reactors_.erase(this);
      }
      delete this;
    }

   private:
    bool Matches(const eventstore::RecordedEvent& event) const {
      if (tag_.empty()) return true;
      const auto& tags = event.record.tags();
      return std::find(tags.begin(), tags.end(), tag_) != tags.end();
    }

    FanoutService* const service_;
    const std::string tag_;
    SubscribeResponse response_;  // the write in flight
    absl::Mutex mu_;
    std::vector<const eventstore::RecordedEvent*> pending_ ABSL_GUARDED_BY(mu_);
    std::vector<std::shared_ptr<const eventstore::CommittedBatch>> hold_
        ABSL_GUARDED_BY(mu_);
    bool writing_ ABSL_GUARDED_BY(mu_) = false;
    bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
    bool finishing_ ABSL_GUARDED_BY(mu_) = false;
  };

  void Kick() {
    while (true) {
      std::vector<Reactor*> kicks;
      {
        absl::MutexLock lock(&mu_);
        auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return stop_ || !kicks_.empty();
        };
        mu_.Await(absl::Condition(&ready));
        if (stop_) return;
        kicks.swap(kicks_);
      }
      for (Reactor* reactor : kicks) reactor->WriteNext();
    }
  }

  absl::Mutex mu_;
  absl::flat_hash_set<Reactor*> reactors_ ABSL_GUARDED_BY(mu_);
  std::vector<Reactor*> kicks_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread kicker_;
};

// Counts the log's commit groups (the hub gets one notification each).
// OnCommitted runs on the writer thread.
class CommitCounter final : public eventstore::CommitListener {
 public:
  void OnCommitted(
      std::shared_ptr<const eventstore::CommittedBatch> batch) override {
    groups_.fetch_add(1, std::memory_order_relaxed);
    events_.fetch_add(batch->events.size(), std::memory_order_relaxed);
  }
  uint64_t groups() const { return groups_.load(std::memory_order_relaxed); }
  uint64_t events() const { return events_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> groups_{0};
  std::atomic<uint64_t> events_{0};
};

// What the live appender learnt of each event it appended, by position:
// when its append was acknowledged and which account it was tagged with.
// Written by the writer thread's callbacks, read after they all ran.
class AckTable {
 public:
  AckTable(uint64_t first_position, size_t capacity)
      : first_(first_position), ack_ns_(capacity), account_(capacity) {}

  void Record(uint64_t position, int64_t ack_ns, int account) {
    if (position < first_ || position - first_ >= ack_ns_.size()) return;
    account_[position - first_].store(account, std::memory_order_relaxed);
    ack_ns_[position - first_].store(ack_ns, std::memory_order_release);
  }
  // 0 when the position was not acknowledged (or is outside the table).
  int64_t ack_ns(uint64_t position) const {
    if (position < first_ || position - first_ >= ack_ns_.size()) return 0;
    return ack_ns_[position - first_].load(std::memory_order_acquire);
  }
  int account(uint64_t position) const {
    return account_[position - first_].load(std::memory_order_relaxed);
  }

 private:
  const uint64_t first_;
  std::vector<std::atomic<int64_t>> ack_ns_;
  std::vector<std::atomic<int>> account_;
};

struct LiveResult {
  uint64_t appended_in_window = 0;
  double window_seconds = 0;
  double cpu_seconds = 0;
  std::vector<int64_t> all_ns, filtered_ns, unfiltered_ns;  // sorted
  uint64_t early = 0;  // delivered before the acknowledgement
  uint64_t fallbacks = 0;
  // Messages carrying the measured deliveries, and commit groups of the
  // whole run (warm-up included) with their events.
  uint64_t messages = 0;
  uint64_t groups = 0;
  uint64_t group_events = 0;
  std::vector<std::string> problems;

  double append_rate() const {
    return window_seconds > 0 ? appended_in_window / window_seconds : 0;
  }
};

void Describe(const ScenarioContext& context, absl::string_view kind,
              const LiveResult& r) {
  context.progress(absl::StrFormat(
      "live (%s): %.0f events/s acknowledged, %d deliveries measured; "
      "p50/p99/p999/max %.2f/%.2f/%.2f/%.2f ms (p99 filtered %.2f, "
      "unfiltered %.2f); %d delivered before their ack; %d fallbacks to "
      "disk; cpu %.2f cores; %.0f messages/s of %.1f events; %.1f events "
      "per commit group",
      kind, r.append_rate(), r.all_ns.size(), PercentileMs(r.all_ns, 0.50),
      PercentileMs(r.all_ns, 0.99), PercentileMs(r.all_ns, 0.999),
      r.all_ns.empty() ? 0.0 : r.all_ns.back() / 1e6,
      PercentileMs(r.filtered_ns, 0.99), PercentileMs(r.unfiltered_ns, 0.99),
      r.early, r.fallbacks,
      r.window_seconds > 0 ? r.cpu_seconds / r.window_seconds : 0.0,
      r.window_seconds > 0 ? r.messages / r.window_seconds : 0.0,
      r.messages > 0 ? static_cast<double>(r.all_ns.size()) / r.messages : 0.0,
      r.groups > 0 ? static_cast<double>(r.group_events) / r.groups : 0.0));
}

class SubscribeScenario : public Scenario {
 public:
  std::string name() const override { return "subscribe"; }
  std::string description() const override {
    return "catch-up events/s to one gRPC subscriber against an in-process "
           "ReadAll scan; append-to-delivery latency with 100 live "
           "subscribers at 5k events/s";
  }
  absl::Status Run(const ScenarioContext& context) override;

 private:
  absl::Status RunCatchUp(const ScenarioContext& context,
                          services::Daemon& daemon, size_t page);
  // What the live subscribers subscribe to.
  enum class Pass {
    kHub,     // in-process sinks on the daemon's hub (no gRPC)
    kFanout,  // gRPC clients of the minimal FanoutService (no hub)
    kKamgov,  // gRPC clients of kamgovd's EventStreamService
  };
  absl::StatusOr<LiveResult> RunLive(const ScenarioContext& context,
                                     services::Daemon& daemon, Pass pass);
  Figure MakeFigure(std::string metric, double value, std::string unit) const {
    Figure f;
    f.scenario = name();
    f.metric = std::move(metric);
    f.value = value;
    f.unit = std::move(unit);
    return f;
  }

  std::vector<std::string> payloads_;
  int accounts_ = 90;
};

absl::Status SubscribeScenario::RunCatchUp(const ScenarioContext& context,
                                           services::Daemon& daemon,
                                           size_t page) {
  int64_t count = absl::GetFlag(FLAGS_subscribe_catchup_events);
  if (count <= 0) count = context.quick ? 200000 : 1000000;
  int rounds = absl::GetFlag(FLAGS_subscribe_catchup_rounds);
  if (rounds <= 0) rounds = context.quick ? 1 : 2;

  const absl::Time fill_start = absl::Now();
  if (absl::Status s = Fill(daemon.log(), count, accounts_, payloads_);
      !s.ok()) {
    return s;
  }
  const uint64_t head = daemon.log().GetChainHead().position;
  context.progress(
      absl::StrFormat("pre-filled %d events of %d B in %.1f s", head,
                      absl::GetFlag(FLAGS_subscribe_event_bytes),
                      absl::ToDoubleSeconds(absl::Now() - fill_start)));

  // One scan first, unmeasured, so that both sides read a warm cache.
  absl::StatusOr<Rate> warm = ScanAll(daemon.log(), page);
  if (!warm.ok()) return warm.status();

  std::shared_ptr<grpc::Channel> channel = MakeChannel(daemon.port());
  Rate scan, grpc;
  double wire_bytes = 0;
  for (int r = 0; r < rounds; ++r) {
    absl::StatusOr<Rate> s = ScanAll(daemon.log(), page);
    if (!s.ok()) return s.status();
    if (s->events != head) {
      return absl::InternalError(
          absl::StrCat("ReadAll scanned ", s->events, " of ", head));
    }
    absl::StatusOr<Rate> g = CatchUp(channel, head, &wire_bytes);
    if (!g.ok()) return g.status();
    context.progress(absl::StrFormat(
        "round %d: ReadAll %8.0f events/s (cpu %.2f us/event), gRPC "
        "catch-up %8.0f events/s (cpu %.2f us/event, %.0f B/event on "
        "the wire)",
        r + 1, s->events_per_s(), s->cpu_us_per_event(), g->events_per_s(),
        g->cpu_us_per_event(), wire_bytes));
    scan.Add(*s);
    grpc.Add(*g);
  }
  const std::string label =
      absl::StrCat("in-process EventLog::ReadAll, pages of ", page);
  Figure rate =
      MakeFigure("catchup_events_per_s", grpc.events_per_s(), "events/s");
  rate.baseline = scan.events_per_s();
  rate.baseline_label = label;
  rate.target = Target{Target::Of::kValue, Target::Cmp::kAtLeast,
                       kTargetCatchUpEventsPerS, "issue 5"};
  context.emit(std::move(rate));
  Figure cpu =
      MakeFigure("catchup_cpu_us_per_event", grpc.cpu_us_per_event(), "us");
  cpu.baseline = scan.cpu_us_per_event();
  cpu.baseline_label = label + ": process CPU per event";
  context.emit(std::move(cpu));
  return absl::OkStatus();
}

absl::StatusOr<LiveResult> SubscribeScenario::RunLive(
    const ScenarioContext& context, services::Daemon& daemon, Pass pass) {
  const bool grpc = pass != Pass::kHub;
  const int filtered = absl::GetFlag(FLAGS_subscribe_filtered);
  const int unfiltered = absl::GetFlag(FLAGS_subscribe_unfiltered);
  const double rate = absl::GetFlag(FLAGS_subscribe_rate);
  absl::Duration window = absl::GetFlag(FLAGS_subscribe_live_duration);
  if (window <= absl::ZeroDuration()) {
    window = context.quick ? absl::Seconds(5) : absl::Seconds(20);
  }
  const int total = filtered + unfiltered;
  int connections = absl::GetFlag(FLAGS_subscribe_connections);
  const bool callback_client =
      absl::GetFlag(FLAGS_subscribe_client) == "callback";
  if (connections <= 0 || connections > total) connections = total;

  // The baseline server, attached to the same log, when measuring it.
  std::unique_ptr<FanoutService> fanout;
  std::unique_ptr<services::GrpcServer> fanout_server;
  absl::Cleanup detach = [&] {
    if (fanout_server != nullptr) fanout_server->Shutdown(absl::ZeroDuration());
    if (fanout != nullptr) daemon.log().RemoveCommitListener(fanout.get());
  };
  int port = daemon.port();
  if (pass == Pass::kFanout) {
    fanout = std::make_unique<FanoutService>();
    daemon.log().AddCommitListener(fanout.get());
    services::GrpcServerOptions server_options;
    server_options.listen = "127.0.0.1:0";
    absl::StatusOr<std::unique_ptr<services::GrpcServer>> server =
        services::GrpcServer::Start(server_options, {fanout.get()});
    if (!server.ok()) return server.status();
    fanout_server = *std::move(server);
    port = fanout_server->port();
  }
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; grpc && i < connections; ++i) {
    channels.push_back(MakeChannel(port));
  }
  std::vector<std::unique_ptr<LiveSubscriber>> subscribers;
  const uint64_t head_before = daemon.log().GetChainHead().position;
  for (int i = 0; i < total; ++i) {
    const int account = i < filtered ? i : -1;
    // One principal each, like independent dashboards (the server limits
    // the subscriptions of one principal).
    const std::string principal = absl::StrCat(kPrincipal, "-", i);
    if (grpc && callback_client) {
      subscribers.push_back(std::make_unique<CallbackSubscriber>(
          channels[i % connections], account, principal));
    } else if (grpc) {
      subscribers.push_back(std::make_unique<GrpcSubscriber>(
          channels[i % connections], account, principal));
    } else {
      subscribers.push_back(
          std::make_unique<HubSubscriber>(daemon.hub(), head_before, account));
    }
  }
  // Every subscriber follows the log before the first measured append.
  const absl::Time subscribe_deadline = absl::Now() + absl::Seconds(30);
  for (const auto& sub : subscribers) {
    while (!sub->caught_up() && !sub->failed()) {
      if (absl::Now() > subscribe_deadline) {
        return absl::DeadlineExceededError(
            "live subscribers did not catch up within 30 s");
      }
      absl::SleepFor(absl::Milliseconds(5));
    }
  }

  const uint64_t first = daemon.log().GetChainHead().position + 1;
  const absl::Duration run = context.warmup + window;
  const uint64_t planned =
      static_cast<uint64_t>(rate * absl::ToDoubleSeconds(run)) + 1;
  // Shared with the append callbacks, which may outlive a timed-out Drain.
  auto acks = std::make_shared<AckTable>(first, planned + 1024);
  // Keeps a stalled writer from queueing without limit; at the paced rate
  // it is never reached.
  auto in_flight = std::make_shared<InFlight>(10000);
  const uint64_t fallbacks0 = daemon.hub().fallbacks();
  CommitCounter commits;
  daemon.log().AddCommitListener(&commits);
  context.progress(absl::StrFormat(
      "%d live subscribers (%d filtered, %d unfiltered) %s; appending %.0f "
      "events/s for %s + %s",
      total, filtered, unfiltered,
      grpc ? absl::StrCat("over gRPC (", callback_client ? "callback" : "sync",
                          " client), ", connections, " connections, to ",
                          pass == Pass::kFanout ? "the minimal fan-out server"
                                                : "kamgovd")
           : std::string("in-process on the hub"),
      rate, absl::FormatDuration(context.warmup),
      absl::FormatDuration(window)));

  // The paced appender, on this thread: event i is due at start + i / rate;
  // one that is late goes at once (open loop: a slow server does not slow
  // the schedule down).
  const int64_t start_ns = SteadyNanos();
  const int64_t window_start_ns =
      start_ns + absl::ToInt64Nanoseconds(context.warmup);
  const int64_t window_end_ns = start_ns + absl::ToInt64Nanoseconds(run);
  double cpu_start = 0;
  bool cpu_started = false;
  for (uint64_t i = 0; i < planned; ++i) {
    const int64_t due =
        start_ns + static_cast<int64_t>(static_cast<double>(i) * 1e9 / rate);
    if (due >= window_end_ns) break;
    int64_t now = SteadyNanos();
    if (!cpu_started && now >= window_start_ns) {
      cpu_start = ProcessCpuSeconds();
      cpu_started = true;
    }
    if (due > now) {
      absl::SleepFor(absl::Nanoseconds(due - now));
    }
    const int account = static_cast<int>(i % accounts_);
    eventstore::AppendRequest request;
    request.principal = kPrincipal;
    // Every command of the service carries an idempotency key.
    // (unique across passes: a reused one would replay, not append).
    request.command_id = absl::StrCat("bench-live-", first, "-", i);
    request.fingerprint = "bench";
    eventstore::StreamAppend& append = request.streams.emplace_back();
    append.stream_id = absl::StrCat("account-", account);
    eventstore::NewEvent& event = append.events.emplace_back();
    event.type = "BenchEventRecorded";
    event.tags = {AccountTag(account)};
    event.main = payloads_[i % payloads_.size()];
    in_flight->Acquire();
    daemon.log().Append(
        std::move(request),
        [acks, in_flight, account](absl::StatusOr<eventstore::AppendResult> r) {
          if (r.ok()) acks->Record(r->first_position, SteadyNanos(), account);
          in_flight->Release(r.status());
        });
  }
  absl::Status drained = in_flight->Drain(absl::Seconds(30));
  daemon.log().RemoveCommitListener(&commits);
  if (!drained.ok()) return drained;
  LiveResult result;
  result.groups = commits.groups();
  result.group_events = commits.events();
  result.cpu_seconds = cpu_started ? ProcessCpuSeconds() - cpu_start : 0;
  result.window_seconds = absl::ToDoubleSeconds(window);

  // Let every subscriber receive the last event meant for it, then stop.
  const uint64_t head = daemon.log().GetChainHead().position;
  std::vector<uint64_t> last_for_account(accounts_, 0);
  for (uint64_t p = first; p <= head; ++p) {
    if (acks->ack_ns(p) != 0) last_for_account[acks->account(p)] = p;
  }
  const absl::Time drain_deadline = absl::Now() + absl::Seconds(10);
  for (const auto& sub : subscribers) {
    const uint64_t want =
        sub->account() < 0 ? head : last_for_account[sub->account()];
    while (sub->last_position() < want && !sub->failed() &&
           absl::Now() < drain_deadline) {
      absl::SleepFor(absl::Milliseconds(2));
    }
  }
  result.fallbacks = daemon.hub().fallbacks() - fallbacks0;
  for (const auto& sub : subscribers) sub->Stop();

  // Samples, and what each subscriber should have received: the events of
  // its account (all of them, unfiltered) from `first` to the head, once
  // and in order.
  for (uint64_t p = first; p <= head; ++p) {
    const int64_t ack = acks->ack_ns(p);
    if (ack >= window_start_ns && ack < window_end_ns) {
      ++result.appended_in_window;
    }
  }
  for (size_t s = 0; s < subscribers.size(); ++s) {
    const LiveSubscriber& sub = *subscribers[s];
    if (sub.failed()) {
      result.problems.push_back(
          absl::StrCat("subscriber ", s, " ended early: ", sub.problem()));
    }
    uint64_t expected = first;
    auto next_expected = [&](uint64_t from) {
      while (from <= head && sub.account() >= 0 &&
             acks->account(from) != sub.account()) {
        ++from;
      }
      return from;
    };
    expected = next_expected(expected);
    bool wrong = false;
    int64_t last_message_ns = -1;
    for (const Delivery& d : sub.deliveries()) {
      if (d.position < first) continue;  // from before the measurement
      if (d.position != expected && !wrong) {
        wrong = true;
        result.problems.push_back(
            absl::StrCat("subscriber ", s, " (account ", sub.account(),
                         ") received position ", d.position, " where ",
                         expected, " was due"));
      }
      expected = next_expected(d.position + 1);
      const int64_t ack = acks->ack_ns(d.position);
      if (ack < window_start_ns || ack >= window_end_ns) continue;
      int64_t latency = d.received_ns - ack;
      if (latency < 0) {
        ++result.early;
        latency = 0;
      }
      result.all_ns.push_back(latency);
      // The events of one message share their arrival time.
      if (d.received_ns != last_message_ns) ++result.messages;
      last_message_ns = d.received_ns;
      (sub.account() >= 0 ? result.filtered_ns : result.unfiltered_ns)
          .push_back(latency);
    }
    if (!wrong && expected <= head) {
      result.problems.push_back(
          absl::StrCat("subscriber ", s, " (account ", sub.account(),
                       ") never received position ", expected));
    }
  }
  subscribers.clear();
  for (std::vector<int64_t>* v :
       {&result.all_ns, &result.filtered_ns, &result.unfiltered_ns}) {
    std::sort(v->begin(), v->end());
  }
  return result;
}

absl::Status SubscribeScenario::Run(const ScenarioContext& context) {
  const int event_bytes = absl::GetFlag(FLAGS_subscribe_event_bytes);
  const std::string only = absl::GetFlag(FLAGS_subscribe_only);
  const std::string client = absl::GetFlag(FLAGS_subscribe_client);
  if (client != "sync" && client != "callback") {
    return absl::InvalidArgumentError("--subscribe_client: sync or callback");
  }
  if (!only.empty() && only != "catchup" && only != "live") {
    return absl::InvalidArgumentError(
        "--subscribe_only: catchup, live or empty");
  }
  if (event_bytes < 1 || absl::GetFlag(FLAGS_subscribe_filtered) < 0 ||
      absl::GetFlag(FLAGS_subscribe_unfiltered) < 0 ||
      absl::GetFlag(FLAGS_subscribe_filtered) +
              absl::GetFlag(FLAGS_subscribe_unfiltered) <
          1 ||
      !(absl::GetFlag(FLAGS_subscribe_rate) > 0)) {
    return absl::InvalidArgumentError(
        "--subscribe_event_bytes and --subscribe_rate must be positive, and "
        "there must be at least one live subscriber");
  }
  if (absl::GetFlag(FLAGS_subscribe_ignore_deadlock_cycles)) {
    absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  }
  payloads_ = MakePayloads(event_bytes);
  accounts_ = std::max(1, absl::GetFlag(FLAGS_subscribe_filtered));

  absl::StatusOr<std::unique_ptr<ScopedDir>> dir =
      ScopedDir::Create(context.data_dir, "subscribe", context.keep_data);
  if (!dir.ok()) return dir.status();
  services::DaemonOptions options;
  options.server.listen = "127.0.0.1:0";
  options.data_dir = (*dir)->path();
  // No ⚙ deadline events: only the benchmark appends.
  options.scheduler_interval = absl::ZeroDuration();
  const size_t page = options.subscriptions.max_batch_events;
  absl::StatusOr<std::unique_ptr<services::Daemon>> daemon =
      services::Daemon::Start(std::move(options));
  if (!daemon.ok()) return daemon.status();

  if (only != "live") {
    if (absl::Status s = RunCatchUp(context, **daemon, page); !s.ok()) {
      return s;
    }
  }
  if (only == "catchup") return absl::OkStatus();

  std::optional<LiveResult> hub, fanout;
  if (absl::GetFlag(FLAGS_subscribe_live_baseline)) {
    absl::StatusOr<LiveResult> r = RunLive(context, **daemon, Pass::kHub);
    if (!r.ok()) return r.status();
    Describe(context, "hub, in-process", *r);
    hub = *std::move(r);
    r = RunLive(context, **daemon, Pass::kFanout);
    if (!r.ok()) return r.status();
    Describe(context, "minimal gRPC fan-out", *r);
    fanout = *std::move(r);
  }
  absl::StatusOr<LiveResult> live = RunLive(context, **daemon, Pass::kKamgov);
  (*daemon)->Stop();
  daemon->reset();
  if (!live.ok()) return live.status();
  Describe(context, "kamgovd over gRPC", *live);

  const std::string label =
      "same load, same gRPC clients, minimal fan-out server without the hub";
  auto latency = [&](std::string metric, const std::vector<int64_t>& ns,
                     const std::vector<int64_t>* baseline_ns, double q) {
    Figure f = MakeFigure(std::move(metric), PercentileMs(ns, q), "ms");
    if (baseline_ns != nullptr) {
      f.baseline = PercentileMs(*baseline_ns, q);
      f.baseline_label = label;
    }
    return f;
  };
  const LiveResult* base = fanout ? &*fanout : nullptr;
  context.emit(
      MakeFigure("live_append_events_per_s", live->append_rate(), "events/s"));
  context.emit(latency("live_latency_p50_ms", live->all_ns,
                       base ? &base->all_ns : nullptr, 0.50));
  Figure p99 = latency("live_latency_p99_ms", live->all_ns,
                       base ? &base->all_ns : nullptr, 0.99);
  p99.target = Target{Target::Of::kValue, Target::Cmp::kAtMost,
                      kTargetLiveP99Ms, "issue 5"};
  context.emit(std::move(p99));
  context.emit(latency("live_latency_p999_ms", live->all_ns,
                       base ? &base->all_ns : nullptr, 0.999));
  context.emit(latency("live_latency_p99_ms_filtered", live->filtered_ns,
                       base ? &base->filtered_ns : nullptr, 0.99));
  context.emit(latency("live_latency_p99_ms_unfiltered", live->unfiltered_ns,
                       base ? &base->unfiltered_ns : nullptr, 0.99));
  if (hub) {
    // The hub's own share: the same subscriptions without gRPC.
    context.emit(MakeFigure("live_hub_latency_p99_ms",
                            PercentileMs(hub->all_ns, 0.99), "ms"));
  }

  for (const LiveResult* r :
       {hub ? &*hub : nullptr, fanout ? &*fanout : nullptr, &*live}) {
    if (r == nullptr) continue;
    if (!r->problems.empty()) {
      for (const std::string& p : r->problems) context.progress(p);
      return absl::InternalError(absl::StrCat(
          r->problems.size(),
          " live subscribers did not receive exactly their events; first: ",
          r->problems.front()));
    }
    if (r->all_ns.empty()) {
      return absl::InternalError("no live delivery was measured");
    }
  }
  return absl::OkStatus();
}

KAMGOV_REGISTER_SCENARIO("subscribe", SubscribeScenario);

}  // namespace
}  // namespace kamgov::bench
