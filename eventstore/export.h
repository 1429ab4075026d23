#ifndef KAMGOV_EVENTSTORE_EXPORT_H_
#define KAMGOV_EVENTSTORE_EXPORT_H_

// Export of the log for auditors: one line per event, carrying exactly what
// an offline check of the hash chain needs (docs/hash-chain.md,
// cmd/verify_chain.py).
//
// JSON lines (ExportJsonl), one object per event, keys in this order:
//   {"position": N, "record": "<base64>", "hash": "<hex>", "personal":
//   "<base64>"} record    the stored record bytes (a serialized
//   kamgov.v1.EventRecord),
//             standard base64 with padding
//   hash      hash_N, lowercase hex (64 characters)
//   personal  the personal bytes, base64; omitted when the event has none or
//             they were erased
// When the range starts after position 1, the first line also carries
// "prev_hash": "<hex hash_{from-1}>" (right after "position"), so the range
// can be verified on its own; that check trusts the stored hash_{from-1}.
//
// CSV (ExportCsv): the header line `position,prev_hash,hash,record,personal`
// then one row per event with the same encodings; prev_hash is filled only
// on the first row of a range starting after 1, personal is empty when
// absent. Neither base64 nor hex contains ',' or '"', so no field is quoted.
//
// Range: positions from..to inclusive. from = 0 means 1; to = 0 means the
// chain head when the export starts, so a concurrent writer cannot make an
// export endless. A range past the head exports nothing and is OK.
//
// Errors: INVALID_ARGUMENT when to != 0 and to < from; DATA_LOSS when the log
// has a gap in the range or hash_{from-1} is missing; UNAVAILABLE when the
// output fails (or whatever the sink returns); read errors of the log as the
// log reports them. Lines written before an error stay written.
//
// Threads: reads the log in pages through EventLog::ReadAll, so it may run
// concurrently with appends; each page is a consistent snapshot. Erasures
// racing the export may or may not show in it.

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "eventstore/event_log.h"

namespace kamgov::eventstore {

enum class ExportFormat { kJsonl, kCsv };

// Events read per ReadAll call.
inline constexpr size_t kExportPageSize = 512;

// One JSONL line (with its trailing '\n') for `event`; `prev_hash` (32 raw
// bytes) is written when non-empty.
std::string JsonlExportLine(const RecordedEvent& event,
                            absl::string_view prev_hash);

// One CSV row (with its trailing '\n'); `prev_hash` as for JsonlExportLine.
std::string CsvExportLine(const RecordedEvent& event,
                          absl::string_view prev_hash);

// The header line of a CSV export, with its trailing '\n'.
std::string CsvExportHeader();

// The export of [from, to] a page at a time, for callers that must not
// block on their output: a gRPC reactor writes one chunk and asks for the
// next when the write is done. ExportLines runs on it. Not thread-safe: one
// caller at a time, which may change threads between pages; `log` must
// outlive it.
class ExportCursor {
 public:
  // Fixes the range (`to` = 0: the head now). INVALID_ARGUMENT when
  // to != 0 and to < from.
  static absl::StatusOr<ExportCursor> Start(const EventLog& log, uint64_t from,
                                            uint64_t to, ExportFormat format);

  // Passes the next lines to `sink`: for CSV the header first, then the
  // lines of up to kExportPageSize events. Errors as ExportLines; a sink's
  // error is returned as is.
  absl::Status NextPage(
      absl::FunctionRef<absl::Status(absl::string_view)> sink);
  // True once every line has been passed on.
  bool done() const { return started_ && next_ > to_; }

 private:
  ExportCursor(const EventLog& log, uint64_t from, uint64_t to,
               ExportFormat format)
      : log_(&log), format_(format), next_(from), to_(to) {}

  const EventLog* log_;
  ExportFormat format_;
  uint64_t next_;
  uint64_t to_;
  bool started_ = false;
  // hash_{from-1} until the first line has carried it.
  std::string prev_hash_;
};

// Produces the export of [from, to] line by line: `sink` receives each line
// (with its '\n'; for CSV the header first) and may stop the export by
// returning an error, which is returned as is. For streaming RPCs.
absl::Status ExportLines(
    const EventLog& log, uint64_t from, uint64_t to, ExportFormat format,
    absl::FunctionRef<absl::Status(absl::string_view)> sink);

absl::Status ExportJsonl(const EventLog& log, uint64_t from, uint64_t to,
                         std::ostream& out);
absl::Status ExportCsv(const EventLog& log, uint64_t from, uint64_t to,
                       std::ostream& out);

}  // namespace kamgov::eventstore

#endif  // KAMGOV_EVENTSTORE_EXPORT_H_
