// Per-annotator error reports of objects: misses, extras, mislabels and IoU against gold or
// against consensus objects (docs/report.md).
#include "labelqa/metrics/annotators.hpp"
#include "labelqa/metrics/gold.hpp"
#include "labelqa/metrics/object_mask.hpp"
#include "labelqa/metrics/spatial.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <map>

namespace labelqa::metrics {
namespace {

// The member of a consensus cluster whose geometry the consensus object takes: the one with the
// highest summed IoU with the other members (the first by annotator order on a tie).
std::size_t medoid(const ObjectSet& set, const ObjectCluster& cl, IouType type) {
  const auto& img = set.images[cl.image];
  std::vector<geometry::Rle> masks;
  const bool pixels = type != IouType::box && img.width && img.height;
  if (pixels) {
    for (const auto& [a, k] : cl.members) {
      const auto& an = set.annotators[static_cast<std::size_t>(a)];
      masks.push_back(object_mask(an, an.objects[k], img.height, img.width));
    }
  }
  std::size_t best = 0;
  double best_sum = -1;
  for (std::size_t x = 0; x < cl.members.size(); ++x) {
    double sum = 0;
    for (std::size_t y = 0; y < cl.members.size(); ++y) {
      if (x == y) continue;
      if (pixels) {
        sum += geometry::iou(masks[x], masks[y], false).value_or(0.0);
      } else {
        const auto& ox = set.annotators[static_cast<std::size_t>(cl.members[x].first)].objects[cl.members[x].second];
        const auto& oy = set.annotators[static_cast<std::size_t>(cl.members[y].first)].objects[cl.members[y].second];
        sum += geometry::box_iou(ox.bbox, oy.bbox, false);
      }
    }
    if (sum > best_sum) {
      best_sum = sum;
      best = x;
    }
  }
  return best;
}

// Appends object `o` of `from` to `to` with its geometry (rings: polygons, keypoints, lines; or mask).
SpatialObject copy_geometry(const AnnotatorObjects& from, SpatialObject o, AnnotatorObjects& to) {
  if (o.shape == Shape::polygon || o.shape == Shape::keypoints || o.shape == Shape::polyline) {
    const auto first = static_cast<std::uint32_t>(to.ring_start.size() - 1);
    for (std::uint32_t r = o.geom; r < o.geom_end; ++r) {
      to.coords.insert(to.coords.end(), from.coords.begin() + from.ring_start[r], from.coords.begin() + from.ring_start[r + 1]);
      to.ring_start.push_back(static_cast<std::uint32_t>(to.coords.size()));
    }
    o.geom = first;
    o.geom_end = static_cast<std::uint32_t>(to.ring_start.size() - 1);
  } else if (o.shape == Shape::mask) {
    to.masks.push_back(from.masks[o.geom]);
    o.geom = o.geom_end = static_cast<std::uint32_t>(to.masks.size() - 1);
  }
  return o;
}

// A consensus object's attributes: each attribute's value that more than half of the cluster's
// members give (none where no value has a majority).
std::vector<ObjectAttribute> majority_attributes(const ObjectSet& set, const ObjectCluster& cl) {
  std::map<std::string, std::map<std::string, std::size_t>> votes;
  for (const auto& [a, k] : cl.members) {
    const auto [begin, end] = set.annotators[static_cast<std::size_t>(a)].attributes_of(k);
    for (const ObjectAttribute* at = begin; at != end; ++at) ++votes[at->name][at->value];
  }
  std::vector<ObjectAttribute> out;
  for (const auto& [name, values] : votes) {
    for (const auto& [value, n] : values) {
      if (2 * n > cl.members.size()) out.push_back({name, value});
    }
  }
  return out;
}

// An annotator's polylines against the reference's, from the conflicts of their matching.
LineErrors line_errors(const ObjectSet& set, const AnnotatorObjects& reference, const AnnotatorObjects& theirs, const GoldResult& r, int k,
                       double confidence) {
  LineErrors e;
  auto polyline_with_id = [](const AnnotatorObjects& a, std::uint32_t image, std::int64_t id) {
    for (std::size_t j = a.image_begin(image); j < a.image_end(image); ++j) {
      if (a.objects[j].id == id) return a.objects[j].shape == Shape::polyline;
    }
    return false;
  };
  std::map<std::string, std::uint32_t> image_of;
  for (std::uint32_t i = 0; i < set.images.size(); ++i) {
    if (!reference.has_image[i] || !theirs.has_image[i]) continue;
    image_of[set.images[i].name] = i;
    for (std::size_t j = reference.image_begin(i); j < reference.image_end(i); ++j) e.reference += reference.objects[j].shape == Shape::polyline;
    for (std::size_t j = theirs.image_begin(i); j < theirs.image_end(i); ++j) e.given += theirs.objects[j].shape == Shape::polyline;
  }
  for (const auto& c : r.conflicts) {
    if (c.annotator != k || !c.annotation) continue;
    const auto it = image_of.find(r.items[c.item]);
    if (it == image_of.end()) continue;
    if (c.type == ConflictType::missing_annotation && polyline_with_id(reference, it->second, *c.annotation)) ++e.missed;
    if (c.type == ConflictType::extra_annotation && polyline_with_id(theirs, it->second, *c.annotation)) ++e.extra;
  }
  e.matched = e.reference - e.missed;
  e.miss_rate = wilson_ratio(e.missed, e.reference, confidence, Reason::no_reference_objects);
  e.extra_rate = wilson_ratio(e.extra, e.given, confidence, Reason::no_delivered_objects);
  return e;
}

}  // namespace

AnnotatorReport report_objects(const ObjectSet& input, int gold, const ReportOptions& opt) {
  AnnotatorReport rep;
  rep.kind = LabelKind::objects;
  rep.consensus_method = "majority";
  GoldOptions gopt;
  gopt.confidence = opt.confidence;
  gopt.bootstrap = 0;
  gopt.iou_threshold = opt.iou_threshold;
  gopt.iou_type = opt.iou_type;
  gopt.low_overlap = 0;
  gopt.object_visibility_threshold = 0;  // the report counts misses, extras and confusions
  gopt.keypoints = opt.keypoints;
  gopt.attributes = opt.attributes;
  gopt.lines = opt.lines;

  ObjectSet owned;
  const ObjectSet* set = &input;
  int ref = gold;
  if (gold < 0) {
    rep.reference = "majority";
    owned = input;
    SpatialOptions so;
    so.iou_threshold = opt.iou_threshold;
    so.iou_type = opt.iou_type;
    so.bootstrap = 0;
    so.keep_clusters = true;
    so.keypoints = opt.keypoints;
    so.lines = opt.lines;
    const SpatialResult sr = analyze_objects(owned, so);
    AnnotatorObjects cons;
    cons.name = "consensus";
    cons.role = Role::consensus;
    cons.file = "(consensus)";
    cons.has_image.assign(owned.images.size(), 0);
    std::vector<int> delivering(owned.images.size(), 0);
    for (const auto& a : owned.annotators) {
      for (std::size_t i = 0; i < owned.images.size(); ++i) delivering[i] += a.has_image[i];
    }
    std::int64_t next_id = 1;
    std::vector<std::vector<ObjectAttribute>> consensus_attributes;  // per consensus object
    for (const auto& cl : sr.clusters) {
      const int n = delivering[cl.image];
      if (n < 2) continue;
      cons.has_image[cl.image] = 1;
      const double support = static_cast<double>(cl.members.size()) / n;
      if (!(support > opt.object_support)) continue;
      std::map<std::int32_t, int> votes;
      std::array<double, 4> box{};
      for (const auto& [a, k] : cl.members) {
        const auto& o = owned.annotators[static_cast<std::size_t>(a)].objects[k];
        ++votes[o.category];
        for (int c = 0; c < 4; ++c) box[static_cast<std::size_t>(c)] += o.bbox[static_cast<std::size_t>(c)];
      }
      for (auto& v : box) v /= static_cast<double>(cl.members.size());
      // The most voted class; a tie goes to the class first by name.
      const auto best = std::max_element(votes.begin(), votes.end(), [](const auto& x, const auto& y) { return x.second < y.second; });
      // Boxes average into a box; polygons and masks keep the medoid member's pixels, so the
      // consensus is compared with the same geometry agree and gold compare.
      const bool all_boxes = std::all_of(cl.members.begin(), cl.members.end(), [&](const auto& m) {
        return owned.annotators[static_cast<std::size_t>(m.first)].objects[m.second].shape == Shape::box;
      });
      SpatialObject o;
      if (all_boxes || opt.iou_type == IouType::box) {
        o.shape = Shape::box;
        o.bbox = box;
        o.extent = {std::floor(box[0]) - 1, std::floor(box[1]) - 1, std::ceil(box[0] + box[2]) + 1, std::ceil(box[1] + box[3]) + 1};
      } else {
        const auto& [ma, mk] = cl.members[medoid(owned, cl, opt.iou_type)];
        const auto& from = owned.annotators[static_cast<std::size_t>(ma)];
        o = copy_geometry(from, from.objects[mk], cons);
        o.crowd = false;
        o.track = -1;
      }
      o.id = next_id++;
      o.category = best->first;
      o.image = cl.image;
      cons.objects.push_back(o);
      consensus_attributes.push_back(majority_attributes(owned, cl));
      rep.consensus_objects.push_back({owned.images[cl.image].name, cl.image, owned.categories[static_cast<std::size_t>(o.category)], o.bbox, support});
    }
    // Images only one annotator delivered have no consensus: they are not scored.
    for (std::size_t i = 0; i < owned.images.size(); ++i) {
      if (delivering[i] >= 2) cons.has_image[i] = 1;
    }
    if (std::any_of(consensus_attributes.begin(), consensus_attributes.end(), [](const auto& v) { return !v.empty(); })) {
      cons.attribute_start.assign(1, 0);
      for (auto& v : consensus_attributes) {
        for (auto& a : v) cons.attributes.push_back(std::move(a));
        cons.attribute_start.push_back(static_cast<std::uint32_t>(cons.attributes.size()));
      }
    }
    index_objects(cons, owned.images.size());
    owned.annotators.insert(owned.annotators.begin(), std::move(cons));
    set = &owned;
    ref = 0;
  } else {
    rep.reference = "gold";
  }
  rep.classes = set->categories;
  const auto& reference = set->annotators[static_cast<std::size_t>(ref)];
  for (std::size_t i = 0; i < set->images.size(); ++i) {
    if (!reference.has_image[i]) continue;
    ++rep.items;
    (gold >= 0 ? rep.gold_items : rep.consensus_items)++;
  }

  const GoldResult r = gold_objects(*set, ref, gopt);
  const bool has_polylines = std::any_of(set->annotators.begin(), set->annotators.end(), [](const AnnotatorObjects& a) {
    return std::any_of(a.objects.begin(), a.objects.end(), [](const SpatialObject& o) { return o.shape == Shape::polyline; });
  });
  const std::size_t C = set->categories.size();
  // Per annotator and image: conflicts (for worst items and drift).
  std::vector<std::map<std::uint32_t, std::array<long long, 3>>> per_image(r.annotators.size());  // missed, extra, mislabelled
  std::vector<std::map<std::pair<std::string, std::string>, std::vector<std::string>>> examples(r.annotators.size());
  for (const auto& c : r.conflicts) {
    auto& counts = per_image[static_cast<std::size_t>(c.annotator)][c.item];
    if (c.type == ConflictType::missing_annotation) ++counts[0];
    if (c.type == ConflictType::extra_annotation) ++counts[1];
    if (c.type == ConflictType::mismatching_label) {
      ++counts[2];
      auto& ex = examples[static_cast<std::size_t>(c.annotator)][{c.gold_class, c.cls}];
      if (static_cast<int>(ex.size()) < opt.examples && (ex.empty() || ex.back() != r.items[c.item])) ex.push_back(r.items[c.item]);
    }
  }
  std::vector<std::pair<long long, long long>> rank_counts;
  std::vector<std::string> names;
  for (std::size_t k = 0; k < r.annotators.size(); ++k) {
    const SubjectScores& sub = r.subjects[k];
    AnnotatorSummary s;
    s.annotator = r.annotators[k];
    auto count = [&](const char* key) {
      const auto it = sub.counts.find(key);
      return it == sub.counts.end() ? 0LL : it->second;
    };
    s.reference_objects = count("gold_objects");
    s.ratings = count("delivered_objects");
    s.matched = count("valid");
    s.missed = count("missing_annotation");
    s.extra = count("extra_annotation");
    s.correct = s.matched;
    s.compared = s.ratings + s.reference_objects - s.matched;
    s.accuracy = wilson_ratio(s.matched, s.compared, opt.confidence, Reason::no_objects);
    s.miss_rate = wilson_ratio(s.missed, s.reference_objects, opt.confidence, Reason::no_reference_objects);
    s.extra_rate = wilson_ratio(s.extra, s.ratings, opt.confidence, Reason::no_delivered_objects);
    const auto iou = sub.metrics.find("mean_iou");
    s.mean_iou = iou != sub.metrics.end() ? iou->second : Estimate::undefined(Reason::no_valid_matches);
    s.mean_iou->ci_low.reset();
    s.mean_iou->ci_high.reset();
    s.mean_iou->ci_method = CiMethod::none;
    s.confusion.classes = sub.confusion.classes;
    s.confusion.counts = sub.confusion.counts;
    (gold >= 0 ? s.gold_items : s.consensus_items) = sub.gold_items;
    s.per_class = class_rows(s.confusion, C, opt.confidence);
    for (auto& [pair, items] : examples[k]) {
      TopConfusion t;
      t.reference_class = pair.first;
      t.given_class = pair.second;
      const auto rc = static_cast<std::size_t>(std::find(set->categories.begin(), set->categories.end(), pair.first) - set->categories.begin());
      const auto gc = static_cast<std::size_t>(std::find(set->categories.begin(), set->categories.end(), pair.second) - set->categories.begin());
      t.count = rc < C && gc < C ? sub.confusion.counts[rc][gc] : 0;
      std::sort(items.begin(), items.end());
      t.items = items;
      s.top_confusions.push_back(std::move(t));
    }
    std::stable_sort(s.top_confusions.begin(), s.top_confusions.end(), [](const TopConfusion& x, const TopConfusion& y) { return x.count > y.count; });
    if (static_cast<int>(s.top_confusions.size()) > opt.top_confusions) s.top_confusions.resize(static_cast<std::size_t>(opt.top_confusions));

    // Worst items and the drift sequence: images in order, each reference object right or wrong.
    const auto& theirs = *std::find_if(set->annotators.begin(), set->annotators.end(), [&](const AnnotatorObjects& a) { return a.name == s.annotator; });
    std::vector<std::uint8_t> outcomes;
    for (std::uint32_t i = 0; i < set->images.size(); ++i) {
      if (!reference.has_image[i] || !theirs.has_image[i]) continue;
      const auto n_ref = static_cast<long long>(reference.image_end(i) - reference.image_begin(i));
      const auto it = per_image[k].find(i);
      const std::array<long long, 3> c = it == per_image[k].end() ? std::array<long long, 3>{0, 0, 0} : it->second;
      const long long wrong = std::min(n_ref, c[0] + c[2]);
      for (long long j = 0; j < n_ref - wrong; ++j) outcomes.push_back(1);
      for (long long j = 0; j < wrong; ++j) outcomes.push_back(0);
      const long long errors = c[0] + c[1] + c[2];
      if (errors > 0) s.worst_items.push_back({set->images[i].name, errors, n_ref});
    }
    std::stable_sort(s.worst_items.begin(), s.worst_items.end(), [](const WorstItem& x, const WorstItem& y) { return x.errors > y.errors; });
    if (static_cast<int>(s.worst_items.size()) > opt.worst_items) s.worst_items.resize(static_cast<std::size_t>(opt.worst_items));
    s.drift = drift(outcomes, {}, opt.drift);
    s.joints = sub.joints;
    for (const auto& [name, confusion] : sub.attribute_confusion) {
      AttributeErrors ae;
      ae.name = name;
      ae.pairs = count(fmt::format("attribute_pairs[{}]", name).c_str());
      if (const auto it = sub.metrics.find(fmt::format("attribute_accuracy[{}]", name)); it != sub.metrics.end()) ae.accuracy = it->second;
      if (const auto it = sub.metrics.find(fmt::format("attribute_kappa[{}]", name)); it != sub.metrics.end()) ae.kappa = it->second;
      ae.confusion.classes = confusion.classes;
      ae.confusion.counts = confusion.counts;
      s.attributes.push_back(std::move(ae));
    }
    if (has_polylines) s.polylines = line_errors(*set, reference, theirs, r, static_cast<int>(k), opt.confidence);
    rank_counts.emplace_back(s.matched, s.reference_objects);
    names.push_back(s.annotator);
    rep.annotators.push_back(std::move(s));
  }
  rep.ranking = rank_proportions("recall", names, rank_counts, opt);
  return rep;
}

}  // namespace labelqa::metrics
