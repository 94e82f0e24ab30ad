#include "labelqa/error.hpp"
#include "labelqa/metrics/gold.hpp"

#include <algorithm>
#include <cmath>
#include <doctest/doctest.h>

using namespace labelqa;

// Reference values: scikit-learn 1.2 (accuracy_score, cohen_kappa_score,
// precision_recall_fscore_support, f1_score macro/weighted, confusion_matrix) and statsmodels
// 0.13 (proportion_confint method="wilson") on the data below. The binary's oracle test
// compares generated data against the same functions.
TEST_SUITE_BEGIN("metrics::gold");

TEST_CASE("gold scores: scikit-learn's definitions on a hand-made case") {
  const std::vector<std::int32_t> gold = {0, 0, 0, 1, 1, 1, 1, 2, 2, 0, 1, 2};
  const std::vector<std::int32_t> given = {0, 1, 0, 1, 1, 2, 1, 2, 0, 0, 1, 1};
  const auto s = metrics::score_against_gold(gold, given, 3, 0.95);
  CHECK(*s.accuracy.value == doctest::Approx(0.6666666666666666).epsilon(1e-12));
  CHECK(*s.accuracy.ci_low == doctest::Approx(0.3906220888727995).epsilon(1e-12));
  CHECK(*s.accuracy.ci_high == doctest::Approx(0.8618799089087869).epsilon(1e-12));
  CHECK(*s.cohen_kappa.value == doctest::Approx(0.4782608695652174).epsilon(1e-12));
  REQUIRE(s.per_class.size() == 3);
  const double p[] = {0.75, 0.6666666666666666, 0.5}, r[] = {0.75, 0.8, 0.3333333333333333}, f[] = {0.75, 0.7272727272727272, 0.4};
  const long long support[] = {4, 5, 3};
  for (int c = 0; c < 3; ++c) {
    CHECK(*s.per_class[c].precision.value == doctest::Approx(p[c]).epsilon(1e-12));
    CHECK(*s.per_class[c].recall.value == doctest::Approx(r[c]).epsilon(1e-12));
    CHECK(*s.per_class[c].f1.value == doctest::Approx(f[c]).epsilon(1e-12));
    CHECK(s.per_class[c].support == support[c]);
  }
  CHECK(*s.macro_f1.value == doctest::Approx(0.6257575757575756).epsilon(1e-12));
  CHECK(*s.weighted_f1.value == doctest::Approx(0.653030303030303).epsilon(1e-12));
  CHECK(s.confusion == std::vector<std::vector<long long>>{{3, 1, 0}, {0, 4, 1}, {1, 1, 1}});
  const auto [lo, hi] = metrics::wilson_interval(3, 40, 0.90);
  CHECK(lo == doctest::Approx(0.030370252611738993).epsilon(1e-12));
  CHECK(hi == doctest::Approx(0.17348017873690041).epsilon(1e-12));
}

TEST_CASE("gold scores: undefined cases carry a reason") {
  const auto none = metrics::score_against_gold({}, {}, 2, 0.95);
  CHECK_FALSE(none.accuracy.value);
  CHECK(none.accuracy.undefined_reason == metrics::Reason::no_gold_items);
  // Class 1 delivered but never gold: recall undefined, precision 0, F1 0 (as scikit-learn).
  const auto s = metrics::score_against_gold({0, 0}, {0, 1}, 2, 0.95);
  REQUIRE(s.per_class.size() == 2);
  CHECK(s.per_class[1].recall.undefined_reason == metrics::Reason::no_support);
  CHECK(*s.per_class[1].precision.value == 0.0);
  CHECK(*s.per_class[1].f1.value == 0.0);
}

TEST_CASE("gold labels: per annotator, vendor pooled, conflicts, missing gold") {
  RatingSet delivery;
  delivery.items = {"a", "b", "c"};
  delivery.annotators = {"ann1", "ann2"};
  delivery.categories = {"cat", "dog"};
  delivery.item_offsets = {0, 2, 4, 5};
  delivery.ratings = {{0, 0}, {1, 1}, {0, 1}, {1, 1}, {0, 0}};  // a: cat, dog; b: dog, dog; c: cat
  RatingSet gold;
  gold.items = {"a", "b", "z"};
  gold.annotators = {"gold"};
  gold.categories = {"cat", "dog"};
  gold.item_offsets = {0, 1, 2, 3};
  gold.ratings = {{0, 0}, {0, 1}, {0, 0}};  // a: cat, b: dog, z: cat
  metrics::GoldOptions opt;
  opt.bootstrap = 0;
  const auto r = metrics::gold_labels(delivery, gold, opt);
  CHECK(r.gold_items == 3);
  CHECK(r.delivered_items == 3);
  CHECK(r.items_without_gold == 1);
  REQUIRE(r.gold_missing.size() == 1);
  CHECK(r.items[r.gold_missing[0]] == "z");
  CHECK(*r.subjects[0].metrics.at("accuracy").value == 1.0);
  CHECK(*r.subjects[1].metrics.at("accuracy").value == 0.5);
  CHECK(*r.vendor.metrics.at("accuracy").value == 0.75);  // 3 of 4 pooled ratings
  CHECK(r.vendor.gold_items == 2);
  REQUIRE(r.conflicts.size() == 1);
  CHECK(r.conflicts[0].type == metrics::ConflictType::mismatching_label);
  CHECK(r.conflicts[0].cls == "dog");
  CHECK(r.conflicts[0].gold_class == "cat");

  metrics::GoldPolicy policy;
  policy.min_items = 2;
  policy.rules.push_back({"accuracy", 0.9, "all", "", "", "test"});
  const auto ev = metrics::evaluate_rules(r, policy, 0.95);
  REQUIRE(ev.outcomes.size() == 3);
  CHECK(ev.outcomes[0].subject == "vendor");
  CHECK(ev.outcomes[0].outcome == metrics::RuleResult::fail);
  CHECK(ev.outcomes[1].outcome == metrics::RuleResult::pass);
  CHECK(ev.outcomes[2].outcome == metrics::RuleResult::fail);
  CHECK(ev.status == std::vector<metrics::RuleResult>{metrics::RuleResult::pass, metrics::RuleResult::fail});
  policy.min_items = 3;
  CHECK(metrics::evaluate_rules(r, policy, 0.95).status == std::vector<metrics::RuleResult>{metrics::RuleResult::insufficient, metrics::RuleResult::insufficient});
  policy.rules[0].metric = "nope";
  CHECK_THROWS_AS(metrics::evaluate_rules(r, policy, 0.95), UsageError);
}

TEST_CASE("gold plan: Wilson lower bound and exact binomial power") {
  // The defining property on both sides of each answer.
  const auto p = metrics::plan_gold_items(0.95, 0.97, 0.95, 0.8, metrics::GateOn::ci_low);
  REQUIRE(p.items_at_expected);
  const long long n = *p.items_at_expected;
  CHECK(metrics::wilson_interval(0.97 * n, n, 0.95).first >= 0.95);
  CHECK(metrics::wilson_interval(0.97 * (n - 1), n - 1, 0.95).first < 0.95);
  REQUIRE(p.items_for_power);
  CHECK(*p.items_for_power > n);
  CHECK(metrics::wilson_interval(*p.pass_items, *p.items_for_power, 0.95).first >= 0.95);
  CHECK(metrics::wilson_interval(*p.pass_items - 1, *p.items_for_power, 0.95).first < 0.95);
  CHECK_FALSE(metrics::plan_gold_items(0.95, 0.95, 0.95, 0.8, metrics::GateOn::ci_low).items_for_power);
}

TEST_CASE("gold plan: gating on the value needs fewer items than gating on the lower bound") {
  // P(X >= k) for X ~ Binomial(n, p), summed term by term.
  auto tail = [](long long n, long long k, double p) {
    double sum = 0;
    for (long long j = std::max(0LL, k); j <= n; ++j) {
      sum += std::exp(std::lgamma(n + 1.0) - std::lgamma(j + 1.0) - std::lgamma(n - j + 1.0) + j * std::log(p) + (n - j) * std::log1p(-p));
    }
    return sum;
  };
  auto pass = [](long long n) { return static_cast<long long>(std::ceil(0.95 * static_cast<double>(n) - 1e-9)); };
  const auto v = metrics::plan_gold_items(0.95, 0.97, 0.95, 0.8, metrics::GateOn::value);
  REQUIRE(v.items_for_power);
  const long long n = *v.items_for_power;
  CHECK_FALSE(v.items_at_expected);  // an observed 0.97 passes a value gate at any n
  CHECK(*v.pass_items == pass(n));
  CHECK(tail(n, pass(n), 0.97) >= 0.8);
  for (long long m = 1; m < n; ++m) CHECK(tail(m, pass(m), 0.97) < 0.8);  // the smallest such n
  CHECK(n < *metrics::plan_gold_items(0.95, 0.97, 0.95, 0.8, metrics::GateOn::ci_low).items_for_power);
}

TEST_SUITE_END();
