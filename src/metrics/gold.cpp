#include "labelqa/metrics/gold.hpp"

#include "labelqa/metrics/agreement.hpp"
#include "labelqa/metrics/cohen.hpp"
#include "labelqa/metrics/distributions.hpp"

#include <cmath>

namespace labelqa::metrics {

std::pair<double, double> wilson_interval(double k, double n, double confidence) {
  const double z = normal_quantile(1 - (1 - confidence) / 2);
  const double p = k / n, z2 = z * z;
  const double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const double half = z / (1 + z2 / n) * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  return {centre - half, centre + half};
}

namespace {

Estimate ratio(long long num, long long den, const char* reason_if_none) {
  Estimate e = den > 0 ? Estimate{} : Estimate::undefined(reason_if_none);
  if (den > 0) e.value = static_cast<double>(num) / static_cast<double>(den);
  e.lower_bound = 0;
  e.upper_bound = 1;
  return e;
}

}  // namespace

CategoricalGoldScores score_against_gold(const std::vector<std::int32_t>& gold, const std::vector<std::int32_t>& given, int q,
                                         double confidence) {
  CategoricalGoldScores out;
  const auto Q = static_cast<std::size_t>(q);
  out.confusion.assign(Q, std::vector<long long>(Q, 0));
  for (std::size_t i = 0; i < gold.size() && i < given.size(); ++i) {
    ++out.confusion[static_cast<std::size_t>(gold[i])][static_cast<std::size_t>(given[i])];
    ++out.items;
    out.correct += gold[i] == given[i];
  }
  out.accuracy = ratio(out.correct, out.items, "no_gold_items");
  if (out.items > 0) {
    const auto [lo, hi] = wilson_interval(static_cast<double>(out.correct), static_cast<double>(out.items), confidence);
    out.accuracy.ci_low = lo;
    out.accuracy.ci_high = hi;
    out.accuracy.ci_method = "wilson";
  }
  std::vector<TableCell> cells;
  for (int a = 0; a < q; ++a) {
    for (int b = 0; b < q; ++b) {
      const long long n = out.confusion[static_cast<std::size_t>(a)][static_cast<std::size_t>(b)];
      if (n) cells.push_back({a, b, static_cast<double>(n)});
    }
  }
  out.cohen_kappa = out.items > 0 ? cohen_kappa(cells, q, identity_weights(q), true) : Estimate::undefined("no_gold_items");
  double macro = 0, weighted = 0;
  long long classes = 0;
  for (std::size_t c = 0; c < Q; ++c) {
    ClassScores cs;
    cs.category = static_cast<int>(c);
    for (std::size_t k = 0; k < Q; ++k) {
      cs.support += out.confusion[c][k];
      cs.predicted += out.confusion[k][c];
    }
    if (cs.support == 0 && cs.predicted == 0) continue;
    cs.correct = out.confusion[c][c];
    cs.precision = ratio(cs.correct, cs.predicted, "no_predictions");
    cs.recall = ratio(cs.correct, cs.support, "no_support");
    // F1 as scikit-learn computes it: 2 TP / (2 TP + FP + FN); with an undefined precision or
    // recall the class still counts in the averages with F1 = that formula (0 when TP = 0).
    const long long den = cs.support + cs.predicted;
    cs.f1 = ratio(2 * cs.correct, den, "no_support");
    const double f = cs.f1.value.value_or(0.0);
    macro += f;
    weighted += f * static_cast<double>(cs.support);
    ++classes;
    out.per_class.push_back(cs);
  }
  out.macro_f1 = classes ? Estimate::ratio(macro / static_cast<double>(classes), "no_gold_items") : Estimate::undefined("no_gold_items");
  out.weighted_f1 = out.items ? Estimate::ratio(weighted / static_cast<double>(out.items), "no_gold_items") : Estimate::undefined("no_gold_items");
  return out;
}

}  // namespace labelqa::metrics
