// Rendering of `agree` on objects (COCO, instance masks). Data in, bytes out.
#pragma once

#include "labelqa/metrics/spatial.hpp"
#include "labelqa/model/objects.hpp"
#include "labelqa/report/agree_report.hpp"

#include <string>
#include <vector>

namespace labelqa::report {

struct SpatialReport {
  const ObjectSet& set;
  const metrics::SpatialResult& result;
  const metrics::SpatialOptions& options;
  std::vector<GateCheck> gates;
  bool per_image = false;  // include per_image rows in JSON and CSV
};

std::string render_spatial_json(const SpatialReport& report);
// Columns: scope,class,annotator_a,annotator_b,image,metric,value,ci_low,ci_high,ci_method,undefined_reason
std::string render_spatial_csv(const SpatialReport& report);
std::string render_spatial_text(const SpatialReport& report, bool color);
// image,annotator_a,id_a,class_a,annotator_b,id_b,class_b,iou
std::string render_matches_csv(const ObjectSet& set, const metrics::SpatialResult& result);

// The flat metric map --min checks for objects: f1, mean_iou, mean_dice (overall) and
// krippendorff_alpha, fleiss_kappa, gwet_ac1 (objects section).
metrics::MetricMap spatial_gate_metrics(const metrics::SpatialResult& result);

}  // namespace labelqa::report
