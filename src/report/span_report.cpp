#include "labelqa/report/span_report.hpp"

#include "shared.hpp"

#include <fmt/format.h>

namespace labelqa::report {
namespace {

using nlohmann::json;

void put_counts(json& j, const metrics::SpanScores& s) {
  j["spans_a"] = s.counts.spans_a;
  j["spans_b"] = s.counts.spans_b;
  j["exact_matches"] = s.counts.exact;
  j["overlap_matches"] = s.counts.overlap;
  j["span_f1_exact"] = estimate_json(s.span_f1_exact);
  j["span_f1_overlap"] = estimate_json(s.span_f1_overlap);
}

json label_rows(const SpanSet& set, const std::vector<metrics::SpanLabelScores>& rows) {
  json out = json::array();
  for (const auto& l : rows) {
    json row = {{"label", set.labels[static_cast<std::size_t>(l.label)]}};
    put_counts(row, l.scores);
    out.push_back(row);
  }
  return out;
}

void csv_scores(CsvRows& w, std::string_view scope, std::string_view label, std::string_view a, std::string_view b,
                const metrics::SpanScores& s) {
  w.count(scope, label, a, b, "", "spans_a", s.counts.spans_a);
  w.count(scope, label, a, b, "", "spans_b", s.counts.spans_b);
  w.estimate(scope, label, a, b, "", "span_f1_exact", s.span_f1_exact);
  w.estimate(scope, label, a, b, "", "span_f1_overlap", s.span_f1_overlap);
}

}  // namespace

metrics::MetricMap span_gate_metrics(const metrics::SpanResult& r) {
  return {{"span_f1_exact", r.overall.span_f1_exact},
          {"span_f1_overlap", r.overall.span_f1_overlap},
          {"token_alpha", r.token_alpha},
          {"token_kappa", r.token_kappa}};
}

std::string render_span_json(const SpanReport& r) {
  const SpanSet& set = r.set;
  const auto& res = r.result;
  json out = agree_report_header("spans");
  out["summary"] = {{"documents", res.documents},
                    {"documents_compared", res.documents_compared},
                    {"annotators", set.annotators.size()},
                    {"annotator_names", set.annotators},
                    {"labels", set.labels},
                    {"spans", res.spans},
                    {"unit", res.unit},
                    {"units", res.units},
                    {"confidence", r.options.confidence},
                    {"bootstrap", r.options.bootstrap},
                    {"seed", r.options.seed}};
  json files = json::array();
  for (std::size_t a = 0; a < set.annotators.size(); ++a) {
    long long docs = 0, spans = 0;
    for (std::size_t d = 0; d < set.documents.size(); ++d) {
      docs += set.has[a][d];
      spans += static_cast<long long>(set.spans[a][d].size());
    }
    files.push_back({{"annotator", set.annotators[a]}, {"file", r.files[a]}, {"documents", docs}, {"spans", spans}});
  }
  out["input"] = {{"files", files}, {"skipped", skipped_json(set.skipped)}, {"warnings", input_warnings_json(set.warnings)}};
  json overall = json::object();
  put_counts(overall, res.overall);
  overall["token_alpha"] = estimate_json(res.token_alpha);
  overall["token_kappa"] = estimate_json(res.token_kappa);
  overall["overlap_matching"] = "within_label";  // span_f1_overlap: matched within each label, then pooled
  out["overall"] = overall;
  json pairs = json::array();
  for (const auto& p : res.pairs) {
    json row = {{"annotator_a", set.annotators[static_cast<std::size_t>(p.annotator_a)]},
                {"annotator_b", set.annotators[static_cast<std::size_t>(p.annotator_b)]},
                {"documents", p.documents},
                {"units", p.units}};
    put_counts(row, p.scores);
    row["token_alpha"] = estimate_json(p.token_alpha);
    row["token_kappa"] = estimate_json(p.token_kappa);
    row["per_label"] = label_rows(set, p.per_label);
    pairs.push_back(row);
  }
  out["per_pair"] = pairs;
  out["per_label"] = label_rows(set, res.per_label);
  return finish_agree_report(out, res.warnings, r.gates);
}

std::string render_span_csv(const SpanReport& r) {
  const SpanSet& set = r.set;
  const auto& res = r.result;
  CsvRows w;
  csv_scores(w, "overall", "", "", "", res.overall);
  w.estimate("overall", "", "", "", "", "token_alpha", res.token_alpha);
  w.estimate("overall", "", "", "", "", "token_kappa", res.token_kappa);
  for (const auto& l : res.per_label) csv_scores(w, "label", set.labels[static_cast<std::size_t>(l.label)], "", "", l.scores);
  for (const auto& p : res.pairs) {
    const auto& a = set.annotators[static_cast<std::size_t>(p.annotator_a)];
    const auto& b = set.annotators[static_cast<std::size_t>(p.annotator_b)];
    w.count("pair", "", a, b, "", "documents", p.documents);
    csv_scores(w, "pair", "", a, b, p.scores);
    w.estimate("pair", "", a, b, "", "token_alpha", p.token_alpha);
    w.estimate("pair", "", a, b, "", "token_kappa", p.token_kappa);
    for (const auto& l : p.per_label) csv_scores(w, "pair_label", set.labels[static_cast<std::size_t>(l.label)], a, b, l.scores);
  }
  return w.out;
}

std::string render_span_text(const SpanReport& r, bool color) {
  const Style st{color};
  const SpanSet& set = r.set;
  const auto& res = r.result;
  const int pct = static_cast<int>(r.options.confidence * 100 + 0.5);
  std::string out = st.bold("labelqa agree (spans)") + "\n";
  out += fmt::format("documents {} ({} compared) · annotators {} · spans {} · labels {} · {} {}s\n\n", res.documents,
                     res.documents_compared, set.annotators.size(), res.spans, set.labels.size(), res.units, res.unit);
  const std::string ci_head = fmt::format("{}% CI", pct);
  out += st.bold(fmt::format("{:<28}{:>8}  {:<22}", "overall", "value", ci_head)) + "\n";
  for (const auto& [k, e] : span_gate_metrics(res)) out += fmt::format("{:<28}{:>8}  {}\n", k, value_cell(e), ci_cell(e));
  out += "(overlap F1: spans matched within each label, then pooled over labels)\n";
  auto header = [&](std::string_view first, bool with_kappa) {
    return st.bold(fmt::format("{:<28}{:>8}{:>8}{:>8}{:>9}  {:>9}  {:>9}{}", first, "spans a", "spans b", "exact", "overlap", "f1 exact",
                               "f1 overlap", with_kappa ? fmt::format("  {:>9}", "kappa") : std::string())) +
           "\n";
  };
  auto line = [&](std::string_view first, const metrics::SpanScores& s, const metrics::Estimate* kappa) {
    return fmt::format("{:<28}{:>8}{:>8}{:>8}{:>9}  {:>9}  {:>10}  {:>8}\n", cell(first, 28), s.counts.spans_a, s.counts.spans_b,
                       s.counts.exact, s.counts.overlap, value_cell(s.span_f1_exact), value_cell(s.span_f1_overlap),
                       kappa ? value_cell(*kappa) : "");
  };
  auto label_line = [&](std::string_view first, const metrics::SpanScores& s) {
    return fmt::format("{:<28}{:>8}{:>8}{:>8}{:>9}  {:>9}  {:>10}\n", cell(first, 28), s.counts.spans_a, s.counts.spans_b, s.counts.exact,
                       s.counts.overlap, value_cell(s.span_f1_exact), value_cell(s.span_f1_overlap));
  };
  if (!res.pairs.empty()) {
    out += "\n";
    out += header("pair", true);
    for (const auto& p : res.pairs) {
      out += line(fmt::format("{} / {}", set.annotators[static_cast<std::size_t>(p.annotator_a)], set.annotators[static_cast<std::size_t>(p.annotator_b)]),
                  p.scores, &p.token_kappa);
    }
  }
  if (!res.per_label.empty()) {
    out += "\n";
    out += header("label", false);
    for (const auto& l : res.per_label) out += label_line(set.labels[static_cast<std::size_t>(l.label)], l.scores);
  }
  out += warnings_text(st, res.warnings);
  out += skipped_text(st, set.skipped, set.warnings);
  out += gates_text(st, r.gates);
  return out;
}

}  // namespace labelqa::report
