#include "labelqa/metrics/spans.hpp"

#include "labelqa/geometry/assignment.hpp"
#include "labelqa/metrics/bootstrap.hpp"
#include "labelqa/metrics/cohen.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <cmath>
#include <limits>
#include <map>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

namespace labelqa::metrics {
namespace {

double nan() { return std::numeric_limits<double>::quiet_NaN(); }

bool is_space(std::uint32_t c) {
  return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

struct Cell {
  std::int32_t a, b;
  double n;
};

// Sparse q x q matrix entries (row, column, value).
using Sparse = std::vector<Cell>;

void add_to(std::vector<double>& dense, int q, const Sparse& s, double w) {
  for (const auto& c : s) dense[static_cast<std::size_t>(c.a) * static_cast<std::size_t>(q) + static_cast<std::size_t>(c.b)] += w * c.n;
}

Sparse compress(std::map<std::pair<int, int>, double>& m) {
  Sparse out;
  for (const auto& [k, v] : m) out.push_back({k.first, k.second, v});
  return out;
}

// Nominal Krippendorff's alpha from a coincidence matrix (Krippendorff 2011, eq. for nominal data).
double alpha_from_coincidences(const std::vector<double>& o, int q, Reason* why) {
  std::vector<double> nc(static_cast<std::size_t>(q), 0.0);
  double n = 0, off = 0;
  for (int c = 0; c < q; ++c) {
    for (int k = 0; k < q; ++k) {
      const double v = o[static_cast<std::size_t>(c) * static_cast<std::size_t>(q) + static_cast<std::size_t>(k)];
      nc[static_cast<std::size_t>(c)] += v;
      n += v;
      if (c != k) off += v;
    }
  }
  if (n <= 1) {
    if (why) *why = reason::no_pairable_items;
    return nan();
  }
  double sq = 0;
  for (double v : nc) sq += v * v;
  const double de = n * n - sq;  // sum over c != k of n_c n_k
  if (de <= 0) {
    if (why) *why = reason::single_category;
    return nan();
  }
  return 1 - (n - 1) * off / de;
}

// Contingency cells -> coincidences of two coders (each unit contributes (a,b) and (b,a)).
std::vector<double> pair_coincidences(const std::vector<double>& table, int q) {
  std::vector<double> o(table.size(), 0.0);
  for (int c = 0; c < q; ++c) {
    for (int k = 0; k < q; ++k) {
      const double v = table[static_cast<std::size_t>(c) * static_cast<std::size_t>(q) + static_cast<std::size_t>(k)];
      o[static_cast<std::size_t>(c) * static_cast<std::size_t>(q) + static_cast<std::size_t>(k)] += v;
      o[static_cast<std::size_t>(k) * static_cast<std::size_t>(q) + static_cast<std::size_t>(c)] += v;
    }
  }
  return o;
}

double kappa_from_table(const std::vector<double>& t, int q) {
  std::vector<TableCell> cells;
  for (int c = 0; c < q; ++c) {
    for (int k = 0; k < q; ++k) {
      const double v = t[static_cast<std::size_t>(c) * static_cast<std::size_t>(q) + static_cast<std::size_t>(k)];
      if (v > 0) cells.push_back({c, k, v});
    }
  }
  const Estimate e = cohen_kappa(cells, q, identity_weights(q), false);
  return e.value ? *e.value : nan();
}

Estimate ratio_estimate(double num, double den, Reason reason_if_none) {
  return Estimate::ratio(den > 0 ? num / den : nan(), reason_if_none);
}

SpanScores span_scores(const SpanCounts& c) {
  SpanScores s;
  s.counts = c;
  const double n = static_cast<double>(c.spans_a + c.spans_b);
  s.span_f1_exact = ratio_estimate(2.0 * static_cast<double>(c.exact), n, Reason::no_spans);
  s.span_f1_overlap = ratio_estimate(2.0 * static_cast<double>(c.overlap), n, Reason::no_spans);
  return s;
}

}  // namespace

void SpanCounts::add(const SpanCounts& o, double w) {
  spans_a += static_cast<long long>(std::llround(static_cast<double>(o.spans_a) * w));
  spans_b += static_cast<long long>(std::llround(static_cast<double>(o.spans_b) * w));
  exact += static_cast<long long>(std::llround(static_cast<double>(o.exact) * w));
  overlap += static_cast<long long>(std::llround(static_cast<double>(o.overlap) * w));
}

// Same-label spans sharing a character, matched one-to-one as many as possible (ties: larger
// overlap).
long long overlap_span_matches(const std::vector<Span>& a, const std::vector<Span>& b, std::int32_t label,
                               std::vector<std::pair<std::size_t, std::size_t>>* pairs) {
  std::vector<const Span*> x, y;
  std::vector<std::size_t> xi, yi;
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (a[k].label == label) {
      x.push_back(&a[k]);
      xi.push_back(k);
    }
  }
  for (std::size_t k = 0; k < b.size(); ++k) {
    if (b[k].label == label) {
      y.push_back(&b[k]);
      yi.push_back(k);
    }
  }
  if (x.empty() || y.empty()) return 0;
  std::vector<double> score(x.size() * y.size(), 0.0);
  bool any = false;
  for (std::size_t i = 0; i < x.size(); ++i) {
    for (std::size_t j = 0; j < y.size(); ++j) {
      const std::uint32_t lo = std::max(x[i]->start, y[j]->start), hi = std::min(x[i]->end, y[j]->end);
      if (hi <= lo) continue;
      const double uni = static_cast<double>(std::max(x[i]->end, y[j]->end) - std::min(x[i]->start, y[j]->start));
      score[i * y.size() + j] = 1 + 1e-9 * static_cast<double>(hi - lo) / uni;
      any = true;
    }
  }
  if (!any) return 0;
  const auto assign = geometry::max_score_assignment(score, static_cast<int>(x.size()), static_cast<int>(y.size()));
  long long n = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (assign[i] < 0 || score[i * y.size() + static_cast<std::size_t>(assign[i])] <= 0) continue;
    ++n;
    if (pairs) pairs->emplace_back(xi[i], yi[static_cast<std::size_t>(assign[i])]);
  }
  return n;
}


std::vector<std::pair<std::uint32_t, std::uint32_t>> span_units(const std::vector<std::uint32_t>& text, SpanUnit unit) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  const auto n = static_cast<std::uint32_t>(text.size());
  if (unit == SpanUnit::character) {
    for (std::uint32_t i = 0; i < n; ++i) out.emplace_back(i, i + 1);
    return out;
  }
  std::uint32_t i = 0;
  while (i < n) {
    while (i < n && is_space(text[i])) ++i;
    const std::uint32_t start = i;
    while (i < n && !is_space(text[i])) ++i;
    if (i > start) out.emplace_back(start, i);
  }
  return out;
}

std::vector<std::int32_t> unit_labels(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& units, const std::vector<Span>& spans) {
  std::vector<std::int32_t> out(units.size(), 0);
  std::vector<std::uint8_t> set(units.size(), 0);
  // Spans are sorted by start; units by position: walk both.
  std::size_t first = 0;
  for (const Span& s : spans) {
    while (first < units.size() && units[first].second <= s.start) ++first;
    for (std::size_t u = first; u < units.size() && units[u].first < s.end; ++u) {
      if (!set[u]) {
        out[u] = 1 + s.label;
        set[u] = 1;
      }
    }
  }
  return out;
}

SpanResult analyze_spans(const SpanSet& set, const SpanOptions& opt) {
  SpanResult out;
  out.unit = opt.unit == SpanUnit::token ? "token" : "char";
  const std::size_t A = set.annotators.size(), D = set.documents.size(), L = set.labels.size();
  const int q = static_cast<int>(L) + 1;
  const std::size_t qq = static_cast<std::size_t>(q) * static_cast<std::size_t>(q);
  const std::size_t P = A * (A - 1) / 2;
  out.documents = static_cast<long long>(D);
  for (const auto& per_doc : set.spans) {
    for (const auto& s : per_doc) out.spans += static_cast<long long>(s.size());
  }

  // Per document: coincidences of all annotators, and per pair the contingency table and counts.
  struct DocStats {
    bool compared = false;
    long long units = 0;
    Sparse coincidences;
    std::vector<Sparse> tables;               // per pair
    std::vector<std::uint8_t> pair_has;       // per pair: both delivered the document
    std::vector<SpanCounts> counts;           // per pair
    std::vector<std::vector<SpanCounts>> label_counts;  // per pair, per label
  };
  std::vector<DocStats> docs(D);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, D, 4), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t d = r.begin(); d != r.end(); ++d) {
      DocStats& st = docs[d];
      std::vector<std::size_t> coders;
      for (std::size_t a = 0; a < A; ++a) {
        if (set.has[a][d]) coders.push_back(a);
      }
      st.tables.resize(P);
      st.pair_has.assign(P, 0);
      st.counts.resize(P);
      st.label_counts.assign(P, std::vector<SpanCounts>(L));
      if (coders.size() < 2) continue;
      st.compared = true;
      const auto units = span_units(set.documents[d].code_points, opt.unit);
      st.units = static_cast<long long>(units.size());
      std::vector<std::vector<std::int32_t>> lab(A);
      for (std::size_t a : coders) lab[a] = unit_labels(units, set.spans[a][d]);
      std::map<std::pair<int, int>, double> co;
      const double m = static_cast<double>(coders.size());
      for (std::size_t u = 0; u < units.size(); ++u) {
        for (std::size_t i : coders) {
          for (std::size_t j : coders) {
            if (i != j) co[{lab[i][u], lab[j][u]}] += 1.0 / (m - 1);
          }
        }
      }
      st.coincidences = compress(co);
      std::size_t p = 0;
      for (std::size_t a = 0; a < A; ++a) {
        for (std::size_t b = a + 1; b < A; ++b, ++p) {
          if (!set.has[a][d] || !set.has[b][d]) continue;
          st.pair_has[p] = 1;
          std::map<std::pair<int, int>, double> t;
          for (std::size_t u = 0; u < units.size(); ++u) t[{lab[a][u], lab[b][u]}] += 1;
          st.tables[p] = compress(t);
          const auto& sa = set.spans[a][d];
          const auto& sb = set.spans[b][d];
          SpanCounts& c = st.counts[p];
          c.spans_a = static_cast<long long>(sa.size());
          c.spans_b = static_cast<long long>(sb.size());
          for (const auto& s : sa) ++st.label_counts[p][static_cast<std::size_t>(s.label)].spans_a;
          for (const auto& s : sb) ++st.label_counts[p][static_cast<std::size_t>(s.label)].spans_b;
          std::vector<Span> common;
          std::set_intersection(sa.begin(), sa.end(), sb.begin(), sb.end(), std::back_inserter(common), [](const Span& x, const Span& y) {
            return std::tie(x.start, x.end, x.label) < std::tie(y.start, y.end, y.label);
          });
          c.exact = static_cast<long long>(common.size());
          for (const auto& s : common) ++st.label_counts[p][static_cast<std::size_t>(s.label)].exact;
          for (std::size_t l = 0; l < L; ++l) {
            auto& lc = st.label_counts[p][l];
            if (lc.spans_a == 0 || lc.spans_b == 0) continue;
            lc.overlap = overlap_span_matches(sa, sb, static_cast<std::int32_t>(l));
            c.overlap += lc.overlap;
          }
        }
      }
    }
  });

  // Point estimates for weights w (1 per document, or a bootstrap draw). Values in a fixed order:
  // 0 overall f1 exact, 1 overall f1 overlap, 2 overall alpha, 3 overall kappa; then per pair 4
  // (exact, overlap, alpha, kappa); then per label 2; then per pair per label 2.
  const std::size_t V = 4 + P * 4 + L * 2 + P * L * 2;
  auto evaluate = [&](const std::vector<double>& w, double* values, std::vector<Reason>* reasons) {
    SpanCounts total;
    std::vector<SpanCounts> pair_total(P), label_total(L), pair_label(P * L);
    std::vector<double> co(qq, 0.0);
    std::vector<std::vector<double>> tables(P, std::vector<double>(qq, 0.0));
    for (std::size_t d = 0; d < D; ++d) {
      if (w[d] == 0 || !docs[d].compared) continue;
      const DocStats& st = docs[d];
      add_to(co, q, st.coincidences, w[d]);
      for (std::size_t p = 0; p < P; ++p) {
        if (!st.pair_has[p]) continue;
        add_to(tables[p], q, st.tables[p], w[d]);
        total.add(st.counts[p], w[d]);
        pair_total[p].add(st.counts[p], w[d]);
        for (std::size_t l = 0; l < L; ++l) {
          label_total[l].add(st.label_counts[p][l], w[d]);
          pair_label[p * L + l].add(st.label_counts[p][l], w[d]);
        }
      }
    }
    auto f1 = [](const SpanCounts& c, double* v) {
      const double n = static_cast<double>(c.spans_a + c.spans_b);
      v[0] = n > 0 ? 2.0 * static_cast<double>(c.exact) / n : nan();
      v[1] = n > 0 ? 2.0 * static_cast<double>(c.overlap) / n : nan();
    };
    Reason why = Reason::none;
    f1(total, values);
    values[2] = alpha_from_coincidences(co, q, &why);
    if (reasons) (*reasons)[2] = why;
    values[3] = A == 2 ? kappa_from_table(tables[0], q) : nan();
    for (std::size_t p = 0; p < P; ++p) {
      double* v = values + 4 + p * 4;
      f1(pair_total[p], v);
      why = Reason::none;
      v[2] = alpha_from_coincidences(pair_coincidences(tables[p], q), q, &why);
      if (reasons) (*reasons)[4 + p * 4 + 2] = why;
      v[3] = kappa_from_table(tables[p], q);
    }
    for (std::size_t l = 0; l < L; ++l) f1(label_total[l], values + 4 + P * 4 + l * 2);
    for (std::size_t k = 0; k < P * L; ++k) f1(pair_label[k], values + 4 + P * 4 + L * 2 + k * 2);
    return std::make_tuple(total, pair_total, label_total, pair_label);
  };

  std::vector<double> ones(D, 1.0), point(V, nan());
  std::vector<Reason> reasons(V, Reason::none);
  auto [total, pair_total, label_total, pair_label] = evaluate(ones, point.data(), &reasons);
  for (const auto& st : docs) {
    if (!st.compared) continue;
    ++out.documents_compared;
    out.units += st.units;
  }

  // Estimates in the same order as the values.
  std::vector<Estimate*> est(V, nullptr);
  out.overall = span_scores(total);
  est[0] = &out.overall.span_f1_exact;
  est[1] = &out.overall.span_f1_overlap;
  est[2] = &out.token_alpha;
  est[3] = &out.token_kappa;
  std::size_t p = 0;
  out.pairs.resize(P);
  for (std::size_t a = 0; a < A; ++a) {
    for (std::size_t b = a + 1; b < A; ++b, ++p) {
      SpanPair& sp = out.pairs[p];
      sp.annotator_a = static_cast<int>(a);
      sp.annotator_b = static_cast<int>(b);
      for (const auto& st : docs) {
        if (!st.compared || !st.pair_has[p]) continue;
        ++sp.documents;
        sp.units += st.units;
      }
      sp.scores = span_scores(pair_total[p]);
      est[4 + p * 4] = &sp.scores.span_f1_exact;
      est[4 + p * 4 + 1] = &sp.scores.span_f1_overlap;
      est[4 + p * 4 + 2] = &sp.token_alpha;
      est[4 + p * 4 + 3] = &sp.token_kappa;
      for (std::size_t l = 0; l < L; ++l) {
        sp.per_label.push_back({static_cast<int>(l), span_scores(pair_label[p * L + l])});
      }
    }
  }
  for (std::size_t l = 0; l < L; ++l) out.per_label.push_back({static_cast<int>(l), span_scores(label_total[l])});
  for (std::size_t l = 0; l < L; ++l) {
    est[4 + P * 4 + l * 2] = &out.per_label[l].scores.span_f1_exact;
    est[4 + P * 4 + l * 2 + 1] = &out.per_label[l].scores.span_f1_overlap;
  }
  for (std::size_t k = 0; k < P * L; ++k) {
    est[4 + P * 4 + L * 2 + k * 2] = &out.pairs[k / L].per_label[k % L].scores.span_f1_exact;
    est[4 + P * 4 + L * 2 + k * 2 + 1] = &out.pairs[k / L].per_label[k % L].scores.span_f1_overlap;
  }
  // Agreement coefficients: value or reason.
  auto coefficient = [&](std::size_t k, Reason fallback) {
    Estimate& e = *est[k];
    e = std::isnan(point[k]) ? Estimate::undefined(reasons[k] != Reason::none ? reasons[k] : fallback) : Estimate{};
    if (!std::isnan(point[k])) e.value = point[k];
  };
  coefficient(2, reason::no_pairable_items);
  if (A == 2) {
    coefficient(3, reason::single_category);
  } else {
    out.token_kappa = Estimate::undefined(reason::needs_two_annotators);
  }
  for (std::size_t k = 0; k < P; ++k) {
    coefficient(4 + k * 4 + 2, reason::no_pairable_items);
    coefficient(4 + k * 4 + 3, out.pairs[k].units == 0 ? reason::no_pairable_items : reason::single_category);
  }

  // Bootstrap over compared documents.
  std::vector<std::size_t> compared;
  for (std::size_t d = 0; d < D; ++d) {
    if (docs[d].compared) compared.push_back(d);
  }
  BootstrapTable table(static_cast<std::size_t>(std::max(0, opt.bootstrap)));
  for (Estimate* e : est) table.slot(*e);
  if (opt.bootstrap > 0 && !compared.empty()) {
    struct Scratch {
      std::vector<std::uint32_t> drawn;
      std::vector<double> w;
    };
    table.run([&] { return Scratch{{}, std::vector<double>(D, 0.0)}; }, [&](std::size_t b, double* row, Scratch& sc) {
      Rng rng(opt.seed, b);
      resample_counts(rng, compared.size(), sc.drawn);
      for (std::size_t k = 0; k < compared.size(); ++k) sc.w[compared[k]] = sc.drawn[k];
      evaluate(sc.w, row, nullptr);
    });
    table.intervals(opt.confidence);
  } else {
    table.no_intervals(compared.empty() ? reason::too_few_items : Reason::bootstrap_disabled);
  }
  if (A < 2) out.warnings.push_back({WarningCode::single_annotator, "only one annotator: there is nothing to compare"});
  // Documents only one annotator of a pair delivered are left out of the pair, as images are.
  for (std::size_t a = 0; a < A; ++a) {
    for (std::size_t b = a + 1; b < A; ++b) {
      long long only_a = 0, only_b = 0;
      for (std::size_t d = 0; d < set.documents.size(); ++d) {
        only_a += set.has[a][d] && !set.has[b][d];
        only_b += !set.has[a][d] && set.has[b][d];
      }
      if (only_a || only_b) {
        out.warnings.push_back({WarningCode::document_lists_differ,
                                fmt::format("{} delivered {} document(s) that {} did not, and {} delivered {} that {} did not; "
                                            "those documents are left out of this pair",
                                            set.annotators[a], only_a, set.annotators[b], set.annotators[b], only_b, set.annotators[a])});
      }
    }
  }
  return out;
}

}  // namespace labelqa::metrics
