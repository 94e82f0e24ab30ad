// Flags and helpers shared by the subcommands (output files, colour, threads).
#pragma once

#include "labelqa/io/atomic_file.hpp"
#include "labelqa/report/ci_formats.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
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

// A message for the terminal on standard error (a failed gate, a count of findings, a warning),
// printf-style. Not printed while a command runs embedded (embed.hpp): its caller reads the same
// facts from the report.
[[gnu::format(printf, 1, 2)]] void message(const char* format, ...);
// While alive on this thread, message() prints nothing but keeps the messages (without their
// "labelqa: " and newline), and the GitHub Actions commands are not printed.
class SilentTerminal {
 public:
  SilentTerminal();
  ~SilentTerminal();
  SilentTerminal(const SilentTerminal&) = delete;
  SilentTerminal& operator=(const SilentTerminal&) = delete;
  std::vector<std::string> take();

 private:
  SilentTerminal* m_outer;
  std::vector<std::string> m_messages;
  friend void message(const char* format, ...);
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

// The CI formats `validate` and `gold` write (docs/ci.md).
struct CiOutputs {
  std::string sarif_path;
  std::string gitlab_path;
};
void add_ci_flags(CLI::App& cmd, CiOutputs& out);

// The reports of a gold run (gold, and merge of gold partials).
struct GoldOutputs {
  OutputOptions output;
  std::string conflicts_path, junit_path, markdown_path, vendor_dir;
  CiOutputs ci;
  bool vendor_items = false;
};
void add_gold_output_flags(CLI::App& cmd, GoldOutputs& out);
// print_summary, and no CI report goes to standard output either.
bool print_summary(const OutputOptions& out, const CiOutputs& ci);
// On GitHub Actions (GITHUB_ACTIONS=true): prints a workflow command for each of the first
// report::k_github_annotations errors and warnings (GitHub shows that many per step), and appends
// `markdown` to the file $GITHUB_STEP_SUMMARY names. Elsewhere nothing.
void github_actions(const std::vector<report::CiResult>& results, std::string_view markdown);
// Opens every output (path, slot) with a non-empty path, points its slot at a sink writing it,
// runs `produce`, and commits them all (each atomically). Outputs to standard output after the
// first are buffered and follow it, in order.
void write_outputs(const std::vector<std::pair<std::string, const io::Sink**>>& outputs, const std::function<void()>& produce);

// Limits oneTBB to `threads` worker threads for the lifetime of the returned object (0 = all cores).
std::shared_ptr<void> limit_threads(int threads);

// The whole command line: the version flag and every subcommand (main.cpp, and embed.cpp for the
// Python package).
void build_app(CLI::App& app, Action& action);

void register_agree(CLI::App& app, Action& action);
void register_gold(CLI::App& app, Action& action);
void register_validate(CLI::App& app, Action& action);
void register_report(CLI::App& app, Action& action);
void register_merge(CLI::App& app, Action& action);

}  // namespace labelqa::cli

namespace labelqa::commands {
class AgreeRun;
class GoldRun;
}  // namespace labelqa::commands

namespace labelqa::cli {
// Writes an agreement run's reports (--json, --csv, the summary) and returns the exit code of its gates.
int write_agree_outputs(const OutputOptions& output, const commands::AgreeRun& run);
// Writes a gold run's reports, prints failed rules, returns the exit code.
int write_gold_outputs(const GoldOutputs& out, const commands::GoldRun& run);
}  // namespace labelqa::cli
