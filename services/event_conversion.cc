#include "services/event_conversion.h"

#include <cstdint>

#include "absl/strings/string_view.h"

namespace kamgov::services {
namespace {

// Whether `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), as a proto3 string field must be.
bool IsUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<uint8_t>(s[i]);
    size_t n = 0;
    uint8_t lo = 0x80, hi = 0xbf;  // allowed range of the second byte
    if (c < 0x80) {
      n = 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
      n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 3;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 4;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      const auto b = static_cast<uint8_t>(s[i + k]);
      if (k == 1 ? (b < lo || b > hi) : (b & 0xc0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

}  // namespace

void ToApiEvent(const eventstore::RecordedEvent& event,
                kamgov::v1::Event* out) {
  *out->mutable_record() = event.record;
  out->set_record_bytes(event.record_bytes);
  out->set_hash(event.hash);
  if (event.personal.has_value()) {
    // Personal bytes are a serialized PersonalPart. Text written by another
    // producer is passed on as the rationale rather than dropped; bytes that
    // are neither cannot travel in the string field and are left out.
    kamgov::v1::PersonalPart* personal = out->mutable_personal();
    if (!personal->ParseFromString(*event.personal)) {
      personal->Clear();
      if (IsUtf8(*event.personal)) personal->set_rationale(*event.personal);
    }
  }
  out->set_personal_erased(event.personal_erased);
}

}  // namespace kamgov::services
