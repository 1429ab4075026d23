#ifndef KAMGOV_CMD_KAMGOV_COMMANDS_H_
#define KAMGOV_CMD_KAMGOV_COMMANDS_H_

// The kamgov subcommands. Each takes the positional arguments after its
// name and returns the process exit status.

#include <string>
#include <vector>

namespace kamgov::cli {

using Args = std::vector<std::string>;

int Health(const Args& args);
int Tail(const Args& args);
int Exec(const Args& args);
int Designate(const Args& args);
int AssignSponsor(const Args& args);
int ReviewPlan(const Args& args);
int RaiseEscalation(const Args& args);
int Backup(const Args& args);
// Workload (demo.cc).
int Demo(const Args& args);
// Read models (query.cc).
int Portfolio(const Args& args);
int Coverage(const Args& args);
int SponsorLoad(const Args& args);
int Plans(const Args& args);
int Escalations(const Args& args);
int SelectionCycle(const Args& args);
int Projections(const Args& args);
// Audit (audit.cc).
int History(const Args& args);
int AsOf(const Args& args);
int ChainHead(const Args& args);
int Verify(const Args& args);
int Export(const Args& args);

}  // namespace kamgov::cli

#endif  // KAMGOV_CMD_KAMGOV_COMMANDS_H_
