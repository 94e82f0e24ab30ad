#include "labelqa/metrics/analyze.hpp"
#include "labelqa/metrics/bootstrap.hpp"

#include "labelqa/metrics/agreement.hpp"
#include "labelqa/metrics/cohen.hpp"
#include "labelqa/metrics/distributions.hpp"
#include "labelqa/metrics/patterns.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <fmt/format.h>
#include <limits>
#include <random>
#include <set>
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

namespace labelqa::metrics {

bool has_analytic_variance(const std::string& metric) { return metric != "specific_agreement"; }

namespace {

// Everything the coefficients need that does not depend on the multiplicities.
struct Context {
  const RatingStats* stats = nullptr;
  PatternSet ps;
  int q = 0;
  bool scored = false;  // ordinal/interval/ratio: weighted variants are reported
  WeightMatrix identity, linear, quadratic;
  // Annotator pairs that rated at least one item together, and for each the distinct cells.
  std::vector<std::pair<int, int>> pairs;
  std::vector<std::vector<std::pair<int, int>>> pair_cells;
  // Items per (pair, cell): each pair's contingency table, sparse.
  std::vector<std::vector<double>> pair_cell_freq;
  std::string pairs_not_computed;  // why the pairs are left empty, or ""
};

Context make_context(RatingStats& rs) {
  Context ctx;
  ctx.stats = &rs;
  ctx.ps = std::move(rs.patterns);
  ctx.q = static_cast<int>(rs.categories);
  ctx.scored = rs.level != Level::nominal && !rs.category_scores.empty();
  ctx.identity = identity_weights(ctx.q);
  if (ctx.scored) {
    ctx.linear = linear_weights(rs.category_scores);
    ctx.quadratic = quadratic_weights(rs.category_scores);
  }
  const PatternSet& ps = ctx.ps;
  std::uint64_t pair_ratings = 0;
  for (std::size_t p = 0; p < ps.size(); ++p) pair_ratings += static_cast<std::uint64_t>(ps.raters(p)) * (ps.raters(p) - 1) / 2;
  if (pair_ratings > k_max_pair_ratings) {
    ctx.pairs_not_computed = fmt::format("per-pair agreement not computed: the items' ratings make {} annotator pairs, more than the {} "
                                         "compared pair by pair (docs/limits.md)",
                                         pair_ratings, k_max_pair_ratings);
    return ctx;
  }
  std::map<std::pair<int, int>, std::uint32_t> pair_index;
  std::vector<std::map<std::pair<int, int>, std::uint32_t>> cell_index;
  // First pass: the pairs, in annotator order.
  for (std::size_t p = 0; p < ps.size(); ++p) {
    for (std::uint32_t i = ps.offsets[p]; i < ps.offsets[p + 1]; ++i) {
      for (std::uint32_t j = i + 1; j < ps.offsets[p + 1]; ++j) {
        pair_index.emplace(std::make_pair(ps.ratings[i].annotator, ps.ratings[j].annotator), 0);
      }
    }
  }
  if (pair_index.size() > k_max_pairs) {
    ctx.pairs_not_computed = fmt::format("per-pair agreement not computed: {} annotator pairs rated items together, more than the {} "
                                         "listed pair by pair (docs/limits.md)",
                                         pair_index.size(), k_max_pairs);
    return ctx;
  }
  for (auto& [key, idx] : pair_index) {
    idx = static_cast<std::uint32_t>(ctx.pairs.size());
    ctx.pairs.push_back(key);
  }
  ctx.pair_cells.resize(ctx.pairs.size());
  ctx.pair_cell_freq.resize(ctx.pairs.size());
  cell_index.resize(ctx.pairs.size());
  for (std::size_t p = 0; p < ps.size(); ++p) {
    for (std::uint32_t i = ps.offsets[p]; i < ps.offsets[p + 1]; ++i) {
      for (std::uint32_t j = i + 1; j < ps.offsets[p + 1]; ++j) {
        std::uint32_t pi = pair_index[{ps.ratings[i].annotator, ps.ratings[j].annotator}];
        auto cell = std::make_pair(ps.ratings[i].category, ps.ratings[j].category);
        auto [it, inserted] = cell_index[pi].emplace(cell, static_cast<std::uint32_t>(ctx.pair_cells[pi].size()));
        if (inserted) {
          ctx.pair_cells[pi].push_back(cell);
          ctx.pair_cell_freq[pi].push_back(0.0);
        }
        ctx.pair_cell_freq[pi][it->second] += ps.freq[p];
      }
    }
  }
  return ctx;
}

struct Scopes {
  MetricMap overall;
  std::vector<MetricMap> pairs;
  std::vector<MetricMap> classes;
  std::vector<double> pair_items;
};

using KeyFilter = std::function<bool(const std::string&)>;
bool all_keys(const std::string&) { return true; }

// Overall coefficients that depend on an item only through its category counts (all but Conger's
// kappa and the two-annotator ones), so they can run over count patterns as well as rating tuples.
void count_metrics(const Context& ctx, const PatternSet& ps, const double* w, bool with_se, const KeyFilter& want,
                   MetricMap& m) {
  const Level level = ctx.stats->level;
  auto put = [&](const char* key, auto&& f) {
    if (want(key)) m[key] = f();
  };
  put("percent_agreement", [&] { return chance_corrected(ps, w, ctx.identity, Chance::percent, with_se); });
  put("fleiss_kappa", [&] { return chance_corrected(ps, w, ctx.identity, Chance::fleiss, with_se); });
  put("gwet_ac1", [&] { return chance_corrected(ps, w, ctx.identity, Chance::gwet, with_se); });
  put("brennan_prediger", [&] { return chance_corrected(ps, w, ctx.identity, Chance::brennan_prediger, with_se); });
  put("krippendorff_alpha", [&] {
    Estimate e = krippendorff_alpha(ps, w, level, ctx.stats->category_scores, with_se);
    e.level = level_name(level);
    return e;
  });
  if (ctx.scored) {
    put("gwet_ac2_linear", [&] { return chance_corrected(ps, w, ctx.linear, Chance::gwet, with_se); });
    put("gwet_ac2_quadratic", [&] { return chance_corrected(ps, w, ctx.quadratic, Chance::gwet, with_se); });
  }
}

MetricMap pair_metrics(const Context& ctx, std::size_t pair, const std::vector<double>& cell_weight, bool with_se,
                       double& items, const KeyFilter& want = all_keys) {
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
  MetricMap m;
  // Percent agreement, AC1/AC2 and alpha as for all annotators, restricted to the pair; Scott's pi
  // is the pair's Fleiss kappa; Cohen's kappa comes from the table.
  count_metrics(ctx, pps, w, with_se,
                [&](const std::string& k) { return k != "fleiss_kappa" && k != "brennan_prediger" && want(k); }, m);
  if (want("scott_pi")) m["scott_pi"] = chance_corrected(pps, w, ctx.identity, Chance::fleiss, with_se);
  if (want("cohen_kappa")) m["cohen_kappa"] = cohen_kappa(table, ctx.q, ctx.identity, with_se);
  if (ctx.scored) {
    if (want("cohen_kappa_linear")) m["cohen_kappa_linear"] = cohen_kappa(table, ctx.q, ctx.linear, with_se);
    if (want("cohen_kappa_quadratic")) m["cohen_kappa_quadratic"] = cohen_kappa(table, ctx.q, ctx.quadratic, with_se);
  }
  return m;
}

// Per-class coefficients of every class, or of the classes in `only`.
void class_metrics(const Context& ctx, const PatternSet& ps, const double* w, bool with_se, const KeyFilter& want,
                   std::vector<MetricMap>& classes, const std::vector<int>* only = nullptr) {
  classes.resize(static_cast<std::size_t>(ctx.q));
  std::vector<int> all;
  if (!only) {
    for (int k = 0; k < ctx.q; ++k) all.push_back(k);
    only = &all;
  }
  if (want("fleiss_kappa")) {
    auto kappas = category_kappas(ps, w, with_se, only);
    for (int k : *only) classes[k]["fleiss_kappa"] = std::move(kappas[static_cast<std::size_t>(k)]);
  }
  if (want("specific_agreement")) {
    auto specific = specific_agreements(ps, w, only);
    for (int k : *only) classes[k]["specific_agreement"] = std::move(specific[static_cast<std::size_t>(k)]);
  }
}

std::vector<std::string> two_annotator_keys(const Context& ctx) {
  std::vector<std::string> keys = {"cohen_kappa", "scott_pi"};
  if (ctx.scored) {
    keys.push_back("cohen_kappa_linear");
    keys.push_back("cohen_kappa_quadratic");
  }
  return keys;
}

// Point estimates (and analytic standard errors) of every scope.
Scopes compute_point(const Context& ctx) {
  Scopes s;
  const PatternSet& ps = ctx.ps;
  const double* w = ps.freq.data();
  s.pairs.resize(ctx.pairs.size());
  s.pair_items.resize(ctx.pairs.size());
  tbb::parallel_for(std::size_t{0}, ctx.pairs.size(), [&](std::size_t k) {
    s.pairs[k] = pair_metrics(ctx, k, ctx.pair_cell_freq[k], true, s.pair_items[k]);
  });

  MetricMap& m = s.overall;
  count_metrics(ctx, ps, w, true, all_keys, m);
  m["conger_kappa"] = conger_kappa(ps, w, true);
  // Cohen's kappa and Scott's pi are two-annotator coefficients: overall they are the single
  // pair's values when there are exactly two annotators.
  for (const auto& key : two_annotator_keys(ctx)) {
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
  class_metrics(ctx, ps, w, true, all_keys, s.classes);
  return s;
}

// For each class in `classes`: the items as two-category patterns, (ratings of the class as
// category 1, the others as 0), one pattern per (count, ratings) with its items' frequency.
// Per-class coefficients (category kappa, specific agreement) of category 1 there equal the
// class's in `ps`. Built from where each class occurs, not classes x patterns.
std::vector<PatternSet> binary_patterns(const PatternSet& ps, const std::vector<int>& classes) {
  const CategoryIndex occ = index_categories(ps, ps.freq.data());
  std::vector<PatternSet> out;
  std::vector<Rating> buf;
  for (const int k : classes) {
    std::map<std::pair<int, int>, double> cells;  // (ratings, count of the class) -> items
    for (std::size_t r = 1; r < occ.with_raters.size(); ++r) {
      if (occ.with_raters[r] != 0) cells[{static_cast<int>(r), 0}] += occ.with_raters[r];
    }
    for (std::uint32_t x = occ.start[static_cast<std::size_t>(k)]; x < occ.start[static_cast<std::size_t>(k) + 1]; ++x) {
      const auto [p, c] = occ.at[x];
      cells[{ps.raters(p), 0}] -= ps.freq[p];
      cells[{ps.raters(p), c}] += ps.freq[p];
    }
    PatternSet b;
    b.annotators = ps.annotators;
    b.categories = 2;
    for (const auto& [rc, f] : cells) {
      if (f <= 0) continue;
      buf.clear();
      for (int j = 0; j < rc.first; ++j) buf.push_back({j, j < rc.second ? 1 : 0});
      b.add(buf.data(), buf.data() + buf.size(), f);
    }
    out.push_back(std::move(b));
  }
  return out;
}

// Items with the same category counts (whoever gave them) as one pattern.
PatternSet count_patterns(const PatternSet& fine) {
  std::map<std::vector<CategoryCount>, std::uint32_t, bool (*)(const std::vector<CategoryCount>&,
                                                                const std::vector<CategoryCount>&)>
      index([](const std::vector<CategoryCount>& a, const std::vector<CategoryCount>& b) {
        return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
          return x.category != y.category ? x.category < y.category : x.count < y.count;
        });
      });
  PatternSet coarse;
  coarse.annotators = fine.annotators;
  coarse.categories = fine.categories;
  std::vector<Rating> buf;
  for (std::size_t p = 0; p < fine.size(); ++p) {
    std::vector<CategoryCount> key(fine.counts.begin() + fine.count_offsets[p],
                                   fine.counts.begin() + fine.count_offsets[p + 1]);
    auto [it, inserted] = index.emplace(key, static_cast<std::uint32_t>(coarse.size()));
    if (inserted) {
      buf.clear();
      int slot = 0;
      for (const auto& c : key) for (int i = 0; i < c.count; ++i) buf.push_back({slot++, c.category});
      coarse.add(buf.data(), buf.data() + buf.size(), 0.0);
    }
    coarse.freq[it->second] += fine.freq[p];
  }
  return coarse;
}

// A binomial draw. When the mean is small (most patterns of a resample: a few items each) by
// inversion, BINV (Kachitvichyanukul & Schmeiser 1988): one uniform and about n p steps, instead
// of the standard library's set-up of logarithms and gamma functions for every draw.
long long binomial(Rng& rng, long long n, double p) {
  const bool flip = p > 0.5;
  const double pp = flip ? 1 - p : p;
  if (static_cast<double>(n) * pp >= 16) {
    std::binomial_distribution<long long> draw(n, p);
    return draw(rng);
  }
  const double q = 1 - pp, s = pp / q, a = static_cast<double>(n + 1) * s;
  double r = std::exp(static_cast<double>(n) * std::log1p(-pp));  // P(X = 0) = q^n
  double u = static_cast<double>(rng.next() >> 11) * 0x1.0p-53;
  long long x = 0;
  while (u > r && x < n) {
    u -= r;
    ++x;
    r *= a / static_cast<double>(x) - s;
  }
  return flip ? n - x : x;
}

// Multiplicities in a resample of n items drawn with replacement: Multinomial(n, freq / n) over
// the patterns, drawn exactly as a chain of conditional binomials, in O(patterns) rather than O(n).
void multinomial(Rng& rng, const std::vector<double>& freq, double n, std::vector<double>& out) {
  out.assign(freq.size(), 0.0);
  double left = n, mass = n;
  for (std::size_t p = 0; p < freq.size() && left > 0; ++p) {
    if (freq[p] == 0) continue;
    const double prob = freq[p] / mass;
    long long k = static_cast<long long>(left);
    if (prob < 1) k = binomial(rng, static_cast<long long>(left), prob);
    out[p] = static_cast<double>(k);
    left -= static_cast<double>(k);
    mass -= freq[p];
  }
}

void analytic_interval(Estimate& e, double confidence, const std::string& key) {
  if (!e.value) return;
  e.ci_method = CiMethod::analytic;
  if (!e.se) {
    e.ci_undefined_reason = has_analytic_variance(key) ? reason::too_few_items : reason::no_variance_estimate;
    return;
  }
  const double crit = critical_value(confidence, e.df);
  e.ci_low = std::clamp(*e.value - crit * *e.se, e.lower_bound, e.upper_bound);
  e.ci_high = std::clamp(*e.value + crit * *e.se, e.lower_bound, e.upper_bound);
}


}  // namespace


const char* landis_koch(double v) {
  if (v < 0) return "poor";
  if (v <= 0.20) return "slight";
  if (v <= 0.40) return "fair";
  if (v <= 0.60) return "moderate";
  if (v <= 0.80) return "substantial";
  return "almost perfect";
}

RatingStats rating_stats(const RatingSet& rs) {
  RatingStats out;
  out.annotators = rs.annotators.size();
  out.categories = rs.categories.size();
  out.level = rs.level;
  out.category_scores = rs.category_scores;
  out.patterns = compress(rs);
  out.patterns.item_pattern.clear();
  out.patterns.item_pattern.shrink_to_fit();
  return out;
}

AgreeResult analyze_agreement(const RatingSet& rs, const AgreeOptions& opt) { return analyze_agreement(rating_stats(rs), opt); }

AgreeResult analyze_agreement(RatingStats rs, const AgreeOptions& opt) {
  Context ctx = make_context(rs);
  Scopes s = compute_point(ctx);

  auto needs_bootstrap = [&](const std::string& key) {
    return opt.ci == CiMode::bootstrap || (opt.ci == CiMode::automatic && !has_analytic_variance(key));
  };
  // Slots: the estimates that take a bootstrap interval, in a fixed order.
  struct Slot {
    int scope;  // 0 overall, 1 pair, 2 class
    std::size_t index;
    std::string key;
    Estimate* estimate;
  };
  std::vector<Slot> slots;
  for (auto& [k, e] : s.overall) {
    if (needs_bootstrap(k)) slots.push_back({0, 0, k, &e});
    else analytic_interval(e, opt.confidence, k);
  }
  for (std::size_t i = 0; i < s.pairs.size(); ++i) {
    for (auto& [k, e] : s.pairs[i]) {
      if (needs_bootstrap(k)) slots.push_back({1, i, k, &e});
      else analytic_interval(e, opt.confidence, k);
    }
  }
  // Bootstrap intervals per class for the k_max_bootstrap_classes most rated classes: each class
  // costs a replicate's worth of values, so 50,000 classes would hold 10^8 of them.
  std::vector<char> resampled(s.classes.size(), 1);
  if (opt.bootstrap > 0) {
    std::vector<double> rated(s.classes.size(), 0.0);
    for (std::size_t p = 0; p < ctx.ps.size(); ++p) {
      for (std::uint32_t x = ctx.ps.count_offsets[p]; x < ctx.ps.count_offsets[p + 1]; ++x) {
        rated[static_cast<std::size_t>(ctx.ps.counts[x].category)] += ctx.ps.freq[p] * ctx.ps.counts[x].count;
      }
    }
    resampled = metrics::resampled_classes(rated);
  }
  std::vector<int> resampled_classes;
  for (std::size_t k = 0; k < resampled.size(); ++k) {
    if (resampled[k]) resampled_classes.push_back(static_cast<int>(k));
  }
  for (std::size_t i = 0; i < s.classes.size(); ++i) {
    for (auto& [k, e] : s.classes[i]) {
      if (needs_bootstrap(k) && !resampled[i]) {
        beyond_bootstrap_limit(e);
        continue;
      }
      if (needs_bootstrap(k)) slots.push_back({2, i, k, &e});
      else analytic_interval(e, opt.confidence, k);
    }
  }
  slots.erase(std::remove_if(slots.begin(), slots.end(), [](const Slot& sl) { return !sl.estimate->value; }),
              slots.end());

  if (!slots.empty() && opt.bootstrap > 0) {
    // Each coefficient is resampled over the coarsest grouping of items it depends on: count
    // patterns (overall and per class), a pair's table cells plus "not rated by both" (per pair),
    // rating tuples (Conger). Every CI is marginal, so each unit draws its own resample of items.
    std::set<std::string> overall_keys, class_keys, pair_keys;
    for (const auto& sl : slots) (sl.scope == 0 ? overall_keys : sl.scope == 1 ? pair_keys : class_keys).insert(sl.key);
    const auto two_keys = two_annotator_keys(ctx);
    bool need_pairs = !pair_keys.empty();
    for (const auto& k : two_keys) {
      if (overall_keys.count(k)) {
        pair_keys.insert(k);
        need_pairs = true;
      }
    }
    const bool need_conger = overall_keys.count("conger_kappa") > 0;
    const KeyFilter want_overall = [&](const std::string& k) { return overall_keys.count(k) > 0; };
    const KeyFilter want_class = [&](const std::string& k) { return class_keys.count(k) > 0; };
    const KeyFilter want_pair = [&](const std::string& k) { return pair_keys.count(k) > 0; };
    const bool need_counts = std::any_of(overall_keys.begin(), overall_keys.end(), [&](const auto& k) {
      return k != "conger_kappa" && std::find(two_keys.begin(), two_keys.end(), k) == two_keys.end();
    });
    const PatternSet coarse = need_counts ? count_patterns(ctx.ps) : PatternSet{};
    // A class's coefficients depend on an item only through how many of its ratings are that class
    // and how many it has: each class is resampled over those few (count, ratings) patterns.
    const std::vector<PatternSet> binary = class_keys.empty() ? std::vector<PatternSet>() : binary_patterns(ctx.ps, resampled_classes);
    Context binary_ctx;
    binary_ctx.q = 2;
    double n = 0;
    for (const double f : ctx.ps.freq) n += f;
    // Each pair's cells, then the items the pair did not both rate.
    std::vector<std::vector<double>> pair_freq(ctx.pairs.size());
    for (std::size_t k = 0; need_pairs && k < ctx.pairs.size(); ++k) {
      pair_freq[k] = ctx.pair_cell_freq[k];
      pair_freq[k].push_back(n - s.pair_items[k]);
    }

    BootstrapTable table(static_cast<std::size_t>(opt.bootstrap));
    for (auto& sl : slots) table.slot(*sl.estimate);
    table.run([] { return std::vector<double>(); }, [&](std::size_t b, double* row, std::vector<double>& mult) {
        Scopes rep;
        if (need_counts) {
          Rng rng(opt.seed, 4 * b);
          multinomial(rng, coarse.freq, n, mult);
          count_metrics(ctx, coarse, mult.data(), false, want_overall, rep.overall);
        }
        if (!class_keys.empty()) {
          rep.classes.resize(s.classes.size());
          const std::vector<int> positive{1};
          std::vector<MetricMap> one;
          for (std::size_t j = 0; j < resampled_classes.size(); ++j) {
            Rng rng(opt.seed ^ (0xD1B54A32D192ED03ULL * (static_cast<std::uint64_t>(resampled_classes[j]) + 1)), 4 * b + 3);
            multinomial(rng, binary[j].freq, n, mult);
            class_metrics(binary_ctx, binary[j], mult.data(), false, want_class, one, &positive);
            rep.classes[static_cast<std::size_t>(resampled_classes[j])] = std::move(one[1]);
          }
        }
        if (need_conger) {
          Rng rng(opt.seed, 4 * b + 1);
          multinomial(rng, ctx.ps.freq, n, mult);
          rep.overall["conger_kappa"] = conger_kappa(ctx.ps, mult.data(), false);
        }
        if (need_pairs) {
          Rng rng(opt.seed, 4 * b + 2);
          rep.pairs.resize(ctx.pairs.size());
          for (std::size_t k = 0; k < ctx.pairs.size(); ++k) {
            multinomial(rng, pair_freq[k], n, mult);
            mult.pop_back();
            double items = 0;
            rep.pairs[k] = pair_metrics(ctx, k, mult, false, items, want_pair);
          }
          if (ctx.ps.annotators == 2 && !rep.pairs.empty()) {
            for (const auto& k : two_keys) {
              if (overall_keys.count(k)) rep.overall[k] = rep.pairs[0].at(k);
            }
          }
        }
        for (std::size_t i = 0; i < slots.size(); ++i) {
          const Slot& sl = slots[i];
          const MetricMap& m = sl.scope == 0 ? rep.overall : sl.scope == 1 ? rep.pairs[sl.index] : rep.classes[sl.index];
          auto it = m.find(sl.key);
          if (it != m.end() && it->second.value) row[i] = *it->second.value;
        }
    });
    table.unclipped_intervals(opt.confidence);
  } else {
    for (auto& sl : slots) {
      sl.estimate->ci_method = CiMethod::bootstrap;
      sl.estimate->ci_undefined_reason = reason::no_variance_estimate;
    }
  }

  AgreeResult out;
  for (std::size_t p = 0; p < ctx.ps.size(); ++p) {
    const auto items = std::llround(ctx.ps.freq[p]);
    out.items += items;
    out.ratings += items * ctx.ps.raters(p);
    if (ctx.ps.raters(p) >= 2) out.pairable_items += items;
  }
  out.overall = std::move(s.overall);
  for (std::size_t k = 0; k < ctx.pairs.size(); ++k) {
    PairResult pr;
    pr.annotator_a = ctx.pairs[k].first;
    pr.annotator_b = ctx.pairs[k].second;
    pr.items = std::llround(s.pair_items[k]);
    pr.metrics = std::move(s.pairs[k]);
    out.pairs.push_back(std::move(pr));
  }
  std::vector<long long> per_class(rs.categories, 0);
  for (std::size_t p = 0; p < ctx.ps.size(); ++p) {
    for (std::uint32_t x = ctx.ps.count_offsets[p]; x < ctx.ps.count_offsets[p + 1]; ++x) {
      per_class[static_cast<std::size_t>(ctx.ps.counts[x].category)] += std::llround(ctx.ps.freq[p]) * ctx.ps.counts[x].count;
    }
  }
  for (std::size_t k = 0; k < rs.categories; ++k) {
    out.classes.push_back({static_cast<int>(k), per_class[k], std::move(s.classes[k])});
  }

  // The kappa paradox (Feinstein & Cicchetti 1990): high agreement, low kappa, skewed classes.
  const auto& pa = out.overall.at("percent_agreement");
  const auto& fk = out.overall.at("fleiss_kappa");
  const auto& ac1 = out.overall.at("gwet_ac1");
  if (pa.value && fk.value && *pa.value >= 0.8 && *fk.value < 0.6) {
    out.warnings.push_back(
        {WarningCode::kappa_paradox,
         fmt::format("percent agreement is {:.3f} but Fleiss' kappa is only {:.3f}: the classes are unevenly used, "
                     "which holds kappa down (the kappa paradox); Gwet's AC1 ({}) does not suffer from it",
                     *pa.value, *fk.value, ac1.value ? fmt::format("{:.3f}", *ac1.value) : std::string("undefined"))});
  }
  if (!ctx.pairs_not_computed.empty()) out.warnings.push_back({WarningCode::pairs_not_computed, ctx.pairs_not_computed});
  if (rs.annotators < 2) {
    out.warnings.push_back({WarningCode::single_annotator, "only one annotator: agreement cannot be measured"});
  } else if (out.pairable_items == 0) {
    out.warnings.push_back({WarningCode::no_pairable_items, "no item was rated by two or more annotators"});
  }
  return out;
}

}  // namespace labelqa::metrics
