// `labelqa report`: per-annotator error reports with pictures and a self-contained index.html.
#include "common.hpp"
#include "inputs.hpp"
#include "labelqa/error.hpp"
#include "labelqa/io/atomic_file.hpp"
#include "labelqa/io/delivery_builder.hpp"
#include "labelqa/metrics/annotators.hpp"
#include "labelqa/report/annotator_report.hpp"

#include <charconv>
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
  bool no_pictures = false;
  metrics::ReportOptions options;
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
  const io::LoadOptions load = load_options(a.in);
  io::LoadedDelivery delivery = io::load_delivery(a.in.files, load);
  std::optional<io::LoadedDelivery> gold;
  if (!a.gold_path.empty()) gold = io::load_gold(a.gold_path, load, parse_format_flag(a.gold_format));
  std::string kind = a.compare;
  if (kind == "auto") kind = delivery.ratings ? "labels" : delivery.objects ? "objects" : "";
  if (kind.empty()) {
    throw InputError({.file = a.in.files.front()}, fmt::format("the delivery holds {}: report covers categorical labels and objects", delivery.what()));
  }
  metrics::AnnotatorReport rep;
  std::optional<ObjectSet> object_set;
  if (kind == "labels") {
    if (!delivery.ratings) throw InputError({.file = a.in.files.front()}, "--compare labels: the delivery holds no categorical labels");
    const RatingSet* g = nullptr;
    if (gold) {
      if (!gold->ratings) throw InputError({.file = a.gold_path}, fmt::format("the gold holds {}, not categorical labels", gold->what()));
      io::require_one_annotator(gold->ratings->annotators, a.gold_path);
      g = &*gold->ratings;
    }
    rep = metrics::report_labels(*delivery.ratings, g, a.options);
  } else {
    if (!delivery.objects) throw InputError({.file = a.in.files.front()}, "--compare objects: the delivery holds no image regions");
    int g = -1;
    if (gold) {
      if (!gold->objects) throw InputError({.file = a.gold_path}, fmt::format("the gold holds {}, not image regions", gold->what()));
      if (!a.write_consensus.empty()) {
        throw UsageError("--write-consensus for objects needs the consensus of the delivery: run it without --gold");
      }
      object_set.emplace();
      g = io::merge_gold_objects(std::move(*delivery.objects), std::move(*gold->objects), a.gold_path, *object_set);
    } else {
      object_set = std::move(*delivery.objects);
    }
    rep = metrics::report_objects(*object_set, g, a.options);
  }

  const bool with_consensus = !a.write_consensus.empty();
  report::AnnotatorReportInput input{rep, a.options, a.in.files, a.gold_path, with_consensus};
  std::vector<report::Picture> pictures;
  if (!a.out_dir.empty() && !a.no_pictures) pictures = report::report_pictures(rep);
  if (!a.out_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(a.out_dir) / "images", ec);
    if (ec) throw InputError({.file = a.out_dir}, fmt::format("cannot create the report folder: {}", ec.message()));
    for (const auto& p : pictures) {
      io::write_output(fmt::format("{}/images/{}.png", a.out_dir, p.name), p.png);
      io::write_output(fmt::format("{}/images/{}.svg", a.out_dir, p.name), p.svg);
    }
    io::write_output(a.out_dir + "/report.json", report::render_report_json(input, pictures));
    io::write_output(a.out_dir + "/report.csv", report::render_report_csv(input));
    io::write_output(a.out_dir + "/index.html", report::render_report_html(input, pictures));
  }
  if (!a.output.json_path.empty()) io::write_output(a.output.json_path, report::render_report_json(input, pictures));
  if (!a.output.csv_path.empty()) io::write_output(a.output.csv_path, report::render_report_csv(input));
  if (with_consensus) {
    const std::string& f = a.write_consensus;
    if (kind == "objects") {
      io::write_output(f, report::render_consensus_coco(rep, *object_set));
    } else if (f.ends_with(".jsonl") || f.ends_with(".ndjson")) {
      io::write_output(f, report::render_consensus_jsonl(rep));
    } else {
      io::write_output(f, report::render_consensus_csv(rep));
    }
  }
  if (print_summary(a.output)) {
    const std::string text = report::render_report_text(input, use_color(a.output));
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
      ->check(CLI::IsMember({"csv", "tsv", "jsonl", "coco", "label-studio", "label-studio-min", "cvat", "voc", "yolo", "labelme"}));
  cmd->add_option("--gold-format", args->gold_format, "Format of the gold file, instead of judging from the content")
      ->check(CLI::IsMember({"csv", "tsv", "jsonl", "coco", "label-studio", "label-studio-min", "cvat", "voc", "yolo", "labelme"}));
  cmd->add_option("--compare", args->compare, "What to report on when the inputs hold several kinds")
      ->check(CLI::IsMember({"auto", "labels", "objects"}))
      ->default_str("auto");
  cmd->add_option("--annotators", args->in.annotators, "Annotator names for the delivery files, in order (default: file stems)")->type_name("A,B,...");
  add_table_flags(*cmd, args->in);
  add_export_flags(*cmd, args->in);
  cmd->add_option("--consensus", args->options.consensus, "Reference for items without gold: dawid-skene or majority")
      ->check(CLI::IsMember({"dawid-skene", "majority"}))
      ->default_str("dawid-skene");
  cmd->add_option("--seed", args->options.seed, "Seed of majority vote's tie-break")->default_str("1");
  cmd->add_option("--max-iterations", args->options.dawid_skene.max_iterations, "Dawid-Skene: at most this many EM iterations")
      ->check(CLI::Range(1, 100000))
      ->default_str("500");
  cmd->add_option("--tolerance", args->options.dawid_skene.tolerance, "Dawid-Skene: stop when the log-likelihood per rating changes by less")
      ->check(CLI::Range(0.0, 1.0))
      ->default_str("1e-9");
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
  cmd->add_option("--iou-threshold", args->options.iou_threshold, "Objects: a match needs at least this IoU")->check(CLI::Range(0.0, 1.0))->default_str("0.5");
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
