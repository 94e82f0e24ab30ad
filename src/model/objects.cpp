#include "labelqa/model/objects.hpp"

#include <algorithm>

namespace labelqa {

const char* shape_name(Shape shape) {
  switch (shape) {
    case Shape::box: return "box";
    case Shape::polygon: return "polygon";
    case Shape::mask: return "mask";
  }
  return "box";
}

void index_objects(AnnotatorObjects& a, std::size_t image_count) {
  auto before = [](const SpatialObject& x, const SpatialObject& y) {
    return x.image != y.image ? x.image < y.image : x.id < y.id;
  };
  if (!std::is_sorted(a.objects.begin(), a.objects.end(), before)) std::stable_sort(a.objects.begin(), a.objects.end(), before);
  a.image_offsets.assign(image_count + 1, 0);
  for (const auto& o : a.objects) ++a.image_offsets[o.image + 1];
  for (std::size_t i = 0; i < image_count; ++i) a.image_offsets[i + 1] += a.image_offsets[i];
  if (a.has_image.size() < image_count) a.has_image.resize(image_count, 0);
}

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

}  // namespace labelqa
