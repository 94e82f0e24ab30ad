#include "labelqa/geometry/lines.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace labelqa::geometry {

namespace {

// Cumulative lengths at each vertex (0 at the first).
std::vector<double> cumulative(LinePoints a) {
  std::vector<double> out(a.points, 0.0);
  for (std::size_t k = 1; k < a.points; ++k) {
    out[k] = out[k - 1] + std::hypot(a.xy[2 * k] - a.xy[2 * k - 2], a.xy[2 * k + 1] - a.xy[2 * k - 1]);
  }
  return out;
}

// The point at relative position t (0..1) of the line's length.
void point_at(LinePoints a, const std::vector<double>& cum, double t, std::vector<double>& out) {
  const double total = cum.back();
  if (a.points == 1 || total <= 0) {
    out.push_back(a.xy[0]);
    out.push_back(a.xy[1]);
    return;
  }
  const double s = t * total;
  std::size_t k = static_cast<std::size_t>(std::upper_bound(cum.begin(), cum.end(), s) - cum.begin());
  if (k >= a.points) {
    out.push_back(a.xy[2 * (a.points - 1)]);
    out.push_back(a.xy[2 * (a.points - 1) + 1]);
    return;
  }
  if (k == 0) k = 1;
  const double seg = cum[k] - cum[k - 1];
  const double u = seg > 0 ? (s - cum[k - 1]) / seg : 0.0;
  out.push_back(a.xy[2 * (k - 1)] + (a.xy[2 * k] - a.xy[2 * (k - 1)]) * u);
  out.push_back(a.xy[2 * (k - 1) + 1] + (a.xy[2 * k + 1] - a.xy[2 * (k - 1) + 1]) * u);
}

double segment_distance(double px, double py, double x0, double y0, double x1, double y1) {
  const double dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
  double u = len2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / len2 : 0.0;
  u = std::clamp(u, 0.0, 1.0);
  return std::hypot(px - (x0 + u * dx), py - (y0 + u * dy));
}

double point_line_distance(double px, double py, LinePoints l) {
  if (l.points == 1) return std::hypot(px - l.xy[0], py - l.xy[1]);
  double best = HUGE_VAL;
  for (std::size_t k = 1; k < l.points; ++k) best = std::min(best, segment_distance(px, py, l.xy[2 * k - 2], l.xy[2 * k - 1], l.xy[2 * k], l.xy[2 * k + 1]));
  return best;
}

double compare(const std::vector<double>& a, const std::vector<double>& b, double scale, double thickness) {
  const std::size_t n = a.size() / 2;
  double sum = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const double dx = a[2 * k] - b[2 * k], dy = a[2 * k + 1] - b[2 * k + 1];
    sum += std::exp(-(dx * dx + dy * dy) / (2 * scale * (2 * thickness) * (2 * thickness)));
  }
  return n ? sum / static_cast<double>(n) : 0.0;
}

}  // namespace

double line_length(LinePoints a) { return a.points ? cumulative(a).back() : 0.0; }

std::pair<std::vector<double>, std::vector<double>> resample_lines(LinePoints a, LinePoints b) {
  const std::vector<double> ca = cumulative(a), cb = cumulative(b);
  // Every vertex of either line, by its relative position along its own line.
  std::vector<double> at;
  auto add = [&](const std::vector<double>& c) {
    for (double d : c) at.push_back(c.back() > 0 ? d / c.back() : 0.0);
  };
  add(ca);
  add(cb);
  std::sort(at.begin(), at.end());
  std::vector<double> positions;
  for (double t : at) {
    if (positions.empty() || t - positions.back() > 1e-7) positions.push_back(t);
  }
  std::pair<std::vector<double>, std::vector<double>> out;
  for (double t : positions) {
    point_at(a, ca, t, out.first);
    point_at(b, cb, t, out.second);
  }
  return out;
}

double line_similarity(LinePoints a, LinePoints b, double scale, double thickness, bool oriented) {
  if (a.points == 0 || b.points == 0) return 0;
  auto circle = [](LinePoints l) {
    double x0 = HUGE_VAL, y0 = HUGE_VAL, x1 = -HUGE_VAL, y1 = -HUGE_VAL;
    for (std::size_t k = 0; k < l.points; ++k) {
      x0 = std::min(x0, l.xy[2 * k]);
      x1 = std::max(x1, l.xy[2 * k]);
      y0 = std::min(y0, l.xy[2 * k + 1]);
      y1 = std::max(y1, l.xy[2 * k + 1]);
    }
    return std::array<double, 3>{(x0 + x1) / 2, (y0 + y1) / 2, ((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0)) / 4};
  };
  if (scale <= 0) scale = line_length(a) * line_length(a);
  if (scale <= 0) return 0;
  const auto ga = circle(a), gb = circle(b);
  const double far = scale * (6 * thickness) * (6 * thickness);
  if ((gb[0] - ga[0]) * (gb[0] - ga[0]) + (gb[1] - ga[1]) * (gb[1] - ga[1]) > ga[2] + gb[2] + far) return 0;
  const auto [ra, rb] = resample_lines(a, b);
  double best = compare(ra, rb, scale, thickness);
  if (!oriented) {
    std::vector<double> reversed(b.xy, b.xy + 2 * b.points);
    for (std::size_t k = 0; k < b.points / 2; ++k) {
      std::swap(reversed[2 * k], reversed[2 * (b.points - 1 - k)]);
      std::swap(reversed[2 * k + 1], reversed[2 * (b.points - 1 - k) + 1]);
    }
    const auto [sa, sb] = resample_lines(a, LinePoints{reversed.data(), b.points});
    best = std::max(best, compare(sa, sb, scale, thickness));
  }
  return best;
}

double line_distance(LinePoints a, LinePoints b) {
  if (a.points == 0 || b.points == 0) return 0;
  double sa = 0, sb = 0;
  for (std::size_t k = 0; k < a.points; ++k) sa += point_line_distance(a.xy[2 * k], a.xy[2 * k + 1], b);
  for (std::size_t k = 0; k < b.points; ++k) sb += point_line_distance(b.xy[2 * k], b.xy[2 * k + 1], a);
  return (sa / static_cast<double>(a.points) + sb / static_cast<double>(b.points)) / 2;
}

}  // namespace labelqa::geometry
