#ifndef KAMGOV_EVENTSTORE_COMMAND_OUTCOME_H_
#define KAMGOV_EVENTSTORE_COMMAND_OUTCOME_H_

// Encoding of the `commands` column family's values (format.h): what the
// log keeps of every committed command id. Pure; any thread.

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "eventstore/event_log.h"

namespace kamgov::eventstore {

// Serialized kamgov.eventstore.CommandRecord for `result`.
std::string EncodeCommandOutcome(const AppendResult& result,
                                 const std::string& fingerprint);

// The stored outcome, its result marked replayed; DATA_LOSS if malformed.
absl::StatusOr<CommandOutcome> DecodeCommandOutcome(absl::string_view value);

}  // namespace kamgov::eventstore

#endif  // KAMGOV_EVENTSTORE_COMMAND_OUTCOME_H_
