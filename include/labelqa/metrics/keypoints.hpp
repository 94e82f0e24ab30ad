// Keypoint objects compared keypoint by keypoint: the similarity that matches them (OKS as
// pycocotools computes it, or the share of keypoints within a distance when a class has no
// sigmas), and what matched pairs say per pair, per class and per keypoint: mean OKS, PCK, pixel
// distances, keypoints one side left out, and agreement on visibility flags. docs/keypoints.md.
#pragma once

#include "labelqa/metrics/analyze.hpp"
#include "labelqa/metrics/estimate.hpp"
#include "labelqa/model/objects.hpp"

#include <cstdint>
#include <map>
#include <tuple>
#include <string>
#include <utility>
#include <vector>

namespace labelqa::metrics {

struct KeypointOptions {
  double oks_threshold = 0.5;  // matched keypoint objects need a similarity >= this
  double pck = 0.2;            // PCK: within this fraction of the reference box's diagonal
  // Per class name: one sigma per keypoint (COCO's 17 person sigmas are the default for classes
  // of 17 keypoints). A class without sigmas is matched by its PCK share.
  std::map<std::string, std::vector<double>> sigmas;
};

// The sigmas of each category of `set` (empty: none known, PCK is the similarity), or an error
// message naming a class whose sigmas do not fit its keypoints.
std::vector<std::vector<double>> resolve_sigmas(const ObjectSet& set, const KeypointOptions& options);

// The similarity of keypoint object `other` to `reference`: OKS with the class's sigmas, else the
// share of the reference's labelled keypoints the other puts within PCK distance. 0 when their
// keypoint counts differ.
double keypoint_similarity(const AnnotatorObjects& ra, const SpatialObject& reference, const AnnotatorObjects& oa, const SpatialObject& other,
                           const std::vector<double>& sigmas, double pck);

// Matched keypoint objects, keypoint by keypoint (additive over images and pairs).
struct KeypointCounts {
  long long objects = 0;        // matched pairs of keypoint objects
  double similarity_sum = 0;    // their OKS (PCK share for classes without sigmas)
  long long labelled = 0;       // keypoints the reference labels (v > 0)
  long long both = 0;           // labelled by both sides
  long long within = 0;         // labelled by both, within PCK distance
  long long missed = 0;         // labelled by the reference only
  long long extra = 0;          // labelled by the other side only
  double distance_sum = 0;      // pixels, over `both`
  double normalized_sum = 0;    // distance / reference box diagonal, over `both`
  void add(const KeypointCounts& o);
};

// A visibility pattern of one matched keypoint: the pair's flags (0, 1, 2) and how often.
struct VisibilityCount {
  int pair = 0, category = 0;
  std::uint8_t flag_a = 0, flag_b = 0;
  long long count = 0;
};

// What the keypoints of one image's matched pairs add up to.
struct KeypointTally {
  // (scope, keypoint, counts): scope 0 pooled, 1 + p pair p, 1 + P + c class c; keypoint -1 for the
  // object level, else (class scopes only) the keypoint's position in its class.
  std::vector<std::tuple<int, int, KeypointCounts>> entries;
  std::vector<VisibilityCount> visibility;
  std::vector<std::pair<int, int>> classes;  // (category, keypoints) of the image's keypoint objects
  void add_object(const AnnotatorObjects& a, const SpatialObject& o);
  void add_pair(const AnnotatorObjects& ra, const SpatialObject& reference, const AnnotatorObjects& oa, const SpatialObject& other, int pair,
                int pairs, double similarity, double pck);
  void merge();  // one entry per (scope, keypoint), one count per visibility pattern, sorted
};

struct KeypointScores {
  KeypointCounts counts;
  Estimate mean_oks;            // mean similarity of matched pairs
  Estimate pck;                 // within / labelled
  Estimate mean_distance;       // pixels
  Estimate mean_normalized_distance;
  Estimate miss_rate;           // missed / labelled
};
KeypointScores keypoint_scores(const KeypointCounts& c);

struct KeypointClass {
  int category = 0;
  std::string similarity;       // "oks" or "pck"
  KeypointScores scores;
  std::vector<std::string> names;             // per keypoint (positions when the class has no names)
  std::vector<KeypointScores> keypoints;      // per keypoint
  MetricMap visibility;
};

struct KeypointPair {
  int annotator_a = 0, annotator_b = 0;
  KeypointScores scores;
  MetricMap visibility;
};

struct KeypointResult {
  bool present = false;         // the set holds keypoint objects
  double oks_threshold = 0.5, pck = 0.2;
  KeypointScores overall;
  MetricMap visibility;         // percent agreement, kappas, alpha, AC1 over matched keypoints' flags
  std::vector<KeypointPair> pairs;
  std::vector<KeypointClass> classes;  // keypoint classes only, in set order
};

// The keypoint section from the images' tallies.
// `set`: the outline (names of annotators and categories, keypoint schemas).
KeypointResult summarize_keypoints(const ObjectSet& set, const std::vector<KeypointTally>& images, const KeypointOptions& options, double confidence);

bool has_keypoints(const ObjectSet& set);

}  // namespace labelqa::metrics
