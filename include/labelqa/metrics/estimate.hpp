// A coefficient with its confidence interval, or the reason it is undefined. Never NaN.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

namespace labelqa::metrics {

// How an interval was made; reports write ci_method_name(). `none`: no interval method applies.
enum class CiMethod : std::uint8_t { none, analytic, bootstrap, wilson };
inline const char* ci_method_name(CiMethod m) {
  switch (m) {
    case CiMethod::analytic: return "analytic";
    case CiMethod::bootstrap: return "bootstrap";
    case CiMethod::wilson: return "wilson";
    case CiMethod::none: break;
  }
  return "";
}

struct Estimate {
  std::optional<double> value;
  std::string undefined_reason;  // set exactly when !value
  std::optional<double> se;      // analytic standard error, when the literature gives one
  double df = 0;                 // degrees of freedom of the t interval; 0 means a normal interval
  double lower_bound = -1;       // the coefficient's range, used to clip interval ends
  double upper_bound = 1;
  std::optional<double> ci_low, ci_high;
  CiMethod ci_method = CiMethod::none;
  std::string ci_undefined_reason;   // set when the interval could not be computed
  int ci_replicates = 0;             // bootstrap replicates in which the value was defined
  std::string level;                 // Krippendorff's alpha: the measurement level

  static Estimate undefined(std::string reason) {
    Estimate e;
    e.undefined_reason = std::move(reason);
    return e;
  }
  // A ratio in [0, 1]: the value, or undefined for the reason given when v is NaN.
  static Estimate ratio(double v, const char* reason_if_nan) {
    Estimate e = std::isnan(v) ? undefined(reason_if_nan) : Estimate{};
    if (!std::isnan(v)) e.value = v;
    e.lower_bound = 0;
    e.upper_bound = 1;
    return e;
  }
};

// Reasons, as written to reports (docs/metrics.md defines each).
namespace reason {
inline constexpr const char* single_annotator = "single_annotator";
inline constexpr const char* no_pairable_items = "no_pairable_items";
inline constexpr const char* single_category = "single_category";
inline constexpr const char* needs_two_annotators = "needs_exactly_two_annotators";
inline constexpr const char* class_not_rated = "class_not_rated_on_pairable_items";
inline constexpr const char* too_few_items = "too_few_items";
inline constexpr const char* no_variance_estimate = "no_variance_estimate";
inline constexpr const char* bootstrap_undefined = "undefined_in_every_bootstrap_replicate";
}  // namespace reason

}  // namespace labelqa::metrics
