// Covered objects and mismatching groups (see object_relations.hpp).
#include "labelqa/metrics/object_relations.hpp"

#include "labelqa/metrics/object_mask.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace labelqa::metrics {

namespace {
constexpr double k_max_canvas_side = 1000000;  // as an image's (io's k_max_image_side)
}  // namespace

std::optional<std::vector<CoveredObject>> covered_objects(const AnnotatorObjects& a, std::size_t begin, std::size_t end, std::uint32_t h,
                                                          std::uint32_t w, double visibility_threshold) {
  std::vector<CoveredObject> out;
  if (visibility_threshold <= 0) return out;
  std::vector<std::size_t> order;
  for (std::size_t k = begin; k < end; ++k) {
    const Shape shape = a.objects[k].shape;
    if (shape == Shape::box || shape == Shape::polygon || shape == Shape::mask) order.push_back(k);
  }
  if (order.size() < 2) return out;
  if (h == 0 || w == 0) {
    // Size unknown: a canvas holding every object (a mask's own size, else their extents) sees
    // the same overlaps as the image would.
    double x1 = 1, y1 = 1;
    for (std::size_t k : order) {
      const SpatialObject& o = a.objects[k];
      if (o.shape == Shape::mask) {
        h = a.masks[o.geom].h;
        w = a.masks[o.geom].w;
        break;
      }
      if (std::isfinite(o.extent[2])) x1 = std::max(x1, std::ceil(o.extent[2]));
      if (std::isfinite(o.extent[3])) y1 = std::max(y1, std::ceil(o.extent[3]));
    }
    if (h == 0 || w == 0) {
      if (x1 > k_max_canvas_side || y1 > k_max_canvas_side) return std::nullopt;
      w = static_cast<std::uint32_t>(x1);
      h = static_cast<std::uint32_t>(y1);
    }
  }
  std::uint64_t columns = 0;
  std::erase_if(order, [&](std::size_t k) {  // a mask of another size: validate reports it
    const SpatialObject& o = a.objects[k];
    return o.shape == Shape::mask && (a.masks[o.geom].h != h || a.masks[o.geom].w != w);
  });
  for (std::size_t k : order) columns += raster_columns(a.objects[k], w);
  if (columns > k_max_raster_columns_per_image) return std::nullopt;
  // Drawing order: z_order, then file order (objects are kept by id).
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return a.objects[x].z_order < a.objects[y].z_order; });
  // From the top down: each object against the union of those above it.
  std::optional<geometry::Rle> above;
  for (std::size_t i = order.size(); i-- > 0;) {
    geometry::Rle mask = object_mask(a, a.objects[order[i]], h, w);
    if (!above) {
      above = std::move(mask);
      continue;
    }
    const auto overlap = geometry::intersection(mask, *above);
    if (overlap && overlap->area > 0) {
      const std::uint64_t area = geometry::area(mask);
      const double visible = 1.0 - static_cast<double>(overlap->area) / static_cast<double>(area ? area : 1);
      if (visible < visibility_threshold) out.push_back({order[i], visible});
    }
    if (i > 0) {
      auto merged = geometry::merge({&*above, &mask}, false);
      if (merged) above = std::move(*merged);
    }
  }
  std::sort(out.begin(), out.end(), [](const CoveredObject& x, const CoveredObject& y) { return x.object < y.object; });
  return out;
}

namespace {

// One side's groups of an image: members by group, and each object's group.
struct Groups {
  std::vector<std::vector<std::size_t>> members;
  std::map<std::size_t, std::size_t> of;  // object -> group

  Groups(const AnnotatorObjects& a, std::size_t begin, std::size_t end) {
    std::map<std::int64_t, std::vector<std::size_t>> grouped;
    for (std::size_t k = begin; k < end; ++k) {
      if (const std::int64_t g = a.group_of(k); g != 0) {
        grouped[g].push_back(k);
      } else {
        of[k] = members.size();
        members.push_back({k});
      }
    }
    for (auto& [g, objects] : grouped) {
      for (std::size_t k : objects) of[k] = members.size();
      members.push_back(std::move(objects));
    }
  }
};

}  // namespace

std::vector<std::size_t> mismatching_groups(const AnnotatorObjects& ref, std::size_t ref_begin, std::size_t ref_end, const AnnotatorObjects& given,
                                            std::size_t given_begin, std::size_t given_end,
                                            const std::vector<std::pair<std::size_t, std::size_t>>& pairs, double group_match_threshold) {
  std::vector<std::size_t> out;
  if (ref.groups.empty() && given.groups.empty()) return out;  // every object its own group: each pair's groups match
  const Groups gt(ref, ref_begin, ref_end), ds(given, given_begin, given_end);
  // Matched pairs between each two groups.
  std::map<std::pair<std::size_t, std::size_t>, std::size_t> shared;
  for (const auto& [r, g] : pairs) ++shared[{gt.of.at(r), ds.of.at(g)}];
  std::vector<std::vector<std::pair<std::size_t, std::size_t>>> candidates(gt.members.size());  // (delivered group, shared pairs)
  for (const auto& [key, n] : shared) candidates[key.first].emplace_back(key.second, n);
  std::vector<std::ptrdiff_t> ds_to_gt(ds.members.size(), -1);
  for (std::size_t i = 0; i < gt.members.size(); ++i) {
    std::ptrdiff_t best = -1;
    double best_jaccard = -1;
    for (const auto& [j, n] : candidates[i]) {  // by delivered group, ascending
      if (ds_to_gt[j] >= 0) continue;
      const double jaccard = static_cast<double>(n) / static_cast<double>(gt.members[i].size() + ds.members[j].size() - n);
      if (jaccard < group_match_threshold || jaccard <= best_jaccard) continue;
      best = static_cast<std::ptrdiff_t>(j);
      best_jaccard = jaccard;
    }
    if (best >= 0) ds_to_gt[static_cast<std::size_t>(best)] = static_cast<std::ptrdiff_t>(i);
  }
  for (std::size_t p = 0; p < pairs.size(); ++p) {
    const std::size_t gi = gt.of.at(pairs[p].first), dj = ds.of.at(pairs[p].second);
    const bool ungrouped_vs_grouped = gt.members[gi].size() == 1 && ds.members[dj].size() != 1;
    if (ungrouped_vs_grouped || ds_to_gt[dj] != static_cast<std::ptrdiff_t>(gi)) out.push_back(p);
  }
  return out;
}

}  // namespace labelqa::metrics
