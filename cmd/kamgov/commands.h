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

}  // namespace kamgov::cli

#endif  // KAMGOV_CMD_KAMGOV_COMMANDS_H_
