// Flags and helpers shared by the subcommands (output files, colour, threads).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace labelqa::cli {

// A subcommand registers its flags and returns the action to run after parsing (the exit code).
using Action = std::function<int()>;

struct OutputOptions {
  std::string json_path;  // "-" is standard output
  std::string csv_path;
  bool quiet = false;
  std::string color = "auto";  // auto | always | never
};

void add_output_flags(CLI::App& cmd, OutputOptions& out);
void add_threads_flag(CLI::App& cmd, int& threads);

// Whether the terminal summary goes to stdout in colour.
bool use_color(const OutputOptions& out);
// The terminal summary is printed unless --quiet or a report already goes to standard output.
bool print_summary(const OutputOptions& out);

// Refuses (UsageError) an output that is one of the inputs: the same file by any path (`dir/../x`,
// a symlink, a hard link). `outputs` pairs a flag with its path ("" and "-" are skipped).
void check_outputs(const std::vector<std::string>& inputs, const std::vector<std::pair<std::string, std::string>>& outputs);

// Limits oneTBB to `threads` worker threads for the lifetime of the returned object (0 = all cores).
std::shared_ptr<void> limit_threads(int threads);

void register_agree(CLI::App& app, Action& action);
void register_gold(CLI::App& app, Action& action);
void register_validate(CLI::App& app, Action& action);
void register_report(CLI::App& app, Action& action);

}  // namespace labelqa::cli
