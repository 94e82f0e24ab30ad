#include "labelqa/report/validate_report.hpp"

#include "labelqa/report/format.hpp"

#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>

#include "shared.hpp"

namespace labelqa::report {
namespace {

using validate::Code;
using validate::Finding;
using validate::Severity;

std::string quoted(const std::string& s) { return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

std::string location_json(const validate::FindingLocation& l) {
  std::string out = "{";
  auto key = [&](const char* k) {
    if (out.size() > 1) out += ",";
    out += fmt::format("\"{}\":", k);
  };
  // Keys in sorted order: bbox, frame, line, offset, point.
  if (l.bbox) {
    key("bbox");
    out += fmt::format("[{},{},{},{}]", number((*l.bbox)[0]), number((*l.bbox)[1]), number((*l.bbox)[2]), number((*l.bbox)[3]));
  }
  if (l.frame) {
    key("frame");
    out += std::to_string(*l.frame);
  }
  if (l.line) {
    key("line");
    out += std::to_string(l.line);
  }
  if (l.offset) {
    key("offset");
    out += std::to_string(*l.offset);
  }
  if (l.point) {
    key("point");
    out += fmt::format("[{},{}]", number((*l.point)[0]), number((*l.point)[1]));
  }
  return out + "}";
}

}  // namespace

bool validate_failed(const ValidateReport& rep) {
  const auto s = validate::summarize(rep.findings);
  return s.errors > 0 || (rep.fail_on_warning && s.warnings > 0);
}

std::string render_validate_json(const ValidateReport& rep) {
  const auto s = validate::summarize(rep.findings);
  std::string out = "{\n  \"findings\": [";
  bool first = true;
  for (const auto& f : rep.findings) {
    out += first ? "\n    " : ",\n    ";
    first = false;
    out += fmt::format(
        "{{\"annotation\":{},\"class\":{},\"code\":\"{}\",\"file\":{},\"item\":{},\"location\":{},\"message\":{},\"other_annotation\":{},"
        "\"severity\":\"{}\"}}",
        quoted(f.annotation), quoted(f.cls), validate::code_name(f.code), quoted(f.file), quoted(f.item), location_json(f.location),
        quoted(f.message), quoted(f.other_annotation), validate::severity_name(f.severity));
  }
  out += first ? "],\n" : "\n  ],\n";
  nlohmann::json summary;
  nlohmann::json by_code = nlohmann::json::object();
  std::map<std::string, std::pair<std::size_t, std::size_t>> counts;
  for (const auto& f : rep.findings) {
    auto& c = counts[validate::code_name(f.code)];
    (f.severity == Severity::error ? c.first : c.second)++;
  }
  for (const auto& [code, c] : counts) by_code[code] = {{"errors", c.first}, {"warnings", c.second}};
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
  out += fmt::format("  \"command\": \"validate\",\n  \"schema_version\": 1,\n  \"summary\": {},\n", summary.dump());
  out += fmt::format("  \"tool\": \"labelqa\",\n  \"version\": \"{}\"\n}}\n", LABELQA_VERSION);
  return out;
}

std::string render_validate_csv(const ValidateReport& rep) {
  std::string out = "severity,code,file,item,annotation,other_annotation,class,point_x,point_y,bbox_x,bbox_y,bbox_w,bbox_h,line,offset,frame,message\n";
  for (const auto& f : rep.findings) {
    const auto& l = f.location;
    auto opt = [](const auto& v, std::size_t i) { return v ? number((*v)[i]) : std::string(); };
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", validate::severity_name(f.severity), validate::code_name(f.code),
                       csv_cell(f.file), csv_cell(f.item), csv_cell(f.annotation), csv_cell(f.other_annotation), csv_cell(f.cls), opt(l.point, 0),
                       opt(l.point, 1), opt(l.bbox, 0), opt(l.bbox, 1), opt(l.bbox, 2), opt(l.bbox, 3), l.line ? std::to_string(l.line) : "",
                       l.offset ? std::to_string(*l.offset) : "", l.frame ? std::to_string(*l.frame) : "", csv_cell(f.message));
  }
  return out;
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
