#include "labelqa/io/coco_reader.hpp"

#include "labelqa/error.hpp"
#include "labelqa/io/mapped_file.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <simdjson.h>
#include <unordered_map>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace labelqa::io {
namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;

// Where we are in one file, for messages: byte offset -> line, and the annotation being read.
class Cursor {
 public:
  Cursor(const MappedFile& file) : m_file(file) {}

  // The bytes being parsed: a copy of file bytes [file_offset, ...) starting at `begin`.
  void set_buffer(const char* begin, std::uint64_t file_offset) {
    m_buf = begin;
    m_buf_offset = file_offset;
  }
  std::uint64_t offset_of(const char* p) const {
    if (p < m_buf) return m_buf_offset;
    return std::min<std::uint64_t>(m_buf_offset + static_cast<std::uint64_t>(p - m_buf), m_file.view().size());
  }
  Location at(std::uint64_t offset, std::string item = {}, std::string field = {}) const {
    const auto text = m_file.view().substr(0, offset);
    Location loc{.file = m_file.path(), .line = 1 + static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n')),
                 .offset = offset, .has_offset = true, .item = std::move(item), .field = std::move(field)};
    return loc;
  }

  // Names the annotation being read ("annotation 17 (id 123)") for messages.
  std::string item() const {
    if (m_kind.empty()) return {};
    std::string s = fmt::format("{} {}", m_kind, m_index);
    if (m_has_id) s += fmt::format(" (id {})", m_id);
    return s;
  }
  void enter(const char* kind, std::size_t index, std::uint64_t offset) {
    m_kind = kind;
    m_index = index;
    m_has_id = false;
    m_offset = offset;
  }
  void set_id(std::int64_t id) {
    m_id = id;
    m_has_id = true;
  }
  void leave() { m_kind.clear(); }
  void set_chunk_end(std::uint64_t end) { m_chunk_end = end; }
  std::uint64_t current() const { return m_offset; }

  [[noreturn]] void fail(const std::string& field, const std::string& message) const {
    throw InputError(at(m_offset, item(), field), message);
  }
  [[noreturn]] void syntax(od::document& doc, error_code err) const {
    std::uint64_t offset = m_file.view().size();
    const char* p = nullptr;
    // An unbalanced document is detected when the walk starts (the last structural character does
    // not close the first): the problem is at the end of the file, typically a truncated download.
    if (err != simdjson::INCOMPLETE_ARRAY_OR_OBJECT && !doc.current_location().get(p)) offset = offset_of(p);
    else if (err == simdjson::INCOMPLETE_ARRAY_OR_OBJECT && m_chunk_end) offset = m_chunk_end;
    throw InputError(at(offset, item()), fmt::format("invalid JSON: {}", simdjson::error_message(err)));
  }

 private:
  const MappedFile& m_file;
  const char* m_buf = nullptr;
  std::uint64_t m_buf_offset = 0;
  std::string m_kind;
  std::size_t m_index = 0;
  std::int64_t m_id = 0;
  bool m_has_id = false;
  std::uint64_t m_offset = 0;
  std::uint64_t m_chunk_end = 0;
};

struct RawObject {
  std::int64_t image_id = 0;
  std::int64_t category_id = 0;
};

class CocoParser {
 public:
  CocoParser(MappedFile& file, od::parser& parser) : m_file(file), m_cur(file), m_parser(parser) {}

  LocalDelivery parse();

 private:
  // Room for the coordinates of a typical file (a number and its comma take four bytes or more): reserved
  // address space only, so the buffer rarely moves while it grows.
  void reserve() { m_out.objects.coords.reserve(m_file.view().size() / 4 + 16); }
  void check(error_code err) {
    if (err) m_cur.syntax(m_doc, err);
  }
  void check_iterate(error_code err) {
    if (err) throw InputError(m_cur.at(m_cur.offset_of(nullptr)), fmt::format("invalid JSON: {}", simdjson::error_message(err)));
  }
  [[noreturn]] void type_error(const char* field, const char* expected) { m_cur.fail(field, fmt::format("expected {}", expected)); }

  std::int64_t get_int(od::value v, const char* field) {
    std::int64_t x = 0;
    od::json_type t;
    check(v.type().get(t));
    if (t == od::json_type::number) {
      if (!v.get_int64().get(x)) return x;
      double d = 0;
      if (!v.get_double().get(d) && std::floor(d) == d && std::fabs(d) < 9e15) return static_cast<std::int64_t>(d);
    }
    type_error(field, "an integer");
  }
  double get_number(od::value v, const char* field) {
    double d = 0;
    if (v.get_double().get(d)) type_error(field, "a number");
    return d;
  }
  std::uint32_t get_dim(od::value v, const char* field) {
    const std::int64_t x = get_int(v, field);
    if (x < 0 || x > 1000000) m_cur.fail(field, fmt::format("expected a size between 0 and 1000000 pixels, got {}", x));
    return static_cast<std::uint32_t>(x);
  }

  // Calls per_object(object) for each element of a list of objects, naming it `kind` N in messages.
  template <class F>
  void each_object(od::array arr, const char* kind, const char* expected, std::size_t& index, F&& per_object) {
    for (auto element : arr) {
      od::value v;
      check(element.get(v));
      const char* at = nullptr;
      check(v.current_location().get(at));
      m_cur.enter(kind, ++index, m_cur.offset_of(at));
      od::object obj;
      if (v.get_object().get(obj)) m_cur.fail("", expected);
      per_object(obj);
    }
    m_cur.leave();
  }
  // Calls on_field(key, value) for each key of an object.
  template <class F>
  void each_field(od::object obj, F&& on_field) {
    for (auto field : obj) {
      std::string_view key;
      check(field.unescaped_key().get(key));
      od::value fv;
      check(field.value().get(fv));
      on_field(key, fv);
    }
  }
  std::string get_text(od::value v, const char* field) {
    std::string_view s;
    if (v.get_string().get(s)) type_error(field, "a string");
    return std::string(s);
  }

  void parse_images(od::array images);
  void parse_categories(od::array categories);
  void parse_annotation(od::object ann, std::size_t index);
  void parse_polygons(od::array rings, SpatialObject& o);
  void parse_rle(od::object rle, SpatialObject& o);
  LocalDelivery finish(bool results_file);

  MappedFile& m_file;
  Cursor m_cur;
  od::parser& m_parser;
  od::document m_doc;

  LocalDelivery m_out;
  std::unordered_map<std::int64_t, std::uint32_t> m_image_by_id;
  std::map<std::string, std::uint32_t, std::less<>> m_image_by_name;
  std::unordered_map<std::int64_t, std::string> m_category_by_id;
  std::vector<RawObject> m_raw;
  std::unordered_map<std::int64_t, std::uint64_t> m_ids;  // annotation id -> offset (duplicates)
  std::vector<std::pair<std::uint32_t, std::uint32_t>> m_rle_sizes;  // per mask: h, w
  std::size_t m_image_index = 0;
  std::size_t m_category_index = 0;
};

void CocoParser::parse_images(od::array images) {
  each_object(images, "image", "expected an image object", m_image_index, [&](od::object obj) {
    std::optional<std::int64_t> id;
    std::optional<std::string> file_name;
    ImageInfo info;
    each_field(obj, [&](std::string_view key, od::value fv) {
      if (key == "id") {
        id = get_int(fv, "id");
        m_cur.set_id(*id);
      } else if (key == "file_name") {
        file_name = get_text(fv, "file_name");
      } else if (key == "width") {
        info.width = get_dim(fv, "width");
      } else if (key == "height") {
        info.height = get_dim(fv, "height");
      }
    });
    if (!id) m_cur.fail("id", "missing key \"id\"");
    if (static_cast<std::uint64_t>(info.width) * info.height > 0xFFFFFFFFull) {
      m_cur.fail("width", fmt::format("image of {}x{} pixels is too large (at most 2^32 pixels)", info.width, info.height));
    }
    info.name = file_name ? *file_name : std::to_string(*id);
    const auto local = static_cast<std::uint32_t>(m_out.images.size());
    if (!m_image_by_id.emplace(*id, local).second) m_cur.fail("id", fmt::format("duplicate image id {}", *id));
    if (!m_image_by_name.emplace(info.name, local).second) {
      m_cur.fail("file_name", fmt::format("two images have the file name \"{}\"", info.name));
    }
    m_out.images.push_back(std::move(info));
  });
}

void CocoParser::parse_categories(od::array categories) {
  each_object(categories, "category", "expected a category object", m_category_index, [&](od::object obj) {
    std::optional<std::int64_t> id;
    std::optional<std::string> name;
    each_field(obj, [&](std::string_view key, od::value fv) {
      if (key == "id") {
        id = get_int(fv, "id");
        m_cur.set_id(*id);
      } else if (key == "name") {
        name = get_text(fv, "name");
      }
    });
    if (!id) m_cur.fail("id", "missing key \"id\"");
    if (!name) m_cur.fail("name", "missing key \"name\"");
    if (!m_category_by_id.emplace(*id, *name).second) m_cur.fail("id", fmt::format("duplicate category id {}", *id));
  });
}

void CocoParser::parse_polygons(od::array rings, SpatialObject& o) {
  auto& a = m_out.objects;
  const auto first_ring = static_cast<std::uint32_t>(a.ring_start.size() - 1);
  double x0 = HUGE_VAL, y0 = HUGE_VAL, x1 = -HUGE_VAL, y1 = -HUGE_VAL;
  std::size_t ring_index = 0;
  for (auto element : rings) {
    od::value rv;
    check(element.get(rv));
    od::array ring;
    if (rv.get_array().get(ring)) {
      type_error("segmentation", "a list of polygons [[x1, y1, x2, y2, ...], ...]");
    }
    const std::size_t begin = a.coords.size();
    for (auto n : ring) {
      double d = 0;
      if (auto err = n.get_double().get(d)) {
        if (err == simdjson::INCORRECT_TYPE || err == simdjson::NUMBER_ERROR) type_error("segmentation", "a number");
        check(err);
      }
      a.coords.push_back(d);
    }
    const std::size_t count = a.coords.size() - begin;
    if (count % 2 != 0) {
      m_cur.fail("segmentation", fmt::format("polygon {} has an odd number of coordinates ({})", ring_index + 1, count));
    }
    for (std::size_t i = begin; i < a.coords.size(); i += 2) {
      x0 = std::min(x0, a.coords[i]);
      x1 = std::max(x1, a.coords[i]);
      y0 = std::min(y0, a.coords[i + 1]);
      y1 = std::max(y1, a.coords[i + 1]);
    }
    if (a.coords.size() > 0xFFFFFFF0u) m_cur.fail("segmentation", "too many polygon coordinates in one file");
    a.ring_start.push_back(static_cast<std::uint32_t>(a.coords.size()));
    ++ring_index;
  }
  if (ring_index == 0) return;  // [] : no segmentation, the bbox is the geometry
  o.shape = Shape::polygon;
  o.geom = first_ring;
  o.geom_end = static_cast<std::uint32_t>(a.ring_start.size() - 1);
  if (x0 > x1) {  // rings without points
    x0 = y0 = x1 = y1 = 0;
  }
  o.bbox = {x0, y0, x1 - x0, y1 - y0};
  o.extent = {std::floor(x0) - 1, std::floor(y0) - 1, std::ceil(x1) + 1, std::ceil(y1) + 1};
}

void CocoParser::parse_rle(od::object rle, SpatialObject& o) {
  std::optional<std::pair<std::uint32_t, std::uint32_t>> size;
  std::optional<std::string_view> text;
  std::vector<std::uint32_t> counts;
  bool have_counts = false;
  for (auto field : rle) {
    std::string_view key;
    check(field.unescaped_key().get(key));
    od::value fv;
    check(field.value().get(fv));
    if (key == "size") {
      od::array arr;
      if (fv.get_array().get(arr)) type_error("segmentation.size", "[height, width]");
      std::vector<std::uint32_t> dims;
      for (auto d : arr) {
        od::value dv;
        check(d.get(dv));
        dims.push_back(get_dim(dv, "segmentation.size"));
      }
      if (dims.size() != 2) type_error("segmentation.size", "[height, width]");
      size = std::make_pair(dims[0], dims[1]);
    } else if (key == "counts") {
      od::json_type t;
      check(fv.type().get(t));
      have_counts = true;
      if (t == od::json_type::string) {
        std::string_view s;
        check(fv.get_string().get(s));
        text = s;
      } else if (t == od::json_type::array) {
        od::array arr;
        check(fv.get_array().get(arr));
        for (auto c : arr) {
          od::value cv;
          check(c.get(cv));
          const std::int64_t x = get_int(cv, "segmentation.counts");
          if (x < 0 || x > 0xFFFFFFFFll) m_cur.fail("segmentation.counts", fmt::format("run length {} out of range", x));
          counts.push_back(static_cast<std::uint32_t>(x));
        }
      } else {
        type_error("segmentation.counts", "a list of run lengths or a compressed RLE string");
      }
    }
  }
  if (!size) m_cur.fail("segmentation.size", "RLE segmentation without \"size\": [height, width]");
  if (!have_counts) m_cur.fail("segmentation.counts", "RLE segmentation without \"counts\"");
  const auto [h, w] = *size;
  if (static_cast<std::uint64_t>(h) * w > 0xFFFFFFFFull) m_cur.fail("segmentation.size", "mask too large");
  std::optional<geometry::Rle> r;
  if (text) {
    r = geometry::from_string(*text, h, w);
    if (!r) m_cur.fail("segmentation.counts", fmt::format("compressed RLE is malformed or its counts do not sum to {}x{} = {}", h, w, std::uint64_t{h} * w));
  } else {
    std::uint64_t sum = 0;
    for (auto c : counts) sum += c;
    r = geometry::from_counts(std::move(counts), h, w);
    if (!r) m_cur.fail("segmentation.counts", fmt::format("RLE counts sum to {}, expected height*width = {}x{} = {}", sum, h, w, std::uint64_t{h} * w));
  }
  o.shape = Shape::mask;
  o.geom = static_cast<std::uint32_t>(m_out.objects.masks.size());
  const auto b = geometry::bbox(*r);
  o.bbox = b;
  o.extent = {b[0], b[1], b[0] + b[2], b[1] + b[3]};
  m_out.objects.masks.push_back(std::move(*r));
  m_rle_sizes.emplace_back(h, w);
}

void CocoParser::parse_annotation(od::object ann, std::size_t index) {
  SpatialObject o;
  RawObject raw;
  bool has_image = false, has_category = false, has_id = false, has_bbox = false;
  geometry::Box bbox{};
  o.offset = m_cur.current();
  for (auto field : ann) {
    std::string_view key;
    check(field.unescaped_key().get(key));
    od::value fv;
    check(field.value().get(fv));
    if (key == "id") {
      o.id = get_int(fv, "id");
      has_id = true;
      m_cur.set_id(o.id);
    } else if (key == "image_id") {
      raw.image_id = get_int(fv, "image_id");
      has_image = true;
    } else if (key == "category_id") {
      raw.category_id = get_int(fv, "category_id");
      has_category = true;
    } else if (key == "iscrowd") {
      od::json_type t;
      check(fv.type().get(t));
      if (t == od::json_type::boolean) {
        bool b = false;
        check(fv.get_bool().get(b));
        o.crowd = b;
      } else {
        o.crowd = get_int(fv, "iscrowd") != 0;
      }
    } else if (key == "bbox") {
      od::array arr;
      if (fv.get_array().get(arr)) type_error("bbox", "[x, y, width, height]");
      std::size_t n = 0;
      for (auto x : arr) {
        od::value xv;
        check(x.get(xv));
        const double d = get_number(xv, "bbox");
        if (n < 4) bbox[n] = d;
        ++n;
      }
      if (n != 4) type_error("bbox", "[x, y, width, height]");
      has_bbox = true;
    } else if (key == "segmentation") {
      od::json_type t;
      check(fv.type().get(t));
      if (t == od::json_type::array) {
        od::array rings;
        check(fv.get_array().get(rings));
        parse_polygons(rings, o);
      } else if (t == od::json_type::object) {
        od::object rle;
        check(fv.get_object().get(rle));
        parse_rle(rle, o);
      } else if (t != od::json_type::null) {
        type_error("segmentation", "a list of polygons or an RLE object");
      }
    }
  }
  if (!has_image) m_cur.fail("image_id", "missing key \"image_id\"");
  if (!has_category) m_cur.fail("category_id", "missing key \"category_id\"");
  if (!has_id) o.id = static_cast<std::int64_t>(index);
  if (o.shape == Shape::box) {
    if (!has_bbox) m_cur.fail("bbox", "annotation has neither a segmentation nor a bbox");
    o.bbox = bbox;
    const double x1 = bbox[0] + std::max(0.0, bbox[2]), y1 = bbox[1] + std::max(0.0, bbox[3]);
    o.extent = {std::floor(bbox[0]) - 1, std::floor(bbox[1]) - 1, std::ceil(x1) + 1, std::ceil(y1) + 1};
  } else if (has_bbox) {
    o.bbox = bbox;
  }
  if (has_id) {
    auto [it, fresh] = m_ids.emplace(o.id, o.offset);
    if (!fresh) m_cur.fail("id", fmt::format("duplicate annotation id {} (first at byte {})", o.id, it->second));
  }
  m_out.objects.objects.push_back(o);
  m_raw.push_back(raw);
}

// Byte-level layout of a JSON text: where values start and end, found by tracking strings and
// nesting without parsing. COCO files are one huge object; its three lists are handed to simdjson
// in slices of a few MB, so the parser's buffers stay small and hot instead of growing to the
// size of the file (see docs/formats.md).
// Index of the first byte at or after i that is a quote or a bracket ({ } [ ]), or n.
std::size_t next_structural(const char* p, std::size_t i, std::size_t n) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), open = _mm_set1_epi8('{'), close = _mm_set1_epi8('}'),
                fold = _mm_set1_epi8(0x20);  // '[' | 0x20 == '{', ']' | 0x20 == '}'
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i f = _mm_or_si128(v, fold);
    const int m = _mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_or_si128(_mm_cmpeq_epi8(f, open), _mm_cmpeq_epi8(f, close))));
    if (m) return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(m)));
  }
#endif
  for (; i < n; ++i) {
    const char c = p[i];
    if (c == '"' || c == '{' || c == '}' || c == '[' || c == ']') return i;
  }
  return n;
}

// Index of the first quote or backslash at or after i, or n.
std::size_t next_quote_or_escape(const char* p, std::size_t i, std::size_t n) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const int m = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
    if (m) return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(m)));
  }
#endif
  for (; i < n; ++i) {
    if (p[i] == '"' || p[i] == '\\') return i;
  }
  return n;
}

class Layout {
 public:
  Layout(std::string_view text, const Cursor& cur) : m_t(text), m_cur(cur) {}

  std::size_t skip_ws(std::size_t i) const {
    while (i < m_t.size() && (m_t[i] == ' ' || m_t[i] == '\n' || m_t[i] == '\r' || m_t[i] == '\t')) ++i;
    return i;
  }
  // i at the opening quote; returns the index after the closing quote.
  std::size_t string_end(std::size_t i) const {
    const std::size_t n = m_t.size();
    for (i = next_quote_or_escape(m_t.data(), i + 1, n); i < n; i = next_quote_or_escape(m_t.data(), i + 2, n)) {
      if (m_t[i] == '"') return i + 1;
    }
    fail(n, "the file ends inside a string (truncated?)");
  }
  // i at the first byte of a value; returns the index after it.
  std::size_t value_end(std::size_t i) const {
    if (i >= m_t.size()) fail(i, "the file ends where a value was expected (truncated?)");
    const char c = m_t[i];
    if (c == '"') return string_end(i);
    if (c != '{' && c != '[') {
      while (i < m_t.size() && m_t[i] != ',' && m_t[i] != '}' && m_t[i] != ']' && m_t[i] != ' ' && m_t[i] != '\n' &&
             m_t[i] != '\r' && m_t[i] != '\t')
        ++i;
      return i;
    }
    std::size_t depth = 0;
    const char* p = m_t.data();
    const std::size_t n = m_t.size();
    for (i = next_structural(p, i, n); i < n; i = next_structural(p, i + 1, n)) {
      switch (p[i]) {
        case '"':
          i = string_end(i) - 1;
          break;
        case '{':
        case '[':
          ++depth;
          break;
        default:  // } or ]
          if (--depth == 0) return i + 1;
          break;
      }
    }
    fail(n, "the file ends inside an object or list (truncated?)");
  }
  [[noreturn]] void fail(std::size_t offset, const std::string& message) const {
    throw InputError(m_cur.at(offset), "invalid JSON: " + message);
  }
  char at(std::size_t i) const { return i < m_t.size() ? m_t[i] : '\0'; }

 private:
  std::string_view m_t;
  const Cursor& m_cur;
};

LocalDelivery CocoParser::parse() {
  const std::string_view text = m_file.view();
  m_cur.set_buffer(text.data(), 0);
  reserve();
  Layout lay(text, m_cur);
  std::string buffer;  // one slice of a list, wrapped in [ ], padded for simdjson

  // Hands the elements of the list at [begin, end) to `each` in slices of about 8 MB.
  auto for_each_slice = [&](std::size_t begin, std::size_t end, const char* what, auto&& each) {
    if (lay.at(begin) != '[') throw InputError(m_cur.at(begin, {}, what), "expected a list");
    std::size_t i = lay.skip_ws(begin + 1);
    constexpr std::size_t k_slice = std::size_t{8} << 20;
    while (i < end - 1) {
      const std::size_t start = i;
      std::size_t last = i;
      while (i < end - 1 && last - start < k_slice) {
        last = lay.value_end(i);
        i = lay.skip_ws(last);
        if (lay.at(i) == ',') i = lay.skip_ws(i + 1);
        else if (i != end - 1) lay.fail(i, fmt::format("expected ',' or ']' in \"{}\"", what));
      }
      buffer.assign(1, '[');
      buffer.append(text.substr(start, last - start));
      buffer.push_back(']');
      const std::size_t len = buffer.size();
      buffer.append(simdjson::SIMDJSON_PADDING, '\0');
      m_cur.set_buffer(buffer.data() + 1, start);
      m_cur.set_chunk_end(last);
      check_iterate(m_parser.iterate(buffer.data(), len, buffer.size()).get(m_doc));
      od::array arr;
      check(m_doc.get_array().get(arr));
      each(arr);
      if (m_doc.current_location().error() == simdjson::SUCCESS) m_cur.syntax(m_doc, simdjson::TRAILING_CONTENT);
      m_file.release_before(last);
    }
    m_cur.set_buffer(text.data(), 0);
    m_cur.set_chunk_end(0);
  };

  bool results_file = false;
  std::size_t index = 0;
  auto annotations = [&](od::array arr) {
    each_object(arr, "annotation", "expected an annotation object", index, [&](od::object obj) {
      if (index % 4096 == 0) m_file.release_before(m_cur.current());  // pages already walked
      parse_annotation(obj, index);
    });
  };

  std::size_t i = lay.skip_ws(0);
  if (lay.at(i) == '[') {
    results_file = true;
    const std::size_t end = lay.value_end(i);
    if (lay.skip_ws(end) != text.size()) lay.fail(lay.skip_ws(end), "unexpected text after the list");
    for_each_slice(i, end, "annotations", annotations);
    return finish(results_file);
  }
  if (lay.at(i) != '{') {
    throw InputError(m_cur.at(i), "not a COCO file: expected a JSON object with \"images\", \"annotations\" and "
                                  "\"categories\", or a list of annotations");
  }
  // Top-level keys; the lists are parsed after the scan so categories may follow annotations.
  std::optional<std::pair<std::size_t, std::size_t>> images, categories, anns;
  i = lay.skip_ws(i + 1);
  if (lay.at(i) == '}') i = lay.skip_ws(i + 1);
  else {
    for (;;) {
      if (lay.at(i) != '"') lay.fail(i, "expected a key");
      const std::size_t key_end = lay.string_end(i);
      const std::string_view key = text.substr(i + 1, key_end - i - 2);
      i = lay.skip_ws(key_end);
      if (lay.at(i) != ':') lay.fail(i, "expected ':' after a key");
      i = lay.skip_ws(i + 1);
      const std::size_t vend = lay.value_end(i);
      if (key == "images") images = std::make_pair(i, vend);
      else if (key == "categories") categories = std::make_pair(i, vend);
      else if (key == "annotations") anns = std::make_pair(i, vend);
      i = lay.skip_ws(vend);
      if (lay.at(i) == ',') {
        i = lay.skip_ws(i + 1);
        continue;
      }
      if (lay.at(i) != '}') lay.fail(i, "expected ',' or '}' after a value");
      i = lay.skip_ws(i + 1);
      break;
    }
  }
  if (i != text.size()) lay.fail(i, "unexpected text after the top-level object");
  if (!anns) throw InputError(m_cur.at(0, {}, "annotations"), "not a COCO file: no \"annotations\" list");
  if (images) for_each_slice(images->first, images->second, "images", [&](od::array arr) { parse_images(arr); });
  if (categories) for_each_slice(categories->first, categories->second, "categories", [&](od::array arr) { parse_categories(arr); });
  for_each_slice(anns->first, anns->second, "annotations", annotations);
  return finish(results_file);
}

LocalDelivery CocoParser::finish(bool results_file) {
  auto& objs = m_out.objects.objects;
  // Categories by name; ids are only this file's.
  std::map<std::string, std::uint32_t> cat_index;
  if (!results_file) {
    for (const auto& [id, name] : m_category_by_id) cat_index.emplace(name, 0);
  }
  if (results_file) {
    for (const auto& r : m_raw) cat_index.emplace(std::to_string(r.category_id), 0);
  }
  std::uint32_t next = 0;
  for (auto& [name, idx] : cat_index) {
    idx = next++;
    m_out.categories.push_back(name);
  }
  std::size_t mask_index = 0;
  for (std::size_t i = 0; i < objs.size(); ++i) {
    auto& o = objs[i];
    const auto& raw = m_raw[i];
    auto where = [&](const std::string& field) {
      return m_cur.at(o.offset, fmt::format("annotation {}", o.id), field);
    };
    if (results_file) {
      o.category = static_cast<std::int32_t>(cat_index.at(std::to_string(raw.category_id)));
      auto [it, fresh] = m_image_by_id.emplace(raw.image_id, static_cast<std::uint32_t>(m_out.images.size()));
      if (fresh) m_out.images.push_back(ImageInfo{std::to_string(raw.image_id), 0, 0});
      o.image = it->second;
    } else {
      auto c = m_category_by_id.find(raw.category_id);
      if (c == m_category_by_id.end()) throw InputError(where("category_id"), fmt::format("category id {} is not in \"categories\"", raw.category_id));
      o.category = static_cast<std::int32_t>(cat_index.at(c->second));
      auto im = m_image_by_id.find(raw.image_id);
      if (im == m_image_by_id.end()) throw InputError(where("image_id"), fmt::format("image id {} is not in \"images\"", raw.image_id));
      o.image = im->second;
    }
    auto& img = m_out.images[o.image];
    if (o.shape == Shape::mask) {
      const auto [h, w] = m_rle_sizes[mask_index++];
      if (img.width == 0 && img.height == 0) {
        img.height = h;
        img.width = w;
      } else if (img.height != h || img.width != w) {
        throw InputError(where("segmentation.size"), fmt::format("RLE size is {}x{} (height x width) but image \"{}\" is {}x{}", h, w, img.name, img.height, img.width));
      }
    }
  }
  for (const auto& o : objs) {
    const auto& img = m_out.images[o.image];
    if (o.shape == Shape::polygon && (img.width == 0 || img.height == 0)) {
      throw InputError(m_cur.at(o.offset, fmt::format("annotation {}", o.id), "segmentation"),
                       fmt::format("image \"{}\" has no width and height, needed to rasterise the polygon", img.name));
    }
  }
  m_out.objects.has_image.assign(m_out.images.size(), 1);
  return std::move(m_out);
}

}  // namespace

std::string annotator_from_path(const std::string& path) {
  std::filesystem::path p(path);
  while (!p.empty() && p.filename().empty()) p = p.parent_path();  // "dir/" -> "dir"
  std::string stem = p.stem().string();
  return stem.empty() ? path : stem;
}

std::vector<std::string> annotator_names(const std::vector<std::string>& paths, const std::vector<std::string>& explicit_names) {
  std::vector<std::string> names;
  if (!explicit_names.empty()) {
    if (explicit_names.size() != paths.size()) {
      throw UsageError(fmt::format("--annotators names {} annotators but {} inputs were given", explicit_names.size(), paths.size()));
    }
    names = explicit_names;
  } else {
    for (const auto& p : paths) names.push_back(annotator_from_path(p));
  }
  std::vector<std::string> sorted = names;
  std::sort(sorted.begin(), sorted.end());
  auto dup = std::adjacent_find(sorted.begin(), sorted.end());
  if (dup != sorted.end()) {
    throw UsageError(fmt::format("two inputs would both be annotator \"{}\"; name them with --annotators a,b,...", *dup));
  }
  return names;
}

bool looks_like_coco(const std::string& path) {
  MappedFile f(path);
  auto head = f.view().substr(0, 1 << 16);
  std::size_t i = head.find_first_not_of(" \t\r\n");
  if (i == std::string_view::npos) return false;
  if (head[i] == '{') {
    return head.find("\"annotations\"") != std::string_view::npos || head.find("\"images\"") != std::string_view::npos ||
           head.find("\"categories\"") != std::string_view::npos || head.find("\"info\"") != std::string_view::npos ||
           head.find("\"licenses\"") != std::string_view::npos;
  }
  if (head[i] == '[') return head.find("\"image_id\"") != std::string_view::npos;
  return false;
}

ObjectSet merge_deliveries(std::vector<LocalDelivery> deliveries) {
  ObjectSet set;
  std::map<std::string, ImageInfo> images;
  std::map<std::string, std::string> image_owner;  // first file that gave an image its size
  std::map<std::string, std::int32_t> categories;
  for (const auto& d : deliveries) {
    for (const auto& img : d.images) {
      auto [it, fresh] = images.emplace(img.name, img);
      if (fresh) {
        if (img.width) image_owner[img.name] = d.objects.file;
        continue;
      }
      auto& known = it->second;
      if (img.width == 0 && img.height == 0) continue;
      if (known.width == 0 && known.height == 0) {
        known.width = img.width;
        known.height = img.height;
        image_owner[img.name] = d.objects.file;
      } else if (known.width != img.width || known.height != img.height) {
        throw InputError({.file = d.objects.file, .item = img.name},
                         fmt::format("image is {}x{} here but {}x{} in {}", img.width, img.height, known.width, known.height, image_owner[img.name]));
      }
    }
    for (const auto& c : d.categories) categories.emplace(c, 0);
  }
  std::map<std::string, std::uint32_t> image_index;
  for (auto& [name, info] : images) {
    image_index[name] = static_cast<std::uint32_t>(set.images.size());
    set.images.push_back(info);
  }
  for (auto& [name, idx] : categories) {
    idx = static_cast<std::int32_t>(set.categories.size());
    set.categories.push_back(name);
  }
  std::sort(deliveries.begin(), deliveries.end(), [](const LocalDelivery& a, const LocalDelivery& b) { return a.objects.name < b.objects.name; });
  for (auto& d : deliveries) {
    std::vector<std::uint32_t> img_map(d.images.size());
    for (std::size_t i = 0; i < d.images.size(); ++i) img_map[i] = image_index.at(d.images[i].name);
    std::vector<std::int32_t> cat_map(d.categories.size());
    for (std::size_t i = 0; i < d.categories.size(); ++i) cat_map[i] = categories.at(d.categories[i]);
    AnnotatorObjects a = std::move(d.objects);
    std::vector<std::uint8_t> has(set.images.size(), 0);
    for (std::size_t i = 0; i < d.images.size(); ++i) has[img_map[i]] = a.has_image.empty() ? 1 : a.has_image[i];
    a.has_image = std::move(has);
    for (auto& o : a.objects) {
      o.image = img_map[o.image];
      o.category = cat_map[static_cast<std::size_t>(o.category)];
    }
    index_objects(a, set.images.size());
    set.annotators.push_back(std::move(a));
  }
  return set;
}

ObjectSet read_coco_files(const std::vector<std::string>& paths, const std::vector<std::string>& names) {
  std::vector<LocalDelivery> deliveries;
  od::parser parser;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    MappedFile file(paths[i]);
    CocoParser p(file, parser);
    LocalDelivery d = p.parse();
    d.objects.name = names.empty() ? annotator_from_path(paths[i]) : names[i];
    d.objects.file = paths[i];
    deliveries.push_back(std::move(d));
  }
  return merge_deliveries(std::move(deliveries));
}

}  // namespace labelqa::io
