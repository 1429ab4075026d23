#include "services/config.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/identity.h"

namespace kamgov::services {
namespace {

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = 1024 * kKiB;
constexpr uint64_t kGiB = 1024 * kMiB;

// One key of the table.
struct Setting {
  const char* key;
  const char* group;
  const char* help;
  std::function<absl::Status(Config&, absl::string_view)> set;
  std::function<std::string(const Config&)> get;
};

absl::Status Bad(absl::string_view key, absl::string_view value,
                 absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat(key, " = '", value, "': ", why));
}

std::string SizeText(uint64_t bytes) {
  if (bytes != 0 && bytes % kGiB == 0) return absl::StrCat(bytes / kGiB, "GiB");
  if (bytes != 0 && bytes % kMiB == 0) return absl::StrCat(bytes / kMiB, "MiB");
  if (bytes != 0 && bytes % kKiB == 0) return absl::StrCat(bytes / kKiB, "KiB");
  return absl::StrCat(bytes);
}

// An unsigned integer field in [min, max]; `bytes` accepts KiB/MiB/GiB.
template <typename Field>
Setting Integer(const char* key, const char* group, const char* help,
                uint64_t min, uint64_t max, bool bytes, Field field) {
  Setting s{key, group, help, nullptr, nullptr};
  s.set = [key, min, max, bytes, field](
              Config& c, absl::string_view text) -> absl::Status {
    absl::string_view digits = text;
    uint64_t unit = 1;
    if (bytes) {
      if (absl::ConsumeSuffix(&digits, "GiB")) {
        unit = kGiB;
      } else if (absl::ConsumeSuffix(&digits, "MiB")) {
        unit = kMiB;
      } else if (absl::ConsumeSuffix(&digits, "KiB")) {
        unit = kKiB;
      }
    }
    uint64_t value = 0;
    if (digits.empty() || !absl::ascii_isdigit(digits.front()) ||
        !absl::SimpleAtoi(digits, &value) ||
        value > std::numeric_limits<uint64_t>::max() / unit) {
      return Bad(key, text,
                 bytes ? "not a size (an integer, optionally with KiB, MiB "
                         "or GiB)"
                       : "not a non-negative integer");
    }
    value *= unit;
    if (value < min || value > max) {
      return Bad(key, text,
                 absl::StrCat("out of range: allowed ",
                              bytes ? SizeText(min) : absl::StrCat(min), " to ",
                              bytes ? SizeText(max) : absl::StrCat(max)));
    }
    auto& target = field(c);
    target = static_cast<std::remove_reference_t<decltype(target)>>(value);
    return absl::OkStatus();
  };
  s.get = [bytes, field](const Config& c) {
    const uint64_t value = static_cast<uint64_t>(field(const_cast<Config&>(c)));
    return bytes ? SizeText(value) : absl::StrCat(value);
  };
  return s;
}

// A duration in [min, max], or zero when `zero_ok`.
template <typename Field>
Setting Duration(const char* key, const char* group, const char* help,
                 absl::Duration min, absl::Duration max, bool zero_ok,
                 Field field) {
  Setting s{key, group, help, nullptr, nullptr};
  s.set = [key, min, max, zero_ok, field](
              Config& c, absl::string_view text) -> absl::Status {
    absl::Duration value;
    if (!absl::ParseDuration(text, &value)) {
      return Bad(key, text, "not a duration (e.g. 500ms, 10s, 5m, 1h)");
    }
    if (!(zero_ok && value == absl::ZeroDuration()) &&
        (value < min || value > max)) {
      return Bad(key, text,
                 absl::StrCat("out of range: allowed ", zero_ok ? "0 or " : "",
                              absl::FormatDuration(min), " to ",
                              absl::FormatDuration(max)));
    }
    field(c) = value;
    return absl::OkStatus();
  };
  s.get = [field](const Config& c) {
    return absl::FormatDuration(field(const_cast<Config&>(c)));
  };
  return s;
}

template <typename Field>
Setting Bool(const char* key, const char* group, const char* help,
             Field field) {
  Setting s{key, group, help, nullptr, nullptr};
  s.set = [key, field](Config& c, absl::string_view text) -> absl::Status {
    if (text == "true") {
      field(c) = true;
    } else if (text == "false") {
      field(c) = false;
    } else {
      return Bad(key, text, "not a boolean (true or false)");
    }
    return absl::OkStatus();
  };
  s.get = [field](const Config& c) {
    return std::string(field(const_cast<Config&>(c)) ? "true" : "false");
  };
  return s;
}

// A string; `allowed` (when not empty) lists the values it may take.
template <typename Field>
Setting String(const char* key, const char* group, const char* help,
               bool may_be_empty, std::vector<std::string> allowed,
               Field field) {
  Setting s{key, group, help, nullptr, nullptr};
  s.set = [key, may_be_empty, allowed, field](
              Config& c, absl::string_view text) -> absl::Status {
    if (text.empty() && !may_be_empty)
      return Bad(key, text, "must not be empty");
    if (!allowed.empty() &&
        std::find(allowed.begin(), allowed.end(), text) == allowed.end()) {
      return Bad(key, text,
                 absl::StrCat("not one of ", absl::StrJoin(allowed, ", ")));
    }
    field(c) = std::string(text);
    return absl::OkStatus();
  };
  s.get = [field](const Config& c) { return field(const_cast<Config&>(c)); };
  return s;
}

// A comma-separated list of principals.
template <typename Field>
Setting PrincipalList(const char* key, const char* group, const char* help,
                      Field field) {
  Setting s{key, group, help, nullptr, nullptr};
  s.set = [key, field](Config& c, absl::string_view text) -> absl::Status {
    std::vector<std::string> items;
    if (!text.empty()) {
      for (absl::string_view item : absl::StrSplit(text, ',')) {
        item = absl::StripAsciiWhitespace(item);
        if (item.empty()) return Bad(key, text, "an empty list item");
        for (char ch : item) {
          if (ch <= ' ' || ch > '~') {
            return Bad(key, text,
                       "principals are printable ASCII without spaces");
          }
        }
        items.emplace_back(item);
      }
    }
    field(c) = std::move(items);
    return absl::OkStatus();
  };
  s.get = [field](const Config& c) {
    return absl::StrJoin(field(const_cast<Config&>(c)), ",");
  };
  return s;
}

// principal_from: which certificate field names the caller.
Setting PrincipalFrom() {
  Setting s{"principal_from", "security",
            "With TLS, the client certificate field that names the "
            "principal: uri_san or cn.",
            nullptr, nullptr};
  s.set = [](Config& c, absl::string_view text) -> absl::Status {
    absl::StatusOr<PrincipalSource> source = ParsePrincipalSource(text);
    if (!source.ok()) return Bad("principal_from", text, "not uri_san or cn");
    c.daemon.server.principal_from = *source;
    return absl::OkStatus();
  };
  s.get = [](const Config& c) -> std::string {
    return c.daemon.server.principal_from == PrincipalSource::kCommonName
               ? "cn"
               : "uri_san";
  };
  return s;
}

const std::vector<Setting>& Settings() {
  static const auto* settings = new std::vector<Setting>{
      // server
      String(
          "listen", "server",
          "gRPC address, host:port. A non-loopback address needs TLS or "
          "insecure = true.",
          false, {},
          [](Config & c) -> auto& { return c.daemon.server.listen; }),
      Bool(
          "insecure", "server",
          "Allow a non-loopback listen address without TLS.",
          [](Config & c) -> auto& { return c.daemon.server.insecure; }),
      String(
          "data_dir", "server",
          "Directory of the event store (in its log/ subdirectory).", false, {},
          [](Config & c) -> auto& { return c.daemon.data_dir; }),
      Integer(
          "io_threads", "server",
          "Threads for disk reads and subscription delivery.", 1, 64, false,
          [](Config & c) -> auto& { return c.daemon.io_threads; }),
      Duration(
          "shutdown_grace", "server",
          "How long calls in flight may take to finish on shutdown.",
          absl::ZeroDuration(), absl::Hours(1), true,
          [](Config & c) -> auto& { return c.shutdown_grace; }),
      // logging
      String(
          "log_level", "logging",
          "trace, debug (adds rejected commands with their rule id), "
          "info, warn, error, critical or off.",
          false, {"trace", "debug", "info", "warn", "error", "critical", "off"},
          [](Config & c) -> auto& { return c.log_level; }),
      String(
          "log_format", "logging",
          "text, or json: one JSON object per line (time, level, message).",
          false, {"text", "json"},
          [](Config & c) -> auto& { return c.log_format; }),
      // metrics
      String(
          "metrics_listen", "metrics",
          "host:port of the Prometheus /metrics HTTP listener (plain "
          "HTTP: keep it on loopback or a trusted network); empty "
          "disables it.",
          true, {},
          [](Config & c) -> auto& { return c.daemon.metrics_listen; }),
      // store
      Integer(
          "max_event_bytes", "store",
          "Largest event (main plus personal part) an append may carry.", kKiB,
          64 * kMiB, true, [](Config & c) -> auto& {
            return c.daemon.append_limits.max_event_bytes;
          }),
      Integer(
          "max_events_per_append", "store",
          "Most events one append (one command's decision) may carry.", 1,
          100000, false, [](Config & c) -> auto& {
            return c.daemon.append_limits.max_events_per_append;
          }),
      Integer(
          "max_tags_per_event", "store", "Most tags one event may carry.", 1,
          1024, false, [](Config & c) -> auto& {
            return c.daemon.append_limits.max_tags_per_event;
          }),
      Integer(
          "max_id_length", "store",
          "Longest stream id or tag. At least 128: domain ids take up to "
          "117 characters plus a prefix.",
          128, 1024, false, [](Config & c) -> auto& {
            return c.daemon.append_limits.max_id_length;
          }),
      Integer(
          "block_cache_bytes", "store",
          "RocksDB block cache shared by every column family.", kMiB,
          1024 * kGiB, true,
          [](Config & c) -> auto& { return c.daemon.block_cache_bytes; }),
      // processor
      Integer(
          "processor_cache_capacity", "processor",
          "Aggregates the command processor keeps in memory (LRU).", 1000,
          100000000, false, [](Config & c) -> auto& {
            return c.daemon.processor.cache_capacity;
          }),
      Duration(
          "scheduler_interval", "processor",
          "How often the deadline events (overdue reviews, escalation "
          "timeouts) are recorded; 0 disables.",
          absl::Seconds(1), absl::Hours(24), true,
          [](Config & c) -> auto& { return c.daemon.scheduler_interval; }),
      // reads
      Integer(
          "read_default_page_size", "reads",
          "Events per ReadStream/ReadAll page when the caller sets no "
          "limit.",
          1, 100000, false, [](Config & c) -> auto& {
            return c.daemon.read_limits.default_page_size;
          }),
      Integer(
          "read_max_page_size", "reads",
          "Largest page a caller may ask for (larger: INVALID_ARGUMENT).", 1,
          100000, false, [](Config & c) -> auto& {
            return c.daemon.read_limits.max_page_size;
          }),
      // queries (read models)
      Integer(
          "query_default_page_size", "queries",
          "Rows per QueryService page when the caller sets no page_size.", 1,
          100000, false, [](Config & c) -> auto& {
            return c.daemon.query_limits.default_page_size;
          }),
      Integer(
          "query_max_page_size", "queries",
          "Largest QueryService page (larger: INVALID_ARGUMENT).", 1, 100000,
          false, [](Config & c) -> auto& {
            return c.daemon.query_limits.max_page_size;
          }),
      Integer(
          "query_wait_threads", "queries",
          "Threads that hold queries waiting for a read model to reach "
          "their min_position.",
          1, 256, false, [](Config & c) -> auto& {
            return c.daemon.query_limits.wait_threads;
          }),
      Duration(
          "query_max_wait", "queries",
          "The longest a query waits for its min_position, whatever its "
          "deadline.",
          absl::Milliseconds(10), absl::Hours(1), false,
          [](Config & c) -> auto& { return c.daemon.query_limits.max_wait; }),
      Integer(
          "projection_batch_events", "queries",
          "Events a read model applies per batch (one write of its rows "
          "and checkpoint) while catching up.",
          1, 1000000, false, [](Config & c) -> auto& {
            return c.daemon.projections.batch_events;
          }),
      Integer(
          "projection_block_cache_bytes", "queries",
          "Block cache of the read models' RocksDB.", kMiB, 1024 * kGiB, true,
          [](Config & c) -> auto& {
            return c.daemon.projections.block_cache_bytes;
          }),
      // subscriptions
      Integer(
          "max_subscriptions", "subscriptions",
          "Open subscriptions; more fail with RESOURCE_EXHAUSTED.", 1, 100000,
          false, [](Config & c) -> auto& {
            return c.daemon.subscriptions.max_subscriptions;
          }),
      Integer(
          "subscription_max_buffered_events", "subscriptions",
          "Live events a subscriber may have buffered before it drops "
          "back to reading the disk.",
          1, 10000000, false, [](Config & c) -> auto& {
            return c.daemon.subscriptions.max_buffered_events;
          }),
      Integer(
          "subscription_max_batch_events", "subscriptions",
          "Events per message, and per catch-up read.", 1, 100000, false,
          [](Config & c) -> auto& {
            return c.daemon.subscriptions.max_batch_events;
          }),
      Integer(
          "subscription_checkpoint_every_events", "subscriptions",
          "A filtered subscription sends a checkpoint after scanning this "
          "many events past its client's last known position (0: only "
          "time-based).",
          0, 10000000, false, [](Config & c) -> auto& {
            return c.daemon.subscriptions.checkpoint_every_events;
          }),
      Duration(
          "subscription_checkpoint_interval", "subscriptions",
          "...or when this long passed since its last message.",
          absl::Milliseconds(100), absl::Hours(1), false,
          [](Config & c) -> auto& {
            return c.daemon.subscriptions.checkpoint_interval;
          }),
      Duration(
          "subscription_stall_timeout", "subscriptions",
          "A subscriber that takes no message for this long is "
          "disconnected (RESOURCE_EXHAUSTED).",
          absl::Seconds(1), absl::Hours(24), false, [](Config & c) -> auto& {
            return c.daemon.subscriptions.stall_timeout;
          }),
      Integer(
          "subscription_recent_events", "subscriptions",
          "Recent commits kept in memory so a subscription catching up "
          "under load can join the live feed.",
          1, 10000000, false, [](Config & c) -> auto& {
            return c.daemon.subscriptions.recent_events;
          }),
      // security
      String(
          "tls_cert", "security",
          "Server certificate chain (PEM file). With tls_key and "
          "tls_client_ca: mutual TLS, principals from client "
          "certificates.",
          true, {},
          [](Config & c) -> auto& { return c.daemon.server.tls.cert_file; }),
      String(
          "tls_key", "security", "The server certificate's key (PEM file).",
          true, {},
          [](Config & c) -> auto& { return c.daemon.server.tls.key_file; }),
      String(
          "tls_client_ca", "security",
          "CA bundle (PEM file) that client certificates must chain to.", true,
          {}, [](Config & c) -> auto& {
            return c.daemon.server.tls.client_ca_file;
          }),
      PrincipalFrom(),
      String(
          "authz_policy", "security",
          "Authorization policy file (docs/security.md); empty allows every "
          "call.",
          true, {}, [](Config & c) -> auto& {
            return c.daemon.server.authz_policy_file;
          }),
      Integer(
          "max_message_bytes", "security",
          "Largest request or response message.", kKiB, 256 * kMiB, true,
          [](Config & c) -> auto& {
            return c.daemon.server.max_message_bytes;
          }),
      Duration(
          "default_deadline", "security",
          "Deadline of a call whose client sets none (0: none).",
          absl::Milliseconds(100), absl::Hours(24), true,
          [](Config & c) -> auto& { return c.daemon.server.default_deadline; }),
      Integer(
          "max_subscriptions_per_principal", "security",
          "Subscriptions one principal may hold open (0: no limit).", 0, 100000,
          false, [](Config & c) -> auto& {
            return c.daemon.server.max_subscriptions_per_principal;
          }),
      // admin
      PrincipalList(
          "admin_principals", "admin",
          "Comma-separated principals allowed to call AdminService "
          "(backups). Empty: any authenticated caller.",
          [](Config & c) -> auto& { return c.daemon.admin.admin_principals; }),
      String(
          "backup_root", "admin",
          "When set, backups may only be written inside this directory.", true,
          {}, [](Config & c) -> auto& { return c.daemon.backup.backup_root; }),
      Integer(
          "backup_rate_limit_bytes", "admin",
          "Bytes per second a backup may copy; 0 is unlimited.", 0, 1024 * kGiB,
          true, [](Config & c) -> auto& {
            return c.daemon.backup.rate_limit_bytes_per_second;
          }),
  };
  return *settings;
}

const Setting* Find(absl::string_view key) {
  for (const Setting& s : Settings()) {
    if (key == s.key) return &s;
  }
  return nullptr;
}

}  // namespace

Config DefaultConfig() {
  Config config;
  config.daemon.metrics_listen = "127.0.0.1:9464";
  return config;
}

std::vector<std::string> ConfigKeys() {
  std::vector<std::string> keys;
  for (const Setting& s : Settings()) keys.emplace_back(s.key);
  return keys;
}

absl::Status SetConfigValue(Config& config, absl::string_view key,
                            absl::string_view value) {
  const Setting* setting = Find(key);
  if (setting == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("unknown key '", key, "'"));
  }
  absl::Status set = setting->set(config, value);
  if (set.ok()) config.set_keys.insert(std::string(key));
  return set;
}

absl::Status ParseConfig(absl::string_view text, absl::string_view source,
                         Config& config) {
  absl::flat_hash_set<std::string> seen;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    const std::string where = absl::StrCat(source, ":", line_number, ": ");
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    const size_t equals = line.find('=');
    if (equals == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "expected 'key = value', got '", line, "'"));
    }
    const absl::string_view key =
        absl::StripAsciiWhitespace(line.substr(0, equals));
    const absl::string_view value =
        absl::StripAsciiWhitespace(line.substr(equals + 1));
    if (!seen.insert(std::string(key)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "key '", key, "' is set twice"));
    }
    absl::Status set = SetConfigValue(config, key, value);
    if (!set.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(where, set.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status LoadConfigFile(const std::string& path, Config& config) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the config file ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  return ParseConfig(text.str(), path, config);
}

absl::Status ValidateConfig(const Config& config) {
  const ReadLimits& reads = config.daemon.read_limits;
  if (reads.default_page_size > reads.max_page_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("read_default_page_size = ", reads.default_page_size,
                     " exceeds read_max_page_size = ", reads.max_page_size));
  }
  const QueryLimits& queries = config.daemon.query_limits;
  if (queries.default_page_size > queries.max_page_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("query_default_page_size = ", queries.default_page_size,
                     " exceeds query_max_page_size = ", queries.max_page_size));
  }
  return absl::OkStatus();
}

std::string FormatConfig(const Config& config) {
  std::string out =
      "# kamgovd configuration: every key with its effective value.\n"
      "# Format and meaning: docs/operations.md. Flags given on the command\n"
      "# line override the keys of the same name.\n";
  absl::string_view group;
  for (const Setting& s : Settings()) {
    if (group != s.group) {
      group = s.group;
      absl::StrAppend(&out, "\n# ---- ", group, " ----\n");
    }
    // The help, wrapped at 78 columns.
    std::string line = "#";
    for (absl::string_view word : absl::StrSplit(s.help, ' ')) {
      if (line.size() + 1 + word.size() > 78 && line != "#") {
        absl::StrAppend(&out, line, "\n");
        line = "#";
      }
      absl::StrAppend(&line, " ", word);
    }
    const std::string value = s.get(config);
    absl::StrAppend(&out, line, "\n", s.key, value.empty() ? " =" : " = ",
                    value, "\n");
  }
  return out;
}

std::vector<std::string> FlagsOnCommandLine(int argc, char** argv) {
  std::vector<std::string> names;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (!absl::ConsumePrefix(&arg, "-")) continue;
    absl::ConsumePrefix(&arg, "-");
    absl::string_view name = arg.substr(0, arg.find('='));
    if (absl::FindCommandLineFlag(name) == nullptr &&
        (!absl::ConsumePrefix(&name, "no") ||
         absl::FindCommandLineFlag(name) == nullptr)) {
      continue;  // not a flag of this program
    }
    names.emplace_back(name);
  }
  return names;
}

absl::Status ApplyCommandLineFlags(const std::vector<std::string>& given,
                                   Config& config) {
  for (const std::string& name : given) {
    if (Find(name) == nullptr) continue;  // not a config key
    const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr) continue;
    absl::Status set = SetConfigValue(config, name, flag->CurrentValue());
    if (!set.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, ": ", set.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace kamgov::services
