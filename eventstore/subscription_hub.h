#ifndef KAMGOV_EVENTSTORE_SUBSCRIPTION_HUB_H_
#define KAMGOV_EVENTSTORE_SUBSCRIPTION_HUB_H_

// Catch-up and live subscriptions to the log.
//
// A subscription first reads the log from disk after its start position
// (catch-up), then joins the hub's live feed of commit notifications. The
// switch is gapless and duplicate-free because one cursor (the last position
// delivered or scanned) decides both what is read from disk and what is
// taken from the live feed, and joining happens under the hub's lock against
// the same position the writer's notifications advance: the join replays
// the commits the hub kept (recent_events) after the cursor, and reads from
// disk again instead when the cursor is older than that window or what it
// missed would not fit the subscriber's buffer.
//
// A subscriber whose buffered live events exceed its bound is dropped back
// to catch-up from its cursor: memory stays bounded, the writer never waits,
// and nothing is lost or repeated. It rejoins the live feed (and gets another
// caught-up marker) once it has read up to the head again.
//
// Positions are gapless (EventLog contract), so "events scanned since the
// client last learnt a position" is a difference of positions: a filtered
// subscription never scans more than checkpoint_every_events past the last
// position it told its client without telling it a new one.

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "eventstore/event_filter.h"
#include "eventstore/event_log.h"
#include "eventstore/thread_pool.h"

namespace kamgov::eventstore {

struct SubscriptionOptions {
  // Live events a subscriber may have buffered before it drops back to
  // reading from disk.
  size_t max_buffered_events = 8192;
  // Events per message, and per catch-up read.
  size_t max_batch_events = 512;
  // A filtered subscription sends a checkpoint once it has scanned this many
  // events past the last position its client knows (0: only time-based)...
  size_t checkpoint_every_events = 1024;
  // ...or when this long passed since its last message, if its position
  // moved.
  absl::Duration checkpoint_interval = absl::Seconds(5);
  // A subscriber that has not taken a message for this long is ended with
  // RESOURCE_EXHAUSTED (its stuck send is cancelled, so the client may see
  // CANCELLED).
  absl::Duration stall_timeout = absl::Seconds(30);
  size_t max_subscriptions = 1000;
  // Recent commits kept so a subscription catching up under load can join
  // the live feed without chasing the head forever.
  size_t recent_events = 8192;
  // Test seam: runs on the pool (no lock held) each time a catch-up read
  // found the head, just before the subscription joins the live feed, so a
  // test can commit events exactly at the switch.
  std::function<void()> at_head_for_testing;
};

// One message of a subscription, in order.
struct SubscriptionMessage {
  enum class Kind { kEvents, kCheckpoint, kCaughtUp };
  Kind kind = Kind::kEvents;
  // kEvents: matching events in global order.
  std::vector<RecordedEvent> events;
  // kCheckpoint, kCaughtUp: everything up to here has been scanned; a
  // client resumes after it. kCaughtUp also says every event committed when
  // the subscription went live has been delivered.
  uint64_t position = 0;
};

// The transport side of a subscription (the gRPC reactor). The hub calls it
// from one pool thread at a time per subscription, never under a lock, never
// Send while a previous Send awaits its OnSent, and nothing after End.
class SubscriptionSink {
 public:
  virtual ~SubscriptionSink() = default;
  // Starts sending `message`; the sink calls Subscription::OnSent when done.
  virtual void Send(SubscriptionMessage message) = 0;
  // Ends the subscription with `status`; called once, possibly while a Send
  // is still in flight (a stalled client).
  virtual void End(absl::Status status) = 0;
};

class SubscriptionHub;

// A subscription. Created by SubscriptionHub::Subscribe; shared by the hub,
// its sink and the pool tasks delivering it. All methods may be called from
// any thread and never block on I/O.
//
// Delivery runs as "pumps" on the hub's pool, at most one at a time per
// subscription, one step (one disk page or one message) per pump so that
// subscriptions share the pool fairly. At most one message is in flight.
class Subscription : public std::enable_shared_from_this<Subscription> {
 public:
  // Begins delivery. Called once, by the sink's owner, once it is ready to
  // receive Send and End (nothing reaches the sink before).
  void Start();
  // The sink finished sending the last message (`ok` false: the client is
  // gone).
  void OnSent(bool ok);
  // The client cancelled or the call ended: End (if not yet called) and
  // stop.
  void Cancel();

 private:
  friend class SubscriptionHub;
  enum class Phase { kCatchUp, kLive };

  Subscription(SubscriptionHub* hub, SubscriptionSink* sink,
               uint64_t after_position, EventFilter filter,
               bool include_personal)
      : hub_(hub),
        sink_(sink),
        filter_(std::move(filter)),
        include_personal_(include_personal),
        cursor_(after_position),
        sent_position_(after_position) {}

  // Requests a run of Pump on the pool; at most one runs at a time.
  void Wake();
  // Does one step: produces and sends the next message, reads one page, or
  // ends. Reschedules itself when there is more to do. Pool thread only.
  void Pump();
  // Live events picked for the next message: pointers into the shared
  // batches, which `hold` keeps alive, so that nothing is copied while the
  // writer may be waiting for mu_ in OnCommitted.
  struct LivePick {
    std::vector<const RecordedEvent*> events;
    std::vector<std::shared_ptr<const CommittedBatch>> hold;
  };
  // Picks the matching live events after the cursor (up to a message) and
  // moves the cursor past what it scanned.
  bool TakeLive(LivePick* pick) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Copies picked events into a message (no lock held).
  SubscriptionMessage ToMessage(const LivePick& pick) const;
  // Reads the next page from disk; joins the live feed at the head.
  std::optional<SubscriptionMessage> CatchUp(absl::Status* error)
      ABSL_LOCKS_EXCLUDED(mu_);
  // What Offer did with a commit.
  enum class Offered {
    kBuffered,  // queued for the pump
    kSkipped,   // nothing in it matches and nothing is due: passed over
    kBehind,    // too far behind: dropped back to catch-up
  };
  // Called by the hub under its lock when a commit arrives while live.
  Offered Offer(std::shared_ptr<const CommittedBatch> batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool MaybeCheckpoint(SubscriptionMessage* out)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // True when a filtered scan must stop so that the client learns a
  // position: checkpoint_every_events scanned past `known`, what the client
  // will know once the events gathered so far are sent.
  bool CheckpointDue(uint64_t known) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Records that a message telling the client `known` is about to be sent.
  void BeginSend(uint64_t known) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  SubscriptionHub* const hub_;
  SubscriptionSink* const sink_;
  const EventFilter filter_;
  const bool include_personal_;

  absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  Phase phase_ ABSL_GUARDED_BY(mu_) = Phase::kCatchUp;
  // Last position delivered or scanned: the next event sent is > cursor_.
  uint64_t cursor_ ABSL_GUARDED_BY(mu_);
  // The position the client knows (last event, checkpoint or caught-up
  // position sent): it would resume after it.
  uint64_t sent_position_ ABSL_GUARDED_BY(mu_);
  absl::Time last_send_ ABSL_GUARDED_BY(mu_) = absl::Now();
  std::deque<std::shared_ptr<const CommittedBatch>> live_ ABSL_GUARDED_BY(mu_);
  size_t live_events_ ABSL_GUARDED_BY(mu_) = 0;
  bool caught_up_pending_ ABSL_GUARDED_BY(mu_) = false;
  bool sending_ ABSL_GUARDED_BY(mu_) = false;
  bool pump_running_ ABSL_GUARDED_BY(mu_) = false;
  bool pump_again_ ABSL_GUARDED_BY(mu_) = false;
  // Set once the subscription must end; End follows on the pool.
  std::optional<absl::Status> end_ ABSL_GUARDED_BY(mu_);
  // End without waiting for the send in flight (a stalled subscriber).
  bool end_urgent_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

// Serves subscriptions over one EventLog. Registers itself as the log's
// commit listener for its lifetime; the log must outlive the hub, and so
// must the pool, which runs disk reads and sends. Destroy the hub only once
// the pool is drained (ThreadPool::Shutdown) or every subscription ended.
//
// Memory: each live subscriber buffers at most max_buffered_events events
// (pointers to batches shared by all subscribers, counted per subscriber),
// the hub keeps recent_events, and each subscriber has at most one message
// in flight.
//
// Threads: Subscribe, Shutdown and the accessors from any thread.
// OnCommitted runs on the store's commit thread: it only moves shared batch
// pointers into bounded buffers and schedules idle subscribers on the pool.
// It never copies events, and never waits on a client or on I/O (only on a
// subscriber's lock, whose holders do no I/O and copy nothing).
class SubscriptionHub : public CommitListener {
 public:
  SubscriptionHub(EventLog* log, ThreadPool* pool, SubscriptionOptions options);
  ~SubscriptionHub() override;

  // Creates a subscription delivering events with position > after_position
  // that match `filter`; nothing is sent before Subscription::Start().
  // RESOURCE_EXHAUSTED beyond max_subscriptions,
  // UNAVAILABLE after Shutdown. The sink must stay valid until its End is
  // called.
  absl::StatusOr<std::shared_ptr<Subscription>> Subscribe(
      SubscriptionSink* sink, uint64_t after_position, EventFilter filter,
      bool include_personal);

  // Refuses new subscriptions and ends every one with UNAVAILABLE, once its
  // message in flight completes (or, if stuck, after stall_timeout). Does
  // not wait: the sinks get End on the pool.
  void Shutdown();

  // Active subscriptions.
  size_t size() const;
  // Subscriptions following the live feed (the others are catching up).
  size_t live_size() const;
  // Live events buffered across all subscribers (for tests and metrics):
  // at most live_size() * max_buffered_events.
  size_t buffered_events() const;
  // Times a live subscriber fell behind and dropped back to disk reads.
  uint64_t fallbacks() const;

  // A consistent snapshot for metrics. Lag is in events: the last commit
  // the hub was told of minus the subscription's cursor (the last position
  // it delivered or scanned).
  struct Stats {
    size_t active = 0;
    size_t live = 0;
    size_t buffered_events = 0;
    uint64_t fallbacks = 0;
    uint64_t max_lag = 0;
    uint64_t total_lag = 0;
  };
  Stats GetStats() const;

  void OnCommitted(std::shared_ptr<const CommittedBatch> batch) override;

 private:
  friend class Subscription;

  // Joins `sub` to the live feed if its cursor is within the recent window
  // and what it missed fits its buffer; false when it must read more from
  // disk first.
  bool TryJoinLive(Subscription* sub);
  void Remove(Subscription* sub);
  void Tick();

  EventLog* const log_;
  ThreadPool* const pool_;
  const SubscriptionOptions options_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<Subscription*, std::shared_ptr<Subscription>> all_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<Subscription*> live_ ABSL_GUARDED_BY(mu_);
  std::deque<std::shared_ptr<const CommittedBatch>> recent_
      ABSL_GUARDED_BY(mu_);
  size_t recent_events_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t notified_position_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t fallbacks_ ABSL_GUARDED_BY(mu_) = 0;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;

  // Wakes subscriptions for time-based checkpoints and stall detection.
  absl::Mutex tick_mu_;
  bool tick_stop_ ABSL_GUARDED_BY(tick_mu_) = false;
  std::thread ticker_;
};

}  // namespace kamgov::eventstore

#endif  // KAMGOV_EVENTSTORE_SUBSCRIPTION_HUB_H_
