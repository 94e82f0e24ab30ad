#include "labelqa/io/mask_reader.hpp"

#include "labelqa/error.hpp"
#include "labelqa/io/csv.hpp"
#include "labelqa/io/mapped_file.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spng.h>
#include <sys/stat.h>
#include <exception>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <unistd.h>

namespace labelqa::io {
namespace {

// Largest mask accepted: 2^28 pixels (16384 x 16384), so a hostile header cannot make the reader
// allocate gigabytes.
constexpr std::uint64_t k_max_pixels = std::uint64_t{1} << 28;

void read_whole(const std::string& path, std::vector<std::uint8_t>& buf, std::size_t& size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError({.file = path}, std::string("cannot open: ") + std::strerror(errno), Defect::broken_file);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw InputError({.file = path}, "not a regular file", Defect::broken_file);
  }
  size = static_cast<std::size_t>(st.st_size);
  if (buf.size() < size) buf.resize(size);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::read(fd, buf.data() + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      throw InputError({.file = path}, std::string("cannot read: ") + (n < 0 ? std::strerror(errno) : "file shrank"), Defect::broken_file);
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

struct SpngCtx {
  spng_ctx* ctx = spng_ctx_new(0);
  ~SpngCtx() { spng_ctx_free(ctx); }
};

std::optional<std::uint32_t> parse_value(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  std::uint32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

}  // namespace

void decode_mask_png(const Input& input, std::vector<std::uint8_t>& file_buffer, MaskImage& out) {
  const std::string& path = input.path;
  std::size_t size = 0;
  if (input.bytes) {
    size = input.bytes->size();
    if (file_buffer.size() < size) file_buffer.resize(size);
    if (size) std::memcpy(file_buffer.data(), input.bytes->data(), size);
  } else {
    read_whole(path, file_buffer, size);
  }
  static constexpr unsigned char k_iend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
  out.truncated_end = size < sizeof k_iend || std::memcmp(file_buffer.data() + size - sizeof k_iend, k_iend, sizeof k_iend) != 0;
  SpngCtx c;
  if (!c.ctx) throw InputError({.file = path}, "out of memory");
  auto fail = [&](int err) { throw InputError({.file = path}, fmt::format("corrupt or unreadable PNG: {}", spng_strerror(err)), Defect::broken_file); };
  if (int err = spng_set_png_buffer(c.ctx, file_buffer.data(), size)) fail(err);
  spng_set_image_limits(c.ctx, 1u << 20, 1u << 20);
  spng_set_chunk_limits(c.ctx, 1u << 26, 1u << 26);
  spng_ihdr ihdr{};
  if (int err = spng_get_ihdr(c.ctx, &ihdr)) fail(err);
  if (static_cast<std::uint64_t>(ihdr.width) * ihdr.height > k_max_pixels) {
    throw InputError({.file = path}, fmt::format("mask of {}x{} pixels is larger than supported (2^28 pixels)", ihdr.width, ihdr.height));
  }
  const bool gray = ihdr.color_type == SPNG_COLOR_TYPE_GRAYSCALE;
  const bool indexed = ihdr.color_type == SPNG_COLOR_TYPE_INDEXED;
  if (!gray && !indexed) {
    throw InputError({.file = path}, fmt::format("PNG colour type {} is not a class mask: expected 8- or 16-bit grayscale "
                                                 "or a palette image whose values are class ids",
                                                 ihdr.color_type == SPNG_COLOR_TYPE_TRUECOLOR ? "RGB"
                                                 : ihdr.color_type == SPNG_COLOR_TYPE_TRUECOLOR_ALPHA ? "RGBA"
                                                                                                      : "gray+alpha"),
                     Defect::broken_file);
  }
  out.width = ihdr.width;
  out.height = ihdr.height;
  const std::size_t n = out.pixels();
  std::size_t len = 0;
  if (int err = spng_decoded_image_size(c.ctx, SPNG_FMT_PNG, &len)) fail(err);
  if (ihdr.bit_depth == 16) {
    out.bit_depth = 16;
    if (out.words.size() < n) out.words.resize(n);
    if (len != n * 2) fail(SPNG_EINTERNAL);
    if (int err = spng_decode_image(c.ctx, out.words.data(), len, SPNG_FMT_PNG, 0)) fail(err);
    return;
  }
  out.bit_depth = 8;
  if (ihdr.bit_depth == 8) {
    if (out.bytes.size() < n) out.bytes.resize(n);
    if (len != n) fail(SPNG_EINTERNAL);
    if (int err = spng_decode_image(c.ctx, out.bytes.data(), len, SPNG_FMT_PNG, 0)) fail(err);
    return;
  }
  // 1, 2 or 4 bits per pixel: decode packed rows, then unpack (values are not rescaled).
  std::vector<std::uint8_t> packed(len);
  if (int err = spng_decode_image(c.ctx, packed.data(), len, SPNG_FMT_PNG, 0)) fail(err);
  if (out.bytes.size() < n) out.bytes.resize(n);
  const unsigned depth = ihdr.bit_depth;
  const std::size_t stride = len / ihdr.height;
  const unsigned mask = (1u << depth) - 1;
  for (std::uint32_t y = 0; y < ihdr.height; ++y) {
    const std::uint8_t* row = packed.data() + y * stride;
    for (std::uint32_t x = 0; x < ihdr.width; ++x) {
      const std::size_t bit = static_cast<std::size_t>(x) * depth;
      const unsigned shift = 8 - depth - static_cast<unsigned>(bit % 8);
      out.bytes[static_cast<std::size_t>(y) * ihdr.width + x] = static_cast<std::uint8_t>((row[bit / 8] >> shift) & mask);
    }
  }
}

ClassMap read_class_map(const std::string& path) {
  MappedFile file(path);
  const std::string_view text = file.view();
  require_utf8(text, path);
  ClassMap map;
  const std::size_t first = text.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  auto add = [&](std::uint32_t value, std::string name, const Location& where) {
    if (!map.emplace(value, name).second) throw InputError(where, fmt::format("value {} is named twice", value));
  };
  if (first != std::string_view::npos && (text[first] == '{' || text[first] == '[')) {
    nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
    if (j.is_discarded()) throw InputError({.file = path}, "invalid JSON class map", Defect::broken_file);
    auto bad = [&](const std::string& what) {
      throw InputError({.file = path}, "expected {\"0\": \"name\", ...}, [\"name0\", \"name1\", ...] or "
                                       "[{\"value\": 0, \"name\": \"...\"}, ...]: " + what);
    };
    if (j.is_object()) {
      for (const auto& [k, v] : j.items()) {
        auto value = parse_value(k);
        if (!value || !v.is_string()) bad(fmt::format("key \"{}\"", k));
        add(*value, v.get<std::string>(), {.file = path, .field = k});
      }
    } else {
      std::uint32_t index = 0;
      for (const auto& e : j) {
        if (e.is_string()) {
          add(index, e.get<std::string>(), {.file = path, .item = std::to_string(index)});
        } else if (e.is_object() && e.contains("name") && e["name"].is_string()) {
          const auto& v = e.contains("value") ? e["value"] : e.contains("id") ? e["id"] : nlohmann::json();
          if (!v.is_number_unsigned()) bad(fmt::format("entry {} has no non-negative integer \"value\" or \"id\"", index));
          add(v.get<std::uint32_t>(), e["name"].get<std::string>(), {.file = path, .item = std::to_string(index)});
        } else {
          bad(fmt::format("entry {}", index));
        }
        ++index;
      }
    }
    return map;
  }
  // One name per line (labelme's labels.txt, datumaro's labelmap.txt "name:r,g,b:parts:actions",
  // plain lists): a name's value is its position, from 0. labelme's first line "__ignore__" marks the
  // ignore value and is not a class. A list is a map (value,name) as soon as one line starts with
  // a number and a comma.
  std::vector<std::pair<std::string, std::uint64_t>> lines;
  bool numbered = false;
  for_each_line(text, [&](std::string_view line, std::uint64_t line_no) {
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') return true;
    const auto comma = line.find(','), colon = line.find(':');
    if (comma != std::string_view::npos && (colon == std::string_view::npos || comma < colon) && parse_value(line.substr(0, comma))) numbered = true;
    lines.emplace_back(std::string(line), line_no);
    return true;
  });
  const bool header_only_map = !lines.empty() && lines.front().first.find(',') != std::string::npos && lines.size() == 1;
  if (!numbered && !header_only_map) {
    std::uint32_t value = 0;
    for (std::size_t k = 0; k < lines.size(); ++k) {
      std::string name = lines[k].first;
      if (const auto colon = name.find(':'); colon != std::string::npos) name = name.substr(0, colon);  // datumaro labelmap
      if (k == 0 && name == "__ignore__") continue;  // labelme: the ignore value, not a class
      if (name.find(',') != std::string::npos) {
        throw InputError({.file = path, .line = lines[k].second}, "expected one class name per line, or value,name lines");
      }
      add(value++, name, {.file = path, .line = lines[k].second});
    }
    return map;
  }
  CsvReader csv(text, ',', path);
  std::vector<std::string_view> fields;
  bool first_record = true;
  while (csv.next(fields)) {
    const Location where{.file = path, .line = csv.record_line()};
    auto value = fields.empty() ? std::nullopt : parse_value(fields[0]);
    if (!value) {
      if (first_record) {  // header
        first_record = false;
        continue;
      }
      throw InputError(where, "expected value,name with a non-negative integer value");
    }
    first_record = false;
    if (fields.size() < 2 || fields[1].empty()) throw InputError(where, "expected value,name");
    add(*value, std::string(fields[1]), where);
  }
  return map;
}

std::vector<std::string> list_png_files(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw InputError({.file = dir}, "not a directory (masks are read as one directory per annotator)");
  std::vector<std::string> out;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::string ext = it->path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (ext != ".png") continue;
    out.push_back(fs::relative(it->path(), dir, ec).generic_string());
  }
  if (ec) throw InputError({.file = dir}, "cannot list the directory: " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

// A PNG whose pixels decoded though it does not end with a whole IEND chunk.
InputWarning truncated_png_warning(const std::string& path) {
  return {"truncated_png", fmt::format("{}: the PNG does not end with its IEND chunk (the file is truncated); its pixels decoded and are compared", path)};
}

}  // namespace

ObjectSet read_instance_masks(const std::vector<std::string>& dirs, const std::vector<std::string>& names,
                              const ClassMap& classes, std::uint32_t ignore) {
  std::vector<LocalDelivery> deliveries(dirs.size());
  std::vector<InputWarning> png_warnings;  // truncated files that still decoded
  for (std::size_t d = 0; d < dirs.size(); ++d) {
    LocalDelivery& del = deliveries[d];
    del.objects.name = names[d];
    del.objects.file = dirs[d];
    del.objects.format = "masks";
    const auto files = list_png_files(dirs[d]);
    struct Decoded {
      std::uint32_t w = 0, h = 0;
      std::vector<std::pair<std::uint32_t, geometry::Rle>> objects;  // value, mask
      std::exception_ptr error;
      bool truncated_end = false;
    };
    std::vector<Decoded> decoded(files.size());
    tbb::parallel_for(std::size_t{0}, files.size(), [&](std::size_t f) {
      thread_local std::vector<std::uint8_t> buf;
      thread_local MaskImage img;
      Decoded& out = decoded[f];
      try {
        decode_mask_png(dirs[d] + "/" + files[f], buf, img);
      } catch (...) {
        out.error = std::current_exception();
        return;
      }
      out.w = img.width;
      out.h = img.height;
      out.truncated_end = img.truncated_end;
      // Column-major runs of each value (COCO's layout), all values in one pass.
      std::map<std::uint32_t, std::pair<std::uint64_t, std::vector<std::uint32_t>>> runs;  // value -> (end, counts)
      const std::size_t h = img.height, w = img.width;
      for (std::size_t x = 0; x < w; ++x) {
        std::size_t y = 0;
        while (y < h) {
          const std::uint32_t v = img.at(y * w + x);
          std::size_t y2 = y + 1;
          while (y2 < h && img.at(y2 * w + x) == v) ++y2;
          if (v != 0 && v != ignore) {
            auto& [end, counts] = runs[v];
            const std::uint64_t start = x * h + y;
            if (!counts.empty() && end == start) {
              counts.back() += static_cast<std::uint32_t>(y2 - y);
            } else {
              counts.push_back(static_cast<std::uint32_t>(start - end));
              counts.push_back(static_cast<std::uint32_t>(y2 - y));
            }
            end = x * h + y2;
          }
          y = y2;
        }
      }
      for (auto& [v, ec] : runs) {
        auto& [end, counts] = ec;
        counts.push_back(static_cast<std::uint32_t>(static_cast<std::uint64_t>(h) * w - end));
        out.objects.emplace_back(v, geometry::Rle{img.height, img.width, std::move(counts)});
      }
    });
    for (const auto& dec : decoded) {
      if (dec.error) std::rethrow_exception(dec.error);
    }
    std::map<std::string, std::int32_t> cat_index;
    auto class_of = [&](std::uint32_t v) -> std::string {
      if (v < 1000) return "object";
      auto it = classes.find(v / 1000);
      return it != classes.end() ? it->second : std::to_string(v / 1000);
    };
    for (const auto& dec : decoded) {
      for (const auto& [v, rle] : dec.objects) cat_index.emplace(class_of(v), 0);
    }
    for (auto& [name, idx] : cat_index) {
      idx = static_cast<std::int32_t>(del.categories.size());
      del.categories.push_back(name);
    }
    for (std::size_t f = 0; f < files.size(); ++f) {
      del.images.push_back(ImageInfo{files[f], decoded[f].w, decoded[f].h});
      if (decoded[f].truncated_end) {
        png_warnings.push_back(truncated_png_warning(dirs[d] + "/" + files[f]));
      }
      for (auto& [v, rle] : decoded[f].objects) {
        SpatialObject o;
        o.id = v;
        o.category = cat_index.at(class_of(v));
        o.image = static_cast<std::uint32_t>(f);
        o.shape = Shape::mask;
        o.geom = static_cast<std::uint32_t>(del.objects.masks.size());
        o.bbox = geometry::bbox(rle);
        o.extent = {o.bbox[0], o.bbox[1], o.bbox[0] + o.bbox[2], o.bbox[1] + o.bbox[3]};
        del.objects.objects.push_back(o);
        del.objects.masks.push_back(std::move(rle));
      }
    }
    del.objects.has_image.assign(del.images.size(), 1);
  }
  ObjectSet set = merge_deliveries(std::move(deliveries));
  set.warnings.insert(set.warnings.end(), png_warnings.begin(), png_warnings.end());
  return set;
}

}  // namespace labelqa::io

namespace labelqa::io {
namespace {

// Per-thread scratch for comparing one image: decoded masks and the 8-bit histogram.
struct CompareScratch {
  std::vector<std::uint8_t> file;
  std::vector<MaskImage> masks;
  std::vector<std::uint32_t> hist = std::vector<std::uint32_t>(256 * 256, 0);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> runs;  // (value_a << 32 | value_b, pixels)
};

// Confusion of two masks of one size, appended to `cells` sorted by (value_a, value_b).
std::uint64_t confuse(const MaskImage& a, const MaskImage& b, std::uint32_t ignore, CompareScratch& s,
                      std::vector<PixelCell>& cells) {
  const std::size_t n = a.pixels();
  std::uint64_t ignored = 0;
  if (a.bit_depth == 8 && b.bit_depth == 8) {
    const std::uint8_t* pa = a.bytes.data();
    const std::uint8_t* pb = b.bytes.data();
    std::uint32_t* h = s.hist.data();
    // Counts in 32 bits are safe: a mask has at most 2^28 pixels. Masks are mostly uniform
    // regions: a block of 16 pixels with one value pair on both sides is counted at once.
    std::size_t i = 0;
#if defined(__SSE2__)
    for (; i + 16 <= n; i += 16) {
      const __m128i va = _mm_loadu_si128(reinterpret_cast<const __m128i*>(pa + i));
      const __m128i vb = _mm_loadu_si128(reinterpret_cast<const __m128i*>(pb + i));
      const __m128i same = _mm_and_si128(_mm_cmpeq_epi8(va, _mm_set1_epi8(static_cast<char>(pa[i]))),
                                         _mm_cmpeq_epi8(vb, _mm_set1_epi8(static_cast<char>(pb[i]))));
      if (_mm_movemask_epi8(same) == 0xFFFF) {
        h[(static_cast<std::size_t>(pa[i]) << 8) | pb[i]] += 16;
      } else {
        for (std::size_t j = i; j < i + 16; ++j) ++h[(static_cast<std::size_t>(pa[j]) << 8) | pb[j]];
      }
    }
#endif
    for (; i < n; ++i) ++h[(static_cast<std::size_t>(pa[i]) << 8) | pb[i]];
    for (std::size_t k = 0; k < 256 * 256; ++k) {  // row-major order: sorted by (value_a, value_b)
      if (!h[k]) continue;
      const auto va = static_cast<std::uint32_t>(k >> 8), vb = static_cast<std::uint32_t>(k & 0xFF);
      if (va == ignore || vb == ignore) {
        ignored += h[k];
      } else {
        cells.push_back({va, vb, h[k]});
      }
      h[k] = 0;
    }
    return ignored;
  }
  // 16-bit (or mixed): runs of equal pairs, then sorted and merged.
  s.runs.clear();
  std::uint64_t key = (std::uint64_t{a.at(0)} << 32) | b.at(0), len = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t k = (std::uint64_t{a.at(i)} << 32) | b.at(i);
    if (k != key) {
      s.runs.emplace_back(key, len);
      key = k;
      len = 0;
    }
    ++len;
  }
  if (len) s.runs.emplace_back(key, len);
  std::sort(s.runs.begin(), s.runs.end());
  for (std::size_t i = 0; i < s.runs.size();) {
    std::uint64_t total = 0;
    const std::uint64_t k = s.runs[i].first;
    for (; i < s.runs.size() && s.runs[i].first == k; ++i) total += s.runs[i].second;
    const auto va = static_cast<std::uint32_t>(k >> 32), vb = static_cast<std::uint32_t>(k & 0xFFFFFFFFu);
    if (va == ignore || vb == ignore) {
      ignored += total;
    } else {
      cells.push_back({va, vb, total});
    }
  }
  return ignored;
}

}  // namespace

MaskComparison read_mask_comparison(const std::vector<std::string>& dirs, const std::vector<std::string>& names,
                                    std::uint32_t ignore, int reference) {
  MaskComparison mc;
  mc.ignore = ignore;
  std::vector<std::size_t> order(dirs.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  // The reference first, then the annotators by name.
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    const bool rx = static_cast<int>(x) == reference, ry = static_cast<int>(y) == reference;
    return rx != ry ? rx : names[x] < names[y];
  });
  std::vector<std::vector<std::string>> lists;
  int ref = -1;  // the reference's position after sorting
  for (std::size_t k : order) {
    if (static_cast<int>(k) == reference) ref = static_cast<int>(mc.annotators.size());
    mc.annotators.push_back(names[k]);
    mc.dirs.push_back(dirs[k]);
    lists.push_back(list_png_files(dirs[k]));
  }
  for (const auto& l : lists) mc.images.insert(mc.images.end(), l.begin(), l.end());
  std::sort(mc.images.begin(), mc.images.end());
  mc.images.erase(std::unique(mc.images.begin(), mc.images.end()), mc.images.end());
  const std::size_t A = mc.annotators.size(), N = mc.images.size(), P = mc.pairs();
  mc.has_image.assign(A, std::vector<std::uint8_t>(N, 0));
  for (std::size_t a = 0; a < A; ++a) {
    for (const auto& f : lists[a]) {
      mc.has_image[a][static_cast<std::size_t>(std::lower_bound(mc.images.begin(), mc.images.end(), f) - mc.images.begin())] = 1;
    }
  }

  struct ImageCells {
    std::vector<PixelCell> cells;
    std::vector<std::uint64_t> ends;  // per pair, end in cells
    std::vector<std::uint64_t> ignored;
    std::vector<std::string> truncated;  // files that decoded but do not end with IEND
    std::exception_ptr error;
  };
  std::vector<ImageCells> per_image(N);
  tbb::enumerable_thread_specific<CompareScratch> scratch;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, N, 4), [&](const tbb::blocked_range<std::size_t>& r) {
    CompareScratch& s = scratch.local();
    s.masks.resize(A);
    for (std::size_t i = r.begin(); i != r.end(); ++i) {
      ImageCells& out = per_image[i];
      try {
        int first = -1;
        for (std::size_t a = 0; a < A; ++a) {
          if (!mc.has_image[a][i]) continue;
          const std::string path = mc.dirs[a] + "/" + mc.images[i];
          decode_mask_png(path, s.file, s.masks[a]);
          if (s.masks[a].truncated_end) out.truncated.push_back(path);
          if (first < 0) {
            first = static_cast<int>(a);
          } else {
            const auto& f = s.masks[static_cast<std::size_t>(first)];
            if (f.width != s.masks[a].width || f.height != s.masks[a].height) {
              throw InputError({.file = path}, fmt::format("mask is {}x{} (width x height) but {}/{} is {}x{}", s.masks[a].width,
                                                           s.masks[a].height, mc.dirs[static_cast<std::size_t>(first)],
                                                           mc.images[i], f.width, f.height));
            }
          }
        }
        for (std::size_t a = 0; a < A; ++a) {
          for (std::size_t b = a + 1; b < A; ++b) {
            std::uint64_t ign = 0;
            const bool wanted = ref < 0 || a == static_cast<std::size_t>(ref) || b == static_cast<std::size_t>(ref);
            if (wanted && mc.has_image[a][i] && mc.has_image[b][i]) ign = confuse(s.masks[a], s.masks[b], ignore, s, out.cells);
            out.ends.push_back(out.cells.size());
            out.ignored.push_back(ign);
          }
        }
      } catch (...) {
        out.error = std::current_exception();
      }
    }
  });
  for (const auto& im : per_image) {
    if (im.error) std::rethrow_exception(im.error);
  }
  mc.offsets.reserve(N * P + 1);
  for (std::size_t i = 0; i < N; ++i) {
    for (const auto& path : per_image[i].truncated) {
      mc.warnings.push_back(truncated_png_warning(path));
    }
    const std::uint64_t base = mc.cells.size();
    mc.cells.insert(mc.cells.end(), per_image[i].cells.begin(), per_image[i].cells.end());
    for (std::size_t p = 0; p < P; ++p) {
      mc.offsets.push_back(base + per_image[i].ends[p]);
      mc.ignored.push_back(per_image[i].ignored[p]);
    }
    per_image[i] = ImageCells{};
  }
  return mc;
}

}  // namespace labelqa::io
