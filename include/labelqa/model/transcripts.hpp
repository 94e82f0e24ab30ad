// The core model for transcripts: who wrote which text for which item (an audio file, a clip).
// Plain data; readers fill it, metrics read it.
#pragma once

#include "labelqa/model/ratings.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace labelqa {

struct Transcript {
  std::uint32_t item = 0;       // index into TranscriptSet::items
  std::int32_t annotator = 0;   // index into TranscriptSet::annotators
  std::string text;             // as written (normalised by the metrics, not the reader)
  SourceRef source{};           // file and line of the record
};

struct TranscriptSet {
  std::vector<std::string> files;
  std::vector<std::string> items;       // in order of first appearance
  std::vector<std::string> annotators;  // sorted by name
  std::vector<Transcript> transcripts;  // sorted by item, then annotator; one per (item, annotator)
  std::vector<SkippedInput> skipped;
  std::vector<InputWarning> warnings;
};

}  // namespace labelqa
