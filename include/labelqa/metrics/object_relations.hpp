// Relations between the objects of one image that CVAT's quality control checks: objects hidden
// under others drawn above them (covered_annotation) and groups that disagree with the reference's
// (mismatching_groups). Pure functions over one annotator's objects; docs/spatial.md works an
// example of each.
#pragma once

#include "labelqa/model/objects.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace labelqa::metrics {

struct CoveredObject {
  std::size_t object = 0;  // index into the annotator's objects
  double visible = 0;      // the share of its pixels no object above it covers
};

// The objects of a.objects[begin, end) (one image of h x w) hidden under the objects drawn above
// them, as CVAT finds them: boxes, polygons and masks in drawing order (z_order, then file order,
// later on top); an object whose pixels the union of all objects above it overlaps, and of which
// less than `visibility_threshold` stays visible, is covered. Keypoints and polylines neither
// cover nor are covered. In object order; empty when the threshold is 0 or less. An unknown size
// (0) is a canvas holding every object. nullopt when rasterising the objects would exceed
// k_max_raster_columns_per_image.
std::optional<std::vector<CoveredObject>> covered_objects(const AnnotatorObjects& a, std::size_t begin, std::size_t end, std::uint32_t h,
                                                          std::uint32_t w, double visibility_threshold);

// The matched pairs of one image whose groups disagree, as CVAT's quality control decides it. Each
// side's objects form groups (a non-zero group id; an object without one is a group of its own);
// groups are matched one to one, the reference's in order (ungrouped first, then by group id),
// each to the free delivered group with the highest Jaccard index over the matched pairs (at least
// `group_match_threshold`). A pair disagrees when its reference object is ungrouped and its
// delivered object grouped, or when its delivered object's group is not matched to its reference
// object's group. `pairs`: (index into ref.objects, index into given.objects), both objects of
// the image ref.objects[ref_begin, ref_end) and given.objects[given_begin, given_end). Returns
// positions in `pairs`, ascending.
std::vector<std::size_t> mismatching_groups(const AnnotatorObjects& ref, std::size_t ref_begin, std::size_t ref_end, const AnnotatorObjects& given,
                                            std::size_t given_begin, std::size_t given_end,
                                            const std::vector<std::pair<std::size_t, std::size_t>>& pairs, double group_match_threshold);

}  // namespace labelqa::metrics
