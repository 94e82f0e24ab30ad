// The command line as a function: what the Python package calls. A subcommand runs exactly as
// the binary runs it (the same flags, checks and reports), with chosen outputs kept in memory.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace labelqa::cli {

struct Invocation {
  int exit_code = 0;                           // 0, 1 for a failed gate, 2 for unreadable inputs (other errors are thrown)
  std::map<std::string, std::string> outputs;  // each captured output's text, by its name
  std::vector<std::string> messages;           // what the binary would print on standard error
};

// Runs `args` (the subcommand and its flags, without the program name). Outputs whose path is one
// of `captured` (as given to --json, --csv, ...) are kept in memory and returned, not written.
// Throws UsageError for flags the command line refuses (CLI11's message) and InputError /
// UsageError as the command does; never prints help or exits.
Invocation invoke(const std::vector<std::string>& args, const std::vector<std::string>& captured);

// What a subcommand's flag takes, so a front end can spell values the way the flag reads them.
struct FlagShape {
  bool takes_value = true;  // false: a switch (--per-image)
  bool repeatable = false;  // true: given once per value (--min a=1 --min b=2)
};
// Every long flag of `subcommand` by name without its dashes ("iou-threshold"). Throws UsageError
// for an unknown subcommand.
std::map<std::string, FlagShape> flag_shapes(const std::string& subcommand);

}  // namespace labelqa::cli
