// Run-length masks in COCO's layout, with results equal to pycocotools' maskApi bit for bit.
//
// A mask of h rows and w columns is read column by column (Fortran order: down the first
// column, then the next). Runs alternate background/foreground and start with background, so
// counts[0] may be 0. The counts sum to h*w.
//
// Conventions decided by pycocotools, kept here on purpose and stated in docs/geometry.md:
// two masks with no overlap (including two empty masks) have IoU 0; a crowd region divides the
// intersection by the other mask's area; polygons are rasterised by pycocotools' own scan
// conversion (5x upsampling, see rasterize_polygon).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace labelqa::geometry {

struct Rle {
  std::uint32_t h = 0;
  std::uint32_t w = 0;
  std::vector<std::uint32_t> counts;
};

// Box as COCO writes it: x, y of the top-left corner, width, height (pixels, may be fractional).
using Box = std::array<double, 4>;

// Encodes a binary mask stored column-major (mask[x * h + y], non-zero = foreground).
Rle encode(const std::uint8_t* mask, std::uint32_t h, std::uint32_t w);
// Decodes into a column-major 0/1 mask of h*w bytes.
std::vector<std::uint8_t> decode(const Rle& rle);

// COCO's compressed counts string (LEB128-like, 5 bits per character from '0', deltas against the
// count two places back from the fourth count on).
std::string to_string(const Rle& rle);
// Parses a compressed counts string. Returns nullopt (and never reads out of bounds) when the
// string is malformed or the counts do not sum to h*w.
std::optional<Rle> from_string(std::string_view s, std::uint32_t h, std::uint32_t w);
// Checks uncompressed counts: they must sum to h*w.
std::optional<Rle> from_counts(std::vector<std::uint32_t> counts, std::uint32_t h, std::uint32_t w);

std::uint64_t area(const Rle& rle);
// Tight bounding box [x, y, w, h] of the foreground; all zeros for an empty mask (as pycocotools).
Box bbox(const Rle& rle);

// Union (intersect = false) or intersection of masks of one size; nullopt if sizes differ.
std::optional<Rle> merge(const std::vector<const Rle*>& masks, bool intersect);

// The intersection of two masks of one size without building it: its pixel count and tight box
// (as bbox(*merge({&a, &b}, true)) would give). nullopt when sizes differ.
struct Overlap {
  std::uint64_t area = 0;
  Box bbox{0, 0, 0, 0};
};
std::optional<Overlap> intersection(const Rle& a, const Rle& b);

// A mask with the end position of each run, so that an intersection walks only the runs where
// both masks can be foreground (for masks compared with many others).
struct IndexedRle {
  const Rle* rle = nullptr;
  std::vector<std::uint64_t> ends;  // ends[i]: position after run i
  std::uint64_t first = 0, last = 0;  // [first, last): from its first foreground pixel to after its last
  std::uint64_t area = 0;             // its pixel count
};
IndexedRle index_runs(const Rle& rle);
// The same as intersection(*a.rle, *b.rle).
std::optional<Overlap> intersection(const IndexedRle& a, const IndexedRle& b);
// The same as iou(*a.rle, *b.rle, b_is_crowd), walking only where both can be foreground.
std::optional<double> iou(const IndexedRle& a, const IndexedRle& b, bool b_is_crowd);

// A mask as runs per column: column x0 + c holds the rows [rows[i], rows[i + 1]) for even i
// from start[c] to start[c + 1], in increasing order, none empty, none touching the next. It is
// what comparing one mask with many others needs: its area at hand, and the pixels two masks share
// found column by column in the columns both span. Empty masks have no columns.
struct ColumnMask {
  std::uint32_t h = 0;
  std::uint32_t w = 0;
  std::uint32_t x0 = 0;
  std::vector<std::uint32_t> start;  // one more than the columns; empty for an empty mask
  std::vector<std::uint32_t> rows;
  std::uint64_t area = 0;
  std::size_t columns() const { return start.empty() ? 0 : start.size() - 1; }
  friend bool operator==(const ColumnMask&, const ColumnMask&) = default;
};
ColumnMask column_mask(const Rle& rle);
// The same into `out`, reusing its buffers.
void column_mask(const Rle& rle, ColumnMask& out);
// column_mask(rasterize_polygon(xy, points, h, w)), without the run-length step in between.
ColumnMask rasterize_polygon_columns(const double* xy, std::size_t points, std::uint32_t h, std::uint32_t w);
// The same into `out`, reusing its buffers (a caller drawing many polygons allocates once).
void rasterize_polygon_columns(const double* xy, std::size_t points, std::uint32_t h, std::uint32_t w, ColumnMask& out);
// The union of masks of one size (the first's size; an empty list gives an empty 0 x 0 mask).
ColumnMask unite(const std::vector<ColumnMask>& masks);
// The same into `out` (which is none of `masks`), reusing its buffers.
void unite(std::span<const ColumnMask> masks, ColumnMask& out);
// The same as intersection(a_rle, b_rle) for the masks they were made from.
std::optional<Overlap> intersection(const ColumnMask& a, const ColumnMask& b);

// IoU of box pairs (COCO semantics): intersection over union, or over the first box's area when
// the second is a crowd region. Non-overlapping boxes give 0.
double box_iou(const Box& a, const Box& b, bool b_is_crowd);

// IoU of two masks, pycocotools' rleIou: 0 when they do not intersect (two empty masks: 0);
// when b is a crowd region the intersection is divided by a's area. nullopt when sizes differ.
std::optional<double> iou(const Rle& a, const Rle& b, bool b_is_crowd);

// pycocotools' rleFrPoly: rasterises one closed polygon (x0, y0, x1, y1, ...) at h x w.
// Coordinates beyond +-2^20 px are clamped (NaN to -2^20), where pycocotools' own integer
// conversion would overflow.
Rle rasterize_polygon(const double* xy, std::size_t points, std::uint32_t h, std::uint32_t w);
// pycocotools' rleFrBbox: the box as a four-corner polygon, rasterised.
Rle rasterize_box(const Box& box, std::uint32_t h, std::uint32_t w);

}  // namespace labelqa::geometry
