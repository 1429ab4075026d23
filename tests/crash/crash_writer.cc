// crash_writer: the child process of crash_test. It opens a RocksEventLog and
// appends from several threads until it is killed, printing one line per
// acknowledged append, flushed before the next append of that thread:
//
//   ACK <command_id> <first_position> <last_position> <events>
//       <stream>:<first_version>:<last_version> ...      (one line)
//
// Every append has a unique command id "r<run>-t<thread>-<n>". Event k of
// an append of N events (k counted across its streams, in append order)
// carries main = "<command_id>/<k>/<N>", so the parent can tell from the
// log alone whether an append is complete. Some events carry a personal
// part "personal:<command_id>/<k>", so the chain covers personal digests.
//
// Usage: crash_writer <store_dir> <run> [threads]. Exit code 2 on any error
// (it should never exit by itself: the parent kills it with SIGKILL).

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "eventstore/rocks_event_log.h"

namespace kamgov::eventstore {
namespace {

constexpr int kStreams = 6;

ABSL_CONST_INIT absl::Mutex stdout_mu(absl::kConstInit);

// One write(2) per line under a mutex: lines never interleave, and nothing
// is buffered in the process when the kill arrives.
void WriteLine(const std::string& line) ABSL_LOCKS_EXCLUDED(stdout_mu) {
  absl::MutexLock lock(&stdout_mu);
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = write(STDOUT_FILENO, line.data() + done, line.size() - done);
    if (n <= 0) _exit(2);
    done += static_cast<size_t>(n);
  }
}

[[noreturn]] void Fail(const std::string& message) {
  fprintf(stderr, "crash_writer: %s\n", message.c_str());
  _exit(2);
}

void AppendForever(EventLog* log, int run, int thread) {
  std::mt19937_64 rng(std::random_device{}());
  for (uint64_t n = 0;; ++n) {
    AppendRequest request;
    request.principal = "crash-writer";
    request.command_id = absl::StrCat("r", run, "-t", thread, "-", n);
    request.fingerprint = request.command_id;
    // Half the appends touch one stream, the others 2 or 3, each with 1 to
    // 4 events, so groups mix single- and multi-stream appends.
    const int stream_count =
        rng() % 2 == 0 ? 1 : 2 + static_cast<int>(rng() % 2);
    const int first_stream = static_cast<int>(rng() % kStreams);
    for (int s = 0; s < stream_count; ++s) {
      StreamAppend& stream = request.streams.emplace_back();
      stream.stream_id = absl::StrCat("crash-", (first_stream + s) % kStreams);
      stream.events.resize(1 + rng() % 4);
    }
    size_t total = 0;
    for (const StreamAppend& stream : request.streams) {
      total += stream.events.size();
    }
    size_t k = 0;
    for (StreamAppend& stream : request.streams) {
      for (NewEvent& event : stream.events) {
        const std::string id = absl::StrCat(request.command_id, "/", k++);
        event.type = "CrashTestEvent";
        event.tags = {absl::StrCat("run:", run)};
        event.main = absl::StrCat(id, "/", total);
        if (rng() % 3 == 0) event.personal = absl::StrCat("personal:", id);
      }
    }
    absl::StatusOr<AppendResult> result = log->AppendAndWait(request);
    if (!result.ok()) Fail(result.status().ToString());
    std::string line =
        absl::StrCat("ACK ", request.command_id, " ", result->first_position,
                     " ", result->last_position, " ", total);
    for (const StreamAppendResult& s : result->streams) {
      absl::StrAppend(&line, " ", s.stream_id, ":", s.first_version, ":",
                      s.last_version);
    }
    line += "\n";
    WriteLine(line);
  }
}

int Main(int argc, char** argv) {
  int run = 0, threads = 4;
  if (argc < 3 || !absl::SimpleAtoi(argv[2], &run) ||
      (argc > 3 && !absl::SimpleAtoi(argv[3], &threads)) || threads < 1) {
    Fail("usage: crash_writer <store_dir> <run> [threads]");
  }
  RocksEventLogOptions options;
  options.path = argv[1];
  absl::StatusOr<std::unique_ptr<RocksEventLog>> log =
      RocksEventLog::Open(std::move(options));
  if (!log.ok()) Fail(log.status().ToString());
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back(AppendForever, log->get(), run, t);
  }
  for (std::thread& w : workers) w.join();  // never: only SIGKILL ends us
  return 2;
}

}  // namespace
}  // namespace kamgov::eventstore

int main(int argc, char** argv) { return kamgov::eventstore::Main(argc, argv); }
