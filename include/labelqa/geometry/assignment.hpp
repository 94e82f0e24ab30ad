// Optimal one-to-one matching of two object sets (Kuhn-Munkres / Hungarian algorithm with
// potentials, shortest augmenting paths as in Jonker & Volgenant; O(n^2 m)).
#pragma once

#include <vector>

namespace labelqa::geometry {

// score: rows x cols, row-major (e.g. IoU between object i of one annotator and j of another).
// Returns, for each row, the column it is matched to, or -1; the matching maximises the total
// score among all one-to-one matchings that match min(rows, cols) pairs. Deterministic: the same
// matrix gives the same matching. Callers drop pairs below their threshold afterwards.
std::vector<int> max_score_assignment(const std::vector<double>& score, int rows, int cols);

}  // namespace labelqa::geometry
