// Per-annotator error reports of time segments and transcripts against gold (time_report.hpp).
#include "labelqa/metrics/time_report.hpp"

#include "labelqa/metrics/edit_distance.hpp"
#include "labelqa/metrics/segments.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <tuple>

namespace labelqa::metrics {
namespace {

// Consecutive blocks of an annotator's items: pooled errors / pooled reference per block.
void drift(TimeAnnotator& a, int blocks) {
  const std::size_t n = a.items.size();
  if (n == 0 || blocks <= 0) return;
  const std::size_t B = std::min<std::size_t>(static_cast<std::size_t>(blocks), n);
  for (std::size_t b = 0; b < B; ++b) {
    const std::size_t lo = b * n / B, hi = (b + 1) * n / B;
    double e = 0, r = 0;
    for (std::size_t k = lo; k < hi; ++k) e += a.items[k].errors, r += a.items[k].reference;
    a.drift.push_back(r > 0 ? e / r : std::numeric_limits<double>::quiet_NaN());
    a.drift_items.push_back(static_cast<long long>(hi - lo));
  }
  if (B >= 2 && std::isfinite(a.drift.front()) && std::isfinite(a.drift.back())) a.drift_change = a.drift.back() - a.drift.front();
  double worst = -1;
  for (const auto& it : a.items) {
    if (it.reference <= 0) continue;
    const double v = it.errors / it.reference;
    if (v > worst) worst = v, a.worst_item = it.item;
  }
}

std::vector<Substitution> top_of(const std::map<std::pair<std::string, std::string>, long long>& counts, std::size_t top) {
  std::vector<Substitution> out;
  for (const auto& [key, n] : counts) out.push_back({key.first, key.second, n});
  std::stable_sort(out.begin(), out.end(), [](const Substitution& x, const Substitution& y) { return x.count > y.count; });
  if (out.size() > top) out.resize(top);
  return out;
}

}  // namespace

TimeReport transcript_report(const TranscriptSet& set, int g, const GoldOptions& opt, int blocks, std::size_t top) {
  TimeReport out;
  out.gold = gold_transcripts(set, g, opt);
  out.error_name = "wer";
  std::map<std::string, std::size_t> subject_of;
  for (std::size_t k = 0; k < out.gold.annotators.size(); ++k) subject_of[out.gold.annotators[k]] = k;
  out.annotators.resize(out.gold.annotators.size());
  std::vector<std::map<std::pair<std::string, std::string>, long long>> subs(out.annotators.size());
  std::map<std::pair<std::string, std::string>, long long> all;
  // Work order: each annotator's texts by file and line.
  std::vector<std::tuple<std::uint32_t, std::uint32_t, std::size_t>> order;  // (file, line, transcript)
  std::vector<std::optional<std::size_t>> gold_text(set.items.size());
  for (std::size_t k = 0; k < set.transcripts.size(); ++k) {
    const auto& t = set.transcripts[k];
    if (t.annotator == g) {
      gold_text[t.item] = k;
    } else {
      order.emplace_back(t.source.file, t.source.line, k);
    }
  }
  std::sort(order.begin(), order.end());
  for (const auto& [file, line, k] : order) {
    const Transcript& t = set.transcripts[k];
    if (!gold_text[t.item]) continue;
    const std::string ref = normalize_text(set.transcripts[*gold_text[t.item]].text, opt.normalize);
    const std::string hyp = normalize_text(t.text, opt.normalize);
    const auto rw = word_tokens(ref), hw = word_tokens(hyp);
    if (aligned_cells(rw.size(), hw.size()) > k_max_aligned_cells) continue;  // left out as gold leaves it out
    std::vector<std::pair<std::uint32_t, std::uint32_t>> sub;
    const EditCounts w = align(rw, hw, &sub);
    const std::size_t a = subject_of.at(set.annotators[static_cast<std::size_t>(t.annotator)]);
    out.annotators[a].items.push_back({t.item, static_cast<double>(w.errors()), static_cast<double>(w.reference())});
    for (const auto& [r, h] : sub) {
      const auto key = std::make_pair(std::string(rw[r]), std::string(hw[h]));
      ++subs[a][key];
      ++all[key];
    }
  }
  for (std::size_t a = 0; a < out.annotators.size(); ++a) {
    out.annotators[a].name = out.gold.annotators[a];
    out.annotators[a].substitutions = top_of(subs[a], top);
    drift(out.annotators[a], blocks);
  }
  out.substitutions = top_of(all, top);
  return out;
}

TimeReport segment_report(const SegmentSet& set, int g, const GoldOptions& opt, int blocks) {
  TimeReport out;
  out.gold = gold_segments(set, g, opt);
  out.error_name = set.speakers ? "der" : "segment_error_rate";
  const std::size_t N = set.items.size();
  // Work order: the items by where each annotator's first segment of them was read.
  std::vector<std::vector<std::pair<SourceRef, std::uint32_t>>> first(set.annotators.size());
  {
    std::map<std::pair<int, std::uint32_t>, SourceRef> seen;
    for (const auto& s : set.segments) {
      auto [it, fresh] = seen.emplace(std::make_pair(s.annotator, s.item), s.source);
      if (!fresh && std::tie(s.source.file, s.source.line) < std::tie(it->second.file, it->second.line)) it->second = s.source;
    }
    for (std::size_t a = 0; a < set.annotators.size(); ++a) {
      for (std::size_t i = 0; i < N; ++i) {
        if (!set.has(i, a)) continue;
        const auto it = seen.find({static_cast<int>(a), static_cast<std::uint32_t>(i)});
        first[a].emplace_back(it == seen.end() ? SourceRef{~0u, 0} : it->second, static_cast<std::uint32_t>(i));
      }
      std::stable_sort(first[a].begin(), first[a].end(), [](const auto& x, const auto& y) {
        return std::tie(x.first.file, x.first.line) < std::tie(y.first.file, y.first.line);
      });
    }
  }
  // Per recording and subject: conflicts (segments) and gold segments.
  std::vector<double> gold_segments(N, 0);
  for (const auto& s : set.segments) {
    if (s.annotator == g) gold_segments[s.item] += 1;
  }
  std::map<std::pair<int, std::uint32_t>, double> errors;
  for (const auto& c : out.gold.conflicts) {
    if (c.type != ConflictType::low_overlap) errors[{c.annotator, c.item}] += 1;
  }
  SegmentOptions so;
  so.collar = opt.collar;
  so.skip_overlap = opt.skip_overlap;
  out.annotators.resize(out.gold.annotators.size());
  int k = 0;
  for (int a = 0; a < static_cast<int>(set.annotators.size()); ++a) {
    if (a == g) continue;
    TimeAnnotator& ta = out.annotators[static_cast<std::size_t>(k)];
    ta.name = set.annotators[static_cast<std::size_t>(a)];
    std::vector<DiarizationCounts> d;
    if (set.speakers) d = item_diarization(set, g, a, so);
    for (const auto& [src, i] : first[static_cast<std::size_t>(a)]) {
      if (!set.has(i, static_cast<std::size_t>(g))) continue;
      if (set.speakers) {
        const auto& c = d[i];
        ta.items.push_back({i, c.missed + c.false_alarm + c.confusion, c.scored});
      } else {
        const auto it = errors.find({k, i});
        ta.items.push_back({i, it == errors.end() ? 0.0 : it->second, gold_segments[i]});
      }
    }
    drift(ta, blocks);
    ++k;
  }
  return out;
}

}  // namespace labelqa::metrics
