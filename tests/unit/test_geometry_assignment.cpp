// Optimal assignment against exhaustive search over all matchings on small random matrices.
#include "labelqa/geometry/assignment.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <numeric>
#include <random>
#include <set>

using labelqa::geometry::max_score_assignment;

namespace {

// Best total over all injective maps of the smaller side into the larger one.
double brute_best(const std::vector<double>& s, int rows, int cols) {
  const bool by_rows = rows <= cols;
  const int small = by_rows ? rows : cols, large = by_rows ? cols : rows;
  std::vector<int> perm(large);
  std::iota(perm.begin(), perm.end(), 0);
  double best = -1e300;
  do {
    double total = 0;
    for (int k = 0; k < small; ++k) {
      total += by_rows ? s[static_cast<std::size_t>(k) * cols + perm[k]] : s[static_cast<std::size_t>(perm[k]) * cols + k];
    }
    best = std::max(best, total);
  } while (std::next_permutation(perm.begin(), perm.end()));
  return best;
}

}  // namespace

TEST_SUITE("geometry::assignment") {
  TEST_CASE("empty sides") {
    CHECK(max_score_assignment({}, 0, 3).empty());
    CHECK(max_score_assignment({}, 2, 0) == std::vector<int>{-1, -1});
  }
  TEST_CASE("greedy is not optimal, the assignment is") {
    // Greedy takes 0.9 (row 0 -> col 0) and is left with 0.1; the optimum is 0.8 + 0.8.
    std::vector<double> s = {0.9, 0.8, 0.8, 0.1};
    CHECK(max_score_assignment(s, 2, 2) == std::vector<int>{1, 0});
  }
  TEST_CASE("components are solved apart, and rows without a positive pair stay unmatched") {
    // Rows 0-1 overlap columns 0-1 (the greedy trap again), row 2 overlaps only column 3, row 3
    // nothing, column 2 nothing.
    std::vector<double> s = {0.9, 0.8, 0, 0,  //
                             0.8, 0.1, 0, 0,  //
                             0, 0, 0, 0.5,    //
                             0, 0, 0, 0};
    CHECK(max_score_assignment(s, 4, 4) == std::vector<int>{1, 0, 3, -1});
  }
  TEST_CASE("matches exhaustive search on random rectangular matrices") {
    std::mt19937 rng(11);
    std::uniform_real_distribution<double> unit(0, 1);
    for (int trial = 0; trial < 300; ++trial) {
      const int rows = 1 + static_cast<int>(rng() % 6), cols = 1 + static_cast<int>(rng() % 6);
      std::vector<double> s(static_cast<std::size_t>(rows) * cols);
      for (auto& x : s) x = rng() % 3 == 0 ? 0.0 : unit(rng);  // many zeros, as IoU matrices have
      auto match = max_score_assignment(s, rows, cols);
      REQUIRE(match.size() == static_cast<std::size_t>(rows));
      std::set<int> used;
      double total = 0;
      int matched = 0;
      for (int i = 0; i < rows; ++i) {
        if (match[i] < 0) continue;
        CHECK(used.insert(match[i]).second);
        total += s[static_cast<std::size_t>(i) * cols + match[i]];
        ++matched;
      }
      for (int i = 0; i < rows; ++i) {
        if (match[i] >= 0) CHECK(s[static_cast<std::size_t>(i) * cols + match[i]] > 0);  // positive pairs only
      }
      CHECK(matched <= std::min(rows, cols));
      CHECK(total == doctest::Approx(brute_best(s, rows, cols)).epsilon(1e-12));
    }
  }
}
