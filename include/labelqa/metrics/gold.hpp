// Scores of delivered categorical labels against gold labels (`labelqa gold`): accuracy with a
// Wilson interval, Cohen's kappa against gold, per-class precision/recall/F1/support, macro and
// weighted F1, and the confusion matrix. Pure functions over plain data; scikit-learn's
// definitions (accuracy_score, precision_recall_fscore_support, confusion_matrix,
// cohen_kappa_score), statsmodels' Wilson interval. docs/gold.md defines every number.
#pragma once

#include "labelqa/metrics/estimate.hpp"

#include <cstdint>
#include <utility>
#include <vector>

namespace labelqa::metrics {

// Wilson score interval of a proportion successes/n at the confidence level (as statsmodels'
// proportion_confint(method="wilson")). n must be > 0.
std::pair<double, double> wilson_interval(double successes, double n, double confidence);

struct ClassScores {
  int category = 0;
  long long support = 0;     // gold items of this class
  long long predicted = 0;   // items delivered with this class
  long long correct = 0;
  Estimate precision;        // correct / predicted (undefined: no_predictions)
  Estimate recall;           // correct / support (undefined: no_support)
  Estimate f1;               // 2 P R / (P + R); 0 when P + R = 0; undefined when P or R is
};

struct CategoricalGoldScores {
  long long items = 0;
  long long correct = 0;
  Estimate accuracy;         // correct / items, Wilson interval
  Estimate cohen_kappa;      // delivered vs gold, each side's own marginals
  Estimate macro_f1;         // mean F1 over classes in gold or delivered (sklearn: an undefined F1 counts as 0)
  Estimate weighted_f1;      // F1 weighted by support
  std::vector<ClassScores> per_class;          // classes in gold or delivered, in category order
  std::vector<std::vector<long long>> confusion;  // q x q: rows gold class, columns delivered class
};

// gold[i], given[i]: category indices (0 .. q-1) of item i.
CategoricalGoldScores score_against_gold(const std::vector<std::int32_t>& gold, const std::vector<std::int32_t>& given, int q,
                                         double confidence);

}  // namespace labelqa::metrics
