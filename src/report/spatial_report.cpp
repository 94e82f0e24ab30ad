#include "labelqa/report/spatial_report.hpp"

#include "shared.hpp"

#include <algorithm>
#include <set>

namespace labelqa::report {
namespace {

using nlohmann::json;

void put_scores(json& j, const metrics::ObjectScores& s) {
  const auto& c = s.counts;
  j["objects_a"] = c.objects_a;
  j["objects_b"] = c.objects_b;
  j["matched"] = c.matched;
  j["unmatched_a"] = c.unmatched_a();
  j["unmatched_b"] = c.unmatched_b();
  j["label_mismatch"] = c.label_mismatch;
  j["ignored"] = c.ignored;
  j["f1"] = estimate_json(s.f1);
  j["mean_iou"] = estimate_json(s.mean_iou);
  j["mean_dice"] = estimate_json(s.mean_dice);
}

void csv_scores(CsvRows& w, std::string_view scope, std::string_view cls, std::string_view a, std::string_view b,
                std::string_view image, const metrics::ObjectScores& s) {
  w.count(scope, cls, a, b, image, "objects_a", s.counts.objects_a);
  w.count(scope, cls, a, b, image, "objects_b", s.counts.objects_b);
  w.count(scope, cls, a, b, image, "matched", s.counts.matched);
  w.count(scope, cls, a, b, image, "unmatched_a", s.counts.unmatched_a());
  w.count(scope, cls, a, b, image, "unmatched_b", s.counts.unmatched_b());
  w.count(scope, cls, a, b, image, "label_mismatch", s.counts.label_mismatch);
  w.count(scope, cls, a, b, image, "ignored", s.counts.ignored);
  w.estimate(scope, cls, a, b, image, "f1", s.f1);
  w.estimate(scope, cls, a, b, image, "mean_iou", s.mean_iou);
  w.estimate(scope, cls, a, b, image, "mean_dice", s.mean_dice);
}

json track_json(const metrics::TrackScores& t) {
  return {{"frames", t.frames},       {"tracks_a", t.tracks_a},         {"tracks_b", t.tracks_b},
          {"objects_a", t.detections_a}, {"objects_b", t.detections_b}, {"idtp", t.idtp},
          {"id_switches", t.id_switches}, {"matched", t.matched},       {"idf1", estimate_json(t.idf1)},
          {"idp", estimate_json(t.idp)},   {"idr", estimate_json(t.idr)},   {"mota", estimate_json(t.mota)},
          {"motp", estimate_json(t.motp)}, {"mean_track_iou", estimate_json(t.mean_track_iou)}};
}

json keypoint_json(const metrics::KeypointScores& s) {
  const auto& c = s.counts;
  return {{"objects", c.objects},
          {"keypoints_labelled", c.labelled},
          {"keypoints_both", c.both},
          {"keypoints_missed", c.missed},
          {"keypoints_extra", c.extra},
          {"mean_oks", estimate_json(s.mean_oks)},
          {"pck", estimate_json(s.pck)},
          {"mean_distance", estimate_json(s.mean_distance)},
          {"mean_normalized_distance", estimate_json(s.mean_normalized_distance)},
          {"miss_rate", estimate_json(s.miss_rate)}};
}

// The keypoints annotators disagree on most: the largest mean distance between matched keypoints,
// in units of the reference box's diagonal, first (keypoints no pair labelled both are left out);
// ties in class and keypoint order. At most k_worst_keypoints.
constexpr std::size_t k_worst_keypoints = 10;
struct WorstKeypoint {
  std::string cls, keypoint;
  const metrics::KeypointScores* scores = nullptr;
};
std::vector<WorstKeypoint> worst_keypoints(const metrics::KeypointResult& kr, const ObjectSet& set) {
  std::vector<WorstKeypoint> out;
  for (const auto& c : kr.classes) {
    for (std::size_t k = 0; k < c.keypoints.size(); ++k) {
      if (c.keypoints[k].mean_normalized_distance.value) out.push_back({set.categories[static_cast<std::size_t>(c.category)], c.names[k], &c.keypoints[k]});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const WorstKeypoint& x, const WorstKeypoint& y) {
    return *x.scores->mean_normalized_distance.value > *y.scores->mean_normalized_distance.value;
  });
  if (out.size() > k_worst_keypoints) out.resize(k_worst_keypoints);
  return out;
}

json visibility_json(const metrics::MetricMap& m) {
  json j = json::object();
  for (const auto& [k, e] : m) j[k] = estimate_json(e);
  return j;
}

void csv_keypoints(CsvRows& w, std::string_view scope, std::string_view cls, std::string_view a, std::string_view b, std::string_view keypoint,
                   const metrics::KeypointScores& s) {
  w.count(scope, cls, a, b, keypoint, "objects", s.counts.objects);
  w.count(scope, cls, a, b, keypoint, "keypoints_labelled", s.counts.labelled);
  w.count(scope, cls, a, b, keypoint, "keypoints_missed", s.counts.missed);
  w.count(scope, cls, a, b, keypoint, "keypoints_extra", s.counts.extra);
  w.estimate(scope, cls, a, b, keypoint, "mean_oks", s.mean_oks);
  w.estimate(scope, cls, a, b, keypoint, "pck", s.pck);
  w.estimate(scope, cls, a, b, keypoint, "mean_distance", s.mean_distance);
  w.estimate(scope, cls, a, b, keypoint, "mean_normalized_distance", s.mean_normalized_distance);
  w.estimate(scope, cls, a, b, keypoint, "miss_rate", s.miss_rate);
}

void csv_tracks(CsvRows& w, std::string_view a, std::string_view b, const metrics::TrackScores& t) {
  const std::string_view scope = a.empty() ? "tracks" : "track_pair";
  w.count(scope, "", a, b, "", "frames", t.frames);
  w.count(scope, "", a, b, "", "id_switches", t.id_switches);
  w.count(scope, "", a, b, "", "idtp", t.idtp);
  w.estimate(scope, "", a, b, "", "idf1", t.idf1);
  w.estimate(scope, "", a, b, "", "idp", t.idp);
  w.estimate(scope, "", a, b, "", "idr", t.idr);
  w.estimate(scope, "", a, b, "", "mota", t.mota);
  w.estimate(scope, "", a, b, "", "motp", t.motp);
  w.estimate(scope, "", a, b, "", "mean_track_iou", t.mean_track_iou);
}

}  // namespace

metrics::MetricMap spatial_gate_metrics(const metrics::SpatialResult& r) {
  metrics::MetricMap m;
  m["f1"] = r.overall.f1;
  m["mean_iou"] = r.overall.mean_iou;
  m["mean_dice"] = r.overall.mean_dice;
  for (const auto& [k, e] : r.objects_section.metrics) m[k] = e;
  if (r.tracks.present) {
    m["idf1"] = r.tracks.overall.idf1;
    m["mean_track_iou"] = r.tracks.overall.mean_track_iou;
    m["mota"] = r.tracks.overall.mota;
    m["motp"] = r.tracks.overall.motp;
    m["idp"] = r.tracks.overall.idp;
    m["idr"] = r.tracks.overall.idr;
  }
  return m;
}

std::string render_spatial_json(const SpatialReport& r) {
  const ObjectSet& set = r.set;
  const auto& res = r.result;
  json out = agree_report_header("objects");

  json names = json::array();
  for (const auto& a : set.annotators) names.push_back(a.name);
  json summary = json::object();
  summary["images"] = res.images;
  summary["images_compared"] = res.images_compared;
  summary["annotators"] = set.annotators.size();
  summary["annotator_names"] = names;
  summary["objects"] = res.objects;
  summary["classes"] = set.categories;
  summary["iou_threshold"] = r.options.iou_threshold;
  summary["iou_type"] = metrics::iou_type_name(r.options.iou_type);
  if (res.keypoints.present) summary["oks_threshold"] = res.keypoints.oks_threshold;
  summary["match_by_class"] = r.options.match_by_class;
  summary["confidence"] = r.options.confidence;
  summary["bootstrap"] = r.options.bootstrap;
  summary["seed"] = r.options.seed;
  out["summary"] = summary;

  json files = json::array();
  for (std::size_t k = 0; k < set.annotators.size(); ++k) {
    const auto& a = set.annotators[k];
    long long images = 0;
    for (auto h : a.has_image) images += h != 0;
    files.push_back({{"annotator", a.name}, {"file", a.file}, {"images", images}, {"objects", res.annotator_objects[k]}});
  }
  out["input"] = {{"files", files}, {"skipped", skipped_json(set.skipped)}, {"warnings", input_warnings_json(set.warnings)},
                  {"items_matched_by", set.items_matched_by}};

  json overall = json::object();
  put_scores(overall, res.overall);
  out["overall"] = overall;

  json per_class = json::array();
  for (const auto& c : res.classes) {
    json row = {{"class", set.categories[static_cast<std::size_t>(c.category)]}};
    put_scores(row, c.scores);
    per_class.push_back(row);
  }
  out["per_class"] = per_class;

  json per_pair = json::array();
  for (const auto& p : res.pairs) {
    json row = {{"annotator_a", set.annotators[static_cast<std::size_t>(p.annotator_a)].name},
                {"annotator_b", set.annotators[static_cast<std::size_t>(p.annotator_b)].name},
                {"images", p.images},
                {"images_only_a", p.images_only_a},
                {"images_only_b", p.images_only_b}};
    put_scores(row, p.scores);
    per_pair.push_back(row);
  }
  out["per_pair"] = per_pair;

  if (r.per_image) {
    json per_image = json::array();
    for (const auto& im : res.per_image) {
      json row = {{"image", set.images[im.image].name}, {"pairs", im.pairs}};
      put_scores(row, im.scores);
      per_image.push_back(row);
    }
    out["per_image"] = per_image;
  }

  const auto& os = res.objects_section;
  json objects = {{"units", os.units}, {"nothing", os.nothing}, {"categories", os.categories}};
  for (const auto& [k, e] : os.metrics) objects[k] = estimate_json(e);
  out["objects"] = objects;
  if (res.tracks.present) {
    json tracks = {{"overall", track_json(res.tracks.overall)}};
    json rows = json::array();
    for (const auto& p : res.tracks.pairs) {
      json row = track_json(p.scores);
      row["annotator_a"] = set.annotators[static_cast<std::size_t>(p.annotator_a)].name;
      row["annotator_b"] = set.annotators[static_cast<std::size_t>(p.annotator_b)].name;
      rows.push_back(row);
    }
    tracks["per_pair"] = rows;
    out["tracks"] = tracks;
  }
  if (res.keypoints.present) {
    const auto& kr = res.keypoints;
    json kp = {{"oks_threshold", kr.oks_threshold}, {"pck_fraction", kr.pck}, {"overall", keypoint_json(kr.overall)},
               {"visibility", visibility_json(kr.visibility)}};
    json rows = json::array();
    for (const auto& p : kr.pairs) {
      json row = keypoint_json(p.scores);
      row["annotator_a"] = set.annotators[static_cast<std::size_t>(p.annotator_a)].name;
      row["annotator_b"] = set.annotators[static_cast<std::size_t>(p.annotator_b)].name;
      row["visibility"] = visibility_json(p.visibility);
      rows.push_back(row);
    }
    kp["per_pair"] = rows;
    json classes = json::array();
    for (const auto& c : kr.classes) {
      json row = keypoint_json(c.scores);
      row["class"] = set.categories[static_cast<std::size_t>(c.category)];
      row["similarity"] = c.similarity;
      row["visibility"] = visibility_json(c.visibility);
      json per = json::array();
      for (std::size_t k = 0; k < c.keypoints.size(); ++k) {
        json one = keypoint_json(c.keypoints[k]);
        one.erase("objects");
        one.erase("mean_oks");
        one["keypoint"] = c.names[k];
        per.push_back(one);
      }
      row["per_keypoint"] = per;
      classes.push_back(row);
    }
    kp["per_class"] = classes;
    json worst = json::array();
    for (const auto& w : worst_keypoints(kr, set)) {
      worst.push_back({{"class", w.cls}, {"keypoint", w.keypoint}, {"keypoints_both", w.scores->counts.both},
                       {"mean_normalized_distance", estimate_json(w.scores->mean_normalized_distance)}, {"pck", estimate_json(w.scores->pck)},
                       {"miss_rate", estimate_json(w.scores->miss_rate)}});
    }
    kp["worst_keypoints"] = worst;
    out["keypoints"] = kp;
  }
  if (res.lines.present) {
    const auto& lr = res.lines;
    auto line_json = [&](const metrics::LineScores& s) {
      json j = {{"objects", s.counts.objects}, {"mean_similarity", estimate_json(s.mean_similarity)}, {"mean_distance", estimate_json(s.mean_distance)}};
      if (lr.direction) {
        j["reversed"] = s.counts.reversed;
        j["reversed_share"] = estimate_json(s.reversed_share);
      }
      return j;
    };
    json lj = {{"line_thickness", lr.thickness}, {"compare_direction", lr.direction}, {"overall", line_json(lr.overall)}};
    json rows = json::array();
    for (const auto& p : lr.pairs) {
      json row = line_json(p.scores);
      row["annotator_a"] = set.annotators[static_cast<std::size_t>(p.annotator_a)].name;
      row["annotator_b"] = set.annotators[static_cast<std::size_t>(p.annotator_b)].name;
      rows.push_back(row);
    }
    lj["per_pair"] = rows;
    json classes = json::array();
    for (const auto& c : lr.classes) {
      json row = line_json(c.scores);
      row["class"] = set.categories[static_cast<std::size_t>(c.category)];
      classes.push_back(row);
    }
    lj["per_class"] = classes;
    out["polylines"] = lj;
  }
  if (res.attributes.present) {
    json rows = json::array();
    for (const auto& at : res.attributes.attributes) {
      json row = {{"attribute", at.name}, {"items", at.items}, {"differing", at.differing}, {"values", at.values},
                  {"confusion", at.confusion}};
      for (const auto& [k, e] : at.metrics) row[k] = estimate_json(e);
      json pairs = json::array();
      for (const auto& p : at.pairs) {
        json pj = {{"annotator_a", set.annotators[static_cast<std::size_t>(p.annotator_a)].name},
                   {"annotator_b", set.annotators[static_cast<std::size_t>(p.annotator_b)].name},
                   {"items", p.items}};
        for (const auto& [k, e] : p.metrics) pj[k] = estimate_json(e);
        pairs.push_back(pj);
      }
      row["per_pair"] = pairs;
      rows.push_back(row);
    }
    out["attributes"] = rows;
  }

  return finish_agree_report(out, res.warnings, r.gates);
}

std::string render_spatial_csv(const SpatialReport& r) {
  const ObjectSet& set = r.set;
  const auto& res = r.result;
  CsvRows w;
  csv_scores(w, "overall", "", "", "", "", res.overall);
  for (const auto& c : res.classes) csv_scores(w, "class", set.categories[static_cast<std::size_t>(c.category)], "", "", "", c.scores);
  for (const auto& p : res.pairs) {
    const auto& a = set.annotators[static_cast<std::size_t>(p.annotator_a)].name;
    const auto& b = set.annotators[static_cast<std::size_t>(p.annotator_b)].name;
    w.count("pair", "", a, b, "", "images", p.images);
    csv_scores(w, "pair", "", a, b, "", p.scores);
  }
  if (r.per_image) {
    for (const auto& im : res.per_image) csv_scores(w, "image", "", "", "", set.images[im.image].name, im.scores);
  }
  w.count("objects", "", "", "", "", "units", res.objects_section.units);
  for (const auto& [k, e] : res.objects_section.metrics) w.estimate("objects", "", "", "", "", k, e);
  if (res.tracks.present) {
    csv_tracks(w, "", "", res.tracks.overall);
    for (const auto& p : res.tracks.pairs) {
      csv_tracks(w, set.annotators[static_cast<std::size_t>(p.annotator_a)].name, set.annotators[static_cast<std::size_t>(p.annotator_b)].name, p.scores);
    }
  }
  if (res.lines.present) {
    auto csv_lines = [&](std::string_view scope, std::string_view cls, std::string_view a, std::string_view b, const metrics::LineScores& s) {
      w.count(scope, cls, a, b, "", "objects", s.counts.objects);
      w.estimate(scope, cls, a, b, "", "mean_similarity", s.mean_similarity);
      w.estimate(scope, cls, a, b, "", "mean_distance", s.mean_distance);
      if (res.lines.direction) {
        w.count(scope, cls, a, b, "", "reversed", s.counts.reversed);
        w.estimate(scope, cls, a, b, "", "reversed_share", s.reversed_share);
      }
    };
    csv_lines("polylines", "", "", "", res.lines.overall);
    for (const auto& p : res.lines.pairs) {
      csv_lines("polyline_pair", "", set.annotators[static_cast<std::size_t>(p.annotator_a)].name, set.annotators[static_cast<std::size_t>(p.annotator_b)].name,
                p.scores);
    }
    for (const auto& c : res.lines.classes) csv_lines("polyline_class", set.categories[static_cast<std::size_t>(c.category)], "", "", c.scores);
  }
  for (const auto& at : res.attributes.attributes) {
    w.count("attribute", at.name, "", "", "", "items", at.items);
    w.count("attribute", at.name, "", "", "", "differing", at.differing);
    for (const auto& [k, e] : at.metrics) w.estimate("attribute", at.name, "", "", "", k, e);
    for (const auto& p : at.pairs) {
      const auto& a = set.annotators[static_cast<std::size_t>(p.annotator_a)].name;
      const auto& b = set.annotators[static_cast<std::size_t>(p.annotator_b)].name;
      w.count("attribute_pair", at.name, a, b, "", "items", p.items);
      for (const auto& [k, e] : p.metrics) w.estimate("attribute_pair", at.name, a, b, "", k, e);
    }
  }
  if (res.keypoints.present) {
    const auto& kr = res.keypoints;
    csv_keypoints(w, "keypoints", "", "", "", "", kr.overall);
    for (const auto& [k, e] : kr.visibility) w.estimate("keypoint_visibility", "", "", "", "", k, e);
    for (const auto& p : kr.pairs) {
      const auto& a = set.annotators[static_cast<std::size_t>(p.annotator_a)].name;
      const auto& b = set.annotators[static_cast<std::size_t>(p.annotator_b)].name;
      csv_keypoints(w, "keypoint_pair", "", a, b, "", p.scores);
      for (const auto& [k, e] : p.visibility) w.estimate("keypoint_visibility", "", a, b, "", k, e);
    }
    for (const auto& c : kr.classes) {
      const auto& name = set.categories[static_cast<std::size_t>(c.category)];
      csv_keypoints(w, "keypoint_class", name, "", "", "", c.scores);
      for (const auto& [k, e] : c.visibility) w.estimate("keypoint_visibility", name, "", "", "", k, e);
      for (std::size_t k = 0; k < c.keypoints.size(); ++k) csv_keypoints(w, "keypoint", name, "", "", c.names[k], c.keypoints[k]);
    }
  }
  return w.out;
}

std::string render_matches_csv(const ObjectSet& set, const metrics::SpatialResult& res) {
  std::string out = "image,annotator_a,id_a,class_a,annotator_b,id_b,class_b,iou";
  // Attributes: two columns each (a's value, b's value), every attribute of the set by name.
  std::set<std::string> names;
  for (const auto& a : set.annotators) {
    for (const auto& at : a.attributes) names.insert(at.name);
  }
  for (const auto& n : names) out += ',' + csv_cell("a:" + n) + ',' + csv_cell("b:" + n);
  out += '\n';
  auto attribute_cells = [&](const AnnotatorObjects& an, std::int32_t k) {
    std::vector<std::string> cells(names.size());
    if (k < 0) return cells;
    auto [x, xe] = an.attributes_of(static_cast<std::size_t>(k));
    for (; x != xe; ++x) cells[static_cast<std::size_t>(std::distance(names.begin(), names.find(x->name)))] = x->value;
    return cells;
  };
  for (const auto& m : res.matches) {
    const auto& a = set.annotators[static_cast<std::size_t>(m.annotator_a)];
    const auto& b = set.annotators[static_cast<std::size_t>(m.annotator_b)];
    out += csv_cell(set.images[m.image].name) + ',' + csv_cell(a.name) + ',';
    if (m.object_a >= 0) {
      const auto& o = a.objects[static_cast<std::size_t>(m.object_a)];
      out += csv_cell(object_id(a, o)) + ',' + csv_cell(set.categories[static_cast<std::size_t>(o.category)]);
    } else {
      out += ',';
    }
    out += ',' + csv_cell(b.name) + ',';
    if (m.object_b >= 0) {
      const auto& o = b.objects[static_cast<std::size_t>(m.object_b)];
      out += csv_cell(object_id(b, o)) + ',' + csv_cell(set.categories[static_cast<std::size_t>(o.category)]);
    } else {
      out += ',';
    }
    out += ',';
    if (m.object_a >= 0 && m.object_b >= 0) out += number(m.iou);
    if (!names.empty()) {
      const auto ca = attribute_cells(a, m.object_a), cb = attribute_cells(b, m.object_b);
      for (std::size_t k = 0; k < names.size(); ++k) out += ',' + csv_cell(ca[k]) + ',' + csv_cell(cb[k]);
    }
    out += '\n';
  }
  return out;
}

std::string render_spatial_text(const SpatialReport& r, bool color) {
  const Style st{color};
  const ObjectSet& set = r.set;
  const auto& res = r.result;
  const int pct = static_cast<int>(r.options.confidence * 100 + 0.5);
  std::string out;
  out += st.bold("labelqa agree (objects)") + "\n";
  out += fmt::format("images {} ({} compared) · annotators {} · objects {} · classes {} · IoU >= {} on {}{}\n", res.images,
                     res.images_compared, set.annotators.size(), res.objects, set.categories.size(),
                     number(r.options.iou_threshold), metrics::iou_type_description(r.options.iou_type),
                     r.options.match_by_class ? " · matched within class" : "");
  if (res.lines.present) {
    out += fmt::format("polylines: matched by CVAT's line similarity >= {} (thickness {} of the image size); their iou and dice columns hold it\n",
                       number(r.options.iou_threshold), number(res.lines.thickness));
  }
  if (res.keypoints.present) {
    out += fmt::format("keypoint objects: matched by OKS >= {} (the pair's first annotator is the reference); their iou and dice columns hold OKS "
                       "and 2 OKS / (1 + OKS)\n",
                       number(res.keypoints.oks_threshold));
  }
  if (res.overall.counts.ignored) {
    out += fmt::format("ignored: {} object(s) inside another annotator's crowd region (COCO iscrowd), neither matched nor missed\n", res.overall.counts.ignored);
  }
  out += "\n";

  const std::string ci_head = fmt::format("{}% CI", pct);
  auto header = [&](std::string_view first) {
    return st.bold(fmt::format("{:<28}{:>8}{:>8}{:>8}{:>9}  {:>7}  {:<22}{:>8}  {:>8}", first, "matched", "only a",
                               "only b", "mismatch", "f1", ci_head, "iou", "dice")) + "\n";
  };
  auto line = [&](std::string_view first, const metrics::ObjectScores& s) {
    return fmt::format("{:<28}{:>8}{:>8}{:>8}{:>9}  {:>7}  {:<22}{:>8}  {:>8}\n", cell(first, 28), s.counts.matched,
                       s.counts.unmatched_a(), s.counts.unmatched_b(), s.counts.label_mismatch, value_cell(s.f1),
                       ci_cell(s.f1), value_cell(s.mean_iou), value_cell(s.mean_dice));
  };
  out += header("overall");
  out += line("all pairs", res.overall);
  if (res.pairs.size() > 1) {
    out += "\n";
    out += header("pair");
    for (const auto& p : res.pairs) {
      out += line(fmt::format("{} / {}", set.annotators[static_cast<std::size_t>(p.annotator_a)].name,
                              set.annotators[static_cast<std::size_t>(p.annotator_b)].name),
                  p.scores);
    }
  }
  if (!res.classes.empty()) {
    out += "\n";
    out += header("class");
    for (const auto& c : res.classes) out += line(set.categories[static_cast<std::size_t>(c.category)], c.scores);
  }
  if (!res.per_image.empty()) {
    out += "\n";
    out += header("worst images");
    const std::size_t n = std::min<std::size_t>(5, res.per_image.size());
    std::vector<std::string> names;
    for (std::size_t k = 0; k < n; ++k) names.push_back(set.images[res.per_image[k].image].name);
    const auto cells = distinct_cells(names, 28);
    for (std::size_t k = 0; k < n; ++k) out += line(cells[k], res.per_image[k].scores);
  }
  const auto& os = res.objects_section;
  out += "\n";
  out += st.bold(fmt::format("objects as units ({} clusters, classes + \"nothing\")", os.units)) + "\n";
  for (const auto& [k, e] : os.metrics) out += fmt::format("{:<24}{:>8}  {}\n", k, value_cell(e), ci_cell(e));
  if (res.tracks.present) {
    out += "\n";
    out += st.bold(fmt::format("{:<28}{:>8}{:>10}{:>10}{:>8}{:>10}{:>8}{:>8}{:>8}{:>8}{:>8}", "tracks (a = reference)", "frames", "tracks a",
                               "tracks b", "idtp", "switches", "idf1", "idp", "idr", "mota", "motp")) + "\n";
    auto row = [&](std::string_view first, const metrics::TrackScores& t) {
      return fmt::format("{:<28}{:>8}{:>10}{:>10}{:>8}{:>10}{:>8}{:>8}{:>8}{:>8}{:>8}\n", cell(first, 28), t.frames, t.tracks_a, t.tracks_b,
                         t.idtp, t.id_switches, value_cell(t.idf1), value_cell(t.idp), value_cell(t.idr), value_cell(t.mota), value_cell(t.motp));
    };
    out += row("all pairs", res.tracks.overall);
    if (res.tracks.pairs.size() > 1) {
      for (const auto& p : res.tracks.pairs) {
        out += row(fmt::format("{} / {}", set.annotators[static_cast<std::size_t>(p.annotator_a)].name,
                               set.annotators[static_cast<std::size_t>(p.annotator_b)].name), p.scores);
      }
    }
  }
  if (res.keypoints.present) {
    const auto& kr = res.keypoints;
    out += "\n";
    out += st.bold(fmt::format("{:<28}{:>8}{:>10}{:>8}{:>8}{:>10}{:>8}{:>8}", fmt::format("keypoints (OKS >= {})", kr.oks_threshold), "objects",
                               "labelled", "missed", "extra", "mean oks", fmt::format("pck@{}", kr.pck), "dist px")) +
           "\n";
    auto row = [&](std::string_view first, const metrics::KeypointScores& s, bool oks) {
      return fmt::format("{:<28}{:>8}{:>10}{:>8}{:>8}{:>10}{:>8}{:>8}\n", cell(first, 28), oks ? fmt::format("{}", s.counts.objects) : "",
                         s.counts.labelled, s.counts.missed, s.counts.extra, oks ? value_cell(s.mean_oks) : "", value_cell(s.pck),
                         value_cell(s.mean_distance));
    };
    out += row("all pairs", kr.overall, true);
    if (kr.pairs.size() > 1) {
      for (const auto& p : kr.pairs) {
        out += row(fmt::format("{} / {}", set.annotators[static_cast<std::size_t>(p.annotator_a)].name,
                               set.annotators[static_cast<std::size_t>(p.annotator_b)].name),
                   p.scores, true);
      }
    }
    for (const auto& c : kr.classes) {
      out += row(fmt::format("{} ({})", set.categories[static_cast<std::size_t>(c.category)], c.similarity), c.scores, true);
      for (std::size_t k = 0; k < c.keypoints.size(); ++k) out += row(fmt::format("  {}", c.names[k]), c.keypoints[k], false);
    }
    if (const auto worst = worst_keypoints(kr, set); !worst.empty()) {
      std::vector<std::string> names;
      const bool classes = kr.classes.size() > 1;
      for (const auto& w : worst) {
        names.push_back(fmt::format("{} {}", classes ? fmt::format("{}/{}", w.cls, w.keypoint) : w.keypoint, value_cell(w.scores->mean_normalized_distance)));
      }
      out += fmt::format("worst keypoints (mean distance / box diagonal): {}\n", fmt::join(names, ", "));
    }
    out += st.bold("visibility flags of matched keypoints") + "\n";
    for (const auto& [k, e] : kr.visibility) out += fmt::format("{:<24}{:>8}  {}\n", k, value_cell(e), ci_cell(e));
  }
  if (res.lines.present) {
    const auto& lr = res.lines;
    out += "\n";
    out += st.bold(fmt::format("{:<28}{:>8}{:>12}{:>10}{}", fmt::format("polylines (thickness {})", lr.thickness), "objects", "similarity", "dist px",
                               lr.direction ? fmt::format("{:>10}", "reversed") : "")) +
           "\n";
    auto row = [&](std::string_view first, const metrics::LineScores& s) {
      return fmt::format("{:<28}{:>8}{:>12}{:>10}{}\n", cell(first, 28), s.counts.objects, value_cell(s.mean_similarity), value_cell(s.mean_distance),
                         lr.direction ? fmt::format("{:>10}", s.counts.reversed) : "");
    };
    out += row("all pairs", lr.overall);
    if (lr.pairs.size() > 1) {
      for (const auto& p : lr.pairs) {
        out += row(fmt::format("{} / {}", set.annotators[static_cast<std::size_t>(p.annotator_a)].name, set.annotators[static_cast<std::size_t>(p.annotator_b)].name),
                   p.scores);
      }
    }
    for (const auto& c : lr.classes) out += row(set.categories[static_cast<std::size_t>(c.category)], c.scores);
  }
  if (res.attributes.present) {
    out += "\n";
    out += st.bold(fmt::format("{:<28}{:>8}{:>10}{:>10}{:>10}{:>10}{:>10}", "attributes (matched pairs)", "items", "differ", "agree",
                               "kappa", "alpha", "ac1")) +
           "\n";
    auto get = [](const metrics::MetricMap& m, const char* k) { const auto it = m.find(k); return it == m.end() ? std::string("") : value_cell(it->second); };
    for (const auto& at : res.attributes.attributes) {
      const char* kappa = set.annotators.size() == 2 ? "cohen_kappa" : "fleiss_kappa";
      out += fmt::format("{:<28}{:>8}{:>10}{:>10}{:>10}{:>10}{:>10}\n", cell(at.name, 28), at.items, at.differing, get(at.metrics, "percent_agreement"),
                         get(at.metrics, kappa), get(at.metrics, "krippendorff_alpha"), get(at.metrics, "gwet_ac1"));
    }
  }
  out += warnings_text(st, res.warnings);
  out += skipped_text(st, r.set.skipped, r.set.warnings);
  out += gates_text(st, r.gates);
  return out;
}

}  // namespace labelqa::report
