// Drift: windows, CUSUM change points, throughput (docs/report.md).
#include "labelqa/metrics/drift.hpp"

#include <algorithm>
#include <cmath>

namespace labelqa::metrics {
namespace {

struct Split {
  long long at = -1;   // absolute index of the first outcome of the right part
  double p_value = 1;
};

// The most likely single change in [b, e): the CUSUM of the outcomes around their mean, scaled by
// sqrt(n p (1 - p)); its largest absolute value converges to the supremum of a Brownian bridge.
Split best_split(const std::vector<long long>& prefix, long long b, long long e, long long min_segment) {
  const long long n = e - b;
  Split s;
  if (n < 2 * min_segment) return s;
  const double total = static_cast<double>(prefix[static_cast<std::size_t>(e)] - prefix[static_cast<std::size_t>(b)]);
  const double p = total / static_cast<double>(n);
  if (p <= 0 || p >= 1) return s;
  const double scale = std::sqrt(static_cast<double>(n) * p * (1 - p));
  double best = -1;
  for (long long k = min_segment; k <= n - min_segment; ++k) {
    const double d = std::fabs(static_cast<double>(prefix[static_cast<std::size_t>(b + k)] - prefix[static_cast<std::size_t>(b)]) - static_cast<double>(k) * p);
    if (d > best) {
      best = d;
      s.at = b + k;
    }
  }
  s.p_value = kolmogorov_tail(best / scale);
  return s;
}

void segment(const std::vector<long long>& prefix, long long b, long long e, const DriftOptions& opt, std::vector<Split>& out) {
  const Split s = best_split(prefix, b, e, opt.min_segment);
  if (s.at < 0 || !(s.p_value < opt.alpha)) return;
  out.push_back(s);
  segment(prefix, b, s.at, opt, out);
  segment(prefix, s.at, e, opt, out);
}

}  // namespace

double kolmogorov_tail(double x) {
  if (!(x > 0)) return 1;
  if (x < 0.2) return 1;  // the series converges slowly there; the tail is 1 to 1e-9
  double sum = 0;
  for (int j = 1; j <= 100; ++j) {
    const double term = std::exp(-2.0 * j * j * x * x);
    sum += (j % 2 ? 1 : -1) * term;
    if (term < 1e-18) break;
  }
  return std::clamp(2 * sum, 0.0, 1.0);
}

Drift drift(const std::vector<std::uint8_t>& correct, const std::vector<std::int64_t>& times, const DriftOptions& opt) {
  Drift d;
  const auto n = static_cast<long long>(correct.size());
  const bool timed = !times.empty() && std::all_of(times.begin(), times.end(), [](std::int64_t t) { return t != k_no_timestamp; });
  d.order = timed ? "time" : "input";
  std::vector<long long> prefix(static_cast<std::size_t>(n) + 1, 0);
  for (long long k = 0; k < n; ++k) prefix[static_cast<std::size_t>(k + 1)] = prefix[static_cast<std::size_t>(k)] + correct[static_cast<std::size_t>(k)];
  auto time_at = [&](long long k) { return timed ? times[static_cast<std::size_t>(k)] : k_no_timestamp; };
  auto add_window = [&](long long b, long long e) {
    DriftWindow w;
    w.start_index = b;
    w.end_index = e;
    w.items = e - b;
    w.correct = prefix[static_cast<std::size_t>(e)] - prefix[static_cast<std::size_t>(b)];
    w.accuracy = static_cast<double>(w.correct) / static_cast<double>(w.items);
    w.start_time = time_at(b);
    w.end_time = time_at(e - 1);
    d.windows.push_back(w);
  };
  if (opt.window_millis > 0 && timed && n > 0) {
    const std::int64_t t0 = times[0];
    long long b = 0;
    while (b < n) {
      const std::int64_t slot = (times[static_cast<std::size_t>(b)] - t0) / opt.window_millis;
      long long e = b;
      while (e < n && (times[static_cast<std::size_t>(e)] - t0) / opt.window_millis == slot) ++e;
      add_window(b, e);
      b = e;
    }
  } else {
    const long long w = std::max(1LL, opt.window_items);
    for (long long b = 0; b < n; b += w) add_window(b, std::min(n, b + w));
  }

  std::vector<Split> splits;
  segment(prefix, 0, n, opt, splits);
  std::sort(splits.begin(), splits.end(), [](const Split& x, const Split& y) { return x.at < y.at; });
  for (std::size_t s = 0; s < splits.size(); ++s) {
    const long long lo = s == 0 ? 0 : splits[s - 1].at;
    const long long hi = s + 1 == splits.size() ? n : splits[s + 1].at;
    const long long at = splits[s].at;
    ChangePoint c;
    c.start_index = at;
    c.start_time = time_at(at);
    c.before_items = at - lo;
    c.after_items = hi - at;
    c.before = static_cast<double>(prefix[static_cast<std::size_t>(at)] - prefix[static_cast<std::size_t>(lo)]) / static_cast<double>(c.before_items);
    c.after = static_cast<double>(prefix[static_cast<std::size_t>(hi)] - prefix[static_cast<std::size_t>(at)]) / static_cast<double>(c.after_items);
    c.p_value = splits[s].p_value;
    if (c.before - c.after >= opt.min_drop) d.change_points.push_back(c);
  }

  if (!timed) {
    d.throughput_undefined_reason = Reason::no_timestamps;
    return d;
  }
  std::int64_t active = 0;
  for (long long k = 1; k < n; ++k) {
    const std::int64_t gap = times[static_cast<std::size_t>(k)] - times[static_cast<std::size_t>(k - 1)];
    if (gap > 0 && gap <= k_break_millis) active += gap;
  }
  if (active <= 0) {
    d.throughput_undefined_reason = Reason::no_working_time;
  } else {
    d.items_per_hour = static_cast<double>(n) / (static_cast<double>(active) / 3.6e6);
  }
  return d;
}

}  // namespace labelqa::metrics
