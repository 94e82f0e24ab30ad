// `labelqa validate`: the defects of a delivery as findings, each located (file, item, annotation,
// point or box). The checks are pure functions over the core models (objects, decoded masks) and
// the problems the lenient readers recorded; see docs/validate.md for every code.
#pragma once

#include "labelqa/error.hpp"
#include "labelqa/io/coco_reader.hpp"
#include "labelqa/io/mask_reader.hpp"
#include "labelqa/model/objects.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace labelqa::validate {

enum class Severity : std::uint8_t { warning, error };
const char* severity_name(Severity s);

enum class Code : std::uint8_t {
  broken_file,
  schema,
  missing_reference,
  unknown_class,
  out_of_image,
  degenerate,
  self_intersection,
  overlap,
  duplicate,
  unlabeled_region,
  bbox_mismatch,
  track_gap,
  track_jump,
  out_of_text,
  duplicate_key,
  out_of_duration,
  unsorted,
  empty_text,
  unknown_character,
};
inline constexpr int k_code_count = 19;
const char* code_name(Code c);
// One sentence on what the code finds (SARIF's rule description).
const char* code_description(Code c);
Code code_of(Defect d);

// Where a finding points; fields that do not apply are empty.
struct FindingLocation {
  std::optional<std::array<double, 2>> point;  // [x, y] in pixels
  std::optional<std::array<double, 4>> bbox;   // [x, y, width, height] in pixels
  std::uint64_t line = 0;                      // 1-based; 0: none
  std::optional<std::uint64_t> offset;         // byte offset in the file
  std::optional<std::int64_t> frame;           // video frame
};

struct Finding {
  Severity severity = Severity::error;
  Code code = Code::schema;
  std::string file;
  std::string item;              // image, frame or task
  std::string annotation;        // annotation id (or "track N")
  std::string other_annotation;  // the second annotation of an overlap or duplicate
  std::string cls;               // class name (or mask value)
  FindingLocation location;
  std::string message;
};

// Sorts into the reports' order: file, item, annotation, code, then the rest; the same findings in
// any order give the same bytes.
void sort_findings(std::vector<Finding>& findings);

struct Options {
  std::optional<std::set<std::string>> classes;  // --classes: the label schema (unset: any class)
  double tolerance = 0;                          // --tolerance px: out_of_image within it is a warning
  std::set<std::string> no_overlap;              // --no-overlap: classes whose overlaps are errors ("*": all)
  double duplicate_iou = 0.95;                   // duplicate: same class, IoU at or above
  bool require_coverage = false;                 // --require-coverage
  std::optional<std::uint32_t> unlabeled;        // --unlabeled: the semantic-mask value that means unlabeled
  std::uint64_t min_region = 16;                 // --min-region px: smaller unlabeled components are not reported
  double min_track_iou = 0.3;                    // --min-track-iou
  std::uint32_t ignore = 255;                    // the ignore value of semantic masks (never unlabeled)
  double bbox_tolerance = 1.0;                   // bbox_mismatch: px per coordinate
  double area_tolerance = 0.05;                  // bbox_mismatch: relative difference of "area"
  // The delivery's keypoint classes, to name keypoints in messages (set by the caller; may be null).
  const std::map<std::string, KeypointSchema>* keypoint_schemas = nullptr;
};

// An error a reader threw for a whole file, as one finding.
Finding file_finding(const InputError& e);
// The problems a lenient COCO reading recorded (left out of the delivery), as findings.
void problem_findings(const std::vector<io::ReadProblem>& problems, std::vector<Finding>& out);

// Every geometric check of one annotator's objects: unknown_class, out_of_image, degenerate,
// self_intersection, overlap, duplicate, bbox_mismatch, uncovered area (with require_coverage),
// track_gap and track_jump. `areas` are the file's "area" values by annotation byte offset (COCO),
// sorted by offset. Images are checked in parallel; the result is sorted.
std::vector<Finding> check_objects(const AnnotatorObjects& a, const std::vector<ImageInfo>& images,
                                   const std::vector<std::string>& categories, const Options& options,
                                   const std::vector<std::pair<std::uint64_t, double>>& areas = {});

// check_objects one group of images at a time, for callers that stream findings to the reports.
// Images sharing a name form one group; groups come in name order, which is the order of their
// findings in the reports (the findings of a group share file and item). It keeps references to
// its arguments: they must outlive it.
inline const std::vector<std::pair<std::uint64_t, double>> k_no_areas;
class ObjectChecks {
 public:
  ObjectChecks(const AnnotatorObjects& a, const std::vector<ImageInfo>& images, const std::vector<std::string>& categories,
               const Options& options, const std::vector<std::pair<std::uint64_t, double>>& areas = k_no_areas);
  std::size_t groups() const { return m_group_start.size() - 1; }
  // The findings of group g, sorted. Safe to call from several threads at once.
  std::vector<Finding> check(std::size_t g) const;
  // track_gap and track_jump over the whole delivery, sorted.
  std::vector<Finding> tracks() const;

 private:
  const AnnotatorObjects& m_a;
  const std::vector<ImageInfo>& m_images;
  const std::vector<std::string>& m_categories;
  const Options& m_options;
  const std::vector<std::pair<std::uint64_t, double>>& m_areas;
  std::vector<std::uint32_t> m_order;        // image indices in name order
  std::vector<std::size_t> m_group_start{0};  // group g: m_order[m_group_start[g] .. m_group_start[g + 1])
  // Per image: why its pixel checks are skipped ("" = they run). Masks cost columns
  // (metrics/object_mask.hpp): an image past the limit on columns held at once, and every image
  // (in name order) from the one where the delivery's columns in all pass its limit.
  std::vector<std::string> m_no_pixels;
};

// The unlabeled value of semantic masks: --unlabeled, else the value the class map names
// "unlabeled", else 0 when the class map gives 0 no name (nullopt: no unlabeled value).
std::optional<std::uint32_t> unlabeled_value(const Options& options, const io::ClassMap& classes);

// Checks of one decoded semantic mask: values the class map does not name (unknown_class, with
// pixel count and bbox), unlabeled components of at least min_region pixels, and a size that
// differs from its image's (`image_size`, when known).
std::vector<Finding> check_semantic_mask(const io::MaskImage& mask, const std::string& file, const std::string& item,
                                         const io::ClassMap& classes, const Options& options,
                                         std::optional<std::array<std::uint32_t, 2>> image_size = std::nullopt);

// Connected components (4-neighbour) of the pixels where `on` is non-zero, row-major w x h: per
// component, its pixel count and bbox [x, y, w, h], in order of their first pixel.
struct Component {
  std::uint64_t pixels = 0;
  std::array<std::uint32_t, 4> bbox{};
};
std::vector<Component> connected_components(const std::uint8_t* on, std::uint32_t width, std::uint32_t height);

// GEOS's validity check of one ring x0, y0, x1, y1, ...: nullopt when valid, else GEOS's reason and
// the point it reports.
struct RingDefect {
  std::string reason;
  std::array<double, 2> point{};
};
std::optional<RingDefect> ring_validity(const double* xy, std::size_t points);
// The GEOS C API version the validity checks run with.
std::string geos_version();
// A conservative test that rings pass when they are certainly simple (no two edges share a point
// other than consecutive edges' common vertex; repeated consecutive vertices are ignored, as GEOS
// ignores them): ring_validity asks GEOS only about the rings this does not pass.
bool ring_surely_simple(const double* xy, std::size_t points);

}  // namespace labelqa::validate
