// Helpers shared by the renderers of every command (private to src/report).
#pragma once

#include "labelqa/metrics/analyze.hpp"
#include "labelqa/metrics/estimate.hpp"
#include "labelqa/report/agree_report.hpp"
#include "labelqa/report/format.hpp"

#include <cctype>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace labelqa::report {

inline nlohmann::json optional_number(std::optional<double> v) {
  if (!v) return nullptr;
  return *v == 0 ? 0.0 : *v;
}

// The keys every JSON report starts with.
inline nlohmann::json report_header(const char* command) {
  nlohmann::json out = nlohmann::json::object();
  out["tool"] = "labelqa";
  out["version"] = LABELQA_VERSION;
  out["command"] = command;
  out["schema_version"] = 1;
  return out;
}

// The keys every `agree` report starts with.
inline nlohmann::json agree_report_header(const char* mode) {
  nlohmann::json out = report_header("agree");
  if (mode) out["mode"] = mode;
  return out;
}

inline nlohmann::json warnings_json(const std::vector<metrics::Warning>& warnings);
inline nlohmann::json gates_json(const std::vector<GateCheck>& gates);

// The keys every `agree` report ends with, and the bytes written.
inline std::string finish_agree_report(nlohmann::json& out, const std::vector<metrics::Warning>& warnings,
                                       const std::vector<GateCheck>& gates) {
  out["warnings"] = warnings_json(warnings);
  out["gate"] = gates_json(gates);
  return out.dump(2) + "\n";
}

inline nlohmann::json estimate_json(const metrics::Estimate& e) {
  nlohmann::json j = nlohmann::json::object();
  j["value"] = optional_number(e.value);
  j["ci_low"] = optional_number(e.ci_low);
  j["ci_high"] = optional_number(e.ci_high);
  j["ci_method"] = e.value ? nlohmann::json(metrics::ci_method_name(e.ci_method)) : nlohmann::json(nullptr);
  if (!e.value) j["undefined_reason"] = metrics::reason_name(e.undefined_reason);
  if (e.value && !e.ci_low) j["ci_undefined_reason"] = metrics::reason_name(e.ci_undefined_reason);
  if (e.value && e.se) j["se"] = optional_number(e.se);
  if (e.ci_method == metrics::CiMethod::bootstrap && e.value) j["ci_replicates"] = e.ci_replicates;
  if (!e.level.empty()) j["level"] = e.level;
  return j;
}

// The readers' "left out" list: [{"file", "reason", "count"}], sorted by file and reason.
inline nlohmann::json skipped_json(const std::vector<SkippedInput>& skipped) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : skipped) out.push_back({{"file", s.file}, {"reason", s.reason}, {"count", s.count}});
  return out;
}

// What the readers could not decide: [{"code", "message"}].
inline nlohmann::json input_warnings_json(const std::vector<InputWarning>& warnings) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& w : warnings) out.push_back({{"code", w.code}, {"message", w.message}});
  return out;
}

// A name as a terminal shows it: control characters escaped (\n, \t, \xNN).
inline std::string escaped(std::string_view text) {
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (c < 0x20 || c == 0x7F) out += fmt::format("\\x{:02x}", c);
    else out += ch;
  }
  return out;
}

// A name for a table column `width` wide: escaped, and cut around an ellipsis to width - 1 so a
// space always separates it from the next column.
inline std::string cell(std::string_view text, std::size_t width) {
  std::string s = escaped(text);
  const std::size_t room = width > 1 ? width - 1 : 1;
  if (s.size() <= room) return s;
  if (room <= 3) return s.substr(0, room);
  const std::size_t head = (room - 3) / 2, tail = room - 3 - head;
  return fmt::format("{}...{}", s.substr(0, head), s.substr(s.size() - tail));
}

// The width of a column of names: the longest (escaped) name and a space, at least `least` and
// at most 40 (longer names are cut by cell()).
inline std::size_t column_width(const std::vector<std::string>& names, std::size_t least) {
  std::size_t w = least;
  for (const auto& n : names) w = std::max(w, escaped(n).size() + 1);
  return std::min<std::size_t>(w, 40);
}

// The cells of one column of names: as cell(), and names that would be cut to the same text are
// told apart by a number (~2, ~3, ...) in input order.
inline std::vector<std::string> distinct_cells(const std::vector<std::string>& names, std::size_t width) {
  std::vector<std::string> out;
  std::map<std::string, int> seen;
  for (const auto& n : names) out.push_back(cell(n, width));
  std::map<std::string, int> count;
  for (const auto& c : out) ++count[c];
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (count[out[i]] < 2) continue;
    const int k = ++seen[out[i]];
    if (k == 1) continue;
    const std::string tag = fmt::format("~{}", k);
    out[i] = cell(names[i], width > tag.size() ? width - tag.size() : 1) + tag;
  }
  return out;
}

struct Style {
  bool on;
  std::string bold(std::string_view s) const { return on ? fmt::format("\033[1m{}\033[0m", s) : std::string(s); }
  std::string colour(std::string_view s, int code) const {
    return on ? fmt::format("\033[{}m{}\033[0m", code, s) : std::string(s);
  }
};

inline std::string value_cell(const metrics::Estimate& e) {
  return e.value ? fixed(*e.value) : std::string("—");
}

inline std::string ci_cell(const metrics::Estimate& e) {
  if (!e.value) return fmt::format("({})", metrics::reason_name(e.undefined_reason));
  if (!e.ci_low) return "";
  return fmt::format("[{}, {}] {}", fixed(*e.ci_low), fixed(*e.ci_high), e.ci_method == metrics::CiMethod::bootstrap ? "boot" : "");
}

inline nlohmann::json gates_json(const std::vector<GateCheck>& gates) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& g : gates) {
    out.push_back({{"metric", g.metric}, {"threshold", g.threshold}, {"compared", metrics::gate_on_name(g.compared)},
                   {"value", optional_number(g.actual)}, {"passed", g.passed}});
  }
  return out;
}

inline nlohmann::json warnings_json(const std::vector<metrics::Warning>& warnings) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& w : warnings) out.push_back({{"code", metrics::warning_code_name(w.code)}, {"message", w.message}});
  return out;
}

// Long-format CSV rows shared by the spatial and mask reports.
struct CsvRows {
  std::string out = "scope,class,annotator_a,annotator_b,image,metric,value,ci_low,ci_high,ci_method,undefined_reason\n";
  void estimate(std::string_view scope, std::string_view cls, std::string_view a, std::string_view b,
                std::string_view image, std::string_view metric, const metrics::Estimate& e) {
    out += csv_cell(scope) + ',' + csv_cell(cls) + ',' + csv_cell(a) + ',' + csv_cell(b) + ',' + csv_cell(image) + ',' +
           csv_cell(metric) + ',' + number(e.value) + ',' + number(e.ci_low) + ',' + number(e.ci_high) + ',' +
           (e.value ? metrics::ci_method_name(e.ci_method) : "") + ',' + csv_cell(e.value ? std::string() : metrics::reason_name(e.undefined_reason)) + "\n";
  }
  void count(std::string_view scope, std::string_view cls, std::string_view a, std::string_view b,
             std::string_view image, std::string_view metric, long long v) {
    out += csv_cell(scope) + ',' + csv_cell(cls) + ',' + csv_cell(a) + ',' + csv_cell(b) + ',' + csv_cell(image) + ',' +
           csv_cell(metric) + ',' + std::to_string(v) + ",,,,\n";
  }
};

inline std::string warnings_text(const Style& st, const std::vector<metrics::Warning>& warnings) {
  std::string out;
  if (warnings.empty()) return out;
  out += "\n";
  for (const auto& w : warnings) out += st.colour("warning: ", 33) + w.message + "\n";
  return out;
}

inline std::string skipped_text(const Style& st, const std::vector<SkippedInput>& skipped, const std::vector<InputWarning>& warnings = {}) {
  std::string out;
  for (const auto& w : warnings) out += st.colour("warning: ", 33) + w.message + "\n";
  for (const auto& s : skipped) out += st.colour("skipped: ", 33) + fmt::format("{} x {} ({})\n", s.count, s.reason, s.file);
  return out.empty() ? out : "\n" + out;
}

inline std::string gates_text(const Style& st, const std::vector<GateCheck>& gates) {
  std::string out;
  if (gates.empty()) return out;
  out += "\n";
  for (const auto& g : gates) {
    std::string actual = g.actual ? fixed(*g.actual) : std::string("undefined");
    out += fmt::format("{} {} {} >= {} ({}: {})\n", g.passed ? st.colour("pass", 32) : st.colour("FAIL", 31), g.metric,
                       g.compared == metrics::GateOn::ci_low ? "lower bound" : "value", number(g.threshold), metrics::gate_on_name(g.compared), actual);
  }
  return out;
}

// Text for a code span in a markdown table cell (shown literally): no backtick, cell break or
// control character.
inline std::string md_code(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '`' || static_cast<unsigned char>(c) < 0x20) out += ' ';
    else if (c == '|') out += "\\|";
    else out += c;
  }
  return out;
}

// Text for a markdown table cell: no raw HTML (< > & as entities), no link or emphasis syntax
// (markdown's punctuation backslash-escaped), no cell break or line break, no control character.
inline std::string md_cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '&') {
      out += "&amp;";
    } else if (std::string_view("|[]()`*_\\!#~").find(c) != std::string_view::npos) {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}


// File-name-safe form of an annotator's name.
inline std::string slug(const std::string& s) {
  std::string out;
  for (unsigned char c : s) out += std::isalnum(c) || c == '-' || c == '_' ? static_cast<char>(c) : '_';
  return out.empty() ? std::string("_") : out;
}

inline std::string base64(const std::string& in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) | static_cast<unsigned char>(in[i + 2]);
    out += {k[v >> 18], k[(v >> 12) & 63], k[(v >> 6) & 63], k[v & 63]};
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += {k[v >> 18], k[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += {k[v >> 18], k[(v >> 12) & 63], k[(v >> 6) & 63], '='};
  }
  return out;
}


}  // namespace labelqa::report
