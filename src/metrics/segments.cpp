#include "labelqa/metrics/segments.hpp"

#include "gold_engine.hpp"

#include "labelqa/error.hpp"
#include "labelqa/geometry/assignment.hpp"
#include "labelqa/metrics/bootstrap.hpp"
#include "labelqa/metrics/patterns.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <map>
#include <numeric>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

namespace labelqa::metrics {

void BoundaryCounts::add(const BoundaryCounts& o) {
  boundaries_a += o.boundaries_a;
  boundaries_b += o.boundaries_b;
  matched += o.matched;
}

void DiarizationCounts::add(const DiarizationCounts& o) {
  scored += o.scored;
  missed += o.missed;
  false_alarm += o.false_alarm;
  confusion += o.confusion;
  jer_sum += o.jer_sum;
  reference_speakers += o.reference_speakers;
}

namespace {

double nan() { return std::numeric_limits<double>::quiet_NaN(); }

// --- Boundaries --------------------------------------------------------------------------------

// The most boundaries of `a` and `b` (sorted) that pair one to one within `collar`: on a line, the
// greedy scan from the left finds a largest matching.
long long match_boundaries(const std::vector<Micros>& a, const std::vector<Micros>& b, Micros collar) {
  long long m = 0;
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] - b[j] > collar) {
      ++j;
    } else if (b[j] - a[i] > collar) {
      ++i;
    } else {
      ++m, ++i, ++j;
    }
  }
  return m;
}

void boundary_ratios(const BoundaryCounts& c, double out[3]) {
  const double na = static_cast<double>(c.boundaries_a), nb = static_cast<double>(c.boundaries_b), m = static_cast<double>(c.matched);
  out[0] = nb > 0 ? m / nb : nan();
  out[1] = na > 0 ? m / na : nan();
  out[2] = na + nb > 0 ? 2 * m / (na + nb) : nan();
}

BoundaryScores boundary_scores(const BoundaryCounts& c) {
  BoundaryScores s;
  s.counts = c;
  double r[3];
  boundary_ratios(c, r);
  s.precision = Estimate::ratio(r[0], Reason::no_delivered_objects);
  s.recall = Estimate::ratio(r[1], Reason::no_reference_objects);
  s.f1 = Estimate::ratio(r[2], Reason::no_objects);
  return s;
}

// --- Diarization ---------------------------------------------------------------------------------

struct Turn {
  Micros start, end;
  int speaker;
};

// md-eval's scoring of one recording (ref = reference turns, sys = system turns), and dscore's JER.
DiarizationCounts diarize(const std::vector<Turn>& ref, int nref, const std::vector<Turn>& sys, int nsys, Micros uem_begin, Micros uem_end,
                          const SegmentOptions& opt) {
  DiarizationCounts out;
  // Elementary intervals between every time anything changes.
  std::vector<Micros> t{uem_begin, uem_end};
  for (const auto& v : {&ref, &sys}) {
    for (const Turn& x : *v) {
      t.push_back(std::clamp(x.start, uem_begin, uem_end));
      t.push_back(std::clamp(x.end, uem_begin, uem_end));
    }
  }
  if (opt.collar > 0) {
    for (const Turn& x : ref) {
      for (const Micros b : {x.start, x.end}) {
        t.push_back(std::clamp(b - opt.collar, uem_begin, uem_end));
        t.push_back(std::clamp(b + opt.collar, uem_begin, uem_end));
      }
    }
  }
  std::sort(t.begin(), t.end());
  t.erase(std::unique(t.begin(), t.end()), t.end());
  const std::size_t K = t.size() - 1;  // intervals [t[k], t[k+1])
  auto at = [&](Micros v) { return static_cast<std::size_t>(std::lower_bound(t.begin(), t.end(), v) - t.begin()); };
  // Per speaker, how many of its turns cover each interval (difference arrays).
  auto coverage = [&](const std::vector<Turn>& turns, int n) {
    std::vector<std::vector<int>> c(static_cast<std::size_t>(n), std::vector<int>(K + 1, 0));
    for (const Turn& x : turns) {
      const Micros s = std::clamp(x.start, uem_begin, uem_end), e = std::clamp(x.end, uem_begin, uem_end);
      if (e <= s) continue;
      ++c[static_cast<std::size_t>(x.speaker)][at(s)];
      --c[static_cast<std::size_t>(x.speaker)][at(e)];
    }
    for (auto& v : c) std::partial_sum(v.begin(), v.end(), v.begin());
    return c;
  };
  const auto rc = coverage(ref, nref), sc = coverage(sys, nsys);
  // No-score zones: +-collar around every reference boundary.
  std::vector<int> noscore(K + 1, 0);
  if (opt.collar > 0) {
    for (const Turn& x : ref) {
      for (const Micros b : {x.start, x.end}) {
        const Micros s = std::clamp(b - opt.collar, uem_begin, uem_end), e = std::clamp(b + opt.collar, uem_begin, uem_end);
        if (e <= s) continue;
        ++noscore[at(s)];
        --noscore[at(e)];
      }
    }
    std::partial_sum(noscore.begin(), noscore.end(), noscore.begin());
  }
  // Each speaker's time as runs of covered intervals; the mapping's overlaps are the runs'
  // intersections (work: speakers of one side times the runs of the other).
  auto runs = [&](const std::vector<std::vector<int>>& c) {
    std::vector<std::vector<std::pair<Micros, Micros>>> out(c.size());
    for (std::size_t x = 0; x < c.size(); ++x) {
      for (std::size_t k = 0; k < K;) {
        if (!c[x][k]) {
          ++k;
          continue;
        }
        std::size_t e = k;
        while (e < K && c[x][e]) ++e;
        out[x].emplace_back(t[k], t[e]);
        k = e;
      }
    }
    return out;
  };
  const auto rr = runs(rc), sr = runs(sc);
  auto total = [](const std::vector<std::pair<Micros, Micros>>& v) {
    Micros sum = 0;
    for (const auto& [b, e] : v) sum += e - b;
    return sum;
  };
  // The mapping: most overlap time between reference and system speakers in the evaluated time
  // (no collars), one to one.
  std::vector<double> overlap(static_cast<std::size_t>(nref) * static_cast<std::size_t>(nsys), 0.0);
  std::vector<Micros> ref_time(static_cast<std::size_t>(nref), 0), sys_time(static_cast<std::size_t>(nsys), 0);
  std::vector<Micros> both(overlap.size(), 0);
  for (int r = 0; r < nref; ++r) ref_time[static_cast<std::size_t>(r)] = total(rr[static_cast<std::size_t>(r)]);
  for (int s = 0; s < nsys; ++s) sys_time[static_cast<std::size_t>(s)] = total(sr[static_cast<std::size_t>(s)]);
  for (int r = 0; r < nref; ++r) {
    for (int s = 0; s < nsys; ++s) {
      const auto& x = rr[static_cast<std::size_t>(r)];
      const auto& y = sr[static_cast<std::size_t>(s)];
      Micros sum = 0;
      for (std::size_t i = 0, j = 0; i < x.size() && j < y.size();) {
        const auto lo = std::max(x[i].first, y[j].first), hi = std::min(x[i].second, y[j].second);
        if (hi > lo) sum += hi - lo;
        if (x[i].second < y[j].second) ++i;
        else ++j;
      }
      both[static_cast<std::size_t>(r) * static_cast<std::size_t>(nsys) + static_cast<std::size_t>(s)] = sum;
    }
  }
  for (std::size_t x = 0; x < both.size(); ++x) overlap[x] = static_cast<double>(both[x]);
  std::vector<int> map(static_cast<std::size_t>(nref), -1);
  if (nref && nsys) {
    map = geometry::max_score_assignment(overlap, nref, nsys);
    for (int r = 0; r < nref; ++r) {
      const int s = map[static_cast<std::size_t>(r)];
      if (s >= 0 && overlap[static_cast<std::size_t>(r) * static_cast<std::size_t>(nsys) + static_cast<std::size_t>(s)] <= 0) map[static_cast<std::size_t>(r)] = -1;
    }
  }
  for (std::size_t k = 0; k < K; ++k) {
    const auto d = static_cast<double>(t[k + 1] - t[k]);
    if (noscore[k] > 0) continue;
    long long n_ref = 0, n_sys = 0, tokens = 0, mapped = 0;
    for (int r = 0; r < nref; ++r) {
      const int c = rc[static_cast<std::size_t>(r)][k];
      tokens += c;
      if (!c) continue;
      ++n_ref;
      const int s = map[static_cast<std::size_t>(r)];
      if (s >= 0 && sc[static_cast<std::size_t>(s)][k]) ++mapped;
    }
    if (opt.skip_overlap && tokens >= 2) continue;
    for (int s = 0; s < nsys; ++s) n_sys += sc[static_cast<std::size_t>(s)][k] ? 1 : 0;
    out.scored += d * static_cast<double>(n_ref);
    out.missed += d * static_cast<double>(std::max(n_ref - n_sys, 0LL));
    out.false_alarm += d * static_cast<double>(std::max(n_sys - n_ref, 0LL));
    out.confusion += d * static_cast<double>(std::min(n_ref, n_sys) - mapped);
  }
  // JER (dscore): per reference speaker, 1 - |ref & sys| / |ref | sys| for the system speaker of
  // the assignment with the least total error; 1 for a reference speaker left unassigned.
  int present = 0;
  for (int r = 0; r < nref; ++r) present += ref_time[static_cast<std::size_t>(r)] > 0;
  out.reference_speakers = present;
  if (present && nsys) {
    std::vector<double> jaccard(overlap.size(), 0.0);
    for (int r = 0; r < nref; ++r) {
      for (int s = 0; s < nsys; ++s) {
        const std::size_t x = static_cast<std::size_t>(r) * static_cast<std::size_t>(nsys) + static_cast<std::size_t>(s);
        const double inter = static_cast<double>(both[x]);
        const double uni = static_cast<double>(ref_time[static_cast<std::size_t>(r)] + sys_time[static_cast<std::size_t>(s)]) - inter;
        jaccard[x] = uni > 0 ? inter / uni : 0.0;
      }
    }
    const std::vector<int> jmap = geometry::max_score_assignment(jaccard, nref, nsys);
    for (int r = 0; r < nref; ++r) {
      if (ref_time[static_cast<std::size_t>(r)] == 0) continue;
      const int s = jmap[static_cast<std::size_t>(r)];
      out.jer_sum += 1.0 - (s >= 0 ? jaccard[static_cast<std::size_t>(r) * static_cast<std::size_t>(nsys) + static_cast<std::size_t>(s)] : 0.0);
    }
  } else {
    out.jer_sum = present;
  }
  return out;
}

void diarization_ratios(const DiarizationCounts& c, double out[5]) {
  const double s = c.scored;
  out[0] = s > 0 ? (c.missed + c.false_alarm + c.confusion) / s : nan();
  out[1] = s > 0 ? c.missed / s : nan();
  out[2] = s > 0 ? c.false_alarm / s : nan();
  out[3] = s > 0 ? c.confusion / s : nan();
  out[4] = c.reference_speakers > 0 ? c.jer_sum / static_cast<double>(c.reference_speakers) : nan();
}

DiarizationScores diarization_scores(const DiarizationCounts& c) {
  DiarizationScores d;
  d.counts = c;
  double r[5];
  diarization_ratios(c, r);
  Estimate* e[5] = {&d.der, &d.missed, &d.false_alarm, &d.confusion, &d.jer};
  for (int k = 0; k < 5; ++k) {
    *e[k] = Estimate::ratio(r[k], Reason::no_reference_objects);
    if (k < 4) e[k]->upper_bound = HUGE_VAL;  // error rates over scored time may exceed 1
  }
  return d;
}

// Each recording's segments per annotator: [begin, end) of the set's sorted segments.
class SegmentRanges {
 public:
  explicit SegmentRanges(const SegmentSet& set) : m_annotators(set.annotators.size()) {
    m_first.assign(set.items.size() * m_annotators + 1, set.segments.size());
    for (std::size_t k = set.segments.size(); k-- > 0;) {
      const auto& s = set.segments[k];
      m_first[s.item * m_annotators + static_cast<std::size_t>(s.annotator)] = k;
    }
    for (std::size_t x = m_first.size() - 1; x-- > 0;) m_first[x] = std::min(m_first[x], m_first[x + 1]);
  }
  std::pair<std::size_t, std::size_t> operator()(std::size_t item, int a) const {
    const std::size_t x = item * m_annotators + static_cast<std::size_t>(a);
    return {m_first[x], m_first[x + 1]};
  }

 private:
  std::size_t m_annotators;
  std::vector<std::size_t> m_first;
};

// Speaker turns: refuses, before any work, a recording whose comparison would pass the limits.
void check_speaker_limits(const SegmentSet& set, const SegmentRanges& range) {
  if (!set.speakers) return;
  const int A = static_cast<int>(set.annotators.size());
  for (std::size_t i = 0; i < set.items.size(); ++i) {
    std::vector<std::uint64_t> turns(static_cast<std::size_t>(A), 0), speakers(static_cast<std::size_t>(A), 0);
    std::string where;
    for (int a = 0; a < A; ++a) {
      const auto [b, e] = range(i, a);
      std::vector<std::int32_t> seen;
      for (std::size_t k = b; k < e; ++k) seen.push_back(set.segments[k].label);
      std::sort(seen.begin(), seen.end());
      speakers[static_cast<std::size_t>(a)] = static_cast<std::uint64_t>(std::unique(seen.begin(), seen.end()) - seen.begin());
      turns[static_cast<std::size_t>(a)] = e - b;
      if (b < e) where = set.files[set.segments[b].source.file];
      if (speakers[static_cast<std::size_t>(a)] > k_max_speakers) {
        throw InputError({.file = set.files[set.segments[b].source.file], .item = set.items[i]},
                         fmt::format("{} speakers of one annotator in one recording, more than the {} compared (docs/limits.md)",
                                     speakers[static_cast<std::size_t>(a)], k_max_speakers));
      }
    }
    for (int a = 0; a < A; ++a) {
      for (int b = a + 1; b < A; ++b) {
        // Elementary intervals: every turn's ends, the reference's collars, the evaluated time.
        const std::uint64_t intervals = 2 + 6 * turns[static_cast<std::size_t>(a)] + 2 * turns[static_cast<std::size_t>(b)];
        const std::uint64_t cells = intervals * (speakers[static_cast<std::size_t>(a)] + speakers[static_cast<std::size_t>(b)] + 1);
        if (cells > k_max_diarization_cells) {
          throw InputError({.file = where, .item = set.items[i]},
                           fmt::format("{} and {} turns of {} and {} speakers on one recording: scoring them takes {} cells, more than the {} one "
                                       "recording may (docs/limits.md)",
                                       turns[static_cast<std::size_t>(a)], turns[static_cast<std::size_t>(b)], speakers[static_cast<std::size_t>(a)],
                                       speakers[static_cast<std::size_t>(b)], cells, k_max_diarization_cells));
        }
      }
    }
  }
}

// One annotator's segments of one recording: their boundaries (sorted) and, for speaker turns,
// the turns with the annotator's speakers numbered here.
struct Recording {
  std::vector<Micros> bounds;
  std::vector<Turn> turns;
  int speakers = 0;
};

Recording recording_of(const SegmentSet& set, const SegmentRanges& range, std::size_t item, int a) {
  Recording r;
  const auto [b, e] = range(item, a);
  std::map<int, int> local;  // label -> the annotator's speaker index here
  for (std::size_t k = b; k < e; ++k) {
    const auto& s = set.segments[k];
    r.bounds.push_back(s.start);
    r.bounds.push_back(s.end);
    if (set.speakers) {
      const auto [it, fresh] = local.emplace(s.label, static_cast<int>(local.size()));
      r.turns.push_back({s.start, s.end, it->second});
    }
  }
  std::sort(r.bounds.begin(), r.bounds.end());
  r.speakers = static_cast<int>(local.size());
  return r;
}

BoundaryCounts compare_boundaries(const Recording& ref, const Recording& other, Micros collar) {
  BoundaryCounts bc;
  bc.boundaries_a = static_cast<long long>(ref.bounds.size());
  bc.boundaries_b = static_cast<long long>(other.bounds.size());
  bc.matched = match_boundaries(ref.bounds, other.bounds, collar);
  return bc;
}

// DER and JER of `sys` against `ref` on one recording: evaluated over [0, duration] when the
// duration is known, else from the first turn's start to the last turn's end of either.
DiarizationCounts compare_turns(const SegmentSet& set, std::size_t item, const Recording& ref, const Recording& sys, const SegmentOptions& opt) {
  Micros lo = std::numeric_limits<Micros>::max(), hi = std::numeric_limits<Micros>::min();
  for (const auto* v : {&ref.turns, &sys.turns}) {
    for (const Turn& x : *v) lo = std::min(lo, x.start), hi = std::max(hi, x.end);
  }
  if (set.durations[item] >= 0) lo = 0, hi = set.durations[item];
  if (hi <= lo) return {};
  return diarize(ref.turns, ref.speakers, sys.turns, sys.speakers, lo, hi, opt);
}

// --- Unitizing alpha ---------------------------------------------------------------------------

// What unitizing alpha needs of the recordings, per label: observed distances per recording, and
// the lengths of every unit and gap with its recording.
struct UnitizingData {
  int coders = 0;
  std::vector<long long> lengths;  // per recording: its continuum's length
  struct Label {
    std::vector<double> observed;  // per recording: sum over coder pairs of squared distances
    std::vector<std::pair<long long, std::uint32_t>> units, gaps;  // (length, recording)
  };
  std::vector<Label> labels;
};

// A coder's partition of one continuum for one label: units (true) and gaps (false), in order.
struct Piece {
  long long begin, end;
  bool unit;
};
std::vector<Piece> partition(std::vector<std::pair<long long, long long>> units, long long begin, long long end) {
  std::sort(units.begin(), units.end());
  std::vector<Piece> out;
  long long at = begin;
  for (const auto& [b, e] : units) {
    if (b > at) out.push_back({at, b, false});
    out.push_back({b, e, true});
    at = e;
  }
  if (at < end) out.push_back({at, end, false});
  return out;
}

// Krippendorff's distance between two overlapping pieces of two coders.
double piece_distance(const Piece& g, const Piece& h) {
  if (g.unit && h.unit) {
    const double db = static_cast<double>(g.begin - h.begin), de = static_cast<double>(g.end - h.end);
    return db * db + de * de;
  }
  if (g.unit && !h.unit && h.begin <= g.begin && g.end <= h.end) return static_cast<double>(g.end - g.begin) * static_cast<double>(g.end - g.begin);
  if (!g.unit && h.unit && g.begin <= h.begin && h.end <= g.end) return static_cast<double>(h.end - h.begin) * static_cast<double>(h.end - h.begin);
  return 0;
}

// Sum of distances over every pair of overlapping pieces of two partitions.
double observed_pair(const std::vector<Piece>& x, const std::vector<Piece>& y) {
  double sum = 0;
  std::size_t i = 0, j = 0;
  while (i < x.size() && j < y.size()) {
    sum += piece_distance(x[i], y[j]);
    if (x[i].end < y[j].end) {
      ++i;
    } else if (y[j].end < x[i].end) {
      ++j;
    } else {
      ++i, ++j;
    }
  }
  return sum;
}

// Adds one continuum: `units[coder]` per label, each unit (begin, end) within [begin, end); a
// coder's overlapping units of a label are merged first (units of one label may not overlap).
void add_continuum(UnitizingData& d, long long begin, long long end,
                   const std::vector<std::vector<std::vector<std::pair<long long, long long>>>>& units) {
  const auto rec = static_cast<std::uint32_t>(d.lengths.size());
  d.lengths.push_back(end - begin);
  for (std::size_t c = 0; c < d.labels.size(); ++c) {
    auto& lab = d.labels[c];
    std::vector<std::vector<Piece>> parts;
    for (int k = 0; k < d.coders; ++k) {
      auto u = units[static_cast<std::size_t>(k)][c];
      std::sort(u.begin(), u.end());
      std::vector<std::pair<long long, long long>> merged;
      for (const auto& [b, e] : u) {
        const long long bb = std::max(b, begin), ee = std::min(e, end);
        if (ee <= bb) continue;
        if (!merged.empty() && bb < merged.back().second) {
          merged.back().second = std::max(merged.back().second, ee);
        } else {
          merged.emplace_back(bb, ee);
        }
      }
      parts.push_back(partition(std::move(merged), begin, end));
      for (const Piece& p : parts.back()) (p.unit ? lab.units : lab.gaps).emplace_back(p.end - p.begin, rec);
    }
    double o = 0;
    for (int i = 0; i < d.coders; ++i) {
      for (int j = i + 1; j < d.coders; ++j) o += observed_pair(parts[static_cast<std::size_t>(i)], parts[static_cast<std::size_t>(j)]);
    }
    lab.observed.push_back(o);
  }
}

// Observed and expected disagreement of one label with recording weights `w` (all 1: the data).
// Gaps must be sorted by length (descending), units by length (descending).
void disagreement(const UnitizingData& d, const UnitizingData::Label& lab, const std::vector<std::uint32_t>* w, double& observed, double& expected) {
  auto weight = [&](std::uint32_t rec) { return w ? static_cast<long double>((*w)[rec]) : 1.0L; };
  long double L = 0, o = 0;
  for (std::uint32_t r = 0; r < d.lengths.size(); ++r) {
    L += weight(r) * static_cast<long double>(d.lengths[r]);
    o += weight(r) * static_cast<long double>(lab.observed[r]);
  }
  const long double R = d.coders;
  observed = L > 0 ? static_cast<double>(2 * o / (R * (R - 1) * L * L)) : nan();
  long double n_c = 0, squared = 0;
  for (const auto& [l, rec] : lab.units) {
    n_c += weight(rec);
    squared += weight(rec) * static_cast<long double>(l) * static_cast<long double>(l - 1);
  }
  // Units and gaps both by length, descending: for each unit, the gaps at least as long.
  long double sum = 0, s0 = 0, s1 = 0;
  std::size_t g = 0;
  for (const auto& [l, rec] : lab.units) {
    while (g < lab.gaps.size() && lab.gaps[g].first >= l) {
      s0 += weight(lab.gaps[g].second);
      s1 += weight(lab.gaps[g].second) * static_cast<long double>(lab.gaps[g].first);
      ++g;
    }
    const long double ll = static_cast<long double>(l);
    const long double within = (n_c - 1) * (2 * ll * ll * ll - 3 * ll * ll + ll) / 3;
    sum += weight(rec) * (within + ll * ll * (s1 - (ll - 1) * s0));
  }
  const long double denominator = R * L * (R * L - 1) - squared;
  expected = L > 0 && denominator > 0 ? static_cast<double>(2 / L * sum / denominator) : nan();
}

void sort_lengths(UnitizingData& d) {
  for (auto& lab : d.labels) {
    auto desc = [](const auto& x, const auto& y) { return x.first != y.first ? x.first > y.first : x.second < y.second; };
    std::sort(lab.units.begin(), lab.units.end(), desc);
    std::sort(lab.gaps.begin(), lab.gaps.end(), desc);
  }
}

// alpha = 1 - sum D_o / sum D_e over labels; per label 1 - D_o / D_e.
double alpha_of(const std::vector<double>& o, const std::vector<double>& e) {
  double so = 0, se = 0;
  for (std::size_t c = 0; c < o.size(); ++c) {
    if (std::isnan(o[c]) || std::isnan(e[c])) return nan();
    so += o[c];
    se += e[c];
  }
  return se > 0 ? 1 - so / se : nan();
}

Estimate alpha_estimate(double v) {
  Estimate e = std::isnan(v) ? Estimate::undefined(Reason::undefined) : Estimate{};
  if (!std::isnan(v)) e.value = v;
  e.lower_bound = -HUGE_VAL;
  e.upper_bound = 1;
  return e;
}

// --- Matching through the objects' matcher ----------------------------------------------------

// The segments as boxes one unit high on the time axis (seconds): box IoU is then temporal IoU.
ObjectSet as_objects(const SegmentSet& set) {
  ObjectSet o;
  for (const auto& item : set.items) o.images.push_back({.name = item});
  o.categories = set.speakers ? std::vector<std::string>{k_speech} : set.labels;
  o.items_matched_by = "name";
  const std::size_t A = set.annotators.size();
  for (std::size_t a = 0; a < A; ++a) {
    AnnotatorObjects ao;
    ao.name = set.annotators[a];
    ao.format = "segments";
    ao.has_image.resize(set.items.size());
    for (std::size_t i = 0; i < set.items.size(); ++i) ao.has_image[i] = set.has(i, a) ? 1 : 0;
    o.annotators.push_back(std::move(ao));
  }
  for (std::size_t k = 0; k < set.segments.size(); ++k) {
    const TimeSegment& s = set.segments[k];
    SpatialObject x;
    x.id = static_cast<std::int64_t>(k + 1);
    x.category = set.speakers ? 0 : s.label;
    x.image = s.item;
    x.shape = Shape::box;
    const double b = static_cast<double>(s.start) / 1e6, e = static_cast<double>(s.end) / 1e6;
    x.bbox = {b, 0, e - b, 1};
    x.extent = {b, 0, e, 1};
    o.annotators[static_cast<std::size_t>(s.annotator)].objects.push_back(x);
  }
  for (auto& a : o.annotators) index_objects(a, o.images.size());
  return o;
}

long long to_ms(Micros t) { return t >= 0 ? (t + 500) / 1000 : -((-t + 500) / 1000); }

}  // namespace

UnitizingResult unitizing_alpha(long long begin, long long length, int coders, int labels, const std::vector<Unit>& units) {
  UnitizingData d;
  d.coders = coders;
  d.labels.resize(static_cast<std::size_t>(labels));
  std::vector<std::vector<std::vector<std::pair<long long, long long>>>> u(static_cast<std::size_t>(coders),
                                                                          std::vector<std::vector<std::pair<long long, long long>>>(static_cast<std::size_t>(labels)));
  for (const Unit& x : units) u[static_cast<std::size_t>(x.coder)][static_cast<std::size_t>(x.label)].emplace_back(x.begin, x.begin + x.length);
  add_continuum(d, begin, begin + length, u);
  sort_lengths(d);
  UnitizingResult out;
  for (const auto& lab : d.labels) {
    double o = 0, e = 0;
    disagreement(d, lab, nullptr, o, e);
    out.observed.push_back(o);
    out.expected.push_back(e);
    out.label_alpha.push_back(alpha_estimate(e > 0 ? 1 - o / e : nan()));
  }
  out.alpha = alpha_estimate(alpha_of(out.observed, out.expected));
  return out;
}

SegmentResult analyze_segments(const SegmentSet& set, const SegmentOptions& opt) {
  SegmentResult out;
  const std::size_t N = set.items.size();
  const int A = static_cast<int>(set.annotators.size());
  const int P = A * (A - 1) / 2;
  out.items = static_cast<long long>(N);
  out.segments = static_cast<long long>(set.segments.size());
  out.annotator_segments.assign(static_cast<std::size_t>(A), 0);
  out.annotator_items.assign(static_cast<std::size_t>(A), 0);
  for (const auto& s : set.segments) ++out.annotator_segments[static_cast<std::size_t>(s.annotator)];
  for (std::size_t i = 0; i < N; ++i) {
    for (int a = 0; a < A; ++a) out.annotator_items[static_cast<std::size_t>(a)] += set.has(i, static_cast<std::size_t>(a));
  }

  // Matching by temporal IoU: the objects' matcher and its bootstrap over recordings.
  SpatialOptions so;
  so.iou_type = IouType::box;
  so.iou_threshold = opt.iou_threshold;
  so.confidence = opt.confidence;
  so.bootstrap = opt.bootstrap;
  so.seed = opt.seed;
  const ObjectSet objects = as_objects(set);
  SpatialResult sr = analyze_objects(objects, so);
  out.items_compared = sr.images_compared;
  out.overall = sr.overall;
  out.labels = set.speakers ? std::vector<SpatialClass>{} : sr.classes;
  out.clusters = sr.objects_section;
  out.warnings = sr.warnings;

  const SegmentRanges ranges(set);
  check_speaker_limits(set, ranges);

  // Per recording and pair: boundaries and diarization.
  struct ItemStats {
    std::vector<BoundaryCounts> boundaries;       // per pair
    std::vector<DiarizationCounts> diarization;   // per pair
    std::vector<char> compared;                   // per pair
  };
  std::vector<ItemStats> stats(N);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, N, 4), [&](const tbb::blocked_range<std::size_t>& rg) {
    for (std::size_t i = rg.begin(); i != rg.end(); ++i) {
      ItemStats& st = stats[i];
      st.boundaries.resize(static_cast<std::size_t>(P));
      st.compared.assign(static_cast<std::size_t>(P), 0);
      if (set.speakers) st.diarization.resize(static_cast<std::size_t>(P));
      std::vector<Recording> rec;
      for (int a = 0; a < A; ++a) rec.push_back(recording_of(set, ranges, i, a));
      int p = 0;
      for (int a = 0; a < A; ++a) {
        for (int b = a + 1; b < A; ++b, ++p) {
          if (!set.has(i, static_cast<std::size_t>(a)) || !set.has(i, static_cast<std::size_t>(b))) continue;
          st.compared[static_cast<std::size_t>(p)] = 1;
          const Recording& x = rec[static_cast<std::size_t>(a)];
          const Recording& y = rec[static_cast<std::size_t>(b)];
          st.boundaries[static_cast<std::size_t>(p)] = compare_boundaries(x, y, opt.collar);
          if (set.speakers) st.diarization[static_cast<std::size_t>(p)] = compare_turns(set, i, x, y, opt);
        }
      }
    }
  });

  // Sums: overall and per pair; per recording.
  BoundaryCounts all_b;
  DiarizationCounts all_d;
  std::vector<BoundaryCounts> pair_b(static_cast<std::size_t>(P));
  std::vector<DiarizationCounts> pair_d(static_cast<std::size_t>(P));
  std::vector<std::uint32_t> compared_items;  // recordings at least one pair compared
  std::map<std::uint32_t, const SpatialImage*> matched_of;
  for (const auto& im : sr.per_image) matched_of[im.image] = &im;
  for (std::size_t i = 0; i < N; ++i) {
    const ItemStats& st = stats[i];
    SegmentItem si;
    si.item = static_cast<std::uint32_t>(i);
    BoundaryCounts ib;
    DiarizationCounts id;
    for (int p = 0; p < P; ++p) {
      if (!st.compared[static_cast<std::size_t>(p)]) continue;
      ++si.pairs;
      ib.add(st.boundaries[static_cast<std::size_t>(p)]);
      pair_b[static_cast<std::size_t>(p)].add(st.boundaries[static_cast<std::size_t>(p)]);
      if (set.speakers) {
        id.add(st.diarization[static_cast<std::size_t>(p)]);
        pair_d[static_cast<std::size_t>(p)].add(st.diarization[static_cast<std::size_t>(p)]);
      }
    }
    if (!si.pairs) continue;
    compared_items.push_back(static_cast<std::uint32_t>(i));
    all_b.add(ib);
    all_d.add(id);
    si.boundaries = boundary_scores(ib);
    if (set.speakers) si.diarization = diarization_scores(id);
    if (auto it = matched_of.find(si.item); it != matched_of.end()) si.segments = it->second->scores;
    out.per_item.push_back(si);
  }
  out.boundaries = boundary_scores(all_b);
  if (set.speakers) out.diarization = diarization_scores(all_d);
  {
    int p = 0;
    for (int a = 0; a < A; ++a) {
      for (int b = a + 1; b < A; ++b, ++p) {
        SegmentPair sp;
        sp.annotator_a = a;
        sp.annotator_b = b;
        const auto& m = sr.pairs[static_cast<std::size_t>(p)];
        sp.items = m.images;
        sp.items_only_a = m.images_only_a;
        sp.items_only_b = m.images_only_b;
        sp.segments = m.scores;
        sp.boundaries = boundary_scores(pair_b[static_cast<std::size_t>(p)]);
        if (set.speakers) sp.diarization = diarization_scores(pair_d[static_cast<std::size_t>(p)]);
        out.pairs.push_back(sp);
      }
    }
  }

  // Unitizing alpha over the recordings every annotator delivered, in milliseconds.
  UnitizingData ud;
  ud.coders = A;
  out.unitizing_labels = set.speakers ? std::vector<std::string>{k_speech} : set.labels;
  ud.labels.resize(out.unitizing_labels.size());
  std::vector<std::uint32_t> unit_items;
  std::uint64_t complete = 0;  // recordings every annotator delivered
  for (std::size_t i = 0; i < N && A >= 2; ++i) {
    bool all = true;
    for (int a = 0; a < A; ++a) all = all && set.has(i, static_cast<std::size_t>(a));
    complete += all;
  }
  const std::uint64_t unit_cells = complete * static_cast<std::uint64_t>(std::max<std::size_t>(1, ud.labels.size())) *
                                   (static_cast<std::uint64_t>(A) + static_cast<std::uint64_t>(A) * static_cast<std::uint64_t>(A) / 2);
  const bool unitize = unit_cells <= k_max_unitizing_cells;
  if (!unitize) {
    out.warnings.push_back({WarningCode::unitizing_not_computed,
                            fmt::format("unitizing alpha not computed: {} recordings x {} labels x {} coders take {} cells, more than the {} it may "
                                        "(docs/limits.md)",
                                        complete, ud.labels.size(), A, unit_cells, k_max_unitizing_cells)});
  }
  if (A >= 2 && unitize) {
    for (std::size_t i = 0; i < N; ++i) {
      bool all = true;
      for (int a = 0; a < A; ++a) all = all && set.has(i, static_cast<std::size_t>(a));
      if (!all) continue;
      long long end = set.durations[i] >= 0 ? to_ms(set.durations[i]) : 0;
      std::vector<std::vector<std::vector<std::pair<long long, long long>>>> u(
          static_cast<std::size_t>(A), std::vector<std::vector<std::pair<long long, long long>>>(ud.labels.size()));
      for (int a = 0; a < A; ++a) {
        const auto [b, e] = ranges(i, a);
        for (std::size_t k = b; k < e; ++k) {
          const auto& s = set.segments[k];
          const long long sb = std::max(0LL, to_ms(s.start)), se = to_ms(s.end);
          if (set.durations[i] < 0) end = std::max(end, se);
          if (se > sb) u[static_cast<std::size_t>(a)][set.speakers ? 0 : static_cast<std::size_t>(s.label)].emplace_back(sb, se);
        }
      }
      if (end <= 0) continue;
      add_continuum(ud, 0, end, u);
      unit_items.push_back(static_cast<std::uint32_t>(i));
    }
  }
  out.unitized_items = static_cast<long long>(unit_items.size());
  sort_lengths(ud);
  std::vector<double> uo(ud.labels.size()), ue(ud.labels.size());
  for (std::size_t c = 0; c < ud.labels.size(); ++c) {
    disagreement(ud, ud.labels[c], nullptr, uo[c], ue[c]);
    UnitizingLabel ul;
    ul.label = static_cast<int>(c);
    ul.observed = std::isnan(uo[c]) ? 0 : uo[c];
    ul.expected = std::isnan(ue[c]) ? 0 : ue[c];
    ul.alpha = alpha_estimate(ue[c] > 0 ? 1 - uo[c] / ue[c] : nan());
    if (ul.alpha.value) ul.alpha.ci_undefined_reason = Reason::no_interval;  // intervals: the overall alpha's
    out.u_alpha_labels.push_back(ul);
  }
  out.u_alpha = !unitize           ? Estimate::undefined(Reason::beyond_unitizing_limit)
                : ud.lengths.empty() ? Estimate::undefined(A < 2 ? Reason::single_annotator : Reason::no_pairable_items)
                                     : alpha_estimate(alpha_of(uo, ue));
  if (ud.lengths.empty()) {
    for (auto& ul : out.u_alpha_labels) ul.alpha = out.u_alpha;
  }

  // Bootstrap over recordings: boundaries, diarization and unitizing alpha.
  {
    BootstrapTable table(static_cast<std::size_t>(std::max(0, opt.bootstrap)));
    std::vector<std::size_t> bslot;  // overall, then per pair: precision, recall, f1
    auto add_b = [&](BoundaryScores& s) {
      for (Estimate* e : {&s.precision, &s.recall, &s.f1}) bslot.push_back(table.slot(*e));
    };
    add_b(out.boundaries);
    for (auto& sp : out.pairs) add_b(sp.boundaries);
    std::vector<std::size_t> dslot;
    auto add_d = [&](DiarizationScores& s) {
      for (Estimate* e : {&s.der, &s.missed, &s.false_alarm, &s.confusion, &s.jer}) dslot.push_back(table.slot(*e));
    };
    if (set.speakers) {
      add_d(*out.diarization);
      for (auto& sp : out.pairs) add_d(*sp.diarization);
    }
    const std::size_t uslot = table.slot(out.u_alpha);
    if (opt.bootstrap <= 0 || compared_items.empty()) {
      table.no_intervals(compared_items.empty() ? reason::too_few_items : Reason::bootstrap_disabled);
    } else {
      // The unitizing data's recordings in the resampled recordings' terms.
      std::vector<std::uint32_t> unit_rec_of(N, UINT32_MAX);
      for (std::uint32_t r = 0; r < unit_items.size(); ++r) unit_rec_of[unit_items[r]] = r;
      table.run([] { return std::pair(std::vector<std::uint32_t>(), std::vector<std::uint32_t>()); },
                [&](std::size_t b, double* row, auto& scratch) {
                  auto& [w, uw] = scratch;
                  Rng rng(opt.seed, b);
                  resample_counts(rng, compared_items.size(), w);
                  BoundaryCounts tb;
                  std::vector<BoundaryCounts> pb(static_cast<std::size_t>(P));
                  DiarizationCounts td;
                  std::vector<DiarizationCounts> pd(set.speakers ? static_cast<std::size_t>(P) : 0);
                  uw.assign(unit_items.size(), 0);
                  for (std::size_t k = 0; k < compared_items.size(); ++k) {
                    const std::uint32_t n = w[k];
                    if (!n) continue;
                    const std::uint32_t i = compared_items[k];
                    if (unit_rec_of[i] != UINT32_MAX) uw[unit_rec_of[i]] = n;
                    const ItemStats& st = stats[i];
                    for (int p = 0; p < P; ++p) {
                      if (!st.compared[static_cast<std::size_t>(p)]) continue;
                      for (std::uint32_t r = 0; r < n; ++r) {
                        tb.add(st.boundaries[static_cast<std::size_t>(p)]);
                        pb[static_cast<std::size_t>(p)].add(st.boundaries[static_cast<std::size_t>(p)]);
                        if (set.speakers) {
                          td.add(st.diarization[static_cast<std::size_t>(p)]);
                          pd[static_cast<std::size_t>(p)].add(st.diarization[static_cast<std::size_t>(p)]);
                        }
                      }
                    }
                  }
                  std::size_t s = 0;
                  double r[5];
                  boundary_ratios(tb, r);
                  for (int k = 0; k < 3; ++k) row[bslot[s++]] = r[k];
                  for (int p = 0; p < P; ++p) {
                    boundary_ratios(pb[static_cast<std::size_t>(p)], r);
                    for (int k = 0; k < 3; ++k) row[bslot[s++]] = r[k];
                  }
                  if (set.speakers) {
                    s = 0;
                    diarization_ratios(td, r);
                    for (int k = 0; k < 5; ++k) row[dslot[s++]] = r[k];
                    for (int p = 0; p < P; ++p) {
                      diarization_ratios(pd[static_cast<std::size_t>(p)], r);
                      for (int k = 0; k < 5; ++k) row[dslot[s++]] = r[k];
                    }
                  }
                  if (!ud.lengths.empty()) {
                    std::vector<double> o(ud.labels.size()), e(ud.labels.size());
                    for (std::size_t c = 0; c < ud.labels.size(); ++c) disagreement(ud, ud.labels[c], &uw, o[c], e[c]);
                    row[uslot] = alpha_of(o, e);
                  }
                });
      table.intervals(opt.confidence);
    }
  }

  // Frame-level agreement on the recordings two or more annotators delivered.
  {
    const std::vector<std::string>& labels = set.speakers ? std::vector<std::string>{} : set.labels;
    std::map<std::string, std::int32_t> category_of;  // "(none)", a label, or labels joined by "+"
    PatternAccumulator acc;
    std::vector<Rating> ratings;
    for (std::size_t i = 0; i < N; ++i) {
      int delivered = 0;
      for (int a = 0; a < A; ++a) delivered += set.has(i, static_cast<std::size_t>(a));
      if (delivered < 2) continue;
      Micros end = set.durations[i] >= 0 ? set.durations[i] : 0;
      if (set.durations[i] < 0) {
        for (int a = 0; a < A; ++a) {
          const auto [b, e] = ranges(i, a);
          for (std::size_t k = b; k < e; ++k) end = std::max(end, set.segments[k].end);
        }
      }
      const Micros res = std::max<Micros>(1, opt.resolution);
      const long long frames = (end + res - 1) / res;
      if (frames <= 0) continue;
      // Frame k (starting at k x res) carries the labels of the segments with start <= k x res < end:
      // frames [ceil(start / res), ceil(end / res)). Runs of frames between the cuts are rated alike.
      auto frame_of = [&](Micros t) { return std::clamp<long long>(t <= 0 ? -((-t) / res) : (t + res - 1) / res, 0, frames); };
      std::vector<long long> cuts{0, frames};
      std::vector<std::vector<std::tuple<long long, int, int>>> events(static_cast<std::size_t>(A));  // (frame, +1/-1, label)
      for (int a = 0; a < A; ++a) {
        if (!set.has(i, static_cast<std::size_t>(a))) continue;
        const auto [b, e] = ranges(i, a);
        for (std::size_t k = b; k < e; ++k) {
          const auto& s = set.segments[k];
          const long long fb = frame_of(s.start), fe = frame_of(s.end);
          if (fe <= fb) continue;
          const int label = set.speakers ? 0 : s.label;
          events[static_cast<std::size_t>(a)].emplace_back(fb, 1, label);
          events[static_cast<std::size_t>(a)].emplace_back(fe, -1, label);
          cuts.push_back(fb);
          cuts.push_back(fe);
        }
        std::sort(events[static_cast<std::size_t>(a)].begin(), events[static_cast<std::size_t>(a)].end());
      }
      std::sort(cuts.begin(), cuts.end());
      cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
      std::vector<std::map<int, int>> active(static_cast<std::size_t>(A));
      std::vector<std::size_t> next(static_cast<std::size_t>(A), 0);
      for (std::size_t c = 0; c + 1 < cuts.size(); ++c) {
        ratings.clear();
        for (int a = 0; a < A; ++a) {
          if (!set.has(i, static_cast<std::size_t>(a))) continue;
          auto& ev = events[static_cast<std::size_t>(a)];
          auto& act = active[static_cast<std::size_t>(a)];
          std::size_t& at = next[static_cast<std::size_t>(a)];
          for (; at < ev.size() && std::get<0>(ev[at]) <= cuts[c]; ++at) {
            const int label = std::get<2>(ev[at]);
            if ((act[label] += std::get<1>(ev[at])) == 0) act.erase(label);
          }
          std::string name;
          for (const auto& [label, n] : act) name += (name.empty() ? "" : "+") + (set.speakers ? std::string(k_speech) : labels[static_cast<std::size_t>(label)]);
          if (name.empty()) name = k_no_label;
          const auto [it, fresh] = category_of.emplace(std::move(name), static_cast<std::int32_t>(category_of.size()));
          ratings.push_back({a, it->second});
        }
        acc.add(ratings.data(), ratings.data() + ratings.size(), static_cast<double>(cuts[c + 1] - cuts[c]));
        out.frames += cuts[c + 1] - cuts[c];
      }
    }
    if (out.frames > 0) {
      RatingStats rs;
      rs.annotators = static_cast<std::size_t>(A);
      rs.categories = category_of.size();
      rs.patterns = acc.finish(A, static_cast<int>(category_of.size()));
      AgreeOptions ao;
      ao.ci = CiMode::analytic;
      ao.bootstrap = 0;
      const AgreeResult r = analyze_agreement(std::move(rs), ao);
      for (const char* key : {"percent_agreement", "fleiss_kappa", "krippendorff_alpha", "gwet_ac1"}) {
        auto it = r.overall.find(key);
        if (it == r.overall.end()) continue;
        Estimate e = it->second;
        e.se.reset();
        e.ci_low.reset();
        e.ci_high.reset();
        e.ci_method = CiMethod::none;
        e.ci_replicates = 0;
        if (e.value) e.ci_undefined_reason = Reason::no_interval;
        out.frame_metrics[key] = e;
      }
    } else {
      for (const char* key : {"percent_agreement", "fleiss_kappa", "krippendorff_alpha", "gwet_ac1"}) {
        out.frame_metrics[key] = Estimate::undefined(A < 2 ? Reason::single_annotator : Reason::no_pairable_items);
      }
    }
  }

  std::sort(out.per_item.begin(), out.per_item.end(), [&](const SegmentItem& x, const SegmentItem& y) {
    const double fx = x.segments.f1.value.value_or(2), fy = y.segments.f1.value.value_or(2);
    if (fx != fy) return fx < fy;
    const double bx = x.boundaries.f1.value.value_or(2), by = y.boundaries.f1.value.value_or(2);
    if (bx != by) return bx < by;
    return x.item < y.item;
  });
  return out;
}

GoldResult gold_segments(const SegmentSet& set, int g, const GoldOptions& opt) {
  const SegmentRanges ranges(set);
  check_speaker_limits(set, ranges);
  GoldOptions by_time = opt;
  by_time.iou_type = IouType::box;
  by_time.object_visibility_threshold = 0;  // overlapping speech hides nothing
  GoldResult out = gold_objects(as_objects(set), g, by_time);
  out.kind = LabelKind::segments;
  for (auto& c : out.conflicts) {  // object ids are 1 + the segment's index in the set
    const TimeSegment& s = set.segments[static_cast<std::size_t>(*c.annotation - 1)];
    c.time = std::array<double, 2>{static_cast<double>(s.start) / 1e6, static_cast<double>(s.end) / 1e6};
    c.line = s.source.line;
    c.annotation.reset();
    c.bbox.reset();
  }

  // Boundaries and speaker turns against gold, per recording: one tally per subject and gold
  // recording it delivered, in the order gold_objects scores them (so the bootstrap draws alike).
  const std::size_t N = set.items.size();
  const int A = static_cast<int>(set.annotators.size());
  std::vector<int> delivered_annotators;
  for (int a = 0; a < A; ++a) {
    if (a != g) delivered_annotators.push_back(a);
  }
  const std::size_t D = delivered_annotators.size(), W = set.speakers ? 9 : 3;
  SegmentOptions so;
  so.collar = opt.collar;
  so.skip_overlap = opt.skip_overlap;
  std::vector<std::vector<std::vector<double>>> cells(N, std::vector<std::vector<double>>(D));
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, N, 4), [&](const tbb::blocked_range<std::size_t>& rg) {
    for (std::size_t i = rg.begin(); i != rg.end(); ++i) {
      if (!set.has(i, static_cast<std::size_t>(g))) continue;
      const Recording gold = recording_of(set, ranges, i, g);
      for (std::size_t k = 0; k < D; ++k) {
        const int a = delivered_annotators[k];
        if (!set.has(i, static_cast<std::size_t>(a))) continue;
        const Recording given = recording_of(set, ranges, i, a);
        const BoundaryCounts bc = compare_boundaries(gold, given, opt.collar);
        std::vector<double>& c = cells[i][k];
        c = {static_cast<double>(bc.boundaries_a), static_cast<double>(bc.boundaries_b), static_cast<double>(bc.matched)};
        if (!set.speakers) continue;
        const DiarizationCounts d = compare_turns(set, i, gold, given, so);
        c.insert(c.end(), {d.scored, d.missed, d.false_alarm, d.confusion, d.jer_sum, static_cast<double>(d.reference_speakers)});
      }
    }
  });
  std::vector<std::vector<detail::ItemTally>> tallies(D);
  for (std::size_t i = 0; i < N; ++i) {
    for (std::size_t k = 0; k < D; ++k) {
      if (cells[i][k].empty()) continue;
      detail::ItemTally t{static_cast<std::uint32_t>(i), {}};
      for (std::size_t w = 0; w < W; ++w) t.counts.emplace_back(static_cast<std::uint32_t>(w), cells[i][k][w]);
      tallies[k].push_back(std::move(t));
    }
  }
  detail::TallyLayout layout;
  layout.size = W;
  layout.metrics = {"boundary_precision", "boundary_recall", "boundary_f1"};
  layout.lower_bounds = {0, 0, 0};
  layout.upper_bounds = {1, 1, 1};
  if (set.speakers) {
    layout.metrics.insert(layout.metrics.end(), {"der", "missed_speech", "false_alarm", "speaker_confusion", "jer", "diarization_accuracy", "mean_jaccard"});
    layout.lower_bounds.insert(layout.lower_bounds.end(), {0, 0, 0, 0, 0, -HUGE_VAL, 0});
    layout.upper_bounds.insert(layout.upper_bounds.end(), {HUGE_VAL, HUGE_VAL, HUGE_VAL, HUGE_VAL, 1, 1, 1});
  }
  const bool speakers = set.speakers;
  layout.score = [speakers](const std::vector<double>& s, std::vector<double>& v, std::vector<Reason>& why) {
    double b[3];
    boundary_ratios({static_cast<long long>(s[0]), static_cast<long long>(s[1]), static_cast<long long>(s[2])}, b);
    const Reason boundary_reasons[3] = {Reason::no_delivered_objects, Reason::no_reference_objects, Reason::no_objects};
    for (int k = 0; k < 3; ++k) {
      v[static_cast<std::size_t>(k)] = b[k];
      why[static_cast<std::size_t>(k)] = std::isnan(b[k]) ? boundary_reasons[k] : Reason::none;
    }
    if (!speakers) return;
    DiarizationCounts c;
    c.scored = s[3], c.missed = s[4], c.false_alarm = s[5], c.confusion = s[6], c.jer_sum = s[7];
    c.reference_speakers = static_cast<long long>(s[8]);
    double d[5];
    diarization_ratios(c, d);
    for (int k = 0; k < 5; ++k) v[static_cast<std::size_t>(3 + k)] = d[k];
    v[8] = 1 - d[0];
    v[9] = 1 - d[4];
    for (std::size_t k = 3; k < 10; ++k) why[k] = std::isnan(v[k]) ? Reason::no_reference_objects : Reason::none;
  };
  auto finish = [&](SubjectScores& subject, const std::vector<detail::ItemTally>& t, std::uint64_t stream) {
    const detail::TallyScores ts = detail::score_tallies(layout, t, opt, stream);
    for (const auto& [k, e] : ts.metrics) subject.metrics[k] = e;
    subject.counts["gold_boundaries"] = std::llround(ts.sums[0]);
    subject.counts["delivered_boundaries"] = std::llround(ts.sums[1]);
    subject.counts["matched_boundaries"] = std::llround(ts.sums[2]);
    if (speakers) subject.counts["gold_speakers"] = std::llround(ts.sums[8]);
  };
  for (std::size_t k = 0; k < D; ++k) finish(out.subjects[k], tallies[k], k + 1);
  finish(out.vendor, detail::pool_tallies(tallies), 0);
  return out;
}

std::vector<DiarizationCounts> item_diarization(const SegmentSet& set, int reference, int system, const SegmentOptions& opt) {
  const SegmentRanges ranges(set);
  check_speaker_limits(set, ranges);
  std::vector<DiarizationCounts> out(set.items.size());
  tbb::parallel_for(std::size_t{0}, set.items.size(), [&](std::size_t i) {
    if (!set.has(i, static_cast<std::size_t>(reference)) || !set.has(i, static_cast<std::size_t>(system))) return;
    out[i] = compare_turns(set, i, recording_of(set, ranges, i, reference), recording_of(set, ranges, i, system), opt);
  });
  return out;
}

}  // namespace labelqa::metrics
