#include "labelqa/io/paths.hpp"
#include "labelqa/report/validate_report.hpp"
#include "labelqa/validate/findings.hpp"

#include <algorithm>
#include <cmath>
#include <doctest/doctest.h>
#include <geos_c.h>
#include <nlohmann/json.hpp>
#include <random>

using namespace labelqa;
using validate::Code;
using validate::Severity;

TEST_SUITE_BEGIN("validate::checks");

TEST_CASE("validate: connected components, 4-neighbour, in order of their first pixel") {
  // 1 1 0 0 1
  // 0 1 0 1 1
  // 0 0 0 0 0
  // 1 0 1 1 0      (the two pixels of row 3 left are diagonal to nothing: separate)
  const std::vector<std::uint8_t> on = {1, 1, 0, 0, 1, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 1, 0};
  const auto c = validate::connected_components(on.data(), 5, 4);
  REQUIRE(c.size() == 4);
  CHECK(c[0].pixels == 3);
  CHECK(c[0].bbox == std::array<std::uint32_t, 4>{0, 0, 2, 2});
  CHECK(c[1].pixels == 3);
  CHECK(c[1].bbox == std::array<std::uint32_t, 4>{3, 0, 2, 2});
  CHECK(c[2].bbox == std::array<std::uint32_t, 4>{0, 3, 1, 1});
  CHECK(c[3].pixels == 2);
  // A U shape joins two runs of one row through a later row.
  const std::vector<std::uint8_t> u = {1, 0, 1, 1, 0, 1, 1, 1, 1};
  const auto cu = validate::connected_components(u.data(), 3, 3);
  REQUIRE(cu.size() == 1);
  CHECK(cu[0].pixels == 7);
}

TEST_CASE("validate: GEOS validity of rings") {
  const double bow[] = {0, 0, 10, 10, 10, 0, 0, 10};
  const auto b = validate::ring_validity(bow, 4);
  REQUIRE(b);
  CHECK(b->reason == "Self-intersection");
  CHECK(b->point == std::array<double, 2>{5, 5});
  const double square[] = {0, 0, 10, 0, 10, 10, 0, 10};
  CHECK_FALSE(validate::ring_validity(square, 4));
  const double closed[] = {0, 0, 10, 0, 10, 10, 0, 10, 0, 0};  // an explicit closing point is fine
  CHECK_FALSE(validate::ring_validity(closed, 5));
}

namespace {

// GEOS's own verdict on one ring, without labelqa's fast path.
bool geos_valid(const std::vector<double>& xy) {
  GEOSContextHandle_t h = GEOS_init_r();
  const std::size_t k = xy.size() / 2;
  GEOSCoordSequence* seq = GEOSCoordSeq_create_r(h, static_cast<unsigned>(k + 1), 2);
  for (std::size_t i = 0; i <= k; ++i) GEOSCoordSeq_setXY_r(h, seq, static_cast<unsigned>(i), xy[2 * (i % k)], xy[2 * (i % k) + 1]);
  GEOSGeometry* poly = GEOSGeom_createPolygon_r(h, GEOSGeom_createLinearRing_r(h, seq), nullptr, 0);
  const bool valid = GEOSisValid_r(h, poly) == 1;
  GEOSGeom_destroy_r(h, poly);
  GEOS_finish_r(h);
  return valid;
}

}  // namespace

TEST_CASE("validate: the fast simplicity test passes only rings GEOS finds valid, and most valid ones") {
  std::mt19937 rng(7);
  auto uniform = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
  int geos_valid_count = 0, fast_passed = 0, wrong = 0;
  for (int trial = 0; trial < 6000; ++trial) {
    std::vector<double> xy;
    const int kind = trial % 6;
    const int k = 3 + static_cast<int>(rng() % 40);
    const double cx = uniform(0, 100), cy = uniform(0, 100);
    for (int i = 0; i < k; ++i) {
      if (kind == 0) {  // star-shaped around a centre: simple
        const double t = 2 * M_PI * (i + uniform(0, 0.9)) / k, r = uniform(5, 50);
        xy.push_back(cx + r * std::cos(t));
        xy.push_back(cy + r * std::sin(t));
      } else if (kind == 1) {  // random points: mostly self-crossing
        xy.push_back(uniform(0, 100));
        xy.push_back(uniform(0, 100));
      } else if (kind == 2) {  // integer grid points: touching and collinear edges
        xy.push_back(static_cast<double>(rng() % 6));
        xy.push_back(static_cast<double>(rng() % 6));
      } else if (kind == 3) {  // star-shaped on a coarse grid: collinear runs, repeated vertices
        const double t = 2 * M_PI * i / k, r = 10 + static_cast<double>(rng() % 3) * 10;
        xy.push_back(std::round(cx + r * std::cos(t)));
        xy.push_back(std::round(cy + r * std::sin(t)));
      } else if (kind == 4) {  // a simple ring with a spike out and back along itself
        const double t = 2 * M_PI * i / k;
        xy.push_back(cx + 20 * std::cos(t));
        xy.push_back(cy + 20 * std::sin(t));
        if (i == k / 2) {
          xy.push_back(cx + 40 * std::cos(t));
          xy.push_back(cy + 40 * std::sin(t));
          xy.push_back(cx + 20 * std::cos(t));
          xy.push_back(cy + 20 * std::sin(t));
        }
      } else {  // a ring that touches itself at a vertex (an inverted hole)
        const double t = 2 * M_PI * i / k;
        xy.push_back(cx + 30 * std::cos(t));
        xy.push_back(cy + 30 * std::sin(t));
        if (i == 0) {
          xy.push_back(cx);
          xy.push_back(cy);
          xy.push_back(cx + 30 * std::cos(0.1));
          xy.push_back(cy + 30 * std::sin(0.1));
          xy.push_back(cx + 30);
          xy.push_back(cy);
        }
      }
    }
    const bool valid = geos_valid(xy);
    const bool fast = validate::ring_surely_simple(xy.data(), xy.size() / 2);
    geos_valid_count += valid;
    fast_passed += fast;
    if (fast && !valid) ++wrong;
  }
  CHECK(wrong == 0);
  CHECK(fast_passed > 0.8 * geos_valid_count);  // the fast path does its job on ordinary rings
  CHECK(geos_valid_count < 5000);               // and the generated set holds many invalid rings
}

TEST_CASE("validate: object checks on plain data") {
  AnnotatorObjects a;
  a.file = "d.json";
  std::vector<ImageInfo> images = {{"a.jpg", 100, 80, -1}};
  std::vector<std::string> categories = {"cat", "dog"};
  auto box = [&](std::int64_t id, std::int32_t cat, geometry::Box b) {
    SpatialObject o;
    o.id = id;
    o.category = cat;
    o.bbox = b;
    o.extent = {b[0] - 1, b[1] - 1, b[0] + b[2] + 1, b[1] + b[3] + 1};
    a.objects.push_back(o);
  };
  box(1, 0, {10, 10, 0, 5});     // zero width: degenerate
  box(2, 1, {90, 70, 15, 5});    // 5 px past the right edge
  box(3, 0, {20, 20, 30, 30});
  box(4, 0, {20, 20, 30, 30.5}); // a duplicate of 3
  index_objects(a, 1);
  validate::Options opt;
  opt.classes = std::set<std::string>{"cat"};
  auto f = validate::check_objects(a, images, categories, opt);
  REQUIRE(f.size() == 4);
  CHECK(f[0].code == Code::degenerate);
  CHECK(f[0].annotation == "1");
  CHECK(f[1].code == Code::unknown_class);
  CHECK(f[2].code == Code::out_of_image);
  CHECK(f[2].severity == Severity::error);
  CHECK(*f[2].location.point == std::array<double, 2>{105, 70});
  CHECK(f[3].code == Code::duplicate);
  CHECK(f[3].other_annotation == "4");
  opt.tolerance = 5;
  f = validate::check_objects(a, images, categories, opt);
  CHECK(f[2].severity == Severity::warning);
}

TEST_CASE("validate: overlaps of stored masks, kept in runs when they span far more columns than runs") {
  // A 6000 x 4 image. Mask 1 has one pixel in the first column and one in the last: 6000 columns
  // for 5 runs, compared run by run. Mask 2 fills the last 10 columns, mask 3 one of them.
  AnnotatorObjects a;
  a.file = "d.json";
  const std::uint32_t h = 4, w = 6000;
  std::vector<ImageInfo> images = {{"wide.png", w, h, -1}};
  std::vector<std::string> categories = {"a", "b", "c"};
  auto mask = [&](std::int64_t id, std::int32_t cat, const std::vector<std::pair<std::uint32_t, std::uint32_t>>& pixels) {
    std::vector<std::uint8_t> m(std::size_t{h} * w, 0);
    for (const auto& [x, y] : pixels) m[std::size_t{x} * h + y] = 1;
    a.masks.push_back(geometry::encode(m.data(), h, w));
    SpatialObject o;
    o.id = id;
    o.category = cat;
    o.shape = Shape::mask;
    o.geom = static_cast<std::uint32_t>(a.masks.size() - 1);
    o.bbox = geometry::bbox(a.masks.back());
    o.extent = {o.bbox[0], o.bbox[1], o.bbox[0] + o.bbox[2], o.bbox[1] + o.bbox[3]};
    a.objects.push_back(o);
  };
  mask(1, 0, {{0, 1}, {5999, 2}});
  std::vector<std::pair<std::uint32_t, std::uint32_t>> band, column;
  for (std::uint32_t x = 5990; x < 6000; ++x) {
    for (std::uint32_t y = 0; y < h; ++y) band.emplace_back(x, y);
  }
  for (std::uint32_t y = 0; y < h; ++y) column.emplace_back(5995, y);
  mask(2, 1, band);
  mask(3, 2, column);
  index_objects(a, 1);
  validate::Options opt;
  const auto f = validate::check_objects(a, images, categories, opt);
  REQUIRE(f.size() == 2);
  CHECK(f[0].code == Code::overlap);
  CHECK(f[0].annotation == "1");
  CHECK(f[0].other_annotation == "2");
  CHECK(f[0].message == "annotations 1 (\"a\") and 2 (\"b\") share 1 pixels (IoU 0.0244)");  // 1 / 41
  CHECK(*f[0].location.bbox == std::array<double, 4>{5999, 2, 1, 1});
  CHECK(f[1].annotation == "2");
  CHECK(f[1].other_annotation == "3");
  CHECK(f[1].message == "annotations 2 (\"b\") and 3 (\"c\") share 4 pixels (IoU 0.1000)");  // 4 / 40
  CHECK(*f[1].location.bbox == std::array<double, 4>{5995, 0, 1, 4});
}

TEST_CASE("validate: semantic mask values and unlabeled regions") {
  io::MaskImage m;
  m.width = 4;
  m.height = 3;
  m.bytes = {1, 1, 0, 0, 1, 9, 0, 0, 255, 1, 1, 1};
  validate::Options opt;
  opt.min_region = 4;
  const io::ClassMap classes = {{1, "cat"}};
  auto f = validate::check_semantic_mask(m, "m.png", "m.png", classes, opt);
  REQUIRE(f.size() == 2);
  CHECK(f[0].code == Code::unknown_class);
  CHECK(f[0].cls == "9");
  CHECK(*f[0].location.bbox == std::array<double, 4>{1, 1, 1, 1});
  CHECK(f[1].code == Code::unlabeled_region);  // value 0 has no name: unlabeled; 255 is ignored
  CHECK(*f[1].location.bbox == std::array<double, 4>{2, 0, 2, 2});
  opt.min_region = 5;
  CHECK(validate::check_semantic_mask(m, "m.png", "m.png", classes, opt).size() == 1);
}

TEST_CASE("paths inside exports stay inside the delivery") {
  CHECK(io::leaves_root("../../etc/passwd"));
  CHECK(io::leaves_root("/etc/passwd"));
  CHECK(io::leaves_root("a/../../b.jpg"));
  CHECK_FALSE(io::leaves_root("a/../b.jpg"));
  CHECK_FALSE(io::leaves_root("images/a.jpg"));
  CHECK_FALSE(io::contained_path("/tmp", "../etc/passwd", false));
  CHECK(io::contained_path("/tmp", "../etc/passwd", true));
}

TEST_CASE("validate reports: strings are escaped as nlohmann::json writes them, in blocks written in order") {
  const std::vector<std::string> texts = {"plain", "a \"quoted\" \\ path", "tab\there\nline", "caf\xc3\xa9 \xe2\x9c\x93",
                                          "bad \xff byte", "", "\"\\\"at both ends\\"};
  std::vector<validate::Finding> findings;
  for (int copy = 0; copy < 3000; ++copy) {  // more than one rendering block
    for (const auto& t : texts) {
      validate::Finding f;
      f.file = "d.json";
      f.item = t;
      f.annotation = std::to_string(copy);
      f.message = t;
      f.location.bbox = std::array<double, 4>{1.5, -0.0, 1e21, 3};
      findings.push_back(f);
    }
  }
  std::string json, csv;
  std::size_t chunks = 0;
  const io::Sink json_sink = [&](std::string_view b) {
    json += b;
    ++chunks;
  };
  const io::Sink csv_sink = [&](std::string_view b) { csv += b; };
  report::ValidateWriter w(&json_sink, &csv_sink);
  validate::FindingTally tally;
  validate::put_findings(findings, w, tally);
  w.finish(report::ValidateReport{tally, {"d.json"}, 1, 1, findings.size(), false});
  CHECK(chunks > 3);
  const auto doc = nlohmann::json::parse(json);
  REQUIRE(doc["findings"].size() == findings.size());
  for (std::size_t i = 0; i < findings.size(); ++i) {
    const auto& f = doc["findings"][i];
    const auto expected = nlohmann::json(findings[i].message).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    CHECK(f["message"].dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) == expected);
    CHECK(f["annotation"] == findings[i].annotation);
  }
  CHECK(json.find("\"message\":\"a \\\"quoted\\\" \\\\ path\"") != std::string::npos);
  CHECK(json.find("\"bbox\":[1.5,0,1e+21,3]") != std::string::npos);  // shortest round-trip numbers, no -0
  CHECK(doc["summary"]["findings"] == findings.size());
  // CSV: one row per finding in the same order, quoted per RFC 4180 where needed.
  // One line per finding and the header, plus the line breaks quoted inside one item and its message.
  CHECK(std::count(csv.begin(), csv.end(), '\n') == static_cast<std::ptrdiff_t>(1 + findings.size() + 2 * 3000));
  CHECK(csv.find("\"a \"\"quoted\"\" \\ path\"") != std::string::npos);
}

TEST_CASE("validate: streamed object checks write the same reports as the sorted list") {
  // Images in no name order, two sharing a name, boxes that overlap, duplicate and leave the image;
  // loose findings before, between, inside and after the images' findings.
  AnnotatorObjects a;
  a.file = "d.json";
  std::vector<ImageInfo> images;
  for (const char* name : {"m.jpg", "c.jpg", "x.jpg", "c.jpg", "a.jpg", "q.jpg"}) images.push_back({name, 100, 80, -1});
  const std::vector<std::string> categories = {"cat", "dog"};
  std::mt19937 rng(3);
  std::int64_t id = 0;
  for (std::uint32_t img = 0; img < images.size(); ++img) {
    for (int k = 0; k < 12; ++k) {
      SpatialObject o;
      o.id = ++id;
      o.image = img;
      o.category = static_cast<std::int32_t>(rng() % 2);
      const double x = rng() % 95, y = rng() % 75, w = 1 + rng() % 30, h = rng() % 20;
      o.bbox = {x, y, w, h};
      o.extent = {x - 1, y - 1, x + w + 1, y + h + 1};
      a.objects.push_back(o);
    }
  }
  index_objects(a, images.size());
  validate::Options opt;
  opt.classes = std::set<std::string>{"cat"};
  auto loose_finding = [](std::string file, std::string item, std::string message) {
    validate::Finding f;
    f.code = Code::schema;
    f.file = std::move(file);
    f.item = std::move(item);
    f.message = std::move(message);
    return f;
  };
  std::vector<validate::Finding> loose = {loose_finding("d.json", "", "file level"), loose_finding("d.json", "c.jpg", "inside c"),
                                          loose_finding("d.json", "e.jpg", "between"), loose_finding("a.json", "z", "before"),
                                          loose_finding("z.json", "a.jpg", "after"), loose_finding("d.json", "x.jpg", "inside x")};
  validate::sort_findings(loose);

  auto write = [&](bool streamed, std::size_t keep, std::string& json, std::string& csv, std::string& text) {
    json.clear();
    csv.clear();
    const io::Sink js = [&](std::string_view b) { json += b; };
    const io::Sink cs = [&](std::string_view b) { csv += b; };
    report::ValidateWriter w(&js, &cs);
    validate::FindingTally tally;
    tally.keep = keep;
    if (streamed) {
      validate::ObjectChecks checks(a, images, categories, opt);
      CHECK(checks.groups() == 5);
      validate::put_object_checks(checks, loose, w, tally);
    } else {
      auto all = validate::check_objects(a, images, categories, opt);
      CHECK(all.size() > 20);
      for (const auto& f : loose) all.push_back(f);
      validate::sort_findings(all);
      validate::put_findings(all, w, tally);
    }
    const report::ValidateReport rep{tally, {"d.json"}, 1, images.size(), a.objects.size(), false};
    w.finish(rep);
    text = report::render_validate_text(rep, false, keep);
  };
  for (std::size_t keep : {1, 5, 1000}) {
    std::string json1, csv1, text1, json2, csv2, text2;
    write(false, keep, json1, csv1, text1);
    write(true, keep, json2, csv2, text2);
    CHECK(json1 == json2);
    CHECK(csv1 == csv2);
    CHECK(text1 == text2);
    const auto doc = nlohmann::json::parse(json2);
    CHECK(doc["findings"][0]["file"] == "a.json");
    CHECK(doc["findings"].back()["file"] == "z.json");
  }
  // Nothing at all: an empty list, still valid JSON.
  std::string json;
  const io::Sink js = [&](std::string_view b) { json += b; };
  report::ValidateWriter w(&js, nullptr);
  validate::FindingTally tally;
  AnnotatorObjects none;
  index_objects(none, 0);
  const std::vector<ImageInfo> no_images;
  validate::ObjectChecks checks(none, no_images, categories, opt);
  validate::put_object_checks(checks, {}, w, tally);
  w.finish(report::ValidateReport{tally, {}, 0, 0, 0, false});
  CHECK(nlohmann::json::parse(json)["findings"].empty());
}

TEST_CASE("sort_findings: annotation ids in natural order (numbers by value, equal values by text, then other text)") {
  std::vector<validate::Finding> list;
  for (const char* id : {"x", "10", "007", "9", "-3", "7", "0", "123456789012345678901", "99999999999999999"}) {
    validate::Finding f;
    f.file = "a.json";
    f.annotation = id;
    list.push_back(f);
  }
  validate::sort_findings(list);
  std::vector<std::string> got;
  for (const auto& f : list) got.push_back(f.annotation);
  // 21 digits are past a 64-bit number: text, after every number.
  CHECK(got == std::vector<std::string>{"-3", "0", "007", "7", "9", "10", "99999999999999999", "123456789012345678901", "x"});
}

TEST_CASE("sort_findings: short lists (sorted in place) in the same order as long ones (runs merged), ties kept in arrival order") {
  // Findings that differ only in severity (which the order does not look at) keep their order; a
  // short list must come out as the same list inside a long one would.
  std::mt19937 rng(20261206);
  auto random_finding = [&](std::size_t k) {
    validate::Finding f;
    f.severity = k % 2 ? Severity::warning : Severity::error;
    f.code = static_cast<Code>(rng() % 3);
    f.file = rng() % 4 ? "a.json" : "b.json";
    f.item = std::to_string(rng() % 3);
    f.annotation = std::to_string(rng() % 12);
    if (rng() % 2) f.other_annotation = std::to_string(rng() % 12);
    if (rng() % 3 == 0) f.location.bbox = std::array<double, 4>{double(rng() % 3), 0, 1, 1};
    f.message = rng() % 2 ? "m" : "n";
    return f;
  };
  for (int trial = 0; trial < 400; ++trial) {
    const std::size_t n = rng() % 65;
    std::vector<validate::Finding> list;
    for (std::size_t k = 0; k < n; ++k) list.push_back(random_finding(k));
    auto in_long = list;
    for (std::size_t k = 0; k < 70; ++k) {
      validate::Finding last;
      last.file = "zz.json";
      last.message = std::to_string(100 + k);
      in_long.push_back(last);  // after every other finding
    }
    std::shuffle(in_long.begin() + static_cast<std::ptrdiff_t>(n), in_long.end(), rng);
    validate::sort_findings(list);
    validate::sort_findings(in_long);
    REQUIRE(list.size() == n);
    for (std::size_t k = 0; k < n; ++k) {
      CHECK(list[k].severity == in_long[k].severity);
      CHECK(list[k].annotation == in_long[k].annotation);
      CHECK(list[k].other_annotation == in_long[k].other_annotation);
      CHECK(list[k].code == in_long[k].code);
      CHECK(list[k].location.bbox == in_long[k].location.bbox);
    }
    for (std::size_t k = 0; k < 70; ++k) CHECK(in_long[n + k].message == std::to_string(100 + k));
  }
}

TEST_SUITE_END();
