#include "labelqa/report/agree_report.hpp"
#include "labelqa/report/format.hpp"
#include "shared.hpp"

#include <fmt/format.h>

namespace labelqa::report {
namespace {

const char* k_display_order[] = {"percent_agreement", "cohen_kappa", "cohen_kappa_linear", "cohen_kappa_quadratic",
                                 "scott_pi", "fleiss_kappa", "conger_kappa", "krippendorff_alpha", "gwet_ac1",
                                 "gwet_ac2_linear", "gwet_ac2_quadratic", "brennan_prediger"};

}  // namespace

std::string render_agree_text(const AgreeReport& r, bool color) {
  const Style st{color};
  const RatingSet& rs = r.ratings;
  const auto& res = r.result;
  std::string out;
  const int pct = static_cast<int>(r.options.confidence * 100 + 0.5);
  out += st.bold("labelqa agree") + "\n";
  out += fmt::format("items {} ({} rated by two or more) · annotators {} · ratings {} · classes {} · level {}\n\n",
                     res.items, res.pairable_items, rs.annotators.size(), res.ratings, rs.categories.size(),
                     level_name(rs.level));

  out += st.bold(fmt::format("{:<24}{:>8}  {:<28}{}", "overall", "value", fmt::format("{}% CI", pct), "reading")) + "\n";
  for (const char* key : k_display_order) {
    auto it = res.overall.find(key);
    if (it == res.overall.end()) continue;
    const auto& e = it->second;
    std::string reading;
    if (e.value && std::string(key) != "percent_agreement") {
      const char* lk = metrics::landis_koch(*e.value);
      const int code = *e.value > 0.6 ? 32 : *e.value > 0.4 ? 33 : 31;
      reading = st.colour(lk, code);
    }
    out += fmt::format("{:<24}{:>8}  {:<28}{}\n", key, value_cell(e), ci_cell(e), reading);
  }

  if (!res.classes.empty()) {
    out += "\n";
    const std::size_t cw = column_width(rs.categories, 20);
    out += st.bold(fmt::format("{:<{}}{:>9}  {:>8}  {:<24}{:>10}  {}", "class", cw, "ratings", "kappa",
                                      fmt::format("{}% CI", pct), "specific", "CI")) + "\n";
    for (const auto& c : res.classes) {
      const auto& k = c.metrics.at("fleiss_kappa");
      const auto& s = c.metrics.at("specific_agreement");
      out += fmt::format("{:<{}}{:>9}  {:>8}  {:<24}{:>10}  {}\n", cell(rs.categories[c.category], cw), cw, c.ratings, value_cell(k),
                         ci_cell(k), value_cell(s), ci_cell(s));
    }
  }

  if (!res.pairs.empty()) {
    const char* alpha_col = "alpha";
    out += "\n";
    const std::size_t aw = column_width(rs.annotators, 16);
    out += st.bold(fmt::format("{:<{}}{:<{}}{:>7}  {:>8}  {:>8}  {:<24}{:>8}", "annotator a", aw, "annotator b", aw,
                                      "items", "agree", "kappa", fmt::format("{}% CI", pct), alpha_col)) + "\n";
    for (const auto& p : res.pairs) {
      const auto& k = p.metrics.at("cohen_kappa");
      out += fmt::format("{:<{}}{:<{}}{:>7}  {:>8}  {:>8}  {:<24}{:>8}\n", cell(rs.annotators[p.annotator_a], aw), aw,
                         cell(rs.annotators[p.annotator_b], aw), aw, p.items, value_cell(p.metrics.at("percent_agreement")),
                         value_cell(k), ci_cell(k), value_cell(p.metrics.at("krippendorff_alpha")));
    }
  }

  out += warnings_text(st, res.warnings);
  out += skipped_text(st, rs.skipped, rs.warnings);
  out += gates_text(st, r.gates);
  return out;
}

}  // namespace labelqa::report
