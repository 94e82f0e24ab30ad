// `agree` for transcripts: word and character error rates between annotators' texts of one item
// (WER, CER), aligned as NIST sclite aligns (edit_distance.hpp), after a documented normalisation;
// per annotator pair (the first annotator of a pair, in name order, is the reference), per item and
// overall, with bootstrap intervals over items, and the most frequent word substitutions.
// Pure: takes a TranscriptSet, returns plain data. docs/transcripts.md defines every number.
#pragma once

#include "labelqa/metrics/analyze.hpp"
#include "labelqa/metrics/edit_distance.hpp"
#include "labelqa/metrics/estimate.hpp"
#include "labelqa/model/transcripts.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace labelqa::metrics {

// What normalisation does before texts are compared (flags, combined with |).
enum Normalization : unsigned {
  k_normalize_case = 1,     // lower case (ASCII letters, and Latin-1 / Latin Extended-A letters in UTF-8)
  k_normalize_punct = 2,    // punctuation removed (ASCII punctuation and the Unicode General Punctuation block)
  k_normalize_space = 4,    // runs of white space one space, none at the ends
  k_normalize_numbers = 8,  // whole numbers 0 .. 999,999,999 in digits written in English words
};
// "case,punct,space,numbers" (any subset, or "none") to flags; UsageError for another word.
unsigned parse_normalization(const std::string& spec);
std::vector<std::string> normalization_names(unsigned flags);
std::string normalize_text(std::string_view text, unsigned flags);
// Tokens: white-space separated words; characters are UTF-8 code points, a space included.
std::vector<std::string_view> word_tokens(std::string_view normalized);
std::vector<std::string_view> char_tokens(std::string_view normalized);

struct TranscriptOptions {
  unsigned normalize = k_normalize_case | k_normalize_space;
  double confidence = 0.95;
  int bootstrap = 1000;      // replicates resampling items; 0 = no intervals
  std::uint64_t seed = 1;
  std::size_t top_substitutions = 20;
};

struct ErrorScores {
  EditCounts words, chars;
  Estimate wer;  // (S + D + I) / reference words (undefined: nothing_compared, no reference word)
  Estimate cer;  // the same over characters
};

struct TranscriptPair {
  int annotator_a = 0, annotator_b = 0;  // a < b; a's texts are the references
  long long items = 0;                   // items both transcribed (and aligned)
  ErrorScores scores;
};

struct TranscriptItem {
  std::uint32_t item = 0;
  int pairs = 0;  // annotator pairs compared on it
  ErrorScores scores;
};

struct Substitution {
  std::string reference, hypothesis;
  long long count = 0;
};

struct TranscriptResult {
  long long items = 0;             // items with a transcript
  long long transcripts = 0;
  long long compared_items = 0;    // items two or more annotators transcribed
  long long unaligned = 0;         // pairs of texts too long to align (k_max_aligned_cells): left out
  ErrorScores overall;             // pooled over pairs and items
  std::vector<TranscriptPair> pairs;
  std::vector<TranscriptItem> per_item;  // compared items, highest WER first (then CER, then name)
  std::vector<Substitution> substitutions;  // the most frequent, by count then text
  std::vector<Warning> warnings;
};

TranscriptResult analyze_transcripts(const TranscriptSet& set, const TranscriptOptions& options);

}  // namespace labelqa::metrics
