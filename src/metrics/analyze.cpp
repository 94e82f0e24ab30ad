#include "labelqa/metrics/analyze.hpp"

#include "labelqa/metrics/agreement.hpp"
#include "labelqa/metrics/cohen.hpp"
#include "labelqa/metrics/distributions.hpp"
#include "labelqa/metrics/patterns.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <fmt/format.h>
#include <limits>
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

namespace labelqa::metrics {
namespace {

// Everything the coefficients need that does not depend on the multiplicities.
struct Context {
  const RatingSet* rs = nullptr;
  PatternSet ps;
  int q = 0;
  bool scored = false;  // ordinal/interval/ratio: weighted variants are reported
  WeightMatrix identity, linear, quadratic;
  // Annotator pairs that rated at least one item together, and for each the distinct cells.
  std::vector<std::pair<int, int>> pairs;
  std::vector<std::vector<std::pair<int, int>>> pair_cells;
  // For each pattern: its (pair, cell) entries.
  std::vector<std::uint32_t> entry_offsets{0};
  std::vector<std::pair<std::uint32_t, std::uint32_t>> entries;
};

Context make_context(const RatingSet& rs) {
  Context ctx;
  ctx.rs = &rs;
  ctx.ps = compress(rs);
  ctx.q = static_cast<int>(rs.categories.size());
  ctx.scored = rs.level != Level::nominal && !rs.category_scores.empty();
  ctx.identity = identity_weights(ctx.q);
  if (ctx.scored) {
    ctx.linear = linear_weights(rs.category_scores);
    ctx.quadratic = quadratic_weights(rs.category_scores);
  }
  const PatternSet& ps = ctx.ps;
  std::map<std::pair<int, int>, std::uint32_t> pair_index;
  std::vector<std::map<std::pair<int, int>, std::uint32_t>> cell_index;
  std::vector<std::pair<std::pair<int, int>, std::pair<int, int>>> raw;  // per pattern scratch
  // First pass: the pairs, in annotator order.
  for (std::size_t p = 0; p < ps.size(); ++p) {
    for (std::uint32_t i = ps.offsets[p]; i < ps.offsets[p + 1]; ++i) {
      for (std::uint32_t j = i + 1; j < ps.offsets[p + 1]; ++j) {
        pair_index.emplace(std::make_pair(ps.ratings[i].annotator, ps.ratings[j].annotator), 0);
      }
    }
  }
  for (auto& [key, idx] : pair_index) {
    idx = static_cast<std::uint32_t>(ctx.pairs.size());
    ctx.pairs.push_back(key);
  }
  ctx.pair_cells.resize(ctx.pairs.size());
  cell_index.resize(ctx.pairs.size());
  for (std::size_t p = 0; p < ps.size(); ++p) {
    for (std::uint32_t i = ps.offsets[p]; i < ps.offsets[p + 1]; ++i) {
      for (std::uint32_t j = i + 1; j < ps.offsets[p + 1]; ++j) {
        std::uint32_t pi = pair_index[{ps.ratings[i].annotator, ps.ratings[j].annotator}];
        auto cell = std::make_pair(ps.ratings[i].category, ps.ratings[j].category);
        auto [it, inserted] = cell_index[pi].emplace(cell, static_cast<std::uint32_t>(ctx.pair_cells[pi].size()));
        if (inserted) ctx.pair_cells[pi].push_back(cell);
        ctx.entries.emplace_back(pi, it->second);
      }
    }
    ctx.entry_offsets.push_back(static_cast<std::uint32_t>(ctx.entries.size()));
  }
  return ctx;
}

struct Scopes {
  MetricMap overall;
  std::vector<MetricMap> pairs;
  std::vector<MetricMap> classes;
  std::vector<double> pair_items;
};

struct Want {
  bool overall = true, pairs = true, classes = true;
};

MetricMap pair_metrics(const Context& ctx, std::size_t pair, const std::vector<double>& cell_weight, bool with_se,
                       double& items) {
  const auto& cells = ctx.pair_cells[pair];
  std::vector<TableCell> table;
  PatternSet pps;
  pps.annotators = 2;
  pps.categories = ctx.q;
  items = 0;
  for (std::size_t c = 0; c < cells.size(); ++c) {
    if (cell_weight[c] == 0) continue;
    table.push_back({cells[c].first, cells[c].second, cell_weight[c]});
    Rating r[2] = {{0, cells[c].first}, {1, cells[c].second}};
    pps.add(r, r + 2, cell_weight[c]);
    items += cell_weight[c];
  }
  const double* w = pps.freq.data();
  const Level level = ctx.rs->level;
  MetricMap m;
  m["percent_agreement"] = chance_corrected(pps, w, ctx.identity, Chance::percent, with_se);
  m["cohen_kappa"] = cohen_kappa(table, ctx.q, ctx.identity, with_se);
  m["scott_pi"] = chance_corrected(pps, w, ctx.identity, Chance::fleiss, with_se);
  m["gwet_ac1"] = chance_corrected(pps, w, ctx.identity, Chance::gwet, with_se);
  m["krippendorff_alpha"] = krippendorff_alpha(pps, w, level, ctx.rs->category_scores, with_se);
  m["krippendorff_alpha"].level = level_name(level);
  if (ctx.scored) {
    m["cohen_kappa_linear"] = cohen_kappa(table, ctx.q, ctx.linear, with_se);
    m["cohen_kappa_quadratic"] = cohen_kappa(table, ctx.q, ctx.quadratic, with_se);
    m["gwet_ac2_linear"] = chance_corrected(pps, w, ctx.linear, Chance::gwet, with_se);
    m["gwet_ac2_quadratic"] = chance_corrected(pps, w, ctx.quadratic, Chance::gwet, with_se);
  }
  return m;
}

Scopes compute(const Context& ctx, const std::vector<double>& mult, bool with_se, Want want) {
  Scopes s;
  const PatternSet& ps = ctx.ps;
  const double* w = mult.data();
  const Level level = ctx.rs->level;
  const auto& scores = ctx.rs->category_scores;

  if (want.pairs || want.overall) {
    std::vector<std::vector<double>> cell_weight(ctx.pairs.size());
    for (std::size_t k = 0; k < ctx.pairs.size(); ++k) cell_weight[k].assign(ctx.pair_cells[k].size(), 0.0);
    for (std::size_t p = 0; p < ps.size(); ++p) {
      if (w[p] == 0) continue;
      for (std::uint32_t e = ctx.entry_offsets[p]; e < ctx.entry_offsets[p + 1]; ++e) {
        cell_weight[ctx.entries[e].first][ctx.entries[e].second] += w[p];
      }
    }
    s.pairs.resize(ctx.pairs.size());
    s.pair_items.resize(ctx.pairs.size());
    for (std::size_t k = 0; k < ctx.pairs.size(); ++k) s.pairs[k] = pair_metrics(ctx, k, cell_weight[k], with_se, s.pair_items[k]);
  }

  if (want.overall) {
    MetricMap& m = s.overall;
    m["percent_agreement"] = chance_corrected(ps, w, ctx.identity, Chance::percent, with_se);
    m["fleiss_kappa"] = chance_corrected(ps, w, ctx.identity, Chance::fleiss, with_se);
    m["gwet_ac1"] = chance_corrected(ps, w, ctx.identity, Chance::gwet, with_se);
    m["brennan_prediger"] = chance_corrected(ps, w, ctx.identity, Chance::brennan_prediger, with_se);
    m["conger_kappa"] = conger_kappa(ps, w, with_se);
    m["krippendorff_alpha"] = krippendorff_alpha(ps, w, level, scores, with_se);
    m["krippendorff_alpha"].level = level_name(level);
    std::vector<std::string> two_rater = {"cohen_kappa", "scott_pi"};
    if (ctx.scored) {
      m["gwet_ac2_linear"] = chance_corrected(ps, w, ctx.linear, Chance::gwet, with_se);
      m["gwet_ac2_quadratic"] = chance_corrected(ps, w, ctx.quadratic, Chance::gwet, with_se);
      two_rater.push_back("cohen_kappa_linear");
      two_rater.push_back("cohen_kappa_quadratic");
    }
    // Cohen's kappa and Scott's pi are two-annotator coefficients: overall they are the single
    // pair's values when there are exactly two annotators.
    for (const auto& key : two_rater) {
      if (ps.annotators < 2) {
        m[key] = Estimate::undefined(reason::single_annotator);
      } else if (ps.annotators > 2) {
        m[key] = Estimate::undefined(reason::needs_two_annotators);
      } else if (s.pairs.empty()) {
        m[key] = Estimate::undefined(reason::no_pairable_items);
      } else {
        m[key] = s.pairs[0].at(key);
      }
    }
    if (!want.pairs) s.pairs.clear();
  }

  if (want.classes) {
    s.classes.resize(static_cast<std::size_t>(ctx.q));
    for (int k = 0; k < ctx.q; ++k) {
      s.classes[k]["fleiss_kappa"] = category_kappa(ps, w, k, with_se);
      s.classes[k]["specific_agreement"] = specific_agreement(ps, w, k);
    }
  }
  return s;
}

// xoshiro256** seeded through splitmix64: the same stream on every platform.
__extension__ typedef unsigned __int128 U128;

class Rng {
 public:
  Rng(std::uint64_t seed, std::uint64_t stream) {
    std::uint64_t x = seed ^ (0x9E3779B97F4A7C15ULL * (stream + 1));
    for (auto& s : m_s) {
      x += 0x9E3779B97F4A7C15ULL;
      std::uint64_t z = x;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      s = z ^ (z >> 31);
    }
  }
  std::uint64_t next() {
    const std::uint64_t result = rotl(m_s[1] * 5, 7) * 9;
    const std::uint64_t t = m_s[1] << 17;
    m_s[2] ^= m_s[0];
    m_s[3] ^= m_s[1];
    m_s[1] ^= m_s[2];
    m_s[0] ^= m_s[3];
    m_s[2] ^= t;
    m_s[3] = rotl(m_s[3], 45);
    return result;
  }
  // Uniform in [0, n) without bias (Lemire 2019).
  std::uint64_t below(std::uint64_t n) {
    U128 m = static_cast<U128>(next()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = -n % n;
      while (low < threshold) {
        m = static_cast<U128>(next()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t m_s[4];
};

void for_each_estimate(Scopes& s, const std::function<void(Estimate&, const std::string&)>& f) {
  for (auto& [k, e] : s.overall) f(e, k);
  for (auto& m : s.pairs) for (auto& [k, e] : m) f(e, k);
  for (auto& m : s.classes) for (auto& [k, e] : m) f(e, k);
}

void analytic_interval(Estimate& e, double confidence) {
  if (!e.value) return;
  e.ci_method = "analytic";
  if (!e.se) {
    e.ci_undefined_reason = reason::too_few_items;
    return;
  }
  const double crit = critical_value(confidence, e.df);
  e.ci_low = std::clamp(*e.value - crit * *e.se, e.lower_bound, e.upper_bound);
  e.ci_high = std::clamp(*e.value + crit * *e.se, e.lower_bound, e.upper_bound);
}

double quantile_sorted(const std::vector<double>& v, double p) {
  // Linear interpolation between order statistics (numpy's default, Hyndman & Fan type 7).
  const double h = (static_cast<double>(v.size()) - 1) * p;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

}  // namespace

bool has_analytic_variance(const std::string& metric) { return metric != "specific_agreement"; }

const char* landis_koch(double v) {
  if (v < 0) return "poor";
  if (v <= 0.20) return "slight";
  if (v <= 0.40) return "fair";
  if (v <= 0.60) return "moderate";
  if (v <= 0.80) return "substantial";
  return "almost perfect";
}

AgreeResult analyze_agreement(const RatingSet& rs, const AgreeOptions& opt) {
  Context ctx = make_context(rs);
  Scopes s = compute(ctx, ctx.ps.freq, true, Want{});

  // Intervals: analytic first, then the bootstrap for whatever needs it.
  Want need{false, false, false};
  auto needs_bootstrap = [&](const std::string& key) {
    return opt.ci == CiMode::bootstrap || (opt.ci == CiMode::automatic && !has_analytic_variance(key));
  };
  for (auto& [k, e] : s.overall) {
    if (needs_bootstrap(k)) need.overall = true;
    else analytic_interval(e, opt.confidence);
  }
  for (auto& m : s.pairs) {
    for (auto& [k, e] : m) {
      if (needs_bootstrap(k)) need.pairs = true;
      else analytic_interval(e, opt.confidence);
    }
  }
  for (auto& m : s.classes) {
    for (auto& [k, e] : m) {
      if (needs_bootstrap(k)) need.classes = true;
      else analytic_interval(e, opt.confidence);
    }
  }

  if ((need.overall || need.pairs || need.classes) && opt.bootstrap > 0) {
    // Slots: the estimates that take a bootstrap interval, in a fixed order.
    std::vector<Estimate*> slots;
    std::vector<std::string> slot_keys;
    Scopes shape = s;
    if (!need.overall) shape.overall.clear();
    if (!need.pairs) shape.pairs.clear();
    if (!need.classes) shape.classes.clear();
    auto collect = [&](Scopes& sc, auto&& f) {
      if (need.overall) for (auto& [k, e] : sc.overall) f(e, k);
      if (need.pairs) for (auto& m : sc.pairs) for (auto& [k, e] : m) f(e, k);
      if (need.classes) for (auto& m : sc.classes) for (auto& [k, e] : m) f(e, k);
    };
    collect(s, [&](Estimate& e, const std::string& k) {
      if (needs_bootstrap(k)) {
        slots.push_back(&e);
        slot_keys.push_back(k);
      }
    });
    const std::size_t B = static_cast<std::size_t>(opt.bootstrap);
    const std::size_t n_items = rs.item_count();
    const double nan = std::numeric_limits<double>::quiet_NaN();  // internal marker, never reported
    std::vector<double> values(B * slots.size(), nan);
    tbb::enumerable_thread_specific<std::vector<double>> tls_mult;
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, B, 1), [&](const tbb::blocked_range<std::size_t>& range) {
      std::vector<double>& mult = tls_mult.local();
      for (std::size_t b = range.begin(); b != range.end(); ++b) {
        mult.assign(ctx.ps.size(), 0.0);
        Rng rng(opt.seed, b);
        for (std::size_t i = 0; i < n_items; ++i) mult[ctx.ps.item_pattern[rng.below(n_items)]] += 1.0;
        Scopes rep = compute(ctx, mult, false, need);
        std::size_t slot = 0;
        collect(rep, [&](Estimate& e, const std::string& k) {
          if (!needs_bootstrap(k)) return;
          if (e.value) values[b * slots.size() + slot] = *e.value;
          ++slot;
        });
      }
    });
    std::vector<double> col;
    for (std::size_t k = 0; k < slots.size(); ++k) {
      Estimate& e = *slots[k];
      if (!e.value) continue;
      e.ci_method = "bootstrap";
      col.clear();
      for (std::size_t b = 0; b < B; ++b) {
        const double v = values[b * slots.size() + k];
        if (!std::isnan(v)) col.push_back(v);
      }
      e.ci_replicates = static_cast<int>(col.size());
      if (col.empty()) {
        e.ci_undefined_reason = reason::bootstrap_undefined;
        continue;
      }
      std::sort(col.begin(), col.end());
      e.ci_low = quantile_sorted(col, (1 - opt.confidence) / 2);
      e.ci_high = quantile_sorted(col, 1 - (1 - opt.confidence) / 2);
    }
  } else {
    for_each_estimate(s, [&](Estimate& e, const std::string& k) {
      if (e.value && needs_bootstrap(k)) {
        e.ci_method = "bootstrap";
        e.ci_undefined_reason = reason::no_variance_estimate;
      } else if (e.value && e.ci_method.empty()) {
        e.ci_method = "analytic";
        e.ci_undefined_reason = reason::no_variance_estimate;
      }
    });
  }

  AgreeResult out;
  out.items = static_cast<long long>(rs.item_count());
  out.ratings = static_cast<long long>(rs.rating_count());
  for (std::size_t i = 0; i < rs.item_count(); ++i) out.pairable_items += (rs.item_offsets[i + 1] - rs.item_offsets[i]) >= 2;
  out.overall = std::move(s.overall);
  for (std::size_t k = 0; k < ctx.pairs.size(); ++k) {
    PairResult pr;
    pr.annotator_a = ctx.pairs[k].first;
    pr.annotator_b = ctx.pairs[k].second;
    pr.items = std::llround(s.pair_items[k]);
    pr.metrics = std::move(s.pairs[k]);
    out.pairs.push_back(std::move(pr));
  }
  std::vector<long long> per_class(rs.categories.size(), 0);
  for (const auto& r : rs.ratings) ++per_class[r.category];
  for (std::size_t k = 0; k < rs.categories.size(); ++k) {
    out.classes.push_back({static_cast<int>(k), per_class[k], std::move(s.classes[k])});
  }

  // The kappa paradox (Feinstein & Cicchetti 1990): high agreement, low kappa, skewed classes.
  const auto& pa = out.overall.at("percent_agreement");
  const auto& fk = out.overall.at("fleiss_kappa");
  const auto& ac1 = out.overall.at("gwet_ac1");
  if (pa.value && fk.value && *pa.value >= 0.8 && *fk.value < 0.6) {
    out.warnings.push_back(
        {"kappa_paradox",
         fmt::format("percent agreement is {:.3f} but Fleiss' kappa is only {:.3f}: the classes are unevenly used, "
                     "which holds kappa down (the kappa paradox); Gwet's AC1 ({}) does not suffer from it",
                     *pa.value, *fk.value, ac1.value ? fmt::format("{:.3f}", *ac1.value) : std::string("undefined"))});
  }
  if (rs.annotators.size() < 2) {
    out.warnings.push_back({"single_annotator", "only one annotator: agreement cannot be measured"});
  } else if (out.pairable_items == 0) {
    out.warnings.push_back({"no_pairable_items", "no item was rated by two or more annotators"});
  }
  return out;
}

}  // namespace labelqa::metrics
