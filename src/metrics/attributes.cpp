#include "labelqa/metrics/attributes.hpp"

#include "labelqa/metrics/patterns.hpp"
#include "sum_equal.hpp"

#include <algorithm>
#include <map>

namespace labelqa::metrics {

void AttributeTally::add_pair(const AnnotatorObjects& a, std::size_t ka, const AnnotatorObjects& b, std::size_t kb, int pair,
                              const AttributeOptions& options) {
  auto [x, xe] = a.attributes_of(ka);
  auto [y, ye] = b.attributes_of(kb);
  // Both lists are sorted by name: walk them together.
  while (x != xe || y != ye) {
    const bool take_x = x != xe && (y == ye || x->name <= y->name);
    const bool take_y = y != ye && (x == xe || y->name <= x->name);
    const std::string& name = take_x ? x->name : y->name;
    if (options.wanted(name)) counts.push_back({pair, name, take_x ? x->value : k_no_value, take_y ? y->value : k_no_value, 1});
    if (take_x) ++x;
    if (take_y) ++y;
  }
}

void AttributeTally::merge() {
  detail::sum_equal(counts, [](const AttributeCount& c) { return std::tie(c.pair, c.name, c.value_a, c.value_b); },
                    [](AttributeCount& into, const AttributeCount& from) { into.count += from.count; });
}

MetricMap paired_agreement(std::size_t annotators, const std::vector<std::tuple<int, int, int, long long>>& ratings, int q, double confidence) {
  MetricMap out;
  std::vector<std::pair<int, int>> pair_of;
  const auto A = static_cast<int>(annotators);
  for (int a = 0; a < A; ++a) {
    for (int b = a + 1; b < A; ++b) pair_of.emplace_back(a, b);
  }
  // Only the categories that occur enter the chance terms.
  std::vector<int> used(static_cast<std::size_t>(q), -1);
  for (const auto& [p, x, y, n] : ratings) used[static_cast<std::size_t>(x)] = used[static_cast<std::size_t>(y)] = 0;
  int k = 0;
  for (int& u : used) {
    if (u == 0) u = k++;
  }
  PatternAccumulator acc;
  long long items = 0;
  for (const auto& [p, x, y, n] : ratings) {
    const auto [a, b] = pair_of[static_cast<std::size_t>(p)];
    const Rating r[2] = {{a, used[static_cast<std::size_t>(x)]}, {b, used[static_cast<std::size_t>(y)]}};
    acc.add(r, r + 2, static_cast<double>(n));
    items += n;
  }
  if (items == 0) return out;
  RatingStats stats;
  stats.annotators = annotators;
  stats.categories = static_cast<std::size_t>(k);
  stats.patterns = acc.finish(A, k);
  AgreeOptions ao;
  ao.confidence = confidence;
  ao.ci = CiMode::analytic;
  const AgreeResult r = analyze_agreement(std::move(stats), ao);
  for (const char* key : {"percent_agreement", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha", "gwet_ac1"}) {
    const auto it = r.overall.find(key);
    if (it != r.overall.end()) out[key] = it->second;
  }
  return out;
}

AttributeResult summarize_attributes(const ObjectSet& set, const std::vector<AttributeTally>& images, double confidence) {
  AttributeResult out;
  std::map<std::string, std::vector<AttributeCount>> by_name;
  for (const auto& im : images) {
    for (const auto& c : im.counts) by_name[c.name].push_back(c);
  }
  const std::size_t A = set.annotators.size();
  std::vector<std::pair<int, int>> pair_of;
  for (int a = 0; a < static_cast<int>(A); ++a) {
    for (int b = a + 1; b < static_cast<int>(A); ++b) pair_of.emplace_back(a, b);
  }
  for (auto& [name, counts] : by_name) {
    AttributeScores s;
    s.name = name;
    std::set<std::string> values;
    for (const auto& c : counts) values.insert(c.value_a), values.insert(c.value_b);
    s.values.assign(values.begin(), values.end());
    auto index = [&](const std::string& v) { return static_cast<int>(std::lower_bound(s.values.begin(), s.values.end(), v) - s.values.begin()); };
    const std::size_t V = s.values.size();
    s.confusion.assign(V, std::vector<long long>(V, 0));
    std::vector<std::tuple<int, int, int, long long>> ratings;
    std::map<int, std::vector<std::tuple<int, int, int, long long>>> per_pair;
    for (const auto& c : counts) {
      const int x = index(c.value_a), y = index(c.value_b);
      s.items += c.count;
      if (x != y) s.differing += c.count;
      s.confusion[static_cast<std::size_t>(x)][static_cast<std::size_t>(y)] += c.count;
      ratings.emplace_back(c.pair, x, y, c.count);
      per_pair[c.pair].emplace_back(c.pair, x, y, c.count);
    }
    s.metrics = paired_agreement(A, ratings, static_cast<int>(V), confidence);
    for (const auto& [p, rows] : per_pair) {
      AttributePair ap;
      ap.annotator_a = pair_of[static_cast<std::size_t>(p)].first;
      ap.annotator_b = pair_of[static_cast<std::size_t>(p)].second;
      for (const auto& r : rows) ap.items += std::get<3>(r);
      ap.metrics = paired_agreement(A, rows, static_cast<int>(V), confidence);
      s.pairs.push_back(std::move(ap));
    }
    out.attributes.push_back(std::move(s));
  }
  out.present = !out.attributes.empty();
  return out;
}

}  // namespace labelqa::metrics
