// Rasterising a model object: the pixels every IoU, overlap and coverage check compares.
#pragma once

#include "labelqa/geometry/rle.hpp"
#include "labelqa/model/objects.hpp"

#include <cstdint>

namespace labelqa::metrics {

// The object's geometry as a run-length mask of h x w: polygons rasterised and their rings
// united, boxes rasterised as pycocotools' frBbox, masks as stored.
geometry::Rle object_mask(const AnnotatorObjects& a, const SpatialObject& o, std::uint32_t h, std::uint32_t w);

}  // namespace labelqa::metrics
