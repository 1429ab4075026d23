#ifndef KAMGOV_CMD_KAMGOV_CLIENT_H_
#define KAMGOV_CMD_KAMGOV_CLIENT_H_

// What every kamgov subcommand shares: the channel to --server, call
// deadlines, --output and error printing.

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <memory>
#include <string>

#include "absl/flags/declare.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"

ABSL_DECLARE_FLAG(std::string, server);
ABSL_DECLARE_FLAG(std::string, output);
ABSL_DECLARE_FLAG(absl::Duration, timeout);
ABSL_DECLARE_FLAG(std::string, principal);

namespace kamgov::cli {

std::shared_ptr<grpc::Channel> Connect();

// A context with the --timeout deadline (none when `streaming`) and the
// development principal header (--principal; ignored by a server with TLS,
// which takes the principal from the client certificate).
std::unique_ptr<grpc::ClientContext> NewContext(bool streaming = false);

// A message as one line of JSON, with the .proto field names.
std::string ToJson(const google::protobuf::Message& message);

bool JsonOutput();

// Prints a failed call in plain words (with rule ids and field violations
// when present) to stderr; returns the exit status for it.
int PrintError(const grpc::Status& status);

}  // namespace kamgov::cli

#endif  // KAMGOV_CMD_KAMGOV_CLIENT_H_
