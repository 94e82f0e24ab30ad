// `gold` as a library call: scores every annotator and the vendor of a delivery against gold
// labels (categorical labels, image regions, semantic masks, text spans, time segments or transcripts), evaluates the policy's
// rules, and renders every output the CLI writes. Also the planning question: how many gold items
// a batch needs.
#pragma once

#include "labelqa/commands/common.hpp"
#include "labelqa/io/load.hpp"
#include "labelqa/metrics/gold.hpp"
#include "labelqa/report/gold_report.hpp"

#include <memory>
#include <string>
#include <vector>

namespace labelqa::commands {

struct GoldRequest {
  std::vector<std::string> files;  // the delivery
  io::LoadOptions load;
  std::string gold_path;
  std::string gold_annotator;      // instead of a gold file: this annotator of the delivery is the gold
  io::Format gold_format = io::Format::automatic;
  metrics::GoldPolicy policy;      // rules and settings (io::read_policy, then any overrides)
  metrics::GoldOptions options;    // iou_threshold and low_overlap are taken from the policy
  Compare compare = Compare::automatic;
  bool masks = false;              // the delivery is one semantic mask folder per annotator, the gold a folder
  std::string classes_path;        // masks: class names by value
  std::uint32_t ignore = 255;      // masks: value left out of every score
  std::string text_col = "text";   // transcripts: the text column of transcript tables
  std::string durations_path;      // segments: recordings' durations (item,seconds)
  KeypointRequest keypoints;       // keypoint objects (options.keypoints is set from it)
  AttributeRequest attributes;     // objects: attributes scored (options.attributes is set from it)
  LineRequest lines;               // polylines (options.lines is set from it)
  // Shards (docs/scale.md), categorical labels: `partial` reads the shard and keeps what partial()
  // writes, without scoring; `merge`: the files are gold partials, scored as the union of their
  // shards (gold, policy and options come from the partials).
  bool partial = false;
  bool merge = false;
};

class GoldRun {
 public:
  struct State;
  explicit GoldRun(std::unique_ptr<State> state);
  GoldRun(GoldRun&&) noexcept;
  GoldRun& operator=(GoldRun&&) noexcept;
  ~GoldRun();

  std::string json() const;
  std::string csv() const;
  std::string text(bool color) const;
  std::string conflicts_csv() const;
  std::string junit() const;
  std::string markdown() const;
  std::string sarif() const;
  std::string gitlab_codequality() const;
  // Failed rules and conflicts as CI results (GitHub workflow commands).
  std::vector<report::CiResult> ci_results() const;
  // The vendor's report: scores, statuses and rule outcomes, never a gold item or a gold label.
  // With `items`, it also locates every conflict by item, which reveals which items are gold.
  std::string vendor_json(bool items = false) const;
  // Every conflict located by item, for the vendor (reveals the gold items; never a gold label).
  std::string vendor_conflicts_csv() const;

  // With request.partial: the shard as a partial result. Throws UsageError for other kinds.
  std::string partial() const;

  const metrics::GoldResult& result() const;
  const metrics::RuleEvaluation& rules() const;
  const metrics::GoldPolicy& policy() const;
  bool gate_failed() const { return rules().gate_failed; }

 private:
  std::unique_ptr<State> m_state;
};

GoldRun gold(const GoldRequest& request);

// Before sending a batch: how many gold items each rule needs (rules on proportions only).
struct PlanRequest {
  metrics::GoldPolicy policy;    // its rules give the metrics and thresholds
  std::vector<double> expected;  // the value the vendor is expected to reach: one, or one per rule
  double confidence = 0.95;
  double power = 0.8;
};
struct GoldPlanRun {
  std::string json() const;
  std::string text() const;
  std::vector<report::PlanRequest> plans;
};
GoldPlanRun plan(const PlanRequest& request);

}  // namespace labelqa::commands
