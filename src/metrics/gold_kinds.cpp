// Objects, semantic masks and text spans against gold: each kind's count space, scores and
// conflicts on the shared tally machinery (gold_engine.hpp).
#include "gold_engine.hpp"
#include "labelqa/geometry/keypoints.hpp"
#include "labelqa/metrics/annotators.hpp"
#include "labelqa/metrics/class_limits.hpp"
#include "labelqa/metrics/object_relations.hpp"
#include "labelqa/metrics/spans.hpp"
#include "labelqa/metrics/spatial.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <map>
#include <set>
#include <tuple>

namespace labelqa::metrics {
namespace {

using detail::ItemTally;
using detail::ratio_or;
using detail::TallyLayout;
using detail::TallyScores;

std::vector<double> zeros_bounds(std::size_t n) { return std::vector<double>(n, 0.0); }

long long as_count(double v) { return static_cast<long long>(std::llround(v)); }

// Objects: the (C+1) x (C+1) confusion of matched pairs (row gold class, column delivered class;
// index C is "no object": unmatched objects), then per class the IoU sum of valid pairs and the
// low-overlap count.
struct ObjectSpace {
  std::size_t C;
  bool keypoints = false;  // five more counts: matched keypoint pairs, their OKS, labelled, within PCK, missed
  bool lines = false;      // three more counts: valid polyline pairs, their similarity, their distance
  std::size_t conf(std::size_t g, std::size_t d) const { return g * (C + 1) + d; }
  std::size_t iou(std::size_t c) const { return (C + 1) * (C + 1) + c; }
  std::size_t low(std::size_t c) const { return (C + 1) * (C + 1) + C + c; }
  enum Keypoint : std::size_t { kp_pairs, kp_oks, kp_labelled, kp_within, kp_missed };
  std::size_t kp(Keypoint k) const { return (C + 1) * (C + 1) + 2 * C + k; }
  enum Line : std::size_t { ln_pairs, ln_similarity, ln_distance };
  std::size_t ln(Line k) const { return (C + 1) * (C + 1) + 2 * C + (keypoints ? 5 : 0) + k; }
  std::size_t size() const { return (C + 1) * (C + 1) + 2 * C + (keypoints ? 5 : 0) + (lines ? 3 : 0); }
};

// CVAT's scores from counts: precision valid/delivered, recall valid/gold, F1, accuracy
// valid/(delivered + gold - valid), mean IoU over valid pairs.
void object_scores(double valid, double delivered, double gold, double iou_sum, double* v, Reason* why) {
  v[0] = ratio_or(valid, delivered, Reason::no_delivered_objects, why[0]);
  v[1] = ratio_or(valid, gold, Reason::no_gold_objects, why[1]);
  v[2] = ratio_or(2 * valid, delivered + gold, Reason::no_objects, why[2]);
  v[3] = ratio_or(valid, delivered + gold - valid, Reason::no_objects, why[3]);
  v[4] = ratio_or(iou_sum, valid, Reason::no_valid_matches, why[4]);
}

TallyLayout object_layout(const std::vector<std::string>& categories, bool keypoints, bool lines) {
  TallyLayout L;
  const ObjectSpace sp{categories.size(), keypoints, lines};
  L.size = sp.size();
  L.metrics = {"precision", "recall", "f1", "accuracy", "mean_iou"};
  L.class_metrics = L.metrics;
  // Keypoints (docs/keypoints.md): mean OKS of valid keypoint pairs, PCK and the share of gold's
  // labelled keypoints left out, over them.
  if (keypoints) L.metrics.insert(L.metrics.end(), {"oks", "pck", "keypoint_miss_rate"});
  // Polylines (docs/spatial.md): mean CVAT line similarity and mean symmetric distance in pixels of
  // valid polyline pairs.
  const std::size_t line_at = L.metrics.size();
  if (lines) L.metrics.insert(L.metrics.end(), {"line_similarity", "line_distance"});
  L.lower_bounds = zeros_bounds(L.metrics.size());
  if (lines) {
    L.upper_bounds.assign(L.metrics.size(), 1.0);
    L.upper_bounds[line_at + 1] = HUGE_VAL;  // a distance in pixels
  }
  L.classes = categories;
  const std::size_t M = L.metrics.size();
  L.score = [sp, M, line_at](const std::vector<double>& s, std::vector<double>& v, std::vector<Reason>& why) {
    const std::size_t C = sp.C;
    if (sp.keypoints) {
      v[5] = ratio_or(s[sp.kp(ObjectSpace::kp_oks)], s[sp.kp(ObjectSpace::kp_pairs)], Reason::no_matched_keypoint_objects, why[5]);
      v[6] = ratio_or(s[sp.kp(ObjectSpace::kp_within)], s[sp.kp(ObjectSpace::kp_labelled)], Reason::no_labelled_keypoints, why[6]);
      v[7] = ratio_or(s[sp.kp(ObjectSpace::kp_missed)], s[sp.kp(ObjectSpace::kp_labelled)], Reason::no_labelled_keypoints, why[7]);
    }
    if (sp.lines) {
      const double n = s[sp.ln(ObjectSpace::ln_pairs)];
      v[line_at] = ratio_or(s[sp.ln(ObjectSpace::ln_similarity)], n, Reason::no_valid_matches, why[line_at]);
      v[line_at + 1] = ratio_or(s[sp.ln(ObjectSpace::ln_distance)], n, Reason::no_valid_matches, why[line_at + 1]);
    }
    double valid = 0, delivered = 0, gold = 0, iou = 0;
    for (std::size_t c = 0; c < C; ++c) {
      double dc = 0, gc = 0;
      for (std::size_t k = 0; k <= C; ++k) {
        dc += s[sp.conf(k, c)];
        gc += s[sp.conf(c, k)];
      }
      const double vc = s[sp.conf(c, c)];
      object_scores(vc, dc, gc, s[sp.iou(c)], &v[M + c * 5], &why[M + c * 5]);
      valid += vc;
      delivered += dc;
      gold += gc;
      iou += s[sp.iou(c)];
    }
    object_scores(valid, delivered, gold, iou, v.data(), why.data());
  };
  return L;
}

double span_iou(const Span& x, const Span& y) {
  const std::uint32_t lo = std::max(x.start, y.start), hi = std::min(x.end, y.end);
  const std::uint32_t ulo = std::min(x.start, y.start), uhi = std::max(x.end, y.end);
  return hi > lo && uhi > ulo ? static_cast<double>(hi - lo) / static_cast<double>(uhi - ulo) : 0.0;
}

// The conflicts of one document: same-label overlap matches below `low_overlap`; then each
// unmatched gold span and the first unmatched delivered span overlapping it with another label;
// then what is left on either side.
void span_conflicts(GoldResult& out, const SpanSet& set, const std::vector<Span>& gs, const std::vector<Span>& ds,
                    const std::vector<std::pair<std::size_t, std::size_t>>& pairs, std::uint32_t doc, int annotator, double low_overlap) {
  std::vector<char> gm(gs.size(), 0), dm(ds.size(), 0);
  auto add = [&](ConflictType type, const Span* g, const Span* d) {
    GoldConflict c;
    c.type = type;
    c.item = doc;
    c.annotator = annotator;
    if (d) c.cls = set.labels[static_cast<std::size_t>(d->label)];
    if (g) c.gold_class = set.labels[static_cast<std::size_t>(g->label)];
    const Span& where = d ? *d : *g;
    c.span = std::array<std::uint32_t, 2>{where.start, where.end};
    if (g && d) c.iou = span_iou(*g, *d);
    out.conflicts.push_back(std::move(c));
  };
  for (const auto& [i, j] : pairs) {
    gm[i] = dm[j] = 1;
    if (span_iou(gs[i], ds[j]) < low_overlap) add(ConflictType::low_overlap, &gs[i], &ds[j]);
  }
  for (std::size_t i = 0; i < gs.size(); ++i) {
    if (gm[i]) continue;
    for (std::size_t j = 0; j < ds.size(); ++j) {
      if (dm[j] || span_iou(gs[i], ds[j]) <= 0) continue;
      gm[i] = dm[j] = 1;
      add(ConflictType::mismatching_label, &gs[i], &ds[j]);
      break;
    }
    if (!gm[i]) add(ConflictType::missing_annotation, &gs[i], nullptr);
  }
  for (std::size_t j = 0; j < ds.size(); ++j) {
    if (!dm[j]) add(ConflictType::extra_annotation, nullptr, &ds[j]);
  }
}


// One subject's attribute values of valid pairs: attribute -> (gold value, delivered value).
using AttributePairs = std::map<std::string, std::vector<std::pair<std::string, std::string>>>;

// attribute_accuracy[name] (Wilson interval) and attribute_kappa[name] (analytic) of each attribute.
void score_attributes(SubjectScores& s, const AttributePairs& pairs, double confidence) {
  for (const auto& [name, values] : pairs) {
    std::vector<std::string> cats;
    for (const auto& [g, d] : values) cats.push_back(g), cats.push_back(d);
    std::sort(cats.begin(), cats.end());
    cats.erase(std::unique(cats.begin(), cats.end()), cats.end());
    std::vector<std::int32_t> gold, given;
    auto index = [&](const std::string& v) { return static_cast<std::int32_t>(std::lower_bound(cats.begin(), cats.end(), v) - cats.begin()); };
    for (const auto& [g, d] : values) gold.push_back(index(g)), given.push_back(index(d));
    const CategoricalGoldScores cs = score_against_gold(gold, given, static_cast<int>(cats.size()), confidence);
    s.metrics[fmt::format("attribute_accuracy[{}]", name)] = cs.accuracy;
    s.metrics[fmt::format("attribute_kappa[{}]", name)] = cs.cohen_kappa;
    s.counts[fmt::format("attribute_pairs[{}]", name)] = cs.items;
    GoldConfusion& confusion = s.attribute_confusion[name];
    confusion.classes = cats;
    confusion.counts.assign(cats.size(), std::vector<long long>(cats.size(), 0));
    for (std::size_t k = 0; k < gold.size(); ++k) ++confusion.counts[static_cast<std::size_t>(gold[k])][static_cast<std::size_t>(given[k])];
  }
}

// One subject's keypoints per (class, keypoint position).
using JointCounts = std::map<std::pair<int, int>, KeypointCounts>;

void add_joints(JointCounts& out, const AnnotatorObjects& ga, const SpatialObject& g, const AnnotatorObjects& da,
                const SpatialObject& d, double pck) {
  KeypointTally t;
  t.add_pair(ga, g, da, d, 0, 1, 0, pck);
  for (const auto& [scope, k, c] : t.entries) {
    if (k >= 0) out[{g.category, k}].add(c);
  }
}

std::vector<GoldJoint> joint_rows(const JointCounts& counts, const ObjectSet& set) {
  std::vector<GoldJoint> rows;
  for (const auto& [key, c] : counts) {
    const std::string& cls = set.categories[static_cast<std::size_t>(key.first)];
    const auto schema = set.keypoints.find(cls);
    const auto k = static_cast<std::size_t>(key.second);
    rows.push_back({cls, schema != set.keypoints.end() && k < schema->second.names.size() ? schema->second.names[k] : std::to_string(k + 1), keypoint_scores(c)});
  }
  return rows;
}

// CVAT's two checks of how objects relate on an image: delivered pairs whose groups disagree with
// gold's (mismatching_groups) and delivered boxes, polygons and masks hidden under the objects
// drawn above them (covered_annotation).
void object_relation_conflicts(GoldResult& out, const ObjectSet& set, int g, const std::vector<int>& position,
                               const std::map<std::pair<std::size_t, std::uint32_t>, std::vector<std::tuple<std::size_t, std::size_t, GoldConflict>>>& paired,
                               const std::vector<std::uint8_t>& gold_has, const GoldOptions& opt) {
  const auto& gold = set.annotators[static_cast<std::size_t>(g)];
  auto group_name = [](const AnnotatorObjects& a, std::size_t k) { return a.group_of(k) ? std::to_string(a.group_of(k)) : std::string(); };
  for (const auto& [key, rows] : paired) {
    const auto& [k, image] = key;
    std::size_t ann = 0;
    while (position[ann] != static_cast<int>(k)) ++ann;
    const auto& theirs = set.annotators[ann];
    if (gold.groups.empty() && theirs.groups.empty()) continue;
    std::vector<std::pair<std::size_t, std::size_t>> pairs;
    for (const auto& row : rows) pairs.emplace_back(std::get<0>(row), std::get<1>(row));
    for (std::size_t p : mismatching_groups(gold, gold.image_begin(image), gold.image_end(image), theirs, theirs.image_begin(image),
                                            theirs.image_end(image), pairs, opt.group_match_threshold)) {
      GoldConflict x = std::get<2>(rows[p]);
      x.type = ConflictType::mismatching_groups;
      x.attribute = "group";
      x.value = group_name(theirs, pairs[p].second);
      x.gold_value = group_name(gold, pairs[p].first);
      out.conflicts.push_back(std::move(x));
    }
  }
  if (opt.object_visibility_threshold <= 0) return;
  long long unchecked = 0;
  std::string example;
  for (std::size_t a = 0; a < set.annotators.size(); ++a) {
    if (static_cast<int>(a) == g) continue;
    const auto& theirs = set.annotators[a];
    for (std::uint32_t i = 0; i < set.images.size(); ++i) {
      if (!gold_has[i] || !theirs.has_image[i] || theirs.image_end(i) - theirs.image_begin(i) < 2) continue;
      const ImageInfo& img = set.images[i];
      const auto covered = covered_objects(theirs, theirs.image_begin(i), theirs.image_end(i), img.height, img.width, opt.object_visibility_threshold);
      if (!covered) {
        if (unchecked++ == 0) example = fmt::format("{} of {}", qualified_name(img), theirs.name);
        continue;
      }
      for (const CoveredObject& c : *covered) {
        const SpatialObject& o = theirs.objects[c.object];
        GoldConflict x;
        x.type = ConflictType::covered_annotation;
        x.item = i;
        x.annotator = position[a];
        x.cls = set.categories[static_cast<std::size_t>(o.category)];
        x.annotation = o.id;
        if (const auto it = theirs.id_names.find(o.id); it != theirs.id_names.end()) x.annotation_name = it->second;
        x.bbox = o.bbox;
        x.visible = c.visible;
        out.conflicts.push_back(std::move(x));
      }
    }
  }
  if (unchecked > 0) {
    out.warnings.push_back({WarningCode::coverage_not_checked,
                            fmt::format("{} delivered image(s) not checked for covered objects (their objects are too large to rasterise "
                                        "together; docs/limits.md), e.g. {}",
                                        unchecked, example)});
  }
}

}  // namespace

GoldResult gold_objects(const ObjectSet& set, int g, const GoldOptions& opt) {
  GoldResult out;
  out.kind = LabelKind::objects;
  const auto A = static_cast<int>(set.annotators.size());
  std::vector<int> position(static_cast<std::size_t>(A), -1);  // set annotator -> delivered annotator
  for (int a = 0; a < A; ++a) {
    if (a == g) continue;
    position[static_cast<std::size_t>(a)] = static_cast<int>(out.annotators.size());
    out.annotators.push_back(set.annotators[static_cast<std::size_t>(a)].name);
  }
  for (const auto& img : set.images) out.items.push_back(img.name);
  const std::size_t I = set.images.size(), D = out.annotators.size();
  {
    // A confusion matrix (classes and "no object") per delivered annotator and one for the vendor.
    std::uint64_t objects = 0;
    for (const auto& a : set.annotators) objects += a.objects.size();
    const auto& first = set.annotators[static_cast<std::size_t>(g == 0 && A > 1 ? 1 : 0)];
    check_class_cells(first.file, set.categories.size() + 1, D + 1, objects, "objects", "confusion matrices of each annotator and the vendor");
  }
  const bool keypoints = has_keypoints(set);
  const bool lines = std::any_of(set.annotators.begin(), set.annotators.end(), [](const AnnotatorObjects& a) {
    return std::any_of(a.objects.begin(), a.objects.end(), [](const SpatialObject& o) { return o.shape == Shape::polyline; });
  });
  const ObjectSpace sp{set.categories.size(), keypoints, lines};
  const auto& gold = set.annotators[static_cast<std::size_t>(g)];

  SpatialOptions so;
  so.iou_threshold = opt.iou_threshold;
  so.iou_type = opt.iou_type;
  so.keypoints = opt.keypoints;
  so.lines = opt.lines;
  so.bootstrap = 0;
  so.keep_matches = true;
  so.reference = g;
  const SpatialResult r = analyze_objects(set, so);

  std::vector<std::uint8_t> gold_has(I, 0), delivered(I, 0);
  std::vector<std::vector<ItemTally>> tallies(D);
  std::vector<JointCounts> joints(D);
  std::vector<AttributePairs> attribute_pairs(D);
  // A valid pair's attributes: each attribute either side gives is scored, each differing value a
  // mismatching_attributes conflict.
  auto compare_attributes = [&](const AnnotatorObjects& ga, std::size_t gk, const AnnotatorObjects& da, std::size_t dk, const GoldConflict& base,
                                AttributePairs& pairs) {
    if (!ga.has_attributes() && !da.has_attributes()) return;
    AttributeTally t;
    t.add_pair(ga, gk, da, dk, 0, opt.attributes);
    for (const auto& c : t.counts) {
      pairs[c.name].emplace_back(c.value_a, c.value_b);
      if (c.value_a == c.value_b) continue;
      GoldConflict x = base;
      x.type = ConflictType::mismatching_attributes;
      x.attribute = c.name;
      x.gold_value = c.value_a;
      x.value = c.value_b;
      out.conflicts.push_back(std::move(x));
    }
  };
  std::vector<std::vector<std::int32_t>> slot(D, std::vector<std::int32_t>(I, -1));
  for (std::size_t i = 0; i < I; ++i) {
    gold_has[i] = gold.has_image[i];
    for (int a = 0; a < A; ++a) {
      if (a == g || !set.annotators[static_cast<std::size_t>(a)].has_image[i]) continue;
      delivered[i] = 1;
      if (!gold_has[i]) continue;
      const auto k = static_cast<std::size_t>(position[static_cast<std::size_t>(a)]);
      slot[k][i] = static_cast<std::int32_t>(tallies[k].size());
      tallies[k].push_back({static_cast<std::uint32_t>(i), {}});
    }
  }
  const std::size_t C = sp.C;
  // Valid and mismatching-label pairs per (delivered annotator, image), for the group check: the
  // pair's objects and its conflict as far as it is known (kept only when some object is grouped).
  std::map<std::pair<std::size_t, std::uint32_t>, std::vector<std::tuple<std::size_t, std::size_t, GoldConflict>>> paired;
  const bool grouped = std::any_of(set.annotators.begin(), set.annotators.end(), [](const AnnotatorObjects& a) { return !a.groups.empty(); });
  for (const ObjectMatch& m : r.matches) {
    const bool gold_first = m.annotator_a == g;
    const int ann = gold_first ? m.annotator_b : m.annotator_a;
    const std::int32_t go = gold_first ? m.object_a : m.object_b, dob = gold_first ? m.object_b : m.object_a;
    const auto k = static_cast<std::size_t>(position[static_cast<std::size_t>(ann)]);
    auto& counts = tallies[k][static_cast<std::size_t>(slot[k][m.image])].counts;
    const auto& theirs = set.annotators[static_cast<std::size_t>(ann)];
    const SpatialObject* gobj = go >= 0 ? &gold.objects[static_cast<std::size_t>(go)] : nullptr;
    const SpatialObject* dobj = dob >= 0 ? &theirs.objects[static_cast<std::size_t>(dob)] : nullptr;
    const std::size_t gc = gobj ? static_cast<std::size_t>(gobj->category) : C;
    const std::size_t dc = dobj ? static_cast<std::size_t>(dobj->category) : C;
    counts.emplace_back(static_cast<std::uint32_t>(sp.conf(gc, dc)), 1.0);
    GoldConflict conflict;
    conflict.item = m.image;
    conflict.annotator = static_cast<int>(k);
    conflict.cls = dobj ? set.categories[dc] : "";
    conflict.gold_class = gobj ? set.categories[gc] : "";
    conflict.annotation = dobj ? dobj->id : gobj->id;
    if (const auto& owner = dobj ? theirs : gold; !owner.id_names.empty()) {
      if (const auto it = owner.id_names.find(*conflict.annotation); it != owner.id_names.end()) conflict.annotation_name = it->second;
    }
    conflict.bbox = dobj ? dobj->bbox : gobj->bbox;
    if (gobj && dobj) {
      conflict.iou = m.iou;
      if (grouped) paired[{k, m.image}].emplace_back(static_cast<std::size_t>(go), static_cast<std::size_t>(dob), conflict);
    }
    if (!dobj) {
      conflict.type = ConflictType::missing_annotation;
    } else if (!gobj) {
      conflict.type = ConflictType::extra_annotation;
    } else if (gc != dc) {
      conflict.type = ConflictType::mismatching_label;
    } else {
      counts.emplace_back(static_cast<std::uint32_t>(sp.iou(gc)), m.iou);
      if (gobj->shape == Shape::keypoints) {
        const KeypointView gk = keypoints_of(gold, *gobj), dk = keypoints_of(theirs, *dobj);
        const geometry::KeypointComparison kc = geometry::compare_keypoints(gk.values, gobj->bbox, dk.values, gk.count, opt.keypoints.pck);
        counts.emplace_back(static_cast<std::uint32_t>(sp.kp(ObjectSpace::kp_pairs)), 1.0);
        counts.emplace_back(static_cast<std::uint32_t>(sp.kp(ObjectSpace::kp_oks)), m.iou);
        counts.emplace_back(static_cast<std::uint32_t>(sp.kp(ObjectSpace::kp_labelled)), static_cast<double>(kc.labelled));
        counts.emplace_back(static_cast<std::uint32_t>(sp.kp(ObjectSpace::kp_within)), static_cast<double>(kc.within));
        counts.emplace_back(static_cast<std::uint32_t>(sp.kp(ObjectSpace::kp_missed)), static_cast<double>(kc.labelled - kc.both));
        add_joints(joints[k], gold, *gobj, theirs, *dobj, opt.keypoints.pck);
      }
      compare_attributes(gold, static_cast<std::size_t>(go), theirs, static_cast<std::size_t>(dob), conflict, attribute_pairs[k]);
      if (gobj->shape == Shape::polyline) {
        counts.emplace_back(static_cast<std::uint32_t>(sp.ln(ObjectSpace::ln_pairs)), 1.0);
        counts.emplace_back(static_cast<std::uint32_t>(sp.ln(ObjectSpace::ln_similarity)), m.iou);
        counts.emplace_back(static_cast<std::uint32_t>(sp.ln(ObjectSpace::ln_distance)), polyline_distance(gold, *gobj, theirs, *dobj));
      }
      if (gobj->shape == Shape::polyline && opt.lines.compare_direction &&
          reversed_direction(gold, *gobj, theirs, *dobj, set.images[m.image].width, set.images[m.image].height, opt.lines)) {
        GoldConflict x = conflict;
        x.type = ConflictType::mismatching_direction;
        out.conflicts.push_back(std::move(x));
      }
      if (m.iou >= opt.low_overlap) continue;
      counts.emplace_back(static_cast<std::uint32_t>(sp.low(gc)), 1.0);
      conflict.type = ConflictType::low_overlap;
    }
    out.conflicts.push_back(std::move(conflict));
  }
  object_relation_conflicts(out, set, g, position, paired, gold_has, opt);
  const TallyLayout layout = object_layout(set.categories, keypoints, lines);
  auto class_total = [sp](const std::vector<double>& s, std::size_t c) {
    double n = 0;
    for (std::size_t k = 0; k <= sp.C; ++k) n += s[sp.conf(c, k)] + s[sp.conf(k, c)];
    return n;
  };
  detail::score_subjects(
      out, layout, tallies, opt, [&](const std::vector<double>& s, std::size_t c) { return class_total(s, c) > 0; },
      [&](SubjectScores& subject, const TallyScores& ts) {
        const auto& s = ts.sums;
        long long valid = 0, delivered_n = 0, gold_n = 0, mismatch = 0, missing = 0, extra = 0, low = 0;
        subject.confusion.classes = set.categories;
        subject.confusion.classes.push_back(k_no_class);
        subject.confusion.counts.assign(C + 1, std::vector<long long>(C + 1, 0));
        for (std::size_t a = 0; a <= C; ++a) {
          for (std::size_t b = 0; b <= C; ++b) {
            const long long n = as_count(s[sp.conf(a, b)]);
            subject.confusion.counts[a][b] = n;
            if (a < C) gold_n += n;
            if (b < C) delivered_n += n;
            if (a == b && a < C) valid += n;
            if (a < C && b < C && a != b) mismatch += n;
            if (b == C && a < C) missing += n;
            if (a == C && b < C) extra += n;
          }
        }
        for (std::size_t c = 0; c < C; ++c) low += as_count(s[sp.low(c)]);
        subject.counts = {{"gold_objects", gold_n},        {"delivered_objects", delivered_n}, {"valid", valid},
                          {"mismatching_label", mismatch}, {"missing_annotation", missing},    {"extra_annotation", extra},
                          {"low_overlap", low}};
        for (auto& cls : subject.per_class) {
          const auto c = static_cast<std::size_t>(std::find(set.categories.begin(), set.categories.end(), cls.name) - set.categories.begin());
          long long gc = 0, dc = 0;
          for (std::size_t k = 0; k <= C; ++k) {
            gc += as_count(s[sp.conf(c, k)]);
            dc += as_count(s[sp.conf(k, c)]);
          }
          cls.counts = {{"gold_objects", gc}, {"delivered_objects", dc}, {"valid", as_count(s[sp.conf(c, c)])}, {"low_overlap", as_count(s[sp.low(c)])}};
        }
      });
  // Delivered objects inside a gold crowd region (and gold objects inside a delivered one) are
  // ignored, as COCOeval ignores them: no conflict, counted apart.
  long long ignored_all = 0;
  for (const auto& p : r.pairs) {
    const int ann = p.annotator_a == g ? p.annotator_b : p.annotator_a;
    const auto k = static_cast<std::size_t>(position[static_cast<std::size_t>(ann)]);
    if (k < out.subjects.size()) out.subjects[k].counts["ignored"] = p.scores.counts.ignored;
    ignored_all += p.scores.counts.ignored;
  }
  out.vendor.counts["ignored"] = ignored_all;
  {
    AttributePairs all;
    for (std::size_t k = 0; k < D; ++k) {
      for (const auto& [name, v] : attribute_pairs[k]) all[name].insert(all[name].end(), v.begin(), v.end());
      if (k < out.subjects.size()) score_attributes(out.subjects[k], attribute_pairs[k], opt.confidence);
    }
    score_attributes(out.vendor, all, opt.confidence);
  }
  if (keypoints) {
    JointCounts all;
    for (std::size_t k = 0; k < D; ++k) {
      for (const auto& [key, c] : joints[k]) all[key].add(c);
      if (k < out.subjects.size()) out.subjects[k].joints = joint_rows(joints[k], set);
    }
    out.vendor.joints = joint_rows(all, set);
    // Rules can gate one joint: pck[NAME] (NAME = class/keypoint when several classes have keypoints).
    std::set<std::string> keypoint_classes;
    for (const auto& jt : out.vendor.joints) keypoint_classes.insert(jt.cls);
    auto joint_metrics = [&](SubjectScores& subject) {
      for (const auto& jt : subject.joints) {
        const std::string name = keypoint_classes.size() > 1 ? fmt::format("{}/{}", jt.cls, jt.keypoint) : jt.keypoint;
        const KeypointCounts& c = jt.scores.counts;
        subject.metrics[fmt::format("pck[{}]", name)] = wilson_ratio(c.within, c.labelled, opt.confidence, Reason::no_labelled_keypoints);
      }
    };
    for (auto& subject : out.subjects) joint_metrics(subject);
    joint_metrics(out.vendor);
  }
  detail::finish_result(out, gold_has, delivered);
  return out;
}

GoldResult gold_masks(const MaskComparison& mc, int g, const std::map<std::uint32_t, std::string>& names, const GoldOptions& opt) {
  GoldResult out;
  out.kind = LabelKind::masks;
  const auto A = static_cast<int>(mc.annotators.size());
  const std::size_t I = mc.images.size(), P = mc.pairs();
  out.items = mc.images;
  auto pair_index = [A](int x, int y) {  // x < y
    return static_cast<std::size_t>(x * (2 * A - x - 1) / 2 + (y - x - 1));
  };
  // Values seen in any comparison with gold, dense and sorted.
  std::vector<std::uint32_t> values;
  for (int a = 0; a < A; ++a) {
    if (a == g) continue;
    const std::size_t p = pair_index(std::min(a, g), std::max(a, g));
    for (std::size_t i = 0; i < I; ++i) {
      for (std::uint64_t c = mc.offsets[i * P + p]; c < mc.offsets[i * P + p + 1]; ++c) {
        values.push_back(mc.cells[c].value_a);
        values.push_back(mc.cells[c].value_b);
      }
    }
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
  }
  const std::size_t V = values.size();
  {
    // A confusion matrix of mask values per delivered annotator and one for the vendor.
    std::uint64_t pixels = 0;
    for (const auto& c : mc.cells) pixels += c.pixels;
    check_class_cells(mc.dirs.empty() ? std::string() : mc.dirs[static_cast<std::size_t>(g == 0 && A > 1 ? 1 : 0)], V, static_cast<std::uint64_t>(A),
                      pixels, "pixels", "confusion matrices of mask values of each annotator and the vendor");
  }
  auto vindex = [&](std::uint32_t v) { return static_cast<std::size_t>(std::lower_bound(values.begin(), values.end(), v) - values.begin()); };
  std::vector<std::string> classes;
  for (std::uint32_t v : values) {
    auto it = names.find(v);
    classes.push_back(it != names.end() ? it->second : std::to_string(v));
  }
  std::vector<std::uint8_t> gold_has(mc.has_image[static_cast<std::size_t>(g)]), delivered(I, 0);
  std::vector<std::vector<ItemTally>> tallies;
  for (int a = 0; a < A; ++a) {
    if (a == g) continue;
    out.annotators.push_back(mc.annotators[static_cast<std::size_t>(a)]);
    tallies.emplace_back();
    const std::size_t p = pair_index(std::min(a, g), std::max(a, g));
    for (std::size_t i = 0; i < I; ++i) {
      if (!mc.has_image[static_cast<std::size_t>(a)][i]) continue;
      delivered[i] = 1;
      if (!gold_has[i]) continue;
      ItemTally t{static_cast<std::uint32_t>(i), {}};
      for (std::uint64_t c = mc.offsets[i * P + p]; c < mc.offsets[i * P + p + 1]; ++c) {
        const PixelCell& cell = mc.cells[c];
        const std::size_t gv = vindex(g < a ? cell.value_a : cell.value_b), dv = vindex(g < a ? cell.value_b : cell.value_a);
        t.counts.emplace_back(static_cast<std::uint32_t>(gv * V + dv), static_cast<double>(cell.pixels));
      }
      tallies.back().push_back(std::move(t));
    }
  }
  TallyLayout L;
  L.size = V * V;
  L.metrics = {"pixel_accuracy", "mean_iou"};
  L.lower_bounds = zeros_bounds(2);
  L.classes = classes;
  L.class_metrics = {"iou"};
  L.score = [V](const std::vector<double>& s, std::vector<double>& v, std::vector<Reason>& why) {
    double pixels = 0, agree = 0, iou_sum = 0;
    long long present = 0;
    for (std::size_t c = 0; c < V; ++c) {
      double row = 0, col = 0;
      for (std::size_t k = 0; k < V; ++k) {
        row += s[c * V + k];
        col += s[k * V + c];
      }
      pixels += row;
      agree += s[c * V + c];
      v[2 + c] = ratio_or(s[c * V + c], row + col - s[c * V + c], Reason::class_absent, why[2 + c]);
      if (row + col > 0) {
        ++present;
        iou_sum += v[2 + c];
      }
    }
    v[0] = ratio_or(agree, pixels, Reason::no_pixels, why[0]);
    v[1] = ratio_or(iou_sum, static_cast<double>(present), Reason::no_pixels, why[1]);
  };
  detail::score_subjects(
      out, L, tallies, opt,
      detail::confusion_class_used(V),
      [&](SubjectScores& subject, const TallyScores& ts) {
        const auto& s = ts.sums;
        long long pixels = 0, agreeing = 0;
        subject.confusion.classes = classes;
        subject.confusion.counts.assign(V, std::vector<long long>(V, 0));
        for (std::size_t a = 0; a < V; ++a) {
          for (std::size_t b = 0; b < V; ++b) {
            const long long n = as_count(s[a * V + b]);
            subject.confusion.counts[a][b] = n;
            pixels += n;
            if (a == b) agreeing += n;
          }
        }
        subject.counts = {{"pixels", pixels}, {"agreeing_pixels", agreeing}};
        for (auto& cls : subject.per_class) {
          const auto c = static_cast<std::size_t>(std::find(classes.begin(), classes.end(), cls.name) - classes.begin());
          long long gp = 0, dp = 0;
          for (std::size_t k = 0; k < V; ++k) {
            gp += as_count(s[c * V + k]);
            dp += as_count(s[k * V + c]);
          }
          cls.counts = {{"gold_pixels", gp}, {"delivered_pixels", dp}, {"intersection", as_count(s[c * V + c])}};
        }
      });
  detail::finish_result(out, gold_has, delivered);
  return out;
}

GoldResult gold_spans(const SpanSet& set, int g, const GoldOptions& opt) {
  GoldResult out;
  out.kind = LabelKind::spans;
  const auto A = static_cast<int>(set.annotators.size());
  const std::size_t D = set.documents.size(), L = set.labels.size();
  for (const auto& d : set.documents) out.items.push_back(d.id);
  // Count space per label: gold spans, delivered spans, exact matches, overlap matches.
  std::vector<std::uint8_t> gold_has(D, 0), delivered(D, 0);
  for (std::size_t d = 0; d < D; ++d) gold_has[d] = set.has[static_cast<std::size_t>(g)][d];
  std::vector<std::vector<ItemTally>> tallies;
  for (int a = 0; a < A; ++a) {
    if (a == g) continue;
    out.annotators.push_back(set.annotators[static_cast<std::size_t>(a)]);
    tallies.emplace_back();
    const auto ak = static_cast<std::size_t>(a);
    for (std::size_t d = 0; d < D; ++d) {
      if (!set.has[ak][d]) continue;
      delivered[d] = 1;
      if (!gold_has[d]) continue;
      const auto& gs = set.spans[static_cast<std::size_t>(g)][d];
      const auto& ds = set.spans[ak][d];
      ItemTally t{static_cast<std::uint32_t>(d), {}};
      for (const auto& s : gs) t.counts.emplace_back(static_cast<std::uint32_t>(s.label) * 4, 1.0);
      for (const auto& s : ds) t.counts.emplace_back(static_cast<std::uint32_t>(s.label) * 4 + 1, 1.0);
      std::vector<Span> common;
      std::set_intersection(gs.begin(), gs.end(), ds.begin(), ds.end(), std::back_inserter(common), [](const Span& x, const Span& y) {
        return std::tie(x.start, x.end, x.label) < std::tie(y.start, y.end, y.label);
      });
      for (const auto& s : common) t.counts.emplace_back(static_cast<std::uint32_t>(s.label) * 4 + 2, 1.0);
      std::vector<std::pair<std::size_t, std::size_t>> pairs;
      for (std::size_t l = 0; l < L; ++l) {
        const long long n = overlap_span_matches(gs, ds, static_cast<std::int32_t>(l), &pairs);
        if (n) t.counts.emplace_back(static_cast<std::uint32_t>(l * 4 + 3), static_cast<double>(n));
      }
      span_conflicts(out, set, gs, ds, pairs, static_cast<std::uint32_t>(d), static_cast<int>(out.annotators.size() - 1), opt.low_overlap);
      tallies.back().push_back(std::move(t));
    }
  }
  TallyLayout layout;
  layout.size = 4 * L;
  layout.metrics = {"span_f1_exact", "span_f1_overlap"};
  layout.lower_bounds = zeros_bounds(2);
  layout.classes = set.labels;
  layout.class_metrics = layout.metrics;
  layout.score = [L](const std::vector<double>& s, std::vector<double>& v, std::vector<Reason>& why) {
    double n = 0, exact = 0, overlap = 0;
    for (std::size_t l = 0; l < L; ++l) {
      const double nl = s[l * 4] + s[l * 4 + 1];
      v[2 + l * 2] = ratio_or(2 * s[l * 4 + 2], nl, Reason::no_spans, why[2 + l * 2]);
      v[3 + l * 2] = ratio_or(2 * s[l * 4 + 3], nl, Reason::no_spans, why[3 + l * 2]);
      n += nl;
      exact += s[l * 4 + 2];
      overlap += s[l * 4 + 3];
    }
    v[0] = ratio_or(2 * exact, n, Reason::no_spans, why[0]);
    v[1] = ratio_or(2 * overlap, n, Reason::no_spans, why[1]);
  };
  detail::score_subjects(
      out, layout, tallies, opt, [](const std::vector<double>& s, std::size_t l) { return s[l * 4] + s[l * 4 + 1] > 0; },
      [&](SubjectScores& subject, const TallyScores& ts) {
        long long gold_n = 0, del_n = 0, exact = 0, overlap = 0;
        for (std::size_t l = 0; l < L; ++l) {
          gold_n += as_count(ts.sums[l * 4]);
          del_n += as_count(ts.sums[l * 4 + 1]);
          exact += as_count(ts.sums[l * 4 + 2]);
          overlap += as_count(ts.sums[l * 4 + 3]);
        }
        subject.counts = {{"gold_spans", gold_n}, {"delivered_spans", del_n}, {"exact", exact}, {"overlap", overlap}};
        for (auto& cls : subject.per_class) {
          const auto l = static_cast<std::size_t>(std::find(set.labels.begin(), set.labels.end(), cls.name) - set.labels.begin());
          cls.counts = {{"gold_spans", as_count(ts.sums[l * 4])}, {"delivered_spans", as_count(ts.sums[l * 4 + 1])},
                        {"exact", as_count(ts.sums[l * 4 + 2])}, {"overlap", as_count(ts.sums[l * 4 + 3])}};
        }
      });
  detail::finish_result(out, gold_has, delivered);
  return out;
}

}  // namespace labelqa::metrics
