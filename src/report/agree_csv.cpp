#include "labelqa/report/agree_report.hpp"
#include "labelqa/report/format.hpp"

#include <algorithm>

namespace labelqa::report {
namespace {

void row(std::string& out, std::string_view scope, std::string_view cls, std::string_view a, std::string_view b,
         const std::string& metric, const metrics::Estimate& e) {
  out += csv_cell(scope) + ',' + csv_cell(cls) + ',' + csv_cell(a) + ',' + csv_cell(b) + ',' + csv_cell(metric) + ',' +
         number(e.value) + ',' + number(e.ci_low) + ',' + number(e.ci_high) + ',' + (e.value ? metrics::ci_method_name(e.ci_method) : "") + ',' +
         csv_cell(e.value ? std::string() : metrics::reason_name(e.undefined_reason)) + "\n";
}

}  // namespace

std::string render_agree_csv(const AgreeReport& r) {
  const RatingSet& rs = r.ratings;
  std::string out = "scope,class,annotator_a,annotator_b,metric,value,ci_low,ci_high,ci_method,undefined_reason\n";
  for (const auto& [key, e] : r.result.overall) row(out, "overall", "", "", "", key, e);
  std::vector<const metrics::ClassResult*> classes;
  for (const auto& c : r.result.classes) classes.push_back(&c);
  std::sort(classes.begin(), classes.end(),
            [&](auto* a, auto* b) { return rs.categories[a->category] < rs.categories[b->category]; });
  for (const auto* c : classes) {
    for (const auto& [key, e] : c->metrics) row(out, "class", rs.categories[c->category], "", "", key, e);
  }
  for (const auto& p : r.result.pairs) {
    for (const auto& [key, e] : p.metrics) {
      row(out, "pair", "", rs.annotators[p.annotator_a], rs.annotators[p.annotator_b], key, e);
    }
  }
  return out;
}

}  // namespace labelqa::report
