#include "labelqa/metrics/polylines.hpp"

#include "labelqa/geometry/lines.hpp"
#include "sum_equal.hpp"

#include <algorithm>
#include <limits>
#include <map>

namespace labelqa::metrics {

namespace {

geometry::LinePoints points_of(const AnnotatorObjects& a, const SpatialObject& o) {
  const std::uint32_t b = a.ring_start[o.geom], e = a.ring_start[o.geom + 1];
  return {a.coords.data() + b, (e - b) / 2};
}

double nan() { return std::numeric_limits<double>::quiet_NaN(); }

}  // namespace

double polyline_similarity(const AnnotatorObjects& ra, const SpatialObject& reference, const AnnotatorObjects& oa, const SpatialObject& other,
                           std::uint32_t w, std::uint32_t h, const LineOptions& options, bool oriented) {
  return geometry::line_similarity(points_of(ra, reference), points_of(oa, other), static_cast<double>(w) * h, options.thickness, oriented);
}

bool reversed_direction(const AnnotatorObjects& ra, const SpatialObject& reference, const AnnotatorObjects& oa, const SpatialObject& other,
                        std::uint32_t w, std::uint32_t h, const LineOptions& options) {
  return polyline_similarity(ra, reference, oa, other, w, h, options, false) - polyline_similarity(ra, reference, oa, other, w, h, options, true) >
         options.direction_threshold;
}

double polyline_distance(const AnnotatorObjects& ra, const SpatialObject& reference, const AnnotatorObjects& oa, const SpatialObject& other) {
  return geometry::line_distance(points_of(ra, reference), points_of(oa, other));
}

void LineCounts::add(const LineCounts& o) {
  objects += o.objects;
  similarity_sum += o.similarity_sum;
  distance_sum += o.distance_sum;
  reversed += o.reversed;
}

void LineTally::merge() {
  detail::sum_equal(entries, [](const std::pair<int, LineCounts>& e) { return e.first; },
                    [](std::pair<int, LineCounts>& into, const std::pair<int, LineCounts>& from) { into.second.add(from.second); });
}

LineScores line_scores(const LineCounts& c, bool direction) {
  LineScores s;
  s.counts = c;
  const double n = static_cast<double>(c.objects);
  s.mean_similarity = Estimate::ratio(c.objects ? c.similarity_sum / n : nan(), Reason::no_matched_objects);
  s.mean_distance = Estimate::ratio(c.objects ? c.distance_sum / n : nan(), Reason::no_matched_objects);
  s.mean_distance.lower_bound = 0;
  s.mean_distance.upper_bound = std::numeric_limits<double>::infinity();
  s.reversed_share = direction ? Estimate::ratio(c.objects ? static_cast<double>(c.reversed) / n : nan(), Reason::no_matched_objects)
                               : Estimate::undefined(Reason::undefined);
  for (Estimate* e : {&s.mean_similarity, &s.mean_distance, &s.reversed_share}) {
    if (e->value) e->ci_undefined_reason = Reason::no_interval;
  }
  return s;
}

std::vector<int> polyline_classes(const ObjectSet& set) {
  std::vector<char> has(set.categories.size(), 0);
  for (const auto& an : set.annotators) {
    for (const auto& o : an.objects) {
      if (o.shape == Shape::polyline) has[static_cast<std::size_t>(o.category)] = 1;
    }
  }
  std::vector<int> out;
  for (std::size_t c = 0; c < has.size(); ++c) {
    if (has[c]) out.push_back(static_cast<int>(c));
  }
  return out;
}

LineResult summarize_lines(const ObjectSet& set, const std::vector<LineTally>& images, const LineOptions& options, const std::vector<int>& line_classes) {
  LineResult out;
  out.direction = options.compare_direction;
  out.thickness = options.thickness;
  out.present = !line_classes.empty();
  if (!out.present) return out;
  std::map<int, LineCounts> totals;
  for (const auto& im : images) {
    for (const auto& [scope, c] : im.entries) totals[scope].add(c);
  }
  const int A = static_cast<int>(set.annotators.size()), P = A * (A - 1) / 2, C = static_cast<int>(set.categories.size());
  out.overall = line_scores(totals[0], out.direction);
  int p = 0;
  for (int a = 0; a < A; ++a) {
    for (int b = a + 1; b < A; ++b, ++p) out.pairs.push_back({a, b, line_scores(totals[1 + p], out.direction)});
  }
  for (const int c : line_classes) {
    if (c >= 0 && c < C) out.classes.push_back({c, line_scores(totals[1 + P + c], out.direction)});
  }
  return out;
}

}  // namespace labelqa::metrics
