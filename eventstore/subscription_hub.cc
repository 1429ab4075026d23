#include "eventstore/subscription_hub.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace kamgov::eventstore {

// ---------------------------------------------------------------------------
// Subscription

void Subscription::Start() {
  {
    absl::MutexLock lock(&mu_);
    started_ = true;
  }
  Wake();
}

void Subscription::OnSent(bool ok) {
  {
    absl::MutexLock lock(&mu_);
    sending_ = false;
    if (!ok && !end_.has_value()) {
      end_ = absl::CancelledError("the subscriber went away");
    }
  }
  Wake();
}

void Subscription::Cancel() {
  {
    absl::MutexLock lock(&mu_);
    if (!end_.has_value()) {
      end_ = absl::CancelledError("cancelled by the client");
    }
  }
  Wake();
}

void Subscription::Wake() {
  {
    absl::MutexLock lock(&mu_);
    // Before Start the sink may not be ready; Start wakes it.
    if (finished_ || !started_) return;
    if (pump_running_) {
      pump_again_ = true;
      return;
    }
    pump_running_ = true;
  }
  hub_->pool_->Schedule([self = shared_from_this()] { self->Pump(); });
}

Subscription::Offered Subscription::Offer(
    std::shared_ptr<const CommittedBatch> batch) {
  // A filtered subscriber with nothing buffered passes over a commit with no
  // match at once, here on the commit thread: waking it would cost a pool
  // round trip per commit for nothing to send.
  const size_t every = hub_->options_.checkpoint_every_events;
  const bool checkpoint_due_after =
      every != 0 && batch->last_position - sent_position_ >= every;
  if (live_.empty() && !filter_.empty() && batch->last_position > cursor_ &&
      !checkpoint_due_after &&
      std::none_of(batch->events.begin(), batch->events.end(),
                   [this, cursor = cursor_](const RecordedEvent& event) {
                     return event.position > cursor &&
                            filter_.Matches(event.record);
                   })) {
    cursor_ = batch->last_position;
    return Offered::kSkipped;
  }
  const size_t n = batch->events.size();
  if (live_events_ + n > hub_->options_.max_buffered_events) {
    // Too far behind: forget the buffer and read from disk from the cursor.
    live_.clear();
    live_events_ = 0;
    phase_ = Phase::kCatchUp;
    return Offered::kBehind;
  }
  live_.push_back(std::move(batch));
  live_events_ += n;
  return Offered::kBuffered;
}

bool Subscription::CheckpointDue(uint64_t known) const {
  const size_t every = hub_->options_.checkpoint_every_events;
  if (filter_.empty() || every == 0) return false;
  return cursor_ - known >= every;
}

bool Subscription::TakeLive(LivePick* pick) {
  const size_t max = hub_->options_.max_batch_events;
  bool stop = false;
  while (!live_.empty() && !stop) {
    const std::shared_ptr<const CommittedBatch>& batch = live_.front();
    bool picked_here = false;
    for (const RecordedEvent& event : batch->events) {
      if (event.position <= cursor_) continue;
      // Checked before moving the cursor, so it never runs past the point
      // where a checkpoint is due.
      const uint64_t known =
          pick->events.empty() ? sent_position_ : pick->events.back()->position;
      if (pick->events.size() >= max || CheckpointDue(known)) {
        stop = true;
        break;
      }
      cursor_ = event.position;
      if (filter_.Matches(event.record)) {
        pick->events.push_back(&event);
        picked_here = true;
      }
    }
    if (picked_here) pick->hold.push_back(batch);
    if (batch->last_position <= cursor_) {
      live_events_ -= batch->events.size();
      live_.pop_front();
    }
  }
  return !pick->events.empty();
}

SubscriptionMessage Subscription::ToMessage(const LivePick& pick) const {
  SubscriptionMessage message;
  message.kind = SubscriptionMessage::Kind::kEvents;
  message.events.reserve(pick.events.size());
  for (const RecordedEvent* event : pick.events) {
    RecordedEvent& copy = message.events.emplace_back();
    copy.position = event->position;
    copy.record_bytes = event->record_bytes;
    copy.record = event->record;
    copy.hash = event->hash;
    if (include_personal_) copy.personal = event->personal;
    copy.personal_erased = event->personal_erased;
  }
  return message;
}

bool Subscription::MaybeCheckpoint(SubscriptionMessage* out) {
  if (filter_.empty() || cursor_ <= sent_position_) return false;
  const size_t every = hub_->options_.checkpoint_every_events;
  if ((every == 0 || cursor_ - sent_position_ < every) &&
      absl::Now() - last_send_ < hub_->options_.checkpoint_interval) {
    return false;
  }
  out->kind = SubscriptionMessage::Kind::kCheckpoint;
  out->events.clear();
  out->position = cursor_;
  return true;
}

void Subscription::BeginSend(uint64_t known) {
  sending_ = true;
  sent_position_ = known;
  last_send_ = absl::Now();
}

std::optional<SubscriptionMessage> Subscription::CatchUp(absl::Status* error) {
  uint64_t from;
  {
    absl::MutexLock lock(&mu_);
    from = cursor_;
  }
  // Only this pump moves the cursor while catching up, so `from` stays
  // valid while the page is read without the lock.
  const size_t page_size = hub_->options_.max_batch_events;
  absl::StatusOr<std::vector<RecordedEvent>> page =
      hub_->log_->ReadAll(from, page_size, include_personal_);
  if (!page.ok()) {
    *error = page.status();
    return std::nullopt;
  }
  {
    absl::MutexLock lock(&mu_);
    SubscriptionMessage message;
    bool stopped = false;
    for (RecordedEvent& event : *page) {
      if (event.position <= cursor_) continue;
      if (CheckpointDue(message.events.empty()
                            ? sent_position_
                            : message.events.back().position)) {
        // The rest of the page is read again after the checkpoint.
        stopped = true;
        break;
      }
      cursor_ = event.position;
      if (filter_.Matches(event.record)) {
        message.events.push_back(std::move(event));
      }
    }
    if (!message.events.empty()) {
      BeginSend(message.events.back().position);
      return message;
    }
    if (stopped || page->size() >= page_size) {
      pump_again_ = true;
      if (MaybeCheckpoint(&message)) {
        BeginSend(message.position);
        return message;
      }
      return std::nullopt;
    }
  }
  // Nothing more on disk: join the live feed (or read again if commits
  // slipped past the recent window meanwhile).
  if (hub_->options_.at_head_for_testing) hub_->options_.at_head_for_testing();
  hub_->TryJoinLive(this);
  absl::MutexLock lock(&mu_);
  pump_again_ = true;
  return std::nullopt;
}

void Subscription::Pump() {
  std::optional<absl::Status> end;
  std::optional<SubscriptionMessage> message;
  LivePick pick;
  bool catch_up = false;
  {
    absl::MutexLock lock(&mu_);
    pump_again_ = false;
    if (end_.has_value()) {
      // An ending subscription first lets its last send complete (OnSent
      // wakes it), unless the subscriber is stalled and it never will.
      if (!sending_ || end_urgent_) {
        end = *end_;
        finished_ = true;
        pump_running_ = false;
      }
    } else if (!sending_) {
      SubscriptionMessage next;
      if (phase_ == Phase::kCatchUp) {
        if (MaybeCheckpoint(&next)) {
          message = std::move(next);
        } else {
          catch_up = true;
        }
      } else if (TakeLive(&pick)) {
        BeginSend(pick.events.back()->position);
      } else if (live_.empty() && caught_up_pending_) {
        caught_up_pending_ = false;
        next.kind = SubscriptionMessage::Kind::kCaughtUp;
        next.position = cursor_;
        message = std::move(next);
      } else if (MaybeCheckpoint(&next)) {
        message = std::move(next);
      }
      if (message.has_value()) BeginSend(message->position);
    }
  }
  if (!pick.events.empty()) message = ToMessage(pick);
  if (end.has_value()) {
    sink_->End(*std::move(end));
    hub_->Remove(this);
    return;
  }
  if (catch_up) {
    absl::Status error;
    message = CatchUp(&error);
    if (!error.ok()) {
      absl::MutexLock lock(&mu_);
      if (!end_.has_value()) end_ = error;
      pump_again_ = true;
    }
  }
  // Outside the lock: the sink may complete the send (and call OnSent)
  // before Send returns.
  if (message.has_value()) sink_->Send(*std::move(message));
  {
    absl::MutexLock lock(&mu_);
    if (!pump_again_) {
      pump_running_ = false;
      return;
    }
  }
  // More to do (the next page, or a wake that came meanwhile): go to the
  // back of the pool's queue so other subscriptions get their turn.
  hub_->pool_->Schedule([self = shared_from_this()] { self->Pump(); });
}

// ---------------------------------------------------------------------------
// SubscriptionHub

namespace {

// How often the ticker looks for due checkpoints and stalled subscribers: a
// fraction of the shortest of the two intervals, within [5 ms, 200 ms].
absl::Duration TickPeriod(const SubscriptionOptions& options) {
  const absl::Duration shortest =
      std::min(options.checkpoint_interval, options.stall_timeout);
  return std::clamp(shortest / 4, absl::Milliseconds(5),
                    absl::Milliseconds(200));
}

}  // namespace

SubscriptionHub::SubscriptionHub(EventLog* log, ThreadPool* pool,
                                 SubscriptionOptions options)
    : log_(log), pool_(pool), options_(std::move(options)) {
  const uint64_t committed = log_->AddCommitListener(this);
  {
    absl::MutexLock lock(&mu_);
    notified_position_ = std::max(notified_position_, committed);
  }
  ticker_ = std::thread([this] { Tick(); });
}

SubscriptionHub::~SubscriptionHub() {
  Shutdown();
  log_->RemoveCommitListener(this);
  {
    absl::MutexLock lock(&tick_mu_);
    tick_stop_ = true;
  }
  ticker_.join();
}

absl::StatusOr<std::shared_ptr<Subscription>> SubscriptionHub::Subscribe(
    SubscriptionSink* sink, uint64_t after_position, EventFilter filter,
    bool include_personal) {
  std::shared_ptr<Subscription> sub(new Subscription(
      this, sink, after_position, std::move(filter), include_personal));
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) {
      return absl::UnavailableError("the server is shutting down");
    }
    if (all_.size() >= options_.max_subscriptions) {
      return absl::ResourceExhaustedError(
          absl::StrCat("too many subscriptions (the limit is ",
                       options_.max_subscriptions, "); retry later"));
    }
    all_.emplace(sub.get(), sub);
  }
  return sub;
}

void SubscriptionHub::Shutdown() {
  std::vector<std::shared_ptr<Subscription>> subs;
  {
    absl::MutexLock lock(&mu_);
    shut_down_ = true;
    for (auto& [raw, sub] : all_) subs.push_back(sub);
  }
  for (const std::shared_ptr<Subscription>& sub : subs) {
    {
      absl::MutexLock lock(&sub->mu_);
      if (!sub->end_.has_value()) {
        sub->end_ = absl::UnavailableError(
            absl::StrCat("the server is shutting down; resume after position ",
                         sub->sent_position_));
      }
    }
    sub->Wake();
  }
}

size_t SubscriptionHub::size() const {
  absl::MutexLock lock(&mu_);
  return all_.size();
}

size_t SubscriptionHub::live_size() const {
  absl::MutexLock lock(&mu_);
  return live_.size();
}

uint64_t SubscriptionHub::fallbacks() const {
  absl::MutexLock lock(&mu_);
  return fallbacks_;
}

size_t SubscriptionHub::buffered_events() const {
  absl::MutexLock lock(&mu_);
  size_t total = 0;
  for (Subscription* sub : live_) {
    absl::MutexLock sub_lock(&sub->mu_);
    total += sub->live_events_;
  }
  return total;
}

SubscriptionHub::Stats SubscriptionHub::GetStats() const {
  Stats stats;
  absl::MutexLock lock(&mu_);
  stats.active = all_.size();
  stats.live = live_.size();
  stats.fallbacks = fallbacks_;
  for (const auto& [raw, sub] : all_) {
    absl::MutexLock sub_lock(&raw->mu_);
    if (live_.contains(raw)) stats.buffered_events += raw->live_events_;
    const uint64_t lag = notified_position_ > raw->cursor_
                             ? notified_position_ - raw->cursor_
                             : 0;
    stats.max_lag = std::max(stats.max_lag, lag);
    stats.total_lag += lag;
  }
  return stats;
}

void SubscriptionHub::OnCommitted(std::shared_ptr<const CommittedBatch> batch) {
  std::vector<std::shared_ptr<Subscription>> to_wake;
  {
    absl::MutexLock lock(&mu_);
    notified_position_ = batch->last_position;
    recent_.push_back(batch);
    recent_events_ += batch->events.size();
    while (recent_.size() > 1 && recent_events_ > options_.recent_events) {
      recent_events_ -= recent_.front()->events.size();
      recent_.pop_front();
    }
    std::vector<Subscription*> behind;
    for (Subscription* sub : live_) {
      absl::MutexLock sub_lock(&sub->mu_);
      const Subscription::Offered offered = sub->Offer(batch);
      if (offered == Subscription::Offered::kSkipped) continue;
      if (offered == Subscription::Offered::kBehind) behind.push_back(sub);
      // One with a send in flight is woken by OnSent; waking it now would
      // only cost a pool round trip per commit.
      if (sub->sending_ || sub->finished_) continue;
      if (auto it = all_.find(sub); it != all_.end()) {
        to_wake.push_back(it->second);
      }
    }
    for (Subscription* sub : behind) live_.erase(sub);
    fallbacks_ += behind.size();
  }
  for (const std::shared_ptr<Subscription>& sub : to_wake) sub->Wake();
}

bool SubscriptionHub::TryJoinLive(Subscription* sub) {
  absl::MutexLock lock(&mu_);
  absl::MutexLock sub_lock(&sub->mu_);
  if (sub->end_.has_value() || sub->phase_ == Subscription::Phase::kLive) {
    return false;
  }
  const uint64_t oldest_kept = recent_.empty()
                                   ? notified_position_
                                   : recent_.front()->first_position - 1;
  if (sub->cursor_ < oldest_kept) return false;
  // Everything committed after the cursor is in `recent_` or will be
  // offered by a later OnCommitted: no gap. TakeLive skips what the cursor
  // already passed: no duplicate.
  size_t missed = 0;
  for (const std::shared_ptr<const CommittedBatch>& batch : recent_) {
    if (batch->last_position > sub->cursor_) missed += batch->events.size();
  }
  if (missed > options_.max_buffered_events) return false;  // read on disk
  for (const std::shared_ptr<const CommittedBatch>& batch : recent_) {
    if (batch->last_position > sub->cursor_) sub->live_.push_back(batch);
  }
  sub->live_events_ = missed;
  sub->phase_ = Subscription::Phase::kLive;
  sub->caught_up_pending_ = true;
  live_.insert(sub);
  return true;
}

void SubscriptionHub::Remove(Subscription* sub) {
  std::shared_ptr<Subscription> keep;  // released outside the lock
  absl::MutexLock lock(&mu_);
  live_.erase(sub);
  if (auto it = all_.find(sub); it != all_.end()) {
    keep = std::move(it->second);
    all_.erase(it);
  }
}

void SubscriptionHub::Tick() {
  const absl::Duration period = TickPeriod(options_);
  while (true) {
    {
      absl::MutexLock lock(&tick_mu_);
      if (tick_mu_.AwaitWithTimeout(absl::Condition(&tick_stop_), period)) {
        return;
      }
    }
    std::vector<std::shared_ptr<Subscription>> subs;
    {
      absl::MutexLock lock(&mu_);
      for (auto& [raw, sub] : all_) subs.push_back(sub);
    }
    const absl::Time now = absl::Now();
    for (const std::shared_ptr<Subscription>& sub : subs) {
      bool wake = false;
      {
        absl::MutexLock lock(&sub->mu_);
        const bool stalled =
            sub->sending_ && now - sub->last_send_ > options_.stall_timeout;
        if (stalled && !sub->end_urgent_) {
          // An ending subscription (shutdown, cancel) whose last send is
          // stuck is ended now too, with the status it already has.
          if (!sub->end_.has_value()) {
            sub->end_ = absl::ResourceExhaustedError(
                absl::StrCat("the subscriber read nothing for ",
                             absl::FormatDuration(options_.stall_timeout),
                             " and was disconnected; resume after position ",
                             sub->sent_position_));
          }
          sub->end_urgent_ = true;
          wake = true;
        } else if (!sub->sending_ && !sub->filter_.empty() &&
                   sub->cursor_ > sub->sent_position_ &&
                   now - sub->last_send_ >= options_.checkpoint_interval) {
          wake = true;
        }
      }
      if (wake) sub->Wake();
    }
  }
}

}  // namespace kamgov::eventstore
