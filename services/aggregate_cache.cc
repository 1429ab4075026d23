#include "services/aggregate_cache.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "domain/evolve.h"

namespace kamgov::services {
namespace {

constexpr size_t kLoadPage = 1000;

}  // namespace

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

absl::Status AggregateCache::Load(Entry& entry) const {
  const std::string tag = domain::Tag(entry.ref.kind, entry.ref.id);
  uint64_t after = 0;
  while (true) {
    absl::StatusOr<std::vector<eventstore::RecordedEvent>> page =
        log_->ReadByTag(tag, after, kLoadPage, /*include_personal=*/false);
    if (!page.ok()) return page.status();
    for (const eventstore::RecordedEvent& event : *page) {
      absl::Status folded = Fold(entry, event.record.stream_id(),
                                 event.record.type(), event.record.main());
      if (!folded.ok()) {
        return absl::DataLossError(
            absl::StrCat("position ", event.position, ": ", folded.message()));
      }
      after = event.position;
    }
    if (page->size() < kLoadPage) return absl::OkStatus();
  }
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
