#ifndef KAMGOV_SERVICES_EVENT_CONVERSION_H_
#define KAMGOV_SERVICES_EVENT_CONVERSION_H_

// Converts stored events into the API's kamgov.v1.Event. Pure; any thread.

#include "eventstore/event_log.h"
#include "kamgov/v1/event.pb.h"

namespace kamgov::services {

// Fills `out` from `event`: the decoded record, its exact bytes, the chain
// hash and, when present, the decoded personal part.
void ToApiEvent(const eventstore::RecordedEvent& event, kamgov::v1::Event* out);

}  // namespace kamgov::services

#endif  // KAMGOV_SERVICES_EVENT_CONVERSION_H_
