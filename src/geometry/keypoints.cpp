#include "labelqa/geometry/keypoints.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace labelqa::geometry {

const std::vector<double>& coco_person_sigmas() {
  static const std::vector<double> sigmas = [] {
    const double tenths[] = {.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, 1.07, 1.07, .87, .87, .89, .89};
    std::vector<double> s;
    for (double t : tenths) s.push_back(t / 10.0);
    return s;
  }();
  return sigmas;
}

double oks(const double* g, double area, const Box& bb, const double* d, std::size_t K, const double* sigmas) {
  std::size_t labelled = 0;
  for (std::size_t k = 0; k < K; ++k) labelled += g[3 * k + 2] > 0;
  const double x0 = bb[0] - bb[2], x1 = bb[0] + bb[2] * 2;
  const double y0 = bb[1] - bb[3], y1 = bb[1] + bb[3] * 2;
  const double eps = std::numeric_limits<double>::epsilon();  // numpy's np.spacing(1)
  double sum = 0;
  std::size_t n = 0;
  for (std::size_t k = 0; k < K; ++k) {
    const double xg = g[3 * k], yg = g[3 * k + 1], xd = d[3 * k], yd = d[3 * k + 1];
    double dx = 0, dy = 0;
    if (labelled > 0) {
      if (!(g[3 * k + 2] > 0)) continue;
      dx = xd - xg;
      dy = yd - yg;
    } else {
      dx = std::max(0.0, x0 - xd) + std::max(0.0, xd - x1);
      dy = std::max(0.0, y0 - yd) + std::max(0.0, yd - y1);
    }
    const double var = (sigmas[k] * 2) * (sigmas[k] * 2);
    const double e = (dx * dx + dy * dy) / var / (area + eps) / 2;
    sum += std::exp(-e);
    ++n;
  }
  return n ? sum / static_cast<double>(n) : 0.0;
}

double box_diagonal(const Box& box) { return std::sqrt(box[2] * box[2] + box[3] * box[3]); }

KeypointComparison compare_keypoints(const double* g, const Box& box, const double* d, std::size_t K, double pck) {
  KeypointComparison c;
  const double limit = pck * box_diagonal(box);
  for (std::size_t k = 0; k < K; ++k) {
    if (!(g[3 * k + 2] > 0)) continue;
    ++c.labelled;
    if (!(d[3 * k + 2] > 0)) continue;
    ++c.both;
    if (std::hypot(d[3 * k] - g[3 * k], d[3 * k + 1] - g[3 * k + 1]) <= limit) ++c.within;
  }
  return c;
}

Box keypoint_box(const double* kp, std::size_t K) {
  double x0 = HUGE_VAL, y0 = HUGE_VAL, x1 = -HUGE_VAL, y1 = -HUGE_VAL;
  for (std::size_t k = 0; k < K; ++k) {
    if (!(kp[3 * k + 2] > 0)) continue;
    x0 = std::min(x0, kp[3 * k]);
    x1 = std::max(x1, kp[3 * k]);
    y0 = std::min(y0, kp[3 * k + 1]);
    y1 = std::max(y1, kp[3 * k + 1]);
  }
  if (x0 > x1) return {0, 0, 0, 0};
  return {x0, y0, x1 - x0, y1 - y0};
}

}  // namespace labelqa::geometry
