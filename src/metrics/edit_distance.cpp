// sclite-weighted alignment (see edit_distance.hpp).
#include "labelqa/metrics/edit_distance.hpp"

#include <algorithm>
#include <limits>

namespace labelqa::metrics {

EditCounts align(const std::vector<std::string_view>& ref, const std::vector<std::string_view>& hyp) {
  const std::size_t R = ref.size(), H = hyp.size();
  // cost[i][j]: least cost of aligning ref[0, i) with hyp[0, j); one row per reference token, and
  // the step taken into each cell for the trace back (0 correct/substitution, 1 deletion, 2 insertion).
  std::vector<int> cost((R + 1) * (H + 1));
  std::vector<std::uint8_t> step((R + 1) * (H + 1));
  auto at = [H](std::size_t i, std::size_t j) { return i * (H + 1) + j; };
  for (std::size_t i = 0; i <= R; ++i) {
    for (std::size_t j = 0; j <= H; ++j) {
      if (i == 0 && j == 0) continue;
      int best = std::numeric_limits<int>::max();
      std::uint8_t how = 0;
      if (i > 0 && j > 0) {
        best = cost[at(i - 1, j - 1)] + (ref[i - 1] == hyp[j - 1] ? 0 : k_cost_substitution);
        how = 0;
      }
      if (i > 0 && cost[at(i - 1, j)] + k_cost_deletion < best) {
        best = cost[at(i - 1, j)] + k_cost_deletion;
        how = 1;
      }
      if (j > 0 && cost[at(i, j - 1)] + k_cost_insertion < best) {
        best = cost[at(i, j - 1)] + k_cost_insertion;
        how = 2;
      }
      cost[at(i, j)] = best;
      step[at(i, j)] = how;
    }
  }
  EditCounts out;
  std::size_t i = R, j = H;
  while (i > 0 || j > 0) {
    switch (step[at(i, j)]) {
      case 0:
        (ref[i - 1] == hyp[j - 1] ? out.correct : out.substitutions)++;
        --i;
        --j;
        break;
      case 1:
        ++out.deletions;
        --i;
        break;
      default:
        ++out.insertions;
        --j;
        break;
    }
  }
  return out;
}

}  // namespace labelqa::metrics
