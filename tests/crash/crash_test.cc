// Kills a writing process with SIGKILL at random moments and checks what
// survives: every append acknowledged before the kill is present exactly
// once, at its positions and versions; no append is partially present in
// any index; positions are gapless; the hash chain verifies. The child is
// crash_writer (crash_writer.cc), whose output protocol this test parses.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "eventstore/command_record.pb.h"
#include "eventstore/format.h"
#include "eventstore/rocks_event_log.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace kamgov::eventstore {
namespace {

constexpr int kRuns = 24;
constexpr int kMinRunMs = 50;
constexpr int kMaxRunMs = 400;
constexpr char kPrincipal[] = "crash-writer";

struct AckedStream {
  std::string stream_id;
  uint64_t first_version = 0;
  uint64_t last_version = 0;
};

// One append the child reported as acknowledged.
struct Ack {
  std::string command_id;
  uint64_t first_position = 0;
  uint64_t last_position = 0;
  uint64_t events = 0;
  std::vector<AckedStream> streams;
};

bool ParseAck(absl::string_view line, Ack* ack) {
  std::vector<absl::string_view> words = absl::StrSplit(line, ' ');
  if (words.size() < 6 || words[0] != "ACK") return false;
  ack->command_id = std::string(words[1]);
  if (!absl::SimpleAtoi(words[2], &ack->first_position) ||
      !absl::SimpleAtoi(words[3], &ack->last_position) ||
      !absl::SimpleAtoi(words[4], &ack->events)) {
    return false;
  }
  for (size_t i = 5; i < words.size(); ++i) {
    std::vector<absl::string_view> parts = absl::StrSplit(words[i], ':');
    AckedStream& s = ack->streams.emplace_back();
    if (parts.size() != 3 || !absl::SimpleAtoi(parts[1], &s.first_version) ||
        !absl::SimpleAtoi(parts[2], &s.last_version)) {
      return false;
    }
    s.stream_id = std::string(parts[0]);
  }
  return true;
}

struct ChildRun {
  // Complete lines only: a line cut by the kill was never acknowledged.
  std::vector<std::string> lines;
  int wait_status = 0;
};

// Generous: only a hung child takes this long to acknowledge an append.
constexpr std::chrono::seconds kFirstAckTimeout(30);

// Starts crash_writer on `store`, reads its output for `run_ms`, then
// SIGKILLs it and drains the pipe. With `after_first_ack` the run_ms start
// when the child acknowledges its first append (so the kill always lands
// under load however slow the machine is), otherwise at the spawn (so it
// may land while the store is being opened or recovered).
ChildRun RunAndKill(const std::string& store, int run, int run_ms,
                    bool after_first_ack) {
  ChildRun result;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2 failed";
    return result;
  }
  const std::string run_arg = std::to_string(run);
  std::vector<char*> argv = {const_cast<char*>(CRASH_WRITER_PATH),
                             const_cast<char*>(store.c_str()),
                             const_cast<char*>(run_arg.c_str()), nullptr};
  const pid_t pid = fork();
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    dup2(fds[1], STDOUT_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  if (pid < 0) {
    close(fds[0]);
    ADD_FAILURE() << "fork failed";
    return result;
  }

  // Keep reading while the child runs so it never blocks on a full pipe.
  std::string buffer;
  char chunk[4096];
  auto deadline =
      std::chrono::steady_clock::now() +
      (after_first_ack ? kFirstAckTimeout : std::chrono::milliseconds(run_ms));
  bool eof = false, timer_started = !after_first_ack;
  while (!eof) {
    if (!timer_started && buffer.find('\n') != std::string::npos) {
      timer_started = true;
      deadline =
          std::chrono::steady_clock::now() + std::chrono::milliseconds(run_ms);
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) break;
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) > 0) {
      const ssize_t n = read(fds[0], chunk, sizeof(chunk));
      if (n <= 0) eof = true;  // the child died by itself
      if (n > 0) buffer.append(chunk, static_cast<size_t>(n));
    }
  }
  kill(pid, SIGKILL);
  for (ssize_t n; (n = read(fds[0], chunk, sizeof(chunk))) > 0;) {
    buffer.append(chunk, static_cast<size_t>(n));
  }
  close(fds[0]);
  waitpid(pid, &result.wait_status, 0);

  size_t start = 0;
  for (size_t end; (end = buffer.find('\n', start)) != std::string::npos;
       start = end + 1) {
    result.lines.push_back(buffer.substr(start, end - start));
  }
  return result;
}

// main = "<command_id>/<k>/<N>": event k of an append of N events.
struct Payload {
  std::string command_id;
  uint64_t index = 0;
  uint64_t total = 0;
};

bool ParsePayload(const std::string& main, Payload* payload) {
  std::vector<std::string> parts = absl::StrSplit(main, '/');
  if (parts.size() != 3) return false;
  payload->command_id = parts[0];
  return absl::SimpleAtoi(parts[1], &payload->index) &&
         absl::SimpleAtoi(parts[2], &payload->total);
}

struct CheckStats {
  uint64_t head = 0;
  uint64_t commands = 0;
};

// Reopens the store and checks every invariant against `acked`, the appends
// acknowledged in all runs so far. Fatal failures stop at the first problem.
void CheckStore(const std::string& path,
                const std::map<std::string, Ack>& acked, CheckStats* stats) {
  RocksEventLogOptions options;
  options.path = path;
  absl::StatusOr<std::unique_ptr<RocksEventLog>> opened =
      RocksEventLog::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  RocksEventLog& log = **opened;
  const ChainHead head = log.GetChainHead();
  stats->head = head.position;

  // Positions are gapless 1..head and each record knows its position.
  std::vector<RecordedEvent> all;
  for (uint64_t after = 0;;) {
    absl::StatusOr<std::vector<RecordedEvent>> page =
        log.ReadAll(after, 1000, /*include_personal=*/true);
    ASSERT_TRUE(page.ok()) << page.status();
    if (page->empty()) break;
    for (RecordedEvent& event : *page) {
      ASSERT_EQ(event.position, all.size() + 1) << "gap in the log";
      ASSERT_EQ(event.record.position(), event.position);
      all.push_back(std::move(event));
    }
    after = all.size();
  }
  ASSERT_EQ(all.size(), head.position);

  // Each append is whole: its N events are all there, once, in order, at
  // consecutive positions. Stream versions run 0, 1, 2, ... along the log.
  std::map<std::string, std::vector<const RecordedEvent*>> by_command;
  std::map<std::string, uint64_t> next_version;
  for (const RecordedEvent& event : all) {
    Payload payload;
    ASSERT_TRUE(ParsePayload(event.record.main(), &payload))
        << "position " << event.position;
    ASSERT_EQ(event.record.command_id(), payload.command_id);
    ASSERT_EQ(event.record.principal(), kPrincipal);
    ASSERT_EQ(event.record.stream_version(),
              next_version[event.record.stream_id()]++)
        << "position " << event.position;
    if (!event.record.personal_digest().empty()) {
      ASSERT_TRUE(event.personal.has_value()) << "position " << event.position;
      EXPECT_EQ(*event.personal, absl::StrCat("personal:", payload.command_id,
                                              "/", payload.index));
    }
    by_command[payload.command_id].push_back(&event);
  }
  for (const auto& [command_id, events] : by_command) {
    Payload first;
    ASSERT_TRUE(ParsePayload(events[0]->record.main(), &first));
    ASSERT_EQ(events.size(), first.total)
        << "append " << command_id << " is partially present (or twice)";
    for (size_t k = 0; k < events.size(); ++k) {
      Payload p;
      ASSERT_TRUE(ParsePayload(events[k]->record.main(), &p));
      ASSERT_EQ(p.index, k) << command_id;
      ASSERT_EQ(events[k]->position, events[0]->position + k) << command_id;
    }
  }

  // Every acknowledged append is there, at the positions, streams and
  // versions it was acknowledged with.
  for (const auto& [command_id, ack] : acked) {
    auto it = by_command.find(command_id);
    ASSERT_TRUE(it != by_command.end())
        << "acknowledged append " << command_id << " was lost";
    const std::vector<const RecordedEvent*>& events = it->second;
    ASSERT_EQ(events.size(), ack.events) << command_id;
    ASSERT_EQ(events.front()->position, ack.first_position) << command_id;
    ASSERT_EQ(events.back()->position, ack.last_position) << command_id;
    size_t k = 0;
    for (const AckedStream& s : ack.streams) {
      for (uint64_t v = s.first_version; v <= s.last_version; ++v, ++k) {
        ASSERT_LT(k, events.size()) << command_id;
        EXPECT_EQ(events[k]->record.stream_id(), s.stream_id) << command_id;
        EXPECT_EQ(events[k]->record.stream_version(), v) << command_id;
      }
    }
    EXPECT_EQ(k, events.size()) << command_id;
  }

  // The commands index holds exactly the appends in the log, each with the
  // positions and event ids it has there.
  std::set<std::string> indexed;
  std::unique_ptr<rocksdb::Iterator> it =
      log.rocks_db()->NewIterator(Cf::kCommands, rocksdb::ReadOptions());
  const std::string prefix = format::StreamPrefix(kPrincipal);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string key = it->key().ToString();
    ASSERT_TRUE(absl::StartsWith(key, prefix)) << key;
    const std::string command_id = key.substr(prefix.size());
    CommandRecord record;
    ASSERT_TRUE(record.ParseFromString(it->value().ToString())) << command_id;
    auto found = by_command.find(command_id);
    ASSERT_TRUE(found != by_command.end())
        << "command " << command_id << " is indexed but has no events";
    const std::vector<const RecordedEvent*>& events = found->second;
    EXPECT_EQ(record.first_position(), events.front()->position);
    EXPECT_EQ(record.last_position(), events.back()->position);
    ASSERT_EQ(static_cast<size_t>(record.event_ids_size()), events.size());
    for (size_t k = 0; k < events.size(); ++k) {
      EXPECT_EQ(record.event_ids(static_cast<int>(k)),
                events[k]->record.event_id());
    }
    indexed.insert(command_id);
  }
  ASSERT_TRUE(it->status().ok()) << it->status().ToString();
  EXPECT_EQ(indexed.size(), by_command.size())
      << "an append's events are present without its command record";
  stats->commands = by_command.size();

  // The stream and tag indexes hold exactly one entry per event, pointing
  // at it (read raw: reading every stream through ReadStream would fetch
  // every record again).
  uint64_t entries = 0;
  std::unique_ptr<rocksdb::Iterator> streams =
      log.rocks_db()->NewIterator(Cf::kStreams, rocksdb::ReadOptions());
  for (streams->SeekToFirst(); streams->Valid(); streams->Next(), ++entries) {
    const std::string key = streams->key().ToString();
    const size_t separator = key.find('\0');
    ASSERT_EQ(separator + 9, key.size());
    const uint64_t position = format::DecodeBE64(streams->value().ToString());
    ASSERT_GE(position, 1u);
    ASSERT_LE(position, all.size()) << "the stream index names a lost event";
    const kamgov::v1::EventRecord& record = all[position - 1].record;
    EXPECT_EQ(record.stream_id(), key.substr(0, separator));
    EXPECT_EQ(record.stream_version(),
              format::DecodeBE64(key.substr(separator + 1)));
  }
  ASSERT_TRUE(streams->status().ok()) << streams->status().ToString();
  EXPECT_EQ(entries, all.size());
  entries = 0;
  std::unique_ptr<rocksdb::Iterator> tags =
      log.rocks_db()->NewIterator(Cf::kTags, rocksdb::ReadOptions());
  for (tags->SeekToFirst(); tags->Valid(); tags->Next(), ++entries) {
    const std::string key = tags->key().ToString();
    const uint64_t position = format::DecodeBE64(key.substr(key.size() - 8));
    ASSERT_GE(position, 1u);
    ASSERT_LE(position, all.size()) << "the tag index names a lost event";
    ASSERT_EQ(all[position - 1].record.tags_size(), 1);
    EXPECT_EQ(key.substr(0, key.size() - 9), all[position - 1].record.tags(0));
  }
  ASSERT_TRUE(tags->status().ok()) << tags->status().ToString();
  EXPECT_EQ(entries, all.size());

  // Heads agree with the log; ReadStream serves the latest versions.
  for (const auto& [stream_id, next] : next_version) {
    absl::StatusOr<std::optional<uint64_t>> version =
        log.StreamVersion(stream_id);
    ASSERT_TRUE(version.ok()) << version.status();
    ASSERT_TRUE(version->has_value()) << stream_id;
    EXPECT_EQ(**version, next - 1) << stream_id;
    absl::StatusOr<std::vector<RecordedEvent>> latest = log.ReadStream(
        stream_id, UINT64_MAX, ReadDirection::kBackward, 1, false);
    ASSERT_TRUE(latest.ok()) << latest.status();
    ASSERT_EQ(latest->size(), 1u) << stream_id;
    EXPECT_EQ(latest->front().record.stream_version(), next - 1) << stream_id;
  }

  absl::StatusOr<VerifyResult> verified = log.VerifyChain(0, 0);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(verified->ok) << "position " << verified->first_bad_position
                            << ": " << verified->problem;
  EXPECT_EQ(verified->checked, head.position);

  // An acknowledged command retried after the crash is replayed, not
  // written again.
  if (!acked.empty()) {
    const Ack& ack = acked.rbegin()->second;
    AppendRequest retry;
    retry.principal = kPrincipal;
    retry.command_id = ack.command_id;
    retry.fingerprint = ack.command_id;
    retry.streams.push_back({ack.streams[0].stream_id,
                             ExpectedVersion::Any(),
                             {NewEvent{.type = "CrashTestEvent"}}});
    absl::StatusOr<AppendResult> replay = log.AppendAndWait(retry);
    ASSERT_TRUE(replay.ok()) << replay.status();
    EXPECT_TRUE(replay->replayed);
    EXPECT_EQ(replay->first_position, ack.first_position);
    EXPECT_EQ(replay->last_position, ack.last_position);
    EXPECT_EQ(log.GetChainHead().position, head.position);
  }
}

TEST(CrashTest, SigkillLosesNoAcknowledgedAppendAndLeavesNoPartialOne) {
  kamgov::testing::TempDir dir;
  const std::string store = dir.path() + "/store";
  const uint64_t seed = std::random_device{}();
  RecordProperty("seed", std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> run_ms(kMinRunMs, kMaxRunMs);

  std::map<std::string, Ack> acked;
  uint64_t committed_unacked = 0;
  for (int run = 0; run < kRuns; ++run) {
    const int ms = run_ms(rng);
    // Every fourth run may be killed before its first append, even while
    // RocksDB recovers the previous run's WAL.
    const bool after_first_ack = run % 4 != 3;
    SCOPED_TRACE(absl::StrCat("seed ", seed, ", run ", run, " killed ", ms,
                              " ms after ",
                              after_first_ack ? "its first ack" : "spawn"));
    ChildRun child = RunAndKill(store, run, ms, after_first_ack);
    ASSERT_TRUE(WIFSIGNALED(child.wait_status) &&
                WTERMSIG(child.wait_status) == SIGKILL)
        << "crash_writer ended by itself, wait status " << child.wait_status;
    for (const std::string& line : child.lines) {
      Ack ack;
      ASSERT_TRUE(ParseAck(line, &ack)) << "bad child line: " << line;
      ASSERT_TRUE(acked.emplace(ack.command_id, ack).second)
          << "command id acknowledged twice: " << ack.command_id;
    }
    // Guards against a vacuous pass: the kill came under load.
    if (after_first_ack) {
      ASSERT_FALSE(child.lines.empty())
          << "crash_writer acknowledged nothing in " << kFirstAckTimeout.count()
          << " s";
    }

    CheckStats stats;
    CheckStore(store, acked, &stats);
    if (HasFatalFailure()) return;
    committed_unacked = stats.commands - acked.size();
  }
  RecordProperty("acknowledged_appends", std::to_string(acked.size()));
  RecordProperty("committed_but_unacknowledged",
                 std::to_string(committed_unacked));
  std::printf(
      "%d runs: %zu acknowledged appends, %llu committed but not "
      "acknowledged at the kill\n",
      kRuns, acked.size(), static_cast<unsigned long long>(committed_unacked));
}

}  // namespace
}  // namespace kamgov::eventstore
