#include "services/aggregate_cache.h"

#include <limits>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "domain/evolve.h"
#include "spdlog/spdlog.h"

namespace kamgov::services {

AggregateCache::State AggregateCache::EmptyState(domain::AggregateKind kind) {
  switch (kind) {
    case domain::AggregateKind::kProgram:
      return v1::ProgramState();
    case domain::AggregateKind::kPerson:
      return v1::PersonState();
    case domain::AggregateKind::kAccount:
      return v1::AccountState();
    case domain::AggregateKind::kEscalation:
      return v1::EscalationState();
  }
  return v1::ProgramState();
}

absl::Status AggregateCache::Fold(Entry& entry, absl::string_view stream_id,
                                  absl::string_view type,
                                  absl::string_view main) {
  absl::Status folded =
      std::visit([&](auto& state) { return domain::Evolve(state, type, main); },
                 entry.state);
  if (!folded.ok()) return folded;
  if (stream_id == domain::StreamId(entry.ref.kind, entry.ref.id)) {
    ++entry.version;
  }
  return absl::OkStatus();
}

absl::StatusOr<projections::AsOfState> AggregateCache::LoadState(
    const domain::AggregateRef& ref) const {
  // Nothing of an uncached aggregate is in flight (see the class comment),
  // so folding to the end of the durable log gives its exact state.
  if (history_) {
    absl::StatusOr<std::unique_ptr<projections::RowSnapshot>> rows = history_();
    if (rows.ok()) {
      absl::StatusOr<projections::AsOfState> state =
          projections::LatestState(**rows, *log_, ref);
      if (state.ok()) {
        ++load_stats_.from_history;
        return state;
      }
      spdlog::warn("loading {} from the log alone: {}",
                   domain::Tag(ref.kind, ref.id), state.status().ToString());
    }
  }
  return projections::FoldFromTagIndex(*log_, ref,
                                       std::numeric_limits<uint64_t>::max());
}

absl::Status AggregateCache::Load(Entry& entry) const {
  absl::StatusOr<projections::AsOfState> loaded = LoadState(entry.ref);
  if (!loaded.ok()) return loaded.status();
  ++load_stats_.loads;
  load_stats_.events_read += loaded->events_read;
  absl::Status moved = std::visit(
      [&](auto& state) {
        using S = std::decay_t<decltype(state)>;
        if (loaded->state->GetDescriptor() != S::descriptor()) {
          return absl::InternalError(
              absl::StrCat("loaded a ", loaded->state->GetTypeName(), " for ",
                           domain::Tag(entry.ref.kind, entry.ref.id)));
        }
        state = std::move(static_cast<S&>(*loaded->state));
        return absl::OkStatus();
      },
      entry.state);
  if (!moved.ok()) return moved;
  absl::StatusOr<std::optional<uint64_t>> version =
      log_->StreamVersion(domain::StreamId(entry.ref.kind, entry.ref.id));
  if (!version.ok()) return version.status();
  entry.version = version->has_value() ? static_cast<int64_t>(**version) : -1;
  return absl::OkStatus();
}

AggregateCache::Entry* AggregateCache::Get(
    const domain::AggregateRef& ref) const {
  std::string tag = domain::Tag(ref.kind, ref.id);
  if (auto it = entries_.find(tag); it != entries_.end()) {
    Entry* entry = it->second.get();
    lru_.splice(lru_.begin(), lru_, entry->lru);
    return entry;
  }
  auto entry = std::make_unique<Entry>();
  entry->ref = ref;
  entry->state = EmptyState(ref.kind);
  absl::Status loaded = Load(*entry);
  if (!loaded.ok()) {
    if (load_error_.ok()) load_error_ = loaded;
    return nullptr;
  }
  lru_.push_front(tag);
  entry->lru = lru_.begin();
  Entry* raw = entry.get();
  entries_.emplace(std::move(tag), std::move(entry));
  return raw;
}

template <typename S>
const S* AggregateCache::Find(domain::AggregateKind kind,
                              absl::string_view id) const {
  if (!domain::IsValidId(id)) return nullptr;
  Entry* entry = Get({kind, std::string(id)});
  // An aggregate exists once its own stream has its creating event.
  if (entry == nullptr || entry->version < 0) return nullptr;
  return &std::get<S>(entry->state);
}

const v1::ProgramState* AggregateCache::FindProgram(
    absl::string_view id) const {
  return Find<v1::ProgramState>(domain::AggregateKind::kProgram, id);
}
const v1::PersonState* AggregateCache::FindPerson(absl::string_view id) const {
  return Find<v1::PersonState>(domain::AggregateKind::kPerson, id);
}
const v1::AccountState* AggregateCache::FindAccount(
    absl::string_view id) const {
  return Find<v1::AccountState>(domain::AggregateKind::kAccount, id);
}
const v1::EscalationState* AggregateCache::FindEscalation(
    absl::string_view id) const {
  return Find<v1::EscalationState>(domain::AggregateKind::kEscalation, id);
}

absl::StatusOr<std::optional<uint64_t>> AggregateCache::StreamVersion(
    const domain::AggregateRef& ref) {
  Entry* entry = Get(ref);
  if (entry == nullptr) return TakeLoadError();
  if (entry->version < 0) return std::nullopt;
  return static_cast<uint64_t>(entry->version);
}

absl::StatusOr<std::vector<std::string>> AggregateCache::ApplyDecided(
    const domain::Decision& decision) {
  std::vector<std::string> pinned;
  for (const domain::DomainEvent& event : decision.events) {
    for (const std::string& tag : event.tags) {
      std::optional<domain::AggregateRef> ref = domain::ParseTag(tag);
      if (!ref.has_value()) continue;
      Entry* entry = Get(*ref);
      if (entry == nullptr) return TakeLoadError();
      absl::Status folded =
          Fold(*entry, event.stream_id, event.type, event.main);
      if (!folded.ok()) return folded;
      ++entry->pins;
      pinned.push_back(tag);
    }
  }
  return pinned;
}

void AggregateCache::Unpin(const std::vector<std::string>& tags) {
  for (const std::string& tag : tags) {
    if (auto it = entries_.find(tag); it != entries_.end()) {
      --it->second->pins;
    }
  }
}

absl::Status AggregateCache::TakeLoadError() const {
  return std::exchange(load_error_, absl::OkStatus());
}

void AggregateCache::Trim() {
  auto it = lru_.end();
  while (entries_.size() > capacity_ && it != lru_.begin()) {
    --it;
    auto entry = entries_.find(*it);
    if (entry->second->pins > 0) continue;
    entries_.erase(entry);
    it = lru_.erase(it);
  }
}

void AggregateCache::Clear() {
  entries_.clear();
  lru_.clear();
  load_error_ = absl::OkStatus();
}

}  // namespace kamgov::services
