#include "eventstore/event_filter.h"

#include <algorithm>

#include "absl/strings/match.h"

namespace kamgov::eventstore {

bool EventFilter::Matches(const kamgov::v1::EventRecord& record) const {
  if (!stream_prefixes.empty() &&
      std::none_of(stream_prefixes.begin(), stream_prefixes.end(),
                   [&](const std::string& prefix) {
                     return absl::StartsWith(record.stream_id(), prefix);
                   })) {
    return false;
  }
  if (!event_types.empty() && std::find(event_types.begin(), event_types.end(),
                                        record.type()) == event_types.end()) {
    return false;
  }
  if (!tags.empty() && std::none_of(record.tags().begin(), record.tags().end(),
                                    [&](const std::string& tag) {
                                      return std::find(tags.begin(), tags.end(),
                                                       tag) != tags.end();
                                    })) {
    return false;
  }
  return true;
}

}  // namespace kamgov::eventstore
