#include "labelqa/metrics/distributions.hpp"

#include <cmath>
#include <initializer_list>
#include <doctest/doctest.h>

using namespace labelqa::metrics;

TEST_SUITE("metrics::distributions") {
  TEST_CASE("t quantiles with closed forms (df 1: Cauchy, df 2)") {
    const double pi = std::acos(-1.0);
    for (double p : {0.9, 0.95, 0.975, 0.995}) {
      CHECK(student_t_quantile(p, 1) == doctest::Approx(std::tan(pi * (p - 0.5))).epsilon(1e-14));
      CHECK(student_t_quantile(p, 2) == doctest::Approx((2 * p - 1) / std::sqrt(2 * p * (1 - p))).epsilon(1e-14));
    }
  }
  TEST_CASE("quantiles against scipy.stats (1.10, Debian 12) to 1e-9") {
    // scipy.stats.norm.ppf(0.975); t.ppf(0.975, 10); t.ppf(0.95, 11)
    CHECK(normal_quantile(0.975) == doctest::Approx(1.959963984540054).epsilon(1e-13));
    CHECK(student_t_quantile(0.975, 10) == doctest::Approx(2.2281388519649385).epsilon(1e-9));
    CHECK(critical_value(0.90, 11) == doctest::Approx(1.7958848187036691).epsilon(1e-9));
    CHECK(critical_value(0.95, 0) == doctest::Approx(1.959963984540054).epsilon(1e-13));
  }
}
