// Reading the inputs of a command: rating tables, COCO files, mask folders and tool exports, with
// the flags that steer the readers (shared by `agree` and `gold`).
#pragma once

#include "common.hpp"
#include "labelqa/io/export_data.hpp"
#include "labelqa/io/folder_exports.hpp"
#include "labelqa/io/label_studio_reader.hpp"
#include "labelqa/io/table_reader.hpp"
#include "labelqa/model/objects.hpp"
#include "labelqa/model/ratings.hpp"
#include "labelqa/model/spans.hpp"
#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace labelqa::cli {

struct InputArgs {
  std::vector<std::string> files;
  std::string format;      // "" = judged from each file
  std::string annotators;  // A,B,... for the inputs, in order
  io::TableOptions table;
  io::LabelStudioOptions label_studio;
  io::FolderOptions folder;
};

std::vector<std::string> split_commas(const std::string& s);

// A --min METRIC=VALUE spec: the metric and a finite number (UsageError otherwise).
std::pair<std::string, double> parse_min_spec(const std::string& spec);
bool has_extension(const std::string& f, std::string_view ext);

// Whether the inputs are COCO JSON files (`format` "coco" forces it). A mix of COCO and other
// inputs is bad usage.
bool is_coco_input(const std::vector<std::string>& files, const std::string& format);

// The export format of one input, judged from its content ("" when it is none of them).
std::string export_kind(const std::string& file);

// Reads inputs that are tool exports, each with its own reader (so a CVAT export and a Label
// Studio export of the same images compare); false when the inputs are not all exports.
bool read_exports(const InputArgs& in, io::ExportData& out);

// What one side (delivery or gold) holds, read by whichever reader fits.
struct Loaded {
  std::optional<RatingSet> ratings;
  std::optional<ObjectSet> objects;
  std::vector<SpanRecord> spans;
  std::vector<SkippedInput> skipped;
  std::string what() const {
    std::vector<std::string> parts;
    if (objects) parts.push_back("image regions");
    if (!spans.empty()) parts.push_back("text spans");
    if (ratings) parts.push_back("categorical labels");
    return parts.empty() ? std::string("nothing to score") : fmt::format("{}", fmt::join(parts, ", "));
  }
};

// The gold's annotator name inside the merged models: no reader produces it, and it sorts first.
inline const std::string k_gold_name = "\x01gold";

// Reads one side of a comparison (the delivery, or with `gold` the gold file, whose single
// annotator is named k_gold_name) with whichever reader fits.
Loaded load_inputs(const InputArgs& in, bool gold);
// Reads the gold file with the delivery's reader flags.
Loaded load_gold(const InputArgs& delivery, const std::string& path, const std::string& format);

// A gold file holds one set of labels: InputError naming the file otherwise.
void require_one_annotator(const std::vector<std::string>& names, const std::string& file);

// The delivery's and the gold's objects in one set, the gold (one annotator) named k_gold_name;
// returns the gold's index in set.annotators.
int merge_gold_objects(ObjectSet delivery, ObjectSet gold, const std::string& gold_file, ObjectSet& set);

// The flags of the tool-export readers (Label Studio, YOLO).
void add_export_flags(CLI::App& cmd, InputArgs& in);
// The column flags of rating tables.
void add_table_flags(CLI::App& cmd, InputArgs& in);

}  // namespace labelqa::cli
