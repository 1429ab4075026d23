#ifndef KAMGOV_SERVICES_IDENTITY_H_
#define KAMGOV_SERVICES_IDENTITY_H_

// Who is calling, and whether the call was admitted (docs/security.md).
//
// The principal comes from authentication, never from a request body:
// - with TLS, from the verified client certificate: its URI SAN (e.g.
//   spiffe://kamgov/svc/crm) or its subject CN, as configured; the
//   x-kamgov-principal header is then ignored;
// - in development mode (no TLS, loopback only unless --insecure), from the
//   x-kamgov-principal metadata header.
//
// GrpcServer admits every call before its handler runs: it authenticates
// the caller, checks the authorization policy (authz.h) and the per-call
// limits, and records the outcome in the call's ServerCall context.
// Handlers then ask through PrincipalOf (commands, which need a principal)
// or CheckCall (reads): one function at the top of each handler, and a call
// that was not admitted finishes with the admission's error before the
// handler does anything.

#include <grpcpp/security/auth_context.h>
#include <grpcpp/server_context.h>

#include <map>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace kamgov::services {

inline constexpr char kPrincipalHeader[] = "x-kamgov-principal";

// Where the principal comes from.
enum class PrincipalSource {
  kHeader,      // development mode: x-kamgov-principal
  kUriSan,      // the client certificate's one URI SAN
  kCommonName,  // the client certificate's subject CN
};

// "uri_san" or "cn" (the kamgovd flag's values); INVALID_ARGUMENT otherwise.
absl::StatusOr<PrincipalSource> ParsePrincipalSource(absl::string_view name);

// INVALID_ARGUMENT unless 1 to 256 printable ASCII characters without
// spaces.
absl::Status ValidatePrincipal(absl::string_view principal);

// The development header's principal; "" when the header is absent;
// INVALID_ARGUMENT when it is malformed or given more than once.
absl::StatusOr<std::string> PrincipalFromHeader(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata);

// The identity of a verified client certificate (gRPC's auth context
// properties peer_uri or x509_common_name): UNAUTHENTICATED when the peer
// is not authenticated, or the certificate has no such field, or more than
// one; INVALID_ARGUMENT when it is not a valid principal.
absl::StatusOr<std::string> PrincipalFromPeer(const grpc::AuthContext& auth,
                                              PrincipalSource source);

// The context of every call served by GrpcServer (it allocates them): the
// admission decided before the handler runs, and resources the call holds
// until it ends (released by the destructor, after the reactor's OnDone).
//
// Threads: Admit/Deny/OnRelease are called by the server's interceptor
// before the handler starts; the accessors afterwards, from any thread.
class ServerCall final : public grpc::CallbackServerContext {
 public:
  ServerCall() = default;
  ~ServerCall() override;

  // Records the outcome of admission: `status` OK or the error the call
  // must fail with; `principal` may be empty (development mode without a
  // header); `deadline` is the call's effective deadline.
  void Admit(absl::Status status, std::string principal, absl::Time deadline);
  // Refuses a call admitted earlier (a later check failed).
  void Deny(absl::Status status) { admission_ = std::move(status); }
  // Runs `release` when the call ends.
  void OnRelease(absl::AnyInvocable<void()> release) {
    releases_.push_back(std::move(release));
  }

  const absl::Status& admission() const { return admission_; }
  const std::string& principal() const { return principal_; }
  absl::Time effective_deadline() const { return deadline_; }

 private:
  // Refused until the server's interceptor admits the call.
  absl::Status admission_ = absl::UnauthenticatedError(
      "the call was not admitted by kamgov's server (GrpcServer)");
  std::string principal_;
  absl::Time deadline_ = absl::InfiniteFuture();
  std::vector<absl::AnyInvocable<void()>> releases_;
};

// The admitted caller's principal, for handlers that need one (commands):
// the admission's error if the call was refused, else UNAUTHENTICATED when
// there is no principal, else the principal.
absl::StatusOr<std::string> PrincipalOf(
    const grpc::CallbackServerContext& context);

// OK when the call was admitted (authenticated as the policy requires,
// authorized, within limits); otherwise the error to finish it with.
absl::Status CheckCall(const grpc::CallbackServerContext& context);

// The call's deadline: the caller's, or the server's default for unary
// calls that set none (InfiniteFuture for streams without one). Handlers
// that wait (e.g. for a min_position) wait no longer than this.
absl::Time CallDeadline(const grpc::CallbackServerContext& context);

}  // namespace kamgov::services

#endif  // KAMGOV_SERVICES_IDENTITY_H_
