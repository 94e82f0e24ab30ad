// The machinery every kind of gold comparison shares (private to src/metrics): a subject's
// comparison with gold is a list of per-item tallies, additive counts in a kind-specific count
// space; every score is a function of their sum, so a bootstrap over gold items only resamples
// tallies and scores the resampled sums.
#pragma once

#include "labelqa/metrics/gold.hpp"

#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace labelqa::metrics::detail {

struct ItemTally {
  std::uint32_t item = 0;
  std::vector<std::pair<std::uint32_t, double>> counts;  // (index in the count space, count)
};

struct TallyLayout {
  std::size_t size = 0;                     // dimension of the count space
  std::vector<std::string> metrics;         // subject-level scores
  std::vector<double> lower_bounds;         // per subject-level score (0 or -1)
  std::vector<double> upper_bounds;         // per subject-level score; empty: every one 1
  std::vector<std::string> classes;
  std::vector<std::string> class_metrics;   // per class, each a ratio in [0, 1]
  // Every score from summed counts: metrics, then class by class the class metrics. NaN where
  // undefined, with the reason beside it.
  std::function<void(const std::vector<double>& sums, std::vector<double>& values, std::vector<Reason>& reasons)> score;
};

struct TallyScores {
  std::vector<double> sums;
  MetricMap metrics;
  std::vector<MetricMap> class_metrics;     // parallel to layout.classes
};

// Point values from all tallies and percentile bootstrap intervals resampling them (replicate r
// draws from Rng(seed, stream * 2^20 + r): the same for any thread count).
TallyScores score_tallies(const TallyLayout& layout, const std::vector<ItemTally>& tallies, const GoldOptions& options,
                          std::uint64_t stream);

// The vendor's tallies: every annotator's tally of an item summed into one (the item is the
// resampling unit).
std::vector<ItemTally> pool_tallies(const std::vector<std::vector<ItemTally>>& per_annotator);

// Scores of every subject from their tallies: fills result.subjects and result.vendor (names,
// gold_items, metrics, per_class metrics for classes with a non-zero count in `class_used`).
// `finish` then adds each subject's counts, confusion and analytic intervals from the sums.
void score_subjects(GoldResult& result, const TallyLayout& layout, const std::vector<std::vector<ItemTally>>& tallies,
                    const GoldOptions& options, const std::function<bool(const std::vector<double>& sums, std::size_t cls)>& class_used,
                    const std::function<void(SubjectScores& subject, const TallyScores& scores)>& finish);

// Sorts the conflicts and items-level summaries; `gold_has` / `delivered` mark items of gold and of
// the delivery (indices into result.items).
void finish_result(GoldResult& result, const std::vector<std::uint8_t>& gold_has, const std::vector<std::uint8_t>& delivered);

// Categorical labels: the count space is the q x q confusion (gold row, delivered column).
TallyLayout label_layout(const std::vector<std::string>& categories);
// Wilson intervals for accuracy and per-class precision/recall, Cohen's kappa with its analytic
// interval, counts and confusion from the summed confusion.
void finish_label_scores(SubjectScores& subject, const TallyScores& scores, const std::vector<std::string>& categories,
                         double confidence);

// For a count space that is a q x q confusion: whether class c has a count in its row or column.
inline std::function<bool(const std::vector<double>&, std::size_t)> confusion_class_used(std::size_t q) {
  return [q](const std::vector<double>& s, std::size_t c) {
    double n = 0;
    for (std::size_t k = 0; k < q; ++k) n += s[c * q + k] + s[k * q + c];
    return n > 0;
  };
}

// A ratio num/den, or NaN with the reason when den is 0.
inline double ratio_or(double num, double den, Reason why, Reason& reason) {
  if (den > 0) return num / den;
  reason = why;
  return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace labelqa::metrics::detail
