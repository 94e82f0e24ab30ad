// Per-annotator error reports of objects: misses, extras, mislabels and IoU against gold or
// against consensus objects (docs/report.md).
#include "labelqa/metrics/annotators.hpp"
#include "labelqa/metrics/gold.hpp"
#include "labelqa/metrics/spatial.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <map>

namespace labelqa::metrics {
namespace {

// The set with every object reduced to its box (consensus objects are boxes).
ObjectSet boxes_only(const ObjectSet& set) {
  ObjectSet out;
  out.images = set.images;
  out.categories = set.categories;
  for (const auto& a : set.annotators) {
    AnnotatorObjects b;
    b.name = a.name;
    b.file = a.file;
    b.has_image = a.has_image;
    b.image_offsets = a.image_offsets;
    b.objects = a.objects;
    for (auto& o : b.objects) {
      o.shape = Shape::box;
      o.geom = o.geom_end = 0;
      o.extent = {o.bbox[0], o.bbox[1], o.bbox[0] + o.bbox[2], o.bbox[1] + o.bbox[3]};
    }
    out.annotators.push_back(std::move(b));
  }
  return out;
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
  gopt.low_overlap = 0;

  ObjectSet owned;
  const ObjectSet* set = &input;
  int ref = gold;
  if (gold < 0) {
    rep.reference = "majority";
    owned = boxes_only(input);
    SpatialOptions so;
    so.iou_threshold = opt.iou_threshold;
    so.bootstrap = 0;
    so.keep_clusters = true;
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
      SpatialObject o;
      o.id = next_id++;
      o.category = best->first;
      o.image = cl.image;
      o.shape = Shape::box;
      o.bbox = box;
      o.extent = {box[0], box[1], box[0] + box[2], box[1] + box[3]};
      cons.objects.push_back(o);
      rep.consensus_objects.push_back({owned.images[cl.image].name, cl.image, owned.categories[static_cast<std::size_t>(o.category)], box, support});
    }
    // Images only one annotator delivered have no consensus: they are not scored.
    for (std::size_t i = 0; i < owned.images.size(); ++i) {
      if (delivering[i] >= 2) cons.has_image[i] = 1;
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
    rank_counts.emplace_back(s.matched, s.reference_objects);
    names.push_back(s.annotator);
    rep.annotators.push_back(std::move(s));
  }
  rep.ranking = rank_proportions("recall", names, rank_counts, opt);
  return rep;
}

}  // namespace labelqa::metrics
