#include "labelqa/geometry/assignment.hpp"

#include <algorithm>
#include <limits>
#include <numeric>

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
  // Start (as Jonker-Volgenant do) from the rows whose cheapest column is still free: row i takes
  // it with u[i] = that cost, v = 0, which keeps the duals feasible and every match tight. Only
  // the rest need augmenting paths (many identical objects: none do).
  std::vector<int> pending;
  for (int i = 1; i <= n; ++i) {
    double best = inf;
    int at = 0;
    bool free_best = false;
    for (int j = 1; j <= m; ++j) {
      const double c = cost(i - 1, j - 1);
      if (c < best) {
        best = c;
        at = j;
        free_best = owner[j] == 0;
      } else if (c == best && !free_best && owner[j] == 0) {
        at = j;
        free_best = true;
      }
    }
    if (free_best) {
      owner[at] = i;
      u[i] = best;
    } else {
      pending.push_back(i);
    }
  }
  for (const int i : pending) {
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

// The dense problem: every row or every column matched (min(rows, cols) pairs).
std::vector<int> dense_assignment(const std::vector<double>& score, int rows, int cols) {
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

int find_root(std::vector<int>& parent, int x) {
  while (parent[static_cast<std::size_t>(x)] != x) {
    parent[static_cast<std::size_t>(x)] = parent[static_cast<std::size_t>(parent[static_cast<std::size_t>(x)])];
    x = parent[static_cast<std::size_t>(x)];
  }
  return x;
}

}  // namespace

std::vector<int> max_score_assignment(const std::vector<double>& score, int rows, int cols) {
  std::vector<int> col_of_row(static_cast<std::size_t>(rows), -1);
  if (rows == 0 || cols == 0) return col_of_row;
  // Connected components of the graph of positive pairs (rows 0..rows-1, columns rows..): the
  // optimum is the union of each component's optimum, and the cubic step runs per component.
  const auto R = static_cast<std::size_t>(rows), C = static_cast<std::size_t>(cols);
  std::vector<int> parent(R + C);
  std::iota(parent.begin(), parent.end(), 0);
  bool any = false;
  for (std::size_t i = 0; i < R; ++i) {
    for (std::size_t j = 0; j < C; ++j) {
      if (!(score[i * C + j] > 0)) continue;
      any = true;
      const int x = find_root(parent, static_cast<int>(i)), y = find_root(parent, static_cast<int>(R + j));
      if (x != y) parent[static_cast<std::size_t>(std::max(x, y))] = std::min(x, y);
    }
  }
  if (!any) return col_of_row;
  // Members of each component in index order (rows, then columns), components by their first row.
  std::vector<std::vector<int>> comp_rows(R), comp_cols(R);
  std::vector<char> has_edge(R + C, 0);
  for (std::size_t i = 0; i < R; ++i) {
    for (std::size_t j = 0; j < C; ++j) {
      if (score[i * C + j] > 0) has_edge[i] = has_edge[R + j] = 1;
    }
  }
  for (std::size_t k = 0; k < R + C; ++k) {
    if (!has_edge[k]) continue;
    const auto root = static_cast<std::size_t>(find_root(parent, static_cast<int>(k)));  // a row: every component has one
    if (k < R) comp_rows[root].push_back(static_cast<int>(k));
    else comp_cols[root].push_back(static_cast<int>(k - R));
  }
  std::vector<double> sub;
  for (std::size_t root = 0; root < R; ++root) {
    const auto& cr = comp_rows[root];
    const auto& cc = comp_cols[root];
    if (cr.empty()) continue;
    if (cr.size() == 1 && cc.size() == 1) {
      col_of_row[static_cast<std::size_t>(cr[0])] = cc[0];
      continue;
    }
    sub.assign(cr.size() * cc.size(), 0.0);
    for (std::size_t a = 0; a < cr.size(); ++a) {
      for (std::size_t b = 0; b < cc.size(); ++b) sub[a * cc.size() + b] = score[static_cast<std::size_t>(cr[a]) * C + static_cast<std::size_t>(cc[b])];
    }
    const std::vector<int> got = dense_assignment(sub, static_cast<int>(cr.size()), static_cast<int>(cc.size()));
    for (std::size_t a = 0; a < cr.size(); ++a) {
      const int b = got[a];
      if (b >= 0 && sub[a * cc.size() + static_cast<std::size_t>(b)] > 0) col_of_row[static_cast<std::size_t>(cr[a])] = cc[static_cast<std::size_t>(b)];
    }
  }
  return col_of_row;
}

}  // namespace labelqa::geometry
