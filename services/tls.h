#ifndef KAMGOV_SERVICES_TLS_H_
#define KAMGOV_SERVICES_TLS_H_

// TLS credentials from PEM files, for kamgovd (mutual TLS: the client must
// present a certificate signed by the client CA) and for its clients (the
// kamgov CLI, tests). Files are read and checked once, when the server or
// channel is set up, so a wrong path or a key that does not match its
// certificate fails at startup with a message naming the file, not at the
// first handshake. Pure functions; any thread.

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace kamgov::services {

// The server's files; all empty means no TLS.
struct ServerTlsFiles {
  std::string cert_file;       // server certificate chain (PEM)
  std::string key_file;        // its private key (PEM)
  std::string client_ca_file;  // CA(s) client certificates must chain to

  bool enabled() const {
    return !cert_file.empty() || !key_file.empty() || !client_ca_file.empty();
  }
};

// SSL server credentials that require and verify a client certificate
// (GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY).
// INVALID_ARGUMENT when a file is missing from the set, unreadable, not
// PEM, or the key does not match the certificate.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>>
MutualTlsServerCredentials(const ServerTlsFiles& files);

// A client's files: the CA that signed the server's certificate, and the
// client's own certificate and key (both or neither).
struct ClientTlsFiles {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
};

// SSL channel credentials; INVALID_ARGUMENT as for the server.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> TlsChannelCredentials(
    const ClientTlsFiles& files);

}  // namespace kamgov::services

#endif  // KAMGOV_SERVICES_TLS_H_
