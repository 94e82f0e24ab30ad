// The core model for semantic masks: per image and annotator pair, how many pixels got value a
// from one annotator and value b from the other (a sparse confusion table). Decoded masks are
// never kept: tens of thousands of them would not fit in memory, their confusion tables do.
#pragma once

#include "labelqa/model/ratings.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace labelqa {

struct PixelCell {
  std::uint32_t value_a = 0;  // mask value of the pair's first annotator
  std::uint32_t value_b = 0;
  std::uint64_t pixels = 0;
};

struct MaskComparison {
  std::vector<std::string> annotators;              // sorted by name
  std::vector<std::string> dirs;                    // parallel to annotators
  std::vector<std::string> images;                  // relative file names, sorted
  std::vector<std::vector<std::uint8_t>> has_image; // [annotator][image]
  std::uint32_t ignore = 255;                       // pixels with this value on either side are left out
  // Cells of image i and pair p (pairs (a, b), a < b, in name order):
  // [offsets[i * pairs + p], offsets[i * pairs + p + 1]), sorted by (value_a, value_b).
  std::vector<std::uint64_t> offsets{0};
  std::vector<PixelCell> cells;
  std::vector<std::uint64_t> ignored;               // per (image, pair): pixels left out
  std::vector<InputWarning> warnings;                // what was read but is damaged (truncated_png)

  std::size_t pairs() const { return annotators.size() * (annotators.size() - 1) / 2; }
  bool compared(std::size_t image, int a, int b) const { return has_image[a][image] && has_image[b][image]; }
};

}  // namespace labelqa
