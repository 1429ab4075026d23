// ExportJsonl/ExportCsv against a real store, and cmd/verify_chain.py (the
// stdlib-only offline verifier) run on their output: it accepts a pristine
// dump or range, and names the same position as RocksEventLog::VerifyChain
// when a record is tampered with, in the dump or in RocksDB itself.

#include <stdio.h>
#include <sys/wait.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "eventstore/export.h"
#include "eventstore/format.h"
#include "eventstore/hash_chain.h"
#include "eventstore/rocks_event_log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace kamgov::eventstore {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr uint64_t kEvents = 12;
// This event's personal part is erased before exporting.
constexpr uint64_t kErasedPosition = 4;

struct ScriptResult {
  int exit_code = -1;
  std::string output;
};

// Runs cmd/verify_chain.py with `args` (already shell-safe) and returns its
// exit code and stdout+stderr.
ScriptResult RunVerifier(const std::string& args) {
  const std::string command =
      absl::StrCat(PYTHON3_PATH, " ", KAMGOV_SOURCE_DIR,
                   "/cmd/verify_chain.py ", args, " 2>&1");
  ScriptResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof(buffer), pipe)) > 0;) {
    result.output.append(buffer, n);
  }
  const int status = pclose(pipe);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// The value of a string field of one export line ("" when absent).
std::string Field(const std::string& line, const std::string& name) {
  const std::string key = absl::StrCat("\"", name, "\": \"");
  const size_t start = line.find(key);
  if (start == std::string::npos) return "";
  const size_t end = line.find('"', start + key.size());
  return line.substr(start + key.size(), end - start - key.size());
}

// `line` with one byte of its record flipped.
std::string FlipRecordByte(const std::string& line) {
  const std::string encoded = Field(line, "record");
  std::string record;
  EXPECT_TRUE(absl::Base64Unescape(encoded, &record));
  record[record.size() / 2] ^= 0x01;
  std::string flipped = line;
  flipped.replace(line.find(encoded), encoded.size(),
                  absl::Base64Escape(record));
  return flipped;
}

class ExportVerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RocksEventLogOptions options;
    options.path = dir_.path() + "/store";
    absl::StatusOr<std::unique_ptr<RocksEventLog>> log =
        RocksEventLog::Open(options);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
    // Single- and multi-stream appends, some events with personal parts.
    uint64_t n = 0;
    while (n < kEvents) {
      AppendRequest request;
      request.principal = "export-test";
      request.command_id = absl::StrCat("cmd-", n);
      const int streams = n % 3 == 0 ? 2 : 1;
      for (int s = 0; s < streams; ++s) {
        StreamAppend& stream = request.streams.emplace_back();
        stream.stream_id = absl::StrCat("export-", (n + s) % 4);
        NewEvent& event = stream.events.emplace_back();
        event.type = "ExportTestEvent";
        event.tags = {"test:export"};
        event.main = absl::StrCat("payload-", n + s + 1, "-of-the-test");
        if ((n + s) % 2 == 1) event.personal = absl::StrCat("name ", n + s);
      }
      absl::StatusOr<AppendResult> result = log_->AppendAndWait(request);
      ASSERT_TRUE(result.ok()) << result.status();
      n = result->last_position;
    }
    ASSERT_EQ(log_->GetChainHead().position, kEvents);
    ASSERT_TRUE(log_->ErasePersonal(kErasedPosition).ok());
  }

  std::string Dump(uint64_t from = 0, uint64_t to = 0) {
    std::ostringstream out;
    absl::Status status = ExportJsonl(*log_, from, to, out);
    EXPECT_TRUE(status.ok()) << status;
    return out.str();
  }

  // Writes `text` to a file of the test directory; returns its path.
  std::string DumpFile(const std::string& text, const std::string& name) {
    const std::string path = absl::StrCat(dir_.path(), "/", name);
    WriteFile(path, text);
    return path;
  }

  std::string HashAt(uint64_t position) {
    absl::StatusOr<std::vector<RecordedEvent>> events =
        log_->ReadAll(position - 1, 1, false);
    EXPECT_TRUE(events.ok() && events->size() == 1);
    return ToHex(events->front().hash);
  }

  kamgov::testing::TempDir dir_;
  std::unique_ptr<RocksEventLog> log_;
};

TEST_F(ExportVerifyTest, LinesCarryTheStoredBytesHashAndPersonalPart) {
  const std::vector<std::string> lines = Lines(Dump());
  absl::StatusOr<std::vector<RecordedEvent>> events =
      log_->ReadAll(0, 100, /*include_personal=*/true);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(lines.size(), kEvents);
  ASSERT_EQ(events->size(), kEvents);
  int with_personal = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const RecordedEvent& event = (*events)[i];
    SCOPED_TRACE(lines[i]);
    EXPECT_THAT(lines[i],
                StartsWith(absl::StrCat("{\"position\": ", i + 1, ", ")));
    EXPECT_THAT(lines[i], Not(HasSubstr("prev_hash")));
    std::string record;
    ASSERT_TRUE(absl::Base64Unescape(Field(lines[i], "record"), &record));
    EXPECT_EQ(record, event.record_bytes);
    EXPECT_EQ(Field(lines[i], "hash"), ToHex(event.hash));
    if (event.position == kErasedPosition) {
      EXPECT_TRUE(event.personal_erased);
      EXPECT_THAT(lines[i], Not(HasSubstr("\"personal\"")));
    } else if (event.personal.has_value()) {
      std::string personal;
      ASSERT_TRUE(absl::Base64Unescape(Field(lines[i], "personal"), &personal));
      EXPECT_EQ(personal, *event.personal);
      ++with_personal;
    } else {
      EXPECT_THAT(lines[i], Not(HasSubstr("\"personal\"")));
    }
  }
  EXPECT_GT(with_personal, 0);
}

TEST_F(ExportVerifyTest, PristineDumpVerifiesToTheChainHead) {
  const std::string path = DumpFile(Dump(), "dump.jsonl");
  const ChainHead head = log_->GetChainHead();
  const std::string ok = absl::StrCat("OK ", kEvents, " events, head ", kEvents,
                                      " ", ToHex(head.hash), "\n");
  ScriptResult result = RunVerifier(path);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, ok);

  // From stdin, and against the pinned current head.
  result = RunVerifier(
      absl::StrCat("--head ", kEvents, ":", ToHex(head.hash), " < ", path));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, ok);
}

TEST_F(ExportVerifyTest, PinnedEarlierHeadMustMatchTheDump) {
  const std::string path = DumpFile(Dump(), "dump.jsonl");
  // An auditor pinned (3, hash_3) earlier; the log has grown since.
  ScriptResult result =
      RunVerifier(absl::StrCat("--head 3:", HashAt(3), " ", path));
  EXPECT_EQ(result.exit_code, 0) << result.output;

  std::string wrong = HashAt(3);
  wrong[0] = wrong[0] == '0' ? '1' : '0';
  result = RunVerifier(absl::StrCat("--head 3:", wrong, " ", path));
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output, StartsWith("BAD position 3: "));

  result =
      RunVerifier(absl::StrCat("--head ", kEvents + 5, ":", wrong, " ", path));
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output,
              StartsWith(absl::StrCat("BAD position ", kEvents + 5, ": ")));
}

TEST_F(ExportVerifyTest, FlippedRecordByteInTheDumpIsNamed) {
  const std::vector<std::string> lines = Lines(Dump());
  for (uint64_t position : {uint64_t{1}, uint64_t{7}, kEvents}) {
    SCOPED_TRACE(absl::StrCat("position ", position));
    std::vector<std::string> tampered = lines;
    tampered[position - 1] = FlipRecordByte(tampered[position - 1]);
    ASSERT_NE(tampered[position - 1], lines[position - 1]);
    const std::string path =
        DumpFile(absl::StrJoin(tampered, "\n") + "\n", "tampered.jsonl");
    ScriptResult result = RunVerifier(path);
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_THAT(result.output,
                StartsWith(absl::StrCat("BAD position ", position, ": ")));
  }
}

TEST_F(ExportVerifyTest, MissingLineInTheDumpIsNamed) {
  std::vector<std::string> lines = Lines(Dump());
  lines.erase(lines.begin() + 5);  // position 6
  const std::string path =
      DumpFile(absl::StrJoin(lines, "\n") + "\n", "gap.jsonl");
  ScriptResult result = RunVerifier(path);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output, StartsWith("BAD position 6: "));
}

TEST_F(ExportVerifyTest, FlippedByteInRocksDbIsNamedByStoreAndScriptAlike) {
  constexpr uint64_t kTampered = 7;
  const std::string key = format::PositionKey(kTampered);
  RocksDb* db = log_->rocks_db();
  absl::StatusOr<std::optional<std::string>> stored = db->Get(Cf::kEvents, key);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  // Flip a byte of the payload, so the record still decodes and only the
  // chain can tell.
  std::string record = **stored;
  const size_t at = record.find(absl::StrCat("payload-", kTampered, "-"));
  ASSERT_NE(at, std::string::npos);
  record[at + 3] ^= 0x01;
  ASSERT_TRUE(
      db->db()
          ->Put(rocksdb::WriteOptions(), db->cf(Cf::kEvents), key, record)
          .ok());

  absl::StatusOr<VerifyResult> verified = log_->VerifyChain(0, 0);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_FALSE(verified->ok);
  EXPECT_EQ(verified->first_bad_position, kTampered);

  const std::string path = DumpFile(Dump(), "fresh.jsonl");
  ScriptResult result = RunVerifier(path);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output,
              StartsWith(absl::StrCat("BAD position ",
                                      verified->first_bad_position, ": ")));
}

TEST_F(ExportVerifyTest, RangeDumpVerifiesFromItsPrevHash) {
  const std::string dump = Dump(5, 9);
  const std::vector<std::string> lines = Lines(dump);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(Field(lines[0], "prev_hash"), HashAt(4));
  EXPECT_THAT(lines[0], StartsWith("{\"position\": 5, \"prev_hash\": "));
  EXPECT_THAT(lines[1], Not(HasSubstr("prev_hash")));

  ScriptResult result = RunVerifier(DumpFile(dump, "range.jsonl"));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output,
            absl::StrCat("OK 5 events, head 9 ", HashAt(9), "\n"));

  // A range must carry the right hash_{from-1}.
  std::string wrong = dump;
  const std::string prev = HashAt(4);
  std::string other = prev;
  other[10] = other[10] == 'a' ? 'b' : 'a';
  wrong.replace(wrong.find(prev), prev.size(), other);
  result = RunVerifier(DumpFile(wrong, "range-wrong.jsonl"));
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output, StartsWith("BAD position 5: "));

  // Without prev_hash a range cannot be verified.
  std::string bare = dump;
  const std::string field = absl::StrCat(", \"prev_hash\": \"", prev, "\"");
  bare.erase(bare.find(field), field.size());
  result = RunVerifier(DumpFile(bare, "range-bare.jsonl"));
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output, StartsWith("BAD position 5: "));

  // A prefix of the log needs no prev_hash.
  result = RunVerifier(DumpFile(Dump(1, 4), "prefix.jsonl"));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output,
            absl::StrCat("OK 4 events, head 4 ", HashAt(4), "\n"));
}

TEST_F(ExportVerifyTest, RangeLimits) {
  EXPECT_EQ(Dump(kEvents + 1, 0), "");
  EXPECT_EQ(Lines(Dump(kEvents, kEvents + 100)).size(), 1u);
  std::ostringstream out;
  EXPECT_EQ(ExportJsonl(*log_, 9, 5, out).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(out.str(), "");
}

TEST_F(ExportVerifyTest, CsvCarriesTheSameFields) {
  std::ostringstream out;
  ASSERT_TRUE(ExportCsv(*log_, 5, 0, out).ok());
  const std::vector<std::string> rows = Lines(out.str());
  const std::vector<std::string> jsonl = Lines(Dump(5, 0));
  ASSERT_EQ(rows.size(), kEvents - 4 + 1);
  EXPECT_EQ(rows[0], "position,prev_hash,hash,record,personal");
  for (size_t i = 1; i < rows.size(); ++i) {
    const std::vector<std::string> cells =
        absl::StrSplit(rows[i], ',', absl::AllowEmpty());
    ASSERT_EQ(cells.size(), 5u) << rows[i];
    const std::string& line = jsonl[i - 1];
    EXPECT_EQ(cells[0], std::to_string(4 + i));
    EXPECT_EQ(cells[1], Field(line, "prev_hash"));
    EXPECT_EQ(cells[2], Field(line, "hash"));
    EXPECT_EQ(cells[3], Field(line, "record"));
    EXPECT_EQ(cells[4], Field(line, "personal"));
  }
  EXPECT_EQ(rows[1].substr(0, 2), "5,");
  EXPECT_EQ(rows[1].find(",,"), std::string::npos);  // prev_hash is filled
}

TEST_F(ExportVerifyTest, FailingOutputStopsTheExport) {
  int calls = 0;
  absl::Status status = ExportLines(
      *log_, 0, 0, ExportFormat::kJsonl, [&calls](absl::string_view) {
        return ++calls == 3 ? absl::CancelledError("client went away")
                            : absl::OkStatus();
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(calls, 3);
}

}  // namespace
}  // namespace kamgov::eventstore
