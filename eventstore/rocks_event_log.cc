#include "eventstore/rocks_event_log.h"

#include <limits>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "eventstore/command_outcome.h"
#include "eventstore/format.h"
#include "eventstore/hash_chain.h"
#include "rocksdb/snapshot.h"
#include "rocksdb/write_batch.h"

namespace kamgov::eventstore {
namespace {

absl::string_view View(const rocksdb::Slice& s) {
  return absl::string_view(s.data(), s.size());
}

// Fills `event` from the stored record and hash; false if the record does
// not decode.
bool DecodeStored(uint64_t position, absl::string_view record_bytes,
                  absl::string_view hash, RecordedEvent* event) {
  event->position = position;
  event->record_bytes.assign(record_bytes.data(), record_bytes.size());
  event->hash.assign(hash.data(), hash.size());
  return event->record.ParseFromString(event->record_bytes);
}

}  // namespace

absl::StatusOr<std::unique_ptr<RocksEventLog>> RocksEventLog::Open(
    RocksEventLogOptions options) {
  RocksDbOptions db_options;
  db_options.path = options.path;
  db_options.env = options.env;
  db_options.statistics = options.statistics;
  db_options.block_cache_bytes = options.block_cache_bytes;
  absl::StatusOr<std::unique_ptr<RocksDb>> db = RocksDb::Open(db_options);
  if (!db.ok()) return db.status();
  WriterOptions writer_options;
  writer_options.clock_us = options.clock_us;
  writer_options.random_bytes = options.random_bytes;
  writer_options.observer = options.writer_observer;
  absl::StatusOr<std::unique_ptr<GroupCommitWriter>> writer =
      GroupCommitWriter::Start(db->get(), std::move(writer_options));
  if (!writer.ok()) return writer.status();
  return std::unique_ptr<RocksEventLog>(new RocksEventLog(
      std::move(options), *std::move(db), *std::move(writer)));
}

RocksEventLog::~RocksEventLog() {
  writer_->Stop();
  writer_.reset();
  db_.reset();  // flushes the WAL and closes
}

void RocksEventLog::Append(AppendRequest request, AppendCallback done) {
  absl::Status valid = ValidateAppend(request, options_.limits);
  if (!valid.ok()) {
    done(valid);
    return;
  }
  writer_->Submit(std::move(request), std::move(done));
}

absl::Status RocksEventLog::AttachPersonal(
    std::vector<RecordedEvent>& events,
    const rocksdb::Snapshot* snapshot) const {
  for (RecordedEvent& event : events) {
    if (event.record.personal_digest().empty()) continue;
    absl::StatusOr<std::optional<std::string>> personal =
        db_->Get(Cf::kPersonal, format::PositionKey(event.position), snapshot);
    if (!personal.ok()) return personal.status();
    if (personal->has_value()) {
      // A damaged row shorter than its salt must not throw out_of_range.
      if ((*personal)->size() < format::kSaltSize) {
        return absl::DataLossError(absl::StrCat(
            "the personal part at position ", event.position, " is malformed"));
      }
      event.personal = (*personal)->substr(format::kSaltSize);
    } else {
      event.personal_erased = true;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<RecordedEvent>> RocksEventLog::ReadPositions(
    const std::vector<uint64_t>& positions, bool include_personal,
    const rocksdb::Snapshot* snapshot) const {
  std::vector<RecordedEvent> events;
  events.reserve(positions.size());
  for (uint64_t position : positions) {
    const std::string key = format::PositionKey(position);
    absl::StatusOr<std::optional<std::string>> record =
        db_->Get(Cf::kEvents, key, snapshot);
    if (!record.ok()) return record.status();
    absl::StatusOr<std::optional<std::string>> hash =
        db_->Get(Cf::kHashes, key, snapshot);
    if (!hash.ok()) return hash.status();
    if (!record->has_value() || !hash->has_value()) {
      return absl::DataLossError(absl::StrCat(
          "the stream index names position ", position, " but it is missing"));
    }
    RecordedEvent& event = events.emplace_back();
    if (!DecodeStored(position, **record, **hash, &event)) {
      return absl::DataLossError(
          absl::StrCat("the record at position ", position, " is unreadable"));
    }
  }
  if (include_personal) {
    absl::Status attached = AttachPersonal(events, snapshot);
    if (!attached.ok()) return attached;
  }
  return events;
}

absl::StatusOr<std::vector<RecordedEvent>> RocksEventLog::ReadStream(
    const std::string& stream_id, uint64_t from_version,
    ReadDirection direction, size_t limit, bool include_personal) const {
  rocksdb::ManagedSnapshot snapshot(db_->db());
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot.snapshot();
  std::unique_ptr<rocksdb::Iterator> it =
      db_->NewIterator(Cf::kStreams, read_options);
  const std::string prefix = format::StreamPrefix(stream_id);
  const std::string start = format::StreamKey(stream_id, from_version);
  const uint64_t durable = DurablePosition();
  std::vector<uint64_t> positions;
  if (direction == ReadDirection::kForward) {
    it->Seek(start);
  } else {
    it->SeekForPrev(start);
  }
  while (it->Valid() && positions.size() < limit) {
    absl::string_view key = View(it->key());
    if (!absl::StartsWith(key, prefix) || key.size() != prefix.size() + 8)
      break;
    const uint64_t position = format::DecodeBE64(View(it->value()));
    // Versions grow with positions: forward, the rest is not durable yet;
    // backward, older versions may be.
    if (position > durable && direction == ReadDirection::kForward) break;
    if (position <= durable) positions.push_back(position);
    if (direction == ReadDirection::kForward) {
      it->Next();
    } else {
      it->Prev();
    }
  }
  if (!it->status().ok()) return ToStatus(it->status(), "read stream");
  return ReadPositions(positions, include_personal, snapshot.snapshot());
}

absl::StatusOr<std::vector<RecordedEvent>> RocksEventLog::ReadAll(
    uint64_t after_position, size_t limit, bool include_personal) const {
  std::vector<RecordedEvent> events;
  if (after_position == std::numeric_limits<uint64_t>::max()) return events;
  rocksdb::ManagedSnapshot snapshot(db_->db());
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot.snapshot();
  std::unique_ptr<rocksdb::Iterator> records =
      db_->NewIterator(Cf::kEvents, read_options);
  std::unique_ptr<rocksdb::Iterator> hashes =
      db_->NewIterator(Cf::kHashes, read_options);
  const std::string start = format::PositionKey(after_position + 1);
  const uint64_t durable = DurablePosition();
  records->Seek(start);
  hashes->Seek(start);
  while (records->Valid() && events.size() < limit) {
    const uint64_t position = format::DecodeBE64(View(records->key()));
    if (position > durable) break;
    if (!hashes->Valid() || hashes->key() != records->key()) {
      return absl::DataLossError(
          absl::StrCat("no chain hash stored for position ", position));
    }
    RecordedEvent& event = events.emplace_back();
    if (!DecodeStored(position, View(records->value()), View(hashes->value()),
                      &event)) {
      return absl::DataLossError(
          absl::StrCat("the record at position ", position, " is unreadable"));
    }
    records->Next();
    hashes->Next();
  }
  if (!records->status().ok()) return ToStatus(records->status(), "read log");
  if (include_personal) {
    absl::Status attached = AttachPersonal(events, snapshot.snapshot());
    if (!attached.ok()) return attached;
  }
  return events;
}

absl::StatusOr<std::vector<RecordedEvent>> RocksEventLog::ReadByTag(
    const std::string& tag, uint64_t after_position, size_t limit,
    bool include_personal) const {
  rocksdb::ManagedSnapshot snapshot(db_->db());
  absl::StatusOr<std::vector<uint64_t>> positions =
      PositionsWithTag(tag, after_position, limit, snapshot.snapshot());
  if (!positions.ok()) return positions.status();
  return ReadPositions(*positions, include_personal, snapshot.snapshot());
}

absl::StatusOr<std::vector<std::string>> RocksEventLog::ListStreams(
    const std::string& prefix, const std::string& after_stream_id,
    size_t limit) const {
  std::vector<std::string> streams;
  std::unique_ptr<rocksdb::Iterator> it =
      db_->NewIterator(Cf::kHeads, rocksdb::ReadOptions());
  // Stream ids hold no 0x00, so after + 0x00 is the first key after it.
  it->Seek(after_stream_id.empty()
               ? prefix
               : std::max(prefix, format::StreamPrefix(after_stream_id)));
  const uint64_t durable = DurablePosition();
  for (; it->Valid() && streams.size() < limit; it->Next()) {
    absl::string_view key = View(it->key());
    if (!absl::StartsWith(key, prefix)) break;
    uint64_t version = 0, position = 0;
    // A stream whose first event is not durable yet does not exist yet.
    if (format::DecodeHead(View(it->value()), &version, &position) &&
        version == 0 && position > durable) {
      continue;
    }
    streams.emplace_back(key);
  }
  if (!it->status().ok()) return ToStatus(it->status(), "list streams");
  return streams;
}

absl::StatusOr<std::optional<CommandOutcome>> RocksEventLog::LookupCommand(
    const std::string& principal, const std::string& command_id) const {
  absl::StatusOr<std::optional<std::string>> stored =
      db_->Get(Cf::kCommands, format::CommandKey(principal, command_id));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return std::nullopt;
  absl::StatusOr<CommandOutcome> outcome = DecodeCommandOutcome(**stored);
  if (!outcome.ok()) return outcome.status();
  // Not durable yet: a retry goes through the writer, which answers it once
  // the original is.
  if (outcome->result.last_position > DurablePosition()) return std::nullopt;
  return *std::move(outcome);
}

absl::StatusOr<std::optional<uint64_t>> RocksEventLog::StreamVersion(
    const std::string& stream_id) const {
  absl::StatusOr<std::optional<std::string>> head =
      db_->Get(Cf::kHeads, stream_id);
  if (!head.ok()) return head.status();
  if (!head->has_value()) return std::nullopt;
  uint64_t version = 0, position = 0;
  if (!format::DecodeHead(**head, &version, &position)) {
    return absl::DataLossError(
        absl::StrCat("the head of stream '", stream_id, "' is malformed"));
  }
  if (position <= DurablePosition()) return version;
  // The head is not durable yet: the last durable version is older.
  absl::StatusOr<std::vector<RecordedEvent>> last =
      ReadStream(stream_id, version, ReadDirection::kBackward, 1, false);
  if (!last.ok()) return last.status();
  if (last->empty()) return std::nullopt;
  return last->front().record.stream_version();
}

ChainHead RocksEventLog::GetChainHead() const {
  return writer_->committed_head();
}

absl::StatusOr<VerifyResult> RocksEventLog::VerifyChain(uint64_t from,
                                                        uint64_t to) const {
  rocksdb::ManagedSnapshot snapshot(db_->db());
  const rocksdb::Snapshot* snap = snapshot.snapshot();
  absl::StatusOr<std::optional<std::string>> stored_head =
      db_->Get(Cf::kMeta, format::kChainHeadKey, snap);
  if (!stored_head.ok()) return stored_head.status();
  ChainHead head{0, GenesisHash()};
  if (stored_head->has_value() &&
      !format::DecodeChainHead(**stored_head, &head.position, &head.hash)) {
    return VerifyResult{false, 0, 0, "the stored chain head is malformed"};
  }
  // The stored head runs ahead of the durable one while a group is being
  // synced; verify what is durable.
  if (const ChainHead durable = GetChainHead();
      head.position > durable.position) {
    head = durable;
  }
  if (from == 0) from = 1;
  if (to == 0 || to > head.position) to = head.position;
  VerifyResult result;
  if (from > to) return result;

  std::string previous = GenesisHash();
  if (from > 1) {
    absl::StatusOr<std::optional<std::string>> prior =
        db_->Get(Cf::kHashes, format::PositionKey(from - 1), snap);
    if (!prior.ok()) return prior.status();
    if (!prior->has_value()) {
      return VerifyResult{false, 0, from - 1,
                          "no chain hash stored before the range"};
    }
    previous = **prior;
  }

  rocksdb::ReadOptions read_options;
  read_options.snapshot = snap;
  std::unique_ptr<rocksdb::Iterator> records =
      db_->NewIterator(Cf::kEvents, read_options);
  std::unique_ptr<rocksdb::Iterator> hashes =
      db_->NewIterator(Cf::kHashes, read_options);
  records->Seek(format::PositionKey(from));
  hashes->Seek(format::PositionKey(from));
  auto bad = [&result](uint64_t position, std::string problem) {
    result.ok = false;
    result.first_bad_position = position;
    result.problem = std::move(problem);
    return result;
  };
  for (uint64_t p = from; p <= to; ++p) {
    if (!records->Valid() || format::DecodeBE64(View(records->key())) != p) {
      return bad(p, "the record is missing (a gap in the log)");
    }
    if (!hashes->Valid() || hashes->key() != records->key()) {
      return bad(p, "the stored hash is missing");
    }
    const absl::string_view bytes = View(records->value());
    const std::string expected = ChainHash(previous, p, bytes);
    if (expected != View(hashes->value())) {
      return bad(p, "the record does not match its chain hash");
    }
    kamgov::v1::EventRecord record;
    if (!record.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
        record.position() != p) {
      return bad(p, "the record does not decode to this position");
    }
    if (!record.personal_digest().empty()) {
      absl::StatusOr<std::optional<std::string>> personal =
          db_->Get(Cf::kPersonal, format::PositionKey(p), snap);
      if (!personal.ok()) return personal.status();
      if (personal->has_value() &&
          ((*personal)->size() < format::kSaltSize ||
           PersonalDigest((*personal)->substr(0, format::kSaltSize),
                          (*personal)->substr(format::kSaltSize)) !=
               record.personal_digest())) {
        return bad(p, "the personal part does not match its digest");
      }
    }
    previous = expected;
    ++result.checked;
    records->Next();
    hashes->Next();
  }
  if (!records->status().ok()) return ToStatus(records->status(), "verify");
  if (to == head.position && previous != head.hash) {
    return bad(to, "the chain head does not match the last hash");
  }
  return result;
}

absl::Status RocksEventLog::ErasePersonal(uint64_t position) {
  if (writer_->failed()) {
    return absl::UnavailableError(
        "the event store failed a write and refuses writes until reopened");
  }
  const std::string key = format::PositionKey(position);
  absl::StatusOr<std::optional<std::string>> record =
      db_->Get(Cf::kEvents, key);
  if (!record.ok()) return record.status();
  if (!record->has_value()) {
    return absl::NotFoundError(absl::StrCat("no event at position ", position));
  }
  rocksdb::WriteBatch batch;
  batch.Delete(db_->cf(Cf::kPersonal), key);
  return db_->Write(&batch, /*sync=*/true);
}

uint64_t RocksEventLog::AddCommitListener(CommitListener* listener) {
  return writer_->AddListener(listener);
}

void RocksEventLog::RemoveCommitListener(CommitListener* listener) {
  writer_->RemoveListener(listener);
}

absl::StatusOr<std::vector<uint64_t>> RocksEventLog::PositionsWithTag(
    const std::string& tag, uint64_t after_position, size_t limit,
    const rocksdb::Snapshot* snapshot) const {
  std::vector<uint64_t> positions;
  if (after_position == std::numeric_limits<uint64_t>::max()) return positions;
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot;
  std::unique_ptr<rocksdb::Iterator> it =
      db_->NewIterator(Cf::kTags, read_options);
  const std::string prefix = format::StreamPrefix(tag);
  const uint64_t durable = DurablePosition();
  for (it->Seek(format::TagKey(tag, after_position + 1));
       it->Valid() && positions.size() < limit; it->Next()) {
    absl::string_view key = View(it->key());
    if (!absl::StartsWith(key, prefix) || key.size() != prefix.size() + 8)
      break;
    const uint64_t position = format::DecodeBE64(key.substr(prefix.size()));
    if (position > durable) break;
    positions.push_back(position);
  }
  if (!it->status().ok()) return ToStatus(it->status(), "read tag index");
  return positions;
}

}  // namespace kamgov::eventstore
