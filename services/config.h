#ifndef KAMGOV_SERVICES_CONFIG_H_
#define KAMGOV_SERVICES_CONFIG_H_

// kamgovd's configuration: every setting an operator may change, with its
// default, its allowed range and its documentation, in one table
// (config.cc). The effective configuration is built in three layers:
//
//   1. the defaults (DefaultConfig);
//   2. the config file, `--config=FILE` (ParseConfig);
//   3. flags given on kamgovd's command line, for the keys that are flags
//      too (same names: --listen, --data_dir, --log_level, ...).
//
// The file format, one setting per line:
//
//   # a comment (only at the start of a line)
//   key = value
//
// Blank lines are ignored; spaces around the key and the value are
// trimmed; the value is the rest of the line, taken as is (no quoting).
// Durations use Go/absl syntax ("10m", "1.5s", "0" disables where noted);
// sizes are integers with an optional KiB/MiB/GiB suffix; booleans are
// true or false; lists are comma-separated. An unknown key, a key given
// twice, a malformed value or one out of range is an error naming the key
// and the line: kamgovd refuses to start rather than guess.
//
// FormatConfig prints every key in this format, so `kamgovd --print_config`
// is itself a valid config file. Pure functions, thread-compatible.

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/daemon.h"

namespace kamgov::services {

struct Config {
  DaemonOptions daemon;
  // trace, debug, info, warn, error, critical or off.
  std::string log_level = "info";
  // text or json (one JSON object per line).
  std::string log_format = "text";
  // How long calls in flight may take to finish on shutdown.
  absl::Duration shutdown_grace = absl::Seconds(10);
  // The keys set by the file or a flag (the others have their defaults).
  absl::flat_hash_set<std::string> set_keys;
};

// kamgovd's defaults (metrics on 127.0.0.1:9464, unlike DaemonOptions').
Config DefaultConfig();

// Every key, in documentation order.
std::vector<std::string> ConfigKeys();

// Sets one key from its text form. INVALID_ARGUMENT naming the key: an
// unknown key, a malformed value, or one out of range (with the range).
absl::Status SetConfigValue(Config& config, absl::string_view key,
                            absl::string_view value);

// Applies the settings of a config file's text; `source` names it in
// errors ("kamgovd.conf:12: ...").
absl::Status ParseConfig(absl::string_view text, absl::string_view source,
                         Config& config);

// Reads and applies a config file. NOT_FOUND when it cannot be read.
absl::Status LoadConfigFile(const std::string& path, Config& config);

// Checks what no single key can: the default page size within the maximum.
absl::Status ValidateConfig(const Config& config);

// Every key with its value and documentation, in the config file format.
std::string FormatConfig(const Config& config);

// The names of the flags given in `argv` (--name, --name=value, -name,
// --noname for booleans), up to a "--" argument.
std::vector<std::string> FlagsOnCommandLine(int argc, char** argv);

// Layer 3: for each key that is a defined absl flag given on the command
// line (see FlagsOnCommandLine), the flag's value replaces the key's.
// Errors name the flag.
absl::Status ApplyCommandLineFlags(const std::vector<std::string>& given,
                                   Config& config);

}  // namespace kamgov::services

#endif  // KAMGOV_SERVICES_CONFIG_H_
