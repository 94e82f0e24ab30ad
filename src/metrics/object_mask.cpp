// Rasterising a model object (see object_mask.hpp).
#include "labelqa/metrics/object_mask.hpp"

#include <vector>

namespace labelqa::metrics {

geometry::Rle object_mask(const AnnotatorObjects& a, const SpatialObject& o, std::uint32_t h, std::uint32_t w) {
  switch (o.shape) {
    case Shape::mask: return a.masks[o.geom];
    case Shape::box: return geometry::rasterize_box(o.bbox, h, w);
    case Shape::polygon: break;
  }
  auto ring = [&](std::uint32_t r) {
    const std::uint32_t b = a.ring_start[r], e = a.ring_start[r + 1];
    return geometry::rasterize_polygon(a.coords.data() + b, (e - b) / 2, h, w);
  };
  if (o.geom_end - o.geom == 1) return ring(o.geom);
  std::vector<geometry::Rle> rings;
  rings.reserve(o.geom_end - o.geom);
  for (std::uint32_t r = o.geom; r < o.geom_end; ++r) rings.push_back(ring(r));
  std::vector<const geometry::Rle*> ptrs;
  for (const auto& r : rings) ptrs.push_back(&r);
  if (ptrs.empty()) return geometry::Rle{h, w, {h * w}};
  return *geometry::merge(ptrs, false);
}

}  // namespace labelqa::metrics
