// `labelqa report`: per-annotator error reports with pictures and a self-contained index.html.
#include "common.hpp"
#include "inputs.hpp"
#include "labelqa/commands/report.hpp"
#include "labelqa/error.hpp"
#include "labelqa/io/atomic_file.hpp"
#include "labelqa/metrics/transcripts.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>

namespace labelqa::cli {
namespace {

struct ReportArgs {
  InputArgs in;
  std::string gold_path, gold_format;
  std::string out_dir;
  std::string window = "200";
  std::string compare = "auto";
  std::string write_consensus;
  std::string iou_type = "auto";
  bool no_pictures = false;
  metrics::ReportOptions options;
  commands::KeypointRequest keypoints;
  commands::AttributeRequest attributes;
  commands::LineRequest lines;
  metrics::GoldOptions time;
  double collar = 0.2;
  std::string normalize = "case,space";
  std::string text_col = "text";
  std::string durations_path;
  OutputOptions output;
  int threads = 0;
};

// --window: a number of items ("200") or a duration ("1d", "12h", "30m", "90s").
void parse_window(const std::string& w, metrics::DriftOptions& d) {
  double value = 0;
  const auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), value);
  const std::string unit(end, w.data() + w.size());
  if (ec != std::errc() || !(value > 0) || !std::isfinite(value)) {
    throw UsageError(fmt::format("--window {}: expected a number of items (200) or a duration (1d, 12h, 30m, 90s)", w));
  }
  if (unit.empty()) {
    if (value != std::floor(value) || value > 1e12) throw UsageError(fmt::format("--window {}: a number of items must be a whole number", w));
    d.window_items = static_cast<long long>(value);
    d.window_millis = 0;
    return;
  }
  const double scale = unit == "d" ? 86400e3 : unit == "h" ? 3600e3 : unit == "m" ? 60e3 : unit == "s" ? 1e3 : 0;
  if (scale == 0) throw UsageError(fmt::format("--window {}: unknown unit \"{}\" (use d, h, m or s)", w, unit));
  if (value * scale < 1 || value * scale > 1e15) throw UsageError(fmt::format("--window {}: out of range", w));
  d.window_millis = static_cast<std::int64_t>(value * scale);
}

int run_report(ReportArgs& a) {
  auto threads = limit_threads(a.threads);
  if (a.in.files.empty()) throw UsageError("give the delivery files (rating tables, COCO files or tool exports)");
  parse_window(a.window, a.options.drift);
  check_outputs(input_paths(a.in, {a.gold_path, a.durations_path}),
                {{"--json", a.output.json_path}, {"--csv", a.output.csv_path}, {"--out", a.out_dir}, {"--write-consensus", a.write_consensus}});
  commands::ReportRequest r;
  r.files = a.in.files;
  r.load = load_options(a.in);
  r.gold_path = a.gold_path;
  r.gold_format = parse_format_flag(a.gold_format);
  r.compare = compare_of(a.compare);
  r.time = a.time;
  r.time.collar = std::llround(a.collar * 1e6);
  r.time.normalize = metrics::parse_normalization(a.normalize);
  r.text_col = a.text_col;
  r.durations_path = a.durations_path;
  r.options = a.options;
  r.options.iou_type = iou_type_of(a.iou_type);
  r.with_consensus = !a.write_consensus.empty();
  r.keypoints = a.keypoints;
  r.attributes = a.attributes;
  r.lines = a.lines;
  const commands::ReportRun run = commands::annotator_report(r);

  std::vector<report::Picture> pictures;
  if (!a.out_dir.empty() && !a.no_pictures) pictures = run.pictures();
  if (!a.out_dir.empty()) {
    // The folder appears whole: a failure leaves the earlier report as it was, and two runs into
    // one folder never mix.
    io::AtomicFolder folder(a.out_dir, {"images", "report.json", "report.csv", "index.html"});
    std::error_code ec;
    std::filesystem::create_directories(folder.path_of("images"), ec);
    if (ec) throw InputError({.file = a.out_dir}, fmt::format("cannot create the report folder: {}", ec.message()));
    for (const auto& p : pictures) {
      io::write_output(folder.path_of(fmt::format("images/{}.png", p.name)), p.png);
      io::write_output(folder.path_of(fmt::format("images/{}.svg", p.name)), p.svg);
    }
    io::write_output(folder.path_of("report.json"), run.json(pictures));
    io::write_output(folder.path_of("report.csv"), run.csv());
    io::write_output(folder.path_of("index.html"), run.html(pictures));
    folder.commit();
  }
  if (!a.output.json_path.empty()) io::write_output(a.output.json_path, run.json(pictures));
  if (!a.output.csv_path.empty()) io::write_output(a.output.csv_path, run.csv());
  if (!a.write_consensus.empty()) io::write_output(a.write_consensus, run.consensus(run.consensus_format(a.write_consensus)));
  if (print_summary(a.output)) {
    const std::string text = run.text(use_color(a.output));
    std::fwrite(text.data(), 1, text.size(), stdout);
    if (!a.out_dir.empty()) std::printf("\nreport written to %s/index.html\n", a.out_dir.c_str());
    std::fflush(stdout);
  }
  return static_cast<int>(ExitCode::ok);
}

}  // namespace

void register_report(CLI::App& app, Action& action) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand("report", "Per-annotator error reports: confusions, misses, drift, ranking, pictures and index.html");
  cmd->add_option("files", args->in.files, "The delivery: rating tables, one COCO file per annotator, or tool exports")->type_name("FILE...");
  cmd->add_option("--gold", args->gold_path, "Gold labels: where an item has gold, annotators are scored against it")->type_name("FILE");
  cmd->add_option("--out", args->out_dir, "Write report.json, report.csv, index.html and images/ (PNG and SVG) into DIR")->type_name("DIR");
  cmd->add_option("--format", args->in.format, "Format of the delivery, instead of judging from the content")
      ->check(CLI::IsMember(format_names()));
  cmd->add_option("--gold-format", args->gold_format, "Format of the gold file, instead of judging from the content")
      ->check(CLI::IsMember(format_names()));
  cmd->add_option("--compare", args->compare,
                  "What to report on when the inputs hold several kinds (segments and transcripts are reported against --gold)")
      ->check(CLI::IsMember({"auto", "labels", "objects", "segments", "transcripts"}))
      ->default_str("auto");
  cmd->add_option("--collar", args->collar, "Segments: boundary tolerance and DER's no-score collar around gold boundaries, in seconds")
      ->check(CLI::Range(0.0, 3600.0))
      ->default_str("0.2");
  cmd->add_flag("--skip-overlap", args->time.skip_overlap, "Speaker turns: leave gold's overlapped speech out of DER (md-eval -1)");
  cmd->add_option("--durations", args->durations_path, "Segments: recordings' durations, CSV lines item,seconds")->type_name("FILE");
  cmd->add_option("--text-col", args->text_col, "Transcripts: the column holding the text")->default_str("text");
  cmd->add_option("--normalize", args->normalize, "Transcripts: normalisation before WER: any of case, punct, space, numbers, or none")
      ->default_str("case,space");
  cmd->add_option("--bootstrap", args->time.bootstrap, "Segments and transcripts: bootstrap replicates (resampling gold items)")
      ->check(CLI::Range(0, 1000000))
      ->default_str("1000");
  cmd->add_option("--annotators", args->in.annotators, "Annotator names for the delivery files, in order (default: file stems)")->type_name("A,B,...");
  add_table_flags(*cmd, args->in);
  add_export_flags(*cmd, args->in);
  cmd->add_option("--consensus", args->options.consensus, "Reference for items without gold: dawid-skene or majority")
      ->check(CLI::IsMember({"dawid-skene", "majority"}))
      ->default_str("dawid-skene");
  cmd->add_flag("--break-ties", args->options.break_ties,
                "Give a split vote a consensus anyway: majority vote by a seeded hash of the item, Dawid-Skene by its most probable class "
                "(default: a tie has no consensus and is left out of every error rate)");
  cmd->add_option("--seed", args->options.seed, "Seed of majority vote's tie-break (with --break-ties)")->default_str("1");
  cmd->add_option("--max-iterations", args->options.dawid_skene.max_iterations, "Dawid-Skene: at most this many EM iterations")
      ->check(CLI::Range(1, 100000))
      ->default_str("100");
  cmd->add_option("--tolerance", args->options.dawid_skene.tolerance,
                  "Dawid-Skene: stop when the evidence lower bound per rating improves by less (crowd-kit's rule)")
      ->check(CLI::Range(0.0, 1.0))
      ->default_str("1e-5");
  cmd->add_option("--window", args->window, "Drift windows: a number of items (200) or a duration (1d, 12h, 30m)")->default_str("200");
  cmd->add_option("--change-alpha", args->options.drift.alpha, "Significance level of the change-point test")->check(CLI::Range(1e-12, 0.5))->default_str("0.01");
  cmd->add_option("--min-drop", args->options.drift.min_drop, "Report a change point when accuracy falls by at least this")
      ->check(CLI::Range(0.0, 1.0))
      ->default_str("0.05");
  cmd->add_option("--min-segment", args->options.drift.min_segment, "Outcomes on each side of a change point, at least")
      ->check(CLI::Range(2LL, 1000000000LL))
      ->default_str("30");
  cmd->add_option("--alpha", args->options.alpha, "Ranking: flag an annotator below the rest of the group at this level")
      ->check(CLI::Range(1e-12, 0.5))
      ->default_str("0.01");
  cmd->add_option("--confidence", args->options.confidence, "Confidence level of the intervals")->check(CLI::Range(0.5, 0.9999))->default_str("0.95");
  cmd->add_option("--top", args->options.top_confusions, "Confused class pairs listed per annotator")->check(CLI::Range(1, 10000))->default_str("10");
  add_iou_type_flag(*cmd, args->iou_type);
  cmd->add_option("--iou-threshold", args->options.iou_threshold, "Objects: a match needs at least this IoU")->check(CLI::Range(0.0, 1.0))->default_str("0.5");
  add_keypoint_flags(*cmd, args->keypoints);
  add_attribute_flags(*cmd, args->attributes);
  add_line_flags(*cmd, args->lines, false);
  cmd->add_option("--object-support", args->options.object_support,
                  "Objects: a consensus object needs more than this share of the image's annotators")
      ->check(CLI::Range(0.0, 0.99))
      ->default_str("0.5");
  cmd->add_option("--write-consensus", args->write_consensus,
                  "Write the consensus: CSV item,label,confidence (or .jsonl); COCO boxes for objects")
      ->type_name("FILE");
  cmd->add_flag("--no-pictures", args->no_pictures, "With --out: skip the pictures");
  add_output_flags(*cmd, args->output);
  add_threads_flag(*cmd, args->threads);
  cmd->callback([args, &action] { action = [args] { return run_report(*args); }; });
}

}  // namespace labelqa::cli
