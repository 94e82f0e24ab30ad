#include "common.hpp"

#include "labelqa/error.hpp"

#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <tbb/global_control.h>
#include <unistd.h>

namespace labelqa::cli {

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

}  // namespace labelqa::cli
