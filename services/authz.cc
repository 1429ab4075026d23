#include "services/authz.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "domain/decide.h"
#include "google/protobuf/descriptor.h"
#include "kamgov/v1/admin.pb.h"
#include "kamgov/v1/audit.pb.h"
#include "kamgov/v1/event_stream.pb.h"
#include "kamgov/v1/governance.pb.h"
#include "kamgov/v1/query.pb.h"
#include "proto/status_details.h"

namespace kamgov::services {
namespace {

constexpr absl::string_view kGovernancePrefix = "/kamgov.v1.GovernanceService/";

struct ApiMethodTable {
  std::vector<std::string> all;
  absl::flat_hash_set<std::string> writes;
};

const ApiMethodTable& Methods() {
  static const ApiMethodTable* const table = [] {
    auto* t = new ApiMethodTable;
    // One message of each API file: referencing it links the file's
    // descriptor in, so its services are in the generated pool.
    const google::protobuf::FileDescriptor* files[] = {
        v1::ExecuteRequest::descriptor()->file(),
        v1::ReadAllRequest::descriptor()->file(),
        v1::ProjectionStatusRequest::descriptor()->file(),
        v1::ChainHeadRequest::descriptor()->file(),
        v1::BackupRequest::descriptor()->file(),
    };
    for (const google::protobuf::FileDescriptor* file : files) {
      for (int s = 0; s < file->service_count(); ++s) {
        const google::protobuf::ServiceDescriptor* service = file->service(s);
        for (int m = 0; m < service->method_count(); ++m) {
          const google::protobuf::MethodDescriptor* method = service->method(m);
          std::string name =
              absl::StrCat("/", service->full_name(), "/", method->name());
          // Commands record events; AdminService acts on the server.
          if (method->output_type() == v1::CommandResult::descriptor() ||
              service->full_name() == "kamgov.v1.AdminService") {
            t->writes.insert(name);
          }
          t->all.push_back(std::move(name));
        }
      }
    }
    return t;
  }();
  return *table;
}

// "/pkg.Service/Method" names matched by `pattern` (no leading '/').
std::vector<std::string> Expand(absl::string_view pattern) {
  std::vector<std::string> matched;
  const bool prefix = absl::EndsWith(pattern, "*");
  const std::string want = absl::StrCat(
      "/", prefix ? pattern.substr(0, pattern.size() - 1) : pattern);
  for (const std::string& method : Methods().all) {
    if (prefix ? absl::StartsWith(method, want) : method == want) {
      matched.push_back(method);
    }
  }
  return matched;
}

absl::Status LineError(int line, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("line ", line, ": ", message));
}

// Splits "a, b,c" into trimmed, non-empty items.
std::vector<std::string> List(absl::string_view value) {
  std::vector<std::string> items;
  for (absl::string_view item : absl::StrSplit(value, ',')) {
    item = absl::StripAsciiWhitespace(item);
    if (!item.empty()) items.emplace_back(item);
  }
  return items;
}

bool ValidName(absl::string_view name) {
  if (name.empty() || name.size() > 256) return false;
  for (char c : name) {
    if (c <= ' ' || c > '~' || c == '[' || c == ']') return false;
  }
  return true;
}

}  // namespace

const std::vector<std::string>& ApiMethods() { return Methods().all; }

bool IsWriteMethod(absl::string_view method) {
  return Methods().writes.contains(method);
}

bool IsPublicMethod(absl::string_view method) {
  return absl::StartsWith(method, "/grpc.health.v1.Health/") ||
         absl::StartsWith(method, "/grpc.reflection.v1alpha.ServerReflection/");
}

std::string CommandMethod(const v1::Command& command) {
  absl::string_view name = domain::CommandName(command);
  if (name.empty()) return "";
  return absl::StrCat(kGovernancePrefix, name);
}

absl::StatusOr<AuthzPolicy> ParseAuthzPolicy(absl::string_view text) {
  AuthzPolicy policy;
  enum class Section { kNone, kRole, kPrincipal } section = Section::kNone;
  std::string name;
  // Where each principal's roles were named, to check them at the end.
  std::vector<std::pair<int, std::string>> role_refs;
  int line_number = 0;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    ++line_number;
    absl::string_view line = raw;
    // A comment starts with '#' or ';' at the start of a line or after
    // whitespace, so principals may still contain them ("uri#frag").
    for (size_t i = 0; i < line.size(); ++i) {
      if ((line[i] == '#' || line[i] == ';') &&
          (i == 0 || absl::ascii_isspace(line[i - 1]))) {
        line = line.substr(0, i);
        break;
      }
    }
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;

    if (line.front() == '[') {
      if (line.back() != ']') return LineError(line_number, "missing ']'");
      std::vector<absl::string_view> words = absl::StrSplit(
          line.substr(1, line.size() - 2), ' ', absl::SkipWhitespace());
      if (words.size() != 2 ||
          (words[0] != "role" && words[0] != "principal")) {
        return LineError(line_number,
                         "a section is [role NAME] or [principal IDENTITY]");
      }
      name = std::string(words[1]);
      if (!ValidName(name)) {
        return LineError(line_number,
                         absl::StrCat("'", name, "' is not a valid name"));
      }
      if (words[0] == "role") {
        section = Section::kRole;
        if (!policy.roles.emplace(name, AuthzPolicy::Role{}).second) {
          return LineError(line_number,
                           absl::StrCat("role '", name, "' is defined twice"));
        }
      } else {
        section = Section::kPrincipal;
        if (!policy.principals.emplace(name, std::vector<std::string>{})
                 .second) {
          return LineError(line_number, absl::StrCat("principal '", name,
                                                     "' is defined twice"));
        }
      }
      continue;
    }

    size_t eq = line.find('=');
    if (eq == line.npos) {
      return LineError(line_number, "expected 'key = value' or a [section]");
    }
    const absl::string_view key =
        absl::StripAsciiWhitespace(line.substr(0, eq));
    const absl::string_view value =
        absl::StripAsciiWhitespace(line.substr(eq + 1));
    switch (section) {
      case Section::kNone:
        return LineError(line_number,
                         "a key before any [role ...] or [principal ...]");
      case Section::kRole: {
        AuthzPolicy::Role& role = policy.roles[name];
        if (key == "allow") {
          std::vector<std::string> patterns = List(value);
          if (patterns.empty()) {
            return LineError(line_number, "allow needs at least one RPC");
          }
          for (std::string& pattern : patterns) {
            if (absl::StartsWith(pattern, "/")) pattern.erase(0, 1);
            if (pattern.find('*') != pattern.size() - 1 &&
                pattern.find('*') != std::string::npos) {
              return LineError(
                  line_number,
                  absl::StrCat("'", pattern, "': '*' may only end a pattern"));
            }
            if (Expand(pattern).empty()) {
              return LineError(line_number,
                               absl::StrCat("'", pattern,
                                            "' matches no kamgov RPC (expected "
                                            "e.g. kamgov.v1.QueryService/*)"));
            }
            role.allow.push_back(std::move(pattern));
          }
        } else if (key == "read_only") {
          if (value != "true" && value != "false") {
            return LineError(line_number, "read_only is true or false");
          }
          role.read_only = value == "true";
        } else {
          return LineError(line_number,
                           absl::StrCat("unknown key '", key,
                                        "' in a role (allow, read_only)"));
        }
        break;
      }
      case Section::kPrincipal: {
        if (key != "roles") {
          return LineError(
              line_number,
              absl::StrCat("unknown key '", key, "' in a principal (roles)"));
        }
        for (std::string& role : List(value)) {
          role_refs.emplace_back(line_number, role);
          policy.principals[name].push_back(std::move(role));
        }
        break;
      }
    }
  }

  for (const auto& [line, role] : role_refs) {
    if (!policy.roles.contains(role)) {
      return LineError(line, absl::StrCat("unknown role '", role, "'"));
    }
  }
  // Read-only is checked after the whole role is read, whatever the order
  // of its keys.
  for (const auto& [role_name, role] : policy.roles) {
    if (!role.read_only) continue;
    for (const std::string& pattern : role.allow) {
      for (const std::string& method : Expand(pattern)) {
        if (IsWriteMethod(method)) {
          return absl::InvalidArgumentError(
              absl::StrCat("role '", role_name, "' is read_only but '", pattern,
                           "' allows the write RPC ", method.substr(1)));
        }
      }
    }
  }
  return policy;
}

absl::StatusOr<AuthzPolicy> LoadAuthzPolicy(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the authorization policy ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<AuthzPolicy> policy = ParseAuthzPolicy(text.str());
  if (!policy.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", policy.status().message()));
  }
  return policy;
}

Authorizer Authorizer::AllowAll() {
  Authorizer authorizer;
  authorizer.enforcing_ = false;
  return authorizer;
}

Authorizer::Authorizer(const AuthzPolicy& policy) {
  for (const auto& [principal, roles] : policy.principals) {
    absl::flat_hash_set<std::string>& methods = allowed_[principal];
    for (const std::string& role_name : roles) {
      auto role = policy.roles.find(role_name);
      if (role == policy.roles.end()) continue;  // ParseAuthzPolicy refuses
      for (const std::string& pattern : role->second.allow) {
        for (std::string& method : Expand(pattern)) {
          methods.insert(std::move(method));
        }
      }
    }
    role_names_[principal] =
        roles.empty() ? "none" : absl::StrJoin(roles, ", ");
  }
}

absl::Status Authorizer::Check(absl::string_view principal,
                               absl::string_view method) const {
  if (!enforcing_) return absl::OkStatus();
  if (principal.empty()) {
    return absl::UnauthenticatedError(
        "no principal: the call carries no client identity");
  }
  auto it = allowed_.find(principal);
  if (it != allowed_.end() && it->second.contains(method)) {
    return absl::OkStatus();
  }
  const absl::string_view rpc =
      absl::StartsWith(method, "/") ? method.substr(1) : method;
  auto roles = role_names_.find(principal);
  return ErrorWithReason(
      absl::StatusCode::kPermissionDenied,
      absl::StrCat("principal '", principal, "' (roles: ",
                   roles == role_names_.end() ? "none, not in the policy"
                                              : roles->second,
                   ") may not call ", rpc),
      "RPC_NOT_ALLOWED",
      {{"principal", std::string(principal)}, {"rpc", std::string(rpc)}});
}

absl::Status PrincipalQuota::Acquire(const std::string& principal) {
  absl::MutexLock lock(&mu_);
  auto it = in_use_.find(principal);
  const size_t used = it == in_use_.end() ? 0 : it->second;
  if (used >= limit_) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "principal '", principal.empty() ? "(none)" : principal,
        "' already has ", used, " open subscriptions, the maximum per ",
        "principal (--max_subscriptions_per_principal); close one first"));
  }
  in_use_[principal] = used + 1;
  return absl::OkStatus();
}

void PrincipalQuota::Release(const std::string& principal) {
  absl::MutexLock lock(&mu_);
  auto it = in_use_.find(principal);
  if (it == in_use_.end()) return;
  if (--it->second == 0) in_use_.erase(it);
}

size_t PrincipalQuota::InUse(const std::string& principal) const {
  absl::MutexLock lock(&mu_);
  auto it = in_use_.find(principal);
  return it == in_use_.end() ? 0 : it->second;
}

}  // namespace kamgov::services
