#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "cmd/kamgov/client.h"
#include "cmd/kamgov/commands.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace kamgov::cli {

int Health(const Args&) {
  auto stub = grpc::health::v1::Health::NewStub(Connect());
  auto context = NewContext();
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(context.get(), request, &response);
  const std::string server = absl::GetFlag(FLAGS_server);
  const std::string state =
      status.ok() ? grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
                        response.status())
                  : "UNREACHABLE";
  if (JsonOutput()) {
    std::cout << absl::StrFormat(R"({"server": "%s", "status": "%s")", server,
                                 state);
    if (!status.ok()) {
      std::cout << absl::StrFormat(R"(, "error": "%s")",
                                   absl::CHexEscape(status.error_message()));
    }
    std::cout << "}\n";
  } else {
    std::cout << absl::StrFormat("%-24s %s", server, state);
    if (!status.ok()) std::cout << "  (" << status.error_message() << ")";
    std::cout << "\n";
  }
  return state == "SERVING" ? 0 : 1;
}

}  // namespace kamgov::cli
