// sclite-weighted alignment (see edit_distance.hpp).
#include "labelqa/metrics/edit_distance.hpp"

#include <algorithm>
#include <limits>
#include <unordered_map>

namespace labelqa::metrics {
namespace {

// The alignment over token ids (equal tokens, equal ids): integer comparisons in the inner loop.
EditCounts align_ids(const std::vector<std::uint32_t>& ref, const std::vector<std::uint32_t>& hyp,
                     std::vector<std::pair<std::uint32_t, std::uint32_t>>* substituted) {
  const std::size_t R = ref.size(), H = hyp.size();
  // Two rows of costs (cost of aligning ref[0, i) with hyp[0, j)) and, for the trace back, the
  // step taken into every cell: 0 correct or substitution, 1 deletion, 2 insertion. One byte per
  // cell: aligned_cells() bounds what a caller asks for.
  std::vector<int> previous(H + 1), current(H + 1);
  std::vector<std::uint8_t> step((R + 1) * (H + 1));
  auto at = [H](std::size_t i, std::size_t j) { return i * (H + 1) + j; };
  for (std::size_t j = 1; j <= H; ++j) {
    previous[j] = previous[j - 1] + k_cost_insertion;
    step[at(0, j)] = 2;
  }
  for (std::size_t i = 1; i <= R; ++i) {
    current[0] = previous[0] + k_cost_deletion;
    step[at(i, 0)] = 1;
    for (std::size_t j = 1; j <= H; ++j) {
      // Ties go to the diagonal, then to an insertion, then to a deletion: sclite's choice among
      // alignments of equal cost (checked against sclite on random character strings).
      int best = previous[j - 1] + (ref[i - 1] == hyp[j - 1] ? 0 : k_cost_substitution);
      std::uint8_t how = 0;
      if (current[j - 1] + k_cost_insertion < best) {
        best = current[j - 1] + k_cost_insertion;
        how = 2;
      }
      if (previous[j] + k_cost_deletion < best) {
        best = previous[j] + k_cost_deletion;
        how = 1;
      }
      current[j] = best;
      step[at(i, j)] = how;
    }
    std::swap(previous, current);
  }
  EditCounts out;
  std::size_t i = R, j = H;
  while (i > 0 || j > 0) {
    switch (step[at(i, j)]) {
      case 0:
        if (ref[i - 1] == hyp[j - 1]) {
          ++out.correct;
        } else {
          ++out.substitutions;
          if (substituted) substituted->emplace_back(static_cast<std::uint32_t>(i - 1), static_cast<std::uint32_t>(j - 1));
        }
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
  if (substituted) std::reverse(substituted->begin(), substituted->end());
  return out;
}

}  // namespace

EditCounts align(const std::vector<std::string_view>& ref, const std::vector<std::string_view>& hyp,
                 std::vector<std::pair<std::uint32_t, std::uint32_t>>* substituted) {
  std::unordered_map<std::string_view, std::uint32_t> id;
  id.reserve(ref.size() + hyp.size());
  std::vector<std::uint32_t> r, h;
  r.reserve(ref.size());
  h.reserve(hyp.size());
  for (const auto t : ref) r.push_back(id.emplace(t, static_cast<std::uint32_t>(id.size())).first->second);
  for (const auto t : hyp) h.push_back(id.emplace(t, static_cast<std::uint32_t>(id.size())).first->second);
  return align_ids(r, h, substituted);
}

}  // namespace labelqa::metrics
