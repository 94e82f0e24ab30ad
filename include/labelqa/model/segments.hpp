// The core model for time segments: which stretches of which recording (audio, video) each
// annotator labelled, and how: a sound event or action class, or a speaker (diarization). Plain
// data; readers (RTTM, Label Studio audio, SRT/WebVTT, Praat TextGrid) fill it, metrics read it.
#pragma once

#include "labelqa/model/ratings.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace labelqa {

// Time in whole microseconds: every format's times are kept as written (RTTM and TextGrid
// decimals, SRT and WebVTT milliseconds), rounded only beyond the sixth decimal of a second.
using Micros = std::int64_t;
inline constexpr Micros k_micros_per_second = 1000000;

// A decimal number of seconds ("12.345", "-0.5", "3", "1e-3") as microseconds, rounded half away
// from zero beyond six decimals; nullopt unless it is a finite number within +-2^53 microseconds.
std::optional<Micros> parse_seconds(std::string_view text);
// Microseconds as seconds, with as few decimals as keep it exact ("12.345", "3").
std::string format_seconds(Micros t);

struct TimeSegment {
  Micros start = 0, end = 0;    // [start, end)
  std::int32_t label = 0;       // index into SegmentSet::labels
  std::uint32_t item = 0;       // index into SegmentSet::items
  std::int32_t annotator = 0;   // index into SegmentSet::annotators
  SourceRef source{};           // file and line (0 where the format has no lines)
  std::uint32_t text = 0;       // 1 + index into SegmentSet::texts, 0 = none
};

struct SegmentSet {
  std::vector<std::string> files;
  std::vector<std::string> items;       // recordings, sorted by name
  std::vector<Micros> durations;        // per item: its media's duration, -1 when no input says
  std::vector<std::string> annotators;  // sorted by name
  std::vector<std::string> labels;      // sorted by name
  // The labels are speakers named by each annotator on its own (RTTM): two annotators' "spk1"
  // need not be one person, so segments are compared by diarization error rate, not by label.
  bool speakers = false;
  std::vector<TimeSegment> segments;    // sorted by item, annotator, start, end, label
  std::vector<std::string> texts;       // what segments' texts point to (subtitle cues, transcribed regions)
  // Per item and annotator (item * annotators + annotator): the annotator delivered the item, if
  // only as a recording with no segment.
  std::vector<std::uint8_t> delivered;
  std::vector<SkippedInput> skipped;
  std::vector<InputWarning> warnings;

  bool has(std::size_t item, std::size_t annotator) const { return delivered[item * annotators.size() + annotator] != 0; }
};

}  // namespace labelqa
