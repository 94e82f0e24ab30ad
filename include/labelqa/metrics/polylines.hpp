// Polylines compared as CVAT's quality control does (geometry/lines.hpp): their similarity matches
// them; matched pairs add up to the mean similarity, the mean symmetric distance in pixels and, with
// direction compared, the pairs drawn the other way. docs/spatial.md, "Polylines".
#pragma once

#include "labelqa/metrics/estimate.hpp"
#include "labelqa/model/objects.hpp"

#include <tuple>
#include <vector>

namespace labelqa::metrics {

struct LineOptions {
  double thickness = 0.01;           // CVAT's line thickness: a share of the image size
  bool compare_direction = false;    // count pairs drawn the other way (mismatching_direction in gold)
  double direction_threshold = 0.1;  // CVAT's line orientation threshold
};

// The similarity of polyline `other` to `reference` on a w x h image (0 x 0: unknown).
double polyline_similarity(const AnnotatorObjects& ra, const SpatialObject& reference, const AnnotatorObjects& oa, const SpatialObject& other,
                           std::uint32_t w, std::uint32_t h, const LineOptions& options, bool oriented = false);
// Whether a matched pair is drawn the other way: its unoriented similarity exceeds the oriented one
// by more than the threshold.
bool reversed_direction(const AnnotatorObjects& ra, const SpatialObject& reference, const AnnotatorObjects& oa, const SpatialObject& other,
                        std::uint32_t w, std::uint32_t h, const LineOptions& options);
double polyline_distance(const AnnotatorObjects& ra, const SpatialObject& reference, const AnnotatorObjects& oa, const SpatialObject& other);

struct LineCounts {
  long long objects = 0;        // matched pairs of polylines
  double similarity_sum = 0;
  double distance_sum = 0;      // pixels
  long long reversed = 0;       // with direction compared: drawn the other way
  void add(const LineCounts& o);
};

// (scope, counts): 0 pooled, 1 + p annotator pair p, 1 + P + c class c.
struct LineTally {
  std::vector<std::pair<int, LineCounts>> entries;
  void merge();
};

struct LineScores {
  LineCounts counts;
  Estimate mean_similarity;
  Estimate mean_distance;
  Estimate reversed_share;      // reversed / objects (direction compared)
};
LineScores line_scores(const LineCounts& c, bool direction);

struct LinePair {
  int annotator_a = 0, annotator_b = 0;
  LineScores scores;
};
struct LineClass {
  int category = 0;
  LineScores scores;
};
struct LineResult {
  bool present = false;
  bool direction = false;
  double thickness = 0.01;
  LineScores overall;
  std::vector<LinePair> pairs;
  std::vector<LineClass> classes;  // classes with polylines
};

// The categories of `set` that have polylines, sorted.
std::vector<int> polyline_classes(const ObjectSet& set);
// `line_classes`: polyline_classes of the set (the result lists those classes; none: no section).
LineResult summarize_lines(const ObjectSet& set, const std::vector<LineTally>& images, const LineOptions& options, const std::vector<int>& line_classes);

}  // namespace labelqa::metrics
