#include "bench/workload/profile.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace kamgov::bench::workload {
namespace {

// "Primum-like" [seed S0]: one country, 60 staff, seven expertise areas in
// four subgroups that each have a superior, 10 consultants acting as
// part-time KAMs, one national program.
absl::StatusOr<Profile> Primum(ProfileParams params) {
  if (params.accounts == 0) params.accounts = 20;  // 2 per KAM (a parameter)
  if (params.persons == 0) params.persons = 60;
  if (params.programs == 0) params.programs = 1;
  Profile p;
  p.params = params;
  p.units = {{"unit-finance", "FI", {"tax", "audit"}},
             {"unit-advisory", "FI", {"strategy", "hr"}},
             {"unit-legal", "FI", {"legal"}},
             {"unit-technology", "FI", {"it", "data"}}};
  for (int i = 0; i < params.programs; ++i) {
    ProgramSpec program;
    program.id = i == 0 ? "kam-fi" : absl::StrCat("kam-fi-", i + 1);
    program.name = i == 0 ? "Primum strategic partners"
                          : absl::StrCat("Primum program ", i + 1);
    program.level = v1::PROGRAM_LEVEL_NATIONAL;
    program.scope = "FI";
    program.manager_mode = v1::MANAGER_MODE_PART_TIME;
    program.manager_scope = v1::MANAGER_SCOPE_LOCAL;
    p.programs.push_back(program);
  }
  p.senior_managers = 2;
  p.kams = std::min(10, params.accounts);
  return p;
}

// "Global matrix" [seed S3]: many country organizations, global accounts
// with local leads, sponsors capped at 3, annual selection cycles. Only the
// people with a governance role are registered (not all 50,000+ staff).
absl::StatusOr<Profile> GlobalMatrix(ProfileParams params) {
  if (params.accounts == 0) params.accounts = 400;
  if (params.persons == 0) params.persons = 3000;
  if (params.programs == 0) params.programs = 4;
  static const char* const kCountries[] = {"DE", "US", "CN", "FR", "GB",
                                           "JP", "BR", "IN", "IT", "ES",
                                           "NL", "SE", "MX", "KR", "AU"};
  static const char* const kUnits[] = {"sales", "engineering", "service",
                                       "supply"};
  static const char* const kExpertise[][2] = {{"pricing", "contracts"},
                                              {"design", "integration"},
                                              {"field-service", "support"},
                                              {"logistics", "sourcing"}};
  Profile p;
  p.params = params;
  for (const char* country : kCountries) {
    for (int u = 0; u < 4; ++u) {
      p.units.push_back({absl::StrCat("unit-", absl::AsciiStrToLower(country),
                                      "-", kUnits[u]),
                         country,
                         {kExpertise[u][0], kExpertise[u][1]}});
    }
  }
  for (int i = 0; i < params.programs; ++i) {
    ProgramSpec program;
    if (i == 0) {
      program.id = "kam-world";
      program.name = "Global key accounts";
      program.level = v1::PROGRAM_LEVEL_GLOBAL;
      program.scope = "WORLD";
      program.manager_mode = v1::MANAGER_MODE_FULL_TIME;
      program.manager_scope = v1::MANAGER_SCOPE_GLOBAL;
    } else {
      const char* country = kCountries[(i - 1) % std::size(kCountries)];
      const std::string lower = absl::AsciiStrToLower(country);
      program.id = i <= static_cast<int>(std::size(kCountries))
                       ? absl::StrCat("kam-", lower)
                       : absl::StrCat("kam-", lower, "-", i);
      program.name = absl::StrCat("Key accounts ", country);
      program.level = v1::PROGRAM_LEVEL_NATIONAL;
      program.scope = country;
      program.manager_mode = v1::MANAGER_MODE_PART_TIME;
      program.manager_scope = v1::MANAGER_SCOPE_LOCAL;
    }
    p.programs.push_back(program);
  }
  p.senior_managers = 5;
  p.kams = std::max(1, (params.accounts + 2) / 3);
  return p;
}

}  // namespace

std::vector<std::string> ProfileNames() { return {"primum", "global-matrix"}; }

absl::StatusOr<Profile> MakeProfile(const ProfileParams& params) {
  if (params.accounts < 0 || params.persons < 0 || params.programs < 0) {
    return absl::InvalidArgumentError(
        "accounts, persons and programs must not be negative");
  }
  absl::StatusOr<Profile> made;
  if (params.name == "primum") {
    made = Primum(params);
  } else if (params.name == "global-matrix") {
    made = GlobalMatrix(params);
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown profile '", params.name, "': primum or global-matrix"));
  }
  if (!made.ok()) return made;
  Profile& p = *made;
  const int accounts = p.params.accounts;
  const int programs = static_cast<int>(p.programs.size());
  if (accounts < programs) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the profile needs at least one account per program (", programs, ")"));
  }
  // The first (global) program gets the remainder; every program admits
  // all but a tenth of its accounts as key accounts, so that capacity is
  // a real limit without blocking the steady state.
  for (int i = 0; i < programs; ++i) {
    p.programs[i].accounts =
        accounts / programs + (i == 0 ? accounts % programs : 0);
    p.programs[i].max_key_accounts =
        std::max(1, p.programs[i].accounts - p.programs[i].accounts / 10);
  }
  // Sponsors carry 2 accounts on average against a limit of 3, leaving room
  // for reassignments.
  p.sponsors = std::max(2, (accounts + 1) / 2);
  p.unit_heads = static_cast<int>(p.units.size());
  const int roles = p.senior_managers +
                    p.program_directors_per_program * programs + p.sponsors +
                    p.unit_heads + p.kams;
  p.team_members = p.params.persons - roles;
  if (p.team_members < 3) {
    return absl::InvalidArgumentError(absl::StrCat(
        "profile ", p.params.name, " with ", accounts, " accounts and ",
        programs, " programs needs at least ", roles + 3, " persons (", roles,
        " with governance roles and 3 team members); got ", p.params.persons));
  }
  return made;
}

}  // namespace kamgov::bench::workload
