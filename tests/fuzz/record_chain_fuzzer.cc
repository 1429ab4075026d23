// Fuzzes what reads stored bytes back: the record decoder (EventRecord),
// the other stored values (heads, chain head, command outcomes, personal
// parts through ToApiEvent), the export lines, and the hash-chain
// verification procedure of docs/hash-chain.md (cmd/verify_chain.py's
// steps) over a small in-memory chain built from the input.
//
// Input: one op byte, then chunks of [u16 little-endian length][bytes] (a
// short last chunk takes the rest). Chunks 0..7 are records; chunk 8+i is
// record i's personal part. The op byte picks the chain's first position
// and which byte of which record a tamper test flips.
//
// Invariants: decoders never crash and round-trip what they accept; an
// event converted for the API can be serialized and parsed back by a
// client; the untampered chain verifies; flipping any record byte makes
// verification fail at exactly that record's position.

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "eventstore/command_outcome.h"
#include "eventstore/event_log.h"
#include "eventstore/export.h"
#include "eventstore/format.h"
#include "eventstore/hash_chain.h"
#include "kamgov/v1/event.pb.h"
#include "services/event_conversion.h"
#include "tests/fuzz/fuzz_check.h"

namespace kamgov::eventstore {
namespace {

constexpr size_t kMaxRecords = 8;

std::vector<std::string> Chunks(const uint8_t* data, size_t size) {
  std::vector<std::string> chunks;
  size_t i = 0;
  while (i < size && chunks.size() < 2 * kMaxRecords) {
    if (size - i < 2) {
      chunks.emplace_back(reinterpret_cast<const char*>(data + i), size - i);
      break;
    }
    size_t length = data[i] | (size_t{data[i + 1]} << 8);
    i += 2;
    length = std::min(length, size - i);
    chunks.emplace_back(reinterpret_cast<const char*>(data + i), length);
    i += length;
  }
  return chunks;
}

// The value of `"key": ` in an export line: a quoted string or a number.
std::optional<std::string> Field(const std::string& line,
                                 const std::string& key) {
  const std::string marker = absl::StrCat("\"", key, "\": ");
  size_t at = line.find(marker);
  if (at == std::string::npos) return std::nullopt;
  at += marker.size();
  if (line[at] == '"') {
    const size_t end = line.find('"', at + 1);
    if (end == std::string::npos) return std::nullopt;
    return line.substr(at + 1, end - at - 1);
  }
  const size_t end = line.find_first_of(",}", at);
  return line.substr(at, end - at);
}

// docs/hash-chain.md over export lines, as cmd/verify_chain.py does it:
// the position of the first bad line, or 0 when the chain verifies.
uint64_t FirstBadPosition(const std::vector<std::string>& lines) {
  std::string previous = GenesisHash();
  uint64_t position = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    std::optional<std::string> p = Field(line, "position");
    std::optional<std::string> record64 = Field(line, "record");
    std::optional<std::string> hash_hex = Field(line, "hash");
    uint64_t p_value = 0;
    std::string record;
    std::string stored;
    if (!p || !record64 || !hash_hex || !absl::SimpleAtoi(*p, &p_value) ||
        !absl::Base64Unescape(*record64, &record)) {
      return position + 1;
    }
    stored = absl::HexStringToBytes(*hash_hex);
    if (i == 0 && p_value > 1) {
      std::optional<std::string> prev_hex = Field(line, "prev_hash");
      if (!prev_hex) return p_value;
      previous = absl::HexStringToBytes(*prev_hex);
      position = p_value - 1;
    }
    if (p_value != position + 1) return position + 1;
    previous = ChainHash(previous, p_value, record);
    position = p_value;
    if (previous != stored) return p_value;
  }
  return 0;
}

void FuzzStoredValues(const std::string& bytes) {
  uint64_t version = 0;
  uint64_t position = 0;
  if (format::DecodeHead(bytes, &version, &position)) {
    FUZZ_CHECK(format::EncodeHead(version, position) == bytes, "head");
  }
  std::string hash;
  if (format::DecodeChainHead(bytes, &position, &hash)) {
    FUZZ_CHECK(format::EncodeChainHead(position, hash) == bytes, "chain head");
  }
  if (bytes.size() >= 8) {
    FUZZ_CHECK(format::BE64(format::DecodeBE64(bytes)) == bytes.substr(0, 8),
               "BE64");
  }
  absl::StatusOr<CommandOutcome> outcome = DecodeCommandOutcome(bytes);
  if (outcome.ok()) {
    FUZZ_CHECK(outcome->result.replayed, "a stored outcome is a replay");
    absl::StatusOr<CommandOutcome> again = DecodeCommandOutcome(
        EncodeCommandOutcome(outcome->result, outcome->fingerprint));
    FUZZ_CHECK(again.ok(), "re-encoded outcome decodes");
    FUZZ_CHECK(again->fingerprint == outcome->fingerprint, "fingerprint");
    FUZZ_CHECK(again->result.last_position == outcome->result.last_position,
               "last position");
    FUZZ_CHECK(again->result.event_ids == outcome->result.event_ids,
               "event ids");
    FUZZ_CHECK(again->result.streams.size() == outcome->result.streams.size(),
               "streams");
  } else {
    FUZZ_CHECK(outcome.status().code() == absl::StatusCode::kDataLoss,
               outcome.status().ToString());
  }
}

}  // namespace
}  // namespace kamgov::eventstore

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = kamgov::fuzz::QuietProtobuf();
  (void)quiet;
  using namespace kamgov::eventstore;  // NOLINT: harness
  if (size == 0) return 0;
  const uint8_t op = data[0];
  std::vector<std::string> chunks = Chunks(data + 1, size - 1);
  const size_t records = std::min(chunks.size(), kMaxRecords);
  if (records == 0) return 0;
  for (const std::string& chunk : chunks) FuzzStoredValues(chunk);

  // A chain of the records, starting at 1 or later (an export range).
  const uint64_t first = 1 + op % 4;
  const std::string before =
      first == 1 ? std::string() : ChainHash(GenesisHash(), first - 1, "");
  std::string previous = first == 1 ? GenesisHash() : before;
  std::vector<RecordedEvent> events;
  for (size_t i = 0; i < records; ++i) {
    RecordedEvent event;
    event.position = first + i;
    event.record_bytes = chunks[i];
    event.hash = ChainHash(previous, event.position, event.record_bytes);
    previous = event.hash;
    if (event.record.ParseFromString(event.record_bytes)) {
      // What the store accepts it re-encodes to a record that parses again.
      kamgov::v1::EventRecord again;
      FUZZ_CHECK(again.ParseFromString(event.record.SerializeAsString()),
                 "a parsed record re-parses");
    } else {
      // The store reports such a record as DATA_LOSS and serves nothing of
      // it; what a failed parse left behind is not an event.
      event.record.Clear();
    }
    if (kMaxRecords + i < chunks.size()) {
      event.personal = chunks[kMaxRecords + i];
    }
    // What readers receive must be readable by a client.
    kamgov::v1::Event api;
    kamgov::services::ToApiEvent(event, &api);
    kamgov::v1::Event parsed;
    FUZZ_CHECK(parsed.ParseFromString(api.SerializeAsString()),
               absl::StrCat("the API event of position ", event.position,
                            " does not parse back"));
    FUZZ_CHECK(parsed.record_bytes() == event.record_bytes, "record bytes");
    events.push_back(std::move(event));
  }

  std::vector<std::string> lines;
  for (size_t i = 0; i < events.size(); ++i) {
    const std::string line =
        JsonlExportLine(events[i], i == 0 ? before : std::string());
    FUZZ_CHECK(!line.empty() && line.back() == '\n' &&
                   std::count(line.begin(), line.end(), '\n') == 1,
               "one JSONL line per event");
    const std::string csv =
        CsvExportLine(events[i], i == 0 ? before : std::string());
    FUZZ_CHECK(std::count(csv.begin(), csv.end(), ',') == 4,
               "five CSV fields, none quoted");
    lines.push_back(line);
  }
  FUZZ_CHECK(FirstBadPosition(lines) == 0, "an untampered chain verifies");

  // Flip one byte of one record: verification must fail exactly there.
  const size_t victim = (op >> 2) % events.size();
  if (!events[victim].record_bytes.empty()) {
    RecordedEvent tampered = events[victim];
    tampered.record_bytes[(size_t{op} * 31) % tampered.record_bytes.size()] ^=
        0x01;
    std::vector<std::string> bad = lines;
    bad[victim] =
        JsonlExportLine(tampered, victim == 0 ? before : std::string());
    FUZZ_CHECK(FirstBadPosition(bad) == tampered.position,
               "a flipped record byte is caught at its position");
  }
  return 0;
}
