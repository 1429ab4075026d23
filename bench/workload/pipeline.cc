#include "bench/workload/pipeline.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "domain/decide.h"

namespace kamgov::bench::workload {

std::string Describe(const GeneratedCommand& command) {
  return absl::StrCat(domain::CommandName(command.command), " #", command.seq,
                      " (as ", command.meta.acting_person(), ")");
}

void Pipeline::Submit(GeneratedCommand command, CommandDone done) {
  uint64_t id;
  const GeneratedCommand* start = nullptr;
  {
    absl::MutexLock lock(&mu_);
    id = next_id_++;
    auto entry = std::make_unique<Entry>();
    entry->command = std::move(command);
    entry->done = std::move(done);
    for (const Key& key : entry->command.keys) {
      queues_[key.id].push_back(Holder{id, key.exclusive});
    }
    Entry* e = entry.get();
    entries_.emplace(id, std::move(entry));
    if (ReadyLocked(id)) {
      e->started = true;
      start = &e->command;
    }
  }
  // The entry stays until its completion, which Start() itself triggers.
  if (start != nullptr) Start(id, start);
}

size_t Pipeline::pending() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

bool Pipeline::ReadyLocked(uint64_t id) const {
  const Entry& entry = *entries_.at(id);
  for (const Key& key : entry.command.keys) {
    const std::deque<Holder>& queue = queues_.at(key.id);
    if (key.exclusive) {
      if (queue.front().entry != id) return false;
      continue;
    }
    for (const Holder& h : queue) {
      if (h.entry == id) break;
      if (h.exclusive) return false;
    }
  }
  return true;
}

void Pipeline::Start(uint64_t id, const GeneratedCommand* command) {
  executor_->Execute(*command, [this, id](absl::Status status) {
    Completed(id, std::move(status));
  });
}

void Pipeline::Completed(uint64_t id, absl::Status status) {
  CommandDone done;
  std::vector<std::pair<uint64_t, const GeneratedCommand*>> ready;
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(id);
    done = std::move(it->second->done);
    const std::vector<Key> keys = it->second->command.keys;
    entries_.erase(it);
    for (const Key& key : keys) {
      auto q = queues_.find(key.id);
      std::deque<Holder>& queue = q->second;
      for (auto h = queue.begin(); h != queue.end(); ++h) {
        if (h->entry == id) {
          queue.erase(h);
          break;
        }
      }
      if (queue.empty()) {
        queues_.erase(q);
        continue;
      }
      // Only the head of the queue (exclusive) or its leading run of
      // shared holders can have become ready.
      for (const Holder& h : queue) {
        Entry& waiting = *entries_.at(h.entry);
        if (!waiting.started && ReadyLocked(h.entry)) {
          waiting.started = true;
          ready.emplace_back(h.entry, &waiting.command);
        }
        if (h.exclusive) break;
      }
    }
  }
  for (const auto& [next, command] : ready) Start(next, command);
  done(std::move(status));
}

absl::Status RunCommands(Pipeline& pipeline,
                         const std::function<GeneratedCommand()>& next,
                         uint64_t count, int in_flight,
                         const Progress& progress) {
  struct Shared {
    absl::Mutex mu;
    int outstanding ABSL_GUARDED_BY(mu) = 0;
    uint64_t completed ABSL_GUARDED_BY(mu) = 0;
    absl::Status first ABSL_GUARDED_BY(mu);
  } shared;
  absl::Time last_progress = absl::InfinitePast();
  auto report = [&](bool force) {
    if (!progress) return;
    const absl::Time now = absl::Now();
    if (!force && now - last_progress < absl::Milliseconds(100)) return;
    last_progress = now;
    uint64_t completed;
    {
      absl::MutexLock lock(&shared.mu);
      completed = shared.completed;
    }
    progress(completed);
  };
  for (uint64_t i = 0; i < count; ++i) {
    {
      absl::MutexLock lock(&shared.mu);
      auto room = [&shared, in_flight]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(
                      shared.mu) { return shared.outstanding < in_flight; };
      shared.mu.Await(absl::Condition(&room));
      if (!shared.first.ok()) break;
      ++shared.outstanding;
    }
    GeneratedCommand command = next();
    std::string what = Describe(command);
    pipeline.Submit(std::move(command), [&shared, what = std::move(what)](
                                            absl::Status status) {
      absl::MutexLock lock(&shared.mu);
      --shared.outstanding;
      ++shared.completed;
      if (!status.ok() && shared.first.ok()) {
        shared.first = absl::Status(status.code(),
                                    absl::StrCat(what, ": ", status.message()));
      }
    });
    report(false);
  }
  {
    absl::MutexLock lock(&shared.mu);
    auto drained = [&shared]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared.mu) {
      return shared.outstanding == 0;
    };
    shared.mu.Await(absl::Condition(&drained));
  }
  report(true);
  absl::MutexLock lock(&shared.mu);
  return shared.first;
}

absl::Status RunPhase(Pipeline& pipeline,
                      std::vector<GeneratedCommand> commands, int in_flight,
                      const Progress& progress) {
  size_t i = 0;
  return RunCommands(
      pipeline, [&] { return std::move(commands[i++]); }, commands.size(),
      in_flight, progress);
}

}  // namespace kamgov::bench::workload
