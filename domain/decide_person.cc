// Decisions on persons: registration (and the bootstrap), roles,
// departures.

#include <set>

#include "absl/strings/str_cat.h"
#include "domain/decide_internal.h"
#include "domain/ids.h"
#include "domain/policy.h"

namespace kamgov::domain {
namespace {

using internal::Events;
using internal::Fields;

bool IsAdminRole(v1::GovernanceRole role) {
  return role == v1::GOVERNANCE_ROLE_SENIOR_MANAGEMENT ||
         role == v1::GOVERNANCE_ROLE_PROGRAM_DIRECTOR;
}

// ROLE_GRANT_NOT_AUTHORIZED unless `actor` may administer persons and,
// when `role` is SENIOR_MANAGEMENT, is senior management.
absl::Status CheckPersonAdmin(const v1::PersonState& actor,
                              v1::GovernanceRole role) {
  const bool senior =
      internal::HasRoleAnywhere(actor, v1::GOVERNANCE_ROLE_SENIOR_MANAGEMENT);
  const bool director =
      internal::HasRoleAnywhere(actor, v1::GOVERNANCE_ROLE_PROGRAM_DIRECTOR);
  if (!senior && !director) {
    return Violation(rules::kRoleGrantNotAuthorized,
                     absl::StrCat("person '", actor.person_id(),
                                  "' is neither senior management nor a "
                                  "program director"));
  }
  if (role == v1::GOVERNANCE_ROLE_SENIOR_MANAGEMENT && !senior) {
    return Violation(rules::kRoleGrantNotAuthorized,
                     absl::StrCat("only senior management grants or revokes "
                                  "SENIOR_MANAGEMENT; person '",
                                  actor.person_id(), "' is not"));
  }
  return absl::OkStatus();
}

absl::Status FindScopedPrograms(
    const DecisionContext& ctx,
    const google::protobuf::RepeatedPtrField<v1::RoleAssignment>& roles,
    absl::string_view field) {
  for (int i = 0; i < roles.size(); ++i) {
    if (roles.Get(i).program_id().empty()) continue;
    KAMGOV_RETURN_IF_ERROR(
        internal::FindProgram(ctx, roles.Get(i).program_id(),
                              absl::StrCat(field, "[", i, "].program_id"))
            .status());
  }
  return absl::OkStatus();
}

bool SameRole(const v1::RoleAssignment& a, const v1::RoleAssignment& b) {
  return a.role() == b.role() && a.program_id() == b.program_id();
}

bool Holds(const v1::PersonState& person, const v1::RoleAssignment& role) {
  for (const v1::RoleAssignment& r : person.roles()) {
    if (SameRole(r, role)) return true;
  }
  return false;
}

// Validates and looks up what Grant and Revoke share.
struct RoleChange {
  const v1::PersonState* actor = nullptr;
  const v1::PersonState* person = nullptr;
};

absl::StatusOr<RoleChange> PrepareRoleChange(const v1::CommandMeta& meta,
                                             absl::string_view person_id,
                                             const v1::RoleAssignment& role,
                                             const DecisionContext& ctx) {
  KAMGOV_RETURN_IF_ERROR(internal::CheckContext(ctx));
  Fields f;
  f.Meta(meta, /*rationale_required=*/true);
  f.Id(person_id, "command.person_id");
  f.Role(role, "command.role");
  KAMGOV_RETURN_IF_ERROR(f.Status());
  RoleChange change;
  KAMGOV_ASSIGN_OR_RETURN(change.actor, internal::FindActor(meta, ctx));
  KAMGOV_ASSIGN_OR_RETURN(
      change.person, internal::FindPerson(ctx, person_id, "command.person_id"));
  if (!role.program_id().empty()) {
    KAMGOV_RETURN_IF_ERROR(
        internal::FindProgram(ctx, role.program_id(), "command.role.program_id")
            .status());
  }
  KAMGOV_RETURN_IF_ERROR(
      internal::CheckEffectiveAt(meta, DefaultPolicy(), ctx));
  KAMGOV_RETURN_IF_ERROR(internal::CheckActorMayAct(*change.actor));
  KAMGOV_RETURN_IF_ERROR(CheckPersonAdmin(*change.actor, role.role()));
  return change;
}

}  // namespace

absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::RegisterPerson& cmd,
                                const DecisionContext& ctx) {
  KAMGOV_RETURN_IF_ERROR(internal::CheckContext(ctx));
  Fields f;
  f.Meta(meta, /*rationale_required=*/cmd.roles_size() > 0);
  f.Id(cmd.person_id(), "command.person_id");
  f.Text(cmd.name(), "command.name");
  f.Id(cmd.unit_id(), "command.unit_id");
  f.OptionalId(cmd.country(), "command.country");
  for (int i = 0; i < cmd.roles_size(); ++i) {
    const std::string path = absl::StrCat("command.roles[", i, "]");
    f.Role(cmd.roles(i), path);
    for (int j = 0; j < i; ++j) {
      if (SameRole(cmd.roles(i), cmd.roles(j))) f.Add(path, "listed twice");
    }
  }
  KAMGOV_RETURN_IF_ERROR(f.Status());

  // The bootstrap: on an empty store the person registers themself, and
  // nobody else exists to check them against.
  const bool bootstrap = ctx.store_empty;
  if (bootstrap) {
    if (meta.acting_person() != cmd.person_id()) {
      KAMGOV_RETURN_IF_ERROR(internal::FindActor(meta, ctx).status());
    }
    KAMGOV_RETURN_IF_ERROR(
        FindScopedPrograms(ctx, cmd.roles(), "command.roles"));
    KAMGOV_RETURN_IF_ERROR(
        internal::CheckEffectiveAt(meta, DefaultPolicy(), ctx));
    bool admin = false;
    for (const v1::RoleAssignment& r : cmd.roles()) {
      admin = admin || IsAdminRole(r.role());
    }
    if (!admin) {
      return Violation(rules::kBootstrapWithoutAdminRole,
                       "the bootstrap registration must grant "
                       "SENIOR_MANAGEMENT or PROGRAM_DIRECTOR");
    }
  } else {
    KAMGOV_ASSIGN_OR_RETURN(const v1::PersonState* actor,
                            internal::FindActor(meta, ctx));
    KAMGOV_RETURN_IF_ERROR(
        FindScopedPrograms(ctx, cmd.roles(), "command.roles"));
    KAMGOV_RETURN_IF_ERROR(
        internal::CheckEffectiveAt(meta, DefaultPolicy(), ctx));
    KAMGOV_RETURN_IF_ERROR(internal::CheckActorMayAct(*actor));
    KAMGOV_RETURN_IF_ERROR(
        CheckPersonAdmin(*actor, v1::GOVERNANCE_ROLE_UNSPECIFIED));
    for (const v1::RoleAssignment& r : cmd.roles()) {
      KAMGOV_RETURN_IF_ERROR(CheckPersonAdmin(*actor, r.role()));
    }
    if (ctx.state->FindPerson(cmd.person_id()) != nullptr) {
      return Violation(
          rules::kPersonAlreadyRegistered,
          absl::StrCat("person '", cmd.person_id(), "' is already registered"));
    }
  }
  v1::PersonRegistered registered;
  registered.set_person_id(cmd.person_id());
  registered.set_unit_id(cmd.unit_id());
  registered.set_country(cmd.country());
  *registered.mutable_roles() = cmd.roles();
  registered.set_bootstrap(bootstrap);
  registered.set_registered_day(internal::Today(ctx));
  Events events(meta);
  events.Add(PersonStream(cmd.person_id()), registered,
             {PersonTag(cmd.person_id())}, {{"name", cmd.name()}});
  return events.Take();
}

absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::GrantGovernanceRole& cmd,
                                const DecisionContext& ctx) {
  KAMGOV_ASSIGN_OR_RETURN(
      RoleChange change,
      PrepareRoleChange(meta, cmd.person_id(), cmd.role(), ctx));
  if (change.person->departed()) {
    return Violation(
        rules::kPersonDeparted,
        absl::StrCat("person '", cmd.person_id(), "' has departed"));
  }
  if (Holds(*change.person, cmd.role())) {
    return Violation(
        rules::kRoleAlreadyHeld,
        absl::StrCat("person '", cmd.person_id(), "' already holds ",
                     v1::GovernanceRole_Name(cmd.role().role())));
  }
  v1::GovernanceRoleGranted granted;
  granted.set_person_id(cmd.person_id());
  *granted.mutable_role() = cmd.role();
  Events events(meta);
  events.Add(PersonStream(cmd.person_id()), granted,
             {PersonTag(cmd.person_id())});
  return events.Take();
}

absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::RevokeGovernanceRole& cmd,
                                const DecisionContext& ctx) {
  KAMGOV_ASSIGN_OR_RETURN(
      RoleChange change,
      PrepareRoleChange(meta, cmd.person_id(), cmd.role(), ctx));
  if (!Holds(*change.person, cmd.role())) {
    return Violation(
        rules::kRoleNotHeld,
        absl::StrCat("person '", cmd.person_id(), "' does not hold ",
                     v1::GovernanceRole_Name(cmd.role().role()),
                     cmd.role().program_id().empty()
                         ? ""
                         : absl::StrCat(" for program '",
                                        cmd.role().program_id(), "'")));
  }
  // The roles left after the revocation must still cover every account the
  // person manages or sponsors.
  v1::PersonState after = *change.person;
  after.clear_roles();
  for (const v1::RoleAssignment& r : change.person->roles()) {
    if (!SameRole(r, cmd.role())) *after.add_roles() = r;
  }
  auto check = [&](const google::protobuf::RepeatedPtrField<std::string>& ids,
                   v1::GovernanceRole role) -> absl::Status {
    for (const std::string& id : ids) {
      const v1::AccountState* account = ctx.state->FindAccount(id);
      if (account == nullptr) continue;
      if (!internal::HasRole(after, role, account->program_id())) {
        return Violation(
            rules::kRoleInUse,
            absl::StrCat("person '", cmd.person_id(), "' still ",
                         role == v1::GOVERNANCE_ROLE_KEY_ACCOUNT_MANAGER
                             ? "manages"
                             : "sponsors",
                         " account '", id, "'"));
      }
    }
    return absl::OkStatus();
  };
  KAMGOV_RETURN_IF_ERROR(check(change.person->managed_account_ids(),
                               v1::GOVERNANCE_ROLE_KEY_ACCOUNT_MANAGER));
  KAMGOV_RETURN_IF_ERROR(check(change.person->sponsored_account_ids(),
                               v1::GOVERNANCE_ROLE_EXECUTIVE_SPONSOR));
  v1::GovernanceRoleRevoked revoked;
  revoked.set_person_id(cmd.person_id());
  *revoked.mutable_role() = cmd.role();
  Events events(meta);
  events.Add(PersonStream(cmd.person_id()), revoked,
             {PersonTag(cmd.person_id())});
  return events.Take();
}

absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::DepartPerson& cmd,
                                const DecisionContext& ctx) {
  KAMGOV_RETURN_IF_ERROR(internal::CheckContext(ctx));
  Fields f;
  f.Meta(meta, /*rationale_required=*/true);
  f.Id(cmd.person_id(), "command.person_id");
  KAMGOV_RETURN_IF_ERROR(f.Status());
  KAMGOV_ASSIGN_OR_RETURN(const v1::PersonState* actor,
                          internal::FindActor(meta, ctx));
  KAMGOV_ASSIGN_OR_RETURN(
      const v1::PersonState* person,
      internal::FindPerson(ctx, cmd.person_id(), "command.person_id"));
  KAMGOV_RETURN_IF_ERROR(
      internal::CheckEffectiveAt(meta, DefaultPolicy(), ctx));
  KAMGOV_RETURN_IF_ERROR(internal::CheckActorMayAct(*actor));
  KAMGOV_RETURN_IF_ERROR(
      CheckPersonAdmin(*actor, v1::GOVERNANCE_ROLE_UNSPECIFIED));
  if (person->departed()) {
    return Violation(
        rules::kPersonDeparted,
        absl::StrCat("person '", cmd.person_id(), "' has already departed"));
  }
  const int64_t today = internal::Today(ctx);
  Events events(meta);
  v1::PersonDeparted departed;
  departed.set_person_id(cmd.person_id());
  departed.set_departed_day(today);
  events.Add(PersonStream(cmd.person_id()), departed,
             {PersonTag(cmd.person_id())});
  // The person's accounts become uncovered: release them explicitly, so
  // each account's own events say so.
  auto account_of =
      [&](const std::string& id) -> absl::StatusOr<const v1::AccountState*> {
    const v1::AccountState* account = ctx.state->FindAccount(id);
    if (account == nullptr) {
      return absl::InternalError(absl::StrCat("person '", cmd.person_id(),
                                              "' refers to unknown account '",
                                              id, "'"));
    }
    return account;
  };
  for (const std::string& id : person->managed_account_ids()) {
    KAMGOV_ASSIGN_OR_RETURN(const v1::AccountState* account, account_of(id));
    v1::KeyAccountManagerReleased released;
    released.set_account_id(id);
    released.set_program_id(account->program_id());
    released.set_manager_id(cmd.person_id());
    released.set_reason(v1::MANAGER_RELEASE_REASON_MANAGER_DEPARTED);
    released.set_released_day(today);
    events.Add(AccountStream(id), released,
               internal::AccountTags(*account, {cmd.person_id()}));
  }
  for (const std::string& id : person->sponsored_account_ids()) {
    KAMGOV_ASSIGN_OR_RETURN(const v1::AccountState* account, account_of(id));
    v1::ExecutiveSponsorReleased released;
    released.set_account_id(id);
    released.set_program_id(account->program_id());
    released.set_sponsor_id(cmd.person_id());
    released.set_reason(v1::SPONSOR_RELEASE_REASON_SPONSOR_DEPARTED);
    released.set_released_day(today);
    events.Add(AccountStream(id), released,
               internal::AccountTags(*account, {cmd.person_id()}));
  }
  for (const std::string& id : person->team_account_ids()) {
    KAMGOV_ASSIGN_OR_RETURN(const v1::AccountState* account, account_of(id));
    v1::TeamMemberLeft left;
    left.set_account_id(id);
    left.set_program_id(account->program_id());
    left.set_member_id(cmd.person_id());
    left.set_reason(v1::TEAM_LEAVE_REASON_MEMBER_DEPARTED);
    left.set_left_day(today);
    events.Add(AccountStream(id), left,
               internal::AccountTags(*account, {cmd.person_id()}));
  }
  return events.Take();
}

}  // namespace kamgov::domain
