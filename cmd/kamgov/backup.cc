// kamgov backup: asks kamgovd to back up its event store, online.
//
//   kamgov backup --to=/var/backups/kamgov [--keep=7]
//
// The SERVER writes the backup, on its own filesystem: --to is a directory
// there (absolute; inside the server's backup_root when that is set). Each
// backup into the same directory copies only the files that changed since
// the previous one. Restore with `kamgovd --restore_from=DIR`
// (docs/operations.md).

#include <iostream>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "cmd/kamgov/client.h"
#include "cmd/kamgov/commands.h"
#include "kamgov/v1/admin.grpc.pb.h"
#include "services/identity.h"

ABSL_FLAG(std::string, to, "",
          "backup: the destination directory on the server (absolute).");
ABSL_FLAG(int, keep, 0,
          "backup: then keep only the newest N backups there (0 keeps all).");

namespace kamgov::cli {

int Backup(const Args&) {
  const std::string to = absl::GetFlag(FLAGS_to);
  const int keep = absl::GetFlag(FLAGS_keep);
  if (to.empty() || to.front() != '/') {
    std::cerr << "backup needs --to=DIR, an absolute directory on the "
                 "server\n";
    return 2;
  }
  if (keep < 0) {
    std::cerr << "--keep must be 0 (keep all) or more\n";
    return 2;
  }
  kamgov::v1::BackupRequest request;
  request.set_destination(to);
  request.set_keep(static_cast<uint32_t>(keep));
  auto stub = kamgov::v1::AdminService::NewStub(Connect());
  // No deadline: a first backup of a large store copies all of it.
  auto context = NewContext(/*streaming=*/true);
  kamgov::v1::BackupResponse response;
  grpc::Status status = stub->Backup(context.get(), request, &response);
  if (!status.ok()) return PrintError(status);
  const std::string created = absl::FormatTime(
      "%Y-%m-%dT%H:%M:%SZ", absl::FromUnixMicros(response.created_at_us()),
      absl::UTCTimeZone());
  if (JsonOutput()) {
    std::cout << absl::StrFormat(
        R"({"backup_id": %d, "destination": "%s", "position": %d, )"
        R"("size_bytes": %d, "file_count": %d, "backups_in_destination": %d, )"
        R"("created_at": "%s"})"
        "\n",
        response.backup_id(), absl::CHexEscape(to), response.position(),
        response.size_bytes(), response.file_count(),
        response.backups_in_destination(), created);
  } else {
    std::cout << absl::StrFormat(
        "backup %d written to %s (on the server) at %s: position %d, "
        "%.1f MiB in %d files; %d backups kept there\n",
        response.backup_id(), to, created, response.position(),
        static_cast<double>(response.size_bytes()) / (1 << 20),
        response.file_count(), response.backups_in_destination());
  }
  return 0;
}

}  // namespace kamgov::cli
