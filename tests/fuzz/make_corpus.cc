// Writes the seed inputs of the fuzz corpus (tests/fuzz/corpus/<harness>/
// seed-*): real requests and stored records, so that fuzzing starts from
// inputs that reach deep into the code. Run it again only when the schema
// changes; inputs found by fuzzing are added beside the seeds.
//
//   build/tests/fuzz/fuzz_make_corpus tests/fuzz/corpus

#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "domain/decide.h"
#include "eventstore/command_outcome.h"
#include "eventstore/format.h"
#include "eventstore/hash_chain.h"
#include "kamgov/v1/event.pb.h"
#include "kamgov/v1/governance.pb.h"
#include "tests/domain/rule_cases.h"

namespace {

using kamgov::domain::testing::CommandStep;

class Writer {
 public:
  Writer(const std::filesystem::path& root, const std::string& harness)
      : dir_(root / harness) {
    std::filesystem::create_directories(dir_);
  }
  void Add(const std::string& bytes) {
    if (!seen_.insert(bytes).second) return;
    std::ofstream(dir_ / absl::StrFormat("seed-%03d", seen_.size()),
                  std::ios::binary)
        << bytes;
  }
  size_t size() const { return seen_.size(); }

 private:
  std::filesystem::path dir_;
  std::set<std::string> seen_;
};

std::string Execute(const CommandStep& step) {
  kamgov::v1::ExecuteRequest request;
  *request.mutable_meta() = step.meta;
  *request.mutable_command() = step.command;
  return request.SerializeAsString();
}

std::string Chunk(const std::string& bytes) {
  const size_t n = std::min<size_t>(bytes.size(), 0xffff);
  std::string out;
  out.push_back(static_cast<char>(n & 0xff));
  out.push_back(static_cast<char>(n >> 8));
  return out + bytes.substr(0, n);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_make_corpus CORPUS_DIR\n";
    return 2;
  }
  const std::filesystem::path root(argv[1]);

  // decide: every step of the rule table (setups, passing, breaking).
  Writer decide(root, "decide");
  for (const auto& rule_case : kamgov::domain::testing::RuleCases()) {
    decide.Add(Execute(rule_case.passing));
    decide.Add(Execute(rule_case.breaking));
  }
  for (const CommandStep& step : kamgov::domain::testing::World()) {
    decide.Add(Execute(step));
  }

  // record_chain: the records a real log holds for the World's events,
  // with their personal parts, in groups of up to eight, plus the other
  // stored values.
  std::vector<std::string> records;
  std::vector<std::string> personals;
  kamgov::domain::GovernanceState state;
  uint64_t position = 0;
  for (const CommandStep& step : kamgov::domain::testing::World()) {
    absl::StatusOr<kamgov::domain::Decision> decision =
        kamgov::domain::testing::RunStep(state, step);
    if (!decision.ok()) continue;
    for (const kamgov::domain::DomainEvent& event : decision->events) {
      kamgov::v1::EventRecord record;
      record.set_event_id(absl::StrFormat("00000000-0000-4000-8000-%012d",
                                          static_cast<int>(++position)));
      record.set_stream_id(event.stream_id);
      record.set_position(position);
      record.set_type(event.type);
      for (const std::string& tag : event.tags) record.add_tags(tag);
      record.set_recorded_at_us(step.now_us);
      record.set_principal("svc:seed");
      record.set_acting_person(step.meta.acting_person());
      record.set_command_id(step.meta.command_id());
      record.set_main(event.main);
      const std::string personal = event.personal.SerializeAsString();
      record.set_personal_digest(kamgov::eventstore::PersonalDigest(
          std::string(kamgov::eventstore::format::kSaltSize, 's'), personal));
      records.push_back(record.SerializeAsString());
      personals.push_back(personal);
    }
  }
  Writer chain(root, "record_chain");
  for (size_t first = 0; first < records.size(); first += 3) {
    std::string input(1, static_cast<char>(first));
    const size_t n = std::min<size_t>(8, records.size() - first);
    for (size_t i = 0; i < n; ++i) input += Chunk(records[first + i]);
    for (size_t i = 0; i < n; ++i) input += Chunk(personals[first + i]);
    chain.Add(input);
  }
  kamgov::eventstore::AppendResult result;
  result.first_position = 7;
  result.last_position = 9;
  result.streams.push_back({"account-acme", 1, 3});
  result.event_ids = {"e1", "e2", "e3"};
  chain.Add(std::string(1, '\0') +
            Chunk(kamgov::eventstore::EncodeCommandOutcome(result, "fp")) +
            Chunk(kamgov::eventstore::format::EncodeHead(3, 9)) +
            Chunk(kamgov::eventstore::format::EncodeChainHead(
                9, kamgov::eventstore::GenesisHash())));

  // validate_append: the reader takes values, not a layout; a few shapes.
  Writer append(root, "validate_append");
  append.Add("");
  append.Add(std::string(64, '\x01'));
  append.Add(std::string(256, '\x07'));
  append.Add(
      "svc:seed\x01\x02\x03 account-acme AccountDesignated account:acme");

  std::cout << "seeds: decide " << decide.size() << ", record_chain "
            << chain.size() << ", validate_append " << append.size() << "\n";
  return 0;
}
