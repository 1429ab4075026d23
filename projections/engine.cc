#include "projections/engine.h"

#include <algorithm>
#include <deque>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "projections/keys.h"
#include "projections/row_store.h"
#include "rocksdb/write_batch.h"

namespace kamgov::projections {
namespace {

using eventstore::RecordedEvent;

// Batches at least this big (a runner catching up) are applied by two
// threads.
constexpr size_t kParallelBatchEvents = 256;

// The row changes of one engine batch, across every projection in it, kept
// in memory (reads see them) until Commit writes them as one WriteBatch. A
// row rewritten by many events of the batch is written once.
class BatchTx {
 public:
  explicit BatchTx(RowStore* store) : store_(store) {}

  absl::StatusOr<std::optional<std::string>> Get(const std::string& key) {
    if (auto it = overlay_.find(key); it != overlay_.end()) return it->second;
    return store_->Get(key);
  }
  void Put(std::string key, absl::string_view value) {
    overlay_[std::move(key)] = std::string(value);
  }
  void Delete(std::string key) { overlay_[std::move(key)] = std::nullopt; }

  absl::Status Commit() {
    // In key order: the memtable's skip list then inserts each key next to
    // the previous one instead of searching from its top (a batch of a
    // rebuild holds tens of thousands of rows).
    std::vector<const std::pair<const std::string, std::optional<std::string>>*>
        rows;
    rows.reserve(overlay_.size());
    for (const auto& row : overlay_) rows.push_back(&row);
    std::sort(rows.begin(), rows.end(),
              [](const auto* a, const auto* b) { return a->first < b->first; });
    rocksdb::WriteBatch batch;
    for (const auto* row : rows) {
      if (row->second.has_value()) {
        batch.Put(row->first, *row->second);
      } else {
        batch.Delete(row->first);
      }
    }
    return store_->Write(&batch);
  }

 private:
  RowStore* const store_;
  absl::flat_hash_map<std::string, std::optional<std::string>> overlay_;
};

// One generation's key space inside a BatchTx.
class GenerationTx : public RowTx {
 public:
  GenerationTx(BatchTx* tx, std::string prefix)
      : tx_(tx), prefix_(std::move(prefix)) {}
  absl::StatusOr<std::optional<std::string>> Get(
      absl::string_view key) override {
    return tx_->Get(absl::StrCat(prefix_, key));
  }
  void Put(absl::string_view key, absl::string_view value) override {
    tx_->Put(absl::StrCat(prefix_, key), value);
  }
  void Delete(absl::string_view key) override {
    tx_->Delete(absl::StrCat(prefix_, key));
  }

 private:
  BatchTx* const tx_;
  const std::string prefix_;
};

class Snapshot : public RowSnapshot {
 public:
  Snapshot(const RowStore* store,
           std::shared_ptr<const rocksdb::Snapshot> snapshot,
           std::string prefix, uint64_t position)
      : store_(store),
        snapshot_(std::move(snapshot)),
        prefix_(std::move(prefix)),
        position_(position) {}
  uint64_t position() const override { return position_; }
  absl::StatusOr<std::optional<std::string>> Get(
      absl::string_view key) const override {
    return store_->Get(absl::StrCat(prefix_, key), snapshot_.get());
  }
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Scan(
      absl::string_view prefix, absl::string_view start_after,
      size_t limit) const override {
    return store_->Scan(prefix_, prefix, start_after, limit, snapshot_.get());
  }

 private:
  const RowStore* const store_;
  const std::shared_ptr<const rocksdb::Snapshot> snapshot_;
  const std::string prefix_;
  const uint64_t position_;
};

}  // namespace

class ProjectionEngine::Impl {
 public:
  // One generation as the engine tracks it.
  struct Gen {
    keys::Generation id;
    uint64_t checkpoint = 0;
  };

  // One projection: its code and its generations.
  struct Slot {
    std::string name;
    ProjectionFactory factory;
    uint32_t code_version = 0;
    // Applies events to the serving generation; used by the main runner.
    std::unique_ptr<Projection> live;
    Gen serving;
    std::optional<Gen> building;
    // The building generation has caught up: the main runner swaps it in.
    bool handover = false;
    // Why the serving (or building) generation stopped; empty while fine.
    std::string error;
    std::string build_error;
    absl::Time build_started;
    uint64_t build_events = 0;
    std::thread builder;
  };

  // What one batch applies to: a generation of a slot, through an instance.
  struct Target {
    Slot* slot;
    Projection* projection;
    bool building;
    uint64_t generation;
    uint64_t checkpoint;
  };

  Impl(EngineOptions options, eventstore::EventLog* log,
       std::unique_ptr<RowStore> store)
      : options_(std::move(options)), log_(log), store_(std::move(store)) {}

  // Registers a projection and loads its generations; a generation ahead
  // of `log_head` is discarded.
  absl::Status AddSlot(ProjectionFactory factory, uint64_t log_head);
  void Start(ProjectionEngine* listener);
  void Stop(ProjectionEngine* listener);
  void OnCommitted(std::shared_ptr<const eventstore::CommittedBatch> batch);
  // `current_version`: only rows built by the registered code's version.
  absl::StatusOr<std::unique_ptr<RowSnapshot>> Read(absl::string_view name,
                                                    uint64_t min_position,
                                                    absl::Time deadline,
                                                    bool current_version);
  std::vector<ProjectionProgress> Status() const;
  absl::Status Rebuild(absl::string_view name);
  uint64_t Position(absl::string_view name) const;
  uint64_t Head() const {
    absl::MutexLock lock(&mu_);
    return head_;
  }
  const RowStore& store() const { return *store_; }

 private:
  Slot* Find(absl::string_view name) const;
  bool Live(const Slot& slot) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return slot.error.empty() && slot.serving.id.version == slot.code_version;
  }
  bool CanAdvance(const Slot& slot) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return Live(slot) ||
           (slot.building.has_value() && slot.build_error.empty());
  }
  bool MainHasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RunMain();
  void RunBuilder(Slot* slot);
  void StartBuilder(Slot* slot) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Applies the next events after the targets' checkpoints (up to
  // batch_events) and commits rows and checkpoints; on failure records the
  // error on the target at fault. Returns the number of events read.
  size_t RunBatch(std::vector<Target>& targets, bool use_live);
  // Applies `events` to `targets` and commits their rows and checkpoints in
  // one write; false (the error recorded on the target at fault, nothing
  // written) when that fails.
  bool ApplyAndCommit(const std::vector<Target*>& targets,
                      const std::vector<const RecordedEvent*>& events);
  // Events after `after`, from the commit notifications when they reach
  // that far back, else from the log.
  absl::Status NextEvents(
      uint64_t after, bool use_live, std::vector<RecordedEvent>* owned,
      std::vector<const RecordedEvent*>* events,
      std::vector<std::shared_ptr<const eventstore::CommittedBatch>>* held);
  void Fail(const Target& target, const absl::Status& status);
  // Writes the slot's generations and drops the rows of `drops`, in one
  // batch.
  absl::Status PersistMeta(const Slot& slot,
                           const std::vector<keys::Generation>& drops);
  keys::Generations GenerationsOf(const Slot& slot) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const EngineOptions options_;
  eventstore::EventLog* const log_;
  const std::unique_ptr<RowStore> store_;
  std::vector<std::unique_ptr<Slot>> slots_;  // fixed after Open

  mutable absl::Mutex mu_;
  // Guards the slots' generations, handover, errors and builds too.
  uint64_t head_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<std::shared_ptr<const eventstore::CommittedBatch>> live_
      ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread main_;
};

absl::Status ProjectionEngine::Impl::AddSlot(ProjectionFactory factory,
                                             uint64_t log_head) {
  auto slot = std::make_unique<Slot>();
  slot->factory = std::move(factory);
  slot->live = slot->factory();
  slot->name = slot->live->name();
  slot->code_version = slot->live->version();
  if (!keys::IsValidName(slot->name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("projection name '", slot->name, "' is not [a-z_]+"));
  }
  if (Find(slot->name) != nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("two projections are named '", slot->name, "'"));
  }
  absl::StatusOr<std::optional<std::string>> meta =
      store_->Get(keys::Meta(slot->name));
  if (!meta.ok()) return meta.status();
  keys::Generations generations;
  std::optional<keys::Generation> drop;
  if (!meta->has_value()) {
    generations.serving = {1, slot->code_version};
  } else {
    std::optional<keys::Generations> decoded = keys::DecodeGenerations(**meta);
    if (!decoded.has_value()) {
      return absl::DataLossError(absl::StrCat("the metadata of projection '",
                                              slot->name, "' is malformed"));
    }
    generations = *decoded;
    // A build of another version than this code's is of no use.
    if (generations.building.has_value() &&
        generations.building->version != slot->code_version) {
      drop = generations.building;
      generations.building.reset();
    }
  }
  auto checkpoint = [&](uint64_t generation) -> absl::StatusOr<uint64_t> {
    absl::StatusOr<std::optional<std::string>> bytes =
        store_->Get(keys::Checkpoint(slot->name, generation));
    if (!bytes.ok()) return bytes.status();
    if (!bytes->has_value()) return 0;
    std::optional<uint64_t> position = keys::DecodePosition(**bytes);
    if (!position.has_value()) {
      return absl::DataLossError(absl::StrCat("the checkpoint of projection '",
                                              slot->name, "' is malformed"));
    }
    return *position;
  };
  absl::StatusOr<uint64_t> serving = checkpoint(generations.serving.number);
  if (!serving.ok()) return serving.status();
  std::vector<keys::Generation> drops;
  if (drop.has_value()) drops.push_back(*drop);
  // A number no generation of this projection has used.
  uint64_t unused = generations.serving.number + 1;
  for (const keys::Generation& g : drops)
    unused = std::max(unused, g.number + 1);
  if (generations.building.has_value()) {
    unused = std::max(unused, generations.building->number + 1);
  }
  if (*serving > log_head) {
    // Rows ahead of the log (a log restored from a backup, or replaced):
    // they describe events the log does not hold. Start over.
    drops.push_back(generations.serving);
    if (generations.building.has_value())
      drops.push_back(*generations.building);
    generations.building.reset();
    generations.serving = {unused, slot->code_version};
    *serving = 0;
  }
  slot->serving = {generations.serving, *serving};
  if (generations.building.has_value()) {
    absl::StatusOr<uint64_t> building =
        checkpoint(generations.building->number);
    if (!building.ok()) return building.status();
    if (*building > log_head) {
      drops.push_back(*generations.building);
      slot->building = Gen{{unused, slot->code_version}, 0};
    } else {
      slot->building = Gen{*generations.building, *building};
    }
  } else if (generations.serving.version != slot->code_version) {
    // This code's version has no rows yet: build them; the old version
    // serves meanwhile.
    slot->building = Gen{{unused, slot->code_version}, 0};
  }
  slot->build_started = absl::Now();
  Slot& added = *slot;
  slots_.push_back(std::move(slot));
  return PersistMeta(added, drops);
}

ProjectionEngine::Impl::Slot* ProjectionEngine::Impl::Find(
    absl::string_view name) const {
  for (const auto& slot : slots_) {
    if (slot->name == name) return slot.get();
  }
  return nullptr;
}

keys::Generations ProjectionEngine::Impl::GenerationsOf(
    const Slot& slot) const {
  keys::Generations g;
  g.serving = slot.serving.id;
  if (slot.building.has_value()) g.building = slot.building->id;
  return g;
}

absl::Status ProjectionEngine::Impl::PersistMeta(
    const Slot& slot, const std::vector<keys::Generation>& drops) {
  rocksdb::WriteBatch batch;
  {
    absl::MutexLock lock(&mu_);
    batch.Put(keys::Meta(slot.name),
              keys::EncodeGenerations(GenerationsOf(slot)));
  }
  for (const keys::Generation& drop : drops) {
    const std::string prefix = keys::RowPrefix(slot.name, drop.number);
    batch.DeleteRange(prefix, keys::PrefixEnd(prefix));
    batch.Delete(keys::Checkpoint(slot.name, drop.number));
  }
  return store_->Write(&batch);
}

void ProjectionEngine::Impl::Start(ProjectionEngine* listener) {
  // Listen first, then read the head: no commit falls between the two.
  // (The log calls OnCommitted holding its own lock: never call the log
  // holding mu_.)
  log_->AddCommitListener(listener);
  const uint64_t head = log_->GetChainHead().position;
  absl::MutexLock lock(&mu_);
  if (started_) return;
  started_ = true;
  head_ = std::max(head_, head);
  for (const auto& slot : slots_) {
    if (slot->building.has_value()) StartBuilder(slot.get());
  }
  main_ = std::thread([this] { RunMain(); });
}

void ProjectionEngine::Impl::Stop(ProjectionEngine* listener) {
  std::vector<std::thread> threads;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    if (main_.joinable()) threads.push_back(std::move(main_));
    for (const auto& slot : slots_) {
      if (slot->builder.joinable()) threads.push_back(std::move(slot->builder));
    }
  }
  for (std::thread& t : threads) t.join();
  log_->RemoveCommitListener(listener);
}

void ProjectionEngine::Impl::OnCommitted(
    std::shared_ptr<const eventstore::CommittedBatch> batch) {
  absl::MutexLock lock(&mu_);
  head_ = std::max(head_, batch->last_position);
  live_.push_back(std::move(batch));
  // A runner this far behind reads the log instead.
  if (live_.size() > options_.live_queue_batches) live_.pop_front();
}

bool ProjectionEngine::Impl::MainHasWork() const {
  if (stopping_) return true;
  for (const auto& slot : slots_) {
    if (slot->handover) return true;
    if (Live(*slot) && slot->serving.checkpoint < head_) return true;
  }
  return false;
}

void ProjectionEngine::Impl::StartBuilder(Slot* slot) {
  slot->build_error.clear();
  slot->build_started = absl::Now();
  slot->build_events = 0;
  slot->builder = std::thread([this, slot] { RunBuilder(slot); });
}

void ProjectionEngine::Impl::RunMain() {
  while (true) {
    std::vector<Target> targets;
    std::vector<std::pair<Slot*, keys::Generation>> swapped;
    std::vector<std::thread> finished;
    {
      absl::MutexLock lock(&mu_, absl::Condition(this, &Impl::MainHasWork));
      if (stopping_) return;
      for (const auto& slot : slots_) {
        if (slot->handover) {
          // The new generation serves from now on; readers that hold a
          // snapshot of the old one keep it until they let go.
          swapped.emplace_back(slot.get(), slot->serving.id);
          slot->serving = *slot->building;
          slot->building.reset();
          // A fresh instance: the old one may cache decoded states of the
          // generation it applied to, which are not the new one's.
          slot->live = slot->factory();
          slot->handover = false;
          slot->error.clear();
          if (slot->builder.joinable()) {
            finished.push_back(std::move(slot->builder));
          }
        }
        if (Live(*slot) && slot->serving.checkpoint < head_) {
          targets.push_back({slot.get(), slot->live.get(), false,
                             slot->serving.id.number,
                             slot->serving.checkpoint});
        }
      }
    }
    for (std::thread& t : finished) t.join();
    for (const auto& [slot, old] : swapped) {
      absl::Status status = PersistMeta(*slot, {old});
      if (!status.ok()) {
        absl::MutexLock lock(&mu_);
        slot->error = status.ToString();
      }
    }
    if (!targets.empty()) RunBatch(targets, /*use_live=*/true);
  }
}

void ProjectionEngine::Impl::RunBuilder(Slot* slot) {
  std::unique_ptr<Projection> instance = slot->factory();
  while (true) {
    std::vector<Target> target;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_ || !slot->building.has_value() ||
          !slot->build_error.empty()) {
        return;
      }
      if (slot->building->checkpoint >= head_) {
        slot->handover = true;  // the main runner takes it from here
        return;
      }
      target.push_back({slot, instance.get(), true, slot->building->id.number,
                        slot->building->checkpoint});
    }
    const size_t events = RunBatch(target, /*use_live=*/false);
    absl::MutexLock lock(&mu_);
    slot->build_events += events;
  }
}

absl::Status ProjectionEngine::Impl::NextEvents(
    uint64_t after, bool use_live, std::vector<RecordedEvent>* owned,
    std::vector<const RecordedEvent*>* events,
    std::vector<std::shared_ptr<const eventstore::CommittedBatch>>* held) {
  if (use_live) {
    absl::MutexLock lock(&mu_);
    while (!live_.empty() && live_.front()->last_position <= after) {
      live_.pop_front();
    }
    uint64_t next = after + 1;
    for (const auto& batch : live_) {
      if (batch->first_position > next ||
          events->size() >= options_.batch_events) {
        break;
      }
      held->push_back(batch);
      for (const RecordedEvent& e : batch->events) {
        if (e.position >= next) events->push_back(&e);
      }
      next = batch->last_position + 1;
    }
    if (!events->empty()) return absl::OkStatus();
  }
  absl::StatusOr<std::vector<RecordedEvent>> read =
      log_->ReadAll(after, options_.batch_events, /*include_personal=*/false);
  if (!read.ok()) return read.status();
  *owned = *std::move(read);
  for (const RecordedEvent& e : *owned) events->push_back(&e);
  return absl::OkStatus();
}

void ProjectionEngine::Impl::Fail(const Target& target,
                                  const absl::Status& status) {
  absl::MutexLock lock(&mu_);
  (target.building ? target.slot->build_error : target.slot->error) =
      status.ToString();
}

size_t ProjectionEngine::Impl::RunBatch(std::vector<Target>& targets,
                                        bool use_live) {
  uint64_t after = targets.front().checkpoint;
  for (const Target& t : targets) after = std::min(after, t.checkpoint);
  std::vector<RecordedEvent> owned;
  std::vector<const RecordedEvent*> events;
  std::vector<std::shared_ptr<const eventstore::CommittedBatch>> held;
  absl::Status read = NextEvents(after, use_live, &owned, &events, &held);
  if (!read.ok()) {
    // The log cannot be read: every target stops; a restart retries.
    for (const Target& t : targets) Fail(t, read);
    return 0;
  }
  if (events.empty()) return 0;

  // Catching up, the projections share the batch's events but nothing else:
  // two threads each apply and commit half of them (a core each on the
  // machines this is measured on). Live batches are too small to pay for
  // the hand-off.
  std::vector<Target*> first, second;
  const bool split =
      targets.size() > 1 && events.size() >= kParallelBatchEvents;
  for (size_t i = 0; i < targets.size(); ++i) {
    (split && i % 2 == 1 ? second : first).push_back(&targets[i]);
  }
  bool second_committed = false;
  std::thread helper;
  if (!second.empty()) {
    helper =
        std::thread([&] { second_committed = ApplyAndCommit(second, events); });
  }
  const bool first_committed = ApplyAndCommit(first, events);
  if (helper.joinable()) helper.join();
  if (!first_committed && !second_committed) return 0;

  const uint64_t last = events.back()->position;
  absl::MutexLock lock(&mu_);
  for (auto [group, committed] : {std::pair(&first, first_committed),
                                  std::pair(&second, second_committed)}) {
    if (!committed) continue;
    for (const Target* t : *group) {
      Gen* gen = t->building
                     ? (t->slot->building ? &*t->slot->building : nullptr)
                     : &t->slot->serving;
      if (gen != nullptr && gen->id.number == t->generation) {
        gen->checkpoint = last;
      }
    }
  }
  return events.size();
}

bool ProjectionEngine::Impl::ApplyAndCommit(
    const std::vector<Target*>& targets,
    const std::vector<const RecordedEvent*>& events) {
  BatchTx tx(store_.get());
  std::vector<GenerationTx> views;
  views.reserve(targets.size());
  for (const Target* t : targets) {
    views.emplace_back(&tx, keys::RowPrefix(t->slot->name, t->generation));
  }
  auto reset = [&targets] {
    for (Target* t : targets) t->projection->ResetBatch();
  };
  for (const RecordedEvent* e : events) {
    for (size_t i = 0; i < targets.size(); ++i) {
      if (e->position <= targets[i]->checkpoint) continue;
      absl::Status status = targets[i]->projection->Apply(*e, views[i]);
      if (!status.ok()) {
        reset();
        Fail(*targets[i], absl::Status(status.code(),
                                       absl::StrCat("at position ", e->position,
                                                    ": ", status.message())));
        return false;
      }
    }
  }
  const uint64_t last = events.back()->position;
  for (size_t i = 0; i < targets.size(); ++i) {
    absl::Status status = targets[i]->projection->Flush(views[i]);
    if (!status.ok()) {
      reset();
      Fail(*targets[i], status);
      return false;
    }
    tx.Put(keys::Checkpoint(targets[i]->slot->name, targets[i]->generation),
           keys::EncodePosition(last));
  }
  absl::Status committed = tx.Commit();
  if (!committed.ok()) {
    reset();
    for (const Target* t : targets) Fail(*t, committed);
    return false;
  }
  return true;
}

absl::StatusOr<std::unique_ptr<RowSnapshot>> ProjectionEngine::Impl::Read(
    absl::string_view name, uint64_t min_position, absl::Time deadline,
    bool current_version) {
  Slot* slot = Find(name);
  if (slot == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("there is no projection named '", name, "'"));
  }
  std::shared_ptr<const rocksdb::Snapshot> snapshot;
  std::string prefix, checkpoint_key;
  {
    absl::MutexLock lock(&mu_);
    auto reached = [this, slot,
                    min_position]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_ || slot->serving.checkpoint >= min_position ||
             !CanAdvance(*slot);
    };
    mu_.AwaitWithDeadline(absl::Condition(&reached), deadline);
    if (stopping_) {
      return absl::UnavailableError("the server is shutting down");
    }
    if (current_version && !Live(*slot)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "projection '", name, "' serves version ", slot->serving.id.version,
          " of its rows, the code is at version ", slot->code_version,
          slot->error.empty() ? "" : ", and it stopped: ", slot->error));
    }
    if (slot->serving.checkpoint < min_position) {
      if (!CanAdvance(*slot)) {
        return absl::FailedPreconditionError(absl::StrCat(
            "projection '", name, "' stopped at position ",
            slot->serving.checkpoint, ": ",
            slot->error.empty() ? slot->build_error : slot->error));
      }
      return absl::DeadlineExceededError(absl::StrCat(
          "projection '", name, "' reached position ", slot->serving.checkpoint,
          ", not min_position ", min_position, ", before the deadline"));
    }
    // Taken under the lock: the rows of a generation are dropped only after
    // it stopped serving, so the snapshot always holds them.
    snapshot = store_->Snapshot();
    prefix = keys::RowPrefix(slot->name, slot->serving.id.number);
    checkpoint_key = keys::Checkpoint(slot->name, slot->serving.id.number);
  }
  absl::StatusOr<std::optional<std::string>> checkpoint =
      store_->Get(checkpoint_key, snapshot.get());
  if (!checkpoint.ok()) return checkpoint.status();
  uint64_t position = 0;
  if (checkpoint->has_value()) {
    std::optional<uint64_t> decoded = keys::DecodePosition(**checkpoint);
    if (!decoded.has_value()) {
      return absl::DataLossError(absl::StrCat("the checkpoint of projection '",
                                              name, "' is malformed"));
    }
    position = *decoded;
  }
  return std::make_unique<Snapshot>(store_.get(), std::move(snapshot),
                                    std::move(prefix), position);
}

std::vector<ProjectionProgress> ProjectionEngine::Impl::Status() const {
  absl::MutexLock lock(&mu_);
  std::vector<ProjectionProgress> out;
  for (const auto& slot : slots_) {
    ProjectionProgress p;
    p.name = slot->name;
    p.version = slot->serving.id.version;
    p.position = slot->serving.checkpoint;
    p.error = slot->error;
    if (slot->building.has_value()) {
      p.rebuilding = true;
      p.rebuild_version = slot->building->id.version;
      p.rebuild_position = slot->building->checkpoint;
      const double seconds =
          absl::ToDoubleSeconds(absl::Now() - slot->build_started);
      if (seconds > 0)
        p.rebuild_events_per_second = slot->build_events / seconds;
      if (p.error.empty()) p.error = slot->build_error;
    }
    out.push_back(std::move(p));
  }
  return out;
}

absl::Status ProjectionEngine::Impl::Rebuild(absl::string_view name) {
  Slot* slot = Find(name);
  if (slot == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("there is no projection named '", name, "'"));
  }
  std::optional<keys::Generation> failed_build;
  std::thread finished;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return absl::UnavailableError("the server is shutting down");
    if (slot->building.has_value() && slot->build_error.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "projection '", name, "' is already being rebuilt (at position ",
          slot->building->checkpoint, ")"));
    }
    uint64_t number = slot->serving.id.number + 1;
    if (slot->building.has_value()) {
      // A build that stopped on an error: start over in a new key space.
      failed_build = slot->building->id;
      number = slot->building->id.number + 1;
    }
    slot->building = Gen{keys::Generation{number, slot->code_version}, 0};
    slot->build_error.clear();
    finished = std::move(slot->builder);  // returned, if there was one
  }
  if (finished.joinable()) finished.join();
  std::vector<keys::Generation> drops;
  if (failed_build.has_value()) drops.push_back(*failed_build);
  absl::Status persisted = PersistMeta(*slot, drops);
  absl::MutexLock lock(&mu_);
  if (!persisted.ok()) {
    slot->build_error = persisted.ToString();
    return persisted;
  }
  if (started_ && !stopping_) StartBuilder(slot);
  return absl::OkStatus();
}

uint64_t ProjectionEngine::Impl::Position(absl::string_view name) const {
  Slot* slot = Find(name);
  if (slot == nullptr) return 0;
  absl::MutexLock lock(&mu_);
  return slot->serving.checkpoint;
}

// ---------------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<ProjectionEngine>> ProjectionEngine::Open(
    EngineOptions options, eventstore::EventLog* log,
    std::vector<ProjectionFactory> projections) {
  absl::StatusOr<std::unique_ptr<RowStore>> store =
      RowStore::Open(options.path, options.block_cache_bytes);
  if (!store.ok()) return store.status();
  auto impl =
      std::make_unique<Impl>(std::move(options), log, *std::move(store));
  const uint64_t log_head = log->GetChainHead().position;
  for (ProjectionFactory& factory : projections) {
    absl::Status added = impl->AddSlot(std::move(factory), log_head);
    if (!added.ok()) return added;
  }
  return std::unique_ptr<ProjectionEngine>(
      new ProjectionEngine(std::move(impl)));
}

ProjectionEngine::ProjectionEngine(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

ProjectionEngine::~ProjectionEngine() { Stop(); }

void ProjectionEngine::Start() { impl_->Start(this); }
void ProjectionEngine::Stop() { impl_->Stop(this); }

absl::StatusOr<std::unique_ptr<RowSnapshot>> ProjectionEngine::Read(
    absl::string_view name, uint64_t min_position, absl::Time deadline) {
  return impl_->Read(name, min_position, deadline, /*current_version=*/false);
}

absl::StatusOr<std::unique_ptr<RowSnapshot>> ProjectionEngine::ReadCurrent(
    absl::string_view name) {
  return impl_->Read(name, 0, absl::InfinitePast(), /*current_version=*/true);
}

std::vector<ProjectionProgress> ProjectionEngine::Status() const {
  return impl_->Status();
}

absl::Status ProjectionEngine::Rebuild(absl::string_view name) {
  return impl_->Rebuild(name);
}

uint64_t ProjectionEngine::Position(absl::string_view name) const {
  return impl_->Position(name);
}

uint64_t ProjectionEngine::HeadPosition() const { return impl_->Head(); }

bool ProjectionEngine::HasStorageBackgroundWork() const {
  return impl_->store().HasBackgroundWork();
}

void ProjectionEngine::OnCommitted(
    std::shared_ptr<const eventstore::CommittedBatch> batch) {
  impl_->OnCommitted(std::move(batch));
}

}  // namespace kamgov::projections
