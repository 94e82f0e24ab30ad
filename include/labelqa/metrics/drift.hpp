// Drift of one annotator over time: accuracy in consecutive windows, change points where the
// accuracy drops (binary segmentation with a CUSUM test), and throughput. Pure functions over a
// sequence of right/wrong outcomes in the annotator's working order; docs/report.md.
#pragma once

#include "labelqa/metrics/estimate.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace labelqa::metrics {

inline constexpr std::int64_t k_no_timestamp = INT64_MIN;

struct DriftOptions {
  long long window_items = 200;      // windows of this many outcomes ...
  std::int64_t window_millis = 0;    // ... or, when > 0, of this much time (needs timestamps)
  double alpha = 0.01;               // significance level of each CUSUM test
  double min_drop = 0.05;            // a change point is reported when accuracy falls by at least this
  long long min_segment = 30;        // outcomes on each side of a change point, at least
};

struct DriftWindow {
  long long start_index = 0;         // positions in the annotator's sequence, [start, end)
  long long end_index = 0;
  long long items = 0;
  long long correct = 0;
  double accuracy = 0;
  std::int64_t start_time = k_no_timestamp;  // ms since the epoch, of the window's first outcome
  std::int64_t end_time = k_no_timestamp;    // of its last outcome
};

struct ChangePoint {
  long long start_index = 0;         // first outcome after the change
  std::int64_t start_time = k_no_timestamp;
  double before = 0;                 // accuracy of the segment before and after
  double after = 0;
  long long before_items = 0, after_items = 0;
  double p_value = 1;                // of the CUSUM test that found it
};

struct Drift {
  std::string order;                 // "time" or "input"
  std::vector<DriftWindow> windows;
  std::vector<ChangePoint> change_points;
  std::optional<double> items_per_hour;
  Reason throughput_undefined_reason = Reason::none;  // when items_per_hour is null
};

// P(sup |B(t)| > x) for a Brownian bridge B on [0, 1] (the Kolmogorov distribution's tail).
double kolmogorov_tail(double x);

// `correct[k]`: whether the k-th outcome agreed with the reference; `times[k]`: its timestamp (ms)
// or k_no_timestamp; empty `times` when the input had none. Outcomes are in working order.
Drift drift(const std::vector<std::uint8_t>& correct, const std::vector<std::int64_t>& times, const DriftOptions& options);

// Breaks longer than this are not working time (throughput).
inline constexpr std::int64_t k_break_millis = 30LL * 60 * 1000;

}  // namespace labelqa::metrics
