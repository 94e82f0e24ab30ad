// `agree` for categorical ratings: every coefficient overall, per class and per annotator pair,
// with confidence intervals. Pure: takes a RatingSet, returns plain data.
#pragma once

#include "labelqa/metrics/codes.hpp"
#include "labelqa/metrics/estimate.hpp"
#include "labelqa/metrics/patterns.hpp"
#include "labelqa/model/ratings.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace labelqa::metrics {

enum class CiMode {
  automatic,  // analytic where the literature gives a variance, percentile bootstrap otherwise
  analytic,   // analytic only; coefficients without a variance get no interval
  bootstrap,  // percentile bootstrap over items for every coefficient
};

// Per-pair agreement is computed when at most this many annotator pairs rated an item together,
// and the pairs over all items (the sum of r(r-1)/2 over distinct rating patterns with r ratings)
// are at most k_max_pair_ratings; otherwise `per_pair` is empty and a pairs_not_computed warning
// says why (a table of 4 items each rated by 3,000 annotators has 4.5 million pairs).
inline constexpr std::size_t k_max_pairs = 10000;
inline constexpr std::uint64_t k_max_pair_ratings = std::uint64_t{1} << 22;

struct AgreeOptions {
  double confidence = 0.95;
  CiMode ci = CiMode::automatic;
  int bootstrap = 1000;     // replicates
  std::uint64_t seed = 1;   // the same seed gives the same intervals, whatever the thread count
};

using MetricMap = std::map<std::string, Estimate>;  // metric key -> estimate, sorted by key

struct PairResult {
  int annotator_a = 0;  // indices into RatingSet::annotators, a < b
  int annotator_b = 0;
  long long items = 0;  // items rated by both
  MetricMap metrics;
};

struct ClassResult {
  int category = 0;
  long long ratings = 0;  // ratings with this label
  MetricMap metrics;
};

struct Warning {
  WarningCode code;
  std::string message;
};

struct AgreeResult {
  long long items = 0;
  long long pairable_items = 0;  // items with two or more ratings
  long long ratings = 0;
  MetricMap overall;
  std::vector<PairResult> pairs;   // sorted by (annotator_a, annotator_b) name order
  std::vector<ClassResult> classes;
  std::vector<Warning> warnings;
};

// What agreement needs of a RatingSet: its items as rating patterns with frequencies (additive
// over items, in the canonical order of compress), and the sizes and scale of its annotators and
// categories. Shards' statistics merge into the statistics of their union (commands/partial).
struct RatingStats {
  std::size_t annotators = 0;
  std::size_t categories = 0;
  Level level = Level::nominal;
  std::vector<double> category_scores;
  PatternSet patterns;  // without item_pattern
};
RatingStats rating_stats(const RatingSet& ratings);

AgreeResult analyze_agreement(const RatingSet& ratings, const AgreeOptions& options);
AgreeResult analyze_agreement(RatingStats stats, const AgreeOptions& options);

// Metric keys that have an analytic variance (all but specific_agreement).
bool has_analytic_variance(const std::string& metric);

// Landis & Koch (1977) reading of a kappa-type value: poor, slight, fair, moderate, substantial,
// almost perfect.
const char* landis_koch(double value);

}  // namespace labelqa::metrics
