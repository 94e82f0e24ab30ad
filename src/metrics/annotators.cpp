// Per-annotator error reports of categorical labels, and the ranking (docs/report.md).
#include "labelqa/metrics/annotators.hpp"
#include "labelqa/metrics/class_limits.hpp"

#include "labelqa/metrics/distributions.hpp"
#include "labelqa/metrics/gold.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <map>
#include <numeric>
#include <unordered_map>

namespace labelqa::metrics {
namespace {

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

}  // namespace

Estimate wilson_ratio(long long k, long long n, double confidence, Reason reason) {
  if (n == 0) return Estimate::undefined(reason);
  Estimate e = Estimate::ratio(static_cast<double>(k) / static_cast<double>(n), reason);
  const auto [lo, hi] = wilson_interval(static_cast<double>(k), static_cast<double>(n), confidence);
  e.ci_low = lo;
  e.ci_high = hi;
  e.ci_method = CiMethod::wilson;
  return e;
}

std::vector<ClassRow> class_rows(const ClassMatrix& m, std::size_t classes, double confidence) {
  std::vector<ClassRow> out;
  for (std::size_t c = 0; c < classes && c < m.counts.size(); ++c) {
    ClassRow row;
    row.cls = m.classes[c];
    for (std::size_t k = 0; k < m.counts.size(); ++k) {
      row.support += m.counts[c][k];
      row.predicted += m.counts[k][c];
    }
    row.correct = m.counts[c][c];
    if (row.support == 0 && row.predicted == 0) continue;
    row.precision = wilson_ratio(row.correct, row.predicted, confidence, Reason::no_predictions);
    row.recall = wilson_ratio(row.correct, row.support, confidence, Reason::no_support);
    out.push_back(std::move(row));
  }
  return out;
}

std::vector<RankEntry> rank_proportions(const std::string& score, const std::vector<std::string>& names,
                                        const std::vector<std::pair<long long, long long>>& counts, const ReportOptions& opt) {
  std::vector<RankEntry> out;
  long long k_all = 0, n_all = 0;
  for (const auto& [k, n] : counts) {
    k_all += k;
    n_all += n;
  }
  for (std::size_t a = 0; a < names.size(); ++a) {
    RankEntry r;
    r.score = score;
    r.annotator = names[a];
    const auto [k, n] = counts[a];
    r.value = wilson_ratio(k, n, opt.confidence, Reason::nothing_compared);
    const long long ko = k_all - k, no = n_all - n;
    if (no > 0) r.group = static_cast<double>(ko) / static_cast<double>(no);
    if (n > 0 && no > 0) {
      // Pooled two-proportion z-test; the one-sided p-value that this annotator is below the rest.
      const double p1 = static_cast<double>(k) / static_cast<double>(n), p2 = *r.group;
      const double pooled = static_cast<double>(k_all) / static_cast<double>(n_all);
      const double se = std::sqrt(pooled * (1 - pooled) * (1.0 / static_cast<double>(n) + 1.0 / static_cast<double>(no)));
      r.p_value = se > 0 ? normal_cdf((p1 - p2) / se) : (p1 < p2 ? 0.0 : 1.0);
      r.below_group = *r.p_value < opt.alpha && p1 < p2;
    }
    out.push_back(std::move(r));
  }
  std::vector<std::size_t> order(out.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    const double vx = out[x].value.value.value_or(-1), vy = out[y].value.value.value_or(-1);
    return vx > vy;
  });
  for (std::size_t r = 0; r < order.size(); ++r) out[order[r]].rank = static_cast<int>(r + 1);
  std::sort(out.begin(), out.end(), [](const RankEntry& x, const RankEntry& y) { return x.rank < y.rank; });
  return out;
}

AnnotatorReport report_labels(const RatingSet& set, const RatingSet* gold, const ReportOptions& opt) {
  AnnotatorReport rep;
  rep.kind = LabelKind::labels;
  rep.consensus_method = opt.consensus;
  rep.reference = gold ? "gold" : opt.consensus;
  rep.items = static_cast<long long>(set.item_count());

  // Classes: the delivery's, then any only the gold uses (nominal sets: all sorted by name).
  rep.classes = set.categories;
  std::unordered_map<std::string, std::string> gold_label;  // item -> class name
  if (gold) {
    for (std::size_t i = 0; i < gold->item_count(); ++i) {
      const auto b = gold->item_offsets[i];
      if (b == gold->item_offsets[i + 1]) continue;
      const auto& name = gold->categories[static_cast<std::size_t>(gold->ratings[b].category)];
      gold_label[gold->items[i]] = name;
      if (std::find(rep.classes.begin(), rep.classes.end(), name) == rep.classes.end()) rep.classes.push_back(name);
    }
    if (set.level == Level::nominal) std::sort(rep.classes.begin(), rep.classes.end());
  }
  const std::size_t q = rep.classes.size();
  check_class_matrices(set, set.annotators.size(), "per-annotator confusion matrices");
  std::unordered_map<std::string, int> class_indices;
  for (std::size_t c = 0; c < q; ++c) class_indices.emplace(rep.classes[c], static_cast<int>(c));
  auto class_index = [&](const std::string& name) { return class_indices.at(name); };
  std::vector<int> to_class(set.categories.size());
  for (std::size_t c = 0; c < set.categories.size(); ++c) to_class[c] = class_index(set.categories[c]);

  // Dawid-Skene costs ratings x classes a step and annotators x classes^2 parameters: beyond
  // k_max_dawid_skene_work it is not run, and the consensus is majority vote (said in a warning).
  const std::uint64_t ds_work = std::max<std::uint64_t>(static_cast<std::uint64_t>(set.rating_count()) * q,
                                                        static_cast<std::uint64_t>(set.annotators.size()) * q * q);
  rep.ds_run = ds_work <= k_max_dawid_skene_work;
  std::string consensus = opt.consensus;
  if (!rep.ds_run) {
    if (consensus != "majority") {
      rep.warnings.push_back(fmt::format("Dawid-Skene not run: {} ratings and {} annotators over {} classes cost {} a step, more than the {} "
                                         "it may (docs/limits.md); the consensus is majority vote",
                                         set.rating_count(), set.annotators.size(), q, ds_work, k_max_dawid_skene_work));
    }
    consensus = "majority";
    rep.consensus_method = consensus;
    if (!gold) rep.reference = consensus;
  }
  DawidSkeneOptions ds_options = opt.dawid_skene;
  ds_options.break_ties = opt.break_ties;
  DawidSkene ds = rep.ds_run ? dawid_skene(set, ds_options) : DawidSkene{};
  rep.ds_iterations = ds.iterations;
  rep.ds_converged = ds.converged;
  rep.ds_log_likelihood = ds.log_likelihood;
  rep.ds_priors = ds.priors;
  // A split vote is a tie: for majority vote always; for Dawid-Skene when its posterior ties too, or
  // when there are only two annotators (it cannot tell which of two is more reliable).
  const bool two_annotator_ties = !opt.break_ties && set.annotators.size() < 3;
  const Consensus mv = consensus == "majority" || two_annotator_ties ? majority_vote(set, opt.seed, opt.break_ties) : Consensus{};
  if (two_annotator_ties) {
    for (std::size_t i = 0; i < mv.tied.size() && i < ds.labels.size(); ++i) {
      if (!mv.tied[i]) continue;
      ds.tied[i] = 1;
      ds.labels[i] = -1;
      ds.confidence[i] = 0;
    }
  }
  const Consensus& cons = consensus == "majority" ? mv : static_cast<const Consensus&>(ds);
  if (!ds.converged && consensus != "majority" && set.rating_count() > 0) {
    rep.warnings.push_back(fmt::format("Dawid-Skene stopped after {} iterations without converging", ds.iterations));
  }

  // The reference of each item: gold where there is gold, else the consensus.
  std::vector<int> reference(set.item_count(), -1);
  std::vector<std::uint8_t> from_gold(set.item_count(), 0);
  for (std::size_t i = 0; i < set.item_count(); ++i) {
    const bool tied = cons.tied.size() > i && cons.tied[i];
    if (cons.labels.size() > i && cons.labels[i] >= 0) {
      reference[i] = to_class[static_cast<std::size_t>(cons.labels[i])];
      rep.consensus.push_back({set.items[i], rep.classes[static_cast<std::size_t>(reference[i])], cons.confidence[i]});
    }
    const auto it = gold ? gold_label.find(set.items[i]) : gold_label.end();
    if (it != gold_label.end()) {
      reference[i] = class_index(it->second);
      from_gold[i] = 1;
      ++rep.gold_items;
    } else if (reference[i] >= 0) {
      ++rep.consensus_items;
    } else if (tied) {
      rep.tied.push_back(set.items[i]);  // no reference: left out of every annotator's error rates
    }
  }

  // Each annotator's ratings in working order: by timestamp when every one has one, else as read.
  const std::size_t A = set.annotators.size();
  struct Entry {
    std::uint32_t item;
    std::uint32_t rating;
  };
  std::vector<std::vector<Entry>> per(A);
  for (std::uint32_t i = 0; i < set.item_count(); ++i) {
    for (auto r = set.item_offsets[i]; r < set.item_offsets[i + 1]; ++r) per[static_cast<std::size_t>(set.ratings[r].annotator)].push_back({i, r});
  }
  std::vector<std::pair<long long, long long>> rank_counts;
  for (std::size_t a = 0; a < A; ++a) {
    auto& entries = per[a];
    const bool timed = !set.timestamps.empty() &&
                       std::all_of(entries.begin(), entries.end(), [&](const Entry& e) { return set.timestamps[e.rating] != RatingSet::k_no_time; });
    std::stable_sort(entries.begin(), entries.end(), [&](const Entry& x, const Entry& y) {
      if (timed && set.timestamps[x.rating] != set.timestamps[y.rating]) return set.timestamps[x.rating] < set.timestamps[y.rating];
      const auto& sx = set.sources[x.rating];
      const auto& sy = set.sources[y.rating];
      return sx.file != sy.file ? sx.file < sy.file : sx.line < sy.line;
    });
    AnnotatorSummary s;
    s.annotator = set.annotators[a];
    s.ratings = static_cast<long long>(entries.size());
    s.confusion.classes = rep.classes;
    s.confusion.counts.assign(q, std::vector<long long>(q, 0));
    std::map<std::pair<int, int>, std::vector<std::string>> examples;
    std::vector<std::uint8_t> outcomes;
    std::vector<std::int64_t> times;
    for (const auto& e : entries) {
      const int ref = reference[e.item];
      if (ref < 0) continue;
      const int given = to_class[static_cast<std::size_t>(set.ratings[e.rating].category)];
      ++s.compared;
      (from_gold[e.item] ? s.gold_items : s.consensus_items)++;
      ++s.confusion.counts[static_cast<std::size_t>(ref)][static_cast<std::size_t>(given)];
      outcomes.push_back(ref == given);
      if (timed) times.push_back(set.timestamps[e.rating]);
      if (ref == given) {
        ++s.correct;
      } else {
        auto& ex = examples[{ref, given}];
        if (static_cast<int>(ex.size()) < opt.examples) ex.push_back(set.items[e.item]);
      }
    }
    s.accuracy = wilson_ratio(s.correct, s.compared, opt.confidence, Reason::nothing_compared);
    s.per_class = class_rows(s.confusion, q, opt.confidence);
    for (auto& [pair, items] : examples) {
      TopConfusion t;
      t.reference_class = rep.classes[static_cast<std::size_t>(pair.first)];
      t.given_class = rep.classes[static_cast<std::size_t>(pair.second)];
      t.count = s.confusion.counts[static_cast<std::size_t>(pair.first)][static_cast<std::size_t>(pair.second)];
      std::sort(items.begin(), items.end());
      t.items = std::move(items);
      s.top_confusions.push_back(std::move(t));
    }
    std::stable_sort(s.top_confusions.begin(), s.top_confusions.end(), [](const TopConfusion& x, const TopConfusion& y) { return x.count > y.count; });
    if (static_cast<int>(s.top_confusions.size()) > opt.top_confusions) s.top_confusions.resize(static_cast<std::size_t>(opt.top_confusions));
    // Dawid–Skene's estimated rows, on the report's classes.
    if (!ds.confusion.empty()) {
      s.dawid_skene_confusion.assign(q, std::vector<double>(q, 0.0));
      s.dawid_skene_weight.assign(q, 0.0);
      for (std::size_t t = 0; t < set.categories.size(); ++t) {
        s.dawid_skene_weight[static_cast<std::size_t>(to_class[t])] = ds.row_weight[a * set.categories.size() + t];
      }
      for (std::size_t t = 0; t < set.categories.size(); ++t) {
        for (std::size_t g = 0; g < set.categories.size(); ++g) {
          s.dawid_skene_confusion[static_cast<std::size_t>(to_class[t])][static_cast<std::size_t>(to_class[g])] =
              ds.error_rate(static_cast<int>(a), static_cast<int>(t), static_cast<int>(g));
        }
      }
    }
    s.drift = drift(outcomes, times, opt.drift);
    rank_counts.emplace_back(s.correct, s.compared);
    rep.annotators.push_back(std::move(s));
  }
  rep.ranking = rank_proportions("accuracy", set.annotators, rank_counts, opt);
  return rep;
}

}  // namespace labelqa::metrics
