// Worked examples with published numbers, then edge cases.
// Sources:
//  [K2011] Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability, example C (4 coders,
//          12 units, missing values): nominal .743, ordinal .815, interval .849, ratio .797.
//  [G2014] Gwet, K.L. (2014). Handbook of Inter-Rater Reliability, 4th ed., p. 120 (the same
//          ratings with unit 12 rated by rater 3), as published in the irrCAC package's documented
//          outputs and test suite (afergadis/irrCAC test/unit/irrCAC/raw/*.py, 3 or 5 digits).
//  [F1971] Fleiss, J.L. (1971) style 10 x 14 example (Wikipedia "Fleiss' kappa"; statsmodels'
//          test_inter_rater table0): kappa = 0.210 (statsmodels: 0.20993070442195522).
#include "helpers.hpp"
#include "labelqa/metrics/agreement.hpp"
#include "labelqa/metrics/analyze.hpp"
#include "labelqa/metrics/distributions.hpp"

#include <cmath>
#include <doctest/doctest.h>

using namespace labelqa;
using namespace labelqa::metrics;
using labelqa::test::ratings_from_counts;
using labelqa::test::ratings_from_matrix;

namespace {

constexpr int NA = -1;

// [G2014] raw_4raters, categories 1..5 stored as 0..4.
RatingSet gwet_4raters(Level level = Level::nominal) {
  std::vector<std::vector<int>> m = {
      {1, 1, NA, 1}, {2, 2, 3, 2}, {3, 3, 3, 3}, {3, 3, 3, 3}, {2, 2, 2, 2},   {1, 2, 3, 4},
      {4, 4, 4, 4},  {1, 1, 2, 1}, {2, 2, 2, 2}, {NA, 5, 5, 5}, {NA, NA, 1, 1}, {NA, NA, 3, NA}};
  for (auto& row : m) for (auto& v : row) if (v != NA) v -= 1;
  return ratings_from_matrix(m, 5, level, level == Level::nominal ? std::vector<double>{} : std::vector<double>{1, 2, 3, 4, 5});
}

// [G2014] raw_5observers, scores 0..3.
RatingSet gwet_5observers() {
  std::vector<std::vector<int>> m = {
      {1, 1, 2, NA, 2}, {1, 1, 0, 1, NA}, {2, 3, 3, 3, NA}, {NA, 0, 0, NA, 0}, {0, 0, 0, NA, 0},
      {0, 0, 0, NA, 0}, {1, 0, 2, NA, 1}, {1, NA, 2, 0, NA}, {2, 2, 2, NA, 2},  {2, 1, 1, 1, NA},
      {NA, 1, 0, 0, NA}, {0, 0, 0, 0, NA}, {1, 2, 2, 2, NA},  {3, 3, 2, 2, 3},   {1, 1, 1, NA, 1}};
  return ratings_from_matrix(m, 4);
}

// [G2014] raw_gender: categories a, b, c as 0, 1, 2.
RatingSet gwet_gender() {
  const std::vector<std::string> cols = {"aaaaabbbcaaaaab", "aaaababccaaaaba", "abbcaabbcabbcaa", "ccccaabbcccccaa"};
  std::vector<std::vector<int>> m(15, std::vector<int>(4));
  for (int a = 0; a < 4; ++a) for (int i = 0; i < 15; ++i) m[i][a] = cols[a][i] - 'a';
  return ratings_from_matrix(m, 3);
}

// [F1971] counts of 14 raters over 5 categories for 10 subjects.
const std::vector<std::vector<int>> k_fleiss_counts = {
    {0, 0, 0, 0, 14}, {0, 2, 6, 4, 2}, {0, 0, 3, 5, 6}, {0, 3, 9, 2, 0}, {2, 2, 8, 1, 1},
    {7, 7, 0, 0, 0},  {3, 2, 6, 3, 0}, {2, 5, 3, 2, 2}, {6, 5, 2, 1, 0}, {0, 2, 2, 3, 7}};

struct Published {
  double value, se, ci_low, ci_high;
};

void check(const Estimate& e, double confidence, Published p, double tol) {
  REQUIRE(e.value.has_value());
  REQUIRE(e.se.has_value());
  CHECK(std::fabs(*e.value - p.value) <= tol);
  CHECK(std::fabs(*e.se - p.se) <= tol);
  const double crit = critical_value(confidence, e.df);
  CHECK(std::fabs(std::max(-1.0, *e.value - crit * *e.se) - p.ci_low) <= tol);
  CHECK(std::fabs(std::min(1.0, *e.value + crit * *e.se) - p.ci_high) <= tol);
}

}  // namespace

TEST_SUITE("metrics::agreement") {
  TEST_CASE("edge: a single annotator has no agreement") {
    RatingSet rs = ratings_from_matrix({{0}, {1}, {1}}, 2);
    PatternSet ps = compress(rs);
    auto e = chance_corrected(ps, ps.freq.data(), identity_weights(2), Chance::fleiss, true);
    CHECK_FALSE(e.value.has_value());
    CHECK(e.undefined_reason == metrics::Reason::single_annotator);
    CHECK(krippendorff_alpha(ps, ps.freq.data(), Level::nominal, {}, true).undefined_reason == metrics::Reason::single_annotator);
  }

  TEST_CASE("edge: no item rated twice") {
    RatingSet rs = ratings_from_matrix({{0, NA}, {NA, 1}, {1, NA}}, 2);
    PatternSet ps = compress(rs);
    for (Chance c : {Chance::percent, Chance::fleiss, Chance::gwet, Chance::brennan_prediger}) {
      CHECK(chance_corrected(ps, ps.freq.data(), identity_weights(2), c, true).undefined_reason == metrics::Reason::no_pairable_items);
    }
    CHECK(conger_kappa(ps, ps.freq.data(), true).undefined_reason == metrics::Reason::no_pairable_items);
    CHECK(krippendorff_alpha(ps, ps.freq.data(), Level::nominal, {}, true).undefined_reason == metrics::Reason::no_pairable_items);
  }

  TEST_CASE("edge: everyone uses one category") {
    RatingSet rs = ratings_from_matrix({{0, 0}, {0, 0}, {0, 0}}, 1);
    PatternSet ps = compress(rs);
    auto pa = chance_corrected(ps, ps.freq.data(), identity_weights(1), Chance::percent, true);
    REQUIRE(pa.value.has_value());
    CHECK(*pa.value == 1.0);
    CHECK(chance_corrected(ps, ps.freq.data(), identity_weights(1), Chance::fleiss, true).undefined_reason == metrics::Reason::single_category);
    CHECK(chance_corrected(ps, ps.freq.data(), identity_weights(1), Chance::gwet, true).undefined_reason == metrics::Reason::single_category);
    CHECK(chance_corrected(ps, ps.freq.data(), identity_weights(1), Chance::brennan_prediger, true).undefined_reason == metrics::Reason::single_category);
    CHECK(conger_kappa(ps, ps.freq.data(), true).undefined_reason == metrics::Reason::single_category);
    CHECK(krippendorff_alpha(ps, ps.freq.data(), Level::nominal, {}, true).undefined_reason == metrics::Reason::single_category);
  }

  TEST_CASE("edge: perfect agreement on two categories gives 1") {
    RatingSet rs = ratings_from_matrix({{0, 0, 0}, {1, 1, 1}, {0, 0, NA}}, 2);
    PatternSet ps = compress(rs);
    for (Chance c : {Chance::percent, Chance::fleiss, Chance::gwet, Chance::brennan_prediger}) {
      CHECK(*chance_corrected(ps, ps.freq.data(), identity_weights(2), c, false).value == doctest::Approx(1.0));
    }
    CHECK(*krippendorff_alpha(ps, ps.freq.data(), Level::nominal, {}, false).value == doctest::Approx(1.0));
    CHECK(*conger_kappa(ps, ps.freq.data(), false).value == doctest::Approx(1.0));
  }

  TEST_CASE("percent agreement: hand-computed") {
    // Item 1: 3 raters a,a,b -> 1 agreeing pair of 3 = 1/3; item 2: a,a -> 1; item 3: one rating (ignored).
    // Mean over items with >= 2 ratings: (1/3 + 1) / 2 = 2/3.
    RatingSet rs = ratings_from_matrix({{0, 0, 1}, {0, 0, NA}, {1, NA, NA}}, 2);
    PatternSet ps = compress(rs);
    CHECK(*chance_corrected(ps, ps.freq.data(), identity_weights(2), Chance::percent, false).value ==
          doctest::Approx(2.0 / 3.0).epsilon(1e-15));
  }

  TEST_CASE("[K2011] Krippendorff's alpha at four levels") {
    // Krippendorff's own layout: observer B rates unit 12.
    std::vector<std::vector<int>> m = {
        {1, 1, NA, 1}, {2, 2, 3, 2}, {3, 3, 3, 3}, {3, 3, 3, 3}, {2, 2, 2, 2},   {1, 2, 3, 4},
        {4, 4, 4, 4},  {1, 1, 2, 1}, {2, 2, 2, 2}, {NA, 5, 5, 5}, {NA, NA, 1, 1}, {NA, 3, NA, NA}};
    for (auto& row : m) for (auto& v : row) if (v != NA) v -= 1;
    const std::vector<double> scores = {1, 2, 3, 4, 5};
    const std::pair<Level, double> expected[] = {
        {Level::nominal, 0.743}, {Level::ordinal, 0.815}, {Level::interval, 0.849}, {Level::ratio, 0.797}};
    for (auto [level, value] : expected) {
      RatingSet rs = ratings_from_matrix(m, 5, level, scores);
      PatternSet ps = compress(rs);
      auto e = krippendorff_alpha(ps, ps.freq.data(), level, scores, false);
      REQUIRE(e.value.has_value());
      CHECK(std::round(*e.value * 1000) / 1000 == doctest::Approx(value).epsilon(1e-12));
    }
  }

  TEST_CASE("[G2014] raw_4raters: AC1, Fleiss, Conger, Brennan-Prediger, alpha with SE and CI") {
    RatingSet rs = gwet_4raters();
    PatternSet ps = compress(rs);
    const double* w = ps.freq.data();
    const auto I = identity_weights(5);
    // irrCAC documented output (5 digits)
    check(chance_corrected(ps, w, I, Chance::gwet, true), 0.95, {0.77544, 0.14295, 0.46081, 1}, 0.5e-5);
    check(chance_corrected(ps, w, I, Chance::fleiss, true), 0.95, {0.76117, 0.15302, 0.42438, 1}, 0.5e-5);
    // irrCAC test suite (3 digits)
    check(conger_kappa(ps, w, true), 0.95, {0.763, 0.149, 0.435, 1}, 0.5e-3);
    check(chance_corrected(ps, w, I, Chance::brennan_prediger, true), 0.95, {0.773, 0.145, 0.454, 1}, 0.5e-3);
    // Krippendorff's alpha: irrCAC's current R code (krippen.alpha.raw since 2021), whose own
    // documentation prints alpha 0.74342, SE 0.14548 and CI (0.423, 1) for this dataset.
    const Estimate alpha = krippendorff_alpha(ps, w, Level::nominal, {}, true);
    check(alpha, 0.95, {0.74342, 0.14548, 0.423, 1}, 0.5e-3);
    CHECK(std::fabs(*alpha.value - 0.74342) <= 0.5e-5);
    CHECK(std::fabs(*alpha.se - 0.14548) <= 0.5e-5);
  }

  TEST_CASE("[G2014] raw_4raters: weighted AC2 and alpha") {
    RatingSet rs = gwet_4raters(Level::interval);
    PatternSet ps = compress(rs);
    const double* w = ps.freq.data();
    check(chance_corrected(ps, w, linear_weights(rs.category_scores), Chance::gwet, true), 0.95,
          {0.859, 0.117, 0.600, 1}, 0.5e-3);
    check(chance_corrected(ps, w, quadratic_weights(rs.category_scores), Chance::gwet, true), 0.95,
          {0.914, 0.104, 0.685, 1}, 0.5e-3);
    check(chance_corrected(ps, w, linear_weights(rs.category_scores), Chance::fleiss, true), 0.95,
          {0.818, 0.149, 0.491, 1}, 0.5e-3);
    // irrCAC's quadratic and ratio weights are Krippendorff's interval and ratio metrics. Value and
    // SE: irrCAC's test suite (3 digits); the interval takes the current R code's t quantile with
    // (units rated) - 1 = 11 degrees of freedom: 0.849 - 2.200985 * 0.12905 and 0.797 - 2.200985 * 0.14036.
    check(krippendorff_alpha(ps, w, Level::interval, rs.category_scores, true), 0.95, {0.849, 0.129, 0.565, 1}, 0.5e-3);
    check(krippendorff_alpha(ps, w, Level::ratio, rs.category_scores, true), 0.95, {0.797, 0.140, 0.488, 1}, 0.5e-3);
  }

  TEST_CASE("[G2014] raw_5observers") {
    RatingSet rs = gwet_5observers();
    PatternSet ps = compress(rs);
    const double* w = ps.freq.data();
    const auto I = identity_weights(4);
    check(chance_corrected(ps, w, I, Chance::gwet, true), 0.95, {0.497, 0.122, 0.235, 0.758}, 0.5e-3);
    check(chance_corrected(ps, w, I, Chance::fleiss, true), 0.95, {0.458, 0.120, 0.199, 0.716}, 0.5e-3);
    check(conger_kappa(ps, w, true), 0.95, {0.469, 0.117, 0.219, 0.719}, 0.5e-3);
    check(chance_corrected(ps, w, I, Chance::brennan_prediger, true), 0.95, {0.487, 0.121, 0.228, 0.747}, 0.5e-3);
    check(krippendorff_alpha(ps, w, Level::nominal, {}, true), 0.95, {0.481, 0.114, 0.237, 0.724}, 0.5e-3);
  }

  TEST_CASE("[G2014] raw_gender: negative lower bounds") {
    RatingSet rs = gwet_gender();
    PatternSet ps = compress(rs);
    const double* w = ps.freq.data();
    const auto I = identity_weights(3);
    check(chance_corrected(ps, w, I, Chance::gwet, true), 0.95, {0.208, 0.091, 0.014, 0.403}, 0.5e-3);
    check(chance_corrected(ps, w, I, Chance::fleiss, true), 0.95, {0.129, 0.141, -0.172, 0.430}, 0.5e-3);
    check(conger_kappa(ps, w, true), 0.95, {0.166, 0.121, -0.094, 0.426}, 0.5e-3);
    check(chance_corrected(ps, w, I, Chance::brennan_prediger, true), 0.95, {0.183, 0.102, -0.035, 0.402}, 0.5e-3);
    check(krippendorff_alpha(ps, w, Level::nominal, {}, true), 0.95, {0.143, 0.141, -0.158, 0.445}, 0.5e-3);
  }

  TEST_CASE("[F1971] Fleiss' kappa, 10 subjects x 14 raters") {
    RatingSet rs = ratings_from_counts(k_fleiss_counts);
    PatternSet ps = compress(rs);
    auto e = chance_corrected(ps, ps.freq.data(), identity_weights(5), Chance::fleiss, false);
    CHECK(*e.value == doctest::Approx(0.20993070442195522).epsilon(1e-12));
  }

  TEST_CASE("category kappa equals Fleiss' per-category formula on complete data") {
    // kappa_j = 1 - sum_i x_ij (m - x_ij) / (n m (m-1) p_j q_j), Fleiss (1971) eq. 10.
    const auto& counts = k_fleiss_counts;
    RatingSet rs = ratings_from_counts(counts);
    PatternSet ps = compress(rs);
    const double n = 10, m = 14;
    for (int j = 0; j < 5; ++j) {
      double pj = 0, s = 0;
      for (const auto& row : counts) {
        pj += row[j];
        s += row[j] * (m - row[j]);
      }
      pj /= n * m;
      const double expected = 1 - s / (n * m * (m - 1) * pj * (1 - pj));
      CHECK(*category_kappa(ps, ps.freq.data(), j, false).value == doctest::Approx(expected).epsilon(1e-12));
    }
  }

  TEST_CASE("specific agreement: two raters, 2 n_kk / (n_k. + n_.k)") {
    // Table (rows rater 0, cols rater 1): [[20, 5], [10, 15]] -> class 0: 40 / (25 + 30); class 1: 30 / (25 + 20)
    std::vector<std::vector<int>> m;
    auto add = [&](int a, int b, int count) { for (int i = 0; i < count; ++i) m.push_back({a, b}); };
    add(0, 0, 20); add(0, 1, 5); add(1, 0, 10); add(1, 1, 15);
    RatingSet rs = ratings_from_matrix(m, 2);
    PatternSet ps = compress(rs);
    CHECK(*specific_agreement(ps, ps.freq.data(), 0).value == doctest::Approx(40.0 / 55.0).epsilon(1e-14));
    CHECK(*specific_agreement(ps, ps.freq.data(), 1).value == doctest::Approx(30.0 / 45.0).epsilon(1e-14));
    RatingSet unused = ratings_from_matrix(m, 3);
    PatternSet ps3 = compress(unused);
    CHECK(specific_agreement(ps3, ps3.freq.data(), 2).undefined_reason == metrics::Reason::class_not_rated_on_pairable_items);
  }

  TEST_CASE("analyze: bootstrap is seeded and independent of the thread count's scheduling") {
    RatingSet rs = gwet_5observers();
    AgreeOptions opt;
    opt.ci = CiMode::bootstrap;
    opt.bootstrap = 200;
    opt.seed = 7;
    auto a = analyze_agreement(rs, opt);
    auto b = analyze_agreement(rs, opt);
    const auto& ea = a.overall.at("fleiss_kappa");
    const auto& eb = b.overall.at("fleiss_kappa");
    REQUIRE(ea.ci_low.has_value());
    CHECK(*ea.ci_low == *eb.ci_low);
    CHECK(*ea.ci_high == *eb.ci_high);
    CHECK(ea.ci_method == metrics::CiMethod::bootstrap);
    CHECK(*ea.ci_low < *ea.value);
    CHECK(*ea.value < *ea.ci_high);
    opt.seed = 8;
    auto c = analyze_agreement(rs, opt);
    CHECK(*c.overall.at("fleiss_kappa").ci_low != *ea.ci_low);
  }

  TEST_CASE("analyze: two annotators report Cohen's kappa overall, more do not") {
    RatingSet two = ratings_from_matrix({{0, 0}, {1, 1}, {0, 1}, {1, 1}}, 2);
    auto r2 = analyze_agreement(two, {});
    REQUIRE(r2.overall.at("cohen_kappa").value.has_value());
    CHECK(*r2.overall.at("cohen_kappa").value == *r2.pairs.at(0).metrics.at("cohen_kappa").value);
    RatingSet three = ratings_from_matrix({{0, 0, 1}, {1, 1, 1}, {0, 1, 0}}, 2);
    auto r3 = analyze_agreement(three, {});
    CHECK(r3.overall.at("cohen_kappa").undefined_reason == metrics::Reason::needs_exactly_two_annotators);
    CHECK(r3.pairs.size() == 3);
  }

  TEST_CASE("analyze: kappa paradox warning on skewed classes") {
    std::vector<std::vector<int>> m(90, {0, 0});
    m.push_back({0, 1}); m.push_back({1, 0}); m.push_back({0, 1}); m.push_back({1, 0}); m.push_back({0, 1});
    auto r = analyze_agreement(ratings_from_matrix(m, 2), {});
    REQUIRE(r.warnings.size() == 1);
    CHECK(r.warnings[0].code == metrics::WarningCode::kappa_paradox);
  }
}
