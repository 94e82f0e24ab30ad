// `labelqa validate`: every structural and geometric defect of a delivery (COCO, tool exports,
// rating tables, PNG mask folders), located. Exit 0 clean, 1 errors (or warnings with
// --fail-on warning), 2 when nothing could be read.
#include "inputs.hpp"
#include "labelqa/error.hpp"
#include "labelqa/io/atomic_file.hpp"
#include "labelqa/io/coco_reader.hpp"
#include "labelqa/io/cvat_reader.hpp"
#include "labelqa/io/mask_reader.hpp"
#include "labelqa/io/paths.hpp"
#include "labelqa/report/validate_report.hpp"
#include "labelqa/validate/findings.hpp"

#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <optional>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

namespace labelqa::cli {
namespace {

namespace fs = std::filesystem;
using validate::Finding;

struct ValidateArgs {
  InputArgs in;
  OutputOptions output;
  std::string classes_path;
  std::string images_dir;
  std::string no_overlap;
  std::string fail_on = "error";
  std::size_t max_findings = 5;
  bool allow_outside = false;
  int threads = 0;
  validate::Options options;
  std::optional<std::uint32_t> unlabeled;
};

enum class Kind { coco, tool_export, table, masks, unknown };

// One thing to validate: a file, an export folder, or the PNG masks of a folder.
struct Unit {
  Kind kind = Kind::unknown;
  std::string path;               // the file or folder
  std::string root;               // the delivery root: paths inside must stay under it
  std::vector<std::string> pngs;  // masks: paths relative to `path`
};

Kind kind_of_file(const std::string& f) {
  if (has_extension(f, ".png")) return Kind::masks;
  if (has_extension(f, ".json")) {
    if (io::looks_like_coco(f)) return Kind::coco;
    return io::detect_export_format(f) == io::Format::automatic ? Kind::unknown : Kind::tool_export;
  }
  if (has_extension(f, ".xml") || has_extension(f, ".zip")) return io::detect_export_format(f) == io::Format::automatic ? Kind::unknown : Kind::tool_export;
  if (has_extension(f, ".csv") || has_extension(f, ".tsv") || has_extension(f, ".jsonl")) {
    return io::detect_export_format(f) == io::Format::automatic ? Kind::table : Kind::tool_export;
  }
  return Kind::unknown;
}

// The units of the inputs: a folder that is an export is one unit; any other folder is walked,
// its PNGs forming one mask unit per folder.
std::vector<Unit> expand(const std::vector<std::string>& inputs, const std::string& skip) {
  std::vector<Unit> units;
  for (const auto& input : inputs) {
    std::error_code ec;
    const auto status = fs::status(input, ec);
    if (ec || !fs::exists(status)) throw InputError({.file = input}, "no such file or directory", Defect::broken_file);
    if (!fs::is_directory(status)) {
      const std::string root = fs::path(input).has_parent_path() ? fs::path(input).parent_path().string() : ".";
      Kind k = kind_of_file(input);
      if (k == Kind::unknown && io::detect_export_format(input) != io::Format::automatic) k = Kind::tool_export;
      Unit u{k == Kind::unknown ? Kind::table : k, input, root, {}};
      if (u.kind == Kind::masks) {
        u.path = root;
        u.pngs = {fs::path(input).filename().string()};
      }
      units.push_back(std::move(u));
      continue;
    }
    if (io::detect_export_format(input) != io::Format::automatic) {
      units.push_back({Kind::tool_export, input, input, {}});
      continue;
    }
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(input, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file(ec)) files.push_back(it->path());
    }
    if (ec) throw InputError({.file = input}, "cannot list the directory: " + ec.message(), Defect::broken_file);
    std::sort(files.begin(), files.end());
    std::map<std::string, Unit> mask_dirs;
    for (const auto& p : files) {
      const std::string f = p.string();
      if (!skip.empty() && fs::equivalent(p, skip, ec)) continue;
      const Kind k = kind_of_file(f);
      if (k == Kind::unknown) continue;
      if (k == Kind::masks) {
        auto& u = mask_dirs[p.parent_path().string()];
        u.kind = Kind::masks;
        u.path = p.parent_path().string();
        u.root = input;
        u.pngs.push_back(p.filename().string());
        continue;
      }
      units.push_back({k, f, input, {}});
    }
    for (auto& [dir, u] : mask_dirs) units.push_back(std::move(u));
    if (files.empty()) throw InputError({.file = input}, "the directory holds no annotation files", Defect::broken_file);
  }
  return units;
}

// --classes: a class map (value,name CSV or JSON) for masks, or a label schema of names (one per
// line, or the names of a class map).
struct Schema {
  io::ClassMap map;
  std::optional<std::set<std::string>> names;
};
Schema read_schema(const std::string& path) {
  Schema s;
  if (path.empty()) return s;
  std::ifstream in(path);
  if (!in) throw InputError({.file = path}, "cannot open the class list", Defect::broken_file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  const bool is_map = has_extension(path, ".json") ||
                      std::any_of(lines.begin(), lines.end(), [](const std::string& l) { return l.find(',') != std::string::npos; });
  std::set<std::string> names;
  if (is_map) {
    s.map = io::read_class_map(path);
    for (const auto& [v, n] : s.map) names.insert(n);
  } else {
    names.insert(lines.begin(), lines.end());
  }
  s.names = std::move(names);
  return s;
}

class Validator {
 public:
  explicit Validator(ValidateArgs& a) : m_a(a), m_schema(read_schema(a.classes_path)) {
    m_a.options.classes = m_schema.names;
    if (!m_a.images_dir.empty()) {
      std::error_code ec;
      if (!fs::is_directory(m_a.images_dir, ec)) throw InputError({.file = m_a.images_dir}, "--images: not a directory", Defect::broken_file);
      for (auto it = fs::recursive_directory_iterator(m_a.images_dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        m_images_by_stem.emplace(it->path().stem().string(), it->path().string());
      }
    }
  }

  void run(const Unit& u) {
    ++m_files;
    try {
      switch (u.kind) {
        case Kind::coco: coco(u); break;
        case Kind::tool_export: tool_export(u); break;
        case Kind::table: table(u); break;
        case Kind::masks: masks(u); return;  // counts its files itself
        case Kind::unknown: break;
      }
      ++m_readable;
    } catch (const InputError& e) {
      m_findings.push_back(validate::file_finding(e));
      if (m_findings.back().file.empty()) m_findings.back().file = u.path;
    }
  }

  // With defer_objects, a COCO file's object checks are left for the reports to run while they
  // are written (ValidateWriter::put_objects): its delivery is kept here.
  struct Deferred {
    io::LocalDelivery d;
    std::vector<std::pair<std::uint64_t, double>> areas;
  };
  void defer_objects(bool on) { m_defer = on; }
  const std::optional<Deferred>& deferred() const { return m_deferred; }

  std::vector<Finding>& findings() { return m_findings; }
  std::size_t files() const { return m_files; }
  std::size_t readable() const { return m_readable; }
  std::size_t items() const { return m_items; }
  std::size_t annotations() const { return m_annotations; }

 private:
  void add(std::vector<Finding>&& fs) {
    if (m_findings.empty()) {
      m_findings.swap(fs);
      return;
    }
    if (m_findings.capacity() < m_findings.size() + fs.size()) m_findings.reserve(std::max(2 * m_findings.capacity(), m_findings.size() + fs.size()));
    for (auto& f : fs) m_findings.push_back(std::move(f));
  }

  // Image names that lead outside the delivery root are schema findings; images found under
  // --images are checked against the sizes the delivery gives them.
  void check_images(const std::string& file, const std::string& root, const std::vector<ImageInfo>& images) {
    for (const auto& img : images) {
      if (!m_a.allow_outside && io::leaves_root(img.name)) {
        Finding f;
        f.code = validate::Code::schema;
        f.file = file;
        f.item = img.name;
        f.message = fmt::format("image path \"{}\" leads outside the delivery root {} (nothing was read from it; --allow-outside permits it)", img.name, root);
        m_findings.push_back(std::move(f));
        continue;
      }
      if (m_a.images_dir.empty() || img.frame >= 0) continue;
      const auto path = io::contained_path(m_a.images_dir, img.name, m_a.allow_outside);
      std::error_code ec;
      if (!path || !fs::is_regular_file(*path, ec)) {
        Finding f;
        f.code = validate::Code::missing_reference;
        f.file = file;
        f.item = img.name;
        f.message = fmt::format("no image file \"{}\" under {}", img.name, m_a.images_dir);
        m_findings.push_back(std::move(f));
        continue;
      }
      std::uint32_t w = 0, h = 0;
      if (!io::image_dimensions(path->string(), w, h)) {
        Finding f;
        f.code = validate::Code::broken_file;
        f.file = path->string();
        f.item = img.name;
        f.message = "cannot read the image size from this image";
        m_findings.push_back(std::move(f));
      } else if (img.width && (w != img.width || h != img.height)) {
        Finding f;
        f.code = validate::Code::out_of_image;
        f.file = file;
        f.item = img.name;
        f.message = fmt::format("the delivery says {}x{} (width x height) but the image file is {}x{}", img.width, img.height, w, h);
        m_findings.push_back(std::move(f));
      }
    }
  }

  void delivery(io::LocalDelivery& d, const std::string& root, const std::vector<std::pair<std::uint64_t, double>>& areas, bool defer = false) {
    index_objects(d.objects, d.images.size());
    m_items += d.images.size();
    m_annotations += d.objects.objects.size();
    check_images(d.objects.file, root, d.images);
    if (defer) {
      m_deferred = Deferred{std::move(d), areas};
      return;
    }
    add(validate::check_objects(d.objects, d.images, d.categories, m_a.options, areas));
  }

  void coco(const Unit& u) {
    {
      std::ifstream in(u.path, std::ios::binary);
      std::string head(1 << 16, '\0');
      in.read(head.data(), static_cast<std::streamsize>(head.size()));
      head.resize(static_cast<std::size_t>(in.gcount()));
      if (head.find("\"segments_info\"") != std::string::npos) {
        throw InputError({.file = u.path, .field = "annotations"},
                         "COCO panoptic annotations (segments_info) are not read by labelqa; validate their PNGs as masks");
      }
    }
    io::CocoCheck check;
    auto d = io::read_coco_checked(u.path, check);
    validate::problem_findings(check.problems, m_findings);
    m_annotations += check.problems.size();
    delivery(d, u.root, check.areas, m_defer);
  }

  void tool_export(const Unit& u) {
    io::LoadOptions options = load_options(m_a.in);
    options.annotators.clear();
    io::ExportData data;
    io::read_exports({u.path}, options, data);
    for (auto& d : data.deliveries) delivery(d, u.root, {});
    labels(data.files, data.labels);
  }

  void table(const Unit& u) {
    io::TableOptions opt = m_a.in.table;
    const RatingSet r = io::read_rating_tables({u.path}, opt);
    m_items += r.items.size();
    m_annotations += r.ratings.size();
    if (!m_a.options.classes) return;
    for (std::size_t i = 0; i < r.items.size(); ++i) {
      for (std::uint32_t k = r.item_offsets[i]; k < r.item_offsets[i + 1]; ++k) {
        const auto& cls = r.categories[static_cast<std::size_t>(r.ratings[k].category)];
        if (m_a.options.classes->count(cls)) continue;
        Finding f;
        f.code = validate::Code::unknown_class;
        f.file = u.path;
        f.item = r.items[i];
        f.annotation = r.annotators[static_cast<std::size_t>(r.ratings[k].annotator)];
        f.cls = cls;
        if (!r.sources.empty()) f.location.line = r.sources[k].line;
        f.message = fmt::format("label \"{}\" is not in the label schema", cls);
        m_findings.push_back(std::move(f));
      }
    }
  }

  void labels(const std::vector<std::string>& files, const std::vector<io::LabelRecord>& records) {
    m_annotations += records.size();
    if (!m_a.options.classes) return;
    for (const auto& rec : records) {
      if (m_a.options.classes->count(rec.label)) continue;
      Finding f;
      f.code = validate::Code::unknown_class;
      f.file = rec.file < files.size() ? files[rec.file] : std::string();
      f.item = rec.item;
      f.annotation = rec.annotator;
      f.cls = rec.label;
      f.location.line = rec.line;
      f.message = fmt::format("label \"{}\" is not in the label schema", rec.label);
      m_findings.push_back(std::move(f));
    }
  }

  // PNG masks, decoded and checked in parallel with a bounded number in flight.
  void masks(const Unit& u) {
    m_files += u.pngs.size() - 1;
    struct Job {
      std::size_t index = 0;
      std::vector<Finding> findings;
      bool readable = false;
    };
    const std::size_t tokens = 4 * static_cast<std::size_t>(std::max(1, tbb::this_task_arena::max_concurrency()));
    std::size_t next = 0;
    tbb::parallel_pipeline(
        tokens,
        tbb::make_filter<void, std::size_t>(tbb::filter_mode::serial_in_order,
                                            [&](tbb::flow_control& fc) -> std::size_t {
                                              if (next == u.pngs.size()) {
                                                fc.stop();
                                                return 0;
                                              }
                                              return next++;
                                            }) &
            tbb::make_filter<std::size_t, Job>(tbb::filter_mode::parallel,
                                               [&](std::size_t i) {
                                                 Job job;
                                                 job.index = i;
                                                 thread_local std::vector<std::uint8_t> buffer;
                                                 thread_local io::MaskImage mask;
                                                 const std::string path = (fs::path(u.path) / u.pngs[i]).string();
                                                 try {
                                                   io::decode_mask_png(path, buffer, mask);
                                                   job.readable = true;
                                                   std::optional<std::array<std::uint32_t, 2>> size;
                                                   if (auto it = m_images_by_stem.find(fs::path(u.pngs[i]).stem().string()); it != m_images_by_stem.end()) {
                                                     std::uint32_t w = 0, h = 0;
                                                     if (io::image_dimensions(it->second, w, h)) size = std::array<std::uint32_t, 2>{w, h};
                                                   }
                                                   job.findings = validate::check_semantic_mask(mask, path, u.pngs[i], m_schema.map, m_a.options, size);
                                                 } catch (const InputError& e) {
                                                   job.findings.push_back(validate::file_finding(e));
                                                   job.findings.back().item = u.pngs[i];
                                                 }
                                                 return job;
                                               }) &
            tbb::make_filter<Job, void>(tbb::filter_mode::serial_in_order, [&](Job job) {
              m_readable += job.readable;
              ++m_items;
              add(std::move(job.findings));
            }));
  }

  ValidateArgs& m_a;
  Schema m_schema;
  std::map<std::string, std::string> m_images_by_stem;  // --images: masks find their image by stem
  std::vector<Finding> m_findings;
  bool m_defer = false;
  std::optional<Deferred> m_deferred;
  std::size_t m_files = 0, m_readable = 0, m_items = 0, m_annotations = 0;
};

int run_validate(ValidateArgs& a) {
  const auto limit = limit_threads(a.threads);
  for (const auto& c : split_commas(a.no_overlap)) a.options.no_overlap.insert(c);
  a.options.unlabeled = a.unlabeled;
  if (!(a.options.tolerance >= 0)) throw UsageError("--tolerance must be a number of pixels >= 0");
  if (!(a.options.min_track_iou >= 0 && a.options.min_track_iou <= 1)) throw UsageError("--min-track-iou must be between 0 and 1");
  const auto units = expand(a.in.files, a.classes_path);
  Validator v(a);
  // A single COCO file streams: its images are checked while their findings are written, and its
  // findings are never held whole. (Both reports on standard output are written one after the
  // other instead.)
  const bool both_stdout = a.output.json_path == "-" && a.output.csv_path == "-";
  v.defer_objects(units.size() == 1 && units[0].kind == Kind::coco && !both_stdout);
  for (const auto& u : units) v.run(u);
  auto& findings = v.findings();
  std::optional<validate::ObjectChecks> checks;
  if (const auto& def = v.deferred()) {
    checks.emplace(def->d.objects, def->d.images, def->d.categories, a.options, def->areas);
    for (auto& f : checks->tracks()) findings.push_back(std::move(f));
  }
  validate::sort_findings(findings);
  report::FindingTally tally;
  auto meta = [&](const report::FindingTally& t) {
    return report::ValidateReport{t, a.in.files, v.files(), v.items(), v.annotations(), a.fail_on == "warning"};
  };
  auto produce = [&](const io::Sink* json, const io::Sink* csv) {
    report::ValidateWriter w(json, csv, a.max_findings);
    if (checks) {
      w.put_objects(*checks, std::move(findings));
    } else {
      w.put_all(findings);
    }
    w.finish(meta(w.tally()));
    tally = w.tally();
  };
  // Both reports are written together, each to a temporary file renamed into place at the end.
  auto with_csv = [&](const io::Sink* json) {
    if (a.output.csv_path.empty()) return produce(json, nullptr);
    io::write_output(a.output.csv_path, [&](const io::Sink& csv) { produce(json, &csv); });
  };
  if (both_stdout) {
    io::write_output(a.output.json_path, [&](const io::Sink& out) { produce(&out, nullptr); });
    io::write_output(a.output.csv_path, [&](const io::Sink& out) { produce(nullptr, &out); });
  } else if (a.output.json_path.empty()) {
    with_csv(nullptr);
  } else {
    io::write_output(a.output.json_path, [&](const io::Sink& json) { with_csv(&json); });
  }
  const auto rep = meta(tally);
  if (print_summary(a.output)) {
    const std::string text = report::render_validate_text(rep, use_color(a.output), a.max_findings);
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  if (v.readable() == 0) {
    std::fprintf(stderr, "labelqa: error: none of the inputs could be read\n");
    return static_cast<int>(ExitCode::bad_input);
  }
  if (report::validate_failed(rep)) {
    std::fprintf(stderr, "labelqa: validate: %zu error%s, %zu warning%s\n", tally.errors, tally.errors == 1 ? "" : "s", tally.warnings,
                 tally.warnings == 1 ? "" : "s");
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
  cmd->add_option("--tolerance", a->options.tolerance, "out_of_image: geometry at most this many pixels outside is a warning")->default_str("0");
  cmd->add_option("--no-overlap", a->no_overlap, "classes whose instances must not overlap (overlap becomes an error); * for all")->type_name("A,B,...");
  cmd->add_flag("--require-coverage", a->options.require_coverage,
                "every pixel must be labelled: unlabeled regions (and image area no polygon covers) are errors");
  cmd->add_option("--unlabeled", a->unlabeled, "semantic masks: the value that means unlabeled (default: the class named \"unlabeled\", else 0 if unnamed)");
  cmd->add_option("--ignore", a->options.ignore, "semantic masks: the ignore value, never unlabeled")->default_str("255");
  cmd->add_option("--min-region", a->options.min_region, "unlabeled regions smaller than this many pixels are not reported")->default_str("16");
  cmd->add_option("--min-track-iou", a->options.min_track_iou, "track_jump: box IoU between consecutive frames below this")->default_str("0.3");
  cmd->add_option("--images", a->images_dir, "folder of the images: their sizes are checked against the delivery and the masks")->type_name("DIR");
  cmd->add_flag("--allow-outside", a->allow_outside, "allow paths inside exports that lead outside the delivery root");
  cmd->add_option("--max-findings", a->max_findings, "findings shown per code on the terminal (the files hold them all)")->default_str("5");
  cmd->add_option("--fail-on", a->fail_on, "exit 1 on errors only, or on warnings too")->check(CLI::IsMember({"error", "warning"}))->default_str("error");
  add_output_flags(*cmd, a->output);
  add_threads_flag(*cmd, a->threads);
  add_export_flags(*cmd, a->in);
  add_table_flags(*cmd, a->in);
  cmd->callback([&action, a] { action = [a] { return run_validate(*a); }; });
}

}  // namespace labelqa::cli
