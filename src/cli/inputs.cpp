// Reading the inputs of a command (see inputs.hpp).
#include "inputs.hpp"

#include "labelqa/error.hpp"
#include "labelqa/io/coco_reader.hpp"
#include "labelqa/io/cvat_reader.hpp"
#include "labelqa/io/span_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <set>

namespace labelqa::cli {

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

std::pair<std::string, double> parse_min_spec(const std::string& spec) {
  const auto eq = spec.find('=');
  if (eq == std::string::npos || eq == 0) throw UsageError(fmt::format("--min expects METRIC=VALUE, got \"{}\"", spec));
  std::string metric = spec.substr(0, eq);
  const std::string value = spec.substr(eq + 1);
  double threshold = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), threshold);
  if (ec != std::errc() || ptr != value.data() + value.size() || !std::isfinite(threshold)) {
    throw UsageError(fmt::format("--min {}: expected a number after '=', got \"{}\"", metric, value));
  }
  return {std::move(metric), threshold};
}

bool has_extension(const std::string& f, std::string_view ext) {
  return f.size() >= ext.size() && f.compare(f.size() - ext.size(), ext.size(), ext) == 0;
}

bool is_coco_input(const std::vector<std::string>& files, const std::string& format) {
  if (format == "coco") return true;
  if (!format.empty()) return false;
  const auto n = static_cast<std::size_t>(std::count_if(files.begin(), files.end(), [](const std::string& f) {
    return has_extension(f, ".json") && io::looks_like_coco(f);
  }));
  if (n != 0 && n != files.size()) throw UsageError("some inputs are COCO JSON and some are not; they are compared only with inputs of one kind");
  return n != 0;
}

std::string export_kind(const std::string& f) {
  if (has_extension(f, ".json") && io::looks_like_label_studio(f)) return "label-studio";
  if ((has_extension(f, ".json") || has_extension(f, ".csv") || has_extension(f, ".tsv")) && io::looks_like_label_studio_min(f)) {
    return "label-studio-min";
  }
  if (io::looks_like_cvat(f)) return "cvat";
  if (io::FolderFormat folder{}; io::looks_like_folder_export(f, folder)) {
    return folder == io::FolderFormat::voc ? "voc" : folder == io::FolderFormat::yolo ? "yolo" : "labelme";
  }
  io::SpanFormat span_format{};
  if ((has_extension(f, ".jsonl") || has_extension(f, ".json")) && io::looks_like_span_jsonl(f, span_format)) {
    return span_format == io::SpanFormat::prodigy ? "prodigy" : "doccano";
  }
  return {};
}

bool read_exports(const InputArgs& a, io::ExportData& out) {
  static const std::set<std::string> exports = {"label-studio", "label-studio-min", "cvat", "doccano", "prodigy", "voc", "yolo", "labelme"};
  std::vector<std::string> kinds;
  for (const auto& f : a.files) kinds.push_back(exports.count(a.format) ? a.format : a.format.empty() ? export_kind(f) : "");
  const auto n = static_cast<std::size_t>(std::count_if(kinds.begin(), kinds.end(), [](const std::string& k) { return !k.empty(); }));
  if (n == 0) return false;
  if (n != a.files.size()) {
    throw UsageError("some inputs are tool exports (Label Studio, CVAT, VOC, YOLO, LabelMe, doccano, Prodigy) and some are not; "
                     "they are compared only with each other");
  }
  const bool label_studio = std::count(kinds.begin(), kinds.end(), "label-studio") + std::count(kinds.begin(), kinds.end(), "label-studio-min") > 0;
  if (label_studio && !a.annotators.empty()) {
    throw UsageError("--annotators names input files; a Label Studio export names its annotators (see --annotator-field)");
  }
  // Files named after their annotator (every kind but Label Studio), in input order. An unpacked
  // CVAT job export is a folder holding annotations.xml: the folder names the annotator.
  std::vector<std::string> stems, ls_files, ls_min_files;
  for (std::size_t i = 0; i < a.files.size(); ++i) {
    if (kinds[i] == "label-studio" || kinds[i] == "label-studio-min") {
      (kinds[i] == "label-studio" ? ls_files : ls_min_files).push_back(a.files[i]);
      continue;
    }
    const std::filesystem::path p(a.files[i]);
    stems.push_back(p.filename() == "annotations.xml" && p.has_parent_path() ? p.parent_path().string() : a.files[i]);
  }
  const std::vector<std::string> names = stems.empty() ? std::vector<std::string>{} : io::annotator_names(stems, split_commas(a.annotators));
  auto append = [&](io::ExportData d) {
    const auto base = static_cast<std::uint32_t>(out.files.size());
    for (auto& l : d.labels) l.file += base;
    out.files.insert(out.files.end(), d.files.begin(), d.files.end());
    out.labels.insert(out.labels.end(), d.labels.begin(), d.labels.end());
    for (auto& del : d.deliveries) out.deliveries.push_back(std::move(del));
    out.spans.insert(out.spans.end(), d.spans.begin(), d.spans.end());
    out.skipped.insert(out.skipped.end(), d.skipped.begin(), d.skipped.end());
  };
  if (!ls_files.empty()) append(io::read_label_studio(ls_files, a.label_studio));
  if (!ls_min_files.empty()) append(io::read_label_studio_min(ls_min_files, a.label_studio));
  for (std::size_t i = 0, k = 0; i < a.files.size(); ++i) {
    if (kinds[i] == "label-studio" || kinds[i] == "label-studio-min") continue;
    const std::string& name = names[k++];
    if (kinds[i] == "cvat") {
      append(io::read_cvat({a.files[i]}, {name}));
    } else if (kinds[i] == "voc" || kinds[i] == "yolo" || kinds[i] == "labelme") {
      const auto format = kinds[i] == "voc" ? io::FolderFormat::voc : kinds[i] == "yolo" ? io::FolderFormat::yolo : io::FolderFormat::labelme;
      append(io::read_folder_exports({a.files[i]}, {name}, format, a.folder));
    } else {
      append(io::read_span_jsonl({a.files[i]}, {name}, kinds[i] == "prodigy" ? io::SpanFormat::prodigy : io::SpanFormat::doccano));
    }
  }
  // One annotator per input file (a Label Studio export holds several): the same name from two
  // files would merge two people.
  std::map<std::string, std::string> owner;
  auto claim = [&](const std::string& annotator, const std::string& file) {
    auto [it, fresh] = owner.emplace(annotator, file);
    if (!fresh && it->second != file) {
      throw UsageError(fmt::format("annotator \"{}\" appears in both {} and {}; name the inputs apart with --annotators", annotator, it->second, file));
    }
  };
  for (const auto& d : out.deliveries) claim(d.objects.name, d.objects.file);
  const std::set<std::string> label_studio_files(ls_files.begin(), ls_files.end());  // one annotator may span several
  for (const auto& r : out.spans) {
    if (!label_studio_files.count(r.file)) claim(r.annotator, r.file);
  }
  return true;
}

void add_table_flags(CLI::App& cmd, InputArgs& in) {
  cmd.add_option("--item-col", in.table.item_col, "Column holding the item id")->default_str("item");
  cmd.add_option("--annotator-col", in.table.annotator_col, "Column holding the annotator")->default_str("annotator");
  cmd.add_option("--label-col", in.table.label_col, "Column holding the label")->default_str("label");
}

void add_export_flags(CLI::App& cmd, InputArgs& in) {
  cmd.add_option("--annotator-field", in.label_studio.annotator_field,
                 "Label Studio: the key of a completed_by object that names the annotator")
      ->check(CLI::IsMember({"id", "email"}))
      ->default_str("id");
  cmd.add_flag("--include-predictions", in.label_studio.include_predictions,
               "Label Studio: each prediction's model_version is compared as an annotator");
  cmd.add_option("--control", in.label_studio.control, "Label Studio: compare the classification results of this from_name only");
  cmd.add_option("--brush-threshold", in.label_studio.brush_threshold,
                 "Label Studio: brush pixels with alpha at or above this are inside the mask")
      ->check(CLI::Range(1, 255))
      ->default_str("128");
  cmd.add_option("--yolo-classes", in.folder.yolo_classes, "YOLO: the class names file (default: classes.txt, obj.names or data.yaml in the folder)")
      ->type_name("FILE");
  cmd.add_option("--image-sizes", in.folder.image_sizes, "YOLO: image sizes as CSV image,width,height (default: read from the images)")
      ->type_name("FILE");
}

Loaded load_inputs(const InputArgs& in, bool gold) {
  Loaded out;
  if (is_coco_input(in.files, in.format)) {
    out.objects = io::read_coco_files(in.files, gold ? std::vector<std::string>{k_gold_name} : io::annotator_names(in.files, split_commas(in.annotators)));
    return out;
  }
  io::ExportData data;
  if (read_exports(in, data)) {
    if (data.has_objects() || (!data.deliveries.empty() && data.labels.empty() && data.spans.empty())) {
      out.objects = io::merge_deliveries(std::move(data.deliveries));
    }
    if (!data.labels.empty()) out.ratings = io::build_ratings(data.files, data.labels, in.table);
    out.spans = std::move(data.spans);
    out.skipped = std::move(data.skipped);
    return out;
  }
  if (!in.format.empty() && in.format != "csv" && in.format != "tsv" && in.format != "jsonl") {
    throw UsageError(fmt::format("--format {} is not a table format", in.format));
  }
  io::TableOptions table = in.table;
  if (!in.format.empty()) table.format = io::format_from_name(in.format);
  if (gold) table.fixed_annotator = "gold";
  out.ratings = io::read_rating_tables(in.files, table);
  return out;
}

Loaded load_gold(const InputArgs& delivery, const std::string& path, const std::string& format) {
  InputArgs in = delivery;
  in.files = {path};
  in.format = format;
  in.annotators.clear();
  return load_inputs(in, true);
}

void require_one_annotator(const std::vector<std::string>& names, const std::string& file) {
  if (names.size() > 1) {
    throw InputError({.file = file}, fmt::format("the gold holds the labels of {} annotators ({}); a gold file must hold one set of labels", names.size(),
                                                 fmt::join(names, ", ")));
  }
}

int merge_gold_objects(ObjectSet delivery, ObjectSet gold, const std::string& gold_file, ObjectSet& set) {
  std::vector<std::string> names;
  for (const auto& an : gold.annotators) names.push_back(an.name);
  require_one_annotator(names, gold_file);
  if (!gold.annotators.empty()) gold.annotators.front().name = k_gold_name;
  std::vector<ObjectSet> sets;
  sets.push_back(std::move(delivery));
  sets.push_back(std::move(gold));
  set = io::merge_object_sets(std::move(sets));
  const auto it = std::find_if(set.annotators.begin(), set.annotators.end(), [](const AnnotatorObjects& an) { return an.name == k_gold_name; });
  if (it == set.annotators.end()) throw InputError({.file = gold_file}, "the gold holds no images");
  return static_cast<int>(it - set.annotators.begin());
}

}  // namespace labelqa::cli
