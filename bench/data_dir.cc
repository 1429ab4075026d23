#include "bench/data_dir.h"

#include <linux/magic.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace kamgov::bench {

absl::StatusOr<FileSystemInfo> DescribeFileSystem(const std::string& path) {
  struct statfs fs;
  if (statfs(path.c_str(), &fs) != 0) {
    return absl::UnavailableError(
        absl::StrCat("statfs(", path, "): ", std::strerror(errno)));
  }
  FileSystemInfo info;
  // f_type's width differs between architectures; compare as unsigned 32.
  switch (static_cast<uint32_t>(fs.f_type)) {
    case TMPFS_MAGIC:
      info.type = "tmpfs";
      info.in_memory = true;
      break;
    case RAMFS_MAGIC:
      info.type = "ramfs";
      info.in_memory = true;
      break;
    case EXT4_SUPER_MAGIC:  // also ext2 and ext3
      info.type = "ext4";
      break;
    case XFS_SUPER_MAGIC:
      info.type = "xfs";
      break;
    case BTRFS_SUPER_MAGIC:
      info.type = "btrfs";
      break;
    case F2FS_SUPER_MAGIC:
      info.type = "f2fs";
      break;
    case OVERLAYFS_SUPER_MAGIC:
      info.type = "overlayfs";
      break;
    case NFS_SUPER_MAGIC:
      info.type = "nfs";
      break;
    default:
      info.type =
          absl::StrFormat("unknown (0x%x)", static_cast<uint32_t>(fs.f_type));
  }
  return info;
}

std::string DefaultDataDir() {
  std::error_code error;
  std::filesystem::path exe =
      std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return "./bench-data";
  return (exe.parent_path() / "bench-data").string();
}

absl::StatusOr<std::unique_ptr<RunDir>> RunDir::Create(const std::string& base,
                                                       bool keep) {
  std::error_code error;
  std::filesystem::create_directories(base, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot create ", base, ": ", error.message()));
  }
  std::string path = absl::StrCat(base, "/run-", getpid(), "-",
                                  absl::ToUnixMillis(absl::Now()));
  if (!std::filesystem::create_directory(path, error)) {
    return absl::UnavailableError(absl::StrCat(
        "cannot create ", path, ": ",
        error ? error.message() : std::string("it already exists")));
  }
  return std::unique_ptr<RunDir>(new RunDir(std::move(path), keep));
}

RunDir::~RunDir() {
  if (keep_) return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace kamgov::bench
