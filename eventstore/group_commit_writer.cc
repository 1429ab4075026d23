#include "eventstore/group_commit_writer.h"

#include <openssl/rand.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "eventstore/command_outcome.h"
#include "eventstore/format.h"
#include "eventstore/hash_chain.h"
#include "proto/status_details.h"
#include "rocksdb/write_batch.h"

namespace kamgov::eventstore {

// The appends of one commit group, with what the writer decided for them.
// Owned by the writer thread until written, then by the syncer thread.
struct GroupCommitWriter::Group {
  struct Accepted {
    size_t pending_index;
    AppendResult result;
  };
  // A retry of a command id: accepted earlier in this group, or committed
  // in a group that may not be durable yet. Answered once this group is.
  struct Replay {
    size_t pending_index;
    std::optional<size_t> accepted_index;
    AppendResult stored;
  };
  std::vector<Pending> pending;
  std::vector<Accepted> accepted;
  std::vector<Replay> replays;
  // Command key -> index in `accepted`.
  absl::flat_hash_map<std::string, size_t> commands;
  // Stream -> next version, after this group's accepted appends.
  absl::flat_hash_map<std::string, uint64_t> next_versions;
  std::shared_ptr<CommittedBatch> batch = std::make_shared<CommittedBatch>();
  rocksdb::WriteBatch write_batch;
  // The chain head after this group (when it wrote anything).
  ChainHead head;

  // Completes every append of the group with `status`.
  void Fail(const absl::Status& status) {
    for (Accepted& a : accepted) pending[a.pending_index].done(status);
    for (Replay& r : replays) pending[r.pending_index].done(status);
  }
};

namespace {

rocksdb::Slice AsSlice(const std::string& s) { return {s.data(), s.size()}; }

}  // namespace

absl::StatusOr<std::unique_ptr<GroupCommitWriter>> GroupCommitWriter::Start(
    RocksDb* db, WriterOptions options) {
  if (!options.clock_us) {
    options.clock_us = [] { return absl::ToUnixMicros(absl::Now()); };
  }
  ChainHead head{0, GenesisHash()};
  int64_t last_recorded_at_us = 0;
  absl::StatusOr<std::optional<std::string>> stored =
      db->Get(Cf::kMeta, format::kChainHeadKey);
  if (!stored.ok()) return stored.status();
  if (stored->has_value()) {
    if (!format::DecodeChainHead(**stored, &head.position, &head.hash)) {
      return absl::DataLossError("the stored chain head is malformed");
    }
    absl::StatusOr<std::optional<std::string>> last =
        db->Get(Cf::kEvents, format::PositionKey(head.position));
    if (!last.ok()) return last.status();
    kamgov::v1::EventRecord record;
    if (!last->has_value() || !record.ParseFromString(**last)) {
      return absl::DataLossError(
          absl::StrCat("the chain head names position ", head.position,
                       " but its record is missing or unreadable"));
    }
    last_recorded_at_us = record.recorded_at_us();
  }
  return std::unique_ptr<GroupCommitWriter>(new GroupCommitWriter(
      db, std::move(options), std::move(head), last_recorded_at_us));
}

GroupCommitWriter::GroupCommitWriter(RocksDb* db, WriterOptions options,
                                     ChainHead head,
                                     int64_t last_recorded_at_us)
    : db_(db),
      options_(std::move(options)),
      committed_(head),
      next_position_(head.position + 1),
      last_hash_(head.hash),
      last_recorded_at_us_(last_recorded_at_us) {
  thread_ = std::thread([this] { Run(); });
  syncer_ = std::thread([this] { RunSyncer(); });
}

GroupCommitWriter::~GroupCommitWriter() { Stop(); }

void GroupCommitWriter::Submit(AppendRequest request, AppendCallback done) {
  if (failed()) {
    done(absl::UnavailableError(
        "the event store failed a write and refuses writes until reopened"));
    return;
  }
  {
    absl::MutexLock lock(&queue_mu_);
    if (!stopping_) {
      WriterObserver* observer = options_.observer;
      queue_.push_back({std::move(request), std::move(done),
                        observer != nullptr ? absl::Now() : absl::Time()});
      // Under the lock, so the queue-depth gauge never goes negative.
      if (observer != nullptr) observer->OnQueued();
      return;
    }
  }
  done(absl::UnavailableError("the event store is closing"));
}

void GroupCommitWriter::Stop() {
  {
    absl::MutexLock lock(&queue_mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  if (syncer_.joinable()) syncer_.join();
}

ChainHead GroupCommitWriter::committed_head() const {
  absl::MutexLock lock(&head_mu_);
  return committed_;
}

uint64_t GroupCommitWriter::AddListener(CommitListener* listener) {
  absl::MutexLock lock(&head_mu_);
  listeners_.push_back(listener);
  return committed_.position;
}

void GroupCommitWriter::RemoveListener(CommitListener* listener) {
  absl::MutexLock lock(&head_mu_);
  listeners_.erase(std::remove(listeners_.begin(), listeners_.end(), listener),
                   listeners_.end());
}

void GroupCommitWriter::Run() {
  auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_) {
    return !queue_.empty() || stopping_;
  };
  while (true) {
    std::vector<Pending> pending;
    {
      absl::MutexLock lock(&queue_mu_, absl::Condition(&has_work));
      if (queue_.empty()) break;  // stopping, and everything is written
      pending.swap(queue_);
      if (options_.observer != nullptr) {
        options_.observer->OnDrained(pending.size());
      }
    }
    CommitGroup(std::move(pending));
  }
  absl::MutexLock lock(&sync_mu_);
  writer_done_ = true;
}

void GroupCommitWriter::RunSyncer() {
  auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(sync_mu_) {
    return !written_.empty() || writer_done_;
  };
  while (true) {
    std::vector<std::unique_ptr<Group>> groups;
    {
      absl::MutexLock lock(&sync_mu_, absl::Condition(&has_work));
      if (written_.empty()) return;  // the writer stopped; all is durable
      groups.swap(written_);
    }
    // One fsync covers every group written before it was called, while the
    // writer goes on building and writing the next groups.
    const absl::Time sync_start = absl::Now();
    absl::Status synced = db_->SyncWal();
    if (options_.observer != nullptr) {
      size_t written = 0;
      for (const std::unique_ptr<Group>& group : groups) {
        if (!group->accepted.empty()) ++written;
      }
      options_.observer->OnSynced(written, absl::Now() - sync_start,
                                  synced.ok());
    }
    if (!synced.ok()) {
      failed_.store(true, std::memory_order_release);
      const absl::Status failure = absl::UnavailableError(absl::StrCat(
          "the event store could not sync its log (", synced.message(),
          "); the outcome is unknown and it refuses writes until reopened"));
      for (std::unique_ptr<Group>& group : groups) group->Fail(failure);
      continue;
    }
    for (std::unique_ptr<Group>& group : groups) Complete(*group);
  }
}

void GroupCommitWriter::Complete(Group& group) {
  if (!group.accepted.empty()) {
    // Listeners learn of the commit before any submitter does, so a caller
    // that reads the head after its append completes sees its own events.
    absl::MutexLock lock(&head_mu_);
    committed_ = group.head;
    for (CommitListener* listener : listeners_) {
      listener->OnCommitted(group.batch);
    }
  }
  for (Group::Replay& r : group.replays) {
    AppendResult replayed = r.accepted_index.has_value()
                                ? group.accepted[*r.accepted_index].result
                                : std::move(r.stored);
    replayed.replayed = true;
    group.pending[r.pending_index].done(std::move(replayed));
  }
  const absl::Time now =
      options_.observer != nullptr ? absl::Now() : absl::Time();
  for (Group::Accepted& a : group.accepted) {
    Pending& pending = group.pending[a.pending_index];
    if (options_.observer != nullptr) {
      options_.observer->OnAppendDurable(now - pending.queued_at);
    }
    pending.done(std::move(a.result));
  }
}

absl::StatusOr<uint64_t> GroupCommitWriter::NextVersion(
    const Group& group, const std::string& stream_id) {
  if (auto it = group.next_versions.find(stream_id);
      it != group.next_versions.end()) {
    return it->second;
  }
  if (auto it = next_version_cache_.find(stream_id);
      it != next_version_cache_.end()) {
    return it->second;
  }
  absl::StatusOr<std::optional<std::string>> head =
      db_->Get(Cf::kHeads, stream_id);
  if (!head.ok()) return head.status();
  uint64_t next = 0;
  if (head->has_value()) {
    uint64_t version = 0, position = 0;
    if (!format::DecodeHead(**head, &version, &position)) {
      return absl::DataLossError(
          absl::StrCat("the head of stream '", stream_id, "' is malformed"));
    }
    next = version + 1;
  }
  if (next_version_cache_.size() >= options_.max_cached_heads) {
    next_version_cache_.clear();  // crude, but bounded and rarely hit
  }
  next_version_cache_[stream_id] = next;
  return next;
}

absl::Status GroupCommitWriter::CheckExpected(const Group& group,
                                              const StreamAppend& stream) {
  absl::StatusOr<uint64_t> next = NextVersion(group, stream.stream_id);
  if (!next.ok()) return next.status();
  return CheckExpectedVersion(
      stream.stream_id, stream.expected,
      *next > 0 ? std::optional<uint64_t>(*next - 1) : std::nullopt);
}

std::string GroupCommitWriter::NewEventId() {
  // UUID version 4, text form.
  const uint64_t hi = (absl::Uniform<uint64_t>(bitgen_) & ~0xf000ULL) | 0x4000;
  const uint64_t lo =
      (absl::Uniform<uint64_t>(bitgen_) & ~(3ULL << 62)) | (2ULL << 62);
  // Hand-formatted: StrFormat's parsing cost more than the rest of the id.
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(36, '-');
  size_t out = 0;
  for (int shift = 60; shift >= 0; shift -= 4) {
    if (out == 8 || out == 13) ++out;
    id[out++] = kHex[(hi >> shift) & 0xf];
  }
  for (int shift = 60; shift >= 0; shift -= 4) {
    if (out == 18 || out == 23) ++out;
    id[out++] = kHex[(lo >> shift) & 0xf];
  }
  return id;
}

absl::Status GroupCommitWriter::ReserveSalts(size_t count) {
  const size_t unused =
      (salt_pool_.size() - salt_pool_used_) / format::kSaltSize;
  if (unused >= count) return absl::OkStatus();
  // One draw for many salts: a RAND_bytes call per salt cost more than the
  // rest of building an event.
  constexpr size_t kSaltsPerDraw = 64;
  std::string fresh(std::max(count, kSaltsPerDraw) * format::kSaltSize, '\0');
  const bool drawn =
      options_.random_bytes
          ? options_.random_bytes(
                reinterpret_cast<unsigned char*>(fresh.data()), fresh.size())
          : RAND_bytes(reinterpret_cast<unsigned char*>(fresh.data()),
                       static_cast<int>(fresh.size())) == 1;
  if (!drawn) {
    return absl::UnavailableError(
        "no random bytes for the salts of personal parts; nothing was "
        "written, retry later");
  }
  salt_pool_ = std::move(fresh);
  salt_pool_used_ = 0;
  return absl::OkStatus();
}

std::string GroupCommitWriter::NewSalt() {
  std::string salt = salt_pool_.substr(salt_pool_used_, format::kSaltSize);
  salt_pool_used_ += format::kSaltSize;
  return salt;
}

void GroupCommitWriter::CommitGroup(std::vector<Pending> pending) {
  if (failed()) {
    for (Pending& p : pending) {
      p.done(absl::UnavailableError(
          "the event store failed a write and refuses writes until reopened"));
    }
    return;
  }
  // Salts are drawn before anything is built, so that a failed draw
  // leaves nothing half written.
  size_t personal_parts = 0;
  for (const Pending& p : pending) {
    for (const StreamAppend& stream : p.request.streams) {
      for (const NewEvent& event : stream.events) {
        if (!event.personal.empty()) ++personal_parts;
      }
    }
  }
  if (absl::Status salts = ReserveSalts(personal_parts); !salts.ok()) {
    for (Pending& p : pending) p.done(salts);
    return;
  }
  auto owned = std::make_unique<Group>();
  Group& group = *owned;
  group.pending = std::move(pending);
  const uint64_t durable = committed_head().position;
  const int64_t recorded_at =
      std::max(options_.clock_us(), last_recorded_at_us_);
  const uint64_t group_first_position = next_position_;
  const std::string group_first_hash = last_hash_;

  for (size_t index = 0; index < group.pending.size(); ++index) {
    Pending& p = group.pending[index];
    const AppendRequest& request = p.request;
    std::string command_key;
    if (!request.command_id.empty()) {
      command_key = format::CommandKey(request.principal, request.command_id);
      if (auto it = group.commands.find(command_key);
          it != group.commands.end()) {
        const Pending& first =
            group.pending[group.accepted[it->second].pending_index];
        if (first.request.fingerprint != request.fingerprint) {
          p.done(IdempotencyKeyReused(request.principal, request.command_id));
        } else {
          group.replays.push_back({index, it->second, {}});
        }
        continue;
      }
      absl::StatusOr<std::optional<std::string>> stored =
          db_->Get(Cf::kCommands, command_key);
      if (!stored.ok()) {
        p.done(stored.status());
        continue;
      }
      if (stored->has_value()) {
        absl::StatusOr<CommandOutcome> outcome = DecodeCommandOutcome(**stored);
        if (!outcome.ok()) {
          p.done(outcome.status());
        } else if (outcome->fingerprint != request.fingerprint) {
          p.done(IdempotencyKeyReused(request.principal, request.command_id));
        } else if (outcome->result.last_position <= durable) {
          p.done(std::move(outcome->result));
        } else {
          // Written but maybe not yet synced: answer once this group is.
          group.replays.push_back(
              {index, std::nullopt, std::move(outcome->result)});
        }
        continue;
      }
    }

    absl::Status expected = absl::OkStatus();
    for (const StreamAppend& stream : request.streams) {
      expected = CheckExpected(group, stream);
      if (!expected.ok()) break;
    }
    if (!expected.ok()) {
      p.done(expected);
      continue;
    }

    AppendResult result;
    result.first_position = next_position_;
    result.recorded_at_us = recorded_at;
    for (const StreamAppend& stream : request.streams) {
      uint64_t version = *NextVersion(group, stream.stream_id);
      StreamAppendResult& stream_result = result.streams.emplace_back();
      stream_result.stream_id = stream.stream_id;
      stream_result.first_version = version;
      for (const NewEvent& event : stream.events) {
        const uint64_t position = next_position_++;
        RecordedEvent& recorded = group.batch->events.emplace_back();
        recorded.position = position;
        kamgov::v1::EventRecord& record = recorded.record;
        record.set_event_id(event.event_id.empty() ? NewEventId()
                                                   : event.event_id);
        record.set_stream_id(stream.stream_id);
        record.set_stream_version(version);
        record.set_position(position);
        record.set_type(event.type);
        for (const std::string& tag : event.tags) record.add_tags(tag);
        record.set_recorded_at_us(recorded_at);
        record.set_effective_at_us(event.effective_at_us);
        record.set_principal(request.principal);
        record.set_acting_person(request.acting_person);
        record.set_command_id(request.command_id);
        record.set_correlation_id(request.correlation_id);
        record.set_causation_id(request.causation_id);
        record.set_main(event.main);
        const std::string key = format::PositionKey(position);
        if (!event.personal.empty()) {
          const std::string salt = NewSalt();
          record.set_personal_digest(PersonalDigest(salt, event.personal));
          group.write_batch.Put(db_->cf(Cf::kPersonal), AsSlice(key),
                                AsSlice(salt + event.personal));
          recorded.personal = event.personal;
        }
        recorded.record_bytes = record.SerializeAsString();
        recorded.hash = ChainHash(last_hash_, position, recorded.record_bytes);
        last_hash_ = recorded.hash;

        group.write_batch.Put(db_->cf(Cf::kEvents), AsSlice(key),
                              AsSlice(recorded.record_bytes));
        group.write_batch.Put(db_->cf(Cf::kHashes), AsSlice(key),
                              AsSlice(recorded.hash));
        group.write_batch.Put(
            db_->cf(Cf::kStreams),
            AsSlice(format::StreamKey(stream.stream_id, version)),
            AsSlice(key));
        for (const std::string& tag : event.tags) {
          group.write_batch.Put(db_->cf(Cf::kTags),
                                AsSlice(format::TagKey(tag, position)),
                                rocksdb::Slice());
        }
        result.event_ids.push_back(record.event_id());
        ++version;
      }
      stream_result.last_version = version - 1;
      group.next_versions[stream.stream_id] = version;
      group.write_batch.Put(
          db_->cf(Cf::kHeads), AsSlice(stream.stream_id),
          AsSlice(format::EncodeHead(version - 1, next_position_ - 1)));
    }
    result.last_position = next_position_ - 1;
    if (!command_key.empty()) {
      group.write_batch.Put(
          db_->cf(Cf::kCommands), AsSlice(command_key),
          AsSlice(EncodeCommandOutcome(result, request.fingerprint)));
      group.commands[command_key] = group.accepted.size();
    }
    group.accepted.push_back({index, std::move(result)});
  }

  if (group.accepted.empty()) {
    if (!group.replays.empty()) HandToSyncer(std::move(owned));
    return;  // nothing to write
  }

  group.write_batch.Put(
      db_->cf(Cf::kMeta), format::kChainHeadKey,
      AsSlice(format::EncodeChainHead(next_position_ - 1, last_hash_)));
  // Not synced here: the syncer thread fsyncs while this thread builds the
  // next group. Readers see only what the syncer has declared durable.
  absl::Status written = db_->Write(&group.write_batch, /*sync=*/false);
  if (!written.ok()) {
    failed_.store(true, std::memory_order_release);
    if (options_.observer != nullptr) options_.observer->OnWriteFailed();
    next_position_ = group_first_position;
    last_hash_ = group_first_hash;
    group.Fail(absl::UnavailableError(
        absl::StrCat("the event store could not write (", written.message(),
                     "); it refuses writes until reopened")));
    return;
  }
  last_recorded_at_us_ = recorded_at;
  for (auto& [stream_id, next] : group.next_versions) {
    next_version_cache_[stream_id] = next;
  }

  group.batch->first_position = group_first_position;
  group.batch->last_position = next_position_ - 1;
  group.head = ChainHead{next_position_ - 1, last_hash_};
  if (options_.observer != nullptr) {
    options_.observer->OnGroupWritten(group.accepted.size(),
                                      group.batch->events.size());
  }
  HandToSyncer(std::move(owned));
}

void GroupCommitWriter::HandToSyncer(std::unique_ptr<Group> group) {
  absl::MutexLock lock(&sync_mu_);
  written_.push_back(std::move(group));
}

}  // namespace kamgov::eventstore
