// kamgov demo: loads a demo organization into a running server.
//
//   kamgov demo [--profile=primum|global-matrix] [--accounts=N]
//               [--persons=N] [--programs=N] [--seed=S] [--commands=N]
//               [--in_flight=16] [--id_prefix=P] [--as=ADMIN]
//
// The workload generator (bench/workload/, docs/workload.md) builds the
// organization through GovernanceService.Execute, as any caller would,
// then runs --commands steady-state commands of its mix (plans and
// reviews, sponsor engagements, team changes, escalations, assignments,
// selection). On an empty store its first senior manager registers
// themself (the bootstrap); on a store that already has people, pass --as
// with an existing senior manager, and --id_prefix if the ids could clash.
// Commands carry deterministic ids: loading the same demo twice replays
// instead of duplicating. Progress goes to stderr, a summary to stdout.

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/workload/executor.h"
#include "bench/workload/generator.h"
#include "bench/workload/pipeline.h"
#include "bench/workload/profile.h"
#include "cmd/kamgov/client.h"
#include "cmd/kamgov/commands.h"

ABSL_DECLARE_FLAG(std::string, as);  // exec.cc

ABSL_FLAG(std::string, profile, "primum",
          "demo: the organization's shape, primum (a 60-person firm) or "
          "global-matrix (a global company).");
ABSL_FLAG(int, accounts, 0, "demo: accounts (0: the profile's default).");
ABSL_FLAG(int, persons, 0, "demo: registered persons (0: the default).");
ABSL_FLAG(int, programs, 0, "demo: KAM programs (0: the default).");
ABSL_FLAG(uint64_t, seed, 1, "demo: the generator's random seed.");
ABSL_FLAG(int64_t, commands, -1,
          "demo: steady-state commands after the setup (-1: 20 per "
          "account).");
ABSL_FLAG(int, in_flight, 16, "demo: commands sent concurrently.");
ABSL_FLAG(std::string, id_prefix, "",
          "demo: prefix of every id the demo creates.");

namespace kamgov::cli {
namespace {

// One line on stderr, redrawn in place on a terminal.
class ProgressBar {
 public:
  explicit ProgressBar(uint64_t total)
      : total_(total), tty_(isatty(STDERR_FILENO) != 0) {}
  void Update(absl::string_view stage, uint64_t done) {
    const int width = 30;
    const int filled =
        total_ > 0 ? static_cast<int>(width * done / total_) : width;
    std::fprintf(stderr, "%s[%-*s] %3d%% %-8.*s %llu/%llu commands%s",
                 tty_ ? "\r" : "", width, std::string(filled, '#').c_str(),
                 total_ > 0 ? static_cast<int>(100 * done / total_) : 100,
                 static_cast<int>(stage.size()), stage.data(),
                 static_cast<unsigned long long>(done),
                 static_cast<unsigned long long>(total_), tty_ ? "" : "\n");
    std::fflush(stderr);
  }
  void Finish() {
    if (tty_) std::fprintf(stderr, "\n");
  }

 private:
  const uint64_t total_;
  const bool tty_;
};

}  // namespace

int Demo(const Args& args) {
  if (!args.empty()) {
    std::cerr << "usage: kamgov demo [--profile=primum|global-matrix] "
                 "[--accounts=N] [--seed=S] [--commands=N]\n";
    return 2;
  }
  bench::workload::ProfileParams params;
  params.name = absl::GetFlag(FLAGS_profile);
  params.accounts = absl::GetFlag(FLAGS_accounts);
  params.persons = absl::GetFlag(FLAGS_persons);
  params.programs = absl::GetFlag(FLAGS_programs);
  params.seed = absl::GetFlag(FLAGS_seed);
  bench::workload::GeneratorOptions options;
  options.admin_person = absl::GetFlag(FLAGS_as);
  options.id_prefix = absl::GetFlag(FLAGS_id_prefix);
  absl::StatusOr<std::unique_ptr<bench::workload::Generator>> generator =
      bench::workload::Generator::Create(params, options);
  if (!generator.ok()) {
    std::cerr << "error: " << generator.status().message() << "\n";
    return 2;
  }
  bench::workload::Generator& gen = **generator;
  int64_t steady = absl::GetFlag(FLAGS_commands);
  if (steady < 0)
    steady = 20 * static_cast<int64_t>(gen.profile().params.accounts);
  const int in_flight = std::max(1, absl::GetFlag(FLAGS_in_flight));

  std::vector<std::vector<bench::workload::GeneratedCommand>> phases =
      gen.Setup();
  uint64_t total = steady;
  for (const auto& phase : phases) total += phase.size();

  // Plain TCP with the development principal header, or mutual TLS from
  // --cacert/--cert/--key (the certificate then names the principal).
  bench::workload::GrpcExecutor executor({Connect()},
                                         absl::GetFlag(FLAGS_principal),
                                         absl::GetFlag(FLAGS_timeout));
  bench::workload::Pipeline pipeline(&executor);
  ProgressBar bar(total);
  const absl::Time start = absl::Now();
  uint64_t done = 0;
  static const char* const kStages[] = {"founder", "programs", "people",
                                        "accounts"};
  for (size_t i = 0; i < phases.size(); ++i) {
    const uint64_t before = done;
    const uint64_t size = phases[i].size();
    absl::Status ran = bench::workload::RunPhase(
        pipeline, std::move(phases[i]), i == 0 ? 1 : in_flight,
        [&](uint64_t completed) {
          bar.Update(kStages[i % 4], before + completed);
        });
    done = before + size;
    if (!ran.ok()) {
      bar.Finish();
      std::cerr << "error: " << ran.message() << "\n";
      if (i == 0 && options.admin_person.empty()) {
        std::cerr << "  (the first person registers themself only on an "
                     "empty store: on a server with data, pass --as=<a "
                     "senior manager> and perhaps --id_prefix)\n";
      }
      return 1;
    }
  }
  absl::Status ran = bench::workload::RunCommands(
      pipeline, [&] { return gen.Next(); }, steady, in_flight,
      [&](uint64_t completed) { bar.Update("activity", done + completed); });
  bar.Finish();
  if (!ran.ok()) {
    std::cerr << "error: " << ran.message() << "\n";
    return 1;
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const bench::workload::Generator::Summary s = gen.summary();
  const std::string& name = gen.profile().params.name;
  if (JsonOutput()) {
    std::cout << absl::StrFormat(
        R"({"profile": "%s", "seed": %d, "commands": %d, "seconds": %.2f, )"
        R"("persons": %d, "programs": %d, "accounts": %d, "key_accounts": %d, )"
        R"("plans_submitted": %d, "escalations_raised": %d, )"
        R"("escalations_open": %d})",
        name, gen.profile().params.seed, total, seconds, s.persons, s.programs,
        s.accounts_known, s.designated, s.plans_submitted, s.escalations_raised,
        s.open_escalations);
    std::cout << "\n";
  } else {
    std::cout << absl::StrFormat(
        "Loaded the %s demo (seed %d) into %s: %d commands in %.1f s\n"
        "  %d persons, %d program(s), %d accounts of which %d are key "
        "accounts\n"
        "  %d plans submitted, %d escalations raised (%d still open)\n"
        "Try: kamgov portfolio, kamgov coverage, kamgov escalations, "
        "kamgov tail --from=start --follow=false\n",
        name, gen.profile().params.seed, absl::GetFlag(FLAGS_server), total,
        seconds, s.persons, s.programs, s.accounts_known, s.designated,
        s.plans_submitted, s.escalations_raised, s.open_escalations);
  }
  return 0;
}

}  // namespace kamgov::cli
