// `agree` for time segments (audio and video): per recording and annotator pair, segments matched
// one to one by temporal IoU (the objects' matcher on the time axis), boundary F1 within a collar,
// Krippendorff's unitizing alpha, frame-level agreement, and for speaker turns the diarization
// error rate and Jaccard error rate as NIST md-eval and dscore define them. Intervals by bootstrap
// over recordings. Pure: takes a SegmentSet, returns plain data. docs/segments.md defines every
// number.
#pragma once

#include "labelqa/metrics/analyze.hpp"
#include "labelqa/metrics/estimate.hpp"
#include "labelqa/metrics/spatial.hpp"
#include "labelqa/model/objects.hpp"
#include "labelqa/model/segments.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace labelqa::metrics {

struct SegmentOptions {
  double iou_threshold = 0.5;   // matched segments need temporal IoU >= this (and > 0)
  Micros collar = 200000;       // boundary F1's tolerance; DER's no-score collar around reference boundaries
  bool skip_overlap = false;    // DER: leave out time where the reference has overlapping speech (md-eval -1)
  Micros resolution = 10000;    // frame length of frame-level agreement
  double confidence = 0.95;
  int bootstrap = 1000;         // replicates resampling recordings; 0 = no intervals
  std::uint64_t seed = 1;
};

// Boundaries (segment starts and ends) of two annotators matched one to one within the collar.
struct BoundaryCounts {
  long long boundaries_a = 0, boundaries_b = 0, matched = 0;
  void add(const BoundaryCounts& o);
};
struct BoundaryScores {
  BoundaryCounts counts;
  Estimate precision;  // matched / boundaries_b (annotator a as the reference)
  Estimate recall;     // matched / boundaries_a
  Estimate f1;         // 2 matched / (boundaries_a + boundaries_b)
};

// Limits of one comparison (docs/limits.md): speakers of one annotator on one recording, the
// elementary intervals of a recording times its speakers (DER's work and memory), and the
// recordings x labels x coder pairs unitizing alpha walks.
inline constexpr std::size_t k_max_speakers = 1024;
inline constexpr std::uint64_t k_max_diarization_cells = std::uint64_t{1} << 26;
inline constexpr std::uint64_t k_max_unitizing_cells = std::uint64_t{1} << 26;

// md-eval's time sums, in microseconds (speaker time: overlapping speakers count each; exact as
// doubles up to 2^53 microseconds, 285 years), and dscore's per-reference-speaker Jaccard errors.
struct DiarizationCounts {
  double scored = 0;       // reference speaker time in the scored regions
  double missed = 0;       // max(0, reference speakers - system speakers) x time
  double false_alarm = 0;  // max(0, system speakers - reference speakers) x time
  double confusion = 0;    // (min(reference, system) - correctly mapped) x time
  double jer_sum = 0;      // sum over reference speakers of their Jaccard error (0..1)
  long long reference_speakers = 0;
  void add(const DiarizationCounts& o);
};
struct DiarizationScores {
  DiarizationCounts counts;
  Estimate der;          // (missed + false_alarm + confusion) / scored; may exceed 1
  Estimate missed;       // missed / scored
  Estimate false_alarm;  // false_alarm / scored
  Estimate confusion;    // confusion / scored
  Estimate jer;          // mean Jaccard error of the reference speakers
};

// Krippendorff's unitizing alpha of one label: observed and expected disagreement.
struct UnitizingLabel {
  int label = 0;         // index into SegmentResult::unitizing_labels
  double observed = 0, expected = 0;
  Estimate alpha;
};

struct SegmentPair {
  int annotator_a = 0, annotator_b = 0;
  long long items = 0, items_only_a = 0, items_only_b = 0;
  ObjectScores segments;        // temporal-IoU matching (counts, F1, mean IoU)
  BoundaryScores boundaries;
  std::optional<DiarizationScores> diarization;  // speaker turns: a as reference, b as system
};

struct SegmentItem {
  std::uint32_t item = 0;
  int pairs = 0;
  ObjectScores segments;
  BoundaryScores boundaries;
  std::optional<DiarizationScores> diarization;
};

struct SegmentResult {
  long long items = 0;             // recordings in the set
  long long items_compared = 0;    // recordings at least one pair compared
  long long segments = 0;
  std::vector<long long> annotator_segments;
  std::vector<long long> annotator_items;
  ObjectScores overall;            // matching pooled over pairs
  BoundaryScores boundaries;
  std::optional<DiarizationScores> diarization;
  std::vector<SegmentPair> pairs;
  std::vector<SpatialClass> labels;        // matching per label (labels of SegmentSet; none for speaker turns)
  std::vector<SegmentItem> per_item;       // compared recordings, worst first (lowest F1, then boundary F1, then name)
  ObjectUnits clusters;                    // chance-corrected agreement on segment clusters (as for objects)
  // Unitizing alpha (Krippendorff 2004/2013) over the recordings every annotator delivered, in
  // milliseconds; speaker turns are unitized as speech.
  long long unitized_items = 0;
  std::vector<std::string> unitizing_labels;
  Estimate u_alpha;
  std::vector<UnitizingLabel> u_alpha_labels;
  // Frame-level agreement: each frame of `resolution` of a recording two or more annotators
  // delivered is a unit, rated with the labels active at its start ("(none)" for none; speaker
  // turns as speech). No intervals: neighbouring frames are not independent draws.
  long long frames = 0;
  MetricMap frame_metrics;        // percent_agreement, fleiss_kappa, krippendorff_alpha, gwet_ac1
  std::vector<Warning> warnings;
};

inline constexpr const char* k_no_label = "(none)";
inline constexpr const char* k_speech = "speech";

SegmentResult analyze_segments(const SegmentSet& set, const SegmentOptions& options);

// Speaker turns: per recording, the md-eval sums of annotator `system` against `reference` (zero
// where either did not deliver it). Refuses, as analyze_segments does, recordings past the limits.
std::vector<DiarizationCounts> item_diarization(const SegmentSet& set, int reference, int system, const SegmentOptions& options);

// Krippendorff's unitizing alpha of one continuum [begin, begin + length) coded by `coders`
// coders: each unit (coder, label, begin, length) in integer units of time. Exposed for the
// published worked examples (docs/segments.md): per label its observed and expected disagreement
// and alpha, and the alpha over all labels.
struct Unit {
  int coder = 0, label = 0;
  long long begin = 0, length = 0;
};
struct UnitizingResult {
  std::vector<double> observed, expected;  // per label
  Estimate alpha;                          // 1 - sum observed / sum expected
  std::vector<Estimate> label_alpha;
};
UnitizingResult unitizing_alpha(long long begin, long long length, int coders, int labels, const std::vector<Unit>& units);

}  // namespace labelqa::metrics
