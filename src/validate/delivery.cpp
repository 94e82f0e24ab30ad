// Validating a whole delivery (see delivery.hpp): expanding the inputs into units, reading each
// leniently, checking it, and streaming the findings to a sink.
#include "labelqa/validate/delivery.hpp"

#include "labelqa/error.hpp"
#include "labelqa/io/coco_reader.hpp"
#include "labelqa/io/mapped_file.hpp"
#include "labelqa/io/mask_reader.hpp"
#include "labelqa/io/paths.hpp"
#include "labelqa/io/segment_reader.hpp"
#include "labelqa/io/transcript_reader.hpp"
#include "labelqa/io/span_reader.hpp"
#include "labelqa/io/table_reader.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <tbb/parallel_invoke.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

namespace labelqa::validate {
namespace {

namespace fs = std::filesystem;

bool has_extension(const std::string& f, std::string_view ext) { return io::logical_name(f).ends_with(ext); }

enum class Kind { coco, tool_export, table, masks, unknown, outside_link };

// One thing to validate: a file, an export folder, or the PNG masks of a folder.
struct Unit {
  Kind kind = Kind::unknown;
  std::string path;               // the file or folder
  std::string root;               // the delivery root: paths inside must stay under it
  std::vector<std::string> pngs;  // masks: paths relative to `path`
};

Kind kind_of_content(const std::string& f) {
  if (has_extension(f, ".png")) return Kind::masks;
  if (has_extension(f, ".json")) {
    if (io::looks_like_coco(f)) return Kind::coco;
    return io::detect_export_format(f) == io::Format::automatic ? Kind::unknown : Kind::tool_export;
  }
  if (has_extension(f, ".xml") || has_extension(f, ".zip")) return io::detect_export_format(f) == io::Format::automatic ? Kind::unknown : Kind::tool_export;
  if (has_extension(f, ".csv") || has_extension(f, ".tsv") || has_extension(f, ".jsonl")) {
    return io::detect_export_format(f) == io::Format::automatic ? Kind::table : Kind::tool_export;
  }
  if (io::detect_segment_format(f)) return Kind::tool_export;  // RTTM, subtitles, TextGrid
  return Kind::unknown;
}

// The kind of a file; one whose content cannot even be looked at (unreadable, a corrupt .gz) goes
// to the reader its extension suggests, which reports it as a broken_file finding.
Kind kind_of_file(const std::string& f) {
  try {
    return kind_of_content(f);
  } catch (const InputError&) {
    if (has_extension(f, ".json")) return Kind::coco;
    if (has_extension(f, ".xml") || has_extension(f, ".zip")) return Kind::tool_export;
    return has_extension(f, ".csv") || has_extension(f, ".tsv") || has_extension(f, ".jsonl") ? Kind::table : Kind::unknown;
  }
}

// The units of the inputs: a folder that is an export is one unit; any other folder is walked,
// its PNGs forming one mask unit per folder.
std::vector<Unit> expand(const std::vector<std::string>& inputs, const std::string& skip, io::Format format, bool follow_symlinks) {
  std::vector<Unit> units;
  // A named format decides the kind of every file (a contradicting content is bad usage).
  auto named_kind = [format]() -> std::optional<Kind> {
    if (format == io::Format::automatic) return std::nullopt;
    if (format == io::Format::coco) return Kind::coco;
    return io::is_table_format(format) ? Kind::table : Kind::tool_export;
  };
  for (const auto& input : inputs) {
    std::error_code ec;
    const auto status = fs::status(input, ec);
    if (ec || !fs::exists(status)) throw InputError({.file = input}, "no such file or directory", Defect::broken_file);
    if (!fs::is_directory(status)) {
      const std::string root = fs::path(input).has_parent_path() ? fs::path(input).parent_path().string() : ".";
      Kind k = named_kind() ? *named_kind() : kind_of_file(input);
      if (k == Kind::unknown && io::detect_export_format(input) != io::Format::automatic) k = Kind::tool_export;
      Unit u{k == Kind::unknown ? Kind::table : k, input, root, {}};
      if (u.kind == Kind::masks) {
        u.path = root;
        u.pngs = {fs::path(input).filename().string()};
      }
      units.push_back(std::move(u));
      continue;
    }
    if ((named_kind() && *named_kind() == Kind::tool_export) || io::detect_export_format(input) != io::Format::automatic) {
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
      // A file whose symbolic link leads out of the delivery is never read: a finding names it.
      if (!follow_symlinks && io::link_outside(p, input)) {
        units.push_back({Kind::outside_link, f, input, {}});
        continue;
      }
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

// --classes: a class map (value,name CSV or JSON) or a list of names (one per line), read as every
// command reads it: the names are the label schema, the values name mask pixels.
struct Schema {
  io::ClassMap map;
  std::optional<std::set<std::string>> names;
};
Schema read_schema(const std::string& path) {
  Schema s;
  if (path.empty()) return s;
  s.map = io::read_class_map(path);
  std::set<std::string> names;
  for (const auto& [v, n] : s.map) names.insert(n);
  s.names = std::move(names);
  return s;
}

class Validator {
 public:
  explicit Validator(const Request& r) : m_a(r), m_options(r.options), m_schema(read_schema(r.classes_path)) {
    m_options.classes = m_schema.names;
    if (!r.durations_path.empty()) m_durations = io::read_durations(r.durations_path);
    if (!r.charset_path.empty()) {
      const io::MappedFile charset(r.charset_path);
      std::vector<std::uint32_t> cps;
      if (!io::decode_utf8(charset.view(), cps)) throw InputError({.file = r.charset_path}, "the character set is not valid UTF-8", Defect::broken_file);
      m_charset = std::set<std::uint32_t>(cps.begin(), cps.end());
    }
    if (!r.label_config.empty()) {
      // A Label Studio labeling config declares the labels: they join the schema.
      auto declared = io::read_label_config(r.label_config);
      if (m_options.classes) declared.insert(m_options.classes->begin(), m_options.classes->end());
      m_options.classes = std::move(declared);
    }
    if (!m_a.images_dir.empty()) {
      std::error_code ec;
      if (!fs::is_directory(m_a.images_dir, ec)) throw InputError({.file = m_a.images_dir}, "the images folder is not a directory", Defect::broken_file);
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
        case Kind::outside_link: {
          Finding f;
          f.code = Code::schema;
          f.file = u.path;
          f.message = fmt::format("a symbolic link that leads outside the delivery folder {}: not read (--follow-symlinks reads it)", u.root);  // flag in report text
          m_findings.push_back(std::move(f));
          return;
        }
      }
      ++m_readable;
    } catch (const InputError& e) {
      m_findings.push_back(file_finding(e));
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
  // Frees the deferred delivery on both threads at once: its largest buffers on one, its many
  // small ones (masks, images) on the other.
  void release_deferred() {
    if (!m_deferred) return;
    auto& d = m_deferred->d;
    tbb::parallel_invoke(
        [&] {
          decltype(d.objects.masks)().swap(d.objects.masks);
          decltype(d.images)().swap(d.images);
        },
        [&] {
          decltype(d.objects.coords)().swap(d.objects.coords);
          decltype(d.objects.objects)().swap(d.objects.objects);
          decltype(m_deferred->areas)().swap(m_deferred->areas);
        });
    m_deferred.reset();
  }
  const std::optional<Deferred>& deferred() const { return m_deferred; }

  std::vector<Finding>& findings() { return m_findings; }
  const Options& options() const { return m_options; }
  std::size_t files() const { return m_files; }
  std::size_t readable() const { return m_readable; }
  std::size_t items() const { return m_items; }
  std::size_t annotations() const { return m_annotations; }
  std::vector<SkippedInput>& skipped() { return m_skipped; }

  // Class names that differ only by case ("Butterfly", "butterfly"): one class written two ways.
  void case_only_classes() {
    std::map<std::string, std::vector<std::string>> by_lower;
    for (const auto& [name, files] : m_class_files) {
      std::string lower = name;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      by_lower[lower].push_back(name);
    }
    for (const auto& [lower, names] : by_lower) {
      if (names.size() < 2) continue;
      Finding f;
      f.severity = Severity::warning;
      f.code = Code::unknown_class;
      f.file = *m_class_files[names.front()].begin();
      f.cls = names.front();
      std::vector<std::string> quoted;
      for (const auto& n : names) quoted.push_back(fmt::format("\"{}\" ({})", n, fmt::join(m_class_files[n], ", ")));
      f.message = fmt::format("class names that differ only by case: {}", fmt::join(quoted, ", "));
      m_findings.push_back(std::move(f));
    }
  }
  std::vector<std::string>& unread() { return m_unread; }

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
  static std::string file_of_image(const std::string& file, const ImageInfo& img) { return img.file.empty() ? file : img.file; }

  // `file_paths`: the images' paths are file paths relative to the export (LabelMe's imagePath),
  // not URLs (Label Studio).
  void check_images(const std::string& file, const std::string& root, const std::vector<ImageInfo>& images, bool file_paths) {
    for (const auto& img : images) {
      const std::string& named = img.path.empty() || !file_paths ? img.name : img.path;  // as the export writes it
      // A LabelMe imagePath is relative to its JSON file and may reach a sibling of the export
      // folder (`../images/a.jpg`), not further.
      std::string checked = named;
      if (file_paths && !img.file.empty() && !fs::path(named).is_absolute()) {
        std::error_code ec;
        const fs::path rel = fs::relative(fs::path(img.file).parent_path(), root, ec);
        fs::path top = fs::absolute(root, ec).lexically_normal();
        if (top.filename().empty()) top = top.parent_path();
        checked = (fs::path(top.filename()) / (ec ? fs::path() : rel) / named).generic_string();
      }
      if (!m_a.allow_outside && io::leaves_root(checked)) {
        Finding f;
        f.code = Code::schema;
        f.file = file_of_image(file, img);
        f.item = img.name;
        f.message = fmt::format("image path \"{}\" leads outside the delivery root {} (nothing was read from it; --allow-outside permits it)", named, root);  // flag in report text
        m_findings.push_back(std::move(f));
        continue;
      }
      if (m_a.images_dir.empty() || img.frame >= 0) continue;
      const auto path = io::contained_path(m_a.images_dir, img.name, m_a.allow_outside);
      std::error_code ec;
      if (!path || !fs::is_regular_file(*path, ec)) {
        Finding f;
        f.code = Code::missing_reference;
        f.file = file;
        f.item = img.name;
        f.message = fmt::format("no image file \"{}\" under {}", img.name, m_a.images_dir);
        m_findings.push_back(std::move(f));
        continue;
      }
      std::uint32_t w = 0, h = 0;
      if (!io::image_dimensions(path->string(), w, h)) {
        Finding f;
        f.code = Code::broken_file;
        f.file = path->string();
        f.item = img.name;
        f.message = "cannot read the image size from this image";
        m_findings.push_back(std::move(f));
      } else if (img.width && (w != img.width || h != img.height)) {
        Finding f;
        f.code = Code::out_of_image;
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
    for (const auto& c : d.categories) m_class_files[c].insert(d.objects.file);
    check_images(d.objects.file, root, d.images, d.objects.format == "labelme");
    if (defer) {
      m_deferred = Deferred{std::move(d), areas};
      return;
    }
    Options options = m_options;
    options.keypoint_schemas = &d.keypoints;
    add(check_objects(d.objects, d.images, d.categories, options, areas));
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
    io::LenientRead check;
    auto d = io::read_coco_checked(u.path, check);
    problem_findings(check.problems, m_findings);
    m_annotations += static_cast<std::size_t>(std::count_if(check.problems.begin(), check.problems.end(),
                                                            [](const io::ReadProblem& p) { return p.defect != Defect::duplicate_key && !p.kept; }));
    delivery(d, u.root, check.areas, m_defer);
  }

  void tool_export(const Unit& u) {
    io::LoadOptions options = m_a.load;
    options.annotators.clear();
    io::ExportData data;
    io::read_exports({u.path}, options, data);
    const std::size_t annotations = m_annotations, items = m_items;
    for (auto& d : data.deliveries) delivery(d, u.root, {});
    labels(data.files, data.labels);
    spans(data.spans);
    segments(data.segments);
    // Their defects are findings here, not inputs left out.
    std::erase_if(data.skipped, [](const SkippedInput& sk) { return sk.reason.rfind("segments whose end is not after their start", 0) == 0; });
    problem_findings(data.problems, m_findings);
    for (const auto& l : data.labels) m_class_files[l.label].insert(l.file < data.files.size() ? data.files[l.file] : u.path);
    for (const auto& r : data.spans) {
      for (const auto& s : r.spans) m_class_files[s.label].insert(r.file);
    }
    m_skipped.insert(m_skipped.end(), data.skipped.begin(), data.skipped.end());
    if (m_annotations == annotations && m_items == items) m_unread.push_back(io::nothing_read_message(u.path, data.skipped));
  }

  // Time segments of one annotator and recording: an end not after the start (degenerate), times
  // before 0 or past the recording's duration (out_of_duration), overlapping segments of one label
  // or speaker (overlap), subtitle cues out of order (unsorted) or without text (empty_text), and
  // labels outside the schema.
  void segments(const std::vector<io::SegmentRecord>& records) {
    for (const auto& r : records) {
      ++m_items;
      m_annotations += r.segments.size() + r.degenerate.size();
      for (const auto& s : r.segments) m_class_files[s.label].insert(r.file);
      auto finding = [&](Severity severity, Code code, const io::RawSegment& s, std::string message) {
        Finding f;
        f.severity = severity;
        f.code = code;
        f.file = r.file;
        f.item = r.item;
        f.annotation = r.annotator;
        f.cls = s.label;
        f.location.line = s.line;
        f.message = std::move(message);
        m_findings.push_back(std::move(f));
      };
      auto span = [](const io::RawSegment& s) { return fmt::format("[{}, {}) s", format_seconds(s.start), format_seconds(s.end)); };
      for (const auto& s : r.degenerate) {
        finding(Severity::error, Code::degenerate, s, fmt::format("segment {} \"{}\" does not end after it starts", span(s), s.label));
      }
      const bool subtitles = r.format == "srt" || r.format == "webvtt";
      std::map<std::string, const io::RawSegment*> last_of_label;  // the segment of each label that ends last so far
      std::vector<const io::RawSegment*> by_start;
      for (const auto& s : r.segments) by_start.push_back(&s);
      std::stable_sort(by_start.begin(), by_start.end(), [](const auto* x, const auto* y) { return x->start < y->start; });
      for (const auto* p : by_start) {
        auto [it, fresh] = last_of_label.emplace(p->label, p);
        if (!fresh) {
          if (p->start < it->second->end) {
            finding(Severity::warning, Code::overlap, *p,
                    fmt::format("segment {} \"{}\" overlaps {} of the same {}{}", span(*p), p->label, span(*it->second), r.format == "rttm" ? "speaker" : "label",
                                it->second->line ? fmt::format(" (line {})", it->second->line) : std::string()));
          }
          if (p->end > it->second->end) it->second = p;
        }
      }
      std::optional<Micros> duration = r.duration;
      if (const auto it = m_durations.find(r.item); it != m_durations.end()) duration = it->second;
      std::vector<std::uint32_t> cps;
      for (std::size_t k = 0; k < r.segments.size(); ++k) {
        const auto& s = r.segments[k];
        if (s.start < 0) finding(Severity::error, Code::out_of_duration, s, fmt::format("segment {} starts before the recording", span(s)));
        if (duration && s.end > *duration) {
          finding(Severity::error, Code::out_of_duration, s,
                  fmt::format("segment {} ends after the recording's end at {} s", span(s), format_seconds(*duration)));
        }
        if (m_charset && io::decode_utf8(s.text, cps)) {
          for (const std::uint32_t c : cps) {
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || m_charset->count(c)) continue;
            finding(Severity::error, Code::unknown_character, s, fmt::format("the text of {} holds U+{:04X}, outside the character set", span(s), c));
            break;
          }
        }
        if (subtitles && k > 0 && s.start < r.segments[k - 1].start) {
          finding(Severity::warning, Code::unsorted, s, fmt::format("cue {} starts before the cue before it ({})", span(s), span(r.segments[k - 1])));
        }
        if (subtitles && s.text.find_first_not_of(" \t\r\n") == std::string::npos) {
          finding(Severity::warning, Code::empty_text, s, fmt::format("cue {} has no text", span(s)));
        }
        if (m_options.classes && !m_options.classes->count(s.label)) {
          finding(Severity::error, Code::unknown_class, s, fmt::format("label \"{}\" is not in the label schema", s.label));
        }
      }
    }
  }

  // Text spans: each must lie in its document's text; a span given twice is a duplicate.
  void spans(const std::vector<SpanRecord>& records) {
    std::vector<std::uint32_t> code_points;
    for (const auto& r : records) {
      ++m_items;
      m_annotations += r.spans.size();
      auto finding = [&](Severity severity, Code code, const SpanRecord::Raw& s, std::string message) {
        Finding f;
        f.severity = severity;
        f.code = code;
        f.file = r.file;
        f.item = r.document;
        f.annotation = r.annotator;
        f.cls = s.label;
        f.location.line = r.line;
        f.message = std::move(message);
        m_findings.push_back(std::move(f));
      };
      if (!io::decode_utf8(r.text, code_points)) {
        finding(Severity::error, Code::schema, {}, "the text is not valid UTF-8");
        continue;
      }
      const auto n = static_cast<std::int64_t>(code_points.size());
      std::set<std::tuple<std::int64_t, std::int64_t, std::string>> seen;
      for (const auto& s : r.spans) {
        if (s.start < 0 || s.end <= s.start || s.end > n) {
          finding(Severity::error, Code::out_of_text, s,
                  fmt::format("span [{}, {}) \"{}\" does not lie in the text (0 <= start < end <= {} characters)", s.start, s.end, s.label, n));
          continue;
        }
        if (!seen.emplace(s.start, s.end, s.label).second) {
          finding(Severity::warning, Code::duplicate, s, fmt::format("span [{}, {}) \"{}\" is given twice", s.start, s.end, s.label));
        }
        if (m_options.classes && !m_options.classes->count(s.label)) {
          finding(Severity::error, Code::unknown_class, s, fmt::format("label \"{}\" is not in the label schema", s.label));
        }
      }
    }
  }

  // A transcript table (item[, annotator], text): texts that are empty or hold characters outside
  // --charset; a gold table without an annotator column is read as one annotator's.
  void transcripts(const Unit& u, io::TableOptions opt) {
    TranscriptSet t;
    try {
      t = io::read_transcript_tables({u.path}, opt, "text");
    } catch (const InputError& e) {
      if (e.where().field != opt.annotator_col || e.where().line != 1) throw;
      opt.fixed_annotator = "(table)";
      t = io::read_transcript_tables({u.path}, opt, "text");
    }
    m_items += t.items.size();
    m_annotations += t.transcripts.size();
    std::vector<std::uint32_t> cps;
    for (const auto& x : t.transcripts) {
      auto finding = [&](Severity severity, Code code, std::string message) {
        Finding f;
        f.severity = severity;
        f.code = code;
        f.file = u.path;
        f.item = t.items[x.item];
        f.annotation = opt.fixed_annotator.empty() ? t.annotators[static_cast<std::size_t>(x.annotator)] : std::string();
        f.location.line = x.source.line;
        f.message = std::move(message);
        m_findings.push_back(std::move(f));
      };
      if (x.text.find_first_not_of(" \t\r\n") == std::string::npos) finding(Severity::warning, Code::empty_text, "the transcript is empty");
      if (m_charset && io::decode_utf8(x.text, cps)) {
        for (const std::uint32_t c : cps) {
          if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || m_charset->count(c)) continue;
          finding(Severity::error, Code::unknown_character, fmt::format("the transcript holds U+{:04X}, outside the character set", c));
          break;
        }
      }
    }
  }

  void table(const Unit& u) {
    io::TableOptions opt = m_a.load.table;
    if (io::is_transcript_table(u.path, opt, "text")) return transcripts(u, opt);
    const RatingSet r = io::read_rating_tables({u.path}, opt);
    m_items += r.items.size();
    m_annotations += r.ratings.size();
    if (!m_options.classes) return;
    for (std::size_t i = 0; i < r.items.size(); ++i) {
      for (std::uint32_t k = r.item_offsets[i]; k < r.item_offsets[i + 1]; ++k) {
        const auto& cls = r.categories[static_cast<std::size_t>(r.ratings[k].category)];
        if (m_options.classes->count(cls)) continue;
        Finding f;
        f.code = Code::unknown_class;
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
    if (!m_options.classes) return;
    for (const auto& rec : records) {
      if (m_options.classes->count(rec.label)) continue;
      Finding f;
      f.code = Code::unknown_class;
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
                                                   job.findings = check_semantic_mask(mask, path, u.pngs[i], m_schema.map, m_options, size);
                                                   if (mask.truncated_end) {
                                                     Finding f;
                                                     f.severity = Severity::warning;
                                                     f.code = Code::broken_file;
                                                     f.file = path;
                                                     f.item = u.pngs[i];
                                                     f.message = "the PNG does not end with its IEND chunk: the file is truncated (its pixels decoded; check the export)";
                                                     job.findings.insert(job.findings.begin(), std::move(f));
                                                   }
                                                 } catch (const InputError& e) {
                                                   job.findings.push_back(file_finding(e));
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

  const Request& m_a;
  Options m_options;
  Schema m_schema;
  std::map<std::string, Micros> m_durations;       // --durations
  std::optional<std::set<std::uint32_t>> m_charset;  // --charset
  std::map<std::string, std::string> m_images_by_stem;  // --images: masks find their image by stem
  std::vector<Finding> m_findings;
  bool m_defer = false;
  std::optional<Deferred> m_deferred;
  std::size_t m_files = 0, m_readable = 0, m_items = 0, m_annotations = 0;
  std::vector<SkippedInput> m_skipped;
  std::vector<std::string> m_unread;
  std::map<std::string, std::set<std::string>> m_class_files;  // class name -> files using it
};

}  // namespace

Summary validate_delivery(const Request& request, FindingSink& sink) {
  io::check_named_format(request.inputs, request.load.format);
  const auto units = expand(request.inputs, request.classes_path, request.load.format, request.load.folder.follow_symlinks);
  Validator v(request);
  // A single COCO file streams: its images are checked while their findings are put, and its
  // findings are never held whole.
  v.defer_objects(units.size() == 1 && units[0].kind == Kind::coco);
  for (const auto& u : units) v.run(u);
  v.case_only_classes();
  auto& findings = v.findings();
  Options streamed = v.options();  // outlives the checks, which keep a reference
  std::optional<ObjectChecks> checks;
  if (const auto& def = v.deferred()) {
    streamed.keypoint_schemas = &def->d.keypoints;
    checks.emplace(def->d.objects, def->d.images, def->d.categories, streamed, def->areas);
    for (auto& f : checks->tracks()) findings.push_back(std::move(f));
  }
  sort_findings(findings);
  Summary summary;
  summary.tally.keep = request.keep;
  if (checks) {
    put_object_checks(*checks, std::move(findings), sink, summary.tally);
    checks.reset();
    v.release_deferred();
  } else {
    put_findings(findings, sink, summary.tally);
  }
  summary.files = v.files();
  summary.readable = v.readable();
  summary.items = v.items();
  summary.annotations = v.annotations();
  summary.skipped = std::move(v.skipped());
  summary.unread = std::move(v.unread());
  return summary;
}

}  // namespace labelqa::validate
