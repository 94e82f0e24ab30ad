#include "labelqa/metrics/gold.hpp"

#include "labelqa/metrics/class_limits.hpp"

#include "gold_engine.hpp"
#include "labelqa/metrics/bootstrap.hpp"

#include "labelqa/metrics/agreement.hpp"
#include "labelqa/metrics/cohen.hpp"
#include "labelqa/metrics/distributions.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <fmt/format.h>
#include <tbb/parallel_for.h>
#include <tuple>

namespace labelqa::metrics {

std::pair<double, double> wilson_interval(double k, double n, double confidence) {
  const double z = normal_quantile(1 - (1 - confidence) / 2);
  const double p = k / n, z2 = z * z;
  const double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const double half = z / (1 + z2 / n) * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  return {centre - half, centre + half};
}

namespace detail {

TallyScores score_tallies(const TallyLayout& layout, const std::vector<ItemTally>& tallies, const GoldOptions& opt,
                          std::uint64_t stream) {
  const std::size_t M = layout.metrics.size(), K = layout.classes.size(), CM = layout.class_metrics.size();
  const std::size_t V = M + K * CM;
  TallyScores out;
  out.sums.assign(layout.size, 0.0);
  for (const auto& t : tallies) {
    for (const auto& [k, n] : t.counts) out.sums[k] += n;
  }
  std::vector<double> values(V);
  std::vector<Reason> reasons(V, Reason::none);
  layout.score(out.sums, values, reasons);
  std::vector<Estimate> est(V);
  for (std::size_t v = 0; v < V; ++v) {
    const double lo = v < M ? layout.lower_bounds[v] : 0.0;
    Estimate e = std::isnan(values[v]) ? Estimate::undefined(reasons[v] != Reason::none ? reasons[v] : Reason::undefined) : Estimate{};
    if (!std::isnan(values[v])) e.value = values[v] == 0 ? 0.0 : values[v];
    e.lower_bound = lo;
    e.upper_bound = v < M && !layout.upper_bounds.empty() ? layout.upper_bounds[v] : 1.0;
    est[v] = std::move(e);
  }
  const std::size_t n = tallies.size();
  if (opt.bootstrap > 0 && n > 0) {
    BootstrapTable table(static_cast<std::size_t>(opt.bootstrap));
    for (auto& e : est) table.slot(e);
    struct Scratch {
      std::vector<double> sums, vals;
      std::vector<Reason> why;
    };
    table.run([&] { return Scratch{std::vector<double>(layout.size), std::vector<double>(V), std::vector<Reason>(V, Reason::none)}; },
              [&](std::size_t r, double* row, Scratch& sc) {
                Rng rng(opt.seed, (stream << 20) + r);
                std::fill(sc.sums.begin(), sc.sums.end(), 0.0);
                for (std::size_t k = 0; k < n; ++k) {
                  for (const auto& [idx, c] : tallies[rng.below(n)].counts) sc.sums[idx] += c;
                }
                layout.score(sc.sums, sc.vals, sc.why);
                std::copy(sc.vals.begin(), sc.vals.end(), row);
              },
              16);
    table.intervals(opt.confidence);
  }
  for (std::size_t m = 0; m < M; ++m) out.metrics[layout.metrics[m]] = est[m];
  out.class_metrics.resize(K);
  for (std::size_t c = 0; c < K; ++c) {
    for (std::size_t m = 0; m < CM; ++m) out.class_metrics[c][layout.class_metrics[m]] = est[M + c * CM + m];
  }
  return out;
}

std::vector<ItemTally> pool_tallies(const std::vector<std::vector<ItemTally>>& per_annotator) {
  std::map<std::uint32_t, std::map<std::uint32_t, double>> by_item;
  for (const auto& tallies : per_annotator) {
    for (const auto& t : tallies) {
      auto& cell = by_item[t.item];
      for (const auto& [k, n] : t.counts) cell[k] += n;
    }
  }
  std::vector<ItemTally> out;
  out.reserve(by_item.size());
  for (const auto& [item, cells] : by_item) out.push_back({item, {cells.begin(), cells.end()}});
  return out;
}

void score_subjects(GoldResult& result, const TallyLayout& layout, const std::vector<std::vector<ItemTally>>& tallies,
                    const GoldOptions& opt, const std::function<bool(const std::vector<double>&, std::size_t)>& class_used,
                    const std::function<void(SubjectScores&, const TallyScores&)>& finish) {
  auto subject = [&](const std::string& name, const std::vector<ItemTally>& t, std::uint64_t stream) {
    SubjectScores s;
    s.name = name;
    s.gold_items = static_cast<long long>(t.size());
    TallyScores ts = score_tallies(layout, t, opt, stream);
    s.metrics = ts.metrics;
    for (std::size_t c = 0; c < layout.classes.size(); ++c) {
      if (class_used(ts.sums, c)) s.per_class.push_back({layout.classes[c], {}, ts.class_metrics[c]});
    }
    finish(s, ts);
    return s;
  };
  result.subjects.clear();
  for (std::size_t a = 0; a < tallies.size(); ++a) {
    result.subjects.push_back(subject(result.annotators[a], tallies[a], a + 1));
  }
  result.vendor = subject("vendor", pool_tallies(tallies), 0);
}

void finish_result(GoldResult& result, const std::vector<std::uint8_t>& gold_has, const std::vector<std::uint8_t>& delivered) {
  result.gold_items = result.delivered_items = result.items_without_gold = 0;
  result.gold_missing.clear();
  for (std::size_t i = 0; i < result.items.size(); ++i) {
    result.gold_items += gold_has[i];
    result.delivered_items += delivered[i];
    if (delivered[i] && !gold_has[i]) ++result.items_without_gold;
    if (gold_has[i] && !delivered[i]) result.gold_missing.push_back(static_cast<std::uint32_t>(i));
  }
  if (!result.gold_missing.empty()) {
    result.warnings.push_back({WarningCode::gold_missing, fmt::format("{} of {} gold items are not in the delivery (listed in gold_missing_items)",
                                                           result.gold_missing.size(), result.gold_items)});
  }
  if (result.vendor.gold_items == 0) {
    result.warnings.push_back({WarningCode::no_gold_items, "no delivered item is a gold item: check that item ids or image file names match"});
  }
  std::sort(result.conflicts.begin(), result.conflicts.end(), [](const GoldConflict& x, const GoldConflict& y) {
    return std::tie(x.item, x.annotator, x.type, x.annotation, x.span, x.cls, x.gold_class) <
           std::tie(y.item, y.annotator, y.type, y.annotation, y.span, y.cls, y.gold_class);
  });
}

TallyLayout label_layout(const std::vector<std::string>& categories) {
  TallyLayout L;
  const std::size_t q = categories.size();
  L.size = q * q;
  L.metrics = {"accuracy", "cohen_kappa", "macro_f1", "weighted_f1"};
  L.lower_bounds = {0, -1, 0, 0};
  L.classes = categories;
  L.class_metrics = {"precision", "recall", "f1"};
  L.score = [q](const std::vector<double>& s, std::vector<double>& v, std::vector<Reason>& why) {
    double items = 0, correct = 0, chance = 0, macro = 0, weighted = 0;
    long long present = 0;
    std::vector<double> row(q, 0.0), col(q, 0.0);
    for (std::size_t a = 0; a < q; ++a) {
      for (std::size_t b = 0; b < q; ++b) {
        row[a] += s[a * q + b];
        col[b] += s[a * q + b];
      }
      correct += s[a * q + a];
    }
    for (std::size_t a = 0; a < q; ++a) items += row[a];
    for (std::size_t c = 0; c < q; ++c) {
      chance += row[c] * col[c];
      double* out = &v[4 + c * 3];
      Reason* r = &why[4 + c * 3];
      const double tp = s[c * q + c];
      out[0] = ratio_or(tp, col[c], Reason::no_predictions, r[0]);
      out[1] = ratio_or(tp, row[c], Reason::no_support, r[1]);
      // scikit-learn's F1: 2 TP / (2 TP + FP + FN); a class in gold or delivered counts in the
      // averages even when its precision or recall is undefined.
      out[2] = ratio_or(2 * tp, row[c] + col[c], Reason::class_not_present, r[2]);
      if (row[c] + col[c] > 0) {
        ++present;
        macro += out[2];
        weighted += out[2] * row[c];
      }
    }
    v[0] = ratio_or(correct, items, Reason::no_gold_items, why[0]);
    if (items > 0) {
      const double po = correct / items, pe = chance / (items * items);
      v[1] = pe < 1 ? (po - pe) / (1 - pe) : std::numeric_limits<double>::quiet_NaN();
      if (!(pe < 1)) why[1] = reason::single_category;
    } else {
      v[1] = std::numeric_limits<double>::quiet_NaN();
      why[1] = Reason::no_gold_items;
    }
    v[2] = ratio_or(macro, static_cast<double>(present), Reason::no_gold_items, why[2]);
    v[3] = ratio_or(weighted, items, Reason::no_gold_items, why[3]);
  };
  return L;
}

namespace {

void set_wilson(Estimate& e, double k, double n, double confidence) {
  if (!e.value || n <= 0) return;
  const auto [lo, hi] = wilson_interval(k, n, confidence);
  e.ci_low = std::max(0.0, lo);
  e.ci_high = std::min(1.0, hi);
  e.ci_method = CiMethod::wilson;
  e.ci_replicates = 0;
  e.ci_undefined_reason = Reason::none;
}

}  // namespace

void finish_label_scores(SubjectScores& subject, const TallyScores& ts, const std::vector<std::string>& categories,
                         double confidence) {
  const std::size_t q = categories.size();
  const auto& s = ts.sums;
  auto count = [&](std::size_t a, std::size_t b) { return static_cast<long long>(std::llround(s[a * q + b])); };
  long long items = 0, correct = 0;
  subject.confusion.classes = categories;
  subject.confusion.counts.assign(q, std::vector<long long>(q, 0));
  std::vector<TableCell> cells;
  for (std::size_t a = 0; a < q; ++a) {
    for (std::size_t b = 0; b < q; ++b) {
      const long long n = count(a, b);
      subject.confusion.counts[a][b] = n;
      items += n;
      if (a == b) correct += n;
      if (n) cells.push_back({static_cast<int>(a), static_cast<int>(b), static_cast<double>(n)});
    }
  }
  subject.counts["correct"] = correct;
  set_wilson(subject.metrics["accuracy"], static_cast<double>(correct), static_cast<double>(items), confidence);
  if (items > 0) {
    Estimate kappa = cohen_kappa(cells, static_cast<int>(q), identity_weights(static_cast<int>(q)), true);
    if (kappa.value) {
      kappa.ci_method = CiMethod::analytic;
      if (kappa.se) {
        const double z = normal_quantile(1 - (1 - confidence) / 2);
        kappa.ci_low = std::clamp(*kappa.value - z * *kappa.se, -1.0, 1.0);
        kappa.ci_high = std::clamp(*kappa.value + z * *kappa.se, -1.0, 1.0);
      } else {
        kappa.ci_undefined_reason = reason::too_few_items;
      }
    }
    subject.metrics["cohen_kappa"] = kappa;
  }
  for (auto& cls : subject.per_class) {
    const auto c = static_cast<std::size_t>(std::find(categories.begin(), categories.end(), cls.name) - categories.begin());
    long long support = 0, predicted = 0;
    for (std::size_t k = 0; k < q; ++k) {
      support += count(c, k);
      predicted += count(k, c);
    }
    const long long tp = count(c, c);
    cls.counts = {{"support", support}, {"predicted", predicted}, {"correct", tp}};
    set_wilson(cls.metrics["precision"], static_cast<double>(tp), static_cast<double>(predicted), confidence);
    set_wilson(cls.metrics["recall"], static_cast<double>(tp), static_cast<double>(support), confidence);
  }
}

}  // namespace detail

CategoricalGoldScores score_against_gold(const std::vector<std::int32_t>& gold, const std::vector<std::int32_t>& given, int q,
                                         double confidence) {
  std::vector<std::string> names;
  for (int c = 0; c < q; ++c) names.push_back(fmt::format("{:010d}", c));  // sorted as the indices
  const auto Q = static_cast<std::size_t>(q);
  std::vector<detail::ItemTally> tallies;
  for (std::size_t i = 0; i < gold.size() && i < given.size(); ++i) {
    tallies.push_back({static_cast<std::uint32_t>(i), {{static_cast<std::uint32_t>(gold[i]) * Q + static_cast<std::uint32_t>(given[i]), 1.0}}});
  }
  GoldOptions opt;
  opt.confidence = confidence;
  opt.bootstrap = 0;
  const detail::TallyLayout layout = detail::label_layout(names);
  const detail::TallyScores ts = detail::score_tallies(layout, tallies, opt, 0);
  SubjectScores s;
  s.metrics = ts.metrics;
  for (std::size_t c = 0; c < Q; ++c) {
    if (ts.sums.empty()) break;
    double used = 0;
    for (std::size_t k = 0; k < Q; ++k) used += ts.sums[c * Q + k] + ts.sums[k * Q + c];
    if (used > 0) s.per_class.push_back({names[c], {}, ts.class_metrics[c]});
  }
  detail::finish_label_scores(s, ts, names, confidence);
  CategoricalGoldScores out;
  out.items = static_cast<long long>(tallies.size());
  out.correct = s.counts["correct"];
  out.accuracy = s.metrics["accuracy"];
  out.cohen_kappa = s.metrics["cohen_kappa"];
  out.macro_f1 = s.metrics["macro_f1"];
  out.weighted_f1 = s.metrics["weighted_f1"];
  out.confusion = s.confusion.counts;
  for (auto& cls : s.per_class) {
    ClassScores cs;
    cs.category = std::stoi(cls.name);
    cs.support = cls.counts["support"];
    cs.predicted = cls.counts["predicted"];
    cs.correct = cls.counts["correct"];
    cs.precision = cls.metrics["precision"];
    cs.recall = cls.metrics["recall"];
    cs.f1 = cls.metrics["f1"];
    out.per_class.push_back(cs);
  }
  return out;
}

GoldResult gold_labels(const RatingSet& delivery, const RatingSet& gold, const GoldOptions& opt) {
  GoldResult out;
  out.kind = LabelKind::labels;
  out.annotators = delivery.annotators;
  // Categories of both, by name; items of both, by name.
  std::vector<std::string> categories = delivery.categories;
  categories.insert(categories.end(), gold.categories.begin(), gold.categories.end());
  std::sort(categories.begin(), categories.end());
  categories.erase(std::unique(categories.begin(), categories.end()), categories.end());
  std::map<std::string, std::uint32_t> cat_index;
  for (std::size_t c = 0; c < categories.size(); ++c) cat_index[categories[c]] = static_cast<std::uint32_t>(c);
  out.items = delivery.items;
  out.items.insert(out.items.end(), gold.items.begin(), gold.items.end());
  std::sort(out.items.begin(), out.items.end());
  out.items.erase(std::unique(out.items.begin(), out.items.end()), out.items.end());
  auto item_index = [&](const std::string& name) {
    return static_cast<std::uint32_t>(std::lower_bound(out.items.begin(), out.items.end(), name) - out.items.begin());
  };
  const std::size_t I = out.items.size(), A = delivery.annotators.size(), q = categories.size();
  // A confusion matrix per annotator and one for the vendor, resampled by the bootstrap.
  check_class_matrices(delivery, A + 1, "confusion matrices of each annotator and the vendor", q);
  std::vector<std::int32_t> gold_cat(I, -1);
  std::vector<std::uint8_t> gold_has(I, 0), delivered(I, 0);
  for (std::size_t i = 0; i < gold.items.size(); ++i) {
    const std::uint32_t idx = item_index(gold.items[i]);
    const Rating& r = gold.ratings[gold.item_offsets[i]];
    gold_cat[idx] = static_cast<std::int32_t>(cat_index.at(gold.categories[static_cast<std::size_t>(r.category)]));
    gold_has[idx] = 1;
  }
  std::vector<std::vector<detail::ItemTally>> tallies(A);
  for (std::size_t i = 0; i < delivery.items.size(); ++i) {
    const std::uint32_t idx = item_index(delivery.items[i]);
    delivered[idx] = 1;
    if (gold_cat[idx] < 0) continue;
    const auto g = static_cast<std::uint32_t>(gold_cat[idx]);
    for (std::uint32_t k = delivery.item_offsets[i]; k < delivery.item_offsets[i + 1]; ++k) {
      const Rating& r = delivery.ratings[k];
      const std::uint32_t d = cat_index.at(delivery.categories[static_cast<std::size_t>(r.category)]);
      tallies[static_cast<std::size_t>(r.annotator)].push_back({idx, {{g * static_cast<std::uint32_t>(q) + d, 1.0}}});
      if (d != g) {
        out.conflicts.push_back({ConflictType::mismatching_label, idx, r.annotator, std::nullopt, categories[d], categories[g], std::nullopt, std::nullopt});
      }
    }
  }
  for (auto& t : tallies) {
    std::sort(t.begin(), t.end(), [](const detail::ItemTally& x, const detail::ItemTally& y) { return x.item < y.item; });
  }
  const detail::TallyLayout layout = detail::label_layout(categories);
  detail::score_subjects(
      out, layout, tallies, opt,
      detail::confusion_class_used(q),
      [&](SubjectScores& subject, const detail::TallyScores& ts) { detail::finish_label_scores(subject, ts, categories, opt.confidence); });
  detail::finish_result(out, gold_has, delivered);
  return out;
}

}  // namespace labelqa::metrics
