#ifndef KAMGOV_EVENTSTORE_GROUP_COMMIT_WRITER_H_
#define KAMGOV_EVENTSTORE_GROUP_COMMIT_WRITER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "eventstore/event_log.h"
#include "eventstore/rocks_db.h"

namespace kamgov::eventstore {

// Watches the writer for metrics (services/metrics.h implements it). Calls
// come from the submitting, writer and syncer threads, some while the
// writer's locks are held: implementations must be thread-safe, quick, and
// must not call back into the store.
class WriterObserver {
 public:
  virtual ~WriterObserver() = default;
  // An append joined the queue (submitter's thread).
  virtual void OnQueued() = 0;
  // The writer took `appends` queued appends to build one group.
  virtual void OnDrained(size_t appends) = 0;
  // A group of `appends` accepted appends holding `events` events was written
  // to the WAL; its fsync follows.
  virtual void OnGroupWritten(size_t appends, size_t events) = 0;
  // One WAL fsync covering `groups` written groups took `duration`; `ok`
  // false means it failed (the store now refuses writes).
  virtual void OnSynced(size_t groups, absl::Duration duration, bool ok) = 0;
  // An accepted append was acknowledged durable `latency` after it queued.
  virtual void OnAppendDurable(absl::Duration latency) = 0;
  // Writing a group to the WAL failed (the store now refuses writes).
  virtual void OnWriteFailed() = 0;
};

struct WriterOptions {
  // recorded_at source, µs since the epoch. Defaults to the system clock.
  std::function<int64_t()> clock_us;
  // Stream heads kept in memory to check expected versions without a read.
  size_t max_cached_heads = 100000;
  // Not owned; must outlive the writer. Null: no observation.
  WriterObserver* observer = nullptr;
  // Fills a buffer with cryptographically random bytes (the personal parts'
  // salts); false when it cannot. OpenSSL's RAND_bytes by default; a test
  // seam.
  std::function<bool(unsigned char*, size_t)> random_bytes;
};

// The single writer of the log, with group commit.
//
// Submit() only queues and returns. The writer thread drains everything
// queued into one group: it checks idempotency and expected versions,
// assigns positions, versions and recorded_at, extends the hash chain, and
// writes the whole group as ONE WriteBatch to the WAL. The syncer thread then
// fsyncs the WAL (one fsync covers every group written before it) while the
// writer builds the next group; only after the fsync does it advance the
// committed head, notify commit listeners and complete the group's callbacks
// (on the syncer thread). Readers (RocksEventLog) never look past the
// committed head, so nothing is visible before it is durable.
//
// If a write or fsync fails, every append not yet durable fails with
// UNAVAILABLE and the writer refuses all later appends (fail closed) until
// the store is reopened.
//
// Threads: Submit, committed_head, failed and the listener calls may be
// called from any thread. Requests must already be validated
// (validation.h). The RocksDb is not owned and must outlive the writer.
class GroupCommitWriter {
 public:
  // Loads the chain head (no log replay) and starts the writer thread.
  static absl::StatusOr<std::unique_ptr<GroupCommitWriter>> Start(
      RocksDb* db, WriterOptions options);

  // Stop()s.
  ~GroupCommitWriter();

  void Submit(AppendRequest request, AppendCallback done);

  // Commits everything already queued, then stops the threads. Later
  // submissions fail with UNAVAILABLE. Idempotent.
  void Stop();

  ChainHead committed_head() const;
  bool failed() const { return failed_.load(std::memory_order_acquire); }

  uint64_t AddListener(CommitListener* listener);
  void RemoveListener(CommitListener* listener);

 private:
  struct Pending {
    AppendRequest request;
    AppendCallback done;
    // Set only with an observer (append latency).
    absl::Time queued_at;
  };
  struct Group;

  GroupCommitWriter(RocksDb* db, WriterOptions options, ChainHead head,
                    int64_t last_recorded_at_us);

  void Run();
  void RunSyncer();
  void CommitGroup(std::vector<Pending> pending);
  void HandToSyncer(std::unique_ptr<Group> group);
  // Publishes a durable group and completes its appends. Syncer thread.
  void Complete(Group& group);
  // The next version of a stream: 0 when it does not exist.
  absl::StatusOr<uint64_t> NextVersion(const Group& group,
                                       const std::string& stream_id);
  // Fails with ABORTED, INVALID_ARGUMENT or an I/O error; OK to accept.
  absl::Status CheckExpected(const Group& group, const StreamAppend& stream);
  std::string NewEventId();
  // A fresh random salt for a personal part.
  // Makes sure the salt pool holds `count` unused salts. UNAVAILABLE when
  // no random bytes can be had.
  absl::Status ReserveSalts(size_t count);
  // One salt from the pool (ReserveSalts first).
  std::string NewSalt();

  RocksDb* const db_;
  const WriterOptions options_;

  mutable absl::Mutex queue_mu_;
  std::vector<Pending> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool stopping_ ABSL_GUARDED_BY(queue_mu_) = false;

  mutable absl::Mutex head_mu_;
  ChainHead committed_ ABSL_GUARDED_BY(head_mu_);
  std::vector<CommitListener*> listeners_ ABSL_GUARDED_BY(head_mu_);

  std::atomic<bool> failed_{false};

  // Groups written to the WAL, waiting for the syncer's fsync.
  absl::Mutex sync_mu_;
  std::vector<std::unique_ptr<Group>> written_ ABSL_GUARDED_BY(sync_mu_);
  bool writer_done_ ABSL_GUARDED_BY(sync_mu_) = false;

  // Writer thread only.
  uint64_t next_position_;
  std::string last_hash_;
  int64_t last_recorded_at_us_;
  absl::flat_hash_map<std::string, uint64_t> next_version_cache_;
  absl::BitGen bitgen_;
  // Salts drawn ahead, in blocks (ReserveSalts).
  std::string salt_pool_;
  size_t salt_pool_used_ = 0;

  std::thread thread_;
  std::thread syncer_;
};

}  // namespace kamgov::eventstore

#endif  // KAMGOV_EVENTSTORE_GROUP_COMMIT_WRITER_H_
