// Rendering of `agree` on text spans (doccano, Prodigy, Label Studio "labels"). Data in, bytes out.
#pragma once

#include "labelqa/metrics/spans.hpp"
#include "labelqa/model/spans.hpp"
#include "labelqa/report/agree_report.hpp"

#include <string>
#include <vector>

namespace labelqa::report {

struct SpanReport {
  const SpanSet& set;
  const std::vector<std::string>& files;  // per annotator of the set (the file it came from)
  const metrics::SpanResult& result;
  const metrics::SpanOptions& options;
  std::vector<GateCheck> gates;
};

std::string render_span_json(const SpanReport& report);
// Columns as every agree CSV; the "class" column holds the span label.
std::string render_span_csv(const SpanReport& report);
std::string render_span_text(const SpanReport& report, bool color);

// The flat metric map --min checks for spans: span_f1_exact, span_f1_overlap, token_alpha, token_kappa.
metrics::MetricMap span_gate_metrics(const metrics::SpanResult& result);

}  // namespace labelqa::report
