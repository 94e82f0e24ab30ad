#include "shards.hpp"

#include "labelqa/error.hpp"
#include "labelqa/io/rating_builder.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <map>
#include <numeric>
#include <optional>

namespace labelqa::commands {
namespace {

// Items a partial (or a merge) may count: what one run can hold (32-bit item indices).
constexpr std::uint64_t k_max_items = std::uint64_t{1} << 32;

void write_strings(io::PartialWriter& out, const std::vector<std::string>& v) {
  out.u64(v.size());
  for (const auto& s : v) out.str(s);
}

std::vector<std::string> read_strings(io::PartialReader& in) {
  std::vector<std::string> v(static_cast<std::size_t>(in.count(8)));
  for (auto& s : v) s = in.str();
  return v;
}

void write_notes(io::PartialWriter& out, const std::vector<SkippedInput>& skipped, const std::vector<InputWarning>& warnings) {
  out.u64(skipped.size());
  for (const auto& s : skipped) {
    out.str(s.file);
    out.str(s.reason);
    out.u64(s.count);
  }
  out.u64(warnings.size());
  for (const auto& w : warnings) {
    out.str(w.code);
    out.str(w.message);
  }
}

void read_notes(io::PartialReader& in, std::vector<SkippedInput>& skipped, std::vector<InputWarning>& warnings) {
  skipped.resize(static_cast<std::size_t>(in.count(24)));
  for (auto& s : skipped) {
    s.file = in.str();
    s.reason = in.str();
    s.count = static_cast<std::size_t>(in.u64());
  }
  warnings.resize(static_cast<std::size_t>(in.count(16)));
  for (auto& w : warnings) {
    w.code = in.str();
    w.message = in.str();
  }
}

// The header part of a label shard (everything but patterns and items).
void read_label_header(io::PartialReader& in, RatingSet& h) {
  h.files = read_strings(in);
  read_notes(in, h.skipped, h.warnings);
  h.annotators = read_strings(in);
  const std::uint8_t level = in.u8();
  if (level > static_cast<std::uint8_t>(Level::ratio)) in.fail("unknown measurement level");
  h.level = static_cast<Level>(level);
  h.categories = read_strings(in);
  const std::uint64_t scores = in.count(8);
  if (scores != 0 && scores != h.categories.size()) in.fail("category scores do not match the categories");
  h.category_scores.resize(static_cast<std::size_t>(scores));
  for (auto& s : h.category_scores) s = in.f64();
  if (!std::is_sorted(h.annotators.begin(), h.annotators.end())) in.fail("annotators are not in order");
}

// The patterns as (first rating, items) with their ratings in `ratings`.
void read_patterns(io::PartialReader& in, std::size_t annotators, std::size_t categories, std::vector<Rating>& ratings,
                   std::vector<std::pair<std::uint32_t, std::uint64_t>>& spans) {
  const std::uint64_t patterns = in.count(12);
  std::uint64_t items = 0;
  ratings.clear();
  spans.clear();
  for (std::uint64_t p = 0; p < patterns; ++p) {
    const std::uint64_t freq = in.u64();
    const std::uint64_t n = in.count(8);
    const auto begin = static_cast<std::uint32_t>(ratings.size());
    for (std::uint64_t k = 0; k < n; ++k) {
      const std::uint32_t a = in.u32(), c = in.u32();
      if (a >= annotators || c >= categories) in.fail("a rating names no annotator or category");
      if (k > 0 && static_cast<std::int32_t>(a) <= ratings.back().annotator) in.fail("a pattern's ratings are not in annotator order");
      ratings.push_back({static_cast<std::int32_t>(a), static_cast<std::int32_t>(c)});
    }
    if (freq == 0) in.fail("a pattern with no items");
    items += freq;
    if (freq > k_max_items || items > k_max_items) in.fail("more than 2^32 items");
    spans.emplace_back(begin, freq);
  }
}

void write_patterns(io::PartialWriter& out, const metrics::PatternSet& ps) {
  out.u64(ps.size());
  for (std::size_t p = 0; p < ps.size(); ++p) {
    out.u64(static_cast<std::uint64_t>(std::llround(ps.freq[p])));
    out.u64(ps.offsets[p + 1] - ps.offsets[p]);
    for (std::uint32_t k = ps.offsets[p]; k < ps.offsets[p + 1]; ++k) {
      out.u32(static_cast<std::uint32_t>(ps.ratings[k].annotator));
      out.u32(static_cast<std::uint32_t>(ps.ratings[k].category));
    }
  }
}


void write_label_header(io::PartialWriter& out, const RatingSet& h) {
  write_strings(out, h.files);
  write_notes(out, h.skipped, h.warnings);
  write_strings(out, h.annotators);
  out.u8(static_cast<std::uint8_t>(h.level));
  write_strings(out, h.categories);
  out.u64(h.category_scores.size());
  for (const double v : h.category_scores) out.f64(v);
}

// The header of the union of shards (given in the order of their files): files and input notes
// concatenated, annotators once each in name order, and the categories one run over all the
// files decides (by name, by the label order, or by value, a value named as the first shard
// holding it spells it).
RatingSet union_header(const std::vector<const RatingSet*>& heads, const std::vector<std::string>& paths, CategoryRule rule) {
  RatingSet m;
  m.level = heads.front()->level;
  for (const RatingSet* h : heads) {
    m.files.insert(m.files.end(), h->files.begin(), h->files.end());
    m.skipped.insert(m.skipped.end(), h->skipped.begin(), h->skipped.end());
    m.warnings.insert(m.warnings.end(), h->warnings.begin(), h->warnings.end());
    m.annotators.insert(m.annotators.end(), h->annotators.begin(), h->annotators.end());
  }
  std::sort(m.annotators.begin(), m.annotators.end());
  m.annotators.erase(std::unique(m.annotators.begin(), m.annotators.end()), m.annotators.end());
  if (rule == CategoryRule::by_order) {
    m.categories = heads.front()->categories;
    m.category_scores = heads.front()->category_scores;
  } else if (rule == CategoryRule::by_name) {
    for (const RatingSet* h : heads) m.categories.insert(m.categories.end(), h->categories.begin(), h->categories.end());
    std::sort(m.categories.begin(), m.categories.end());
    m.categories.erase(std::unique(m.categories.begin(), m.categories.end()), m.categories.end());
  } else {
    std::map<double, std::string> named;
    for (std::size_t k = 0; k < heads.size(); ++k) {
      for (const auto& c : heads[k]->categories) {
        const auto v = io::parse_label_number(c);
        if (!v) throw InputError({.file = paths[k]}, fmt::format("category \"{}\" is not a number at the {} level", c, level_name(m.level)));
        named.emplace(*v, c);
      }
    }
    for (const auto& [v, name] : named) {
      m.categories.push_back(name);
      m.category_scores.push_back(m.level == Level::ordinal ? static_cast<double>(m.categories.size()) : v);
    }
  }
  return m;
}

// A shard's annotator and category indices in a union header's.
struct IndexMap {
  std::vector<std::int32_t> annotator, category;
};
IndexMap index_map(const RatingSet& shard, const RatingSet& merged, CategoryRule rule) {
  auto index_of = [](const std::vector<std::string>& all, const std::string& name) {
    return static_cast<std::int32_t>(std::lower_bound(all.begin(), all.end(), name) - all.begin());
  };
  IndexMap out;
  for (const auto& a : shard.annotators) out.annotator.push_back(index_of(merged.annotators, a));
  std::map<double, std::int32_t> by_value;
  if (rule == CategoryRule::by_value) {
    for (std::size_t c = 0; c < merged.categories.size(); ++c) by_value.emplace(*io::parse_label_number(merged.categories[c]), static_cast<std::int32_t>(c));
  }
  for (std::size_t c = 0; c < shard.categories.size(); ++c) {
    if (rule == CategoryRule::by_value) {
      out.category.push_back(by_value.at(*io::parse_label_number(shard.categories[c])));
    } else if (rule == CategoryRule::by_name) {
      out.category.push_back(index_of(merged.categories, shard.categories[c]));
    } else {
      out.category.push_back(static_cast<std::int32_t>(c));
    }
  }
  return out;
}

}  // namespace

LabelShard label_shard(RatingSet ratings) {
  LabelShard s;
  s.stats = metrics::rating_stats(ratings);
  s.items = std::move(ratings.items);
  std::sort(s.items.begin(), s.items.end());
  ratings.items.clear();
  ratings.item_offsets = {0};
  ratings.ratings.clear();
  ratings.sources.clear();
  ratings.timestamps.clear();
  s.header = std::move(ratings);
  return s;
}

void write_label_shard(io::PartialWriter& out, const LabelShard& s) {
  write_label_header(out, s.header);
  write_patterns(out, s.stats.patterns);
  write_strings(out, s.items);
}


LabelShard read_label_shard(io::PartialReader& in) {
  LabelShard s;
  read_label_header(in, s.header);
  std::vector<Rating> ratings;
  std::vector<std::pair<std::uint32_t, std::uint64_t>> spans;
  read_patterns(in, s.header.annotators.size(), s.header.categories.size(), ratings, spans);
  metrics::PatternAccumulator acc;
  for (std::size_t p = 0; p < spans.size(); ++p) {
    const std::uint32_t end = p + 1 < spans.size() ? spans[p + 1].first : static_cast<std::uint32_t>(ratings.size());
    acc.add(ratings.data() + spans[p].first, ratings.data() + end, static_cast<double>(spans[p].second));
  }
  s.stats.annotators = s.header.annotators.size();
  s.stats.categories = s.header.categories.size();
  s.stats.level = s.header.level;
  s.stats.category_scores = s.header.category_scores;
  s.stats.patterns = acc.finish(static_cast<int>(s.stats.annotators), static_cast<int>(s.stats.categories));
  s.items = read_strings(in);
  in.finish();
  return s;
}

void write_rating_set(io::PartialWriter& out, const RatingSet& h) {
  write_label_header(out, h);
  write_strings(out, h.items);
  out.u64(h.ratings.size());
  for (std::size_t i = 0; i < h.items.size(); ++i) out.u32(h.item_offsets[i + 1] - h.item_offsets[i]);
  for (std::size_t k = 0; k < h.ratings.size(); ++k) {
    out.u32(static_cast<std::uint32_t>(h.ratings[k].annotator));
    out.u32(static_cast<std::uint32_t>(h.ratings[k].category));
    out.u32(h.sources[k].file);
    out.u32(h.sources[k].line);
  }
  out.u8(h.timestamps.empty() ? 0 : 1);
  for (const auto t : h.timestamps) out.u64(static_cast<std::uint64_t>(t));
}

RatingSet read_rating_set(io::PartialReader& in) {
  RatingSet h;
  read_label_header(in, h);
  h.items = read_strings(in);
  const std::uint64_t ratings = in.count(16);
  h.item_offsets.assign(1, 0);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < h.items.size(); ++i) {
    total += in.u32();
    if (total > ratings) in.fail("items hold more ratings than the set");
    h.item_offsets.push_back(static_cast<std::uint32_t>(total));
  }
  if (total != ratings) in.fail("items hold fewer ratings than the set");
  h.ratings.resize(static_cast<std::size_t>(ratings));
  h.sources.resize(static_cast<std::size_t>(ratings));
  for (std::size_t k = 0; k < h.ratings.size(); ++k) {
    const std::uint32_t a = in.u32(), c = in.u32(), f = in.u32(), line = in.u32();
    if (a >= h.annotators.size() || c >= h.categories.size() || f >= h.files.size()) in.fail("a rating names no annotator, category or file");
    h.ratings[k] = {static_cast<std::int32_t>(a), static_cast<std::int32_t>(c)};
    h.sources[k] = {f, line};
  }
  for (std::size_t i = 0; i < h.items.size(); ++i) {
    for (std::uint32_t k = h.item_offsets[i] + 1; k < h.item_offsets[i + 1]; ++k) {
      if (h.ratings[k].annotator <= h.ratings[k - 1].annotator) in.fail("an item's ratings are not in annotator order");
    }
  }
  if (in.u8() != 0) {
    h.timestamps.resize(h.ratings.size());
    for (auto& t : h.timestamps) t = static_cast<std::int64_t>(in.u64());
  }
  return h;
}

RatingSet union_rating_sets(std::vector<RatingSet> sets, const std::vector<std::string>& paths, CategoryRule rule) {
  std::vector<const RatingSet*> heads;
  for (const auto& h : sets) heads.push_back(&h);
  RatingSet m = union_header(heads, paths, rule);
  const bool timed = std::any_of(sets.begin(), sets.end(), [](const RatingSet& h) { return !h.timestamps.empty(); });
  std::map<std::string, std::size_t> owner;  // item -> shard
  m.item_offsets.assign(1, 0);
  std::uint32_t file_base = 0;
  for (std::size_t k = 0; k < sets.size(); ++k) {
    RatingSet& h = sets[k];
    const IndexMap map = index_map(h, m, rule);
    const auto& ann = map.annotator;
    const auto& cat = map.category;
    for (std::size_t i = 0; i < h.items.size(); ++i) {
      const auto [it, fresh] = owner.emplace(h.items[i], k);
      if (!fresh) {
        throw InputError({.file = paths[k], .item = h.items[i]},
                         fmt::format("this item is also in {}: a shard must hold whole items (all of an item's ratings), or the merge would "
                                     "count it as two items (docs/scale.md)",
                                     paths[it->second]));
      }
      m.items.push_back(std::move(h.items[i]));
      for (std::uint32_t r = h.item_offsets[i]; r < h.item_offsets[i + 1]; ++r) {
        m.ratings.push_back({ann[static_cast<std::size_t>(h.ratings[r].annotator)], cat[static_cast<std::size_t>(h.ratings[r].category)]});
        m.sources.push_back({h.sources[r].file + file_base, h.sources[r].line});
        if (timed) m.timestamps.push_back(h.timestamps.empty() ? RatingSet::k_no_time : h.timestamps[r]);
      }
      m.item_offsets.push_back(static_cast<std::uint32_t>(m.ratings.size()));
    }
    file_base += static_cast<std::uint32_t>(h.files.size());
  }
  return m;
}

io::PartialHeader check_partials(const std::vector<std::string>& paths, const std::string& kind_prefix) {
  if (paths.empty()) throw UsageError("no partial results to merge");
  std::optional<io::PartialHeader> first;
  std::string first_path;
  for (const auto& p : paths) {
    io::PartialReader r(p);
    const auto& h = r.header();
    if (h.kind.rfind(kind_prefix, 0) != 0) {
      throw InputError({.file = p}, fmt::format("a partial result of {}, where {} partials are merged", h.kind, kind_prefix.substr(0, kind_prefix.size() - 1)));
    }
    if (!first) {
      first = h;
      first_path = p;
      continue;
    }
    auto differ = [&](const std::string& what, const std::string& a, const std::string& b) {
      throw InputError({.file = p}, fmt::format("made with {} {}, but {} was made with {} {}: partials merge only with partials of the same {}", what, b,
                                                first_path, what, a, what));
    };
    if (h.version != first->version) differ("labelqa", first->version, h.version);
    if (h.kind != first->kind) differ("kind", first->kind, h.kind);
    if (h.options != first->options) differ("options", "\"" + first->options + "\"", "\"" + h.options + "\"");
  }
  return *first;
}

LabelShard merge_label_shards(const std::vector<std::string>& paths, CategoryRule rule, bool keep_items) {
  // Pass 1: every shard's header, to decide the merged annotators and categories, and the order of
  // the shards (by their files: the merge does not depend on the order the partials are given).
  struct Head {
    std::string path;
    RatingSet header;
  };
  std::vector<Head> heads;
  for (const auto& p : paths) {
    io::PartialReader in(p);
    Head h{p, {}};
    read_label_header(in, h.header);
    heads.push_back(std::move(h));
  }
  std::stable_sort(heads.begin(), heads.end(), [](const Head& a, const Head& b) { return a.header.files < b.header.files; });
  for (std::size_t k = 1; k < heads.size(); ++k) {
    if (heads[k].header.files == heads[k - 1].header.files) {
      throw InputError({.file = heads[k].path}, fmt::format("holds the same inputs as {}: a shard merged twice", heads[k - 1].path));
    }
  }
  LabelShard out;
  std::vector<const RatingSet*> headers;
  std::vector<std::string> sorted_paths;
  for (const auto& h : heads) {
    headers.push_back(&h.header);
    sorted_paths.push_back(h.path);
  }
  out.header = union_header(headers, sorted_paths, rule);
  RatingSet& m = out.header;
  // Pass 2: each shard's patterns in the merged indices, and its items.
  metrics::PatternAccumulator acc;
  std::uint64_t total_items = 0;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> item_keys;  // (hash of the name, shard)
  std::vector<Rating> ratings, mapped;
  std::vector<std::pair<std::uint32_t, std::uint64_t>> spans;
  for (std::size_t k = 0; k < heads.size(); ++k) {
    io::PartialReader in(heads[k].path);
    RatingSet h;
    read_label_header(in, h);
    const IndexMap map = index_map(h, m, rule);
    const auto& ann = map.annotator;
    const auto& cat = map.category;
    read_patterns(in, h.annotators.size(), h.categories.size(), ratings, spans);
    for (const auto& sp : spans) total_items += sp.second;
    if (total_items > k_max_items) throw InputError({.file = heads[k].path}, "the partials count more than 2^32 items together, more than one run holds");
    for (std::size_t p = 0; p < spans.size(); ++p) {
      const std::uint32_t end = p + 1 < spans.size() ? spans[p + 1].first : static_cast<std::uint32_t>(ratings.size());
      mapped.clear();
      for (std::uint32_t i = spans[p].first; i < end; ++i) mapped.push_back({ann[static_cast<std::size_t>(ratings[i].annotator)], cat[static_cast<std::size_t>(ratings[i].category)]});
      acc.add(mapped.data(), mapped.data() + mapped.size(), static_cast<double>(spans[p].second));
    }
    std::vector<std::string> items = read_strings(in);
    in.finish();
    for (const auto& name : items) item_keys.emplace_back(std::hash<std::string>{}(name), static_cast<std::uint32_t>(k));
    if (keep_items) out.items.insert(out.items.end(), std::make_move_iterator(items.begin()), std::make_move_iterator(items.end()));
  }
  // A shard must hold whole items: an item in two shards would be two items here but one in a
  // single run. Equal hashes are compared by name (read again from the two partials).
  std::sort(item_keys.begin(), item_keys.end());
  for (std::size_t i = 1; i < item_keys.size(); ++i) {
    if (item_keys[i].first != item_keys[i - 1].first) continue;
    auto names_of = [&](std::uint32_t shard) {
      io::PartialReader in(heads[shard].path);
      LabelShard s = read_label_shard(in);
      return s.items;
    };
    if (item_keys[i - 1].second == item_keys[i].second) continue;  // two names of one shard with one hash
    const auto a = names_of(item_keys[i - 1].second), b = names_of(item_keys[i].second);
    for (const auto& name : a) {
      if (std::hash<std::string>{}(name) != item_keys[i].first) continue;
      if (std::binary_search(b.begin(), b.end(), name)) {
        throw InputError({.file = heads[item_keys[i].second].path, .item = name},
                         fmt::format("this item is also in {}: a shard must hold whole items (all of an item's ratings), or the merge would "
                                     "count it as two items (docs/scale.md)",
                                     heads[item_keys[i - 1].second].path));
      }
    }
  }
  item_keys = {};
  std::sort(out.items.begin(), out.items.end());
  out.stats.annotators = m.annotators.size();
  out.stats.categories = m.categories.size();
  out.stats.level = m.level;
  out.stats.category_scores = m.category_scores;
  out.stats.patterns = acc.finish(static_cast<int>(m.annotators.size()), static_cast<int>(m.categories.size()));
  return out;
}


// Objects.

namespace {

// Counts a partial may give one image's scope: their sums over 2^32 images (and bootstrap
// weights adding up to the images) stay within 64 bits.
constexpr std::uint64_t k_max_image_count = std::uint64_t{1} << 30;
// Objects a partial may give one annotator.
constexpr std::uint64_t k_max_objects = std::uint64_t{1} << 40;

// Index of annotator pair (a, b), a < b, among A annotators' pairs in order (0,1), (0,2), ...
int pair_index(int a, int b, int annotators) { return a * (2 * annotators - a - 1) / 2 + (b - a - 1); }

void write_counts(io::PartialWriter& out, const metrics::ObjectCounts& c) {
  for (const long long v : {c.objects_a, c.objects_b, c.matched, c.label_mismatch, c.label_mismatch_a, c.label_mismatch_b, c.ignored}) {
    out.u64(static_cast<std::uint64_t>(v));
  }
  out.f64(c.iou_sum);
  out.f64(c.dice_sum);
}

metrics::ObjectCounts read_counts(io::PartialReader& in) {
  metrics::ObjectCounts c;
  for (long long* v : {&c.objects_a, &c.objects_b, &c.matched, &c.label_mismatch, &c.label_mismatch_a, &c.label_mismatch_b, &c.ignored}) {
    const std::uint64_t x = in.u64();
    if (x > k_max_image_count) in.fail("an image's object counts exceed 2^30");
    *v = static_cast<long long>(x);
  }
  c.iou_sum = in.f64();
  c.dice_sum = in.f64();
  // Similarities are at most 1 each, up to rounding (an OKS sums k terms of at most 1, over k).
  const auto m = static_cast<double>(c.matched) * (1 + 1e-9);
  if (!(c.iou_sum >= 0 && c.iou_sum <= m && c.dice_sum >= 0 && c.dice_sum <= m)) in.fail("an image's IoU or Dice sums lie outside [0, matched]");
  if (c.matched + c.label_mismatch_a > c.objects_a || c.matched + c.label_mismatch_b > c.objects_b) in.fail("an image matches more objects than it has");
  return c;
}

// Keypoints, attributes and polylines of one image's matched pairs (metrics::ImageOutcome). Scopes
// and pairs are checked against the shard's `scopes` and `pairs`, classes against `classes`.
void write_image_tallies(io::PartialWriter& out, const metrics::ImageOutcome& im) {
  out.u64(im.keypoints.entries.size());
  for (const auto& [scope, k, c] : im.keypoints.entries) {
    out.u32(static_cast<std::uint32_t>(scope));
    out.u32(static_cast<std::uint32_t>(k + 1));
    for (const long long v : {c.objects, c.labelled, c.both, c.within, c.missed, c.extra}) out.u64(static_cast<std::uint64_t>(v));
    out.f64(c.similarity_sum);
    out.f64(c.distance_sum);
    out.f64(c.normalized_sum);
  }
  out.u64(im.keypoints.visibility.size());
  for (const auto& v : im.keypoints.visibility) {
    out.u32(static_cast<std::uint32_t>(v.pair));
    out.u32(static_cast<std::uint32_t>(v.category));
    out.u8(v.flag_a);
    out.u8(v.flag_b);
    out.u64(static_cast<std::uint64_t>(v.count));
  }
  out.u64(im.keypoints.classes.size());
  for (const auto& [c, n] : im.keypoints.classes) {
    out.u32(static_cast<std::uint32_t>(c));
    out.u32(static_cast<std::uint32_t>(n));
  }
  out.u64(im.attributes.counts.size());
  for (const auto& c : im.attributes.counts) {
    out.u32(static_cast<std::uint32_t>(c.pair));
    out.str(c.name);
    out.str(c.value_a);
    out.str(c.value_b);
    out.u64(static_cast<std::uint64_t>(c.count));
  }
  out.u64(im.lines.entries.size());
  for (const auto& [scope, c] : im.lines.entries) {
    out.u32(static_cast<std::uint32_t>(scope));
    out.u64(static_cast<std::uint64_t>(c.objects));
    out.u64(static_cast<std::uint64_t>(c.reversed));
    out.f64(c.similarity_sum);
    out.f64(c.distance_sum);
  }
}

// Keypoints a partial may give one object: far more than any skeleton has.
constexpr std::uint32_t k_max_keypoints = 1u << 16;

void read_image_tallies(io::PartialReader& in, metrics::ImageOutcome& im, std::uint64_t scopes, std::uint64_t pairs, std::uint64_t classes) {
  auto count = [&](const char* what) {
    const std::uint64_t x = in.u64();
    if (x > k_max_image_count) in.fail(fmt::format("an image's {} exceed 2^30", what));
    return static_cast<long long>(x);
  };
  auto sum = [&](double limit, const char* what) {
    const double x = in.f64();
    if (!(x >= 0 && x <= limit)) in.fail(fmt::format("an image's {} lie outside [0, {}]", what, limit));
    return x;
  };
  const std::uint64_t entries = in.count(4 + 4 + 6 * 8 + 3 * 8);
  for (std::uint64_t e = 0; e < entries; ++e) {
    const std::uint32_t scope = in.u32(), k = in.u32();
    if (scope >= scopes) in.fail("a keypoint entry names no scope");
    if (k > k_max_keypoints || (k > 0 && scope <= pairs)) in.fail("a keypoint entry names a keypoint outside a class scope, or past 2^16");
    metrics::KeypointCounts c;
    for (long long* v : {&c.objects, &c.labelled, &c.both, &c.within, &c.missed, &c.extra}) *v = count("keypoint counts");
    if (c.both > c.labelled || c.within > c.both || c.missed > c.labelled) in.fail("an image's keypoint counts do not add up");
    c.similarity_sum = sum(static_cast<double>(c.objects) * (1 + 1e-9), "OKS sums");
    c.distance_sum = sum(HUGE_VAL, "keypoint distances");
    c.normalized_sum = sum(HUGE_VAL, "normalised keypoint distances");
    im.keypoints.entries.emplace_back(static_cast<int>(scope), static_cast<int>(k) - 1, c);
  }
  const std::uint64_t flags = in.count(4 + 4 + 2 + 8);
  for (std::uint64_t e = 0; e < flags; ++e) {
    metrics::VisibilityCount v;
    const std::uint32_t pair = in.u32(), category = in.u32();
    if (pair >= pairs || category >= classes) in.fail("a visibility count names no pair or class");
    v.pair = static_cast<int>(pair);
    v.category = static_cast<int>(category);
    v.flag_a = in.u8();
    v.flag_b = in.u8();
    if (v.flag_a > 2 || v.flag_b > 2) in.fail("a visibility flag outside 0, 1, 2");
    v.count = count("visibility counts");
    im.keypoints.visibility.push_back(v);
  }
  const std::uint64_t kinds = in.count(8);
  for (std::uint64_t e = 0; e < kinds; ++e) {
    const std::uint32_t c = in.u32(), n = in.u32();
    if (c >= classes || n > k_max_keypoints) in.fail("a keypoint class names no class, or more than 2^16 keypoints");
    im.keypoints.classes.emplace_back(static_cast<int>(c), static_cast<int>(n));
  }
  const std::uint64_t attributes = in.count(4 + 3 * 8 + 8);
  for (std::uint64_t e = 0; e < attributes; ++e) {
    metrics::AttributeCount c;
    const std::uint32_t pair = in.u32();
    if (pair >= pairs) in.fail("an attribute count names no pair");
    c.pair = static_cast<int>(pair);
    c.name = in.str();
    c.value_a = in.str();
    c.value_b = in.str();
    c.count = count("attribute counts");
    im.attributes.counts.push_back(std::move(c));
  }
  const std::uint64_t lines = in.count(4 + 4 * 8);
  for (std::uint64_t e = 0; e < lines; ++e) {
    const std::uint32_t scope = in.u32();
    if (scope >= scopes) in.fail("a polyline entry names no scope");
    metrics::LineCounts c;
    c.objects = count("polyline counts");
    c.reversed = count("polyline counts");
    if (c.reversed > c.objects) in.fail("an image has more reversed polylines than matched ones");
    c.similarity_sum = sum(static_cast<double>(c.objects) * (1 + 1e-9), "line similarity sums");
    c.distance_sum = sum(HUGE_VAL, "line distances");
    im.lines.entries.emplace_back(static_cast<int>(scope), c);
  }
}

void write_schemas(io::PartialWriter& out, const std::map<std::string, KeypointSchema>& schemas) {
  out.u64(schemas.size());
  for (const auto& [cls, schema] : schemas) {
    out.str(cls);
    write_strings(out, schema.names);
    out.u64(schema.skeleton.size());
    for (const auto& [a, b] : schema.skeleton) {
      out.u32(static_cast<std::uint32_t>(a));
      out.u32(static_cast<std::uint32_t>(b));
    }
  }
}

std::map<std::string, KeypointSchema> read_schemas(io::PartialReader& in) {
  std::map<std::string, KeypointSchema> out;
  const std::uint64_t n = in.count(8 + 8 + 8);
  for (std::uint64_t k = 0; k < n; ++k) {
    std::string cls = in.str();
    KeypointSchema schema;
    schema.names = read_strings(in);
    if (schema.names.size() > k_max_keypoints) in.fail("a keypoint class of more than 2^16 keypoints");
    const std::uint64_t edges = in.count(8);
    for (std::uint64_t e = 0; e < edges; ++e) {
      const std::uint32_t a = in.u32(), b = in.u32();
      if (a >= schema.names.size() || b >= schema.names.size()) in.fail("a skeleton edge names no keypoint");
      schema.skeleton.emplace_back(static_cast<int>(a), static_cast<int>(b));
    }
    if (!out.emplace(std::move(cls), std::move(schema)).second) in.fail("a keypoint class given twice");
  }
  return out;
}

bool annotator_less(const AnnotatorObjects& x, const AnnotatorObjects& y) {
  const int rx = role_rank(x.role), ry = role_rank(y.role);
  return rx != ry ? rx < ry : x.name < y.name;
}

}  // namespace

ObjectShard object_shard(const ObjectSet& set, metrics::ObjectMatching matching) {
  ObjectShard s;
  ObjectSet& o = s.outline;
  for (const auto& img : set.images) o.images.push_back({.name = img.name});
  o.categories = set.categories;
  for (const auto& a : set.annotators) {
    AnnotatorObjects x;
    x.name = a.name;
    x.role = a.role;
    x.file = a.file;
    x.format = a.format;
    x.has_image = a.has_image;
    o.annotators.push_back(std::move(x));
    s.annotator_objects.push_back(static_cast<long long>(a.objects.size()));
  }
  o.skipped = set.skipped;
  o.warnings = set.warnings;
  o.items_matched_by = set.items_matched_by;
  o.keypoints = set.keypoints;
  s.matching = std::move(matching);
  return s;
}

void write_object_shard(io::PartialWriter& out, const ObjectShard& s) {
  const ObjectSet& o = s.outline;
  out.str(o.items_matched_by);
  write_notes(out, o.skipped, o.warnings);
  write_strings(out, o.categories);
  out.u64(o.images.size());
  for (const auto& img : o.images) out.str(img.name);
  out.u64(o.annotators.size());
  for (std::size_t k = 0; k < o.annotators.size(); ++k) {
    const auto& a = o.annotators[k];
    out.str(a.name);
    out.u8(static_cast<std::uint8_t>(a.role));
    out.str(a.file);
    out.str(a.format);
    out.u64(static_cast<std::uint64_t>(s.annotator_objects[k]));
    out.raw(std::string_view(reinterpret_cast<const char*>(a.has_image.data()), a.has_image.size()));
  }
  write_schemas(out, o.keypoints);
  for (const auto& im : s.matching.images) {
    out.u32(static_cast<std::uint32_t>(im.pairs));
    if (im.pairs == 0) continue;
    out.u64(im.entries.size());
    for (const auto& [scope, counts] : im.entries) {
      out.u32(static_cast<std::uint32_t>(scope));
      write_counts(out, counts);
    }
    write_image_tallies(out, im);
  }
  out.u64(s.matching.line_classes.size());
  for (const int c : s.matching.line_classes) out.u32(static_cast<std::uint32_t>(c));
  const metrics::ClusterStats& c = s.matching.clusters;
  out.u64(static_cast<std::uint64_t>(c.units));
  out.u64(static_cast<std::uint64_t>(c.nothing));
  write_strings(out, c.categories);
  write_patterns(out, c.stats.patterns);
}

ObjectShard read_object_shard(io::PartialReader& in) {
  ObjectShard s;
  ObjectSet& o = s.outline;
  o.items_matched_by = in.str();
  if (o.items_matched_by != "id" && o.items_matched_by != "path" && o.items_matched_by != "name") in.fail("unknown way of matching items");
  read_notes(in, o.skipped, o.warnings);
  o.categories = read_strings(in);
  for (std::size_t c = 1; c < o.categories.size(); ++c) {
    if (!(o.categories[c - 1] < o.categories[c])) in.fail("classes are not in order");
  }
  const std::uint64_t N = in.count(8);
  if (N > k_max_items) in.fail("more than 2^32 images");
  o.images.resize(static_cast<std::size_t>(N));
  for (std::size_t i = 0; i < N; ++i) {
    o.images[i].name = in.str();
    if (i > 0 && !(o.images[i - 1].name < o.images[i].name)) in.fail("images are not in order");
  }
  const std::uint64_t A = in.count(8 + 1 + 8 + 8 + 8 + N);
  if (A > 65536) in.fail("more than 65,536 annotators");
  o.annotators.resize(static_cast<std::size_t>(A));
  for (std::size_t k = 0; k < A; ++k) {
    auto& a = o.annotators[k];
    a.name = in.str();
    const std::uint8_t role = in.u8();
    if (role > static_cast<std::uint8_t>(Role::consensus)) in.fail("unknown annotator role");
    a.role = static_cast<Role>(role);
    a.file = in.str();
    a.format = in.str();
    const std::uint64_t objects = in.u64();
    if (objects > k_max_objects) in.fail("an annotator with more than 2^40 objects");
    s.annotator_objects.push_back(static_cast<long long>(objects));
    a.has_image.resize(static_cast<std::size_t>(N));
    for (auto& h : a.has_image) {
      h = in.u8();
      if (h > 1) in.fail("an image's presence is neither 0 nor 1");
    }
    if (k > 0 && !annotator_less(o.annotators[k - 1], a)) in.fail("annotators are not in order");
  }
  o.keypoints = read_schemas(in);
  const int P = static_cast<int>(A * (A - 1) / 2);
  const std::uint64_t scopes = 1 + static_cast<std::uint64_t>(P) + o.categories.size();
  s.matching.images.resize(static_cast<std::size_t>(N));
  for (std::size_t i = 0; i < N; ++i) {
    auto& im = s.matching.images[i];
    const std::uint32_t pairs = in.u32();
    if (pairs > static_cast<std::uint32_t>(P)) in.fail("an image compared by more pairs than there are");
    im.pairs = static_cast<int>(pairs);
    if (pairs == 0) continue;
    const std::uint64_t entries = in.count(4 + 7 * 8 + 2 * 8);
    if (entries == 0 || entries > scopes) in.fail("an image compared with no entries, or more entries than scopes");
    for (std::uint64_t e = 0; e < entries; ++e) {
      const std::uint32_t scope = in.u32();
      if (scope >= scopes) in.fail("an entry names no scope");
      im.entries.emplace_back(static_cast<int>(scope), read_counts(in));
    }
    std::vector<int> seen;
    for (const auto& [scope, counts] : im.entries) seen.push_back(scope);
    std::sort(seen.begin(), seen.end());
    if (std::adjacent_find(seen.begin(), seen.end()) != seen.end()) in.fail("an image gives one scope twice");
    if (seen.front() != 0) in.fail("an image compared without its pooled counts");
    read_image_tallies(in, im, scopes, static_cast<std::uint64_t>(P), o.categories.size());
    // As one run leaves them: one entry per key, sorted.
    im.keypoints.merge();
    im.attributes.merge();
    im.lines.merge();
  }
  const std::uint64_t line_classes = in.count(4);
  for (std::uint64_t k = 0; k < line_classes; ++k) {
    const std::uint32_t c = in.u32();
    if (c >= o.categories.size() || (k > 0 && static_cast<int>(c) <= s.matching.line_classes.back())) in.fail("polyline classes out of range or order");
    s.matching.line_classes.push_back(static_cast<int>(c));
  }
  metrics::ClusterStats& c = s.matching.clusters;
  const std::uint64_t units = in.u64(), nothing = in.u64();
  if (units > k_max_items || nothing > units * A) in.fail("cluster counts out of range");
  c.units = static_cast<long long>(units);
  c.nothing = static_cast<long long>(nothing);
  c.categories = read_strings(in);
  for (std::size_t k = 1; k < c.categories.size(); ++k) {
    if (!(c.categories[k - 1] < c.categories[k])) in.fail("cluster classes are not in order");
  }
  std::vector<Rating> ratings;
  std::vector<std::pair<std::uint32_t, std::uint64_t>> spans;
  read_patterns(in, static_cast<std::size_t>(A), c.categories.size(), ratings, spans);
  std::uint64_t items = 0;
  metrics::PatternAccumulator acc;
  for (std::size_t p = 0; p < spans.size(); ++p) {
    const std::uint32_t end = p + 1 < spans.size() ? spans[p + 1].first : static_cast<std::uint32_t>(ratings.size());
    acc.add(ratings.data() + spans[p].first, ratings.data() + end, static_cast<double>(spans[p].second));
    items += spans[p].second;
  }
  if (items != units) in.fail("cluster patterns do not count the clusters");
  c.stats.annotators = static_cast<std::size_t>(A);
  c.stats.categories = c.categories.size();
  c.stats.patterns = acc.finish(static_cast<int>(A), static_cast<int>(c.categories.size()));
  in.finish();
  return s;
}

ObjectShard merge_object_shards(const std::vector<std::string>& paths) {
  struct Part {
    std::string path;
    ObjectShard shard;
  };
  std::vector<Part> parts;
  for (const auto& p : paths) {
    io::PartialReader in(p);
    parts.push_back({p, read_object_shard(in)});
  }
  // Shards in the order of their first image (images are disjoint), whatever order they are given in.
  std::stable_sort(parts.begin(), parts.end(), [](const Part& x, const Part& y) {
    const auto& a = x.shard.outline.images;
    const auto& b = y.shard.outline.images;
    if (a.empty() || b.empty()) return !a.empty() && b.empty();
    return a.front().name < b.front().name;
  });
  ObjectShard out;
  ObjectSet& m = out.outline;
  m.items_matched_by = parts.front().shard.outline.items_matched_by;
  // Annotators by role and name; one annotator's file, format and role agree across shards.
  std::map<std::string, std::size_t> first_of;  // annotator -> part that named it first
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const ObjectSet& o = parts[k].shard.outline;
    if (o.items_matched_by != m.items_matched_by) {
      throw InputError({.file = parts[k].path}, fmt::format("matched images by {}, but {} matched them by {}: match every shard's images "
                                                            "the same way",
                                                            o.items_matched_by, parts.front().path, m.items_matched_by))
          .with_setting("match_items_by");
    }
    for (const auto& a : o.annotators) {
      const auto [it, fresh] = first_of.emplace(a.name, k);
      if (fresh) {
        AnnotatorObjects x;
        x.name = a.name;
        x.role = a.role;
        x.file = a.file;
        x.format = a.format;
        m.annotators.push_back(std::move(x));
        continue;
      }
      const auto& other = *std::find_if(parts[it->second].shard.outline.annotators.begin(), parts[it->second].shard.outline.annotators.end(),
                                        [&](const AnnotatorObjects& y) { return y.name == a.name; });
      if (other.file != a.file || other.role != a.role || other.format != a.format) {
        throw InputError({.file = parts[k].path}, fmt::format("annotator {} comes from {} ({}) here but from {} ({}) in {}: one annotator is one input in "
                                                              "every shard (name the shards' files as the whole files, docs/scale.md)",
                                                              a.name, a.file, a.format, other.file, other.format, parts[it->second].path))
            .with_setting("input_names");
      }
    }
    m.categories.insert(m.categories.end(), o.categories.begin(), o.categories.end());
    for (const auto& sk : o.skipped) {
      auto same = std::find_if(m.skipped.begin(), m.skipped.end(), [&](const SkippedInput& x) { return x.file == sk.file && x.reason == sk.reason; });
      if (same == m.skipped.end()) {
        m.skipped.push_back(sk);
      } else {
        same->count += sk.count;
      }
    }
    for (const auto& w : o.warnings) {
      if (std::none_of(m.warnings.begin(), m.warnings.end(), [&](const InputWarning& x) { return x.code == w.code && x.message == w.message; })) {
        m.warnings.push_back(w);
      }
    }
  }
  std::sort(m.annotators.begin(), m.annotators.end(), annotator_less);
  std::sort(m.categories.begin(), m.categories.end());
  m.categories.erase(std::unique(m.categories.begin(), m.categories.end()), m.categories.end());
  // Images by name; one image in two shards is refused.
  struct Where {
    const std::string* name;
    std::uint32_t part, image;
  };
  std::vector<Where> images;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const auto& im = parts[k].shard.outline.images;
    for (std::size_t i = 0; i < im.size(); ++i) images.push_back({&im[i].name, static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(i)});
  }
  if (images.size() > k_max_items) throw InputError({.file = parts.back().path}, "the partials hold more than 2^32 images together, more than one run holds");
  std::sort(images.begin(), images.end(), [](const Where& x, const Where& y) { return *x.name < *y.name; });
  for (std::size_t i = 1; i < images.size(); ++i) {
    if (*images[i].name != *images[i - 1].name) continue;
    throw InputError({.file = parts[images[i].part].path, .item = *images[i].name},
                     fmt::format("this image is also in {}: a shard must hold whole images (every annotator's objects on it), or the merge "
                                 "would count it as two images (docs/scale.md)",
                                 parts[images[i - 1].part].path));
  }
  const std::size_t N = images.size();
  const int A = static_cast<int>(m.annotators.size());
  const int P = A * (A - 1) / 2;
  for (auto& a : m.annotators) a.has_image.assign(N, 0);
  out.annotator_objects.assign(m.annotators.size(), 0);
  out.matching.images.resize(N);
  // Each shard's annotators and classes in the merged ones.
  std::vector<std::vector<int>> ann(parts.size()), cat(parts.size());
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const ObjectSet& o = parts[k].shard.outline;
    for (std::size_t a = 0; a < o.annotators.size(); ++a) {
      const auto it = std::lower_bound(m.annotators.begin(), m.annotators.end(), o.annotators[a], annotator_less);
      ann[k].push_back(static_cast<int>(it - m.annotators.begin()));
      out.annotator_objects[static_cast<std::size_t>(ann[k].back())] += parts[k].shard.annotator_objects[a];
    }
    for (const auto& c : o.categories) cat[k].push_back(static_cast<int>(std::lower_bound(m.categories.begin(), m.categories.end(), c) - m.categories.begin()));
  }
  m.images.resize(N);
  for (std::size_t i = 0; i < N; ++i) {
    const Where& w = images[i];
    Part& part = parts[w.part];
    m.images[i].name = *w.name;
    const ObjectSet& o = part.shard.outline;
    const int Ak = static_cast<int>(o.annotators.size());
    const int Pk = Ak * (Ak - 1) / 2;
    for (int a = 0; a < Ak; ++a) {
      m.annotators[static_cast<std::size_t>(ann[w.part][static_cast<std::size_t>(a)])].has_image[i] = o.annotators[static_cast<std::size_t>(a)].has_image[w.image];
    }
    metrics::ImageOutcome& im = part.shard.matching.images[w.image];
    // The shard's pairs, classes and scopes in the merged set's.
    const auto& an = ann[w.part];
    const auto& ct = cat[w.part];
    auto pair = [&](int p) {
      int a = 0;
      while (p >= Ak - a - 1) p -= Ak - a - 1, ++a;
      const int b = a + 1 + p;
      return pair_index(an[static_cast<std::size_t>(a)], an[static_cast<std::size_t>(b)], A);
    };
    auto scope_of = [&](int scope) { return scope == 0 ? 0 : scope <= Pk ? 1 + pair(scope - 1) : 1 + P + ct[static_cast<std::size_t>(scope - 1 - Pk)]; };
    for (auto& e : im.entries) e.first = scope_of(e.first);
    for (auto& e : im.keypoints.entries) std::get<0>(e) = scope_of(std::get<0>(e));
    for (auto& v : im.keypoints.visibility) {
      v.pair = pair(v.pair);
      v.category = ct[static_cast<std::size_t>(v.category)];
    }
    for (auto& c : im.keypoints.classes) c.first = ct[static_cast<std::size_t>(c.first)];
    for (auto& c : im.attributes.counts) c.pair = pair(c.pair);
    for (auto& e : im.lines.entries) e.first = scope_of(e.first);
    // Sorted in the merged indices, as one run sorts them.
    im.keypoints.merge();
    im.attributes.merge();
    im.lines.merge();
    out.matching.images[i] = std::move(im);
  }
  // Polyline classes and keypoint classes' schemas over all shards (a class's keypoints as the
  // first shard names them, as one run keeps the first input's).
  std::map<std::string, std::string> schema_owner;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    for (const int c : parts[k].shard.matching.line_classes) out.matching.line_classes.push_back(cat[k][static_cast<std::size_t>(c)]);
    add_keypoint_schemas(m.keypoints, schema_owner, parts[k].shard.outline.keypoints, parts[k].path, m.warnings);
  }
  std::sort(out.matching.line_classes.begin(), out.matching.line_classes.end());
  out.matching.line_classes.erase(std::unique(out.matching.line_classes.begin(), out.matching.line_classes.end()), out.matching.line_classes.end());
  // The clusters' patterns in the merged annotators and cluster classes.
  metrics::ClusterStats& c = out.matching.clusters;
  for (const auto& part : parts) {
    const auto& cs = part.shard.matching.clusters;
    c.categories.insert(c.categories.end(), cs.categories.begin(), cs.categories.end());
    c.units += cs.units;
    c.nothing += cs.nothing;
  }
  std::sort(c.categories.begin(), c.categories.end());
  c.categories.erase(std::unique(c.categories.begin(), c.categories.end()), c.categories.end());
  metrics::PatternAccumulator acc;
  std::vector<Rating> mapped;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const auto& cs = parts[k].shard.matching.clusters;
    std::vector<std::int32_t> cmap;
    for (const auto& name : cs.categories) {
      cmap.push_back(static_cast<std::int32_t>(std::lower_bound(c.categories.begin(), c.categories.end(), name) - c.categories.begin()));
    }
    const metrics::PatternSet& ps = cs.stats.patterns;
    for (std::size_t p = 0; p < ps.size(); ++p) {
      mapped.clear();
      for (std::uint32_t r = ps.offsets[p]; r < ps.offsets[p + 1]; ++r) {
        mapped.push_back({ann[k][static_cast<std::size_t>(ps.ratings[r].annotator)], cmap[static_cast<std::size_t>(ps.ratings[r].category)]});
      }
      // Merged annotator indices keep the shard's order, so the pattern stays in annotator order.
      acc.add(mapped.data(), mapped.data() + mapped.size(), ps.freq[p]);
    }
  }
  c.stats.annotators = m.annotators.size();
  c.stats.categories = c.categories.size();
  c.stats.patterns = acc.finish(A, static_cast<int>(c.categories.size()));
  return out;
}

}  // namespace labelqa::commands
