// The bootstrap every metric shares: a seeded generator that gives the same stream on every
// platform, resampling of units, and the replicate table whose named slots (one per estimate)
// are filled in parallel and turned into percentile intervals.
#pragma once

#include "labelqa/metrics/estimate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <limits>
#include <vector>

namespace labelqa::metrics {

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
  using result_type = std::uint64_t;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }
  result_type operator()() { return next(); }
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

// Per-class bootstrap intervals are drawn for at most this many classes: each class costs a
// replicate's worth of values (50,000 classes would hold 10^8 of them). The others' intervals are
// null with beyond_bootstrap_limit (docs/limits.md).
inline constexpr std::size_t k_max_bootstrap_classes = 1000;

// Which classes get bootstrap intervals, by each class's `size` (ratings, objects, pixels): all of
// them, or past k_max_bootstrap_classes the largest (ties: the first). Flags per class.
inline std::vector<char> resampled_classes(const std::vector<double>& size) {
  std::vector<char> out(size.size(), 1);
  if (size.size() <= k_max_bootstrap_classes) return out;
  std::vector<std::size_t> order(size.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return size[x] > size[y]; });
  std::fill(out.begin(), out.end(), 0);
  for (std::size_t k = 0; k < k_max_bootstrap_classes; ++k) out[order[k]] = 1;
  return out;
}

// An estimate of a class outside resampled_classes: a bootstrap interval that is not drawn.
inline void beyond_bootstrap_limit(Estimate& e) {
  if (!e.value) return;
  e.ci_method = CiMethod::bootstrap;
  e.ci_undefined_reason = Reason::beyond_bootstrap_limit;
}


// Quantile p of sorted values, interpolating linearly between order statistics (numpy's default,
// Hyndman & Fan type 7).
inline double quantile_sorted(const std::vector<double>& v, double p) {
  const double h = (static_cast<double>(v.size()) - 1) * p;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

// Percentile interval from bootstrap replicates (NaN marks a replicate in which the value was
// undefined; those are left out and counted).
inline void percentile_interval(Estimate& e, std::vector<double> replicates, double confidence) {
  e.ci_method = CiMethod::bootstrap;
  replicates.erase(std::remove_if(replicates.begin(), replicates.end(), [](double v) { return std::isnan(v); }),
                   replicates.end());
  e.ci_replicates = static_cast<int>(replicates.size());
  if (!e.value) return;
  if (replicates.empty()) {
    e.ci_undefined_reason = reason::bootstrap_undefined;
    return;
  }
  std::sort(replicates.begin(), replicates.end());
  e.ci_low = std::clamp(quantile_sorted(replicates, (1 - confidence) / 2), e.lower_bound, e.upper_bound);
  e.ci_high = std::clamp(quantile_sorted(replicates, 1 - (1 - confidence) / 2), e.lower_bound, e.upper_bound);
}

// How often each of n units is drawn when n are drawn with replacement: weight[k] (resized to n).
inline void resample_counts(Rng& rng, std::size_t n, std::vector<std::uint32_t>& weight) {
  weight.assign(n, 0);
  for (std::size_t k = 0; k < n; ++k) ++weight[rng.below(n)];
}

// A percentile bootstrap's replicates: one slot (a column) per estimate that gets an interval, one
// row per replicate. Rows are filled in parallel, each replicate from its own seeded stream, so
// the intervals are the same for any thread count.
class BootstrapTable {
 public:
  explicit BootstrapTable(std::size_t replicates) : m_replicates(replicates) {}

  // A slot for `e`; returns its column in a row.
  std::size_t slot(Estimate& e) {
    m_slots.push_back(&e);
    return m_slots.size() - 1;
  }
  std::size_t slots() const { return m_slots.size(); }
  std::size_t replicates() const { return m_replicates; }

  // Fills every row: for each range of replicates, `scratch = init()`, then for each replicate b
  // in it `fill(b, row, scratch)`, where row holds slots() values preset to NaN (NaN: undefined in
  // that replicate).
  template <typename Init, typename Fill>
  void run(Init init, Fill fill, std::size_t grain = 1) {
    const std::size_t V = m_slots.size();
    m_values.assign(m_replicates * V, std::numeric_limits<double>::quiet_NaN());
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, m_replicates, grain), [&](const tbb::blocked_range<std::size_t>& range) {
      auto scratch = init();
      for (std::size_t b = range.begin(); b != range.end(); ++b) fill(b, m_values.data() + b * V, scratch);
    });
  }

  // No replicates were drawn (none asked for, or nothing to resample): every defined estimate says
  // why it has no interval.
  void no_intervals(Reason why) {
    for (Estimate* e : m_slots) {
      if (!e->value) continue;
      e->ci_method = CiMethod::bootstrap;
      e->ci_undefined_reason = why;
    }
  }

  // Each slot's percentile interval, clipped to its estimate's bounds; undefined estimates get none.
  void intervals(double confidence) {
    for_columns([&](Estimate& e, std::vector<double>& column) { percentile_interval(e, std::move(column), confidence); });
  }
  // Each slot's percentile interval from its defined replicates, not clipped, whether or not the
  // point value is defined (the agreement coefficients' convention).
  void unclipped_intervals(double confidence) {
    for_columns([&](Estimate& e, std::vector<double>& column) {
      e.ci_method = CiMethod::bootstrap;
      column.erase(std::remove_if(column.begin(), column.end(), [](double v) { return std::isnan(v); }), column.end());
      e.ci_replicates = static_cast<int>(column.size());
      if (column.empty()) {
        e.ci_undefined_reason = reason::bootstrap_undefined;
        return;
      }
      std::sort(column.begin(), column.end());
      e.ci_low = quantile_sorted(column, (1 - confidence) / 2);
      e.ci_high = quantile_sorted(column, 1 - (1 - confidence) / 2);
    });
  }

 private:
  template <typename F>
  void for_columns(F f) {
    const std::size_t V = m_slots.size();
    std::vector<double> column;
    for (std::size_t v = 0; v < V; ++v) {
      column.resize(m_replicates);
      for (std::size_t b = 0; b < m_replicates; ++b) column[b] = m_values[b * V + v];
      f(*m_slots[v], column);
    }
  }

  std::size_t m_replicates;
  std::vector<Estimate*> m_slots;
  std::vector<double> m_values;  // row-major: replicate b's values at [b * slots(), (b + 1) * slots())
};

}  // namespace labelqa::metrics
