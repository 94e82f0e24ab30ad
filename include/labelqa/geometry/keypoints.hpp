// Keypoint similarity: object keypoint similarity (OKS) exactly as pycocotools' COCOeval.computeOks
// computes it, and the share of keypoints within a distance (PCK). docs/keypoints.md works an
// example by hand.
//
// Keypoints are stored as COCO writes them: x, y, v per keypoint, v = 0 not labelled, 1 labelled
// but not visible, 2 visible. Only the reference's flags matter to OKS (the other side's are not
// read), as in pycocotools.
#pragma once

#include "labelqa/geometry/rle.hpp"

#include <cstddef>
#include <vector>

namespace labelqa::geometry {

// COCO's 17 person keypoint sigmas (nose, eyes, ears, shoulders, elbows, wrists, hips, knees,
// ankles), each pycocotools' value / 10.0.
const std::vector<double>& coco_person_sigmas();

// OKS of `other` against `reference` (pycocotools' gt and dt): K keypoints each, sigmas[k] per
// keypoint, the reference's area as its scale, its box [x, y, w, h] for the rule that applies when
// the reference labels no keypoint (distances to the box grown by its size on every side, over all
// K keypoints). e_k = d_k^2 / (2 sigma_k)^2 / (area + eps) / 2, OKS = mean of exp(-e_k) over the
// keypoints the reference labels, in pycocotools' order of operations (eps = 2^-52).
double oks(const double* reference, double area, const Box& box, const double* other, std::size_t keypoints, const double* sigmas);

// Per keypoint of the reference that is labelled: where the other side puts it. Distances are in
// pixels; a keypoint the other side does not label has no distance.
struct KeypointComparison {
  std::size_t labelled = 0;   // keypoints the reference labels
  std::size_t both = 0;       // labelled by both
  std::size_t within = 0;     // labelled by both and within `pck` x the reference box's diagonal
};
// The reference box's diagonal (the PCK scale), or 0 when the box is empty.
double box_diagonal(const Box& box);
KeypointComparison compare_keypoints(const double* reference, const Box& box, const double* other, std::size_t keypoints, double pck);

// The tight box [x, y, w, h] of the labelled keypoints (v > 0), as pycocotools' loadRes gives
// results without a box; {0, 0, 0, 0} when none is labelled.
Box keypoint_box(const double* keypoints, std::size_t count);

}  // namespace labelqa::geometry
