#include "labelqa/metrics/agreement.hpp"

#include <algorithm>
#include <cmath>

namespace labelqa::metrics {
namespace {

constexpr double k_eps = 1e-12;

struct CountSpan {
  const CategoryCount* begin;
  const CategoryCount* end;
};

CountSpan counts_of(const PatternSet& ps, std::size_t p) {
  return {ps.counts.data() + ps.count_offsets[p], ps.counts.data() + ps.count_offsets[p + 1]};
}

// sum_k r_ik (sum_l w_kl r_il - 1): the numerator of an item's weighted agreement.
double weighted_pairs(CountSpan c, const WeightMatrix& W) {
  double s = 0;
  for (const CategoryCount* a = c.begin; a != c.end; ++a) {
    double star = 0;
    if (W.identity) {
      star = a->count;
    } else {
      for (const CategoryCount* b = c.begin; b != c.end; ++b) star += W.at(a->category, b->category) * b->count;
    }
    s += a->count * (star - 1.0);
  }
  return s;
}

// (W pi + W' pi) / 2
std::vector<double> symmetric_weighted(const WeightMatrix& W, const std::vector<double>& pi) {
  if (W.identity) return pi;
  const int q = W.q;
  std::vector<double> out(q, 0.0);
  for (int k = 0; k < q; ++k) {
    double a = 0, b = 0;
    for (int l = 0; l < q; ++l) {
      a += W.at(k, l) * pi[l];
      b += W.at(l, k) * pi[l];
    }
    out[k] = (a + b) / 2;
  }
  return out;
}

double quad_form(const WeightMatrix& W, const std::vector<double>& pi) {
  double s = 0;
  if (W.identity) {
    for (double v : pi) s += v * v;
    return s;
  }
  for (int k = 0; k < W.q; ++k) {
    if (pi[k] == 0) continue;
    for (int l = 0; l < W.q; ++l) s += W.at(k, l) * pi[k] * pi[l];
  }
  return s;
}

void set_se(Estimate& e, double sum_sq, double n) {
  if (n < 2) return;
  double var = sum_sq / (n * (n - 1));
  e.se = std::sqrt(std::max(var, 0.0));
  e.df = n - 1;
}

WeightMatrix from_disagreement(std::vector<double> d2, int q) {
  double max = 0;
  for (double v : d2) max = std::max(max, v);
  WeightMatrix W;
  W.q = q;
  W.identity = false;
  W.w.resize(d2.size());
  for (std::size_t i = 0; i < d2.size(); ++i) W.w[i] = max > 0 ? 1.0 - d2[i] / max : (d2[i] == 0 ? 1.0 : 0.0);
  if (max == 0) W.q = -1;  // marks "no disagreement possible": every pairable value is the same
  return W;
}

}  // namespace

double WeightMatrix::total() const {
  if (identity) return q;
  double s = 0;
  for (double v : w) s += v;
  return s;
}

WeightMatrix identity_weights(int q) {
  WeightMatrix W;
  W.q = q;
  return W;
}

static WeightMatrix distance_weights(const std::vector<double>& scores, bool quadratic) {
  WeightMatrix W;
  W.q = static_cast<int>(scores.size());
  W.identity = false;
  W.w.assign(scores.size() * scores.size(), 0.0);
  auto [mn, mx] = std::minmax_element(scores.begin(), scores.end());
  double range = scores.empty() ? 0.0 : *mx - *mn;
  for (int k = 0; k < W.q; ++k) {
    for (int l = 0; l < W.q; ++l) {
      double d = std::fabs(scores[k] - scores[l]);
      double v = range > 0 ? (quadratic ? 1.0 - (d * d) / (range * range) : 1.0 - d / range) : (k == l ? 1.0 : 0.0);
      W.w[static_cast<std::size_t>(k) * W.q + l] = v;
    }
  }
  return W;
}

WeightMatrix linear_weights(const std::vector<double>& scores) { return distance_weights(scores, false); }
WeightMatrix quadratic_weights(const std::vector<double>& scores) { return distance_weights(scores, true); }

Estimate chance_corrected(const PatternSet& ps, const double* mult, const WeightMatrix& W, Chance chance,
                          bool with_se) {
  const int q = ps.categories;
  const std::size_t P = ps.size();
  double n = 0, n2 = 0, sum_pa = 0;
  std::vector<double> pi(q, 0.0);
  for (std::size_t p = 0; p < P; ++p) {
    const double wp = mult[p];
    if (wp == 0) continue;
    const int r = ps.raters(p);
    CountSpan c = counts_of(ps, p);
    n += wp;
    for (const CategoryCount* a = c.begin; a != c.end; ++a) pi[a->category] += wp * a->count / r;
    if (r >= 2) {
      n2 += wp;
      sum_pa += wp * weighted_pairs(c, W) / (static_cast<double>(r) * (r - 1));
    }
  }
  if (ps.annotators < 2) return Estimate::undefined(reason::single_annotator);
  if (n2 == 0) return Estimate::undefined(reason::no_pairable_items);
  const double pa = sum_pa / n2;
  for (double& v : pi) v /= n;

  double pe = 0;
  const double tw = W.total();
  switch (chance) {
    case Chance::percent: pe = 0; break;
    case Chance::fleiss: pe = quad_form(W, pi); break;
    case Chance::gwet: {
      if (q < 2) return Estimate::undefined(reason::single_category);
      double s = 0;
      for (double v : pi) s += v * (1 - v);
      pe = tw * s / (static_cast<double>(q) * (q - 1));
      break;
    }
    case Chance::brennan_prediger: pe = tw / (static_cast<double>(q) * q); break;
  }
  if (chance != Chance::percent && 1 - pe <= k_eps) return Estimate::undefined(reason::single_category);
  Estimate e;
  const double coef = chance == Chance::percent ? pa : (pa - pe) / (1 - pe);
  e.value = coef;
  if (chance == Chance::percent) e.lower_bound = 0;
  if (!with_se) return e;

  const std::vector<double> piw = symmetric_weighted(W, pi);
  const double gwet_factor = q >= 2 ? tw / (static_cast<double>(q) * (q - 1)) : 0.0;
  double acc = 0;
  for (std::size_t p = 0; p < P; ++p) {
    const double wp = mult[p];
    if (wp == 0) continue;
    const int r = ps.raters(p);
    CountSpan c = counts_of(ps, p);
    const double pa_i = r >= 2 ? weighted_pairs(c, W) / (static_cast<double>(r) * (r - 1)) : 0.0;
    double x;
    if (chance == Chance::percent) {
      x = (n / n2) * pa_i;
    } else {
      x = (n / n2) * (pa_i - (r >= 2 ? pe : 0.0)) / (1 - pe);
      double pe_i = 0;
      if (chance == Chance::fleiss) {
        for (const CategoryCount* a = c.begin; a != c.end; ++a) pe_i += a->count * piw[a->category];
        pe_i /= r;
      } else if (chance == Chance::gwet) {
        for (const CategoryCount* a = c.begin; a != c.end; ++a) pe_i += a->count * (1 - pi[a->category]);
        pe_i = gwet_factor * pe_i / r;
      } else {
        pe_i = pe;  // Brennan-Prediger: chance agreement does not depend on the data
      }
      x -= 2 * (1 - coef) * (pe_i - pe) / (1 - pe);
    }
    acc += wp * (x - coef) * (x - coef);
  }
  set_se(e, acc, n);
  return e;
}

Estimate conger_kappa(const PatternSet& ps, const double* mult, bool with_se) {
  const int q = ps.categories;
  const int R = ps.annotators;
  if (R < 2) return Estimate::undefined(reason::single_annotator);
  const std::size_t P = ps.size();
  const WeightMatrix I = identity_weights(q);
  double n = 0, n2 = 0, sum_pa = 0;
  std::vector<double> classif(static_cast<std::size_t>(R) * q, 0.0);
  std::vector<double> ng(R, 0.0);
  for (std::size_t p = 0; p < P; ++p) {
    const double wp = mult[p];
    if (wp == 0) continue;
    const int r = ps.raters(p);
    n += wp;
    for (std::uint32_t k = ps.offsets[p]; k < ps.offsets[p + 1]; ++k) {
      classif[static_cast<std::size_t>(ps.ratings[k].annotator) * q + ps.ratings[k].category] += wp;
      ng[ps.ratings[k].annotator] += wp;
    }
    if (r >= 2) {
      n2 += wp;
      sum_pa += wp * weighted_pairs(counts_of(ps, p), I) / (static_cast<double>(r) * (r - 1));
    }
  }
  if (n2 == 0) return Estimate::undefined(reason::no_pairable_items);
  for (int g = 0; g < R; ++g) {
    if (ng[g] == 0) return Estimate::undefined(reason::too_few_items);  // an annotator with no item (bootstrap)
  }
  const double pa = sum_pa / n2;
  std::vector<double> pgk(classif.size());
  for (int g = 0; g < R; ++g) {
    for (int k = 0; k < q; ++k) pgk[static_cast<std::size_t>(g) * q + k] = classif[static_cast<std::size_t>(g) * q + k] / ng[g];
  }
  std::vector<double> pbar(q, 0.0);
  for (int g = 0; g < R; ++g) {
    for (int k = 0; k < q; ++k) pbar[k] += pgk[static_cast<std::size_t>(g) * q + k] / R;
  }
  double pe = 0;
  for (int k = 0; k < q; ++k) {
    double sum_sq = 0;
    for (int g = 0; g < R; ++g) sum_sq += pgk[static_cast<std::size_t>(g) * q + k] * pgk[static_cast<std::size_t>(g) * q + k];
    const double s2 = (sum_sq - R * pbar[k] * pbar[k]) / (R - 1);
    pe += pbar[k] * pbar[k] - s2 / R;
  }
  if (1 - pe <= k_eps) return Estimate::undefined(reason::single_category);
  Estimate e;
  const double kappa = (pa - pe) / (1 - pe);
  e.value = kappa;
  if (!with_se) return e;

  // Linearisation of Gwet (2014, sec. 5.3) as irrCAC computes it, simplified for identity weights:
  // an annotator g who did not rate the item contributes C_g = sum_k p_gk (R pbar_k - p_gk); one who
  // rated it as c contributes (n/n_g)(R pbar_c - p_gc) - (n/n_g - 1) C_g.
  std::vector<double> C(R, 0.0);
  double c_sum = 0;
  for (int g = 0; g < R; ++g) {
    for (int k = 0; k < q; ++k) {
      const double v = pgk[static_cast<std::size_t>(g) * q + k];
      C[g] += v * (R * pbar[k] - v);
    }
    c_sum += C[g];
  }
  double acc = 0;
  for (std::size_t p = 0; p < P; ++p) {
    const double wp = mult[p];
    if (wp == 0) continue;
    const int r = ps.raters(p);
    double lambda = c_sum;
    for (std::uint32_t k = ps.offsets[p]; k < ps.offsets[p + 1]; ++k) {
      const int g = ps.ratings[k].annotator;
      const int c = ps.ratings[k].category;
      lambda += (n / ng[g]) * (R * pbar[c] - pgk[static_cast<std::size_t>(g) * q + c] - C[g]);
    }
    const double pe_i = lambda / (static_cast<double>(R) * (R - 1));
    const double pa_i = r >= 2 ? weighted_pairs(counts_of(ps, p), I) / (static_cast<double>(r) * (r - 1)) : 0.0;
    double x = (n / n2) * (pa_i - (r >= 2 ? pe : 0.0)) / (1 - pe);
    x -= 2 * (1 - kappa) * (pe_i - pe) / (1 - pe);
    acc += wp * (x - kappa) * (x - kappa);
  }
  set_se(e, acc, n);
  return e;
}

Estimate krippendorff_alpha(const PatternSet& ps, const double* mult, Level level, const std::vector<double>& scores,
                            bool with_se) {
  const int q = ps.categories;
  const std::size_t P = ps.size();
  if (ps.annotators < 2) return Estimate::undefined(reason::single_annotator);
  // Pairable values per category (units with two or more values).
  std::vector<double> nc(q, 0.0);
  double units = 0, values = 0, rated_units = 0;
  for (std::size_t p = 0; p < P; ++p) {
    const double wp = mult[p];
    const int r = ps.raters(p);
    if (wp != 0 && r >= 1) rated_units += wp;
    if (wp == 0 || r < 2) continue;
    units += wp;
    values += wp * r;
    CountSpan c = counts_of(ps, p);
    for (const CategoryCount* a = c.begin; a != c.end; ++a) nc[a->category] += wp * a->count;
  }
  if (units == 0) return Estimate::undefined(reason::no_pairable_items);

  // Krippendorff's squared difference function delta^2 for the level, as agreement weights
  // 1 - delta^2 / max delta^2 (alpha does not depend on the scale of delta^2).
  WeightMatrix W;
  if (level == Level::nominal || scores.empty()) {
    W = identity_weights(q);
  } else {
    std::vector<double> d2(static_cast<std::size_t>(q) * q, 0.0);
    for (int c = 0; c < q; ++c) {
      for (int k = 0; k < q; ++k) {
        double v = 0;
        if (c != k) {
          if (level == Level::interval) {
            v = (scores[c] - scores[k]) * (scores[c] - scores[k]);
          } else if (level == Level::ratio) {
            const double s = scores[c] + scores[k];
            v = s == 0 ? 0.0 : ((scores[c] - scores[k]) / s) * ((scores[c] - scores[k]) / s);
          } else {  // ordinal: (sum_{g=c..k} n_g - (n_c + n_k)/2)^2
            const int lo = std::min(c, k), hi = std::max(c, k);
            double s = 0;
            for (int g = lo; g <= hi; ++g) s += nc[g];
            v = (s - (nc[c] + nc[k]) / 2) * (s - (nc[c] + nc[k]) / 2);
          }
        }
        d2[static_cast<std::size_t>(c) * q + k] = v;
      }
    }
    W = from_disagreement(std::move(d2), q);
    if (W.q < 0) return Estimate::undefined(reason::single_category);
  }

  const double rbar = values / units;
  const double eps = 1.0 / values;
  double sum_pa = 0;
  for (std::size_t p = 0; p < P; ++p) {
    const double wp = mult[p];
    const int r = ps.raters(p);
    if (wp == 0 || r < 2) continue;
    sum_pa += wp * weighted_pairs(counts_of(ps, p), W) / (rbar * (r - 1));
  }
  const double pa_prime = sum_pa / units;
  const double pa = (1 - eps) * pa_prime + eps;
  std::vector<double> pi(q);
  for (int k = 0; k < q; ++k) pi[k] = nc[k] / values;
  const double pe = quad_form(W, pi);
  if (1 - pe <= k_eps) return Estimate::undefined(reason::single_category);
  Estimate e;
  const double alpha = (pa - pe) / (1 - pe);
  e.value = alpha;
  e.level = level_name(level);
  if (!with_se) return e;

  const double alpha_prime = (pa_prime - pe) / (1 - pe);
  const std::vector<double> piw = symmetric_weighted(W, pi);
  double acc = 0;
  for (std::size_t p = 0; p < P; ++p) {
    const double wp = mult[p];
    const int r = ps.raters(p);
    if (wp == 0 || r < 2) continue;
    CountSpan c = counts_of(ps, p);
    // Gwet's current irrCAC (krippen.alpha.raw, 2021 on): the unit's share is centred with p_a',
    // not p_a.
    const double pa_i = weighted_pairs(c, W) / (rbar * (r - 1)) - pa_prime * (r - rbar) / rbar;
    double pe_i = 0;
    for (const CategoryCount* a = c.begin; a != c.end; ++a) pe_i += a->count * piw[a->category];
    pe_i = pe_i / rbar - pe * (r - rbar) / rbar;
    const double x = (pa_i - pe) / (1 - pe) - 2 * (1 - alpha_prime) * (pe_i - pe) / (1 - pe);
    acc += wp * (x - alpha_prime) * (x - alpha_prime);
  }
  set_se(e, acc, units);
  // irrCAC's t quantile has one degree of freedom less than the units rated at all (pairable or not).
  if (e.se) e.df = rated_units - 1;
  return e;
}

CategoryIndex index_categories(const PatternSet& ps, const double* mult) {
  CategoryIndex o;
  const auto q = static_cast<std::size_t>(ps.categories);
  o.start.assign(q + 1, 0);
  int most = 0;
  for (std::size_t p = 0; p < ps.size(); ++p) {
    if (mult[p] == 0) continue;
    most = std::max(most, ps.raters(p));
    for (const CategoryCount* a = counts_of(ps, p).begin; a != counts_of(ps, p).end; ++a) ++o.start[static_cast<std::size_t>(a->category) + 1];
  }
  for (std::size_t k = 0; k < q; ++k) o.start[k + 1] += o.start[k];
  o.at.resize(o.start[q]);
  o.with_raters.assign(static_cast<std::size_t>(most) + 1, 0.0);
  std::vector<std::uint32_t> next(o.start.begin(), o.start.end() - 1);
  for (std::size_t p = 0; p < ps.size(); ++p) {
    if (mult[p] == 0) continue;
    o.with_raters[static_cast<std::size_t>(ps.raters(p))] += mult[p];
    for (const CategoryCount* a = counts_of(ps, p).begin; a != counts_of(ps, p).end; ++a) {
      o.at[next[static_cast<std::size_t>(a->category)]++] = {static_cast<std::uint32_t>(p), a->count};
    }
  }
  return o;
}

double CategoryIndex::pairable() const {
  double n2 = 0;
  for (std::size_t r = 2; r < with_raters.size(); ++r) n2 += with_raters[r];
  return n2;
}

namespace {

// The categories asked for: `only`, or all.
std::vector<int> wanted(int q, const std::vector<int>* only) {
  if (only) return *only;
  std::vector<int> all(static_cast<std::size_t>(q));
  for (int k = 0; k < q; ++k) all[static_cast<std::size_t>(k)] = k;
  return all;
}

}  // namespace

std::vector<Estimate> category_kappas(const PatternSet& ps, const double* mult, bool with_se, const std::vector<int>* only) {
  const auto q = static_cast<std::size_t>(ps.categories);
  if (ps.annotators < 2) return std::vector<Estimate>(q, Estimate::undefined(reason::single_annotator));
  const CategoryIndex occ = index_categories(ps, mult);
  // A class no two annotators could have agreed on (never rated on an item with two or more
  // ratings) has no agreement to measure: the items rated once would only move chance agreement.
  if (occ.pairable() == 0) return std::vector<Estimate>(q, Estimate::undefined(reason::no_pairable_items));
  // One category against the rest: Fleiss' kappa on the two-category counts (c, r - c). Items
  // without the category are all alike but for their number of ratings: one pattern per number.
  std::vector<int> rater_counts;
  for (std::size_t r = 1; r < occ.with_raters.size(); ++r) {
    if (occ.with_raters[r] != 0) rater_counts.push_back(static_cast<int>(r));
  }
  std::vector<Estimate> out(q);
  std::vector<double> rest(occ.with_raters.size()), w;
  std::vector<Rating> buf;
  PatternSet binary;
  for (const int category : wanted(ps.categories, only)) {
    const auto k = static_cast<std::size_t>(category);
    bool rated_on_pairable = false;
    for (std::uint32_t x = occ.start[k]; x < occ.start[k + 1]; ++x) rated_on_pairable = rated_on_pairable || ps.raters(occ.at[x].first) >= 2;
    if (!rated_on_pairable) {
      out[k] = Estimate::undefined(reason::class_not_rated);
      continue;
    }
    binary = PatternSet();
    binary.annotators = ps.annotators;
    binary.categories = 2;
    w.clear();
    for (int r : rater_counts) rest[static_cast<std::size_t>(r)] = occ.with_raters[static_cast<std::size_t>(r)];
    auto add = [&](int r, int ones, double weight) {
      buf.clear();
      for (int j = 0; j < r; ++j) buf.push_back({j, j < ones ? 1 : 0});
      binary.add(buf.data(), buf.data() + buf.size(), weight);
      w.push_back(weight);
    };
    for (std::uint32_t x = occ.start[k]; x < occ.start[k + 1]; ++x) {
      const auto [p, c] = occ.at[x];
      rest[static_cast<std::size_t>(ps.raters(p))] -= mult[p];
      add(ps.raters(p), c, mult[p]);
    }
    for (int r : rater_counts) {
      if (rest[static_cast<std::size_t>(r)] > 0) add(r, 0, rest[static_cast<std::size_t>(r)]);
    }
    out[k] = chance_corrected(binary, w.data(), identity_weights(2), Chance::fleiss, with_se);
  }
  return out;
}

Estimate category_kappa(const PatternSet& ps, const double* mult, int category, bool with_se) {
  return category_kappas(ps, mult, with_se)[static_cast<std::size_t>(category)];
}

std::vector<Estimate> specific_agreements(const PatternSet& ps, const double* mult, const std::vector<int>* only) {
  const auto q = static_cast<std::size_t>(ps.categories);
  if (ps.annotators < 2) return std::vector<Estimate>(q, Estimate::undefined(reason::single_annotator));
  const CategoryIndex occ = index_categories(ps, mult);
  if (occ.pairable() == 0) return std::vector<Estimate>(q, Estimate::undefined(reason::no_pairable_items));
  std::vector<Estimate> out(q);
  for (const int category : wanted(ps.categories, only)) {
    const auto k = static_cast<std::size_t>(category);
    double num = 0, den = 0;
    for (std::uint32_t x = occ.start[k]; x < occ.start[k + 1]; ++x) {
      const auto [p, c] = occ.at[x];
      const int r = ps.raters(p);
      if (r < 2) continue;
      num += mult[p] * c * (c - 1.0);
      den += mult[p] * c * (r - 1.0);
    }
    if (den == 0) {
      out[k] = Estimate::undefined(reason::class_not_rated);
      continue;
    }
    out[k].value = num / den;
    out[k].lower_bound = 0;
  }
  return out;
}

Estimate specific_agreement(const PatternSet& ps, const double* mult, int category) {
  return specific_agreements(ps, mult)[static_cast<std::size_t>(category)];
}

}  // namespace labelqa::metrics
