#include "projections/keys.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "eventstore/format.h"

namespace kamgov::projections::keys {
namespace {

std::string GenerationKey(absl::string_view kind, absl::string_view name,
                          uint64_t generation) {
  std::string key = absl::StrCat(kind, name, "/");
  eventstore::format::PutBE64(&key, generation);
  return key;
}

std::optional<Generation> DecodeGeneration(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, ':');
  Generation g;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &g.number) ||
      !absl::SimpleAtoi(parts[1], &g.version)) {
    return std::nullopt;
  }
  return g;
}

}  // namespace

std::string Meta(absl::string_view name) { return absl::StrCat("m/", name); }

std::string Checkpoint(absl::string_view name, uint64_t generation) {
  return GenerationKey("c/", name, generation);
}

std::string RowPrefix(absl::string_view name, uint64_t generation) {
  return GenerationKey("r/", name, generation) + "/";
}

std::string PrefixEnd(absl::string_view prefix) {
  std::string end(prefix);
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff) {
    end.pop_back();
  }
  if (!end.empty()) end.back() = static_cast<char>(end.back() + 1);
  return end;
}

std::string EncodeGenerations(const Generations& g) {
  std::string text = absl::StrCat(g.serving.number, ":", g.serving.version);
  if (g.building.has_value()) {
    absl::StrAppend(&text, " ", g.building->number, ":", g.building->version);
  }
  return text;
}

std::optional<Generations> DecodeGenerations(absl::string_view bytes) {
  std::vector<absl::string_view> parts = absl::StrSplit(bytes, ' ');
  if (parts.empty() || parts.size() > 2) return std::nullopt;
  Generations g;
  std::optional<Generation> serving = DecodeGeneration(parts[0]);
  if (!serving.has_value()) return std::nullopt;
  g.serving = *serving;
  if (parts.size() == 2) {
    g.building = DecodeGeneration(parts[1]);
    if (!g.building.has_value()) return std::nullopt;
  }
  return g;
}

std::string EncodePosition(uint64_t position) {
  return eventstore::format::BE64(position);
}

std::optional<uint64_t> DecodePosition(absl::string_view bytes) {
  if (bytes.size() != 8) return std::nullopt;
  return eventstore::format::DecodeBE64(bytes);
}

bool IsValidName(absl::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!(c == '_' || (c >= 'a' && c <= 'z'))) return false;
  }
  return true;
}

}  // namespace kamgov::projections::keys
