// `labelqa agree`: the flags of commands::agree, and where its reports go.
#include "common.hpp"
#include "inputs.hpp"
#include "labelqa/commands/agree.hpp"
#include "labelqa/error.hpp"
#include "labelqa/io/atomic_file.hpp"

#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <tuple>

namespace labelqa::cli {
namespace {

struct AgreeArgs {
  InputArgs in;
  bool wide = false;
  std::string time_col;
  std::string duplicates = "error";
  std::string level = "nominal";
  std::string order;
  metrics::AgreeOptions metrics;
  std::string ci = "auto";
  std::vector<std::string> min;
  std::string gate_on = "value";
  OutputOptions output;
  int threads = 0;
  // Objects and masks.
  double iou_threshold = 0.5;
  std::string iou_type = "auto";
  bool match_by_class = false;
  commands::KeypointRequest keypoints;
  commands::AttributeRequest attributes;
  commands::LineRequest lines;
  bool per_image = false;
  double collar = 0.2;
  bool skip_overlap = false;
  double resolution = 0.01;
  std::string durations_path;
  std::string matches_path;
  std::string plot_dir;
  bool masks = false;
  std::string classes_path;
  int ignore = 255;
  bool instance_masks = false;
  std::string compare = "auto";
  std::string span_unit = "token";
  std::string text_col = "text";
  std::string normalize = "case,space";
  std::string partial_path;
  std::string input_names;
};

// Prints the failed gates and returns the exit code.
int finish_gates(const std::vector<metrics::GateCheck>& gates) {
  for (const auto& g : gates) {
    if (g.passed) continue;
    message("labelqa: gate failed: %s %s is %s, below the minimum %s\n", g.metric.c_str(),
                 g.compared == metrics::GateOn::ci_low ? "lower confidence bound" : "value",
                 g.actual ? fmt::format("{:.4f}", *g.actual).c_str() : "undefined",
                 fmt::format("{}", g.threshold).c_str());
  }
  return static_cast<int>(metrics::any_failed(gates) ? ExitCode::gate_failed : ExitCode::ok);
}

commands::AgreeRequest request(const AgreeArgs& a) {
  commands::AgreeRequest r;
  r.files = a.in.files;
  r.load = load_options(a.in);
  io::TableOptions& t = r.load.table;
  t.wide = a.wide;
  if (!a.time_col.empty()) {
    t.time_col = a.time_col;
    t.time_col_required = true;
  }
  t.duplicates = a.duplicates == "first" ? io::DuplicatePolicy::first : a.duplicates == "last" ? io::DuplicatePolicy::last : io::DuplicatePolicy::error;
  t.level = a.level == "ordinal" ? Level::ordinal : a.level == "interval" ? Level::interval : a.level == "ratio" ? Level::ratio : Level::nominal;
  t.order = split_commas(a.order);
  r.input = a.masks ? commands::AgreeInput::semantic_masks : a.instance_masks ? commands::AgreeInput::instance_masks : commands::AgreeInput::automatic;
  r.compare = compare_of(a.compare);
  r.text_col = a.text_col;
  r.normalize = metrics::parse_normalization(a.normalize);
  r.metrics = a.metrics;
  r.metrics.ci = a.ci == "bootstrap" ? metrics::CiMode::bootstrap : a.ci == "analytic" ? metrics::CiMode::analytic : metrics::CiMode::automatic;
  for (const auto& spec : a.min) {
    metrics::MinGate g;
    std::tie(g.metric, g.threshold) = parse_min_spec(spec);
    r.gates.push_back(std::move(g));
  }
  r.gate_on = a.gate_on == "ci_low" ? metrics::GateOn::ci_low : metrics::GateOn::value;
  r.iou_threshold = a.iou_threshold;
  r.iou_type = iou_type_of(a.iou_type);
  r.match_by_class = a.match_by_class;
  r.keypoints = a.keypoints;
  r.attributes = a.attributes;
  r.lines = a.lines;
  r.per_image = a.per_image;
  r.collar = a.collar;
  r.skip_overlap = a.skip_overlap;
  r.resolution = a.resolution;
  r.durations_path = a.durations_path;
  r.keep_matches = !a.matches_path.empty();
  r.classes_path = a.classes_path;
  r.ignore = static_cast<std::uint32_t>(a.ignore);
  r.span_unit = a.span_unit == "char" ? metrics::SpanUnit::character : metrics::SpanUnit::token;
  r.partial = !a.partial_path.empty();
  r.input_names = split_commas(a.input_names);
  return r;
}

int run_agree(const AgreeArgs& a) {
  auto threads = limit_threads(a.threads);
  if (a.masks && a.instance_masks) throw UsageError("--masks and --instance-masks exclude each other");
  check_outputs(input_paths(a.in, {a.classes_path, a.durations_path}),
                {{"--json", a.output.json_path}, {"--csv", a.output.csv_path}, {"--matches", a.matches_path}, {"--plot", a.plot_dir}});
  if (!a.partial_path.empty()) {
    check_outputs(input_paths(a.in, {}), {{"--partial", a.partial_path}});
    if (!a.output.json_path.empty() || !a.output.csv_path.empty() || !a.matches_path.empty() || !a.plot_dir.empty() || !a.min.empty()) {
      throw UsageError("--partial writes a shard's statistics only: reports and --min belong to `labelqa merge`");
    }
    const commands::AgreeRun run = commands::agree(request(a));
    io::write_output(a.partial_path, run.partial());
    return static_cast<int>(ExitCode::ok);
  }
  const commands::AgreeRun run = commands::agree(request(a));
  if (!a.matches_path.empty()) {
    if (const auto matches = run.matches_csv()) io::write_output(a.matches_path, *matches);
  }
  if (!a.plot_dir.empty()) {
    const auto plots = run.pair_plots();
    if (!plots.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(a.plot_dir, ec);
      if (ec) throw InputError({.file = a.plot_dir}, fmt::format("cannot create the plot folder: {}", ec.message()));
    }
    for (const auto& p : plots) {
      io::write_output(fmt::format("{}/{}.png", a.plot_dir, p.name), p.png);
      io::write_output(fmt::format("{}/{}.svg", a.plot_dir, p.name), p.svg);
    }
  }
  return write_agree_outputs(a.output, run);
}

}  // namespace

int write_agree_outputs(const OutputOptions& output, const commands::AgreeRun& run) {
  if (!output.json_path.empty()) io::write_output(output.json_path, run.json());
  if (!output.csv_path.empty()) io::write_output(output.csv_path, run.csv());
  if (print_summary(output)) {
    const std::string text = run.text(use_color(output));
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  }
  return finish_gates(run.gates());
}

void register_agree(CLI::App& app, Action& action) {
  auto args = std::make_shared<AgreeArgs>();
  CLI::App* cmd = app.add_subcommand("agree", "Inter-annotator agreement: kappas, alpha, AC1, per class and per pair");
  cmd->add_option("files", args->in.files,
                  "Rating tables (CSV, TSV, JSONL; several files are concatenated), or one COCO JSON file or mask "
                  "directory per annotator")
      ->required()
      ->type_name("FILE...");
  cmd->add_option("--format", args->in.format, "Input format, instead of guessing from the extension")
      ->check(CLI::IsMember(format_names()));
  cmd->add_flag("--wide", args->wide, "One row per item: the first column is the item, one column per annotator");
  add_table_flags(*cmd, args->in);
  cmd->add_option("--time-col", args->time_col, "Column holding an ISO 8601 timestamp (default: 'timestamp' if present)");
  cmd->add_option("--duplicates", args->duplicates,
                  "An annotator rating an item twice with different labels: error, or keep the first or last")
      ->check(CLI::IsMember({"error", "first", "last"}))
      ->default_str("error");
  cmd->add_option("--level", args->level, "Measurement level of the labels")
      ->check(CLI::IsMember({"nominal", "ordinal", "interval", "ratio"}))
      ->default_str("nominal");
  cmd->add_option("--order", args->order, "Explicit order of text labels, e.g. low,medium,high (implies ordinal)");
  cmd->add_option("--confidence", args->metrics.confidence, "Confidence level of the intervals")
      ->check(CLI::Range(0.5, 0.9999))
      ->default_str("0.95");
  cmd->add_option("--ci", args->ci, "Intervals: auto (analytic where a variance is known), analytic, or bootstrap")
      ->check(CLI::IsMember({"auto", "analytic", "bootstrap"}))
      ->default_str("auto");
  cmd->add_option("--bootstrap", args->metrics.bootstrap, "Bootstrap replicates (resampling items)")
      ->check(CLI::Range(0, 1000000))
      ->default_str("1000");
  cmd->add_option("--seed", args->metrics.seed, "Seed of the bootstrap")->default_str("1");
  cmd->add_option("--min", args->min, "Quality gate: exit 1 when an overall METRIC is below VALUE (repeatable)")
      ->type_name("METRIC=VALUE");
  cmd->add_option("--gate-on", args->gate_on, "What --min compares: the value or its lower confidence bound")
      ->check(CLI::IsMember({"value", "ci_low"}))
      ->default_str("value");
  cmd->add_option("--annotators", args->in.annotators, "Annotator names for the inputs, in order (default: file stems)")
      ->type_name("A,B,...");
  add_iou_type_flag(*cmd, args->iou_type);
  cmd->add_option("--iou-threshold", args->iou_threshold, "Objects: minimum IoU of a matched pair")
      ->default_str("0.5");
  cmd->add_flag("--match-by-class", args->match_by_class, "Objects: match only objects of the same class");
  add_keypoint_flags(*cmd, args->keypoints);
  add_attribute_flags(*cmd, args->attributes);
  add_line_flags(*cmd, args->lines);
  cmd->add_option("--plot", args->plot_dir, "Draw the pairwise-agreement matrix as a heatmap (PNG and SVG) into DIR")->type_name("DIR");
  cmd->add_flag("--per-image", args->per_image, "Objects, masks, segments and transcripts: per-image (per-item) rows in the JSON and CSV reports, worst first");
  cmd->add_option("--matches", args->matches_path, "Objects: write every matched and unmatched object as CSV")
      ->type_name("FILE");
  cmd->add_flag("--masks", args->masks, "Inputs are directories of semantic PNG masks (values are class ids), one per annotator");
  cmd->add_flag("--instance-masks", args->instance_masks,
                "Inputs are directories of instance-id PNG masks: each distinct value is one object");
  cmd->add_option("--classes", args->classes_path, "Masks: class names by value (CSV value,name or JSON)")->type_name("FILE");
  cmd->add_option("--ignore", args->ignore, "Masks: value left out of every metric")
      ->check(CLI::Range(0, 65535))
      ->default_str("255");
  cmd->add_option("--compare", args->compare,
                  "Tool exports: compare image regions (objects), text spans (spans) or classification results and tags "
                  "(labels), time segments (segments) or transcripts; auto: regions, else spans, else segments, else labels")
      ->check(CLI::IsMember({"auto", "objects", "spans", "labels", "transcripts", "segments"}))
      ->default_str("auto");
  cmd->add_option("--collar", args->collar, "Segments: boundary F1's tolerance and DER's no-score collar around reference boundaries, in seconds")
      ->check(CLI::Range(0.0, 3600.0))
      ->default_str("0.2");
  cmd->add_option("--durations", args->durations_path, "Segments: recordings' durations, CSV lines item,seconds (the time DER evaluates, the continua of u_alpha)")
      ->type_name("FILE");
  cmd->add_flag("--skip-overlap", args->skip_overlap, "Speaker turns: leave reference overlapped speech out of DER (md-eval -1)");
  cmd->add_option("--resolution", args->resolution, "Segments: frame length of frame-level agreement, in seconds")
      ->check(CLI::Range(0.000001, 3600.0))
      ->default_str("0.01");
  add_export_flags(*cmd, args->in);
  cmd->add_option("--text-col", args->text_col, "Transcripts: the column holding the text (a table with it and no label column is read as transcripts)")
      ->default_str("text");
  cmd->add_option("--normalize", args->normalize,
                  "Transcripts: what is normalised before WER and CER: any of case, punct, space, numbers, or none (docs/transcripts.md)")
      ->default_str("case,space");
  cmd->add_option("--span-unit", args->span_unit, "Spans: the units of token_alpha and token_kappa: whitespace tokens or characters")
      ->check(CLI::IsMember({"token", "char"}))
      ->default_str("token");
  cmd->add_option("--input-names", args->input_names,
                  "Name the inputs so in the report and partial, in order, instead of by their paths (a shard's files as the whole files)")
      ->type_name("A,B,...");
  cmd->add_option("--partial", args->partial_path,
                  "Write this shard's statistics to FILE, for `labelqa merge` (categorical labels and objects; docs/scale.md)")
      ->type_name("FILE");
  add_output_flags(*cmd, args->output);
  add_threads_flag(*cmd, args->threads);
  cmd->callback([args, &action] { action = [args] { return run_agree(*args); }; });
}

}  // namespace labelqa::cli
