#ifndef KAMGOV_EVENTSTORE_VALIDATION_H_
#define KAMGOV_EVENTSTORE_VALIDATION_H_

// Checks an AppendRequest before anything is queued, so bad input is refused
// with a clear error and never reaches the writer. Pure; any thread.

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "eventstore/event_log.h"

namespace kamgov::eventstore {

struct AppendLimits {
  // main + personal bytes of one event.
  size_t max_event_bytes = 256 * 1024;
  size_t max_events_per_append = 1000;
  size_t max_tags_per_event = 32;
  size_t max_id_length = 128;
};

// Stream ids and tags: 1..max_id_length characters of [A-Za-z0-9._:@-].
bool IsValidIdentifier(absl::string_view id, size_t max_length);

// INVALID_ARGUMENT with one BadRequest violation per problem: no streams, a
// stream twice, bad stream ids, types or tags, empty principal, events over
// the size limit, too many events or tags.
absl::Status ValidateAppend(const AppendRequest& request,
                            const AppendLimits& limits);

}  // namespace kamgov::eventstore

#endif  // KAMGOV_EVENTSTORE_VALIDATION_H_
