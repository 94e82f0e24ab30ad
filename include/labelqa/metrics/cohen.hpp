// Cohen's kappa (Cohen 1960; weighted: Cohen 1968) for two annotators, from their contingency
// table, with the large-sample variance of Fleiss, Cohen & Everitt (1969) and a normal interval,
// as statsmodels' cohens_kappa computes them. Chance agreement uses each annotator's own marginals.
#pragma once

#include "labelqa/metrics/agreement.hpp"
#include "labelqa/metrics/estimate.hpp"

#include <vector>

namespace labelqa::metrics {

struct TableCell {
  int a;         // category given by the first annotator
  int b;         // category given by the second annotator
  double count;  // items (or bootstrap multiplicity)
};

// W: agreement weights (identity, linear or quadratic). Cells may repeat; zero cells may be absent.
Estimate cohen_kappa(const std::vector<TableCell>& cells, int q, const WeightMatrix& W, bool with_se);

}  // namespace labelqa::metrics
