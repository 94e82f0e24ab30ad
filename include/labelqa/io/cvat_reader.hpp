// CVAT XML exports ("CVAT for images 1.1" and "CVAT for video 1.1"), one per annotator, into the
// core models: boxes (rotated ones as polygons), polygons, ellipses and masks as objects in pixels,
// tags as categorical labels, video tracks expanded to one object per frame carrying the track.
// Polylines, points and skeletons have no area to compare and are counted as skipped.
// See docs/formats.md.
#pragma once

#include "labelqa/io/mapped_file.hpp"
#include "labelqa/io/export_data.hpp"

#include <string>
#include <vector>

namespace labelqa::io {

// Whether a path is a CVAT XML file (root <annotations> with a <version>), or a directory holding
// one as annotations.xml (an unpacked job or task export).
bool looks_like_cvat(const std::string& path);

// `names` gives the annotator of each input (empty: the file stem, or the directory name).
// Throws InputError naming the file, line, image or track and attribute on malformed input.
ExportData read_cvat(const std::vector<std::string>& paths, const std::vector<std::string>& names);
// The same for inputs that may be in memory (an in-memory input is the XML itself, not a zip).
ExportData read_cvat_inputs(const std::vector<Input>& inputs, const std::vector<std::string>& names);

// CVAT's mask RLE ("n0, n1, ...": alternating background/foreground runs, row-major over the
// width x height box at left, top) as a mask of the whole image; pixels outside it are dropped.
// nullopt when the counts are malformed or do not sum to width * height.
std::optional<geometry::Rle> decode_cvat_mask(std::string_view rle, std::int64_t left, std::int64_t top, std::uint32_t width,
                                              std::uint32_t height, std::uint32_t image_width, std::uint32_t image_height);

}  // namespace labelqa::io
