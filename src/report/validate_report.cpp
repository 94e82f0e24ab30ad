#include "labelqa/report/validate_report.hpp"

#include "labelqa/report/format.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>
#include <tbb/parallel_pipeline.h>

#include "shared.hpp"

namespace labelqa::report {
namespace {

using validate::Code;
using validate::Finding;
using validate::Severity;

using Out = std::back_insert_iterator<std::string>;

// A JSON string as nlohmann::json dumps it (UTF-8 kept, invalid bytes replaced); plain printable
// ASCII, the common case, is quoted directly.
void append_quoted(std::string& out, std::string_view s) {
  const bool ascii = std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  if (ascii) {
    out += '"';
    for (std::size_t i = 0; i < s.size();) {
      const std::size_t j = s.find_first_of("\"\\", i);
      out += s.substr(i, j - i);
      if (j == std::string_view::npos) break;
      out += '\\';
      out += s[j];
      i = j + 1;
    }
    out += '"';
    return;
  }
  out += nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Shortest text that reads back as the same double, without "-0" (as report::number).
void append_number(std::string& out, double x) { fmt::format_to(Out(out), "{}", x == 0 ? 0.0 : x); }

void append_location(std::string& out, const validate::FindingLocation& l) {
  out += '{';
  bool first = true;
  auto key = [&](const char* k) {
    if (!first) out += ',';
    first = false;
    out += '"';
    out += k;
    out += "\":";
  };
  // Keys in sorted order: bbox, frame, line, offset, point.
  if (l.bbox) {
    key("bbox");
    for (std::size_t i = 0; i < 4; ++i) {
      out += i ? ',' : '[';
      append_number(out, (*l.bbox)[i]);
    }
    out += ']';
  }
  if (l.frame) {
    key("frame");
    fmt::format_to(Out(out), "{}", *l.frame);
  }
  if (l.line) {
    key("line");
    fmt::format_to(Out(out), "{}", l.line);
  }
  if (l.offset) {
    key("offset");
    fmt::format_to(Out(out), "{}", *l.offset);
  }
  if (l.point) {
    key("point");
    out += '[';
    append_number(out, (*l.point)[0]);
    out += ',';
    append_number(out, (*l.point)[1]);
    out += ']';
  }
  out += '}';
}

void append_csv(std::string& out, std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += s;
    return;
  }
  out += '"';
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

// Renders the findings block by block on every thread (`row` appends one finding to a block's text)
// and hands the blocks to the sink in order: a bounded number is in flight, so memory stays flat.
template <class Row>
void render_rows(const std::vector<Finding>& findings, const io::Sink& sink, Row row) {
  constexpr std::size_t k_block = 4096;
  const std::size_t blocks = (findings.size() + k_block - 1) / k_block;
  std::size_t next = 0;
  tbb::parallel_pipeline(
      8,
      tbb::make_filter<void, std::size_t>(tbb::filter_mode::serial_in_order,
                                          [&](tbb::flow_control& fc) -> std::size_t {
                                            if (next == blocks) {
                                              fc.stop();
                                              return 0;
                                            }
                                            return next++;
                                          }) &
          tbb::make_filter<std::size_t, std::string>(tbb::filter_mode::parallel,
                                                     [&](std::size_t b) {
                                                       std::string text;
                                                       const std::size_t end = std::min(findings.size(), (b + 1) * k_block);
                                                       for (std::size_t i = b * k_block; i < end; ++i) row(text, findings[i], i == 0);
                                                       return text;
                                                     }) &
          tbb::make_filter<std::string, void>(tbb::filter_mode::serial_in_order, [&](const std::string& text) { sink(text); }));
}


}  // namespace

bool validate_failed(const ValidateReport& rep) {
  const auto s = validate::summarize(rep.findings);
  return s.errors > 0 || (rep.fail_on_warning && s.warnings > 0);
}

void render_validate_json(const ValidateReport& rep, const io::Sink& sink) {
  const auto s = validate::summarize(rep.findings);
  sink("{\n  \"findings\": [");
  render_rows(rep.findings, sink, [](std::string& out, const Finding& f, bool first) {
    // The keys in sorted order, each with its value.
    auto text = [&out](const char* key, std::string_view value) {
      out += key;
      append_quoted(out, value);
    };
    out += first ? "\n    " : ",\n    ";
    text("{\"annotation\":", f.annotation);
    text(",\"class\":", f.cls);
    text(",\"code\":", validate::code_name(f.code));
    text(",\"file\":", f.file);
    text(",\"item\":", f.item);
    out += ",\"location\":";
    append_location(out, f.location);
    text(",\"message\":", f.message);
    text(",\"other_annotation\":", f.other_annotation);
    text(",\"severity\":", validate::severity_name(f.severity));
    out += '}';
  });
  std::string out;
  const bool first = rep.findings.empty();
  out += first ? "],\n" : "\n  ],\n";
  nlohmann::json summary;
  nlohmann::json by_code = nlohmann::json::object();
  std::array<std::size_t, validate::k_code_count> errors{};
  for (const auto& f : rep.findings) errors[static_cast<std::size_t>(f.code)] += f.severity == Severity::error;
  for (std::size_t c = 0; c < errors.size(); ++c) {
    if (s.by_code[c] == 0) continue;
    by_code[validate::code_name(static_cast<Code>(c))] = {{"errors", errors[c]}, {"warnings", s.by_code[c] - errors[c]}};
  }
  summary["by_code"] = by_code;
  summary["errors"] = s.errors;
  summary["warnings"] = s.warnings;
  summary["findings"] = rep.findings.size();
  summary["files"] = rep.files;
  summary["items"] = rep.items;
  summary["annotations"] = rep.annotations;
  summary["inputs"] = rep.inputs;
  summary["status"] = validate_failed(rep) ? "fail" : "pass";
  summary["fail_on"] = rep.fail_on_warning ? "warning" : "error";
  // The header every report carries (command, schema_version, tool, version), after the findings.
  fmt::format_to(Out(out), "  \"command\": \"validate\",\n  \"schema_version\": 1,\n  \"summary\": {},\n", summary.dump());
  fmt::format_to(Out(out), "  \"tool\": \"labelqa\",\n  \"version\": \"{}\"\n}}\n", LABELQA_VERSION);
  sink(out);
}

void render_validate_csv(const ValidateReport& rep, const io::Sink& sink) {
  sink("severity,code,file,item,annotation,other_annotation,class,point_x,point_y,bbox_x,bbox_y,bbox_w,bbox_h,line,offset,frame,message\n");
  render_rows(rep.findings, sink, [](std::string& out, const Finding& f, bool) {
    const auto& l = f.location;
    out += validate::severity_name(f.severity);
    out += ',';
    out += validate::code_name(f.code);
    for (const std::string* cell : {&f.file, &f.item, &f.annotation, &f.other_annotation, &f.cls}) {
      out += ',';
      append_csv(out, *cell);
    }
    for (std::size_t i = 0; i < 2; ++i) {
      out += ',';
      if (l.point) append_number(out, (*l.point)[i]);
    }
    for (std::size_t i = 0; i < 4; ++i) {
      out += ',';
      if (l.bbox) append_number(out, (*l.bbox)[i]);
    }
    out += ',';
    if (l.line) fmt::format_to(Out(out), "{}", l.line);
    out += ',';
    if (l.offset) fmt::format_to(Out(out), "{}", *l.offset);
    out += ',';
    if (l.frame) fmt::format_to(Out(out), "{}", *l.frame);
    out += ',';
    append_csv(out, f.message);
    out += '\n';
  });
}


std::string render_validate_text(const ValidateReport& rep, bool color, std::size_t max_findings) {
  const Style st{color};
  const auto s = validate::summarize(rep.findings);
  std::string out = st.bold(fmt::format("labelqa validate: {} file{}, {} item{}, {} annotation{}", rep.files, rep.files == 1 ? "" : "s", rep.items,
                                        rep.items == 1 ? "" : "s", rep.annotations, rep.annotations == 1 ? "" : "s")) +
                    "\n";
  if (rep.findings.empty()) return fmt::format("{}{}\n", out, st.colour("no findings", 32));
  // Per code: counts by class, then the first findings.
  std::map<Code, std::vector<const Finding*>> by_code;
  for (const auto& f : rep.findings) by_code[f.code].push_back(&f);
  for (const auto& [code, list] : by_code) {
    std::size_t errors = 0;
    std::map<std::string, std::size_t> by_class;
    for (const auto* f : list) {
      errors += f->severity == Severity::error;
      ++by_class[f->cls];
    }
    const std::size_t warnings = list.size() - errors;
    std::string counts;
    if (errors) counts += st.colour(fmt::format("{} error{}", errors, errors == 1 ? "" : "s"), 31);
    if (warnings) counts += fmt::format("{}{}", counts.empty() ? "" : ", ", st.colour(fmt::format("{} warning{}", warnings, warnings == 1 ? "" : "s"), 33));
    out += fmt::format("\n{} ({})\n", st.bold(validate::code_name(code)), counts);
    if (by_class.size() > 1 || !by_class.begin()->first.empty()) {
      std::string classes;
      std::size_t shown = 0;
      for (const auto& [cls, n] : by_class) {
        if (shown++ == 8) {
          classes += fmt::format(", ... {} more", by_class.size() - 8);
          break;
        }
        classes += fmt::format("{}{}: {}", classes.empty() ? "" : ", ", cls.empty() ? "(no class)" : cls, n);
      }
      out += "  by class: " + classes + "\n";
    }
    for (std::size_t i = 0; i < list.size() && i < max_findings; ++i) {
      const Finding& f = *list[i];
      std::string where = f.file;
      if (f.location.line) where += fmt::format(":{}", f.location.line);
      if (!f.item.empty()) where += fmt::format(" {}", f.item);
      if (!f.annotation.empty()) where += fmt::format(" annotation {}", f.annotation);
      if (!f.other_annotation.empty()) where += fmt::format(" & {}", f.other_annotation);
      out += fmt::format("  {} {}: {}\n", f.severity == Severity::error ? st.colour("error", 31) : st.colour("warning", 33), where, f.message);
    }
    if (list.size() > max_findings) out += fmt::format("  ... and {} more (all are in --json / --csv)\n", list.size() - max_findings);
  }
  out += fmt::format("\n{} — {}\n", st.bold(fmt::format("{} error{}, {} warning{}", s.errors, s.errors == 1 ? "" : "s", s.warnings, s.warnings == 1 ? "" : "s")),
                     validate_failed(rep) ? st.colour("FAIL", 31) : st.colour("pass", 32));
  return out;
}

}  // namespace labelqa::report
