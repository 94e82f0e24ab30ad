// A coefficient with its confidence interval, or the reason it is undefined. Never NaN.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

namespace labelqa::metrics {

// Why a value or an interval is undefined; reports write reason_name() (docs/metrics.md defines
// each). Each enumerator is spelled as its name.
#define LABELQA_REASONS(X) \
  X(single_annotator) \
  X(no_pairable_items) \
  X(single_category) \
  X(needs_exactly_two_annotators) \
  X(class_not_rated_on_pairable_items) \
  X(too_few_items) \
  X(no_variance_estimate) \
  X(undefined_in_every_bootstrap_replicate) \
  X(bootstrap_disabled) \
  X(no_interval_for_tracks) \
  X(undefined) \
  X(no_predictions) \
  X(no_support) \
  X(class_not_present) \
  X(no_gold_items) \
  X(nothing_compared) \
  X(no_objects) \
  X(no_matched_objects) \
  X(no_reference_objects) \
  X(no_delivered_objects) \
  X(no_valid_matches) \
  X(no_gold_objects) \
  X(class_absent) \
  X(no_pixels) \
  X(no_spans) \
  X(no_timestamps) \
  X(no_working_time) \
  X(class_not_scored) \
  X(no_interval) \
  X(fewer_than_min_gold_items) \
  X(undefined_value) \
  X(value_equals_threshold) \
  X(more_than_a_billion) \
  X(not_a_score) \
  X(beyond_bootstrap_limit) \
  X(beyond_unitizing_limit) \
  X(no_matched_keypoint_objects) \
  X(no_labelled_keypoints) \
  X(no_keypoints_labelled_by_both)
enum class Reason : std::uint8_t {
  none,
#define LABELQA_REASON_ENUM(n) n,
  LABELQA_REASONS(LABELQA_REASON_ENUM)
#undef LABELQA_REASON_ENUM
};
inline const char* reason_name(Reason r) {
  switch (r) {
#define LABELQA_REASON_NAME(n) \
  case Reason::n:              \
    return #n;
    LABELQA_REASONS(LABELQA_REASON_NAME)
#undef LABELQA_REASON_NAME
    case Reason::none: break;
  }
  return "";
}

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
  Reason undefined_reason = Reason::none;     // set exactly when !value
  std::optional<double> se;      // analytic standard error, when the literature gives one
  double df = 0;                 // degrees of freedom of the t interval; 0 means a normal interval
  double lower_bound = -1;       // the coefficient's range, used to clip interval ends
  double upper_bound = 1;
  std::optional<double> ci_low, ci_high;
  CiMethod ci_method = CiMethod::none;
  Reason ci_undefined_reason = Reason::none;  // set when the interval could not be computed
  int ci_replicates = 0;             // bootstrap replicates in which the value was defined
  std::string level;                 // Krippendorff's alpha: the measurement level

  static Estimate undefined(Reason reason) {
    Estimate e;
    e.undefined_reason = reason;
    return e;
  }
  // A ratio in [0, 1]: the value, or undefined for the reason given when v is NaN.
  static Estimate ratio(double v, Reason reason_if_nan) {
    Estimate e = std::isnan(v) ? undefined(reason_if_nan) : Estimate{};
    if (!std::isnan(v)) e.value = v;
    e.lower_bound = 0;
    e.upper_bound = 1;
    return e;
  }
};

// The reasons under the names the metrics use.
namespace reason {
inline constexpr Reason single_annotator = Reason::single_annotator;
inline constexpr Reason no_pairable_items = Reason::no_pairable_items;
inline constexpr Reason single_category = Reason::single_category;
inline constexpr Reason needs_two_annotators = Reason::needs_exactly_two_annotators;
inline constexpr Reason class_not_rated = Reason::class_not_rated_on_pairable_items;
inline constexpr Reason too_few_items = Reason::too_few_items;
inline constexpr Reason no_variance_estimate = Reason::no_variance_estimate;
inline constexpr Reason bootstrap_undefined = Reason::undefined_in_every_bootstrap_replicate;
}  // namespace reason

}  // namespace labelqa::metrics
