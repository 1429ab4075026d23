#ifndef KAMGOV_TESTS_FUZZ_FUZZ_CHECK_H_
#define KAMGOV_TESTS_FUZZ_FUZZ_CHECK_H_

// What every harness shares: the libFuzzer entry point's signature, a check
// that aborts (so libFuzzer records the input as a crash, and the corpus
// replay fails) when an invariant of the code under test breaks, and a
// small reader that turns fuzz bytes into values. (clang's
// FuzzedDataProvider.h comes with libclang-rt-14-dev, which the plain
// `make test` build does not require.)

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "google/protobuf/stubs/logging.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace kamgov::fuzz {

// Silences protobuf's log (invalid UTF-8 in fuzzed strings would otherwise
// flood it and slow fuzzing down). Each harness calls it once.
inline bool QuietProtobuf() {
  google::protobuf::SetLogHandler(nullptr);
  return true;
}

// Consumes the input front to back; once it is exhausted every value is
// zero or empty, so any input is a valid one. Not thread-safe.
class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  uint8_t Byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  bool Bool() { return (Byte() & 1) != 0; }
  // A value in [min, max] (inclusive); max - min below 2^32.
  uint64_t Range(uint64_t min, uint64_t max) {
    const uint64_t span = max - min + 1;
    uint64_t value = 0;
    for (uint64_t reach = 1; reach < span && reach != 0; reach <<= 8) {
      value = (value << 8) | Byte();
    }
    return span == 0 ? value : min + value % span;
  }
  int64_t Int64() {
    uint64_t value = 0;
    for (int i = 0; i < 8; ++i) value = (value << 8) | Byte();
    return static_cast<int64_t>(value);
  }
  // Up to `max_length` bytes: a length byte, then the bytes.
  std::string String(size_t max_length) {
    const size_t length = Range(0, max_length);
    std::string out;
    while (out.size() < length && pos_ < size_) {
      out.push_back(static_cast<char>(data_[pos_++]));
    }
    return out;
  }

 private:
  const uint8_t* const data_;
  const size_t size_;
  size_t pos_ = 0;
};

}  // namespace kamgov::fuzz

#define FUZZ_CHECK(condition, what)                                        \
  do {                                                                     \
    if (!(condition)) {                                                    \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: %s\n", __FILE__, \
                   __LINE__, #condition, std::string(what).c_str());       \
      std::abort();                                                        \
    }                                                                      \
  } while (false)

#endif  // KAMGOV_TESTS_FUZZ_FUZZ_CHECK_H_
