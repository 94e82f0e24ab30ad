// `report` for time segments and transcripts: each annotator against gold, as `gold` scores them
// (with intervals), plus what a per-annotator error report adds: the error of every recording in
// the order the annotator delivered them, its drift over consecutive blocks of that work, the
// annotator's most frequent word substitutions, and the recording where it erred most. Pure
// functions over plain data; docs/report.md defines every number.
#pragma once

#include "labelqa/metrics/gold.hpp"
#include "labelqa/metrics/transcripts.hpp"
#include "labelqa/model/segments.hpp"
#include "labelqa/model/transcripts.hpp"

#include <optional>
#include <string>
#include <vector>

namespace labelqa::metrics {

struct TimeItemError {
  std::uint32_t item = 0;          // index into TimeReport::gold.items
  double errors = 0, reference = 0;  // the error rate's numerator and denominator
};

struct TimeAnnotator {
  std::string name;
  std::vector<TimeItemError> items;   // gold items it delivered, in its work order
  // Drift: the pooled error rate of consecutive blocks of its items (at most `blocks` blocks of
  // equal size); NaN for a block with nothing to compare.
  std::vector<double> drift;
  std::vector<long long> drift_items;
  std::optional<double> drift_change;  // last block minus first block
  std::vector<Substitution> substitutions;  // transcripts: its most frequent (gold word, its word)
  std::optional<std::uint32_t> worst_item;  // the gold item of its highest error rate
};

struct TimeReport {
  GoldResult gold;                 // the scores, intervals and conflicts `gold` gives
  std::string error_name;          // "wer", "der" or "segment_error_rate"
  std::vector<TimeAnnotator> annotators;  // parallel to gold.subjects
  std::vector<Substitution> substitutions;  // transcripts: over every annotator
};

// `blocks`: drift blocks per annotator; `top`: substitutions kept.
TimeReport transcript_report(const TranscriptSet& set, int gold, const GoldOptions& options, int blocks = 10, std::size_t top = 10);
// The error rate: DER for speaker turns; otherwise (missing + extra + mismatching_label) / gold
// segments, over the gold conflicts.
TimeReport segment_report(const SegmentSet& set, int gold, const GoldOptions& options, int blocks = 10);

}  // namespace labelqa::metrics
