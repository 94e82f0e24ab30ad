// Covered objects and mismatching groups: CVAT's rules on small hand-checked cases
// (docs/spatial.md, "Covered objects and groups").
#include "labelqa/metrics/object_relations.hpp"

#include <doctest/doctest.h>

using namespace labelqa;
using namespace labelqa::metrics;

namespace {

// Boxes [x, y, w, h] on image 0, in file order (ids 1, 2, ...), with z_orders and groups.
AnnotatorObjects boxes(const std::vector<std::array<double, 4>>& b, const std::vector<int>& z = {}, const std::vector<std::int64_t>& groups = {}) {
  AnnotatorObjects a;
  for (std::size_t k = 0; k < b.size(); ++k) {
    SpatialObject o;
    o.id = static_cast<std::int64_t>(k + 1);
    o.bbox = b[k];
    o.extent = {b[k][0] - 1, b[k][1] - 1, b[k][0] + b[k][2] + 1, b[k][1] + b[k][3] + 1};
    o.z_order = static_cast<std::int16_t>(k < z.size() ? z[k] : 0);
    a.objects.push_back(o);
  }
  a.groups = groups;
  a.has_image = {1};
  index_objects(a, 1);
  return a;
}

}  // namespace

TEST_SUITE("metrics::object_relations") {

TEST_CASE("covered: later or higher z_order is on top; the visible share against the threshold") {
  // A 20 x 20 box under a larger one: nothing visible.
  auto a = boxes({{10, 10, 20, 20}, {8, 8, 24, 23}});
  auto c = covered_objects(a, 0, 2, 100, 100, 0.05);
  REQUIRE(c);
  REQUIRE(c->size() == 1);
  CHECK(c->front().object == 0);
  CHECK(c->front().visible == 0.0);
  // The same two, the small one drawn above by z_order: nothing covered.
  a = boxes({{10, 10, 20, 20}, {8, 8, 24, 23}}, {1, 0});
  c = covered_objects(a, 0, 2, 100, 100, 0.05);
  REQUIRE(c);
  CHECK(c->empty());
  // A quarter visible: covered at 0.3, not at 0.25 (visible must be below the threshold).
  a = boxes({{50, 50, 20, 20}, {55, 50, 15, 20}});
  c = covered_objects(a, 0, 2, 100, 100, 0.3);
  REQUIRE((c && c->size() == 1));
  CHECK(c->front().visible == doctest::Approx(0.25));
  c = covered_objects(a, 0, 2, 100, 100, 0.25);
  REQUIRE(c);
  CHECK(c->empty());
  // Unknown image size: a canvas holding both gives the same answer.
  a = boxes({{10, 10, 20, 20}, {8, 8, 24, 23}});
  c = covered_objects(a, 0, 2, 0, 0, 0.05);
  REQUIRE((c && c->size() == 1));
  // Threshold 0: no check.
  c = covered_objects(a, 0, 2, 100, 100, 0);
  REQUIRE(c);
  CHECK(c->empty());
  // Covered by two objects together, neither alone.
  a = boxes({{10, 10, 20, 20}, {10, 10, 10, 20}, {20, 10, 10, 20}});
  c = covered_objects(a, 0, 3, 100, 100, 0.05);
  REQUIRE((c && c->size() == 1));
  CHECK(c->front().object == 0);
}

TEST_CASE("groups: CVAT's matching by Jaccard index over matched pairs") {
  const std::vector<std::array<double, 4>> four = {{10, 10, 30, 80}, {42, 40, 10, 20}, {60, 10, 24, 80}, {86, 40, 12, 20}};
  const std::vector<std::pair<std::size_t, std::size_t>> pairs = {{0, 0}, {1, 1}, {2, 2}, {3, 3}};
  const auto gold = boxes(four, {}, {1, 1, 2, 2});
  // The docs' case: the second bag joins the first person's group.
  auto given = boxes(four, {}, {7, 7, 9, 7});
  CHECK(mismatching_groups(gold, 0, 4, given, 0, 4, pairs, 0.5) == std::vector<std::size_t>{3});
  // Groups renumbered only: no conflict.
  given = boxes(four, {}, {5, 5, 3, 3});
  CHECK(mismatching_groups(gold, 0, 4, given, 0, 4, pairs, 0.5).empty());
  // Nothing grouped on either side: no conflict.
  CHECK(mismatching_groups(boxes(four), 0, 4, boxes(four), 0, 4, pairs, 0.5).empty());
  // Gold ungrouped, the delivery groups two objects: both pairs conflict.
  given = boxes(four, {}, {0, 0, 4, 4});
  CHECK(mismatching_groups(boxes(four), 0, 4, given, 0, 4, pairs, 0.5) == std::vector<std::size_t>{2, 3});
  // Gold grouped, the delivery leaves everything ungrouped: gold's groups {0,1} and {2,3} match
  // {0} and {2} (Jaccard 1/2); the pairs of objects 1 and 3 land in unmatched groups.
  CHECK(mismatching_groups(gold, 0, 4, boxes(four), 0, 4, pairs, 0.5) == std::vector<std::size_t>{1, 3});
  // A group of one is as good as none: gold ungrouped, the delivery gives each object its own group.
  given = boxes(four, {}, {1, 2, 3, 4});
  CHECK(mismatching_groups(boxes(four), 0, 4, given, 0, 4, pairs, 0.5).empty());
}

}
