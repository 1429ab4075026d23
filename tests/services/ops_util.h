#ifndef KAMGOV_TESTS_SERVICES_OPS_UTIL_H_
#define KAMGOV_TESTS_SERVICES_OPS_UTIL_H_

// Helpers of the operations tests (services_Ops*): a real daemon on
// 127.0.0.1:0 with a fixed clock, gRPC calls to it, a minimal HTTP GET, and
// a strict parser of the Prometheus text exposition format (version 0.0.4,
// https://prometheus.io/docs/instrumenting/exposition_formats/).

#include <grpcpp/channel.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kamgov/v1/admin.grpc.pb.h"
#include "kamgov/v1/governance.grpc.pb.h"
#include "services/daemon.h"
#include "tests/domain/rule_cases.h"

namespace kamgov::services::testing {

inline constexpr char kOpsPrincipal[] = "svc:ops-test";

// Options for a test daemon: 127.0.0.1:0, `data_dir`, every clock fixed at
// domain::testing::kT0 (the rule cases' clock), the scheduler off.
DaemonOptions TestDaemonOptions(const std::string& data_dir);

// A started daemon and stubs to it. Destruction stops the daemon.
class OpsServer {
 public:
  static absl::StatusOr<std::unique_ptr<OpsServer>> Start(
      DaemonOptions options);
  ~OpsServer();

  Daemon& daemon() { return *daemon_; }

  // Execute RPC for `step` (a random command id when it has none).
  absl::StatusOr<v1::CommandResult> Execute(
      const domain::testing::CommandStep& step,
      absl::string_view principal = kOpsPrincipal);
  // Execute()s each step; the first failure names the step.
  absl::Status RunAll(const std::vector<domain::testing::CommandStep>& steps);
  absl::StatusOr<v1::GetPersonResponse> GetPerson(absl::string_view id);
  absl::StatusOr<v1::BackupResponse> Backup(
      const std::string& destination, uint32_t keep = 0,
      absl::string_view principal = kOpsPrincipal);

 private:
  OpsServer() = default;
  std::unique_ptr<Daemon> daemon_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::GovernanceService::Stub> governance_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
};

// A step registering person `id` (unit tax, role TEAM_MEMBER) as boss.
domain::testing::CommandStep RegisterStep(absl::string_view id);

struct HttpResponse {
  int status = 0;
  // Header names lower-cased.
  std::map<std::string, std::string> headers;
  std::string body;
};
// GET http://127.0.0.1:port/path (HTTP/1.1, Connection: close).
absl::StatusOr<HttpResponse> HttpGet(int port, const std::string& path);

// A parsed exposition. Samples are keyed by "name{l1="v1",l2="v2"}" with
// the labels sorted by name ("name" alone without labels).
struct Exposition {
  // Family name -> TYPE (counter, gauge, histogram, summary, untyped).
  std::map<std::string, std::string> types;
  std::map<std::string, double> samples;

  // The sample's value, or -1 when absent.
  double Value(const std::string& key) const;
};

// Parses the text format strictly: HELP/TYPE syntax, one TYPE per family
// and before its samples, a family's lines contiguous, metric and label
// names, label value escapes, float values, no duplicate series, the text
// ending with a newline; for histograms, increasing `le` bounds, cumulative
// counts that never decrease, a +Inf bucket equal to _count, and a _sum.
// INVALID_ARGUMENT with the line number otherwise.
absl::StatusOr<Exposition> ParseExposition(absl::string_view text);

}  // namespace kamgov::services::testing

#endif  // KAMGOV_TESTS_SERVICES_OPS_UTIL_H_
