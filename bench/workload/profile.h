#ifndef KAMGOV_BENCH_WORKLOAD_PROFILE_H_
#define KAMGOV_BENCH_WORKLOAD_PROFILE_H_

// The organization shapes of DOMAIN.md section 7 (docs/workload.md): who
// works where, which programs run, how many accounts they hold. A profile
// is plain data; MakeProfile() derives every count from the four
// parameters a user may set (accounts, persons, programs, seed), so that
// the same parameters always give the same organization.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kamgov/v1/domain.pb.h"

namespace kamgov::bench::workload {

// What a user chooses; 0 means the profile's default.
struct ProfileParams {
  std::string name = "primum";  // "primum" or "global-matrix"
  int accounts = 0;
  int persons = 0;
  int programs = 0;
  uint64_t seed = 1;
};

// One program of the organization.
struct ProgramSpec {
  std::string id;
  std::string name;
  v1::ProgramLevel level = v1::PROGRAM_LEVEL_NATIONAL;
  // Country code or "WORLD".
  std::string scope;
  // Key accounts the program's criteria admit (the portfolio's capacity).
  int max_key_accounts = 0;
  // Accounts of the customer base the generator nominates into it.
  int accounts = 0;
  v1::ManagerScope manager_scope = v1::MANAGER_SCOPE_LOCAL;
  v1::ManagerMode manager_mode = v1::MANAGER_MODE_PART_TIME;
};

// An expertise unit ("every expertise unit has its own superior" [S0]).
struct UnitSpec {
  std::string id;
  std::string country;
  std::vector<std::string> expertise;
};

struct Profile {
  ProfileParams params;  // with the defaults filled in
  std::vector<ProgramSpec> programs;
  std::vector<UnitSpec> units;
  // Registered persons by governance role; the sum is params.persons.
  int senior_managers = 0;
  int program_directors_per_program = 1;
  int sponsors = 0;
  int unit_heads = 0;  // one per unit
  int kams = 0;
  int team_members = 0;
  // Share of each program's accounts designated while the organization is
  // set up; the rest are nominated later by the steady-state mix.
  double designated_share = 0.75;
  // Team members added to each designated account at setup.
  int initial_team = 2;
};

// The profile named params.name with params' overrides; INVALID_ARGUMENT
// for an unknown name or parameters the shape cannot hold (e.g. fewer
// persons than the roles it needs).
absl::StatusOr<Profile> MakeProfile(const ProfileParams& params);

// The names MakeProfile accepts.
std::vector<std::string> ProfileNames();

}  // namespace kamgov::bench::workload

#endif  // KAMGOV_BENCH_WORKLOAD_PROFILE_H_
