#ifndef KAMGOV_SERVICES_GRPC_SERVER_H_
#define KAMGOV_SERVICES_GRPC_SERVER_H_

#include <grpcpp/server.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/identity.h"
#include "services/tls.h"

namespace kamgov::services {

class CallAdmission;  // grpc_server.cc

struct GrpcServerOptions {
  // host:port; port 0 picks a free port (see GrpcServer::port()).
  std::string listen = "127.0.0.1:50051";
  // Allows a non-loopback address without TLS.
  bool insecure = false;
  // Mutual TLS. All empty: development mode, where the principal comes from
  // the x-kamgov-principal header (loopback only unless `insecure`).
  ServerTlsFiles tls;
  // With TLS: the certificate field that names the principal.
  PrincipalSource principal_from = PrincipalSource::kUriSan;
  // The authorization policy file (services/authz.h). Empty: every call is
  // allowed, which is refused with TLS (a TLS server must say who may do
  // what).
  std::string authz_policy_file;
  // Requests larger than this fail with RESOURCE_EXHAUSTED before any
  // handler runs.
  int max_message_bytes = 4 * 1024 * 1024;
  // The deadline of unary calls whose caller set none: they are ended with
  // DEADLINE_EXCEEDED when it passes. Streams are exempt (a subscription is
  // meant to stay open).
  absl::Duration default_deadline = absl::Seconds(30);
  // Concurrent EventStreamService.Subscribe calls one principal may hold
  // open; more fail with RESOURCE_EXHAUSTED. (Calls without a principal,
  // possible only in development mode without a policy, are bounded by the
  // hub's global limit alone.)
  size_t max_subscriptions_per_principal = 64;
};

// A started gRPC server serving the given services plus grpc.health.v1 and
// server reflection.
//
// Every call is admitted before its handler runs, in one place (an
// interceptor over the server's own call contexts, identity.h): the
// principal is authenticated (client certificate with TLS, the development
// header without), the authorization policy is checked, and the limits
// (subscriptions per principal, default deadline) are applied. Handlers
// read the outcome through PrincipalOf/CheckCall (identity.h), so a refused
// call finishes with UNAUTHENTICATED, PERMISSION_DENIED or
// RESOURCE_EXHAUSTED and does nothing.
//
// Refuses a non-loopback address without TLS (see listen_address.h). The
// services are not owned and must outlive the server. Shutdown() may be
// called from any one thread; the destructor shuts down if needed.
class GrpcServer {
 public:
  // FAILED_PRECONDITION for a refused address or TLS without a policy,
  // INVALID_ARGUMENT for bad TLS files, a bad policy or limits, NOT_FOUND
  // for a missing policy file, UNAVAILABLE when the port cannot be bound.
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(
      const GrpcServerOptions& options,
      const std::vector<grpc::Service*>& services);

  ~GrpcServer();
  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  // The bound port.
  int port() const { return port_; }
  // True when serving mutual TLS.
  bool tls() const;
  // Principals named by the authorization policy; 0 without one.
  size_t policy_principals() const;

  // Marks health NOT_SERVING, stops accepting calls, lets calls in flight
  // finish for up to `grace`, then cancels the rest and returns.
  void Shutdown(absl::Duration grace);

 private:
  GrpcServer(std::unique_ptr<CallAdmission> admission,
             std::unique_ptr<grpc::Server> server, int port);

  // Outlives server_: the calls' contexts refer to it until released.
  std::unique_ptr<CallAdmission> admission_;
  std::unique_ptr<grpc::Server> server_;
  int port_;
  bool shut_down_ = false;
};

}  // namespace kamgov::services

#endif  // KAMGOV_SERVICES_GRPC_SERVER_H_
