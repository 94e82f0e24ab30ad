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

// Content order of two rating sequences: by their (annotator, category) pairs, then length.
bool content_less(const Rating* a, std::size_t na, const Rating* b, std::size_t nb) {
  for (std::size_t k = 0; k < std::min(na, nb); ++k) {
    if (a[k].annotator != b[k].annotator) return a[k].annotator < b[k].annotator;
    if (a[k].category != b[k].category) return a[k].category < b[k].category;
  }
  return na < nb;
}

}  // namespace

std::uint64_t pattern_key(const Rating* begin, const Rating* end) {
  std::uint64_t h = 0x12345678u;
  for (const Rating* r = begin; r != end; ++r) {
    h = mix(h, (static_cast<std::uint64_t>(static_cast<std::uint32_t>(r->annotator)) << 32) | static_cast<std::uint32_t>(r->category));
  }
  return mix(h, static_cast<std::uint64_t>(end - begin));
}

void PatternAccumulator::add(const Rating* begin, const Rating* end, double frequency) {
  std::string key(reinterpret_cast<const char*>(begin), static_cast<std::size_t>(end - begin) * sizeof(Rating));
  m_freq[std::move(key)] += frequency;
}

PatternSet PatternAccumulator::finish(int annotators, int categories) {
  struct Entry {
    std::uint64_t key;
    const Rating* ratings;
    std::size_t n;
    double freq;
  };
  std::vector<Entry> entries;
  entries.reserve(m_freq.size());
  for (const auto& [bytes, f] : m_freq) {
    const auto* r = reinterpret_cast<const Rating*>(bytes.data());
    const std::size_t n = bytes.size() / sizeof(Rating);
    entries.push_back({pattern_key(r, r + n), r, n, f});
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.key != b.key) return a.key < b.key;
    return content_less(a.ratings, a.n, b.ratings, b.n);
  });
  PatternSet ps;
  ps.annotators = annotators;
  ps.categories = categories;
  for (const auto& e : entries) ps.add(e.ratings, e.ratings + e.n, e.freq);
  m_freq.clear();
  return ps;
}

PatternSet compress(const RatingSet& rs) {
  const std::size_t n = rs.item_count();
  std::vector<std::pair<std::uint64_t, std::uint32_t>> keyed(n);
  for (std::size_t i = 0; i < n; ++i) {
    keyed[i] = {pattern_key(rs.ratings.data() + rs.item_offsets[i], rs.ratings.data() + rs.item_offsets[i + 1]), static_cast<std::uint32_t>(i)};
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
    // The distinct patterns of one key (nearly always one) in content order, so that pattern
    // order depends on the patterns alone, not on which item came first: shards' patterns merge
    // into the same order (PatternAccumulator).
    for (std::size_t k = g; k < end; ++k) {
      const std::uint32_t item = keyed[k].second;
      if (std::none_of(group.begin(), group.end(), [&](const auto& rp) { return same(rp.first, item); })) group.emplace_back(item, 0);
    }
    auto ratings_of = [&](std::uint32_t item) { return rs.ratings.data() + rs.item_offsets[item]; };
    auto size_of = [&](std::uint32_t item) { return static_cast<std::size_t>(rs.item_offsets[item + 1] - rs.item_offsets[item]); };
    if (group.size() > 1) {
      std::sort(group.begin(), group.end(),
                [&](const auto& x, const auto& y) { return content_less(ratings_of(x.first), size_of(x.first), ratings_of(y.first), size_of(y.first)); });
    }
    for (auto& [rep, pat] : group) {
      pat = static_cast<std::uint32_t>(ps.size());
      ps.add(ratings_of(rep), ratings_of(rep) + size_of(rep), 0.0);
    }
    for (std::size_t k = g; k < end; ++k) {
      const std::uint32_t item = keyed[k].second;
      std::uint32_t pattern = group.front().second;
      if (group.size() > 1) {
        for (const auto& [rep, pat] : group) {
          if (same(rep, item)) {
            pattern = pat;
            break;
          }
        }
      }
      ps.freq[pattern] += 1.0;
      ps.item_pattern[item] = pattern;
    }
    g = end;
  }
  return ps;
}

}  // namespace labelqa::metrics
