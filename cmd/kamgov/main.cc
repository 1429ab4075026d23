// kamgov: the command-line client.
//
//   kamgov [--server=127.0.0.1:50051] [--output=table|json] COMMAND ...
//
// Commands:
//   health    is the server up and serving?

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "kamgovd address.");
ABSL_FLAG(std::string, output, "table", "table (for people) or json.");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(5), "Deadline of each call.");

namespace {

constexpr char kUsage[] =
    "kamgov: the kamgov command-line client.\n"
    "  kamgov [--server=HOST:PORT] [--output=table|json] COMMAND\n"
    "commands:\n"
    "  health    is the server up and serving?";

std::shared_ptr<grpc::Channel> Connect() {
  return grpc::CreateChannel(absl::GetFlag(FLAGS_server),
                             grpc::InsecureChannelCredentials());
}

int Health() {
  auto stub = grpc::health::v1::Health::NewStub(Connect());
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() +
                                          absl::GetFlag(FLAGS_timeout)));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  const std::string server = absl::GetFlag(FLAGS_server);
  std::string state =
      status.ok()
          ? grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
                response.status())
          : "UNREACHABLE";
  if (absl::GetFlag(FLAGS_output) == "json") {
    std::cout << absl::StrFormat(R"({"server": "%s", "status": "%s"%s})",
                                 server, state,
                                 status.ok() ? ""
                                             : absl::StrFormat(
                                                   R"(, "error": "%s")",
                                                   status.error_message()))
              << "\n";
  } else {
    std::cout << absl::StrFormat("%-24s %s", server, state);
    if (!status.ok()) std::cout << "  (" << status.error_message() << ")";
    std::cout << "\n";
  }
  return state == "SERVING" ? EXIT_SUCCESS : EXIT_FAILURE;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  const std::string output = absl::GetFlag(FLAGS_output);
  if (output != "table" && output != "json") {
    std::cerr << "--output must be table or json\n";
    return 2;
  }
  if (args.size() < 2) {
    std::cerr << kUsage << "\n";
    return 2;
  }
  const std::string command = args[1];
  if (command == "health") return Health();
  std::cerr << "unknown command '" << command << "'\n" << kUsage << "\n";
  return 2;
}
