#include "eventstore/export.h"

#include <algorithm>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "eventstore/hash_chain.h"

namespace kamgov::eventstore {

std::string JsonlExportLine(const RecordedEvent& event,
                            absl::string_view prev_hash) {
  std::string line = absl::StrCat("{\"position\": ", event.position);
  if (!prev_hash.empty()) {
    absl::StrAppend(&line, ", \"prev_hash\": \"", ToHex(prev_hash), "\"");
  }
  absl::StrAppend(&line, ", \"record\": \"",
                  absl::Base64Escape(event.record_bytes), "\", \"hash\": \"",
                  ToHex(event.hash), "\"");
  if (event.personal.has_value()) {
    absl::StrAppend(&line, ", \"personal\": \"",
                    absl::Base64Escape(*event.personal), "\"");
  }
  line += "}\n";
  return line;
}

std::string CsvExportHeader() {
  return "position,prev_hash,hash,record,personal\n";
}

std::string CsvExportLine(const RecordedEvent& event,
                          absl::string_view prev_hash) {
  return absl::StrCat(
      event.position, ",", prev_hash.empty() ? "" : ToHex(prev_hash), ",",
      ToHex(event.hash), ",", absl::Base64Escape(event.record_bytes), ",",
      event.personal.has_value() ? absl::Base64Escape(*event.personal) : "",
      "\n");
}

absl::StatusOr<ExportCursor> ExportCursor::Start(const EventLog& log,
                                                 uint64_t from, uint64_t to,
                                                 ExportFormat format) {
  if (from == 0) from = 1;
  if (to != 0 && to < from) {
    return absl::InvalidArgumentError(absl::StrCat(
        "export range ends (", to, ") before it starts (", from, ")"));
  }
  const uint64_t head = log.GetChainHead().position;
  if (to == 0 || to > head) to = head;
  return ExportCursor(log, from, to, format);
}

absl::Status ExportCursor::NextPage(
    absl::FunctionRef<absl::Status(absl::string_view)> sink) {
  if (!started_) {
    started_ = true;
    if (format_ == ExportFormat::kCsv) {
      absl::Status written = sink(CsvExportHeader());
      if (!written.ok()) return written;
    }
    if (next_ > to_) return absl::OkStatus();
    if (next_ > 1) {
      absl::StatusOr<std::vector<RecordedEvent>> prior =
          log_->ReadAll(next_ - 2, 1, /*include_personal=*/false);
      if (!prior.ok()) return prior.status();
      if (prior->empty() || prior->front().position != next_ - 1) {
        return absl::DataLossError(absl::StrCat(
            "no event stored at position ", next_ - 1, " before the range"));
      }
      prev_hash_ = prior->front().hash;
    }
  }
  if (next_ > to_) return absl::OkStatus();
  const size_t limit =
      static_cast<size_t>(std::min<uint64_t>(kExportPageSize, to_ - next_ + 1));
  absl::StatusOr<std::vector<RecordedEvent>> page =
      log_->ReadAll(next_ - 1, limit, /*include_personal=*/true);
  if (!page.ok()) return page.status();
  if (page->empty()) {
    return absl::DataLossError(
        absl::StrCat("the log ends at ", next_ - 1, " but its head is ", to_));
  }
  for (const RecordedEvent& event : *page) {
    if (event.position != next_) {
      return absl::DataLossError(
          absl::StrCat("gap in the log: expected position ", next_, ", found ",
                       event.position));
    }
    const std::string line = format_ == ExportFormat::kJsonl
                                 ? JsonlExportLine(event, prev_hash_)
                                 : CsvExportLine(event, prev_hash_);
    prev_hash_.clear();  // only the first line carries it
    absl::Status written = sink(line);
    if (!written.ok()) return written;
    ++next_;
  }
  return absl::OkStatus();
}

absl::Status ExportLines(
    const EventLog& log, uint64_t from, uint64_t to, ExportFormat format,
    absl::FunctionRef<absl::Status(absl::string_view)> sink) {
  absl::StatusOr<ExportCursor> cursor =
      ExportCursor::Start(log, from, to, format);
  if (!cursor.ok()) return cursor.status();
  while (!cursor->done()) {
    absl::Status page = cursor->NextPage(sink);
    if (!page.ok()) return page;
  }
  return absl::OkStatus();
}

namespace {

absl::Status ExportToStream(const EventLog& log, uint64_t from, uint64_t to,
                            ExportFormat format, std::ostream& out) {
  return ExportLines(
      log, from, to, format, [&out](absl::string_view line) -> absl::Status {
        out.write(line.data(), static_cast<std::streamsize>(line.size()));
        if (!out) {
          return absl::UnavailableError("writing the export failed");
        }
        return absl::OkStatus();
      });
}

}  // namespace

absl::Status ExportJsonl(const EventLog& log, uint64_t from, uint64_t to,
                         std::ostream& out) {
  return ExportToStream(log, from, to, ExportFormat::kJsonl, out);
}

absl::Status ExportCsv(const EventLog& log, uint64_t from, uint64_t to,
                       std::ostream& out) {
  return ExportToStream(log, from, to, ExportFormat::kCsv, out);
}

}  // namespace kamgov::eventstore
