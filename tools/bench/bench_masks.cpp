// Mask benchmark helper.
//   labelqa_bench_masks gen OUT_DIR PAIRS [SEED]  writes OUT_DIR/ann1 and OUT_DIR/ann2, PAIRS 8-bit
//       1024x768 class masks each (about 12 shapes of 20 classes on background 0, a border of the
//       ignore value 255); ann2's shapes are ann1's moved by a few pixels, 5% of them relabelled.
//   labelqa_bench_masks decode DIR...             decodes every PNG with libspng on all cores and
//       does nothing else: the floor any mask comparison has to pay.
#include "labelqa/io/mask_reader.hpp"

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <random>
#include <spng.h>
#include <string>
#include <tbb/parallel_for.h>
#include <vector>

namespace {

constexpr int W = 1024, H = 768;

void write_png(const std::string& path, const std::vector<std::uint8_t>& px) {
  spng_ctx* ctx = spng_ctx_new(SPNG_CTX_ENCODER);
  spng_set_option(ctx, SPNG_ENCODE_TO_BUFFER, 1);
  spng_ihdr ihdr{};
  ihdr.width = W;
  ihdr.height = H;
  ihdr.bit_depth = 8;
  ihdr.color_type = SPNG_COLOR_TYPE_GRAYSCALE;
  spng_set_ihdr(ctx, &ihdr);
  int err = spng_encode_image(ctx, px.data(), px.size(), SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE);
  size_t len = 0;
  void* data = err ? nullptr : spng_get_png_buffer(ctx, &len, &err);
  if (!data) throw std::runtime_error(std::string("encode failed: ") + spng_strerror(err));
  std::FILE* f = std::fopen(path.c_str(), "wb");
  std::fwrite(data, 1, len, f);
  std::fclose(f);
  std::free(data);
  spng_ctx_free(ctx);
}

struct Shape {
  int x0, y0, x1, y1, cls;
  bool ellipse;
};

void paint(std::vector<std::uint8_t>& px, const std::vector<Shape>& shapes, int dx, int dy) {
  std::fill(px.begin(), px.end(), 0);
  for (const auto& s : shapes) {
    const double cx = (s.x0 + s.x1) / 2.0 + dx, cy = (s.y0 + s.y1) / 2.0 + dy, rx = (s.x1 - s.x0) / 2.0, ry = (s.y1 - s.y0) / 2.0;
    for (int y = std::max(0, s.y0 + dy); y < std::min(H, s.y1 + dy); ++y) {
      for (int x = std::max(0, s.x0 + dx); x < std::min(W, s.x1 + dx); ++x) {
        if (s.ellipse) {
          const double u = (x - cx) / rx, v = (y - cy) / ry;
          if (u * u + v * v > 1) continue;
        }
        px[static_cast<std::size_t>(y) * W + static_cast<std::size_t>(x)] = static_cast<std::uint8_t>(s.cls);
      }
    }
  }
  for (int x = 0; x < W; ++x) px[static_cast<std::size_t>(x)] = px[static_cast<std::size_t>(H - 1) * W + static_cast<std::size_t>(x)] = 255;
}

int gen(const std::string& out, int pairs, unsigned seed) {
  std::filesystem::create_directories(out + "/ann1");
  std::filesystem::create_directories(out + "/ann2");
  tbb::parallel_for(0, pairs, [&](int i) {
    std::mt19937 rng(seed * 100003u + static_cast<unsigned>(i));
    std::uniform_int_distribution<int> X(0, W - 60), Y(0, H - 60), S(30, 300), C(1, 20), P(0, 99), D(-4, 4);
    std::vector<Shape> shapes;
    const int n = 8 + static_cast<int>(rng() % 9);
    for (int k = 0; k < n; ++k) {
      const int x = X(rng), y = Y(rng);
      shapes.push_back({x, y, std::min(W, x + S(rng)), std::min(H, y + S(rng)), C(rng), P(rng) < 50});
    }
    std::vector<std::uint8_t> px(static_cast<std::size_t>(W) * H);
    char name[32];
    std::snprintf(name, sizeof name, "/%06d.png", i);
    paint(px, shapes, 0, 0);
    write_png(out + "/ann1" + name, px);
    for (auto& s : shapes) {
      if (P(rng) < 5) s.cls = C(rng);
    }
    paint(px, shapes, D(rng), D(rng));
    write_png(out + "/ann2" + name, px);
  });
  std::printf("%d mask pairs in %s\n", pairs, out.c_str());
  return 0;
}

int decode(const std::vector<std::string>& dirs) {
  std::vector<std::string> paths;
  for (const auto& d : dirs) {
    for (const auto& f : labelqa::io::list_png_files(d)) paths.push_back(d + "/" + f);
  }
  std::atomic<std::uint64_t> pixels{0};
  tbb::parallel_for(std::size_t{0}, paths.size(), [&](std::size_t i) {
    thread_local std::vector<std::uint8_t> buf;
    thread_local labelqa::io::MaskImage img;
    labelqa::io::decode_mask_png(paths[i], buf, img);
    pixels += img.pixels();
  });
  std::printf("%zu PNGs, %llu pixels decoded\n", paths.size(), static_cast<unsigned long long>(pixels.load()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "gen" && argc >= 4) return gen(argv[2], std::atoi(argv[3]), argc > 4 ? static_cast<unsigned>(std::atoi(argv[4])) : 7u);
  if (mode == "decode" && argc >= 3) return decode(std::vector<std::string>(argv + 2, argv + argc));
  std::fprintf(stderr, "usage: %s gen OUT_DIR PAIRS [SEED] | decode DIR...\n", argv[0]);
  return 2;
}
