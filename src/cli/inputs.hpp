// Reading the inputs of a command: rating tables, COCO files, mask folders and tool exports, with
// the flags that steer the readers (shared by `agree` and `gold`).
#pragma once

#include "common.hpp"
#include "labelqa/commands/common.hpp"
#include "labelqa/io/load.hpp"
#include "labelqa/metrics/codes.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace labelqa::cli {

struct InputArgs {
  std::vector<std::string> files;
  std::string format;      // "" = judged from each file
  std::string annotators;  // A,B,... for the inputs, in order
  std::string item_match = "auto";
  io::TableOptions table;
  io::LabelStudioOptions label_studio;
  io::FolderOptions folder;
};

std::vector<std::string> split_commas(const std::string& s);

// A --min METRIC=VALUE spec: the metric and a finite number (UsageError otherwise).
std::pair<std::string, double> parse_min_spec(const std::string& spec);
bool has_extension(const std::string& f, std::string_view ext);

// Every file the reader flags name: the inputs, the YOLO class list and image sizes, and `more`.
std::vector<std::string> input_paths(const InputArgs& in, std::vector<std::string> more = {});

// The loader's options from the flags (UsageError for an unknown format name).
io::LoadOptions load_options(const InputArgs& in);
io::Format parse_format_flag(const std::string& name);
// The names --format and --gold-format accept: every format the loader names.
std::vector<std::string> format_names();

// The flags of the tool-export readers (Label Studio, YOLO).
void add_export_flags(CLI::App& cmd, InputArgs& in);
// --iou-type: the geometry object IoU compares (agree, gold, report).
void add_iou_type_flag(CLI::App& cmd, std::string& iou_type);
void add_keypoint_flags(CLI::App& cmd, commands::KeypointRequest& k);
void add_attribute_flags(CLI::App& cmd, commands::AttributeRequest& a);
// --line-thickness, and --compare-direction where `direction` (agree, gold).
void add_line_flags(CLI::App& cmd, commands::LineRequest& l, bool direction = true);
metrics::IouType iou_type_of(const std::string& name);
// --compare's value (objects, spans, labels, segments, transcripts; anything else: automatic).
commands::Compare compare_of(const std::string& name);

// The column flags of rating tables.
void add_table_flags(CLI::App& cmd, InputArgs& in);

}  // namespace labelqa::cli
