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

absl::StatusOr<AggregateRows::Entry*> AggregateRows::Load(AggregateKind kind,
                                                          absl::string_view id,
                                                          RowTx& rows) {
  std::string key = StateKey(kind, id);
  if (auto it = cache_.find(key); it != cache_.end()) return &it->second;
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
  return &(cache_[std::move(key)] = std::move(entry));
}

absl::Status AggregateRows::Fold(const eventstore::RecordedEvent& event,
                                 RowTx& rows) {
  for (const std::string& tag : event.record.tags()) {
    std::optional<domain::AggregateRef> ref = domain::ParseTag(tag);
    if (!ref.has_value() ||
        std::find(kinds_.begin(), kinds_.end(), ref->kind) == kinds_.end()) {
      continue;
    }
    absl::StatusOr<Entry*> loaded = Load(ref->kind, ref->id, rows);
    if (!loaded.ok()) return loaded.status();
    Entry& entry = **loaded;
    if (entry.before == nullptr) {
      entry.before.reset(entry.state->New());
      entry.before->CopyFrom(*entry.state);
      changed_.push_back(&entry);
    }
    absl::Status evolved = domain::EvolveState(
        ref->kind, *entry.state, event.record.type(), event.record.main());
    if (!evolved.ok()) return evolved;
    if (!entry.dirty) {
      entry.dirty = true;
      dirty_.push_back(&entry);
    }
  }
  return absl::OkStatus();
}

std::vector<AggregateChange> AggregateRows::TakeChanges() {
  std::vector<AggregateChange> changes;
  changes.reserve(changed_.size());
  for (Entry* entry : changed_) {
    changes.push_back(AggregateChange{
        entry->kind, entry->id, std::move(entry->before), entry->state.get()});
  }
  changed_.clear();
  return changes;
}

absl::StatusOr<const google::protobuf::Message*> AggregateRows::Find(
    AggregateKind kind, absl::string_view id, RowTx& rows) {
  absl::StatusOr<Entry*> entry = Load(kind, id, rows);
  if (!entry.ok()) return entry.status();
  return Exists(*(*entry)->state) ? (*entry)->state.get() : nullptr;
}

absl::Status AggregateRows::Flush(RowTx& rows) {
  for (Entry* entry : dirty_) {
    rows.Put(StateKey(entry->kind, entry->id),
             entry->state->SerializeAsString());
    entry->dirty = false;
  }
  dirty_.clear();
  // The written states stay cached: this is the only writer of its rows,
  // so they stay what the store holds once the batch commits (a failed
  // batch calls Reset). Bounded crudely, like the writer's head cache.
  if (cache_.size() > kMaxCached) {
    cache_.clear();
    changed_.clear();
  }
  return absl::OkStatus();
}

void AggregateRows::Reset() {
  cache_.clear();
  changed_.clear();
  dirty_.clear();
}

}  // namespace kamgov::projections
