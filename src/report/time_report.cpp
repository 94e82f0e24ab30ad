// `labelqa report` for time segments and transcripts (time_report.hpp).
#include "labelqa/report/time_report.hpp"

#include "shared.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>

namespace labelqa::report {
namespace {

using nlohmann::json;

const char* error_title(const std::string& name) {
  return name == "wer" ? "word error rate" : name == "der" ? "diarization error rate" : "segment error rate";
}

// The annotator's headline error: WER, DER, or 1 - F1 of the matched segments.
const metrics::Estimate* headline(const metrics::TimeReport& r, const metrics::SubjectScores& s) {
  const auto it = s.metrics.find(r.error_name == "segment_error_rate" ? "f1" : r.error_name);
  return it == s.metrics.end() ? nullptr : &it->second;
}

double nan() { return std::numeric_limits<double>::quiet_NaN(); }

std::string mode_of(const metrics::TimeReport& r) { return r.error_name == "wer" ? "transcripts" : "segments"; }

}  // namespace

std::vector<Picture> time_report_pictures(const metrics::TimeReport& r, const SegmentSet* segments) {
  std::vector<Picture> out;
  const auto& subjects = r.gold.subjects;
  const bool f1 = r.error_name == "segment_error_rate";
  {
    BarChart b;
    b.title = f1 ? "F1 of each annotator's segments against gold" : fmt::format("{} of each annotator against gold", error_title(r.error_name));
    b.axis = f1 ? "F1" : r.error_name;
    for (const auto& s : subjects) {
      const metrics::Estimate* e = headline(r, s);
      b.labels.push_back(s.name);
      b.values.push_back(e && e->value ? *e->value : nan());
      b.low.push_back(e && e->ci_low ? *e->ci_low : nan());
      b.high.push_back(e && e->ci_high ? *e->ci_high : nan());
      b.flagged.push_back(false);
      if (b.labels.size() == k_max_bars) break;
    }
    if (const metrics::Estimate* v = headline(r, r.gold.vendor); v && v->value) b.reference = *v->value;
    out.push_back({"comparison", b.title, "comparison", "", draw_bars(b, ImageFormat::png), draw_bars(b, ImageFormat::svg)});
  }
  for (const auto& a : r.annotators) {
    if (a.drift.size() < 2) continue;
    LineChart l;
    l.title = fmt::format("{}: {} over its work", a.name, error_title(r.error_name));
    l.x_axis = "block of consecutive recordings";
    l.y_axis = r.error_name;
    for (std::size_t k = 0; k < a.drift.size(); ++k) {
      l.x.push_back(static_cast<double>(k + 1));
      l.y.push_back(a.drift[k]);
    }
    out.push_back({"drift_" + slug(a.name), l.title, "drift", a.name, draw_lines(l, ImageFormat::png), draw_lines(l, ImageFormat::svg)});
  }
  if (segments) {
    // The annotator with the highest pooled error, on its worst recording.
    const metrics::TimeAnnotator* worst = nullptr;
    double worst_rate = -1;
    for (const auto& a : r.annotators) {
      double e = 0, n = 0;
      for (const auto& it : a.items) e += it.errors, n += it.reference;
      if (a.worst_item && n > 0 && e / n > worst_rate) worst_rate = e / n, worst = &a;
    }
    if (worst) {
      const std::uint32_t item = *worst->worst_item;
      const auto gi = static_cast<std::size_t>(std::find(segments->annotators.begin(), segments->annotators.end(), "gold") - segments->annotators.begin());
      const auto ai = static_cast<std::size_t>(std::find(segments->annotators.begin(), segments->annotators.end(), worst->name) - segments->annotators.begin());
      Timeline t;
      t.rows = {"gold", worst->name};
      std::size_t count = 0;
      for (const auto& s : segments->segments) {
        if (s.item != item || (static_cast<std::size_t>(s.annotator) != gi && static_cast<std::size_t>(s.annotator) != ai)) continue;
        ++count;
        t.bars.push_back({static_cast<std::size_t>(s.annotator) == gi ? 0u : 1u, static_cast<double>(s.start) / 1e6, static_cast<double>(s.end) / 1e6,
                          segments->labels[static_cast<std::size_t>(s.label)]});
        t.end = std::max(t.end, static_cast<double>(s.end) / 1e6);
      }
      if (segments->durations[item] >= 0) t.end = static_cast<double>(segments->durations[item]) / 1e6;
      t.title = fmt::format("{} against gold on {} (its highest {}){}", worst->name, segments->items[item], r.error_name,
                            count > k_max_timeline_bars ? fmt::format(", first {} of {} segments", k_max_timeline_bars, count) : std::string());
      out.push_back({"timeline", t.title, "timeline", worst->name, draw_timeline(t, ImageFormat::png), draw_timeline(t, ImageFormat::svg)});
    }
  }
  return out;
}

std::string render_time_report_json(const TimeReportInput& in, const std::vector<Picture>& pictures) {
  const auto& r = in.report;
  json out = report_header("report");
  out["mode"] = mode_of(r);
  out["reference"] = "gold";
  out["error_rate"] = r.error_name;
  out["input"] = {{"files", in.inputs}, {"gold", in.gold}, {"skipped", skipped_json(in.skipped)}, {"warnings", input_warnings_json(in.input_warnings)}};
  json options = {{"confidence", in.options.confidence}, {"bootstrap", in.options.bootstrap}, {"seed", in.options.seed}};
  if (r.error_name == "wer") {
    options["normalize"] = metrics::normalization_names(in.options.normalize);
  } else {
    options["iou_threshold"] = in.options.iou_threshold;
    options["collar"] = static_cast<double>(in.options.collar) / 1e6;
    options["skip_overlap"] = in.options.skip_overlap;
  }
  out["options"] = options;
  auto subject = [&](const metrics::SubjectScores& s) {
    json j = json::object();
    j["gold_items"] = s.gold_items;
    for (const auto& [k, e] : s.metrics) j[k] = estimate_json(e);
    for (const auto& [k, n] : s.counts) j[k] = n;
    return j;
  };
  out["vendor"] = subject(r.gold.vendor);
  json annotators = json::array();
  for (std::size_t a = 0; a < r.annotators.size(); ++a) {
    const auto& ta = r.annotators[a];
    json j = subject(r.gold.subjects[a]);
    j["annotator"] = ta.name;
    json items = json::array();
    for (const auto& it : ta.items) {
      items.push_back({{"item", r.gold.items[it.item]}, {"errors", it.errors}, {"reference", it.reference},
                       {"error_rate", it.reference > 0 ? json(it.errors / it.reference) : json(nullptr)}});
    }
    j["items"] = std::move(items);
    json blocks = json::array();
    for (double v : ta.drift) blocks.push_back(std::isfinite(v) ? json(v) : json(nullptr));
    j["drift"] = {{"blocks", blocks}, {"items", ta.drift_items}, {"change", optional_number(ta.drift_change)}};
    j["worst_item"] = ta.worst_item ? json(r.gold.items[*ta.worst_item]) : json(nullptr);
    if (r.error_name == "wer") {
      json subs = json::array();
      for (const auto& s : ta.substitutions) subs.push_back({{"reference", s.reference}, {"hypothesis", s.hypothesis}, {"count", s.count}});
      j["substitutions"] = std::move(subs);
    }
    annotators.push_back(std::move(j));
  }
  out["annotators"] = std::move(annotators);
  if (r.error_name == "wer") {
    json subs = json::array();
    for (const auto& s : r.substitutions) subs.push_back({{"reference", s.reference}, {"hypothesis", s.hypothesis}, {"count", s.count}});
    out["substitutions"] = std::move(subs);
  }
  std::map<std::string, long long> conflicts;
  for (const auto& c : r.gold.conflicts) ++conflicts[metrics::conflict_type_name(c.type)];
  out["summary"] = {{"gold_items", r.gold.gold_items}, {"delivered_items", r.gold.delivered_items}, {"items_without_gold", r.gold.items_without_gold},
                    {"annotators", r.annotators.size()}, {"conflicts", conflicts}};
  json pics = json::array();
  for (const auto& p : pictures) {
    pics.push_back({{"name", p.name}, {"title", p.title}, {"kind", p.kind}, {"annotator", p.annotator},
                    {"png", fmt::format("images/{}.png", p.name)}, {"svg", fmt::format("images/{}.svg", p.name)}});
  }
  out["pictures"] = std::move(pics);
  out["warnings"] = warnings_json(r.gold.warnings);
  return out.dump(2) + "\n";
}

std::string render_time_report_csv(const TimeReportInput& in) {
  const auto& r = in.report;
  std::string out = "annotator,scope,item,metric,value,ci_low,ci_high\n";
  auto subject = [&](const metrics::SubjectScores& s) {
    for (const auto& [k, e] : s.metrics) {
      out += fmt::format("{},overall,,{},{},{},{}\n", csv_cell(s.name), k, number(e.value), number(e.ci_low), number(e.ci_high));
    }
  };
  subject(r.gold.vendor);
  for (std::size_t a = 0; a < r.annotators.size(); ++a) {
    subject(r.gold.subjects[a]);
    const auto& ta = r.annotators[a];
    for (const auto& it : ta.items) {
      out += fmt::format("{},item,{},{},{},,\n", csv_cell(ta.name), csv_cell(r.gold.items[it.item]), r.error_name,
                         it.reference > 0 ? number(it.errors / it.reference) : std::string());
    }
    for (std::size_t k = 0; k < ta.drift.size(); ++k) {
      out += fmt::format("{},drift_block,{},{},{},,\n", csv_cell(ta.name), k + 1, r.error_name, std::isfinite(ta.drift[k]) ? number(ta.drift[k]) : std::string());
    }
  }
  return out;
}

std::string render_time_report_text(const TimeReportInput& in, bool color) {
  const Style st{color};
  const auto& r = in.report;
  std::string out = st.bold(fmt::format("labelqa report ({} against gold)", mode_of(r))) + "\n";
  out += fmt::format("{} gold items, {} scored; {} delivered items without gold\n\n", r.gold.gold_items, r.gold.vendor.gold_items, r.gold.items_without_gold);
  std::vector<std::string> names;
  for (const auto& a : r.annotators) names.push_back(a.name);
  std::size_t w = 9;
  for (const auto& n : names) w = std::max(w, n.size());
  const std::string metric = r.error_name == "segment_error_rate" ? "f1" : r.error_name;
  out += fmt::format("{:<{}}  {:>6}  {:>24}  {:>12}  {}\n", "annotator", w, "items", metric, "drift", "worst item");
  for (std::size_t a = 0; a < r.annotators.size(); ++a) {
    const auto& ta = r.annotators[a];
    const metrics::Estimate* e = headline(r, r.gold.subjects[a]);
    std::string v = "—";
    if (e && e->value) {
      v = fixed(*e->value);
      if (e->ci_low) v += fmt::format(" [{}, {}]", fixed(*e->ci_low), fixed(*e->ci_high));
    }
    out += fmt::format("{:<{}}  {:>6}  {:>24}  {:>12}  {}\n", ta.name, w, r.gold.subjects[a].gold_items, v,
                       ta.drift_change ? fmt::format("{:+.3f}", *ta.drift_change) : std::string("—"),
                       ta.worst_item ? r.gold.items[*ta.worst_item] : std::string("—"));
    if (!ta.substitutions.empty()) {
      std::vector<std::string> s;
      for (std::size_t k = 0; k < ta.substitutions.size() && k < 3; ++k) {
        s.push_back(fmt::format("{} -> {} ({})", ta.substitutions[k].reference, ta.substitutions[k].hypothesis, ta.substitutions[k].count));
      }
      out += fmt::format("  most frequent substitutions: {}\n", fmt::join(s, "; "));
    }
  }
  out += skipped_text(st, in.skipped, in.input_warnings);
  out += warnings_text(st, r.gold.warnings);
  return out;
}

std::string render_time_report_html(const TimeReportInput& in, const std::vector<Picture>& pictures) {
  const auto& r = in.report;
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>labelqa report</title>\n<style>\n"
                  "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:24px auto;max-width:1200px;color:#1a1a1a;padding:0 16px}\n"
                  "table{border-collapse:collapse;margin:8px 0 16px}th,td{border:1px solid #ccc;padding:4px 8px;text-align:right;font-size:13px}\n"
                  "th{background:#f2f4f7}td.name{text-align:left}.muted{color:#666;font-size:13px}img{max-width:100%;height:auto}\n"
                  "</style>\n</head>\n<body>\n";
  h += fmt::format("<h1>labelqa report: {} against gold</h1>\n", markup_escape(mode_of(r)));
  std::vector<std::string> inputs;
  for (const auto& f : in.inputs) inputs.push_back(markup_escape(f));
  h += fmt::format("<p class=\"muted\">Inputs: {}; gold: {}. {} gold items, {} scored.</p>\n", fmt::join(inputs, ", "), markup_escape(in.gold),
                   r.gold.gold_items, r.gold.vendor.gold_items);
  const std::string metric = r.error_name == "segment_error_rate" ? "f1" : r.error_name;
  h += fmt::format("<table>\n<tr><th>annotator</th><th>gold items</th><th>{}</th><th>interval</th><th>drift (last &minus; first block)</th><th>worst item</th></tr>\n",
                   markup_escape(metric));
  for (std::size_t a = 0; a < r.annotators.size(); ++a) {
    const auto& ta = r.annotators[a];
    const metrics::Estimate* e = headline(r, r.gold.subjects[a]);
    h += fmt::format("<tr><td class=\"name\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"name\">{}</td></tr>\n", markup_escape(ta.name),
                     r.gold.subjects[a].gold_items, e && e->value ? fixed(*e->value, 4) : "—",
                     e && e->ci_low ? fmt::format("[{}, {}]", fixed(*e->ci_low, 4), fixed(*e->ci_high, 4)) : "—",
                     ta.drift_change ? fmt::format("{:+.4f}", *ta.drift_change) : "—", ta.worst_item ? markup_escape(r.gold.items[*ta.worst_item]) : "—");
  }
  h += "</table>\n";
  if (!r.substitutions.empty()) {
    h += "<h2>Most frequent substitutions</h2>\n<table>\n<tr><th>gold word</th><th>delivered word</th><th>count</th></tr>\n";
    for (const auto& s : r.substitutions) {
      h += fmt::format("<tr><td class=\"name\">{}</td><td class=\"name\">{}</td><td>{}</td></tr>\n", markup_escape(s.reference), markup_escape(s.hypothesis), s.count);
    }
    h += "</table>\n";
  }
  for (const auto& p : pictures) {
    h += fmt::format("<figure><img src=\"data:image/png;base64,{}\" alt=\"{}\"><figcaption class=\"muted\">{}</figcaption></figure>\n", base64(p.png),
                     markup_escape(p.title), markup_escape(p.title));
  }
  h += "</body>\n</html>\n";
  return h;
}

}  // namespace labelqa::report
