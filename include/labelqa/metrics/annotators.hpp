// `labelqa report`: what each annotator gets wrong, against gold where gold exists and against a
// consensus elsewhere — confusions, misses (objects), drift over time, and a ranking with
// intervals. Pure functions over the core models; docs/report.md defines every number.
#pragma once

#include "labelqa/metrics/codes.hpp"
#include "labelqa/metrics/consensus.hpp"
#include "labelqa/metrics/drift.hpp"
#include "labelqa/metrics/estimate.hpp"
#include "labelqa/metrics/gold.hpp"
#include "labelqa/model/objects.hpp"
#include "labelqa/model/ratings.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace labelqa::metrics {

// A Dawid-Skene confusion row behind less posterior weight than this (fewer than one item of that
// class) is reported as null: the annotator (nearly) never saw the class.
inline constexpr double k_min_row_weight = 1.0;

struct ReportOptions {
  std::string consensus = "dawid-skene";  // or "majority"
  std::uint64_t seed = 1;                 // majority vote's tie-break (with break_ties)
  // A split vote is a tie with no consensus (left out of every error rate); with break_ties,
  // majority vote picks one of the tied classes by a seeded hash and Dawid-Skene its most probable.
  bool break_ties = false;
  double confidence = 0.95;
  double alpha = 0.01;                    // ranking: one-sided test against the rest of the group
  int top_confusions = 10;
  int examples = 5;                       // example items per confused pair
  int worst_items = 10;
  DriftOptions drift;
  DawidSkeneOptions dawid_skene;
  // Objects: a match needs IoU >= this; a consensus object needs more than this share of the
  // annotators who delivered the image.
  double iou_threshold = 0.5;
  double object_support = 0.5;
  IouType iou_type = IouType::automatic;   // objects: the geometry IoU compares
  KeypointOptions keypoints;               // keypoint objects: OKS threshold, PCK fraction, sigmas
  AttributeOptions attributes;             // objects: which attributes of valid pairs are scored
  LineOptions lines;                       // polylines: thickness
};

struct ClassMatrix {
  std::vector<std::string> classes;             // rows: reference class; columns: given class
  std::vector<std::vector<long long>> counts;
};

struct TopConfusion {
  std::string reference_class, given_class;
  long long count = 0;
  std::vector<std::string> items;               // up to ReportOptions::examples, sorted
};

struct ClassRow {
  std::string cls;
  long long support = 0;                        // reference items (objects) of the class
  long long predicted = 0;                      // given by the annotator
  long long correct = 0;
  Estimate precision, recall;                   // Wilson intervals
};

struct WorstItem {
  std::string item;
  long long errors = 0;                         // wrong labels, or missed + extra + mislabelled objects
  long long reference = 0;                      // reference labels (objects) on the item
};

// One attribute of an annotator's valid pairs with the reference (report_objects).
struct AttributeErrors {
  std::string name;
  long long pairs = 0;
  Estimate accuracy;            // agreeing pairs / pairs, Wilson interval
  Estimate kappa;               // Cohen's kappa of reference against given values, analytic interval
  ClassMatrix confusion;        // reference value (rows) x given value (columns)
};

// An annotator's polylines against the reference's on the images both have.
struct LineErrors {
  long long reference = 0, given = 0, matched = 0, missed = 0, extra = 0;
  Estimate miss_rate;           // missed / reference, Wilson interval
  Estimate extra_rate;          // extra / given
};

struct AnnotatorSummary {
  std::string annotator;
  long long ratings = 0;                        // labels (objects) delivered
  long long compared = 0;                       // with a reference
  long long correct = 0;
  long long gold_items = 0, consensus_items = 0;  // compared items by kind of reference
  Estimate accuracy;                            // correct / compared, Wilson interval
  ClassMatrix confusion;
  std::vector<TopConfusion> top_confusions;
  std::vector<ClassRow> per_class;
  std::vector<std::vector<double>> dawid_skene_confusion;  // labels: q x q, rows true class
  std::vector<double> dawid_skene_weight;                 // per row: the posterior weight behind it
  // Objects only.
  std::optional<Estimate> miss_rate, extra_rate, mean_iou;
  long long reference_objects = 0, missed = 0, extra = 0, matched = 0;
  std::vector<WorstItem> worst_items;
  Drift drift;
  std::vector<GoldJoint> joints;             // keypoint objects: per class and keypoint name, over valid pairs
  std::vector<AttributeErrors> attributes;   // attributes of valid pairs, by name
  std::optional<LineErrors> polylines;       // when either side has polylines
};

struct RankEntry {
  std::string score;                            // accuracy, recall, precision
  std::string annotator;
  int rank = 0;                                 // 1 = best
  Estimate value;
  std::optional<double> group;                  // the same score pooled over the other annotators
  std::optional<double> p_value;                // one-sided two-proportion z-test, annotator below the group
  bool below_group = false;                     // p_value < alpha and value < group
};

struct ConsensusRow {
  std::string item;
  std::string label;
  double confidence = 0;
};

// A consensus object (the per-cluster mean of matched boxes).
struct ConsensusObject {
  std::string image;
  std::uint32_t image_index = 0;
  std::string label;
  std::array<double, 4> bbox{};
  double confidence = 0;                        // share of the image's annotators who drew it
};

struct AnnotatorReport {
  LabelKind kind = LabelKind::labels;            // labels or objects
  std::string reference;                        // gold | majority | dawid-skene
  std::string consensus_method;                 // the method for items without gold
  long long items = 0, gold_items = 0, consensus_items = 0;
  std::vector<std::string> tied;                // items without gold whose consensus is a tie (no reference)
  std::vector<std::string> classes;
  std::vector<AnnotatorSummary> annotators;     // sorted by name
  std::vector<RankEntry> ranking;               // by score, then rank
  // Dawid–Skene fit (labels); not run past metrics::k_max_dawid_skene_work (then the consensus is
  // majority vote and the report's `dawid_skene` is null).
  bool ds_run = true;
  int ds_iterations = 0;
  bool ds_converged = false;
  double ds_log_likelihood = 0;
  std::vector<double> ds_priors;
  std::vector<ConsensusRow> consensus;          // every rated item with a consensus label, in item order
  std::vector<ConsensusObject> consensus_objects;
  std::vector<std::string> warnings;
};

// Categorical labels; `gold` (one annotator) may be null.
AnnotatorReport report_labels(const RatingSet& delivery, const RatingSet* gold, const ReportOptions& options);

// Objects; `gold` >= 0 names the gold annotator inside `set` (its images are scored against it,
// the others against the consensus objects).
AnnotatorReport report_objects(const ObjectSet& set, int gold, const ReportOptions& options);

// k / n with its Wilson interval; undefined for `reason` when n is 0.
Estimate wilson_ratio(long long k, long long n, double confidence, Reason reason);

// Precision and recall of the first `classes` rows of a confusion matrix (support: the row's total,
// predicted: the column's, both including a "(none)" row and column beyond them); classes
// neither side used are left out.
std::vector<ClassRow> class_rows(const ClassMatrix& m, std::size_t classes, double confidence);

// The ranking of one score over annotators: (name, successes, trials) per annotator.
std::vector<RankEntry> rank_proportions(const std::string& score, const std::vector<std::string>& names,
                                        const std::vector<std::pair<long long, long long>>& counts, const ReportOptions& options);

}  // namespace labelqa::metrics
