// COCO run-length masks. References:
//  - 734 compressed masks written by pycocotools (cocodataset/cocoapi
//    results/instances_val2014_fakesegm100_results.json, in ../shared/samples): they must parse,
//    sum to h*w, and re-encode to the same string byte for byte.
//  - Area, bbox, merge, intersection and IoU against brute-force pixel counting on random masks.
//  - Polygon rasterisation derived by hand from pycocotools' rleFrPoly (comments below), and
//    compared bit for bit with a literal port of rleFrPoly (below) on random polygons.
#include "labelqa/geometry/rle.hpp"

#include <algorithm>
#include "helpers.hpp"

#include <doctest/doctest.h>
#include <limits>
#include <fstream>
#include <nlohmann/json.hpp>
#include <cmath>
#include <random>

using namespace labelqa::geometry;

namespace {

std::vector<std::uint8_t> random_mask(std::mt19937& rng, std::uint32_t h, std::uint32_t w, double density) {
  std::vector<std::uint8_t> m(static_cast<std::size_t>(h) * w);
  std::bernoulli_distribution on(density);
  // blobs: runs of equal values, so masks look like objects rather than noise
  std::uint8_t v = 0;
  for (auto& px : m) {
    if (on(rng) && on(rng)) v ^= 1;
    px = v;
  }
  return m;
}

Box brute_bbox(const std::vector<std::uint8_t>& m, std::uint32_t h, std::uint32_t w) {
  std::uint32_t xs = w, ys = h, xe = 0, ye = 0;
  bool any = false;
  for (std::uint32_t x = 0; x < w; ++x) {
    for (std::uint32_t y = 0; y < h; ++y) {
      if (!m[static_cast<std::size_t>(x) * h + y]) continue;
      any = true;
      xs = std::min(xs, x); xe = std::max(xe, x); ys = std::min(ys, y); ye = std::max(ye, y);
    }
  }
  if (!any) return {0, 0, 0, 0};
  return {double(xs), double(ys), double(xe - xs + 1), double(ye - ys + 1)};
}

// pycocotools' rleFrPoly (maskApi.c), ported line for line: trace every edge into arrays u, v,
// keep the points where u changes, sort the boundary positions. The library's rasteriser computes
// the same result without the arrays; this port is the reference it is checked against. The only
// departures from the C are labelqa's documented ones: vertices clamped to +-2^20 px and the
// repeated-vertex NaN kept as INT_MIN without an undefined conversion.
Rle reference_fr_poly(const double* xy, std::size_t k, std::uint32_t h, std::uint32_t w) {
  constexpr double scale = 5;
  if (k == 0) return Rle{h, w, {h * w}};
  auto scaled = [&](double v) {
    constexpr double limit = 1 << 20;
    return static_cast<int>(scale * std::fmin(std::fmax(v, -limit), limit) + 0.5);
  };
  std::vector<int> x(k + 1), y(k + 1), u, v;
  for (std::size_t j = 0; j < k; ++j) {
    x[j] = scaled(xy[2 * j]);
    y[j] = scaled(xy[2 * j + 1]);
  }
  x[k] = x[0];
  y[k] = y[0];
  for (std::size_t j = 0; j < k; ++j) {
    int xs = x[j], xe = x[j + 1], ys = y[j], ye = y[j + 1];
    const int dx = std::abs(xe - xs), dy = std::abs(ys - ye);
    const bool flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      std::swap(xs, xe);
      std::swap(ys, ye);
    }
    const double s = dx >= dy ? static_cast<double>(ye - ys) / dx : static_cast<double>(xe - xs) / dy;
    if (dx == 0 && dy == 0) {
      u.push_back(xs);
      v.push_back(std::numeric_limits<int>::min());
    } else if (dx >= dy) {
      for (int d = 0; d <= dx; ++d) {
        const int t = flip ? dx - d : d;
        u.push_back(t + xs);
        v.push_back(static_cast<int>(ys + s * t + 0.5));
      }
    } else {
      for (int d = 0; d <= dy; ++d) {
        const int t = flip ? dy - d : d;
        v.push_back(t + ys);
        u.push_back(static_cast<int>(xs + s * t + 0.5));
      }
    }
  }
  std::vector<std::uint64_t> a;
  for (std::size_t j = 1; j < u.size(); ++j) {
    if (u[j] == u[j - 1]) continue;
    double xd = static_cast<double>(u[j] < u[j - 1] ? u[j] : u[j] - 1);
    xd = (xd + 0.5) / scale - 0.5;
    if (std::floor(xd) != xd || xd < 0 || xd > static_cast<double>(w) - 1) continue;
    double yd = static_cast<double>(v[j] < v[j - 1] ? v[j] : v[j - 1]);
    yd = (yd + 0.5) / scale - 0.5;
    if (yd < 0) yd = 0;
    else if (yd > h) yd = h;
    yd = std::ceil(yd);
    a.push_back(static_cast<std::uint64_t>(xd) * h + static_cast<std::uint64_t>(yd));
  }
  a.push_back(static_cast<std::uint64_t>(h) * w);
  std::sort(a.begin(), a.end());
  std::uint64_t prev = 0;
  for (auto& p : a) {
    const std::uint64_t t = p;
    p -= prev;
    prev = t;
  }
  Rle r{h, w, {}};
  std::size_t j = 0;
  r.counts.push_back(static_cast<std::uint32_t>(a[j++]));
  while (j < a.size()) {
    if (a[j] > 0) {
      r.counts.push_back(static_cast<std::uint32_t>(a[j++]));
    } else {
      ++j;
      if (j < a.size()) r.counts.back() += static_cast<std::uint32_t>(a[j++]);
    }
  }
  return r;
}

}  // namespace

TEST_SUITE("geometry::rle") {
  TEST_CASE("empty and full masks") {
    std::vector<std::uint8_t> zeros(12, 0), ones(12, 1);
    Rle e = encode(zeros.data(), 3, 4);
    CHECK(e.counts == std::vector<std::uint32_t>{12});
    CHECK(area(e) == 0);
    CHECK(bbox(e) == Box{0, 0, 0, 0});
    Rle f = encode(ones.data(), 3, 4);
    CHECK(f.counts == std::vector<std::uint32_t>{0, 12});
    CHECK(bbox(f) == Box{0, 0, 4, 3});
    CHECK(*iou(e, e, false) == 0.0);  // pycocotools: no intersection gives 0, even for two empty masks
    CHECK(*iou(f, f, false) == 1.0);
    CHECK_FALSE(iou(e, encode(zeros.data(), 4, 3), false).has_value());
  }

  TEST_CASE("encode, decode, area, bbox, string codec against brute force") {
    std::mt19937 rng(42);
    for (int trial = 0; trial < 200; ++trial) {
      const std::uint32_t h = 1 + rng() % 40, w = 1 + rng() % 40;
      auto m = random_mask(rng, h, w, 0.3);
      Rle r = encode(m.data(), h, w);
      CHECK(decode(r) == m);
      std::uint64_t a = 0;
      for (auto px : m) a += px;
      CHECK(area(r) == a);
      CHECK(bbox(r) == brute_bbox(m, h, w));
      auto back = from_string(to_string(r), h, w);
      REQUIRE(back.has_value());
      CHECK(back->counts == r.counts);
    }
  }

  TEST_CASE("merge, intersection and IoU against brute force, with crowd") {
    std::mt19937 rng(7);
    for (int trial = 0; trial < 200; ++trial) {
      const std::uint32_t h = 1 + rng() % 30, w = 1 + rng() % 30;
      auto ma = random_mask(rng, h, w, 0.3), mb = random_mask(rng, h, w, 0.3);
      Rle a = encode(ma.data(), h, w), b = encode(mb.data(), h, w);
      std::uint64_t inter = 0, uni = 0, area_a = 0;
      std::vector<std::uint8_t> mu(ma.size()), mi(ma.size());
      for (std::size_t i = 0; i < ma.size(); ++i) {
        inter += ma[i] && mb[i];
        uni += ma[i] || mb[i];
        area_a += ma[i];
        mu[i] = ma[i] || mb[i];
        mi[i] = ma[i] && mb[i];
      }
      CHECK(decode(*merge({&a, &b}, false)) == mu);
      CHECK(decode(*merge({&a, &b}, true)) == mi);
      const auto o = intersection(a, b);
      REQUIRE(o.has_value());
      CHECK(o->area == inter);
      CHECK(o->bbox == brute_bbox(mi, h, w));
      const auto oi = intersection(index_runs(a), index_runs(b));
      REQUIRE(oi.has_value());
      CHECK(oi->area == inter);
      CHECK(oi->bbox == brute_bbox(mi, h, w));
      const double expected = inter == 0 ? 0.0 : double(inter) / double(uni);
      CHECK(*iou(a, b, false) == doctest::Approx(expected).epsilon(1e-15));
      const double crowd = inter == 0 ? 0.0 : double(inter) / double(area_a);
      CHECK(*iou(a, b, true) == doctest::Approx(crowd).epsilon(1e-15));
      // The indexed walk, also over counts that split a run with an empty run of the other kind
      // (valid in files, never written by encode).
      Rle split = a;
      if (split.counts.size() > 2 && split.counts[1] > 1) {
        const std::uint32_t run = split.counts[1];
        split.counts[1] = run / 2;
        split.counts.insert(split.counts.begin() + 2, {0, run - run / 2});
      }
      for (const Rle* x : {&a, &split}) {
        const auto ix = index_runs(*x), ib = index_runs(b);
        CHECK(ix.area == area_a);
        const auto os = intersection(ix, ib);
        REQUIRE(os.has_value());
        CHECK(os->area == inter);
        CHECK(os->bbox == brute_bbox(mi, h, w));
        CHECK(*iou(ix, ib, false) == *iou(a, b, false));
        CHECK(*iou(ix, ib, true) == *iou(a, b, true));
        CHECK(*iou(ib, ix, true) == *iou(b, a, true));
      }
    }
  }

  TEST_CASE("malformed strings and counts are rejected") {
    CHECK_FALSE(from_string("02208", 4, 5).has_value());   // sums to 16, not 20
    CHECK_FALSE(from_string("0220", 4, 4).has_value());    // sums to 6
    CHECK_FALSE(from_string("0\x7f", 4, 4).has_value());   // character outside '0'..'o'
    CHECK_FALSE(from_string("0l", 4, 4).has_value());      // continuation bit on the last character
    CHECK_FALSE(from_string(std::string(20, 'o') + "0", 4, 4).has_value());  // a count longer than 60 bits
    CHECK_FALSE(from_counts({1, 2}, 2, 2).has_value());
    CHECK(from_counts({1, 3}, 2, 2).has_value());
  }

  TEST_CASE("pycocotools' own strings round-trip byte for byte") {
    const auto samples_dir = labelqa::test::samples("pycocotools' own strings round-trip byte for byte");
    if (!samples_dir) return;
    const std::string& k_samples = *samples_dir;
    std::ifstream in(k_samples + "/coco/cocoapi-results/instances_val2014_fakesegm100_results.json");
    REQUIRE_MESSAGE(in.good(), "../shared/samples is needed beside the repository");
    auto doc = nlohmann::json::parse(in);
    REQUIRE(doc.size() == 734);
    for (const auto& ann : doc) {
      const auto& seg = ann["segmentation"];
      const std::string counts = seg["counts"];
      const std::uint32_t h = seg["size"][0], w = seg["size"][1];
      auto r = from_string(counts, h, w);
      REQUIRE(r.has_value());
      CHECK(to_string(*r) == counts);
      CHECK(area(*r) > 0);
    }
  }

  TEST_CASE("rleFrBbox, derived by hand: box [0,0,2,2] on 4x4") {
    // Corners scaled by 5: (0,0) (0,10) (10,10) (10,0). Tracing the edges, the x-changes that land
    // on pixel columns are x=0,1 at y=ceil(10.5/5-0.5)=2 (bottom edge) and x=0,1 at y=0 (top edge):
    // boundary positions x*h+y = {0, 2, 4, 6} and h*w = 16, so runs [0, 2, 2, 2, 10]: the 2x2 block.
    Rle r = rasterize_box({0, 0, 2, 2}, 4, 4);
    CHECK(r.counts == std::vector<std::uint32_t>{0, 2, 2, 2, 10});
    CHECK(area(r) == 4);
    CHECK(bbox(r) == Box{0, 0, 2, 2});
    CHECK(to_string(r) == "02208");  // counts 0, 2, 2, then 2-2=0 and 10-2=8 as deltas
  }

  TEST_CASE("integer boxes rasterise to exactly their pixels") {
    // The same derivation holds for any box with integer corners inside the image: columns
    // x0..x0+w-1, rows y0..y0+h-1.
    for (Box b : {Box{1, 2, 3, 4}, Box{0, 0, 7, 5}, Box{4, 1, 1, 1}}) {
      Rle r = rasterize_box(b, 8, 9);
      CHECK(area(r) == static_cast<std::uint64_t>(b[2] * b[3]));
      CHECK(bbox(r) == b);
    }
  }

  TEST_CASE("hostile polygons: NaN and far-away vertices give a valid mask, not a crash") {
    const double nan = std::nan("");
    const double xy[] = {nan, 0, 1e300, 5, -1e300, 1e300, 2, 2};
    Rle r = rasterize_polygon(xy, 4, 6, 7);
    std::uint64_t sum = 0;
    for (auto c : r.counts) sum += c;
    CHECK(sum == 42);
    CHECK(rasterize_polygon(xy, 0, 6, 7).counts == std::vector<std::uint32_t>{42});
  }

  TEST_CASE("the rasteriser equals the literal rleFrPoly port on 20,000 random polygons") {
    std::mt19937 rng(20261124);
    auto uniform = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
    int compared = 0;
    for (int trial = 0; trial < 20000; ++trial) {
      const auto h = static_cast<std::uint32_t>(1 + rng() % 60), w = static_cast<std::uint32_t>(1 + rng() % 60);
      const std::size_t k = rng() % 40;
      const int kind = static_cast<int>(rng() % 6);
      std::vector<double> xy;
      for (std::size_t i = 0; i < k; ++i) {
        double x = uniform(-10, w + 10), y = uniform(-10, h + 10);
        if (kind == 1) x = std::round(x), y = std::round(y);               // integer vertices
        if (kind == 2) x = std::round(x * 10) / 10, y = std::round(y * 10) / 10;  // on the 1/5 grid and between
        if (kind == 3 && i > 0 && rng() % 3 == 0) x = xy[xy.size() - 2], y = xy.back();  // repeated vertices
        if (kind == 4) x = uniform(0, w) * (rng() % 2 ? 1 : 40), y = uniform(0, h) * (rng() % 2 ? 1 : 40);  // far outside
        if (kind == 5) x = uniform(-1, 2), y = uniform(-1, h + 1);         // thin, steep shapes
        xy.push_back(x);
        xy.push_back(y);
      }
      const Rle want = reference_fr_poly(xy.data(), k, h, w);
      const Rle got = rasterize_polygon(xy.data(), k, h, w);
      if (got.counts != want.counts) {
        FAIL_CHECK("polygon " << trial << " (" << k << " points, " << h << "x" << w << ") differs from rleFrPoly");
        break;
      }
      ++compared;
    }
    CHECK(compared == 20000);
    // Large polygons at a realistic image size, as the benchmarks draw them.
    for (int trial = 0; trial < 300; ++trial) {
      const double cx = uniform(0, 1024), cy = uniform(0, 768), r = uniform(1, 400);
      const std::size_t k = 3 + rng() % 200;
      std::vector<double> xy;
      for (std::size_t i = 0; i < k; ++i) {
        const double t = 2 * M_PI * (static_cast<double>(i) + uniform(0, 0.9)) / static_cast<double>(k), rr = r * uniform(0.3, 1.0);
        xy.push_back(cx + rr * std::cos(t));
        xy.push_back(cy + rr * std::sin(t));
      }
      REQUIRE(rasterize_polygon(xy.data(), k, 768, 1024).counts == reference_fr_poly(xy.data(), k, 768, 1024).counts);
    }
  }

  TEST_CASE("column masks: the same pixels, areas and intersections as the run-length masks") {
    // From masks: random pixels (runs crossing columns included) and the edge cases.
    std::mt19937 rng(11);
    for (int trial = 0; trial < 300; ++trial) {
      const std::uint32_t h = 1 + rng() % 30, w = 1 + rng() % 30;
      const double density = trial % 3 == 0 ? 0.9 : 0.3;
      auto ma = random_mask(rng, h, w, density), mb = random_mask(rng, h, w, 0.3);
      const Rle a = encode(ma.data(), h, w), b = encode(mb.data(), h, w);
      const ColumnMask ca = column_mask(a), cb = column_mask(b);
      CHECK(ca.area == area(a));
      std::vector<std::uint8_t> back(ma.size(), 0);  // the column mask drawn again, column-major
      for (std::size_t c = 0; c < ca.columns(); ++c) {
        for (std::uint32_t i = ca.start[c]; i < ca.start[c + 1]; i += 2) {
          CHECK(ca.rows[i] < ca.rows[i + 1]);
          if (i > ca.start[c]) CHECK(ca.rows[i - 1] < ca.rows[i]);  // ordered, apart
          for (std::uint32_t y = ca.rows[i]; y < ca.rows[i + 1]; ++y) back[(ca.x0 + c) * h + y] = 1;
        }
      }
      std::vector<std::uint8_t> binary(ma.size());
      for (std::size_t i = 0; i < ma.size(); ++i) binary[i] = ma[i] ? 1 : 0;
      CHECK(back == binary);
      const auto want = intersection(a, b);
      const auto got = intersection(ca, cb);
      REQUIRE(got.has_value());
      CHECK(got->area == want->area);
      CHECK(got->bbox == want->bbox);
      CHECK(unite({ca, cb}) == column_mask(*merge({&a, &b}, false)));
    }
    {
      // Runs far apart (the column followed along, then divided out), and one run over four columns.
      std::vector<std::uint8_t> m(5 * 40, 0);
      m[0 * 5 + 4] = m[1 * 5 + 0] = 1;                       // a run across the first column's end
      for (std::size_t i = 20 * 5 + 3; i < 24 * 5 + 1; ++i) m[i] = 1;  // columns 20 to 24
      m[39 * 5 + 2] = 1;
      const Rle r = encode(m.data(), 5, 40);
      const ColumnMask c = column_mask(r);
      CHECK(c.x0 == 0);
      CHECK(c.columns() == 40);
      CHECK(c.area == area(r));
      CHECK(std::vector<std::uint32_t>(c.rows.begin(), c.rows.begin() + 4) == std::vector<std::uint32_t>{4, 5, 0, 1});
      CHECK(c.start[20] == 4);
      CHECK(c.rows[4] == 3);
      CHECK(c.rows.back() == 3);
    }
    CHECK(column_mask(Rle{4, 3, {12}}).columns() == 0);
    CHECK(column_mask(Rle{4, 3, {0, 12}}).area == 12);
    CHECK(column_mask(Rle{4, 3, {0, 12}}).columns() == 3);
    CHECK(!intersection(column_mask(Rle{4, 3, {0, 12}}), column_mask(Rle{3, 4, {0, 12}})).has_value());
    CHECK(intersection(column_mask(Rle{4, 3, {12}}), column_mask(Rle{4, 3, {0, 12}}))->area == 0);
  }

  TEST_CASE("column masks of polygons equal the rasterised polygons' (random, steep, far and self-crossing polygons)") {
    std::mt19937 rng(20261206);
    auto uniform = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
    std::vector<std::vector<double>> polygons;
    for (int trial = 0; trial < 20000; ++trial) {
      const auto h = static_cast<std::uint32_t>(1 + rng() % 60), w = static_cast<std::uint32_t>(1 + rng() % 60);
      const std::size_t k = rng() % 40;
      const int kind = static_cast<int>(rng() % 5);
      std::vector<double> xy;
      for (std::size_t i = 0; i < k; ++i) {
        double x = uniform(-10, w + 10), y = uniform(-10, h + 10);
        if (kind == 1) x = std::round(x), y = std::round(y);
        if (kind == 2 && i > 0 && rng() % 3 == 0) x = xy[xy.size() - 2], y = xy.back();
        if (kind == 3) x = uniform(0, w) * (rng() % 2 ? 1 : 40), y = uniform(0, h) * (rng() % 2 ? 1 : 40);
        if (kind == 4) x = uniform(-1, 2), y = uniform(-1, h + 1);
        xy.push_back(x);
        xy.push_back(y);
      }
      const Rle rle = rasterize_polygon(xy.data(), k, h, w);
      const ColumnMask got = rasterize_polygon_columns(xy.data(), k, h, w);
      if (!(got == column_mask(rle))) {
        FAIL_CHECK("polygon " << trial << " (" << k << " points, " << h << "x" << w << ") differs from its run-length mask");
        break;
      }
    }
    for (int trial = 0; trial < 2000; ++trial) {
      std::vector<double> xy;
      for (std::size_t i = 0, k = 3 + rng() % 12; i < k; ++i) {
        xy.push_back(uniform(-3, 23));
        xy.push_back(uniform(-3, 23));
      }
      polygons.push_back(xy);
    }
    // Intersections of polygons of one size, and unions of rings.
    for (std::size_t i = 0; i + 1 < polygons.size(); ++i) {
      const auto& p = polygons[i];
      const auto& q = polygons[i + 1];
      const Rle a = rasterize_polygon(p.data(), p.size() / 2, 20, 20), b = rasterize_polygon(q.data(), q.size() / 2, 20, 20);
      const ColumnMask ca = rasterize_polygon_columns(p.data(), p.size() / 2, 20, 20), cb = rasterize_polygon_columns(q.data(), q.size() / 2, 20, 20);
      const auto want = intersection(a, b);
      const auto got = intersection(ca, cb);
      CHECK(got->area == want->area);
      CHECK(got->bbox == want->bbox);
      CHECK(unite({ca, cb}) == column_mask(*merge({&a, &b}, false)));
    }
  }

  TEST_CASE("drawing into reused masks: the same masks as drawn fresh, and as the literal rleFrPoly port") {
    // One mask and one union buffer reused across polygons of every size (their buffers shrink and
    // grow), on images from 1x1 to 1100x800: integer, 1/5-grid and 2-decimal vertices, long nearly
    // vertical edges (where a steep edge's estimate is often within its margin of an integer),
    // repeated vertices, and stored masks turned into columns in the same buffers.
    std::mt19937 rng(20261207);
    auto uniform = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
    ColumnMask reused, joined, from_rle;
    for (int trial = 0; trial < 6000; ++trial) {
      const bool large = trial % 2 == 0;
      const auto h = static_cast<std::uint32_t>(1 + rng() % (large ? 800 : 40)), w = static_cast<std::uint32_t>(1 + rng() % (large ? 1100 : 40));
      const int kind = static_cast<int>(rng() % 5);
      const std::size_t k = rng() % (kind == 4 ? 7 : 48);
      std::vector<double> xy;
      for (std::size_t i = 0; i < k; ++i) {
        double x = uniform(0, w), y = uniform(0, h);
        if (kind == 1) x = std::round(x), y = std::round(y);
        if (kind == 2) x = std::round(x * 5) / 5, y = std::round(y * 5) / 5;
        if (kind == 3) x = std::round(x * 100) / 100, y = std::round(y * 100) / 100;
        if (kind == 4) x = std::floor(x) + 0.3 + uniform(0, 0.3), y = uniform(-2000, h + 2000);  // long, nearly vertical edges
        if (i > 0 && rng() % 8 == 0) x = xy[xy.size() - 2], y = xy.back();
        xy.push_back(x);
        xy.push_back(y);
      }
      const Rle want = reference_fr_poly(xy.data(), k, h, w);
      rasterize_polygon_columns(xy.data(), k, h, w, reused);
      if (!(reused == column_mask(want)) || !(reused == rasterize_polygon_columns(xy.data(), k, h, w))) {
        FAIL_CHECK("polygon " << trial << " (" << k << " points, " << h << "x" << w << ") differs when drawn into a reused mask");
        break;
      }
      column_mask(want, from_rle);
      CHECK(from_rle == column_mask(want));
      const ColumnMask fresh = reused;
      const std::vector<ColumnMask> both = {fresh, from_rle};
      unite(both, joined);
      CHECK(joined == unite(both));
    }
  }

  TEST_CASE("box IoU with COCO semantics") {
    CHECK(box_iou({0, 0, 2, 2}, {1, 1, 2, 2}, false) == doctest::Approx(1.0 / 7.0));
    CHECK(box_iou({0, 0, 2, 2}, {1, 1, 2, 2}, true) == doctest::Approx(1.0 / 4.0));
    CHECK(box_iou({0, 0, 1, 1}, {1, 0, 1, 1}, false) == 0.0);  // touching edges do not overlap
  }
}
