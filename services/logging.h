#ifndef KAMGOV_SERVICES_LOGGING_H_
#define KAMGOV_SERVICES_LOGGING_H_

// kamgovd's log lines (spdlog, on stderr where service managers collect
// them). What is logged: one line per thing worth a person's attention
// (start, stop, refused configuration, store failures, backups, restores);
// at debug level also every refused command with its rule id. Never a
// secret, a key, a principal's credentials or personal data: lines carry
// command types, rule ids, status codes, positions and paths.

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "spdlog/formatter.h"

namespace kamgov::services {

// Sets the default logger's level (trace, debug, info, warn, error,
// critical, off) and format: "text" (spdlog's default pattern) or "json"
// (one object per line: {"time", "level", "logger", "thread", "message"}).
// INVALID_ARGUMENT for anything else. Call it before the server starts.
absl::Status ConfigureLogging(absl::string_view level,
                              absl::string_view format);

// The JSON formatter ConfigureLogging installs; exposed for tests.
// Thread-compatible, as spdlog formatters are (each sink owns one).
std::unique_ptr<spdlog::formatter> NewJsonFormatter();

}  // namespace kamgov::services

#endif  // KAMGOV_SERVICES_LOGGING_H_
