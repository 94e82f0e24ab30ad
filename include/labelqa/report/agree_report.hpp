// Rendering of `agree` results. Data in, bytes out: the renderers decide nothing about files.
#pragma once

#include "labelqa/metrics/gates.hpp"

#include "labelqa/metrics/analyze.hpp"
#include "labelqa/model/ratings.hpp"

#include <optional>
#include <string>
#include <vector>

namespace labelqa::report {

// One `--min METRIC=VALUE` check.
using metrics::GateCheck;

struct AgreeReport {
  const RatingSet& ratings;
  const metrics::AgreeResult& result;
  const metrics::AgreeOptions& options;
  std::vector<GateCheck> gates;
};

std::string render_agree_json(const AgreeReport& report);
// Columns: scope,class,annotator_a,annotator_b,metric,value,ci_low,ci_high,ci_method,undefined_reason
std::string render_agree_csv(const AgreeReport& report);
std::string render_agree_text(const AgreeReport& report, bool color);

}  // namespace labelqa::report
