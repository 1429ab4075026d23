#include "cmd/kamgov/client.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <iostream>

#include "absl/flags/flag.h"
#include "proto/status_details.h"
#include "services/grpc_status.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "kamgovd address.");
ABSL_FLAG(std::string, output, "table", "table (for people) or json.");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10),
          "Deadline of each unary call.");

namespace kamgov::cli {

std::shared_ptr<grpc::Channel> Connect() {
  return grpc::CreateChannel(absl::GetFlag(FLAGS_server),
                             grpc::InsecureChannelCredentials());
}

std::unique_ptr<grpc::ClientContext> NewContext(bool streaming) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!streaming) {
    context->set_deadline(
        absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_timeout)));
  }
  return context;
}

bool JsonOutput() { return absl::GetFlag(FLAGS_output) == "json"; }

int PrintError(const grpc::Status& status) {
  absl::Status error = services::FromGrpcStatus(status);
  std::cerr << "error: " << absl::StatusCodeToString(error.code()) << ": "
            << error.message() << "\n";
  if (auto info = GetErrorInfo(error); info.has_value()) {
    std::cerr << "  reason: " << info->reason() << "\n";
  }
  if (auto bad = GetBadRequest(error); bad.has_value()) {
    for (const auto& v : bad->field_violations()) {
      std::cerr << "  field " << v.field() << ": " << v.description() << "\n";
    }
  }
  return 1;
}

}  // namespace kamgov::cli
