// Word and character error counts of a hypothesis against a reference, aligned as NIST sclite
// aligns them: the alignment of least weighted cost with substitution 4, insertion 3 and deletion
// 3 (a correct token 0), so the split into substitutions, deletions and insertions is sclite's.
// Pure functions over token sequences; normalisation and tokenisation belong to the callers.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace labelqa::metrics {

struct EditCounts {
  long long correct = 0;
  long long substitutions = 0;
  long long deletions = 0;   // reference tokens the hypothesis lacks
  long long insertions = 0;  // hypothesis tokens the reference lacks
  long long reference() const { return correct + substitutions + deletions; }
  long long errors() const { return substitutions + deletions + insertions; }
};

// sclite's default costs.
inline constexpr int k_cost_substitution = 4, k_cost_insertion = 3, k_cost_deletion = 3;

// The counts of the least-cost alignment; with `substituted`, also the (reference, hypothesis)
// positions of its substitutions, in order. Memory: one byte per (reference + 1) x (hypothesis + 1)
// cell: callers bound it with k_max_aligned_cells.
EditCounts align(const std::vector<std::string_view>& reference, const std::vector<std::string_view>& hypothesis,
                 std::vector<std::pair<std::uint32_t, std::uint32_t>>* substituted = nullptr);

// The largest alignment callers ask for (128 MiB of trace back); longer texts are not aligned.
inline constexpr std::uint64_t k_max_aligned_cells = std::uint64_t{1} << 27;
inline std::uint64_t aligned_cells(std::size_t reference, std::size_t hypothesis) {
  return (static_cast<std::uint64_t>(reference) + 1) * (static_cast<std::uint64_t>(hypothesis) + 1);
}

}  // namespace labelqa::metrics
