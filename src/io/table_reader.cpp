#include "labelqa/io/table_reader.hpp"

#include "labelqa/error.hpp"
#include "labelqa/io/csv.hpp"
#include "labelqa/io/mapped_file.hpp"
#include "labelqa/io/timestamp.hpp"

#include <algorithm>
#include <charconv>
#include <functional>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <simdjson.h>
#include <unordered_map>

namespace labelqa::io {
namespace {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Maps strings to dense ids in order of first appearance, remembering where each was first seen.
class Interner {
 public:
  std::uint32_t intern(std::string_view s, SourceRef where) {
    if (m_last_id != k_none && s == m_names[m_last_id]) return m_last_id;  // runs of one item
    auto it = m_ids.find(s);
    if (it != m_ids.end()) return m_last_id = it->second;
    auto id = static_cast<std::uint32_t>(m_names.size());
    m_names.emplace_back(s);
    m_first_seen.push_back(where);
    m_ids.emplace(m_names.back(), id);
    return m_last_id = id;
  }
  const std::vector<std::string>& names() const { return m_names; }
  // Drops the lookup table once reading is done; names and first-seen places stay.
  void release_index() { decltype(m_ids)().swap(m_ids); }
  std::vector<std::string>& names() { return m_names; }
  SourceRef first_seen(std::uint32_t id) const { return m_first_seen[id]; }

 private:
  static constexpr std::uint32_t k_none = std::numeric_limits<std::uint32_t>::max();
  std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>> m_ids;
  std::vector<std::string> m_names;
  std::vector<SourceRef> m_first_seen;
  std::uint32_t m_last_id = k_none;
};

struct RawRating {
  std::uint32_t item, annotator, label;
  SourceRef where;
};

class Builder {
 public:
  explicit Builder(const TableOptions& options) : m_options(options) {}

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

  [[noreturn]] void fail(SourceRef where, std::string_view item, std::string_view field, const std::string& msg) const {
    throw InputError({.file = m_files[where.file], .line = where.line, .item = std::string(item),
                      .field = std::string(field)},
                     msg);
  }

  RatingSet finish();

 private:
  std::vector<std::int32_t> map_categories(RatingSet& out);

  const TableOptions& m_options;
  std::vector<std::string> m_files;
  Interner m_items, m_annotators, m_labels;
  std::vector<RawRating> m_rows;
  std::vector<std::int64_t> m_times;
};

std::optional<double> parse_number(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// Decides the categories (names, order, scores) and maps each distinct label to one.
std::vector<std::int32_t> Builder::map_categories(RatingSet& out) {
  const auto& labels = m_labels.names();
  std::vector<std::int32_t> label_to_cat(labels.size(), -1);
  Level level = m_options.level;
  if (!m_options.order.empty() && level == Level::nominal) level = Level::ordinal;
  out.level = level;

  if (!m_options.order.empty()) {
    std::map<std::string, std::int32_t, std::less<>> position;
    for (const auto& name : m_options.order) {
      if (position.count(name)) throw UsageError(fmt::format("--order names \"{}\" twice", name));
      position.emplace(name, static_cast<std::int32_t>(position.size()));
      out.categories.push_back(name);
      out.category_scores.push_back(static_cast<double>(position.size()));
    }
    for (std::size_t l = 0; l < labels.size(); ++l) {
      auto it = position.find(labels[l]);
      if (it == position.end()) {
        auto where = m_labels.first_seen(static_cast<std::uint32_t>(l));
        fail(where, "", m_options.label_col,
             fmt::format("label \"{}\" is not in --order ({})", labels[l], fmt::join(m_options.order, ",")));
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
           fmt::format("expected a number at --level {}, got \"{}\" (use --order a,b,c for ordered text labels)",
                       level_name(level), labels[l]));
    }
    if (level == Level::ratio && *v < 0) {
      fail(where, "", m_options.label_col,
           fmt::format("expected a non-negative number at --level ratio, got \"{}\"", labels[l]));
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

RatingSet Builder::finish() {
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
        const RawRating& a = m_rows[group[g]];
        const RawRating& b = m_rows[group[d]];
        if (label_to_cat[a.label] != label_to_cat[b.label] && m_options.duplicates == DuplicatePolicy::error) {
          fail(b.where, out.items[i], m_options.annotator_col,
               fmt::format("annotator \"{}\" rated this item twice with different labels: \"{}\" here and \"{}\" at "
                           "{}:{} (use --duplicates first|last to keep one)",
                           ann_names[b.annotator], m_labels.names()[b.label], m_labels.names()[a.label],
                           m_files[a.where.file], a.where.line));
        }
        if (m_options.duplicates == DuplicatePolicy::last) keep = group[d];
      }
      const RawRating& k = m_rows[keep];
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

std::size_t find_column(const std::vector<std::string>& header, const std::string& name) {
  for (std::size_t c = 0; c < header.size(); ++c) {
    if (header[c] == name) return c;
  }
  return header.size();
}

void read_delimited(Builder& b, std::uint32_t file_index, MappedFile& file, char delim, const TableOptions& opt) {
  const std::string_view data = file.view();
  const std::string& path = b.file(file_index);
  CsvReader reader(data, delim, path);
  std::vector<std::string_view> fields;
  if (!reader.next(fields)) {
    throw InputError({.file = path, .line = 1},
                     opt.wide ? "empty file: expected a header row (item column, then one column per annotator)"
                              : fmt::format("empty file: expected a header row with columns {}, {}, {}",
                                            opt.item_col, opt.annotator_col, opt.label_col));
  }
  std::vector<std::string> header(fields.begin(), fields.end());
  for (auto& h : header) {
    while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) h.pop_back();
    while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.erase(h.begin());
  }
  const std::uint64_t header_line = reader.record_line();
  auto require = [&](const std::string& name, const char* flag) {
    std::size_t c = find_column(header, name);
    if (c == header.size()) {
      throw InputError({.file = path, .line = header_line},
                       fmt::format("missing column \"{}\" (the header has: {}); name it with {}", name,
                                   fmt::join(header, ", "), flag));
    }
    return c;
  };
  auto check_width = [&](std::size_t got) {
    if (got != header.size()) {
      throw InputError({.file = path, .line = reader.record_line()},
                       fmt::format("expected {} fields as in the header, got {}", header.size(), got));
    }
  };

  if (opt.wide) {
    std::size_t item_c = find_column(header, opt.item_col);
    if (item_c == header.size()) item_c = 0;  // by default the first column is the item
    if (header.size() < 2) {
      throw InputError({.file = path, .line = header_line},
                       "a wide table needs an item column and at least one annotator column");
    }
    while (reader.next(fields)) {
      check_width(fields.size());
      SourceRef where{file_index, static_cast<std::uint32_t>(reader.record_line())};
      for (std::size_t c = 0; c < fields.size(); ++c) {
        if (c == item_c) continue;
        b.add(where, fields[item_c], header[c], fields[c], std::nullopt, false);
      }
      file.release_before(reader.position());
    }
    return;
  }

  const std::size_t item_c = require(opt.item_col, "--item-col");
  const std::size_t ann_c = require(opt.annotator_col, "--annotator-col");
  const std::size_t label_c = require(opt.label_col, "--label-col");
  std::size_t time_c = find_column(header, opt.time_col);
  if (time_c == header.size() && opt.time_col_required) time_c = require(opt.time_col, "--time-col");
  const bool timed = time_c != header.size();
  while (reader.next(fields)) {
    check_width(fields.size());
    SourceRef where{file_index, static_cast<std::uint32_t>(reader.record_line())};
    b.add(where, fields[item_c], fields[ann_c], fields[label_c],
          timed ? std::optional<std::string_view>(fields[time_c]) : std::nullopt, timed);
    file.release_before(reader.position());
  }
}

// ----------------------------------------------------------------------------------------------
// JSON Lines

std::string_view trim_ws(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  return s;
}

// Text of a scalar JSON value: strings as-is, numbers as written, booleans as true/false.
// Returns nullopt for null; throws for arrays and objects.
std::optional<std::string_view> scalar_text(simdjson::ondemand::value value, const std::function<void(const std::string&)>& fail) {
  simdjson::ondemand::json_type type = simdjson::ondemand::json_type::null;
  if (value.type().get(type)) fail("invalid JSON value");
  switch (type) {
    case simdjson::ondemand::json_type::string: {
      std::string_view s;
      if (value.get_string().get(s)) fail("invalid JSON string");
      return s;
    }
    case simdjson::ondemand::json_type::number: {
      std::string_view s = trim_ws(value.raw_json_token());
      return s;
    }
    case simdjson::ondemand::json_type::boolean: {
      bool v = false;
      if (value.get_bool().get(v)) fail("invalid JSON boolean");
      return v ? std::string_view("true") : std::string_view("false");
    }
    case simdjson::ondemand::json_type::null:
      if (!value.is_null()) fail("invalid JSON literal");
      return std::nullopt;
    default:
      fail("expected a string or a number, got an array or object");
  }
  return std::nullopt;
}

void read_jsonl(Builder& b, std::uint32_t file_index, MappedFile& file, const TableOptions& opt) {
  const std::string_view data = file.view();
  const std::string& path = b.file(file_index);
  simdjson::ondemand::parser parser;
  std::string buffer;
  std::uint64_t line = 0;
  std::size_t pos = 0;
  if (data.size() >= 3 && data.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;
  std::vector<std::pair<std::string, std::string>> cells;  // wide: (annotator, label)
  while (pos < data.size()) {
    ++line;
    std::size_t end = data.find('\n', pos);
    if (end == std::string_view::npos) end = data.size();
    std::string_view text = trim_ws(data.substr(pos, end - pos));
    pos = end + 1;
    file.release_before(pos > data.size() ? data.size() : pos - 1);
    if (text.empty()) continue;
    SourceRef where{file_index, static_cast<std::uint32_t>(line)};
    std::string item_for_errors;
    auto fail_field = [&](const std::string& field) {
      return [&, field](const std::string& msg) {
        throw InputError({.file = path, .line = line, .item = item_for_errors, .field = field}, msg);
      };
    };
    buffer.assign(text);
    buffer.resize(text.size() + simdjson::SIMDJSON_PADDING);
    simdjson::ondemand::document doc;
    auto json_error = [&](simdjson::error_code code) {
      throw InputError({.file = path, .line = line},
                       fmt::format("invalid JSON: {} (expected one JSON object per line)", simdjson::error_message(code)));
    };
    if (auto err = parser.iterate(buffer.data(), text.size(), buffer.size()).get(doc)) json_error(err);
    simdjson::ondemand::object object;
    if (auto err = doc.get_object().get(object)) json_error(err);

    std::optional<std::string> item, annotator, label, time;
    cells.clear();
    for (auto field : object) {
      std::string_view key;
      if (auto err = field.unescaped_key().get(key)) json_error(err);
      std::string key_s(key);
      simdjson::ondemand::value value;
      if (auto err = field.value().get(value)) json_error(err);
      auto text_value = scalar_text(value, fail_field(key_s));
      if (key_s == opt.item_col) {
        if (!text_value) fail_field(key_s)("the item id is null (expected a string or a number)");
        item = std::string(*text_value);
        item_for_errors = *item;
      } else if (opt.wide) {
        if (text_value) cells.emplace_back(std::move(key_s), std::string(*text_value));
      } else if (key_s == opt.annotator_col) {
        if (text_value) annotator = std::string(*text_value);
      } else if (key_s == opt.label_col) {
        if (text_value) label = std::string(*text_value);
      } else if (key_s == opt.time_col) {
        if (text_value) time = std::string(*text_value);
      }
    }
    if (doc.current_location().error() == simdjson::SUCCESS) json_error(simdjson::TRAILING_CONTENT);
    if (!item) fail_field(opt.item_col)(fmt::format("missing key \"{}\" (name it with --item-col)", opt.item_col));
    if (opt.wide) {
      for (const auto& [ann, lab] : cells) b.add(where, *item, ann, lab, std::nullopt, false);
      continue;
    }
    if (!annotator) {
      fail_field(opt.annotator_col)(fmt::format("missing key \"{}\" (name it with --annotator-col)", opt.annotator_col));
    }
    if (opt.time_col_required && !time) {
      fail_field(opt.time_col)(fmt::format("missing key \"{}\"", opt.time_col));
    }
    b.add(where, *item, *annotator, label ? std::string_view(*label) : std::string_view(),
          time ? std::optional<std::string_view>(*time) : std::nullopt, opt.time_col_required || time.has_value());
  }
}

std::string lower_extension(const std::string& path) {
  auto slash = path.find_last_of('/');
  auto dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string ext = path.substr(dot + 1);
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

}  // namespace

TableFormat format_from_name(const std::string& name) {
  if (name == "csv") return TableFormat::csv;
  if (name == "tsv") return TableFormat::tsv;
  if (name == "jsonl" || name == "ndjson") return TableFormat::jsonl;
  throw UsageError(fmt::format("unknown table format \"{}\" (expected csv, tsv or jsonl)", name));
}

RatingSet read_rating_tables(const std::vector<std::string>& paths, const TableOptions& options) {
  if (paths.empty()) throw UsageError("no input files given");
  Builder builder(options);
  for (const auto& path : paths) {
    TableFormat format = options.format;
    if (format == TableFormat::automatic) {
      std::string ext = lower_extension(path);
      if (ext == "csv") format = TableFormat::csv;
      else if (ext == "tsv" || ext == "tab") format = TableFormat::tsv;
      else if (ext == "jsonl" || ext == "ndjson") format = TableFormat::jsonl;
      else {
        throw InputError({.file = path},
                         "cannot tell the format from the file name (expected .csv, .tsv or .jsonl); use --format");
      }
    }
    MappedFile file(path);
    std::uint32_t index = builder.add_file(path);
    if (format == TableFormat::jsonl) {
      read_jsonl(builder, index, file, options);
    } else {
      read_delimited(builder, index, file, format == TableFormat::tsv ? '\t' : ',', options);
    }
  }
  return builder.finish();
}

}  // namespace labelqa::io
