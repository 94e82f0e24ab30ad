#include "labelqa/metrics/cohen.hpp"

#include <cmath>

namespace labelqa::metrics {

Estimate cohen_kappa(const std::vector<TableCell>& cells, int q, const WeightMatrix& W, bool with_se) {
  double N = 0;
  std::vector<double> row(q, 0.0), col(q, 0.0);
  double agree = 0;
  for (const auto& c : cells) {
    N += c.count;
    row[c.a] += c.count;
    col[c.b] += c.count;
    agree += W.at(c.a, c.b) * c.count;
  }
  if (N == 0) return Estimate::undefined(reason::no_pairable_items);
  for (int k = 0; k < q; ++k) {
    row[k] /= N;
    col[k] /= N;
  }
  const double po = agree / N;
  // w_row[i] = sum_j col_j w_ij, w_col[j] = sum_i row_i w_ij (weights "expected" by row and column)
  std::vector<double> w_row(q, 0.0), w_col(q, 0.0);
  double pe = 0;
  if (W.identity) {
    w_row = col;
    w_col = row;
    for (int k = 0; k < q; ++k) pe += row[k] * col[k];
  } else {
    for (int i = 0; i < q; ++i) {
      for (int j = 0; j < q; ++j) {
        const double w = W.at(i, j);
        w_row[i] += col[j] * w;
        w_col[j] += row[i] * w;
        pe += w * row[i] * col[j];
      }
    }
  }
  if (1 - pe <= 1e-12) return Estimate::undefined(reason::single_category);
  const double kappa = (po - pe) / (1 - pe);
  Estimate e;
  e.value = kappa;
  if (!with_se) return e;
  double term = 0;
  for (const auto& c : cells) {
    const double d = W.at(c.a, c.b) - (w_col[c.b] + w_row[c.a]) * (1 - kappa);
    term += (c.count / N) * d * d;
  }
  const double var = (term - (kappa - pe * (1 - kappa)) * (kappa - pe * (1 - kappa))) / ((1 - pe) * (1 - pe) * N);
  e.se = std::sqrt(std::max(var, 0.0));
  e.df = 0;  // normal interval
  return e;
}

}  // namespace labelqa::metrics
