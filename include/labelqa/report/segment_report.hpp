// Rendering of `agree` on time segments (RTTM, Label Studio audio, subtitles, TextGrid). Data in,
// bytes out.
#pragma once

#include "labelqa/metrics/gates.hpp"
#include "labelqa/metrics/segments.hpp"
#include "labelqa/model/segments.hpp"
#include "labelqa/report/agree_report.hpp"

#include <string>
#include <vector>

namespace labelqa::report {

struct SegmentReport {
  const SegmentSet& set;
  const metrics::SegmentResult& result;
  const metrics::SegmentOptions& options;
  std::vector<GateCheck> gates;
  bool per_item = false;  // include per_item rows in JSON and CSV
};

std::string render_segment_json(const SegmentReport& report);
// The agree CSV's columns; the image column names the recording.
std::string render_segment_csv(const SegmentReport& report);
std::string render_segment_text(const SegmentReport& report, bool color);

// The flat metric map --min checks for segments: f1, mean_iou, boundary_f1, u_alpha, the frame
// coefficients (frame_fleiss_kappa, frame_krippendorff_alpha, frame_gwet_ac1,
// frame_percent_agreement) and, for speaker turns, der and jer (error rates: --min does not
// apply; see docs/segments.md).
metrics::MetricMap segment_gate_metrics(const metrics::SegmentResult& result);

}  // namespace labelqa::report
