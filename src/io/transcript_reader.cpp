// Transcript tables (see transcript_reader.hpp).
#include "labelqa/io/transcript_reader.hpp"

#include "labelqa/error.hpp"
#include "labelqa/io/csv.hpp"
#include "labelqa/io/mapped_file.hpp"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <unordered_map>

namespace labelqa::io {
namespace {

TableFormat format_of(const std::string& path, const TableOptions& options) {
  if (options.format != TableFormat::automatic) return options.format;
  const std::string name(logical_name(path));
  const auto slash = name.find_last_of('/'), dot = name.find_last_of('.');
  std::string ext = dot == std::string::npos || (slash != std::string::npos && dot < slash) ? "" : name.substr(dot + 1);
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == "csv") return TableFormat::csv;
  if (ext == "tsv" || ext == "tab") return TableFormat::tsv;
  if (ext == "jsonl" || ext == "ndjson") return TableFormat::jsonl;
  throw InputError({.file = path}, "cannot tell the format from the file name (expected .csv, .tsv or .jsonl); name the format");
}

// Calls f(line, item, annotator, text) for each record.
template <typename F>
void each_record(MappedFile& file, TableFormat format, const TableOptions& o, const std::string& text_col, F&& f) {
  const std::string& path = file.path();
  if (format == TableFormat::jsonl) {
    const std::string_view data = file.view();
    std::uint64_t line = 0;
    for (std::size_t at = 0; at < data.size();) {
      const std::size_t end = std::min(data.find('\n', at), data.size());
      const std::string_view text = data.substr(at, end - at);
      ++line;
      at = end + 1;
      if (text.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      nlohmann::json rec;
      try {
        rec = nlohmann::json::parse(text);
      } catch (const nlohmann::json::exception&) {
        throw InputError({.file = path, .line = line}, "not a JSON object", Defect::broken_file);
      }
      if (!rec.is_object()) throw InputError({.file = path, .line = line}, "not a JSON object", Defect::broken_file);
      auto field = [&](const std::string& key, bool required) -> std::optional<std::string> {
        const auto it = rec.find(key);
        if (it == rec.end() || it->is_null()) {
          if (required) throw InputError({.file = path, .line = line, .field = key}, "missing");
          return std::nullopt;
        }
        if (it->is_string()) return it->get<std::string>();
        if (it->is_number()) return it->dump();
        throw InputError({.file = path, .line = line, .field = key}, "expected a string");
      };
      const auto item = field(o.item_col, true);
      const auto annotator = o.fixed_annotator.empty() ? field(o.annotator_col, true) : std::optional<std::string>(o.fixed_annotator);
      const auto t = field(text_col, true);
      f(line, *item, *annotator, *t);
    }
    return;
  }
  file.require_utf8();
  CsvReader csv(file.view(), format == TableFormat::tsv ? '\t' : ',', path);
  std::vector<std::string_view> fields;
  if (!csv.next(fields)) throw InputError({.file = path}, "empty file: expected a header with item, annotator and text columns");
  auto column = [&](const std::string& name, bool required) -> std::optional<std::size_t> {
    for (std::size_t k = 0; k < fields.size(); ++k) {
      if (fields[k] == name) return k;
    }
    if (required) throw InputError({.file = path, .line = 1, .field = name}, fmt::format("no column \"{}\" in the header", name));
    return std::nullopt;
  };
  const auto ci = column(o.item_col, true);
  const auto ca = o.fixed_annotator.empty() ? column(o.annotator_col, true) : std::nullopt;
  const auto ct = column(text_col, true);
  const std::size_t width = fields.size();
  while (csv.next(fields)) {
    const std::uint64_t line = csv.record_line();
    if (fields.size() != width) {
      throw InputError({.file = path, .line = line}, fmt::format("{} fields, but the header has {}", fields.size(), width), Defect::broken_file);
    }
    f(line, std::string(fields[*ci]), ca ? std::string(fields[*ca]) : o.fixed_annotator, std::string(fields[*ct]));
  }
}

}  // namespace

bool is_transcript_table(const std::string& path, const TableOptions& options, const std::string& text_col) {
  TableFormat format;
  try {
    format = format_of(path, options);
  } catch (const InputError&) {
    return false;
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  MappedFile file(path);
  const std::string_view data = file.view();
  if (format == TableFormat::jsonl) {
    const std::size_t start = data.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos) return false;
    const std::string_view first = data.substr(start, std::min(data.find('\n', start), data.size()) - start);
    try {
      const auto rec = nlohmann::json::parse(first);
      return rec.is_object() && rec.contains(text_col) && !rec.contains(options.label_col);
    } catch (const nlohmann::json::exception&) {
      return false;
    }
  }
  CsvReader csv(data, format == TableFormat::tsv ? '\t' : ',', path);
  std::vector<std::string_view> fields;
  try {
    if (!csv.next(fields)) return false;
  } catch (const InputError&) {
    return false;
  }
  const bool text = std::find(fields.begin(), fields.end(), text_col) != fields.end();
  const bool label = std::find(fields.begin(), fields.end(), options.label_col) != fields.end();
  return text && !label;
}

TranscriptSet read_transcript_tables(const std::vector<std::string>& paths, const TableOptions& options, const std::string& text_col) {
  if (paths.empty()) throw UsageError("no input files given");
  struct Row {
    std::uint32_t item;
    std::uint32_t annotator;  // index in order of first appearance
    std::string text;
    SourceRef source;
  };
  TranscriptSet out;
  std::vector<Row> rows;
  std::unordered_map<std::string, std::uint32_t> items, annotators;
  std::vector<std::string> annotator_names;
  for (const auto& path : paths) {
    const auto file_index = static_cast<std::uint32_t>(out.files.size());
    out.files.push_back(path);
    MappedFile file(path);
    each_record(file, format_of(path, options), options, text_col, [&](std::uint64_t line, std::string item, std::string annotator, std::string text) {
      if (item.empty()) throw InputError({.file = path, .line = line, .field = options.item_col}, "empty item");
      if (annotator.empty()) throw InputError({.file = path, .line = line, .item = item, .field = options.annotator_col}, "empty annotator");
      const auto [it, fresh] = items.emplace(item, static_cast<std::uint32_t>(out.items.size()));
      if (fresh) out.items.push_back(item);
      const auto [at, new_annotator] = annotators.emplace(annotator, static_cast<std::uint32_t>(annotator_names.size()));
      if (new_annotator) annotator_names.push_back(annotator);
      rows.push_back({it->second, at->second, std::move(text), {file_index, static_cast<std::uint32_t>(line)}});
    });
  }
  if (rows.empty()) throw InputError({.file = paths.front()}, "no transcripts found (expected rows with an item, an annotator and a text)");
  std::vector<std::uint32_t> order(annotator_names.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return annotator_names[a] < annotator_names[b]; });
  std::vector<std::int32_t> rank(order.size());
  for (std::size_t r = 0; r < order.size(); ++r) {
    rank[order[r]] = static_cast<std::int32_t>(r);
    out.annotators.push_back(annotator_names[order[r]]);
  }
  std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
    return a.item != b.item ? a.item < b.item : rank[a.annotator] < rank[b.annotator];
  });
  for (std::size_t k = 0; k < rows.size(); ++k) {
    Row& r = rows[k];
    if (k > 0 && rows[k - 1].item == r.item && rows[k - 1].annotator == r.annotator) {
      const Row& prev = rows[k - 1];
      if (options.duplicates == DuplicatePolicy::error && prev.text != r.text) {
        throw InputError({.file = out.files[r.source.file], .line = r.source.line, .item = out.items[r.item], .field = options.annotator_col},
                         fmt::format("annotator \"{}\" transcribed this item twice, differently (first at {}:{}); keep the first or the last",
                                     annotator_names[r.annotator], out.files[prev.source.file], prev.source.line))
            .with_setting("duplicates");
      }
      if (options.duplicates == DuplicatePolicy::last) out.transcripts.back() = {r.item, rank[r.annotator], std::move(r.text), r.source};
      continue;
    }
    out.transcripts.push_back({r.item, rank[r.annotator], std::move(r.text), r.source});
  }
  return out;
}

}  // namespace labelqa::io
