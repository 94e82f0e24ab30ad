// The core model for categorical ratings: who gave which label to which item.
// Plain data; readers fill it, metrics read it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace labelqa {

// Measurement level of the labels (Krippendorff 2011): decides the disagreement metric of alpha
// and whether labels carry numeric scores.
enum class Level { nominal, ordinal, interval, ratio };
const char* level_name(Level level);

struct Rating {
  std::int32_t annotator;  // index into RatingSet::annotators
  std::int32_t category;   // index into RatingSet::categories
};

// What a reader left out of the model, and why (cancelled annotations, unsupported result types):
// reported in the "input" section of every report.
struct SkippedInput {
  std::string file;
  std::string reason;
  std::size_t count = 0;
};

// Something a reader or a merge could not decide and a user must know (two items with one name,
// annotations with no annotator): shown in the "input" section of every report.
struct InputWarning {
  std::string code;     // ambiguous_item_name, anonymous_annotator, ...
  std::string message;
};

struct SourceRef {
  std::uint32_t file;  // index into RatingSet::files
  std::uint32_t line;  // 1-based line where the rating's record starts
};

// Ratings grouped by item (CSR layout). Within an item, ratings are sorted by annotator and an
// annotator appears at most once. Items with no rating are not stored.
struct RatingSet {
  std::vector<std::string> files;
  std::vector<std::string> items;       // in order of first appearance
  std::vector<std::string> annotators;  // sorted by name
  std::vector<std::string> categories;  // nominal: sorted by name; ordinal/interval/ratio: by score
  // Numeric score of each category: the value (interval, ratio, numeric ordinal) or the
  // 1-based rank in --order. Empty at the nominal level.
  std::vector<double> category_scores;
  Level level = Level::nominal;

  std::vector<std::uint32_t> item_offsets;  // size items.size() + 1
  std::vector<Rating> ratings;              // ratings of item i: [item_offsets[i], item_offsets[i+1])
  std::vector<SourceRef> sources;           // parallel to ratings
  // Milliseconds since the Unix epoch, parallel to ratings; empty when no time column was read.
  // k_no_time marks a rating whose timestamp cell was empty.
  std::vector<std::int64_t> timestamps;
  static constexpr std::int64_t k_no_time = INT64_MIN;

  std::vector<SkippedInput> skipped;
  std::vector<InputWarning> warnings;

  std::size_t item_count() const { return items.size(); }
  std::size_t rating_count() const { return ratings.size(); }
};

}  // namespace labelqa
