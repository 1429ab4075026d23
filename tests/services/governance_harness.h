#ifndef KAMGOV_TESTS_SERVICES_GOVERNANCE_HARNESS_H_
#define KAMGOV_TESTS_SERVICES_GOVERNANCE_HARNESS_H_

// A real kamgov daemon for GovernanceService tests: Daemon::Start on
// 127.0.0.1:0 over a data directory, its one clock injected, the deadline
// scheduler off (tests call RunDeadlines themselves), and real gRPC stubs.

#include <grpcpp/client_context.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "eventstore/event_log.h"
#include "kamgov/v1/governance.grpc.pb.h"
#include "services/daemon.h"
#include "tests/domain/rule_cases.h"

namespace kamgov::services::testing {

using domain::testing::CommandStep;

// The principal tests call with unless they say otherwise.
inline constexpr char kTestPrincipal[] = "svc:governance-test";

// A settable clock (µs since the epoch). Thread-safe; it must outlive every
// daemon it is given to.
class FakeClock {
 public:
  explicit FakeClock(int64_t now_us = domain::testing::kT0) : now_us_(now_us) {}
  int64_t Now() const { return now_us_.load(); }
  void Set(int64_t now_us) { now_us_.store(now_us); }
  std::function<int64_t()> AsFunction() {
    return [this] { return now_us_.load(); };
  }

 private:
  std::atomic<int64_t> now_us_;
};

// One started daemon and a channel to it.
//
// Start() injects `clock` as DaemonOptions::clock_us (recorded_at) and as
// the processor's decision clock. Methods that call RPCs block; they may be
// called from any thread. Destruction stops the daemon (closing the store),
// so a new server can then be started on the same data directory.
class GovernanceServer {
 public:
  static absl::StatusOr<std::unique_ptr<GovernanceServer>> Start(
      const std::string& data_dir, FakeClock* clock);
  ~GovernanceServer();

  Daemon& daemon() { return *daemon_; }
  FakeClock& clock() { return *clock_; }
  eventstore::EventLog& log() { return daemon_->log(); }
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  v1::GovernanceService::Stub& stub() { return *stub_; }

  // Runs `command` through the generic Execute RPC. An empty principal
  // sends no x-kamgov-principal header.
  absl::StatusOr<v1::CommandResult> Execute(
      const v1::CommandMeta& meta, const v1::Command& command,
      absl::string_view principal = kTestPrincipal);
  // Runs `command` through its own RPC (DesignateAccount, ...).
  absl::StatusOr<v1::CommandResult> Call(
      const v1::CommandMeta& meta, const v1::Command& command,
      absl::string_view principal = kTestPrincipal);
  // Sets the clock to the step's now_us, then Call()s it.
  absl::StatusOr<v1::CommandResult> Run(
      const CommandStep& step, absl::string_view principal = kTestPrincipal);
  // As Run(), through Execute.
  absl::StatusOr<v1::CommandResult> RunExecute(
      const CommandStep& step, absl::string_view principal = kTestPrincipal);

  absl::StatusOr<v1::GetProgramResponse> GetProgram(absl::string_view id);
  absl::StatusOr<v1::GetPersonResponse> GetPerson(absl::string_view id);
  absl::StatusOr<v1::GetAccountResponse> GetAccount(absl::string_view id);
  absl::StatusOr<v1::GetEscalationResponse> GetEscalation(absl::string_view id);

  // Run()s each step in order (through Execute); the first failure names
  // the step.
  absl::Status RunAll(const std::vector<CommandStep>& steps,
                      absl::string_view principal = kTestPrincipal);

  // Sends every step at once through the callback API, so that all are in
  // flight together, and waits for all; results in step order. The clock
  // is left as it is.
  std::vector<absl::StatusOr<v1::CommandResult>> ExecuteConcurrently(
      const std::vector<CommandStep>& steps,
      absl::string_view principal = kTestPrincipal);

  // The processor's RunDeadlines at the clock's current time, waited for.
  absl::StatusOr<int> RunDeadlines();

  // Every committed event after `after_position`, with personal parts.
  std::vector<eventstore::RecordedEvent> ReadAll(uint64_t after_position = 0);
  uint64_t HeadPosition() { return log().GetChainHead().position; }

 private:
  GovernanceServer() = default;

  FakeClock* clock_ = nullptr;
  std::unique_ptr<Daemon> daemon_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::GovernanceService::Stub> stub_;
};

// Sets the x-kamgov-principal header (none when `principal` is empty) and a
// generous deadline.
void PrepareContext(grpc::ClientContext& context, absl::string_view principal);

// The ErrorInfo reason of `status`; "" when it has none.
std::string ReasonOf(const absl::Status& status);
// The field paths of the BadRequest violations of `status`.
std::vector<std::string> BadFieldsOf(const absl::Status& status);

// A CommandStep from protobuf text (domain::testing::Step) with a command id.
CommandStep StepWithId(absl::string_view command_id, absl::string_view actor,
                       absl::string_view command_text,
                       int64_t now_us = domain::testing::kT0,
                       absl::string_view rationale = "because");

}  // namespace kamgov::services::testing

#endif  // KAMGOV_TESTS_SERVICES_GOVERNANCE_HARNESS_H_
