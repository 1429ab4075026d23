#include "tests/services/governance_fixture.h"

#include <openssl/evp.h>

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "eventstore/hash_chain.h"
#include "google/protobuf/text_format.h"

namespace kamgov::services::testing {
namespace {

template <typename State>
void AppendSections(absl::string_view kind,
                    const std::map<std::string, State>& states,
                    std::string* out) {
  for (const auto& [id, state] : states) {
    std::string text;
    google::protobuf::TextFormat::PrintToString(state, &text);
    absl::StrAppend(out, "\n[", kind, " ", id, "]\n", text);
  }
}

template <typename State>
absl::Status ParseInto(const std::string& id, const std::string& text,
                       std::map<std::string, State>* states) {
  State state;
  if (!google::protobuf::TextFormat::ParseFromString(text, &state)) {
    return absl::InvalidArgumentError(
        absl::StrCat("section of '", id, "' does not parse"));
  }
  if (!states->emplace(id, std::move(state)).second) {
    return absl::InvalidArgumentError(absl::StrCat("duplicate '", id, "'"));
  }
  return absl::OkStatus();
}

}  // namespace

GoldenStates StatesOf(const domain::GovernanceState& state) {
  GoldenStates out;
  out.programs.insert(state.programs().begin(), state.programs().end());
  out.persons.insert(state.persons().begin(), state.persons().end());
  out.accounts.insert(state.accounts().begin(), state.accounts().end());
  out.escalations.insert(state.escalations().begin(),
                         state.escalations().end());
  return out;
}

std::string FormatGoldenStates(const GoldenStates& states,
                               absl::string_view comment) {
  std::string out;
  for (absl::string_view line : absl::StrSplit(comment, '\n')) {
    absl::StrAppend(&out, "# ", line, "\n");
  }
  AppendSections("program", states.programs, &out);
  AppendSections("person", states.persons, &out);
  AppendSections("account", states.accounts, &out);
  AppendSections("escalation", states.escalations, &out);
  return out;
}

absl::StatusOr<GoldenStates> ParseGoldenStates(absl::string_view text) {
  GoldenStates states;
  std::string kind, id, body;
  bool in_section = false;
  auto flush = [&]() -> absl::Status {
    if (!in_section) return absl::OkStatus();
    if (kind == "program") return ParseInto(id, body, &states.programs);
    if (kind == "person") return ParseInto(id, body, &states.persons);
    if (kind == "account") return ParseInto(id, body, &states.accounts);
    if (kind == "escalation") return ParseInto(id, body, &states.escalations);
    return absl::InvalidArgumentError(
        absl::StrCat("unknown kind '", kind, "'"));
  };
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StartsWith(line, "[") && absl::EndsWith(line, "]")) {
      if (absl::Status s = flush(); !s.ok()) return s;
      std::vector<std::string> header =
          absl::StrSplit(line.substr(1, line.size() - 2), ' ');
      if (header.size() != 2) {
        return absl::InvalidArgumentError(
            absl::StrCat("bad section header '", line, "'"));
      }
      kind = header[0];
      id = header[1];
      body.clear();
      in_section = true;
      continue;
    }
    if (!in_section) {
      if (!line.empty() && !absl::StartsWith(line, "#")) {
        return absl::InvalidArgumentError(
            absl::StrCat("text outside a section: '", line, "'"));
      }
      continue;
    }
    absl::StrAppend(&body, line, "\n");
  }
  if (absl::Status s = flush(); !s.ok()) return s;
  return states;
}

std::string Sha256Hex(absl::string_view bytes) {
  std::string digest(EVP_MAX_MD_SIZE, '\0');
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(),
             reinterpret_cast<unsigned char*>(digest.data()), &size,
             EVP_sha256(), nullptr);
  digest.resize(size);
  return eventstore::ToHex(digest);
}

}  // namespace kamgov::services::testing
