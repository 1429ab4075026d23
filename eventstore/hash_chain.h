#ifndef KAMGOV_EVENTSTORE_HASH_CHAIN_H_
#define KAMGOV_EVENTSTORE_HASH_CHAIN_H_

// The hash chain that lets anyone prove the log was not altered
// (docs/hash-chain.md):
//   hash_0 = 32 zero bytes
//   hash_p = SHA-256(hash_{p-1} || BE64(p) || record_bytes)
// Pure functions over OpenSSL's SHA-256; any thread.

#include <cstdint>
#include <initializer_list>
#include <string>

#include "absl/strings/string_view.h"

namespace kamgov::eventstore {

// SHA-256 of the concatenation of `parts` (32 bytes).
std::string Sha256(std::initializer_list<absl::string_view> parts);

// 32 zero bytes.
std::string GenesisHash();

// hash_p from hash_{p-1}, p and the stored record bytes.
std::string ChainHash(absl::string_view previous_hash, uint64_t position,
                      absl::string_view record_bytes);

// SHA-256(salt || personal): the digest a record keeps of its personal part.
std::string PersonalDigest(absl::string_view salt, absl::string_view personal);

// Lowercase hex, for logs, exports and messages.
std::string ToHex(absl::string_view bytes);

}  // namespace kamgov::eventstore

#endif  // KAMGOV_EVENTSTORE_HASH_CHAIN_H_
