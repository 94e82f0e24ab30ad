#include "common.hpp"

#include "labelqa/commands/versions.hpp"
#include "labelqa/error.hpp"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <filesystem>
#include <fmt/format.h>
#include <tbb/global_control.h>
#include <unistd.h>

namespace labelqa::cli {

namespace {
thread_local SilentTerminal* t_silent = nullptr;
}  // namespace

void message(const char* format, ...) {
  std::va_list args;
  va_start(args, format);
  if (!t_silent) {
    std::vfprintf(stderr, format, args);
    va_end(args);
    return;
  }
  std::va_list again;
  va_copy(again, args);
  const int n = std::vsnprintf(nullptr, 0, format, args);
  va_end(args);
  std::string text(n > 0 ? static_cast<std::size_t>(n) : 0, '\0');
  if (n > 0) std::vsnprintf(text.data(), text.size() + 1, format, again);
  va_end(again);
  if (text.rfind("labelqa: ", 0) == 0) text.erase(0, 9);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  t_silent->m_messages.push_back(std::move(text));
}

SilentTerminal::SilentTerminal() : m_outer(t_silent) { t_silent = this; }
SilentTerminal::~SilentTerminal() { t_silent = m_outer; }
std::vector<std::string> SilentTerminal::take() { return std::exchange(m_messages, {}); }

void build_app(CLI::App& app, Action& action) {
  // The version, and the libraries it was built with (the last line without its newline: CLI11 adds one).
  std::string version = commands::version_text({{"CLI11", CLI11_VERSION}});
  version.pop_back();
  app.set_version_flag("--version", version);
  app.require_subcommand(1);
  register_agree(app, action);
  register_gold(app, action);
  register_validate(app, action);
  register_report(app, action);
  register_merge(app, action);
}

void add_output_flags(CLI::App& cmd, OutputOptions& out) {
  cmd.add_option("--json", out.json_path, "Write the report as JSON to FILE ('-' for standard output)")
      ->type_name("FILE");
  cmd.add_option("--csv", out.csv_path, "Write the report as CSV to FILE ('-' for standard output)")->type_name("FILE");
  cmd.add_flag("-q,--quiet", out.quiet, "Print no summary on the terminal");
  cmd.add_option("--color", out.color, "Colour the terminal summary")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->default_str("auto");
}

void add_threads_flag(CLI::App& cmd, int& threads) {
  cmd.add_option("--threads", threads, "Worker threads (default: all cores); output is the same for any count")
      ->check(CLI::Range(0, 1024))
      ->type_name("N");
}

bool use_color(const OutputOptions& out) {
  if (out.color == "always") return true;
  if (out.color == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && *no_color != '\0') return false;
  return ::isatty(STDOUT_FILENO) != 0;
}

bool print_summary(const OutputOptions& out) { return !out.quiet && out.json_path != "-" && out.csv_path != "-"; }

void check_outputs(const std::vector<std::string>& inputs, const std::vector<std::pair<std::string, std::string>>& outputs) {
  namespace fs = std::filesystem;
  auto same = [](const std::string& a, const std::string& b) {
    std::error_code ec;
    if (fs::exists(a, ec) && fs::exists(b, ec)) return fs::equivalent(a, b, ec) && !ec;
    const fs::path ca = fs::weakly_canonical(a, ec), cb = fs::weakly_canonical(b, ec);
    return !ec && ca == cb;
  };
  for (const auto& [flag, out] : outputs) {
    if (out.empty() || out == "-") continue;
    for (const auto& in : inputs) {
      if (in.empty() || in == "-") continue;
      if (same(out, in)) throw UsageError(fmt::format("{} {} is an input ({}): refusing to overwrite it", flag, out, in));
    }
  }
}

std::shared_ptr<void> limit_threads(int threads) {
  if (threads <= 0) return nullptr;
  return std::make_shared<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                               static_cast<std::size_t>(threads));
}

void add_ci_flags(CLI::App& cmd, CiOutputs& out) {
  cmd.add_option("--sarif", out.sarif_path, "Write the findings as SARIF 2.1.0 to FILE (GitHub code scanning; '-' for standard output)")->type_name("FILE");
  cmd.add_option("--gitlab-codequality", out.gitlab_path, "Write the findings as a GitLab Code Quality report to FILE ('-' for standard output)")
      ->type_name("FILE");
}

bool print_summary(const OutputOptions& out, const CiOutputs& ci) { return print_summary(out) && ci.sarif_path != "-" && ci.gitlab_path != "-"; }

void github_actions(const std::vector<report::CiResult>& results, std::string_view markdown) {
  const char* actions = std::getenv("GITHUB_ACTIONS");
  if (t_silent || !actions || std::string_view(actions) != "true") return;
  std::size_t errors = 0, warnings = 0;
  std::string commands;
  for (const auto& r : results) {
    std::size_t& n = r.error ? errors : warnings;
    if (n++ < report::k_github_annotations) commands += report::github_command(r);
  }
  std::fwrite(commands.data(), 1, commands.size(), stdout);
  std::fflush(stdout);
  const char* summary = std::getenv("GITHUB_STEP_SUMMARY");
  if (!summary || !*summary) return;
  // Appended, as GitHub asks: every step of a job adds to one summary file.
  std::FILE* f = std::fopen(summary, "a");
  if (!f) throw InputError({.file = summary}, "cannot append the job summary to $GITHUB_STEP_SUMMARY");
  const bool ok = std::fwrite(markdown.data(), 1, markdown.size(), f) == markdown.size();
  if (std::fclose(f) != 0 || !ok) throw InputError({.file = summary}, "cannot append the job summary to $GITHUB_STEP_SUMMARY");
}

void write_outputs(const std::vector<std::pair<std::string, const io::Sink**>>& outputs, const std::function<void()>& produce) {
  struct Open {
    std::string path;
    const io::Sink** slot;
    bool buffered = false;
  };
  std::vector<Open> open;
  bool stdout_taken = false;
  for (const auto& [path, slot] : outputs) {
    if (path.empty()) continue;
    const bool buffered = path == "-" && stdout_taken;
    stdout_taken = stdout_taken || path == "-";
    open.push_back({path, slot, buffered});
  }
  std::vector<std::string> buffers(open.size());
  std::vector<io::Sink> buffer_sinks;
  buffer_sinks.reserve(open.size());
  for (std::size_t k = 0; k < open.size(); ++k) buffer_sinks.emplace_back([&buffers, k](std::string_view b) { buffers[k] += b; });
  std::function<void(std::size_t)> nest = [&](std::size_t k) {
    if (k == open.size()) return produce();
    if (open[k].buffered) {
      *open[k].slot = &buffer_sinks[k];
      return nest(k + 1);
    }
    io::write_output(open[k].path, [&](const io::Sink& s) {
      *open[k].slot = &s;
      nest(k + 1);
    });
  };
  nest(0);
  for (std::size_t k = 0; k < open.size(); ++k) {
    if (open[k].buffered) io::write_output("-", buffers[k]);
  }
}

}  // namespace labelqa::cli
