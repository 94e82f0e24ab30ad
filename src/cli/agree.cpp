// `labelqa agree`: inter-annotator agreement for categorical ratings in tables.
#include "common.hpp"
#include "inputs.hpp"
#include "labelqa/error.hpp"
#include "labelqa/io/atomic_file.hpp"
#include "labelqa/io/coco_reader.hpp"
#include "labelqa/io/cvat_reader.hpp"
#include "labelqa/io/folder_exports.hpp"
#include "labelqa/io/span_reader.hpp"
#include "labelqa/metrics/spans.hpp"
#include "labelqa/report/span_report.hpp"
#include "labelqa/io/label_studio_reader.hpp"
#include "labelqa/io/mask_reader.hpp"
#include "labelqa/io/table_reader.hpp"
#include "labelqa/metrics/analyze.hpp"
#include "labelqa/metrics/semantic.hpp"
#include "labelqa/metrics/spatial.hpp"
#include "labelqa/report/agree_report.hpp"
#include "labelqa/report/charts.hpp"
#include "labelqa/report/semantic_report.hpp"
#include "labelqa/report/spatial_report.hpp"

#include <tuple>
#include <algorithm>
#include <cmath>
#include <optional>
#include <cstdio>
#include <fmt/format.h>
#include <filesystem>
#include <map>
#include <set>

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
  metrics::SpatialOptions spatial;
  bool per_image = false;
  std::string matches_path;
  std::string plot_dir;
  bool masks = false;
  std::string classes_path;
  int ignore = 255;
  bool instance_masks = false;
  std::string compare = "auto";
  std::string span_unit = "token";
};

std::vector<report::GateCheck> parse_gates(const AgreeArgs& a, const metrics::MetricMap& overall) {
  std::vector<report::GateCheck> gates;
  for (const auto& spec : a.min) {
    report::GateCheck g;
    std::tie(g.metric, g.threshold) = parse_min_spec(spec);
    auto it = overall.find(g.metric);
    if (it == overall.end()) {
      std::string known;
      for (const auto& [k, e] : overall) known += (known.empty() ? "" : ", ") + k;
      throw UsageError(fmt::format("--min: unknown metric \"{}\" (this run reports: {})", g.metric, known));
    }
    g.compared = a.gate_on;
    g.actual = a.gate_on == "ci_low" ? it->second.ci_low : it->second.value;
    g.passed = g.actual.has_value() && *g.actual >= g.threshold;
    gates.push_back(g);
  }
  return gates;
}

// Prints the failed gates and returns the exit code.
int finish_gates(const std::vector<report::GateCheck>& gates) {
  bool failed = false;
  for (const auto& g : gates) {
    if (g.passed) continue;
    failed = true;
    std::fprintf(stderr, "labelqa: gate failed: %s %s is %s, below the minimum %s\n", g.metric.c_str(),
                 g.compared == "ci_low" ? "lower confidence bound" : "value",
                 g.actual ? fmt::format("{:.4f}", *g.actual).c_str() : "undefined",
                 fmt::format("{}", g.threshold).c_str());
  }
  return static_cast<int>(failed ? ExitCode::gate_failed : ExitCode::ok);
}

// --plot DIR: the pairwise-agreement matrix as a heatmap (PNG and SVG), one per metric.
void write_pair_plot(const std::string& dir, const std::string& metric, const std::string& subject, const std::vector<std::string>& names,
                     const std::vector<std::tuple<int, int, std::optional<double>>>& pairs) {
  if (dir.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw InputError({.file = dir}, fmt::format("cannot create the plot folder: {}", ec.message()));
  report::Heatmap h;
  h.title = fmt::format("pairwise {} ({})", metric, subject);
  h.row_axis = h.column_axis = "annotator";
  h.rows = h.columns = names;
  const std::size_t n = names.size();
  h.shade.assign(n, std::vector<double>(n, NAN));
  h.text.assign(n, std::vector<std::string>(n));
  for (std::size_t k = 0; k < n; ++k) h.text[k][k] = "—";
  for (const auto& [a, b, v] : pairs) {
    const auto x = static_cast<std::size_t>(a), y = static_cast<std::size_t>(b);
    const std::string t = v ? fmt::format("{:.2f}", *v) : std::string("n/a");
    h.text[x][y] = h.text[y][x] = t;
    if (v) h.shade[x][y] = h.shade[y][x] = std::clamp(*v, 0.0, 1.0);
  }
  io::write_output(fmt::format("{}/pairwise_{}.png", dir, metric), report::draw_heatmap(h, report::ImageFormat::png));
  io::write_output(fmt::format("{}/pairwise_{}.svg", dir, metric), report::draw_heatmap(h, report::ImageFormat::svg));
}

void print_text(const OutputOptions& out, const std::string& text) {
  if (!print_summary(out)) return;
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

int report_objects(AgreeArgs& a, const ObjectSet& set) {
  a.spatial.confidence = a.metrics.confidence;
  a.spatial.bootstrap = a.metrics.bootstrap;
  a.spatial.seed = a.metrics.seed;
  a.spatial.keep_matches = !a.matches_path.empty();
  metrics::SpatialResult result = metrics::analyze_objects(set, a.spatial);
  report::SpatialReport rep{set, result, a.spatial, parse_gates(a, report::spatial_gate_metrics(result)), a.per_image};
  if (!a.output.json_path.empty()) io::write_output(a.output.json_path, report::render_spatial_json(rep));
  if (!a.output.csv_path.empty()) io::write_output(a.output.csv_path, report::render_spatial_csv(rep));
  if (!a.matches_path.empty()) io::write_output(a.matches_path, report::render_matches_csv(set, result));
  if (!a.plot_dir.empty()) {
    std::vector<std::string> names;
    for (const auto& an : set.annotators) names.push_back(an.name);
    std::vector<std::tuple<int, int, std::optional<double>>> f1, iou;
    for (const auto& p : result.pairs) {
      f1.emplace_back(p.annotator_a, p.annotator_b, p.scores.f1.value);
      iou.emplace_back(p.annotator_a, p.annotator_b, p.scores.mean_iou.value);
    }
    write_pair_plot(a.plot_dir, "f1", "objects matched at IoU >= " + fmt::format("{:g}", a.spatial.iou_threshold), names, f1);
    write_pair_plot(a.plot_dir, "mean_iou", "matched objects", names, iou);
  }
  print_text(a.output, report::render_spatial_text(rep, use_color(a.output)));
  return finish_gates(rep.gates);
}

int run_objects(AgreeArgs& a) {
  const auto names = io::annotator_names(a.in.files, split_commas(a.in.annotators));
  ObjectSet set = a.instance_masks
                      ? io::read_instance_masks(a.in.files, names, a.classes_path.empty() ? io::ClassMap{} : io::read_class_map(a.classes_path),
                                                static_cast<std::uint32_t>(a.ignore))
                      : io::read_coco_files(a.in.files, names);
  return report_objects(a, set);
}

int run_masks(AgreeArgs& a) {
  if (!a.matches_path.empty()) throw UsageError("--matches lists matched objects; semantic masks have none (use --instance-masks)");
  metrics::SemanticOptions opt;
  opt.confidence = a.metrics.confidence;
  opt.bootstrap = a.metrics.bootstrap;
  opt.seed = a.metrics.seed;
  const auto names = io::annotator_names(a.in.files, split_commas(a.in.annotators));
  const io::ClassMap classes = a.classes_path.empty() ? io::ClassMap{} : io::read_class_map(a.classes_path);
  MaskComparison mc = io::read_mask_comparison(a.in.files, names, static_cast<std::uint32_t>(a.ignore));
  metrics::SemanticResult result = metrics::analyze_masks(mc, classes, opt);
  report::SemanticReport rep{mc, result, opt, parse_gates(a, report::semantic_gate_metrics(result)), a.per_image};
  if (!a.output.json_path.empty()) io::write_output(a.output.json_path, report::render_semantic_json(rep));
  if (!a.output.csv_path.empty()) io::write_output(a.output.csv_path, report::render_semantic_csv(rep));
  print_text(a.output, report::render_semantic_text(rep, use_color(a.output)));
  return finish_gates(rep.gates);
}

// Table options and metric options from the flags (every categorical input).
void set_rating_options(AgreeArgs& a) {
  a.in.table.wide = a.wide;
  if (!a.time_col.empty()) {
    a.in.table.time_col = a.time_col;
    a.in.table.time_col_required = true;
  }
  a.in.table.duplicates = a.duplicates == "first"  ? io::DuplicatePolicy::first
                       : a.duplicates == "last" ? io::DuplicatePolicy::last
                                                : io::DuplicatePolicy::error;
  a.in.table.level = a.level == "ordinal"    ? Level::ordinal
                  : a.level == "interval" ? Level::interval
                  : a.level == "ratio"    ? Level::ratio
                                          : Level::nominal;
  a.in.table.order = split_commas(a.order);
  if (!a.in.table.order.empty() && (a.in.table.level == Level::interval || a.in.table.level == Level::ratio)) {
    throw UsageError("--order gives an ordinal scale; it cannot be combined with --level interval or ratio");
  }
  a.metrics.ci = a.ci == "bootstrap" ? metrics::CiMode::bootstrap
                 : a.ci == "analytic" ? metrics::CiMode::analytic
                                      : metrics::CiMode::automatic;

}

int report_ratings(AgreeArgs& a, const RatingSet& ratings);

int report_spans(AgreeArgs& a, const SpanSet& set, const std::vector<SpanRecord>& records) {
  metrics::SpanOptions opt;
  opt.unit = a.span_unit == "char" ? metrics::SpanUnit::character : metrics::SpanUnit::token;
  opt.confidence = a.metrics.confidence;
  opt.bootstrap = a.metrics.bootstrap;
  opt.seed = a.metrics.seed;
  metrics::SpanResult result = metrics::analyze_spans(set, opt);
  std::map<std::string, std::string> file_of;
  for (const auto& r : records) file_of.emplace(r.annotator, r.file);
  std::vector<std::string> files;
  for (const auto& name : set.annotators) files.push_back(file_of[name]);
  report::SpanReport rep{set, files, result, opt, parse_gates(a, report::span_gate_metrics(result))};
  if (!a.output.json_path.empty()) io::write_output(a.output.json_path, report::render_span_json(rep));
  if (!a.output.csv_path.empty()) io::write_output(a.output.csv_path, report::render_span_csv(rep));
  print_text(a.output, report::render_span_text(rep, use_color(a.output)));
  return finish_gates(rep.gates);
}

// Compares what an export reader found: image regions or categorical labels (--compare).
int report_export(AgreeArgs& a, io::ExportData& data) {
  const char* labels_kind = "classification results (choices, rating, taxonomy, tags)";
  const bool objects = data.has_objects();
  const bool labels = !data.labels.empty();
  std::size_t span_count = 0;
  for (const auto& r : data.spans) span_count += r.spans.size();
  const bool spans = span_count > 0 || (!data.spans.empty() && !objects && !labels);
  const std::string compare = a.compare != "auto" ? a.compare : objects ? "objects" : spans ? "spans" : "labels";
  // What this comparison leaves aside, said in the report's input section.
  auto aside = [&](std::vector<SkippedInput>& skipped) {
    if (labels && compare != "labels") skipped.push_back({a.in.files.front(), fmt::format("{} (compare them with --compare labels)", labels_kind), data.labels.size()});
    if (span_count && compare != "spans") skipped.push_back({a.in.files.front(), "text spans (compare them with --compare spans)", span_count});
  };
  if (compare == "objects") {
    if (!objects) throw InputError({.file = a.in.files.front()}, "the export has no image regions (boxes, polygons, masks) to compare");
    ObjectSet set = io::merge_deliveries(std::move(data.deliveries));
    set.skipped = data.skipped;
    aside(set.skipped);
    return report_objects(a, set);
  }
  if (compare == "spans") {
    if (data.spans.empty()) throw InputError({.file = a.in.files.front()}, "the export has no text spans to compare");
    std::vector<SkippedInput> skipped = data.skipped;
    aside(skipped);
    return report_spans(a, io::build_spans(data.spans, std::move(skipped)), data.spans);
  }
  if (!labels) throw InputError({.file = a.in.files.front()}, fmt::format("the export has no {} to compare", labels_kind));
  set_rating_options(a);
  RatingSet ratings = io::build_ratings(data.files, data.labels, a.in.table);
  ratings.skipped = data.skipped;
  aside(ratings.skipped);
  return report_ratings(a, ratings);
}

int run_agree(AgreeArgs& a) {
  auto threads = limit_threads(a.threads);
  if (a.masks && a.instance_masks) throw UsageError("--masks and --instance-masks exclude each other");
  if (a.masks) return run_masks(a);
  if (a.instance_masks) return run_objects(a);
  if (!(a.spatial.iou_threshold >= 0 && a.spatial.iou_threshold <= 1)) throw UsageError("--iou-threshold must lie in [0, 1]");
  if (io::ExportData data; io::read_exports(a.in.files, load_options(a.in), data)) return report_export(a, data);
  if (io::is_coco_input(a.in.files, parse_format_flag(a.in.format))) return run_objects(a);
  if (!a.in.format.empty()) a.in.table.format = io::format_from_name(a.in.format);
  set_rating_options(a);
  return report_ratings(a, io::read_rating_tables(a.in.files, a.in.table));
}

int report_ratings(AgreeArgs& a, const RatingSet& ratings) {
  metrics::AgreeResult result = metrics::analyze_agreement(ratings, a.metrics);
  report::AgreeReport rep{ratings, result, a.metrics, parse_gates(a, result.overall)};

  if (!a.output.json_path.empty()) io::write_output(a.output.json_path, report::render_agree_json(rep));
  if (!a.output.csv_path.empty()) io::write_output(a.output.csv_path, report::render_agree_csv(rep));
  if (!a.plot_dir.empty()) {
    for (const char* metric : {"cohen_kappa", "percent_agreement"}) {
      std::vector<std::tuple<int, int, std::optional<double>>> cells;
      for (const auto& p : result.pairs) {
        const auto it = p.metrics.find(metric);
        cells.emplace_back(p.annotator_a, p.annotator_b, it == p.metrics.end() ? std::nullopt : it->second.value);
      }
      write_pair_plot(a.plot_dir, metric, fmt::format("{} items", result.items), ratings.annotators, cells);
    }
  }
  print_text(a.output, report::render_agree_text(rep, use_color(a.output)));
  return finish_gates(rep.gates);
}

}  // namespace

void register_agree(CLI::App& app, Action& action) {
  auto args = std::make_shared<AgreeArgs>();
  CLI::App* cmd = app.add_subcommand("agree", "Inter-annotator agreement: kappas, alpha, AC1, per class and per pair");
  cmd->add_option("files", args->in.files,
                  "Rating tables (CSV, TSV, JSONL; several files are concatenated), or one COCO JSON file or mask "
                  "directory per annotator")
      ->required()
      ->type_name("FILE...");
  cmd->add_option("--format", args->in.format, "Input format, instead of guessing from the extension")
      ->check(CLI::IsMember({"csv", "tsv", "jsonl", "coco", "label-studio", "label-studio-min", "cvat", "voc", "yolo", "labelme", "doccano", "prodigy"}));
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
  cmd->add_option("--iou-threshold", args->spatial.iou_threshold, "Objects: minimum IoU of a matched pair")
      ->default_str("0.5");
  cmd->add_flag("--match-by-class", args->spatial.match_by_class, "Objects: match only objects of the same class");
  cmd->add_option("--plot", args->plot_dir, "Draw the pairwise-agreement matrix as a heatmap (PNG and SVG) into DIR")->type_name("DIR");
  cmd->add_flag("--per-image", args->per_image, "Objects and masks: per-image rows in the JSON and CSV reports, worst first");
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
                  "(labels); auto: regions, else spans, else labels")
      ->check(CLI::IsMember({"auto", "objects", "spans", "labels"}))
      ->default_str("auto");
  add_export_flags(*cmd, args->in);
  cmd->add_option("--span-unit", args->span_unit, "Spans: the units of token_alpha and token_kappa: whitespace tokens or characters")
      ->check(CLI::IsMember({"token", "char"}))
      ->default_str("token");
  add_output_flags(*cmd, args->output);
  add_threads_flag(*cmd, args->threads);
  cmd->callback([args, &action] { action = [args] { return run_agree(*args); }; });
}

}  // namespace labelqa::cli
