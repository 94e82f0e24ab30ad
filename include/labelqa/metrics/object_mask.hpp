// Rasterising a model object: the pixels every IoU, overlap and coverage check compares.
#pragma once

#include "labelqa/geometry/rle.hpp"
#include "labelqa/model/objects.hpp"

#include <cstdint>

namespace labelqa::metrics {

// The object's geometry as a run-length mask of h x w: polygons rasterised and their rings
// united, boxes rasterised as pycocotools' frBbox, masks as stored.
geometry::Rle object_mask(const AnnotatorObjects& a, const SpatialObject& o, std::uint32_t h, std::uint32_t w);
// The same pixels as runs per column (geometry::column_mask(object_mask(a, o, h, w)), drawn
// without the run-length form in between): for comparing one object with many.
geometry::ColumnMask object_columns(const AnnotatorObjects& a, const SpatialObject& o, std::uint32_t h, std::uint32_t w);
// The same into `out`, reusing its buffers where the object is one polygon ring.
void object_columns(const AnnotatorObjects& a, const SpatialObject& o, std::uint32_t h, std::uint32_t w, geometry::ColumnMask& out);

// What pixels cost. A run-length mask holds at least two runs per pixel column its object spans,
// and comparing two masks walks the columns both span: a polygon of a few bytes across a
// 1,000,000-pixel-wide image costs megabytes and milliseconds, a thousand of them gigabytes and
// hours. Before any pixel is drawn, the commands add up these costs and refuse (or, in
// `validate`, skip the pixel checks) beyond the limits below (docs/limits.md).
//
// The pixel columns rasterising `o` on a `w`-wide image spans (its extent clipped to the image,
// at least one); 0 for a stored mask, which costs nothing more.
std::uint64_t raster_columns(const SpatialObject& o, std::uint32_t w);
// The pixel columns comparing the masks of `a` and `b` walks (their extents' common columns).
std::uint64_t shared_columns(const SpatialObject& a, const SpatialObject& b, std::uint32_t w);
// The columns of all masks held at once while one image is compared.
inline constexpr std::uint64_t k_max_raster_columns_per_image = std::uint64_t{1} << 22;
// The columns rasterised and walked in all: a floor, plus an allowance per object compared.
inline constexpr std::uint64_t k_raster_work_floor = std::uint64_t{1} << 27;
inline constexpr std::uint64_t k_raster_work_per_object = std::uint64_t{1} << 17;
inline std::uint64_t raster_work_limit(std::uint64_t objects) { return k_raster_work_floor + k_raster_work_per_object * objects; }

}  // namespace labelqa::metrics
