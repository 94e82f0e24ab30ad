#include "labelqa/geometry/rle.hpp"

#include <algorithm>
#include <limits>
#include <cmath>
#include <cstdlib>

namespace labelqa::geometry {

Rle encode(const std::uint8_t* mask, std::uint32_t h, std::uint32_t w) {
  Rle r{h, w, {}};
  const std::size_t total = static_cast<std::size_t>(h) * w;
  bool current = false;  // runs start with background
  std::uint32_t run = 0;
  for (std::size_t j = 0; j < total; ++j) {
    const bool v = mask[j] != 0;
    if (v != current) {
      r.counts.push_back(run);
      run = 0;
      current = v;
    }
    ++run;
  }
  r.counts.push_back(run);
  return r;
}

std::vector<std::uint8_t> decode(const Rle& rle) {
  std::vector<std::uint8_t> mask(static_cast<std::size_t>(rle.h) * rle.w, 0);
  std::size_t pos = 0;
  std::uint8_t value = 0;
  for (std::uint32_t c : rle.counts) {
    const std::size_t end = std::min(mask.size(), pos + c);
    std::fill(mask.begin() + static_cast<std::ptrdiff_t>(pos), mask.begin() + static_cast<std::ptrdiff_t>(end), value);
    pos = end;
    value ^= 1;
  }
  return mask;
}

std::string to_string(const Rle& rle) {
  std::string s;
  s.reserve(rle.counts.size() * 2);
  for (std::size_t i = 0; i < rle.counts.size(); ++i) {
    long long x = rle.counts[i];
    if (i > 2) x -= static_cast<long long>(rle.counts[i - 2]);
    bool more = true;
    while (more) {
      char c = static_cast<char>(x & 0x1f);
      x >>= 5;  // arithmetic shift: negative deltas stay negative
      more = (c & 0x10) ? x != -1 : x != 0;
      if (more) c |= 0x20;
      s.push_back(static_cast<char>(c + 48));
    }
  }
  return s;
}

std::optional<Rle> from_counts(std::vector<std::uint32_t> counts, std::uint32_t h, std::uint32_t w) {
  std::uint64_t sum = 0;
  for (std::uint32_t c : counts) sum += c;
  if (sum != static_cast<std::uint64_t>(h) * w) return std::nullopt;
  return Rle{h, w, std::move(counts)};
}

std::optional<Rle> from_string(std::string_view s, std::uint32_t h, std::uint32_t w) {
  std::vector<std::uint32_t> counts;
  counts.reserve(s.size());  // at least one character per count: no reallocation
  std::size_t p = 0;
  while (p < s.size()) {
    long long x = 0;
    int k = 0;
    bool more = true;
    while (more) {
      if (p >= s.size() || k >= 12) return std::nullopt;  // a count cut short, or over 60 bits
      const int c = static_cast<unsigned char>(s[p]) - 48;
      if (c < 0 || c > 63) return std::nullopt;
      x |= static_cast<long long>(c & 0x1f) << (5 * k);
      more = (c & 0x20) != 0;
      ++p;
      ++k;
      if (!more && (c & 0x10)) x |= -(1LL << (5 * k));  // sign extension
    }
    if (counts.size() > 2) x += counts[counts.size() - 2];
    if (x < 0 || x > 0xffffffffLL) return std::nullopt;
    counts.push_back(static_cast<std::uint32_t>(x));
  }
  return from_counts(std::move(counts), h, w);
}

std::uint64_t area(const Rle& rle) {
  std::uint64_t a = 0;
  for (std::size_t i = 1; i < rle.counts.size(); i += 2) a += rle.counts[i];
  return a;
}

__extension__ using Uint128 = unsigned __int128;

Box bbox(const Rle& rle) {
  const std::size_t m = rle.counts.size() / 2 * 2;  // a trailing background run does not matter
  if (m == 0 || rle.h == 0) return {0, 0, 0, 0};
  const std::uint64_t h = rle.h;
  // t / h for 32-bit t as a multiplication: with M = floor((2^64 - 1) / h) + 1, the quotient is the
  // high 64 bits of M * t (exact for every 32-bit t and h >= 2; Lemire, Kaser and Kurz, "Faster
  // remainder by direct computation", 2019).
  const std::uint64_t magic = h > 1 ? ~std::uint64_t{0} / h + 1 : 0;
  auto column = [&](std::uint32_t t) -> std::uint64_t {
    return h > 1 ? static_cast<std::uint64_t>((static_cast<Uint128>(magic) * t) >> 64) : t;
  };
  std::uint64_t xs = rle.w, ys = rle.h, xe = 0, ye = 0, cc = 0, x_prev = 0;
  for (std::size_t j = 0; j < m; ++j) {
    cc += rle.counts[j];
    // The first pixel of a foreground run (j even ends a background run), or its last (j odd).
    const auto t = static_cast<std::uint32_t>(cc - (j % 2));
    const std::uint64_t x = column(t);
    const std::uint64_t y = t - x * h;
    if (j % 2 == 0) {
      x_prev = x;
    } else if (x_prev < x) {  // the run wraps into the next column: it spans all rows
      ys = 0;
      ye = h - 1;
    }
    xs = std::min(xs, x);
    xe = std::max(xe, x);
    ys = std::min(ys, y);
    ye = std::max(ye, y);
  }
  return {static_cast<double>(xs), static_cast<double>(ys), static_cast<double>(xe - xs + 1),
          static_cast<double>(ye - ys + 1)};
}

namespace {

// Walks two run sequences together; calls f(length, a_on, b_on) for each stretch.
template <class F>
void walk(const Rle& a, const Rle& b, F&& f) {
  std::size_t ia = 0, ib = 0;
  std::uint64_t ra = a.counts.empty() ? 0 : a.counts[0];
  std::uint64_t rb = b.counts.empty() ? 0 : b.counts[0];
  bool va = false, vb = false;
  for (;;) {
    while (ra == 0 && ia + 1 < a.counts.size()) {
      ra = a.counts[++ia];
      va = !va;
    }
    while (rb == 0 && ib + 1 < b.counts.size()) {
      rb = b.counts[++ib];
      vb = !vb;
    }
    if (ra == 0 || rb == 0) break;
    const std::uint64_t c = std::min(ra, rb);
    f(c, va, vb);
    ra -= c;
    rb -= c;
  }
}

}  // namespace

std::optional<Rle> merge(const std::vector<const Rle*>& masks, bool intersect) {
  if (masks.empty()) return Rle{};
  Rle acc = *masks[0];
  for (std::size_t i = 1; i < masks.size(); ++i) {
    const Rle& b = *masks[i];
    if (b.h != acc.h || b.w != acc.w) return std::nullopt;
    Rle out{acc.h, acc.w, {}};
    bool current = false;
    std::uint64_t run = 0;
    walk(acc, b, [&](std::uint64_t len, bool va, bool vb) {
      const bool v = intersect ? (va && vb) : (va || vb);
      if (v != current) {
        out.counts.push_back(static_cast<std::uint32_t>(run));
        run = 0;
        current = v;
      }
      run += len;
    });
    out.counts.push_back(static_cast<std::uint32_t>(run));
    acc = std::move(out);
  }
  return acc;
}

namespace {

// Accumulates the shared pixels' count and box, stretch by stretch, in increasing positions (the
// column is followed along instead of divided out for every stretch).
struct OverlapBox {
  std::uint64_t h;
  Overlap o;
  std::uint64_t xs = UINT64_MAX, xe = 0, ys = UINT64_MAX, ye = 0;
  std::uint64_t col = 0, base = 0;  // the column of the last stretch, and its first position

  std::uint64_t column(std::uint64_t p) {
    if (p >= base + 4 * h) {
      col = p / h;
      base = col * h;
    }
    while (p >= base + h) {
      ++col;
      base += h;
    }
    return col;
  }
  void add(std::uint64_t pos, std::uint64_t len) {
    o.area += len;
    const std::uint64_t first = pos, last = pos + len - 1;
    const std::uint64_t x0 = column(first), x1 = column(last);
    xs = std::min(xs, x0);
    xe = std::max(xe, x1);
    if (x0 == x1) {
      ys = std::min(ys, first - x0 * h);
      ye = std::max(ye, last - x1 * h);
    } else {  // the stretch wraps into the next column: it spans all rows
      ys = 0;
      ye = h - 1;
    }
  }
  Overlap done() {
    if (o.area > 0) {
      o.bbox = {static_cast<double>(xs), static_cast<double>(ys), static_cast<double>(xe - xs + 1), static_cast<double>(ye - ys + 1)};
    }
    return o;
  }
};

}  // namespace

std::optional<Overlap> intersection(const Rle& a, const Rle& b) {
  if (a.h != b.h || a.w != b.w) return std::nullopt;
  if (a.h == 0) return Overlap{};
  OverlapBox box{a.h, {}};
  std::uint64_t pos = 0;
  walk(a, b, [&](std::uint64_t len, bool va, bool vb) {
    if (va && vb) box.add(pos, len);
    pos += len;
  });
  return box.done();
}

IndexedRle index_runs(const Rle& rle) {
  IndexedRle out;
  out.rle = &rle;
  out.ends.resize(rle.counts.size());
  std::uint64_t pos = 0;
  for (std::size_t i = 0; i < rle.counts.size(); ++i) {
    out.ends[i] = pos += rle.counts[i];
    if (i % 2 == 1) out.area += rle.counts[i];
  }
  // Runs alternate background, foreground: run 1 is the first foreground run.
  const std::size_t n = rle.counts.size();
  const std::size_t last_fg = n % 2 == 0 ? n - 1 : n - 2;  // the last odd index
  if (n >= 2) {
    out.first = out.ends[0];
    out.last = out.ends[last_fg];
  }
  return out;
}

std::optional<Overlap> intersection(const IndexedRle& a, const IndexedRle& b) {
  if (a.rle->h != b.rle->h || a.rle->w != b.rle->w) return std::nullopt;
  if (a.rle->h == 0) return Overlap{};
  OverlapBox box{a.rle->h, {}};
  const std::uint64_t lo = std::max(a.first, b.first), hi = std::min(a.last, b.last);
  if (lo >= hi) return box.done();
  // Foreground runs are the odd ones, [ends[i - 1], ends[i]): start from each mask's first one
  // that ends after lo and step through both in order, adding what they share.
  auto first_after = [lo](const IndexedRle& m) {
    const auto k = static_cast<std::size_t>(std::upper_bound(m.ends.begin(), m.ends.end(), lo) - m.ends.begin());
    return k % 2 == 1 ? k : k + 1;
  };
  const std::uint64_t* ea = a.ends.data();
  const std::uint64_t* eb = b.ends.data();
  const std::size_t na = a.ends.size(), nb = b.ends.size();
  for (std::size_t i = first_after(a), j = first_after(b); i < na && j < nb;) {
    const std::uint64_t as = ea[i - 1], ae = ea[i], bs = eb[j - 1], be = eb[j];
    if (as >= hi || bs >= hi) break;
    const std::uint64_t from = std::max(as, bs), to = std::min(ae, be);
    if (from < to) box.add(from, to - from);
    if (ae <= be) {
      i += 2;
    } else {
      j += 2;
    }
  }
  return box.done();
}

std::optional<double> iou(const IndexedRle& a, const IndexedRle& b, bool b_is_crowd) {
  const auto o = intersection(a, b);
  if (!o) return std::nullopt;
  if (o->area == 0) return 0.0;
  // The union walk of iou(Rle, Rle) counts exactly these pixels.
  const std::uint64_t uni = b_is_crowd ? a.area : a.area + b.area - o->area;
  return static_cast<double>(o->area) / static_cast<double>(uni);
}

double box_iou(const Box& a, const Box& b, bool b_is_crowd) {
  const double iw = std::fmin(a[0] + a[2], b[0] + b[2]) - std::fmax(a[0], b[0]);
  if (iw <= 0) return 0;
  const double ih = std::fmin(a[1] + a[3], b[1] + b[3]) - std::fmax(a[1], b[1]);
  if (ih <= 0) return 0;
  const double inter = iw * ih;
  const double uni = b_is_crowd ? a[2] * a[3] : a[2] * a[3] + b[2] * b[3] - inter;
  return inter / uni;
}

std::optional<double> iou(const Rle& a, const Rle& b, bool b_is_crowd) {
  if (a.h != b.h || a.w != b.w) return std::nullopt;
  // pycocotools first compares bounding boxes and reports 0 without walking runs when they do not
  // overlap; the run walk gives 0 there too, so the boxes are only a shortcut.
  if (box_iou(bbox(a), bbox(b), b_is_crowd) <= 0) return 0.0;
  std::uint64_t inter = 0, uni = 0;
  walk(a, b, [&](std::uint64_t len, bool va, bool vb) {
    if (va || vb) uni += len;
    if (va && vb) inter += len;
  });
  if (inter == 0) return 0.0;
  if (b_is_crowd) uni = area(a);
  return static_cast<double>(inter) / static_cast<double>(uni);
}

namespace {

// pycocotools maps an upsampled u to the pixel column (u + 0.5) / 5 - 0.5 and keeps whole columns
// inside the image: u = 5c + 2 with 0 <= c < w. These are the levels lo <= 5c + 2 <= hi, as
// [first, last] columns (empty when first > last).
std::pair<std::int64_t, std::int64_t> level_columns(std::int64_t lo, std::int64_t hi, std::uint32_t w) {
  const std::int64_t first = std::max<std::int64_t>(0, lo <= 2 ? 0 : (lo - 2 + 4) / 5);
  const std::int64_t last = std::min<std::int64_t>(static_cast<std::int64_t>(w) - 1, hi < 2 ? -1 : (hi - 2) / 5);
  return {first, last};
}

// The row of a boundary at lower upsampled v = yd: pycocotools' ceil((yd + 0.5) / 5 - 0.5),
// clamped to [0, h]; for an integer yd that is ceil((yd - 2) / 5).
std::uint32_t boundary_row(int yd, std::uint32_t h) {
  return yd < 2 ? 0 : std::min<std::uint32_t>((static_cast<std::uint32_t>(yd) + 2) / 5, h);
}

// One edge of the traced outline, in the direction pycocotools traces it (from its lower u for
// x-major edges, its lower v for steep ones), with the pixel columns its steps land on.
struct TracedEdge {
  int xs, ys, steps;  // the trace's start and its number of steps (dx for x-major edges, dy for steep ones)
  double s;
  std::int32_t first, last;  // columns [first, last]; empty when first > last
  bool up;                   // steep edges: whether u grows with t
  double inverse = 0;        // steep edges: dy / (xe - xs), divided apart from s (not 1 / s, which waits for s)
};

}  // namespace

namespace {

// A traced polygon's boundaries: column base + c (c < cols) holds the rows
// rows[c ? end[c - 1] : 0 .. end[c]), unsorted. cols is 0 when no boundary lands in the image.
// The buffers are the calling thread's, valid until its next trace.
struct Traced {
  std::uint32_t base = 0;
  std::size_t cols = 0;
  const std::uint32_t* end = nullptr;
  std::uint32_t* rows = nullptr;
};

// For k > 0, h > 0 and w > 0.
Traced trace(const double* xy, std::size_t k, std::uint32_t h, std::uint32_t w) {
  // pycocotools' scan conversion: scale the vertices by 5 and round half up (C truncation after
  // adding 0.5), trace every edge with a DDA, keep the points where the traced u changes, map
  // them back to pixel columns and rows, and turn the sorted column-major boundary positions into
  // alternating runs. The traced points are not stored: only the steps that land on a pixel
  // column are computed, each with pycocotools' own floating-point expression, straight into
  // their column's slots. The result is pycocotools' bit for bit (the test suite compares it with
  // a literal port on random polygons).
  constexpr double k_scale = 5;
  // Vertices are clamped to +-2^20 px (NaN to the lower bound) so the integer conversion stays
  // defined and an edge cannot trace billions of points; inside that range the result is
  // pycocotools' own. Readers and `validate` report such coordinates before they get here.
  auto scaled = [&](double v) {
    constexpr double k_limit = 1 << 20;
    v = v > -k_limit ? v : -k_limit;  // NaN fails the comparison: the lower bound
    v = v < k_limit ? v : k_limit;
    return static_cast<int>(k_scale * v + 0.5);
  };
  // Scratch buffers reused across calls on the same thread: rasterising is the hot loop of
  // object matching and validation, and fresh allocations dominate otherwise.
  thread_local std::vector<int> X, Y;
  thread_local std::vector<TracedEdge> edges, steep;  // x-major and steep edges that land on a column
  thread_local std::vector<std::pair<std::uint32_t, int>> joints;  // (column, lower v)
  thread_local std::vector<std::uint32_t> slot, rows;
  X.resize(k + 1);
  Y.resize(k + 1);
  int lowest = 0;
  for (std::size_t j = 0; j < k; ++j) {
    X[j] = scaled(xy[2 * j]);
    Y[j] = scaled(xy[2 * j + 1]);
    lowest = std::min({lowest, X[j], Y[j]});
  }
  X[k] = X[0];
  Y[k] = Y[0];

  // Pass 1: each edge's trace parameters and column range, and the boundary a joint between two
  // edges adds where the traced u changes from one edge's last point to the next one's first.
  edges.clear();
  steep.clear();
  joints.clear();
  std::int64_t x_min = w, x_max = -1;
  auto cover = [&](std::int64_t first, std::int64_t last) {
    if (first > last) return;
    x_min = std::min(x_min, first);
    x_max = std::max(x_max, last);
  };
  if (lowest >= 0) {
    // No negative coordinate (the common case): every edge's traced ends are its vertices
    // (v(0) = (int)(ys + 0.5) = ys, and s * dx is ye - ys but for rounding far below the 0.5
    // that truncation drops; the same for u on steep edges), so consecutive edges meet at one
    // point and there are no joints; the edges need no point computed to find their columns.
    for (std::size_t j = 0; j < k; ++j) {
      int xs = X[j], ys = Y[j], xe = X[j + 1], ye = Y[j + 1];
      const int dx = std::abs(xe - xs), dy = std::abs(ys - ye);
      if (dx >= dy) {
        if (dx == 0) continue;  // a repeated vertex
        if (xs > xe) {
          std::swap(xs, xe);
          std::swap(ys, ye);
        }
        const auto [first, last] = level_columns(xs, xe - 1, w);
        if (first > last) continue;
        edges.push_back({xs, ys, dx, static_cast<double>(ye - ys) / dx, static_cast<std::int32_t>(first), static_cast<std::int32_t>(last), false});
        cover(first, last);
      } else {
        if (ys > ye) {
          std::swap(xs, xe);
          std::swap(ys, ye);
        }
        const auto [first, last] = level_columns(std::min(xs, xe), std::max(xs, xe) - 1, w);
        if (first > last) continue;
        steep.push_back({xs, ys, dy, static_cast<double>(xe - xs) / dy, static_cast<std::int32_t>(first), static_cast<std::int32_t>(last), xe > xs,
                         static_cast<double>(dy) / (xe - xs)});
        cover(first, last);
      }
    }
  }
  bool started = false;  // the outline's first point has no predecessor
  int pu = 0, pv = 0;
  auto point = [&](int u, int v) {
    if (started && u != pu) {
      const int xd = u < pu ? u : u - 1;  // the step's lower u
      if (xd >= 2 && (xd - 2) % 5 == 0 && static_cast<std::uint32_t>((xd - 2) / 5) < w) {
        const auto c = static_cast<std::uint32_t>((xd - 2) / 5);
        joints.emplace_back(c, std::min(v, pv));
        cover(c, c);
      }
    }
    started = true;
    pu = u;
    pv = v;
  };
  for (std::size_t j = 0; j < k && lowest < 0; ++j) {
    int xs = X[j], ys = Y[j], xe = X[j + 1], ye = Y[j + 1];
    const int dx = std::abs(xe - xs), dy = std::abs(ys - ye);
    const bool flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      std::swap(xs, xe);
      std::swap(ys, ye);
    }
    const double s = dx >= dy ? static_cast<double>(ye - ys) / dx : static_cast<double>(xe - xs) / dy;
    if (dx == 0 && dy == 0) {
      // A repeated vertex: pycocotools computes 0 / 0 here and converts the NaN to int, which
      // x86 turns into INT_MIN; that value is kept (without the undefined conversion) so that
      // masks stay equal to pycocotools' bit for bit.
      point(xs, std::numeric_limits<int>::min());
    } else if (dx >= dy) {
      // u moves one upsampled column per step, so every step crosses from min(u) to min(u) + 1;
      // only steps whose lower u is 5c + 2 land on pixel column c. Steps span u = xs .. xs + dx.
      auto v_at = [&](int t) { return static_cast<int>(ys + s * t + 0.5); };
      const int t0 = flip ? dx : 0, t_end = flip ? 0 : dx;
      point(t0 + xs, v_at(t0));
      const auto [first, last] = level_columns(xs, static_cast<std::int64_t>(xs) + dx - 1, w);
      if (first <= last) edges.push_back({xs, ys, dx, s, static_cast<std::int32_t>(first), static_cast<std::int32_t>(last), false});
      cover(first, last);
      pu = t_end + xs;
      pv = v_at(t_end);
    } else {
      // u moves at most one upsampled column per step and monotonically in t, so each level
      // 5c + 2 between u(0) and u(dy) is crossed by exactly one step.
      auto u_at = [&](int t) { return static_cast<int>(xs + s * t + 0.5); };
      const int t0 = flip ? dy : 0, t_end = flip ? 0 : dy;
      point(u_at(t0), t0 + ys);
      const int ua = u_at(0), ub = u_at(dy);
      const auto [first, last] = level_columns(std::min(ua, ub), static_cast<std::int64_t>(std::max(ua, ub)) - 1, w);
      // (xe != xs here: a vertical edge's u never changes, so it lands on no column.)
      if (first <= last) steep.push_back({xs, ys, dy, s, static_cast<std::int32_t>(first), static_cast<std::int32_t>(last), ub > ua, static_cast<double>(dy) / (xe - xs)});
      cover(first, last);
      pu = u_at(t_end);
      pv = t_end + ys;
    }
  }

  if (x_max < x_min) return {};
  // Each column's slots: the number of boundaries landing on it (edges cover column ranges, so a
  // difference array counts them), then their offsets.
  const auto cols = static_cast<std::size_t>(x_max - x_min + 1);
  const auto base = static_cast<std::uint32_t>(x_min);
  slot.assign(cols + 1, 0);
  for (const auto* list : {&edges, &steep}) {
    for (const auto& e : *list) {
      ++slot[static_cast<std::uint32_t>(e.first) - base];
      --slot[static_cast<std::uint32_t>(e.last) - base + 1];
    }
  }
  for (const auto& jt : joints) {
    ++slot[jt.first - base];
    --slot[jt.first - base + 1];
  }
  std::uint32_t running = 0, offset = 0;
  for (std::size_t c = 0; c < cols; ++c) {
    running += slot[c];
    slot[c] = offset;  // start of column c (becomes its end as it fills)
    offset += running;
  }
  const std::size_t m = offset;
  if (rows.size() < m) rows.resize(m);
  std::uint32_t* out = rows.data();

  // Pass 2: each boundary's row, into its column.
  std::uint32_t* const slots = slot.data();
  // x-major edges and steep ones in loops of their own: which kind an edge is does not follow a
  // pattern a branch predictor learns.
  for (const auto& e : edges) {
    // The step from u = L to L + 1 joins t = L - xs and t + 1 in either direction: its lower v
    // is the smaller of theirs. Every operation of v(t) = (int)(ys + s t + 0.5) is monotone in t
    // (rounding and truncation included), so that is v(t) when s >= 0 and v(t + 1) otherwise.
    // (The edge's fields are copied to locals: the stores into the rows could alias them.)
    const double ys = e.ys, s = e.s;
    const int t0 = 2 - e.xs + (s >= 0 ? 0 : 1);
    for (std::int32_t c = e.first, last = e.last; c <= last; ++c) {
      const int t = 5 * c + t0;
      out[slots[static_cast<std::uint32_t>(c) - base]++] = boundary_row(static_cast<int>(ys + s * t + 0.5), h);
    }
  }
  for (const auto& e : steep) {
    // The step (t - 1, t) that crosses level L = 5c + 2: the first t where u has left L behind,
    // u(t) >= L + 1 going up, u(t) <= L going down. Going up that holds from
    // t >= (L + 0.5 - xs) / s; going down (s < 0), from t > that. The estimate only saves steps:
    // u itself decides, so the rounding is pycocotools' own.
    // The estimate (L + 0.5 - xs) / s is a + b c for column c; s is never 0 here (the edge would
    // cross no level), so both are finite. (1 / s is the edge's `inverse`, to within rounding.)
    // Where the estimate lies farther than `margin` from every integer t, u(t) is farther than
    // 1e-6 from L + 1 at the steps on either side of it: both sides of the crossing are then
    // certain without computing u, whose rounding (a few 1e-9 at the clamped coordinates' size)
    // cannot move it across L + 1. (The estimate's own error, times |s|, is of the same few 1e-9.)
    const double xs = e.xs, s = e.s;
    const int ys = e.ys, steps = e.steps;
    const bool up = e.up;
    auto u_at = [&](int t) { return static_cast<int>(xs + s * t + 0.5); };
    const double inv_s = e.inverse, a = (2.5 - xs) * inv_s, b = 5 * inv_s, t_max = steps;
    const double margin = 1e-6 * std::fabs(inv_s), low = 1 + margin, high = t_max - margin, below = 1 - margin;
    for (std::int32_t c = e.first, last = e.last; c <= last; ++c) {
      const double estimate = a + b * c;
      int t;
      if (estimate > low && estimate < high) {
        t = static_cast<int>(estimate) + 1;  // ceil, unless the estimate is an integer
        const double above = t - estimate;
        if (above > margin && above < below) {
          out[slots[static_cast<std::uint32_t>(c) - base]++] = boundary_row(t - 1 + ys, h);
          continue;
        }
      }
      const int level = 5 * c + 2;
      auto past = [&](int t) { return up ? u_at(t) >= level + 1 : u_at(t) <= level; };
      const double guess = std::clamp(estimate, 1.0, t_max);
      t = static_cast<int>(guess);
      t += t < guess;  // ceil, for guess >= 1
      while (t > 1 && past(t - 1)) --t;
      while (t < steps && !past(t)) ++t;
      out[slots[static_cast<std::uint32_t>(c) - base]++] = boundary_row(t - 1 + ys, h);
    }
  }
  for (const auto& jt : joints) out[slot[jt.first - base]++] = boundary_row(jt.second, h);
  return {base, cols, slot.data(), out};
}

}  // namespace

Rle rasterize_polygon(const double* xy, std::size_t k, std::uint32_t h, std::uint32_t w) {
  if (k == 0 || h == 0 || w == 0) return Rle{h, w, {h * w}};
  const Traced traced = trace(xy, k, h, w);
  Rle r{h, w, {}};
  if (traced.cols == 0) {
    r.counts.push_back(h * w);
    return r;
  }
  const std::size_t cols = traced.cols;
  const std::uint32_t base = traced.base;
  const std::uint32_t* const slot = traced.end;
  std::uint32_t* const out = traced.rows;
  const std::size_t m = slot[cols - 1];

  // The boundary positions in column-major order (rows sorted within each column: a handful
  // each; a row of h is the first pixel of the next column) as differences: the runs. A zero
  // difference cancels a boundary (two crossings at one position) and merges the neighbouring
  // runs, as pycocotools does.
  r.counts.resize(m + 1);
  std::uint32_t* const counts = r.counts.data();
  std::size_t n = 0;
  std::uint64_t prev = 0;
  bool merge = false;
  auto emit = [&](std::uint64_t position) {
    const auto d = static_cast<std::uint32_t>(position - prev);
    prev = position;
    if (merge) {
      counts[n - 1] += d;
      merge = false;
    } else if (d > 0 || n == 0) {
      counts[n++] = d;
    } else {
      merge = true;
    }
  };
  std::uint32_t lo = 0;
  for (std::size_t c = 0; c < cols; ++c) {
    const std::uint32_t hi = slot[c];
    const std::uint64_t column = static_cast<std::uint64_t>(base + c) * h;
    if (hi - lo == 2) {  // most columns: one way in, one way out
      const std::uint32_t a = out[lo], b = out[lo + 1];
      const std::uint64_t p0 = column + std::min(a, b), p1 = column + std::max(a, b);
      // Both differences positive and no merge pending: what emit would do, without its branches
      // (about 5% of the time per polygon).
      if (!merge && n > 0 && p0 > prev && p1 > p0) {
        counts[n] = static_cast<std::uint32_t>(p0 - prev);
        counts[n + 1] = static_cast<std::uint32_t>(p1 - p0);
        n += 2;
        prev = p1;
      } else {
        emit(p0);
        emit(p1);
      }
      lo = hi;
      continue;
    }
    for (std::uint32_t i = lo + 1; i < hi; ++i) {  // insertion sort: a column holds a few rows
      const std::uint32_t v = out[i];
      std::uint32_t j = i;
      for (; j > lo && out[j - 1] > v; --j) out[j] = out[j - 1];
      out[j] = v;
    }
    for (std::uint32_t i = lo; i < hi; ++i) emit(column + out[i]);
    lo = hi;
  }
  emit(static_cast<std::uint64_t>(h) * w);
  r.counts.resize(n);
  return r;
}

namespace {

// Builds a ColumnMask column by column, into `into` (emptied first; its buffers are kept).
class ColumnBuilder {
 public:
  ColumnBuilder(std::uint32_t h, std::uint32_t w, ColumnMask& into) : m(into) {
    m.h = h;
    m.w = w;
    m.x0 = 0;
    m.area = 0;
    m.start.clear();
    m.rows.clear();
  }
  void reserve(std::size_t columns, std::size_t rows) {
    m.start.reserve(columns + 1);
    m.rows.reserve(rows);
  }
  // Starts column x (columns come in increasing order; skipped ones are empty).
  void column(std::uint32_t x) {
    if (m.start.empty()) {
      m.x0 = x;
    } else {
      while (m.x0 + m.start.size() < x) m.start.push_back(static_cast<std::uint32_t>(m.rows.size()));  // empty columns
    }
    m.start.push_back(static_cast<std::uint32_t>(m.rows.size()));
  }
  // Adds rows [top, bottom) to the current column, after its previous runs.
  void run(std::uint32_t top, std::uint32_t bottom) {
    if (top >= bottom) return;
    m.area += bottom - top;
    if (m.rows.size() > m.start.back() && m.rows.back() == top) {
      m.rows.back() = bottom;  // touching the previous run: one run
      return;
    }
    m.rows.push_back(top);
    m.rows.push_back(bottom);
  }
  void done() {
    m.start.push_back(static_cast<std::uint32_t>(m.rows.size()));  // closes the last column
    trim(m);
  }
  // Drops empty columns at either end (all of them for an empty mask).
  static void trim(ColumnMask& m) {
    std::size_t first = 0, last = m.start.size() - 1;  // columns [first, last)
    while (first < last && m.start[first] == m.start[first + 1]) ++first;
    while (last > first && m.start[last - 1] == m.start[last]) --last;
    if (first == last) {
      m.start.clear();
      m.x0 = 0;
      return;
    }
    m.start.erase(m.start.begin() + static_cast<std::ptrdiff_t>(last) + 1, m.start.end());
    m.start.erase(m.start.begin(), m.start.begin() + static_cast<std::ptrdiff_t>(first));
    m.x0 += static_cast<std::uint32_t>(first);
  }

 private:
  ColumnMask& m;
};

}  // namespace

ColumnMask column_mask(const Rle& rle) {
  ColumnMask m;
  column_mask(rle, m);
  return m;
}

void column_mask(const Rle& rle, ColumnMask& out) {
  ColumnBuilder b(rle.h, rle.w, out);
  if (rle.h == 0 || rle.w == 0) {
    b.done();
    return;
  }
  b.reserve(0, rle.counts.size() + 2);
  const std::uint64_t h = rle.h;
  std::uint64_t pos = 0;
  std::uint64_t x = 0, top = 0;  // the column of the last position looked at, and its first position
  bool started = false;           // column x is begun in the builder
  for (std::size_t i = 0; i < rle.counts.size(); ++i) {
    const std::uint64_t len = rle.counts[i];
    if (i % 2 == 1) {
      // A foreground run [pos, pos + len), split at column ends. Positions only grow: the column
      // is followed along, divided out only after a long jump.
      for (std::uint64_t p = pos, e = pos + len; p < e;) {
        if (p >= top + 4 * h) {
          x = p / h;
          top = x * h;
          started = false;
        }
        while (p >= top + h) {
          ++x;
          top += h;
          started = false;
        }
        if (!started) {
          b.column(static_cast<std::uint32_t>(x));
          started = true;
        }
        const std::uint64_t end = std::min(e, top + h);
        b.run(static_cast<std::uint32_t>(p - top), static_cast<std::uint32_t>(end - top));
        p = end;
      }
    }
    pos += len;
  }
  b.done();
}

ColumnMask rasterize_polygon_columns(const double* xy, std::size_t k, std::uint32_t h, std::uint32_t w) {
  ColumnMask m;
  rasterize_polygon_columns(xy, k, h, w, m);
  return m;
}

void rasterize_polygon_columns(const double* xy, std::size_t k, std::uint32_t h, std::uint32_t w, ColumnMask& m) {
  m.h = h;
  m.w = w;
  m.x0 = 0;
  m.area = 0;
  const Traced traced = k == 0 || h == 0 || w == 0 ? Traced{} : trace(xy, k, h, w);
  if (traced.cols == 0) {
    m.start.clear();
    m.rows.clear();
    return;
  }
  // Each column's boundaries sorted and paired into runs, written in place. (The buffers are only
  // grown here, so that a reused mask's elements are not set twice, and cut to size at the end.)
  const std::size_t cols = traced.cols;
  m.x0 = traced.base;
  if (m.start.size() < cols + 1) m.start.resize(cols + 1);
  if (m.rows.size() < traced.end[cols - 1]) m.rows.resize(traced.end[cols - 1]);
  std::uint32_t* const out = traced.rows;
  std::uint32_t* const rows = m.rows.data();
  std::uint32_t* const start = m.start.data();
  std::uint32_t lo = 0, n = 0;
  std::uint64_t area = 0;
  for (std::size_t c = 0; c < cols; ++c) {
    const std::uint32_t hi = traced.end[c];
    start[c] = n;
    if (hi - lo == 2) {  // most columns: one way in, one way out
      const std::uint32_t top = std::min(out[lo], out[lo + 1]), bottom = std::max(out[lo], out[lo + 1]);
      if (top < bottom) {
        rows[n] = top;
        rows[n + 1] = bottom;
        n += 2;
        area += bottom - top;
      }
      lo = hi;
      continue;
    }
    if (hi - lo == 4) {  // a column through a concave part: two runs, apart or touching
      std::uint32_t b0 = out[lo], b1 = out[lo + 1], b2 = out[lo + 2], b3 = out[lo + 3];
      auto order = [](std::uint32_t& x, std::uint32_t& y) {
        const std::uint32_t low = std::min(x, y);
        y = std::max(x, y);
        x = low;
      };
      order(b0, b1);  // a sorting network of four: no branch on the values
      order(b2, b3);
      order(b0, b2);
      order(b1, b3);
      order(b1, b2);
      if (b0 < b1 && b1 < b2 && b2 < b3) {  // most such columns
        rows[n] = b0;
        rows[n + 1] = b1;
        rows[n + 2] = b2;
        rows[n + 3] = b3;
        n += 4;
        area += (b1 - b0) + (b3 - b2);
        lo = hi;
        continue;
      }
      out[lo] = b0, out[lo + 1] = b1, out[lo + 2] = b2, out[lo + 3] = b3;  // sorted, for the general case below
    }
    // A column with an odd number of boundaries carries its parity into the next: the runs then
    // cross columns, which only the run-length form says plainly.
    if ((hi - lo) % 2 == 1) {
      column_mask(rasterize_polygon(xy, k, h, w), m);
      return;
    }
    if (hi - lo <= 16) {
      for (std::uint32_t i = lo + 1; i < hi; ++i) {  // insertion sort: a column holds a few rows
        const std::uint32_t v = out[i];
        std::uint32_t j = i;
        for (; j > lo && out[j - 1] > v; --j) out[j] = out[j - 1];
        out[j] = v;
      }
    } else {
      std::sort(out + lo, out + hi);
    }
    for (std::uint32_t i = lo; i < hi; i += 2) {
      const std::uint32_t top = out[i], bottom = out[i + 1];
      if (top >= bottom) continue;
      area += bottom - top;
      if (n > start[c] && rows[n - 1] == top) {
        rows[n - 1] = bottom;  // touching the previous run: one run
      } else {
        rows[n] = top;
        rows[n + 1] = bottom;
        n += 2;
      }
    }
    lo = hi;
  }
  start[cols] = n;
  m.start.resize(cols + 1);
  m.rows.resize(n);
  m.area = area;
  ColumnBuilder::trim(m);
}

ColumnMask unite(const std::vector<ColumnMask>& masks) {
  ColumnMask m;
  unite(masks, m);
  return m;
}

void unite(std::span<const ColumnMask> masks, ColumnMask& out) {
  if (masks.empty()) {
    out = ColumnMask{};
    return;
  }
  ColumnBuilder b(masks[0].h, masks[0].w, out);
  std::uint64_t x0 = UINT64_MAX, x1 = 0;  // columns [x0, x1)
  for (const auto& m : masks) {
    if (m.columns() == 0) continue;
    x0 = std::min<std::uint64_t>(x0, m.x0);
    x1 = std::max<std::uint64_t>(x1, std::uint64_t{m.x0} + m.columns());
  }
  thread_local std::vector<std::pair<std::uint32_t, std::uint32_t>> runs;
  for (std::uint64_t x = x0; x < x1; ++x) {
    runs.clear();
    int from = 0;  // masks with runs in this column
    for (const auto& m : masks) {
      if (x < m.x0 || x >= std::uint64_t{m.x0} + m.columns()) continue;
      const std::size_t c = x - m.x0;
      from += m.start[c] < m.start[c + 1];
      for (std::uint32_t i = m.start[c]; i < m.start[c + 1]; i += 2) runs.emplace_back(m.rows[i], m.rows[i + 1]);
    }
    if (runs.empty()) continue;
    if (from > 1) std::sort(runs.begin(), runs.end());  // one mask's runs come in order
    b.column(static_cast<std::uint32_t>(x));
    std::uint32_t top = runs[0].first, bottom = runs[0].second;
    for (std::size_t i = 1; i < runs.size(); ++i) {
      if (runs[i].first <= bottom) {
        bottom = std::max(bottom, runs[i].second);
      } else {
        b.run(top, bottom);
        top = runs[i].first;
        bottom = runs[i].second;
      }
    }
    b.run(top, bottom);
  }
  b.done();
}

std::optional<Overlap> intersection(const ColumnMask& a, const ColumnMask& b) {
  if (a.h != b.h || a.w != b.w) return std::nullopt;
  Overlap o;
  const std::uint64_t lo = std::max(a.x0, b.x0);
  const std::uint64_t hi = std::min(std::uint64_t{a.x0} + a.columns(), std::uint64_t{b.x0} + b.columns());
  std::uint64_t xs = UINT64_MAX, xe = 0;
  std::uint32_t ys = UINT32_MAX, ye = 0;
  const std::uint32_t* const ra = a.rows.data();
  const std::uint32_t* const rb = b.rows.data();
  for (std::uint64_t x = lo; x < hi; ++x) {
    std::uint32_t i = a.start[x - a.x0], j = b.start[x - b.x0];
    const std::uint32_t ie = a.start[x - a.x0 + 1], je = b.start[x - b.x0 + 1];
    std::uint64_t shared = 0;
    while (i < ie && j < je) {
      const std::uint32_t top = std::max(ra[i], rb[j]), bottom = std::min(ra[i + 1], rb[j + 1]);
      if (top < bottom) {
        shared += bottom - top;
        ys = std::min(ys, top);
        ye = std::max(ye, bottom);
      }
      if (ra[i + 1] <= rb[j + 1]) {
        i += 2;
      } else {
        j += 2;
      }
    }
    if (shared == 0) continue;
    o.area += shared;
    xs = std::min(xs, x);
    xe = x;
  }
  if (o.area > 0) {
    o.bbox = {static_cast<double>(xs), static_cast<double>(ys), static_cast<double>(xe - xs + 1), static_cast<double>(ye - ys)};
  }
  return o;
}

Rle rasterize_box(const Box& b, std::uint32_t h, std::uint32_t w) {
  const double xs = b[0], ys = b[1], xe = b[0] + b[2], ye = b[1] + b[3];
  const double xy[8] = {xs, ys, xs, ye, xe, ye, xe, ys};
  return rasterize_polygon(xy, 4, h, w);
}

}  // namespace labelqa::geometry
