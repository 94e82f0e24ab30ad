// Items compressed into rating patterns. Every coefficient here depends on an item only through
// which annotator gave which category, so items with the same ratings are one pattern with a
// frequency. Point estimates, analytic variances and bootstrap replicates (multiplicities per
// pattern) all run over patterns.
#pragma once

#include "labelqa/model/ratings.hpp"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace labelqa::metrics {

struct CategoryCount {
  std::int32_t category;
  std::int32_t count;
};

struct PatternSet {
  int annotators = 0;
  int categories = 0;
  std::vector<std::uint32_t> offsets{0};     // ratings of pattern p: [offsets[p], offsets[p+1])
  std::vector<Rating> ratings;               // sorted by annotator within a pattern
  std::vector<std::uint32_t> count_offsets{0};
  std::vector<CategoryCount> counts;         // per pattern, sorted by category
  std::vector<double> freq;                  // number of items with this pattern
  std::vector<std::uint32_t> item_pattern;   // item -> pattern (empty for derived sets)

  std::size_t size() const { return freq.size(); }
  int raters(std::size_t p) const { return static_cast<int>(offsets[p + 1] - offsets[p]); }

  // Appends a pattern (ratings sorted by annotator) and derives its category counts.
  void add(const Rating* begin, const Rating* end, double frequency);
};

// One pattern per distinct rating sequence. Patterns are ordered by pattern_key, then by content:
// the order depends only on which patterns there are.
PatternSet compress(const RatingSet& ratings);

// The hash that orders patterns (of ratings sorted by annotator).
std::uint64_t pattern_key(const Rating* begin, const Rating* end);

// Patterns with frequencies added up from many sources (shards), then put in compress' order:
// the union of shards' patterns equals compress of the union of their items.
class PatternAccumulator {
 public:
  void add(const Rating* begin, const Rating* end, double frequency);
  PatternSet finish(int annotators, int categories);
  std::size_t size() const { return m_freq.size(); }

 private:
  std::unordered_map<std::string, double> m_freq;
};

}  // namespace labelqa::metrics
