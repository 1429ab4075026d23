#include "services/event_conversion.h"

namespace kamgov::services {

void ToApiEvent(const eventstore::RecordedEvent& event,
                kamgov::v1::Event* out) {
  *out->mutable_record() = event.record;
  out->set_record_bytes(event.record_bytes);
  out->set_hash(event.hash);
  if (event.personal.has_value()) {
    // Personal bytes are a serialized PersonalPart; bytes written by another
    // producer are passed on as the rationale rather than dropped.
    if (!out->mutable_personal()->ParseFromString(*event.personal)) {
      out->mutable_personal()->set_rationale(*event.personal);
    }
  }
  out->set_personal_erased(event.personal_erased);
}

}  // namespace kamgov::services
