// Renders `labelqa gold`: the JSON, CSV and terminal reports, the CI outputs (JUnit XML, a
// markdown summary), the conflicts CSV, the vendor report (which never reveals gold labels or which
// items are gold beyond the ones with conflicts) and the plan. docs/gold.md documents every field.
#pragma once

#include "labelqa/metrics/gold.hpp"
#include "labelqa/model/ratings.hpp"
#include "labelqa/report/ci_formats.hpp"

#include <string>
#include <vector>

namespace labelqa::report {

struct GoldReport {
  const metrics::GoldResult& result;
  const metrics::RuleEvaluation& rules;
  const metrics::GoldOptions& options;
  const metrics::GoldPolicy& policy;
  std::vector<std::string> delivery_files;
  std::string gold_file;
  std::vector<SkippedInput> skipped;
  std::vector<InputWarning> input_warnings;  // what the readers could not decide
};

std::string render_gold_json(const GoldReport& rep);
std::string render_gold_csv(const GoldReport& rep);
std::string render_gold_text(const GoldReport& rep, bool color);
std::string render_conflicts_csv(const GoldReport& rep, bool for_vendor);
std::string render_gold_junit(const GoldReport& rep);
std::string render_gold_markdown(const GoldReport& rep);
// For CI systems: every failed or insufficient rule (an error, rule id `gate`), then every
// conflict (a warning, rule id = its type), located by delivery file, item and annotation.
std::vector<CiResult> gold_ci_results(const GoldReport& rep);
std::string render_gold_sarif(const GoldReport& rep);
std::string render_gold_codequality(const GoldReport& rep);
// The vendor's report: each subject's scores and status and the rule outcomes; with `items`, also
// every conflict located by item (which tells the vendor which items are gold).
std::string render_vendor_json(const GoldReport& rep, bool items);

struct PlanRequest {
  std::string metric;
  double threshold = 0;
  double expected = 0;
  double confidence = 0.95;
  double power = 0.8;
  metrics::GateOn compared = metrics::GateOn::value;  // what the rule's gate compares
  metrics::GoldPlan plan;
};
std::string render_plan_json(const std::vector<PlanRequest>& plans);
std::string render_plan_text(const std::vector<PlanRequest>& plans);

}  // namespace labelqa::report
