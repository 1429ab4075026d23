#include "tests/services/security_test_util.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>

#include <cstdlib>
#include <future>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/tls.h"

namespace kamgov::services::testing {

std::string SourcePath(absl::string_view relative) {
  return absl::StrCat(KAMGOV_SOURCE_DIR, "/", relative);
}

const TestCerts& TestCerts::Get() {
  static const TestCerts* const certs = new TestCerts();
  return *certs;
}

TestCerts::TestCerts()
    : main_(dir_.path() + "/main"), other_(dir_.path() + "/other") {
  const std::string script = SourcePath("deploy/make-certs.sh");
  const std::string main_command =
      absl::StrCat("bash '", script, "' --ca-name 'kamgov test CA' '", main_,
                   "' crm dashboard auditor admin stranger >/dev/null");
  const std::string other_command =
      absl::StrCat("bash '", script, "' --ca-name 'another CA' '", other_,
                   "' crm >/dev/null");
  if (std::system(main_command.c_str()) != 0 ||
      std::system(other_command.c_str()) != 0) {
    ADD_FAILURE() << "deploy/make-certs.sh failed";
    std::abort();
  }
}

std::string TestCerts::cert(absl::string_view client) const {
  return absl::StrCat(main_, "/client-", client, ".pem");
}
std::string TestCerts::key(absl::string_view client) const {
  return absl::StrCat(main_, "/client-", client, ".key");
}

DaemonOptions TlsDaemonOptions(const std::string& data_dir,
                               const std::string& policy_file) {
  const TestCerts& certs = TestCerts::Get();
  DaemonOptions options;
  options.server.listen = "127.0.0.1:0";
  options.data_dir = data_dir;
  options.scheduler_interval = absl::ZeroDuration();
  options.server.tls.cert_file = certs.server_cert();
  options.server.tls.key_file = certs.server_key();
  options.server.tls.client_ca_file = certs.ca();
  options.server.authz_policy_file =
      policy_file.empty() ? SourcePath("deploy/authz.example.ini")
                          : policy_file;
  return options;
}

std::shared_ptr<grpc::Channel> TlsChannel(int port, const std::string& cert,
                                          const std::string& key,
                                          const std::string& ca) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      TlsChannelCredentials(
          {ca.empty() ? TestCerts::Get().ca() : ca, cert, key});
  EXPECT_TRUE(credentials.ok()) << credentials.status();
  if (!credentials.ok()) std::abort();
  // A channel per test identity: no subchannel sharing between identities.
  grpc::ChannelArguments args;
  args.SetInt("grpc.use_local_subchannel_pool", 1);
  return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                   *credentials, args);
}

std::shared_ptr<grpc::Channel> InsecureChannel(int port) {
  return grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                             grpc::InsecureChannelCredentials());
}

grpc::Status CallUnary(grpc::Channel* channel, const std::string& method,
                       const google::protobuf::Message& request,
                       std::string* response,
                       const std::multimap<std::string, std::string>& metadata,
                       absl::Duration deadline) {
  return CallUnaryBytes(channel, method, request.SerializeAsString(), response,
                        metadata, deadline);
}

grpc::Status CallUnaryBytes(
    grpc::Channel* channel, const std::string& method,
    const std::string& request, std::string* response,
    const std::multimap<std::string, std::string>& metadata,
    absl::Duration deadline) {
  grpc::GenericStub stub(std::shared_ptr<grpc::Channel>(
      channel, [](grpc::Channel*) {}));  // not owned
  grpc::ClientContext context;
  if (deadline > absl::ZeroDuration()) {
    context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  }
  for (const auto& [key, value] : metadata) context.AddMetadata(key, value);
  grpc::Slice slice(request);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request_buffer,
                 &response_buffer,
                 [&done](grpc::Status status) { done.set_value(status); });
  grpc::Status status = done.get_future().get();
  if (status.ok() && response != nullptr) {
    std::vector<grpc::Slice> slices;
    (void)response_buffer.Dump(&slices);
    response->clear();
    for (const grpc::Slice& s : slices) {
      response->append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
  }
  return status;
}

}  // namespace kamgov::services::testing
