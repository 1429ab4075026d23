#include "eventstore/event_log.h"

#include <optional>

#include "absl/synchronization/notification.h"

namespace kamgov::eventstore {

absl::StatusOr<AppendResult> EventLog::AppendAndWait(AppendRequest request) {
  absl::Notification done;
  std::optional<absl::StatusOr<AppendResult>> result;
  Append(std::move(request), [&](absl::StatusOr<AppendResult> r) {
    result.emplace(std::move(r));
    done.Notify();
  });
  done.WaitForNotification();
  return *std::move(result);
}

}  // namespace kamgov::eventstore
