#include "projections/history_projection.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "domain/event.h"
#include "domain/evolve.h"
#include "eventstore/format.h"
#include "kamgov/v1/domain.pb.h"

namespace kamgov::projections {
namespace {

using eventstore::format::BE64;
using eventstore::format::DecodeBE64;
using eventstore::format::PutBE64;

constexpr char kSep = '\0';
constexpr size_t kCurrentHeader = 16;  // BE64 events, BE64 next snapshot

std::string Prefixed(char kind, absl::string_view name) {
  std::string key(1, kind);
  key += kSep;
  absl::StrAppend(&key, name);
  key += kSep;
  return key;
}

absl::Status ParseInto(google::protobuf::Message& state,
                       absl::string_view bytes) {
  if (!state.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat("decision_history: a stored ",
                                            state.GetDescriptor()->name(),
                                            " does not parse"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string HistoryProjection::CurrentKey(absl::string_view tag) {
  return absl::StrCat("c", absl::string_view(&kSep, 1), tag);
}

absl::StatusOr<HistoryProjection::CurrentRow>
HistoryProjection::ParseCurrentRow(absl::string_view tag, absl::string_view row,
                                   google::protobuf::Message& state) {
  if (row.size() < kCurrentHeader) {
    return absl::DataLossError(
        absl::StrCat("decision_history: a short state row for ", tag));
  }
  absl::Status parsed = ParseInto(state, row.substr(kCurrentHeader));
  if (!parsed.ok()) return parsed;
  return CurrentRow{DecodeBE64(row), DecodeBE64(row.substr(8))};
}

std::string HistoryProjection::SnapshotPrefix(absl::string_view tag) {
  return Prefixed('p', tag);
}

std::string HistoryProjection::SnapshotKey(absl::string_view tag,
                                           uint64_t position) {
  std::string key = SnapshotPrefix(tag);
  PutBE64(&key, ~position);
  return key;
}

std::string HistoryProjection::MemberPrefix(absl::string_view program_id) {
  return Prefixed('m', program_id);
}

std::string HistoryProjection::ActorPrefix(absl::string_view person_id) {
  return Prefixed('a', person_id);
}

std::string HistoryProjection::PrincipalPrefix(absl::string_view principal) {
  return Prefixed('q', principal);
}

absl::StatusOr<HistoryProjection::Item*> HistoryProjection::Load(
    const domain::AggregateRef& ref, const std::string& tag, RowTx& rows) {
  if (Item* cached = cache_.Find(tag)) return cached;
  Entry entry{ref.kind, domain::NewState(ref.kind)};
  entry.next_snapshot = snapshot_every_;
  absl::StatusOr<std::optional<std::string>> row = rows.Get(CurrentKey(tag));
  if (!row.ok()) return row.status();
  if (row->has_value()) {
    absl::StatusOr<CurrentRow> header =
        ParseCurrentRow(tag, **row, *entry.state);
    if (!header.ok()) return header.status();
    entry.events = header->events;
    entry.next_snapshot = header->next_snapshot;
  }
  return cache_.Insert(tag, std::move(entry));
}

absl::Status HistoryProjection::Apply(const eventstore::RecordedEvent& event,
                                      RowTx& rows) {
  const v1::EventRecord& record = event.record;
  for (const std::string& tag : record.tags()) {
    std::optional<domain::AggregateRef> ref = domain::ParseTag(tag);
    if (!ref.has_value()) continue;
    absl::StatusOr<Item*> loaded = Load(*ref, tag, rows);
    if (!loaded.ok()) return loaded.status();
    Entry& e = (*loaded)->second;
    absl::Status folded =
        domain::EvolveState(e.kind, *e.state, record.type(), record.main());
    if (!folded.ok()) return folded;
    ++e.events;
    cache_.MarkDirty(*loaded);
    if (e.events >= e.next_snapshot) {
      std::string value = BE64(e.events);
      e.state->AppendToString(&value);
      const uint64_t state_bytes = value.size() - 8;
      rows.Put(SnapshotKey(tag, event.position), value);
      e.next_snapshot =
          e.events +
          std::max(snapshot_every_, state_bytes / kSnapshotBytesPerEvent);
    }
  }
  if (record.type() == "AccountNominated") {
    absl::StatusOr<v1::AccountNominated> nominated =
        domain::ParsePayload<v1::AccountNominated>(record.type(),
                                                   record.main());
    if (!nominated.ok()) return nominated.status();
    const std::string key =
        MemberPrefix(nominated->program_id()) + nominated->account_id();
    absl::StatusOr<std::optional<std::string>> member = rows.Get(key);
    if (!member.ok()) return member.status();
    if (!member->has_value()) rows.Put(key, BE64(event.position));
  }
  if (!record.acting_person().empty()) {
    rows.Put(ActorPrefix(record.acting_person()) + BE64(event.position), "");
  }
  if (!record.principal().empty()) {
    rows.Put(PrincipalPrefix(record.principal()) + BE64(event.position), "");
  }
  return absl::OkStatus();
}

absl::Status HistoryProjection::Flush(RowTx& rows) {
  std::string value;
  std::vector<std::string> large;
  for (Item* item : cache_.TakeDirty()) {
    const std::string& tag = item->first;
    const Entry& entry = item->second;
    value.clear();
    PutBE64(&value, entry.events);
    PutBE64(&value, entry.next_snapshot);
    entry.state->AppendToString(&value);
    rows.Put(CurrentKey(tag), value);
    // Large states (a program's) must not pile up across batches.
    if (value.size() > kMaxCachedStateBytes) large.push_back(tag);
  }
  if (cache_.size() > kMaxCached) {
    cache_.Clear();
  } else {
    for (const std::string& tag : large) cache_.Erase(tag);
  }
  return absl::OkStatus();
}

}  // namespace kamgov::projections
