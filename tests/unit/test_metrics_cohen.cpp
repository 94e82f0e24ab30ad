// Cohen's kappa: the textbook 2x2 example (Wikipedia "Cohen's kappa": 20/5/10/15 of 50 -> po 0.7,
// pe 0.5, kappa 0.4); variance checked against statsmodels in tests/oracle.
#include "labelqa/metrics/cohen.hpp"

#include <doctest/doctest.h>

using namespace labelqa::metrics;

TEST_SUITE("metrics::cohen") {
  TEST_CASE("2x2 worked example") {
    std::vector<TableCell> t = {{0, 0, 20}, {0, 1, 5}, {1, 0, 10}, {1, 1, 15}};
    auto e = cohen_kappa(t, 2, identity_weights(2), true);
    CHECK(*e.value == doctest::Approx(0.4).epsilon(1e-14));
    REQUIRE(e.se.has_value());
    CHECK(e.df == 0);
  }
  TEST_CASE("weighted equals unweighted for two categories") {
    std::vector<TableCell> t = {{0, 0, 20}, {0, 1, 5}, {1, 0, 10}, {1, 1, 15}};
    CHECK(*cohen_kappa(t, 2, linear_weights({1, 2}), false).value == doctest::Approx(0.4).epsilon(1e-14));
    CHECK(*cohen_kappa(t, 2, quadratic_weights({1, 2}), false).value == doctest::Approx(0.4).epsilon(1e-14));
  }
  TEST_CASE("undefined cases") {
    CHECK(cohen_kappa({}, 2, identity_weights(2), true).undefined_reason == labelqa::metrics::Reason::no_pairable_items);
    CHECK(cohen_kappa({{0, 0, 5}}, 2, identity_weights(2), true).undefined_reason == labelqa::metrics::Reason::single_category);
  }
}
