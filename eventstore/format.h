#ifndef KAMGOV_EVENTSTORE_FORMAT_H_
#define KAMGOV_EVENTSTORE_FORMAT_H_

// On-disk format of the RocksDB event log, format version 1.
//
// Integers in keys are big-endian (BE64), so byte order is numeric order.
// Positions start at 1; position 0 means "before the first event".
//
// column family  key                               value
// -------------  --------------------------------  -------------------------
// default        (unused)
// events         BE64(position)                    record bytes: a serialized
//                                                  kamgov.v1.EventRecord; the
//                                                  hash-chain input
// hashes         BE64(position)                    hash_position (32 bytes)
// streams        stream_id 0x00 BE64(version)      BE64(position)
// heads          stream_id                         BE64(last version)
//                                                  BE64(its position)
// tags           tag 0x00 BE64(position)           (empty)
// commands       principal 0x00 command_id         kamgov.eventstore.
//                                                  CommandRecord (fingerprint
//                                                  and original result)
// personal       BE64(position)                    salt (16 bytes) followed by
//                                                  the personal bytes; deleted
//                                                  on erasure
// meta           "format"                          BE64(format version)
//                "chain_head"                      BE64(position) hash(32)
//
// Stream ids, tags and command ids never contain 0x00 (validation.h), so the
// 0x00 separator keeps one stream's keys contiguous and ordered by version.
//
// Hash chain (docs/hash-chain.md):
//   hash_0 = 32 zero bytes
//   hash_p = SHA-256(hash_{p-1} || BE64(p) || record_bytes_p)
// The record holds personal_digest = SHA-256(salt || personal bytes), so
// erasing the personal row leaves every hash valid.
//
// Every write of a commit group (events, hashes, streams, heads, tags,
// commands, personal, chain_head) is one WriteBatch written with sync=true.

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace kamgov::eventstore::format {

inline constexpr uint64_t kFormatVersion = 1;
inline constexpr size_t kHashSize = 32;
inline constexpr size_t kSaltSize = 16;

inline constexpr char kEventsCf[] = "events";
inline constexpr char kHashesCf[] = "hashes";
inline constexpr char kStreamsCf[] = "streams";
inline constexpr char kHeadsCf[] = "heads";
inline constexpr char kTagsCf[] = "tags";
inline constexpr char kCommandsCf[] = "commands";
inline constexpr char kPersonalCf[] = "personal";
inline constexpr char kMetaCf[] = "meta";

inline constexpr char kFormatKey[] = "format";
inline constexpr char kChainHeadKey[] = "chain_head";

// Appends BE64(v) to *out.
void PutBE64(std::string* out, uint64_t v);
std::string BE64(uint64_t v);
// Decodes the first 8 bytes of `in`; `in` must hold at least 8.
uint64_t DecodeBE64(absl::string_view in);

std::string PositionKey(uint64_t position);
// stream_id 0x00 BE64(version)
std::string StreamKey(absl::string_view stream_id, uint64_t version);
// The prefix every key of a stream starts with: stream_id 0x00
std::string StreamPrefix(absl::string_view stream_id);
// tag 0x00 BE64(position)
std::string TagKey(absl::string_view tag, uint64_t position);
std::string CommandKey(absl::string_view principal,
                       absl::string_view command_id);

// heads value: BE64(version) BE64(position)
std::string EncodeHead(uint64_t version, uint64_t position);
bool DecodeHead(absl::string_view value, uint64_t* version, uint64_t* position);

// meta chain_head value: BE64(position) hash(32)
std::string EncodeChainHead(uint64_t position, absl::string_view hash);
bool DecodeChainHead(absl::string_view value, uint64_t* position,
                     std::string* hash);

}  // namespace kamgov::eventstore::format

#endif  // KAMGOV_EVENTSTORE_FORMAT_H_
