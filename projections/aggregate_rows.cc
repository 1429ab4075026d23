#include "projections/aggregate_rows.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "domain/evolve.h"
#include "kamgov/v1/domain.pb.h"

namespace kamgov::projections {
using domain::AggregateKind;

bool Exists(const google::protobuf::Message& state) {
  // Field 1 of every state message is its aggregate's id.
  const google::protobuf::FieldDescriptor* id =
      state.GetDescriptor()->FindFieldByNumber(1);
  return id != nullptr && !state.GetReflection()->GetString(state, id).empty();
}

AggregateRows::AggregateRows(std::vector<AggregateKind> kinds)
    : kinds_(std::move(kinds)) {}

std::string AggregateRows::StateKey(AggregateKind kind, absl::string_view id) {
  return absl::StrCat("s/", domain::Tag(kind, id));
}

absl::StatusOr<AggregateRows::Item*> AggregateRows::Load(AggregateKind kind,
                                                         absl::string_view id,
                                                         RowTx& rows) {
  std::string key = StateKey(kind, id);
  if (Item* cached = cache_.Find(key)) return cached;
  Entry entry;
  entry.kind = kind;
  entry.id = std::string(id);
  entry.state = domain::NewState(kind);
  absl::StatusOr<std::optional<std::string>> stored = rows.Get(key);
  if (!stored.ok()) return stored.status();
  if (stored->has_value() && !entry.state->ParseFromString(**stored)) {
    return absl::DataLossError(
        absl::StrCat("the stored state ", key, " does not parse"));
  }
  return cache_.Insert(std::move(key), std::move(entry));
}

absl::Status AggregateRows::Fold(const eventstore::RecordedEvent& event,
                                 RowTx& rows) {
  for (const std::string& tag : event.record.tags()) {
    std::optional<domain::AggregateRef> ref = domain::ParseTag(tag);
    if (!ref.has_value() ||
        std::find(kinds_.begin(), kinds_.end(), ref->kind) == kinds_.end()) {
      continue;
    }
    absl::StatusOr<Item*> loaded = Load(ref->kind, ref->id, rows);
    if (!loaded.ok()) return loaded.status();
    Entry& entry = (*loaded)->second;
    if (entry.before == nullptr) {
      entry.before.reset(entry.state->New());
      entry.before->CopyFrom(*entry.state);
      changed_.push_back(*loaded);
    }
    absl::Status evolved = domain::EvolveState(
        ref->kind, *entry.state, event.record.type(), event.record.main());
    if (!evolved.ok()) return evolved;
    cache_.MarkDirty(*loaded);
  }
  return absl::OkStatus();
}

std::vector<AggregateChange> AggregateRows::TakeChanges() {
  std::vector<AggregateChange> changes;
  changes.reserve(changed_.size());
  for (Item* item : changed_) {
    Entry& entry = item->second;
    changes.push_back(AggregateChange{
        entry.kind, entry.id, std::move(entry.before), entry.state.get()});
  }
  changed_.clear();
  return changes;
}

absl::StatusOr<const google::protobuf::Message*> AggregateRows::Find(
    AggregateKind kind, absl::string_view id, RowTx& rows) {
  absl::StatusOr<Item*> item = Load(kind, id, rows);
  if (!item.ok()) return item.status();
  const Entry& entry = (*item)->second;
  return Exists(*entry.state) ? entry.state.get() : nullptr;
}

absl::Status AggregateRows::Flush(RowTx& rows) {
  for (Item* item : cache_.TakeDirty()) {
    rows.Put(item->first, item->second.state->SerializeAsString());
  }
  // Bounded crudely, like the writer's head cache.
  if (cache_.size() > kMaxCached) Reset();
  return absl::OkStatus();
}

void AggregateRows::Reset() {
  cache_.Clear();
  changed_.clear();
}

}  // namespace kamgov::projections
