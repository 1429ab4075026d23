// The authorization policy file and the Authorizer, without a server: the
// format's rules (docs/security.md), deny by default, and the per-principal
// quota. The RPC x role matrix over a real TLS server is in
// security_tls_test.cc.

#include <grpcpp/support/string_ref.h>

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/status_details.h"
#include "services/authz.h"
#include "services/identity.h"
#include "tests/services/security_test_util.h"

namespace kamgov::services {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPolicy[] = R"(
# a comment
; another comment
[role writer]
allow = kamgov.v1.GovernanceService/*     # every command and Get
[role reader]
read_only = true
allow = kamgov.v1.GovernanceService/Get*, /kamgov.v1.EventStreamService/ReadAll
[role everything]
allow = *
[principal svc:writer]
roles = writer
[principal svc:both]
roles = reader, writer
[principal spiffe://x/reader#1]
roles = reader
[principal svc:root]
roles = everything
[principal svc:none]
roles =
)";

Authorizer Compile(absl::string_view text) {
  absl::StatusOr<AuthzPolicy> policy = ParseAuthzPolicy(text);
  EXPECT_TRUE(policy.ok()) << policy.status();
  return Authorizer(policy.ok() ? *policy : AuthzPolicy{});
}

std::string ParseError(absl::string_view text) {
  absl::StatusOr<AuthzPolicy> policy = ParseAuthzPolicy(text);
  EXPECT_FALSE(policy.ok()) << text;
  if (policy.ok()) return "";
  EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(policy.status().message());
}

TEST(SecurityAuthzPolicy, ParsesRolesPrincipalsAndComments) {
  absl::StatusOr<AuthzPolicy> policy = ParseAuthzPolicy(kPolicy);
  ASSERT_TRUE(policy.ok()) << policy.status();
  ASSERT_EQ(policy->roles.size(), 3u);
  EXPECT_THAT(policy->roles["writer"].allow,
              ElementsAre("kamgov.v1.GovernanceService/*"));
  EXPECT_FALSE(policy->roles["writer"].read_only);
  EXPECT_TRUE(policy->roles["reader"].read_only);
  // The leading '/' is optional.
  EXPECT_THAT(policy->roles["reader"].allow,
              ElementsAre("kamgov.v1.GovernanceService/Get*",
                          "kamgov.v1.EventStreamService/ReadAll"));
  EXPECT_THAT(policy->principals["svc:both"], ElementsAre("reader", "writer"));
  // '#' inside a principal is not a comment.
  EXPECT_TRUE(policy->principals.contains("spiffe://x/reader#1"));
  EXPECT_TRUE(policy->principals["svc:none"].empty());
}

TEST(SecurityAuthzPolicy, TheShippedExampleParsesAndKeepsReadersReadOnly) {
  absl::StatusOr<AuthzPolicy> policy =
      LoadAuthzPolicy(testing::SourcePath("deploy/authz.example.ini"));
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_TRUE(policy->roles["dashboard"].read_only);
  EXPECT_TRUE(policy->roles["auditor"].read_only);
  EXPECT_EQ(policy->principals["spiffe://kamgov/svc/crm"],
            std::vector<std::string>{"command_service"});
}

TEST(SecurityAuthorizer, AllowsExactlyWhatTheRolesList) {
  Authorizer authz = Compile(kPolicy);
  EXPECT_TRUE(
      authz.Check("svc:writer", "/kamgov.v1.GovernanceService/DesignateAccount")
          .ok());
  EXPECT_TRUE(
      authz.Check("svc:writer", "/kamgov.v1.GovernanceService/GetPerson").ok());
  EXPECT_EQ(
      authz.Check("svc:writer", "/kamgov.v1.EventStreamService/ReadAll").code(),
      absl::StatusCode::kPermissionDenied);
  // Prefix patterns stop at their prefix.
  const std::string reader = "spiffe://x/reader#1";
  EXPECT_TRUE(
      authz.Check(reader, "/kamgov.v1.GovernanceService/GetAccount").ok());
  EXPECT_TRUE(
      authz.Check(reader, "/kamgov.v1.EventStreamService/ReadAll").ok());
  EXPECT_EQ(
      authz.Check(reader, "/kamgov.v1.EventStreamService/Subscribe").code(),
      absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(authz.Check(reader, "/kamgov.v1.GovernanceService/Execute").code(),
            absl::StatusCode::kPermissionDenied);
  // Roles add up.
  EXPECT_TRUE(
      authz.Check("svc:both", "/kamgov.v1.EventStreamService/ReadAll").ok());
  EXPECT_TRUE(
      authz.Check("svc:both", "/kamgov.v1.GovernanceService/Execute").ok());
  // "*" is every API RPC.
  for (const std::string& method : ApiMethods()) {
    EXPECT_TRUE(authz.Check("svc:root", method).ok()) << method;
    EXPECT_EQ(authz.Check("svc:none", method).code(),
              absl::StatusCode::kPermissionDenied)
        << method;
  }
}

TEST(SecurityAuthorizer, DeniesByDefaultWithAClearError) {
  Authorizer authz = Compile(kPolicy);
  absl::Status unknown =
      authz.Check("svc:unknown", "/kamgov.v1.GovernanceService/GetPerson");
  EXPECT_EQ(unknown.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(unknown.message(), HasSubstr("'svc:unknown'"));
  EXPECT_THAT(unknown.message(), HasSubstr("not in the policy"));
  EXPECT_THAT(unknown.message(),
              HasSubstr("kamgov.v1.GovernanceService/GetPerson"));
  auto info = GetErrorInfo(unknown);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "RPC_NOT_ALLOWED");
  EXPECT_EQ(info->metadata().at("principal"), "svc:unknown");

  absl::Status reader = authz.Check(
      "spiffe://x/reader#1", "/kamgov.v1.GovernanceService/RegisterPerson");
  EXPECT_THAT(reader.message(), HasSubstr("roles: reader"));

  // Methods outside the API are never allowed, not even by "*".
  EXPECT_EQ(authz.Check("svc:root", "/some.Other/Method").code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(authz.Check("", "/kamgov.v1.GovernanceService/GetPerson").code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(SecurityAuthorizer, AllowAllIsDevelopmentOnly) {
  Authorizer all = Authorizer::AllowAll();
  EXPECT_FALSE(all.enforcing());
  EXPECT_TRUE(all.Check("", "/kamgov.v1.GovernanceService/Execute").ok());
  EXPECT_TRUE(Compile(kPolicy).enforcing());
}

TEST(SecurityAuthzPolicy, ErrorsNameTheLine) {
  EXPECT_THAT(ParseError("[role a\nallow = *"), HasSubstr("line 1: missing"));
  EXPECT_THAT(ParseError("\n[group a]"), HasSubstr("line 2: a section is"));
  EXPECT_THAT(ParseError("allow = *"), HasSubstr("line 1: a key before"));
  EXPECT_THAT(ParseError("[role a]\nallow *"),
              HasSubstr("line 2: expected 'key = value'"));
  EXPECT_THAT(ParseError("[role a]\ndeny = *"),
              HasSubstr("line 2: unknown key 'deny'"));
  EXPECT_THAT(ParseError("[principal p]\nrole = a"),
              HasSubstr("line 2: unknown key 'role'"));
  EXPECT_THAT(ParseError("[principal p]\nroles = ghost"),
              HasSubstr("line 2: unknown role 'ghost'"));
  EXPECT_THAT(ParseError("[role a]\n[role a]"),
              HasSubstr("line 2: role 'a' is defined twice"));
  EXPECT_THAT(ParseError("[principal p]\n[principal p]"),
              HasSubstr("principal 'p' is defined twice"));
  EXPECT_THAT(ParseError("[role a]\nread_only = yes"),
              HasSubstr("line 2: read_only is true or false"));
  EXPECT_THAT(ParseError("[role a]\nallow = ,"),
              HasSubstr("line 2: allow needs at least one RPC"));
}

TEST(SecurityAuthzPolicy, PatternsMustMatchAnRpc) {
  // A typo must not silently deny (or allow) anything.
  EXPECT_THAT(ParseError("[role a]\nallow = kamgov.v1.GovernanceService/"
                         "DesignateAcount"),
              HasSubstr("matches no kamgov RPC"));
  EXPECT_THAT(ParseError("[role a]\nallow = kamgov.v1.Governance/*"),
              HasSubstr("matches no kamgov RPC"));
  EXPECT_THAT(ParseError("[role a]\nallow = kamgov.v1.*Service/Get"),
              HasSubstr("'*' may only end a pattern"));
}

TEST(SecurityAuthzPolicy, ReadOnlyRolesRefuseWriteRpcsInAnyOrder) {
  EXPECT_THAT(ParseError("[role a]\nread_only = true\n"
                         "allow = kamgov.v1.GovernanceService/*"),
              HasSubstr("role 'a' is read_only but"));
  // read_only after the allow line.
  EXPECT_THAT(ParseError("[role a]\nallow = *\nread_only = true"),
              HasSubstr("allows the write RPC"));
  EXPECT_THAT(ParseError("[role a]\nread_only = true\n"
                         "allow = kamgov.v1.AdminService/Backup"),
              HasSubstr("kamgov.v1.AdminService/Backup"));
  // Reads only: fine.
  EXPECT_TRUE(ParseAuthzPolicy("[role a]\nread_only = true\n"
                               "allow = kamgov.v1.QueryService/*")
                  .ok());
}

TEST(SecurityApiMethods, ListsEveryServiceAndClassifiesWrites) {
  const std::vector<std::string>& methods = ApiMethods();
  EXPECT_THAT(methods, Contains("/kamgov.v1.GovernanceService/Execute"));
  EXPECT_THAT(methods, Contains("/kamgov.v1.EventStreamService/Subscribe"));
  EXPECT_THAT(methods, Contains("/kamgov.v1.QueryService/ProjectionStatus"));
  EXPECT_THAT(methods, Contains("/kamgov.v1.AuditService/VerifyChain"));
  EXPECT_THAT(methods, Contains("/kamgov.v1.AdminService/Backup"));
  EXPECT_THAT(methods, Not(Contains("/grpc.health.v1.Health/Check")));
  EXPECT_TRUE(IsWriteMethod("/kamgov.v1.GovernanceService/Execute"));
  EXPECT_TRUE(IsWriteMethod("/kamgov.v1.GovernanceService/DesignateAccount"));
  EXPECT_TRUE(IsWriteMethod("/kamgov.v1.AdminService/Backup"));
  EXPECT_FALSE(IsWriteMethod("/kamgov.v1.GovernanceService/GetAccount"));
  EXPECT_FALSE(IsWriteMethod("/kamgov.v1.EventStreamService/ReadAll"));
  EXPECT_TRUE(IsPublicMethod("/grpc.health.v1.Health/Check"));
  EXPECT_FALSE(IsPublicMethod("/kamgov.v1.QueryService/ProjectionStatus"));
}

TEST(SecurityCommandMethod, NamesTheTypedRpcOfTheCommand) {
  v1::Command command;
  EXPECT_EQ(CommandMethod(command), "");
  command.mutable_designate_account();
  EXPECT_EQ(CommandMethod(command),
            "/kamgov.v1.GovernanceService/DesignateAccount");
  // Every command's typed RPC exists.
  const auto* oneof = v1::Command::descriptor()->FindOneofByName("command");
  ASSERT_NE(oneof, nullptr);
  for (int i = 0; i < oneof->field_count(); ++i) {
    v1::Command one;
    one.GetReflection()->MutableMessage(&one, oneof->field(i));
    EXPECT_THAT(ApiMethods(), Contains(CommandMethod(one)))
        << oneof->field(i)->name();
  }
}

TEST(SecurityPrincipalQuota, CountsPerPrincipal) {
  PrincipalQuota quota(2);
  EXPECT_TRUE(quota.Acquire("a").ok());
  EXPECT_TRUE(quota.Acquire("a").ok());
  absl::Status third = quota.Acquire("a");
  EXPECT_EQ(third.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(third.message(), HasSubstr("'a' already has 2"));
  EXPECT_TRUE(quota.Acquire("b").ok());
  quota.Release("a");
  EXPECT_EQ(quota.InUse("a"), 1u);
  EXPECT_TRUE(quota.Acquire("a").ok());
  EXPECT_EQ(quota.Acquire("a").code(), absl::StatusCode::kResourceExhausted);
}

TEST(SecurityPrincipalFromHeader, AbsentEmptyTwiceOrMalformed) {
  using Metadata = std::multimap<grpc::string_ref, grpc::string_ref>;
  EXPECT_EQ(*PrincipalFromHeader(Metadata{}), "");
  EXPECT_EQ(*PrincipalFromHeader(Metadata{{kPrincipalHeader, "svc:a"}}),
            "svc:a");
  EXPECT_EQ(PrincipalFromHeader(
                Metadata{{kPrincipalHeader, "svc:a"}, {kPrincipalHeader, "b"}})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PrincipalFromHeader(Metadata{{kPrincipalHeader, "svc a"}})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParsePrincipalSource("cn").value(), PrincipalSource::kCommonName);
  EXPECT_EQ(ParsePrincipalSource("uri_san").value(), PrincipalSource::kUriSan);
  EXPECT_FALSE(ParsePrincipalSource("dns").ok());
}

}  // namespace
}  // namespace kamgov::services
