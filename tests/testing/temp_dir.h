#ifndef KAMGOV_TESTS_TESTING_TEMP_DIR_H_
#define KAMGOV_TESTS_TESTING_TEMP_DIR_H_

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace kamgov::testing {

// A fresh directory on disk (never tmpfs-only: under $TEST_TMPDIR or /tmp),
// removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    const char* base = getenv("TEST_TMPDIR");
    std::string pattern =
        std::string(base != nullptr ? base : "/tmp") + "/kamgov-test-XXXXXX";
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace kamgov::testing

#endif  // KAMGOV_TESTS_TESTING_TEMP_DIR_H_
