// `labelqa report` renderers: JSON, CSV, text, pictures, index.html, consensus exports.
#include "labelqa/report/annotator_report.hpp"

#include "shared.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <map>
#include <set>
#include <nlohmann/json.hpp>

namespace labelqa::report {
namespace {

using nlohmann::json;
using metrics::AnnotatorReport;
using metrics::AnnotatorSummary;

json est_value(const std::optional<metrics::Estimate>& e) { return e ? optional_number(e->value) : json(nullptr); }
json est_ci(const std::optional<metrics::Estimate>& e) {
  if (!e || !e->ci_low) return nullptr;
  return json::array({optional_number(e->ci_low), optional_number(e->ci_high)});
}
// "<key>": value, "<key>_ci": [lo, hi] or null, "<key>_undefined_reason" when null.
void put_estimate(json& j, const std::string& key, const std::optional<metrics::Estimate>& e) {
  j[key] = est_value(e);
  j[key + "_ci"] = est_ci(e);
  if (e && !e->value) j[key + "_undefined_reason"] = metrics::reason_name(e->undefined_reason);
}

json time_json(std::int64_t t) { return t == metrics::k_no_timestamp ? json(nullptr) : json(iso_time(t)); }

std::vector<std::vector<double>> row_normalised(const metrics::ClassMatrix& m) {
  std::vector<std::vector<double>> out;
  for (const auto& row : m.counts) {
    long long total = 0;
    for (auto c : row) total += c;
    std::vector<double> r;
    for (auto c : row) r.push_back(total ? static_cast<double>(c) / static_cast<double>(total) : 0.0);
    out.push_back(std::move(r));
  }
  return out;
}

json annotator_json(const AnnotatorReport& rep, const AnnotatorSummary& s) {
  json j = json::object();
  j["annotator"] = s.annotator;
  j["ratings"] = s.ratings;
  j["compared"] = s.compared;
  j["correct"] = s.correct;
  j["gold_items"] = s.gold_items;
  j["consensus_items"] = s.consensus_items;
  put_estimate(j, "accuracy", s.accuracy);
  j["confusion"] = {{"classes", s.confusion.classes}, {"counts", s.confusion.counts}};
  json norm = json::array();
  for (const auto& row : row_normalised(s.confusion)) {
    json r = json::array();
    for (double v : row) r.push_back(v == 0 ? 0.0 : v);
    norm.push_back(r);
  }
  j["confusion_normalized"] = {{"classes", s.confusion.classes}, {"rows", norm}};
  json top = json::array();
  for (const auto& t : s.top_confusions) {
    top.push_back({{"reference_class", t.reference_class}, {"given_class", t.given_class}, {"count", t.count}, {"items", t.items}});
  }
  j["top_confusions"] = top;
  json pc = json::array();
  for (const auto& c : s.per_class) {
    json row = {{"class", c.cls}, {"support", c.support}, {"predicted", c.predicted}, {"correct", c.correct}};
    put_estimate(row, "precision", c.precision);
    put_estimate(row, "recall", c.recall);
    pc.push_back(row);
  }
  j["per_class"] = pc;
  if (rep.kind == metrics::LabelKind::labels) {
    // A row estimated from less than one item's weight (a class the annotator never or hardly saw)
    // says nothing: null, with the weight behind it.
    json ds = json::array();
    for (std::size_t r = 0; r < s.dawid_skene_confusion.size(); ++r) {
      const bool seen = r < s.dawid_skene_weight.size() && s.dawid_skene_weight[r] >= metrics::k_min_row_weight;
      ds.push_back(seen ? json(s.dawid_skene_confusion[r]) : json(nullptr));
    }
    j["dawid_skene_confusion"] = s.dawid_skene_confusion.empty() ? json(nullptr)
                                                                : json{{"classes", rep.classes}, {"counts", ds}, {"weights", s.dawid_skene_weight}};
  } else {
    put_estimate(j, "miss_rate", s.miss_rate);
    put_estimate(j, "extra_rate", s.extra_rate);
    j["mean_iou"] = est_value(s.mean_iou);
    if (s.mean_iou && !s.mean_iou->value) j["mean_iou_undefined_reason"] = metrics::reason_name(s.mean_iou->undefined_reason);
    j["reference_objects"] = s.reference_objects;
    j["matched"] = s.matched;
    j["missed"] = s.missed;
    j["extra"] = s.extra;
    json worst = json::array();
    for (const auto& w : s.worst_items) worst.push_back({{"item", w.item}, {"errors", w.errors}, {"reference_objects", w.reference}});
    j["worst_items"] = worst;
  }
  if (!s.joints.empty()) {
    json joints = json::array();
    for (const auto& jt : s.joints) {
      const auto& c = jt.scores.counts;
      json row = {{"class", jt.cls}, {"keypoint", jt.keypoint}, {"keypoints_labelled", c.labelled}, {"keypoints_both", c.both},
                  {"keypoints_missed", c.missed}, {"keypoints_extra", c.extra}};
      put_estimate(row, "pck", jt.scores.pck);
      put_estimate(row, "mean_distance", jt.scores.mean_distance);
      put_estimate(row, "mean_normalized_distance", jt.scores.mean_normalized_distance);
      put_estimate(row, "miss_rate", jt.scores.miss_rate);
      joints.push_back(std::move(row));
    }
    j["per_keypoint"] = std::move(joints);
  }
  if (!s.attributes.empty()) {
    json attributes = json::array();
    for (const auto& a : s.attributes) {
      json row = {{"attribute", a.name}, {"pairs", a.pairs}};
      put_estimate(row, "accuracy", a.accuracy);
      put_estimate(row, "cohen_kappa", a.kappa);
      row["confusion"] = {{"values", a.confusion.classes}, {"counts", a.confusion.counts}};
      attributes.push_back(std::move(row));
    }
    j["attributes"] = std::move(attributes);
  }
  if (s.polylines) {
    const auto& l = *s.polylines;
    json row = {{"reference", l.reference}, {"given", l.given}, {"matched", l.matched}, {"missed", l.missed}, {"extra", l.extra}};
    put_estimate(row, "miss_rate", l.miss_rate);
    put_estimate(row, "extra_rate", l.extra_rate);
    j["polylines"] = std::move(row);
  }
  json windows = json::array();
  for (const auto& w : s.drift.windows) {
    windows.push_back({{"start_index", w.start_index}, {"end_index", w.end_index}, {"items", w.items}, {"correct", w.correct},
                       {"accuracy", w.accuracy}, {"start_time", time_json(w.start_time)}, {"end_time", time_json(w.end_time)}});
  }
  json cps = json::array();
  for (const auto& c : s.drift.change_points) {
    cps.push_back({{"start_index", c.start_index}, {"start_time", time_json(c.start_time)}, {"before", c.before}, {"after", c.after},
                   {"before_items", c.before_items}, {"after_items", c.after_items}, {"p_value", c.p_value}});
  }
  json drift = {{"order", s.drift.order}, {"windows", windows}, {"change_points", cps}, {"items_per_hour", optional_number(s.drift.items_per_hour)}};
  if (!s.drift.items_per_hour) drift["items_per_hour_undefined_reason"] = metrics::reason_name(s.drift.throughput_undefined_reason);
  j["drift"] = drift;
  return j;
}

std::string picture_path(const Picture& p, const char* ext) { return fmt::format("images/{}.{}", p.name, ext); }

std::string dec(std::optional<double> v) { return v ? fmt::format("{:.4f}", *v) : std::string(); }

std::string pct(std::optional<double> v) { return v ? fmt::format("{:.1f}%", *v * 100) : std::string("—"); }
std::string pct_ci(const std::optional<metrics::Estimate>& e) {
  if (!e || !e->value) return e ? fmt::format("({})", metrics::reason_name(e->undefined_reason)) : "";
  if (!e->ci_low) return "";
  return fmt::format("[{:.1f}, {:.1f}]", *e->ci_low * 100, *e->ci_high * 100);
}

}  // namespace

std::string iso_time(std::int64_t ms) {
  std::int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  const std::int64_t milli = ms - secs * 1000;
  std::int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  std::int64_t rem = secs - days * 86400;
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = yoe + era * 400;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", y, m, d, rem / 3600, rem / 60 % 60, rem % 60, milli);
}

// The annotators who get pictures (a confusion heatmap and a drift chart each): all, or past
// k_max_bars annotators the k_max_bars with the lowest accuracy (undefined last), as the
// comparison chart shows them. Flags in annotator order.
std::vector<char> pictured_annotators(const AnnotatorReport& rep) {
  std::vector<char> pictured(rep.annotators.size(), 1);
  if (rep.annotators.size() <= k_max_bars) return pictured;
  std::vector<std::size_t> order(rep.annotators.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    return rep.annotators[x].accuracy.value.value_or(HUGE_VAL) < rep.annotators[y].accuracy.value.value_or(HUGE_VAL);
  });
  std::fill(pictured.begin(), pictured.end(), 0);
  for (std::size_t k = 0; k < k_max_bars; ++k) pictured[order[k]] = 1;
  return pictured;
}

// A confusion matrix as a heatmap of counts shaded by row share; past k_max_heatmap_side rows, the
// `what`s (classes, values) seen most often as reference or as given, in their order.
Heatmap confusion_heatmap(const metrics::ClassMatrix& m, std::string title, const std::string& what, const std::string& plural) {
  Heatmap h;
  h.title = std::move(title);
  h.row_axis = "reference " + what;
  h.column_axis = "given " + what;
  h.rows = h.columns = m.classes;
  h.shade = row_normalised(m);
  for (const auto& row : m.counts) {
    std::vector<std::string> t;
    for (auto c : row) t.push_back(c ? std::to_string(c) : std::string());
    h.text.push_back(std::move(t));
  }
  if (h.rows.size() <= k_max_heatmap_side) return h;
  const auto& counts = m.counts;
  std::vector<std::pair<long long, std::size_t>> seen;
  for (std::size_t k = 0; k < counts.size(); ++k) {
    long long n = 0;
    for (std::size_t j = 0; j < counts.size(); ++j) n += counts[k][j] + counts[j][k];
    seen.emplace_back(-n, k);
  }
  std::partial_sort(seen.begin(), seen.begin() + static_cast<std::ptrdiff_t>(k_max_heatmap_side), seen.end());
  std::vector<std::size_t> keep;
  for (std::size_t k = 0; k < k_max_heatmap_side; ++k) keep.push_back(seen[k].second);
  std::sort(keep.begin(), keep.end());
  h = heatmap_subset(h, keep);
  h.title += fmt::format(" (the {} most frequent of {} {})", k_max_heatmap_side, counts.size(), plural);
  return h;
}

// Per keypoint, the mean distance from the reference in units of the object's scale (the box
// diagonal), the joints with the largest error flagged: which joint annotators place worst.
Picture joint_chart(const AnnotatorSummary& s, const std::string& stem) {
  std::vector<const metrics::GoldJoint*> joints;
  for (const auto& jt : s.joints) joints.push_back(&jt);
  const bool classes = std::any_of(joints.begin(), joints.end(), [&](const auto* jt) { return jt->cls != joints.front()->cls; });
  BarChart b;
  b.title = fmt::format("{}: mean normalised distance per keypoint (orange: the worst)", s.annotator);
  if (joints.size() > k_max_bars) {
    const std::size_t total = joints.size();
    std::stable_sort(joints.begin(), joints.end(), [](const auto* x, const auto* y) {
      return x->scores.mean_normalized_distance.value.value_or(-1.0) > y->scores.mean_normalized_distance.value.value_or(-1.0);
    });
    joints.resize(k_max_bars);
    b.title += fmt::format(" (the {} worst of {} keypoints)", k_max_bars, total);
  }
  double worst = -1;
  for (const auto* jt : joints) worst = std::max(worst, jt->scores.mean_normalized_distance.value.value_or(-1.0));
  b.axis = "mean distance / box diagonal";
  for (const auto* jt : joints) {
    b.labels.push_back(classes ? fmt::format("{}/{}", jt->cls, jt->keypoint) : jt->keypoint);
    const auto& e = jt->scores.mean_normalized_distance;
    b.values.push_back(e.value.value_or(NAN));
    b.low.push_back(e.ci_low.value_or(NAN));
    b.high.push_back(e.ci_high.value_or(NAN));
    b.flagged.push_back(worst > 0 && e.value && *e.value == worst);
  }
  return {fmt::format("joints_{}", stem), b.title, "joints", s.annotator, draw_bars(b, ImageFormat::png), draw_bars(b, ImageFormat::svg)};
}

std::vector<Picture> report_pictures(const AnnotatorReport& rep) {
  std::vector<Picture> out;
  const std::string what = rep.kind == metrics::LabelKind::labels ? "labels" : "objects";
  std::set<std::string> taken;  // names that differ only in characters a file name cannot hold
  const std::vector<char> pictured = pictured_annotators(rep);
  for (std::size_t index = 0; index < rep.annotators.size(); ++index) {
    const auto& s = rep.annotators[index];
    if (!pictured[index]) continue;
    std::string stem = slug(s.annotator);
    for (int k = 2; taken.count(stem); ++k) stem = fmt::format("{}_{}", slug(s.annotator), k);
    taken.insert(stem);
    const Heatmap h = confusion_heatmap(s.confusion, fmt::format("{}: confusion against {} ({} {})", s.annotator, rep.reference, s.compared, what),
                                        "class", "classes");
    Picture p{fmt::format("confusion_{}", stem), h.title, "confusion", s.annotator, draw_heatmap(h, ImageFormat::png),
              draw_heatmap(h, ImageFormat::svg)};
    out.push_back(std::move(p));

    if (!s.joints.empty()) out.push_back(joint_chart(s, stem));
    for (std::size_t a = 0; a < s.attributes.size(); ++a) {
      const auto& at = s.attributes[a];
      const Heatmap ah =
          confusion_heatmap(at.confusion, fmt::format("{}: attribute {} against {} ({} valid pairs)", s.annotator, at.name, rep.reference, at.pairs), "value",
                            "values");
      out.push_back({fmt::format("attribute_{}_{}", stem, a + 1), ah.title, "attribute_confusion", s.annotator, draw_heatmap(ah, ImageFormat::png),
                     draw_heatmap(ah, ImageFormat::svg)});
    }

    LineChart l;
    l.title = fmt::format("{}: accuracy per window ({} order)", s.annotator, s.drift.order);
    l.x_axis = rep.kind == metrics::LabelKind::labels ? "position in the annotator's work (labels)" : "position in the annotator's work (reference objects)";
    l.y_axis = "accuracy";
    for (const auto& w : s.drift.windows) {
      l.x.push_back(static_cast<double>(w.start_index + w.end_index) / 2);
      l.y.push_back(w.accuracy);
    }
    l.x_min = 0;
    l.x_max = s.drift.windows.empty() ? 1.0 : static_cast<double>(s.drift.windows.back().end_index);
    for (const auto& c : s.drift.change_points) {
      l.marks.push_back(static_cast<double>(c.start_index));
      l.mark_labels.push_back(fmt::format("drop at {}: {:.2f} -> {:.2f}", c.start_index, c.before, c.after));
    }
    out.push_back({fmt::format("drift_{}", stem), l.title, "drift", s.annotator, draw_lines(l, ImageFormat::png),
                   draw_lines(l, ImageFormat::svg)});
  }
  std::map<std::string, std::vector<const metrics::RankEntry*>> by_score;
  for (const auto& r : rep.ranking) by_score[r.score].push_back(&r);
  for (auto [score, entries] : by_score) {
    BarChart b;
    b.title = fmt::format("{} by annotator, with {} intervals (orange: below the group)", score, "Wilson");
    if (entries.size() > k_max_bars) {
      // The lowest scores (undefined ones last), in the ranking's order.
      const std::size_t total = entries.size();
      std::vector<const metrics::RankEntry*> lowest = entries;
      std::stable_sort(lowest.begin(), lowest.end(), [](const metrics::RankEntry* x, const metrics::RankEntry* y) {
        return x->value.value.value_or(HUGE_VAL) < y->value.value.value_or(HUGE_VAL);
      });
      lowest.resize(k_max_bars);
      const std::set<const metrics::RankEntry*> kept(lowest.begin(), lowest.end());
      std::erase_if(entries, [&](const metrics::RankEntry* e) { return !kept.count(e); });
      b.title += fmt::format(" (the {} lowest of {} annotators)", k_max_bars, total);
    }
    b.axis = score;
    for (const auto* e : entries) {
      b.labels.push_back(e->annotator);
      b.values.push_back(e->value.value.value_or(NAN));
      b.low.push_back(e->value.ci_low.value_or(NAN));
      b.high.push_back(e->value.ci_high.value_or(NAN));
      b.flagged.push_back(e->below_group);
    }
    out.push_back({fmt::format("comparison_{}", score), b.title, "comparison", "", draw_bars(b, ImageFormat::png), draw_bars(b, ImageFormat::svg)});
  }
  std::sort(out.begin(), out.end(), [](const Picture& x, const Picture& y) { return x.name < y.name; });
  return out;
}

std::string render_report_json(const AnnotatorReportInput& in, const std::vector<Picture>& pictures) {
  const auto& rep = in.report;
  json out = report_header("report");
  out["kind"] = metrics::label_kind_name(rep.kind);
  out["reference"] = rep.reference;
  out["consensus_method"] = rep.consensus_method;
  out["inputs"] = in.inputs;
  out["input"] = {{"skipped", skipped_json(in.skipped)}, {"warnings", input_warnings_json(in.input_warnings)}};
  out["gold"] = in.gold.empty() ? json(nullptr) : json(in.gold);
  out["items"] = rep.items;
  out["gold_items"] = rep.gold_items;
  out["consensus_items"] = rep.consensus_items;
  out["tied_items"] = rep.tied.size();
  out["tied"] = rep.tied;
  out["classes"] = rep.classes;
  if (rep.kind == metrics::LabelKind::labels) {
    json priors = json::object();
    for (std::size_t k = 0; k < rep.ds_priors.size() && k < rep.classes.size(); ++k) priors[rep.classes[k]] = rep.ds_priors[k];
    out["dawid_skene"] = rep.ds_run ? json{{"iterations", rep.ds_iterations}, {"converged", rep.ds_converged}, {"log_likelihood", rep.ds_log_likelihood}, {"priors", priors}}
                                    : json(nullptr);
  }
  json ann = json::array();
  for (const auto& s : rep.annotators) ann.push_back(annotator_json(rep, s));
  out["annotators"] = ann;
  json ranking = json::array();
  for (const auto& r : rep.ranking) {
    json row = {{"score", r.score}, {"annotator", r.annotator}, {"rank", r.rank}, {"group", optional_number(r.group)},
                {"p_value", optional_number(r.p_value)}, {"below_group", r.below_group}};
    put_estimate(row, "value", r.value);
    ranking.push_back(row);
  }
  out["ranking"] = ranking;
  const auto& o = in.options;
  out["options"] = {{"consensus", o.consensus}, {"confidence", o.confidence}, {"alpha", o.alpha}, {"seed", o.seed}, {"break_ties", o.break_ties},
                    {"window_items", o.drift.window_millis > 0 ? json(nullptr) : json(o.drift.window_items)},
                    {"window_seconds", o.drift.window_millis > 0 ? json(static_cast<double>(o.drift.window_millis) / 1000) : json(nullptr)},
                    {"change_alpha", o.drift.alpha}, {"min_drop", o.drift.min_drop}, {"min_segment", o.drift.min_segment}};
  if (rep.kind == metrics::LabelKind::objects) {
    out["options"]["iou_threshold"] = o.iou_threshold;
    out["options"]["iou_type"] = metrics::iou_type_name(o.iou_type);
  }
  if (in.with_consensus) {
    json cons = json::array();
    for (const auto& c : rep.consensus) cons.push_back({{"item", c.item}, {"label", c.label}, {"confidence", c.confidence}});
    for (const auto& c : rep.consensus_objects) {
      cons.push_back({{"item", c.image}, {"label", c.label}, {"confidence", c.confidence}, {"bbox", c.bbox}});
    }
    out["consensus"] = cons;
  }
  json pics = json::array();
  for (const auto& p : pictures) {
    pics.push_back({{"name", p.name}, {"kind", p.kind}, {"annotator", p.annotator.empty() ? json(nullptr) : json(p.annotator)},
                    {"png", picture_path(p, "png")}, {"svg", picture_path(p, "svg")}});
  }
  out["pictures"] = pics;
  out["warnings"] = rep.warnings;
  return out.dump(2) + "\n";
}

std::string render_report_csv(const AnnotatorReportInput& in) {
  const auto& rep = in.report;
  std::string out = "annotator,section,metric,reference_class,given_class,index,value,ci_low,ci_high,count\n";
  auto row = [&](const std::string& a, const char* section, const std::string& metric, const std::string& rc, const std::string& gc,
                 const std::string& index, std::optional<double> v, std::optional<double> lo, std::optional<double> hi, const std::string& count) {
    out += fmt::format("{},{},{},{},{},{},{},{},{},{}\n", csv_cell(a), section, csv_cell(metric), csv_cell(rc), csv_cell(gc), index, number(v), number(lo),
                       number(hi), count);
  };
  auto est = [&](const std::string& a, const char* section, const std::string& metric, const std::string& cls, const std::optional<metrics::Estimate>& e,
                 const std::string& count) {
    if (!e) return;
    row(a, section, metric, cls, "", "", e->value, e->ci_low, e->ci_high, count);
  };
  for (const auto& s : rep.annotators) {
    est(s.annotator, "overall", "accuracy", "", s.accuracy, std::to_string(s.compared));
    est(s.annotator, "overall", "miss_rate", "", s.miss_rate, rep.kind == metrics::LabelKind::objects ? std::to_string(s.reference_objects) : "");
    est(s.annotator, "overall", "extra_rate", "", s.extra_rate, rep.kind == metrics::LabelKind::objects ? std::to_string(s.ratings) : "");
    est(s.annotator, "overall", "mean_iou", "", s.mean_iou, rep.kind == metrics::LabelKind::objects ? std::to_string(s.matched) : "");
    if (s.drift.items_per_hour) row(s.annotator, "overall", "items_per_hour", "", "", "", s.drift.items_per_hour, {}, {}, "");
    for (const auto& c : s.per_class) {
      est(s.annotator, "class", "precision", c.cls, c.precision, std::to_string(c.predicted));
      est(s.annotator, "class", "recall", c.cls, c.recall, std::to_string(c.support));
    }
    for (std::size_t r = 0; r < s.confusion.counts.size(); ++r) {
      for (std::size_t c = 0; c < s.confusion.counts[r].size(); ++c) {
        if (!s.confusion.counts[r][c]) continue;
        row(s.annotator, "confusion", "count", s.confusion.classes[r], s.confusion.classes[c], "", {}, {}, {}, std::to_string(s.confusion.counts[r][c]));
      }
    }
    for (std::size_t r = 0; r < s.dawid_skene_confusion.size(); ++r) {
      if (r < s.dawid_skene_weight.size() && s.dawid_skene_weight[r] < metrics::k_min_row_weight) continue;
      for (std::size_t c = 0; c < s.dawid_skene_confusion[r].size(); ++c) {
        row(s.annotator, "dawid_skene", "probability", rep.classes[r], rep.classes[c], "", s.dawid_skene_confusion[r][c], {}, {}, "");
      }
    }
    for (const auto& jt : s.joints) {
      const std::string where = fmt::format("{}/{}", jt.cls, jt.keypoint);
      const std::string labelled = std::to_string(jt.scores.counts.labelled);
      est(s.annotator, "keypoint", "pck", where, jt.scores.pck, labelled);
      est(s.annotator, "keypoint", "mean_distance", where, jt.scores.mean_distance, labelled);
      est(s.annotator, "keypoint", "mean_normalized_distance", where, jt.scores.mean_normalized_distance, labelled);
      est(s.annotator, "keypoint", "miss_rate", where, jt.scores.miss_rate, labelled);
    }
    for (const auto& a : s.attributes) {
      est(s.annotator, "attribute", "accuracy", a.name, a.accuracy, std::to_string(a.pairs));
      est(s.annotator, "attribute", "cohen_kappa", a.name, a.kappa, std::to_string(a.pairs));
      for (std::size_t r = 0; r < a.confusion.counts.size(); ++r) {
        for (std::size_t c = 0; c < a.confusion.counts[r].size(); ++c) {
          if (!a.confusion.counts[r][c]) continue;
          row(s.annotator, "attribute_confusion", a.name, a.confusion.classes[r], a.confusion.classes[c], "", {}, {}, {},
              std::to_string(a.confusion.counts[r][c]));
        }
      }
    }
    if (s.polylines) {
      est(s.annotator, "polylines", "miss_rate", "", s.polylines->miss_rate, std::to_string(s.polylines->reference));
      est(s.annotator, "polylines", "extra_rate", "", s.polylines->extra_rate, std::to_string(s.polylines->given));
    }
    for (const auto& w : s.drift.windows) {
      row(s.annotator, "drift_window", "accuracy", "", "", std::to_string(w.start_index), w.accuracy, {}, {}, std::to_string(w.items));
    }
    for (const auto& c : s.drift.change_points) {
      row(s.annotator, "change_point", "after", "", "", std::to_string(c.start_index), c.after, {}, {}, std::to_string(c.after_items));
    }
  }
  for (const auto& r : rep.ranking) {
    row(r.annotator, "ranking", r.score, "", "", std::to_string(r.rank), r.value.value, r.value.ci_low, r.value.ci_high, "");
  }
  return out;
}

std::string render_report_text(const AnnotatorReportInput& in, bool color) {
  const auto& rep = in.report;
  const Style st{color};
  std::string out;
  out += st.bold(fmt::format("labelqa report: {} of {} annotator(s) against {}", metrics::label_kind_name(rep.kind), rep.annotators.size(),
                             rep.reference == "gold" ? "gold" : fmt::format("a {} consensus", rep.reference)));
  out += fmt::format("\n{} items ({} with gold, {} with a consensus reference)\n", rep.items, rep.gold_items, rep.consensus_items);
  if (!rep.tied.empty()) {
    out += fmt::format("{} item{} tied: the annotators split evenly, so there is no consensus; left out of every error rate\n", rep.tied.size(),
                       rep.tied.size() == 1 ? "" : "s");
  }
  if (rep.kind == metrics::LabelKind::labels) {
    out += rep.ds_run ? fmt::format("Dawid-Skene: {} iterations, {}\n", rep.ds_iterations, rep.ds_converged ? "converged" : "not converged")
                      : std::string("Dawid-Skene: not run (too many classes, see the warning)\n");
  }
  out += "\n";
  const bool objects = rep.kind == metrics::LabelKind::objects;
  std::vector<std::string> names;
  for (const auto& s : rep.annotators) names.push_back(s.annotator + " *");
  const std::size_t nw = column_width(names, 21) - 1;
  out += fmt::format("{:<{}} {:>8} {:>9} {:>16}{}  {}\n", "annotator", nw, objects ? "objects" : "labels", objects ? "recall" : "accuracy", "interval",
                     objects ? fmt::format(" {:>9} {:>9} {:>8}", "miss", "extra", "IoU") : std::string(), "drift");
  std::map<std::string, const metrics::RankEntry*> rank;
  for (const auto& r : rep.ranking) rank[r.annotator] = &r;
  for (const auto& s : rep.annotators) {
    const auto* r = rank.count(s.annotator) ? rank[s.annotator] : nullptr;
    const metrics::Estimate& main = objects && r ? r->value : s.accuracy;
    std::string drift = s.drift.change_points.empty() ? std::string("stable") : std::string();
    for (const auto& c : s.drift.change_points) {
      drift += fmt::format("{}drop at {} ({:.2f} -> {:.2f}, p={:.1e})", drift.empty() ? "" : "; ", c.start_index, c.before, c.after, c.p_value);
    }
    std::string name = cell(s.annotator, nw - 1);
    if (r && r->below_group) name = st.colour(fmt::format("{:<{}}", name + " *", nw), 31);
    else name = fmt::format("{:<{}}", name, nw);
    out += fmt::format("{} {:>8} {:>9} {:>16}{}  {}\n", name, s.ratings, pct(main.value), pct_ci(main),
                       objects ? fmt::format(" {:>9} {:>9} {:>8}", pct(s.miss_rate ? s.miss_rate->value : std::nullopt),
                                             pct(s.extra_rate ? s.extra_rate->value : std::nullopt),
                                             s.mean_iou && s.mean_iou->value ? fixed(*s.mean_iou->value) : std::string("—"))
                               : std::string(),
                       s.drift.change_points.empty() ? drift : st.colour(drift, 33));
  }
  bool any_below = false;
  for (const auto& r : rep.ranking) any_below = any_below || r.below_group;
  if (any_below) out += fmt::format("* significantly below the rest of the group (one-sided p < {})\n", in.options.alpha);
  out += "\nTop confusions (reference -> given):\n";
  for (const auto& s : rep.annotators) {
    if (s.top_confusions.empty()) continue;
    std::string line;
    for (std::size_t k = 0; k < s.top_confusions.size() && k < 3; ++k) {
      const auto& t = s.top_confusions[k];
      line += fmt::format("{}{} -> {} x{}", k ? ", " : "", escaped(t.reference_class), escaped(t.given_class), t.count);
    }
    out += fmt::format("  {:<{}} {}\n", cell(s.annotator, nw - 2), nw - 2, line);
  }
  for (const auto& w : rep.warnings) out += st.colour("warning: ", 33) + w + "\n";
  out += skipped_text(st, in.skipped, in.input_warnings);
  return out;
}

std::string render_report_html(const AnnotatorReportInput& in, const std::vector<Picture>& pictures) {
  const auto& rep = in.report;
  const bool objects = rep.kind == metrics::LabelKind::objects;
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<title>labelqa report</title>\n<style>\n"
       "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:24px auto;max-width:1200px;color:#1a1a1a;padding:0 16px}\n"
       "h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:15px}\n"
       "table{border-collapse:collapse;margin:8px 0 16px}th,td{border:1px solid #ccc;padding:4px 8px;text-align:right;font-size:13px}\n"
       "th{background:#f2f4f7;cursor:pointer;user-select:none}th.sorted-asc::after{content:' \\25B2'}th.sorted-desc::after{content:' \\25BC'}\n"
       "td.name,th.name{text-align:left}tr.flag td{background:#fde8e3}.muted{color:#666;font-size:13px}\n"
       "img{max-width:100%;height:auto;border:1px solid #eee;margin:6px 0}.pics{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}\n"
       "</style>\n</head>\n<body>\n";
  h += fmt::format("<h1>labelqa report: {} against {}</h1>\n", markup_escape(metrics::label_kind_name(rep.kind)),
                   markup_escape(rep.reference == "gold" ? std::string("gold") : rep.reference + " consensus"));
  std::vector<std::string> inputs;
  for (const auto& f : in.inputs) inputs.push_back(markup_escape(f));
  h += fmt::format("<p class=\"muted\">Inputs: {}{}. {} items: {} with gold, {} with a consensus reference.{}</p>\n", fmt::join(inputs, ", "),
                   in.gold.empty() ? std::string() : fmt::format("; gold: {}", markup_escape(in.gold)), rep.items, rep.gold_items, rep.consensus_items,
                   rep.kind == metrics::LabelKind::labels ? (rep.ds_run ? fmt::format(" Dawid&ndash;Skene: {} iterations, {}.", rep.ds_iterations, rep.ds_converged ? "converged" : "not converged")
                                                                       : std::string(" Dawid&ndash;Skene: not run (too many classes)."))
                                        : std::string());
  std::map<std::string, const metrics::RankEntry*> rank;
  for (const auto& r : rep.ranking) rank[r.annotator] = &r;
  h += "<h2>Summary</h2>\n<table class=\"sortable\">\n<thead><tr><th class=\"name\">annotator</th><th>";
  h += objects ? "objects" : "labels";
  h += "</th><th>compared</th>";
  h += objects ? "<th>recall</th><th>miss rate</th><th>extra rate</th><th>mean IoU</th>" : "<th>accuracy</th><th>95% interval</th>";
  h += "<th>rank</th><th>below group</th><th>change points</th><th>items per hour</th></tr></thead>\n<tbody>\n";
  for (const auto& s : rep.annotators) {
    const auto* r = rank.count(s.annotator) ? rank[s.annotator] : nullptr;
    h += fmt::format("<tr{}><td class=\"name\">{}</td><td>{}</td><td>{}</td>", r && r->below_group ? " class=\"flag\"" : "", markup_escape(s.annotator), s.ratings,
                     s.compared);
    if (objects) {
      h += fmt::format("<td>{}</td><td>{}</td><td>{}</td><td>{}</td>", r ? dec(r->value.value) : "", dec(s.miss_rate ? s.miss_rate->value : std::nullopt),
                       dec(s.extra_rate ? s.extra_rate->value : std::nullopt), dec(s.mean_iou ? s.mean_iou->value : std::nullopt));
    } else {
      h += fmt::format("<td>{}</td><td>{}</td>", dec(s.accuracy.value), markup_escape(pct_ci(s.accuracy)));
    }
    h += fmt::format("<td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", r ? std::to_string(r->rank) : "", r && r->below_group ? "yes" : "no",
                     s.drift.change_points.size(), s.drift.items_per_hour ? fmt::format("{:.1f}", *s.drift.items_per_hour) : std::string());
  }
  h += "</tbody>\n</table>\n";
  auto image = [&](const Picture& p) {
    return fmt::format("<figure><img src=\"data:image/png;base64,{}\" alt=\"{}\"><figcaption class=\"muted\">{}</figcaption></figure>\n", base64(p.png),
                       markup_escape(p.title), markup_escape(p.title));
  };
  for (const auto& p : pictures) {
    if (p.kind == "comparison") h += image(p);
  }
  std::map<std::string, std::vector<const Picture*>> pictures_of;
  for (const auto& p : pictures) pictures_of[p.annotator].push_back(&p);
  const std::vector<char> pictured = pictured_annotators(rep);
  for (std::size_t index = 0; index < rep.annotators.size(); ++index) {
    const auto& s = rep.annotators[index];
    h += fmt::format("<h2>{}</h2>\n", markup_escape(s.annotator));
    if (!pictured[index]) {
      h += fmt::format("<p class=\"muted\">No pictures: they are drawn for the {} annotators (of {}) with the lowest accuracy; every number is below "
                       "and in report.json.</p>\n",
                       k_max_bars, rep.annotators.size());
    }
    h += "<div class=\"pics\">\n";
    if (const auto it = pictures_of.find(s.annotator); it != pictures_of.end()) {
      for (const Picture* p : it->second) h += image(*p);
    }
    h += "</div>\n";
    if (!s.top_confusions.empty()) {
      h += "<h3>Top confusions</h3>\n<table class=\"sortable\"><thead><tr><th class=\"name\">reference class</th><th class=\"name\">given class</th>"
           "<th>count</th><th class=\"name\">example items</th></tr></thead><tbody>\n";
      for (const auto& t : s.top_confusions) {
        std::vector<std::string> items;
        for (const auto& i : t.items) items.push_back(markup_escape(i));
        h += fmt::format("<tr><td class=\"name\">{}</td><td class=\"name\">{}</td><td>{}</td><td class=\"name\">{}</td></tr>\n", markup_escape(t.reference_class),
                         markup_escape(t.given_class), t.count, fmt::join(items, ", "));
      }
      h += "</tbody></table>\n";
    }
    h += "<h3>Per class</h3>\n<table class=\"sortable\"><thead><tr><th class=\"name\">class</th><th>support</th><th>given</th><th>correct</th>"
         "<th>precision</th><th>recall</th></tr></thead><tbody>\n";
    for (const auto& c : s.per_class) {
      h += fmt::format("<tr><td class=\"name\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", markup_escape(c.cls), c.support, c.predicted,
                       c.correct, dec(c.precision.value), dec(c.recall.value));
    }
    h += "</tbody></table>\n";
    if (!s.joints.empty()) {
      h += "<h3>Per keypoint</h3>\n<table class=\"sortable\"><thead><tr><th class=\"name\">class</th><th class=\"name\">keypoint</th><th>labelled</th>"
           "<th>missed</th><th>miss rate</th><th>PCK</th><th>mean distance (px)</th><th>mean normalised distance</th></tr></thead><tbody>\n";
      for (const auto& jt : s.joints) {
        h += fmt::format("<tr><td class=\"name\">{}</td><td class=\"name\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                         markup_escape(jt.cls), markup_escape(jt.keypoint), jt.scores.counts.labelled, jt.scores.counts.missed, dec(jt.scores.miss_rate.value),
                         dec(jt.scores.pck.value), dec(jt.scores.mean_distance.value), dec(jt.scores.mean_normalized_distance.value));
      }
      h += "</tbody></table>\n";
    }
    if (!s.attributes.empty()) {
      h += "<h3>Attributes</h3>\n<table class=\"sortable\"><thead><tr><th class=\"name\">attribute</th><th>valid pairs</th><th>accuracy</th>"
           "<th>95% interval</th><th>Cohen's kappa</th></tr></thead><tbody>\n";
      for (const auto& a : s.attributes) {
        h += fmt::format("<tr><td class=\"name\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", markup_escape(a.name), a.pairs, dec(a.accuracy.value),
                         markup_escape(pct_ci(a.accuracy)), dec(a.kappa.value));
      }
      h += "</tbody></table>\n";
    }
    if (s.polylines) {
      const auto& l = *s.polylines;
      h += fmt::format("<h3>Polylines</h3>\n<p>{} reference polylines, {} given: {} missed (miss rate {} {}), {} extra (extra rate {} {}).</p>\n", l.reference,
                       l.given, l.missed, dec(l.miss_rate.value), markup_escape(pct_ci(l.miss_rate)), l.extra, dec(l.extra_rate.value),
                       markup_escape(pct_ci(l.extra_rate)));
    }
    if (!s.worst_items.empty()) {
      h += "<h3>Worst items</h3>\n<table class=\"sortable\"><thead><tr><th class=\"name\">item</th><th>errors</th><th>reference objects</th></tr></thead><tbody>\n";
      for (const auto& w : s.worst_items) {
        h += fmt::format("<tr><td class=\"name\">{}</td><td>{}</td><td>{}</td></tr>\n", markup_escape(w.item), w.errors, w.reference);
      }
      h += "</tbody></table>\n";
    }
    for (const auto& c : s.drift.change_points) {
      h += fmt::format("<p>Accuracy drops at position {}{}: {:.3f} before, {:.3f} after (p = {:.2g}).</p>\n", c.start_index,
                       c.start_time == metrics::k_no_timestamp ? std::string() : " (" + iso_time(c.start_time) + ")", c.before, c.after, c.p_value);
    }
  }
  for (const auto& w : rep.warnings) h += fmt::format("<p class=\"muted\">warning: {}</p>\n", markup_escape(w));
  // Sortable tables: a click on a header sorts by that column (numbers numerically).
  h += "<script>\n"
       "document.querySelectorAll('table.sortable').forEach(function (table) {\n"
       "  table.querySelectorAll('th').forEach(function (th, col) {\n"
       "    th.addEventListener('click', function () {\n"
       "      var body = table.tBodies[0];\n"
       "      var asc = !th.classList.contains('sorted-asc');\n"
       "      table.querySelectorAll('th').forEach(function (o) { o.classList.remove('sorted-asc', 'sorted-desc'); });\n"
       "      th.classList.add(asc ? 'sorted-asc' : 'sorted-desc');\n"
       "      var rows = Array.prototype.slice.call(body.rows);\n"
       "      rows.sort(function (a, b) {\n"
       "        var x = a.cells[col].textContent, y = b.cells[col].textContent;\n"
       "        var nx = parseFloat(x), ny = parseFloat(y);\n"
       "        var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);\n"
       "        return asc ? c : -c;\n"
       "      });\n"
       "      rows.forEach(function (r) { body.appendChild(r); });\n"
       "    });\n"
       "  });\n"
       "});\n"
       "</script>\n</body>\n</html>\n";
  return h;
}

std::string render_consensus_csv(const AnnotatorReport& rep) {
  std::string out = "item,label,confidence\n";
  for (const auto& c : rep.consensus) out += fmt::format("{},{},{}\n", csv_cell(c.item), csv_cell(c.label), number(c.confidence));
  return out;
}

std::string render_consensus_jsonl(const AnnotatorReport& rep) {
  std::string out;
  for (const auto& c : rep.consensus) out += json{{"item", c.item}, {"label", c.label}, {"confidence", c.confidence}}.dump() + "\n";
  return out;
}

std::string render_consensus_coco(const AnnotatorReport& rep, const ObjectSet& set) {
  json images = json::array(), categories = json::array(), annotations = json::array();
  for (std::size_t i = 0; i < set.images.size(); ++i) {
    json img = {{"id", i + 1}, {"file_name", set.images[i].name}};
    if (set.images[i].width) img["width"] = set.images[i].width;
    if (set.images[i].height) img["height"] = set.images[i].height;
    images.push_back(img);
  }
  for (std::size_t c = 0; c < set.categories.size(); ++c) categories.push_back({{"id", c + 1}, {"name", set.categories[c]}});
  std::size_t id = 1;
  for (const auto& o : rep.consensus_objects) {
    const auto c = static_cast<std::size_t>(std::find(set.categories.begin(), set.categories.end(), o.label) - set.categories.begin());
    annotations.push_back({{"id", id++}, {"image_id", o.image_index + 1}, {"category_id", c + 1}, {"bbox", o.bbox}, {"area", o.bbox[2] * o.bbox[3]},
                           {"iscrowd", 0}, {"score", o.confidence}});
  }
  json out = {{"images", images}, {"categories", categories}, {"annotations", annotations},
              {"info", {{"description", "consensus objects written by labelqa report"}, {"version", LABELQA_VERSION}}}};
  return out.dump(1) + "\n";
}

}  // namespace labelqa::report
