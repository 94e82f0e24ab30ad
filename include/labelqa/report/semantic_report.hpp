// Rendering of `agree` on semantic masks. Data in, bytes out.
#pragma once

#include "labelqa/metrics/semantic.hpp"
#include "labelqa/model/masks.hpp"
#include "labelqa/report/agree_report.hpp"

#include <string>
#include <vector>

namespace labelqa::report {

struct SemanticReport {
  const MaskComparison& masks;
  const metrics::SemanticResult& result;
  const metrics::SemanticOptions& options;
  std::vector<GateCheck> gates;
  bool per_image = false;
};

std::string render_semantic_json(const SemanticReport& report);
// Columns as for objects: scope,class,annotator_a,annotator_b,image,metric,value,ci_low,ci_high,ci_method,undefined_reason
std::string render_semantic_csv(const SemanticReport& report);
std::string render_semantic_text(const SemanticReport& report, bool color);

// The flat metric map --min checks for masks: pixel_accuracy, mean_iou, mean_dice (overall).
metrics::MetricMap semantic_gate_metrics(const metrics::SemanticResult& result);

}  // namespace labelqa::report
