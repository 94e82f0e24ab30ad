#include "labelqa/io/table_reader.hpp"

#include "labelqa/error.hpp"
#include "labelqa/io/csv.hpp"
#include "labelqa/io/mapped_file.hpp"
#include "labelqa/io/rating_builder.hpp"
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

std::size_t find_column(const std::vector<std::string>& header, const std::string& name) {
  for (std::size_t c = 0; c < header.size(); ++c) {
    if (header[c] == name) return c;
  }
  return header.size();
}

void read_delimited(RatingBuilder& b, std::uint32_t file_index, MappedFile& file, char delim, const TableOptions& opt) {
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
  auto require = [&](const std::string& name, const char* role) {
    std::size_t c = find_column(header, name);
    if (c == header.size()) {
      throw InputError({.file = path, .line = header_line},
                       fmt::format("missing column \"{}\" (the header has: {}); name the {} column", name,
                                   fmt::join(header, ", "), role))
          .with_setting(std::string(role) + "_col");
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

  const std::size_t item_c = require(opt.item_col, "item");
  const bool fixed = !opt.fixed_annotator.empty();
  const std::size_t ann_c = fixed ? 0 : require(opt.annotator_col, "annotator");
  const std::size_t label_c = require(opt.label_col, "label");
  std::size_t time_c = find_column(header, opt.time_col);
  if (time_c == header.size() && opt.time_col_required) time_c = require(opt.time_col, "time");
  const bool timed = time_c != header.size();
  while (reader.next(fields)) {
    check_width(fields.size());
    SourceRef where{file_index, static_cast<std::uint32_t>(reader.record_line())};
    b.add(where, fields[item_c], fixed ? std::string_view(opt.fixed_annotator) : fields[ann_c], fields[label_c],
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
    case simdjson::ondemand::json_type::null: {
      bool is_null = false;  // a token starting with n that is not null ("nn") is an error, not an exception
      if (value.is_null().get(is_null) || !is_null) fail("invalid JSON literal");
      return std::nullopt;
    }
    default:
      fail("expected a string or a number, got an array or object");
  }
  return std::nullopt;
}

void read_jsonl(RatingBuilder& b, std::uint32_t file_index, MappedFile& file, const TableOptions& opt) {
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
                       fmt::format("invalid JSON: {} (expected one JSON object per line)", simdjson::error_message(code)), Defect::broken_file);
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
    if (!item) fail_field(opt.item_col)(fmt::format("missing key \"{}\" (name the item key)", opt.item_col));
    if (opt.wide) {
      for (const auto& [ann, lab] : cells) b.add(where, *item, ann, lab, std::nullopt, false);
      continue;
    }
    if (!opt.fixed_annotator.empty()) annotator = opt.fixed_annotator;
    if (!annotator) {
      fail_field(opt.annotator_col)(fmt::format("missing key \"{}\" (name the annotator key)", opt.annotator_col));
    }
    if (opt.time_col_required && !time) {
      fail_field(opt.time_col)(fmt::format("missing key \"{}\"", opt.time_col));
    }
    b.add(where, *item, *annotator, label ? std::string_view(*label) : std::string_view(),
          time ? std::optional<std::string_view>(*time) : std::nullopt, opt.time_col_required || time.has_value());
  }
}

std::string lower_extension(const std::string& full_path) {
  const std::string path(logical_name(full_path));  // a.csv.gz is a CSV file
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
  return read_rating_table_inputs(inputs_of(paths), options);
}

RatingSet read_rating_table_inputs(const std::vector<Input>& inputs, const TableOptions& options) {
  if (inputs.empty()) throw UsageError("no input files given");
  RatingBuilder builder(options);
  for (const auto& input : inputs) {
    const std::string& path = input.path;
    TableFormat format = options.format;
    if (format == TableFormat::automatic) {
      std::string ext = lower_extension(path);
      if (ext == "csv") format = TableFormat::csv;
      else if (ext == "tsv" || ext == "tab") format = TableFormat::tsv;
      else if (ext == "jsonl" || ext == "ndjson") format = TableFormat::jsonl;
      else {
        throw InputError({.file = path},
                         "cannot tell the format from the file name (expected .csv, .tsv or .jsonl); name the format");
      }
    }
    MappedFile file(input);
    std::uint32_t index = builder.add_file(path);
    if (format == TableFormat::jsonl) {
      read_jsonl(builder, index, file, options);
    } else {
      file.require_utf8();
      read_delimited(builder, index, file, format == TableFormat::tsv ? '\t' : ',', options);
    }
  }
  return builder.finish();
}

}  // namespace labelqa::io
