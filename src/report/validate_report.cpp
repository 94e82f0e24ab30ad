#include "labelqa/report/validate_report.hpp"

#include "labelqa/report/format.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>

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
  const std::size_t start = out.size();
  out += '"';
  std::size_t from = 0;  // s[from, i) is yet to be copied
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c >= 0x7f) {
      out.resize(start);
      out += nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      return;
    }
    if (c == '"' || c == '\\') {
      out.append(s.data() + from, i - from);
      out += '\\';
      from = i;
    }
  }
  out.append(s.data() + from, s.size() - from);
  out += '"';
}

// Shortest text that reads back as the same double, without "-0" (as report::number).
// Whole numbers below 10^15 (boxes and points in pixels, mostly) print as integers, which is what
// the shortest form gives them, without its general path.
void append_number(std::string& out, double x) {
  if (std::fabs(x) < 1e15 && x == std::trunc(x)) {
    char buf[24];
    const auto end = std::to_chars(buf, buf + sizeof buf, static_cast<long long>(x)).ptr;  // 0 for -0
    out.append(buf, end);
    return;
  }
  fmt::format_to(Out(out), "{}", x);
}

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
  if (!csv_needs_quotes(s)) {
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

// One JSON row, preceded by the comma that separates it from the previous one (the first row's is
// dropped when written). The keys in sorted order, each with its value.
void json_row(std::string& out, const Finding& f) {
  auto text = [&out](const char* key, std::string_view value) {
    out += key;
    append_quoted(out, value);
  };
  out += ",\n    ";
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
}

void csv_row(std::string& out, const Finding& f) {
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
}

}  // namespace

bool validate_failed(const ValidateReport& rep) { return rep.tally.errors > 0 || (rep.fail_on_warning && rep.tally.warnings > 0); }

CiResult ci_result(const Finding& f) {
  return {validate::code_name(f.code), f.severity == Severity::error, f.message, f.file, f.location.line, f.item, f.annotation};
}

std::vector<CiRule> validate_rules() {
  std::vector<CiRule> out;
  for (int c = 0; c < validate::k_code_count; ++c) out.push_back({validate::code_name(static_cast<Code>(c)), validate::code_description(static_cast<Code>(c))});
  return out;
}

ValidateWriter::ValidateWriter(const ValidateSinks& sinks) : m_json(sinks.json), m_csv(sinks.csv) {
  if (sinks.sarif) m_sarif.emplace(*sinks.sarif, validate_rules());
  if (sinks.gitlab) m_gitlab.emplace(*sinks.gitlab);
  m_first = sinks.first_results;
  if (m_json) (*m_json)("{\n  \"findings\": [");
  if (m_csv) (*m_csv)("severity,code,file,item,annotation,other_annotation,class,point_x,point_y,bbox_x,bbox_y,bbox_w,bbox_h,line,offset,frame,message\n");
}

void ValidateWriter::render(std::span<const Finding> findings, Rendered& out) const {
  // Room for the rows, so that the buffers grow about once: a row is mostly its strings, plus
  // some 200 bytes of keys and numbers.
  std::size_t room = 0;
  for (const auto& f : findings) room += 200 + f.file.size() + f.item.size() + f.message.size() + f.annotation.size() + f.other_annotation.size() + f.cls.size();
  if (m_json) out.json.reserve(out.json.size() + room);
  if (m_csv) out.csv.reserve(out.csv.size() + room);
  for (const auto& f : findings) {
    if (m_json) json_row(out.json, f);
    if (m_csv) csv_row(out.csv, f);
  }
}

std::unique_ptr<validate::FindingSink::Prepared> ValidateWriter::prepare(std::span<const Finding> findings) const {
  auto out = std::make_unique<Rendered>();
  render(findings, *out);
  return out;
}

void ValidateWriter::put(std::span<const Finding> findings, const Prepared* prepared) {
  if (findings.empty()) return;
  Rendered own;
  const auto* r = static_cast<const Rendered*>(prepared);  // made by this sink's prepare()
  if (!r) {
    render(findings, own);
    r = &own;
  }
  std::string_view json(r->json);
  if (m_json) {
    if (!m_any) json.remove_prefix(1);  // the first row follows no comma
    (*m_json)(json);
  }
  if (m_csv) (*m_csv)(r->csv);
  for (const auto& f : findings) {
    std::size_t& kept = f.severity == Severity::error ? m_first_errors : m_first_warnings;
    const bool first = m_first && kept < k_github_annotations;
    if (!m_sarif && !m_gitlab && !first) continue;  // no result to make of it
    const CiResult r = ci_result(f);
    if (m_sarif) m_sarif->add(r);
    if (m_gitlab) m_gitlab->add(r);
    if (first) {
      m_first->push_back(r);
      ++kept;
    }
  }
  m_any = true;
}

void ValidateWriter::finish(const ValidateReport& rep) {
  if (m_sarif) m_sarif->finish();
  if (m_gitlab) m_gitlab->finish();
  if (!m_json) return;
  const FindingTally& t = rep.tally;
  std::string out = m_any ? "\n  ],\n" : "],\n";
  nlohmann::json summary;
  nlohmann::json by_code = nlohmann::json::object();
  for (std::size_t c = 0; c < t.by_code.size(); ++c) {
    if (t.by_code[c] == 0) continue;
    by_code[validate::code_name(static_cast<Code>(c))] = {{"errors", t.errors_by_code[c]}, {"warnings", t.by_code[c] - t.errors_by_code[c]}};
  }
  summary["by_code"] = by_code;
  summary["errors"] = t.errors;
  summary["warnings"] = t.warnings;
  summary["findings"] = t.findings;
  summary["files"] = rep.files;
  summary["items"] = rep.items;
  summary["annotations"] = rep.annotations;
  summary["inputs"] = rep.inputs;
  summary["skipped"] = skipped_json(rep.skipped);
  summary["status"] = validate_failed(rep) ? "fail" : "pass";
  summary["fail_on"] = rep.fail_on_warning ? "warning" : "error";
  // The header every report carries (command, schema_version, tool, version), after the findings.
  fmt::format_to(Out(out), "  \"command\": \"validate\",\n  \"schema_version\": 1,\n  \"summary\": {},\n", summary.dump());
  fmt::format_to(Out(out), "  \"tool\": \"labelqa\",\n  \"version\": \"{}\"\n}}\n", LABELQA_VERSION);
  (*m_json)(out);
}

std::string render_validate_text(const ValidateReport& rep, bool color, std::size_t max_findings) {
  const Style st{color};
  const FindingTally& t = rep.tally;
  std::string out = st.bold(fmt::format("labelqa validate: {} file{}, {} item{}, {} annotation{}", rep.files, rep.files == 1 ? "" : "s", rep.items,
                                        rep.items == 1 ? "" : "s", rep.annotations, rep.annotations == 1 ? "" : "s")) +
                    "\n";
  out += skipped_text(st, rep.skipped);
  if (t.findings == 0) return fmt::format("{}{}\n", out, st.colour("no findings", 32));
  // Per code: counts by class, then the first findings.
  for (std::size_t c = 0; c < t.by_code.size(); ++c) {
    if (t.by_code[c] == 0) continue;
    const std::size_t errors = t.errors_by_code[c], warnings = t.by_code[c] - errors;
    const auto& by_class = t.by_class[c];
    std::string counts;
    if (errors) counts += st.colour(fmt::format("{} error{}", errors, errors == 1 ? "" : "s"), 31);
    if (warnings) counts += fmt::format("{}{}", counts.empty() ? "" : ", ", st.colour(fmt::format("{} warning{}", warnings, warnings == 1 ? "" : "s"), 33));
    out += fmt::format("\n{} ({})\n", st.bold(validate::code_name(static_cast<Code>(c))), counts);
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
    const auto& first = t.first[c];
    for (std::size_t i = 0; i < first.size() && i < max_findings; ++i) {
      const Finding& f = first[i];
      std::string where = f.file;
      if (f.location.line) where += fmt::format(":{}", f.location.line);
      if (!f.item.empty()) where += fmt::format(" {}", f.item);
      if (!f.annotation.empty()) where += fmt::format(" annotation {}", f.annotation);
      if (!f.other_annotation.empty()) where += fmt::format(" & {}", f.other_annotation);
      out += fmt::format("  {} {}: {}\n", f.severity == Severity::error ? st.colour("error", 31) : st.colour("warning", 33), where, f.message);
    }
    if (t.by_code[c] > max_findings) out += fmt::format("  ... and {} more (all are in --json / --csv)\n", t.by_code[c] - max_findings);  // flag in report text
  }
  out += fmt::format("\n{} — {}\n", st.bold(fmt::format("{} error{}, {} warning{}", t.errors, t.errors == 1 ? "" : "s", t.warnings, t.warnings == 1 ? "" : "s")),
                     validate_failed(rep) ? st.colour("FAIL", 31) : st.colour("pass", 32));
  return out;
}

std::string render_validate_markdown(const ValidateReport& rep, const std::vector<CiResult>& first) {
  const FindingTally& t = rep.tally;
  std::string out = fmt::format("### labelqa validate: {}\n\n{} file{}, {} item{}, {} annotation{}: {} error{}, {} warning{}\n", validate_failed(rep) ? "FAIL" : "pass",
                                rep.files, rep.files == 1 ? "" : "s", rep.items, rep.items == 1 ? "" : "s", rep.annotations, rep.annotations == 1 ? "" : "s",
                                t.errors, t.errors == 1 ? "" : "s", t.warnings, t.warnings == 1 ? "" : "s");
  if (t.findings == 0) return out;
  out += "\n| code | errors | warnings |\n|---|---:|---:|\n";
  for (std::size_t c = 0; c < t.by_code.size(); ++c) {
    if (t.by_code[c]) out += fmt::format("| `{}` | {} | {} |\n", validate::code_name(static_cast<Code>(c)), t.errors_by_code[c], t.by_code[c] - t.errors_by_code[c]);
  }
  if (!first.empty()) {
    out += "\n| level | code | where | message |\n|---|---|---|---|\n";
    for (const auto& r : first) {
      std::string where = r.file;
      if (r.line) where += fmt::format(":{}", r.line);
      if (!r.item.empty()) where += " " + r.item;
      if (!r.annotation.empty()) where += " annotation " + r.annotation;
      out += fmt::format("| {} | `{}` | {} | {} |\n", r.error ? "error" : "warning", md_code(r.rule), md_cell(where), md_cell(r.message));
    }
  }
  return out;
}

}  // namespace labelqa::report
