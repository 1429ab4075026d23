#ifndef KAMGOV_SERVICES_LISTEN_ADDRESS_H_
#define KAMGOV_SERVICES_LISTEN_ADDRESS_H_

// Decides whether kamgovd may listen on an address. Without TLS the principal
// is taken from a request header, which is only safe when nobody but this
// machine can connect: so a non-loopback address needs TLS, or the operator's
// explicit --insecure. Pure functions; any thread.

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace kamgov::services {

// True for "127.x.y.z:port", "localhost:port", "[::1]:port" and unix sockets.
bool IsLoopbackAddress(absl::string_view address);

// OK when the address may be served; FAILED_PRECONDITION with a message that
// names the address and the way out otherwise; INVALID_ARGUMENT when the
// address has no port.
absl::Status CheckListenAddress(absl::string_view address, bool tls_configured,
                                bool insecure);

}  // namespace kamgov::services

#endif  // KAMGOV_SERVICES_LISTEN_ADDRESS_H_
