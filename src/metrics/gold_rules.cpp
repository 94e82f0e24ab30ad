// Policy rules against gold scores, subject statuses, and gold-set adequacy (how many gold items
// tell a value from a threshold). docs/gold.md defines each rule outcome and both item counts.
#include "labelqa/error.hpp"
#include "labelqa/metrics/gates.hpp"
#include "labelqa/metrics/gold.hpp"

#include <algorithm>
#include <map>
#include <cmath>
#include <fmt/format.h>
#include <functional>
#include <set>
#include <tuple>

namespace labelqa::metrics {
namespace {

double wilson_low(double k, double n, double confidence) { return wilson_interval(k, n, confidence).first; }

// The smallest n in [1, limit] for which ok(n) holds, when ok is monotone (false ... true).
std::optional<long long> smallest(long long limit, const std::function<bool(long long)>& ok) {
  long long hi = 1;
  while (hi < limit && !ok(hi)) hi *= 2;
  hi = std::min(hi, limit);
  if (!ok(hi)) return std::nullopt;
  long long lo = hi / 2;  // ok(lo) is false (or lo == 0)
  while (hi - lo > 1) {
    const long long mid = lo + (hi - lo) / 2;
    (ok(mid) ? hi : lo) = mid;
  }
  return hi;
}

// P(X >= k) for X ~ Binomial(n, p), summed from k upward until the terms no longer matter.
double binomial_tail(long long n, long long k, double p) {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p >= 1) return 1;
  if (p <= 0) return 0;
  const double dn = static_cast<double>(n), dk = static_cast<double>(k);
  double log_term = std::lgamma(dn + 1) - std::lgamma(dk + 1) - std::lgamma(dn - dk + 1) + dk * std::log(p) + (dn - dk) * std::log1p(-p);
  double term = std::exp(log_term), sum = 0;
  const double odds = p / (1 - p);
  for (long long j = k; j <= n; ++j) {
    sum += term;
    if (static_cast<double>(j) > dn * p && term < 1e-17 * sum) break;
    term *= static_cast<double>(n - j) / static_cast<double>(j + 1) * odds;
  }
  return std::min(1.0, sum);
}

// Gold items at which the interval of `e` would separate its value from `threshold`.
void adequacy(RuleOutcome& o, const Estimate& e, double threshold, double confidence) {
  if (!e.value) {
    o.needed_reason = Reason::undefined_value;
    return;
  }
  const double v = *e.value;
  if (v == threshold) {
    o.needed_reason = Reason::value_equals_threshold;
    return;
  }
  if (e.ci_method == CiMethod::wilson) {
    o.needed_items = smallest(1000000000, [&](long long n) {
      const auto [lo, hi] = wilson_interval(v * static_cast<double>(n), static_cast<double>(n), confidence);
      return v > threshold ? lo > threshold : hi < threshold;
    });
    if (!o.needed_items) o.needed_reason = Reason::more_than_a_billion;
    return;
  }
  if (!e.ci_low || !e.ci_high || o.gold_items <= 0) {
    o.needed_reason = Reason::no_interval;
    return;
  }
  // An interval's half-width shrinks as 1/sqrt(n).
  const double half = (*e.ci_high - *e.ci_low) / 2, gap = std::abs(v - threshold);
  const double n = static_cast<double>(o.gold_items) * (half / gap) * (half / gap);
  o.needed_items = std::max(1LL, static_cast<long long>(std::ceil(n - 1e-9)));
}

const Estimate* find_metric(const SubjectScores& s, const std::string& metric, const std::string& cls) {
  if (cls.empty()) {
    auto it = s.metrics.find(metric);
    return it == s.metrics.end() ? nullptr : &it->second;
  }
  // Scores of a named part (attribute_accuracy[occluded]) are the subject's own.
  if (auto it = s.metrics.find(metric + "[" + cls + "]"); it != s.metrics.end()) return &it->second;
  for (const auto& c : s.per_class) {
    if (c.name != cls) continue;
    auto it = c.metrics.find(metric);
    return it == c.metrics.end() ? nullptr : &it->second;
  }
  return nullptr;
}

std::string known_list(const std::set<std::string>& names) { return fmt::format("{}", fmt::join(names, ", ")); }

}  // namespace

std::string outcome_reason(const RuleOutcome& o) {
  if (o.undefined_reason == Reason::fewer_than_min_gold_items) return fmt::format("fewer_than_{}_gold_items", o.min_items);
  return reason_name(o.undefined_reason);
}

RuleEvaluation evaluate_rules(const GoldResult& result, const GoldPolicy& policy, double confidence) {
  RuleEvaluation ev;
  const int A = static_cast<int>(result.subjects.size());
  auto subject = [&](int s) -> const SubjectScores& { return s < 0 ? result.vendor : result.subjects[static_cast<std::size_t>(s)]; };
  std::set<std::string> metrics, class_metrics, classes;
  for (const auto& [k, e] : result.vendor.metrics) metrics.insert(k);
  for (int s = -1; s < A; ++s) {
    for (const auto& c : subject(s).per_class) {
      classes.insert(c.name);
      for (const auto& [k, e] : c.metrics) class_metrics.insert(k);
    }
  }
  std::vector<std::pair<int, RuleOutcome>> rows;
  // Error rates and distances: lower is better, so a minimum on them gates the wrong way.
  // Each error rate and the score to gate on instead, as "score (1 - rate)".
  static const std::map<std::string, std::string> k_error_rates = {
      {"wer", "word_accuracy (1 - wer)"},           {"cer", "char_accuracy (1 - cer)"},
      {"der", "diarization_accuracy (1 - der)"},    {"jer", "mean_jaccard (1 - jer)"},
      {"missed_speech", "diarization_accuracy (1 - der)"}, {"false_alarm", "diarization_accuracy (1 - der)"},
      {"speaker_confusion", "diarization_accuracy (1 - der)"}, {"keypoint_miss_rate", "pck (or pck[JOINT] for one keypoint)"},
      {"line_distance", "line_similarity"}};
  for (const GoldRule& rule : policy.rules) {
    if (const auto it = k_error_rates.find(rule.metric); it != k_error_rates.end() && metrics.count(rule.metric)) {
      throw UsageError(fmt::format("{}: {} is an error rate or distance (lower is better) and rules give a minimum; gate on {} instead", rule.origin, rule.metric,
                                   it->second));
    }
    if (rule.cls.empty() && !metrics.count(rule.metric)) {
      throw UsageError(fmt::format("{}: unknown metric \"{}\" (gold {} scores: {})", rule.origin, rule.metric, label_kind_name(result.kind), known_list(metrics)));
    }
    if (!rule.cls.empty() && !metrics.count(rule.metric + "[" + rule.cls + "]")) {
      if (!classes.count(rule.cls)) {
        throw UsageError(fmt::format("{}: class \"{}\" is neither in the gold nor in the delivery (classes: {})", rule.origin, rule.cls,
                                     known_list(classes)));
      }
      if (!class_metrics.count(rule.metric)) {
        throw UsageError(fmt::format("{}: metric \"{}\" has no per-class value (per class: {})", rule.origin, rule.metric,
                                     known_list(class_metrics)));
      }
    }
    std::vector<int> who;
    if (rule.subject == "vendor" || rule.subject == "all") who.push_back(-1);
    if (rule.subject == "each_annotator" || rule.subject == "all") {
      for (int s = 0; s < A; ++s) who.push_back(s);
    }
    if (who.empty()) {
      auto it = std::find(result.annotators.begin(), result.annotators.end(), rule.subject);
      if (it == result.annotators.end()) {
        throw UsageError(fmt::format("{}: subject \"{}\" is not \"vendor\", \"each_annotator\", \"all\" or an annotator of the delivery ({})",
                                     rule.origin, rule.subject, fmt::join(result.annotators, ", ")));
      }
      who.push_back(static_cast<int>(it - result.annotators.begin()));
    }
    const std::string compare = rule.compare.empty() ? policy.compare : rule.compare;
    for (int s : who) {
      const SubjectScores& sub = subject(s);
      RuleOutcome o;
      o.metric = rule.metric;
      o.cls = rule.cls;
      o.rule = fmt::format("{}{}>={}", rule.metric, rule.cls.empty() ? "" : fmt::format("[{}]", rule.cls), rule.min);
      o.subject = sub.name;
      o.threshold = rule.min;
      o.compared = compare == "ci_low" ? GateOn::ci_low : GateOn::value;
      o.gold_items = sub.gold_items;
      const Estimate* e = find_metric(sub, rule.metric, rule.cls);
      if (!e) {
        o.undefined_reason = Reason::class_not_scored;
        o.needed_reason = Reason::undefined_value;
      } else {
        o.point = e->value;
        o.value = gated_value(*e, o.compared);
        if (!e->value) {
          o.undefined_reason = e->undefined_reason;
        } else if (!o.value) {
          o.undefined_reason = e->ci_undefined_reason == Reason::none ? Reason::no_interval : e->ci_undefined_reason;
        }
        adequacy(o, *e, rule.min, confidence);
      }
      if (sub.gold_items < policy.min_items || !o.value) {
        o.outcome = RuleResult::insufficient;
        if (sub.gold_items < policy.min_items) {
          o.undefined_reason = Reason::fewer_than_min_gold_items;
          o.min_items = policy.min_items;
        }
      } else {
        o.passed = *o.value >= rule.min;
        o.outcome = o.passed ? RuleResult::pass : RuleResult::fail;
      }
      rows.emplace_back(s, std::move(o));
    }
  }
  if (policy.max_gold_missing) {
    RuleOutcome o;
    o.metric = "gold_missing";
    o.rule = fmt::format("gold_missing<={}", *policy.max_gold_missing);
    o.subject = "vendor";
    o.value = o.point = static_cast<double>(result.gold_missing.size());
    o.threshold = static_cast<double>(*policy.max_gold_missing);
    o.compared = GateOn::value;
    o.gold_items = result.gold_items;
    o.passed = static_cast<long long>(result.gold_missing.size()) <= *policy.max_gold_missing;
    o.outcome = o.passed ? RuleResult::pass : RuleResult::fail;
    o.needed_reason = Reason::not_a_score;
    rows.emplace_back(-1, std::move(o));
  }
  std::stable_sort(rows.begin(), rows.end(), [](const auto& x, const auto& y) {
    // The compared number by its name ("ci_low" before "value"), as the reports have always sorted.
    const std::string_view cx = gate_on_name(x.second.compared), cy = gate_on_name(y.second.compared);
    return std::tie(x.first, x.second.metric, x.second.cls, x.second.threshold, cx) < std::tie(y.first, y.second.metric, y.second.cls, y.second.threshold, cy);
  });
  auto status_of = [&](int s) {
    bool fail = false, insufficient = subject(s).gold_items < policy.min_items;
    for (const auto& [who, o] : rows) {
      if (who != s) continue;
      fail |= o.outcome == RuleResult::fail;
      insufficient |= o.outcome == RuleResult::insufficient;
    }
    return fail ? RuleResult::fail : insufficient ? RuleResult::insufficient : RuleResult::pass;
  };
  ev.vendor_status = status_of(-1);
  for (int s = 0; s < A; ++s) ev.status.push_back(status_of(s));
  for (auto& [s, o] : rows) {
    if (o.outcome == RuleResult::fail) ev.failed = true;
    if (o.outcome == RuleResult::insufficient) ev.insufficient = true;
    ev.outcomes.push_back(std::move(o));
  }
  ev.gate_failed = ev.failed || (ev.insufficient && policy.insufficient_fails);
  return ev;
}

GoldPlan plan_gold_items(double threshold, double expected, double confidence, double power, GateOn gate_on, long long limit) {
  GoldPlan plan;
  if (!(expected > threshold)) return plan;
  if (gate_on == GateOn::value) {
    // The observed proportion k / n passes when k >= ceil(threshold * n) (less a rounding margin).
    for (long long n = 1; n <= limit; ++n) {
      const long long pass = static_cast<long long>(std::ceil(threshold * static_cast<double>(n) - 1e-9));
      if (binomial_tail(n, pass, expected) >= power) {
        plan.items_for_power = n;
        plan.pass_items = pass;
        break;
      }
    }
    return plan;
  }
  plan.items_at_expected = smallest(limit, [&](long long n) {
    return wilson_low(expected * static_cast<double>(n), static_cast<double>(n), confidence) >= threshold;
  });
  for (long long n = 1; n <= limit; ++n) {
    const double dn = static_cast<double>(n);
    if (wilson_low(dn, dn, confidence) < threshold) continue;  // not even n correct out of n passes
    long long lo = -1, hi = n;  // wilson_low(hi) >= threshold
    while (hi - lo > 1) {
      const long long mid = lo + (hi - lo) / 2;
      (wilson_low(static_cast<double>(mid), dn, confidence) >= threshold ? hi : lo) = mid;
    }
    if (binomial_tail(n, hi, expected) >= power) {
      plan.items_for_power = n;
      plan.pass_items = hi;
      break;
    }
  }
  return plan;
}

}  // namespace labelqa::metrics
