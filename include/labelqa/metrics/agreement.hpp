// Chance-corrected agreement coefficients for categorical ratings, in the formulation of
// Gwet, Handbook of Inter-Rater Reliability (4th ed., 2014), as the R/Python package irrCAC
// computes them: missing ratings allowed, items with one rating count towards the chance term,
// variances by linearisation (Gwet ch. 5) with Student-t intervals on n-1 degrees of freedom.
//
// All functions take a PatternSet and a multiplicity per pattern (its frequency for the point
// estimate, a bootstrap draw for a replicate). They never print and never return NaN: an
// undefined value comes back as Estimate::undefined(reason).
#pragma once

#include "labelqa/metrics/estimate.hpp"
#include "labelqa/metrics/patterns.hpp"
#include "labelqa/model/ratings.hpp"

#include <cstdint>
#include <utility>
#include <vector>

namespace labelqa::metrics {

// Agreement weights between categories: 1 on the diagonal, in [0, 1] elsewhere.
struct WeightMatrix {
  int q = 0;
  bool identity = true;
  std::vector<double> w;  // q*q, row-major, when !identity
  double at(int k, int l) const { return identity ? (k == l ? 1.0 : 0.0) : w[static_cast<std::size_t>(k) * q + l]; }
  double total() const;   // sum of all entries (Gwet's T_w)
};

WeightMatrix identity_weights(int q);
// Gwet's weights on category scores: linear 1-|k-l|/(max-min), quadratic 1-(k-l)^2/(max-min)^2.
WeightMatrix linear_weights(const std::vector<double>& scores);
WeightMatrix quadratic_weights(const std::vector<double>& scores);

enum class Chance {
  percent,           // no chance correction: percent agreement itself
  fleiss,            // Fleiss (1971), generalised to missing ratings (Gwet 2014, sec. 2.3)
  gwet,              // Gwet's AC1 (identity weights) / AC2 (other weights)
  brennan_prediger,  // Brennan & Prediger (1981): chance = T_w / q^2
};

// Percent agreement, Fleiss' kappa, Gwet's AC1/AC2 or Brennan-Prediger under weights W.
Estimate chance_corrected(const PatternSet& ps, const double* mult, const WeightMatrix& W, Chance chance,
                          bool with_se);

// Conger's (1980) kappa: Fleiss' observed agreement, chance from each annotator's own marginals.
Estimate conger_kappa(const PatternSet& ps, const double* mult, bool with_se);

// Krippendorff's alpha (Krippendorff 2011) at a level; scores are the category scores for
// interval/ratio (values) and define the order for ordinal. Standard error as irrCAC computes it.
Estimate krippendorff_alpha(const PatternSet& ps, const double* mult, Level level, const std::vector<double>& scores,
                            bool with_se);

// Where each category occurs, built once for all categories so that per-category coefficients
// cost what the ratings hold, not categories x patterns: for category k, the patterns with a
// non-zero multiplicity that hold it, in pattern order, with its count there; and the
// multiplicity of the patterns of each number of ratings.
struct CategoryIndex {
  std::vector<std::uint32_t> start;                        // category k: at[start[k], start[k + 1])
  std::vector<std::pair<std::uint32_t, std::int32_t>> at;  // (pattern, count)
  std::vector<double> with_raters;                         // [r]: items with r ratings
  double pairable() const;                                 // items with two or more ratings
};
CategoryIndex index_categories(const PatternSet& ps, const double* mult);

// Fleiss' kappa for one category against all others (Fleiss 1971, eq. 10, with missing ratings).
Estimate category_kappa(const PatternSet& ps, const double* mult, int category, bool with_se);
// category_kappa of every category at once, in time linear in the ratings (not categories x items).
// With `only`, just those categories (the others are left default).
std::vector<Estimate> category_kappas(const PatternSet& ps, const double* mult, bool with_se, const std::vector<int>* only = nullptr);

// Specific (positive) agreement for one category: sum r_ik(r_ik-1) / sum r_ik(r_i-1) over items
// with two or more ratings (Uebersax 1982); for two annotators 2 n_kk / (n_k. + n_.k).
Estimate specific_agreement(const PatternSet& ps, const double* mult, int category);
// specific_agreement of every category at once.
std::vector<Estimate> specific_agreements(const PatternSet& ps, const double* mult, const std::vector<int>* only = nullptr);

}  // namespace labelqa::metrics
