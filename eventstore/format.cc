#include "eventstore/format.h"

#include "absl/strings/str_cat.h"

namespace kamgov::eventstore::format {

void PutBE64(std::string* out, uint64_t v) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out->append(buf, 8);
}

std::string BE64(uint64_t v) {
  std::string out;
  PutBE64(&out, v);
  return out;
}

uint64_t DecodeBE64(absl::string_view in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) {
    v = (v << 8) | static_cast<uint8_t>(in[i]);
  }
  return v;
}

std::string PositionKey(uint64_t position) { return BE64(position); }

std::string StreamPrefix(absl::string_view stream_id) {
  return absl::StrCat(stream_id, absl::string_view("\0", 1));
}

std::string StreamKey(absl::string_view stream_id, uint64_t version) {
  std::string key = StreamPrefix(stream_id);
  PutBE64(&key, version);
  return key;
}

std::string TagKey(absl::string_view tag, uint64_t position) {
  std::string key = StreamPrefix(tag);
  PutBE64(&key, position);
  return key;
}

std::string CommandKey(absl::string_view principal,
                       absl::string_view command_id) {
  return absl::StrCat(principal, absl::string_view("\0", 1), command_id);
}

std::string EncodeHead(uint64_t version, uint64_t position) {
  std::string out;
  PutBE64(&out, version);
  PutBE64(&out, position);
  return out;
}

bool DecodeHead(absl::string_view value, uint64_t* version,
                uint64_t* position) {
  if (value.size() != 16) return false;
  *version = DecodeBE64(value);
  *position = DecodeBE64(value.substr(8));
  return true;
}

std::string EncodeChainHead(uint64_t position, absl::string_view hash) {
  std::string out;
  PutBE64(&out, position);
  out.append(hash.data(), hash.size());
  return out;
}

bool DecodeChainHead(absl::string_view value, uint64_t* position,
                     std::string* hash) {
  if (value.size() != 8 + kHashSize) return false;
  *position = DecodeBE64(value);
  hash->assign(value.substr(8).data(), kHashSize);
  return true;
}

}  // namespace kamgov::eventstore::format
