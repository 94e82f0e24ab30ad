// Label Studio JSON exports (a list of tasks, each with "annotations"; "completions" in 0.x files)
// into the core models: classification results (choices, rating, taxonomy) as ratings, image
// regions (rectangles, polygons, brush masks) as objects in pixels. See docs/formats.md.
#pragma once

#include "labelqa/io/mapped_file.hpp"
#include "labelqa/io/export_data.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace labelqa::io {

struct LabelStudioOptions {
  std::string annotator_field = "id";  // which key of a completed_by object names the annotator: id or email
  bool include_predictions = false;    // each prediction's model_version becomes an annotator
  std::string control;                 // read categorical results of this from_name only (empty: all)
  int brush_threshold = 128;           // brush alpha at or above this is inside the mask
  // Video timelinelabels give frame ranges: frames per second turns them into seconds (frame f
  // covers [(f - 1) / fps, f / fps)); 0: times are frame numbers, with a warning.
  double frame_rate = 0;
};

// labels: item = task id (task id/control when several controls); spans: document = task id.
struct LabelStudioData : ExportData {
  std::size_t tasks = 0;
  std::size_t annotations = 0;
};

// Whether a .json file looks like a Label Studio export (a list of tasks with "data", not a COCO
// results list), judged from its first bytes.
bool looks_like_label_studio(const std::string& path);

// Throws InputError naming the file, task and field on malformed input.
LabelStudioData read_label_studio(const std::vector<std::string>& paths, const LabelStudioOptions& options);
// The same for inputs that may be in memory.
LabelStudioData read_label_studio_inputs(const std::vector<Input>& inputs, const LabelStudioOptions& options);

// The labels a Label Studio labeling config (the project's XML) declares: every value of a
// <Label> or <Choice> tag. InputError for a file that is not such a config.
std::set<std::string> read_label_config(const std::string& path);

// Whether a file is one of Label Studio's flat exports of a classification project: JSON-MIN (a
// list of objects with "annotator" and "annotation_id") or CSV/TSV with those columns.
bool looks_like_label_studio_min(const std::string& path);

// JSON-MIN or CSV/TSV exports: one rating per row, item = task "id", annotator = "annotator"
// (e-mail), label = the control column (options.control, or the only column that is neither
// Label Studio metadata nor a usual data field). Throws InputError.
LabelStudioData read_label_studio_min(const std::vector<std::string>& paths, const LabelStudioOptions& options);

// Label Studio's brush RLE (thi.ng rle-pack of an RGBA image, row-major) decoded to the alpha
// channel; empty when the data is malformed or (with expected_pixels) decodes to another size, which
// is checked before anything is allocated.
std::vector<std::uint8_t> decode_brush_rle(const std::vector<std::uint8_t>& bytes, std::size_t expected_pixels = 0);

}  // namespace labelqa::io
