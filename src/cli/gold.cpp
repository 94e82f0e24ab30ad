// `labelqa gold`: scores every annotator and the vendor on hidden gold items, and gates CI.
#include "common.hpp"
#include "inputs.hpp"
#include "labelqa/commands/gold.hpp"
#include "labelqa/error.hpp"
#include "labelqa/io/atomic_file.hpp"
#include "labelqa/io/policy_reader.hpp"
#include "labelqa/metrics/transcripts.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <tuple>

namespace labelqa::cli {
namespace {

struct GoldArgs {
  InputArgs in;
  std::string gold_path;
  std::string gold_annotator;
  std::string gold_format;
  std::string policy_path;
  std::vector<std::string> min;
  std::string gate_on;
  double iou_threshold = -1;  // < 0: from the policy (default 0.5)
  std::string iou_type = "auto";
  double low_overlap = -1;
  commands::KeypointRequest keypoints;
  commands::AttributeRequest attributes;
  commands::LineRequest lines;
  long long min_items = -1;
  std::string on_insufficient;
  metrics::GoldOptions options;
  std::string compare = "auto";
  double collar = 0.2;
  bool skip_overlap = false;
  std::string durations_path;
  std::string text_col = "text";
  std::string normalize = "case,space";
  bool masks = false;
  std::string classes_path;
  int ignore = 255;
  GoldOutputs out;
  std::string partial_path;
  bool strict = false;
  bool plan = false;
  std::vector<double> expected;
  double power = 0.8;
  int threads = 0;
};

metrics::GoldPolicy build_policy(const GoldArgs& a) {
  metrics::GoldPolicy policy = a.policy_path.empty() ? metrics::GoldPolicy{} : io::read_policy(a.policy_path);
  if (!a.gate_on.empty()) policy.compare = a.gate_on;
  if (a.iou_threshold >= 0) policy.iou_threshold = a.iou_threshold;
  if (a.low_overlap >= 0) policy.low_overlap = a.low_overlap;
  if (a.min_items >= 0) policy.min_items = a.min_items;
  if (!a.on_insufficient.empty()) policy.insufficient_fails = a.on_insufficient == "fail";
  for (const auto& spec : a.min) {
    metrics::GoldRule rule;
    std::tie(rule.metric, rule.min) = parse_min_spec(spec);
    rule.origin = "--min " + spec;
    policy.rules.push_back(rule);
  }
  return policy;
}

int run_gold(GoldArgs& a) {
  auto threads = limit_threads(a.threads);
  if (a.in.files.empty()) throw UsageError("give the delivery files (and --gold FILE)");
  if (a.gold_path.empty() && a.gold_annotator.empty()) {
    throw UsageError("--gold FILE (or --gold-annotator NAME) is required: the gold labels to score the delivery against");
  }
  if (a.masks && !a.gold_annotator.empty()) throw UsageError("--gold-annotator takes an annotator of a tool export or table; mask folders need --gold DIR");
  if (a.out.vendor_items && a.out.vendor_dir.empty()) throw UsageError("--vendor-report-items adds to the vendor report: give --vendor-report DIR");
  if (!a.partial_path.empty() && (!a.out.output.json_path.empty() || !a.out.output.csv_path.empty() || !a.out.conflicts_path.empty() ||
                                  !a.out.junit_path.empty() || !a.out.markdown_path.empty() || !a.out.vendor_dir.empty() ||
                                  !a.out.ci.sarif_path.empty() || !a.out.ci.gitlab_path.empty())) {
    throw UsageError("--partial writes a shard's data only: reports belong to `labelqa merge`");
  }
  check_outputs(input_paths(a.in, {a.gold_path, a.policy_path, a.classes_path, a.durations_path}),
                {{"--json", a.out.output.json_path}, {"--csv", a.out.output.csv_path}, {"--conflicts", a.out.conflicts_path}, {"--junit", a.out.junit_path},
                 {"--markdown", a.out.markdown_path}, {"--vendor-report", a.out.vendor_dir}, {"--sarif", a.out.ci.sarif_path},
                 {"--gitlab-codequality", a.out.ci.gitlab_path}});
  commands::GoldRequest r;
  r.files = a.in.files;
  r.load = load_options(a.in);
  r.gold_path = a.gold_path;
  r.gold_annotator = a.gold_annotator;
  r.gold_format = parse_format_flag(a.gold_format);
  r.policy = build_policy(a);
  if (a.strict && r.policy.rules.empty() && !r.policy.max_gold_missing) {
    throw UsageError("no rules given: nothing would be gated (give --min or a --policy with rules, or leave out --strict)");
  }
  r.options = a.options;
  r.options.iou_type = iou_type_of(a.iou_type);
  r.compare = compare_of(a.compare);
  r.options.collar = std::llround(a.collar * 1e6);
  r.options.skip_overlap = a.skip_overlap;
  r.options.normalize = metrics::parse_normalization(a.normalize);
  r.durations_path = a.durations_path;
  r.keypoints = a.keypoints;
  r.attributes = a.attributes;
  r.lines = a.lines;
  r.text_col = a.text_col;
  r.masks = a.masks;
  r.classes_path = a.classes_path;
  r.ignore = static_cast<std::uint32_t>(a.ignore);
  r.partial = !a.partial_path.empty();
  if (r.partial) {
    check_outputs(input_paths(a.in, {a.gold_path, a.policy_path}), {{"--partial", a.partial_path}});
    const commands::GoldRun run = commands::gold(r);
    io::write_output(a.partial_path, run.partial());
    return static_cast<int>(ExitCode::ok);
  }
  return write_gold_outputs(a.out, commands::gold(r));
}

}  // namespace

int write_gold_outputs(const GoldOutputs& o, const commands::GoldRun& run) {

  if (!o.output.json_path.empty()) io::write_output(o.output.json_path, run.json());
  if (!o.output.csv_path.empty()) io::write_output(o.output.csv_path, run.csv());
  if (!o.conflicts_path.empty()) io::write_output(o.conflicts_path, run.conflicts_csv());
  if (!o.junit_path.empty()) io::write_output(o.junit_path, run.junit());
  if (!o.markdown_path.empty()) io::write_output(o.markdown_path, run.markdown());
  if (!o.ci.sarif_path.empty()) io::write_output(o.ci.sarif_path, run.sarif());
  if (!o.ci.gitlab_path.empty()) io::write_output(o.ci.gitlab_path, run.gitlab_codequality());
  github_actions(run.ci_results(), run.markdown());
  if (!o.vendor_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.vendor_dir, ec);
    if (ec) throw InputError({.file = o.vendor_dir}, fmt::format("cannot create the vendor report folder: {}", ec.message()));
    io::write_output(o.vendor_dir + "/vendor_report.json", run.vendor_json(o.vendor_items));
    if (o.vendor_items) {
      io::write_output(o.vendor_dir + "/vendor_conflicts.csv", run.vendor_conflicts_csv());
      message("labelqa: warning: the vendor report lists every conflict by item (--vendor-report-items): "
                           "it tells the vendor which items are gold\n");
    }
  }
  if (print_summary(o.output, o.ci)) {
    const std::string text = run.text(use_color(o.output));
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  }
  if (run.policy().rules.empty() && !run.policy().max_gold_missing) {
    message("labelqa: warning: no rules given: nothing was gated (give --min or a --policy with rules)\n");
  }
  for (const auto& o : run.rules().outcomes) {
    if (o.outcome == metrics::RuleResult::pass || (o.outcome == metrics::RuleResult::insufficient && !run.policy().insufficient_fails)) continue;
    if (o.outcome == metrics::RuleResult::fail) {
      message("labelqa: gate failed: %s for %s: %s %s is below the minimum %s\n", o.rule.c_str(), o.subject.c_str(),
                   o.compared == metrics::GateOn::ci_low ? "lower confidence bound" : "value", fmt::format("{:.4f}", *o.value).c_str(),
                   fmt::format("{}", o.threshold).c_str());
    } else {
      message("labelqa: gate failed: %s for %s: insufficient (%s, %lld gold items)\n", o.rule.c_str(), o.subject.c_str(),
                   metrics::outcome_reason(o).c_str(), o.gold_items);
    }
  }
  return static_cast<int>(run.gate_failed() ? ExitCode::gate_failed : ExitCode::ok);
}


namespace {

int run_plan(const GoldArgs& a) {
  if (a.min.empty()) throw UsageError("--plan needs the thresholds: --min METRIC=VALUE (e.g. --min accuracy=0.95)");
  if (a.expected.empty()) throw UsageError("--plan needs --expected VALUE: the value you expect the vendor to reach (e.g. 0.97)");
  if (a.expected.size() != 1 && a.expected.size() != a.min.size()) {
    throw UsageError("give one --expected for all --min rules, or one per --min in the same order");
  }
  commands::PlanRequest r;
  r.policy = build_policy(a);
  r.expected = a.expected;
  r.confidence = a.options.confidence;
  r.power = a.power;
  const commands::GoldPlanRun plan = commands::plan(r);
  if (!a.out.output.json_path.empty()) io::write_output(a.out.output.json_path, plan.json());
  if (print_summary(a.out.output)) {
    const std::string text = plan.text();
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  return 0;
}

}  // namespace

void add_gold_output_flags(CLI::App& cmd, GoldOutputs& out) {
  cmd.add_option("--conflicts", out.conflicts_path, "Write every conflict as CSV")->type_name("FILE");
  cmd.add_option("--junit", out.junit_path, "Write the rule outcomes as JUnit XML (one test case per rule and subject)")->type_name("FILE");
  cmd.add_option("--markdown", out.markdown_path, "Write a markdown summary (for a CI job summary or a pull-request comment)")->type_name("FILE");
  cmd.add_option("--vendor-report", out.vendor_dir, "Write a report for the vendor into DIR: scores, statuses and rule outcomes, never a gold item or label")
      ->type_name("DIR");
  cmd.add_flag("--vendor-report-items", out.vendor_items,
               "Also list every conflict by item in the vendor report (vendor_conflicts.csv): this reveals which items are gold");
  add_output_flags(cmd, out.output);
  add_ci_flags(cmd, out.ci);
}

void register_gold(CLI::App& app, Action& action) {
  auto args = std::make_shared<GoldArgs>();
  CLI::App* cmd = app.add_subcommand("gold", "Score annotators and the vendor on hidden gold items; exit 1 when a rule fails");
  cmd->add_option("files", args->in.files,
                  "The delivery: rating tables, one COCO file or mask folder per annotator, or tool exports (Label Studio, CVAT, VOC, "
                  "YOLO, LabelMe, doccano, Prodigy)")
      ->type_name("FILE...");
  cmd->add_option("--gold", args->gold_path, "The gold labels: a table with columns item,label, a COCO file, a mask folder or a tool export")
      ->type_name("FILE");
  cmd->add_option("--gold-annotator", args->gold_annotator,
                  "Instead of --gold: this annotator of the delivery is the gold (a reviewer or a ground-truth annotator of a combined export)")
      ->type_name("NAME");
  cmd->add_option("--format", args->in.format, "Format of the delivery, instead of judging from the content")
      ->check(CLI::IsMember(format_names()));
  cmd->add_option("--gold-format", args->gold_format, "Format of the gold file, instead of judging from the content")
      ->check(CLI::IsMember(format_names()));
  cmd->add_option("--policy", args->policy_path, "Rules and settings: a TOML file (or the same keys as JSON); see docs/gold.md")->type_name("FILE");
  cmd->add_option("--min", args->min, "Rule: METRIC must be at least VALUE for the vendor and every annotator (repeatable)")->type_name("METRIC=VALUE");
  cmd->add_option("--gate-on", args->gate_on, "What rules compare: the value or its lower confidence bound (default: the policy's, else value)")
      ->check(CLI::IsMember({"value", "ci_low"}));
  add_iou_type_flag(*cmd, args->iou_type);
  cmd->add_option("--iou-threshold", args->iou_threshold, "Objects: minimum IoU of a matched pair (default: the policy's, else 0.5)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--low-overlap", args->low_overlap, "Objects: valid pairs below this IoU (keypoints: OKS) are low_overlap conflicts (default 0.8)")
      ->check(CLI::Range(0.0, 1.0));
  add_keypoint_flags(*cmd, args->keypoints);
  add_attribute_flags(*cmd, args->attributes);
  add_line_flags(*cmd, args->lines);
  cmd->add_option("--object-visibility-threshold", args->options.object_visibility_threshold,
                  "Objects: a delivered box, polygon or mask with less than this share visible under the objects drawn above it is a "
                  "covered_annotation conflict (default 0.05; 0 turns the check off)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--group-match-threshold", args->options.group_match_threshold,
                  "Objects: groups (group_id) match at this Jaccard index over matched pairs; pairs in unmatched groups are mismatching_groups "
                  "conflicts (default 0.5)")
      ->check(CLI::Range(0.01, 1.0));
  cmd->add_option("--min-items", args->min_items, "Subjects with fewer gold items scored are insufficient (default: the policy's, else 10)")
      ->check(CLI::Range(0LL, 1000000000LL));
  cmd->add_option("--on-insufficient", args->on_insufficient, "Whether an insufficient rule fails the gate (default fail)")
      ->check(CLI::IsMember({"fail", "warn"}));
  cmd->add_option("--compare", args->compare,
                  "What to score when the inputs hold several kinds: objects, spans, labels, segments or transcripts (a transcript table is "
                  "read as transcripts; subtitle cues and transcribed regions are with --compare transcripts)")
      ->check(CLI::IsMember({"auto", "objects", "spans", "labels", "segments", "transcripts"}))
      ->default_str("auto");
  cmd->add_option("--annotators", args->in.annotators, "Annotator names for the delivery files, in order (default: file stems)")->type_name("A,B,...");
  add_table_flags(*cmd, args->in);
  cmd->add_option("--collar", args->collar, "Segments: boundary F1's tolerance and DER's no-score collar around gold boundaries, in seconds")
      ->check(CLI::Range(0.0, 3600.0))
      ->default_str("0.2");
  cmd->add_flag("--skip-overlap", args->skip_overlap, "Speaker turns: leave gold's overlapped speech out of DER (md-eval -1)");
  cmd->add_option("--durations", args->durations_path, "Segments: recordings' durations, CSV lines item,seconds (the time DER evaluates)")
      ->type_name("FILE");
  cmd->add_option("--text-col", args->text_col, "Transcripts: the column holding the text (a table with it and no label column is read as transcripts)")
      ->default_str("text");
  cmd->add_option("--normalize", args->normalize,
                  "Transcripts: what is normalised before WER and CER: any of case, punct, space, numbers, or none (docs/transcripts.md)")
      ->default_str("case,space");
  cmd->add_flag("--masks", args->masks, "The delivery is one folder of semantic PNG masks per annotator; --gold is the gold mask folder");
  cmd->add_option("--classes", args->classes_path, "Masks: class names by value (CSV value,name or JSON)")->type_name("FILE");
  cmd->add_option("--ignore", args->ignore, "Masks: value left out of every score")->check(CLI::Range(0, 65535))->default_str("255");
  add_export_flags(*cmd, args->in);
  cmd->add_option("--confidence", args->options.confidence, "Confidence level of the intervals")->check(CLI::Range(0.5, 0.9999))->default_str("0.95");
  cmd->add_option("--bootstrap", args->options.bootstrap, "Bootstrap replicates (resampling gold items)")->check(CLI::Range(0, 1000000))->default_str("1000");
  cmd->add_option("--seed", args->options.seed, "Seed of the bootstrap")->default_str("1");
  cmd->add_flag("--strict", args->strict, "Bad usage (exit 2) when no rule is given, instead of a warning");
  cmd->add_option("--partial", args->partial_path,
                  "Write this shard's delivery and gold to FILE, for `labelqa merge` (categorical labels; docs/scale.md)")
      ->type_name("FILE");
  add_gold_output_flags(*cmd, args->out);
  cmd->add_flag("--plan", args->plan, "Before sending a batch: how many gold items to hide (with --min and --expected)");
  cmd->add_option("--expected", args->expected, "--plan: the value you expect the vendor to reach (one, or one per --min)");
  cmd->add_option("--power", args->power, "--plan: the chance a subject at the expected value should have to pass")->check(CLI::Range(0.5, 0.999))->default_str("0.8");
  add_threads_flag(*cmd, args->threads);
  cmd->callback([args, &action] { action = [args] { return args->plan ? run_plan(*args) : run_gold(*args); }; });
}

}  // namespace labelqa::cli
