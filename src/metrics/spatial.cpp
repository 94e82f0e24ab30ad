#include "labelqa/metrics/object_mask.hpp"
#include "labelqa/metrics/spatial.hpp"

#include "labelqa/error.hpp"
#include "labelqa/geometry/assignment.hpp"
#include "labelqa/metrics/bootstrap.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <map>
#include <set>
#include <optional>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

namespace labelqa::metrics {

long long ObjectCounts::unmatched_a() const { return objects_a - matched - label_mismatch_a; }
long long ObjectCounts::unmatched_b() const { return objects_b - matched - label_mismatch_b; }

const char* iou_type_name(IouType t) {
  switch (t) {
    case IouType::automatic: return "auto";
    case IouType::box: return "box";
    case IouType::mask: return "mask";
  }
  return "auto";
}

std::optional<IouType> parse_iou_type(std::string_view name) {
  for (IouType t : {IouType::automatic, IouType::box, IouType::mask}) {
    if (name == iou_type_name(t)) return t;
  }
  return std::nullopt;
}

const char* iou_type_description(IouType t) {
  switch (t) {
    case IouType::automatic: return "boxes for two boxes, pixels when either is a polygon or a mask";
    case IouType::box: return "bounding boxes";
    case IouType::mask: return "pixels, boxes rasterised";
  }
  return "";
}

void ObjectCounts::add(const ObjectCounts& o, double weight) {
  const auto w = static_cast<long long>(weight);
  objects_a += w * o.objects_a;
  objects_b += w * o.objects_b;
  matched += w * o.matched;
  label_mismatch += w * o.label_mismatch;
  label_mismatch_a += w * o.label_mismatch_a;
  label_mismatch_b += w * o.label_mismatch_b;
  iou_sum += weight * o.iou_sum;
  dice_sum += weight * o.dice_sum;
  ignored += w * o.ignored;
}

namespace {

inline constexpr Reason k_no_objects = Reason::no_objects;
inline constexpr Reason k_no_matches = Reason::no_matched_objects;

double nan() { return std::numeric_limits<double>::quiet_NaN(); }

// The three ratios of a scope; NaN where undefined.
struct Ratios {
  double f1, iou, dice;
};
// n: objects of both sides; m: matched pairs, with their IoU and Dice sums.
Ratios ratios(long long n, long long m, double iou_sum, double dice_sum) {
  return {n > 0 ? 2.0 * static_cast<double>(m) / static_cast<double>(n) : nan(), m > 0 ? iou_sum / static_cast<double>(m) : nan(),
          m > 0 ? dice_sum / static_cast<double>(m) : nan()};
}
Ratios ratios(const ObjectCounts& c) { return ratios(c.objects_a + c.objects_b, c.matched, c.iou_sum, c.dice_sum); }


bool disjoint(const std::array<double, 4>& a, const std::array<double, 4>& b) {
  return a[2] <= b[0] || b[2] <= a[0] || a[3] <= b[1] || b[3] <= a[1] || a[2] <= a[0] || a[3] <= a[1] ||
         b[2] <= b[0] || b[3] <= b[1];
}

// How two objects of one image are compared: not at all (IoU 0), by their boxes, or by pixels.
enum class Compare { none, boxes, pixels, keypoints, lines };
Compare how_compared(const SpatialObject& x, const SpatialObject& y, const SpatialOptions& opt, const ImageInfo& img) {
  if (opt.match_by_class && x.category != y.category) return Compare::none;
  // Keypoints are compared with keypoints only, far apart or not (OKS never reaches 0).
  if (x.shape == Shape::keypoints || y.shape == Shape::keypoints) return x.shape == y.shape ? Compare::keypoints : Compare::none;
  // Lines with lines only: near but not touching lines still have a similarity.
  if (x.shape == Shape::polyline || y.shape == Shape::polyline) return x.shape == y.shape ? Compare::lines : Compare::none;
  if (disjoint(x.extent, y.extent)) return Compare::none;
  if (opt.iou_type == IouType::box || (opt.iou_type == IouType::automatic && x.shape == Shape::box && y.shape == Shape::box)) return Compare::boxes;
  // No size to rasterise at (readers refuse polygons on images of unknown size): boxes.
  if ((img.height == 0 || img.width == 0) && x.shape != Shape::mask && y.shape != Shape::mask) return Compare::boxes;
  return Compare::pixels;
}

// What matching one image in pixels costs: the mask columns it holds at once, the columns drawn
// and walked, and the delivery whose objects cost the most.
struct RasterCost {
  std::uint64_t columns = 0, work = 0;
  std::size_t heaviest = 0;
};
RasterCost raster_cost(const ObjectSet& set, const SpatialOptions& opt, std::uint32_t i) {
  RasterCost cost;
  const ImageInfo& img = set.images[i];
  const std::size_t A = set.annotators.size();
  auto present = [&](std::size_t a) { return set.annotators[a].has_image[i] != 0 && set.annotators[a].image_end(i) > set.annotators[a].image_begin(i); };
  if (opt.iou_type == IouType::automatic) {
    bool any = false;  // only boxes: compared as boxes
    for (std::size_t a = 0; a < A && !any; ++a) {
      const auto& an = set.annotators[a];
      for (std::size_t k = an.image_begin(i); k < an.image_end(i) && !any; ++k) any = an.objects[k].shape != Shape::box;
    }
    if (!any) return cost;
  }
  const std::uint32_t w = img.width ? img.width : std::numeric_limits<std::uint32_t>::max();
  std::vector<std::vector<char>> drawn(A);  // per annotator: its objects on the image that get a mask
  for (std::size_t a = 0; a < A; ++a) drawn[a].assign(present(a) ? set.annotators[a].image_end(i) - set.annotators[a].image_begin(i) : 0, 0);
  for (std::size_t a = 0; a < A; ++a) {
    if (!present(a)) continue;
    const auto& x = set.annotators[a];
    for (std::size_t b = a + 1; b < A; ++b) {
      if (!present(b)) continue;
      if (opt.reference >= 0 && static_cast<int>(a) != opt.reference && static_cast<int>(b) != opt.reference) continue;
      const auto& y = set.annotators[b];
      for (std::size_t p = x.image_begin(i); p < x.image_end(i); ++p) {
        for (std::size_t q = y.image_begin(i); q < y.image_end(i); ++q) {
          if (how_compared(x.objects[p], y.objects[q], opt, img) != Compare::pixels) continue;
          cost.work += shared_columns(x.objects[p], y.objects[q], w);
          drawn[a][p - x.image_begin(i)] = 1;
          drawn[b][q - y.image_begin(i)] = 1;
        }
      }
    }
  }
  std::uint64_t most = 0;
  for (std::size_t a = 0; a < A; ++a) {
    std::uint64_t own = 0;
    for (std::size_t k = 0; k < drawn[a].size(); ++k) {
      if (drawn[a][k]) own += raster_columns(set.annotators[a].objects[set.annotators[a].image_begin(i) + k], w);
    }
    cost.columns += own;
    // A consensus is derived: the file named is a delivery's.
    if (own > most && set.annotators[a].role != Role::consensus) most = own, cost.heaviest = a;
  }
  cost.work += cost.columns;
  return cost;
}

// Adds up, before any pixel is drawn, the mask columns matching will hold and walk
// (object_mask.hpp), and refuses the set beyond the limits: the first image in order that passes
// one is named, with the delivery whose objects on it cost the most. Images are costed in
// parallel and judged in order, so the outcome does not depend on the thread count.
void check_raster_cost(const ObjectSet& set, const SpatialOptions& opt) {
  if (opt.iou_type == IouType::box) return;
  std::uint64_t objects = 0;
  for (const auto& a : set.annotators) objects += a.objects.size();
  const std::uint64_t limit = raster_work_limit(objects);
  std::vector<RasterCost> costs(set.images.size());
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, costs.size(), 64), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t i = r.begin(); i != r.end(); ++i) costs[i] = raster_cost(set, opt, static_cast<std::uint32_t>(i));
  });
  std::uint64_t work = 0;
  for (std::uint32_t i = 0; i < costs.size(); ++i) {
    const RasterCost& c = costs[i];
    work += c.work;
    auto refuse = [&](const std::string& message) {
      throw InputError({.file = file_of(set.annotators[c.heaviest], set.images[i]), .item = qualified_name(set.images[i])}, message)
          .with_setting("iou_type");
    };
    if (c.columns > k_max_raster_columns_per_image) {
      refuse(fmt::format("the objects compared on this image span {} pixel columns of masks, more than the {} one image may hold at once "
                         "(docs/limits.md); comparing by boxes needs none",
                         c.columns, k_max_raster_columns_per_image));
    }
    if (work > limit) {
      refuse(fmt::format("comparing objects in pixels up to this image walks {} pixel columns, more than the {} this set's {} objects allow "
                         "(2^27 plus 2^17 per object, docs/limits.md); comparing by boxes needs none",
                         work, limit, objects));
    }
  }
}

// Masks of one annotator's objects on one image, rasterised on first use.
class MaskCache {
 public:
  MaskCache(const AnnotatorObjects& a, std::size_t begin, std::size_t end) : m_a(a), m_begin(begin), m_masks(end - begin), m_indexed(end - begin) {}
  // Object k's pixels with its runs indexed, built once (masks as stored).
  const geometry::IndexedRle& get(std::size_t k, std::uint32_t h, std::uint32_t w) {
    auto& index = m_indexed[k];
    if (!index) {
      const SpatialObject& o = m_a.objects[m_begin + k];
      if (o.shape == Shape::mask) {
        index = geometry::index_runs(m_a.masks[o.geom]);
      } else {
        m_masks[k] = object_mask(m_a, o, h, w);
        index = geometry::index_runs(*m_masks[k]);
      }
    }
    return *index;
  }

 private:
  const AnnotatorObjects& m_a;
  std::size_t m_begin;
  std::vector<std::optional<geometry::Rle>> m_masks;  // never resized: the indexes point into it
  std::vector<std::optional<geometry::IndexedRle>> m_indexed;
};

// Two objects of one frame with IoU >= the threshold, by their tracks (for IDF1 and ID switches).
struct TrackOverlap {
  int pair = 0;
  std::int64_t track_a = 0, track_b = 0;
  double iou = 0;
};

struct ImageResult {
  std::vector<std::pair<int, ObjectCounts>> entries;  // (scope, counts); scope 0 = the image pooled
  std::vector<ObjectMatch> matches;
  std::vector<TrackOverlap> overlaps;  // when the set has tracks
  // Object clusters for the `objects` section: per cluster, the class each annotator gave
  // (-1 missing image, -2 nothing).
  std::vector<std::vector<std::int32_t>> clusters;
  std::vector<ObjectCluster> members;  // with keep_clusters
  KeypointTally keypoints;
  AttributeTally attributes;
  LineTally lines;
  int pairs = 0;
};

}  // namespace

ObjectScores object_scores(const ObjectCounts& c) {
  ObjectScores s;
  s.counts = c;
  const Ratios r = ratios(c);
  s.f1 = Estimate::ratio(r.f1, k_no_objects);
  s.mean_iou = Estimate::ratio(r.iou, k_no_matches);
  s.mean_dice = Estimate::ratio(r.dice, k_no_matches);
  return s;
}

void bootstrap_object_scores(const std::vector<std::vector<std::pair<std::uint32_t, ObjectCounts>>>& scopes,
                             std::size_t images, const std::vector<ObjectScores*>& estimates, const SpatialOptions& opt) {
  BootstrapTable table(static_cast<std::size_t>(std::max(0, opt.bootstrap)));
  struct Slots {
    std::size_t f1, iou, dice;
  };
  std::vector<Slots> slots;  // per scope
  for (auto* s : estimates) slots.push_back({table.slot(s->f1), table.slot(s->mean_iou), table.slot(s->mean_dice)});
  if (opt.bootstrap <= 0 || images == 0) {
    table.no_intervals(images == 0 ? reason::too_few_items : Reason::bootstrap_disabled);
    return;
  }
  const std::size_t S = scopes.size();
  // Each scope's images with only what the ratios need, side by side: a replicate is then a
  // weighted sum without branches (an image drawn 0 times adds exact zeros, in the same order).
  struct Column {
    std::vector<std::uint32_t> image;
    std::vector<long long> objects, matched;  // objects_a + objects_b
    std::vector<double> iou, dice;
  };
  std::vector<Column> columns(S);
  for (std::size_t s = 0; s < S; ++s) {
    for (const auto& [img, c] : scopes[s]) {
      columns[s].image.push_back(img);
      columns[s].objects.push_back(c.objects_a + c.objects_b);
      columns[s].matched.push_back(c.matched);
      columns[s].iou.push_back(c.iou_sum);
      columns[s].dice.push_back(c.dice_sum);
    }
  }
  table.run([] { return std::vector<std::uint32_t>(); }, [&](std::size_t b, double* row, std::vector<std::uint32_t>& weight) {
    Rng rng(opt.seed, b);
    resample_counts(rng, images, weight);
    for (std::size_t s = 0; s < S; ++s) {
      const Column& col = columns[s];
      long long objects = 0, matched = 0;
      double iou = 0, dice = 0;
      for (std::size_t i = 0; i < col.image.size(); ++i) {
        const std::uint32_t w = weight[col.image[i]];
        objects += static_cast<long long>(w) * col.objects[i];
        matched += static_cast<long long>(w) * col.matched[i];
        iou += static_cast<double>(w) * col.iou[i];
        dice += static_cast<double>(w) * col.dice[i];
      }
      const Ratios r = ratios(objects, matched, iou, dice);
      row[slots[s].f1] = r.f1;
      row[slots[s].iou] = r.iou;
      row[slots[s].dice] = r.dice;
    }
  });
  table.intervals(opt.confidence);
}

namespace {

// The similarity two objects need to match: OKS (or PCK) for keypoints, IoU otherwise.
double threshold_of(const SpatialObject& o, const SpatialOptions& opt) {
  return o.shape == Shape::keypoints ? opt.keypoints.oks_threshold : opt.iou_threshold;
}

class ImageMatcher {
 public:
  ImageMatcher(const ObjectSet& set, const SpatialOptions& opt, std::uint32_t image, bool tracks, const std::vector<std::vector<double>>& sigmas)
      : m_set(set), m_opt(opt), m_image(image), m_set_has_tracks(tracks), m_sigmas(sigmas) {
    const std::size_t A = set.annotators.size();
    for (std::size_t k = 0; k < A; ++k) {
      const auto& a = set.annotators[k];
      m_caches.emplace_back(a, a.image_begin(image), a.image_end(image));
    }
    m_iou.resize(A * A);
  }

  ImageResult run() {
    ImageResult out;
    const int A = static_cast<int>(m_set.annotators.size());
    const int P = A * (A - 1) / 2;
    m_pairs = P;
    ObjectCounts pooled;
    std::map<int, ObjectCounts> per_class;
    int pair_index = 0;
    for (int a = 0; a < A; ++a) {
      for (int b = a + 1; b < A; ++b, ++pair_index) {
        if (!has(a) || !has(b)) continue;
        if (m_opt.reference >= 0 && a != m_opt.reference && b != m_opt.reference) continue;
        ++out.pairs;
        ObjectCounts pc = match_pair(a, b, pair_index, per_class, out);
        pooled.add(pc);
        out.entries.emplace_back(1 + pair_index, pc);
      }
    }
    if (out.pairs == 0) return out;
    for (int a = 0; a < A; ++a) {
      if (!has(a)) continue;
      for (std::size_t k = 0; k < count(a); ++k) {
        if (object(a, k).shape == Shape::keypoints) out.keypoints.add_object(m_set.annotators[static_cast<std::size_t>(a)], object(a, k));
      }
    }
    out.keypoints.merge();
    out.attributes.merge();
    out.lines.merge();
    out.entries.emplace_back(0, pooled);
    for (const auto& [c, counts] : per_class) out.entries.emplace_back(1 + P + c, counts);
    if (m_opt.reference < 0) cluster(out);
    return out;
  }

 private:
  bool has(int a) const { return m_set.annotators[static_cast<std::size_t>(a)].has_image[m_image] != 0; }
  std::size_t begin(int a) const { return m_set.annotators[static_cast<std::size_t>(a)].image_begin(m_image); }
  std::size_t count(int a) const {
    const auto& an = m_set.annotators[static_cast<std::size_t>(a)];
    return an.image_end(m_image) - an.image_begin(m_image);
  }
  const SpatialObject& object(int a, std::size_t k) const {
    return m_set.annotators[static_cast<std::size_t>(a)].objects[begin(a) + k];
  }

  double pair_iou(int a, std::size_t i, int b, std::size_t j) {
    const SpatialObject& x = object(a, i);
    const SpatialObject& y = object(b, j);
    const Compare how = how_compared(x, y, m_opt, m_set.images[m_image]);
    if (how == Compare::none) return 0;
    if (how == Compare::lines) {
      const ImageInfo& img = m_set.images[m_image];
      return polyline_similarity(m_set.annotators[static_cast<std::size_t>(a)], x, m_set.annotators[static_cast<std::size_t>(b)], y, img.width, img.height,
                                 m_opt.lines);
    }
    if (how == Compare::keypoints) {
      // The pair's first annotator is the reference (gold sorts first), as pycocotools' gt.
      return keypoint_similarity(m_set.annotators[static_cast<std::size_t>(a)], x, m_set.annotators[static_cast<std::size_t>(b)], y,
                                 m_sigmas[static_cast<std::size_t>(x.category)], m_opt.keypoints.pck);
    }
    // COCO's crowd rule: a crowd region is matched as ground truth, dividing the intersection by
    // the other object's area; two crowd regions (or none) give plain IoU.
    const bool flip = x.crowd && !y.crowd;
    const bool crowd = x.crowd != y.crowd;
    if (how == Compare::boxes) {
      return flip ? geometry::box_iou(y.bbox, x.bbox, true) : geometry::box_iou(x.bbox, y.bbox, crowd);
    }
    std::uint32_t h = m_set.images[m_image].height, w = m_set.images[m_image].width;
    if (h == 0 || w == 0) {
      const SpatialObject& m = x.shape == Shape::mask ? x : y;
      const auto& owner = m_set.annotators[static_cast<std::size_t>(x.shape == Shape::mask ? a : b)];
      h = owner.masks[m.geom].h;
      w = owner.masks[m.geom].w;
    }
    const geometry::IndexedRle& mx = m_caches[static_cast<std::size_t>(a)].get(i, h, w);
    const geometry::IndexedRle& my = m_caches[static_cast<std::size_t>(b)].get(j, h, w);
    std::optional<double> v = flip ? geometry::iou(my, mx, true) : geometry::iou(mx, my, crowd);
    return v.value_or(0.0);
  }

  // A track key unique within the annotator: the track, or the object itself when it has none.
  std::int64_t track_of(int a, std::size_t k) const {
    const SpatialObject& o = object(a, k);
    return o.track >= 0 ? o.track : -1 - static_cast<std::int64_t>(begin(a) + k);
  }

  ObjectCounts match_pair(int a, int b, int pair_index, std::map<int, ObjectCounts>& per_class, ImageResult& out) {
    std::vector<ObjectMatch>& matches = out.matches;
    const std::size_t na = count(a), nb = count(b);
    auto& m = m_iou[static_cast<std::size_t>(a) * m_set.annotators.size() + static_cast<std::size_t>(b)];
    m.assign(na * nb, 0.0);
    for (std::size_t i = 0; i < na; ++i) {
      for (std::size_t j = 0; j < nb; ++j) {
        const double v = pair_iou(a, i, b, j);
        m[i * nb + j] = v;
      }
    }
    // COCO crowd regions are ignore regions (as COCOeval): never matched.
    std::vector<double> score(m.size());
    for (std::size_t i = 0; i < na; ++i) {
      for (std::size_t j = 0; j < nb; ++j) {
        const std::size_t k = i * nb + j;
        const bool either_crowd = object(a, i).crowd || object(b, j).crowd;
        score[k] = (!either_crowd && m[k] >= threshold_of(object(a, i), m_opt) && m[k] > 0) ? m[k] : 0.0;
      }
    }
    std::vector<int> assign = na && nb ? geometry::max_score_assignment(score, static_cast<int>(na), static_cast<int>(nb))
                                       : std::vector<int>(na, -1);
    std::vector<char> b_matched(nb, 0);
    for (std::size_t i = 0; i < na; ++i) {
      const int j = assign[i];
      if (j >= 0 && score[i * nb + static_cast<std::size_t>(j)] > 0) b_matched[static_cast<std::size_t>(j)] = 1;
    }
    // Left out of the counts: crowd regions, and unmatched objects inside the other side's crowd region.
    auto covered = [&](bool side_a, std::size_t k) {
      const std::size_t n = side_a ? nb : na;
      for (std::size_t o = 0; o < n; ++o) {
        const SpatialObject& region = side_a ? object(b, o) : object(a, o);
        const double v = side_a ? m[k * nb + o] : m[o * nb + k];
        if (region.crowd && v >= threshold_of(region, m_opt) && v > 0) return true;
      }
      return false;
    };
    std::vector<char> out_a(na, 0), out_b(nb, 0);
    ObjectCounts c;
    for (std::size_t i = 0; i < na; ++i) {
      const bool matched = assign[i] >= 0 && score[i * nb + static_cast<std::size_t>(assign[i])] > 0;
      if (object(a, i).crowd) out_a[i] = 1;
      else if (!matched && covered(true, i)) out_a[i] = 2;
    }
    for (std::size_t j = 0; j < nb; ++j) {
      if (object(b, j).crowd) out_b[j] = 1;
      else if (!b_matched[j] && covered(false, j)) out_b[j] = 2;
    }
    for (std::size_t i = 0; i < na; ++i) {
      if (out_a[i] == 2) ++c.ignored, ++per_class[object(a, i).category].ignored;
      if (out_a[i]) continue;
      ++c.objects_a;
      ++per_class[object(a, i).category].objects_a;
    }
    for (std::size_t j = 0; j < nb; ++j) {
      if (out_b[j] == 2) ++c.ignored, ++per_class[object(b, j).category].ignored;
      if (out_b[j]) continue;
      ++c.objects_b;
      ++per_class[object(b, j).category].objects_b;
    }
    for (std::size_t i = 0; i < na; ++i) {
      const int j = assign[i];
      if (j < 0 || score[i * nb + static_cast<std::size_t>(j)] <= 0) {
        assign[i] = -1;
        if (m_opt.keep_matches && !out_a[i]) matches.push_back({m_image, a, b, static_cast<std::int32_t>(begin(a) + i), -1, 0});
        continue;
      }
      const double v = m[i * nb + static_cast<std::size_t>(j)];
      const double dice = 2 * v / (1 + v);
      const int ca = object(a, i).category, cb = object(b, static_cast<std::size_t>(j)).category;
      if (m_opt.keep_matches) {
        matches.push_back({m_image, a, b, static_cast<std::int32_t>(begin(a) + i), static_cast<std::int32_t>(begin(b) + static_cast<std::size_t>(j)), v});
      }
      ++c.matched;
      c.iou_sum += v;
      c.dice_sum += dice;
      if (ca == cb && (m_set.annotators[static_cast<std::size_t>(a)].has_attributes() || m_set.annotators[static_cast<std::size_t>(b)].has_attributes())) {
        out.attributes.add_pair(m_set.annotators[static_cast<std::size_t>(a)], begin(a) + i, m_set.annotators[static_cast<std::size_t>(b)],
                                begin(b) + static_cast<std::size_t>(j), pair_index, m_opt.attributes);
      }
      if (object(a, i).shape == Shape::polyline) {
        const auto& an = m_set.annotators[static_cast<std::size_t>(a)];
        const auto& bn = m_set.annotators[static_cast<std::size_t>(b)];
        const SpatialObject& ob = object(b, static_cast<std::size_t>(j));
        const ImageInfo& img = m_set.images[m_image];
        LineCounts lc;
        lc.objects = 1;
        lc.similarity_sum = v;
        lc.distance_sum = polyline_distance(an, object(a, i), bn, ob);
        lc.reversed = m_opt.lines.compare_direction && reversed_direction(an, object(a, i), bn, ob, img.width, img.height, m_opt.lines);
        out.lines.entries.emplace_back(0, lc);
        out.lines.entries.emplace_back(1 + pair_index, lc);
        if (ca == cb) out.lines.entries.emplace_back(1 + m_pairs + ca, lc);
      }
      if (object(a, i).shape == Shape::keypoints) {
        out.keypoints.add_pair(m_set.annotators[static_cast<std::size_t>(a)], object(a, i), m_set.annotators[static_cast<std::size_t>(b)],
                               object(b, static_cast<std::size_t>(j)), pair_index, m_pairs, v, m_opt.keypoints.pck);
      }
      if (ca == cb) {
        auto& pc = per_class[ca];
        ++pc.matched;
        pc.iou_sum += v;
        pc.dice_sum += dice;
      } else {
        ++c.label_mismatch;
        ++per_class[ca].label_mismatch;
        ++per_class[ca].label_mismatch_a;
        ++per_class[cb].label_mismatch;
        ++per_class[cb].label_mismatch_b;
      }
    }
    if (m_opt.keep_matches) {
      for (std::size_t j = 0; j < nb; ++j) {
        if (!b_matched[j] && !out_b[j]) matches.push_back({m_image, a, b, -1, static_cast<std::int32_t>(begin(b) + j), 0});
      }
    }
    if (m_set_has_tracks) {
      for (std::size_t i = 0; i < na; ++i) {
        for (std::size_t j = 0; j < nb; ++j) {
          if (score[i * nb + j] <= 0) continue;
          out.overlaps.push_back({pair_index, track_of(a, i), track_of(b, j), m[i * nb + j]});
        }
      }
    }
    return c;
  }

  double iou_between(int a, std::size_t i, int b, std::size_t j) const {
    if (a > b) return iou_between(b, j, a, i);
    const auto& m = m_iou[static_cast<std::size_t>(a) * m_set.annotators.size() + static_cast<std::size_t>(b)];
    return m[i * count(b) + j];
  }

  // Clusters objects across annotators: each annotator in name order joins its objects to the
  // clusters so far by an optimal assignment on the mean IoU with the cluster's members (>= the
  // threshold); unassigned objects open new clusters. For two annotators this is the pair matching.
  void cluster(ImageResult& out) {
    const int A = static_cast<int>(m_set.annotators.size());
    struct Member {
      int annotator;
      std::size_t object;
    };
    std::vector<std::vector<Member>> clusters;
    for (int k = 0; k < A; ++k) {
      if (!has(k)) continue;
      const std::size_t n = count(k);
      const std::size_t nc = clusters.size();
      // Crowd regions, and objects inside another annotator's, are no units.
      std::vector<char> left_out(n, 0);
      for (std::size_t i = 0; i < n; ++i) {
        left_out[i] = object(k, i).crowd;
        for (int o = 0; o < A && !left_out[i]; ++o) {
          if (o == k || !has(o)) continue;
          for (std::size_t j = 0; j < count(o) && !left_out[i]; ++j) {
            const double v = iou_between(k, i, o, j);
            left_out[i] = object(o, j).crowd && v >= threshold_of(object(o, j), m_opt) && v > 0;
          }
        }
      }
      std::vector<int> assign(n, -1);
      if (nc && n) {
        std::vector<double> score(n * nc, 0.0);
        for (std::size_t i = 0; i < n; ++i) {
          if (left_out[i]) continue;
          for (std::size_t c = 0; c < nc; ++c) {
            double sum = 0;
            for (const Member& mbr : clusters[c]) sum += iou_between(mbr.annotator, mbr.object, k, i);
            const double mean = sum / static_cast<double>(clusters[c].size());
            score[i * nc + c] = (mean >= threshold_of(object(k, i), m_opt) && mean > 0) ? mean : 0.0;
          }
        }
        assign = geometry::max_score_assignment(score, static_cast<int>(n), static_cast<int>(nc));
        for (std::size_t i = 0; i < n; ++i) {
          if (assign[i] >= 0 && score[i * nc + static_cast<std::size_t>(assign[i])] <= 0) assign[i] = -1;
        }
      }
      for (std::size_t i = 0; i < n; ++i) {
        if (left_out[i]) continue;
        if (assign[i] >= 0) {
          clusters[static_cast<std::size_t>(assign[i])].push_back({k, i});
        } else {
          clusters.push_back({{k, i}});
        }
      }
    }
    for (const auto& cl : clusters) {
      std::vector<std::int32_t> row(static_cast<std::size_t>(A), -1);
      for (int k = 0; k < A; ++k) {
        if (has(k)) row[static_cast<std::size_t>(k)] = -2;
      }
      for (const Member& mbr : cl) row[static_cast<std::size_t>(mbr.annotator)] = object(mbr.annotator, mbr.object).category;
      out.clusters.push_back(std::move(row));
      if (m_opt.keep_clusters) {
        ObjectCluster oc;
        oc.image = m_image;
        for (const Member& mbr : cl) oc.members.emplace_back(mbr.annotator, static_cast<std::uint32_t>(begin(mbr.annotator) + mbr.object));
        out.members.push_back(std::move(oc));
      }
    }
  }

  const ObjectSet& m_set;
  const SpatialOptions& m_opt;
  std::uint32_t m_image;
  bool m_set_has_tracks = false;
  const std::vector<std::vector<double>>& m_sigmas;  // per category: OKS sigmas (empty: PCK)
  int m_pairs = 0;                                   // annotator pairs of the set
  std::vector<MaskCache> m_caches;
  std::vector<std::vector<double>> m_iou;  // per (a, b), a < b: IoU matrix na x nb
};

// The clusters as ratings: units are clusters, categories the classes plus "nothing", missing
// where an annotator did not deliver the image.
ClusterStats cluster_stats(const ObjectSet& set, const std::vector<ImageResult>& images) {
  ClusterStats u;
  RatingSet rs;
  rs.annotators.reserve(set.annotators.size());
  for (const auto& a : set.annotators) rs.annotators.push_back(a.name);
  // Categories: the set's classes plus "nothing", sorted by name.
  std::vector<std::string> cats = set.categories;
  if (std::find(cats.begin(), cats.end(), k_nothing) == cats.end()) cats.push_back(k_nothing);
  std::sort(cats.begin(), cats.end());
  std::vector<std::int32_t> cat_map(set.categories.size());
  for (std::size_t c = 0; c < set.categories.size(); ++c) {
    cat_map[c] = static_cast<std::int32_t>(std::lower_bound(cats.begin(), cats.end(), set.categories[c]) - cats.begin());
  }
  const auto nothing = static_cast<std::int32_t>(std::lower_bound(cats.begin(), cats.end(), k_nothing) - cats.begin());
  std::vector<char> used(cats.size(), 0);
  rs.item_offsets.push_back(0);
  for (std::size_t i = 0; i < images.size(); ++i) {
    std::size_t k = 0;
    for (const auto& row : images[i].clusters) {
      ++k;
      for (std::size_t a = 0; a < row.size(); ++a) {
        if (row[a] == -1) continue;
        const std::int32_t c = row[a] == -2 ? nothing : cat_map[static_cast<std::size_t>(row[a])];
        if (row[a] == -2) ++u.nothing;
        used[static_cast<std::size_t>(c)] = 1;
        rs.ratings.push_back({static_cast<std::int32_t>(a), c});
      }
      rs.items.push_back(fmt::format("{}#{}", set.images[i].name, k));
      rs.item_offsets.push_back(static_cast<std::uint32_t>(rs.ratings.size()));
    }
  }
  // Keep only categories that occur, so an unused class does not enter the chance terms.
  std::vector<std::int32_t> remap(cats.size(), -1);
  for (std::size_t c = 0; c < cats.size(); ++c) {
    if (!used[c]) continue;
    remap[c] = static_cast<std::int32_t>(rs.categories.size());
    rs.categories.push_back(cats[c]);
  }
  for (auto& r : rs.ratings) r.category = remap[static_cast<std::size_t>(r.category)];
  u.units = static_cast<long long>(rs.items.size());
  u.categories = rs.categories;
  rs.sources.assign(rs.ratings.size(), SourceRef{0, 0});
  u.stats = rating_stats(rs);
  return u;
}

// Chance-corrected agreement on the clusters.
ObjectUnits cluster_agreement(ClusterStats clusters, const SpatialOptions& opt) {
  ObjectUnits u;
  u.units = clusters.units;
  u.nothing = clusters.nothing;
  u.categories = std::move(clusters.categories);
  if (u.units == 0) {
    for (const char* key : {"krippendorff_alpha", "fleiss_kappa", "gwet_ac1"}) u.metrics[key] = Estimate::undefined(k_no_objects);
    return u;
  }
  AgreeOptions ao;
  ao.confidence = opt.confidence;
  ao.bootstrap = opt.bootstrap;
  ao.seed = opt.seed;
  ao.ci = CiMode::analytic;
  AgreeResult r = analyze_agreement(std::move(clusters.stats), ao);
  for (const char* key : {"krippendorff_alpha", "fleiss_kappa", "gwet_ac1"}) {
    auto it = r.overall.find(key);
    if (it != r.overall.end()) u.metrics[key] = it->second;
  }
  return u;
}

void finish_track_scores(TrackScores& t) {
  const double n = static_cast<double>(t.detections_a + t.detections_b);
  const auto da = static_cast<double>(t.detections_a), db = static_cast<double>(t.detections_b);
  t.idf1 = Estimate::ratio(n > 0 ? 2.0 * static_cast<double>(t.idtp) / n : nan(), k_no_objects);
  t.idp = Estimate::ratio(db > 0 ? static_cast<double>(t.idtp) / db : nan(), k_no_objects);
  t.idr = Estimate::ratio(da > 0 ? static_cast<double>(t.idtp) / da : nan(), k_no_objects);
  const auto misses = static_cast<double>(t.detections_a - t.matched), false_positives = static_cast<double>(t.detections_b - t.matched);
  t.mota = Estimate::ratio(da > 0 ? 1.0 - (misses + false_positives + static_cast<double>(t.id_switches)) / da : nan(), k_no_objects);
  t.motp = Estimate::ratio(t.matched > 0 ? t.iou_sum / static_cast<double>(t.matched) : nan(), k_no_matches);
  t.mean_track_iou = t.motp;
  // Frames of a track are not independent draws: no interval is claimed.
  for (Estimate* e : {&t.idf1, &t.idp, &t.idr, &t.mota, &t.motp, &t.mean_track_iou}) {
    if (e->value) e->ci_undefined_reason = Reason::no_interval_for_tracks;
  }
}

// CLEAR-MOT's frame-by-frame correspondences (Bernardin and Stiefelhagen 2008) as py-motmetrics
// keeps them: a reference track keeps the track it was last matched to while their overlap stays
// valid (IoU >= the threshold); the other tracks of the frame are matched by an optimal assignment
// (most matches, then the least total distance 1 - IoU); a reference track matched to another track
// than its last one is an ID switch.
void clear_mot_frame(std::vector<TrackOverlap> edges, std::map<std::int64_t, std::int64_t>& last, TrackScores& t) {
  std::sort(edges.begin(), edges.end(), [](const TrackOverlap& x, const TrackOverlap& y) {
    return std::tie(x.track_a, x.track_b) < std::tie(y.track_a, y.track_b);
  });
  std::set<std::int64_t> done_a, done_b;
  for (const auto& e : edges) {
    const auto it = last.find(e.track_a);
    if (it == last.end() || it->second != e.track_b || done_a.count(e.track_a) || done_b.count(e.track_b)) continue;
    done_a.insert(e.track_a);
    done_b.insert(e.track_b);
    ++t.matched;
    t.iou_sum += e.iou;
  }
  std::map<std::int64_t, int> rows, cols;
  for (const auto& e : edges) {
    if (done_a.count(e.track_a) || done_b.count(e.track_b)) continue;
    rows.emplace(e.track_a, 0);
    cols.emplace(e.track_b, 0);
  }
  if (rows.empty()) return;
  int k = 0;
  for (auto& [key, index] : rows) index = k++;
  k = 0;
  for (auto& [key, index] : cols) index = k++;
  const int R = static_cast<int>(rows.size()), Cn = static_cast<int>(cols.size());
  // A match is worth more than any sum of IoUs can make up: the most matches first.
  const double bonus = static_cast<double>(std::min(R, Cn)) + 1;
  std::vector<double> score(static_cast<std::size_t>(R) * static_cast<std::size_t>(Cn), 0.0);
  std::vector<double> iou(score.size(), 0.0);
  for (const auto& e : edges) {
    if (done_a.count(e.track_a) || done_b.count(e.track_b)) continue;
    const std::size_t x = static_cast<std::size_t>(rows[e.track_a]) * static_cast<std::size_t>(Cn) + static_cast<std::size_t>(cols[e.track_b]);
    score[x] = bonus + e.iou;
    iou[x] = e.iou;
  }
  std::vector<std::int64_t> col_key(static_cast<std::size_t>(Cn));
  for (const auto& [key, index] : cols) col_key[static_cast<std::size_t>(index)] = key;
  const std::vector<int> assign = geometry::max_score_assignment(score, R, Cn);
  for (const auto& [ta, r] : rows) {
    const int c = assign[static_cast<std::size_t>(r)];
    if (c < 0) continue;
    const std::size_t x = static_cast<std::size_t>(r) * static_cast<std::size_t>(Cn) + static_cast<std::size_t>(c);
    if (score[x] <= 0) continue;
    const std::int64_t tb = col_key[static_cast<std::size_t>(c)];
    auto [it, fresh] = last.emplace(ta, tb);
    if (!fresh && it->second != tb) ++t.id_switches;
    it->second = tb;
    ++t.matched;
    t.iou_sum += iou[x];
  }
}

// IDF1 (Ristani et al. 2016): tracks of the two annotators are assigned one-to-one so that the
// frames in which assigned tracks overlap with IoU >= the threshold (IDTP) are as many as possible.
// ID switches, MOTA and MOTP follow CLEAR-MOT's correspondences in frame order (clear_mot_frame).
TrackResult track_agreement(const ObjectSet& set, const std::vector<ImageResult>& per_image, const std::vector<SpatialPair>& pairs) {
  TrackResult out;
  out.present = true;
  const std::size_t P = pairs.size();
  std::vector<std::map<std::pair<std::int64_t, std::int64_t>, long long>> co(P);
  std::vector<std::map<std::int64_t, std::int64_t>> last(P);  // reference track -> track of its last match
  std::vector<TrackScores> scores(P);
  std::vector<std::set<std::int64_t>> tracks_a(P), tracks_b(P);
  // Frames in frame order (images carry their frame number; still images keep name order).
  std::vector<std::uint32_t> order(set.images.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t x, std::uint32_t y) { return set.images[x].frame < set.images[y].frame; });
  for (std::size_t p = 0; p < P; ++p) {
    const int a = pairs[p].annotator_a, b = pairs[p].annotator_b;
    const auto& A = set.annotators[static_cast<std::size_t>(a)];
    const auto& B = set.annotators[static_cast<std::size_t>(b)];
    for (std::uint32_t i = 0; i < set.images.size(); ++i) {
      if (!A.has_image[i] || !B.has_image[i]) continue;
      ++scores[p].frames;
      // Crowd regions are ignore regions, no detections.
      for (std::size_t k = A.image_begin(i); k < A.image_end(i); ++k) {
        if (A.objects[k].crowd) continue;
        tracks_a[p].insert(A.objects[k].track >= 0 ? A.objects[k].track : -1 - static_cast<std::int64_t>(k));
        ++scores[p].detections_a;
      }
      for (std::size_t k = B.image_begin(i); k < B.image_end(i); ++k) {
        if (B.objects[k].crowd) continue;
        tracks_b[p].insert(B.objects[k].track >= 0 ? B.objects[k].track : -1 - static_cast<std::int64_t>(k));
        ++scores[p].detections_b;
      }
    }
  }
  std::vector<std::vector<TrackOverlap>> frame_edges(P);
  for (std::uint32_t i : order) {
    for (auto& e : frame_edges) e.clear();
    for (const TrackOverlap& o : per_image[i].overlaps) {
      const auto p = static_cast<std::size_t>(o.pair);
      ++co[p][{o.track_a, o.track_b}];
      frame_edges[p].push_back(o);
    }
    for (std::size_t p = 0; p < P; ++p) {
      if (!frame_edges[p].empty()) clear_mot_frame(std::move(frame_edges[p]), last[p], scores[p]);
    }
  }
  for (std::size_t p = 0; p < P; ++p) {
    TrackScores& t = scores[p];
    t.tracks_a = static_cast<long long>(tracks_a[p].size());
    t.tracks_b = static_cast<long long>(tracks_b[p].size());
    std::map<std::int64_t, int> rows, cols;
    for (const auto& [k, n] : co[p]) {
      rows.emplace(k.first, static_cast<int>(rows.size()));
      cols.emplace(k.second, static_cast<int>(cols.size()));
    }
    if (!co[p].empty()) {
      const int R = static_cast<int>(rows.size()), Cn = static_cast<int>(cols.size());
      std::vector<double> score(static_cast<std::size_t>(R) * static_cast<std::size_t>(Cn), 0.0);
      for (const auto& [k, n] : co[p]) score[static_cast<std::size_t>(rows[k.first]) * static_cast<std::size_t>(Cn) + static_cast<std::size_t>(cols[k.second])] = static_cast<double>(n);
      const std::vector<int> assign = geometry::max_score_assignment(score, R, Cn);
      for (int r = 0; r < R; ++r) {
        if (assign[static_cast<std::size_t>(r)] >= 0) t.idtp += static_cast<long long>(score[static_cast<std::size_t>(r) * static_cast<std::size_t>(Cn) + static_cast<std::size_t>(assign[static_cast<std::size_t>(r)])]);
      }
    }
    finish_track_scores(t);
    out.pairs.push_back({pairs[p].annotator_a, pairs[p].annotator_b, t});
    TrackScores& o = out.overall;
    o.frames = std::max(o.frames, t.frames);
    o.tracks_a += t.tracks_a;
    o.tracks_b += t.tracks_b;
    o.detections_a += t.detections_a;
    o.detections_b += t.detections_b;
    o.idtp += t.idtp;
    o.id_switches += t.id_switches;
    o.matched += t.matched;
    o.iou_sum += t.iou_sum;
  }
  finish_track_scores(out.overall);
  return out;
}

bool has_tracks(const ObjectSet& set) {
  return std::any_of(set.annotators.begin(), set.annotators.end(), [](const AnnotatorObjects& a) {
    return std::any_of(a.objects.begin(), a.objects.end(), [](const SpatialObject& o) { return o.track >= 0; });
  });
}

std::vector<ImageResult> match_images(const ObjectSet& set, const SpatialOptions& opt, bool tracks) {
  check_raster_cost(set, opt);
  const std::vector<std::vector<double>> sigmas = resolve_sigmas(set, opt.keypoints);
  std::vector<ImageResult> per_image(set.images.size());
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, per_image.size(), 16), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t i = r.begin(); i != r.end(); ++i) {
      per_image[i] = ImageMatcher(set, opt, static_cast<std::uint32_t>(i), tracks, sigmas).run();
    }
  });
  return per_image;
}

// The additive part of per-image results (their entries moved out).
ObjectMatching matching_of(const ObjectSet& set, std::vector<ImageResult>& per_image) {
  ObjectMatching m;
  m.clusters = cluster_stats(set, per_image);
  m.line_classes = polyline_classes(set);
  m.images.resize(per_image.size());
  for (std::size_t i = 0; i < per_image.size(); ++i) {
    m.images[i].pairs = per_image[i].pairs;
    m.images[i].entries = std::move(per_image[i].entries);
    m.images[i].keypoints = std::move(per_image[i].keypoints);
    m.images[i].attributes = std::move(per_image[i].attributes);
    m.images[i].lines = std::move(per_image[i].lines);
  }
  return m;
}

std::vector<long long> objects_per_annotator(const ObjectSet& set) {
  std::vector<long long> out;
  for (const auto& a : set.annotators) out.push_back(static_cast<long long>(a.objects.size()));
  return out;
}

}  // namespace

ObjectMatching match_objects(const ObjectSet& set, const SpatialOptions& opt) {
  std::vector<ImageResult> per_image = match_images(set, opt, false);
  return matching_of(set, per_image);
}

SpatialResult summarize_objects(const ObjectSet& set, std::vector<long long> annotator_objects, ObjectMatching matching, const SpatialOptions& opt) {
  SpatialResult out;
  const std::size_t N = set.images.size();
  const int A = static_cast<int>(set.annotators.size());
  const int P = A * (A - 1) / 2;
  const int C = static_cast<int>(set.categories.size());
  out.images = static_cast<long long>(N);
  for (const long long n : annotator_objects) out.objects += n;
  out.annotator_objects = std::move(annotator_objects);

  // Scopes: 0 overall, 1..P pairs, 1+P.. classes; rows (compared-image position, counts).
  std::vector<std::vector<std::pair<std::uint32_t, ObjectCounts>>> scopes(static_cast<std::size_t>(1 + P + C));
  std::vector<ObjectCounts> totals(scopes.size());
  std::uint32_t compared = 0;
  for (std::size_t i = 0; i < N; ++i) {
    const ImageOutcome& ir = matching.images[i];
    if (ir.pairs == 0) continue;
    for (const auto& [scope, counts] : ir.entries) {
      scopes[static_cast<std::size_t>(scope)].emplace_back(compared, counts);
      totals[static_cast<std::size_t>(scope)].add(counts);
      if (scope == 0) {
        SpatialImage si;
        si.image = static_cast<std::uint32_t>(i);
        si.pairs = ir.pairs;
        si.scores = object_scores(counts);
        out.per_image.push_back(si);
      }
    }
    ++compared;
  }
  {
    std::vector<KeypointTally> tallies;
    for (auto& im : matching.images) {
      if (!im.keypoints.classes.empty()) tallies.push_back(std::move(im.keypoints));
    }
    out.keypoints = summarize_keypoints(set, tallies, opt.keypoints, opt.confidence);
    std::vector<AttributeTally> attributes;
    for (auto& im : matching.images) {
      if (!im.attributes.counts.empty()) attributes.push_back(std::move(im.attributes));
    }
    out.attributes = summarize_attributes(set, attributes, opt.confidence);
    std::vector<LineTally> lines;
    for (auto& im : matching.images) {
      if (!im.lines.entries.empty()) lines.push_back(std::move(im.lines));
    }
    out.lines = summarize_lines(set, lines, opt.lines, matching.line_classes);
  }
  matching.images = {};
  out.images_compared = compared;
  out.overall = object_scores(totals[0]);
  int p = 0;
  for (int a = 0; a < A; ++a) {
    for (int b = a + 1; b < A; ++b, ++p) {
      SpatialPair sp;
      sp.annotator_a = a;
      sp.annotator_b = b;
      const auto& ha = set.annotators[static_cast<std::size_t>(a)].has_image;
      const auto& hb = set.annotators[static_cast<std::size_t>(b)].has_image;
      for (std::size_t i = 0; i < N; ++i) {
        sp.images += ha[i] && hb[i];
        sp.images_only_a += ha[i] && !hb[i];
        sp.images_only_b += !ha[i] && hb[i];
      }
      sp.scores = object_scores(totals[static_cast<std::size_t>(1 + p)]);
      if (sp.images_only_a || sp.images_only_b) {
        out.warnings.push_back({WarningCode::image_lists_differ,
                                fmt::format("{} delivered {} image(s) that {} did not, and {} delivered {} that {} did not; "
                                            "those images are left out of this pair",
                                            set.annotators[static_cast<std::size_t>(a)].name, sp.images_only_a,
                                            set.annotators[static_cast<std::size_t>(b)].name,
                                            set.annotators[static_cast<std::size_t>(b)].name, sp.images_only_b,
                                            set.annotators[static_cast<std::size_t>(a)].name)});
      }
      out.pairs.push_back(sp);
    }
  }
  for (int c = 0; c < C; ++c) {
    SpatialClass sc;
    sc.category = c;
    sc.scores = object_scores(totals[static_cast<std::size_t>(1 + P + c)]);
    out.classes.push_back(sc);
  }
  if (A < 2) out.warnings.push_back({WarningCode::single_annotator, "only one annotator: there is nothing to compare"});

  std::vector<ObjectScores*> est{&out.overall};
  for (auto& sp : out.pairs) est.push_back(&sp.scores);
  // Per-class intervals for the k_max_bootstrap_classes classes with the most objects (each
  // class costs a replicate's worth of values); the others say beyond_bootstrap_limit.
  std::vector<char> resampled(static_cast<std::size_t>(C), 1);
  if (opt.bootstrap > 0) {
    std::vector<double> objects_of(static_cast<std::size_t>(C));
    for (int c = 0; c < C; ++c) {
      const ObjectCounts& t = totals[static_cast<std::size_t>(1 + P + c)];
      objects_of[static_cast<std::size_t>(c)] = static_cast<double>(t.objects_a + t.objects_b);
    }
    resampled = resampled_classes(objects_of);
  }
  std::vector<std::vector<std::pair<std::uint32_t, ObjectCounts>>> kept(std::make_move_iterator(scopes.begin()),
                                                                        std::make_move_iterator(scopes.begin() + 1 + P));
  for (int c = 0; c < C; ++c) {
    auto& sc = out.classes[static_cast<std::size_t>(c)];
    if (resampled[static_cast<std::size_t>(c)]) {
      est.push_back(&sc.scores);
      kept.push_back(std::move(scopes[static_cast<std::size_t>(1 + P + c)]));
      continue;
    }
    for (Estimate* e : {&sc.scores.f1, &sc.scores.mean_iou, &sc.scores.mean_dice}) beyond_bootstrap_limit(*e);
  }
  bootstrap_object_scores(kept, compared, est, opt);

  std::sort(out.per_image.begin(), out.per_image.end(), [&](const SpatialImage& x, const SpatialImage& y) {
    const double fx = x.scores.f1.value.value_or(2), fy = y.scores.f1.value.value_or(2);
    if (fx != fy) return fx < fy;
    const double ix = x.scores.mean_iou.value.value_or(2), iy = y.scores.mean_iou.value.value_or(2);
    if (ix != iy) return ix < iy;
    return x.image < y.image;
  });

  out.objects_section = cluster_agreement(std::move(matching.clusters), opt);
  return out;
}

SpatialResult analyze_objects(const ObjectSet& set, const SpatialOptions& opt) {
  const bool tracks = has_tracks(set);
  std::vector<ImageResult> per_image = match_images(set, opt, tracks);
  SpatialResult out = summarize_objects(set, objects_per_annotator(set), matching_of(set, per_image), opt);
  if (opt.keep_matches) {
    for (const auto& ir : per_image) {
      if (ir.pairs) out.matches.insert(out.matches.end(), ir.matches.begin(), ir.matches.end());
    }
    auto id = [&](int a, std::int32_t k) {
      return k < 0 ? std::numeric_limits<std::int64_t>::max()
                   : set.annotators[static_cast<std::size_t>(a)].objects[static_cast<std::size_t>(k)].id;
    };
    std::stable_sort(out.matches.begin(), out.matches.end(), [&](const ObjectMatch& x, const ObjectMatch& y) {
      if (x.image != y.image) return x.image < y.image;
      if (x.annotator_a != y.annotator_a) return x.annotator_a < y.annotator_a;
      if (x.annotator_b != y.annotator_b) return x.annotator_b < y.annotator_b;
      const auto xa = id(x.annotator_a, x.object_a), ya = id(y.annotator_a, y.object_a);
      if (xa != ya) return xa < ya;
      return id(x.annotator_b, x.object_b) < id(y.annotator_b, y.object_b);
    });
  }

  if (opt.keep_clusters) {
    for (auto& im : per_image) {
      for (auto& c : im.members) out.clusters.push_back(std::move(c));
    }
  }
  if (tracks) {
    out.tracks = track_agreement(set, per_image, out.pairs);
    out.tracks.overall.frames = out.images_compared;
  }
  return out;
}

}  // namespace labelqa::metrics
