// Renders `labelqa report` for time segments and transcripts (metrics::TimeReport): JSON, CSV,
// terminal text, the self-contained HTML page, and its pictures (each annotator's error with its
// interval, its drift, and a timeline of gold and the annotator on the recording it erred most).
// docs/report.md documents every field.
#pragma once

#include "labelqa/metrics/time_report.hpp"
#include "labelqa/model/ratings.hpp"
#include "labelqa/model/segments.hpp"
#include "labelqa/report/charts.hpp"

#include <string>
#include <vector>

namespace labelqa::report {

struct TimeReportInput {
  const metrics::TimeReport& report;
  const metrics::GoldOptions& options;
  std::vector<std::string> inputs;
  std::string gold;
  std::vector<SkippedInput> skipped;
  std::vector<InputWarning> input_warnings;
};

// `segments`: the set of a segment report (its timeline), or nullptr for transcripts.
std::vector<Picture> time_report_pictures(const metrics::TimeReport& report, const SegmentSet* segments);
std::string render_time_report_json(const TimeReportInput& in, const std::vector<Picture>& pictures);
std::string render_time_report_csv(const TimeReportInput& in);
std::string render_time_report_text(const TimeReportInput& in, bool color);
std::string render_time_report_html(const TimeReportInput& in, const std::vector<Picture>& pictures);

}  // namespace labelqa::report
