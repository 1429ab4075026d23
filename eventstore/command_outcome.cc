#include "eventstore/command_outcome.h"

#include "eventstore/command_record.pb.h"

namespace kamgov::eventstore {

std::string EncodeCommandOutcome(const AppendResult& result,
                                 const std::string& fingerprint) {
  CommandRecord record;
  record.set_fingerprint(fingerprint);
  record.set_first_position(result.first_position);
  record.set_last_position(result.last_position);
  record.set_recorded_at_us(result.recorded_at_us);
  for (const StreamAppendResult& s : result.streams) {
    CommandRecord::Stream* stream = record.add_streams();
    stream->set_stream_id(s.stream_id);
    stream->set_first_version(s.first_version);
    stream->set_last_version(s.last_version);
  }
  for (const std::string& id : result.event_ids) record.add_event_ids(id);
  return record.SerializeAsString();
}

absl::StatusOr<CommandOutcome> DecodeCommandOutcome(absl::string_view value) {
  CommandRecord record;
  if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return absl::DataLossError("a stored command record is malformed");
  }
  CommandOutcome outcome;
  outcome.fingerprint = record.fingerprint();
  AppendResult& result = outcome.result;
  result.first_position = record.first_position();
  result.last_position = record.last_position();
  result.recorded_at_us = record.recorded_at_us();
  for (const CommandRecord::Stream& s : record.streams()) {
    result.streams.push_back(
        {s.stream_id(), s.first_version(), s.last_version()});
  }
  result.event_ids.assign(record.event_ids().begin(), record.event_ids().end());
  result.replayed = true;
  return outcome;
}

}  // namespace kamgov::eventstore
