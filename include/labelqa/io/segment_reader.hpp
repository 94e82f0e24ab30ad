// Time segments as speech and video teams keep them: RTTM (speaker diarization), SRT and WebVTT
// subtitles (cue timings and text), Praat TextGrid (interval tiers), each a file or a folder of
// files per annotator; and the builder that turns segment records of any reader (these and
// Label Studio's audio results) into the core SegmentSet.
#pragma once

#include "labelqa/model/segments.hpp"
#include "labelqa/model/transcripts.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace labelqa::io {

enum class SegmentFormat : std::uint8_t { rttm, srt, webvtt, textgrid };
const char* segment_format_name(SegmentFormat f);

struct RawSegment {
  Micros start = 0, end = 0;
  std::string label;
  std::uint32_t line = 0;  // 1-based, 0 where the format has none
  std::string text;        // the cue's or region's text ("" = none)
};

// One annotator's segments of one recording, as a reader found them.
struct SegmentRecord {
  std::string annotator;
  std::string item;
  std::string file;                 // the file they were read from
  std::optional<Micros> duration;   // the recording's duration, where the file says it
  std::vector<RawSegment> segments;  // in the order of the file
  std::vector<RawSegment> degenerate;  // segments whose end is not after their start (left out, counted)
  std::string format;               // "rttm", "srt", "webvtt", "textgrid", "label-studio"
};

// The segment format of a file or a folder of such files, judged by extension (.rttm, .srt, .vtt,
// .TextGrid, any case); nullopt for anything else.
std::optional<SegmentFormat> detect_segment_format(const std::string& path);

// Reads one annotator's file or folder. Items: the RTTM file id (with the channel when it is not
// 1); for subtitles and TextGrids, a file given alone is one recording ("recording"; a TextGrid's
// tiers by their names) and a folder's files are recordings named by their path under the folder
// without the extension (a TextGrid's tiers as "path/tier"): every interval tier is a layer of its
// own. Segments whose
// end is not after their start are left out and counted in `skipped`. Throws InputError naming
// file, line and field for anything malformed.
std::vector<SegmentRecord> read_segment_input(const std::string& path, const std::string& annotator, SegmentFormat format,
                                              std::vector<SkippedInput>& skipped);

// The records of one comparison into a SegmentSet: items, annotators and labels sorted by name,
// segments sorted, an item delivered by an annotator that has a record of it. `speakers`: the
// labels are speaker names (RTTM). Segments of one annotator, item and label that overlap are kept
// (validate reports them). Durations given twice for one item must agree (InputError naming both
// files).
SegmentSet build_segments(const std::vector<SegmentRecord>& records, bool speakers, std::vector<std::string> files);

// The texts of segment records (subtitle cues, Label Studio regions' textareas) as transcripts:
// per recording and annotator, its segments' texts in time order joined by spaces (a recording an
// annotator delivered without text is an empty transcript). Throws InputError when no segment
// has text.
TranscriptSet transcripts_of_segments(const std::vector<SegmentRecord>& records, std::vector<std::string> files);

// Recordings' durations (--durations FILE): CSV lines `item,seconds`, an optional header first.
// Throws InputError naming the line for anything else, or an item given twice.
std::map<std::string, Micros> read_durations(const std::string& path);
// Sets the durations of `set`'s recordings that `durations` names. A recording whose input gives
// another duration is bad input naming both.
void apply_durations(SegmentSet& set, const std::map<std::string, Micros>& durations, const std::string& path);

}  // namespace labelqa::io
