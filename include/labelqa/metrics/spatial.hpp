// `agree` for objects (boxes, polygons, masks): per image and annotator pair, an optimal
// one-to-one matching by IoU; counts, F1, mean IoU and Dice overall, per class, per pair and per
// image, with bootstrap intervals over images; and chance-corrected agreement on object clusters.
// Pure: takes an ObjectSet, returns plain data. docs/metrics.md defines every number.
#pragma once

#include "labelqa/metrics/analyze.hpp"
#include "labelqa/metrics/attributes.hpp"
#include "labelqa/metrics/estimate.hpp"
#include "labelqa/metrics/keypoints.hpp"
#include "labelqa/metrics/polylines.hpp"
#include "labelqa/model/objects.hpp"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace labelqa::metrics {

struct SpatialOptions {
  IouType iou_type = IouType::automatic;
  double iou_threshold = 0.5;  // matched pairs need IoU >= this (and > 0)
  bool match_by_class = false; // match only objects of the same class
  double confidence = 0.95;
  int bootstrap = 1000;        // replicates resampling images; 0 = no intervals
  std::uint64_t seed = 1;
  bool keep_matches = false;   // fill SpatialResult::matches
  bool keep_clusters = false;  // fill SpatialResult::clusters
  // When >= 0, only pairs with this annotator are matched (scoring against gold): no clusters, no
  // object-level agreement.
  int reference = -1;
  KeypointOptions keypoints;   // keypoint objects: matched by OKS (or PCK) at keypoints.oks_threshold
  AttributeOptions attributes; // which attributes of matched objects are compared
  LineOptions lines;           // polylines: CVAT's line thickness, direction
};

// Additive object counts of one scope (sums over images and annotator pairs).
struct ObjectCounts {
  long long objects_a = 0;       // objects of the first annotator of each pair (in scope)
  long long objects_b = 0;
  long long matched = 0;         // matched pairs; in a class scope only pairs where both gave the class
  long long label_mismatch = 0;  // matched pairs whose classes differ (in a class scope: one side gave it)
  long long label_mismatch_a = 0;  // class scope only: mismatched pairs where the first annotator gave the class
  long long label_mismatch_b = 0;
  double iou_sum = 0;            // over matched pairs
  double dice_sum = 0;
  // Objects left out as COCOeval leaves them out: inside the other side's crowd region (crowd IoU
  // at or above the threshold) and matched with nothing. Crowd regions themselves are ignore
  // regions, never objects: neither they nor these count in objects_a/objects_b.
  long long ignored = 0;

  long long unmatched_a() const;
  long long unmatched_b() const;
  void add(const ObjectCounts& o, double weight = 1);
};

struct ObjectScores {
  ObjectCounts counts;
  Estimate f1;         // 2 matched / (objects_a + objects_b)
  Estimate mean_iou;   // over matched pairs
  Estimate mean_dice;  // over matched pairs, Dice = 2 IoU / (1 + IoU)
};

// Point estimates from counts (no interval).
ObjectScores object_scores(const ObjectCounts& c);

struct SpatialPair {
  int annotator_a = 0, annotator_b = 0;  // indices into ObjectSet::annotators, a < b
  long long images = 0;                  // images both annotators delivered
  long long images_only_a = 0;           // delivered by a but not b
  long long images_only_b = 0;
  ObjectScores scores;
};

struct SpatialClass {
  int category = 0;
  ObjectScores scores;
};

struct SpatialImage {
  std::uint32_t image = 0;
  int pairs = 0;  // annotator pairs that compared it
  ObjectScores scores;
};

// One matched pair, or an unmatched object (the other index is -1), for --matches.
struct ObjectMatch {
  std::uint32_t image = 0;
  int annotator_a = 0, annotator_b = 0;
  std::int32_t object_a = -1;  // index into the annotator's objects, or -1
  std::int32_t object_b = -1;
  double iou = 0;
};

// Objects of several annotators clustered on one image (see docs/metrics.md, "objects").
struct ObjectCluster {
  std::uint32_t image = 0;
  std::vector<std::pair<int, std::uint32_t>> members;  // (annotator, index into its objects)
};

struct ObjectUnits {
  long long units = 0;        // object clusters (one per object any annotator drew)
  long long nothing = 0;      // ratings of "nothing": an annotator who had the image but no object there
  MetricMap metrics;          // krippendorff_alpha, fleiss_kappa, gwet_ac1 over the clusters
  std::vector<std::string> categories;  // the classes rated, with "nothing"
};

// Video tracks (objects carrying a track id), per annotator pair with annotator_a's tracks as the
// reference (the MOT convention). Objects without a track count as one-frame tracks.
struct TrackScores {
  long long frames = 0;          // frames (images) both annotators delivered
  long long tracks_a = 0, tracks_b = 0;
  long long detections_a = 0, detections_b = 0;  // per-frame objects on those frames
  long long idtp = 0;            // frames of the optimal one-to-one track assignment with IoU >= the threshold
  // CLEAR-MOT (Bernardin and Stiefelhagen 2008) as py-motmetrics computes it: a reference track
  // keeps its last correspondence while their IoU stays >= the threshold; the rest is matched by an
  // optimal assignment.
  long long id_switches = 0;     // matches of a reference track to another track than its last one
  long long matched = 0;         // CLEAR-MOT matches
  double iou_sum = 0;            // over CLEAR-MOT matches
  Estimate idf1;                 // 2 IDTP / (detections_a + detections_b) (Ristani et al. 2016)
  Estimate idp;                  // IDTP / detections_b
  Estimate idr;                  // IDTP / detections_a
  Estimate mota;                 // 1 - (misses + false positives + ID switches) / detections_a
  Estimate motp;                 // 1 - mean distance (1 - IoU) over matches = their mean IoU; py-motmetrics reports the distance
  Estimate mean_track_iou;       // = motp (the name of earlier reports)
};

struct TrackPair {
  int annotator_a = 0, annotator_b = 0;
  TrackScores scores;
};

struct TrackResult {
  bool present = false;          // some object carries a track id
  TrackScores overall;           // counts pooled over pairs
  std::vector<TrackPair> pairs;
};

struct SpatialResult {
  long long images = 0;          // images in the set
  long long images_compared = 0; // images at least one pair compared
  long long objects = 0;
  ObjectScores overall;
  std::vector<SpatialPair> pairs;
  std::vector<SpatialClass> classes;     // every category of the set, in set order (by name)
  std::vector<SpatialImage> per_image;   // compared images, worst first (lowest F1, then mean IoU, then name)
  std::vector<ObjectMatch> matches;      // with keep_matches: sorted by image, annotators, objects
  ObjectUnits objects_section;
  std::vector<ObjectCluster> clusters;   // with keep_clusters: by image, in cluster order
  std::vector<long long> annotator_objects;  // per annotator of the set: its objects
  TrackResult tracks;
  KeypointResult keypoints;
  AttributeResult attributes;
  LineResult lines;
  std::vector<Warning> warnings;
};

inline constexpr const char* k_nothing = "nothing";

SpatialResult analyze_objects(const ObjectSet& set, const SpatialOptions& options);

// analyze_objects in two steps, for shards (docs/scale.md): what matching finds per image and in
// the clusters is additive, so the matchings of disjoint sets of images, put together, summarise to
// the result of one set holding them all.

// What matching found on one image.
struct ImageOutcome {
  int pairs = 0;  // annotator pairs that compared it
  // (scope, counts): 0 the image pooled, 1 + p annotator pair p (in pair order), 1 + P + c class c
  // (P pairs of the set's annotators).
  std::vector<std::pair<int, ObjectCounts>> entries;
  KeypointTally keypoints;  // matched keypoint objects, keypoint by keypoint
  AttributeTally attributes;  // attributes of matched objects of one class
  LineTally lines;            // matched polylines
};

// The ratings of the object clusters (the `objects` section) as rating patterns.
struct ClusterStats {
  long long units = 0;    // clusters
  long long nothing = 0;  // ratings of "nothing"
  std::vector<std::string> categories;  // the classes rated, with "nothing", by name
  RatingStats stats;      // over the set's annotators and `categories`
};

struct ObjectMatching {
  std::vector<ImageOutcome> images;  // per image of the set
  ClusterStats clusters;
  std::vector<int> line_classes;     // the categories of the set's polylines (any annotator, any image), sorted
};

// The matching of every image (no tracks: their statistics span images).
ObjectMatching match_objects(const ObjectSet& set, const SpatialOptions& options);

// The result of a matching. `outline`: the set's images, categories and annotators (name and
// has_image; no objects needed); `annotator_objects`: each annotator's objects.
SpatialResult summarize_objects(const ObjectSet& outline, std::vector<long long> annotator_objects, ObjectMatching matching,
                                const SpatialOptions& options);

// Bootstrap over images: fills ci_low/ci_high of the named estimates. `scopes` holds, per scope,
// (image position, counts) rows; `estimates` the scores to fill, one per scope.
void bootstrap_object_scores(const std::vector<std::vector<std::pair<std::uint32_t, ObjectCounts>>>& scopes,
                             std::size_t images, const std::vector<ObjectScores*>& estimates, const SpatialOptions& options);

}  // namespace labelqa::metrics
