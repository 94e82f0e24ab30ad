#include "labelqa/report/gold_report.hpp"

#include "shared.hpp"

#include "labelqa/metrics/transcripts.hpp"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <map>

namespace labelqa::report {
namespace {

using metrics::GoldConflict;
using metrics::GoldResult;
using metrics::RuleOutcome;
using metrics::SubjectScores;
using nlohmann::json;

// The scores a terminal table shows, per kind.
std::vector<std::string> headline_metrics(const GoldResult& r) {
  switch (r.kind) {
    case metrics::LabelKind::labels: return {"accuracy", "cohen_kappa", "macro_f1"};
    case metrics::LabelKind::objects: return {"precision", "recall", "f1", "accuracy", "mean_iou"};
    case metrics::LabelKind::masks: return {"pixel_accuracy", "mean_iou"};
    case metrics::LabelKind::spans: break;
    case metrics::LabelKind::segments:
      if (r.vendor.metrics.count("der")) return {"f1", "boundary_f1", "der", "jer"};
      return {"precision", "recall", "f1", "mean_iou", "boundary_f1"};
    case metrics::LabelKind::transcripts: return {"wer", "cer"};
  }
  return {"span_f1_exact", "span_f1_overlap"};
}

std::optional<double> error_rate(const std::optional<metrics::EditCounts>& c) {
  if (!c || c->reference() <= 0) return std::nullopt;
  return static_cast<double>(c->errors()) / static_cast<double>(c->reference());
}

std::string status_of(const GoldReport& rep, int s) {
  return metrics::rule_result_name(s < 0 ? rep.rules.vendor_status : rep.rules.status[static_cast<std::size_t>(s)]);
}

const SubjectScores& subject(const GoldReport& rep, int s) {
  return s < 0 ? rep.result.vendor : rep.result.subjects[static_cast<std::size_t>(s)];
}

// A subject's scores; `full` adds per-class scores and the confusion (never in a vendor report).
json subject_json(const GoldReport& rep, int s, bool full) {
  const SubjectScores& sub = subject(rep, s);
  json j = json::object();
  if (s >= 0) j["annotator"] = sub.name;
  j["gold_items"] = sub.gold_items;
  j["status"] = status_of(rep, s);
  for (const auto& [k, e] : sub.metrics) j[k] = estimate_json(e);
  for (const auto& [k, n] : sub.counts) j[k] = n;
  if (!full) return j;
  json classes = json::array();
  for (const auto& c : sub.per_class) {
    json cj = json::object();
    cj["class"] = c.name;
    for (const auto& [k, e] : c.metrics) cj[k] = estimate_json(e);
    for (const auto& [k, n] : c.counts) cj[k] = n;
    classes.push_back(std::move(cj));
  }
  j["per_class"] = std::move(classes);
  if (!sub.confusion.classes.empty()) j["confusion"] = {{"classes", sub.confusion.classes}, {"counts", sub.confusion.counts}};
  if (!sub.joints.empty()) {
    json joints = json::array();
    for (const auto& jt : sub.joints) {
      const auto& c = jt.scores.counts;
      joints.push_back({{"class", jt.cls},
                        {"keypoint", jt.keypoint},
                        {"keypoints_labelled", c.labelled},
                        {"keypoints_both", c.both},
                        {"keypoints_missed", c.missed},
                        {"keypoints_extra", c.extra},
                        {"pck", estimate_json(jt.scores.pck)},
                        {"mean_distance", estimate_json(jt.scores.mean_distance)},
                        {"mean_normalized_distance", estimate_json(jt.scores.mean_normalized_distance)},
                        {"miss_rate", estimate_json(jt.scores.miss_rate)}});
    }
    j["per_keypoint"] = std::move(joints);
  }
  return j;
}

json conflict_json(const GoldReport& rep, const GoldConflict& c, bool for_vendor) {
  json j = json::object();
  const bool missing = c.type == metrics::ConflictType::missing_annotation;
  j["type"] = metrics::conflict_type_name(c.type);
  j["item"] = rep.result.items[c.item];
  j["annotator"] = rep.result.annotators[static_cast<std::size_t>(c.annotator)];
  if (rep.result.kind == metrics::LabelKind::transcripts) {
    j["line"] = c.line ? json(c.line) : json(nullptr);
    j["text"] = c.cls;
    if (!for_vendor) j["gold_text"] = c.gold_class;
    j["wer"] = optional_number(error_rate(c.words));
    j["cer"] = optional_number(error_rate(c.chars));
    const metrics::EditCounts w = c.words.value_or(metrics::EditCounts{});
    j["substitutions"] = w.substitutions;
    j["deletions"] = w.deletions;
    j["insertions"] = w.insertions;
    j["reference_words"] = w.reference();
    return j;
  }
  if (rep.result.kind == metrics::LabelKind::segments) {
    j["line"] = c.line && !(for_vendor && missing) ? json(c.line) : json(nullptr);
    j["class"] = c.cls.empty() ? json(nullptr) : json(c.cls);
    if (!for_vendor) j["gold_class"] = c.gold_class.empty() ? json(nullptr) : json(c.gold_class);
    j["time"] = c.time ? json(*c.time) : json(nullptr);
    j["iou"] = optional_number(c.iou);
    return j;
  }
  j["annotation"] = c.annotation && !(for_vendor && missing) ? (c.annotation_name.empty() ? json(*c.annotation) : json(c.annotation_name)) : json(nullptr);
  j["class"] = c.cls.empty() ? json(nullptr) : json(c.cls);
  if (!for_vendor) j["gold_class"] = c.gold_class.empty() ? json(nullptr) : json(c.gold_class);
  j["bbox"] = c.bbox ? json(*c.bbox) : json(nullptr);
  j["iou"] = optional_number(c.iou);
  if (rep.result.kind == metrics::LabelKind::spans) j["span"] = c.span ? json(*c.span) : json(nullptr);
  if (c.type == metrics::ConflictType::mismatching_attributes) {
    j["attribute"] = c.attribute;
    j["value"] = c.value;
    if (!for_vendor) j["gold_value"] = c.gold_value;
  }
  if (c.type == metrics::ConflictType::mismatching_groups) {
    auto group = [](const std::string& id) { return id.empty() ? json(nullptr) : json(std::stoll(id)); };  // written from a number
    j["group"] = group(c.value);
    if (!for_vendor) j["gold_group"] = group(c.gold_value);
  }
  if (c.type == metrics::ConflictType::covered_annotation) j["visible"] = optional_number(c.visible);
  return j;
}

json rule_json(const RuleOutcome& o) {
  json j = json::object();
  j["rule"] = o.rule;
  j["metric"] = o.metric;
  j["class"] = o.cls.empty() ? json(nullptr) : json(o.cls);
  j["subject"] = o.subject;
  j["value"] = optional_number(o.value);
  j["point"] = optional_number(o.point);
  j["threshold"] = o.threshold;
  j["compared"] = metrics::gate_on_name(o.compared);
  j["passed"] = o.passed;
  j["outcome"] = metrics::rule_result_name(o.outcome);
  j["gold_items"] = o.gold_items;
  j["needed_items"] = o.needed_items ? json(*o.needed_items) : json(nullptr);
  if (!o.needed_items) j["needed_reason"] = metrics::reason_name(o.needed_reason);
  if (o.undefined_reason != metrics::Reason::none) j["undefined_reason"] = metrics::outcome_reason(o);
  return j;
}

json header(const GoldReport& rep) {
  json out = report_header("gold");
  out["kind"] = metrics::label_kind_name(rep.result.kind);
  return out;
}

int subject_count(const GoldReport& rep) { return static_cast<int>(rep.result.subjects.size()); }

std::string value_text(std::optional<double> v) { return v ? fixed(*v, 4) : std::string("undefined"); }

// One line per failed (or undecided) rule, for the terminal and messages.
std::string outcome_line(const RuleOutcome& o) {
  if (o.outcome == metrics::RuleResult::insufficient) {
    return fmt::format("{} for {}: insufficient ({}; {} gold items)", o.rule, o.subject, metrics::outcome_reason(o), o.gold_items);
  }
  return fmt::format("{} for {}: {} {} {} the minimum {}", o.rule, o.subject, o.compared == metrics::GateOn::ci_low ? "lower bound" : "value",
                     value_text(o.value), o.passed ? "meets" : "is below", number(o.threshold));
}

}  // namespace

std::string render_gold_json(const GoldReport& rep) {
  const GoldResult& r = rep.result;
  json out = header(rep);
  json input = json::object();
  input["delivery"] = rep.delivery_files;
  input["gold"] = rep.gold_file;
  input["skipped"] = skipped_json(rep.skipped);
  input["warnings"] = input_warnings_json(rep.input_warnings);
  out["input"] = std::move(input);
  out["options"] = {{"confidence", rep.options.confidence}, {"bootstrap", rep.options.bootstrap}, {"seed", rep.options.seed},
                    {"iou_threshold", rep.options.iou_threshold}, {"iou_type", metrics::iou_type_name(rep.options.iou_type)},
                    {"low_overlap", rep.options.low_overlap},
                    {"min_items", rep.policy.min_items}, {"compare", rep.policy.compare},
                    {"on_insufficient", rep.policy.insufficient_fails ? "fail" : "warn"}};
  if (r.kind == metrics::LabelKind::segments) {
    out["options"]["iou_type"] = "time";
    out["options"]["collar"] = static_cast<double>(rep.options.collar) / 1e6;
    out["options"]["skip_overlap"] = rep.options.skip_overlap;
  }
  if (r.kind == metrics::LabelKind::transcripts) out["options"]["normalize"] = metrics::normalization_names(rep.options.normalize);
  std::map<std::string, long long> by_type;
  for (const auto& c : r.conflicts) ++by_type[metrics::conflict_type_name(c.type)];
  out["summary"] = {{"gold_items", r.gold_items},
                    {"delivered_items", r.delivered_items},
                    {"gold_missing", static_cast<long long>(r.gold_missing.size())},
                    {"items_without_gold", r.items_without_gold},
                    {"annotators", static_cast<long long>(r.annotators.size())},
                    {"conflicts", by_type},
                    {"passed", !rep.rules.gate_failed}};
  json missing = json::array();
  for (auto i : r.gold_missing) missing.push_back(r.items[i]);
  out["gold_missing_items"] = std::move(missing);
  out["vendor"] = subject_json(rep, -1, true);
  json annotators = json::array();
  for (int s = 0; s < subject_count(rep); ++s) annotators.push_back(subject_json(rep, s, true));
  out["annotators"] = std::move(annotators);
  json conflicts = json::array();
  for (const auto& c : r.conflicts) conflicts.push_back(conflict_json(rep, c, false));
  out["conflicts"] = std::move(conflicts);
  json rules = json::array();
  for (const auto& o : rep.rules.outcomes) rules.push_back(rule_json(o));
  out["rules"] = std::move(rules);
  out["warnings"] = warnings_json(r.warnings);
  return out.dump(2) + "\n";
}

std::string render_vendor_json(const GoldReport& rep, bool items) {
  json out = header(rep);
  out["report"] = "vendor";
  out["passed"] = !rep.rules.gate_failed;
  out["vendor"] = subject_json(rep, -1, false);
  json annotators = json::array();
  for (int s = 0; s < subject_count(rep); ++s) annotators.push_back(subject_json(rep, s, false));
  out["annotators"] = std::move(annotators);
  if (items) {
    json conflicts = json::array();
    for (const auto& c : rep.result.conflicts) conflicts.push_back(conflict_json(rep, c, true));
    out["conflicts"] = std::move(conflicts);
  }
  json rules = json::array();
  for (const auto& o : rep.rules.outcomes) rules.push_back(rule_json(o));
  out["rules"] = std::move(rules);
  return out.dump(2) + "\n";
}

std::string render_gold_csv(const GoldReport& rep) {
  std::string out = "subject,scope,class,metric,value,ci_low,ci_high,ci_method,undefined_reason\n";
  auto est = [&](const std::string& who, const char* scope, const std::string& cls, const std::string& metric, const metrics::Estimate& e) {
    out += fmt::format("{},{},{},{},{},{},{},{},{}\n", csv_cell(who), scope, csv_cell(cls), csv_cell(metric), number(e.value), number(e.ci_low),
                       number(e.ci_high), e.value ? metrics::ci_method_name(e.ci_method) : "", csv_cell(e.value ? "" : metrics::reason_name(e.undefined_reason)));
  };
  auto count = [&](const std::string& who, const char* scope, const std::string& cls, const std::string& metric, long long n) {
    out += fmt::format("{},{},{},{},{},,,,\n", csv_cell(who), scope, csv_cell(cls), csv_cell(metric), n);
  };
  for (int s = -1; s < subject_count(rep); ++s) {
    const SubjectScores& sub = subject(rep, s);
    count(sub.name, "overall", "", "gold_items", sub.gold_items);
    for (const auto& [k, n] : sub.counts) count(sub.name, "overall", "", k, n);
    for (const auto& [k, e] : sub.metrics) est(sub.name, "overall", "", k, e);
    for (const auto& c : sub.per_class) {
      for (const auto& [k, n] : c.counts) count(sub.name, "class", c.name, k, n);
      for (const auto& [k, e] : c.metrics) est(sub.name, "class", c.name, k, e);
    }
    for (const auto& jt : sub.joints) {
      const std::string where = jt.cls + "/" + jt.keypoint;
      count(sub.name, "keypoint", where, "keypoints_labelled", jt.scores.counts.labelled);
      count(sub.name, "keypoint", where, "keypoints_missed", jt.scores.counts.missed);
      count(sub.name, "keypoint", where, "keypoints_extra", jt.scores.counts.extra);
      est(sub.name, "keypoint", where, "pck", jt.scores.pck);
      est(sub.name, "keypoint", where, "mean_distance", jt.scores.mean_distance);
      est(sub.name, "keypoint", where, "mean_normalized_distance", jt.scores.mean_normalized_distance);
      est(sub.name, "keypoint", where, "miss_rate", jt.scores.miss_rate);
    }
  }
  return out;
}

std::string render_conflicts_csv(const GoldReport& rep, bool for_vendor) {
  const metrics::LabelKind kind = rep.result.kind;
  auto who = [&](const GoldConflict& c) {
    return fmt::format("{},{},{}", metrics::conflict_type_name(c.type), csv_cell(rep.result.items[c.item]), csv_cell(rep.result.annotators[static_cast<std::size_t>(c.annotator)]));
  };
  if (kind == metrics::LabelKind::transcripts) {
    std::string out = for_vendor ? "type,item,annotator,line,wer,cer,substitutions,deletions,insertions,reference_words,text\n"
                                 : "type,item,annotator,line,wer,cer,substitutions,deletions,insertions,reference_words,text,gold_text\n";
    for (const auto& c : rep.result.conflicts) {
      const metrics::EditCounts w = c.words.value_or(metrics::EditCounts{});
      out += fmt::format("{},{},{},{},{},{},{},{},{}", who(c), c.line ? std::to_string(c.line) : "", number(error_rate(c.words)), number(error_rate(c.chars)),
                         w.substitutions, w.deletions, w.insertions, w.reference(), csv_cell(c.cls));
      out += for_vendor ? "\n" : "," + csv_cell(c.gold_class) + "\n";
    }
    return out;
  }
  if (kind == metrics::LabelKind::segments) {
    std::string out = for_vendor ? "type,item,annotator,line,class,start,end,iou\n" : "type,item,annotator,line,class,gold_class,start,end,iou\n";
    for (const auto& c : rep.result.conflicts) {
      const bool hide = for_vendor && c.type == metrics::ConflictType::missing_annotation;
      out += fmt::format("{},{},{},", who(c), c.line && !hide ? std::to_string(c.line) : "", csv_cell(c.cls));
      if (!for_vendor) out += csv_cell(c.gold_class) + ",";
      out += fmt::format("{},{},{}\n", c.time ? number((*c.time)[0]) : "", c.time ? number((*c.time)[1]) : "", number(c.iou));
    }
    return out;
  }
  std::string out = for_vendor ? "type,item,annotator,annotation,class,bbox_x,bbox_y,bbox_w,bbox_h,iou,span_start,span_end,attribute,value\n"
                               : "type,item,annotator,annotation,class,gold_class,bbox_x,bbox_y,bbox_w,bbox_h,iou,span_start,span_end,attribute,value,gold_value\n";
  for (const auto& c : rep.result.conflicts) {
    const bool hide_id = for_vendor && c.type == metrics::ConflictType::missing_annotation;
    out += fmt::format("{},{},{},{},{},", metrics::conflict_type_name(c.type), csv_cell(rep.result.items[c.item]), csv_cell(rep.result.annotators[static_cast<std::size_t>(c.annotator)]),
                       c.annotation && !hide_id ? (c.annotation_name.empty() ? std::to_string(*c.annotation) : csv_cell(c.annotation_name)) : "",
                       csv_cell(c.cls));
    if (!for_vendor) out += csv_cell(c.gold_class) + ",";
    for (int k = 0; k < 4; ++k) out += (c.bbox ? number((*c.bbox)[static_cast<std::size_t>(k)]) : "") + ",";
    out += number(c.iou) + ",";
    out += c.span ? fmt::format("{},{}", (*c.span)[0], (*c.span)[1]) : ",";
    out += "," + csv_cell(c.attribute) + "," + (c.visible ? number(c.visible) : csv_cell(c.value));
    if (!for_vendor) out += "," + csv_cell(c.gold_value);
    out += "\n";
  }
  return out;
}

std::string render_gold_text(const GoldReport& rep, bool color) {
  const Style st{color};
  const GoldResult& r = rep.result;
  std::string out = st.bold(fmt::format("labelqa gold ({})", metrics::label_kind_name(r.kind))) + "\n";
  out += fmt::format("{} gold items, {} delivered items; {} gold items scored; {} gold items missing from the delivery; {} delivered items without gold\n",
                     r.gold_items, r.delivered_items, r.vendor.gold_items, r.gold_missing.size(), r.items_without_gold);
  const auto metrics = headline_metrics(r);
  const std::size_t name_w = column_width(r.annotators, 8) - 1;
  out += fmt::format("\n{:<{}}  {:<12}  {:>6}", "subject", name_w, "status", "items");
  for (const auto& m : metrics) out += fmt::format("  {:>24}", m);
  out += "\n";
  for (int s = -1; s < subject_count(rep); ++s) {
    const SubjectScores& sub = subject(rep, s);
    const std::string status = status_of(rep, s);
    const int code = status == "pass" ? 32 : status == "fail" ? 31 : 33;
    out += fmt::format("{:<{}}  {}  {:>6}", cell(sub.name, name_w + 1), name_w, st.colour(fmt::format("{:<12}", status), code), sub.gold_items);
    for (const auto& m : metrics) {
      auto it = sub.metrics.find(m);
      std::string cell = "—";
      if (it != sub.metrics.end() && it->second.value) {
        cell = fixed(*it->second.value);
        if (it->second.ci_low) cell += fmt::format(" [{}, {}]", fixed(*it->second.ci_low), fixed(*it->second.ci_high));
      }
      out += fmt::format("  {:>24}", cell);
    }
    out += "\n";
  }
  if (!r.conflicts.empty()) {
    std::map<std::string, long long> by_type;
    for (const auto& c : r.conflicts) ++by_type[metrics::conflict_type_name(c.type)];
    out += "\nconflicts:";
    for (const auto& [t, n] : by_type) out += fmt::format(" {} {}", t, n);
    out += " (listed in the JSON report and --conflicts)\n";  // flag in report text
  }
  if (!rep.rules.outcomes.empty()) {
    out += "\n";
    for (const auto& o : rep.rules.outcomes) {
      const int code = o.outcome == metrics::RuleResult::pass ? 32 : o.outcome == metrics::RuleResult::fail ? 31 : 33;
      const std::string tag = o.outcome == metrics::RuleResult::pass ? "pass" : o.outcome == metrics::RuleResult::fail ? "FAIL" : "INSUFFICIENT";
      std::string needed;
      if (o.outcome != metrics::RuleResult::pass && o.needed_items) needed = fmt::format("; about {} gold items would tell it from the threshold", *o.needed_items);
      out += fmt::format("{} {}{}\n", st.colour(tag, code), outcome_line(o), needed);
    }
  }
  out += skipped_text(st, rep.skipped, rep.input_warnings);
  out += warnings_text(st, r.warnings);
  return out;
}

std::string render_gold_junit(const GoldReport& rep) {
  long long tests = 0, failures = 0, skipped = 0;
  std::string cases;
  for (const auto& o : rep.rules.outcomes) {
    ++tests;
    cases += fmt::format("    <testcase classname=\"labelqa.gold.{}\" name=\"{} [{}]\" assertions=\"1\">\n", markup_escape(o.subject),
                         markup_escape(o.rule), markup_escape(o.subject));
    const std::string detail = fmt::format("subject={} metric={}{} compared={} value={} threshold={} gold_items={}", o.subject, o.metric,
                                           o.cls.empty() ? "" : " class=" + o.cls, metrics::gate_on_name(o.compared), value_text(o.value), number(o.threshold), o.gold_items);
    if (o.outcome == metrics::RuleResult::fail || (o.outcome == metrics::RuleResult::insufficient && rep.policy.insufficient_fails)) {
      ++failures;
      cases += fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n", markup_escape(outcome_line(o)),
                           o.outcome == metrics::RuleResult::fail ? "below_threshold" : "insufficient", markup_escape(detail));
    } else if (o.outcome == metrics::RuleResult::insufficient) {
      ++skipped;
      cases += fmt::format("      <skipped message=\"{}\"/>\n", markup_escape(outcome_line(o)));
    } else {
      cases += fmt::format("      <system-out>{}</system-out>\n", markup_escape(detail));
    }
    cases += "    </testcase>\n";
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"labelqa gold\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">\n", tests, failures, skipped);
  out += fmt::format("  <testsuite name=\"labelqa gold {}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">\n", markup_escape(metrics::label_kind_name(rep.result.kind)),
                     tests, failures, skipped);
  out += cases;
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

std::string render_gold_markdown(const GoldReport& rep) {
  const GoldResult& r = rep.result;
  std::string out = fmt::format("### labelqa gold ({}): {}\n\n", metrics::label_kind_name(r.kind), rep.rules.gate_failed ? "FAILED" : "passed");
  out += fmt::format("{} gold items, {} scored, {} missing from the delivery.\n\n", r.gold_items, r.vendor.gold_items, r.gold_missing.size());
  const auto metrics = headline_metrics(r);
  out += "| Subject | Status | Gold items |";
  for (const auto& m : metrics) out += fmt::format(" {} |", m);
  out += "\n|---|---|---:|";
  for (std::size_t k = 0; k < metrics.size(); ++k) out += "---:|";
  out += "\n";
  for (int s = -1; s < subject_count(rep); ++s) {
    const SubjectScores& sub = subject(rep, s);
    out += fmt::format("| {} | {} | {} |", md_cell(sub.name), status_of(rep, s), sub.gold_items);
    for (const auto& m : metrics) {
      auto it = sub.metrics.find(m);
      out += fmt::format(" {} |", it != sub.metrics.end() && it->second.value ? fixed(*it->second.value, 4) : "—");
    }
    out += "\n";
  }
  if (!rep.rules.outcomes.empty()) {
    out += "\n| Rule | Subject | Compared | Value | Threshold | Result | Gold items |\n|---|---|---|---:|---:|---|---:|\n";
    for (const auto& o : rep.rules.outcomes) {
      out += fmt::format("| `{}` | {} | {} | {} | {} | {} | {} |\n", md_code(o.rule), md_cell(o.subject), metrics::gate_on_name(o.compared),
                         o.value ? fixed(*o.value, 4) : "—", number(o.threshold), metrics::rule_result_name(o.outcome), o.gold_items);
    }
  }
  return out;
}

std::string render_plan_json(const std::vector<PlanRequest>& plans) {
  json out = report_header("gold");
  out["kind"] = "plan";
  json rows = json::array();
  for (const auto& p : plans) {
    json j = json::object();
    j["metric"] = p.metric;
    j["threshold"] = p.threshold;
    j["expected"] = p.expected;
    j["confidence"] = p.confidence;
    j["power"] = p.power;
    j["compared"] = metrics::gate_on_name(p.compared);
    j["items_at_expected"] = p.plan.items_at_expected ? json(*p.plan.items_at_expected) : json(nullptr);
    j["items_for_power"] = p.plan.items_for_power ? json(*p.plan.items_for_power) : json(nullptr);
    j["pass_items"] = p.plan.pass_items ? json(*p.plan.pass_items) : json(nullptr);
    if (!p.plan.items_for_power) {
      j["undefined_reason"] = p.expected <= p.threshold ? "expected_not_above_threshold" : "more_than_limit";
    }
    rows.push_back(std::move(j));
  }
  out["plans"] = std::move(rows);
  return out.dump(2) + "\n";
}

std::string render_plan_text(const std::vector<PlanRequest>& plans) {
  std::string out;
  for (const auto& p : plans) {
    if (p.compared == metrics::GateOn::value) {
      out += fmt::format("{} >= {} with an expected {}, gating on the value:\n", p.metric, number(p.threshold), number(p.expected));
    } else {
      out += fmt::format("{} >= {} with an expected {}, gating on the lower bound (confidence {}):\n", p.metric, number(p.threshold),
                         number(p.expected), number(p.confidence));
    }
    if (!p.plan.items_for_power) {
      out += p.expected <= p.threshold ? "  the expected value must lie above the threshold\n" : "  more gold items than the search limit\n";
      continue;
    }
    out += fmt::format("  hide at least {} gold items per gated subject: a subject at exactly {} then passes {}% of the time\n",
                       *p.plan.items_for_power, number(p.expected), number(p.power * 100));
    if (p.compared == metrics::GateOn::value) {
      out += fmt::format("  (it passes with {} or more correct of {}; a subject below the threshold can pass a value gate too: "
                         "gate on ci_low to tell them apart)\n",
                         *p.plan.pass_items, *p.plan.items_for_power);
    } else {
      out += fmt::format("  (it passes with {} or more correct of {}; with {} items, an observed {} just reaches the threshold)\n",
                         *p.plan.pass_items, *p.plan.items_for_power, p.plan.items_at_expected ? std::to_string(*p.plan.items_at_expected) : "?",
                         number(p.expected));
    }
  }
  return out;
}

std::vector<CiResult> gold_ci_results(const GoldReport& rep) {
  std::vector<CiResult> out;
  const GoldResult& r = rep.result;
  // The file a subject's labels came from: the delivery file named after it, else the first.
  auto file_of = [&](const std::string& subject) {
    for (const auto& f : rep.delivery_files) {
      if (std::filesystem::path(f).stem().string() == subject) return f;
    }
    return rep.delivery_files.empty() ? std::string() : rep.delivery_files.front();
  };
  for (const auto& o : rep.rules.outcomes) {
    if (o.outcome == metrics::RuleResult::pass) continue;
    CiResult c;
    c.rule = "gate";
    c.error = o.outcome == metrics::RuleResult::fail || rep.rules.gate_failed;
    c.file = file_of(o.subject);
    c.message = fmt::format("{}: rule {} {} ({} {} on {} gold items)", o.subject, o.rule, metrics::rule_result_name(o.outcome),
                            metrics::gate_on_name(o.compared), o.value ? fixed(*o.value, 4) : std::string("undefined"), o.gold_items);
    out.push_back(std::move(c));
  }
  for (const auto& k : r.conflicts) {
    CiResult c;
    c.rule = metrics::conflict_type_name(k.type);
    const std::string& annotator = r.annotators[static_cast<std::size_t>(k.annotator)];
    c.file = file_of(annotator);
    c.item = r.items[k.item];
    if (k.annotation) c.annotation = k.annotation_name.empty() ? std::to_string(*k.annotation) : k.annotation_name;
    if (k.type != metrics::ConflictType::missing_annotation) c.line = k.line;
    const std::string at = k.time ? fmt::format(" at {}-{} s", number((*k.time)[0]), number((*k.time)[1])) : std::string();
    if (k.type == metrics::ConflictType::mismatching_transcript) {
      const metrics::EditCounts w = k.words.value_or(metrics::EditCounts{});
      c.message = fmt::format("{}: transcript differs from gold: WER {} ({} substitutions, {} deletions, {} insertions in {} gold words)", annotator,
                              error_rate(k.words) ? fixed(*error_rate(k.words), 3) : "undefined", w.substitutions, w.deletions, w.insertions, w.reference());
      out.push_back(std::move(c));
      continue;
    }
    std::string what = k.type == metrics::ConflictType::missing_annotation ? fmt::format("gold \"{}\" missing", k.gold_class)
                       : k.type == metrics::ConflictType::extra_annotation ? fmt::format("\"{}\" not in gold", k.cls)
                       : k.type == metrics::ConflictType::mismatching_label ? fmt::format("\"{}\" where gold has \"{}\"", k.cls, k.gold_class)
                                                                            : fmt::format("\"{}\" overlaps gold by IoU {}", k.cls, k.iou ? fixed(*k.iou, 3) : "?");
    c.message = fmt::format("{}: {}{}", annotator, what, at);
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<CiRule> gold_rules() {
  return {{"gate", "A rule of the gold policy that failed or could not be decided"},
          {"missing_annotation", "A gold annotation the annotator did not deliver"},
          {"extra_annotation", "A delivered annotation gold does not have"},
          {"mismatching_label", "A delivered label that differs from gold"},
          {"mismatching_transcript", "A delivered transcript whose words or characters differ from gold"},
          {"low_overlap", "A delivered object matched to gold with an IoU below the policy's low_overlap"}};
}

std::string render_gold_sarif(const GoldReport& rep) {
  std::string out;
  const io::Sink sink = [&out](std::string_view b) { out += b; };
  SarifStream s(sink, gold_rules());
  for (const auto& r : gold_ci_results(rep)) s.add(r);
  s.finish();
  return out;
}

std::string render_gold_codequality(const GoldReport& rep) {
  std::string out;
  const io::Sink sink = [&out](std::string_view b) { out += b; };
  CodeQualityStream s(sink);
  for (const auto& r : gold_ci_results(rep)) s.add(r);
  s.finish();
  return out;
}

}  // namespace labelqa::report
