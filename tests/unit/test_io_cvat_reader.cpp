#include "labelqa/io/cvat_reader.hpp"

#include <doctest/doctest.h>

using namespace labelqa;

TEST_SUITE_BEGIN("io::cvat_reader");

TEST_CASE("CVAT mask RLE: row-major runs in the box, background first, placed in the image") {
  // Box 3 x 2 at (1, 1) in a 5 x 4 image; runs bg 1, fg 2, bg 2, fg 1 -> box rows [0 1 1] [0 0 1]:
  // foreground pixels (x, y) = (2, 1), (3, 1), (3, 2).
  auto m = io::decode_cvat_mask("1, 2, 2, 1", 1, 1, 3, 2, 5, 4);
  REQUIRE(m);
  CHECK(m->w == 5);
  CHECK(m->h == 4);
  const auto px = geometry::decode(*m);
  auto at = [&](int x, int y) { return px[static_cast<std::size_t>(x) * 4 + static_cast<std::size_t>(y)]; };
  CHECK(geometry::area(*m) == 3);
  CHECK(at(2, 1) == 1);
  CHECK(at(3, 1) == 1);
  CHECK(at(3, 2) == 1);
  CHECK(at(1, 1) == 0);
  // A leading zero run: the box starts with foreground.
  auto f = io::decode_cvat_mask("0, 6", 0, 0, 3, 2, 3, 2);
  REQUIRE(f);
  CHECK(geometry::area(*f) == 6);
  // Pixels of the box outside the image are dropped.
  auto clipped = io::decode_cvat_mask("0, 4", 4, 3, 2, 2, 5, 4);
  REQUIRE(clipped);
  CHECK(geometry::area(*clipped) == 1);
  // Counts must sum to width * height, and be numbers.
  CHECK_FALSE(io::decode_cvat_mask("1, 2", 0, 0, 2, 2, 5, 4));
  CHECK_FALSE(io::decode_cvat_mask("1, 2, 9", 0, 0, 2, 2, 5, 4));
  CHECK_FALSE(io::decode_cvat_mask("1; 3", 0, 0, 2, 2, 5, 4));
  CHECK_FALSE(io::decode_cvat_mask("-1, 5", 0, 0, 2, 2, 5, 4));
}

TEST_SUITE_END();
