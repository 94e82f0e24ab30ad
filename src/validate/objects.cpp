// Geometric checks of one annotator's objects, image by image in parallel.
#include "labelqa/metrics/object_mask.hpp"
#include "labelqa/validate/findings.hpp"

#include "labelqa/geometry/keypoints.hpp"
#include "labelqa/metrics/keypoints.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/compile.h>
#include <fmt/format.h>
#include <geos_c.h>
#include <tbb/parallel_for.h>

namespace labelqa::validate {
namespace {

// One GEOS context per thread.
struct GeosContext {
  GEOSContextHandle_t h = GEOS_init_r();
  ~GeosContext() { GEOS_finish_r(h); }
};
GEOSContextHandle_t geos() {
  thread_local GeosContext ctx;
  return ctx.h;
}

std::string number(double x) { return fmt::format("{:g}", x); }
std::string box_text(const geometry::Box& b) {
  return fmt::format("[{}, {}, {}, {}]", number(b[0]), number(b[1]), number(b[2]), number(b[3]));
}

struct Ring {
  const double* xy;
  std::size_t points;
};

// What one pass over a ring's vertices gives: whether all are finite, their bounds, the signed
// area (shoelace, in vertex order), and the point farthest outside the image.
struct RingSummary {
  bool finite = true;
  double x0 = HUGE_VAL, y0 = HUGE_VAL, x1 = -HUGE_VAL, y1 = -HUGE_VAL;
  double area = 0;
  double worst = 0;  // how far the farthest vertex lies outside [0, width] x [0, height]; 0: none
  std::array<double, 2> where{};
};

RingSummary summarize_ring(const Ring& r, double width, double height) {
  RingSummary s;
  if (r.points == 0) return s;
  double twice = 0;
  for (std::size_t i = 0; i < r.points; ++i) {
    const double x = r.xy[2 * i], y = r.xy[2 * i + 1];
    s.finite = s.finite && std::isfinite(x) && std::isfinite(y);
    s.x0 = std::min(s.x0, x);
    s.x1 = std::max(s.x1, x);
    s.y0 = std::min(s.y0, y);
    s.y1 = std::max(s.y1, y);
    if (i + 1 < r.points) twice += x * r.xy[2 * i + 3] - r.xy[2 * i + 2] * y;
    const double d = std::max({-x, x - width, -y, y - height});
    if (d > s.worst) {
      s.worst = d;
      s.where = {x, y};
    }
  }
  const std::size_t last = 2 * (r.points - 1);
  twice += r.xy[last] * r.xy[1] - r.xy[0] * r.xy[last + 1];
  s.area = twice / 2;
  return s;
}

// Why a finite ring is degenerate (empty: it is not): fewer than 3 distinct points, or no area.
std::string ring_degeneracy(const Ring& r, const RingSummary& s) {
  // A clear area means at least 3 distinct, non-collinear points: the common case, decided without
  // sorting. (The bound is far above the rounding of the shoelace sum.)
  if (r.points >= 3) {
    const double scale = std::max({std::fabs(s.x0), std::fabs(s.x1), std::fabs(s.y0), std::fabs(s.y1), 1.0});
    if (std::fabs(s.area) > 1e-9 * scale * scale * static_cast<double>(r.points)) return {};
  }
  std::vector<std::pair<double, double>> pts;
  for (std::size_t i = 0; i < r.points; ++i) pts.emplace_back(r.xy[2 * i], r.xy[2 * i + 1]);
  std::sort(pts.begin(), pts.end());
  const auto distinct = static_cast<std::size_t>(std::unique(pts.begin(), pts.end()) - pts.begin());
  if (distinct < 3) {
    if (r.points == 2) {
      return "polygon of 4 numbers (2 points): not an area; pycocotools would read it as a box [x, y, w, h]";
    }
    return fmt::format("polygon with {} distinct point{} (at least 3 are needed)", distinct, distinct == 1 ? "" : "s");
  }
  // Zero area: every point on the line through the first two distinct ones. (A zero signed area
  // alone is not degenerate: a bow-tie's two halves cancel; GEOS reports it as self-crossing.)
  const auto& p0 = pts[0];
  const auto& p1 = pts[distinct - 1];
  bool collinear = true;
  for (std::size_t i = 0; i < distinct && collinear; ++i) {
    collinear = (p1.first - p0.first) * (pts[i].second - p0.second) == (p1.second - p0.second) * (pts[i].first - p0.first);
  }
  if (collinear) return "polygon of zero area (its points are collinear)";
  return {};
}

// The coverage check holds the image as bytes: larger images are reported, not checked.
constexpr std::size_t k_max_coverage_pixels = std::size_t{1} << 28;
// The overlap findings listed per annotation; the rest are counted in one more finding.
constexpr std::size_t k_max_overlaps_listed = 100;

class ImageChecker {
 public:
  ImageChecker(const AnnotatorObjects& a, const std::vector<ImageInfo>& images, const std::vector<std::string>& categories,
               const Options& options, const std::vector<std::pair<std::uint64_t, double>>& areas)
      : m_a(a), m_images(images), m_categories(categories), m_opt(options), m_areas(areas) {}

  // `no_pixels`: why the image's pixel checks (overlaps, duplicates of shapes, areas in pixels,
  // coverage) are skipped, or "".
  void check(std::uint32_t image, const std::string& no_pixels, std::vector<Finding>& out) {
    const auto& img = m_images[image];
    const std::size_t begin = m_a.image_begin(image), end = m_a.image_end(image);
    m_img = &img;
    m_begin = begin;
    m_masks.assign(end - begin, std::nullopt);
    m_indexed.assign(end - begin, std::nullopt);
    m_drawn.assign(end - begin, 0);
    if (m_columns.size() < end - begin) m_columns.resize(end - begin);
    m_runs_only.assign(end - begin, 0);
    m_pixels = no_pixels.empty();
    // Comparing pairs walks the columns both masks span: on top of drawing them, at most 2^17
    // per annotation on the image.
    std::uint64_t drawn = 0;
    for (std::size_t i = begin; i < end; ++i) drawn += metrics::raster_columns(m_a.objects[i], img.width);
    m_compare_budget = 2 * drawn + metrics::k_raster_work_per_object * (end - begin);
    std::vector<char>& sound = m_scratch.sound;  // finite geometry with an area: pairs are compared
    sound.assign(end - begin, 1);
    for (std::size_t i = begin; i < end; ++i) sound[i - begin] = check_object(i, img, out);
    check_pairs(image, begin, end, sound, out);
    check_keypoint_duplicates(begin, end, img, out);
    if (m_opt.require_coverage && m_pixels) check_coverage(image, begin, end, sound, out);
    if (!no_pixels.empty()) skipped_pixels(img, "pixel checks skipped on this image: " + no_pixels, out);
  }

 private:
  Finding& add(std::vector<Finding>& out, Severity s, Code c, const SpatialObject& o, const ImageInfo& img) {
    out.push_back({});
    Finding& f = out.back();
    f.severity = s;
    f.code = c;
    f.file = file_of(m_a, img);
    f.item = img.name;
    f.annotation = object_id(m_a, o);
    f.cls = m_categories[static_cast<std::size_t>(o.category)];
    if (img.frame >= 0) f.location.frame = img.frame;
    return f;
  }
  // Counts `columns` more walked comparing the image's pairs; past its budget, says so once and
  // returns false.
  bool charge(std::uint64_t columns, const ImageInfo& img, std::vector<Finding>& out) {
    m_walked += columns;
    if (m_walked <= m_compare_budget) return true;
    skipped_pixels(img, fmt::format("pixel checks stopped on this image: comparing its annotations walks more than the {} pixel columns its masks "
                                    "and annotations allow (docs/limits.md)",
                                    m_compare_budget),
                   out);
    return false;
  }
  // One finding saying which checks an image did not get, and why.
  void skipped_pixels(const ImageInfo& img, const std::string& why, std::vector<Finding>& out) {
    out.push_back({});
    Finding& f = out.back();
    f.code = Code::schema;
    f.file = file_of(m_a, img);
    f.item = img.name;
    if (img.frame >= 0) f.location.frame = img.frame;
    f.message = why + "; overlaps, duplicates of shapes, pixel areas and coverage are not checked there";
  }
  Ring ring(std::uint32_t r) const {
    const std::uint32_t b = m_a.ring_start[r], e = m_a.ring_start[r + 1];
    return {m_a.coords.data() + b, (e - b) / 2};
  }

  // Object i's pixels at its image's size, rasterised once per image (masks as stored).
  const geometry::Rle& mask(std::size_t i) {
    const auto& o = m_a.objects[i];
    if (o.shape == Shape::mask) return m_a.masks[o.geom];
    auto& m = m_masks[i - m_begin];
    if (!m) m = metrics::object_mask(m_a, o, m_img->height, m_img->width);
    return *m;
  }
  // Its runs indexed for intersections, once.
  const geometry::IndexedRle& indexed(std::size_t i) {
    auto& m = m_indexed[i - m_begin];
    if (!m) m = geometry::index_runs(mask(i));
    return *m;
  }
  // Its pixels as runs per column, drawn once; a stored mask is turned into them only when its
  // columns are no more than its runs allow (a mask of two far-apart pixels on a very wide image
  // stays in runs, compared run by run).
  const geometry::ColumnMask* columns(std::size_t i) {
    auto& m = m_columns[i - m_begin];
    if (!m_drawn[i - m_begin]) {
      if (m_runs_only[i - m_begin]) return nullptr;
      const auto& o = m_a.objects[i];
      if (o.shape == Shape::mask && !fits_columns(m_a.masks[o.geom])) {
        m_runs_only[i - m_begin] = 1;
        return nullptr;
      }
      metrics::object_columns(m_a, o, m_img->height, m_img->width, m);
      m_drawn[i - m_begin] = 1;
    }
    return &m;
  }
  static bool fits_columns(const geometry::Rle& r) {
    if (r.h == 0) return true;
    std::uint64_t pos = 0, first = 0, last = 0;
    bool any = false;
    for (std::size_t k = 0; k < r.counts.size(); ++k) {
      if (k % 2 == 1 && r.counts[k] > 0) {
        if (!any) first = pos;
        any = true;
        last = pos + r.counts[k] - 1;
      }
      pos += r.counts[k];
    }
    return !any || last / r.h - first / r.h <= r.counts.size() + 4096;
  }
  // Its pixel count, counted once.
  std::uint64_t mask_area(std::size_t i) {
    if (const auto* c = columns(i)) return c->area;
    return indexed(i).area;
  }
  // The pixels two objects share (nullopt: masks of different sizes).
  std::optional<geometry::Overlap> shared(std::size_t x, std::size_t y) {
    const auto* cx = columns(x);
    const auto* cy = columns(y);
    if (cx && cy) return geometry::intersection(*cx, *cy);
    return geometry::intersection(indexed(x), indexed(y));
  }

  // Per-object checks; whether the geometry is sound enough to compare with others.
  bool check_object(std::size_t index, const ImageInfo& img, std::vector<Finding>& out) {
    const SpatialObject& o = m_a.objects[index];
    if (m_opt.classes && !m_opt.classes->count(m_categories[static_cast<std::size_t>(o.category)])) {
      auto& f = add(out, Severity::error, Code::unknown_class, o, img);
      if (std::all_of(o.bbox.begin(), o.bbox.end(), [](double x) { return std::isfinite(x); })) f.location.bbox = o.bbox;
      f.message = fmt::format("class \"{}\" is not in the label schema", f.cls);
    }
    bool sound = true;
    double geometric_area = 0;  // polygons: the sum of their rings' areas
    // The point farthest outside [0, width] x [0, height], among box corners or polygon vertices.
    double worst = 0;
    std::array<double, 2> where{};
    std::optional<std::size_t> worst_keypoint;  // keypoint objects: which keypoint is `where`
    auto consider = [&](double x, double y) {
      const double d = std::max({-x, x - img.width, -y, y - img.height});
      if (d > worst) {
        worst = d;
        where = {x, y};
      }
    };
    if (o.shape == Shape::box) {
      const auto& b = o.bbox;
      if (!std::all_of(b.begin(), b.end(), [](double x) { return std::isfinite(x); })) {
        add(out, Severity::error, Code::degenerate, o, img).message = "box with a NaN or infinite coordinate";
        return false;
      }
      if (b[2] <= 0 || b[3] <= 0) {
        auto& f = add(out, Severity::error, Code::degenerate, o, img);
        f.location.bbox = b;
        f.message = fmt::format("box {} has a zero or negative width or height", box_text(b));
        return false;
      }
      consider(b[0], b[1]);
      consider(b[0] + b[2], b[1]);
      consider(b[0] + b[2], b[1] + b[3]);
      consider(b[0], b[1] + b[3]);
    } else if (o.shape == Shape::polygon) {
      const std::size_t count = o.geom_end - o.geom;
      if (count == 0) {
        add(out, Severity::error, Code::degenerate, o, img).message = "polygon without points";
        return false;
      }
      double x0 = HUGE_VAL, y0 = HUGE_VAL, x1 = -HUGE_VAL, y1 = -HUGE_VAL;
      for (std::uint32_t k = 1; k <= count; ++k) {
        const Ring r = ring(o.geom + k - 1);
        const RingSummary sum = summarize_ring(r, img.width, img.height);
        if (!sum.finite) {
          add(out, Severity::error, Code::degenerate, o, img).message = fmt::format("polygon {} has a NaN or infinite coordinate", k);
          return false;
        }
        x0 = std::min(x0, sum.x0);
        x1 = std::max(x1, sum.x1);
        y0 = std::min(y0, sum.y0);
        y1 = std::max(y1, sum.y1);
        geometric_area += std::fabs(sum.area);
        if (auto why = ring_degeneracy(r, sum); !why.empty()) {
          auto& f = add(out, Severity::error, Code::degenerate, o, img);
          if (r.points > 0) f.location.point = std::array<double, 2>{r.xy[0], r.xy[1]};
          f.message = count > 1 ? fmt::format("polygon {}: {}", k, why) : why;
          sound = false;
          continue;
        }
        if (auto bad = ring_validity(r.xy, r.points)) {
          auto& f = add(out, Severity::error, Code::self_intersection, o, img);
          f.location.point = bad->point;
          f.message = fmt::format("{}{} at [{}, {}]", count > 1 ? fmt::format("polygon {}: ", k) : std::string(), bad->reason,
                                  number(bad->point[0]), number(bad->point[1]));
        }
        if (sum.worst > worst) {
          worst = sum.worst;
          where = sum.where;
        }
      }
      check_bbox(o, img, {x0, y0, x1 - x0, y1 - y0}, out);
    } else if (o.shape == Shape::keypoints) {
      const KeypointView kp = keypoints_of(m_a, o);
      for (std::size_t k = 0; k < kp.count; ++k) {
        const double x = kp.values[3 * k], y = kp.values[3 * k + 1];
        if (!std::isfinite(x) || !std::isfinite(y)) {
          add(out, Severity::error, Code::degenerate, o, img).message = fmt::format("keypoint {} has a NaN or infinite coordinate", keypoint_name(o, k));
          return false;
        }
        const double before = worst;
        if (kp.values[3 * k + 2] > 0) consider(x, y);
        if (worst > before) worst_keypoint = k;
      }
      sound = false;  // people overlap: keypoint objects are not compared as regions
    } else if (o.shape == Shape::polyline) {
      const Ring r = ring(o.geom);
      double length = 0;
      for (std::size_t k = 0; k < r.points; ++k) {
        if (!std::isfinite(r.xy[2 * k]) || !std::isfinite(r.xy[2 * k + 1])) {
          add(out, Severity::error, Code::degenerate, o, img).message = "polyline with a NaN or infinite coordinate";
          return false;
        }
        consider(r.xy[2 * k], r.xy[2 * k + 1]);
        if (k) length += std::hypot(r.xy[2 * k] - r.xy[2 * k - 2], r.xy[2 * k + 1] - r.xy[2 * k - 1]);
      }
      if (r.points < 2 || length == 0) {
        auto& f = add(out, Severity::error, Code::degenerate, o, img);
        if (r.points) f.location.point = std::array<double, 2>{r.xy[0], r.xy[1]};
        f.message = r.points < 2 ? fmt::format("polyline with {} point(s): a line needs two", r.points) : "polyline of zero length (every point in one place)";
        return false;
      }
      sound = false;  // lines are not regions
    } else {
      const auto& m = m_a.masks[o.geom];
      bool foreground = false;  // any foreground run (the first usually is)
      for (std::size_t k = 1; k < m.counts.size() && !foreground; k += 2) foreground = m.counts[k] > 0;
      if (!foreground) {
        add(out, Severity::error, Code::degenerate, o, img).message = "empty mask (the RLE has no foreground pixel)";
        return false;
      }
      // A mask's extent is exactly its pixels' box (SpatialObject::extent): a whole pixel off is a
      // mismatch (pycocotools' toBbox gives the exact box).
      check_bbox(o, img, {o.extent[0], o.extent[1], o.extent[2] - o.extent[0], o.extent[3] - o.extent[1]}, out, std::min(m_opt.bbox_tolerance, 0.5));
    }
    // Rounding of tools that store percentages (Label Studio) puts edges a hair past the border.
    if (img.width && img.height && worst > 1e-6 * std::max(img.width, img.height)) {
      auto& f = add(out, worst > m_opt.tolerance ? Severity::error : Severity::warning, Code::out_of_image, o, img);
      f.location.point = where;
      f.message = fmt::format("{} [{}, {}] is {} px outside the {}x{} image", worst_keypoint ? "keypoint " + keypoint_name(o, *worst_keypoint) : "point",
                              number(where[0]), number(where[1]), number(worst), img.width, img.height);
    }
    if (!m_areas.empty() && sound) check_area(index, img, geometric_area, out);
    return sound;
  }

  // Two keypoint objects of one class whose OKS (COCO's person sigmas for 17 keypoints, else the
  // PCK share) reaches the duplicate threshold, either way round: the later is a duplicate.
  void check_keypoint_duplicates(std::size_t begin, std::size_t end, const ImageInfo& img, std::vector<Finding>& out) {
    std::vector<std::size_t> kps;
    for (std::size_t i = begin; i < end; ++i) {
      if (m_a.objects[i].shape == Shape::keypoints) kps.push_back(i);
    }
    if (kps.size() < 2 || kps.size() > 2000) return;
    std::vector<char> done(kps.size(), 0);
    for (std::size_t p = 0; p < kps.size(); ++p) {
      for (std::size_t q = p + 1; q < kps.size(); ++q) {
        if (done[q]) continue;
        const SpatialObject& x = m_a.objects[kps[p]];
        const SpatialObject& y = m_a.objects[kps[q]];
        if (x.category != y.category) continue;
        const std::size_t K = keypoints_of(m_a, x).count;
        const std::vector<double> none;
        const std::vector<double>& sigmas = K == 17 ? geometry::coco_person_sigmas() : none;
        const double s = std::max(metrics::keypoint_similarity(m_a, x, m_a, y, sigmas, 0.2), metrics::keypoint_similarity(m_a, y, m_a, x, sigmas, 0.2));
        if (s < m_opt.duplicate_iou) continue;
        auto& f = add(out, Severity::warning, Code::duplicate, y, img);
        f.other_annotation = object_id(m_a, x);
        f.location.bbox = y.bbox;
        f.message = fmt::format("keypoint objects {} and {} of class \"{}\" have {} {:.4f}", x.id, y.id, f.cls, sigmas.empty() ? "PCK share" : "OKS", s);
        done[q] = 1;
      }
    }
  }

  // A keypoint's name in its class's schema, else its 1-based position.
  std::string keypoint_name(const SpatialObject& o, std::size_t k) const {
    if (const auto* schemas = m_opt.keypoint_schemas) {
      const auto it = schemas->find(m_categories[static_cast<std::size_t>(o.category)]);
      if (it != schemas->end() && k < it->second.names.size()) return fmt::format("\"{}\"", it->second.names[k]);
    }
    return std::to_string(k + 1);
  }

  void check_bbox(const SpatialObject& o, const ImageInfo& img, const geometry::Box& geom, std::vector<Finding>& out, double tolerance = -1) {
    double worst = 0;
    for (int k = 0; k < 4; ++k) worst = std::max(worst, std::fabs(o.bbox[static_cast<std::size_t>(k)] - geom[static_cast<std::size_t>(k)]));
    if (!(worst > (tolerance >= 0 ? tolerance : m_opt.bbox_tolerance))) return;
    auto& f = add(out, Severity::warning, Code::bbox_mismatch, o, img);
    f.location.bbox = o.bbox;
    f.message = fmt::format("bbox {} but the segmentation's box is {}", box_text(o.bbox), box_text(geom));
  }

  // The file's "area" must be within tolerance of the shape's geometric area (boxes: w x h;
  // polygons: the sum of their rings' areas) or of its pixel count: tools compute it either way.
  void check_area(std::size_t index, const ImageInfo& img, double geometric_area, std::vector<Finding>& out) {
    const SpatialObject& o = m_a.objects[index];
    // Objects mostly come in file order: the area after the last one found is tried first.
    auto it = m_areas.begin() + static_cast<std::ptrdiff_t>(std::min(m_next_area, m_areas.size()));
    if (it == m_areas.end() || it->first != o.offset) it = std::lower_bound(m_areas.begin(), m_areas.end(), std::make_pair(o.offset, -HUGE_VAL));
    if (it == m_areas.end() || it->first != o.offset) return;
    m_next_area = static_cast<std::size_t>(it - m_areas.begin()) + 1;
    auto close = [&](double expected) {
      const double diff = std::fabs(it->second - expected);
      return diff <= 2.0 || diff <= m_opt.area_tolerance * expected;
    };
    double expected = 0;
    if (o.shape == Shape::box) {
      expected = o.bbox[2] * o.bbox[3];
    } else {
      if (o.shape == Shape::polygon && close(geometric_area)) return;
      if (!img.width || !img.height || !m_pixels) return;
      expected = static_cast<double>(mask_area(index));
    }
    if (close(expected)) return;
    auto& f = add(out, Severity::warning, Code::bbox_mismatch, o, img);
    f.location.bbox = o.bbox;
    f.message = fmt::format("area {} but the {} covers {} pixels", number(it->second), o.shape == Shape::box ? "box" : "segmentation", number(expected));
  }

  void check_pairs(std::uint32_t image, std::size_t begin, std::size_t end, const std::vector<char>& sound, std::vector<Finding>& out) {
    const auto& img = m_images[image];
    bool sized = img.width && img.height && m_pixels;
    m_walked = 0;
    std::vector<std::size_t>& order = m_scratch.order;
    order.clear();
    for (std::size_t i = begin; i < end; ++i) {
      if (sound[i - begin]) order.push_back(i);
    }
    if (order.size() < 2) return;
    std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
      const double ex = m_a.objects[x].extent[0], ey = m_a.objects[y].extent[0];
      return ex != ey ? ex < ey : x < y;  // ties in file order: a copy is reported against the first
    });
    auto segmented = [](const SpatialObject& o) { return o.shape != Shape::box; };
    // An annotation found to duplicate another is reported once, against the first it duplicates,
    // and is not compared again: n copies of one shape give n - 1 findings, not n^2 / 2. An
    // annotation's overlaps are listed up to k_max_overlaps_listed, then counted in one finding.
    std::vector<char>& duplicate = m_scratch.duplicate;
    std::vector<std::size_t>& overlaps = m_scratch.overlaps;
    std::vector<char>& unlisted_forbidden = m_scratch.unlisted_forbidden;
    std::vector<std::size_t>& position = m_scratch.position;
    duplicate.assign(order.size(), 0);
    overlaps.assign(order.size(), 0);
    unlisted_forbidden.assign(order.size(), 0);
    position.assign(end - begin, 0);
    for (std::size_t k = 0; k < order.size(); ++k) position[order[k] - begin] = k;
    for (std::size_t p = 0; p < order.size(); ++p) {
      if (duplicate[p]) continue;
      const auto& a = m_a.objects[order[p]];
      for (std::size_t q = p + 1; q < order.size(); ++q) {
        const auto& b = m_a.objects[order[q]];
        if (b.extent[0] >= a.extent[2]) break;
        if (duplicate[q]) continue;
        if (b.extent[1] >= a.extent[3] || a.extent[1] >= b.extent[3]) continue;
        if (a.crowd || b.crowd) continue;
        const auto& x = a.id <= b.id ? a : b;
        const auto& y = a.id <= b.id ? b : a;
        const std::size_t xi = a.id <= b.id ? order[p] : order[q], yi = a.id <= b.id ? order[q] : order[p];
        // Segmented pairs are compared in pixels (at the image's size), boxes as boxes; pixels
        // are needed for a duplicate (same class) or an overlap (both segmented).
        const bool same = a.category == b.category, both = segmented(a) && segmented(b);
        geometry::Overlap inter;
        double iou = 0;
        if (sized && (both || (same && (segmented(a) || segmented(b))))) {
          if (!charge(metrics::shared_columns(a, b, img.width), img, out)) {
            sized = false;
            continue;
          }
          // Masks of another size than their image's have no pixels in common with it.
          if (auto o = shared(xi, yi)) inter = *o;
          if (inter.area > 0) iou = static_cast<double>(inter.area) / static_cast<double>(mask_area(xi) + mask_area(yi) - inter.area);
        } else if (!segmented(a) && !segmented(b)) {
          iou = geometry::box_iou(a.bbox, b.bbox, false);
        }
        if (same && iou >= m_opt.duplicate_iou) {
          auto& f = add(out, Severity::warning, Code::duplicate, x, img);
          f.other_annotation = object_id(m_a, y);
          f.location.bbox = x.bbox;
          f.message = fmt::format("annotations {} and {} of class \"{}\" have IoU {:.4f}", x.id, y.id, f.cls, iou);
          duplicate[position[yi - begin]] = 1;
          if (yi == order[p]) break;  // a is the later copy: it is done
          continue;
        }
        if (!sized || !both || inter.area == 0) continue;
        const auto area = inter.area;
        const auto& cx = m_categories[static_cast<std::size_t>(x.category)];
        const auto& cy = m_categories[static_cast<std::size_t>(y.category)];
        const bool all = m_opt.no_overlap.count("*") > 0;
        const bool forbidden = all || (m_opt.no_overlap.count(cx) && m_opt.no_overlap.count(cy));
        if (++overlaps[position[xi - begin]] > k_max_overlaps_listed) {
          if (forbidden) unlisted_forbidden[position[xi - begin]] = 1;
          continue;
        }
        auto& f = add(out, forbidden ? Severity::error : Severity::warning, Code::overlap, x, img);
        f.other_annotation = object_id(m_a, y);
        f.location.bbox = inter.bbox;
        // (Compiled: there is one of these for most overlapping pairs.)
        f.message = fmt::format(FMT_COMPILE("annotations {} (\"{}\") and {} (\"{}\") share {} pixels (IoU {:.4f})"), x.id, cx, y.id, cy, area, iou);
      }
    }
    for (std::size_t k = 0; k < order.size(); ++k) {
      if (overlaps[k] <= k_max_overlaps_listed) continue;
      const auto& x = m_a.objects[order[k]];
      auto& f = add(out, unlisted_forbidden[k] ? Severity::error : Severity::warning, Code::overlap, x, img);
      f.location.bbox = x.bbox;
      f.message = fmt::format("annotation {} overlaps {} more annotations than the {} listed", x.id, overlaps[k] - k_max_overlaps_listed, k_max_overlaps_listed);
    }
  }

  void check_coverage(std::uint32_t image, std::size_t begin, std::size_t end, const std::vector<char>& sound, std::vector<Finding>& out) {
    const auto& img = m_images[image];
    if (!img.width || !img.height || !m_a.has_image[image]) return;
    const std::size_t n = static_cast<std::size_t>(img.width) * img.height;
    if (n > k_max_coverage_pixels) {
      out.push_back({});
      Finding& f = out.back();
      f.code = Code::schema;
      f.file = m_a.file;
      f.item = img.name;
      f.message = fmt::format("image of {}x{} pixels is too large for the coverage check (at most 2^28 pixels)", img.width, img.height);
      return;
    }
    std::vector<std::uint8_t> uncovered(n, 1);  // row-major
    for (std::size_t i = begin; i < end; ++i) {
      if (!sound[i - begin]) continue;
      const auto& o = m_a.objects[i];
      const auto col = geometry::decode(metrics::object_mask(m_a, o, img.height, img.width));  // column-major
      for (std::uint32_t x = 0; x < img.width; ++x) {
        for (std::uint32_t y = 0; y < img.height; ++y) {
          if (col[static_cast<std::size_t>(x) * img.height + y]) uncovered[static_cast<std::size_t>(y) * img.width + x] = 0;
        }
      }
    }
    for (const auto& c : connected_components(uncovered.data(), img.width, img.height)) {
      if (c.pixels < m_opt.min_region) continue;
      out.push_back({});
      Finding& f = out.back();
      f.severity = Severity::error;
      f.code = Code::unlabeled_region;
      f.file = m_a.file;
      f.item = img.name;
      if (img.frame >= 0) f.location.frame = img.frame;
      f.location.bbox = std::array<double, 4>{double(c.bbox[0]), double(c.bbox[1]), double(c.bbox[2]), double(c.bbox[3])};
      f.message = fmt::format("{} pixels no annotation covers", c.pixels);
    }
  }

  const AnnotatorObjects& m_a;
  const std::vector<ImageInfo>& m_images;
  const std::vector<std::string>& m_categories;
  const Options& m_opt;
  const std::vector<std::pair<std::uint64_t, double>>& m_areas;
  std::size_t m_next_area = 0;  // where check_area looks first
  const ImageInfo* m_img = nullptr;
  std::size_t m_begin = 0;
  bool m_pixels = true;               // the image's pixel checks run
  std::uint64_t m_compare_budget = 0;  // columns its pair comparisons may walk
  std::uint64_t m_walked = 0;          // and have walked
  // What checking one image needs per object, kept from image to image and from one checker to
  // the next on the thread, so that checking an image allocates nothing once the thread has seen
  // a larger one.
  struct Scratch {
    std::vector<std::optional<geometry::Rle>> masks;
    std::vector<std::optional<geometry::IndexedRle>> indexed;
    std::vector<geometry::ColumnMask> columns;
    std::vector<char> drawn, runs_only, sound;
    std::vector<std::size_t> order, position, overlaps;  // check_pairs
    std::vector<char> duplicate, unlisted_forbidden;     // check_pairs
  };
  static Scratch& scratch() {
    thread_local Scratch s;
    return s;
  }
  Scratch& m_scratch = scratch();
  std::vector<std::optional<geometry::Rle>>& m_masks = m_scratch.masks;  // per object of the image being checked
  std::vector<std::optional<geometry::IndexedRle>>& m_indexed = m_scratch.indexed;  // their runs, indexed
  std::vector<geometry::ColumnMask>& m_columns = m_scratch.columns;  // their runs per column, where m_drawn says so
  std::vector<char>& m_drawn = m_scratch.drawn;
  std::vector<char>& m_runs_only = m_scratch.runs_only;  // stored masks kept in runs (see columns())
};

void check_tracks(const AnnotatorObjects& a, const std::vector<ImageInfo>& images, const std::vector<std::string>& categories,
                  const Options& opt, std::vector<Finding>& out) {
  struct Entry {
    std::int32_t track;
    std::int64_t frame;
    std::size_t object;
  };
  std::vector<Entry> entries;
  for (std::size_t i = 0; i < a.objects.size(); ++i) {
    const auto& o = a.objects[i];
    if (o.track >= 0 && images[o.image].frame >= 0) entries.push_back({o.track, images[o.image].frame, i});
  }
  if (entries.empty()) return;
  std::vector<std::int64_t> frames;
  for (std::size_t i = 0; i < images.size(); ++i) {
    if (images[i].frame >= 0 && i < a.has_image.size() && a.has_image[i]) frames.push_back(images[i].frame);
  }
  std::sort(frames.begin(), frames.end());
  frames.erase(std::unique(frames.begin(), frames.end()), frames.end());
  std::sort(entries.begin(), entries.end(), [](const Entry& x, const Entry& y) {
    return x.track != y.track ? x.track < y.track : x.frame != y.frame ? x.frame < y.frame : x.object < y.object;
  });
  auto track_name = [&](std::int32_t t) {
    const auto i = static_cast<std::size_t>(t);
    return fmt::format("track {}", i < a.track_names.size() ? a.track_names[i] : std::to_string(t));
  };
  for (std::size_t k = 1; k < entries.size(); ++k) {
    const auto& p = entries[k - 1];
    const auto& e = entries[k];
    if (p.track != e.track || p.frame == e.frame) continue;
    const auto lo = std::upper_bound(frames.begin(), frames.end(), p.frame);
    const auto hi = std::lower_bound(frames.begin(), frames.end(), e.frame);
    const auto& o = a.objects[e.object];
    const auto& prev = a.objects[p.object];
    Finding f;
    f.file = a.file;
    f.item = images[o.image].name;
    f.annotation = track_name(e.track);
    f.cls = categories[static_cast<std::size_t>(o.category)];
    f.severity = Severity::warning;
    if (hi > lo) {
      f.code = Code::track_gap;
      f.location.frame = *lo;
      f.message = fmt::format("frames {} to {} missing inside the track ({} frame{}, between frames {} and {})", *lo, *(hi - 1), hi - lo,
                              hi - lo == 1 ? "" : "s", p.frame, e.frame);
      out.push_back(std::move(f));
      continue;
    }
    const double iou = geometry::box_iou(prev.bbox, o.bbox, false);
    if (iou >= opt.min_track_iou) continue;
    f.code = Code::track_jump;
    f.location.frame = e.frame;
    f.location.bbox = o.bbox;
    f.message = fmt::format("box IoU {:.4f} between frames {} and {} (below {}): box {} after {}", iou, p.frame, e.frame, number(opt.min_track_iou),
                            box_text(o.bbox), box_text(prev.bbox));
    out.push_back(std::move(f));
  }
}

// The sign of the orientation of (a, b, c) when floating point decides it for certain, else 0:
// Shewchuk's first error bound for orient2d ("Adaptive precision floating-point arithmetic and
// fast robust geometric predicates", 1997).
int certain_orientation(const double* a, const double* b, const double* c) {
  const double left = (a[0] - c[0]) * (b[1] - c[1]);
  const double right = (a[1] - c[1]) * (b[0] - c[0]);
  const double det = left - right;
  constexpr double k_bound = (3.0 + 16.0 * 0x1p-53) * 0x1p-53;
  const double err = k_bound * (std::fabs(left) + std::fabs(right));
  if (det > err) return 1;
  if (-det > err) return -1;
  return 0;
}

// Most annotated shapes are star-shaped around their vertex centroid: when every edge turns
// strictly the same way around that point and winds around it exactly once, the edges lie in
// disjoint angular sectors, so the ring is simple. (False when that is not certain, for instance
// at a repeated or non-finite vertex, whose edge does not turn.) `at(i)` is vertex i, i < n + 1,
// with vertex n the first again.
template <class At>
bool star_around_centroid(std::size_t n, At at) {
  double cx = 0, cy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    cx += at(i)[0];
    cy += at(i)[1];
  }
  const double c[2] = {cx / static_cast<double>(n), cy / static_cast<double>(n)};
  int side = 0, winding = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double *a = at(i), *b = at(i + 1);
    const int o = certain_orientation(a, b, c);
    if (o == 0 || (side != 0 && o != side)) return false;
    side = o;
    // The winding number around c (Sunday's crossing rule on the line y = c.y).
    if (a[1] <= c[1] && b[1] > c[1] && o > 0) ++winding;
    else if (a[1] > c[1] && b[1] <= c[1] && o < 0) --winding;
  }
  return winding == 1 || winding == -1;
}

}  // namespace

bool ring_surely_simple(const double* xy, std::size_t points) {
  // The vertices as given first (no copy): a star-shaped ring without repeated vertices passes.
  if (points >= 3 && star_around_centroid(points, [&](std::size_t i) { return xy + 2 * (i < points ? i : 0); })) return true;
  // The ring's distinct consecutive vertices (GEOS accepts repeated ones), closed implicitly.
  struct P {
    double x, y;
  };
  thread_local std::vector<P> v;
  v.clear();
  for (std::size_t i = 0; i < points; ++i) {
    const P p{xy[2 * i], xy[2 * i + 1]};
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) return false;
    if (!v.empty() && p.x == v.back().x && p.y == v.back().y) continue;
    v.push_back(p);
  }
  while (v.size() > 1 && v.back().x == v[0].x && v.back().y == v[0].y) v.pop_back();
  const std::size_t n = v.size();  // edge i: v[i] -> v[i + 1] (v[0] for the last)
  if (n < 3 || n > UINT32_MAX / 2) return false;
  v.push_back(v[0]);
  v.push_back(v[1]);
  // Star-shaped without its repeated vertices; otherwise the general test below decides.
  if (star_around_centroid(n, [&](std::size_t i) { return &v[i].x; })) return true;
  // Consecutive edges may meet only at their shared vertex: a turn or a straight continuation.
  for (std::size_t i = 0; i < n; ++i) {
    const double *a = &v[i].x, *b = &v[i + 1].x, *c = &v[i + 2].x;
    if (certain_orientation(a, b, c) != 0) continue;
    // Collinear (or undecided): fine only when b lies strictly between a and c on one axis-parallel line.
    const bool vertical = a[0] == b[0] && b[0] == c[0], horizontal = a[1] == b[1] && b[1] == c[1];
    const int k = vertical ? 1 : horizontal ? 0 : -1;
    if (k < 0 || !((a[k] < b[k] && b[k] < c[k]) || (a[k] > b[k] && b[k] > c[k]))) return false;
  }
  if (n == 3) return true;
  // Edges that are not consecutive must not share any point. Their boxes are compared first, all
  // pairs at once for small rings, along a sweep over x for large ones.
  thread_local std::vector<double> box;  // x0, x1, y0, y1 per edge, in four runs of n
  box.resize(4 * n);
  double* x0 = box.data();
  double* x1 = x0 + n;
  double* y0 = x1 + n;
  double* y1 = y0 + n;
  for (std::size_t i = 0; i < n; ++i) {
    const P &a = v[i], &b = v[i + 1];
    x0[i] = std::min(a.x, b.x);
    x1[i] = std::max(a.x, b.x);
    y0[i] = std::min(a.y, b.y);
    y1[i] = std::max(a.y, b.y);
  }
  auto disjoint = [&](std::size_t e, std::size_t f) {
    const double *a = &v[e].x, *b = &v[e + 1].x, *c = &v[f].x, *d = &v[f + 1].x;
    const int o1 = certain_orientation(a, b, c), o2 = certain_orientation(a, b, d);
    if (o1 != 0 && o1 == o2) return true;
    const int o3 = certain_orientation(c, d, a), o4 = certain_orientation(c, d, b);
    return o3 != 0 && o3 == o4;
  };
  if (n <= 64) {
    for (std::size_t e = 0; e + 2 < n; ++e) {
      const double ex0 = x0[e], ex1 = x1[e], ey0 = y0[e], ey1 = y1[e];
      const std::size_t last = e == 0 ? n - 1 : n;  // edge 0 and edge n - 1 are consecutive
      for (std::size_t f = e + 2; f < last; ++f) {
        if (x0[f] > ex1 || x1[f] < ex0 || y0[f] > ey1 || y1[f] < ey0) continue;
        if (!disjoint(e, f)) return false;  // they cross or touch, or floating point cannot tell
      }
    }
    return true;
  }
  thread_local std::vector<std::uint32_t> order;
  order.resize(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<std::uint32_t>(i);
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return x0[a] < x0[b]; });
  for (std::size_t p = 0; p < n; ++p) {
    const std::size_t e = order[p];
    for (std::size_t q = p + 1; q < n && x0[order[q]] <= x1[e]; ++q) {
      const std::size_t f = order[q];
      if (y1[f] < y0[e] || y0[f] > y1[e]) continue;
      const std::size_t lo = std::min(e, f), hi = std::max(e, f);
      if (hi == lo + 1 || (lo == 0 && hi == n - 1)) continue;  // consecutive: checked above
      if (!disjoint(e, f)) return false;
    }
  }
  return true;
}

std::string geos_version() { return GEOSversion(); }

std::optional<RingDefect> ring_validity(const double* xy, std::size_t points) {
  if (points < 3) return std::nullopt;
  if (ring_surely_simple(xy, points)) return std::nullopt;
  GEOSContextHandle_t h = geos();
  const bool closed = xy[0] == xy[2 * points - 2] && xy[1] == xy[2 * points - 1];
  const std::size_t n = points + (closed ? 0 : 1);
  if (n < 4) return std::nullopt;
  GEOSCoordSequence* seq = GEOSCoordSeq_create_r(h, static_cast<unsigned>(n), 2);
  if (!seq) return std::nullopt;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t j = i % points;
    GEOSCoordSeq_setXY_r(h, seq, static_cast<unsigned>(i), xy[2 * j], xy[2 * j + 1]);
  }
  GEOSGeometry* ring = GEOSGeom_createLinearRing_r(h, seq);
  if (!ring) return std::nullopt;
  GEOSGeometry* poly = GEOSGeom_createPolygon_r(h, ring, nullptr, 0);
  if (!poly) return std::nullopt;
  char* reason = nullptr;
  GEOSGeometry* location = nullptr;
  const char valid = GEOSisValidDetail_r(h, poly, 0, &reason, &location);
  std::optional<RingDefect> out;
  if (valid == 0) {
    RingDefect d;
    if (reason) d.reason = reason;
    if (location) {
      GEOSGeomGetX_r(h, location, &d.point[0]);
      GEOSGeomGetY_r(h, location, &d.point[1]);
    }
    out = std::move(d);
  }
  if (reason) GEOSFree_r(h, reason);
  if (location) GEOSGeom_destroy_r(h, location);
  GEOSGeom_destroy_r(h, poly);
  return out;
}

ObjectChecks::ObjectChecks(const AnnotatorObjects& a, const std::vector<ImageInfo>& images, const std::vector<std::string>& categories,
                           const Options& options, const std::vector<std::pair<std::uint64_t, double>>& areas)
    : m_a(a), m_images(images), m_categories(categories), m_options(options), m_areas(areas), m_order(images.size()) {
  for (std::uint32_t i = 0; i < m_order.size(); ++i) m_order[i] = i;
  auto by_name = [&](std::uint32_t x, std::uint32_t y) { return images[x].name < images[y].name; };
  if (!std::is_sorted(m_order.begin(), m_order.end(), by_name)) std::stable_sort(m_order.begin(), m_order.end(), by_name);
  // What rasterising costs, added up in name order before any pixel is drawn: the segmented
  // objects' columns, and boxes' where the image has segmented objects (a box is rasterised to be
  // compared with one).
  m_no_pixels.assign(images.size(), std::string());
  const std::uint64_t limit = metrics::raster_work_limit(a.objects.size());
  std::uint64_t work = 0;
  for (const std::uint32_t i : m_order) {
    if (i + 1 >= a.image_offsets.size() || !images[i].width || !images[i].height) continue;
    std::uint64_t columns = 0, boxes = 0;
    bool segmented = false;
    for (std::size_t k = a.image_begin(i); k < a.image_end(i); ++k) {
      const auto& o = a.objects[k];
      (o.shape == Shape::box ? boxes : columns) += metrics::raster_columns(o, images[i].width);
      segmented = segmented || o.shape != Shape::box;
    }
    if (segmented) columns += boxes;
    work += columns;
    if (columns > metrics::k_max_raster_columns_per_image) {
      m_no_pixels[i] = fmt::format("its annotations span {} pixel columns of masks, more than the {} one image may hold at once (docs/limits.md)",
                                   columns, metrics::k_max_raster_columns_per_image);
    } else if (work > limit) {
      m_no_pixels[i] = fmt::format("the delivery's annotations up to this image span {} pixel columns of masks, more than the {} its {} annotations "
                                   "allow (2^27 plus 2^17 per annotation, docs/limits.md)",
                                   work, limit, a.objects.size());
    }
  }
  for (std::size_t k = 1; k <= m_order.size(); ++k) {
    if (k == m_order.size() || images[m_order[k - 1]].name != images[m_order[k]].name) m_group_start.push_back(k);
  }
}

std::vector<Finding> ObjectChecks::check(std::size_t g) const {
  std::vector<Finding> out;
  std::size_t objects = 0;
  for (std::size_t k = m_group_start[g]; k < m_group_start[g + 1]; ++k) objects += m_a.image_end(m_order[k]) - m_a.image_begin(m_order[k]);
  out.reserve(std::min<std::size_t>(objects, 4096));  // findings seldom outnumber the objects: the list grows about once
  ImageChecker checker(m_a, m_images, m_categories, m_options, m_areas);
  for (std::size_t k = m_group_start[g]; k < m_group_start[g + 1]; ++k) {
    const std::uint32_t i = m_order[k];
    if (m_a.image_begin(i) < m_a.image_end(i) || m_options.require_coverage) checker.check(i, m_no_pixels[i], out);
  }
  sort_findings(out);
  return out;
}

std::vector<Finding> ObjectChecks::tracks() const {
  std::vector<Finding> out;
  check_tracks(m_a, m_images, m_categories, m_options, out);
  sort_findings(out);
  return out;
}

std::vector<Finding> check_objects(const AnnotatorObjects& a, const std::vector<ImageInfo>& images, const std::vector<std::string>& categories,
                                   const Options& options, const std::vector<std::pair<std::uint64_t, double>>& areas) {
  // Each group's findings are sorted where they are found, then joined in group order: only the
  // tracks' findings can be out of order after that.
  const ObjectChecks checks(a, images, categories, options, areas);
  std::vector<std::vector<Finding>> per_group(checks.groups());
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, per_group.size(), 16), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t g = r.begin(); g < r.end(); ++g) per_group[g] = checks.check(g);
  });
  std::vector<std::size_t> at(per_group.size() + 1, 0);  // where each group's findings go
  for (std::size_t g = 0; g < per_group.size(); ++g) at[g + 1] = at[g] + per_group[g].size();
  std::vector<Finding> out(at.back());
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, per_group.size(), 64), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t g = r.begin(); g < r.end(); ++g) {
      std::move(per_group[g].begin(), per_group[g].end(), out.begin() + static_cast<std::ptrdiff_t>(at[g]));
      std::vector<Finding>().swap(per_group[g]);
    }
  });
  auto tracks = checks.tracks();
  if (!tracks.empty()) {
    for (auto& f : tracks) out.push_back(std::move(f));
    sort_findings(out);
  }
  return out;
}

}  // namespace labelqa::validate
