// Resampling helpers shared by the bootstrap intervals: a seeded generator that gives the same
// stream on every platform, and percentile intervals.
#pragma once

#include "labelqa/metrics/estimate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
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
  e.ci_method = "bootstrap";
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

}  // namespace labelqa::metrics
