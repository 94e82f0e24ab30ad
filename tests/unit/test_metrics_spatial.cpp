// Object matching and mask metrics on hand-built sets whose answers follow from the definitions.
#include "labelqa/error.hpp"
#include "labelqa/metrics/semantic.hpp"
#include "labelqa/metrics/spatial.hpp"

#include <doctest/doctest.h>
#include <optional>
#include <set>

using namespace labelqa;

TEST_SUITE_BEGIN("metrics::spatial");

namespace {

SpatialObject box(std::int64_t id, std::uint32_t image, int category, double x, double y, double w, double h) {
  SpatialObject o;
  o.id = id;
  o.image = image;
  o.category = category;
  o.shape = Shape::box;
  o.bbox = {x, y, w, h};
  o.extent = {x - 1, y - 1, x + w + 1, y + h + 1};
  return o;
}

ObjectSet two_annotators(std::vector<SpatialObject> a, std::vector<SpatialObject> b, std::size_t images = 1) {
  ObjectSet set;
  for (std::size_t i = 0; i < images; ++i) set.images.push_back({"img" + std::to_string(i), 100, 100});
  set.categories = {"cat", "dog"};
  for (auto* objs : {&a, &b}) {
    AnnotatorObjects ann;
    ann.name = objs == &a ? "a" : "b";
    ann.objects = *objs;
    ann.has_image.assign(images, 1);
    index_objects(ann, images);
    set.annotators.push_back(std::move(ann));
  }
  return set;
}

}  // namespace



TEST_CASE("object matching: optimal one-to-one assignment, threshold, label mismatch") {
  // a0 overlaps b0 (IoU 0.8) and b1 (IoU 0.6); a1 overlaps only b0 (IoU 0.7). A greedy matcher
  // would pair a0-b0 and leave a1 unmatched; the optimal assignment pairs a0-b1 and a1-b0.
  // Boxes on one row: [x, x + 10) x [0, 10).
  auto a0 = box(1, 0, 0, 0, 0, 10, 10);
  auto b0 = box(11, 0, 0, 10.0 / 9.0 * 1, 0, 10, 10);  // IoU (10 - d) / (10 + d) with d = 10/9: 0.8
  auto b1 = box(12, 0, 1, -2.5, 0, 10, 10);              // d = 2.5: 0.6
  auto a1 = box(2, 0, 0, 10.0 / 9.0 + 10.0 * 3 / 17, 0, 10, 10);  // d = 30/17 from b0: 0.7
  ObjectSet set = two_annotators({a0, a1}, {b0, b1});
  metrics::SpatialOptions opt;
  opt.bootstrap = 0;
  opt.keep_matches = true;
  auto r = metrics::analyze_objects(set, opt);
  CHECK(r.overall.counts.matched == 2);
  CHECK(r.overall.counts.label_mismatch == 1);  // a0 (cat) with b1 (dog)
  CHECK(r.overall.mean_iou.value.value() == doctest::Approx((0.6 + 0.7) / 2));
  REQUIRE(r.matches.size() == 2);
  CHECK(set.annotators[1].objects[static_cast<std::size_t>(r.matches[0].object_b)].id == 12);
  opt.iou_threshold = 0.65;
  r = metrics::analyze_objects(set, opt);
  CHECK(r.overall.counts.matched == 1);  // only pairs >= 0.65 may be assigned: a0-b0 (0.8)
  CHECK(r.overall.mean_iou.value.value() == doctest::Approx(0.8));
  opt.iou_threshold = 0.5;
  opt.match_by_class = true;
  r = metrics::analyze_objects(set, opt);
  CHECK(r.overall.counts.label_mismatch == 0);
  CHECK(r.overall.counts.matched == 1);
}


TEST_CASE("object metrics: undefined cases are null with a reason") {
  ObjectSet set = two_annotators({}, {});
  metrics::SpatialOptions opt;
  auto r = metrics::analyze_objects(set, opt);
  CHECK_FALSE(r.overall.f1.value);
  CHECK(r.overall.f1.undefined_reason == metrics::Reason::no_objects);
  CHECK(r.overall.mean_iou.undefined_reason == metrics::Reason::no_matched_objects);
  CHECK(r.objects_section.units == 0);
  ObjectSet one = two_annotators({box(1, 0, 0, 0, 0, 5, 5)}, {});
  r = metrics::analyze_objects(one, opt);
  CHECK(r.overall.f1.value.value() == 0);
  CHECK(r.overall.counts.unmatched_a() == 1);
}


TEST_CASE("mask metrics from a confusion table") {
  MaskComparison mc;
  mc.annotators = {"a", "b"};
  mc.dirs = {"a", "b"};
  mc.images = {"x.png", "y.png"};
  mc.has_image = {{1, 1}, {1, 1}};
  // x: 6 px agree on 0, 2 px 1/1, 2 px a=1 b=0; y: 10 px agree on 0
  mc.cells = {{0, 0, 6}, {1, 0, 2}, {1, 1, 2}, {0, 0, 10}};
  mc.offsets = {0, 3, 4};
  mc.ignored = {0, 0};
  metrics::SemanticOptions opt;
  opt.bootstrap = 200;
  auto r = metrics::analyze_masks(mc, {{0, "bg"}, {1, "road"}}, opt);
  CHECK(r.overall.pixel_accuracy.value.value() == doctest::Approx(18.0 / 20));
  // class 0: tp 16, a 16, b 18 -> 16/18; class 1: tp 2, a 4, b 2 -> 2/4
  CHECK(r.classes[0].iou.value.value() == doctest::Approx(16.0 / 18));
  CHECK(r.classes[1].iou.value.value() == doctest::Approx(0.5));
  CHECK(r.classes[1].dice.value.value() == doctest::Approx(4.0 / 6));
  CHECK(r.overall.mean_iou.value.value() == doctest::Approx((16.0 / 18 + 0.5) / 2));
  CHECK(r.per_image.front().image == 0);  // x is the worse image
  CHECK(r.overall.pixel_accuracy.ci_low.value() <= 0.9);
}

TEST_SUITE_END();
