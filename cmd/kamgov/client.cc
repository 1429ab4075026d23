#include "cmd/kamgov/client.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <cstdlib>
#include <iostream>

#include "absl/flags/flag.h"
#include "google/protobuf/util/json_util.h"
#include "proto/status_details.h"
#include "services/grpc_status.h"
#include "services/identity.h"
#include "services/tls.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "kamgovd address.");
ABSL_FLAG(std::string, output, "table", "table (for people) or json.");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10),
          "Deadline of each unary call.");
ABSL_FLAG(std::string, cacert, "",
          "TLS: the CA certificate (PEM) that signed kamgovd's certificate.");
ABSL_FLAG(std::string, cert, "",
          "TLS: this client's certificate (PEM); it names the principal.");
ABSL_FLAG(std::string, key, "", "TLS: the key (PEM) of --cert.");
ABSL_FLAG(std::string, principal, "cli:kamgov",
          "The calling service's identity (development mode only).");

namespace kamgov::cli {

std::shared_ptr<grpc::Channel> Connect() {
  if (absl::GetFlag(FLAGS_cacert).empty() &&
      absl::GetFlag(FLAGS_cert).empty() && absl::GetFlag(FLAGS_key).empty()) {
    return grpc::CreateChannel(absl::GetFlag(FLAGS_server),
                               grpc::InsecureChannelCredentials());
  }
  // Mutual TLS: the server takes the principal from --cert.
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      services::TlsChannelCredentials({absl::GetFlag(FLAGS_cacert),
                                       absl::GetFlag(FLAGS_cert),
                                       absl::GetFlag(FLAGS_key)});
  if (!credentials.ok()) {
    std::cerr << "error: " << credentials.status().message() << "\n";
    std::exit(2);
  }
  return grpc::CreateChannel(absl::GetFlag(FLAGS_server), *credentials);
}

std::unique_ptr<grpc::ClientContext> NewContext(bool streaming) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!streaming) {
    context->set_deadline(
        absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_timeout)));
  }
  if (const std::string principal = absl::GetFlag(FLAGS_principal);
      !principal.empty()) {
    context->AddMetadata(services::kPrincipalHeader, principal);
  }
  return context;
}

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
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
