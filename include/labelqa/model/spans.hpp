// The core model for text spans (named entities): which annotator marked which character range of
// which document with which label. Offsets count Unicode code points of the document text and are
// half-open, [start, end), as Label Studio, doccano and Prodigy write them.
#pragma once

#include "labelqa/model/ratings.hpp"
#include "labelqa/model/role.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace labelqa {

struct Span {
  std::uint32_t start = 0;  // code points, inclusive
  std::uint32_t end = 0;    // code points, exclusive
  std::int32_t label = 0;   // index into SpanSet::labels
  friend bool operator==(const Span&, const Span&) = default;
};

struct SpanDocument {
  std::string id;    // record id (doccano id, Prodigy _input_hash, Label Studio task id) or line number
  std::string text;  // UTF-8
  std::vector<std::uint32_t> code_points;  // text decoded, for tokenisation
};

struct SpanSet {
  std::vector<SpanDocument> documents;   // sorted by id (numerically when every id is a number)
  std::vector<std::string> labels;       // sorted by name
  std::vector<std::string> annotators;   // sorted by name, the gold (if any) first
  int gold = -1;                         // index of the Role::gold annotator, -1 without
  // spans[a][d]: annotator a's spans on document d, sorted by (start, end, label), duplicates dropped.
  std::vector<std::vector<std::vector<Span>>> spans;
  std::vector<std::vector<std::uint8_t>> has;  // has[a][d]: annotator a delivered document d
  std::vector<SkippedInput> skipped;
  std::vector<InputWarning> warnings;
};

// One annotator's record of one document, as a reader found it.
struct SpanRecord {
  std::string annotator;
  std::string document;  // id
  std::string text;
  struct Raw {
    std::int64_t start = 0, end = 0;
    std::string label;
  };
  std::vector<Raw> spans;
  std::string file;
  std::uint64_t line = 0;  // 1-based line (JSONL) or 0
  std::string where;       // e.g. "task 12", for messages when there is no line
  Role role = Role::annotator;
};

}  // namespace labelqa
