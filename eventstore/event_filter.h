#ifndef KAMGOV_EVENTSTORE_EVENT_FILTER_H_
#define KAMGOV_EVENTSTORE_EVENT_FILTER_H_

#include <string>
#include <vector>

#include "kamgov/v1/event.pb.h"

namespace kamgov::eventstore {

// Which events a reader wants. Every non-empty criterion must match (AND);
// within one criterion any value matches (OR). An empty filter matches all.
// A value type; Matches is pure and thread-safe.
struct EventFilter {
  std::vector<std::string> stream_prefixes;
  std::vector<std::string> event_types;
  std::vector<std::string> tags;

  bool empty() const {
    return stream_prefixes.empty() && event_types.empty() && tags.empty();
  }
  bool Matches(const kamgov::v1::EventRecord& record) const;
};

}  // namespace kamgov::eventstore

#endif  // KAMGOV_EVENTSTORE_EVENT_FILTER_H_
