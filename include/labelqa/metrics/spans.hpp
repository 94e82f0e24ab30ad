// `agree` for text spans (named entities): per annotator pair and per label, exact-match and
// overlap span F1; over tokens (or characters), Krippendorff's alpha and Cohen's kappa with "no
// entity" as a category. Intervals by bootstrap over documents. Pure: takes a SpanSet, returns
// plain data. docs/spans.md defines every number and works an example by hand.
#pragma once

#include "labelqa/metrics/analyze.hpp"
#include "labelqa/metrics/estimate.hpp"
#include "labelqa/model/spans.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace labelqa::metrics {

enum class SpanUnit { token, character };

struct SpanOptions {
  SpanUnit unit = SpanUnit::token;  // whitespace-separated tokens, or every character
  double confidence = 0.95;
  int bootstrap = 1000;             // replicates resampling documents; 0 = no intervals
  std::uint64_t seed = 1;
};

// Additive span counts of one scope (sums over documents and pairs).
struct SpanCounts {
  long long spans_a = 0, spans_b = 0;
  long long exact = 0;    // spans equal in start, end and label
  long long overlap = 0;  // one-to-one matches of same-label spans sharing a character
  void add(const SpanCounts& o, double weight = 1);
};

struct SpanScores {
  SpanCounts counts;
  Estimate span_f1_exact;    // 2 exact / (spans_a + spans_b)
  Estimate span_f1_overlap;  // 2 overlap / (spans_a + spans_b)
};

struct SpanLabelScores {
  int label = 0;
  SpanScores scores;
};

struct SpanPair {
  int annotator_a = 0, annotator_b = 0;
  long long documents = 0;  // documents both delivered
  long long units = 0;      // tokens (characters) of those documents
  SpanScores scores;
  Estimate token_alpha;
  Estimate token_kappa;
  std::vector<SpanLabelScores> per_label;  // every label of the set
};

struct SpanResult {
  std::string unit;                // "token" or "char"
  long long documents = 0;
  long long documents_compared = 0;  // documents at least two annotators delivered
  long long units = 0;             // tokens (characters) of the compared documents
  long long spans = 0;
  SpanScores overall;              // counts pooled over pairs
  Estimate token_alpha;            // all annotators at once
  Estimate token_kappa;            // with exactly two annotators: their Cohen's kappa
  std::vector<SpanPair> pairs;
  std::vector<SpanLabelScores> per_label;  // pooled over pairs
  std::vector<Warning> warnings;
};

inline constexpr const char* k_no_entity = "O";

// Unit boundaries [start, end) in code points: maximal runs of non-whitespace, or every character.
std::vector<std::pair<std::uint32_t, std::uint32_t>> span_units(const std::vector<std::uint32_t>& text, SpanUnit unit);

// Category of every unit for one annotator's spans: 0 = no entity, 1 + label otherwise. A unit
// takes the label of the first span (by start) that shares a character with it.
std::vector<std::int32_t> unit_labels(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& units, const std::vector<Span>& spans);

// Same-label spans of `label` sharing a character, matched one-to-one as many as possible (ties:
// larger overlap): how many pairs. With `pairs`, appends each matched pair's indices into a and b.
long long overlap_span_matches(const std::vector<Span>& a, const std::vector<Span>& b, std::int32_t label,
                               std::vector<std::pair<std::size_t, std::size_t>>* pairs = nullptr);

SpanResult analyze_spans(const SpanSet& set, const SpanOptions& options);

}  // namespace labelqa::metrics
