#include "labelqa/report/agree_report.hpp"

#include "shared.hpp"

namespace labelqa::report {

using nlohmann::json;

std::string render_agree_json(const AgreeReport& r) {
  const RatingSet& rs = r.ratings;
  const metrics::AgreeResult& res = r.result;
  json out = agree_report_header(nullptr);

  json summary = json::object();
  summary["items"] = res.items;
  summary["pairable_items"] = res.pairable_items;
  summary["annotators"] = rs.annotators.size();
  summary["annotator_names"] = rs.annotators;
  summary["ratings"] = res.ratings;
  summary["classes"] = rs.categories;
  summary["level"] = level_name(rs.level);
  summary["confidence"] = r.options.confidence;
  summary["ci"] = r.options.ci == metrics::CiMode::bootstrap ? "bootstrap"
                  : r.options.ci == metrics::CiMode::analytic ? "analytic" : "auto";
  summary["bootstrap"] = r.options.bootstrap;
  summary["seed"] = r.options.seed;
  out["summary"] = summary;
  out["input"] = {{"files", rs.files}, {"skipped", skipped_json(rs.skipped)}, {"warnings", input_warnings_json(rs.warnings)}};

  json overall = json::object();
  for (const auto& [key, e] : res.overall) overall[key] = estimate_json(e);
  out["overall"] = overall;

  // Rows sorted by class name (categories are in scale order, which need not be name order).
  std::vector<const metrics::ClassResult*> classes;
  for (const auto& c : res.classes) classes.push_back(&c);
  std::sort(classes.begin(), classes.end(),
            [&](auto* a, auto* b) { return rs.categories[a->category] < rs.categories[b->category]; });
  json per_class = json::array();
  for (const auto* c : classes) {
    json row = json::object();
    row["class"] = rs.categories[c->category];
    row["ratings"] = c->ratings;
    for (const auto& [key, e] : c->metrics) row[key] = estimate_json(e);
    per_class.push_back(row);
  }
  out["per_class"] = per_class;

  json per_pair = json::array();
  for (const auto& p : res.pairs) {
    json row = json::object();
    row["annotator_a"] = rs.annotators[p.annotator_a];
    row["annotator_b"] = rs.annotators[p.annotator_b];
    row["items"] = p.items;
    for (const auto& [key, e] : p.metrics) row[key] = estimate_json(e);
    per_pair.push_back(row);
  }
  out["per_pair"] = per_pair;

  return finish_agree_report(out, res.warnings, r.gates);
}

}  // namespace labelqa::report
