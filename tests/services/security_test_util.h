#ifndef KAMGOV_TESTS_SERVICES_SECURITY_TEST_UTIL_H_
#define KAMGOV_TESTS_SERVICES_SECURITY_TEST_UTIL_H_

// Shared by the security tests: certificates made at test time by
// deploy/make-certs.sh (no key is checked in), daemons started with TLS or
// in development mode, and a generic unary call by method name so that a
// test can call every RPC of the API the same way.

#include <grpcpp/channel.h>

#include <map>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "services/daemon.h"
#include "tests/testing/temp_dir.h"

namespace kamgov::services::testing {

// The repository, for deploy/ and tests/ files.
std::string SourcePath(absl::string_view relative);

// Two certificate authorities made once per test binary by
// deploy/make-certs.sh: `main` (server certificate for localhost and
// 127.0.0.1; clients crm, dashboard, auditor, admin and stranger, each with
// URI SAN spiffe://kamgov/svc/NAME and CN NAME) and `other` (an unrelated
// CA with its own client "crm"). Thread-compatible; lives until exit.
class TestCerts {
 public:
  static const TestCerts& Get();

  std::string ca() const { return main_ + "/ca.pem"; }
  std::string server_cert() const { return main_ + "/server.pem"; }
  std::string server_key() const { return main_ + "/server.key"; }
  std::string cert(absl::string_view client) const;
  std::string key(absl::string_view client) const;
  std::string other_ca() const { return other_ + "/ca.pem"; }
  std::string other_cert() const { return other_ + "/client-crm.pem"; }
  std::string other_key() const { return other_ + "/client-crm.key"; }
  const std::string& dir() const { return dir_.path(); }

 private:
  TestCerts();
  kamgov::testing::TempDir dir_;
  std::string main_;
  std::string other_;
};

// Daemon options on 127.0.0.1:0 over `data_dir`, with mutual TLS from
// TestCerts and `policy_file` (the shipped example when empty).
DaemonOptions TlsDaemonOptions(const std::string& data_dir,
                               const std::string& policy_file = "");

// A TLS channel to 127.0.0.1:port trusting TestCerts' CA (or `ca`), with a
// client certificate when `cert` is not empty.
std::shared_ptr<grpc::Channel> TlsChannel(int port, const std::string& cert,
                                          const std::string& key,
                                          const std::string& ca = "");
std::shared_ptr<grpc::Channel> InsecureChannel(int port);

// A unary call of `method` ("/pkg.Service/Method") with `request`; the
// response bytes go to `response` when given. `metadata` is sent as is.
// The deadline is 10 s unless `deadline` is zero (then none is set).
grpc::Status CallUnary(
    grpc::Channel* channel, const std::string& method,
    const google::protobuf::Message& request, std::string* response = nullptr,
    const std::multimap<std::string, std::string>& metadata = {},
    absl::Duration deadline = absl::Seconds(10));
// The same with the request already serialized.
grpc::Status CallUnaryBytes(
    grpc::Channel* channel, const std::string& method,
    const std::string& request, std::string* response = nullptr,
    const std::multimap<std::string, std::string>& metadata = {},
    absl::Duration deadline = absl::Seconds(10));

// A text-format message, parsed or the test aborts.
template <typename M>
M Parse(absl::string_view text);

}  // namespace kamgov::services::testing

#include "google/protobuf/text_format.h"

namespace kamgov::services::testing {

template <typename M>
M Parse(absl::string_view text) {
  M message;
  if (!google::protobuf::TextFormat::ParseFromString(std::string(text),
                                                     &message)) {
    std::abort();
  }
  return message;
}

}  // namespace kamgov::services::testing

#endif  // KAMGOV_TESTS_SERVICES_SECURITY_TEST_UTIL_H_
