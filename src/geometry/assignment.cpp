#include "labelqa/geometry/assignment.hpp"

#include <limits>

namespace labelqa::geometry {
namespace {

// Minimum-cost assignment of every row (n <= m) to a distinct column. cost(i, j) for 0-based
// i < n, j < m. Returns the column of each row.
template <class Cost>
std::vector<int> min_cost_rows(int n, int m, Cost cost) {
  const double inf = std::numeric_limits<double>::infinity();
  // 1-based arrays; column 0 is the virtual start of each augmenting path.
  std::vector<double> u(n + 1, 0.0), v(m + 1, 0.0);
  std::vector<int> owner(m + 1, 0), way(m + 1, 0);
  for (int i = 1; i <= n; ++i) {
    owner[0] = i;
    int j0 = 0;
    std::vector<double> min_to(m + 1, inf);
    std::vector<char> used(m + 1, 0);
    do {
      used[j0] = 1;
      const int i0 = owner[j0];
      double delta = inf;
      int j1 = 0;
      for (int j = 1; j <= m; ++j) {
        if (used[j]) continue;
        const double reduced = cost(i0 - 1, j - 1) - u[i0] - v[j];
        if (reduced < min_to[j]) {
          min_to[j] = reduced;
          way[j] = j0;
        }
        if (min_to[j] < delta) {
          delta = min_to[j];
          j1 = j;
        }
      }
      for (int j = 0; j <= m; ++j) {
        if (used[j]) {
          u[owner[j]] += delta;
          v[j] -= delta;
        } else {
          min_to[j] -= delta;
        }
      }
      j0 = j1;
    } while (owner[j0] != 0);
    do {  // flip the path
      const int j1 = way[j0];
      owner[j0] = owner[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  std::vector<int> col_of_row(n, -1);
  for (int j = 1; j <= m; ++j) {
    if (owner[j] != 0) col_of_row[owner[j] - 1] = j - 1;
  }
  return col_of_row;
}

}  // namespace

std::vector<int> max_score_assignment(const std::vector<double>& score, int rows, int cols) {
  if (rows == 0 || cols == 0) return std::vector<int>(rows, -1);
  if (rows <= cols) {
    return min_cost_rows(rows, cols, [&](int i, int j) { return -score[static_cast<std::size_t>(i) * cols + j]; });
  }
  // More rows than columns: match the columns, then invert.
  std::vector<int> row_of_col =
      min_cost_rows(cols, rows, [&](int j, int i) { return -score[static_cast<std::size_t>(i) * cols + j]; });
  std::vector<int> col_of_row(rows, -1);
  for (int j = 0; j < cols; ++j) col_of_row[row_of_col[j]] = j;
  return col_of_row;
}

}  // namespace labelqa::geometry
