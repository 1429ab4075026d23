#include "services/grpc_server.h"

#include <grpc/grpc.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/support/server_interceptor.h>

#include <map>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "kamgov/v1/governance.pb.h"
#include "services/authz.h"
#include "services/listen_address.h"

namespace kamgov::services {
namespace {

using grpc::experimental::InterceptionHookPoints;

constexpr char kExecuteMethod[] = "/kamgov.v1.GovernanceService/Execute";
constexpr char kSubscribeMethod[] = "/kamgov.v1.EventStreamService/Subscribe";

// Ends calls that outlive their default deadline with DEADLINE_EXCEEDED.
// The server gives a call a default deadline only when its caller set none;
// gRPC's own deadline handling covers the rest.
//
// Entries are removed by their ServerCall when it is released, under mu_, so
// a call is never touched after its context is gone: the firing thread takes
// its own reference to the grpc_call under mu_ and cancels outside it.
class DeadlineWatchdog {
 public:
  using Key = std::pair<absl::Time, uint64_t>;

  explicit DeadlineWatchdog(absl::Duration default_deadline)
      : message_(absl::StrCat(
            "the call set no deadline and ran past the server's default of ",
            absl::FormatDuration(default_deadline),
            " (kamgovd --default_deadline); set a deadline on the call")),
        thread_([this] { Run(); }) {}

  ~DeadlineWatchdog() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    thread_.join();
  }

  Key Watch(grpc_call* call, absl::Time expiry) {
    absl::MutexLock lock(&mu_);
    Key key{expiry, next_id_++};
    entries_.emplace(key, call);
    return key;
  }

  void Unwatch(const Key& key) {
    absl::MutexLock lock(&mu_);
    entries_.erase(key);
  }

 private:
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stop_ || !entries_.empty();
  }

  void Run() {
    for (;;) {
      grpc_call* due = nullptr;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(this, &DeadlineWatchdog::HasWork));
        if (stop_) return;
        // Ordered by expiry. Entries added meanwhile have the same delay, so
        // they expire after the first: waiting for the first is enough.
        const absl::Time first = entries_.begin()->first.first;
        if (first > absl::Now()) {
          mu_.AwaitWithDeadline(absl::Condition(&stop_), first);
          continue;  // look again: the entry may be gone
        }
        due = entries_.begin()->second;
        grpc_call_ref(due);
        entries_.erase(entries_.begin());
      }
      grpc_call_cancel_with_status(due, GRPC_STATUS_DEADLINE_EXCEEDED,
                                   message_.c_str(), nullptr);
      grpc_call_unref(due);
    }
  }

  const std::string message_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<Key, grpc_call*> entries_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

class ServerCallAllocator final : public grpc::ContextAllocator {
 public:
  grpc::CallbackServerContext* NewCallbackServerContext() override {
    return new ServerCall();
  }
  // gRPC hands back every callback context here, also the ones it made
  // itself (unimplemented methods): delete only ours.
  void Release(grpc::CallbackServerContext* context) override {
    delete dynamic_cast<ServerCall*>(context);
  }
};

}  // namespace

// What the server decides before each handler runs; shared by every call.
// Thread-safe: Admit* run on gRPC's threads, concurrently.
class CallAdmission {
 public:
  CallAdmission(bool tls, Authorizer authorizer,
                const GrpcServerOptions& options)
      : tls_(tls),
        source_(options.principal_from),
        authorizer_(std::move(authorizer)),
        default_deadline_(options.default_deadline),
        subscriptions_(options.max_subscriptions_per_principal),
        watchdog_(options.default_deadline) {}

  bool tls() const { return tls_; }
  const Authorizer& authorizer() const { return authorizer_; }

  // Called once per call, when its initial metadata has arrived and before
  // the handler runs.
  void Admit(
      ServerCall* call, absl::string_view method,
      grpc::experimental::ServerRpcInfo::Type type,
      const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
    // With TLS the header is never read: the certificate is the identity.
    absl::StatusOr<std::string> principal =
        tls_ ? PrincipalFromPeer(*call->auth_context(), source_)
             : PrincipalFromHeader(metadata);
    if (IsPublicMethod(method)) {
      call->Admit(absl::OkStatus(), principal.value_or(""),
                  absl::InfiniteFuture());
      return;
    }
    if (!principal.ok()) {
      call->Admit(principal.status(), "", absl::InfiniteFuture());
      return;
    }
    absl::Status status;
    if (principal->empty() && authorizer_.enforcing()) {
      // Only reachable without TLS: PrincipalFromPeer never returns "".
      status = absl::UnauthenticatedError(absl::StrCat(
          "no principal: set the ", kPrincipalHeader, " metadata header"));
    } else {
      status = authorizer_.Check(*principal, method);
    }
    // Anonymous calls (development mode without a policy) are bounded by
    // the hub's global limit only: there is no one to attribute them to.
    if (status.ok() && method == kSubscribeMethod && !principal->empty()) {
      status = subscriptions_.Acquire(*principal);
      if (status.ok()) {
        call->OnRelease([this, p = *principal] { subscriptions_.Release(p); });
      }
    }
    absl::Time deadline = absl::InfiniteFuture();
    if (call->deadline() != std::chrono::system_clock::time_point::max()) {
      deadline = absl::FromChrono(call->deadline());
    } else if (status.ok() &&
               type == grpc::experimental::ServerRpcInfo::Type::UNARY) {
      deadline = absl::Now() + default_deadline_;
      DeadlineWatchdog::Key key = watchdog_.Watch(call->c_call(), deadline);
      call->OnRelease([this, key] { watchdog_.Unwatch(key); });
    }
    call->Admit(std::move(status), *std::move(principal), deadline);
  }

  // Execute carries any command: it is allowed only when the command's own
  // RPC is too, so that Execute is no way around a narrower role.
  void AdmitExecute(ServerCall* call, const v1::ExecuteRequest& request) {
    if (!call->admission().ok()) return;
    const std::string method = CommandMethod(request.command());
    if (method.empty()) return;  // the handler reports the missing command
    absl::Status status = authorizer_.Check(call->principal(), method);
    if (!status.ok()) {
      absl::Status denied(
          status.code(),
          absl::StrCat("Execute(", method.substr(method.rfind('/') + 1),
                       "): ", status.message()));
      status.ForEachPayload(  // keeps the ErrorInfo
          [&denied](absl::string_view type_url, const absl::Cord& payload) {
            denied.SetPayload(type_url, payload);
          });
      call->Deny(std::move(denied));
    }
  }

 private:
  const bool tls_;
  const PrincipalSource source_;
  const Authorizer authorizer_;
  const absl::Duration default_deadline_;
  PrincipalQuota subscriptions_;
  DeadlineWatchdog watchdog_;
};

namespace {

// Runs admission for one call. The request message of a unary call arrives
// in the same batch as its metadata, before the handler is started.
class AdmissionInterceptor final : public grpc::experimental::Interceptor {
 public:
  AdmissionInterceptor(CallAdmission* admission, ServerCall* call,
                       grpc::experimental::ServerRpcInfo* info)
      : admission_(admission), call_(call), info_(info) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    const char* method = info_->method() != nullptr ? info_->method() : "";
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      admission_->Admit(call_, method, info_->type(),
                        *methods->GetRecvInitialMetadata());
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_MESSAGE) &&
        absl::string_view(method) == kExecuteMethod &&
        methods->GetRecvMessage() != nullptr) {
      admission_->AdmitExecute(call_, *static_cast<const v1::ExecuteRequest*>(
                                          methods->GetRecvMessage()));
    }
    methods->Proceed();
  }

 private:
  CallAdmission* const admission_;
  ServerCall* const call_;
  grpc::experimental::ServerRpcInfo* const info_;
};

class AdmissionInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit AdmissionInterceptorFactory(CallAdmission* admission)
      : admission_(admission) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    // Calls of sync services (health, reflection) have gRPC's own contexts;
    // they are public and need no admission.
    auto* call = dynamic_cast<ServerCall*>(info->server_context());
    if (call == nullptr) return nullptr;
    return new AdmissionInterceptor(admission_, call, info);
  }

 private:
  CallAdmission* const admission_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::Start(
    const GrpcServerOptions& options,
    const std::vector<grpc::Service*>& services) {
  const bool tls = options.tls.enabled();
  std::shared_ptr<grpc::ServerCredentials> credentials =
      grpc::InsecureServerCredentials();
  if (tls) {
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> mtls =
        MutualTlsServerCredentials(options.tls);
    if (!mtls.ok()) return mtls.status();
    credentials = *std::move(mtls);
    if (options.authz_policy_file.empty()) {
      return absl::FailedPreconditionError(
          "TLS without an authorization policy: pass --authz_policy=FILE "
          "(see deploy/authz.example.ini and docs/security.md)");
    }
  }
  absl::Status allowed =
      CheckListenAddress(options.listen, tls, options.insecure);
  if (!allowed.ok()) return allowed;
  if (options.max_message_bytes <= 0 ||
      options.default_deadline <= absl::ZeroDuration() ||
      options.max_subscriptions_per_principal == 0) {
    return absl::InvalidArgumentError(
        "--max_message_bytes, --default_deadline and "
        "--max_subscriptions_per_principal must be positive");
  }
  Authorizer authorizer = Authorizer::AllowAll();
  if (!options.authz_policy_file.empty()) {
    absl::StatusOr<AuthzPolicy> policy =
        LoadAuthzPolicy(options.authz_policy_file);
    if (!policy.ok()) return policy.status();
    authorizer = Authorizer(*policy);
  }
  auto admission =
      std::make_unique<CallAdmission>(tls, std::move(authorizer), options);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options.listen, credentials, &port);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetContextAllocator(std::make_unique<ServerCallAllocator>());
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(
      std::make_unique<AdmissionInterceptorFactory>(admission.get()));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  for (grpc::Service* service : services) builder.RegisterService(service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr ||
      (port == 0 && !absl::StartsWith(options.listen, "unix:"))) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen,
                     " (address in use or not local?)"));
  }
  server->GetHealthCheckService()->SetServingStatus(true);
  return std::unique_ptr<GrpcServer>(
      new GrpcServer(std::move(admission), std::move(server), port));
}

GrpcServer::GrpcServer(std::unique_ptr<CallAdmission> admission,
                       std::unique_ptr<grpc::Server> server, int port)
    : admission_(std::move(admission)),
      server_(std::move(server)),
      port_(port) {}

GrpcServer::~GrpcServer() {
  Shutdown(absl::ZeroDuration());
  server_.reset();  // before admission_, which its calls' contexts use
}

bool GrpcServer::tls() const { return admission_->tls(); }

size_t GrpcServer::policy_principals() const {
  return admission_->authorizer().principal_count();
}

void GrpcServer::Shutdown(absl::Duration grace) {
  if (shut_down_) return;
  shut_down_ = true;
  server_->GetHealthCheckService()->SetServingStatus(false);
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_->Wait();
}

}  // namespace kamgov::services
