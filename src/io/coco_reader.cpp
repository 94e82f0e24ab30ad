#include "labelqa/io/coco_reader.hpp"

#include "labelqa/geometry/keypoints.hpp"

#include "labelqa/error.hpp"
#include "labelqa/io/mapped_file.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <set>
#include <limits>
#include <simdjson.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_sort.h>
#include <atomic>
#include <tbb/task_arena.h>
#include <cstring>
#include <memory>
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
    Location loc{.file = m_file.path(), .line = m_file.line_of(offset),
                 .offset = offset, .has_offset = true, .item = std::move(item), .field = std::move(field)};
    return loc;
  }

  // Names the annotation being read ("annotation 17 (id 123)") for messages.
  std::string item() const {
    if (!m_kind) return {};
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
  void leave() { m_kind = nullptr; }
  const char* kind() const { return m_kind; }
  std::optional<std::int64_t> id() const { return m_has_id ? std::optional<std::int64_t>(m_id) : std::nullopt; }
  void set_chunk_end(std::uint64_t end) { m_chunk_end = end; }
  std::uint64_t current() const { return m_offset; }

  [[noreturn]] void fail(const std::string& field, const std::string& message, Defect defect = Defect::schema) const {
    throw InputError(at(m_offset, item(), field), message, defect);
  }
  [[noreturn]] void syntax(od::document& doc, error_code err) const {
    std::uint64_t offset = m_file.view().size();
    const char* p = nullptr;
    // An unbalanced document is detected when the walk starts (the last structural character does
    // not close the first): the problem is at the end of the file, typically a truncated download.
    if (err != simdjson::INCOMPLETE_ARRAY_OR_OBJECT && !doc.current_location().get(p)) offset = offset_of(p);
    else if (err == simdjson::INCOMPLETE_ARRAY_OR_OBJECT && m_chunk_end) offset = m_chunk_end;
    throw InputError(at(offset, item()), fmt::format("invalid JSON: {}", simdjson::error_message(err)), Defect::broken_file);
  }

 private:
  const MappedFile& m_file;
  const char* m_buf = nullptr;
  std::uint64_t m_buf_offset = 0;
  const char* m_kind = nullptr;  // "annotation", "image", ...: a literal
  std::size_t m_index = 0;
  std::int64_t m_id = 0;
  bool m_has_id = false;
  std::uint64_t m_offset = 0;
  std::uint64_t m_chunk_end = 0;
};

// Byte-level layout of a JSON text: where values start and end, found by tracking strings and
// nesting without parsing. COCO files are one huge object; its three lists are handed to simdjson
// in slices of a few MB, so the parser's buffers stay small and hot instead of growing to the
// size of the file (see docs/formats.md).
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

// Bit k of each mask: byte k of a 64-byte block is a quote, a backslash, an opening or a closing bracket.
struct Block {
  std::uint64_t quote = 0, backslash = 0, open = 0, close = 0;
};
Block classify(const char* p) {
  Block b;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), open = _mm_set1_epi8('{'),
                close = _mm_set1_epi8('}'), fold = _mm_set1_epi8(0x20);  // '[' | 0x20 == '{', ']' | 0x20 == '}'
  __m128i v[4], q[4], e[4], o[4], c[4];
  __m128i any = _mm_setzero_si128();
  for (int k = 0; k < 4; ++k) {
    v[k] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    const __m128i f = _mm_or_si128(v[k], fold);
    q[k] = _mm_cmpeq_epi8(v[k], quote);
    e[k] = _mm_cmpeq_epi8(v[k], backslash);
    o[k] = _mm_cmpeq_epi8(f, open);
    c[k] = _mm_cmpeq_epi8(f, close);
    any = _mm_or_si128(any, _mm_or_si128(_mm_or_si128(q[k], e[k]), _mm_or_si128(o[k], c[k])));
  }
  if (_mm_movemask_epi8(any) == 0) return b;  // most blocks of a COCO file: numbers and commas only
  for (int k = 0; k < 4; ++k) {
    auto bits = [&](__m128i eq) { return static_cast<std::uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(eq))) << (16 * k); };
    b.quote |= bits(q[k]);
    b.backslash |= bits(e[k]);
    b.open |= bits(o[k]);
    b.close |= bits(c[k]);
  }
#else
  for (int k = 0; k < 64; ++k) {
    const std::uint64_t bit = std::uint64_t{1} << k;
    const char c = p[k];
    if (c == '"') b.quote |= bit;
    if (c == '\\') b.backslash |= bit;
    if (c == '{' || c == '[') b.open |= bit;
    if (c == '}' || c == ']') b.close |= bit;
  }
#endif
  return b;
}
// Bit k of the result: the xor of bits 0..k of x (1 from an opening quote up to, not including,
// the closing one).
std::uint64_t prefix_xor(std::uint64_t x) {
  for (int shift = 1; shift < 64; shift *= 2) x ^= x << shift;
  return x;
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
    // 64 bytes at a time: quotes not escaped by an odd run of backslashes delimit strings; brackets
    // outside strings change the depth. A block whose closing brackets cannot bring the depth to
    // zero is passed over whole.
    const char* p = m_t.data();
    const std::size_t n = m_t.size();
    std::int64_t depth = 0;
    bool in_string = false, escape_next = false;
    for (; i + 64 <= n; i += 64) {
      const Block b = classify(p + i);
      if ((b.quote | b.backslash | b.open | b.close) == 0 && !escape_next) continue;
      std::uint64_t escaped = 0, bs = b.backslash;
      if (escape_next) {
        escaped = 1;
        bs &= ~std::uint64_t{1};
      }
      escape_next = false;
      while (bs) {
        const int k = std::countr_zero(bs);
        if (k == 63) {
          escape_next = true;
          break;
        }
        escaped |= std::uint64_t{2} << k;
        bs &= ~(std::uint64_t{3} << k);
      }
      std::uint64_t inside = prefix_xor(b.quote & ~escaped);
      if (in_string) inside = ~inside;
      in_string = inside >> 63;
      const std::uint64_t open = b.open & ~inside, close = b.close & ~inside;
      if ((open | close) == 0) continue;
      const int closes = std::popcount(close);
      if (depth > closes) {
        depth += std::popcount(open) - closes;
        continue;
      }
      for (std::uint64_t bits = open | close; bits; bits &= bits - 1) {
        const int k = std::countr_zero(bits);
        if (open >> k & 1) ++depth;
        else if (--depth == 0) return i + static_cast<std::size_t>(k) + 1;
      }
    }
    for (; i < n; ++i) {
      const char ch = p[i];
      if (in_string) {
        if (escape_next) escape_next = false;
        else if (ch == '\\') escape_next = true;
        else if (ch == '"') in_string = false;
      } else if (ch == '"') {
        in_string = true;
      } else if (ch == '{' || ch == '[') {
        ++depth;
      } else if ((ch == '}' || ch == ']') && --depth == 0) {
        return i + 1;
      }
    }
    if (in_string) fail(n, "the file ends inside a string (truncated?)");
    fail(n, "the file ends inside an object or list (truncated?)");
  }
  [[noreturn]] void fail(std::size_t offset, const std::string& message) const {
    throw InputError(m_cur.at(offset), "invalid JSON: " + message, Defect::broken_file);
  }
  char at(std::size_t i) const { return i < m_t.size() ? m_t[i] : '\0'; }

 private:
  std::string_view m_t;
  const Cursor& m_cur;
};

struct RawObject {
  std::int64_t image_id = 0;
  std::int64_t category_id = 0;
  double area = std::numeric_limits<double>::quiet_NaN();  // the file's "area" (NaN: none)
  std::int64_t num_keypoints = -1;                          // the file's "num_keypoints" (-1: none)
  bool has_bbox = false;
};

// Annotations parsed from one slice of the "annotations" list, with ring and mask indices local to
// the slice; appended to the delivery in file order. Polygon coordinates go straight to their
// final place: each slice owns a region of the delivery's coordinate buffer large enough for any
// text of its length (a number and the comma or bracket after it take two bytes or more).
struct Chunk {
  std::vector<SpatialObject> objects;
  std::vector<RawObject> raw;
  double* coords = nullptr;                // the region: coords[0] is position ring_start[0]
  std::size_t coords_used = 0;
  std::size_t coords_capacity = 0;
  std::vector<std::uint32_t> ring_start;   // absolute positions in the delivery's buffer
  std::vector<geometry::Rle> masks;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> rle_sizes;  // per mask: h, w
  std::vector<std::size_t> with_id;                                // objects whose file gave an id
  std::vector<ReadProblem> problems;                               // lenient reading: what was left out
  std::vector<std::pair<std::size_t, std::vector<ObjectAttribute>>> attributes;  // (object, its "attributes")

  void clear(Coordinates& buffer, std::size_t region, std::size_t capacity) {
    objects.clear();
    raw.clear();
    coords = buffer.data() + region;
    coords_used = 0;
    coords_capacity = capacity;
    ring_start.assign(1, static_cast<std::uint32_t>(region));
    masks.clear();
    rle_sizes.clear();
    with_id.clear();
    problems.clear();
    attributes.clear();
  }
};

// Annotation id -> byte offset of its first occurrence (duplicate ids are bad input).
using IdIndex = std::unordered_map<std::int64_t, std::uint64_t>;

// Reads the values of one COCO file with simdjson On-Demand; one per thread in flight.
class ValueReader {
 public:
  explicit ValueReader(const MappedFile& file, std::vector<ReadProblem>* problems = nullptr) : m_cur(file), m_problems(problems) {}
  // Lenient reading records problems here (instead of throwing) and drops what they concern.
  void set_problems(std::vector<ReadProblem>* problems) { m_problems = problems; }
  bool lenient() const { return m_problems != nullptr; }
  // Sizes the buffers for slices of about `bytes` once, instead of growing them slice by slice.
  void reserve(std::size_t bytes) {
    m_buffer.reserve(bytes + simdjson::SIMDJSON_PADDING + 2);
    if (m_parser.allocate(bytes + 2)) m_buffer.clear();  // out of memory: grown on demand instead
  }

  Cursor& cursor() { return m_cur; }

  // Parses the list elements at text[start, end) (without the brackets), calling each(array).
  template <class F>
  void parse_slice(std::string_view text, std::size_t start, std::size_t end, F&& each) {
    m_buffer.assign(1, '[');
    m_buffer.append(text.substr(start, end - start));
    m_buffer.push_back(']');
    const std::size_t len = m_buffer.size();
    m_buffer.append(simdjson::SIMDJSON_PADDING, '\0');
    m_cur.set_buffer(m_buffer.data() + 1, start);
    m_cur.set_chunk_end(end);
    if (auto err = m_parser.iterate(m_buffer.data(), len, m_buffer.size()).get(m_doc)) {
      throw InputError(m_cur.at(m_cur.offset_of(nullptr)), fmt::format("invalid JSON: {}", simdjson::error_message(err)), Defect::broken_file);
    }
    od::array arr;
    check(m_doc.get_array().get(arr));
    each(arr);
    if (m_doc.current_location().error() == simdjson::SUCCESS) m_cur.syntax(m_doc, simdjson::TRAILING_CONTENT);
    m_cur.set_chunk_end(0);
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
      if (!m_problems) {
        od::object obj;
        if (v.get_object().get(obj)) m_cur.fail("", expected);
        per_object(obj);
        continue;
      }
      try {
        od::object obj;
        if (v.get_object().get(obj)) m_cur.fail("", expected);
        per_object(obj);
      } catch (const InputError& e) {
        if (e.defect() == Defect::broken_file) throw;
        m_problems->push_back({e.where(), e.message(), e.defect(), kind, m_cur.id()});
      }
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

  std::int64_t get_int(od::value v, const char* field) {
    std::int64_t x = 0;
    if (!v.get_int64().get(x)) return x;
    od::json_type t;
    check(v.type().get(t));
    if (t == od::json_type::number) {  // 3.0 or 1e3: integers written as floating point
      double d = 0;
      if (!v.get_double().get(d) && std::floor(d) == d && std::fabs(d) < 9e15) return static_cast<std::int64_t>(d);
    }
    type_error(field, "an integer");
  }
  double get_number(od::value v, const char* field) {
    double d = 0;
    if (v.get_double().get(d)) not_a_number(v, field);
    return d;
  }
  // A value that is not a number: NaN and Infinity (which Python's json module writes) are
  // degenerate coordinates, anything else the wrong type.
  [[noreturn]] void not_a_number(od::value v, const char* field) {
    std::string_view raw = v.raw_json_token();
    while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t' || raw.back() == ',' ||
                            raw.back() == ']' || raw.back() == '}'))
      raw.remove_suffix(1);
    if (raw == "NaN" || raw == "nan" || raw == "Infinity" || raw == "-Infinity" || raw == "inf" || raw == "-inf") {
      m_cur.fail(field, fmt::format("coordinate {} is not a finite number", raw), Defect::degenerate);
    }
    type_error(field, "a number");
  }
  std::uint32_t get_dim(od::value v, const char* field) {
    const std::int64_t x = get_int(v, field);
    if (x < 0 || x > 1000000) m_cur.fail(field, fmt::format("expected a size between 0 and 1000000 pixels, got {}", x));
    return static_cast<std::uint32_t>(x);
  }
  std::string get_text(od::value v, const char* field) {
    std::string_view s;
    if (v.get_string().get(s)) type_error(field, "a string");
    return std::string(s);
  }

  // An annotation's "attributes" object (CVAT's and datumaro's COCO exports): strings as they are,
  // booleans "true"/"false", numbers as written; lists, objects and null are not attribute values.
  // The keys CVAT's quality control leaves out of attribute comparison (track_id, keyframe,
  // z_order, group, rotation, outside) are not read as attributes.
  std::vector<ObjectAttribute> parse_attributes(od::value v) {
    od::object obj;
    if (v.get_object().get(obj)) type_error("attributes", "an object of attribute values");
    std::vector<ObjectAttribute> out;
    each_field(obj, [&](std::string_view key, od::value fv) {
      od::json_type t;
      check(fv.type().get(t));
      const bool ignored = key == "track_id" || key == "keyframe" || key == "z_order" || key == "group" || key == "rotation" || key == "outside";
      if (ignored || t == od::json_type::array || t == od::json_type::object || t == od::json_type::null) {
        skip_checked(fv);
        return;
      }
      if (t == od::json_type::string) {
        out.push_back({std::string(key), get_text(fv, "attributes")});
      } else if (t == od::json_type::boolean) {
        bool b = false;
        check(fv.get_bool().get(b));
        out.push_back({std::string(key), b ? "true" : "false"});
      } else {
        od::number n;
        std::string_view raw = fv.raw_json_token();
        check(fv.get_number().get(n));
        while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t' || raw.back() == ',' || raw.back() == '}'))
          raw.remove_suffix(1);
        out.push_back({std::string(key), std::string(raw)});
      }
    });
    std::stable_sort(out.begin(), out.end(), [](const ObjectAttribute& x, const ObjectAttribute& y) { return x.name < y.name; });
    return out;
  }

  // One annotation object into `out`. With `ids`, duplicate ids fail here; without, the objects
  // that carry an id are listed in out.with_id for the caller to check.
  void parse_annotation(od::object ann, std::size_t index, Chunk& out, IdIndex* ids);

  // Walks a value the reader does not use, so that malformed JSON anywhere in the file is an
  // error (simdjson On-Demand would otherwise skip it by counting brackets).
  void skip_checked(od::value v) {
    od::json_type t;
    check(v.type().get(t));
    switch (t) {
      case od::json_type::array: {
        od::array arr;
        check(v.get_array().get(arr));
        for (auto element : arr) {
          od::value ev;
          check(element.get(ev));
          skip_checked(ev);
        }
        break;
      }
      case od::json_type::object: {
        od::object obj;
        check(v.get_object().get(obj));
        each_field(obj, [&](std::string_view, od::value fv) { skip_checked(fv); });
        break;
      }
      case od::json_type::number: {
        od::number n;
        check(v.get_number().get(n));
        break;
      }
      case od::json_type::string: {
        std::string_view sv;
        check(v.get_string().get(sv));
        break;
      }
      case od::json_type::boolean: {
        bool b = false;
        check(v.get_bool().get(b));
        break;
      }
      case od::json_type::null: {
        bool is_null = false;
        check(v.is_null().get(is_null));
        if (!is_null) check(simdjson::N_ATOM_ERROR);
        break;
      }
    }
  }

  void check(error_code err) {
    if (err) m_cur.syntax(m_doc, err);
  }
  [[noreturn]] void type_error(const char* field, const char* expected) { m_cur.fail(field, fmt::format("expected {}", expected)); }

 private:
  void parse_polygons(od::array rings, SpatialObject& o, Chunk& out);
  void read_numbers(od::array ring, Chunk& out, const char* field);
  void parse_rle(od::object rle, SpatialObject& o, Chunk& out);

  Cursor m_cur;
  std::vector<ReadProblem>* m_problems = nullptr;
  od::parser m_parser;
  od::document m_doc;
  std::string m_buffer;  // one slice of a list, wrapped in [ ], padded for simdjson
};

class CocoParser {
 public:
  // fast: the annotations list is cut into slices at guessed places and parsed in parallel; any
  // error (or a guess that does not hold) throws, and the caller reads the file again exactly:
  // serially, with every boundary found by the layout scan, naming the first error precisely.
  // problems: lenient reading (see read_coco_checked); null: the first problem throws.
  CocoParser(MappedFile& file, std::size_t slice_bytes, bool fast, LenientRead* check = nullptr)
      : m_file(file), m_cur(file), m_reader(file, check ? &check->problems : nullptr), m_slice_bytes(slice_bytes), m_fast(fast), m_check(check) {}

  LocalDelivery parse();
  // Set when the file gives "annotations" more than once: the list at this offset (the last) is
  // the one read, as Python's json reads it.
  std::optional<std::size_t> annotations_at;
  // The offset of the last "annotations" list when it is not the one parse() read (then parse
  // again with annotations_at set to it).
  std::optional<std::size_t> later_annotations;

 private:
  void parse_images(od::array images);
  void parse_categories(od::array categories);
  // Parses the annotations list starting at `begin` and returns one past its end.
  std::size_t parse_annotations(const Layout& lay, std::size_t begin);
  void append(Chunk& chunk, bool exact);
  LocalDelivery finish(bool results_file);
  LocalDelivery finish_checked(const std::unordered_map<std::int64_t, std::int32_t>& category_of_id);
  // An RLE mask must have its image's size (an image without one takes the mask's): why not, or nullopt.
  std::optional<std::string> mask_size_mismatch(const SpatialObject& o) {
    if (o.shape != Shape::mask) return std::nullopt;
    auto& img = m_out.images[o.image];
    const auto [h, w] = m_rle_sizes[o.geom];
    if (img.width == 0 && img.height == 0) {
      img.height = h;
      img.width = w;
    } else if (img.height != h || img.width != w) {
      return fmt::format("RLE size is {}x{} (height x width) but image \"{}\" is {}x{}", h, w, img.name, img.height, img.width);
    }
    return std::nullopt;
  }

  MappedFile& m_file;
  Cursor m_cur;
  ValueReader m_reader;  // images, categories, and annotations when read serially
  std::size_t m_slice_bytes;
  bool m_fast;

  LocalDelivery m_out;
  std::unordered_map<std::int64_t, std::uint32_t> m_image_by_id;
  std::map<std::string, std::uint32_t, std::less<>> m_image_by_name;
  std::vector<std::int64_t> m_image_id;  // per image read: its id
  std::unordered_map<std::int64_t, std::string> m_category_by_id;
  std::vector<RawObject> m_raw;
  std::vector<std::pair<std::size_t, std::vector<ObjectAttribute>>> m_attributes;  // (object, its attributes), by object
  IdIndex m_ids;                          // serial reading: id -> offset of its first use
  std::vector<std::int64_t> m_given_ids;  // parallel reading: the ids, checked once all are read
  std::vector<std::pair<std::uint32_t, std::uint32_t>> m_rle_sizes;  // per mask: h, w
  std::size_t m_image_index = 0;
  std::size_t m_category_index = 0;
  LenientRead* m_check = nullptr;
  std::set<std::int64_t> m_rejected_images, m_rejected_categories;  // lenient: left out, with a problem already
};

// Thrown by the fast reading when its guesses do not hold (the end of the annotations list cannot
// be found from the end of the file) or the slices parsed in parallel hold a duplicate id: the file
// is then read again serially, which finds every boundary exactly and names the duplicate.
struct RetrySerially {};

void CocoParser::parse_images(od::array images) {
  auto& r = m_reader;
  r.each_object(images, "image", "expected an image object", m_image_index, [&](od::object obj) {
    std::optional<std::int64_t> id;
    std::optional<std::string> file_name;
    ImageInfo info;
    r.each_field(obj, [&](std::string_view key, od::value fv) {
      if (key == "id") {
        id = r.get_int(fv, "id");
        r.cursor().set_id(*id);
      } else if (key == "file_name") {
        file_name = r.get_text(fv, "file_name");
      } else if (key == "width") {
        info.width = r.get_dim(fv, "width");
      } else if (key == "height") {
        info.height = r.get_dim(fv, "height");
      } else {
        r.skip_checked(fv);
      }
    });
    auto& cur = r.cursor();
    if (!id) cur.fail("id", "missing key \"id\"");
    if (static_cast<std::uint64_t>(info.width) * info.height > 0xFFFFFFFFull) {
      m_rejected_images.insert(*id);
      cur.fail("width", fmt::format("image of {}x{} pixels is too large (at most 2^32 pixels)", info.width, info.height));
    }
    info.name = file_name ? *file_name : std::to_string(*id);
    const auto local = static_cast<std::uint32_t>(m_out.images.size());
    if (m_image_by_id.count(*id)) cur.fail("id", fmt::format("duplicate image id {}", *id), Defect::missing_reference);
    // The image id and file name identify an image: two images of one file name are two items
    // (frames of different videos), told apart by their ids.
    if (auto [it, fresh] = m_image_by_name.emplace(info.name, local); !fresh) {
      info.key = fmt::format("image {}/{}", *id, info.name);
      auto& first = m_out.images[it->second];
      if (first.key.empty()) first.key = fmt::format("image {}/{}", m_image_id[it->second], first.name);
    }
    m_image_by_id.emplace(*id, local);
    m_image_id.push_back(*id);
    m_out.images.push_back(std::move(info));
  });
}

void CocoParser::parse_categories(od::array categories) {
  auto& r = m_reader;
  r.each_object(categories, "category", "expected a category object", m_category_index, [&](od::object obj) {
    std::optional<std::int64_t> id;
    std::optional<std::string> name;
    KeypointSchema schema;
    std::vector<std::vector<std::int64_t>> edges;
    r.each_field(obj, [&](std::string_view key, od::value fv) {
      if (key == "id") {
        id = r.get_int(fv, "id");
        r.cursor().set_id(*id);
      } else if (key == "name") {
        name = r.get_text(fv, "name");
      } else if (key == "keypoints") {
        od::array arr;
        if (fv.get_array().get(arr)) r.type_error("keypoints", "a list of keypoint names");
        for (auto e : arr) {
          od::value ev;
          r.check(e.get(ev));
          schema.names.push_back(r.get_text(ev, "keypoints"));
        }
      } else if (key == "skeleton") {
        od::array arr;
        if (fv.get_array().get(arr)) r.type_error("skeleton", "a list of [from, to] keypoint numbers");
        for (auto e : arr) {
          od::value ev;
          r.check(e.get(ev));
          od::array edge;
          if (ev.get_array().get(edge)) r.type_error("skeleton", "a list of [from, to] keypoint numbers");
          std::vector<std::int64_t> ends;
          for (auto x : edge) {
            od::value xv;
            r.check(x.get(xv));
            ends.push_back(r.get_int(xv, "skeleton"));
          }
          if (ends.size() != 2) r.type_error("skeleton", "[from, to] pairs of keypoint numbers");
          edges.push_back(ends);
        }
      } else {
        r.skip_checked(fv);
      }
    });
    auto& cur = r.cursor();
    if (!id) cur.fail("id", "missing key \"id\"");
    for (const auto& e : edges) {
      for (std::int64_t end : e) {
        if (end < 1 || end > static_cast<std::int64_t>(schema.names.size())) {
          cur.fail("skeleton", fmt::format("edge [{}, {}] names keypoint {}, but the category has {} keypoints (numbered from 1)", e[0], e[1], end,
                                           schema.names.size()),
                   Defect::missing_reference);
        }
      }
      schema.skeleton.emplace_back(static_cast<int>(e[0] - 1), static_cast<int>(e[1] - 1));
    }
    if (!name) {
      if (id) m_rejected_categories.insert(*id);
      cur.fail("name", "missing key \"name\"");
    }
    if (!m_category_by_id.emplace(*id, *name).second) cur.fail("id", fmt::format("duplicate category id {}", *id), Defect::missing_reference);
    if (!schema.names.empty()) m_out.keypoints[*name] = std::move(schema);
  });
}

void ValueReader::read_numbers(od::array ring, Chunk& out, const char* field) {
  for (auto n : ring) {
    od::value v;
    check(n.get(v));
    double d = 0;
    if (auto err = v.get_double().get(d)) {
      if (err == simdjson::INCORRECT_TYPE || err == simdjson::NUMBER_ERROR) not_a_number(v, field);
      check(err);
    }
    if (out.coords_used == out.coords_capacity) m_cur.fail(field, "more coordinates than the text can hold (internal error)");
    out.coords[out.coords_used++] = d;
  }
}

void ValueReader::parse_polygons(od::array rings, SpatialObject& o, Chunk& out) {
  const auto first_ring = static_cast<std::uint32_t>(out.ring_start.size() - 1);
  double x0 = HUGE_VAL, y0 = HUGE_VAL, x1 = -HUGE_VAL, y1 = -HUGE_VAL;
  std::size_t ring_index = 0;
  double* coords = out.coords;
  for (auto element : rings) {
    od::value rv;
    check(element.get(rv));
    const std::size_t begin = out.coords_used;
    od::array ring;
    if (rv.get_array().get(ring)) {
      type_error("segmentation", "a list of polygons [[x1, y1, x2, y2, ...], ...]");
    }
    read_numbers(ring, out, "segmentation");
    const std::size_t count = out.coords_used - begin;

    if (count % 2 != 0) {
      m_cur.fail("segmentation", fmt::format("polygon {} has an odd number of coordinates ({})", ring_index + 1, count));
    }
    for (std::size_t i = begin; i < out.coords_used; i += 2) {
      x0 = std::min(x0, coords[i]);
      x1 = std::max(x1, coords[i]);
      y0 = std::min(y0, coords[i + 1]);
      y1 = std::max(y1, coords[i + 1]);
    }
    out.ring_start.push_back(static_cast<std::uint32_t>(out.ring_start[0] + out.coords_used));
    ++ring_index;
  }
  if (ring_index == 0) return;  // [] : no segmentation, the bbox is the geometry
  o.shape = Shape::polygon;
  o.geom = first_ring;
  o.geom_end = static_cast<std::uint32_t>(out.ring_start.size() - 1);
  if (x0 > x1) {  // rings without points
    x0 = y0 = x1 = y1 = 0;
  }
  o.bbox = {x0, y0, x1 - x0, y1 - y0};
  o.extent = {std::floor(x0) - 1, std::floor(y0) - 1, std::ceil(x1) + 1, std::ceil(y1) + 1};
}

void ValueReader::parse_rle(od::object rle, SpatialObject& o, Chunk& out) {
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
          std::uint64_t u = 0;
          if (cv.get_uint64().get(u)) {  // not a plain non-negative integer: say what it is
            const std::int64_t x = get_int(cv, "segmentation.counts");
            m_cur.fail("segmentation.counts", fmt::format("run length {} out of range", x));
          }
          if (u > 0xFFFFFFFFull) m_cur.fail("segmentation.counts", fmt::format("run length {} out of range", u));
          counts.push_back(static_cast<std::uint32_t>(u));
        }
      } else {
        type_error("segmentation.counts", "a list of run lengths or a compressed RLE string");
      }
    } else {
      skip_checked(fv);
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
  o.geom = static_cast<std::uint32_t>(out.masks.size());
  const auto b = geometry::bbox(*r);
  o.bbox = b;
  o.extent = {b[0], b[1], b[0] + b[2], b[1] + b[3]};
  out.masks.push_back(std::move(*r));
  out.rle_sizes.emplace_back(h, w);
}

void ValueReader::parse_annotation(od::object ann, std::size_t index, Chunk& out, IdIndex* ids) {
  SpatialObject o;
  RawObject raw;
  bool has_image = false, has_category = false, has_id = false, has_bbox = false;
  std::optional<std::uint32_t> keypoint_ring;  // local ring index of the keypoints
  std::optional<std::size_t> keypoints_at;     // where they start in out.coords (the area slot)
  std::vector<ObjectAttribute> attributes;
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
    } else if (key == "keypoints") {
      od::array arr;
      if (fv.get_array().get(arr)) type_error("keypoints", "a list of x, y, v per keypoint");
      const std::size_t begin = out.coords_used;
      if (out.coords_used == out.coords_capacity) m_cur.fail("keypoints", "more coordinates than the text can hold (internal error)");
      out.coords[out.coords_used++] = std::numeric_limits<double>::quiet_NaN();  // the area, set below
      read_numbers(arr, out, "keypoints");
      const std::size_t count = out.coords_used - begin - 1;
      if (count % 3 != 0) m_cur.fail("keypoints", fmt::format("{} numbers, expected x, y, v for each keypoint (a multiple of 3)", count));
      for (std::size_t k = begin + 1; k < out.coords_used; k += 3) {
        const double v = out.coords[k + 2];
        if (v != 0 && v != 1 && v != 2) {
          m_cur.fail("keypoints", fmt::format("keypoint {} has visibility {}, expected 0 (not labelled), 1 (labelled, not visible) or 2 (visible)",
                                              (k - begin - 1) / 3 + 1, v),
                     Defect::degenerate);
        }
      }
      if (count == 0) {
        out.coords_used = begin;  // []: no keypoints
      } else {
        out.ring_start.push_back(static_cast<std::uint32_t>(out.ring_start[0] + out.coords_used));
        keypoint_ring = static_cast<std::uint32_t>(out.ring_start.size() - 2);
        keypoints_at = begin;
      }
    } else if (key == "num_keypoints" && lenient()) {
      od::json_type t;
      check(fv.type().get(t));
      if (t == od::json_type::number) raw.num_keypoints = get_int(fv, "num_keypoints");
      else skip_checked(fv);
    } else if (key == "area") {
      od::json_type t;
      check(fv.type().get(t));
      if (t == od::json_type::number) raw.area = get_number(fv, "area");
      else skip_checked(fv);
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
    } else if (key == "attributes") {
      attributes = parse_attributes(fv);
    } else if (key == "segmentation") {
      od::json_type t;
      check(fv.type().get(t));
      if (t == od::json_type::array) {
        od::array rings;
        check(fv.get_array().get(rings));
        parse_polygons(rings, o, out);
      } else if (t == od::json_type::object) {
        od::object rle;
        check(fv.get_object().get(rle));
        parse_rle(rle, o, out);
      } else if (t != od::json_type::null) {
        type_error("segmentation", "a list of polygons or an RLE object");
      }
    } else {
      skip_checked(fv);
    }
  }
  if (!has_image) m_cur.fail("image_id", "missing key \"image_id\"");
  if (!has_category) m_cur.fail("category_id", "missing key \"category_id\"");
  if (!has_id) o.id = static_cast<std::int64_t>(index);
  raw.has_bbox = has_bbox;
  if (keypoint_ring) {
    // Compared by its keypoints, as COCOeval does with iouType "keypoints"; the area scales OKS.
    out.coords[*keypoints_at] = raw.area;
    o.shape = Shape::keypoints;
    o.geom = *keypoint_ring;
    o.geom_end = *keypoint_ring + 1;
    const double* kp = out.coords + *keypoints_at + 1;
    const std::size_t K = (out.ring_start[*keypoint_ring + 1] - out.ring_start[*keypoint_ring] - 1) / 3;
    o.bbox = has_bbox ? bbox : geometry::keypoint_box(kp, K);
    const auto& b = o.bbox;
    o.extent = {std::floor(b[0]) - 1, std::floor(b[1]) - 1, std::ceil(b[0] + std::max(0.0, b[2])) + 1, std::ceil(b[1] + std::max(0.0, b[3])) + 1};
  } else if (o.shape == Shape::box) {
    if (!has_bbox) m_cur.fail("bbox", "annotation has neither a segmentation nor a bbox");
    o.bbox = bbox;
    const double x1 = bbox[0] + std::max(0.0, bbox[2]), y1 = bbox[1] + std::max(0.0, bbox[3]);
    o.extent = {std::floor(bbox[0]) - 1, std::floor(bbox[1]) - 1, std::ceil(x1) + 1, std::ceil(y1) + 1};
  } else if (has_bbox) {
    o.bbox = bbox;
  }
  if (has_id) {
    if (ids) {
      auto [it, fresh] = ids->emplace(o.id, o.offset);
      if (!fresh) m_cur.fail("id", fmt::format("duplicate annotation id {} (first at byte {})", o.id, it->second), Defect::missing_reference);
    } else {
      out.with_id.push_back(out.objects.size());
    }
  }
  if (!attributes.empty()) out.attributes.emplace_back(out.objects.size(), std::move(attributes));
  out.objects.push_back(o);
  out.raw.push_back(raw);
}

std::size_t skip_space(std::string_view t, std::size_t i, std::size_t end) {
  while (i < end && (t[i] == ' ' || t[i] == '\n' || t[i] == '\r' || t[i] == '\t')) ++i;
  return i;
}

// Where to end a slice of the list elements in [start, end) that should hold about `target` bytes:
// after a "}" followed by "," and "{" (white space allowed). Returns the cut and where the next
// slice starts. The cut is a guess (the same bytes may occur inside a string or a nested list), but
// a wrong one cannot go unnoticed: the slice before it then ends inside a string or an open object
// or list, which simdjson rejects.
std::pair<std::size_t, std::size_t> guess_cut(std::string_view t, std::size_t start, std::size_t end, std::size_t target) {
  for (std::size_t p = std::min(end, start + target); p < end;) {
    const void* hit = std::memchr(t.data() + p, '}', end - p);
    if (!hit) break;
    const auto q = static_cast<std::size_t>(static_cast<const char*>(hit) - t.data());
    const std::size_t comma = skip_space(t, q + 1, end);
    if (comma < end && t[comma] == ',') {
      const std::size_t open = skip_space(t, comma + 1, end);
      if (open < end && t[open] == '{') return {q + 1, open};
    }
    p = q + 1;
  }
  return {end, end};
}

// Where the list that starts at `begin` probably ends (one past its "]"), found from the end of the
// file backwards without reading the list: a results file ends with it; in a COCO object the values
// after it ("categories", ...) are stepped over backwards until one is a list whose last element
// has an "image_id", starts at `begin`, or is too long to step over. The guess is checked by what
// follows: the slices before it and the text after it must all parse.
std::optional<std::size_t> guess_list_end(std::string_view t, std::size_t begin) {
  auto back_space = [&](std::size_t i) {  // index of the last non-space byte before i, or npos
    while (i > 0 && (t[i - 1] == ' ' || t[i - 1] == '\n' || t[i - 1] == '\r' || t[i - 1] == '\t')) --i;
    return i == 0 ? std::string_view::npos : i - 1;
  };
  auto escaped = [&](std::size_t i) {  // whether the quote at i is preceded by an odd run of backslashes
    std::size_t n = 0;
    while (i > n && t[i - 1 - n] == '\\') ++n;
    return n % 2 == 1;
  };
  auto string_start = [&](std::size_t close) -> std::size_t {  // opening quote of the string ending at close
    for (std::size_t i = close; i-- > 0;) {
      if (t[i] == '"' && !escaped(i)) return i;
    }
    return std::string_view::npos;
  };
  std::size_t j = back_space(t.size());
  if (j == std::string_view::npos) return std::nullopt;
  if (t[begin] == '[' && begin == skip_space(t, 0, t.size())) {  // a results file: the list is the document
    return t[j] == ']' ? std::optional<std::size_t>(j + 1) : std::nullopt;
  }
  if (t[j] != '}') return std::nullopt;
  constexpr std::size_t k_budget = std::size_t{64} << 20;  // bytes stepped over backwards per value
  constexpr std::size_t k_window = std::size_t{64} << 10;  // bytes searched for the last element's "image_id"
  for (j = back_space(j);;) {
    if (j == std::string_view::npos || j <= begin) return std::nullopt;
    const std::size_t value_end = j + 1;
    std::size_t value_start = 0;
    if (t[j] == ']') {
      // A list whose last element has an "image_id" is taken to be the annotations.
      const std::size_t from = std::max(begin, j > k_window ? j - k_window : 0);
      if (t.substr(from, j - from).rfind("\"image_id\"") != std::string_view::npos) return value_end;
    }
    if (t[j] == ']' || t[j] == '}') {
      std::size_t depth = 0, i = j + 1;
      bool found = false;
      while (i-- > 0 && value_end - i <= k_budget) {
        const char c = t[i];
        if (c == '"' && !escaped(i)) {
          i = string_start(i);
          if (i == std::string_view::npos) return std::nullopt;
        } else if (c == ']' || c == '}') {
          ++depth;
        } else if ((c == '[' || c == '{') && --depth == 0) {
          found = true;
          break;
        }
      }
      if (!found) return t[j] == ']' ? std::optional<std::size_t>(value_end) : std::nullopt;  // too long: the list
      value_start = i;
    } else if (t[j] == '"') {
      value_start = string_start(j);
    } else {  // number, true, false, null
      value_start = j;
      while (value_start > 0 && t[value_start - 1] != ':' && t[value_start - 1] != ' ' && t[value_start - 1] != '\n' &&
             t[value_start - 1] != '\t' && t[value_start - 1] != '\r')
        --value_start;
    }
    if (value_start == std::string_view::npos) return std::nullopt;
    if (value_start == begin) return value_end;
    // Before the value: ':' and its key, then ',' (another value before) or '{' (the first key).
    std::size_t k = back_space(value_start);
    if (k == std::string_view::npos || t[k] != ':') return std::nullopt;
    k = back_space(k);
    if (k == std::string_view::npos || t[k] != '"') return std::nullopt;
    k = string_start(k);
    if (k == std::string_view::npos) return std::nullopt;
    k = back_space(k);
    if (k == std::string_view::npos || t[k] != ',') return std::nullopt;
    j = back_space(k);
  }
}

// Cuts a JSON list into slices of whole elements of about `target` bytes, at the element
// boundaries the layout scan finds; the scan also checks the list's commas and brackets.
class Slicer {
 public:
  Slicer(const Layout& lay, std::size_t begin, std::size_t target, const char* what) : m_lay(lay), m_target(target), m_what(what) {
    if (lay.at(begin) != '[') lay.fail(begin, fmt::format("expected a list for \"{}\"", what));
    m_i = lay.skip_ws(begin + 1);
    if (lay.at(m_i) == ']') finish(m_i);
  }
  // The next slice [start, end) (without brackets), or false when the list has ended.
  bool next(std::size_t& start, std::size_t& end) {
    if (m_done) return false;
    start = end = m_i;
    while (end - start < m_target) {
      end = m_lay.value_end(m_i);
      m_i = m_lay.skip_ws(end);
      if (m_lay.at(m_i) == ',') {
        m_i = m_lay.skip_ws(m_i + 1);
      } else if (m_lay.at(m_i) == ']') {
        finish(m_i);
        break;
      } else {
        m_lay.fail(m_i, fmt::format("expected ',' or ']' in \"{}\"", m_what));
      }
    }
    return true;
  }
  // One past the closing bracket, once next() has returned every slice.
  std::size_t list_end() const { return m_end; }

 private:
  void finish(std::size_t close) {
    m_done = true;
    m_end = close + 1;
  }
  const Layout& m_lay;
  std::size_t m_target;
  const char* m_what;
  std::size_t m_i = 0, m_end = 0;
  bool m_done = false;
};

LocalDelivery CocoParser::parse() {
  const std::string_view text = m_file.view();
  m_cur.set_buffer(text.data(), 0);
  Layout lay(text, m_cur);

  // The annotations list is parsed when the top-level scan reaches it.
  std::optional<std::size_t> anns;
  auto annotations = [&](std::size_t begin) {
    anns = begin;
    return parse_annotations(lay, begin);
  };

  bool results_file = false;
  std::optional<std::size_t> images, categories;
  std::set<std::string_view> seen_keys;
  std::vector<std::size_t> others;  // "info", "licenses", ...: checked, not used
  std::size_t i = lay.skip_ws(0);
  if (lay.at(i) == '[') {
    results_file = true;
    i = lay.skip_ws(annotations(i));
    if (i != text.size()) lay.fail(i, "unexpected text after the list");
  } else if (lay.at(i) != '{') {
    throw InputError(m_cur.at(i), "not a COCO file: expected a JSON object with \"images\", \"annotations\" and "
                                  "\"categories\", or a list of annotations");
  } else {
    i = lay.skip_ws(i + 1);
    if (lay.at(i) == '}') i = lay.skip_ws(i + 1);
    else {
      for (;;) {
        if (lay.at(i) != '"') lay.fail(i, "expected a key");
        const std::size_t key_start = i;
        const std::size_t key_end = lay.string_end(i);
        const std::string_view key = text.substr(i + 1, key_end - i - 2);
        i = lay.skip_ws(key_end);
        if (lay.at(i) != ':') lay.fail(i, "expected ':' after a key");
        i = lay.skip_ws(i + 1);
        std::size_t vend = 0;
        // A key given twice: the last is read, as Python's json (and so pycocotools) reads it.
        if (!seen_keys.insert(key).second && m_check && !annotations_at) {
          ReadProblem problem;
          problem.where = m_cur.at(key_start);
          problem.message = fmt::format("the key \"{}\" is given more than once at the top level: the last is read, as Python's json reads it", key);
          problem.defect = Defect::duplicate_key;
          problem.kind = "";
          m_check->problems.push_back(std::move(problem));
        }
        const bool read_here = key == "annotations" && (annotations_at ? i == *annotations_at : !anns);
        if (read_here) {
          vend = annotations(i);
        } else {
          vend = lay.value_end(i);
          if (key == "annotations") later_annotations = i;
          else if (key == "images") images = i;
          else if (key == "categories") categories = i;
          else others.push_back(i);
        }
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
    if (later_annotations && !annotations_at) return {};  // the caller parses again, reading the last list
  }
  for (std::size_t start : others) {
    m_reader.parse_slice(text, start, lay.value_end(start), [&](od::array arr) {
      for (auto element : arr) {
        od::value v;
        m_reader.check(element.get(v));
        m_reader.skip_checked(v);
      }
    });
  }
  auto small_list = [&](std::size_t begin, const char* what, auto&& parse_list) {
    Slicer slicer(lay, begin, m_slice_bytes, what);
    for (std::size_t start = 0, end = 0; slicer.next(start, end);) m_reader.parse_slice(text, start, end, parse_list);
  };
  if (images) small_list(*images, "images", [&](od::array arr) { parse_images(arr); });
  if (categories) small_list(*categories, "categories", [&](od::array arr) { parse_categories(arr); });
  return finish(results_file);
}

std::size_t CocoParser::parse_annotations(const Layout& lay, std::size_t begin) {
  const std::string_view text = m_file.view();
  auto& a = m_out.objects;
  a.objects.clear();
  a.ring_start.assign(1, 0);
  a.masks.clear();
  m_raw.clear();
  m_attributes.clear();
  m_ids.clear();
  m_given_ids.clear();
  m_rle_sizes.clear();
  // Slice k of text [s, e) writes its coordinates from position (s - begin) / 2 + k, at most
  // (e - s) / 2 + 1 of them: regions never overlap, and pages of the buffer that no coordinate
  // lands on are never touched.
  const std::size_t slice_bytes = std::max<std::size_t>(m_slice_bytes, 1);
  const std::size_t positions = (text.size() - begin) / 2 + text.size() / slice_bytes + 2;
  if (positions > 0xFFFFFFF0u) {
    throw InputError(m_cur.at(begin, {}, "annotations"), "the annotations list is too large (more than 8 GB)");
  }
  a.coords.clear();
  a.coords.resize(positions);
  auto region = [&](std::size_t k, std::size_t s, std::size_t e, Chunk& chunk) {
    chunk.clear(a.coords, (s - begin) / 2 + k, (e - s) / 2 + 1);
  };
  auto each_annotation = [lenient = m_check != nullptr](ValueReader& r, Chunk& chunk, std::size_t& index, IdIndex* ids) {
    r.set_problems(lenient ? &chunk.problems : nullptr);
    return [&r, &chunk, &index, ids](od::array arr) {
      r.each_object(arr, "annotation", "expected an annotation object", index, [&](od::object obj) {
        const std::size_t rings = chunk.ring_start.size(), masks = chunk.masks.size(), coords = chunk.coords_used;
        try {
          r.parse_annotation(obj, index, chunk, ids);
        } catch (...) {  // lenient reading goes on without this annotation: drop what it added
          chunk.ring_start.resize(rings);
          chunk.masks.resize(masks);
          chunk.rle_sizes.resize(masks);
          chunk.coords_used = coords;
          throw;
        }
      });
    };
  };
  if (!m_fast) {
    Slicer slicer(lay, begin, slice_bytes, "annotations");
    Chunk chunk;
    std::size_t index = 0;
    for (std::size_t k = 0, s = 0, e = 0; slicer.next(s, e); ++k) {
      region(k, s, e, chunk);
      m_reader.parse_slice(text, s, e, each_annotation(m_reader, chunk, index, &m_ids));
      append(chunk, true);
      m_file.release_before(e);
    }
    a.coords.resize(a.ring_start.back());  // drops the untouched tail; the buffer does not move
    m_reader.set_problems(m_check ? &m_check->problems : nullptr);
    return slicer.list_end();
  }
  const auto end = guess_list_end(text, begin);
  if (!end) throw RetrySerially{};
  struct Slice {
    std::size_t k, start, end;
  };
  const std::size_t tokens = 2 * static_cast<std::size_t>(std::max(1, tbb::this_task_arena::max_concurrency()));
  std::vector<std::unique_ptr<ValueReader>> readers;
  for (std::size_t t = 0; t < tokens; ++t) {
    readers.push_back(std::make_unique<ValueReader>(m_file));
    readers.back()->reserve(slice_bytes + (slice_bytes >> 3));
  }
  std::vector<Chunk> chunks(tokens);
  std::size_t next = 0, start = skip_space(text, begin + 1, *end - 1);
  // Slices are cut in order while earlier ones are parsed in parallel, and appended in file order.
  // Slice k uses reader and chunk k % tokens, free again because at most `tokens` slices are in
  // flight and they finish in order.
  tbb::parallel_pipeline(
      tokens,
      tbb::make_filter<void, Slice>(tbb::filter_mode::serial_in_order,
                                    [&](tbb::flow_control& fc) {
                                      if (start >= *end - 1) {
                                        fc.stop();
                                        return Slice{};
                                      }
                                      const auto [cut, following] = guess_cut(text, start, *end - 1, slice_bytes);
                                      Slice slice{next++, start, cut};
                                      start = following;
                                      return slice;
                                    }) &
          tbb::make_filter<Slice, Slice>(tbb::filter_mode::parallel,
                                         [&](Slice slice) {
                                           auto& r = *readers[slice.k % tokens];
                                           auto& chunk = chunks[slice.k % tokens];
                                           region(slice.k, slice.start, slice.end, chunk);
                                           std::size_t index = 0;
                                           r.parse_slice(text, slice.start, slice.end, each_annotation(r, chunk, index, nullptr));
                                           return slice;
                                         }) &
          tbb::make_filter<Slice, void>(tbb::filter_mode::serial_in_order, [&](Slice slice) {
            append(chunks[slice.k % tokens], false);
            m_file.release_before(slice.end);
          }));
  tbb::parallel_sort(m_given_ids.begin(), m_given_ids.end());
  if (std::adjacent_find(m_given_ids.begin(), m_given_ids.end()) != m_given_ids.end()) throw RetrySerially{};
  m_given_ids = {};
  a.coords.resize(a.ring_start.back());
  m_reader.set_problems(m_check ? &m_check->problems : nullptr);
  return *end;
}

// Appends a parsed slice to the delivery: ring and mask indices shifted past what is already
// there; after a parallel parse, also numbers id-less objects by their position in the list and
// checks ids for duplicates (a duplicate is reported by the serial re-read, which names it exactly).
void CocoParser::append(Chunk& chunk, bool exact) {
  auto& a = m_out.objects;
  if (chunk.ring_start.size() > 1 && a.ring_start.back() != chunk.ring_start[0]) {
    a.ring_start.push_back(chunk.ring_start[0]);  // the unused stretch before this region: a ring no object names
  }
  const auto ring_base = static_cast<std::uint32_t>(a.ring_start.size() - 1);
  const auto mask_base = static_cast<std::uint32_t>(a.masks.size());
  const std::size_t index_base = a.objects.size();
  std::size_t w = 0;
  for (std::size_t i = 0; i < chunk.objects.size(); ++i) {
    auto& o = chunk.objects[i];
    if (!exact) {
      if (w < chunk.with_id.size() && chunk.with_id[w] == i) {
        ++w;
        m_given_ids.push_back(o.id);
      } else {
        o.id += static_cast<std::int64_t>(index_base);
      }
    }
    if (o.shape == Shape::polygon || o.shape == Shape::keypoints) {
      o.geom += ring_base;
      o.geom_end += ring_base;
    } else if (o.shape == Shape::mask) {
      o.geom += mask_base;
    }
  }
  a.objects.insert(a.objects.end(), chunk.objects.begin(), chunk.objects.end());
  a.ring_start.insert(a.ring_start.end(), chunk.ring_start.begin() + 1, chunk.ring_start.end());
  for (auto& m : chunk.masks) a.masks.push_back(std::move(m));
  m_raw.insert(m_raw.end(), chunk.raw.begin(), chunk.raw.end());
  for (auto& [k, attributes] : chunk.attributes) m_attributes.emplace_back(index_base + k, std::move(attributes));
  chunk.attributes.clear();
  m_rle_sizes.insert(m_rle_sizes.end(), chunk.rle_sizes.begin(), chunk.rle_sizes.end());
  if (m_check) {
    for (auto& p : chunk.problems) m_check->problems.push_back(std::move(p));
    chunk.problems.clear();
  }
}

LocalDelivery CocoParser::finish(bool results_file) {
  auto& objs = m_out.objects.objects;
  // Categories by name; ids are only this file's. A results file has no "categories": its
  // category ids are the names.
  std::unordered_map<std::int64_t, std::int32_t> category_of_id;
  {
    std::map<std::string, std::vector<std::int64_t>> ids_by_name;
    if (results_file) {
      std::vector<std::int64_t> ids(m_raw.size());
      for (std::size_t i = 0; i < m_raw.size(); ++i) ids[i] = m_raw[i].category_id;
      tbb::parallel_sort(ids.begin(), ids.end());
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
      for (auto id : ids) ids_by_name[std::to_string(id)].push_back(id);
    } else {
      for (const auto& [id, name] : m_category_by_id) ids_by_name[name].push_back(id);
    }
    for (const auto& [name, ids] : ids_by_name) {
      for (auto id : ids) category_of_id.emplace(id, static_cast<std::int32_t>(m_out.categories.size()));
      m_out.categories.push_back(name);
    }
  }
  auto where = [&](const SpatialObject& o, const std::string& field) {
    return m_cur.at(o.offset, fmt::format("annotation {}", o.id), field);
  };
  if (results_file) {  // images in order of first mention
    for (std::size_t i = 0; i < objs.size(); ++i) {
      auto [it, fresh] = m_image_by_id.emplace(m_raw[i].image_id, static_cast<std::uint32_t>(m_out.images.size()));
      if (fresh) m_out.images.push_back(ImageInfo{std::to_string(m_raw[i].image_id), 0, 0});
    }
  }
  if (m_check) return finish_checked(category_of_id);
  // Each object's category and image, in parallel; the first object that names an unknown one is
  // reported.
  std::atomic<std::size_t> first_bad{objs.size()};
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, objs.size(), 4096), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t i = r.begin(); i < r.end(); ++i) {
      const auto c = category_of_id.find(m_raw[i].category_id);
      const auto im = m_image_by_id.find(m_raw[i].image_id);
      if (c == category_of_id.end() || im == m_image_by_id.end()) {
        for (std::size_t seen = first_bad.load(); i < seen && !first_bad.compare_exchange_weak(seen, i);) {
        }
        return;
      }
      objs[i].category = c->second;
      objs[i].image = im->second;
    }
  });
  if (first_bad < objs.size()) {
    const auto& o = objs[first_bad];
    const auto& raw = m_raw[first_bad];
    if (!category_of_id.count(raw.category_id)) {
      throw InputError(where(o, "category_id"), fmt::format("category id {} is not in \"categories\"", raw.category_id));
    }
    throw InputError(where(o, "image_id"), fmt::format("image id {} is not in \"images\"", raw.image_id));
  }
  for (const auto& o : objs) {
    if (auto why = mask_size_mismatch(o)) throw InputError(where(o, "segmentation.size"), *why);
  }
  for (const auto& o : objs) {
    const auto& img = m_out.images[o.image];
    if (o.shape == Shape::polygon && (img.width == 0 || img.height == 0)) {
      throw InputError(where(o, "segmentation"), fmt::format("image \"{}\" has no width and height, needed to rasterise the polygon", img.name));
    }
  }
  if (!m_attributes.empty()) {
    auto& a = m_out.objects;
    a.attribute_start.assign(1, 0);
    std::size_t next = 0;
    for (std::size_t k = 0; k < objs.size(); ++k) {
      if (next < m_attributes.size() && m_attributes[next].first == k) {
        for (auto& at : m_attributes[next].second) a.attributes.push_back(std::move(at));
        ++next;
      }
      a.attribute_start.push_back(static_cast<std::uint32_t>(a.attributes.size()));
    }
    m_attributes.clear();
  }
  m_out.objects.has_image.assign(m_out.images.size(), 1);
  return std::move(m_out);
}

// Lenient resolution: an annotation naming an unknown image or category, or whose geometry does not
// fit its image, is a problem and is left out (silently when its image or category was already
// reported and left out).
LocalDelivery CocoParser::finish_checked(const std::unordered_map<std::int64_t, std::int32_t>& category_of_id) {
  auto& objs = m_out.objects.objects;
  auto problem = [&](const SpatialObject& o, const char* field, std::string message, Defect defect, std::string image = {}) {
    m_check->problems.push_back(
        {m_cur.at(o.offset, fmt::format("annotation {}", o.id), field), std::move(message), defect, "annotation", o.id, std::move(image)});
  };
  // Each object's category and image looked up in parallel (-1 and k_none where the file has
  // none); the objects are then kept or reported in order.
  constexpr std::uint32_t k_none = std::numeric_limits<std::uint32_t>::max();
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, objs.size(), 4096), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t i = r.begin(); i < r.end(); ++i) {
      const auto c = category_of_id.find(m_raw[i].category_id);
      const auto im = m_image_by_id.find(m_raw[i].image_id);
      objs[i].category = c == category_of_id.end() ? -1 : c->second;
      objs[i].image = im == m_image_by_id.end() ? k_none : im->second;
    }
  });
  std::size_t kept = 0;
  m_check->areas.reserve(m_check->areas.size() + objs.size());
  for (std::size_t i = 0; i < objs.size(); ++i) {
    const SpatialObject& o = objs[i];
    const auto& raw = m_raw[i];
    if (o.category < 0) {
      if (!m_rejected_categories.count(raw.category_id)) {
        problem(o, "category_id", fmt::format("category id {} is not in \"categories\"", raw.category_id), Defect::missing_reference,
                o.image == k_none ? std::string() : qualified_name(m_out.images[o.image]));
      }
      continue;
    }
    if (o.image == k_none) {
      if (!m_rejected_images.count(raw.image_id)) {
        problem(o, "image_id", fmt::format("image id {} is not in \"images\"", raw.image_id), Defect::missing_reference);
      }
      continue;
    }
    if (auto why = mask_size_mismatch(o)) {
      problem(o, "segmentation.size", *why, Defect::out_of_image, qualified_name(m_out.images[o.image]));
      continue;
    }
    if (!std::isnan(raw.area)) m_check->areas.emplace_back(o.offset, raw.area);
    if (o.shape == Shape::keypoints) {
      // Checked, not dropped: num_keypoints must count the labelled keypoints; without a box or an
      // area, OKS has no scale of its own (the box of the keypoints stands in).
      const KeypointView kp = keypoints_of(m_out.objects, o);
      std::int64_t labelled = 0;
      for (std::size_t k = 0; k < kp.count; ++k) labelled += kp.values[3 * k + 2] > 0;
      const std::string item = qualified_name(m_out.images[o.image]);
      if (raw.num_keypoints >= 0 && raw.num_keypoints != labelled) {
        problem(o, "num_keypoints", fmt::format("num_keypoints is {} but {} keypoints are labelled (v > 0)", raw.num_keypoints, labelled), Defect::schema, item);
        m_check->problems.back().kept = true;
      }
      if (!raw.has_bbox && std::isnan(raw.area) && labelled > 0) {
        problem(o, "bbox", "keypoints without a bbox or an area: OKS has no scale for them (the box of the keypoints is used)", Defect::schema, item);
        m_check->problems.back().kept = true;
      }
    }
    if (kept != i) objs[kept] = o;  // (o is objs[i]: nothing before it was dropped otherwise)
    ++kept;
  }
  objs.resize(kept);
  bool unsized = false;  // a polygon on an image without a size
  for (const auto& o : objs) {
    const auto& img = m_out.images[o.image];
    if (o.shape == Shape::polygon && (img.width == 0 || img.height == 0)) {
      problem(o, "segmentation", fmt::format("image \"{}\" has no width and height, needed to check the polygon", img.name), Defect::schema, qualified_name(img));
      unsized = true;
    }
  }
  if (unsized) {
    std::erase_if(objs, [&](const SpatialObject& o) {
      const auto& img = m_out.images[o.image];
      return o.shape == Shape::polygon && (img.width == 0 || img.height == 0);
    });
  }
  m_out.objects.has_image.assign(m_out.images.size(), 1);
  return std::move(m_out);
}

}  // namespace

// One file: read in parallel slices, or serially where the fast reading's guesses fail (any
// problem then is reported by the serial reading); again, reading the last "annotations" list,
// when the file gives more than one.
LocalDelivery parse_coco(MappedFile& file, std::size_t slice_bytes, LenientRead* check) {
  auto once = [&](std::optional<std::size_t> take, std::optional<std::size_t>* later) {
    auto attempt = [&](bool fast) {
      if (check) *check = {};
      CocoParser parser(file, slice_bytes, fast, check);
      parser.annotations_at = take;
      LocalDelivery d = parser.parse();
      if (later) *later = parser.later_annotations;
      return d;
    };
    try {
      return attempt(true);
    } catch (const InputError&) {
      return attempt(false);
    } catch (const RetrySerially&) {
      return attempt(false);
    }
  };
  std::optional<std::size_t> later;
  LocalDelivery d = once(std::nullopt, &later);
  if (!later) return d;
  std::vector<ReadProblem> duplicate_keys;  // found by the first pass only
  if (check) {
    for (auto& p : check->problems) {
      if (p.defect == Defect::duplicate_key) duplicate_keys.push_back(std::move(p));
    }
  }
  d = once(later, nullptr);
  if (check) check->problems.insert(check->problems.begin(), duplicate_keys.begin(), duplicate_keys.end());
  return d;
}

LocalDelivery read_coco_checked(const Input& input, LenientRead& check, std::size_t slice_bytes) {
  const std::string& path = input.path;
  MappedFile file(input);
  LocalDelivery d = parse_coco(file, slice_bytes, &check);
  d.objects.name = annotator_from_path(path);
  d.objects.file = path;
  d.objects.format = "coco";
  return d;
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

ObjectSet read_coco_files(const std::vector<std::string>& paths, const std::vector<std::string>& names, std::size_t slice_bytes, ItemMatch match) {
  return read_coco_inputs(inputs_of(paths), names, slice_bytes, match);
}

ObjectSet read_coco_inputs(const std::vector<Input>& inputs, const std::vector<std::string>& names, std::size_t slice_bytes, ItemMatch match) {
  std::vector<LocalDelivery> deliveries;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::string& path = inputs[i].path;
    MappedFile file(inputs[i]);
    LocalDelivery d = parse_coco(file, slice_bytes, nullptr);
    d.objects.name = names.empty() ? annotator_from_path(path) : names[i];
    d.objects.file = path;
    d.objects.format = "coco";
    deliveries.push_back(std::move(d));
  }
  return merge_deliveries(std::move(deliveries), match);
}

}  // namespace labelqa::io
