#ifndef KAMGOV_SERVICES_AUTHZ_H_
#define KAMGOV_SERVICES_AUTHZ_H_

// Authorization: which RPCs a principal may call (docs/security.md).
//
// The policy file maps principals to roles and roles to the RPCs they may
// call; everything else is denied. It is INI-like text, so that it needs no
// parser dependency and reviews well in a diff:
//
//   # comments start with '#' or ';'
//   [role dashboard]
//   read_only = true                      # refuses write RPCs below
//   allow = kamgov.v1.QueryService/*      # repeatable; also "a, b, c"
//   allow = kamgov.v1.GovernanceService/Get*
//
//   [principal spiffe://kamgov/svc/grafana]
//   roles = dashboard                     # comma-separated, repeatable
//
// An allow pattern is a method "pkg.Service/Method", a prefix ending in '*'
// ("pkg.Service/*", "pkg.Service/Get*"), or "*" (every RPC). Patterns are
// checked against the API's RPCs (ApiMethods()) when the file is parsed: a
// pattern that matches none is an error (a typo must not silently deny or
// allow), and so is a write RPC in a read_only role. A command's acting
// person is checked separately, by the domain, against their governance
// roles; the policy only decides which RPCs a calling service may use.
//
// Health checks and server reflection are outside the policy (they expose
// no data); every other method not allowed is PERMISSION_DENIED.

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "kamgov/v1/domain.pb.h"

namespace kamgov::services {

// A parsed policy file. Plain data; ParseAuthzPolicy guarantees the
// invariants listed at the top of this file.
struct AuthzPolicy {
  struct Role {
    bool read_only = false;
    // Patterns as written, without a leading '/'.
    std::vector<std::string> allow;
  };
  std::map<std::string, Role, std::less<>> roles;
  // principal -> role names
  std::map<std::string, std::vector<std::string>, std::less<>> principals;
};

// INVALID_ARGUMENT naming the line ("line 7: ...") for syntax errors,
// unknown keys or sections, duplicate sections, unknown roles, patterns
// matching no RPC, and write RPCs in read_only roles.
absl::StatusOr<AuthzPolicy> ParseAuthzPolicy(absl::string_view text);

// Reads and parses a policy file: NOT_FOUND when it cannot be read, else as
// ParseAuthzPolicy, with the path in the message.
absl::StatusOr<AuthzPolicy> LoadAuthzPolicy(const std::string& path);

// Every RPC of the kamgov API ("/kamgov.v1.GovernanceService/Execute"), from
// the compiled proto descriptors, in declaration order.
const std::vector<std::string>& ApiMethods();

// True for the RPCs that change something: the commands (they return
// CommandResult) and the operator actions of AdminService.
bool IsWriteMethod(absl::string_view method);

// Health checking and reflection: served to anyone who can connect.
bool IsPublicMethod(absl::string_view method);

// The typed command RPC a command is authorized as, e.g.
// "/kamgov.v1.GovernanceService/DesignateAccount"; empty when the command's
// oneof is not set. Execute(command) requires Execute and this RPC.
std::string CommandMethod(const v1::Command& command);

// Decides calls against a compiled policy. Immutable after construction:
// Check may be called from any thread.
class Authorizer {
 public:
  // Allows every call, with or without a principal: development mode when
  // no policy file is given.
  static Authorizer AllowAll();
  explicit Authorizer(const AuthzPolicy& policy);

  // OK, or UNAUTHENTICATED when the policy is enforced and there is no
  // principal, or PERMISSION_DENIED (ErrorInfo reason RPC_NOT_ALLOWED, with
  // the principal and method) when the principal's roles do not allow
  // `method` ("/pkg.Service/Method"). Unknown methods are denied.
  absl::Status Check(absl::string_view principal,
                     absl::string_view method) const;

  // False for AllowAll().
  bool enforcing() const { return enforcing_; }
  // The principals the policy names.
  size_t principal_count() const { return allowed_.size(); }

 private:
  Authorizer() = default;

  bool enforcing_ = true;
  // principal -> the full method names its roles allow.
  absl::flat_hash_map<std::string, absl::flat_hash_set<std::string>> allowed_;
  // principal -> "role1, role2", for messages.
  absl::flat_hash_map<std::string, std::string> role_names_;
};

// Counts concurrent calls per principal against a limit (the subscriptions
// a principal holds open). Thread-safe.
class PrincipalQuota {
 public:
  explicit PrincipalQuota(size_t limit) : limit_(limit) {}

  // Takes a slot for `principal`: RESOURCE_EXHAUSTED when it already holds
  // `limit`.
  absl::Status Acquire(const std::string& principal);
  // Returns a slot taken by Acquire.
  void Release(const std::string& principal);
  size_t InUse(const std::string& principal) const;

 private:
  const size_t limit_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, size_t> in_use_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kamgov::services

#endif  // KAMGOV_SERVICES_AUTHZ_H_
