#include "labelqa/validate/findings.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <fmt/format.h>
#include <map>
#include <tuple>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace labelqa::validate {

const char* severity_name(Severity s) { return s == Severity::error ? "error" : "warning"; }

const char* code_name(Code c) {
  switch (c) {
    case Code::broken_file: return "broken_file";
    case Code::schema: return "schema";
    case Code::missing_reference: return "missing_reference";
    case Code::unknown_class: return "unknown_class";
    case Code::out_of_image: return "out_of_image";
    case Code::degenerate: return "degenerate";
    case Code::self_intersection: return "self_intersection";
    case Code::overlap: return "overlap";
    case Code::duplicate: return "duplicate";
    case Code::unlabeled_region: return "unlabeled_region";
    case Code::bbox_mismatch: return "bbox_mismatch";
    case Code::track_gap: return "track_gap";
    case Code::track_jump: return "track_jump";
    case Code::out_of_text: return "out_of_text";
    case Code::duplicate_key: return "duplicate_key";
    case Code::out_of_duration: return "out_of_duration";
    case Code::unsorted: return "unsorted";
    case Code::empty_text: return "empty_text";
    case Code::unknown_character: return "unknown_character";
  }
  return "schema";
}

const char* code_description(Code c) {
  switch (c) {
    case Code::broken_file: return "An unreadable, truncated or corrupt file";
    case Code::schema: return "A missing field, a value of the wrong type, a path leaving the delivery, or a limit passed";
    case Code::missing_reference: return "An id that names nothing, or a duplicate id";
    case Code::unknown_class: return "A class or mask value outside the label schema";
    case Code::out_of_image: return "Geometry outside its image";
    case Code::degenerate: return "A shape without area, or a NaN or infinite coordinate";
    case Code::self_intersection: return "A polygon ring that crosses or touches itself";
    case Code::overlap: return "Two instances of one image that share pixels";
    case Code::duplicate: return "Two annotations of one class that cover the same object";
    case Code::unlabeled_region: return "Image area no label covers";
    case Code::bbox_mismatch: return "A stored box or area that differs from its shape";
    case Code::track_gap: return "Frames missing inside a track";
    case Code::track_jump: return "A track's box that jumps between consecutive frames";
    case Code::out_of_text: return "A text span whose offsets do not lie in its text";
    case Code::duplicate_key: return "A JSON key given twice (the last is read)";
    case Code::out_of_duration: return "A time segment before the start or past the end of its recording";
    case Code::unsorted: return "A subtitle cue that starts before the cue before it";
    case Code::empty_text: return "A subtitle cue or transcribed region without text";
    case Code::unknown_character: return "Text with a character outside the declared alphabet";
  }
  return "";
}

Code code_of(Defect d) {
  switch (d) {
    case Defect::broken_file: return Code::broken_file;
    case Defect::schema: return Code::schema;
    case Defect::missing_reference: return Code::missing_reference;
    case Defect::out_of_image: return Code::out_of_image;
    case Defect::degenerate: return Code::degenerate;
    case Defect::unknown_class: return Code::unknown_class;
    case Defect::duplicate_key: return Code::duplicate_key;
  }
  return Code::schema;
}

namespace {

// Natural order of annotation ids: numbers by value ("9" before "10"), then text.
bool id_less(const std::string& a, const std::string& b) {
  // Most ids are plain non-negative numbers without leading zeros: the shorter is the smaller,
  // and of two as long the order is the text's.
  auto plain = [](const std::string& s) {
    return !s.empty() && s.size() < 19 && (s[0] != '0' || s.size() == 1) && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (plain(a) && plain(b)) return a.size() != b.size() ? a.size() < b.size() : a < b;
  auto numeric = [](const std::string& s) {
    return !s.empty() && s.size() < 19 && std::all_of(s.begin() + (s[0] == '-'), s.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
           s != "-";
  };
  const bool na = numeric(a), nb = numeric(b);
  if (na && nb) {
    long long x = 0, y = 0;  // fewer than 19 digits: in range
    std::from_chars(a.data(), a.data() + a.size(), x);
    std::from_chars(b.data(), b.data() + b.size(), y);
    if (x != y) return x < y;
    return a < b;
  }
  if (na != nb) return na;
  return a < b;
}

}  // namespace

void sort_findings(std::vector<Finding>& findings) {
  auto key = [](const Finding& f) {
    return std::make_tuple(f.location.offset.value_or(0), f.location.line, f.location.frame.value_or(-1));
  };
  auto less = [&](const Finding& a, const Finding& b) {
    if (a.file != b.file) return a.file < b.file;
    if (a.item != b.item) return a.item < b.item;
    if (a.annotation != b.annotation) return id_less(a.annotation, b.annotation);
    if (a.code != b.code) return a.code < b.code;
    if (a.other_annotation != b.other_annotation) return id_less(a.other_annotation, b.other_annotation);
    if (key(a) != key(b)) return key(a) < key(b);
    if (a.location.bbox != b.location.bbox) return a.location.bbox < b.location.bbox;
    if (a.location.point != b.location.point) return a.location.point < b.location.point;
    if (a.cls != b.cls) return a.cls < b.cls;
    return a.message < b.message;
  };
  // A short list (one image's findings): a stable insertion sort of positions, then each finding
  // moved once into place, following the permutation's cycles. Nothing is allocated.
  constexpr std::size_t k_short = 64;
  if (findings.size() <= k_short) {
    const auto n = static_cast<std::uint32_t>(findings.size());
    std::array<std::uint32_t, k_short> order;  // order[i]: the finding that goes to position i
    bool moved = false;
    for (std::uint32_t i = 0; i < n; ++i) {
      std::uint32_t j = i;
      for (; j > 0 && less(findings[i], findings[order[j - 1]]); --j) order[j] = order[j - 1];
      order[j] = i;
      moved = moved || j != i;
    }
    if (!moved) return;
    for (std::uint32_t i = 0; i < n; ++i) {
      if (order[i] == i) continue;
      Finding held = std::move(findings[i]);
      std::uint32_t j = i;
      while (order[j] != i) {
        const std::uint32_t from = order[j];
        findings[j] = std::move(findings[from]);
        order[j] = j;
        j = from;
      }
      findings[j] = std::move(held);
      order[j] = j;
    }
    return;
  }
  // Findings mostly arrive as a few sorted runs (per image, per file): merge the runs, as a stable
  // sort would order them, and sort from scratch only when there are many.
  std::vector<std::size_t> runs = {0};
  for (std::size_t i = 1; i < findings.size(); ++i) {
    if (less(findings[i], findings[i - 1])) {
      runs.push_back(i);
      if (runs.size() > 64) {
        std::stable_sort(findings.begin(), findings.end(), less);
        return;
      }
    }
  }
  runs.push_back(findings.size());
  while (runs.size() > 2) {
    std::vector<std::size_t> merged = {0};
    for (std::size_t r = 0; r + 1 < runs.size(); r += 2) {
      if (r + 2 < runs.size()) {
        const auto at = [&](std::size_t i) { return findings.begin() + static_cast<std::ptrdiff_t>(i); };
        std::inplace_merge(at(runs[r]), at(runs[r + 1]), at(runs[r + 2]), less);
        merged.push_back(runs[r + 2]);
      } else {
        merged.push_back(runs[r + 1]);
      }
    }
    runs = std::move(merged);
  }
}

Finding file_finding(const InputError& e) {
  const Location& w = e.where();
  Finding f;
  f.severity = Severity::error;
  f.code = code_of(e.defect());
  f.file = w.file;
  f.item = w.item;
  f.location.line = w.line;
  if (w.has_offset) f.location.offset = w.offset;
  f.message = w.field.empty() ? e.message() : fmt::format("{}: {}", w.field, e.message());
  return f;
}

void problem_findings(const std::vector<io::ReadProblem>& problems, std::vector<Finding>& out) {
  for (const auto& p : problems) {
    Finding f;
    f.severity = p.defect == Defect::duplicate_key ? Severity::warning : Severity::error;  // read, as Python reads it
    f.code = code_of(p.defect);
    f.file = p.where.file;
    if (std::string_view(p.kind) == "annotation") {
      if (p.id) f.annotation = std::to_string(*p.id);
      f.item = p.image;
    } else {
      f.item = p.id ? fmt::format("{} {}", p.kind, *p.id) : std::string(p.kind);
    }
    f.location.line = p.where.line;
    if (p.where.has_offset) f.location.offset = p.where.offset;
    f.message = p.where.field.empty() ? p.message : fmt::format("{}: {}", p.where.field, p.message);
    out.push_back(std::move(f));
  }
}

namespace {

// A horizontal run of pixels [x0, x1) of row y.
struct Run {
  std::uint32_t y, x0, x1;
};

// Connected components (4-neighbour) of runs listed row by row, each row's runs in order of x.
// Union-find over the runs: each run joins the runs of the row above it that it touches, so
// memory is per run, not per pixel.
std::vector<Component> components_of_runs(const std::vector<Run>& runs) {
  std::vector<std::uint32_t> parent(runs.size());
  auto find = [&](std::uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  std::size_t prev_begin = 0, prev_end = 0, row_begin = 0;  // runs of the row above; first run of this row
  for (std::size_t r = 0; r < runs.size(); ++r) {
    if (r == 0 || runs[r].y != runs[r - 1].y) {
      const bool adjacent = r > 0 && runs[r].y == runs[r - 1].y + 1;
      prev_begin = adjacent ? row_begin : r;
      prev_end = r;
      row_begin = r;
    }
    parent[r] = static_cast<std::uint32_t>(r);
    const auto& run = runs[r];
    while (prev_begin < prev_end && runs[prev_begin].x1 <= run.x0) ++prev_begin;
    for (std::size_t q = prev_begin; q < prev_end && runs[q].x0 < run.x1; ++q) {
      const std::uint32_t ra = find(static_cast<std::uint32_t>(q)), rb = find(static_cast<std::uint32_t>(r));
      if (ra != rb) parent[std::max(ra, rb)] = std::min(ra, rb);
    }
  }
  std::vector<std::uint32_t> index(runs.size(), UINT32_MAX);  // root -> component (roots are each component's first run)
  std::vector<Component> out;
  for (std::uint32_t r = 0; r < runs.size(); ++r) {
    const std::uint32_t root = find(r);
    if (index[root] == UINT32_MAX) {
      index[root] = static_cast<std::uint32_t>(out.size());
      out.push_back({0, {runs[r].x0, runs[r].y, runs[r].x1, runs[r].y + 1}});
    }
    auto& c = out[index[root]];
    c.pixels += runs[r].x1 - runs[r].x0;
    c.bbox[0] = std::min(c.bbox[0], runs[r].x0);
    c.bbox[2] = std::max(c.bbox[2], runs[r].x1);
    c.bbox[3] = std::max(c.bbox[3], runs[r].y + 1);
  }
  for (auto& c : out) c.bbox = {c.bbox[0], c.bbox[1], c.bbox[2] - c.bbox[0], c.bbox[3] - c.bbox[1]};
  return out;
}

// The end of the run of value v that starts at row[x]: the first e > x with row[e] != v (or n).
template <class T>
std::uint32_t run_end(const T* row, std::uint32_t x, std::uint32_t n, T v) {
  std::uint32_t e = x + 1;
#ifdef __SSE2__
  if constexpr (sizeof(T) == 1) {
    const __m128i want = _mm_set1_epi8(static_cast<char>(v));
    while (e + 16 <= n) {
      const __m128i got = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + e));
      const auto differ = static_cast<std::uint32_t>(~_mm_movemask_epi8(_mm_cmpeq_epi8(got, want)) & 0xffff);
      if (differ) return e + static_cast<std::uint32_t>(__builtin_ctz(differ));
      e += 16;
    }
  }
#endif
  while (e < n && row[e] == v) ++e;
  return e;
}

// Per mask value: pixel count and bbox, from the runs of equal values along each row; the runs of
// `keep` (when set) are listed for the connected components.
struct ValueStat {
  std::uint64_t pixels = 0;
  std::uint32_t x0 = UINT32_MAX, y0 = UINT32_MAX, x1 = 0, y1 = 0;
};
template <class T>
void value_stats(const T* px, std::uint32_t width, std::uint32_t height, std::vector<ValueStat>& stats, std::optional<std::uint32_t> keep,
                 std::vector<Run>& kept) {
  for (std::uint32_t y = 0; y < height; ++y) {
    const T* row = px + static_cast<std::size_t>(y) * width;
    for (std::uint32_t x = 0; x < width;) {
      const T v = row[x];
      const std::uint32_t e = run_end(row, x, width, v);
      auto& s = stats[v];
      if (s.pixels == 0) {
        s.x0 = x;
        s.y0 = y;
      }
      s.pixels += e - x;
      s.x0 = std::min(s.x0, x);
      s.x1 = std::max(s.x1, e - 1);
      s.y1 = y;
      if (keep && v == *keep) kept.push_back({y, x, e});
      x = e;
    }
  }
}

}  // namespace

std::vector<Component> connected_components(const std::uint8_t* on, std::uint32_t width, std::uint32_t height) {
  std::vector<Run> runs;
  for (std::uint32_t y = 0; y < height; ++y) {
    const std::uint8_t* row = on + static_cast<std::size_t>(y) * width;
    for (std::uint32_t x = 0; x < width;) {
      if (!row[x]) {
        ++x;
        continue;
      }
      std::uint32_t e = x;
      while (e < width && row[e]) ++e;
      runs.push_back({y, x, e});
      x = e;
    }
  }
  return components_of_runs(runs);
}

std::optional<std::uint32_t> unlabeled_value(const Options& options, const io::ClassMap& classes) {
  if (options.unlabeled) return options.unlabeled;
  for (const auto& [value, name] : classes) {
    if (name == "unlabeled" && value != options.ignore) return value;
  }
  if (!classes.count(0) && options.ignore != 0) return 0u;
  return std::nullopt;
}

std::vector<Finding> check_semantic_mask(const io::MaskImage& mask, const std::string& file, const std::string& item,
                                         const io::ClassMap& classes, const Options& options,
                                         std::optional<std::array<std::uint32_t, 2>> image_size) {
  std::vector<Finding> out;
  auto finding = [&](Severity s, Code c) -> Finding& {
    out.push_back({});
    Finding& f = out.back();
    f.severity = s;
    f.code = c;
    f.file = file;
    f.item = item;
    return f;
  };
  if (image_size && ((*image_size)[0] != mask.width || (*image_size)[1] != mask.height)) {
    auto& f = finding(Severity::error, Code::out_of_image);
    f.message = fmt::format("the mask is {}x{} (width x height) but its image is {}x{}", mask.width, mask.height, (*image_size)[0], (*image_size)[1]);
  }
  // Per value: pixel count and bbox, and the runs of the unlabeled value, in one pass.
  const auto unlabeled = unlabeled_value(options, classes);
  const bool find_unlabeled = unlabeled && *unlabeled != options.ignore;
  std::vector<ValueStat> stats(mask.bit_depth == 16 ? 65536 : 256);
  std::vector<Run> unlabeled_runs;
  const auto keep = find_unlabeled ? unlabeled : std::nullopt;
  if (mask.bit_depth == 16) value_stats(mask.words.data(), mask.width, mask.height, stats, keep, unlabeled_runs);
  else value_stats(mask.bytes.data(), mask.width, mask.height, stats, keep, unlabeled_runs);
  if (!classes.empty()) {
    for (std::uint32_t v = 0; v < stats.size(); ++v) {
      const ValueStat& s = stats[v];
      if (s.pixels == 0) continue;
      if (v == options.ignore || classes.count(v) || (unlabeled && v == *unlabeled)) continue;
      auto& f = finding(Severity::error, Code::unknown_class);
      f.cls = std::to_string(v);
      f.location.bbox = std::array<double, 4>{double(s.x0), double(s.y0), double(s.x1 - s.x0 + 1), double(s.y1 - s.y0 + 1)};
      f.message = fmt::format("mask value {} is not in the class map ({} pixels)", v, s.pixels);
    }
  }
  if (!unlabeled_runs.empty()) {
    const auto found = components_of_runs(unlabeled_runs);
    const auto it = classes.find(*unlabeled);
    const std::string name = it == classes.end() ? std::to_string(*unlabeled) : it->second;
    for (const auto& c : found) {
      if (c.pixels < options.min_region) continue;
      auto& f = finding(options.require_coverage ? Severity::error : Severity::warning, Code::unlabeled_region);
      f.cls = name;
      f.location.bbox = std::array<double, 4>{double(c.bbox[0]), double(c.bbox[1]), double(c.bbox[2]), double(c.bbox[3])};
      f.message = fmt::format("{} unlabeled pixels (value {})", c.pixels, *unlabeled);
    }
  }
  return out;
}

}  // namespace labelqa::validate
