// Majority vote and Dawid–Skene consensus (docs/report.md).
#include "labelqa/metrics/consensus.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <tbb/parallel_for.h>

namespace labelqa::metrics {
namespace {

std::uint64_t mix(std::uint64_t z) {  // splitmix64 finaliser
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// FNV-1a of the item name, mixed with the seed: the tie-break key of one item.
std::uint64_t item_key(std::string_view name, std::uint64_t seed) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : name) h = (h ^ c) * 0x100000001b3ULL;
  return mix(h ^ mix(seed + 0x9E3779B97F4A7C15ULL));
}

// Work is split into this many fixed chunks of items, whatever the thread count, and partial sums
// are added in chunk order: the same bytes with 1 or 2 threads.
constexpr std::size_t k_chunks = 64;

template <class F>
void for_chunks(std::size_t n, F&& f) {
  tbb::parallel_for(std::size_t{0}, k_chunks, [&](std::size_t c) { f(c, n * c / k_chunks, n * (c + 1) / k_chunks); });
}

constexpr double k_floor = 1e-300;  // log of a label never given (never read)
constexpr double k_clip = 1e-10;    // crowd-kit's _EPS: the least weight of a given label, prior and posterior

}  // namespace

Consensus majority_vote(const RatingSet& set, std::uint64_t seed, bool break_ties) {
  Consensus out;
  const int q = static_cast<int>(set.categories.size());
  const std::size_t n = set.item_count();
  out.classes = q;
  out.labels.assign(n, -1);
  out.confidence.assign(n, 0);
  out.posterior.assign(n * static_cast<std::size_t>(q), 0);
  out.tied.assign(n, 0);
  std::vector<int> votes(static_cast<std::size_t>(q));
  std::vector<int> tied;
  for (std::size_t i = 0; i < n; ++i) {
    const auto b = set.item_offsets[i], e = set.item_offsets[i + 1];
    if (b == e) continue;
    std::fill(votes.begin(), votes.end(), 0);
    for (auto r = b; r < e; ++r) ++votes[static_cast<std::size_t>(set.ratings[r].category)];
    const int best = *std::max_element(votes.begin(), votes.end());
    tied.clear();
    for (int k = 0; k < q; ++k) {
      if (votes[static_cast<std::size_t>(k)] == best) tied.push_back(k);
    }
    const bool tie = tied.size() > 1 && !break_ties;
    const int label = tie ? -1 : tied.size() == 1 ? tied[0] : tied[item_key(set.items[i], seed) % tied.size()];
    const double total = e - b;
    out.labels[i] = label;
    out.tied[i] = tie;
    out.confidence[i] = tie ? 0 : best / total;
    for (int k = 0; k < q; ++k) out.posterior[i * static_cast<std::size_t>(q) + static_cast<std::size_t>(k)] = votes[static_cast<std::size_t>(k)] / total;
  }
  return out;
}

DawidSkene dawid_skene(const RatingSet& set, const DawidSkeneOptions& options) {
  DawidSkene ds;
  const std::size_t q = set.categories.size();
  const std::size_t n = set.item_count();
  const std::size_t m = set.annotators.size();
  ds.classes = static_cast<int>(q);
  const Consensus mv = majority_vote(set, 0);
  std::vector<double> T = mv.posterior;  // items x q
  std::size_t rated_items = 0;
  for (std::size_t i = 0; i < n; ++i) rated_items += set.item_offsets[i + 1] > set.item_offsets[i];
  if (q == 0 || rated_items == 0) {
    ds.labels = mv.labels;
    ds.confidence = mv.confidence;
    ds.posterior = std::move(T);
    return ds;
  }
  const std::size_t cell = m * q * q;
  // The labels each annotator gave: crowd-kit's error matrix has rows for these only.
  std::vector<std::uint8_t> used(m * q, 0);
  for (const auto& r : set.ratings) used[static_cast<std::size_t>(r.annotator) * q + static_cast<std::size_t>(r.category)] = 1;
  std::vector<double> partial(k_chunks * (cell + q));
  std::vector<double> chunk_sum(k_chunks);
  std::vector<double> log_e(cell), log_p(q);
  ds.priors.assign(q, 0);
  ds.confusion.assign(cell, 0);
  ds.row_weight.assign(m * q, 0);
  // M-step: class prevalence and each annotator's rows P(given | true) from the posteriors, as
  // crowd-kit computes them: the weight of every label the annotator gave is clipped at 1e-10
  // before the row is normalised over those labels.
  auto m_step = [&] {
    std::fill(partial.begin(), partial.end(), 0.0);
    for_chunks(n, [&](std::size_t c, std::size_t b, std::size_t e) {
      double* counts = partial.data() + c * (cell + q);
      double* prior = counts + cell;
      for (std::size_t i = b; i < e; ++i) {
        const double* t = T.data() + i * q;
        const auto rb = set.item_offsets[i], re = set.item_offsets[i + 1];
        if (rb == re) continue;
        for (std::size_t k = 0; k < q; ++k) prior[k] += t[k];
        for (auto r = rb; r < re; ++r) {
          const auto& rating = set.ratings[r];
          double* base = counts + static_cast<std::size_t>(rating.annotator) * q * q + static_cast<std::size_t>(rating.category);
          for (std::size_t k = 0; k < q; ++k) base[k * q] += t[k];
        }
      }
    });
    std::fill(ds.confusion.begin(), ds.confusion.end(), 0.0);
    std::fill(ds.priors.begin(), ds.priors.end(), 0.0);
    for (std::size_t c = 0; c < k_chunks; ++c) {
      const double* counts = partial.data() + c * (cell + q);
      for (std::size_t x = 0; x < cell; ++x) ds.confusion[x] += counts[x];
      for (std::size_t k = 0; k < q; ++k) ds.priors[k] += counts[cell + k];
    }
    for (std::size_t k = 0; k < q; ++k) {
      ds.priors[k] /= static_cast<double>(rated_items);
      log_p[k] = std::log(std::max(ds.priors[k], k_clip));
    }
    for (std::size_t a = 0; a < m; ++a) {
      for (std::size_t k = 0; k < q; ++k) {
        double* row = ds.confusion.data() + (a * q + k) * q;
        double total = 0, weight = 0;
        for (std::size_t l = 0; l < q; ++l) {
          weight += row[l];
          if (used[a * q + l]) row[l] = std::max(row[l], k_clip);
          total += row[l];
        }
        ds.row_weight[a * q + k] = weight;
        for (std::size_t l = 0; l < q; ++l) {
          row[l] = total > 0 ? row[l] / total : 1.0 / static_cast<double>(q);
          log_e[(a * q + k) * q + l] = std::log(std::max(row[l], k_floor));
        }
      }
    }
  };
  // The evidence lower bound per rating (crowd-kit's loss): the expected log joint of the ratings
  // and true classes under the posteriors, plus the posteriors' entropy (probabilities clipped at
  // 1e-10), divided by the number of ratings.
  auto elbo = [&] {
    for_chunks(n, [&](std::size_t c, std::size_t b, std::size_t e) {
      double sum = 0;
      for (std::size_t i = b; i < e; ++i) {
        const auto rb = set.item_offsets[i], re = set.item_offsets[i + 1];
        if (rb == re) continue;
        const double* t = T.data() + i * q;
        for (auto r = rb; r < re; ++r) {
          const auto& rating = set.ratings[r];
          const double* base = log_e.data() + static_cast<std::size_t>(rating.annotator) * q * q + static_cast<std::size_t>(rating.category);
          for (std::size_t k = 0; k < q; ++k) sum += t[k] * (base[k * q] + log_p[k]);
        }
        for (std::size_t k = 0; k < q; ++k) {
          const double v = std::max(t[k], k_clip);
          sum -= v * std::log(v);
        }
      }
      chunk_sum[c] = sum;
    });
    double total = 0;
    for (double x : chunk_sum) total += x;
    return total / static_cast<double>(std::max<std::size_t>(1, set.rating_count()));
  };
  m_step();
  double previous = -HUGE_VAL;
  for (int it = 1; it <= options.max_iterations; ++it) {
    const std::vector<double> used_priors = it <= options.trace ? ds.priors : std::vector<double>{};
    const std::vector<double> used_confusion = it <= options.trace ? ds.confusion : std::vector<double>{};
    // E-step: each item's posterior from the priors and the rows of its annotators.
    for_chunks(n, [&](std::size_t c, std::size_t b, std::size_t e) {
      double ll = 0;
      std::vector<double> lp(q);
      for (std::size_t i = b; i < e; ++i) {
        const auto rb = set.item_offsets[i], re = set.item_offsets[i + 1];
        if (rb == re) continue;
        std::copy(log_p.begin(), log_p.end(), lp.begin());
        for (auto r = rb; r < re; ++r) {
          const auto& rating = set.ratings[r];
          const double* base = log_e.data() + static_cast<std::size_t>(rating.annotator) * q * q + static_cast<std::size_t>(rating.category);
          for (std::size_t k = 0; k < q; ++k) lp[k] += base[k * q];
        }
        const double top = *std::max_element(lp.begin(), lp.end());
        double sum = 0;
        for (std::size_t k = 0; k < q; ++k) sum += std::exp(lp[k] - top);
        double* t = T.data() + i * q;
        for (std::size_t k = 0; k < q; ++k) t[k] = std::exp(lp[k] - top) / sum;
        ll += top + std::log(sum);
      }
      chunk_sum[c] = ll;
    });
    double ll = 0;
    for (double x : chunk_sum) ll += x;
    ds.log_likelihood = ll;
    ds.iterations = it;
    if (it <= options.trace) ds.trace.push_back({used_priors, used_confusion, T, ll});
    m_step();
    const double loss = elbo();
    ds.elbo = loss;
    if (loss - previous < options.tolerance) {
      ds.converged = true;
      break;
    }
    previous = loss;
  }
  ds.labels.assign(n, -1);
  ds.confidence.assign(n, 0);
  ds.tied.assign(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    if (set.item_offsets[i + 1] == set.item_offsets[i]) {
      std::fill(T.begin() + static_cast<std::ptrdiff_t>(i * q), T.begin() + static_cast<std::ptrdiff_t>((i + 1) * q), 0.0);
      continue;
    }
    const double* t = T.data() + i * q;
    const auto best = std::max_element(t, t + q) - t;
    // Two classes equally probable (to rounding) are a tie, not a win for the first by name.
    const bool tie = !options.break_ties && std::count_if(t, t + q, [&](double v) { return v >= t[best] - 1e-9; }) > 1;
    ds.tied[i] = tie;
    if (tie) continue;
    ds.labels[i] = static_cast<std::int32_t>(best);
    ds.confidence[i] = t[best];
  }
  ds.posterior = std::move(T);
  return ds;
}

}  // namespace labelqa::metrics
