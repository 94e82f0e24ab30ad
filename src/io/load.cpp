// Loading a delivery (see load.hpp): format names, detection, dispatch to the readers, gold merging.
#include "labelqa/io/load.hpp"

#include "labelqa/error.hpp"
#include "labelqa/io/coco_reader.hpp"
#include "labelqa/io/cvat_reader.hpp"
#include "labelqa/io/mask_reader.hpp"
#include "labelqa/io/rating_builder.hpp"
#include "labelqa/io/segment_reader.hpp"
#include "labelqa/io/span_reader.hpp"
#include "labelqa/io/transcript_reader.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <set>

namespace labelqa::io {
namespace {

struct FormatName {
  Format format;
  std::string_view name;
};
constexpr std::array<FormatName, 16> k_names = {{
    {Format::csv, "csv"},
    {Format::tsv, "tsv"},
    {Format::jsonl, "jsonl"},
    {Format::coco, "coco"},
    {Format::label_studio, "label-studio"},
    {Format::label_studio_min, "label-studio-min"},
    {Format::cvat, "cvat"},
    {Format::voc, "voc"},
    {Format::yolo, "yolo"},
    {Format::labelme, "labelme"},
    {Format::doccano, "doccano"},
    {Format::prodigy, "prodigy"},
    {Format::rttm, "rttm"},
    {Format::srt, "srt"},
    {Format::webvtt, "webvtt"},
    {Format::textgrid, "textgrid"},
}};
constexpr std::array<Format, 16> k_named = [] {
  std::array<Format, 16> out{};
  for (std::size_t i = 0; i < k_names.size(); ++i) out[i] = k_names[i].format;
  return out;
}();

// Extensions are judged on the name without a trailing .gz (a.json.gz is JSON).
bool has_extension(const std::string& f, std::string_view ext) { return logical_name(f).ends_with(ext); }

bool is_label_studio(Format f) { return f == Format::label_studio || f == Format::label_studio_min; }

FolderFormat folder_format(Format f) {
  return f == Format::voc ? FolderFormat::voc : f == Format::yolo ? FolderFormat::yolo : FolderFormat::labelme;
}

}  // namespace

std::span<const Format> named_formats() { return k_named; }

std::string_view format_name(Format f) {
  for (const auto& n : k_names) {
    if (n.format == f) return n.name;
  }
  return "auto";
}

std::optional<Format> parse_format(std::string_view name) {
  for (const auto& n : k_names) {
    if (n.name == name) return n.format;
  }
  return std::nullopt;
}

bool is_table_format(Format f) { return f == Format::csv || f == Format::tsv || f == Format::jsonl; }

bool is_export_format(Format f) { return f != Format::automatic && f != Format::coco && !is_table_format(f); }

bool is_segment_format(Format f) { return f == Format::rttm || f == Format::srt || f == Format::webvtt || f == Format::textgrid; }

namespace {

SegmentFormat segment_format(Format f) {
  return f == Format::rttm ? SegmentFormat::rttm : f == Format::srt ? SegmentFormat::srt : f == Format::webvtt ? SegmentFormat::webvtt : SegmentFormat::textgrid;
}

Format format_of(SegmentFormat f) {
  return f == SegmentFormat::rttm ? Format::rttm : f == SegmentFormat::srt ? Format::srt : f == SegmentFormat::webvtt ? Format::webvtt : Format::textgrid;
}

}  // namespace

Format detect_export_format(const std::string& f) {
  if (const auto seg = detect_segment_format(f)) return format_of(*seg);
  if (has_extension(f, ".json") && looks_like_label_studio(f)) return Format::label_studio;
  if ((has_extension(f, ".json") || has_extension(f, ".csv") || has_extension(f, ".tsv")) && looks_like_label_studio_min(f)) {
    return Format::label_studio_min;
  }
  if (looks_like_cvat(f)) return Format::cvat;
  if (FolderFormat folder{}; looks_like_folder_export(f, folder)) {
    return folder == FolderFormat::voc ? Format::voc : folder == FolderFormat::yolo ? Format::yolo : Format::labelme;
  }
  SpanFormat span_format{};
  if ((has_extension(f, ".jsonl") || has_extension(f, ".json")) && looks_like_span_jsonl(f, span_format)) {
    return span_format == SpanFormat::prodigy ? Format::prodigy : Format::doccano;
  }
  return Format::automatic;
}

Format detect_format(const std::string& path) {
  const Format f = detect_export_format(path);
  if (f != Format::automatic) return f;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return Format::automatic;
  if (has_extension(path, ".json") && looks_like_coco(path)) return Format::coco;
  if (has_extension(path, ".csv")) return Format::csv;
  if (has_extension(path, ".tsv")) return Format::tsv;
  if (has_extension(path, ".jsonl") || has_extension(path, ".ndjson")) return Format::jsonl;
  return Format::automatic;
}

std::string describe_format(Format f) {
  switch (f) {
    case Format::coco: return "a COCO file";
    case Format::label_studio: return "a Label Studio JSON export";
    case Format::label_studio_min: return "a Label Studio JSON-MIN or CSV export";
    case Format::cvat: return "a CVAT export";
    case Format::voc: return "a Pascal VOC export";
    case Format::yolo: return "a YOLO export";
    case Format::labelme: return "a LabelMe export";
    case Format::doccano: return "a doccano JSONL file";
    case Format::prodigy: return "a Prodigy JSONL file";
    case Format::csv: return "a CSV table";
    case Format::tsv: return "a TSV table";
    case Format::jsonl: return "a JSONL table";
    case Format::rttm: return "an RTTM file";
    case Format::srt: return "an SRT subtitle file";
    case Format::webvtt: return "a WebVTT subtitle file";
    case Format::textgrid: return "a Praat TextGrid";
    case Format::automatic: break;
  }
  return "a file of unknown format";
}

void check_named_format(const std::vector<std::string>& files, Format format) {
  if (format == Format::automatic) return;
  for (const auto& f : files) {
    const Format seen = detect_format(f);
    if (seen == Format::automatic || seen == format) continue;
    // A table format named for a file the table reader reads anyway is not a contradiction.
    if (is_table_format(format) && is_table_format(seen)) continue;
    throw UsageError(fmt::format("{} looks like {}, not {}", f, describe_format(seen), describe_format(format)), "format");
  }
}

namespace {

// A folder given where files are expected: say what it holds.
[[noreturn]] void folder_given(const std::string& dir) {
  std::size_t coco = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir, ec); !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::string p = it->path().string();
    if (it->is_regular_file(ec) && has_extension(p, ".json") && looks_like_coco(p)) ++coco;
  }
  if (coco > 0) {
    throw InputError({.file = dir}, fmt::format("a folder holding {} COCO file{}: give the COCO files themselves, one per annotator", coco,
                                                coco == 1 ? "" : "s"));
  }
  throw InputError({.file = dir}, "a folder that is no export labelqa reads (CVAT, VOC, YOLO, LabelMe; mask folders are read as masks): "
                                  "give the files themselves");
}

}  // namespace

bool is_coco_input(const std::vector<std::string>& files, Format format) {
  if (format == Format::coco) return true;
  if (format != Format::automatic) return false;
  const auto n = static_cast<std::size_t>(std::count_if(files.begin(), files.end(), [](const std::string& f) {
    return has_extension(f, ".json") && looks_like_coco(f);
  }));
  if (n != 0 && n != files.size()) throw UsageError("some inputs are COCO JSON and some are not; they are compared only with inputs of one kind");
  return n != 0;
}

namespace {

std::set<std::string> annotators_of_file(const ExportData& data, const std::string& file) {
  std::set<std::string> out;
  for (const auto& d : data.deliveries) {
    if (d.objects.file == file) out.insert(d.objects.name);
  }
  for (const auto& l : data.labels) {
    if (l.file < data.files.size() && data.files[l.file] == file) out.insert(l.annotator);
  }
  for (const auto& r : data.spans) {
    if (r.file == file) out.insert(r.annotator);
  }
  for (const auto& r : data.segments) {
    if (r.file == file) out.insert(r.annotator);
  }
  return out;
}

}  // namespace

std::string nothing_read_message(const std::string& file, const std::vector<SkippedInput>& skipped) {
  std::size_t left_out = 0;
  std::vector<std::string> reasons;
  for (const auto& s : skipped) {
    left_out += s.count;
    reasons.push_back(fmt::format("{} x {}", s.count, s.reason));
  }
  if (left_out == 0) return fmt::format("read 0 annotations from {}: it holds nothing labelqa checks", file);
  return fmt::format("read 0 annotations from {}: its {} results are of types labelqa does not check ({})", file, left_out, fmt::join(reasons, "; "));
}

void rename_annotators(ExportData& data, const std::map<std::string, std::string>& renames, const std::string& only_file) {
  auto apply = [&](std::string& name, const std::string& file) {
    if (!only_file.empty() && file != only_file) return;
    if (auto it = renames.find(name); it != renames.end()) name = it->second;
  };
  for (auto& d : data.deliveries) apply(d.objects.name, d.objects.file);
  for (auto& l : data.labels) apply(l.annotator, l.file < data.files.size() ? data.files[l.file] : std::string());
  for (auto& r : data.spans) apply(r.annotator, r.file);
  for (auto& r : data.segments) apply(r.annotator, r.file);
  if (only_file.empty()) {
    std::set<std::string> known;
    for (const auto& d : data.deliveries) known.insert(d.objects.name);
    for (const auto& l : data.labels) known.insert(l.annotator);
    for (const auto& r : data.spans) known.insert(r.annotator);
    for (const auto& r : data.segments) known.insert(r.annotator);
    for (const auto& [from, to] : renames) {
      if (!known.count(to)) throw UsageError(fmt::format("no annotator \"{}\" to rename (the inputs hold {})", from, fmt::join(known, ", ")), "annotators");
    }
  }
}

bool read_exports(const std::vector<std::string>& files, const LoadOptions& options, ExportData& out) {
  std::vector<Format> kinds;
  for (const auto& f : files) {
    kinds.push_back(is_export_format(options.format) ? options.format : options.format == Format::automatic ? detect_export_format(f) : Format::automatic);
  }
  const auto n = static_cast<std::size_t>(std::count_if(kinds.begin(), kinds.end(), [](Format k) { return k != Format::automatic; }));
  if (n == 0) return false;
  if (n != files.size()) {
    throw UsageError("some inputs are tool exports (Label Studio, CVAT, VOC, YOLO, LabelMe, doccano, Prodigy) and some are not; "
                     "they are compared only with each other");
  }
  // Annotator names: OLD=NEW renames (any format), or one name per input in order; a Label Studio
  // export names its own annotators and takes a name only when it holds one.
  const auto renames = parse_annotator_renames(options.annotators);
  const std::vector<std::string>& positional = renames ? std::vector<std::string>{} : options.annotators;
  if (!positional.empty() && positional.size() != files.size()) {
    throw UsageError(fmt::format("{} annotator names were given for {} inputs", positional.size(), files.size()), "annotators");
  }
  // Files named after their annotator (every kind but Label Studio), in input order. An unpacked
  // CVAT job export is a folder holding annotations.xml: the folder names the annotator.
  std::vector<std::string> stems, stem_names, ls_files, ls_min_files;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (is_label_studio(kinds[i])) {
      (kinds[i] == Format::label_studio ? ls_files : ls_min_files).push_back(files[i]);
      continue;
    }
    const std::filesystem::path p(files[i]);
    stems.push_back(p.filename() == "annotations.xml" && p.has_parent_path() ? p.parent_path().string() : files[i]);
    if (!positional.empty()) stem_names.push_back(positional[i]);
  }
  const std::vector<std::string> names = stems.empty() ? std::vector<std::string>{} : annotator_names(stems, stem_names);
  auto append = [&](ExportData d) {
    const auto base = static_cast<std::uint32_t>(out.files.size());
    for (auto& l : d.labels) l.file += base;
    out.files.insert(out.files.end(), d.files.begin(), d.files.end());
    out.labels.insert(out.labels.end(), d.labels.begin(), d.labels.end());
    for (auto& del : d.deliveries) out.deliveries.push_back(std::move(del));
    out.spans.insert(out.spans.end(), d.spans.begin(), d.spans.end());
    for (auto& seg : d.segments) out.segments.push_back(std::move(seg));
    out.skipped.insert(out.skipped.end(), d.skipped.begin(), d.skipped.end());
    out.warnings.insert(out.warnings.end(), d.warnings.begin(), d.warnings.end());
    out.problems.insert(out.problems.end(), d.problems.begin(), d.problems.end());
  };
  if (!ls_files.empty()) append(read_label_studio(ls_files, options.label_studio));
  if (!ls_min_files.empty()) append(read_label_studio_min(ls_min_files, options.label_studio));
  for (std::size_t i = 0, k = 0; i < files.size(); ++i) {
    if (is_label_studio(kinds[i])) continue;
    const std::string& name = names[k++];
    switch (kinds[i]) {
      case Format::cvat: append(read_cvat({files[i]}, {name})); break;
      case Format::voc:
      case Format::yolo:
      case Format::labelme: append(read_folder_exports({files[i]}, {name}, folder_format(kinds[i]), options.folder)); break;
      case Format::rttm:
      case Format::srt:
      case Format::webvtt:
      case Format::textgrid: {
        ExportData d;
        d.segments = read_segment_input(files[i], name, segment_format(kinds[i]), d.skipped);
        d.files.push_back(files[i]);
        append(std::move(d));
        break;
      }
      default: append(read_span_jsonl({files[i]}, {name}, kinds[i] == Format::prodigy ? SpanFormat::prodigy : SpanFormat::doccano)); break;
    }
  }
  if (!positional.empty()) {
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (!is_label_studio(kinds[i])) continue;
      const auto held = annotators_of_file(out, files[i]);
      if (held.size() != 1) {
        throw UsageError(fmt::format("{} holds {} annotators ({}); name them with OLD=NEW pairs instead of one name per input", files[i], held.size(),
                                     fmt::join(held, ", ")),
                         "annotators");
      }
      rename_annotators(out, {{*held.begin(), positional[i]}}, files[i]);
    }
  }
  if (renames) rename_annotators(out, *renames, {});
  // Speaker turns: every segment input is RTTM (speakers are the RTTM's own labels).
  out.segment_speakers = !out.segments.empty() && std::all_of(kinds.begin(), kinds.end(), [](Format k) { return k == Format::rttm; });
  // One annotator per input file (a Label Studio export holds several): the same name from two
  // files would merge two people.
  std::map<std::string, std::string> owner;
  auto claim = [&](const std::string& annotator, const std::string& file) {
    auto [it, fresh] = owner.emplace(annotator, file);
    if (!fresh && it->second != file) {
      throw UsageError(fmt::format("annotator \"{}\" appears in both {} and {}; give the inputs distinct annotator names", annotator, it->second, file), "annotators");
    }
  };
  for (const auto& d : out.deliveries) claim(d.objects.name, d.objects.file);
  const std::set<std::string> label_studio_files(ls_files.begin(), ls_files.end());  // one annotator may span several
  for (const auto& r : out.spans) {
    if (!label_studio_files.count(r.file)) claim(r.annotator, r.file);
  }
  return true;
}

std::string LoadedDelivery::what() const {
  std::vector<std::string> parts;
  if (objects) parts.push_back("image regions");
  if (!spans.empty()) parts.push_back("text spans");
  if (ratings) parts.push_back("categorical labels");
  if (!segments.empty()) parts.push_back("time segments");
  return parts.empty() ? std::string("nothing to score") : fmt::format("{}", fmt::join(parts, ", "));
}

LoadedDelivery load_delivery(const std::vector<std::string>& files, const LoadOptions& options, Side side) {
  check_named_format(files, options.format);
  LoadedDelivery out;
  if (is_coco_input(files, options.format)) {
    out.objects = read_coco_files(files, side == Side::gold ? std::vector<std::string>{"gold"} : annotator_names(files, options.annotators), std::size_t{1} << 20,
                                  options.item_match);
    if (side == Side::gold) {
      for (auto& a : out.objects->annotators) a.role = Role::gold;
    }
    return out;
  }
  ExportData data;
  if (read_exports(files, options, data)) {
    if (data.has_objects() || (!data.deliveries.empty() && data.labels.empty() && data.spans.empty())) {
      out.objects = merge_deliveries(std::move(data.deliveries), options.item_match);
      out.objects->warnings.insert(out.objects->warnings.begin(), data.warnings.begin(), data.warnings.end());
    }
    if (!data.labels.empty()) {
      out.ratings = build_ratings(data.files, data.labels, options.table);
      out.ratings->warnings = data.warnings;
    }
    out.spans = std::move(data.spans);
    out.segment_speakers = data.segment_speakers;
    if (!data.segments.empty()) out.segment_files = data.files;
    out.segments = std::move(data.segments);
    out.skipped = std::move(data.skipped);
    out.warnings = std::move(data.warnings);
    if (out.empty()) throw InputError({}, nothing_read_message(files.size() == 1 ? files.front() : fmt::format("{}", fmt::join(files, ", ")), out.skipped));
    return out;
  }
  if (options.format != Format::automatic && !is_table_format(options.format)) {
    throw UsageError(fmt::format("the format {} is not a table format", format_name(options.format)), "format");
  }
  out.ratings = load_tables(files, options, side);
  return out;
}

RatingSet load_tables(const std::vector<std::string>& files, const LoadOptions& options, Side side) {
  for (const auto& f : files) {
    std::error_code ec;
    if (std::filesystem::is_directory(f, ec)) folder_given(f);
  }
  TableOptions table = options.table;
  if (options.format != Format::automatic) table.format = format_from_name(std::string(format_name(options.format)));
  if (side == Side::gold) table.fixed_annotator = "gold";
  RatingSet set = read_rating_tables(files, table);
  if (side == Side::delivery && !options.annotators.empty()) {
    const auto renames = parse_annotator_renames(options.annotators);
    if (!renames) throw UsageError("a rating table names its annotators in its annotator column: rename them with OLD=NEW pairs", "annotators");
    rename_annotators(set, *renames);
  }
  return set;
}

void rename_annotators(RatingSet& set, const std::map<std::string, std::string>& renames) {
  std::vector<std::string> names = set.annotators;
  for (const auto& [from, to] : renames) {
    const auto it = std::find(names.begin(), names.end(), from);
    if (it == names.end()) throw UsageError(fmt::format("no annotator \"{}\" to rename (the inputs hold {})", from, fmt::join(set.annotators, ", ")), "annotators");
    *it = to;
  }
  std::vector<std::int32_t> order(names.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::int32_t>(i);
  std::sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) { return names[static_cast<std::size_t>(a)] < names[static_cast<std::size_t>(b)]; });
  for (std::size_t k = 1; k < order.size(); ++k) {
    if (names[static_cast<std::size_t>(order[k])] == names[static_cast<std::size_t>(order[k - 1])]) {
      throw UsageError(fmt::format("two annotators would both be \"{}\"", names[static_cast<std::size_t>(order[k])]), "annotators");
    }
  }
  std::vector<std::int32_t> rank(names.size());
  for (std::size_t k = 0; k < order.size(); ++k) rank[static_cast<std::size_t>(order[k])] = static_cast<std::int32_t>(k);
  set.annotators.clear();
  for (auto i : order) set.annotators.push_back(names[static_cast<std::size_t>(i)]);
  // Ratings of an item stay sorted by annotator, their sources and times with them.
  for (std::size_t item = 0; item < set.item_count(); ++item) {
    const std::uint32_t b = set.item_offsets[item], e = set.item_offsets[item + 1];
    std::vector<std::uint32_t> idx(e - b);
    for (std::uint32_t k = 0; k < idx.size(); ++k) idx[k] = b + k;
    for (auto k : idx) set.ratings[k].annotator = rank[static_cast<std::size_t>(set.ratings[k].annotator)];
    std::sort(idx.begin(), idx.end(), [&](std::uint32_t x, std::uint32_t y) { return set.ratings[x].annotator < set.ratings[y].annotator; });
    auto permute = [&](auto& v) {
      if (v.empty()) return;
      std::vector<typename std::decay_t<decltype(v)>::value_type> tmp;
      for (auto k : idx) tmp.push_back(v[k]);
      std::copy(tmp.begin(), tmp.end(), v.begin() + b);
    };
    permute(set.ratings);
    permute(set.sources);
    permute(set.timestamps);
  }
}

LoadedDelivery load_gold(const std::string& path, const LoadOptions& delivery_options, Format gold_format) {
  LoadOptions options = delivery_options;
  options.format = gold_format;
  options.annotators.clear();
  return load_delivery({path}, options, Side::gold);
}

LoadedDelivery take_gold_annotator(LoadedDelivery& delivery, const std::string& name, const TableOptions& table) {
  LoadedDelivery gold;
  std::set<std::string> known;
  bool found = false;
  if (delivery.objects) {
    ObjectSet& set = *delivery.objects;
    ObjectSet g;
    g.images = set.images;
    g.categories = set.categories;
    g.items_matched_by = set.items_matched_by;
    for (auto it = set.annotators.begin(); it != set.annotators.end();) {
      known.insert(it->name);
      if (it->name != name) {
        ++it;
        continue;
      }
      g.annotators.push_back(std::move(*it));
      it = set.annotators.erase(it);
    }
    if (!g.annotators.empty()) {
      found = true;
      g.annotators.front().name = "gold";
      g.annotators.front().role = Role::gold;
      gold.objects = std::move(g);
    }
  }
  // Span and segment records: the annotator's move to the gold, renamed.
  auto take = [&](auto& from, auto& to) {
    for (auto it = from.begin(); it != from.end();) {
      known.insert(it->annotator);
      if (it->annotator != name) {
        ++it;
        continue;
      }
      found = true;
      it->annotator = "gold";
      to.push_back(std::move(*it));
      it = from.erase(it);
    }
  };
  take(delivery.spans, gold.spans);
  for (auto& r : gold.spans) r.role = Role::gold;
  take(delivery.segments, gold.segments);
  if (!gold.segments.empty()) {
    gold.segment_speakers = delivery.segment_speakers;
    gold.segment_files = delivery.segment_files;
  }
  if (delivery.ratings) {
    const RatingSet& set = *delivery.ratings;
    known.insert(set.annotators.begin(), set.annotators.end());
    std::vector<LabelRecord> kept, taken;
    for (std::size_t i = 0; i < set.item_count(); ++i) {
      for (std::uint32_t k = set.item_offsets[i]; k < set.item_offsets[i + 1]; ++k) {
        const auto& who = set.annotators[static_cast<std::size_t>(set.ratings[k].annotator)];
        LabelRecord rec{set.items[i], who, set.categories[static_cast<std::size_t>(set.ratings[k].category)], 0, 0};
        if (!set.sources.empty()) {
          rec.file = set.sources[k].file;
          rec.line = set.sources[k].line;
        }
        if (who == name) {
          rec.annotator = "gold";
          taken.push_back(std::move(rec));
        } else {
          kept.push_back(std::move(rec));
        }
      }
    }
    if (!taken.empty()) {
      found = true;
      TableOptions t = table;
      if (!set.category_scores.empty() && t.order.empty() && set.level == Level::ordinal) t.order = set.categories;
      RatingSet g = build_ratings(set.files, taken, t);
      RatingSet d = build_ratings(set.files, kept, t);
      d.skipped = set.skipped;
      d.warnings = set.warnings;
      gold.ratings = std::move(g);
      delivery.ratings = std::move(d);
    }
  }
  if (!found) {
    throw InputError({}, fmt::format("no annotator \"{}\" in the delivery to take as the gold (it holds {})", name, fmt::join(known, ", ")));
  }
  return gold;
}

void require_one_annotator(const std::vector<std::string>& names, const std::string& file) {
  if (names.size() > 1) {
    throw InputError({.file = file}, fmt::format("the gold holds the labels of {} annotators ({}); a gold file must hold one set of labels", names.size(),
                                                 fmt::join(names, ", ")));
  }
}

int merge_gold_objects(ObjectSet delivery, ObjectSet gold, const std::string& gold_file, ObjectSet& set, ItemMatch match) {
  std::vector<std::string> names;
  for (const auto& an : gold.annotators) names.push_back(an.name);
  require_one_annotator(names, gold_file);
  for (auto& an : delivery.annotators) an.role = Role::annotator;
  if (!gold.annotators.empty()) {
    gold.annotators.front().name = "gold";
    gold.annotators.front().role = Role::gold;
  }
  std::vector<ObjectSet> sets;
  sets.push_back(std::move(delivery));
  sets.push_back(std::move(gold));
  set = merge_object_sets(std::move(sets), match);
  const auto it = std::find_if(set.annotators.begin(), set.annotators.end(), [](const AnnotatorObjects& an) { return an.role == Role::gold; });
  if (it == set.annotators.end()) throw InputError({.file = gold_file}, "the gold holds no images");
  return static_cast<int>(it - set.annotators.begin());
}

int merge_gold_spans(std::vector<SpanRecord> delivery, std::vector<SpanRecord> gold, const std::string& gold_file,
                     const std::vector<SkippedInput>& skipped, SpanSet& set) {
  std::set<std::string> gold_annotators;
  for (const auto& r : gold) gold_annotators.insert(r.annotator);
  require_one_annotator({gold_annotators.begin(), gold_annotators.end()}, gold_file);
  std::vector<SpanRecord> records = std::move(delivery);
  for (auto& r : gold) {
    r.annotator = "gold";
    r.role = Role::gold;
    records.push_back(std::move(r));
  }
  set = build_spans(records, skipped);
  return set.gold;
}

std::vector<SkippedInput> segments_aside(const LoadedDelivery& side, const std::string& reason) {
  std::map<std::string, std::size_t> per_file;
  for (const auto& rec : side.segments) per_file[rec.file] += rec.segments.size();
  std::vector<SkippedInput> out;
  for (const auto& [file, n] : per_file) {
    if (n) out.push_back({file, reason, n});
  }
  return out;
}

namespace {

// The gold takes the name "gold": a delivered annotator of that name would merge with it.
void refuse_gold_name(const std::vector<std::string>& annotators, const std::string& file) {
  if (std::find(annotators.begin(), annotators.end(), "gold") != annotators.end()) {
    throw InputError({.file = file}, "an annotator of the delivery is named \"gold\", the name the gold takes; rename it").with_setting("annotators");
  }
}

}  // namespace

int merge_gold_segments(LoadedDelivery& delivery, LoadedDelivery& gold, const std::string& gold_file, SegmentSet& set) {
  std::set<std::string> gold_annotators;
  for (const auto& r : gold.segments) gold_annotators.insert(r.annotator);
  require_one_annotator({gold_annotators.begin(), gold_annotators.end()}, gold_file);
  std::vector<SegmentRecord> records = std::move(delivery.segments);
  for (const auto& r : records) refuse_gold_name({r.annotator}, r.file);
  for (auto& r : gold.segments) {
    r.annotator = "gold";
    records.push_back(std::move(r));
  }
  std::vector<std::string> files = delivery.segment_files;
  for (const auto& f : gold.segment_files) {
    if (std::find(files.begin(), files.end(), f) == files.end()) files.push_back(f);
  }
  set = build_segments(records, delivery.segment_speakers && gold.segment_speakers, std::move(files));
  const auto it = std::find(set.annotators.begin(), set.annotators.end(), "gold");
  if (it == set.annotators.end()) throw InputError({.file = gold_file}, "the gold holds no recordings");
  return static_cast<int>(it - set.annotators.begin());
}

TranscriptSet load_transcripts(const std::vector<std::string>& files, const LoadOptions& options, const std::string& text_col, Side side,
                               Format gold_format) {
  TableOptions table = options.table;
  if (side == Side::gold) table.fixed_annotator = "gold";
  if (detect_export_format(files.front()) == Format::automatic && is_transcript_table(files.front(), table, text_col)) {
    return read_transcript_tables(files, table, text_col);
  }
  LoadedDelivery d = side == Side::gold ? load_gold(files.front(), options, gold_format) : load_delivery(files, options);
  if (d.segments.empty()) {
    throw InputError({.file = files.front()}, fmt::format("comparing transcripts: it holds {}, not transcript tables or transcribed segments", d.what()));
  }
  TranscriptSet set = transcripts_of_segments(d.segments, d.segment_files);
  set.skipped = std::move(d.skipped);
  set.warnings = std::move(d.warnings);
  return set;
}

int merge_gold_transcripts(TranscriptSet delivery, TranscriptSet gold, const std::string& gold_file, TranscriptSet& set) {
  require_one_annotator(gold.annotators, gold_file);
  if (gold.transcripts.empty()) throw InputError({.file = gold_file}, "the gold holds no transcripts");
  refuse_gold_name(delivery.annotators, delivery.files.empty() ? std::string() : delivery.files.front());
  set = TranscriptSet{};
  set.files = delivery.files;
  const auto gold_file_base = static_cast<std::uint32_t>(set.files.size());
  set.files.insert(set.files.end(), gold.files.begin(), gold.files.end());
  std::set<std::string> items(delivery.items.begin(), delivery.items.end());
  items.insert(gold.items.begin(), gold.items.end());
  set.items.assign(items.begin(), items.end());
  set.annotators = delivery.annotators;
  set.annotators.insert(std::lower_bound(set.annotators.begin(), set.annotators.end(), std::string("gold")), "gold");
  auto item_index = [&](const std::string& name) { return static_cast<std::uint32_t>(std::lower_bound(set.items.begin(), set.items.end(), name) - set.items.begin()); };
  auto annotator_index = [&](const std::string& name) {
    return static_cast<std::int32_t>(std::lower_bound(set.annotators.begin(), set.annotators.end(), name) - set.annotators.begin());
  };
  for (auto& t : delivery.transcripts) {
    const std::string& who = delivery.annotators[static_cast<std::size_t>(t.annotator)];
    t.item = item_index(delivery.items[t.item]);
    t.annotator = annotator_index(who);
    set.transcripts.push_back(std::move(t));
  }
  for (auto& t : gold.transcripts) {
    t.item = item_index(gold.items[t.item]);
    t.annotator = annotator_index("gold");
    t.source.file += gold_file_base;
    set.transcripts.push_back(std::move(t));
  }
  std::stable_sort(set.transcripts.begin(), set.transcripts.end(), [](const Transcript& x, const Transcript& y) {
    return std::tie(x.item, x.annotator) < std::tie(y.item, y.annotator);
  });
  set.skipped = std::move(delivery.skipped);
  set.skipped.insert(set.skipped.end(), gold.skipped.begin(), gold.skipped.end());
  set.warnings = std::move(delivery.warnings);
  set.warnings.insert(set.warnings.end(), gold.warnings.begin(), gold.warnings.end());
  return annotator_index("gold");
}

int load_mask_comparison(const std::vector<std::string>& dirs, const std::vector<std::string>& names, std::uint32_t ignore,
                         const std::string& gold_dir, MaskComparison& out) {
  if (gold_dir.empty()) {
    out = read_mask_comparison(dirs, names, ignore);
    return -1;
  }
  std::vector<std::string> all_dirs = dirs, all_names = names;
  all_dirs.push_back(gold_dir);
  all_names.push_back("gold");
  out = read_mask_comparison(all_dirs, all_names, ignore, static_cast<int>(all_dirs.size() - 1));
  return 0;  // the reference sorts first
}

}  // namespace labelqa::io
