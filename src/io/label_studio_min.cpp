// Label Studio's flat exports of classification projects: JSON-MIN (a list of one object per
// annotation) and CSV/TSV (one row per annotation). Task data fields and controls are columns side
// by side; the control compared is --control, or the one column that is neither metadata nor a
// usual data field.
#include "labelqa/error.hpp"
#include "labelqa/io/csv.hpp"
#include "labelqa/io/label_studio_reader.hpp"
#include "labelqa/io/mapped_file.hpp"
#include "parse_text.hpp"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <set>
#include <simdjson.h>

namespace labelqa::io {
namespace {

namespace dom = simdjson::dom;

std::string element_text(dom::element e) { return detail::json_text(e, true); }

// Columns Label Studio adds to every row, and data keys that hold the labelled object itself.
const std::set<std::string> k_not_controls = {
    "id", "annotator", "annotation_id", "created_at", "updated_at", "lead_time", "agreement", "_row_id", "drafts",
    "predictions", "annotations", "total_annotations", "cancelled_annotations", "total_predictions", "ground_truth",
    "updated_by", "inner_id", "file_upload", "storage_filename", "completed_by", "comment_count", "unresolved_comment_count",
    "last_comment_updated_at", "project", "meta", "text", "image", "audio", "video", "html", "url", "pdf", "ocr", "title",
    "data", "reviews"};

struct Row {
  std::uint64_t line = 0;  // CSV line, or 1-based position in the JSON list
  std::map<std::string, std::string> cells;  // column -> raw text (JSON values serialised)
};

// A label from a simplified result value: "cat", ["cat", "dog"], {"choices": [...]},
// {"taxonomy": [["a", "b"]]}, {"rating": 4}, a number. Several values are sorted and joined with
// "|", taxonomy paths with "/" (as the JSON export reader does). Empty when there is no value.
bool label_of(dom::parser& parser, const std::string& raw, std::string& label) {
  label.clear();
  const auto first = raw.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return true;
  if (raw[first] != '{' && raw[first] != '[') {
    label = raw;
    return true;
  }
  dom::element e;
  if (parser.parse(raw).get(e)) return false;
  dom::object o;
  if (!e.get(o)) {
    for (const char* key : {"choices", "taxonomy", "rating", "labels"}) {
      dom::element v;
      if (!o[key].get(v)) {
        e = v;
        break;
      }
    }
    if (e.is_object()) return false;
  }
  std::vector<std::string> parts;
  dom::array list;
  if (!e.get(list)) {
    for (dom::element x : list) {
      dom::array path;
      if (!x.get(path)) {
        std::string joined;
        for (dom::element step : path) {
          if (!joined.empty()) joined += '/';
          joined += element_text(step);
        }
        parts.push_back(joined);
      } else {
        parts.push_back(element_text(x));
      }
    }
  } else {
    parts.push_back(element_text(e));
  }
  std::sort(parts.begin(), parts.end());
  parts.erase(std::unique(parts.begin(), parts.end()), parts.end());
  for (const auto& p : parts) {
    if (!label.empty()) label += '|';
    label += p;
  }
  return true;
}

std::vector<Row> read_rows(const std::string& path) {
  std::vector<Row> rows;
  MappedFile file(path);
  const std::string_view text = file.view();
  const auto first = text.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  if (first != std::string_view::npos && text[first] == '[') {
    dom::parser parser;
    dom::element doc;
    const simdjson::padded_string padded(text);
    if (auto err = parser.parse(padded).get(doc)) throw_json_error(text, path, simdjson::error_message(err));
    dom::array list;
    if (doc.get(list)) throw InputError({.file = path}, "expected a Label Studio JSON-MIN export: a list of objects");
    std::uint64_t n = 0;
    for (dom::element e : list) {
      ++n;
      dom::object o;
      if (e.get(o)) throw InputError({.file = path, .item = fmt::format("row {}", n)}, "expected an object");
      Row r{n, {}};
      for (auto [k, v] : o) r.cells[std::string(k)] = element_text(v);
      rows.push_back(std::move(r));
    }
    return rows;
  }
  const auto nl = text.find('\n');
  const std::string_view header = text.substr(0, nl);
  const char delim = header.find('\t') != std::string_view::npos ? '\t' : ',';
  CsvReader csv(text, delim, path);
  std::vector<std::string_view> f;
  if (!csv.next(f)) throw InputError({.file = path}, "empty file");
  std::vector<std::string> columns(f.begin(), f.end());
  while (csv.next(f)) {
    Row r{csv.record_line(), {}};
    for (std::size_t c = 0; c < columns.size() && c < f.size(); ++c) r.cells[columns[c]] = std::string(f[c]);
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace

bool looks_like_label_studio_min(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  MappedFile f(path);
  const std::string_view head = f.view().substr(0, 1 << 16);
  const auto i = head.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  if (i == std::string_view::npos) return false;
  auto has = [&](std::string_view key) { return head.find(key) != std::string_view::npos; };
  if (head[i] == '[') return has("\"annotation_id\"") && has("\"annotator\"") && !has("\"annotations\"");
  const std::string_view first_line = head.substr(0, head.find('\n'));
  return first_line.find("annotation_id") != std::string_view::npos && first_line.find("annotator") != std::string_view::npos;
}

LabelStudioData read_label_studio_min(const std::vector<std::string>& paths, const LabelStudioOptions& options) {
  LabelStudioData out;
  dom::parser parser;
  for (std::size_t fi = 0; fi < paths.size(); ++fi) {
    const std::string& path = paths[fi];
    out.files.push_back(path);
    const std::vector<Row> rows = read_rows(path);
    std::string control = options.control;
    if (control.empty()) {
      std::set<std::string> candidates;
      for (const auto& r : rows) {
        for (const auto& [k, v] : r.cells) {
          if (!k_not_controls.count(k) && !v.empty()) candidates.insert(k);
        }
      }
      if (candidates.size() != 1) {
        std::string list;
        for (const auto& c : candidates) list += fmt::format("{}{}", list.empty() ? "" : ", ", c);
        throw InputError({.file = path}, candidates.empty() ? std::string("no column holds a classification result")
                                                              : fmt::format("several columns may hold the labels ({}): choose one as the control", list));
      }
      control = *candidates.begin();
    }
    for (const auto& r : rows) {
      ++out.annotations;
      auto id = r.cells.find("id");
      if (id == r.cells.end() || id->second.empty()) throw InputError({.file = path, .line = r.line, .field = "id"}, "a row without the task \"id\"");
      auto who = r.cells.find("annotator");
      const std::string annotator = who == r.cells.end() || who->second.empty() ? "unknown" : who->second;
      auto cell = r.cells.find(control);
      if (cell == r.cells.end()) continue;
      std::string label;
      if (!label_of(parser, cell->second, label)) {
        throw InputError({.file = path, .line = r.line, .item = id->second, .field = control}, fmt::format("cannot read a label from \"{}\"", cell->second));
      }
      if (label.empty()) continue;
      out.labels.push_back({id->second, annotator, label, static_cast<std::uint32_t>(fi), static_cast<std::uint32_t>(r.line)});
    }
    std::set<std::string> tasks;
    for (const auto& r : rows) tasks.insert(r.cells.count("id") ? r.cells.at("id") : "");
    out.tasks += tasks.size();
  }
  return out;
}

}  // namespace labelqa::io
