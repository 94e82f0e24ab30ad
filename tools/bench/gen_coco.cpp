// Generates a COCO delivery from two annotators for the spatial benchmark: IMAGES images of
// 1024x768 with 20 to 32 objects each, or OBJECTS on average (from half to one and a half times
// as many): 80% polygons of 16-48 vertices, 20% RLE masks (half with compressed and half with
// uncompressed counts); 2% of all objects are crowd masks. The second annotator's objects are the
// first's with jittered vertices, masks shifted by a pixel, 5% missed, 3% extra and 4% relabelled.
// Each annotation's "area" is its pixel count, as COCO's own files give it (pycocotools' area of
// the merged rings, from the coordinates as written).
//
// Usage: labelqa_bench_gen_coco OUT_DIR [IMAGES] [SEED] [OBJECTS]  -> OUT_DIR/ann1.json, OUT_DIR/ann2.json
#include "labelqa/geometry/rle.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fmt/format.h>
#include <random>
#include <string>
#include <vector>

namespace {

constexpr int W = 1024, H = 768, CLASSES = 20;

struct Obj {
  int id, image, category;
  bool crowd = false;
  bool is_rle = false, compressed = false;
  std::vector<std::vector<double>> rings;
  labelqa::geometry::Rle rle;
};

// An ellipse as column-major runs, built column by column (no dense mask).
labelqa::geometry::Rle ellipse(double cx, double cy, double rx, double ry) {
  labelqa::geometry::Rle r{H, W, {}};
  std::uint64_t pos = 0;  // end of the last foreground run
  for (int x = std::max(0, static_cast<int>(cx - rx)); x < std::min(W, static_cast<int>(cx + rx) + 1); ++x) {
    const double dx = (x - cx) / rx;
    if (std::fabs(dx) > 1) continue;
    const double half = ry * std::sqrt(1 - dx * dx);
    const int y0 = std::max(0, static_cast<int>(cy - half)), y1 = std::min(H, static_cast<int>(cy + half) + 1);
    if (y1 <= y0) continue;
    const std::uint64_t start = static_cast<std::uint64_t>(x) * H + static_cast<std::uint64_t>(y0);
    if (!r.counts.empty() && start == pos) {
      r.counts.back() += static_cast<std::uint32_t>(y1 - y0);
    } else {
      r.counts.push_back(static_cast<std::uint32_t>(start - pos));
      r.counts.push_back(static_cast<std::uint32_t>(y1 - y0));
    }
    pos = static_cast<std::uint64_t>(x) * H + static_cast<std::uint64_t>(y1);
  }
  r.counts.push_back(static_cast<std::uint32_t>(static_cast<std::uint64_t>(H) * W - pos));
  return r;
}

void write(const std::string& path, const std::vector<Obj>& objs, int images) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot write " + path);
  std::string buf;
  auto flush = [&] {
    std::fwrite(buf.data(), 1, buf.size(), f);
    buf.clear();
  };
  buf += "{\"info\": {\"description\": \"labelqa benchmark\"}, \"images\": [\n";
  for (int i = 0; i < images; ++i) {
    fmt::format_to(std::back_inserter(buf), "{}{{\"id\": {}, \"file_name\": \"{:06d}.jpg\", \"width\": {}, \"height\": {}}}\n",
                   i ? "," : "", i + 1, i, W, H);
  }
  buf += "], \"categories\": [";
  for (int c = 0; c < CLASSES; ++c) fmt::format_to(std::back_inserter(buf), "{}{{\"id\": {}, \"name\": \"class{:02d}\"}}", c ? "," : "", c + 1, c);
  buf += "], \"annotations\": [\n";
  bool first = true;
  for (const auto& o : objs) {
    fmt::format_to(std::back_inserter(buf), "{}{{\"id\": {}, \"image_id\": {}, \"category_id\": {}, \"iscrowd\": {}, \"segmentation\": ",
                   first ? "" : ",", o.id, o.image + 1, o.category + 1, o.crowd ? 1 : 0);
    first = false;
    double x0 = W, y0 = H, x1 = 0, y1 = 0;
    double area = 0;
    if (o.is_rle) {
      area = static_cast<double>(labelqa::geometry::area(o.rle));
      fmt::format_to(std::back_inserter(buf), "{{\"size\": [{}, {}], \"counts\": ", H, W);
      if (o.compressed) {
        buf += '"';
        for (char ch : labelqa::geometry::to_string(o.rle)) {
          if (ch == '\\') buf += '\\';  // JSON escape; the codec's alphabet includes the backslash
          buf += ch;
        }
        buf += '"';
      } else {
        buf += '[';
        for (std::size_t k = 0; k < o.rle.counts.size(); ++k) fmt::format_to(std::back_inserter(buf), "{}{}", k ? "," : "", o.rle.counts[k]);
        buf += ']';
      }
      buf += '}';
      const auto b = labelqa::geometry::bbox(o.rle);
      x0 = b[0], y0 = b[1], x1 = b[0] + b[2], y1 = b[1] + b[3];
    } else {
      buf += '[';
      std::vector<labelqa::geometry::Rle> masks;
      for (std::size_t r = 0; r < o.rings.size(); ++r) {
        buf += r ? ",[" : "[";
        std::vector<double> written;  // the coordinates as the file gives them
        for (std::size_t k = 0; k < o.rings[r].size(); ++k) {
          const std::string text = fmt::format("{:.2f}", o.rings[r][k]);
          const double v = std::strtod(text.c_str(), nullptr);
          written.push_back(v);
          fmt::format_to(std::back_inserter(buf), "{}{}", k ? "," : "", text);
          if (k % 2 == 0) x0 = std::min(x0, v), x1 = std::max(x1, v);
          else y0 = std::min(y0, v), y1 = std::max(y1, v);
        }
        buf += ']';
        masks.push_back(labelqa::geometry::rasterize_polygon(written.data(), written.size() / 2, H, W));
      }
      buf += ']';
      std::vector<const labelqa::geometry::Rle*> parts;
      for (const auto& m : masks) parts.push_back(&m);
      area = static_cast<double>(labelqa::geometry::area(*labelqa::geometry::merge(parts, false)));
    }
    fmt::format_to(std::back_inserter(buf), ", \"bbox\": [{:.2f}, {:.2f}, {:.2f}, {:.2f}], \"area\": {:.1f}}}\n", x0, y0, x1 - x0,
                   y1 - y0, area);
    if (buf.size() > (1 << 22)) flush();
  }
  buf += "]}\n";
  flush();
  std::fclose(f);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR [IMAGES] [SEED] [OBJECTS]\n", argv[0]);
    return 2;
  }
  const std::string out = argv[1];
  const int images = argc > 2 ? std::atoi(argv[2]) : 20000;
  std::mt19937_64 rng(argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 7);
  const double objects = argc > 4 ? std::atof(argv[4]) : 0;  // mean objects per image; 0: 20 to 32
  auto uni = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
  auto chance = [&](double p) { return uni(0, 1) < p; };
  std::vector<Obj> a, b;
  int next_a = 1, next_b = 1;
  auto make_polygon = [&](double cx, double cy, double r) {
    std::vector<double> ring;
    const int k = static_cast<int>(uni(16, 49));
    for (int v = 0; v < k; ++v) {
      const double t = 2 * M_PI * (v + uni(0, 0.5)) / k, rr = r * uni(0.7, 1.0);
      ring.push_back(std::clamp(cx + rr * std::cos(t), 0.0, W - 1.0));
      ring.push_back(std::clamp(cy + rr * std::sin(t), 0.0, H - 1.0));
    }
    return ring;
  };
  for (int img = 0; img < images; ++img) {
    const int n = static_cast<int>(objects > 0 ? uni(std::max(1.0, 0.5 * objects), 1.5 * objects + 1) : uni(20, 33));
    for (int k = 0; k < n; ++k) {
      Obj o;
      o.id = next_a++;
      o.image = img;
      o.category = static_cast<int>(uni(0, CLASSES));
      const double cx = uni(40, W - 40), cy = uni(40, H - 40), r = uni(10, 90);
      if (chance(0.2)) {
        o.is_rle = true;
        o.compressed = chance(0.5);
        o.crowd = chance(0.1);
        o.rle = ellipse(cx, cy, r, r * 0.8);
      } else {
        o.rings.push_back(make_polygon(cx, cy, r));
        if (chance(0.1)) o.rings.push_back(make_polygon(cx + r, cy, r / 3));
      }
      if (!chance(0.05)) {  // the second annotator saw it
        Obj p = o;
        p.id = next_b++;
        if (chance(0.04)) p.category = (p.category + 1) % CLASSES;
        if (p.is_rle) {
          p.rle = ellipse(cx + 1, cy, r, r * 0.8);
        } else {
          for (auto& ring : p.rings) {
            for (auto& v : ring) v = std::max(0.0, v + uni(-2, 2));
          }
        }
        b.push_back(std::move(p));
      }
      a.push_back(std::move(o));
    }
    const int extra = chance(0.5) ? 1 : 0;
    for (int k = 0; k < extra; ++k) {
      Obj p;
      p.id = next_b++;
      p.image = img;
      p.category = static_cast<int>(uni(0, CLASSES));
      p.rings.push_back(make_polygon(uni(40, W - 40), uni(40, H - 40), uni(10, 60)));
      b.push_back(std::move(p));
    }
  }
  write(out + "/ann1.json", a, images);
  write(out + "/ann2.json", b, images);
  std::printf("%zu and %zu objects on %d images\n", a.size(), b.size(), images);
  return 0;
}
