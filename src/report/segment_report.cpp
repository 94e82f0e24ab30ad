#include "labelqa/report/segment_report.hpp"

#include "shared.hpp"

#include <algorithm>

namespace labelqa::report {
namespace {

using nlohmann::json;

void put_matching(json& j, const metrics::ObjectScores& s) {
  const auto& c = s.counts;
  j["segments_a"] = c.objects_a;
  j["segments_b"] = c.objects_b;
  j["matched"] = c.matched;
  j["unmatched_a"] = c.unmatched_a();
  j["unmatched_b"] = c.unmatched_b();
  j["label_mismatch"] = c.label_mismatch;
  j["f1"] = estimate_json(s.f1);
  j["mean_iou"] = estimate_json(s.mean_iou);
}

json boundary_json(const metrics::BoundaryScores& b) {
  return {{"boundaries_a", b.counts.boundaries_a}, {"boundaries_b", b.counts.boundaries_b}, {"matched", b.counts.matched},
          {"precision", estimate_json(b.precision)}, {"recall", estimate_json(b.recall)},   {"f1", estimate_json(b.f1)}};
}

json diarization_json(const metrics::DiarizationScores& d) {
  const auto s = [](double t) { return t / 1e6; };
  return {{"scored_seconds", s(d.counts.scored)},
          {"missed_seconds", s(d.counts.missed)},
          {"false_alarm_seconds", s(d.counts.false_alarm)},
          {"confusion_seconds", s(d.counts.confusion)},
          {"reference_speakers", d.counts.reference_speakers},
          {"der", estimate_json(d.der)},
          {"missed", estimate_json(d.missed)},
          {"false_alarm", estimate_json(d.false_alarm)},
          {"confusion", estimate_json(d.confusion)},
          {"jer", estimate_json(d.jer)}};
}

void put_all(json& j, const metrics::ObjectScores& m, const metrics::BoundaryScores& b, const std::optional<metrics::DiarizationScores>& d) {
  put_matching(j, m);
  j["boundaries"] = boundary_json(b);
  if (d) j["diarization"] = diarization_json(*d);
}

void csv_all(CsvRows& w, std::string_view scope, std::string_view label, std::string_view a, std::string_view b, std::string_view item,
             const metrics::ObjectScores& m, const metrics::BoundaryScores* bs, const std::optional<metrics::DiarizationScores>& d) {
  w.count(scope, label, a, b, item, "segments_a", m.counts.objects_a);
  w.count(scope, label, a, b, item, "segments_b", m.counts.objects_b);
  w.count(scope, label, a, b, item, "matched", m.counts.matched);
  w.count(scope, label, a, b, item, "unmatched_a", m.counts.unmatched_a());
  w.count(scope, label, a, b, item, "unmatched_b", m.counts.unmatched_b());
  w.count(scope, label, a, b, item, "label_mismatch", m.counts.label_mismatch);
  w.estimate(scope, label, a, b, item, "f1", m.f1);
  w.estimate(scope, label, a, b, item, "mean_iou", m.mean_iou);
  if (bs) {
    w.estimate(scope, label, a, b, item, "boundary_precision", bs->precision);
    w.estimate(scope, label, a, b, item, "boundary_recall", bs->recall);
    w.estimate(scope, label, a, b, item, "boundary_f1", bs->f1);
  }
  if (d) {
    w.estimate(scope, label, a, b, item, "der", d->der);
    w.estimate(scope, label, a, b, item, "missed", d->missed);
    w.estimate(scope, label, a, b, item, "false_alarm", d->false_alarm);
    w.estimate(scope, label, a, b, item, "confusion", d->confusion);
    w.estimate(scope, label, a, b, item, "jer", d->jer);
  }
}

// 1 - e for gates on error rates.
metrics::Estimate complement(const metrics::Estimate& e) {
  metrics::Estimate c = e;
  if (e.value) c.value = 1 - *e.value;
  if (e.ci_low && e.ci_high) {
    c.ci_low = 1 - *e.ci_high;
    c.ci_high = 1 - *e.ci_low;
  }
  c.lower_bound = -HUGE_VAL;
  c.upper_bound = 1;
  return c;
}

}  // namespace

metrics::MetricMap segment_gate_metrics(const metrics::SegmentResult& r) {
  metrics::MetricMap m;
  m["f1"] = r.overall.f1;
  m["mean_iou"] = r.overall.mean_iou;
  m["boundary_f1"] = r.boundaries.f1;
  m["u_alpha"] = r.u_alpha;
  for (const auto& [k, e] : r.frame_metrics) m["frame_" + k] = e;
  for (const auto& [k, e] : r.clusters.metrics) m[k] = e;
  if (r.diarization) {
    m["diarization_accuracy"] = complement(r.diarization->der);
    m["mean_jaccard"] = complement(r.diarization->jer);
  }
  return m;
}

std::string render_segment_json(const SegmentReport& r) {
  const SegmentSet& set = r.set;
  const auto& res = r.result;
  json out = agree_report_header("segments");
  json summary = json::object();
  summary["items"] = res.items;
  summary["items_compared"] = res.items_compared;
  summary["annotators"] = set.annotators.size();
  summary["annotator_names"] = set.annotators;
  summary["segments"] = res.segments;
  summary["labels"] = set.speakers ? json::array() : json(set.labels);
  summary["speaker_turns"] = set.speakers;
  summary["iou_threshold"] = r.options.iou_threshold;
  summary["collar"] = static_cast<double>(r.options.collar) / 1e6;
  summary["skip_overlap"] = r.options.skip_overlap;
  summary["resolution"] = static_cast<double>(r.options.resolution) / 1e6;
  summary["confidence"] = r.options.confidence;
  summary["bootstrap"] = r.options.bootstrap;
  summary["seed"] = r.options.seed;
  out["summary"] = summary;

  json files = json::array();
  for (std::size_t a = 0; a < set.annotators.size(); ++a) {
    files.push_back({{"annotator", set.annotators[a]}, {"items", res.annotator_items[a]}, {"segments", res.annotator_segments[a]}});
  }
  out["input"] = {{"files", set.files}, {"annotators", files}, {"skipped", skipped_json(set.skipped)}, {"warnings", input_warnings_json(set.warnings)}};

  json overall = json::object();
  put_all(overall, res.overall, res.boundaries, res.diarization);
  out["overall"] = overall;

  json per_label = json::array();
  for (const auto& c : res.labels) {
    json row = {{"label", set.labels[static_cast<std::size_t>(c.category)]}};
    put_matching(row, c.scores);
    per_label.push_back(row);
  }
  out["per_label"] = per_label;

  json per_pair = json::array();
  for (const auto& p : res.pairs) {
    json row = {{"annotator_a", set.annotators[static_cast<std::size_t>(p.annotator_a)]},
                {"annotator_b", set.annotators[static_cast<std::size_t>(p.annotator_b)]},
                {"items", p.items},
                {"items_only_a", p.items_only_a},
                {"items_only_b", p.items_only_b}};
    put_all(row, p.segments, p.boundaries, p.diarization);
    per_pair.push_back(row);
  }
  out["per_pair"] = per_pair;

  if (r.per_item) {
    json per_item = json::array();
    for (const auto& it : res.per_item) {
      json row = {{"item", set.items[it.item]}, {"pairs", it.pairs}};
      put_all(row, it.segments, it.boundaries, it.diarization);
      per_item.push_back(row);
    }
    out["per_item"] = per_item;
  }

  json unitizing = {{"items", res.unitized_items}, {"u_alpha", estimate_json(res.u_alpha)}};
  json labels = json::array();
  for (const auto& ul : res.u_alpha_labels) {
    labels.push_back({{"label", res.unitizing_labels[static_cast<std::size_t>(ul.label)]},
                      {"observed_disagreement", ul.observed},
                      {"expected_disagreement", ul.expected},
                      {"u_alpha", estimate_json(ul.alpha)}});
  }
  unitizing["per_label"] = labels;
  out["unitizing"] = unitizing;

  json frames = {{"frames", res.frames}};
  for (const auto& [k, e] : res.frame_metrics) frames[k] = estimate_json(e);
  out["frames"] = frames;

  const auto& cs = res.clusters;
  json clusters = {{"units", cs.units}, {"nothing", cs.nothing}, {"categories", cs.categories}};
  for (const auto& [k, e] : cs.metrics) clusters[k] = estimate_json(e);
  out["segments"] = clusters;
  return finish_agree_report(out, res.warnings, r.gates);
}

std::string render_segment_csv(const SegmentReport& r) {
  const SegmentSet& set = r.set;
  const auto& res = r.result;
  CsvRows w;
  csv_all(w, "overall", "", "", "", "", res.overall, &res.boundaries, res.diarization);
  for (const auto& c : res.labels) csv_all(w, "label", set.labels[static_cast<std::size_t>(c.category)], "", "", "", c.scores, nullptr, std::nullopt);
  for (const auto& p : res.pairs) {
    const auto& a = set.annotators[static_cast<std::size_t>(p.annotator_a)];
    const auto& b = set.annotators[static_cast<std::size_t>(p.annotator_b)];
    w.count("pair", "", a, b, "", "items", p.items);
    csv_all(w, "pair", "", a, b, "", p.segments, &p.boundaries, p.diarization);
  }
  if (r.per_item) {
    for (const auto& it : res.per_item) csv_all(w, "item", "", "", "", set.items[it.item], it.segments, &it.boundaries, it.diarization);
  }
  w.count("unitizing", "", "", "", "", "items", res.unitized_items);
  w.estimate("unitizing", "", "", "", "", "u_alpha", res.u_alpha);
  for (const auto& ul : res.u_alpha_labels) w.estimate("unitizing", res.unitizing_labels[static_cast<std::size_t>(ul.label)], "", "", "", "u_alpha", ul.alpha);
  w.count("frames", "", "", "", "", "frames", res.frames);
  for (const auto& [k, e] : res.frame_metrics) w.estimate("frames", "", "", "", "", k, e);
  w.count("segments", "", "", "", "", "units", res.clusters.units);
  for (const auto& [k, e] : res.clusters.metrics) w.estimate("segments", "", "", "", "", k, e);
  return w.out;
}

std::string render_segment_text(const SegmentReport& r, bool color) {
  const Style st{color};
  const SegmentSet& set = r.set;
  const auto& res = r.result;
  const int pct = static_cast<int>(r.options.confidence * 100 + 0.5);
  std::string out;
  out += st.bold(set.speakers ? "labelqa agree (speaker turns)" : "labelqa agree (time segments)") + "\n";
  out += fmt::format("recordings {} ({} compared) · annotators {} · segments {} · {} · IoU >= {} · collar {} s\n", res.items, res.items_compared,
                     set.annotators.size(), res.segments, set.speakers ? "speakers per annotator" : fmt::format("labels {}", set.labels.size()),
                     number(r.options.iou_threshold), format_seconds(r.options.collar));
  out += "\n";
  const std::string ci_head = fmt::format("{}% CI", pct);
  auto header = [&](std::string_view first) {
    std::string h = fmt::format("{:<28}{:>8}{:>8}{:>8}  {:>7}  {:<22}{:>8}  {:>10}", first, "matched", "only a", "only b", "f1", ci_head, "iou",
                                "bound. f1");
    if (set.speakers) h += fmt::format("  {:>7}  {:<22}{:>7}", "der", ci_head, "jer");
    return st.bold(h) + "\n";
  };
  auto line = [&](std::string_view first, const metrics::ObjectScores& s, const metrics::BoundaryScores& b,
                  const std::optional<metrics::DiarizationScores>& d) {
    std::string l = fmt::format("{:<28}{:>8}{:>8}{:>8}  {:>7}  {:<22}{:>8}  {:>10}", cell(first, 28), s.counts.matched, s.counts.unmatched_a(),
                                s.counts.unmatched_b(), value_cell(s.f1), ci_cell(s.f1), value_cell(s.mean_iou), value_cell(b.f1));
    if (d) l += fmt::format("  {:>7}  {:<22}{:>7}", value_cell(d->der), ci_cell(d->der), value_cell(d->jer));
    return l + "\n";
  };
  out += header("overall");
  out += line("all pairs", res.overall, res.boundaries, res.diarization);
  if (res.pairs.size() > 1) {
    out += "\n" + header(set.speakers ? "pair (a = reference)" : "pair");
    for (const auto& p : res.pairs) {
      out += line(fmt::format("{} / {}", set.annotators[static_cast<std::size_t>(p.annotator_a)], set.annotators[static_cast<std::size_t>(p.annotator_b)]),
                  p.segments, p.boundaries, p.diarization);
    }
  }
  if (!res.per_item.empty()) {
    out += "\n" + header("worst recordings");
    const std::size_t n = std::min<std::size_t>(5, res.per_item.size());
    std::vector<std::string> names;
    for (std::size_t k = 0; k < n; ++k) names.push_back(set.items[res.per_item[k].item]);
    const auto cells = distinct_cells(names, 28);
    for (std::size_t k = 0; k < n; ++k) out += line(cells[k], res.per_item[k].segments, res.per_item[k].boundaries, res.per_item[k].diarization);
  }
  out += "\n" + st.bold(fmt::format("unitizing alpha over {} recording(s) every annotator delivered", res.unitized_items)) + "\n";
  out += fmt::format("{:<24}{:>8}  {}\n", "u_alpha", value_cell(res.u_alpha), ci_cell(res.u_alpha));
  if (res.u_alpha_labels.size() > 1) {
    for (const auto& ul : res.u_alpha_labels) out += fmt::format("  {:<22}{:>8}\n", cell(res.unitizing_labels[static_cast<std::size_t>(ul.label)], 22), value_cell(ul.alpha));
  }
  out += "\n" + st.bold(fmt::format("frames of {} s as units ({} frames)", format_seconds(r.options.resolution), res.frames)) + "\n";
  for (const auto& [k, e] : res.frame_metrics) out += fmt::format("{:<24}{:>8}\n", k, value_cell(e));
  out += warnings_text(st, res.warnings);
  out += skipped_text(st, set.skipped, set.warnings);
  out += gates_text(st, r.gates);
  return out;
}

}  // namespace labelqa::report
