// Loading a delivery: the one entry point every command (and every other front end) reads its
// inputs through. It names the formats, detects them from the content, dispatches to the readers
// and merges a gold file into the delivery with the gold as an explicit role.
#pragma once

#include "labelqa/io/export_data.hpp"
#include "labelqa/io/folder_exports.hpp"
#include "labelqa/io/label_studio_reader.hpp"
#include "labelqa/io/table_reader.hpp"
#include "labelqa/model/masks.hpp"
#include "labelqa/model/objects.hpp"
#include "labelqa/model/ratings.hpp"
#include "labelqa/model/segments.hpp"
#include "labelqa/model/transcripts.hpp"
#include "labelqa/model/spans.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace labelqa::io {

// Every input format labelqa reads. `automatic` asks detect_format for each file.
enum class Format : std::uint8_t {
  automatic,
  csv,
  tsv,
  jsonl,
  coco,
  label_studio,
  label_studio_min,
  cvat,
  voc,
  yolo,
  labelme,
  doccano,
  prodigy,
  rttm,
  srt,
  webvtt,
  textgrid,
};

// The formats a user names (every one but automatic), in a fixed order.
std::span<const Format> named_formats();
// "csv", "label-studio", ...: the name a user gives.
std::string_view format_name(Format f);
// The format of a name (nullopt for an unknown one).
std::optional<Format> parse_format(std::string_view name);

bool is_table_format(Format f);   // csv, tsv, jsonl
bool is_export_format(Format f);  // a labelling tool's export (Label Studio, CVAT, folders, span JSONL, time segments)
bool is_segment_format(Format f);  // RTTM, SRT, WebVTT, TextGrid

// The tool-export format of one input judged from its content: automatic when it is none of them
// (a COCO file or a rating table is not an export).
Format detect_export_format(const std::string& path);

// The format of one input judged from its content (and, for tables, its extension): automatic
// when it is none labelqa knows.
Format detect_format(const std::string& path);
// "a COCO file", "a CVAT export", ...: what a user is told a file looks like.
std::string describe_format(Format f);
// A named format that the content contradicts is a UsageError: "x.json looks like a COCO file,
// not a CVAT export".
void check_named_format(const std::vector<std::string>& files, Format format);

// Whether the inputs are COCO JSON files (`format` coco forces it; another named format rules it
// out). A mix of COCO and other inputs is a UsageError.
bool is_coco_input(const std::vector<std::string>& files, Format format);


// How the readers are steered.
struct LoadOptions {
  Format format = Format::automatic;
  // Names of the inputs, in order (empty: file stems), or OLD=NEW renames of the annotators the
  // inputs name.
  std::vector<std::string> annotators;
  ItemMatch item_match = ItemMatch::automatic;  // how images of different inputs are matched
  TableOptions table;
  LabelStudioOptions label_studio;
  FolderOptions folder;
};

// Why an input yielded nothing to check: "read 0 annotations from FILE: its 3 results are of types
// labelqa does not check (2 x time segments ...; 1 x textarea result ...)".
std::string nothing_read_message(const std::string& file, const std::vector<SkippedInput>& skipped);

// Renames the annotators of an export's data (`renames`: old name -> new), in every file or in
// `only_file`; renaming in every file, a name no input holds is a UsageError.
void rename_annotators(ExportData& data, const std::map<std::string, std::string>& renames, const std::string& only_file);

// Renames a rating set's annotators (old name -> new), keeping its order by name; an unknown old
// name, or two annotators renamed alike, is a UsageError.
void rename_annotators(RatingSet& set, const std::map<std::string, std::string>& renames);

// Reads inputs that are tool exports, each with its own reader (so a CVAT export and a Label
// Studio export of the same images compare); false when the inputs are not all exports.
bool read_exports(const std::vector<std::string>& files, const LoadOptions& options, ExportData& out);

// What one side of a comparison (the delivery, or the gold) holds, read by whichever reader fits.
struct LoadedDelivery {
  std::optional<RatingSet> ratings;
  std::optional<ObjectSet> objects;
  std::vector<SpanRecord> spans;
  std::vector<SegmentRecord> segments;     // time segments, one record per annotator and recording
  bool segment_speakers = false;           // their labels are speakers (RTTM)
  std::vector<std::string> segment_files;  // the files the segments were read from
  std::vector<SkippedInput> skipped;
  std::vector<InputWarning> warnings;  // the readers' (also in objects and ratings)
  // "image regions, text spans", or "nothing to score".
  std::string what() const;
  bool empty() const { return !ratings && !objects && spans.empty() && segments.empty(); }
};

// Who a loaded side is: the delivery's annotators, or the gold (one set of labels).
enum class Side : std::uint8_t { delivery, gold };

// An input that yields nothing to check is bad input (nothing_read_message).
LoadedDelivery load_delivery(const std::vector<std::string>& files, const LoadOptions& options, Side side = Side::delivery);
// Rating tables (CSV, TSV, JSONL), concatenated; a folder among them is bad input that says what
// the folder holds.
RatingSet load_tables(const std::vector<std::string>& files, const LoadOptions& options, Side side = Side::delivery);
// Reads a gold file with the delivery's reader options (its own format, no annotator names).
LoadedDelivery load_gold(const std::string& path, const LoadOptions& delivery_options, Format gold_format);

// Takes annotator `name` out of a loaded delivery as its gold (Role::gold, named "gold"): the
// delivery keeps the other annotators. InputError when no input names that annotator.
LoadedDelivery take_gold_annotator(LoadedDelivery& delivery, const std::string& name, const TableOptions& table);

// A gold file holds one set of labels: InputError naming the file otherwise.
void require_one_annotator(const std::vector<std::string>& names, const std::string& file);

// The delivery's and the gold's objects in one set, the gold (one annotator) marked Role::gold and
// placed first; returns the gold's index in set.annotators.
int merge_gold_objects(ObjectSet delivery, ObjectSet gold, const std::string& gold_file, ObjectSet& set, ItemMatch match = ItemMatch::automatic);

// The delivery's and the gold's span records in one set, the gold marked Role::gold and first;
// returns the gold's index in set.annotators.
int merge_gold_spans(std::vector<SpanRecord> delivery, std::vector<SpanRecord> gold, const std::string& gold_file,
                     const std::vector<SkippedInput>& skipped, SpanSet& set);

// The time segments of a loaded side that a comparison of another kind leaves aside, counted per
// file with `reason` (for the report's input section).
std::vector<SkippedInput> segments_aside(const LoadedDelivery& side, const std::string& reason);

// The delivery's and the gold's segment records in one set (the gold's one annotator named "gold"),
// speaker turns when both are RTTM; returns the gold's index in set.annotators. InputError when
// the gold holds several annotators or the delivery an annotator named "gold".
int merge_gold_segments(LoadedDelivery& delivery, LoadedDelivery& gold, const std::string& gold_file, SegmentSet& set);

// Transcripts of one side: transcript tables (item, annotator, text; the gold's annotator column is
// optional), or the texts of time segments (subtitle cues, Label Studio transcribed regions).
// InputError when the inputs hold neither.
TranscriptSet load_transcripts(const std::vector<std::string>& files, const LoadOptions& options, const std::string& text_col, Side side,
                               Format gold_format = Format::automatic);

// The delivery's and the gold's transcripts in one set, items sorted by name (the gold's one
// annotator named "gold"); returns the gold's index in set.annotators.
int merge_gold_transcripts(TranscriptSet delivery, TranscriptSet gold, const std::string& gold_file, TranscriptSet& set);

// Semantic mask folders, one per annotator, and optionally the gold folder (last): the gold is
// marked Role::gold; returns its index (-1 without gold).
int load_mask_comparison(const std::vector<std::string>& dirs, const std::vector<std::string>& names, std::uint32_t ignore,
                         const std::string& gold_dir, MaskComparison& out);

}  // namespace labelqa::io
