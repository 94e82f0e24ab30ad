// Optimal one-to-one matching of two object sets (Kuhn-Munkres / Hungarian algorithm with
// potentials, shortest augmenting paths as in Jonker & Volgenant; O(n^2 m)).
#pragma once

#include <vector>

namespace labelqa::geometry {

// score: rows x cols, row-major (e.g. IoU between object i of one annotator and j of another).
// Returns, for each row, the column it is matched to, or -1; only pairs of positive score are
// matched, and the matching maximises their total score. The work is cubic only in the size of
// each connected component of positive pairs (objects that overlap), not in the whole image.
// Deterministic: the same matrix gives the same matching. Callers drop pairs below their
// threshold beforehand (score 0).
std::vector<int> max_score_assignment(const std::vector<double>& score, int rows, int cols);

}  // namespace labelqa::geometry
