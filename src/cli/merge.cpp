// `labelqa merge`: partial results of shards (`agree --partial`, `gold --partial`) into the report
// of their union (docs/scale.md).
#include "common.hpp"
#include "inputs.hpp"
#include "labelqa/commands/agree.hpp"
#include "labelqa/commands/gold.hpp"
#include "labelqa/error.hpp"
#include "labelqa/io/atomic_file.hpp"
#include "labelqa/io/partial.hpp"

#include <tuple>

namespace labelqa::cli {
namespace {

struct MergeArgs {
  std::vector<std::string> files;
  std::vector<std::string> min;
  std::string gate_on = "value";
  std::string partial_path;
  GoldOutputs out;
  int threads = 0;
};

bool any_report(const GoldOutputs& o) {
  return !o.output.json_path.empty() || !o.output.csv_path.empty() || !o.conflicts_path.empty() || !o.junit_path.empty() ||
         !o.markdown_path.empty() || !o.vendor_dir.empty() || !o.ci.sarif_path.empty() || !o.ci.gitlab_path.empty();
}

int run_merge(const MergeArgs& a) {
  auto threads = limit_threads(a.threads);
  check_outputs(a.files, {{"--json", a.out.output.json_path},
                          {"--csv", a.out.output.csv_path},
                          {"--partial", a.partial_path},
                          {"--conflicts", a.out.conflicts_path},
                          {"--junit", a.out.junit_path},
                          {"--markdown", a.out.markdown_path},
                          {"--vendor-report", a.out.vendor_dir},
                          {"--sarif", a.out.ci.sarif_path},
                          {"--gitlab-codequality", a.out.ci.gitlab_path}});
  const bool partial = !a.partial_path.empty();
  if (partial && (any_report(a.out) || !a.min.empty())) {
    throw UsageError("--partial writes the merged statistics only: reports and --min come from the last merge");
  }
  // The kind of the first partial decides the command; the merge checks every other against it.
  const io::PartialReader first(a.files.front());
  if (first.header().kind.rfind("gold/", 0) == 0) {
    if (!a.min.empty()) throw UsageError("gold partials carry their rules (the shards' --policy and --min): give --min to `labelqa gold`");
    commands::GoldRequest r;
    r.files = a.files;
    r.merge = true;
    r.partial = partial;
    const commands::GoldRun run = commands::gold(r);
    if (partial) {
      io::write_output(a.partial_path, run.partial());
      return static_cast<int>(ExitCode::ok);
    }
    return write_gold_outputs(a.out, run);
  }
  const GoldOutputs& o = a.out;
  if (!o.conflicts_path.empty() || !o.junit_path.empty() || !o.markdown_path.empty() || !o.vendor_dir.empty() || !o.ci.sarif_path.empty() ||
      !o.ci.gitlab_path.empty()) {
    throw UsageError("partials of agree merge into --json and --csv reports; --conflicts, --junit, --markdown, --vendor-report, --sarif and "
                     "--gitlab-codequality are gold's");
  }
  commands::AgreeRequest r;
  r.files = a.files;
  r.merge = true;
  r.partial = partial;
  for (const auto& spec : a.min) {
    metrics::MinGate g;
    std::tie(g.metric, g.threshold) = parse_min_spec(spec);
    r.gates.push_back(std::move(g));
  }
  r.gate_on = a.gate_on == "ci_low" ? metrics::GateOn::ci_low : metrics::GateOn::value;
  const commands::AgreeRun run = commands::agree(r);
  if (partial) {
    io::write_output(a.partial_path, run.partial());
    return static_cast<int>(ExitCode::ok);
  }
  return write_agree_outputs(o.output, run);
}

}  // namespace

void register_merge(CLI::App& app, Action& action) {
  auto args = std::make_shared<MergeArgs>();
  CLI::App* cmd = app.add_subcommand("merge", "Merge partial results of shards (agree or gold --partial) into the report of their union");
  cmd->add_option("partials", args->files, "Partial results, in any order; each shard must hold whole items")->required()->type_name("FILE...");
  cmd->add_option("--min", args->min, "agree partials: exit 1 when an overall METRIC is below VALUE (repeatable)")->type_name("METRIC=VALUE");
  cmd->add_option("--gate-on", args->gate_on, "agree partials: what --min compares, the value or its lower confidence bound")
      ->check(CLI::IsMember({"value", "ci_low"}))
      ->default_str("value");
  cmd->add_option("--partial", args->partial_path, "Write the merged statistics as one partial result to FILE (for a tree of merges)")->type_name("FILE");
  add_gold_output_flags(*cmd, args->out);
  add_threads_flag(*cmd, args->threads);
  cmd->callback([args, &action] { action = [args] { return run_merge(*args); }; });
}

}  // namespace labelqa::cli
