// Reading the inputs of a command (see inputs.hpp).
#include "inputs.hpp"

#include "labelqa/error.hpp"
#include "labelqa/io/mapped_file.hpp"

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

io::Format parse_format_flag(const std::string& name) {
  if (name.empty()) return io::Format::automatic;
  const auto f = io::parse_format(name);
  if (!f) throw UsageError(fmt::format("unknown format \"{}\"", name));
  return *f;
}

std::vector<std::string> format_names() {
  std::vector<std::string> out;
  for (const io::Format f : io::named_formats()) out.emplace_back(io::format_name(f));
  return out;
}

std::vector<std::string> input_paths(const InputArgs& in, std::vector<std::string> more) {
  more.insert(more.end(), in.files.begin(), in.files.end());
  more.push_back(in.folder.yolo_classes);
  more.push_back(in.folder.image_sizes);
  return more;
}

io::LoadOptions load_options(const InputArgs& in) {
  io::LoadOptions o;
  o.format = parse_format_flag(in.format);
  o.annotators = split_commas(in.annotators);
  o.table = in.table;
  o.label_studio = in.label_studio;
  o.folder = in.folder;
  o.item_match = *io::parse_item_match(in.item_match);
  return o;
}

void add_table_flags(CLI::App& cmd, InputArgs& in) {
  cmd.add_option("--item-col", in.table.item_col, "Column holding the item id")->default_str("item");
  cmd.add_option("--annotator-col", in.table.annotator_col, "Column holding the annotator")->default_str("annotator");
  cmd.add_option("--label-col", in.table.label_col, "Column holding the label")->default_str("label");
}

void add_iou_type_flag(CLI::App& cmd, std::string& iou_type) {
  cmd.add_option("--iou-type", iou_type,
                 "Objects: the geometry IoU compares: auto (boxes for two boxes, pixels when either is a polygon or mask, as pycocotools' "
                 "bbox and segm), box (every object by its bounding box) or mask (every object by its pixels)")
      ->check(CLI::IsMember({"auto", "box", "mask"}))
      ->default_str("auto");
}

void add_keypoint_flags(CLI::App& cmd, commands::KeypointRequest& k) {
  cmd.add_option("--oks-threshold", k.oks_threshold, "Keypoints: minimum OKS of a matched pair (the PCK share for classes without sigmas)")
      ->check(CLI::Range(0.0, 1.0))
      ->default_str("0.5");
  cmd.add_option("--pck", k.pck, "Keypoints: PCK counts a keypoint within this fraction of the reference box's diagonal")
      ->check(CLI::Range(0.0, 10.0))
      ->default_str("0.2");
  cmd.add_option("--sigmas", k.sigmas_path,
                 "Keypoints: OKS sigmas per class (JSON: {\"class\": [sigma, ...]} or {\"class\": {\"keypoint\": sigma}}); "
                 "COCO's person sigmas are used for classes of 17 keypoints")
      ->type_name("FILE");
}

void add_attribute_flags(CLI::App& cmd, commands::AttributeRequest& a) {
  cmd.add_option("--attributes", a.only, "Objects: compare only these attributes of matched objects (default: all)")
      ->delimiter(',')
      ->type_name("A,B,...");
  cmd.add_option("--ignore-attributes", a.ignored, "Objects: leave these attributes of matched objects out")->delimiter(',')->type_name("A,B,...");
}

void add_line_flags(CLI::App& cmd, commands::LineRequest& l, bool direction) {
  cmd.add_option("--line-thickness", l.thickness, "Polylines: CVAT's line thickness, a share of the image size, in their similarity")
      ->check(CLI::Range(0.0001, 1.0))
      ->default_str("0.01");
  if (direction) cmd.add_flag("--compare-direction", l.compare_direction, "Polylines: count matched lines drawn the other way (gold: mismatching_direction)");
}

metrics::IouType iou_type_of(const std::string& name) { return metrics::parse_iou_type(name).value_or(metrics::IouType::automatic); }

commands::Compare compare_of(const std::string& name) {
  using commands::Compare;
  return name == "objects" ? Compare::objects : name == "spans" ? Compare::spans : name == "labels" ? Compare::labels
         : name == "segments" ? Compare::segments : name == "transcripts" ? Compare::transcripts : Compare::automatic;
}

void add_export_flags(CLI::App& cmd, InputArgs& in) {
  cmd.add_option("--match-items-by", in.item_match,
                 "How images of different inputs are taken to be one item: id (what identifies it in its export: CVAT subset/task "
                 "and path, Label Studio task, folder path), path, name (the file name alone), or auto (id when every input is of "
                 "one format and they share ids, name otherwise)")
      ->check(CLI::IsMember({"auto", "id", "path", "name"}))
      ->default_str("auto");
  cmd.add_option("--annotator-field", in.label_studio.annotator_field,
                 "Label Studio: the key of a completed_by object that names the annotator (id, email, ...)")
      ->default_str("id");
  cmd.add_flag("--include-predictions", in.label_studio.include_predictions,
               "Label Studio: each prediction's model_version is compared as an annotator");
  cmd.add_option("--control", in.label_studio.control, "Label Studio: compare the classification results of this from_name only");
  cmd.add_option("--frame-rate", in.label_studio.frame_rate,
                 "Label Studio video timelinelabels: frames per second, to turn frame ranges into seconds (without it, times are frame numbers)")
      ->check(CLI::Range(0.001, 100000.0));
  cmd.add_option("--brush-threshold", in.label_studio.brush_threshold,
                 "Label Studio: brush pixels with alpha at or above this are inside the mask")
      ->check(CLI::Range(1, 255))
      ->default_str("128");
  cmd.add_option_function<std::string>(
         "--max-uncompressed",
         [](const std::string& v) {
           // A byte count with an optional K, M, G or T (powers of 1024).
           std::uint64_t n = 0;
           const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
           const std::string_view unit(end, static_cast<std::size_t>(v.data() + v.size() - end));
           static const std::map<std::string_view, int> shifts = {{"", 0}, {"K", 10}, {"M", 20}, {"G", 30}, {"T", 40}};
           const auto it = shifts.find(unit);
           if (ec != std::errc() || it == shifts.end() || n == 0 || (it->second && n > (UINT64_MAX >> it->second))) {
             throw CLI::ValidationError("--max-uncompressed", fmt::format("expected a size such as 512M or 16G, got \"{}\"", v));
           }
           io::set_max_uncompressed(n << it->second);
         },
         "The most a compressed input (.gz file, zip member) may expand to, besides 1000x its own size (default 8G)")
      ->type_name("SIZE");
  cmd.add_flag("--follow-symlinks", in.folder.follow_symlinks,
               "Read files of a delivery folder whose symbolic links lead outside it (default: refused, nothing read from them)");
  cmd.add_option("--yolo-classes", in.folder.yolo_classes, "YOLO: the class names file (default: classes.txt, obj.names or data.yaml in the folder)")
      ->type_name("FILE");
  cmd.add_option("--image-sizes", in.folder.image_sizes, "YOLO: image sizes as CSV image,width,height (default: read from the images)")
      ->type_name("FILE");
}

}  // namespace labelqa::cli
