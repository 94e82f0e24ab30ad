#include "labelqa/metrics/patterns.hpp"

#include <algorithm>
#include <cstring>

namespace labelqa::metrics {

void PatternSet::add(const Rating* begin, const Rating* end, double frequency) {
  ratings.insert(ratings.end(), begin, end);
  offsets.push_back(static_cast<std::uint32_t>(ratings.size()));
  std::size_t first = counts.size();
  for (const Rating* r = begin; r != end; ++r) {
    bool found = false;
    for (std::size_t c = first; c < counts.size(); ++c) {
      if (counts[c].category == r->category) {
        ++counts[c].count;
        found = true;
        break;
      }
    }
    if (!found) counts.push_back({r->category, 1});
  }
  std::sort(counts.begin() + static_cast<std::ptrdiff_t>(first), counts.end(),
            [](const CategoryCount& a, const CategoryCount& b) { return a.category < b.category; });
  count_offsets.push_back(static_cast<std::uint32_t>(counts.size()));
  freq.push_back(frequency);
}

namespace {

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h *= 0xff51afd7ed558ccdULL;
  return h ^ (h >> 33);
}

}  // namespace

PatternSet compress(const RatingSet& rs) {
  const std::size_t n = rs.item_count();
  std::vector<std::pair<std::uint64_t, std::uint32_t>> keyed(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t h = 0x12345678u;
    for (std::uint32_t k = rs.item_offsets[i]; k < rs.item_offsets[i + 1]; ++k) {
      h = mix(h, (static_cast<std::uint64_t>(static_cast<std::uint32_t>(rs.ratings[k].annotator)) << 32) |
                     static_cast<std::uint32_t>(rs.ratings[k].category));
    }
    keyed[i] = {mix(h, rs.item_offsets[i + 1] - rs.item_offsets[i]), static_cast<std::uint32_t>(i)};
  }
  std::sort(keyed.begin(), keyed.end());

  PatternSet ps;
  ps.annotators = static_cast<int>(rs.annotators.size());
  ps.categories = static_cast<int>(rs.categories.size());
  ps.item_pattern.assign(n, 0);
  auto same = [&](std::uint32_t a, std::uint32_t b) {
    std::uint32_t la = rs.item_offsets[a + 1] - rs.item_offsets[a];
    std::uint32_t lb = rs.item_offsets[b + 1] - rs.item_offsets[b];
    return la == lb && std::memcmp(&rs.ratings[rs.item_offsets[a]], &rs.ratings[rs.item_offsets[b]],
                                   la * sizeof(Rating)) == 0;
  };
  std::vector<std::pair<std::uint32_t, std::uint32_t>> group;  // (representative item, pattern)
  for (std::size_t g = 0; g < n;) {
    std::size_t end = g + 1;
    while (end < n && keyed[end].first == keyed[g].first) ++end;
    group.clear();
    for (std::size_t k = g; k < end; ++k) {
      std::uint32_t item = keyed[k].second;
      std::uint32_t pattern = UINT32_MAX;
      for (const auto& [rep, pat] : group) {
        if (same(rep, item)) { pattern = pat; break; }
      }
      if (pattern == UINT32_MAX) {
        pattern = static_cast<std::uint32_t>(ps.size());
        const Rating* b = rs.ratings.data() + rs.item_offsets[item];
        ps.add(b, rs.ratings.data() + rs.item_offsets[item + 1], 0.0);
        group.emplace_back(item, pattern);
      }
      ps.freq[pattern] += 1.0;
      ps.item_pattern[item] = pattern;
    }
    g = end;
  }
  return ps;
}

}  // namespace labelqa::metrics
