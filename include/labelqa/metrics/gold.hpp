// Scores of a delivery against gold labels (`labelqa gold`), per annotator and vendor-wide (all
// annotators' gold items pooled): categorical labels (accuracy with a Wilson interval, Cohen's
// kappa, per-class precision/recall/F1, macro and weighted F1, confusion), objects (CVAT's
// precision, recall, F1, accuracy, mean IoU and conflicts), semantic masks (pixel accuracy, IoU)
// and text spans (span F1). Intervals other than the analytic ones are percentile bootstraps over
// gold items. Pure functions over plain data; docs/gold.md defines every number.
#pragma once

#include "labelqa/metrics/analyze.hpp"
#include "labelqa/metrics/attributes.hpp"
#include "labelqa/metrics/codes.hpp"
#include "labelqa/metrics/edit_distance.hpp"
#include "labelqa/metrics/estimate.hpp"
#include "labelqa/metrics/gates.hpp"
#include "labelqa/metrics/keypoints.hpp"
#include "labelqa/metrics/polylines.hpp"
#include "labelqa/model/masks.hpp"
#include "labelqa/model/objects.hpp"
#include "labelqa/model/policy.hpp"
#include "labelqa/model/ratings.hpp"
#include "labelqa/model/segments.hpp"
#include "labelqa/model/spans.hpp"
#include "labelqa/model/transcripts.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace labelqa::metrics {

// Wilson score interval of a proportion successes/n at the confidence level (as statsmodels'
// proportion_confint(method="wilson")). n must be > 0.
std::pair<double, double> wilson_interval(double successes, double n, double confidence);

struct ClassScores {
  int category = 0;
  long long support = 0;     // gold items of this class
  long long predicted = 0;   // items delivered with this class
  long long correct = 0;
  Estimate precision;        // correct / predicted (undefined: no_predictions)
  Estimate recall;           // correct / support (undefined: no_support)
  Estimate f1;               // 2 TP / (support + predicted), scikit-learn's value
};

struct CategoricalGoldScores {
  long long items = 0;
  long long correct = 0;
  Estimate accuracy;         // correct / items, Wilson interval
  Estimate cohen_kappa;      // delivered vs gold, each side's own marginals
  Estimate macro_f1;         // mean F1 over classes in gold or delivered (sklearn: an undefined F1 counts as 0)
  Estimate weighted_f1;      // F1 weighted by support
  std::vector<ClassScores> per_class;          // classes in gold or delivered, in category order
  std::vector<std::vector<long long>> confusion;  // q x q: rows gold class, columns delivered class
};

// gold[i], given[i]: category indices (0 .. q-1) of item i. Point values and analytic intervals.
CategoricalGoldScores score_against_gold(const std::vector<std::int32_t>& gold, const std::vector<std::int32_t>& given, int q,
                                         double confidence);

// ---------------------------------------------------------------------------------------------
// Whole deliveries against gold.

struct GoldOptions {
  double confidence = 0.95;
  int bootstrap = 1000;       // replicates resampling gold items; 0 = no bootstrap intervals
  std::uint64_t seed = 1;
  double iou_threshold = 0.5; // objects: a matched pair needs IoU >= this
  double low_overlap = 0.8;   // objects: a valid pair below this IoU is a low_overlap conflict
  IouType iou_type = IouType::automatic;  // objects: the geometry IoU compares
  Micros collar = 200000;     // segments: boundary F1's tolerance and DER's no-score collar
  bool skip_overlap = false;  // segments (speaker turns): DER leaves out overlapped gold speech
  unsigned normalize = 1 | 4; // transcripts: Normalization flags (metrics/transcripts.hpp), case and space
  KeypointOptions keypoints;  // keypoint objects: OKS threshold, PCK fraction, sigmas
  AttributeOptions attributes;  // objects: which attributes of valid pairs are scored
  LineOptions lines;            // polylines: thickness, direction
  // objects: a delivered box, polygon or mask of which less than this share stays visible under
  // the objects drawn above it is a covered_annotation conflict (CVAT's default; 0 = no check).
  double object_visibility_threshold = 0.05;
  // objects: groups (group_id) match at this Jaccard index over matched pairs (CVAT's default).
  double group_match_threshold = 0.5;
};

// One class of a subject's scores.
struct GoldClass {
  std::string name;
  std::map<std::string, long long> counts;  // e.g. support, predicted, correct
  MetricMap metrics;                        // e.g. precision, recall, f1
};

// Gold class x delivered class (labels: items; objects: matched pairs, with "(none)" for
// unmatched objects; masks: pixels).
struct GoldConfusion {
  std::vector<std::string> classes;         // rows (gold) and columns (delivered)
  std::vector<std::vector<long long>> counts;
};

// The scores of one subject: an annotator, or the vendor (every annotator's gold items pooled).
// Keypoints of one class and keypoint name, over the subject's valid pairs with gold (gold is the
// reference): PCK, distances, misses.
struct GoldJoint {
  std::string cls;
  std::string keypoint;
  KeypointScores scores;
};

struct SubjectScores {
  std::string name;                         // the annotator; "vendor" for the vendor
  long long gold_items = 0;                 // gold items the subject delivered and was scored on
  std::map<std::string, long long> counts;  // kind-specific counts (correct, valid, pixels, ...)
  MetricMap metrics;
  std::vector<GoldClass> per_class;         // classes the subject or gold used, by name
  GoldConfusion confusion;                  // empty for spans
  std::vector<GoldJoint> joints;            // keypoint objects: per class and keypoint
  // Attributes of valid pairs: gold value (rows) x delivered value (columns), per attribute.
  std::map<std::string, GoldConfusion> attribute_confusion;
};

inline constexpr const char* k_no_class = "(none)";

// A located difference between a delivered annotation and gold (CVAT's quality-report types).
struct GoldConflict {
  ConflictType type = ConflictType::missing_annotation;
  std::uint32_t item = 0;                   // index into GoldResult::items
  int annotator = 0;                        // index into GoldResult::annotators
  std::optional<std::int64_t> annotation;   // the delivered annotation's id (missing_annotation: the gold object's)
  std::string cls;                          // delivered class ("" for missing_annotation)
  std::string gold_class;                   // gold class ("" for extra_annotation)
  std::optional<std::array<double, 4>> bbox;  // the delivered object's box [x, y, w, h] (missing: the gold object's)
  std::optional<double> iou;                // matched pairs (spans: characters shared / characters covered)
  std::optional<std::array<std::uint32_t, 2>> span;  // spans: [start, end) of the delivered span (missing: the gold span's)
  std::string annotation_name;              // the file's own id of the annotation, when not a number (Label Studio result ids)
  std::optional<std::array<double, 2>> time;  // segments: [start, end) in seconds of the delivered segment (missing: the gold one's)
  std::uint32_t line = 0;                   // segments: its line in its file (0 where the format has none)
  std::optional<EditCounts> words, chars;   // transcripts: the delivered text's edits against gold (cls: the text, gold_class: gold's)
  // mismatching_attributes: the attribute, its delivered value and gold's (k_no_value where absent);
  // mismatching_groups: "group", the delivered and the gold object's group ids ("" = ungrouped).
  std::string attribute, value, gold_value;
  std::optional<double> visible;           // covered_annotation: the share of the object left visible
};

struct GoldResult {
  LabelKind kind = LabelKind::labels;
  std::vector<std::string> items;           // every item of gold or the delivery, sorted
  std::vector<std::string> annotators;      // delivered annotators, sorted
  long long gold_items = 0;                 // items in the gold set
  long long delivered_items = 0;            // items in the delivery
  long long items_without_gold = 0;         // delivered items that are not gold (counted, not scored)
  std::vector<std::uint32_t> gold_missing;  // gold items nobody delivered (indices into items)
  SubjectScores vendor;
  std::vector<SubjectScores> subjects;      // per annotator, parallel to annotators
  std::vector<GoldConflict> conflicts;      // sorted by item, annotator, type, annotation
  std::vector<Warning> warnings;
};

// Categorical labels: `delivery` holds the annotators' ratings, `gold` one rating per gold item
// (a single annotator). Categories are matched by name.
GoldResult gold_labels(const RatingSet& delivery, const RatingSet& gold, const GoldOptions& options);

// Objects: `set` holds the gold as annotator `gold` beside the delivered annotators.
GoldResult gold_objects(const ObjectSet& set, int gold, const GoldOptions& options);

// Semantic masks: `masks` holds the gold masks as annotator `gold`; `names` names mask values.
GoldResult gold_masks(const MaskComparison& masks, int gold, const std::map<std::uint32_t, std::string>& names,
                      const GoldOptions& options);

// Text spans: `set` holds the gold spans as annotator `gold`.
GoldResult gold_spans(const SpanSet& set, int gold, const GoldOptions& options);

// Time segments: `set` holds the gold segments as annotator `gold`. Segments matched by temporal
// IoU as objects are (precision, recall, F1, mean IoU and conflicts with times), boundary
// precision/recall/F1 within the collar, and for speaker turns DER (md-eval) and JER (dscore) with
// gold as the reference; per recording tallies, so intervals resample recordings.
GoldResult gold_segments(const SegmentSet& set, int gold, const GoldOptions& options);

// Transcripts: `set` holds the gold texts as annotator `gold`. WER and CER against gold (sclite's
// alignment after options.normalize), word and character accuracy (1 - WER, 1 - CER) for rules;
// every delivered text that differs from gold is a mismatching_transcript conflict.
GoldResult gold_transcripts(const TranscriptSet& set, int gold, const GoldOptions& options);

// ---------------------------------------------------------------------------------------------
// Rules (the policy) and gold-set adequacy.

// GoldRule and GoldPolicy are plain data of the model (model/policy.hpp), read by io::read_policy.
using labelqa::GoldPolicy;
using labelqa::GoldRule;

// A rule's outcome for one subject, and a subject's status over its rules.
enum class RuleResult : std::uint8_t { pass, fail, insufficient };
inline const char* rule_result_name(RuleResult r) {
  return r == RuleResult::fail ? "fail" : r == RuleResult::insufficient ? "insufficient" : "pass";
}

struct RuleOutcome {
  std::string rule;               // e.g. "accuracy>=0.95" or "recall[pedestrian]>=0.9"
  std::string metric;
  std::string cls;
  std::string subject;            // "vendor" or an annotator
  std::optional<double> value;    // the compared number (value or ci_low)
  std::optional<double> point;    // the point estimate
  double threshold = 0;
  GateOn compared = GateOn::value;
  RuleResult outcome = RuleResult::pass;
  bool passed = false;
  long long gold_items = 0;
  Reason undefined_reason = Reason::none;  // why value is missing (outcome_reason() renders it)
  long long min_items = 0;                 // the policy's minimum, for fewer_than_min_gold_items
  // Gold items the subject would need for the interval to separate the observed value from the
  // threshold (adequacy); null with a reason when it cannot be said.
  std::optional<long long> needed_items;
  Reason needed_reason = Reason::none;
};

// Evaluates every rule on every subject it names: the outcomes sorted by subject (vendor first),
// metric, class; each subject's status (fail if a rule failed, else insufficient if it has fewer
// than min_items gold items or a rule could not be decided, else pass). Throws UsageError for a
// rule naming an unknown metric, class or annotator.
// Why a rule could not be decided, as reports write it ("fewer_than_10_gold_items" names the
// policy's minimum; "" when it was decided).
std::string outcome_reason(const RuleOutcome& o);

struct RuleEvaluation {
  std::vector<RuleOutcome> outcomes;
  RuleResult vendor_status = RuleResult::pass;
  std::vector<RuleResult> status;        // per annotator
  bool failed = false;                   // some outcome is "fail"
  bool insufficient = false;             // some outcome is "insufficient"
  bool gate_failed = false;              // failed, or insufficient when the policy fails on it: exit 1
};
RuleEvaluation evaluate_rules(const GoldResult& result, const GoldPolicy& policy, double confidence);

// Gold items for a proportion: the smallest n at which the Wilson interval of an observed
// proportion `expected` lies above `threshold` (lower bound >= threshold), and the smallest n at
// which a subject whose true proportion is `expected` passes with probability >= `power` (exact
// binomial). nullopt when expected <= threshold or n would exceed `limit`.
struct GoldPlan {
  std::optional<long long> items_at_expected;  // gating on ci_low only: n at which an observed `expected` reaches the threshold
  std::optional<long long> items_for_power;
  std::optional<long long> pass_items;   // with items_for_power items: the fewest correct that pass
};
// The gate compares the value (observed proportion >= threshold) or the Wilson lower bound.
GoldPlan plan_gold_items(double threshold, double expected, double confidence, double power, GateOn gate_on, long long limit = 100000);

}  // namespace labelqa::metrics
