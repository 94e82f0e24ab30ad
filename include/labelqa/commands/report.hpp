// `report` as a library call: per-annotator error reports of a delivery (categorical labels or
// image regions against gold where it has gold and a consensus elsewhere; time segments and
// transcripts against gold), with pictures, the
// self-contained index.html and the consensus itself.
#pragma once

#include "labelqa/commands/common.hpp"
#include "labelqa/io/load.hpp"
#include "labelqa/metrics/annotators.hpp"
#include "labelqa/metrics/gold.hpp"
#include "labelqa/report/charts.hpp"

#include <memory>
#include <string>
#include <vector>

namespace labelqa::commands {

struct ReportRequest {
  std::vector<std::string> files;  // the delivery
  io::LoadOptions load;
  std::string gold_path;           // "" without gold
  io::Format gold_format = io::Format::automatic;
  Compare compare = Compare::automatic;  // labels, objects, segments or transcripts
  metrics::ReportOptions options;
  // Time segments and transcripts (against gold): bootstrap, collar, skip_overlap, normalize;
  // confidence, seed and iou_threshold are taken from `options`.
  metrics::GoldOptions time;
  std::string text_col = "text";    // transcripts: the text column of transcript tables
  std::string durations_path;       // segments: recordings' durations (item,seconds)
  bool with_consensus = false;     // the consensus will be written (listed in the JSON too)
  KeypointRequest keypoints;       // keypoint objects (options.keypoints is set from it)
  AttributeRequest attributes;     // objects: attributes compared (options.attributes is set from it)
  LineRequest lines;               // polylines (options.lines is set from it)
};

// Where to write the consensus, judged from its file name.
enum class ConsensusFormat : std::uint8_t { csv, jsonl, coco };

class ReportRun {
 public:
  struct State;
  explicit ReportRun(std::unique_ptr<State> state);
  ReportRun(ReportRun&&) noexcept;
  ReportRun& operator=(ReportRun&&) noexcept;
  ~ReportRun();

  // The pictures of the report (confusions, comparison, drift, agreement): drawn once, and given
  // to json() and html() so that they name them.
  std::vector<report::Picture> pictures() const;
  std::string json(const std::vector<report::Picture>& pictures) const;
  std::string csv() const;
  std::string html(const std::vector<report::Picture>& pictures) const;
  std::string text(bool color) const;
  // The consensus: COCO boxes for objects; CSV item,label,confidence or JSONL for labels.
  ConsensusFormat consensus_format(const std::string& path) const;
  std::string consensus(ConsensusFormat format) const;

  const metrics::AnnotatorReport& result() const;

 private:
  std::unique_ptr<State> m_state;
};

ReportRun annotator_report(const ReportRequest& request);

}  // namespace labelqa::commands
