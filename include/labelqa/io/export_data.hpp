// What an export reader (Label Studio, CVAT, VOC, YOLO, LabelMe, doccano, Prodigy) hands to the
// command line: categorical labels, image regions per annotator and text spans, all by name, plus
// what it left out. The builders (build_ratings, merge_deliveries, build_spans) turn them into the
// core models.
#pragma once

#include "labelqa/io/coco_reader.hpp"
#include "labelqa/io/rating_builder.hpp"
#include "labelqa/io/segment_reader.hpp"
#include "labelqa/model/spans.hpp"

#include <string>
#include <vector>

namespace labelqa::io {

struct ExportData {
  std::vector<std::string> files;         // the files read, in order (LabelRecord::file indexes it)
  std::vector<LabelRecord> labels;        // categorical results (choices, tags, ...)
  std::vector<LocalDelivery> deliveries;  // image regions, one delivery per annotator
  std::vector<SpanRecord> spans;          // text documents with their spans, one record per annotator and document
  std::vector<SegmentRecord> segments;    // time segments, one record per annotator and recording
  bool segment_speakers = false;          // the segments' labels are speakers (RTTM)
  std::vector<SkippedInput> skipped;
  std::vector<InputWarning> warnings;     // what the reader could not decide (anonymous annotators, ...)
  // What contradicts the schema the export declares (CVAT <meta> labels and attribute values): read
  // anyway, reported by validate.
  std::vector<ReadProblem> problems;

  bool has_objects() const {
    for (const auto& d : deliveries) {
      if (!d.objects.objects.empty()) return true;
    }
    return false;
  }
};

}  // namespace labelqa::io
