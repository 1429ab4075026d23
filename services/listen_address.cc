#include "services/listen_address.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace kamgov::services {
namespace {

// Splits "host:port" / "[v6]:port"; false when there is no numeric port.
bool SplitHostPort(absl::string_view address, absl::string_view* host) {
  size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) return false;
  int port = 0;
  if (!absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return false;
  }
  *host = address.substr(0, colon);
  if (absl::StartsWith(*host, "[") && absl::EndsWith(*host, "]")) {
    *host = host->substr(1, host->size() - 2);
  }
  return true;
}

}  // namespace

bool IsLoopbackAddress(absl::string_view address) {
  if (absl::StartsWith(address, "unix:")) return true;
  absl::string_view host;
  if (!SplitHostPort(address, &host)) return false;
  return host == "localhost" || host == "::1" || absl::StartsWith(host, "127.");
}

absl::Status CheckListenAddress(absl::string_view address, bool tls_configured,
                                bool insecure) {
  absl::string_view host;
  if (!absl::StartsWith(address, "unix:") && !SplitHostPort(address, &host)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--listen=", address, " is not host:port (e.g. 127.0.0.1:50051)"));
  }
  if (tls_configured || insecure || IsLoopbackAddress(address)) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "refusing to listen on ", address,
      " without TLS: any host could connect and claim any principal. "
      "Configure TLS, listen on a loopback address such as 127.0.0.1:50051, "
      "or pass --insecure to accept the risk."));
}

}  // namespace kamgov::services
