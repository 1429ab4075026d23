#include "services/logging.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "spdlog/spdlog.h"

namespace kamgov::services {
namespace {

void Append(spdlog::memory_buf_t& dest, absl::string_view text) {
  dest.append(text.data(), text.data() + text.size());
}

// A JSON string literal of `text` (UTF-8 passes through).
void AppendJsonString(spdlog::memory_buf_t& dest, absl::string_view text) {
  Append(dest, "\"");
  for (char c : text) {
    switch (c) {
      case '"':
        Append(dest, "\\\"");
        break;
      case '\\':
        Append(dest, "\\\\");
        break;
      case '\n':
        Append(dest, "\\n");
        break;
      case '\r':
        Append(dest, "\\r");
        break;
      case '\t':
        Append(dest, "\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          Append(dest, absl::StrFormat("\\u%04x", c));
        } else {
          dest.push_back(c);
        }
    }
  }
  Append(dest, "\"");
}

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg,
              spdlog::memory_buf_t& dest) override {
    Append(dest, "{\"time\":\"");
    Append(dest,
           absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::FromChrono(msg.time),
                            absl::UTCTimeZone()));
    Append(dest, "\",\"level\":");
    const auto level = spdlog::level::to_string_view(msg.level);
    AppendJsonString(dest, absl::string_view(level.data(), level.size()));
    Append(dest, ",\"logger\":");
    AppendJsonString(dest, absl::string_view(msg.logger_name.data(),
                                             msg.logger_name.size()));
    Append(dest, absl::StrCat(",\"thread\":", msg.thread_id, ",\"message\":"));
    AppendJsonString(dest,
                     absl::string_view(msg.payload.data(), msg.payload.size()));
    Append(dest, "}\n");
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

std::unique_ptr<spdlog::formatter> NewJsonFormatter() {
  return std::make_unique<JsonFormatter>();
}

absl::Status ConfigureLogging(absl::string_view level,
                              absl::string_view format) {
  const std::string name(level);
  const spdlog::level::level_enum parsed = spdlog::level::from_str(name);
  if (parsed == spdlog::level::off && name != "off") {
    return absl::InvalidArgumentError(absl::StrCat(
        "log_level = '", level,
        "': use trace, debug, info, warn, error, critical or off"));
  }
  if (format == "json") {
    spdlog::set_formatter(NewJsonFormatter());
  } else if (format != "text") {
    return absl::InvalidArgumentError(
        absl::StrCat("log_format = '", format, "': use text or json"));
  }
  spdlog::set_level(parsed);
  return absl::OkStatus();
}

}  // namespace kamgov::services
