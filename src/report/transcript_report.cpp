#include "labelqa/report/transcript_report.hpp"

#include "shared.hpp"

#include <fmt/format.h>

namespace labelqa::report {
namespace {

using nlohmann::json;

void put_counts(json& j, const metrics::ErrorScores& s) {
  j["wer"] = estimate_json(s.wer);
  j["cer"] = estimate_json(s.cer);
  j["reference_words"] = s.words.reference();
  j["word_substitutions"] = s.words.substitutions;
  j["word_deletions"] = s.words.deletions;
  j["word_insertions"] = s.words.insertions;
  j["reference_chars"] = s.chars.reference();
  j["char_substitutions"] = s.chars.substitutions;
  j["char_deletions"] = s.chars.deletions;
  j["char_insertions"] = s.chars.insertions;
}

void csv_scores(CsvRows& w, std::string_view scope, std::string_view a, std::string_view b, std::string_view item, const metrics::ErrorScores& s) {
  w.estimate(scope, "", a, b, item, "wer", s.wer);
  w.estimate(scope, "", a, b, item, "cer", s.cer);
  w.count(scope, "", a, b, item, "reference_words", s.words.reference());
  w.count(scope, "", a, b, item, "word_substitutions", s.words.substitutions);
  w.count(scope, "", a, b, item, "word_deletions", s.words.deletions);
  w.count(scope, "", a, b, item, "word_insertions", s.words.insertions);
  w.count(scope, "", a, b, item, "reference_chars", s.chars.reference());
  w.count(scope, "", a, b, item, "char_substitutions", s.chars.substitutions);
  w.count(scope, "", a, b, item, "char_deletions", s.chars.deletions);
  w.count(scope, "", a, b, item, "char_insertions", s.chars.insertions);
}

metrics::Estimate accuracy(const metrics::Estimate& rate) {
  metrics::Estimate e = rate;
  e.lower_bound = -HUGE_VAL;
  e.upper_bound = 1;
  if (rate.value) e.value = 1 - *rate.value;
  if (rate.ci_high) e.ci_low = 1 - *rate.ci_high;
  if (rate.ci_low) e.ci_high = 1 - *rate.ci_low;
  return e;
}

}  // namespace

metrics::MetricMap transcript_gate_metrics(const metrics::TranscriptResult& r) {
  return {{"word_accuracy", accuracy(r.overall.wer)}, {"char_accuracy", accuracy(r.overall.cer)}};
}

std::string render_transcript_json(const TranscriptReport& r) {
  const TranscriptSet& set = r.set;
  const auto& res = r.result;
  json out = agree_report_header("transcripts");
  out["summary"] = {{"items", res.items},
                    {"compared_items", res.compared_items},
                    {"annotators", set.annotators.size()},
                    {"annotator_names", set.annotators},
                    {"transcripts", res.transcripts},
                    {"normalize", metrics::normalization_names(r.options.normalize)},
                    {"reference", "annotator_a"},
                    {"confidence", r.options.confidence},
                    {"bootstrap", r.options.bootstrap},
                    {"seed", r.options.seed}};
  out["input"] = {{"files", set.files}, {"skipped", skipped_json(set.skipped)}, {"warnings", input_warnings_json(set.warnings)}};
  json overall = json::object();
  put_counts(overall, res.overall);
  overall["unaligned_pairs"] = res.unaligned;
  out["overall"] = overall;
  json pairs = json::array();
  for (const auto& p : res.pairs) {
    json row = {{"annotator_a", set.annotators[static_cast<std::size_t>(p.annotator_a)]},
                {"annotator_b", set.annotators[static_cast<std::size_t>(p.annotator_b)]},
                {"items", p.items}};
    put_counts(row, p.scores);
    pairs.push_back(row);
  }
  out["per_pair"] = pairs;
  if (r.per_item) {
    json items = json::array();
    for (const auto& i : res.per_item) {
      json row = {{"item", set.items[i.item]}, {"pairs", i.pairs}};
      put_counts(row, i.scores);
      items.push_back(row);
    }
    out["per_item"] = items;
  }
  json subs = json::array();
  for (const auto& s : res.substitutions) subs.push_back({{"reference", s.reference}, {"hypothesis", s.hypothesis}, {"count", s.count}});
  out["top_substitutions"] = subs;
  return finish_agree_report(out, res.warnings, r.gates);
}

std::string render_transcript_csv(const TranscriptReport& r) {
  const TranscriptSet& set = r.set;
  const auto& res = r.result;
  CsvRows w;
  csv_scores(w, "overall", "", "", "", res.overall);
  for (const auto& p : res.pairs) {
    const auto& a = set.annotators[static_cast<std::size_t>(p.annotator_a)];
    const auto& b = set.annotators[static_cast<std::size_t>(p.annotator_b)];
    w.count("pair", "", a, b, "", "items", p.items);
    csv_scores(w, "pair", a, b, "", p.scores);
  }
  if (r.per_item) {
    for (const auto& i : res.per_item) csv_scores(w, "item", "", "", set.items[i.item], i.scores);
  }
  return w.out;
}

std::string render_transcript_text(const TranscriptReport& r, bool color) {
  const Style st{color};
  const TranscriptSet& set = r.set;
  const auto& res = r.result;
  const int pct = static_cast<int>(r.options.confidence * 100 + 0.5);
  std::string out = st.bold("labelqa agree (transcripts)") + "\n";
  const auto norm = metrics::normalization_names(r.options.normalize);
  out += fmt::format("items {} ({} compared) · annotators {} · transcripts {} · normalised: {}\n\n", res.items, res.compared_items,
                     set.annotators.size(), res.transcripts, norm.empty() ? std::string("nothing") : fmt::format("{}", fmt::join(norm, ", ")));
  const std::string ci_head = fmt::format("{}% CI", pct);
  out += st.bold(fmt::format("{:<28}{:>8}  {:<22}", "overall", "value", ci_head)) + "\n";
  out += fmt::format("{:<28}{:>8}  {}\n", "wer", value_cell(res.overall.wer), ci_cell(res.overall.wer));
  out += fmt::format("{:<28}{:>8}  {}\n", "cer", value_cell(res.overall.cer), ci_cell(res.overall.cer));
  if (!res.pairs.empty()) {
    out += "\n" + st.bold(fmt::format("{:<28}{:>8}{:>8}{:>8}{:>6}{:>6}{:>6}", "pair (reference / other)", "items", "wer", "cer", "S", "D", "I")) + "\n";
    for (const auto& p : res.pairs) {
      const std::string name = fmt::format("{} / {}", set.annotators[static_cast<std::size_t>(p.annotator_a)],
                                           set.annotators[static_cast<std::size_t>(p.annotator_b)]);
      out += fmt::format("{:<28}{:>8}{:>8}{:>8}{:>6}{:>6}{:>6}\n", cell(name, 28), p.items, value_cell(p.scores.wer), value_cell(p.scores.cer),
                         p.scores.words.substitutions, p.scores.words.deletions, p.scores.words.insertions);
    }
  }
  if (!res.substitutions.empty()) {
    out += "\n" + st.bold("most frequent word substitutions") + "\n";
    for (std::size_t k = 0; k < std::min<std::size_t>(res.substitutions.size(), 10); ++k) {
      const auto& s = res.substitutions[k];
      out += fmt::format("  {} -> {}  ({})\n", escaped(s.reference), escaped(s.hypothesis), s.count);
    }
  }
  out += warnings_text(st, res.warnings);
  out += skipped_text(st, set.skipped, set.warnings);
  out += gates_text(st, r.gates);
  return out;
}

}  // namespace labelqa::report
