#include "tests/services/ops_util.h"

#include <arpa/inet.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "services/grpc_status.h"
#include "services/identity.h"

namespace kamgov::services::testing {
namespace {

void Prepare(grpc::ClientContext& context, absl::string_view principal) {
  context.AddMetadata(kPrincipalHeader, std::string(principal));
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
}

std::string RandomId() {
  absl::BitGen gen;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(gen),
                         absl::Uniform<uint64_t>(gen));
}

}  // namespace

DaemonOptions TestDaemonOptions(const std::string& data_dir) {
  DaemonOptions options;
  options.server.listen = "127.0.0.1:0";
  options.data_dir = data_dir;
  options.clock_us = [] { return domain::testing::kT0; };
  options.processor.clock_us = [] { return domain::testing::kT0; };
  options.scheduler_interval = absl::ZeroDuration();
  return options;
}

absl::StatusOr<std::unique_ptr<OpsServer>> OpsServer::Start(
    DaemonOptions options) {
  absl::StatusOr<std::unique_ptr<Daemon>> daemon =
      Daemon::Start(std::move(options));
  if (!daemon.ok()) return daemon.status();
  std::unique_ptr<OpsServer> server(new OpsServer());
  server->daemon_ = *std::move(daemon);
  server->channel_ =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", server->daemon_->port()),
                          grpc::InsecureChannelCredentials());
  server->governance_ = v1::GovernanceService::NewStub(server->channel_);
  server->admin_ = v1::AdminService::NewStub(server->channel_);
  return server;
}

OpsServer::~OpsServer() {
  governance_.reset();
  admin_.reset();
  channel_.reset();
  if (daemon_ != nullptr) daemon_->Stop(absl::Seconds(5));
}

absl::StatusOr<v1::CommandResult> OpsServer::Execute(
    const domain::testing::CommandStep& step, absl::string_view principal) {
  v1::ExecuteRequest request;
  *request.mutable_meta() = step.meta;
  if (request.meta().command_id().empty()) {
    request.mutable_meta()->set_command_id(RandomId());
  }
  *request.mutable_command() = step.command;
  grpc::ClientContext context;
  Prepare(context, principal);
  v1::CommandResult result;
  grpc::Status status = governance_->Execute(&context, request, &result);
  if (!status.ok()) return FromGrpcStatus(status);
  return result;
}

absl::Status OpsServer::RunAll(
    const std::vector<domain::testing::CommandStep>& steps) {
  for (size_t i = 0; i < steps.size(); ++i) {
    absl::StatusOr<v1::CommandResult> result = Execute(steps[i]);
    if (!result.ok()) {
      return absl::Status(
          result.status().code(),
          absl::StrCat("step ", i, " (", steps[i].command.ShortDebugString(),
                       "): ", result.status().message()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::GetPersonResponse> OpsServer::GetPerson(
    absl::string_view id) {
  v1::GetRequest request;
  request.set_id(std::string(id));
  grpc::ClientContext context;
  Prepare(context, kOpsPrincipal);
  v1::GetPersonResponse response;
  grpc::Status status = governance_->GetPerson(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<v1::BackupResponse> OpsServer::Backup(
    const std::string& destination, uint32_t keep,
    absl::string_view principal) {
  v1::BackupRequest request;
  request.set_destination(destination);
  request.set_keep(keep);
  grpc::ClientContext context;
  Prepare(context, principal);
  v1::BackupResponse response;
  grpc::Status status = admin_->Backup(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

domain::testing::CommandStep RegisterStep(absl::string_view id) {
  return domain::testing::Step(
      "boss", absl::StrFormat(R"pb(register_person {
                                     person_id: "%s"
                                     name: "Name of %s"
                                     unit_id: "tax"
                                     country: "DE"
                                     roles { role: GOVERNANCE_ROLE_TEAM_MEMBER }
                                   })pb",
                              id, id));
}

absl::StatusOr<HttpResponse> HttpGet(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket");
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
      0) {
    return absl::UnavailableError(absl::StrCat("cannot connect to ", port));
  }
  const std::string request =
      absl::StrCat("GET ", path,
                   " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  if (send(fd, request.data(), request.size(), 0) !=
      static_cast<ssize_t>(request.size())) {
    return absl::UnavailableError("send");
  }
  std::string raw;
  char buffer[65536];
  while (true) {
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0) return absl::DeadlineExceededError("recv");
    if (n == 0) break;
    raw.append(buffer, static_cast<size_t>(n));
  }
  const size_t end = raw.find("\r\n\r\n");
  if (end == std::string::npos) {
    return absl::DataLossError("no end of headers in the HTTP response");
  }
  HttpResponse response;
  std::vector<std::string> lines = absl::StrSplit(raw.substr(0, end), "\r\n");
  std::vector<std::string> status_line = absl::StrSplit(lines[0], ' ');
  if (status_line.size() < 2 || !absl::StartsWith(status_line[0], "HTTP/1.") ||
      !absl::SimpleAtoi(status_line[1], &response.status)) {
    return absl::DataLossError(absl::StrCat("bad status line: ", lines[0]));
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == std::string::npos) {
      return absl::DataLossError(absl::StrCat("bad header: ", lines[i]));
    }
    response.headers[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
        std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
  }
  std::string body = raw.substr(end + 4);
  if (response.headers["transfer-encoding"] == "chunked") {
    std::string decoded;
    size_t at = 0;
    while (true) {
      const size_t line_end = body.find("\r\n", at);
      if (line_end == std::string::npos) {
        return absl::DataLossError("bad chunk");
      }
      size_t size = 0;
      if (!absl::SimpleHexAtoi(body.substr(at, line_end - at), &size)) {
        return absl::DataLossError("bad chunk size");
      }
      if (size == 0) break;
      decoded += body.substr(line_end + 2, size);
      at = line_end + 2 + size + 2;
    }
    body = std::move(decoded);
  } else if (auto it = response.headers.find("content-length");
             it != response.headers.end()) {
    size_t length = 0;
    if (!absl::SimpleAtoi(it->second, &length) || length != body.size()) {
      return absl::DataLossError(absl::StrCat("content-length ", it->second,
                                              " but ", body.size(),
                                              " bytes of body"));
    }
  }
  response.body = std::move(body);
  return response;
}

double Exposition::Value(const std::string& key) const {
  auto it = samples.find(key);
  return it == samples.end() ? -1 : it->second;
}

namespace {

bool IsMetricName(absl::string_view name) {
  if (name.empty() || absl::ascii_isdigit(name.front())) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_isalnum(c) || c == '_' || c == ':';
  });
}

bool IsLabelName(absl::string_view name) {
  if (name.empty() || absl::ascii_isdigit(name.front()) ||
      absl::StartsWith(name, "__")) {
    return false;
  }
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return absl::ascii_isalnum(c) || c == '_'; });
}

// A float as Prometheus reads it (Go's strconv.ParseFloat): decimal or
// exponent notation, or NaN, Inf, Infinity with an optional sign, in any
// case (prometheus-cpp writes "Nan" for an empty summary).
bool ParseValue(absl::string_view text, double* value) {
  absl::string_view word = text;
  if (!word.empty() && (word.front() == '+' || word.front() == '-')) {
    word.remove_prefix(1);
  }
  if (absl::EqualsIgnoreCase(text, "nan") ||
      absl::EqualsIgnoreCase(word, "inf") ||
      absl::EqualsIgnoreCase(word, "infinity")) {
    return absl::SimpleAtod(text, value);
  }
  absl::string_view rest = text;
  if (!rest.empty() && (rest.front() == '+' || rest.front() == '-')) {
    rest.remove_prefix(1);
  }
  bool digits = false, dot = false, exponent = false;
  for (size_t i = 0; i < rest.size(); ++i) {
    const char c = rest[i];
    if (absl::ascii_isdigit(c)) {
      digits = true;
    } else if (c == '.' && !dot && !exponent) {
      dot = true;
    } else if ((c == 'e' || c == 'E') && digits && !exponent) {
      exponent = true;
      digits = false;
      if (i + 1 < rest.size() && (rest[i + 1] == '+' || rest[i + 1] == '-')) {
        ++i;
      }
    } else {
      return false;
    }
  }
  return digits && absl::SimpleAtod(text, value);
}

// Reads the HELP text: only \\ and \n are escapes.
bool ValidHelp(absl::string_view help) {
  for (size_t i = 0; i < help.size(); ++i) {
    if (help[i] != '\\') continue;
    if (i + 1 >= help.size() || (help[i + 1] != '\\' && help[i + 1] != 'n')) {
      return false;
    }
    ++i;
  }
  return true;
}

struct HistogramSeries {
  std::vector<std::pair<double, double>> buckets;  // (le, cumulative count)
  bool has_count = false, has_sum = false;
  double count = 0;
};

}  // namespace

absl::StatusOr<Exposition> ParseExposition(absl::string_view text) {
  if (text.empty() || text.back() != '\n') {
    return absl::InvalidArgumentError("the exposition must end with '\\n'");
  }
  Exposition out;
  std::set<std::string> helped;
  std::set<std::string> closed;  // families whose group of lines ended
  std::set<std::string> with_samples;
  std::string current;
  // family -> labels without le -> series
  std::map<std::string, std::map<std::string, HistogramSeries>> histograms;
  int number = 0;
  auto enter = [&](const std::string& family) -> absl::Status {
    if (family == current) return absl::OkStatus();
    if (closed.count(family) > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", number, ": the lines of family ", family,
                       " are not contiguous"));
    }
    if (!current.empty()) closed.insert(current);
    current = family;
    return absl::OkStatus();
  };
  text.remove_suffix(1);
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", number, ": ", why, ": '", line, "'"));
    };
    if (line.empty()) continue;
    if (line.front() == '#') {
      std::vector<absl::string_view> tokens =
          absl::StrSplit(line, absl::MaxSplits(' ', 3));
      if (tokens.size() < 2 || tokens[0] != "#" ||
          (tokens[1] != "HELP" && tokens[1] != "TYPE")) {
        continue;  // a comment
      }
      if (tokens.size() < 3 || !IsMetricName(tokens[2])) {
        return bad("a HELP or TYPE line without a valid metric name");
      }
      const std::string family(tokens[2]);
      if (absl::Status s = enter(family); !s.ok()) return s;
      if (tokens[1] == "HELP") {
        if (!helped.insert(family).second) return bad("a second HELP");
        if (tokens.size() == 4 && !ValidHelp(tokens[3])) {
          return bad("a bad escape in HELP");
        }
        continue;
      }
      static const std::set<std::string> kTypes = {
          "counter", "gauge", "histogram", "summary", "untyped"};
      if (tokens.size() != 4 || kTypes.count(std::string(tokens[3])) == 0) {
        return bad("TYPE without a valid type");
      }
      if (out.types.count(family) > 0) return bad("a second TYPE");
      if (with_samples.count(family) > 0) return bad("TYPE after samples");
      out.types[family] = std::string(tokens[3]);
      continue;
    }

    // name{labels} value [timestamp]
    size_t at = 0;
    while (at < line.size() && line[at] != '{' && line[at] != ' ') ++at;
    const std::string name(line.substr(0, at));
    if (!IsMetricName(name)) return bad("an invalid metric name");
    std::map<std::string, std::string> labels;
    if (at < line.size() && line[at] == '{') {
      ++at;
      while (true) {
        if (at < line.size() && line[at] == '}') {
          ++at;
          break;
        }
        size_t eq = line.find('=', at);
        if (eq == absl::string_view::npos) return bad("a label without '='");
        const std::string label(line.substr(at, eq - at));
        if (!IsLabelName(label)) return bad("an invalid label name");
        at = eq + 1;
        if (at >= line.size() || line[at] != '"') {
          return bad("a label value without quotes");
        }
        ++at;
        std::string value;
        bool closed_quote = false;
        while (at < line.size()) {
          const char c = line[at++];
          if (c == '"') {
            closed_quote = true;
            break;
          }
          if (c == '\\') {
            if (at >= line.size()) return bad("a dangling escape");
            const char e = line[at++];
            if (e == 'n') {
              value.push_back('\n');
            } else if (e == '\\' || e == '"') {
              value.push_back(e);
            } else {
              return bad("a bad escape in a label value");
            }
            continue;
          }
          value.push_back(c);
        }
        if (!closed_quote) return bad("an unterminated label value");
        if (!labels.emplace(label, value).second) {
          return bad("a label given twice");
        }
        if (at < line.size() && line[at] == ',') {
          ++at;
        } else if (at >= line.size() || line[at] != '}') {
          return bad("labels not separated by ','");
        }
      }
    }
    if (at >= line.size() || line[at] != ' ') {
      return bad("no space before the value");
    }
    std::vector<absl::string_view> rest = absl::StrSplit(
        line.substr(at), absl::ByAnyChar(" \t"), absl::SkipEmpty());
    double value = 0;
    if (rest.empty() || rest.size() > 2 || !ParseValue(rest[0], &value)) {
      return bad("a missing or malformed value");
    }
    int64_t timestamp = 0;
    if (rest.size() == 2 && !absl::SimpleAtoi(rest[1], &timestamp)) {
      return bad("a malformed timestamp");
    }

    // The family: a histogram's or summary's series carry suffixes.
    std::string family = name;
    std::string suffix;
    if (out.types.count(name) == 0) {
      for (absl::string_view s : {"_bucket", "_sum", "_count"}) {
        if (!absl::EndsWith(name, s)) continue;
        const std::string base = name.substr(0, name.size() - s.size());
        auto it = out.types.find(base);
        if (it != out.types.end() &&
            (it->second == "histogram" ||
             (it->second == "summary" && s != "_bucket"))) {
          family = base;
          suffix = std::string(s);
        }
      }
    }
    if (absl::Status s = enter(family); !s.ok()) return s;
    with_samples.insert(family);
    auto type = out.types.find(family);
    if (type != out.types.end() && type->second == "counter" &&
        (value < 0 || std::isnan(value))) {
      return bad("a negative counter");
    }
    if (type != out.types.end() && type->second == "histogram") {
      if (suffix.empty()) return bad("a histogram sample without a suffix");
      std::map<std::string, std::string> series_labels = labels;
      series_labels.erase("le");
      HistogramSeries& series = histograms[family][absl::StrJoin(
          series_labels, ",", absl::PairFormatter("="))];
      if (suffix == "_bucket") {
        auto le = labels.find("le");
        double bound = 0;
        if (le == labels.end() || !ParseValue(le->second, &bound)) {
          return bad("a bucket without a valid le");
        }
        if (!series.buckets.empty() && (bound <= series.buckets.back().first ||
                                        value < series.buckets.back().second)) {
          return bad("buckets not increasing or counts decreasing");
        }
        series.buckets.emplace_back(bound, value);
      } else if (suffix == "_count") {
        series.has_count = true;
        series.count = value;
      } else {
        series.has_sum = true;
      }
    }
    std::string key = name;
    if (!labels.empty()) {
      std::vector<std::string> parts;
      for (const auto& [label, label_value] : labels) {
        parts.push_back(absl::StrCat(label, "=\"", label_value, "\""));
      }
      absl::StrAppend(&key, "{", absl::StrJoin(parts, ","), "}");
    }
    if (!out.samples.emplace(key, value).second) {
      return bad("a series given twice");
    }
  }
  for (const auto& [family, all] : histograms) {
    for (const auto& [labels, series] : all) {
      const std::string what = absl::StrCat(family, "{", labels, "}");
      if (series.buckets.empty() || !std::isinf(series.buckets.back().first)) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, ": no le=\"+Inf\" bucket"));
      }
      if (!series.has_count || !series.has_sum) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, ": no _count or no _sum"));
      }
      if (series.buckets.back().second != series.count) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, ": the +Inf bucket differs from _count"));
      }
    }
  }
  return out;
}

}  // namespace kamgov::services::testing
