#ifndef KAMGOV_BENCH_WORKLOAD_GENERATOR_H_
#define KAMGOV_BENCH_WORKLOAD_GENERATOR_H_

// The workload generator (docs/workload.md): turns a Profile into a valid
// governance history, as the commands a real organization would send.
//
// Setup() gives the commands that build the organization (persons,
// programs, criteria, accounts with managers, sponsors, teams and plans);
// Next() then gives an endless steady state drawn from the command Mix.
// Every command is valid when the commands are executed in the generator's
// order, and stays valid under concurrency as long as the executor honours
// the commands' keys (scheduler.h): commands sharing a key take effect in
// sequence order, except that shared holders of a key may run in any order
// among themselves. The generator chooses keys and decisions so that this
// holds; e.g. a portfolio slot freed by a de-designation is reused only
// after the program's next exclusive command (a selection cycle's close or
// open), since de-designations and designations only share the key.
//
// Deterministic: the same Profile (seed included) and options give the same
// commands. Not thread-safe; one thread drives a generator.

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "bench/workload/profile.h"
#include "kamgov/v1/domain.pb.h"
#include "kamgov/v1/governance.pb.h"

namespace kamgov::bench::workload {

// The command families of the steady-state mix (issue 8).
enum class Bucket {
  kSetup = 0,
  kPlans,        // SubmitAccountPlan, ReviewAccountPlan
  kEngagements,  // LogSponsorEngagement
  kTeam,         // AddTeamMember, RemoveTeamMember
  kEscalations,  // Raise, Acknowledge, RaiseLevel, Resolve (Withdraw)
  kAssignments,  // AssignKeyAccountManager, AssignExecutiveSponsor
  kSelection,    // Nominate, Designate, Reevaluate, DeDesignate, Reject,
                 // Open/CloseSelectionCycle
};
inline constexpr int kBucketCount = 7;
absl::string_view BucketName(Bucket bucket);

// Target shares of the steady state (they need not sum to 1; they are
// normalized). The defaults are issue 8's.
struct Mix {
  double plans = 0.30;
  double engagements = 0.20;
  double team = 0.15;
  double escalations = 0.20;
  double assignments = 0.10;
  double selection = 0.05;
  double Share(Bucket bucket) const;
};

// An ordering key: commands on the same key take effect in sequence order
// (exclusive) or after every earlier exclusive holder (shared).
struct Key {
  uint64_t id = 0;  // kind << 32 | index
  bool exclusive = true;
};

struct GeneratedCommand {
  uint64_t seq = 0;  // 0, 1, ... over Setup() then Next()
  Bucket bucket = Bucket::kSetup;
  v1::CommandMeta meta;
  v1::Command command;
  std::vector<Key> keys;
};

struct GeneratorOptions {
  // The person who registers the organization's first senior manager. Empty:
  // that manager registers themself, which is the bootstrap and needs an
  // empty store. Otherwise an existing SENIOR_MANAGEMENT person.
  std::string admin_person;
  // Prepended to every aggregate id (persons, programs, accounts,
  // escalations, cycles), so that several organizations fit one store.
  std::string id_prefix;
  // Prepended to the sequence number to make command ids; empty: derived
  // from the profile, the seed and id_prefix.
  std::string command_id_prefix;
  // The UTC day (since 1970-01-01) plan periods and cycle due days count
  // from; negative: today.
  int64_t today_day = -1;
  Mix mix;
};

class Generator {
 public:
  static absl::StatusOr<std::unique_ptr<Generator>> Create(
      Profile profile, GeneratorOptions options = {});
  // The same from parameters (MakeProfile): INVALID_ARGUMENT for ones no
  // profile accepts.
  static absl::StatusOr<std::unique_ptr<Generator>> Create(
      const ProfileParams& params, GeneratorOptions options = {});
  ~Generator();
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  // The setup, as phases: each phase must complete before the next starts;
  // within a phase only the keys order the commands. Call once, first.
  std::vector<std::vector<GeneratedCommand>> Setup();
  // The next steady-state command. Call after Setup().
  GeneratedCommand Next();

  const Profile& profile() const;
  // Counts of the organization as the generator's model sees it now.
  struct Summary {
    int persons = 0;
    int programs = 0;
    int accounts_known = 0;  // nominated at least once
    int designated = 0;
    int open_escalations = 0;
    int escalations_raised = 0;
    int plans_submitted = 0;
  };
  Summary summary() const;

 private:
  struct Model;
  explicit Generator(std::unique_ptr<Model> model);
  std::unique_ptr<Model> model_;
};

}  // namespace kamgov::bench::workload

#endif  // KAMGOV_BENCH_WORKLOAD_GENERATOR_H_
