// RocksEventLog: the contract suite, plus what only the RocksDB backend can
// show: the WAL fsync before acknowledgement, failing closed on a write
// error, the on-disk format version, corruption found by VerifyChain and an
// open that does not replay the log.

#include "eventstore/rocks_event_log.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "eventstore/format.h"
#include "eventstore/rocks_db.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "rocksdb/statistics.h"
#include "tests/eventstore/event_log_contract.h"
#include "tests/eventstore/event_log_test_util.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wal_file_system.h"

namespace kamgov::eventstore::testing {
namespace {

using ::kamgov::testing::TempDir;
using ::kamgov::testing::WalFileSystem;
using ::testing::HasSubstr;

EventLogBackend RocksBackend() {
  return {"RocksEventLog",
          [](const std::string& dir, const BackendOptions& backend)
              -> absl::StatusOr<std::unique_ptr<EventLog>> {
            RocksEventLogOptions options;
            options.path = dir;
            options.clock_us = backend.clock_us;
            if (backend.limits.has_value()) options.limits = *backend.limits;
            absl::StatusOr<std::unique_ptr<RocksEventLog>> log =
                RocksEventLog::Open(std::move(options));
            if (!log.ok()) return log.status();
            return std::unique_ptr<EventLog>(*std::move(log));
          }};
}

INSTANTIATE_TEST_SUITE_P(Rocks, EventLogContractTest,
                         ::testing::Values(RocksBackend()), BackendName);

class RocksEventLogTest : public ::testing::Test {
 protected:
  absl::StatusOr<std::unique_ptr<RocksEventLog>> OpenLog(
      rocksdb::Env* env = nullptr,
      std::shared_ptr<rocksdb::Statistics> statistics = nullptr) {
    RocksEventLogOptions options;
    options.path = dir_.path();
    options.env = env;
    options.statistics = std::move(statistics);
    return RocksEventLog::Open(std::move(options));
  }

  TempDir dir_;
};

// Writes `value` under `key` of column family `cf` straight into RocksDB,
// bypassing the store (as a disk error or an attacker would).
void PutRaw(RocksEventLog& log, Cf cf, const std::string& key,
            const std::string& value) {
  rocksdb::WriteOptions options;
  options.sync = true;
  ASSERT_TRUE(log.rocks_db()
                  ->db()
                  ->Put(options, log.rocks_db()->cf(cf), key, value)
                  .ok());
}

// ---------------------------------------------------------------------------
// The fsync is real

// Remembers, per commit group, the newest WAL sync that had completed when
// the group was announced.
class SyncTicketListener : public CommitListener {
 public:
  explicit SyncTicketListener(const WalFileSystem* fs) : fs_(fs) {}
  void OnCommitted(std::shared_ptr<const CommittedBatch> batch) override {
    absl::MutexLock lock(&mu_);
    tickets_.push_back(fs_->last_completed_ticket());
    events_ += batch->events.size();
  }
  std::vector<uint64_t> tickets() const {
    absl::MutexLock lock(&mu_);
    return tickets_;
  }
  uint64_t events() const {
    absl::MutexLock lock(&mu_);
    return events_;
  }

 private:
  const WalFileSystem* const fs_;
  mutable absl::Mutex mu_;
  std::vector<uint64_t> tickets_ ABSL_GUARDED_BY(mu_);
  uint64_t events_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST_F(RocksEventLogTest, EveryAcknowledgementWaitsForAWalSyncStartedAfterIt) {
  auto fs = std::make_shared<WalFileSystem>();
  std::unique_ptr<rocksdb::Env> env = WalFileSystem::NewEnv(fs);
  std::shared_ptr<rocksdb::Statistics> statistics =
      rocksdb::CreateDBStatistics();
  ASSERT_OK_AND_ASSIGN(auto log, OpenLog(env.get(), statistics));
  SyncTicketListener listener(fs.get());
  log->AddCommitListener(&listener);

  const uint64_t ticker_before =
      statistics->getTickerCount(rocksdb::WAL_FILE_SYNCED);
  const uint64_t syncs_before = fs->syncs_completed();
  const uint64_t ticket_before = fs->syncs_started();

  // One append: the ticket of the newest sync that had STARTED when it was
  // submitted, and of the newest that had COMPLETED when it was acknowledged.
  struct Probe {
    uint64_t submitted_after_ticket = 0;
    uint64_t acknowledged_with_ticket = 0;
    absl::Status status;
    absl::Notification done;
  };
  constexpr int kThreads = 16;
  constexpr int kRounds = 12;
  constexpr int kInFlight = 4;  // appends each thread keeps queued at once
  std::vector<std::vector<Probe>> probes(kThreads);
  for (auto& p : probes) p = std::vector<Probe>(kRounds * kInFlight);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        for (int k = 0; k < kInFlight; ++k) {
          Probe& probe = probes[t][round * kInFlight + k];
          probe.submitted_after_ticket = fs->syncs_started();
          log->Append(Simple("sync-" + std::to_string(t % 4)),
                      [&probe, fs](absl::StatusOr<AppendResult> result) {
                        probe.acknowledged_with_ticket =
                            fs->last_completed_ticket();
                        probe.status = result.status();
                        probe.done.Notify();
                      });
        }
        for (int k = 0; k < kInFlight; ++k) {
          probes[t][round * kInFlight + k].done.WaitForNotification();
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  log->RemoveCommitListener(&listener);

  int unsynced = 0;
  for (const auto& per_thread : probes) {
    for (const Probe& p : per_thread) {
      ASSERT_TRUE(p.status.ok()) << p.status;
      if (p.acknowledged_with_ticket <= p.submitted_after_ticket) {
        if (unsynced++ == 0) {
          ADD_FAILURE() << "acknowledged with sync ticket "
                        << p.acknowledged_with_ticket
                        << " though submitted after ticket "
                        << p.submitted_after_ticket << " had started";
        }
      }
    }
  }
  EXPECT_EQ(unsynced, 0);

  // Listeners hear of groups in order, each after a sync; one sync may cover
  // several groups (the writer builds the next group during an fsync).
  const std::vector<uint64_t> tickets = listener.tickets();
  const uint64_t groups = tickets.size();
  ASSERT_GT(groups, 0u);
  EXPECT_GT(tickets[0], ticket_before);
  for (size_t i = 1; i < tickets.size(); ++i) {
    EXPECT_GE(tickets[i], tickets[i - 1]) << "group " << i;
  }
  EXPECT_EQ(listener.events(),
            static_cast<uint64_t>(kThreads * kRounds * kInFlight));
  const uint64_t wal_syncs = fs->syncs_completed() - syncs_before;
  const uint64_t ticker =
      statistics->getTickerCount(rocksdb::WAL_FILE_SYNCED) - ticker_before;
  // Every sync covers at least one group, and the ticker saw them all.
  EXPECT_GE(wal_syncs, tickets.back() - tickets.front() + 1);
  EXPECT_GE(ticker, tickets.back() - tickets.front() + 1);
  RecordProperty("groups", static_cast<int>(groups));
  RecordProperty("wal_syncs", static_cast<int>(wal_syncs));
  RecordProperty("wal_file_synced_ticker", static_cast<int>(ticker));
}

// The probe itself: a write without sync leaves the counters still, so a
// store that acknowledged before syncing would fail the test above.
TEST_F(RocksEventLogTest, TheSyncProbeNoticesAWriteWithoutSync) {
  auto fs = std::make_shared<WalFileSystem>();
  std::unique_ptr<rocksdb::Env> env = WalFileSystem::NewEnv(fs);
  rocksdb::Options options;
  options.create_if_missing = true;
  options.env = env.get();
  options.statistics = rocksdb::CreateDBStatistics();
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(options, dir_.path(), &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);

  const uint64_t ticket = fs->last_completed_ticket();
  const uint64_t ticker =
      options.statistics->getTickerCount(rocksdb::WAL_FILE_SYNCED);
  rocksdb::WriteOptions no_sync;
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(db->Put(no_sync, "k" + std::to_string(i), "v").ok());
  }
  EXPECT_EQ(fs->last_completed_ticket(), ticket);
  EXPECT_EQ(options.statistics->getTickerCount(rocksdb::WAL_FILE_SYNCED),
            ticker);

  rocksdb::WriteOptions sync;
  sync.sync = true;
  ASSERT_TRUE(db->Put(sync, "k", "v").ok());
  EXPECT_GT(fs->last_completed_ticket(), ticket);
  EXPECT_EQ(options.statistics->getTickerCount(rocksdb::WAL_FILE_SYNCED),
            ticker + 1);
  ASSERT_TRUE(db->Close().ok());
}

// ---------------------------------------------------------------------------
// Write failure: fail closed

enum class WalFault { kAppend, kSync };

void PrintTo(WalFault fault, std::ostream* os) {
  *os << (fault == WalFault::kAppend ? "WAL append fails" : "WAL sync fails");
}

class RocksWriteFailureTest : public RocksEventLogTest,
                              public ::testing::WithParamInterface<WalFault> {};

TEST_P(RocksWriteFailureTest, AFailedWriteFailsItsGroupAndTheStoreFailsClosed) {
  auto fs = std::make_shared<WalFileSystem>();
  std::unique_ptr<rocksdb::Env> env = WalFileSystem::NewEnv(fs);
  ASSERT_OK_AND_ASSIGN(auto log, OpenLog(env.get()));

  std::set<std::string> acknowledged;  // command ids
  for (int i = 0; i < 3; ++i) {
    const std::string id = "ok-" + std::to_string(i);
    ASSERT_OK(
        log->AppendAndWait(Request({To("acct-" + std::to_string(i % 2),
                                       ExpectedVersion::Any(), Events(2))},
                                   id, "fp"))
            .status());
    acknowledged.insert(id);
  }

  // The group that fails: five appends, queued while the writer is held.
  std::vector<AppendRequest> doomed;
  for (int i = 0; i < 5; ++i) {
    std::vector<StreamAppend> streams = {To("acct-" + std::to_string(i % 2),
                                            ExpectedVersion::Any(),
                                            Events(1 + i % 2))};
    if (i % 2 == 0) {
      streams.push_back(To("new-" + std::to_string(i),
                           ExpectedVersion::NoStream(),
                           {Event("Decided", "m", {}, "personal")}));
    }
    doomed.push_back(
        Request(std::move(streams), "lost-" + std::to_string(i), "fp"));
  }
  AppendOutcome trigger;
  std::vector<AppendOutcome> lost(doomed.size());
  {
    WriterGate gate(log.get());
    log->Append(Request({To("trigger", ExpectedVersion::Any(), Events(1))},
                        "trigger", "fp"),
                trigger.Callback());
    gate.WaitUntilHeld();
    if (GetParam() == WalFault::kAppend) {
      fs->FailWalAppends(true);
    } else {
      fs->FailWalSyncs(true);
    }
    for (size_t i = 0; i < doomed.size(); ++i) {
      log->Append(doomed[i], lost[i].Callback());
    }
  }
  ASSERT_TRUE(trigger.Wait().ok()) << trigger.Wait().status();
  acknowledged.insert("trigger");
  for (AppendOutcome& o : lost) {
    EXPECT_EQ(o.Wait().status().code(), absl::StatusCode::kUnavailable)
        << o.Wait().status();
  }
  EXPECT_GT(fs->faults_injected(), 0u);
  const ChainHead head = log->GetChainHead();
  EXPECT_EQ(head.position, 7u);

  // Fail closed: later writes are refused, even once the disk is back.
  EXPECT_EQ(log->AppendAndWait(Simple("later")).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(log->ErasePersonal(1).code(), absl::StatusCode::kUnavailable);
  fs->FailWalAppends(false);
  fs->FailWalSyncs(false);
  EXPECT_EQ(log->AppendAndWait(Simple("later")).status().code(),
            absl::StatusCode::kUnavailable);

  // Reads keep working and show exactly the acknowledged events.
  ASSERT_OK_AND_ASSIGN(auto before, ReadEverything(*log, true));
  ASSERT_EQ(before.size(), head.position);
  std::set<std::string> commands;
  for (const RecordedEvent& e : before) commands.insert(e.record.command_id());
  EXPECT_EQ(commands, acknowledged);
  EXPECT_EQ(*log->StreamVersion("acct-0"), std::optional<uint64_t>(3));
  EXPECT_EQ(*log->StreamVersion("new-0"), std::nullopt);
  ASSERT_OK_AND_ASSIGN(VerifyResult verify, log->VerifyChain(0, 0));
  EXPECT_TRUE(verify.ok) << verify.problem;
  log.reset();

  // Reopened without the fault, the store accepts writes again.
  ASSERT_OK_AND_ASSIGN(log, OpenLog());
  ASSERT_OK_AND_ASSIGN(auto after, ReadEverything(*log, true));
  // No acknowledged event is lost or changed.
  ASSERT_GE(after.size(), before.size());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(after[i].record_bytes, before[i].record_bytes);
    EXPECT_EQ(after[i].hash, before[i].hash);
  }
  // What the disk kept of each failed append is all of it or none of it (one
  // group is one WriteBatch, one WAL record). The gate holds the commit
  // notification, not the writer, so the doomed appends may form one group
  // or several; the kept ones are a prefix of them in submission order.
  // Observed with RocksDB 7.8:
  //  - a failed WAL append wrote nothing: every doomed append is gone;
  //  - a failed WAL sync came after the bytes reached the file, and the
  //    reopened store recovers every group written before the failure
  //    (at least the first) although its submitters got UNAVAILABLE. That
  //    is why UNAVAILABLE from a failed write is an unknown outcome
  //    (event_log.h) and a retry must carry the same command id.
  std::map<std::string, size_t> kept;
  for (size_t i = before.size(); i < after.size(); ++i) {
    ++kept[after[i].record.command_id()];
  }
  auto event_count = [](const AppendRequest& r) {
    size_t n = 0;
    for (const StreamAppend& s : r.streams) n += s.events.size();
    return n;
  };
  std::vector<bool> was_kept;
  for (const AppendRequest& r : doomed) {
    was_kept.push_back(kept.count(r.command_id) > 0);
    if (was_kept.back()) {
      EXPECT_EQ(kept[r.command_id], event_count(r)) << r.command_id;
    }
  }
  EXPECT_TRUE(
      std::is_sorted(was_kept.begin(), was_kept.end(), std::greater<bool>()))
      << "kept appends are not a prefix";
  EXPECT_EQ(was_kept[0], GetParam() == WalFault::kSync);
  if (!was_kept[0]) EXPECT_EQ(log->GetChainHead().hash, head.hash);
  // The retries replay what was kept and write what was not: each command
  // ends up in the log exactly once.
  for (size_t i = 0; i < doomed.size(); ++i) {
    ASSERT_OK_AND_ASSIGN(AppendResult retried, log->AppendAndWait(doomed[i]));
    EXPECT_EQ(retried.replayed, was_kept[i]) << doomed[i].command_id;
  }
  ASSERT_OK(log->AppendAndWait(Simple("later")).status());
  ASSERT_OK_AND_ASSIGN(auto final_log, ReadEverything(*log));
  std::map<std::string, size_t> events_of;
  for (size_t i = 0; i < final_log.size(); ++i) {
    EXPECT_EQ(final_log[i].position, i + 1);
    ++events_of[final_log[i].record.command_id()];
  }
  for (const AppendRequest& r : doomed) {
    EXPECT_EQ(events_of[r.command_id], event_count(r)) << r.command_id;
  }
  ASSERT_OK_AND_ASSIGN(verify, log->VerifyChain(0, 0));
  EXPECT_TRUE(verify.ok) << verify.problem << " at "
                         << verify.first_bad_position;
  EXPECT_EQ(verify.checked, final_log.size());
}

// RocksDB stops writing after a WAL error too, but after a retryable one it
// resumes on its own. The store must stay closed anyway: its writer rolled
// its positions back, and nothing but a reopen may hand them out again.
TEST_F(RocksEventLogTest, TheStoreStaysClosedWhenRocksDbResumes) {
  auto fs = std::make_shared<WalFileSystem>();
  std::unique_ptr<rocksdb::Env> env = WalFileSystem::NewEnv(fs);
  ASSERT_OK_AND_ASSIGN(auto log, OpenLog(env.get()));
  ASSERT_OK(log->AppendAndWait(Simple("s", 2)).status());
  fs->MakeFaultsRetryable(true);
  fs->FailWalAppends(true);
  EXPECT_EQ(log->AppendAndWait(Simple("s")).status().code(),
            absl::StatusCode::kUnavailable);
  fs->FailWalAppends(false);
  // Wait (bounded) until RocksDB itself takes writes again.
  rocksdb::DB* db = log->rocks_db()->db();
  rocksdb::Status probe;
  for (int i = 0; i < 2000; ++i) {  // RocksDB retries about once a second
    probe = db->Put(rocksdb::WriteOptions(), "resume-probe", "x");
    if (probe.ok()) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_TRUE(probe.ok()) << probe.ToString();

  EXPECT_EQ(log->AppendAndWait(Simple("s")).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(log->ErasePersonal(1).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(log->GetChainHead().position, 2u);
  log.reset();

  ASSERT_OK_AND_ASSIGN(log, OpenLog());
  ASSERT_OK_AND_ASSIGN(AppendResult next, log->AppendAndWait(Simple("s")));
  EXPECT_EQ(next.first_position, 3u);
  ASSERT_OK_AND_ASSIGN(VerifyResult verify, log->VerifyChain(0, 0));
  EXPECT_TRUE(verify.ok) << verify.problem;
  EXPECT_EQ(verify.checked, 3u);
}

INSTANTIATE_TEST_SUITE_P(Faults, RocksWriteFailureTest,
                         ::testing::Values(WalFault::kAppend, WalFault::kSync),
                         [](const ::testing::TestParamInfo<WalFault>& info) {
                           return info.param == WalFault::kAppend
                                      ? "WalAppendFails"
                                      : "WalSyncFails";
                         });

// ---------------------------------------------------------------------------
// Format version

// Opens the store's RocksDB directly with every column family, bypassing the
// format check, to rewrite the meta CF.
void RewriteFormatRaw(const std::string& path, const std::string& value) {
  std::vector<std::string> names;
  ASSERT_TRUE(
      rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names)
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(
      rocksdb::DB::Open(rocksdb::DBOptions(), path, descriptors, &handles, &raw)
          .ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteOptions sync;
  sync.sync = true;
  bool written = false;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == format::kMetaCf) {
      written = db->Put(sync, handles[i], format::kFormatKey, value).ok();
    }
  }
  for (rocksdb::ColumnFamilyHandle* h : handles) {
    ASSERT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
  }
  ASSERT_TRUE(db->Close().ok());
  ASSERT_TRUE(written);
}

TEST_F(RocksEventLogTest, AnUnknownFormatVersionFailsToOpen) {
  {
    ASSERT_OK_AND_ASSIGN(auto log, OpenLog());
    ASSERT_OK(log->AppendAndWait(Simple("s")).status());
    ASSERT_OK_AND_ASSIGN(auto stored,
                         log->rocks_db()->Get(Cf::kMeta, format::kFormatKey));
    EXPECT_EQ(stored, std::optional<std::string>(format::BE64(1)));
    ASSERT_NO_FATAL_FAILURE(
        PutRaw(*log, Cf::kMeta, format::kFormatKey, format::BE64(2)));
  }
  absl::StatusOr<std::unique_ptr<RocksEventLog>> newer = OpenLog();
  EXPECT_EQ(newer.status().code(), absl::StatusCode::kFailedPrecondition)
      << newer.status();
  EXPECT_THAT(newer.status().message(), HasSubstr("format version 2"));

  ASSERT_NO_FATAL_FAILURE(RewriteFormatRaw(dir_.path(), "\x01\x02\x03"));
  absl::StatusOr<std::unique_ptr<RocksEventLog>> garbled = OpenLog();
  EXPECT_EQ(garbled.status().code(), absl::StatusCode::kFailedPrecondition)
      << garbled.status();

  // The refusal left the store intact: with version 1 back it opens.
  ASSERT_NO_FATAL_FAILURE(RewriteFormatRaw(dir_.path(), format::BE64(1)));
  ASSERT_OK_AND_ASSIGN(auto log, OpenLog());
  EXPECT_EQ(log->GetChainHead().position, 1u);
  ASSERT_OK(log->AppendAndWait(Simple("s")).status());
}

// ---------------------------------------------------------------------------
// Startup reads the heads, never the log

TEST_F(RocksEventLogTest, OpeningDoesNotReplayTheLog) {
  {
    ASSERT_OK_AND_ASSIGN(auto log, OpenLog());
    for (int round = 0; round < 3; ++round) {
      std::vector<StreamAppend> streams;
      for (int s = 0; s < 10; ++s) {
        streams.push_back(
            To("s-" + std::to_string(s), ExpectedVersion::Any(), Events(100)));
      }
      ASSERT_OK(log->AppendAndWait(Request(std::move(streams))).status());
    }
  }
  std::shared_ptr<rocksdb::Statistics> statistics =
      rocksdb::CreateDBStatistics();
  ASSERT_OK_AND_ASSIGN(auto log, OpenLog(nullptr, statistics));
  const ChainHead head = log->GetChainHead();
  const uint64_t reads = statistics->getTickerCount(rocksdb::NUMBER_KEYS_READ) +
                         statistics->getTickerCount(rocksdb::NUMBER_DB_SEEK) +
                         statistics->getTickerCount(rocksdb::NUMBER_DB_NEXT) +
                         statistics->getTickerCount(rocksdb::NUMBER_DB_PREV);
  // The format, the chain head and the head's record: a handful of reads for
  // 3,000 events.
  EXPECT_LE(reads, 10u);
  RecordProperty("keys_read_on_open", static_cast<int>(reads));
  EXPECT_EQ(head.position, 3000u);
  EXPECT_EQ(*log->StreamVersion("s-7"), std::optional<uint64_t>(299));
  ASSERT_OK_AND_ASSIGN(AppendResult next,
                       log->AppendAndWait(Request({To(
                           "s-7", ExpectedVersion::Exact(299), Events(1))})));
  EXPECT_EQ(next.first_position, 3001u);
}

// ---------------------------------------------------------------------------
// Corruption

enum class Damage { kFlippedRecordByte, kFlippedHashByte, kDeletedRecord };

struct CorruptionCase {
  Damage damage;
  uint64_t position;  // of 10
};

void PrintTo(const CorruptionCase& c, std::ostream* os) {
  *os << (c.damage == Damage::kFlippedRecordByte ? "record byte flipped"
          : c.damage == Damage::kFlippedHashByte ? "hash byte flipped"
                                                 : "record deleted")
      << " at " << c.position;
}

class RocksCorruptionTest
    : public RocksEventLogTest,
      public ::testing::WithParamInterface<CorruptionCase> {};

TEST_P(RocksCorruptionTest, VerifyChainReportsTheDamagedPosition) {
  constexpr uint64_t kEvents = 10;
  const auto [damage, k] = GetParam();
  ASSERT_OK_AND_ASSIGN(auto log, OpenLog());
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(
        log->AppendAndWait(Simple("c" + std::to_string(i % 2), 2)).status());
  }
  ASSERT_OK_AND_ASSIGN(VerifyResult clean, log->VerifyChain(0, 0));
  ASSERT_TRUE(clean.ok);

  const std::string key = format::PositionKey(k);
  const Cf cf = damage == Damage::kFlippedHashByte ? Cf::kHashes : Cf::kEvents;
  ASSERT_OK_AND_ASSIGN(auto stored, log->rocks_db()->Get(cf, key));
  ASSERT_TRUE(stored.has_value());
  if (damage == Damage::kDeletedRecord) {
    ASSERT_TRUE(
        log->rocks_db()
            ->db()
            ->Delete(rocksdb::WriteOptions(), log->rocks_db()->cf(cf), key)
            .ok());
  } else {
    std::string bytes = *stored;
    bytes[bytes.size() / 2] ^= 0x01;
    ASSERT_NO_FATAL_FAILURE(PutRaw(*log, cf, key, bytes));
  }

  ASSERT_OK_AND_ASSIGN(VerifyResult whole, log->VerifyChain(0, 0));
  EXPECT_FALSE(whole.ok);
  EXPECT_EQ(whole.first_bad_position, k) << whole.problem;
  EXPECT_EQ(whole.checked, k - 1);
  ASSERT_OK_AND_ASSIGN(VerifyResult at, log->VerifyChain(k, k));
  EXPECT_FALSE(at.ok);
  EXPECT_EQ(at.first_bad_position, k);
  if (k > 1) {
    ASSERT_OK_AND_ASSIGN(VerifyResult before, log->VerifyChain(1, k - 1));
    EXPECT_TRUE(before.ok) << before.problem;
    EXPECT_EQ(before.checked, k - 1);
  }
  if (k < kEvents) {
    ASSERT_OK_AND_ASSIGN(VerifyResult after, log->VerifyChain(k + 1, 0));
    if (damage == Damage::kFlippedHashByte) {
      // The next record links to the damaged hash.
      EXPECT_FALSE(after.ok);
      EXPECT_EQ(after.first_bad_position, k + 1);
    } else {
      EXPECT_TRUE(after.ok) << after.problem;
      EXPECT_EQ(after.checked, kEvents - k);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Damages, RocksCorruptionTest,
    ::testing::Values(CorruptionCase{Damage::kFlippedRecordByte, 1},
                      CorruptionCase{Damage::kFlippedRecordByte, 6},
                      CorruptionCase{Damage::kFlippedRecordByte, 10},
                      CorruptionCase{Damage::kFlippedHashByte, 4},
                      CorruptionCase{Damage::kFlippedHashByte, 10},
                      CorruptionCase{Damage::kDeletedRecord, 5},
                      CorruptionCase{Damage::kDeletedRecord, 10}),
    [](const ::testing::TestParamInfo<CorruptionCase>& info) {
      const char* what =
          info.param.damage == Damage::kFlippedRecordByte ? "RecordByte"
          : info.param.damage == Damage::kFlippedHashByte ? "HashByte"
                                                          : "DeletedRecord";
      return std::string(what) + "At" + std::to_string(info.param.position);
    });

TEST_F(RocksEventLogTest, ADamagedPersonalRowIsReportedNotFatal) {
  ASSERT_OK_AND_ASSIGN(auto log, OpenLog());
  ASSERT_OK(log->AppendAndWait(Simple("p")).status());
  ASSERT_OK(log->AppendAndWait(
                   Request({To("p", ExpectedVersion::Any(),
                               {Event("Decided", "m", {}, "Carol's notes")})}))
                .status());
  // Shorter than the salt that must prefix it.
  ASSERT_NO_FATAL_FAILURE(
      PutRaw(*log, Cf::kPersonal, format::PositionKey(2), "short"));

  absl::StatusOr<std::vector<RecordedEvent>> all = log->ReadAll(0, 10, true);
  EXPECT_EQ(all.status().code(), absl::StatusCode::kDataLoss) << all.status();
  absl::StatusOr<std::vector<RecordedEvent>> stream =
      log->ReadStream("p", 0, ReadDirection::kForward, 10, true);
  EXPECT_EQ(stream.status().code(), absl::StatusCode::kDataLoss)
      << stream.status();
  // Without the personal parts the log still reads.
  ASSERT_OK_AND_ASSIGN(auto records, log->ReadAll(0, 10, false));
  EXPECT_EQ(records.size(), 2u);
  ASSERT_OK_AND_ASSIGN(VerifyResult verify, log->VerifyChain(0, 0));
  EXPECT_FALSE(verify.ok);
  EXPECT_EQ(verify.first_bad_position, 2u) << verify.problem;

  // A personal row that does not match its digest is reported too.
  ASSERT_NO_FATAL_FAILURE(PutRaw(*log, Cf::kPersonal, format::PositionKey(2),
                                 std::string(16, 's') + "Carol's notes"));
  ASSERT_OK_AND_ASSIGN(verify, log->VerifyChain(0, 0));
  EXPECT_FALSE(verify.ok);
  EXPECT_EQ(verify.first_bad_position, 2u) << verify.problem;
  // Erasing it makes the chain whole again.
  ASSERT_OK(log->ErasePersonal(2));
  ASSERT_OK_AND_ASSIGN(verify, log->VerifyChain(0, 0));
  EXPECT_TRUE(verify.ok) << verify.problem;
}

// Without random bytes for salts, an append with a personal part fails
// whole and writes nothing; appends without one, and later ones, go on.
TEST_F(RocksEventLogTest, NoRandomBytesForSaltsFailsTheAppendAndWritesNothing) {
  std::atomic<bool> random_works{false};
  RocksEventLogOptions options;
  options.path = dir_.path();
  options.random_bytes = [&random_works](unsigned char* out, size_t n) {
    if (!random_works.load()) return false;
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<unsigned char>(i * 7);
    return true;
  };
  ASSERT_OK_AND_ASSIGN(auto log, RocksEventLog::Open(std::move(options)));
  auto personal = [] {
    return Request({To(
        "p", ExpectedVersion::Any(),
        {Event("Decided", "m"), Event("Decided", "m", {}, "Carol's notes")})});
  };
  absl::StatusOr<AppendResult> refused = log->AppendAndWait(personal());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable)
      << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("random"));
  EXPECT_EQ(log->GetChainHead().position, 0u);
  ASSERT_OK_AND_ASSIGN(auto stream_version, log->StreamVersion("p"));
  EXPECT_FALSE(stream_version.has_value());

  ASSERT_OK(log->AppendAndWait(Simple("q")).status());
  EXPECT_EQ(log->GetChainHead().position, 1u);

  random_works = true;
  ASSERT_OK_AND_ASSIGN(AppendResult written, log->AppendAndWait(personal()));
  EXPECT_EQ(written.last_position, 3u);
  ASSERT_OK_AND_ASSIGN(auto records, log->ReadAll(0, 10, true));
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[2].personal, "Carol's notes");
  ASSERT_OK_AND_ASSIGN(VerifyResult verify, log->VerifyChain(0, 0));
  EXPECT_TRUE(verify.ok) << verify.problem;
}

// ---------------------------------------------------------------------------
// The tag index

TEST_F(RocksEventLogTest, PositionsWithTagPagesThroughOneTag) {
  ASSERT_OK_AND_ASSIGN(auto log, OpenLog());
  for (int i = 0; i < 6; ++i) {
    std::vector<std::string> tags = {i % 2 == 0 ? "account:a" : "account:ab"};
    if (i % 3 == 0) tags.push_back("program:emea");
    ASSERT_OK(log->AppendAndWait(Request({To("s", ExpectedVersion::Any(),
                                             {Event("T", "m", tags)})}))
                  .status());
  }
  ASSERT_OK_AND_ASSIGN(auto a, log->PositionsWithTag("account:a", 0, 10));
  EXPECT_THAT(a, ::testing::ElementsAre(1, 3, 5));
  ASSERT_OK_AND_ASSIGN(auto page, log->PositionsWithTag("account:ab", 2, 2));
  EXPECT_THAT(page, ::testing::ElementsAre(4, 6));
  ASSERT_OK_AND_ASSIGN(auto emea, log->PositionsWithTag("program:emea", 0, 10));
  EXPECT_THAT(emea, ::testing::ElementsAre(1, 4));
  ASSERT_OK_AND_ASSIGN(auto past, log->PositionsWithTag("account:a", 5, 10));
  EXPECT_THAT(past, ::testing::IsEmpty());
  ASSERT_OK_AND_ASSIGN(auto none, log->PositionsWithTag("account", 0, 10));
  EXPECT_THAT(none, ::testing::IsEmpty());
}

}  // namespace
}  // namespace kamgov::eventstore::testing
