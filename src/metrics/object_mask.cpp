// Rasterising a model object (see object_mask.hpp).
#include "labelqa/metrics/object_mask.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace labelqa::metrics {

geometry::Rle object_mask(const AnnotatorObjects& a, const SpatialObject& o, std::uint32_t h, std::uint32_t w) {
  switch (o.shape) {
    case Shape::mask: return a.masks[o.geom];
    case Shape::box:
    case Shape::keypoints:
    case Shape::polyline: return geometry::rasterize_box(o.bbox, h, w);  // keypoints and lines: their box, in pictures
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

void object_columns(const AnnotatorObjects& a, const SpatialObject& o, std::uint32_t h, std::uint32_t w, geometry::ColumnMask& out) {
  switch (o.shape) {
    case Shape::mask: return geometry::column_mask(a.masks[o.geom], out);
    case Shape::box:
    case Shape::keypoints:
    case Shape::polyline: {
      const auto& b = o.bbox;  // as geometry::rasterize_box draws it
      const double xs = b[0], ys = b[1], xe = b[0] + b[2], ye = b[1] + b[3];
      const double xy[8] = {xs, ys, xs, ye, xe, ye, xe, ys};
      return geometry::rasterize_polygon_columns(xy, 4, h, w, out);
    }
    case Shape::polygon: break;
  }
  auto ring = [&](std::uint32_t r, geometry::ColumnMask& into) {
    const std::uint32_t b = a.ring_start[r], e = a.ring_start[r + 1];
    geometry::rasterize_polygon_columns(a.coords.data() + b, (e - b) / 2, h, w, into);
  };
  const std::size_t count = o.geom_end - o.geom;
  if (count == 1) return ring(o.geom, out);
  if (count == 0) {
    out = geometry::ColumnMask{};
    out.h = h;
    out.w = w;
    return;
  }
  // Each ring into a buffer kept on the thread, then their union.
  thread_local std::vector<geometry::ColumnMask> rings;
  if (rings.size() < count) rings.resize(count);
  for (std::size_t k = 0; k < count; ++k) ring(o.geom + static_cast<std::uint32_t>(k), rings[k]);
  geometry::unite(std::span<const geometry::ColumnMask>(rings.data(), count), out);
}

geometry::ColumnMask object_columns(const AnnotatorObjects& a, const SpatialObject& o, std::uint32_t h, std::uint32_t w) {
  geometry::ColumnMask m;
  object_columns(a, o, h, w, m);
  return m;
}

namespace {

// The pixel columns [first, last] the extent's x range covers on a w-wide image.
std::pair<double, double> columns(const SpatialObject& o, std::uint32_t w) {
  const double x0 = std::isfinite(o.extent[0]) ? std::clamp(std::floor(o.extent[0]), 0.0, static_cast<double>(w)) : 0.0;
  const double x1 = std::isfinite(o.extent[2]) ? std::clamp(std::ceil(o.extent[2]), 0.0, static_cast<double>(w)) : static_cast<double>(w);
  return {x0, x1};
}

}  // namespace

std::uint64_t raster_columns(const SpatialObject& o, std::uint32_t w) {
  if (o.shape == Shape::mask) return 0;
  const auto [x0, x1] = columns(o, w);
  return 1 + static_cast<std::uint64_t>(std::max(0.0, x1 - x0));
}

std::uint64_t shared_columns(const SpatialObject& a, const SpatialObject& b, std::uint32_t w) {
  const auto [a0, a1] = columns(a, w);
  const auto [b0, b1] = columns(b, w);
  return 1 + static_cast<std::uint64_t>(std::max(0.0, std::min(a1, b1) - std::max(a0, b0)));
}

}  // namespace labelqa::metrics
