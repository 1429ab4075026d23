// Schema evolution: tests/fixtures/v1_log.jsonl is a log made by kamgov v1
// (governance_fixture_gen.cc) and tests/fixtures/v1_states.textproto the
// states it folds to. Every later version must still read it: the file is
// pinned by its SHA-256, its hash chain verifies (the cmd/verify_chain.py
// procedure), every record decodes and folds (domain::GovernanceState), and
// the fold equals the golden states. This test only reads the fixture; to
// regenerate it deliberately, see governance_fixture_gen.cc.

#include "tests/services/governance_fixture.h"

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "domain/event.h"
#include "domain/state.h"
#include "eventstore/hash_chain.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "kamgov/v1/event.pb.h"

namespace kamgov::services::testing {
namespace {

using google::protobuf::util::MessageDifferencer;

// SHA-256 of tests/fixtures/v1_log.jsonl as generated. Never change it to
// make this test pass: a different file means the v1 fixture was lost.
constexpr char kFixtureSha256[] =
    "840303b20d6034c944d0f43609a5fb8ab2a0d8884fa9f3d04b030d97513e5eec";

std::string ReadFile(const std::string& name) {
  std::ifstream in(std::string(KAMGOV_FIXTURES_DIR) + "/" + name,
                   std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// One exported line.
struct Line {
  uint64_t position = 0;
  std::string record_bytes;
  std::string hash;
  std::optional<std::string> personal;
};

absl::StatusOr<Line> ParseLine(const std::string& json) {
  google::protobuf::Struct object;
  if (!google::protobuf::util::JsonStringToMessage(json, &object).ok()) {
    return absl::InvalidArgumentError("not JSON: " + json);
  }
  const auto& fields = object.fields();
  if (!fields.contains("position") || !fields.contains("record") ||
      !fields.contains("hash")) {
    return absl::InvalidArgumentError("missing keys: " + json);
  }
  Line line;
  line.position = static_cast<uint64_t>(fields.at("position").number_value());
  if (!absl::Base64Unescape(fields.at("record").string_value(),
                            &line.record_bytes)) {
    return absl::InvalidArgumentError("record is not base64");
  }
  line.hash = absl::HexStringToBytes(fields.at("hash").string_value());
  if (fields.contains("personal")) {
    std::string personal;
    if (!absl::Base64Unescape(fields.at("personal").string_value(),
                              &personal)) {
      return absl::InvalidArgumentError("personal is not base64");
    }
    line.personal = std::move(personal);
  }
  return line;
}

TEST(GovernanceFixture, V1LogIsPinned) {
  const std::string log = ReadFile(kFixtureLogFile);
  ASSERT_FALSE(log.empty()) << "missing tests/fixtures/" << kFixtureLogFile;
  EXPECT_EQ(Sha256Hex(log), kFixtureSha256)
      << "tests/fixtures/" << kFixtureLogFile
      << " changed: the v1 fixture must never be rewritten";
}

TEST(GovernanceFixture, V1LogVerifiesAndFoldsToTheGoldenStates) {
  const std::string log = ReadFile(kFixtureLogFile);
  ASSERT_FALSE(log.empty());
  std::istringstream lines(log);
  std::string json;
  std::string previous = eventstore::GenesisHash();
  uint64_t position = 0;
  domain::GovernanceState fold;
  std::set<std::string> types;
  std::set<std::string> event_ids;
  int64_t recorded_at = 0;
  while (std::getline(lines, json)) {
    if (json.empty()) continue;
    absl::StatusOr<Line> line = ParseLine(json);
    ASSERT_TRUE(line.ok()) << line.status();
    // The chain, as cmd/verify_chain.py checks it.
    ASSERT_EQ(line->position, position + 1) << "a gap or reordering";
    position = line->position;
    previous = eventstore::ChainHash(previous, position, line->record_bytes);
    ASSERT_EQ(previous, line->hash) << "hash of position " << position;

    v1::EventRecord record;
    ASSERT_TRUE(record.ParseFromString(line->record_bytes)) << position;
    EXPECT_EQ(record.position(), position);
    EXPECT_TRUE(event_ids.insert(record.event_id()).second);
    EXPECT_GE(record.recorded_at_us(), recorded_at) << position;
    recorded_at = record.recorded_at_us();
    if (record.principal() == "system:scheduler") {
      EXPECT_EQ(record.acting_person(), "") << position;
    } else {
      EXPECT_EQ(record.principal(), "svc:fixture-v1") << position;
      EXPECT_FALSE(record.acting_person().empty()) << position;
      EXPECT_FALSE(record.command_id().empty()) << position;
    }
    if (line->personal.has_value()) {
      v1::PersonalPart personal;
      EXPECT_TRUE(personal.ParseFromString(*line->personal)) << position;
      EXPECT_FALSE(record.personal_digest().empty()) << position;
    }
    types.insert(record.type());
    absl::Status applied = fold.Apply(record);
    ASSERT_TRUE(applied.ok()) << position << ": " << applied;
  }
  ASSERT_GT(position, 0u);
  for (absl::string_view type : domain::EventTypes()) {
    EXPECT_TRUE(types.count(std::string(type)))
        << "the fixture has no " << type << " event";
  }

  absl::StatusOr<GoldenStates> golden =
      ParseGoldenStates(ReadFile(kFixtureStatesFile));
  ASSERT_TRUE(golden.ok()) << golden.status();
  const GoldenStates folded = StatesOf(fold);
  auto expect_equal = [](const auto& want, const auto& got,
                         absl::string_view kind) {
    ASSERT_EQ(want.size(), got.size()) << kind;
    for (const auto& [id, state] : want) {
      auto it = got.find(id);
      ASSERT_NE(it, got.end()) << kind << " " << id;
      EXPECT_TRUE(MessageDifferencer::Equals(state, it->second))
          << kind << " " << id << ":\nwant " << state.ShortDebugString()
          << "\ngot  " << it->second.ShortDebugString();
    }
  };
  ASSERT_FALSE(golden->accounts.empty());
  expect_equal(golden->programs, folded.programs, "program");
  expect_equal(golden->persons, folded.persons, "person");
  expect_equal(golden->accounts, folded.accounts, "account");
  expect_equal(golden->escalations, folded.escalations, "escalation");
}

TEST(GovernanceFixture, GoldenStatesFormatRoundTrips) {
  GoldenStates states;
  states.programs["emea"].set_program_id("emea");
  states.accounts["a.b-c"].set_account_id("a.b-c");
  states.accounts["a.b-c"].set_weighted_score(7.1);
  absl::StatusOr<GoldenStates> parsed =
      ParseGoldenStates(FormatGoldenStates(states, "two\nlines"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->accounts.size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals(parsed->accounts.at("a.b-c"),
                                         states.accounts.at("a.b-c")));
  EXPECT_EQ(parsed->programs.at("emea").program_id(), "emea");
  EXPECT_FALSE(ParseGoldenStates("[planet mars]\n").ok());
  EXPECT_FALSE(ParseGoldenStates("[account x]\nno_such_field: 1\n").ok());
  EXPECT_FALSE(ParseGoldenStates("stray text\n").ok());
}

}  // namespace
}  // namespace kamgov::services::testing
