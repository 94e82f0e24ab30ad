#include "labelqa/report/validate_report.hpp"

#include "labelqa/report/format.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

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

// The first stage of a pipeline: the indices 0 .. n - 1, in order (`next` counts them).
tbb::filter<void, std::size_t> indices(std::size_t n, std::size_t& next) {
  next = 0;
  return tbb::make_filter<void, std::size_t>(tbb::filter_mode::serial_in_order, [n, &next](tbb::flow_control& fc) {
    if (next == n) {
      fc.stop();
      return std::size_t{0};
    }
    return next++;
  });
}

// Findings with this file and item come before (-1), with (0) or after (1) a group's.
int compare_place(const Finding& f, const Finding& group) {
  if (f.file != group.file) return f.file < group.file ? -1 : 1;
  if (f.item != group.item) return f.item < group.item ? -1 : 1;
  return 0;
}

}  // namespace

void FindingTally::count(const Finding& f) {
  const auto c = static_cast<std::size_t>(f.code);
  ++findings;
  ++by_code[c];
  if (f.severity == Severity::error) {
    ++errors;
    ++errors_by_code[c];
  } else {
    ++warnings;
  }
  ++by_class[c][f.cls];
}

void FindingTally::count(const FindingTally& other) {
  findings += other.findings;
  errors += other.errors;
  warnings += other.warnings;
  for (std::size_t c = 0; c < by_code.size(); ++c) {
    by_code[c] += other.by_code[c];
    errors_by_code[c] += other.errors_by_code[c];
    for (const auto& [cls, n] : other.by_class[c]) by_class[c][cls] += n;
  }
}

bool validate_failed(const ValidateReport& rep) { return rep.tally.errors > 0 || (rep.fail_on_warning && rep.tally.warnings > 0); }

ValidateWriter::ValidateWriter(const io::Sink* json, const io::Sink* csv, std::size_t keep) : m_json(json), m_csv(csv) {
  m_tally.keep = keep;
  if (m_json) (*m_json)("{\n  \"findings\": [");
  if (m_csv) (*m_csv)("severity,code,file,item,annotation,other_annotation,class,point_x,point_y,bbox_x,bbox_y,bbox_w,bbox_h,line,offset,frame,message\n");
}

ValidateWriter::Rendered ValidateWriter::render(const std::vector<Span>& lists) const {
  Rendered r;
  for (const auto& [begin, end] : lists) {
    for (const Finding* f = begin; f != end; ++f) {
      if (m_json) json_row(r.json, *f);
      if (m_csv) csv_row(r.csv, *f);
      r.counts.count(*f);
    }
    r.ends.emplace_back(r.json.size(), r.csv.size());
  }
  return r;
}

void ValidateWriter::emit(const Rendered& r, std::size_t k, Span list) {
  if (list.first == list.second) return;
  const std::size_t json_begin = k == 0 ? 0 : r.ends[k - 1].first, csv_begin = k == 0 ? 0 : r.ends[k - 1].second;
  std::string_view json(r.json.data() + json_begin, r.ends[k].first - json_begin);
  if (m_json) {
    if (!m_any) json.remove_prefix(1);  // the first row follows no comma
    (*m_json)(json);
  }
  if (m_csv) (*m_csv)(std::string_view(r.csv.data() + csv_begin, r.ends[k].second - csv_begin));
  for (const Finding* f = list.first; f != list.second; ++f) m_tally.sample(*f);
  m_any = true;
}

void ValidateWriter::put(const std::vector<Finding>& findings) {
  const Span all{findings.data(), findings.data() + findings.size()};
  const Rendered r = render({all});
  emit(r, 0, all);
  m_tally.count(r.counts);
}

void ValidateWriter::put_all(const std::vector<Finding>& findings) {
  // Blocks of findings rendered in parallel and written in order, a bounded number in flight.
  constexpr std::size_t k_block = 4096;
  const std::size_t blocks = (findings.size() + k_block - 1) / k_block;
  std::size_t next = 0;
  auto block = [&](std::size_t b) {
    const Finding* begin = findings.data() + b * k_block;
    return Span{begin, begin + std::min(k_block, findings.size() - b * k_block)};
  };
  tbb::parallel_pipeline(
      8,
      indices(blocks, next) &
          tbb::make_filter<std::size_t, std::pair<std::size_t, Rendered>>(
              tbb::filter_mode::parallel, [&](std::size_t b) { return std::make_pair(b, render({block(b)})); }) &
          tbb::make_filter<std::pair<std::size_t, Rendered>, void>(tbb::filter_mode::serial_in_order, [&](const std::pair<std::size_t, Rendered>& r) {
            emit(r.second, 0, block(r.first));
            m_tally.count(r.second.counts);
          }));
}

void ValidateWriter::put_objects(const validate::ObjectChecks& checks, std::vector<Finding> loose) {
  // Groups of images go through in chunks: checked and rendered in parallel, written in order.
  // Loose findings are written where they sort: before a group when their file and item come
  // first, merged into it (and the group rendered again, here) when they share them.
  constexpr std::size_t k_chunk = 8;
  const std::size_t groups = checks.groups(), chunks = (groups + k_chunk - 1) / k_chunk;
  std::size_t next = 0, next_loose = 0;
  struct Chunk {
    std::vector<std::vector<Finding>> lists;
    Rendered text;
  };
  auto loose_before = [&](const Finding* group) {
    std::vector<Finding> out;
    while (next_loose < loose.size() && (!group || compare_place(loose[next_loose], *group) < 0)) out.push_back(std::move(loose[next_loose++]));
    put(out);
  };
  const std::size_t tokens = 4 * static_cast<std::size_t>(std::max(1, tbb::this_task_arena::max_concurrency()));
  tbb::parallel_pipeline(
      tokens,
      indices(chunks, next) &
          tbb::make_filter<std::size_t, Chunk>(tbb::filter_mode::parallel,
                                               [&](std::size_t c) {
                                                 Chunk chunk;
                                                 std::vector<Span> lists;
                                                 for (std::size_t g = c * k_chunk; g < std::min(groups, (c + 1) * k_chunk); ++g) {
                                                   chunk.lists.push_back(checks.check(g));
                                                 }
                                                 for (const auto& l : chunk.lists) lists.emplace_back(l.data(), l.data() + l.size());
                                                 chunk.text = render(lists);
                                                 return chunk;
                                               }) &
          tbb::make_filter<Chunk, void>(tbb::filter_mode::serial_in_order, [&](Chunk chunk) {
            m_tally.count(chunk.text.counts);
            for (std::size_t k = 0; k < chunk.lists.size(); ++k) {
              auto& list = chunk.lists[k];
              if (list.empty()) continue;
              loose_before(&list.front());
              if (next_loose < loose.size() && compare_place(loose[next_loose], list.front()) == 0) {
                // Rare: loose findings of this very image. Counted on their own, then the group
                // is rendered again with them.
                std::vector<Finding> merged = std::move(list);
                while (next_loose < loose.size() && compare_place(loose[next_loose], merged.front()) == 0) {
                  m_tally.count(loose[next_loose]);
                  merged.push_back(std::move(loose[next_loose++]));
                }
                validate::sort_findings(merged);
                const Span all{merged.data(), merged.data() + merged.size()};
                emit(render({all}), 0, all);
              } else {
                emit(chunk.text, k, Span{list.data(), list.data() + list.size()});
              }
            }
          }));
  loose_before(nullptr);
}

void ValidateWriter::finish(const ValidateReport& rep) {
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
    if (t.by_code[c] > max_findings) out += fmt::format("  ... and {} more (all are in --json / --csv)\n", t.by_code[c] - max_findings);
  }
  out += fmt::format("\n{} — {}\n", st.bold(fmt::format("{} error{}, {} warning{}", t.errors, t.errors == 1 ? "" : "s", t.warnings, t.warnings == 1 ? "" : "s")),
                     validate_failed(rep) ? st.colour("FAIL", 31) : st.colour("pass", 32));
  return out;
}

}  // namespace labelqa::report
