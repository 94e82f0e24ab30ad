// Polyline similarity as CVAT's quality control defines it (docs/spatial.md, "Polylines"): both
// lines are resampled to the same relative arc-length positions (every vertex of either line,
// placed on the other by the share of its length), and the similarity is an OKS-like mean of
// exp(-d^2 / (2 scale (2 t)^2)) over the resampled pairs, scale the image's area and t the line
// thickness as a share of the image size; unoriented lines also try the other line reversed.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace labelqa::geometry {

struct LinePoints {
  const double* xy = nullptr;  // x0, y0, x1, y1, ...
  std::size_t points = 0;
};

// Both lines resampled to common relative positions: (a's points, b's points), as many each.
std::pair<std::vector<double>, std::vector<double>> resample_lines(LinePoints a, LinePoints b);

// The similarity of b to a in [0, 1]; `scale` the image's area (0: the squared length of a),
// `thickness` CVAT's line thickness (0.01); `oriented`: b is not also tried reversed. Lines whose
// bounding circles are farther apart than 6 thicknesses have similarity 0 (CVAT's coarse check).
double line_similarity(LinePoints a, LinePoints b, double scale, double thickness, bool oriented);

// Mean symmetric distance in pixels: the mean of (the mean distance of a's vertices to line b) and
// (the mean distance of b's vertices to line a).
double line_distance(LinePoints a, LinePoints b);

double line_length(LinePoints a);

}  // namespace labelqa::geometry
