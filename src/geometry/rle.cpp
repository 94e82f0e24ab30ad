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
  for (std::size_t i = 0; i < rle.counts.size(); ++i) out.ends[i] = pos += rle.counts[i];
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
  // The run of each mask that holds position lo, and what is left of it from there.
  auto start = [lo](const IndexedRle& m) {
    const auto i = static_cast<std::size_t>(std::upper_bound(m.ends.begin(), m.ends.end(), lo) - m.ends.begin());
    return std::make_pair(i, m.ends[i] - lo);
  };
  auto [ia, ra] = start(a);
  auto [ib, rb] = start(b);
  std::uint64_t pos = lo;
  while (pos < hi) {
    const std::uint64_t len = std::min(ra, rb);
    if ((ia % 2 == 1) && (ib % 2 == 1)) box.add(pos, std::min(len, hi - pos));
    pos += len;
    ra -= len;
    rb -= len;
    // Runs of length 0 (a leading empty background run) are stepped over.
    while (ra == 0 && ia + 1 < a.ends.size()) ra = a.rle->counts[++ia];
    while (rb == 0 && ib + 1 < b.ends.size()) rb = b.rle->counts[++ib];
    if (ra == 0 || rb == 0) break;
  }
  return box.done();
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

// The boundary positions of pycocotools' scan conversion, collected while tracing (see
// rasterize_polygon). A step of the traced outline, in 5x upsampled integer coordinates, that
// changes u crosses from its lower u to the next; it adds the pixel position (column, row) of
// that crossing when the lower u lands on a pixel column. Points go to a buffer sized beforehand.
struct Boundary {
  std::uint32_t h, w;
  std::uint32_t* x;  // next free slot
  std::uint32_t* y;
  std::uint32_t x_min = UINT32_MAX, x_max = 0;

  // xd: the lower u of the step; yd: the lower v of its two points.
  void add(int xd, int yd) {
    // pycocotools maps xd to the column (xd + 0.5) / 5 - 0.5 and keeps whole columns inside the
    // image: xd = 5c + 2 with 0 <= c < w (exact for |xd| < 2^23). The row is
    // ceil((yd + 0.5) / 5 - 0.5) clamped to [0, h], which for an integer yd is ceil((yd - 2) / 5).
    if (xd < 2 || (xd - 2) % 5 != 0) return;
    const auto c = static_cast<std::uint32_t>((xd - 2) / 5);
    if (c >= w) return;
    put(c, yd);
    x_min = std::min(x_min, c);
    x_max = std::max(x_max, c);
  }
  // The crossing of column c (inside the image) at lower v = yd; the caller tracks x_min, x_max.
  void put(std::uint32_t c, int yd) {
    const std::int64_t num = static_cast<std::int64_t>(yd) - 2;
    const std::int64_t row = num >= 0 ? (num + 4) / 5 : -((-num) / 5);
    *x++ = c;
    *y++ = static_cast<std::uint32_t>(std::clamp<std::int64_t>(row, 0, h));
  }
  // The levels L = 5c + 2 (pixel columns c inside the image) with lo <= L <= hi, as [first, last]
  // columns; empty when first > last.
  std::pair<std::int64_t, std::int64_t> columns(std::int64_t lo, std::int64_t hi) const {
    const std::int64_t first = std::max<std::int64_t>(0, lo <= 2 ? 0 : (lo - 2 + 4) / 5);
    const std::int64_t last = std::min<std::int64_t>(static_cast<std::int64_t>(w) - 1, hi < 2 ? -1 : (hi - 2) / 5);
    return {first, last};
  }
  void extend(std::int64_t first, std::int64_t last) {
    if (first > last) return;
    x_min = std::min(x_min, static_cast<std::uint32_t>(first));
    x_max = std::max(x_max, static_cast<std::uint32_t>(last));
  }
  // A step of the outline from (pu, pv) to (u, v), as pycocotools compares consecutive points.
  void step(int pu, int pv, int u, int v) {
    if (u == pu) return;
    add(u < pu ? u : u - 1, std::min(v, pv));
  }
};

}  // namespace

Rle rasterize_polygon(const double* xy, std::size_t k, std::uint32_t h, std::uint32_t w) {
  // pycocotools' scan conversion: scale the vertices by 5 and round half up (C truncation after
  // adding 0.5), trace every edge with a DDA, keep the points where the traced x changes, map
  // them back to pixel columns and rows, and turn the sorted column-major boundary positions into
  // alternating runs. The traced points are not stored: only the steps that land on a pixel
  // column are computed, each with pycocotools' own floating-point expression. The result is
  // pycocotools' bit for bit (the test suite compares it with a literal port on random polygons).
  constexpr double k_scale = 5;
  if (k == 0 || h == 0 || w == 0) return Rle{h, w, {h * w}};
  // Vertices are clamped to +-2^20 px (NaN to the lower bound) so the integer conversion stays
  // defined and an edge cannot trace billions of points; inside that range the result is
  // pycocotools' own. Readers and `validate` report such coordinates before they get here.
  auto scaled = [&](double v) {
    constexpr double k_limit = 1 << 20;
    return static_cast<int>(k_scale * std::fmin(std::fmax(v, -k_limit), k_limit) + 0.5);
  };
  // Scratch buffers reused across calls on the same thread: rasterising is the hot loop of
  // object matching and validation, and fresh allocations dominate otherwise.
  thread_local std::vector<int> sx, sy;
  thread_local std::vector<std::uint32_t> bx, by, start, order;
  std::vector<int>& X = sx;
  std::vector<int>& Y = sy;
  X.resize(k + 1);
  Y.resize(k + 1);
  // An edge adds one point per pixel column of the image it spans (at most dx / 5 + 2 with
  // rounding, and at most w) plus one at its joint: the buffers never exceed about k * (w + 4).
  std::size_t bound = 4 * k + 8;
  for (std::size_t j = 0; j < k; ++j) {
    X[j] = scaled(xy[2 * j]);
    Y[j] = scaled(xy[2 * j + 1]);
  }
  X[k] = X[0];
  Y[k] = Y[0];
  for (std::size_t j = 0; j < k; ++j) bound += std::min<std::size_t>(static_cast<std::size_t>(std::abs(X[j + 1] - X[j])) / 5 + 1, w);
  std::vector<std::uint32_t>& BX = bx;
  std::vector<std::uint32_t>& BY = by;
  if (BX.size() < bound) {
    BX.resize(bound);
    BY.resize(bound);
  }
  Boundary b{h, w, BX.data(), BY.data()};
  bool first = true;  // the outline's first point has no predecessor
  int pu = 0, pv = 0;
  auto point = [&](int u, int v) {
    if (!first) b.step(pu, pv, u, v);
    first = false;
    pu = u;
    pv = v;
  };
  for (std::size_t j = 0; j < k; ++j) {
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
      // only steps whose lower column is 5c + 2 land on pixel column c.
      auto v_at = [&](int t) { return static_cast<int>(ys + s * t + 0.5); };
      const int t0 = flip ? dx : 0;
      point(t0 + xs, v_at(t0));
      // The step from u = L to u = L + 1 joins t = L - xs and t + 1 in either direction: its
      // lower v is the smaller of theirs. Steps span u = xs .. xs + dx.
      const auto [first, last] = b.columns(xs, static_cast<std::int64_t>(xs) + dx - 1);
      for (std::int64_t c = first; c <= last; ++c) {
        const int t = static_cast<int>(5 * c + 2) - xs;
        b.put(static_cast<std::uint32_t>(c), std::min(v_at(t), v_at(t + 1)));
      }
      b.extend(first, last);
      const int t_end = flip ? 0 : dx;
      pu = t_end + xs;
      pv = v_at(t_end);
    } else {
      // u moves at most one upsampled column per step and monotonically in t, so each column
      // level L between u(0) and u(dy) is crossed by exactly one step (t - 1, t): found from an
      // estimate of t and corrected by evaluating u itself, so the rounding is pycocotools' own.
      auto u_at = [&](int t) { return static_cast<int>(xs + s * t + 0.5); };
      const int t0 = flip ? dy : 0, t_end = flip ? 0 : dy;
      point(u_at(t0), t0 + ys);
      const int ua = u_at(0), ub = u_at(dy);
      const bool up = ub > ua;
      const int lo = std::min(ua, ub), hi = std::max(ua, ub);
      // Levels L = 5c + 2 with lo <= L < hi: only those land on pixel column c.
      const auto [first, last] = b.columns(lo, static_cast<std::int64_t>(hi) - 1);
      const double inv_s = 1 / s;
      for (std::int64_t c = first; c <= last; ++c) {
        const int level = static_cast<int>(5 * c + 2);
        // The first t where u has left `level` behind: u(t) >= level + 1 going up, u(t) <= level
        // going down. Going up that holds from t >= (level + 0.5 - xs) / s; going down (s < 0),
        // from t > that. The estimate only saves steps: u itself decides.
        auto past = [&](int t) { return up ? u_at(t) >= level + 1 : u_at(t) <= level; };
        const double guess = std::ceil((level + 0.5 - xs) * inv_s);
        int t = static_cast<int>(std::clamp(guess, 1.0, static_cast<double>(dy)));
        while (t > 1 && past(t - 1)) --t;
        while (t < dy && !past(t)) ++t;
        b.put(static_cast<std::uint32_t>(c), t - 1 + ys);
      }
      b.extend(first, last);
      pu = u_at(t_end);
      pv = t_end + ys;
    }
  }
  // The boundary positions in column-major order: a counting sort over the columns, then rows
  // within each column (a handful each). Equal positions cancel (two crossings at one pixel);
  // a row of h is the first pixel of the next column.
  Rle r{h, w, {}};
  const std::size_t m = static_cast<std::size_t>(b.x - BX.data());
  r.counts.reserve(m + 1);
  thread_local std::vector<std::uint64_t> a;
  a.clear();
  if (m > 0) {
    const std::size_t cols = b.x_max - b.x_min + 1;
    start.assign(cols + 1, 0);
    for (std::size_t i = 0; i < m; ++i) ++start[BX[i] - b.x_min + 1];
    for (std::size_t c = 0; c < cols; ++c) start[c + 1] += start[c];
    if (order.size() < m) order.resize(m);
    for (std::size_t i = 0; i < m; ++i) order[start[BX[i] - b.x_min]++] = BY[i];
    std::size_t lo = 0;
    for (std::size_t c = 0; c < cols; ++c) {
      const std::size_t hi = start[c];  // after placement, start[c] is the end of column c
      for (std::size_t i = lo + 1; i < hi; ++i) {  // insertion sort: columns hold a few rows
        const std::uint32_t v = order[i];
        std::size_t j = i;
        for (; j > lo && order[j - 1] > v; --j) order[j] = order[j - 1];
        order[j] = v;
      }
      const std::uint64_t col = static_cast<std::uint64_t>(b.x_min + c) * h;
      for (std::size_t i = lo; i < hi; ++i) a.push_back(col + order[i]);
      lo = hi;
    }
  }
  a.push_back(static_cast<std::uint64_t>(h) * w);
  // Differences between consecutive boundary positions; a zero difference cancels a boundary
  // (two crossings at one position) and merges the neighbouring runs.
  std::uint64_t prev = 0;
  std::size_t j = 0;
  auto diff = [&](std::size_t i) {
    const std::uint64_t d = a[i] - prev;
    prev = a[i];
    return d;
  };
  r.counts.push_back(static_cast<std::uint32_t>(diff(j++)));
  while (j < a.size()) {
    const std::uint64_t d = diff(j++);
    if (d > 0) {
      r.counts.push_back(static_cast<std::uint32_t>(d));
    } else if (j < a.size()) {
      r.counts.back() += static_cast<std::uint32_t>(diff(j++));
    }
  }
  return r;
}

Rle rasterize_box(const Box& b, std::uint32_t h, std::uint32_t w) {
  const double xs = b[0], ys = b[1], xe = b[0] + b[2], ye = b[1] + b[3];
  const double xy[8] = {xs, ys, xs, ye, xe, ye, xe, ys};
  return rasterize_polygon(xy, 4, h, w);
}

}  // namespace labelqa::geometry
