// Test helpers: ratings from a literal items x raters matrix (-1 = not rated).
#pragma once

#include "labelqa/metrics/patterns.hpp"
#include "labelqa/model/ratings.hpp"

#include <optional>
#include <string>
#include <vector>

namespace labelqa::test {

// This run's scratch folder: fresh per run, deleted when every test passes, kept when one fails.
const std::string& tmp_dir();
std::string& scratch();
// The shared samples beside the repository (../shared/samples), or nullopt after printing one line
// saying that `what` is skipped: a plain clone has no samples.
std::optional<std::string> samples(const std::string& what);

inline RatingSet ratings_from_matrix(const std::vector<std::vector<int>>& rows, int categories,
                                     Level level = Level::nominal, std::vector<double> scores = {}) {
  RatingSet rs;
  rs.level = level;
  rs.category_scores = std::move(scores);
  for (int c = 0; c < categories; ++c) rs.categories.push_back(std::to_string(c));
  const std::size_t raters = rows.empty() ? 0 : rows[0].size();
  for (std::size_t a = 0; a < raters; ++a) rs.annotators.push_back(std::to_string(a).insert(0, 1, 'r'));
  rs.item_offsets.push_back(0);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    bool any = false;
    for (std::size_t a = 0; a < raters; ++a) {
      if (rows[i][a] < 0) continue;
      rs.ratings.push_back({static_cast<int>(a), rows[i][a]});
      rs.sources.push_back({0, static_cast<std::uint32_t>(i + 2)});
      any = true;
    }
    if (!any) continue;
    rs.items.push_back(std::to_string(i + 1));
    rs.item_offsets.push_back(static_cast<std::uint32_t>(rs.ratings.size()));
  }
  return rs;
}

// Rows of category counts (Fleiss' layout) to ratings by raters 0..m-1 in category order.
inline RatingSet ratings_from_counts(const std::vector<std::vector<int>>& counts) {
  std::vector<std::vector<int>> rows;
  int raters = 0;
  for (const auto& row : counts) {
    int m = 0;
    for (int c : row) m += c;
    raters = std::max(raters, m);
  }
  for (const auto& row : counts) {
    std::vector<int> r;
    for (std::size_t k = 0; k < row.size(); ++k) r.insert(r.end(), row[k], static_cast<int>(k));
    r.resize(raters, -1);
    rows.push_back(r);
  }
  return ratings_from_matrix(rows, static_cast<int>(counts[0].size()));
}

}  // namespace labelqa::test
