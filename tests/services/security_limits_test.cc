// Development-mode identity (the x-kamgov-principal header on loopback),
// the authorization policy without TLS, Execute authorized as the command
// it carries, and the limits: message size, page size, the default deadline
// and subscriptions per principal. Each limit gives a clear error and
// writes nothing. Real daemons on 127.0.0.1:0 over temp directories.

#include <grpcpp/client_context.h>

#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "kamgov/v1/event_stream.grpc.pb.h"
#include "kamgov/v1/governance.pb.h"
#include "kamgov/v1/query.grpc.pb.h"
#include "proto/status_details.h"
#include "services/daemon.h"
#include "services/grpc_server.h"
#include "services/grpc_status.h"
#include "services/identity.h"
#include "tests/services/security_test_util.h"
#include "tests/testing/temp_dir.h"

namespace kamgov::services {
namespace {

using testing::CallUnary;
using ::testing::HasSubstr;
using testing::Parse;

constexpr char kBootstrap[] = R"pb(
  meta { acting_person: "ada" rationale: "bootstrap" }
  command {
    person_id: "ada"
    name: "Ada Lind"
    unit_id: "board"
    country: "FI"
    roles { role: GOVERNANCE_ROLE_SENIOR_MANAGEMENT }
  })pb";

std::multimap<std::string, std::string> As(const std::string& principal) {
  return {{kPrincipalHeader, principal}};
}

class DevServer {
 public:
  explicit DevServer(void (*configure)(DaemonOptions&) = nullptr,
                     const std::string& policy_text = "") {
    DaemonOptions options;
    options.server.listen = "127.0.0.1:0";
    options.data_dir = dir_.path() + "/data";
    options.scheduler_interval = absl::ZeroDuration();
    if (!policy_text.empty()) {
      options.server.authz_policy_file = dir_.path() + "/policy.ini";
      std::ofstream(options.server.authz_policy_file) << policy_text;
    }
    if (configure != nullptr) configure(options);
    absl::StatusOr<std::unique_ptr<Daemon>> daemon = Daemon::Start(options);
    EXPECT_TRUE(daemon.ok()) << daemon.status();
    if (!daemon.ok()) std::abort();
    daemon_ = *std::move(daemon);
    channel_ = testing::InsecureChannel(daemon_->port());
  }

  grpc::Status Call(const std::string& method,
                    const google::protobuf::Message& request,
                    const std::string& principal,
                    std::string* response = nullptr) {
    return CallUnary(channel_.get(), method, request, response,
                     principal.empty()
                         ? std::multimap<std::string, std::string>{}
                         : As(principal));
  }
  uint64_t head() { return daemon_->log().GetChainHead().position; }
  Daemon& daemon() { return *daemon_; }
  grpc::Channel* channel() { return channel_.get(); }

 private:
  kamgov::testing::TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
  std::shared_ptr<grpc::Channel> channel_;
};

constexpr char kRegister[] = "/kamgov.v1.GovernanceService/RegisterPerson";
constexpr char kExecute[] = "/kamgov.v1.GovernanceService/Execute";
constexpr char kReadAll[] = "/kamgov.v1.EventStreamService/ReadAll";

TEST(SecurityDevelopmentMode, ThePrincipalComesFromTheHeader) {
  DevServer server;
  // Without a policy, reads need no principal...
  EXPECT_TRUE(server.Call(kReadAll, v1::ReadAllRequest(), "").ok());
  // ...commands do.
  grpc::Status anonymous =
      server.Call(kRegister, Parse<v1::RegisterPersonRequest>(kBootstrap), "");
  EXPECT_EQ(anonymous.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(anonymous.error_message(), HasSubstr("x-kamgov-principal"));
  EXPECT_EQ(server.head(), 0u);

  ASSERT_TRUE(server
                  .Call(kRegister, Parse<v1::RegisterPersonRequest>(kBootstrap),
                        "svc:dev")
                  .ok());
  absl::StatusOr<std::vector<eventstore::RecordedEvent>> events =
      server.daemon().log().ReadAll(0, 10, false);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].record.principal(), "svc:dev");

  // One principal per call.
  grpc::Status twice =
      CallUnary(server.channel(), kReadAll, v1::ReadAllRequest(), nullptr,
                {{kPrincipalHeader, "svc:a"}, {kPrincipalHeader, "svc:b"}});
  EXPECT_EQ(twice.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(twice.error_message(), HasSubstr("twice"));
}

constexpr char kDevPolicy[] = R"(
[role reader]
read_only = true
allow = kamgov.v1.EventStreamService/ReadAll
[role nominator]
allow = kamgov.v1.GovernanceService/Execute
allow = kamgov.v1.GovernanceService/NominateAccount
[role registrar]
allow = kamgov.v1.GovernanceService/RegisterPerson
[principal svc:reader]
roles = reader
[principal svc:nominator]
roles = nominator
[principal svc:registrar]
roles = registrar
)";

TEST(SecurityDevelopmentMode, APolicyIsEnforcedOnTheHeaderPrincipal) {
  DevServer server(nullptr, kDevPolicy);
  grpc::Status none = server.Call(kReadAll, v1::ReadAllRequest(), "");
  EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(none.error_message(), HasSubstr("x-kamgov-principal"));
  EXPECT_TRUE(server.Call(kReadAll, v1::ReadAllRequest(), "svc:reader").ok());
  EXPECT_EQ(
      server.Call(kReadAll, v1::ReadAllRequest(), "svc:unknown").error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(server
                .Call(kRegister, Parse<v1::RegisterPersonRequest>(kBootstrap),
                      "svc:reader")
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Health checks are public.
  EXPECT_TRUE(CallUnary(server.channel(), "/grpc.health.v1.Health/Check",
                        grpc::health::v1::HealthCheckRequest())
                  .ok());
  EXPECT_EQ(server.head(), 0u);
  EXPECT_TRUE(server
                  .Call(kRegister, Parse<v1::RegisterPersonRequest>(kBootstrap),
                        "svc:registrar")
                  .ok());
  EXPECT_EQ(server.head(), 1u);
}

TEST(SecurityDevelopmentMode, ExecuteIsAuthorizedAsTheCommandItCarries) {
  DevServer server(nullptr, kDevPolicy);
  ASSERT_TRUE(server
                  .Call(kRegister, Parse<v1::RegisterPersonRequest>(kBootstrap),
                        "svc:registrar")
                  .ok());
  const auto register_kim = Parse<v1::ExecuteRequest>(
      R"pb(meta { acting_person: "ada" rationale: "r" }
           command {
             register_person {
               person_id: "kim"
               name: "Kim"
               unit_id: "u"
               country: "FI"
             }
           })pb");
  // The nominator may call Execute, but not to register people...
  grpc::Status smuggled = server.Call(kExecute, register_kim, "svc:nominator");
  EXPECT_EQ(smuggled.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(smuggled.error_message(),
              HasSubstr("Execute(RegisterPerson): principal 'svc:nominator'"));
  auto info = GetErrorInfo(FromGrpcStatus(smuggled));
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "RPC_NOT_ALLOWED");
  EXPECT_EQ(info->metadata().at("rpc"),
            "kamgov.v1.GovernanceService/RegisterPerson");
  // ...and the registrar may register people, but not through Execute.
  EXPECT_EQ(server.Call(kExecute, register_kim, "svc:registrar").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(server.head(), 1u);
  // A command the nominator's role allows passes authorization (and fails
  // on the domain's rules: there is no program "nope").
  grpc::Status nominate =
      server.Call(kExecute,
                  Parse<v1::ExecuteRequest>(
                      R"pb(meta { acting_person: "ada" rationale: "r" }
                           command {
                             nominate_account {
                               account_id: "acme"
                               program_id: "nope"
                               customer_name: "ACME"
                               customer_segment: CUSTOMER_SEGMENT_MAJOR
                             }
                           })pb"),
                  "svc:nominator");
  EXPECT_EQ(nominate.error_code(), grpc::StatusCode::NOT_FOUND)
      << nominate.error_message();
}

TEST(SecurityLimits, AnOversizedMessageIsRefusedBeforeAnyHandler) {
  DevServer server(
      [](DaemonOptions& o) { o.server.max_message_bytes = 64 * 1024; });
  auto big = Parse<v1::RegisterPersonRequest>(kBootstrap);
  big.mutable_command()->set_name(std::string(100 * 1024, 'x'));
  grpc::Status status = server.Call(kRegister, big, "svc:dev");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("larger than max"));
  EXPECT_EQ(server.head(), 0u);
  // Within the limit: fine.
  EXPECT_TRUE(server
                  .Call(kRegister, Parse<v1::RegisterPersonRequest>(kBootstrap),
                        "svc:dev")
                  .ok());
}

TEST(SecurityLimits, PagesAreCapped) {
  DevServer server([](DaemonOptions& o) { o.read_limits.max_page_size = 10; });
  grpc::Status too_big =
      server.Call(kReadAll, Parse<v1::ReadAllRequest>("limit: 11"), "svc:dev");
  EXPECT_EQ(too_big.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(too_big.error_message(), HasSubstr("at most 10"));
  EXPECT_TRUE(
      server.Call(kReadAll, Parse<v1::ReadAllRequest>("limit: 10"), "svc:dev")
          .ok());
}

// A QueryService whose ProjectionStatus never finishes unless the call is
// cancelled (or the caller asks it to with x-test-finish), recording what
// admission told it.
class HangingQuery final : public v1::QueryService::CallbackService {
 public:
  grpc::ServerUnaryReactor* ProjectionStatus(
      grpc::CallbackServerContext* context,
      const v1::ProjectionStatusRequest* /*request*/,
      v1::ProjectionStatusResponse* /*response*/) override {
    {
      absl::MutexLock lock(&mu_);
      deadline_ = CallDeadline(*context);
      admitted_ = CheckCall(*context).ok();
    }
    auto* reactor = new Reactor(this);
    if (context->client_metadata().count("x-test-finish") > 0) {
      reactor->Finish(grpc::Status::OK);
    }
    return reactor;
  }

  absl::Time deadline() {
    absl::MutexLock lock(&mu_);
    return deadline_;
  }
  bool admitted() {
    absl::MutexLock lock(&mu_);
    return admitted_;
  }
  absl::Notification& cancelled() { return cancelled_; }

 private:
  class Reactor final : public grpc::ServerUnaryReactor {
   public:
    explicit Reactor(HangingQuery* owner) : owner_(owner) {}
    void OnCancel() override {
      if (!owner_->cancelled_.HasBeenNotified()) owner_->cancelled_.Notify();
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
    }
    void OnDone() override { delete this; }

   private:
    HangingQuery* const owner_;
  };

  absl::Mutex mu_;
  absl::Time deadline_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool admitted_ ABSL_GUARDED_BY(mu_) = false;
  absl::Notification cancelled_;
};

TEST(SecurityLimits, UnaryCallsWithoutADeadlineGetTheDefault) {
  HangingQuery query;
  GrpcServerOptions options;
  options.listen = "127.0.0.1:0";
  options.default_deadline = absl::Milliseconds(300);
  absl::StatusOr<std::unique_ptr<GrpcServer>> server =
      GrpcServer::Start(options, {&query});
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel = testing::InsecureChannel((*server)->port());

  const absl::Time before = absl::Now();
  grpc::Status status = CallUnary(
      channel.get(), "/kamgov.v1.QueryService/ProjectionStatus",
      v1::ProjectionStatusRequest(), nullptr, {}, absl::ZeroDuration());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_THAT(status.error_message(), HasSubstr("--default_deadline"));
  EXPECT_TRUE(
      query.cancelled().WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_TRUE(query.admitted());
  // The handler saw the default as its deadline.
  EXPECT_GE(query.deadline(), before + absl::Milliseconds(300));
  EXPECT_LE(query.deadline(), absl::Now() + absl::Milliseconds(300));

  // A caller's own deadline is the call's deadline (and no default applies).
  const absl::Time mine = absl::Now() + absl::Seconds(60);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(mine));
  context.AddMetadata("x-test-finish", "1");
  v1::ProjectionStatusResponse response;
  auto stub = v1::QueryService::NewStub(channel);
  EXPECT_TRUE(
      stub->ProjectionStatus(&context, v1::ProjectionStatusRequest(), &response)
          .ok());
  EXPECT_LE(absl::AbsDuration(query.deadline() - mine), absl::Seconds(1));
}

TEST(SecurityLimits, SubscriptionsOutliveTheDefaultDeadline) {
  DevServer server([](DaemonOptions& o) {
    o.server.default_deadline = absl::Milliseconds(200);
  });
  auto stub = v1::EventStreamService::NewStub(
      testing::InsecureChannel(server.daemon().port()));
  grpc::ClientContext context;  // no deadline
  auto reader = stub->Subscribe(&context, v1::SubscribeRequest());
  v1::SubscribeResponse response;
  ASSERT_TRUE(reader->Read(&response));  // caught up on the empty log
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  ASSERT_TRUE(server
                  .Call(kRegister, Parse<v1::RegisterPersonRequest>(kBootstrap),
                        "svc:dev")
                  .ok());
  ASSERT_TRUE(reader->Read(&response));
  EXPECT_EQ(response.events().events_size(), 1);
  context.TryCancel();
  reader->Finish().IgnoreError();
}

// An open subscription, kept until destroyed.
struct OpenSubscription {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader;
  grpc::Status status;  // when it failed to open
  bool open = false;

  ~OpenSubscription() {
    if (open) {
      context.TryCancel();
      reader->Finish().IgnoreError();
    }
  }
};

std::unique_ptr<OpenSubscription> Subscribe(v1::EventStreamService::Stub* stub,
                                            const std::string& principal) {
  auto subscription = std::make_unique<OpenSubscription>();
  subscription->context.AddMetadata(kPrincipalHeader, principal);
  subscription->reader =
      stub->Subscribe(&subscription->context, v1::SubscribeRequest());
  v1::SubscribeResponse response;
  subscription->open = subscription->reader->Read(&response);
  if (!subscription->open)
    subscription->status = subscription->reader->Finish();
  return subscription;
}

TEST(SecurityLimits, SubscriptionsPerPrincipal) {
  DevServer server(
      [](DaemonOptions& o) { o.server.max_subscriptions_per_principal = 2; });
  auto stub = v1::EventStreamService::NewStub(
      testing::InsecureChannel(server.daemon().port()));
  std::vector<std::unique_ptr<OpenSubscription>> a;
  a.push_back(Subscribe(stub.get(), "svc:a"));
  a.push_back(Subscribe(stub.get(), "svc:a"));
  ASSERT_TRUE(a[0]->open && a[1]->open);
  std::unique_ptr<OpenSubscription> third = Subscribe(stub.get(), "svc:a");
  ASSERT_FALSE(third->open);
  EXPECT_EQ(third->status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(third->status.error_message(),
              HasSubstr("'svc:a' already has 2 open subscriptions"));
  // Another principal has its own allowance.
  std::unique_ptr<OpenSubscription> b = Subscribe(stub.get(), "svc:b");
  EXPECT_TRUE(b->open);
  // Closing one frees its slot once the call has ended on the server.
  a.pop_back();
  bool reopened = false;
  for (int i = 0; i < 200 && !reopened; ++i) {
    std::unique_ptr<OpenSubscription> again = Subscribe(stub.get(), "svc:a");
    reopened = again->open;
    if (reopened) {
      a.push_back(std::move(again));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  EXPECT_TRUE(reopened);
  EXPECT_EQ(server.head(), 0u);
}

}  // namespace
}  // namespace kamgov::services
