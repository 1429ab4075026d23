#ifndef KAMGOV_PROJECTIONS_KEYS_H_
#define KAMGOV_PROJECTIONS_KEYS_H_

// The key layout of the read-model store. One RocksDB, default column
// family:
//   m/<name>                    -> Generations (text "S:V[ B:W]")
//   c/<name>/<BE64 generation>  -> BE64 checkpoint (last position applied)
//   r/<name>/<BE64 generation>/<projection's own key> -> row value
// A generation is one build of a projection, at one version. Names are
// [a-z_]+, so "/" ends each one and prefixes never overlap.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace kamgov::projections::keys {

struct Generation {
  uint64_t number = 0;
  uint32_t version = 0;
};

// What the store remembers of a projection: the generation that serves
// queries, and one being built, if any.
struct Generations {
  Generation serving;
  std::optional<Generation> building;
};

std::string Meta(absl::string_view name);
std::string Checkpoint(absl::string_view name, uint64_t generation);
// The prefix of every row of one generation.
std::string RowPrefix(absl::string_view name, uint64_t generation);
// The first key after every key starting with `prefix` (for DeleteRange).
std::string PrefixEnd(absl::string_view prefix);

std::string EncodeGenerations(const Generations& generations);
std::optional<Generations> DecodeGenerations(absl::string_view bytes);

std::string EncodePosition(uint64_t position);
std::optional<uint64_t> DecodePosition(absl::string_view bytes);

// Projection names: 1..64 of [a-z_].
bool IsValidName(absl::string_view name);

}  // namespace kamgov::projections::keys

#endif  // KAMGOV_PROJECTIONS_KEYS_H_
