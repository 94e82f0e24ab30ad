#include "labelqa/io/rating_builder.hpp"

#include "labelqa/io/timestamp.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <numeric>

namespace labelqa::io {

std::optional<double> parse_label_number(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

namespace {
const auto parse_number = parse_label_number;
}  // namespace

// Decides the categories (names, order, scores) and maps each distinct label to one.
std::vector<std::int32_t> RatingBuilder::map_categories(RatingSet& out) {
  const auto& labels = m_labels.names();
  std::vector<std::int32_t> label_to_cat(labels.size(), -1);
  Level level = m_options.level;
  if (!m_options.order.empty() && level == Level::nominal) level = Level::ordinal;
  out.level = level;

  if (!m_options.order.empty()) {
    std::map<std::string, std::int32_t, std::less<>> position;
    for (const auto& name : m_options.order) {
      if (position.count(name)) throw UsageError(fmt::format("the label order names \"{}\" twice", name), "order");
      position.emplace(name, static_cast<std::int32_t>(position.size()));
      out.categories.push_back(name);
      out.category_scores.push_back(static_cast<double>(position.size()));
    }
    for (std::size_t l = 0; l < labels.size(); ++l) {
      auto it = position.find(labels[l]);
      if (it == position.end()) {
        auto where = m_labels.first_seen(static_cast<std::uint32_t>(l));
        fail(where, "", m_options.label_col,
             fmt::format("label \"{}\" is not in the label order ({})", labels[l], fmt::join(m_options.order, ",")), "order");
      }
      label_to_cat[l] = it->second;
    }
    return label_to_cat;
  }

  if (level == Level::nominal) {
    std::vector<std::uint32_t> idx(labels.size());
    std::iota(idx.begin(), idx.end(), 0u);
    std::sort(idx.begin(), idx.end(), [&](auto a, auto b) { return labels[a] < labels[b]; });
    for (std::size_t rank = 0; rank < idx.size(); ++rank) {
      label_to_cat[idx[rank]] = static_cast<std::int32_t>(rank);
      out.categories.push_back(labels[idx[rank]]);
    }
    return label_to_cat;
  }

  // Numeric levels: every label must be a finite number; "1" and "1.0" are one category.
  std::vector<std::pair<double, std::uint32_t>> values;
  values.reserve(labels.size());
  for (std::size_t l = 0; l < labels.size(); ++l) {
    auto v = parse_number(labels[l]);
    auto where = m_labels.first_seen(static_cast<std::uint32_t>(l));
    if (!v) {
      fail(where, "", m_options.label_col,
           fmt::format("expected a number at the {} level, got \"{}\" (ordered text labels need a label order)",
                       level_name(level), labels[l]),
           "order");
    }
    if (level == Level::ratio && *v < 0) {
      fail(where, "", m_options.label_col,
           fmt::format("expected a non-negative number at the ratio level, got \"{}\"", labels[l]));
    }
    values.emplace_back(*v, static_cast<std::uint32_t>(l));
  }
  // By value; among equal values ("1", "1.0") the label seen first names the category (label ids
  // are in order of first appearance).
  std::sort(values.begin(), values.end());
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i == 0 || values[i].first != values[i - 1].first) {
      out.categories.push_back(labels[values[i].second]);
      out.category_scores.push_back(level == Level::ordinal ? static_cast<double>(out.categories.size())
                                                            : values[i].first);
    }
    label_to_cat[values[i].second] = static_cast<std::int32_t>(out.categories.size() - 1);
  }
  return label_to_cat;
}

RatingSet RatingBuilder::finish() {
  RatingSet out;
  out.files = m_files;
  if (m_rows.empty()) {
    throw InputError({.file = m_files.empty() ? std::string() : m_files.front()},
                     "no ratings found (expected at least one row with an item, an annotator and a label)");
  }
  m_items.release_index();
  m_annotators.release_index();
  std::vector<std::int32_t> label_to_cat = map_categories(out);

  // Annotators sorted by name, so pairs and rows come out in a stable order.
  const auto& ann_names = m_annotators.names();
  std::vector<std::uint32_t> ann_order(ann_names.size());
  std::iota(ann_order.begin(), ann_order.end(), 0u);
  std::sort(ann_order.begin(), ann_order.end(), [&](auto a, auto b) { return ann_names[a] < ann_names[b]; });
  std::vector<std::int32_t> ann_rank(ann_names.size());
  for (std::size_t r = 0; r < ann_order.size(); ++r) {
    ann_rank[ann_order[r]] = static_cast<std::int32_t>(r);
    out.annotators.push_back(ann_names[ann_order[r]]);
  }

  // Counting sort by item (ids are in order of first appearance), keeping input order.
  const std::size_t n_items = m_items.names().size();
  std::vector<std::uint32_t> offsets(n_items + 1, 0);
  for (const auto& r : m_rows) ++offsets[r.item + 1];
  for (std::size_t i = 0; i < n_items; ++i) offsets[i + 1] += offsets[i];
  std::vector<std::uint32_t> order(m_rows.size());
  {
    std::vector<std::uint32_t> cursor(offsets.begin(), offsets.end() - 1);
    for (std::uint32_t k = 0; k < m_rows.size(); ++k) order[cursor[m_rows[k].item]++] = k;
  }
  const bool timed = !m_times.empty();
  if (timed) m_times.resize(m_rows.size(), RatingSet::k_no_time);

  out.items = std::move(m_items.names());
  out.item_offsets.reserve(n_items + 1);
  out.item_offsets.push_back(0);
  out.ratings.reserve(m_rows.size());
  out.sources.reserve(m_rows.size());
  if (timed) out.timestamps.reserve(m_rows.size());
  std::vector<std::uint32_t> group;
  for (std::size_t i = 0; i < n_items; ++i) {
    group.assign(order.begin() + offsets[i], order.begin() + offsets[i + 1]);
    std::stable_sort(group.begin(), group.end(), [&](auto a, auto b) {
      return ann_rank[m_rows[a].annotator] < ann_rank[m_rows[b].annotator];
    });
    for (std::size_t g = 0; g < group.size();) {
      std::size_t end = g + 1;
      while (end < group.size() && m_rows[group[end]].annotator == m_rows[group[g]].annotator) ++end;
      std::uint32_t keep = group[g];
      for (std::size_t d = g + 1; d < end; ++d) {
        const detail::RawRating& a = m_rows[group[g]];
        const detail::RawRating& b = m_rows[group[d]];
        if (label_to_cat[a.label] != label_to_cat[b.label] && m_options.duplicates == DuplicatePolicy::error) {
          fail(b.where, out.items[i], m_options.annotator_col,
               fmt::format("annotator \"{}\" rated this item twice with different labels: \"{}\" here and \"{}\" at "
                           "{}:{} (keep the first or the last of such duplicates to read it)",
                           ann_names[b.annotator], m_labels.names()[b.label], m_labels.names()[a.label],
                           m_files[a.where.file], a.where.line),
               "duplicates");
        }
        if (m_options.duplicates == DuplicatePolicy::last) keep = group[d];
      }
      const detail::RawRating& k = m_rows[keep];
      out.ratings.push_back({ann_rank[k.annotator], label_to_cat[k.label]});
      out.sources.push_back(k.where);
      if (timed) out.timestamps.push_back(m_times[keep]);
      g = end;
    }
    out.item_offsets.push_back(static_cast<std::uint32_t>(out.ratings.size()));
  }
  return out;
}

// ----------------------------------------------------------------------------------------------
// Delimited text


RatingSet build_ratings(const std::vector<std::string>& files, const std::vector<LabelRecord>& records, const TableOptions& options) {
  RatingBuilder builder(options);
  for (const auto& f : files) builder.add_file(f);
  for (const auto& r : records) builder.add({r.file, r.line}, r.item, r.annotator, r.label, std::nullopt, false);
  return builder.finish();
}

}  // namespace labelqa::io
