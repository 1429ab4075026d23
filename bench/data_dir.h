#ifndef KAMGOV_BENCH_DATA_DIR_H_
#define KAMGOV_BENCH_DATA_DIR_H_

// Where kamgov-bench puts its databases. Durable-write figures are only
// meaningful on a real disk: on tmpfs an fsync costs nothing, so every
// scenario runs in a fresh directory whose file system is checked first.

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace kamgov::bench {

struct FileSystemInfo {
  // "ext4", "xfs", "tmpfs", ... or "unknown (0x...)".
  std::string type;
  // tmpfs or ramfs: fsync is free there, so durable figures are meaningless.
  bool in_memory = false;
};

// statfs(2) of `path`, which must exist. UNAVAILABLE when statfs fails.
absl::StatusOr<FileSystemInfo> DescribeFileSystem(const std::string& path);

// The default --data_dir: bench-data beside the kamgov-bench binary (inside
// the build directory, which .gitignore ignores); ./bench-data when the
// binary's path cannot be read.
std::string DefaultDataDir();

// A fresh directory for one run, `base`/run-<pid>-<time>, created with its
// parents and removed with everything in it on destruction unless `keep`.
// Not thread-safe; owned by main.
class RunDir {
 public:
  static absl::StatusOr<std::unique_ptr<RunDir>> Create(const std::string& base,
                                                        bool keep);
  ~RunDir();
  RunDir(const RunDir&) = delete;
  RunDir& operator=(const RunDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  RunDir(std::string path, bool keep) : path_(std::move(path)), keep_(keep) {}
  std::string path_;
  bool keep_;
};

}  // namespace kamgov::bench

#endif  // KAMGOV_BENCH_DATA_DIR_H_
