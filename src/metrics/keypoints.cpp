#include "labelqa/metrics/keypoints.hpp"

#include "labelqa/error.hpp"
#include "labelqa/geometry/keypoints.hpp"
#include "labelqa/metrics/attributes.hpp"
#include "sum_equal.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <tuple>

namespace labelqa::metrics {

namespace {

double nan() { return std::numeric_limits<double>::quiet_NaN(); }
double over(double x, long long n) { return n > 0 ? x / static_cast<double>(n) : nan(); }

// The reference's scale for OKS: its area, else its box's.
double area_of(const KeypointView& kp, const SpatialObject& o) { return std::isnan(kp.area) ? o.bbox[2] * o.bbox[3] : kp.area; }

}  // namespace

bool has_keypoints(const ObjectSet& set) {
  for (const auto& a : set.annotators) {
    for (const auto& o : a.objects) {
      if (o.shape == Shape::keypoints) return true;
    }
  }
  return false;
}

std::vector<std::vector<double>> resolve_sigmas(const ObjectSet& set, const KeypointOptions& options) {
  std::vector<std::vector<double>> out(set.categories.size());
  // Keypoints per class, as the objects have them.
  std::vector<std::size_t> count(set.categories.size(), 0);
  for (const auto& a : set.annotators) {
    for (const auto& o : a.objects) {
      if (o.shape == Shape::keypoints) count[static_cast<std::size_t>(o.category)] = std::max(count[static_cast<std::size_t>(o.category)], keypoints_of(a, o).count);
    }
  }
  for (std::size_t c = 0; c < set.categories.size(); ++c) {
    if (count[c] == 0) continue;
    const auto given = options.sigmas.find(set.categories[c]);
    if (given != options.sigmas.end()) {
      if (given->second.size() != count[c]) {
        throw InputError({.field = set.categories[c]},
                         fmt::format("class \"{}\" has {} sigmas but its objects have {} keypoints", set.categories[c], given->second.size(), count[c]))
            .with_setting("sigmas");
      }
      out[c] = given->second;
    } else if (count[c] == 17) {
      out[c] = geometry::coco_person_sigmas();
    }
  }
  return out;
}

double keypoint_similarity(const AnnotatorObjects& ra, const SpatialObject& reference, const AnnotatorObjects& oa, const SpatialObject& other,
                           const std::vector<double>& sigmas, double pck) {
  const KeypointView g = keypoints_of(ra, reference), d = keypoints_of(oa, other);
  if (g.count == 0 || g.count != d.count) return 0;
  if (sigmas.size() == g.count) return geometry::oks(g.values, area_of(g, reference), reference.bbox, d.values, g.count, sigmas.data());
  const geometry::KeypointComparison c = geometry::compare_keypoints(g.values, reference.bbox, d.values, g.count, pck);
  return c.labelled ? static_cast<double>(c.within) / static_cast<double>(c.labelled) : 0.0;
}

void KeypointCounts::add(const KeypointCounts& o) {
  objects += o.objects;
  similarity_sum += o.similarity_sum;
  labelled += o.labelled;
  both += o.both;
  within += o.within;
  missed += o.missed;
  extra += o.extra;
  distance_sum += o.distance_sum;
  normalized_sum += o.normalized_sum;
}

void KeypointTally::add_pair(const AnnotatorObjects& ra, const SpatialObject& reference, const AnnotatorObjects& oa, const SpatialObject& other, int pair,
                             int pairs, double similarity, double pck) {
  const KeypointView g = keypoints_of(ra, reference), d = keypoints_of(oa, other);
  if (g.count == 0 || g.count != d.count) return;
  const double diagonal = geometry::box_diagonal(reference.bbox);
  const int class_scope = 1 + pairs + reference.category;
  const bool same_class = other.category == reference.category;
  KeypointCounts object;
  object.objects = 1;
  object.similarity_sum = similarity;
  for (std::size_t k = 0; k < g.count; ++k) {
    const double vg = g.values[3 * k + 2], vd = d.values[3 * k + 2];
    KeypointCounts one;
    if (vg > 0) {
      ++one.labelled;
      if (vd > 0) {
        ++one.both;
        const double dist = std::hypot(d.values[3 * k] - g.values[3 * k], d.values[3 * k + 1] - g.values[3 * k + 1]);
        one.distance_sum = dist;
        one.normalized_sum = diagonal > 0 ? dist / diagonal : 0;
        one.within = dist <= pck * diagonal;
      } else {
        ++one.missed;
      }
    } else if (vd > 0) {
      ++one.extra;
    }
    object.add(one);  // adds no object and no similarity: those are the pair's own
    if (same_class) entries.emplace_back(class_scope, static_cast<int>(k), one);
    visibility.push_back({pair, reference.category, static_cast<std::uint8_t>(vg), static_cast<std::uint8_t>(vd), 1});
  }
  for (int scope : {0, 1 + pair}) entries.emplace_back(scope, -1, object);
  if (same_class) entries.emplace_back(class_scope, -1, object);
}

void KeypointTally::add_object(const AnnotatorObjects& a, const SpatialObject& o) {
  classes.emplace_back(o.category, static_cast<int>(keypoints_of(a, o).count));
}

void KeypointTally::merge() {
  detail::sum_equal(entries, [](const auto& e) { return std::tie(std::get<0>(e), std::get<1>(e)); },
                    [](auto& into, const auto& from) { std::get<2>(into).add(std::get<2>(from)); });
  detail::sum_equal(visibility, [](const VisibilityCount& v) { return std::tie(v.pair, v.category, v.flag_a, v.flag_b); },
                    [](VisibilityCount& into, const VisibilityCount& from) { into.count += from.count; });
  detail::sum_equal(classes, [](const std::pair<int, int>& c) { return c.first; },
                    [](std::pair<int, int>& into, const std::pair<int, int>& from) { into.second = std::max(into.second, from.second); });
}

KeypointScores keypoint_scores(const KeypointCounts& c) {
  KeypointScores s;
  s.counts = c;
  s.mean_oks = Estimate::ratio(over(c.similarity_sum, c.objects), Reason::no_matched_keypoint_objects);
  s.pck = Estimate::ratio(over(static_cast<double>(c.within), c.labelled), Reason::no_labelled_keypoints);
  s.miss_rate = Estimate::ratio(over(static_cast<double>(c.missed), c.labelled), Reason::no_labelled_keypoints);
  s.mean_distance = Estimate::ratio(over(c.distance_sum, c.both), Reason::no_keypoints_labelled_by_both);
  s.mean_normalized_distance = Estimate::ratio(over(c.normalized_sum, c.both), Reason::no_keypoints_labelled_by_both);
  s.mean_distance.upper_bound = std::numeric_limits<double>::infinity();
  s.mean_distance.lower_bound = 0;
  s.mean_normalized_distance.upper_bound = std::numeric_limits<double>::infinity();
  s.mean_normalized_distance.lower_bound = 0;
  // Keypoints of one object are not independent draws: no interval is claimed here (gold's oks and
  // pck resample gold items).
  for (Estimate* e : {&s.mean_oks, &s.pck, &s.miss_rate, &s.mean_distance, &s.mean_normalized_distance}) {
    if (e->value) e->ci_undefined_reason = Reason::no_interval;
  }
  return s;
}

namespace {

// Agreement on visibility flags: each matched keypoint an item rated by the pair's two annotators.
MetricMap visibility_agreement(const ObjectSet& set, const std::vector<VisibilityCount>& counts, double confidence) {
  std::vector<std::tuple<int, int, int, long long>> ratings;
  for (const auto& v : counts) ratings.emplace_back(v.pair, v.flag_a, v.flag_b, v.count);
  return paired_agreement(set.annotators.size(), ratings, 3, confidence);
}

}  // namespace

KeypointResult summarize_keypoints(const ObjectSet& set, const std::vector<KeypointTally>& images, const KeypointOptions& options, double confidence) {
  KeypointResult out;
  out.oks_threshold = options.oks_threshold;
  out.pck = options.pck;
  const int A = static_cast<int>(set.annotators.size());
  const int P = A * (A - 1) / 2;
  const int C = static_cast<int>(set.categories.size());
  std::map<std::pair<int, int>, KeypointCounts> totals;
  std::vector<VisibilityCount> vis;
  std::vector<int> count(static_cast<std::size_t>(C), 0);  // keypoints per class, as the objects have them
  std::map<std::tuple<int, int, std::uint8_t, std::uint8_t>, long long> flags;  // visibility patterns, summed over images
  for (const auto& im : images) {
    for (const auto& [scope, k, c] : im.entries) totals[{scope, k}].add(c);
    for (const auto& v : im.visibility) flags[{v.pair, v.category, v.flag_a, v.flag_b}] += v.count;
    for (const auto& [c, n] : im.classes) count[static_cast<std::size_t>(c)] = std::max(count[static_cast<std::size_t>(c)], n);
  }
  for (const auto& [key, n] : flags) vis.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), std::get<3>(key), n});
  out.present = std::any_of(count.begin(), count.end(), [](int n) { return n > 0; });
  if (!out.present) return out;
  auto total = [&](int scope, int k) {
    const auto it = totals.find({scope, k});
    return it == totals.end() ? KeypointCounts{} : it->second;
  };
  auto only = [&](auto keep) {
    std::vector<VisibilityCount> v;
    for (const auto& x : vis) {
      if (keep(x)) v.push_back(x);
    }
    return v;
  };
  out.overall = keypoint_scores(total(0, -1));
  out.visibility = visibility_agreement(set, vis, confidence);
  int p = 0;
  for (int a = 0; a < A; ++a) {
    for (int b = a + 1; b < A; ++b, ++p) {
      KeypointPair kp;
      kp.annotator_a = a;
      kp.annotator_b = b;
      kp.scores = keypoint_scores(total(1 + p, -1));
      kp.visibility = visibility_agreement(set, only([&](const VisibilityCount& v) { return v.pair == p; }), confidence);
      out.pairs.push_back(std::move(kp));
    }
  }
  for (int c = 0; c < C; ++c) {
    const int K = count[static_cast<std::size_t>(c)];
    if (K == 0) continue;
    const std::string& name = set.categories[static_cast<std::size_t>(c)];
    KeypointClass kc;
    kc.category = c;
    kc.similarity = options.sigmas.count(name) || K == 17 ? "oks" : "pck";
    kc.scores = keypoint_scores(total(1 + P + c, -1));
    const auto schema = set.keypoints.find(name);
    for (int k = 0; k < K; ++k) {
      const auto ku = static_cast<std::size_t>(k);
      kc.names.push_back(schema != set.keypoints.end() && ku < schema->second.names.size() ? schema->second.names[ku] : std::to_string(k + 1));
      kc.keypoints.push_back(keypoint_scores(total(1 + P + c, k)));
    }
    kc.visibility = visibility_agreement(set, only([&](const VisibilityCount& v) { return v.category == c; }), confidence);
    out.classes.push_back(std::move(kc));
  }
  return out;
}

}  // namespace labelqa::metrics
