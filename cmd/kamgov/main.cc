// kamgov: the command-line client of kamgovd.
//
//   kamgov [--server=127.0.0.1:50051] [--output=table|json] COMMAND ...

#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "cmd/kamgov/client.h"
#include "cmd/kamgov/commands.h"

namespace {

constexpr char kUsage[] =
    "kamgov: the kamgov command-line client.\n"
    "  kamgov [--server=HOST:PORT] [--output=table|json] COMMAND [ARGS]\n"
    "commands:\n"
    "  health    is the server up and serving?\n"
    "  tail      print events as they commit "
    "([--from=start|end|POS] [--type=T] [--tag=account:A] [--follow=false])\n"
    "  exec CMD  issue any command: --json='{...}' --as=PERSON "
    "--rationale=WHY\n"
    "  designate         --account=A --scores=c1=8,c2=7 "
    "--portfolio_class=STAR\n"
    "  assign-sponsor    --account=A --sponsor=P\n"
    "  review-plan       --account=A --plan_version=N --outcome=APPROVED\n"
    "  raise-escalation  --escalation=E --account=A --category=RESOURCING\n"
    "(commands take --as, --rationale, --command_id, --expected_version)\n"
    "  backup    --to=DIR [--keep=N]: online backup, written by the server "
    "into its DIR\n"
    "  demo      load a demo organization: --profile=primum|global-matrix "
    "[--accounts=N] [--seed=S]\n"
    "  portfolio         [--program=P] [--class=STAR]\n"
    "  coverage          [--program=P] [--manager=M] [--gaps]\n"
    "  sponsor-load      [--sponsor=S] [--over_limit]\n"
    "  plans             [--program=P] [--class=C] [--overdue | --missing]\n"
    "  escalations       [--program=P] [--level=L] [--category=C] [--overdue] "
    "[--recurrence=account|units]\n"
    "  selection-cycle   [--program=P] [--superseded]\n"
    "  projections       status | rebuild NAME (progress on stderr)\n"
    "(read models take --min_position, --page_size, --page_token)\n"
    "  history ACCOUNT   every event of it, with who, why and the rules "
    "(or --escalation=E, --person=P, --program=P, --by=PERSON)\n"
    "  as-of ACCOUNT     its state at --at=RFC3339 or --position=N "
    "(or --escalation, --person; --program=P: the portfolio)\n"
    "  chain-head        the position and hash to pin outside kamgov\n"
    "  verify            recompute the hash chain [--from=N] [--to=N]\n"
    "  export            the log for offline verification, to stdout: "
    "--format=jsonl|csv [--from=N] [--to=N]";

struct Command {
  const char* name;
  int (*run)(const kamgov::cli::Args&);
};

constexpr Command kCommands[] = {
    {"health", kamgov::cli::Health},
    {"tail", kamgov::cli::Tail},
    {"exec", kamgov::cli::Exec},
    {"designate", kamgov::cli::Designate},
    {"assign-sponsor", kamgov::cli::AssignSponsor},
    {"review-plan", kamgov::cli::ReviewPlan},
    {"raise-escalation", kamgov::cli::RaiseEscalation},
    {"backup", kamgov::cli::Backup},
    {"demo", kamgov::cli::Demo},
    {"portfolio", kamgov::cli::Portfolio},
    {"coverage", kamgov::cli::Coverage},
    {"sponsor-load", kamgov::cli::SponsorLoad},
    {"plans", kamgov::cli::Plans},
    {"escalations", kamgov::cli::Escalations},
    {"selection-cycle", kamgov::cli::SelectionCycle},
    {"projections", kamgov::cli::Projections},
    {"history", kamgov::cli::History},
    {"as-of", kamgov::cli::AsOf},
    {"chain-head", kamgov::cli::ChainHead},
    {"verify", kamgov::cli::Verify},
    {"export", kamgov::cli::Export},
};

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  const std::string output = absl::GetFlag(FLAGS_output);
  if (output != "table" && output != "json") {
    std::cerr << "--output must be table or json\n";
    return 2;
  }
  if (positional.size() < 2) {
    std::cerr << kUsage << "\n";
    return 2;
  }
  const std::string name = positional[1];
  kamgov::cli::Args args(positional.begin() + 2, positional.end());
  for (const Command& command : kCommands) {
    if (name == command.name) return command.run(args);
  }
  std::cerr << "unknown command '" << name << "'\n" << kUsage << "\n";
  return 2;
}
