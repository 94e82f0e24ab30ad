// Time segments: Krippendorff's published unitizing-alpha examples, the diarization hand example
// of docs/segments.md, boundary matching and the times every reader parses.
#include "labelqa/metrics/segments.hpp"

#include "labelqa/io/segment_reader.hpp"

#include <cmath>
#include <doctest/doctest.h>

using namespace labelqa;
using namespace labelqa::metrics;

namespace {

// Krippendorff (2004, Content Analysis, 2nd ed., p. 254): two observers unitize the continuum
// 150..450 into units of categories c (0) and k (1).
std::vector<Unit> krippendorff_2004() {
  return {{0, 0, 225, 70}, {0, 0, 370, 30}, {1, 0, 220, 80}, {1, 0, 355, 20}, {1, 0, 400, 20},
          {0, 1, 180, 60}, {0, 1, 300, 50}, {1, 1, 180, 60}, {1, 1, 300, 50}};
}

// A speaker-turn set from (annotator, speaker, start s, end s) rows, one recording.
SegmentSet turns(const std::vector<std::tuple<int, std::string, double, double>>& rows) {
  std::vector<io::SegmentRecord> recs(2);
  recs[0].annotator = "a";
  recs[1].annotator = "b";
  for (auto& r : recs) {
    r.item = "rec";
    r.file = r.annotator + ".rttm";
  }
  for (const auto& [a, spk, s, e] : rows) {
    recs[static_cast<std::size_t>(a)].segments.push_back({std::llround(s * 1e6), std::llround(e * 1e6), spk, 0, ""});
  }
  return io::build_segments(recs, true, {});
}

// docs/segments.md: reference a, system b with other names, an overlap of B and C.
SegmentSet hand_example() {
  return turns({{0, "A", 0, 10}, {0, "B", 10, 20}, {0, "C", 15, 18}, {0, "A", 20, 25},
                {1, "s2", 0, 9}, {1, "s1", 9, 20}, {1, "s2", 20, 24}, {1, "s3", 24, 26}});
}

}  // namespace

TEST_SUITE("metrics::segments") {
  TEST_CASE("unitizing alpha: Krippendorff (2004), p. 254") {
    const UnitizingResult r = unitizing_alpha(150, 300, 2, 2, krippendorff_2004());
    CHECK(r.observed[0] == doctest::Approx(0.0144).epsilon(0.0001 / 0.0144));
    CHECK(r.expected[0] == doctest::Approx(0.0532).epsilon(0.0001 / 0.0532));
    CHECK(*r.label_alpha[0].value == doctest::Approx(0.7286).epsilon(0.00005 / 0.7286));
    CHECK(r.observed[1] == 0);
    CHECK(r.expected[1] == doctest::Approx(0.0490).epsilon(0.0001 / 0.0490));
    CHECK(*r.label_alpha[1].value == 1);
    // Krippendorff's .8591 divides the disagreements as he rounded them (1 - .0144 / (.0532 + .0490));
    // unrounded they give .8587.
    auto round4 = [](double v) { return std::round(v * 1e4) / 1e4; };
    CHECK(1 - round4(r.observed[0] + r.observed[1]) / (round4(r.expected[0]) + round4(r.expected[1])) == doctest::Approx(0.8591).epsilon(0.00005 / 0.8591));
    CHECK(*r.alpha.value == doctest::Approx(0.8587).epsilon(0.00005 / 0.8587));
  }

  TEST_CASE("unitizing alpha: Krippendorff (1995), observed disagreement of pairs A to D") {
    // Four pairs of coders on a continuum of 24 (p. 57), each pair its own category.
    const std::vector<Unit> units = {
        {0, 0, 2, 8},  {0, 0, 14, 6}, {1, 0, 4, 4},  {1, 0, 15, 2},                                                    // A
        {0, 1, 0, 18}, {1, 1, 0, 2},  {1, 1, 2, 1},  {1, 1, 3, 1},  {1, 1, 4, 1},  {1, 1, 5, 1}, {1, 1, 6, 3}, {1, 1, 9, 1},  // B
        {0, 2, 2, 6},  {0, 2, 10, 2}, {0, 2, 14, 4}, {0, 2, 20, 2}, {1, 2, 0, 2},  {1, 2, 4, 4}, {1, 2, 10, 4}, {1, 2, 16, 2}, {1, 2, 20, 2},  // C
        {0, 3, 0, 2},  {0, 3, 2, 8},  {0, 3, 10, 4}, {0, 3, 14, 6}, {0, 3, 20, 4}, {1, 3, 0, 4}, {1, 3, 4, 4}, {1, 3, 8, 7}, {1, 3, 15, 2},
        {1, 3, 17, 7}};                                                                                                 // D
    const UnitizingResult r = unitizing_alpha(0, 24, 2, 4, units);
    CHECK(r.observed[0] == doctest::Approx(0.03125).epsilon(1e-9));
    CHECK(r.observed[1] == doctest::Approx(2.26736).epsilon(0.000005 / 2.26736));
    CHECK(r.observed[2] == doctest::Approx(0.02777).epsilon(0.000005 / 0.02777));
    CHECK(r.observed[3] == doctest::Approx(0.38715).epsilon(0.000005 / 0.38715));
  }

  TEST_CASE("diarization: the hand example of docs/segments.md") {
    const SegmentSet set = hand_example();
    SegmentOptions opt;
    opt.bootstrap = 0;
    opt.collar = 0;
    auto d = *analyze_segments(set, opt).pairs.at(0).diarization;
    CHECK(d.counts.scored == 28000000);
    CHECK(d.counts.missed == 3000000);
    CHECK(d.counts.false_alarm == 1000000);
    CHECK(d.counts.confusion == 2000000);
    CHECK(*d.der.value == doctest::Approx(6.0 / 28).epsilon(1e-15));
    CHECK(*d.jer.value == doctest::Approx(202.0 / 495).epsilon(1e-15));
    opt.collar = 500000;
    d = *analyze_segments(set, opt).pairs.at(0).diarization;
    CHECK(d.counts.scored == 22000000);
    CHECK(d.counts.missed == 2000000);
    CHECK(d.counts.false_alarm == 500000);
    CHECK(d.counts.confusion == 1000000);
    CHECK(*d.der.value == doctest::Approx(7.0 / 44).epsilon(1e-15));
    CHECK(*d.jer.value == doctest::Approx(202.0 / 495).epsilon(1e-15));  // JER has no collar (dscore)
    opt.skip_overlap = true;
    d = *analyze_segments(set, opt).pairs.at(0).diarization;
    CHECK(d.counts.scored == 18000000);
    CHECK(d.counts.missed == 0);
    CHECK(*d.der.value == doctest::Approx(1.0 / 12).epsilon(1e-15));
  }

  TEST_CASE("boundaries pair one to one within the collar") {
    const SegmentSet set = turns({{0, "A", 0, 10}, {0, "A", 12, 20}, {1, "x", 0.15, 9.7}, {1, "x", 12.3, 20.1}});
    SegmentOptions opt;
    opt.bootstrap = 0;
    opt.collar = 200000;
    const auto r = analyze_segments(set, opt);
    CHECK(r.boundaries.counts.boundaries_a == 4);
    CHECK(r.boundaries.counts.matched == 2);  // 0 ~ 0.15 and 20 ~ 20.1; 10 vs 9.7 and 12 vs 12.3 are 0.3 apart
    CHECK(*r.boundaries.f1.value == doctest::Approx(0.5));
  }

  TEST_CASE("times as written") {
    CHECK(*parse_seconds("12.345") == 12345000);
    CHECK(*parse_seconds("0.0000005") == 1);
    CHECK(*parse_seconds("-0.25") == -250000);
    CHECK(*parse_seconds("3") == 3000000);
    CHECK(*parse_seconds("1e-3") == 1000);
    CHECK(*parse_seconds(".5") == 500000);
    CHECK(!parse_seconds("abc"));
    CHECK(!parse_seconds(""));
    CHECK(!parse_seconds("1e300"));
    CHECK(format_seconds(12345000) == "12.345");
    CHECK(format_seconds(3000000) == "3");
    CHECK(format_seconds(-1) == "-0.000001");
  }
}
