// Rendering of `agree` on transcripts (WER, CER). Data in, bytes out.
#pragma once

#include "labelqa/metrics/transcripts.hpp"
#include "labelqa/model/transcripts.hpp"
#include "labelqa/report/agree_report.hpp"

#include <string>
#include <vector>

namespace labelqa::report {

struct TranscriptReport {
  const TranscriptSet& set;
  const metrics::TranscriptResult& result;
  const metrics::TranscriptOptions& options;
  std::vector<GateCheck> gates;
  bool per_item = false;  // per-item rows in the JSON and CSV reports
};

std::string render_transcript_json(const TranscriptReport& report);
std::string render_transcript_csv(const TranscriptReport& report);
std::string render_transcript_text(const TranscriptReport& report, bool color);

// The flat metric map --min checks: word_accuracy and char_accuracy (1 - WER, 1 - CER, so that
// higher is better, as every --min metric).
metrics::MetricMap transcript_gate_metrics(const metrics::TranscriptResult& result);

}  // namespace labelqa::report
