// Collects (item, annotator, label) records from any reader and builds the RatingSet: the one
// place where items, annotators and labels are interned, duplicates handled and categories
// ordered, so every input format yields byte-identical reports for the same ratings.
#pragma once

#include "labelqa/error.hpp"
#include "labelqa/io/table_reader.hpp"
#include "labelqa/io/timestamp.hpp"
#include "labelqa/model/ratings.hpp"

#include <cstdint>
#include <fmt/format.h>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <algorithm>
#include <vector>

namespace labelqa::io {
namespace detail {

// Maps strings to dense ids in order of first appearance, remembering where each was first seen.
// The lookup table is open addressing over the names themselves (a slot holds a hash tag and an
// id): no node per name, so a million items cost two vectors, not a million allocations.
class Interner {
 public:
  std::uint32_t intern(std::string_view s, SourceRef where) {
    if (m_last_id != k_none && s == m_names[m_last_id]) return m_last_id;  // runs of one item
    if ((m_names.size() + 1) * 4 > m_slots.size() * 3) grow();
    const std::uint64_t h = hash(s);
    const auto tag = static_cast<std::uint32_t>(h >> 32);
    const std::size_t mask = m_slots.size() - 1;
    std::size_t i = static_cast<std::size_t>(h) & mask;
    for (; m_slots[i] != 0; i = (i + 1) & mask) {
      const std::uint64_t e = m_slots[i];
      const auto id = static_cast<std::uint32_t>(e) - 1;
      if (static_cast<std::uint32_t>(e >> 32) == tag && m_names[id] == s) return m_last_id = id;
    }
    const auto id = static_cast<std::uint32_t>(m_names.size());
    m_names.emplace_back(s);
    m_first_seen.push_back(where);
    m_slots[i] = (std::uint64_t{tag} << 32) | (std::uint64_t{id} + 1);
    return m_last_id = id;
  }
  const std::vector<std::string>& names() const { return m_names; }
  // Drops the lookup table once reading is done; names and first-seen places stay.
  void release_index() {
    decltype(m_slots)().swap(m_slots);
    m_last_id = k_none;
  }
  std::vector<std::string>& names() { return m_names; }
  SourceRef first_seen(std::uint32_t id) const { return m_first_seen[id]; }

 private:
  static constexpr std::uint32_t k_none = std::numeric_limits<std::uint32_t>::max();
  static std::uint64_t hash(std::string_view s) { return std::hash<std::string_view>{}(s); }
  // Doubles the table (at least 64 slots) and puts every name back.
  void grow() {
    std::vector<std::uint64_t> slots(std::max<std::size_t>(64, m_slots.size() * 2), 0);
    const std::size_t mask = slots.size() - 1;
    for (std::uint32_t id = 0; id < m_names.size(); ++id) {
      const std::uint64_t h = hash(m_names[id]);
      std::size_t i = static_cast<std::size_t>(h) & mask;
      while (slots[i] != 0) i = (i + 1) & mask;
      slots[i] = ((h >> 32) << 32) | (std::uint64_t{id} + 1);
    }
    m_slots.swap(slots);
  }
  std::vector<std::uint64_t> m_slots;  // 0 = empty; else (hash >> 32) << 32 | (id + 1)
  std::vector<std::string> m_names;
  std::vector<SourceRef> m_first_seen;
  std::uint32_t m_last_id = k_none;
};

struct RawRating {
  std::uint32_t item, annotator, label;
  SourceRef where;
};

}  // namespace detail

class RatingBuilder {
 public:
  explicit RatingBuilder(const TableOptions& options) : m_options(options) {}

  std::uint32_t add_file(const std::string& path) {
    m_files.push_back(path);
    return static_cast<std::uint32_t>(m_files.size() - 1);
  }
  const std::string& file(std::uint32_t index) const { return m_files[index]; }

  void add(SourceRef where, std::string_view item, std::string_view annotator, std::string_view label,
           std::optional<std::string_view> time, bool has_time_column) {
    if (item.empty()) fail(where, "", m_options.item_col, "empty item id (expected a non-empty value)");
    if (annotator.empty()) fail(where, item, m_options.annotator_col, "empty annotator (expected a non-empty value)");
    if (label.empty()) return;  // a missing rating is simply absent
    m_rows.push_back({m_items.intern(item, where), m_annotators.intern(annotator, where),
                      m_labels.intern(label, where), where});
    if (has_time_column) {
      std::int64_t t = RatingSet::k_no_time;
      if (time && !time->empty()) {
        auto parsed = parse_iso8601_ms(*time);
        if (!parsed) {
          fail(where, item, m_options.time_col,
               fmt::format("expected an ISO 8601 date-time such as 2024-05-01T13:45:00Z, got \"{}\"", *time));
        }
        t = *parsed;
      }
      m_times.resize(m_rows.size() - 1, RatingSet::k_no_time);
      m_times.push_back(t);
    }
  }

  [[noreturn]] void fail(SourceRef where, std::string_view item, std::string_view field, const std::string& msg, std::string setting = {}) const {
    throw InputError({.file = m_files[where.file], .line = where.line, .item = std::string(item),
                      .field = std::string(field)},
                     msg)
        .with_setting(std::move(setting));
  }

  RatingSet finish();

 private:
  std::vector<std::int32_t> map_categories(RatingSet& out);

  const TableOptions& m_options;
  std::vector<std::string> m_files;
  detail::Interner m_items, m_annotators, m_labels;
  std::vector<detail::RawRating> m_rows;
  std::vector<std::int64_t> m_times;
};


// One categorical label from a reader that is not a table (Label Studio, CVAT tags).
struct LabelRecord {
  std::string item, annotator, label;
  std::uint32_t file = 0;  // index into the files given to build_ratings
  std::uint32_t line = 0;  // where the record is, when known (0: unknown)
};

// The RatingSet of the records, built exactly as the table reader builds it from the same
// (item, annotator, label) rows in the same order.
// A label read as a number at the ordinal, interval and ratio levels ("1", " 2.5", "+3"; not NaN
// or infinite), or nullopt.
std::optional<double> parse_label_number(std::string_view label);

RatingSet build_ratings(const std::vector<std::string>& files, const std::vector<LabelRecord>& records, const TableOptions& options);

}  // namespace labelqa::io
