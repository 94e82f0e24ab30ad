// `labelqa validate`: every structural and geometric defect of a delivery (COCO, tool exports,
// rating tables, PNG mask folders), located. Exit 0 clean, 1 errors (or warnings with
// --fail-on warning), 2 when nothing could be read.
#include "inputs.hpp"
#include "labelqa/error.hpp"
#include "labelqa/io/atomic_file.hpp"
#include "labelqa/report/validate_report.hpp"
#include "labelqa/validate/delivery.hpp"

#include <cstdio>
#include <optional>

namespace labelqa::cli {
namespace {

struct ValidateArgs {
  InputArgs in;
  OutputOptions output;
  CiOutputs ci;
  std::string classes_path;
  std::string label_config;
  std::string images_dir;
  std::string durations_path;
  std::string charset_path;
  std::string no_overlap;
  std::string fail_on = "error";
  std::size_t max_findings = 5;
  bool allow_outside = false;
  int threads = 0;
  validate::Options options;
  std::optional<std::uint32_t> unlabeled;
};

int run_validate(ValidateArgs& a) {
  const auto limit = limit_threads(a.threads);
  for (const auto& c : split_commas(a.no_overlap)) a.options.no_overlap.insert(c);
  a.options.unlabeled = a.unlabeled;
  if (!(a.options.tolerance >= 0)) throw UsageError("--tolerance must be a number of pixels >= 0");
  if (!(a.options.min_track_iou >= 0 && a.options.min_track_iou <= 1)) throw UsageError("--min-track-iou must be between 0 and 1");
  check_outputs(input_paths(a.in, {a.classes_path, a.label_config, a.images_dir, a.durations_path, a.charset_path}),
                {{"--json", a.output.json_path}, {"--csv", a.output.csv_path}, {"--sarif", a.ci.sarif_path}, {"--gitlab-codequality", a.ci.gitlab_path}});
  validate::Request request;
  request.inputs = a.in.files;
  request.load = load_options(a.in);
  request.classes_path = a.classes_path;
  request.label_config = a.label_config;
  request.images_dir = a.images_dir;
  request.durations_path = a.durations_path;
  request.charset_path = a.charset_path;
  request.allow_outside = a.allow_outside;
  request.options = a.options;
  request.keep = a.max_findings;

  validate::Summary summary;
  auto meta = [&] {
    return report::ValidateReport{summary.tally, a.in.files, summary.files, summary.items, summary.annotations, a.fail_on == "warning", summary.skipped};
  };
  // Every report is written together with the others, each to a temporary file renamed into place
  // at the end; those on standard output follow one another (JSON, CSV, SARIF, GitLab).
  report::ValidateSinks sinks;
  std::vector<report::CiResult> first;
  sinks.first_results = &first;
  write_outputs({{a.output.json_path, &sinks.json}, {a.output.csv_path, &sinks.csv}, {a.ci.sarif_path, &sinks.sarif}, {a.ci.gitlab_path, &sinks.gitlab}},
                [&] {
                  report::ValidateWriter w(sinks);
                  summary = validate::validate_delivery(request, w);
                  w.finish(meta());
                });
  const auto rep = meta();
  github_actions(first, report::render_validate_markdown(rep, first));
  if (print_summary(a.output, a.ci)) {
    const std::string text = report::render_validate_text(rep, use_color(a.output), a.max_findings);
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  if (summary.readable == 0) {
    message("labelqa: error: none of the inputs could be read\n");
    return static_cast<int>(ExitCode::bad_input);
  }
  for (const auto& u : summary.unread) message("labelqa: error: %s\n", u.c_str());
  if (!summary.unread.empty()) return static_cast<int>(ExitCode::bad_input);
  if (report::validate_failed(rep)) {
    message("labelqa: validate: %zu error%s, %zu warning%s\n", summary.tally.errors, summary.tally.errors == 1 ? "" : "s",
                 summary.tally.warnings, summary.tally.warnings == 1 ? "" : "s");
    return static_cast<int>(ExitCode::gate_failed);
  }
  return static_cast<int>(ExitCode::ok);
}

}  // namespace

void register_validate(CLI::App& app, Action& action) {
  auto a = std::make_shared<ValidateArgs>();
  auto* cmd = app.add_subcommand("validate", "Find every structural and geometric defect of a delivery, located (file, item, annotation, point)");
  cmd->add_option("inputs", a->in.files, "COCO JSON, tool exports, rating tables, PNG masks, or folders of them")->required();
  cmd->add_option("--classes", a->classes_path,
                  "label schema: class names one per line, or a class map value,name (CSV/JSON) for masks; other classes are unknown_class")
      ->type_name("FILE");
  cmd->add_option("--format", a->in.format, "Format of the inputs, instead of judging from the content")->check(CLI::IsMember(format_names()));
  cmd->add_option("--label-config", a->label_config,
                  "a Label Studio labeling config (the project's XML): labels it does not declare are unknown_class")
      ->type_name("FILE");
  cmd->add_option("--tolerance", a->options.tolerance, "out_of_image: geometry at most this many pixels outside is a warning")->default_str("0");
  cmd->add_option("--no-overlap", a->no_overlap, "classes whose instances must not overlap (overlap becomes an error); * for all")->type_name("A,B,...");
  cmd->add_flag("--require-coverage", a->options.require_coverage,
                "every pixel must be labelled: unlabeled regions (and image area no polygon covers) are errors");
  cmd->add_option("--unlabeled", a->unlabeled, "semantic masks: the value that means unlabeled (default: the class named \"unlabeled\", else 0 if unnamed)");
  cmd->add_option("--ignore", a->options.ignore, "semantic masks: the ignore value, never unlabeled")->default_str("255");
  cmd->add_option("--min-region", a->options.min_region, "unlabeled regions smaller than this many pixels are not reported")->default_str("16");
  cmd->add_option("--min-track-iou", a->options.min_track_iou, "track_jump: box IoU between consecutive frames below this")->default_str("0.3");
  cmd->add_option("--images", a->images_dir, "folder of the images: their sizes are checked against the delivery and the masks")->type_name("DIR");
  cmd->add_option("--durations", a->durations_path, "time segments: recordings' durations, CSV lines item,seconds; segments past them are out_of_duration")
      ->type_name("FILE");
  cmd->add_option("--charset", a->charset_path, "time segments: a UTF-8 file of the characters cue and region texts may hold; others are unknown_character")
      ->type_name("FILE");
  cmd->add_flag("--allow-outside", a->allow_outside, "allow paths inside exports that lead outside the delivery root");
  cmd->add_option("--max-findings", a->max_findings, "findings shown per code on the terminal (the files hold them all)")->default_str("5");
  cmd->add_option("--fail-on", a->fail_on, "exit 1 on errors only, or on warnings too")->check(CLI::IsMember({"error", "warning"}))->default_str("error");
  add_output_flags(*cmd, a->output);
  add_ci_flags(*cmd, a->ci);
  add_threads_flag(*cmd, a->threads);
  add_export_flags(*cmd, a->in);
  add_table_flags(*cmd, a->in);
  cmd->callback([&action, a] { action = [a] { return run_validate(*a); }; });
}

}  // namespace labelqa::cli
