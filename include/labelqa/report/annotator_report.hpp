// Renderers of `labelqa report`: JSON, CSV, terminal text, the pictures and the self-contained
// index.html. docs/report.md lists every field.
#pragma once

#include "labelqa/metrics/annotators.hpp"
#include "labelqa/report/charts.hpp"

#include <string>
#include <vector>

namespace labelqa::report {

struct AnnotatorReportInput {
  const metrics::AnnotatorReport& report;
  const metrics::ReportOptions& options;
  std::vector<std::string> inputs;
  std::string gold;              // the gold file, or ""
  bool with_consensus = false;   // list consensus[] in the JSON
  std::vector<SkippedInput> skipped;          // what the readers left out
  std::vector<InputWarning> input_warnings;   // what the readers could not decide
};

std::vector<Picture> report_pictures(const metrics::AnnotatorReport& report);

std::string render_report_json(const AnnotatorReportInput& in, const std::vector<Picture>& pictures);
std::string render_report_csv(const AnnotatorReportInput& in);
std::string render_report_text(const AnnotatorReportInput& in, bool color);
std::string render_report_html(const AnnotatorReportInput& in, const std::vector<Picture>& pictures);

// Consensus labels for training: CSV item,label,confidence or JSON lines.
std::string render_consensus_csv(const metrics::AnnotatorReport& report);
std::string render_consensus_jsonl(const metrics::AnnotatorReport& report);
// Consensus objects as a COCO file (boxes), images and categories as in the delivery.
std::string render_consensus_coco(const metrics::AnnotatorReport& report, const ObjectSet& set);

// Milliseconds since the epoch as ISO 8601 UTC ("2024-05-01T09:30:00.000Z").
std::string iso_time(std::int64_t ms);

}  // namespace labelqa::report
