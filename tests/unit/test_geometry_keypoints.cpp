// OKS and PCK on the hand-worked example of docs/keypoints.md.
#include "labelqa/geometry/keypoints.hpp"
#include "labelqa/model/objects.hpp"

#include <cmath>
#include <doctest/doctest.h>

using namespace labelqa::geometry;

TEST_SUITE("geometry::keypoints") {

TEST_CASE("OKS: the reference's labelled keypoints only, the other side's flags ignored") {
  const double ref[] = {10, 10, 2, 20, 10, 2, 0, 0, 0};
  const double other[] = {12, 10, 2, 20, 14, 1, 5, 5, 2};
  const double sigmas[] = {0.5, 0.25, 0.1};
  const double v = oks(ref, 100, {10, 10, 10, 10}, other, 3, sigmas);
  // wrist: e = 4 / 1 / 100 / 2 = 0.02; thumb: e = 16 / 0.25 / 100 / 2 = 0.32.
  CHECK(v == doctest::Approx((std::exp(-0.02) + std::exp(-0.32)) / 2).epsilon(1e-15));
  CHECK(v == doctest::Approx(0.853173855190223).epsilon(1e-14));
  // The other side's flags do not matter.
  const double unflagged[] = {12, 10, 0, 20, 14, 0, 5, 5, 0};
  CHECK(oks(ref, 100, {10, 10, 10, 10}, unflagged, 3, sigmas) == v);
}

TEST_CASE("OKS: a reference without labelled keypoints measures distances to its box grown by its size") {
  const double ref[] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
  const double other[] = {95, 100, 2, 125, 100, 2, 105, 150, 2};
  const double sigmas[] = {0.5, 0.25, 0.1};
  // Box [100, 100, 10, 20] grown to x in [90, 120], y in [80, 140]: distances 0, 5 (x) and 10 (y).
  const double v = oks(ref, 200, {100, 100, 10, 20}, other, 3, sigmas);
  CHECK(v == doctest::Approx((1 + std::exp(-0.25) + std::exp(-6.25)) / 3).epsilon(1e-15));
  CHECK(v == doctest::Approx(0.5935770790692109).epsilon(1e-14));
}

TEST_CASE("OKS: identical keypoints give 1; COCO's person sigmas") {
  const auto& s = coco_person_sigmas();
  REQUIRE(s.size() == 17);
  CHECK(s[0] == 0.26 / 10.0);
  CHECK(s[16] == 0.89 / 10.0);
  double kp[51];
  for (int k = 0; k < 17; ++k) kp[3 * k] = 10 + k, kp[3 * k + 1] = 20 + k, kp[3 * k + 2] = 2;
  CHECK(oks(kp, 500, {10, 20, 16, 16}, kp, 17, s.data()) == 1.0);
}

TEST_CASE("PCK: labelled by the reference, within a fraction of its box's diagonal") {
  const double ref[] = {10, 10, 2, 20, 10, 2, 0, 0, 0};
  const double other[] = {12, 10, 2, 20, 14, 1, 5, 5, 2};
  // Diagonal sqrt(200) = 14.14; 0.2 of it is 2.83: the wrist (2 px) is within, the thumb (4 px) is not.
  const KeypointComparison c = compare_keypoints(ref, {10, 10, 10, 10}, other, 3, 0.2);
  CHECK(c.labelled == 2);
  CHECK(c.both == 2);
  CHECK(c.within == 1);
  CHECK(box_diagonal({0, 0, 3, 4}) == 5);
  const Box b = keypoint_box(other, 3);
  CHECK(b == Box{5, 5, 15, 9});
}

}  // TEST_SUITE

TEST_CASE("keypoint classes of several inputs: the first's names kept, a skeleton filled in, a difference named") {
  using labelqa::KeypointSchema;
  std::map<std::string, KeypointSchema> into;
  std::map<std::string, std::string> owner;
  std::vector<labelqa::InputWarning> warnings;
  labelqa::add_keypoint_schemas(into, owner, {{"person", {{"nose", "eye"}, {}}}}, "a.json", warnings);
  labelqa::add_keypoint_schemas(into, owner, {{"person", {{"nose", "eye"}, {{0, 1}}}}}, "b.json", warnings);
  CHECK(warnings.empty());
  CHECK(into.at("person").skeleton == std::vector<std::pair<int, int>>{{0, 1}});
  labelqa::add_keypoint_schemas(into, owner, {{"person", {{"eye", "nose"}, {}}}, {"hand", {{"wrist"}, {}}}}, "c.json", warnings);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].code == "keypoint_schema_differs");
  CHECK(warnings[0].message == "class \"person\" has the keypoints [eye, nose] in c.json but [nose, eye] in a.json: keypoints are compared by position");
  CHECK(into.at("person").names == std::vector<std::string>{"nose", "eye"});
  CHECK(owner.at("hand") == "c.json");
}
