#ifndef KAMGOV_SERVICES_GRPC_SERVER_H_
#define KAMGOV_SERVICES_GRPC_SERVER_H_

#include <grpcpp/server.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace kamgov::services {

struct GrpcServerOptions {
  // host:port; port 0 picks a free port (see GrpcServer::port()).
  std::string listen = "127.0.0.1:50051";
  // Allows a non-loopback address without TLS.
  bool insecure = false;
};

// A started gRPC server serving the given services plus grpc.health.v1 and
// server reflection.
//
// Refuses a non-loopback address without TLS (see listen_address.h). The
// services are not owned and must outlive the server. Shutdown() may be
// called from any one thread; the destructor shuts down if needed.
class GrpcServer {
 public:
  // FAILED_PRECONDITION for a refused address, UNAVAILABLE when the port
  // cannot be bound.
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(
      const GrpcServerOptions& options,
      const std::vector<grpc::Service*>& services);

  ~GrpcServer();
  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  // The bound port.
  int port() const { return port_; }

  // Marks health NOT_SERVING, stops accepting calls, lets calls in flight
  // finish for up to `grace`, then cancels the rest and returns.
  void Shutdown(absl::Duration grace);

 private:
  GrpcServer(std::unique_ptr<grpc::Server> server, int port)
      : server_(std::move(server)), port_(port) {}

  std::unique_ptr<grpc::Server> server_;
  int port_;
  bool shut_down_ = false;
};

}  // namespace kamgov::services

#endif  // KAMGOV_SERVICES_GRPC_SERVER_H_
