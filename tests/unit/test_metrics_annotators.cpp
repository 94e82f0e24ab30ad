// `labelqa report` core: the Dawid–Skene worked example of docs/report.md, majority vote, the
// change-point test, ranking and the pictures.
#include "labelqa/metrics/annotators.hpp"
#include "labelqa/metrics/consensus.hpp"
#include "labelqa/metrics/drift.hpp"
#include "labelqa/report/annotator_report.hpp"
#include "labelqa/report/charts.hpp"

#include <doctest/doctest.h>

using namespace labelqa;

namespace {

// The worked example: items i1..i4, annotators A, B, C, classes no (0) and yes (1).
RatingSet worked_example() {
  RatingSet s;
  s.files = {"example.csv"};
  s.items = {"i1", "i2", "i3", "i4"};
  s.annotators = {"A", "B", "C"};
  s.categories = {"no", "yes"};
  const int labels[4][3] = {{1, 1, 1}, {1, 1, 0}, {0, 0, 1}, {0, 1, 0}};
  std::uint32_t line = 2;
  for (int i = 0; i < 4; ++i) {
    s.item_offsets.push_back(static_cast<std::uint32_t>(s.ratings.size()));
    for (int a = 0; a < 3; ++a) {
      s.ratings.push_back({a, labels[i][a]});
      s.sources.push_back({0, line++});
    }
  }
  s.item_offsets.push_back(static_cast<std::uint32_t>(s.ratings.size()));
  return s;
}

}  // namespace

TEST_SUITE_BEGIN("metrics::annotators");

TEST_CASE("report: Dawid-Skene worked example, first two iterations (docs/report.md)") {
  const RatingSet s = worked_example();
  metrics::DawidSkeneOptions o;
  o.trace = 2;
  const auto ds = metrics::dawid_skene(s, o);
  REQUIRE(ds.trace.size() == 2);
  const auto& t1 = ds.trace[0];
  CHECK(t1.priors[0] == doctest::Approx(5.0 / 12).epsilon(1e-15));
  CHECK(t1.priors[1] == doctest::Approx(7.0 / 12).epsilon(1e-15));
  // confusion[(a * 2 + true) * 2 + given]
  const double e1[3][2][2] = {{{4.0 / 5, 1.0 / 5}, {2.0 / 7, 5.0 / 7}}, {{2.0 / 5, 3.0 / 5}, {1.0 / 7, 6.0 / 7}}, {{3.0 / 5, 2.0 / 5}, {3.0 / 7, 4.0 / 7}}};
  for (int a = 0; a < 3; ++a) {
    for (int k = 0; k < 2; ++k) {
      for (int l = 0; l < 2; ++l) CHECK(t1.confusion[static_cast<std::size_t>((a * 2 + k) * 2 + l)] == doctest::Approx(e1[a][k][l]).epsilon(1e-14));
    }
  }
  const double p1_yes[4] = {500.0 / 549, 250.0 / 299, 25.0 / 123, 25.0 / 74};
  for (int i = 0; i < 4; ++i) CHECK(t1.posterior[static_cast<std::size_t>(i * 2 + 1)] == doctest::Approx(p1_yes[i]).epsilon(1e-14));
  const auto& t2 = ds.trace[1];
  CHECK(t2.priors[0] == doctest::Approx(852655811.0 / 1992136536).epsilon(1e-14));
  CHECK(t2.confusion[0] == doctest::Approx(14828307.0 / 17401139).epsilon(1e-14));   // A: no -> no
  CHECK(t2.confusion[7] == doctest::Approx(41530171.0 / 45579229).epsilon(1e-14));   // B: yes -> yes
  CHECK(t2.posterior[1] == doctest::Approx(0.9171204592514328).epsilon(1e-13));       // i1 yes
  CHECK(t2.posterior[4] == doctest::Approx(0.937549893395925).epsilon(1e-13));        // i3 no
  CHECK(t2.posterior[6] == doctest::Approx(0.5980090012554398).epsilon(1e-13));       // i4 no
  CHECK(ds.converged);
  CHECK(ds.labels[0] == 1);
  CHECK(ds.labels[1] == 1);
  CHECK(ds.labels[2] == 0);
}

// crowd-kit's step-by-step Dawid-Skene example (its test suite, tests/aggregation/test_ds_aggregation.py):
// tasks t1..t5, workers w1..w5 (w3 did not rate t1), labels no (0) and yes (1).
RatingSet crowd_kit_steps() {
  RatingSet s;
  s.files = {"steps.csv"};
  s.items = {"t1", "t2", "t3", "t4", "t5"};
  s.annotators = {"w1", "w2", "w3", "w4", "w5"};
  s.categories = {"no", "yes"};
  const int labels[5][5] = {{0, 1, -1, 1, 0}, {1, 1, 1, 0, 0}, {1, 0, 0, 1, 0}, {1, 1, 1, 1, 1}, {1, 0, 0, 0, 0}};
  for (int i = 0; i < 5; ++i) {
    s.item_offsets.push_back(static_cast<std::uint32_t>(s.ratings.size()));
    for (int a = 0; a < 5; ++a) {
      if (labels[i][a] >= 0) s.ratings.push_back({a, labels[i][a]});
    }
  }
  s.item_offsets.push_back(static_cast<std::uint32_t>(s.ratings.size()));
  return s;
}

TEST_CASE("report: Dawid-Skene follows crowd-kit step by step (its published values, 2 decimals)") {
  const RatingSet s = crowd_kit_steps();
  // error(w, observed, true) as crowd-kit lays out errors_ (rows worker and observed label, columns true label).
  auto error = [](const metrics::DawidSkene& ds, int w, int observed, int truth) { return ds.error_rate(w, truth, observed); };
  metrics::DawidSkeneOptions o;
  o.max_iterations = 0;  // crowd-kit's n_iter = 0: the M-step from majority-vote shares
  const auto d0 = metrics::dawid_skene(s, o);
  const double p0_no[5] = {0.5, 0.4, 0.6, 0.0, 0.8};
  for (int i = 0; i < 5; ++i) CHECK(std::fabs(d0.posterior[static_cast<std::size_t>(i * 2)] - p0_no[i]) <= 0.005);
  CHECK(std::fabs(d0.priors[0] - 0.46) <= 0.005);
  const double e0[5][2][2] = {{{0.22, 0.19}, {0.78, 0.81}}, {{0.61, 0.22}, {0.39, 0.78}}, {{0.78, 0.27}, {0.22, 0.73}},
                              {{0.52, 0.30}, {0.48, 0.70}}, {{1.00, 0.63}, {0.00, 0.37}}};
  for (int w = 0; w < 5; ++w) {
    for (int obs = 0; obs < 2; ++obs) {
      for (int t = 0; t < 2; ++t) CHECK(std::fabs(error(d0, w, obs, t) - e0[w][obs][t]) <= 0.005);
    }
  }
  o.max_iterations = 1;
  const auto d1 = metrics::dawid_skene(s, o);
  const double p1_no[5] = {0.35, 0.26, 0.87, 0.00, 0.95};
  for (int i = 0; i < 5; ++i) CHECK(std::fabs(d1.posterior[static_cast<std::size_t>(i * 2)] - p1_no[i]) <= 0.005);
  CHECK(std::fabs(d1.priors[0] - 0.49) <= 0.005);
  const double e1[5][2][2] = {{{0.14, 0.25}, {0.86, 0.75}}, {{0.75, 0.07}, {0.25, 0.93}}, {{0.87, 0.09}, {0.13, 0.91}},
                              {{0.50, 0.31}, {0.50, 0.69}}, {{1.00, 0.61}, {0.00, 0.39}}};
  for (int w = 0; w < 5; ++w) {
    for (int obs = 0; obs < 2; ++obs) {
      for (int t = 0; t < 2; ++t) CHECK(std::fabs(error(d1, w, obs, t) - e1[w][obs][t]) <= 0.005);
    }
  }
  CHECK(d1.labels == std::vector<std::int32_t>{1, 1, 0, 1, 0});
  // The stopping rule: the evidence lower bound per rating improves by less than 1e-5.
  const auto full = metrics::dawid_skene(s, {});
  CHECK(full.converged);
  CHECK(full.iterations < 100);
}

TEST_CASE("report: majority vote shares and seeded ties") {
  RatingSet s = worked_example();
  const auto mv = metrics::majority_vote(s, 1);
  CHECK(mv.labels == std::vector<std::int32_t>{1, 1, 0, 0});
  CHECK(mv.confidence[0] == 1.0);
  CHECK(mv.confidence[1] == doctest::Approx(2.0 / 3));
  CHECK(mv.posterior[3] == doctest::Approx(2.0 / 3));
}

TEST_CASE("report: the Kolmogorov tail") {
  CHECK(metrics::kolmogorov_tail(1.3581) == doctest::Approx(0.05).epsilon(1e-3));
  CHECK(metrics::kolmogorov_tail(1.6276) == doctest::Approx(0.01).epsilon(1e-3));
  CHECK(metrics::kolmogorov_tail(0) == 1.0);
  CHECK(metrics::kolmogorov_tail(10) < 1e-80);
}

TEST_CASE("report: a drop is located; a constant sequence has none") {
  std::vector<std::uint8_t> seq;
  for (int i = 0; i < 400; ++i) seq.push_back(i % 10 != 0);        // 0.9
  for (int i = 0; i < 400; ++i) seq.push_back(i % 2 == 0);         // 0.5
  metrics::DriftOptions o;
  o.window_items = 100;
  const auto d = metrics::drift(seq, {}, o);
  CHECK(d.order == "input");
  CHECK(d.windows.size() == 8);
  REQUIRE(d.change_points.size() == 1);
  CHECK(d.change_points[0].start_index == doctest::Approx(400).epsilon(0.05));
  CHECK(d.change_points[0].before == doctest::Approx(0.9).epsilon(0.02));
  CHECK(!d.items_per_hour);
  CHECK(d.throughput_undefined_reason == metrics::Reason::no_timestamps);
  const auto flat = metrics::drift(std::vector<std::uint8_t>(500, 1), {}, o);
  CHECK(flat.change_points.empty());
  // A rise is no drift.
  std::vector<std::uint8_t> rise(seq.rbegin(), seq.rend());
  CHECK(metrics::drift(rise, {}, o).change_points.empty());
}

TEST_CASE("report: ranking flags the annotator below the group") {
  metrics::ReportOptions o;
  const auto r = metrics::rank_proportions("accuracy", {"a", "b", "c"}, {{95, 100}, {94, 100}, {60, 100}}, o);
  REQUIRE(r.size() == 3);
  CHECK(r[0].annotator == "a");
  CHECK(r[2].annotator == "c");
  CHECK(r[2].below_group);
  CHECK(!r[0].below_group);
  CHECK(*r[2].group == doctest::Approx(0.945));
}

TEST_CASE("report: ISO times and pictures") {
  CHECK(report::iso_time(0) == "1970-01-01T00:00:00.000Z");
  CHECK(report::iso_time(1767225600123) == "2026-01-01T00:00:00.123Z");
  CHECK(report::iso_time(951782400000) == "2000-02-29T00:00:00.000Z");
  report::Heatmap h;
  h.title = "t";
  h.rows = h.columns = {"a", "b"};
  h.shade = {{1, 0}, {0.5, 0.5}};
  h.text = {{"2", ""}, {"1", "1"}};
  const std::string png = report::draw_heatmap(h, report::ImageFormat::png);
  CHECK(png.substr(1, 3) == "PNG");
  CHECK(png == report::draw_heatmap(h, report::ImageFormat::png));
  const std::string svg = report::draw_heatmap(h, report::ImageFormat::svg);
  CHECK(svg.find("<svg") != std::string::npos);
}

TEST_SUITE_END();
