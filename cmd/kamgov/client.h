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

ABSL_DECLARE_FLAG(std::string, server);
ABSL_DECLARE_FLAG(std::string, output);
ABSL_DECLARE_FLAG(absl::Duration, timeout);

namespace kamgov::cli {

std::shared_ptr<grpc::Channel> Connect();

// A context with the --timeout deadline (none when `streaming`).
std::unique_ptr<grpc::ClientContext> NewContext(bool streaming = false);

bool JsonOutput();

// Prints a failed call in plain words (with rule ids and field violations
// when present) to stderr; returns the exit status for it.
int PrintError(const grpc::Status& status);

}  // namespace kamgov::cli

#endif  // KAMGOV_CMD_KAMGOV_CLIENT_H_
