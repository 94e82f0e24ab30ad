// `agree` as a library call: inter-annotator agreement of a delivery (categorical ratings, image
// regions, semantic or instance masks, text spans), its gates, and every output the CLI writes.
// The command line (src/cli/agree.cpp) only turns flags into an AgreeRequest and writes what the
// AgreeRun renders.
#pragma once

#include "labelqa/commands/common.hpp"
#include "labelqa/io/load.hpp"
#include "labelqa/metrics/analyze.hpp"
#include "labelqa/metrics/gates.hpp"
#include "labelqa/metrics/segments.hpp"
#include "labelqa/metrics/spans.hpp"
#include "labelqa/metrics/spatial.hpp"
#include "labelqa/metrics/transcripts.hpp"
#include "labelqa/report/charts.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace labelqa::commands {

// What the inputs are when it cannot be judged from their content.
enum class AgreeInput : std::uint8_t { automatic, semantic_masks, instance_masks };

struct AgreeRequest {
  std::vector<std::string> files;
  io::LoadOptions load;            // load.table also carries the measurement level and label order
  AgreeInput input = AgreeInput::automatic;
  Compare compare = Compare::automatic;
  metrics::AgreeOptions metrics;   // confidence, intervals, bootstrap and seed of every kind
  std::vector<metrics::MinGate> gates;
  metrics::GateOn gate_on = metrics::GateOn::value;
  // Objects and masks.
  double iou_threshold = 0.5;
  metrics::IouType iou_type = metrics::IouType::automatic;
  bool match_by_class = false;
  KeypointRequest keypoints;
  AttributeRequest attributes;
  LineRequest lines;
  bool per_image = false;          // per-image rows in the JSON and CSV reports
  bool keep_matches = false;       // matches_csv() is wanted
  std::string classes_path;        // masks: class names by value
  std::uint32_t ignore = 255;      // masks: value left out of every metric
  // Spans.
  metrics::SpanUnit span_unit = metrics::SpanUnit::token;
  // Time segments (RTTM, subtitles, TextGrid, Label Studio audio), in seconds.
  double collar = 0.2;             // boundary F1's tolerance and DER's no-score collar
  bool skip_overlap = false;       // DER: leave out reference overlapped speech
  double resolution = 0.01;        // frame length of frame-level agreement
  std::string durations_path;      // recordings' durations (CSV item,seconds): the evaluated time and continua
  // Transcripts (tables with a text column and no label column, or compare = transcripts).
  std::string text_col = "text";
  unsigned normalize = metrics::k_normalize_case | metrics::k_normalize_space;
  // Shards (docs/scale.md). `partial`: compute only the statistics of a partial result (partial()),
  // not the coefficients. `merge`: the files are partial results, merged into the run of the union
  // of their shards; the options that decide the numbers come from the partials.
  bool partial = false;
  bool merge = false;
  // Categorical labels: how the report and the partial name the inputs, in order (empty: their
  // paths), for data whose path says nothing (a scratch file holding a DataFrame).
  std::vector<std::string> input_names;
};

// A finished agreement run: it renders its reports on demand.
class AgreeRun {
 public:
  struct State;
  explicit AgreeRun(std::unique_ptr<State> state);
  AgreeRun(AgreeRun&&) noexcept;
  AgreeRun& operator=(AgreeRun&&) noexcept;
  ~AgreeRun();

  std::string json() const;
  std::string csv() const;
  std::string text(bool color) const;
  // Every matched and unmatched object as CSV (objects only, with keep_matches; nullopt for
  // other kinds).
  std::optional<std::string> matches_csv() const;
  // The pairwise-agreement matrices as heatmaps (PNG and SVG): ratings and objects.
  std::vector<report::Picture> pair_plots() const;

  // The run's statistics as a partial result (with request.partial, or a merge: its partial for a
  // further merge). Throws UsageError for kinds that have none.
  std::string partial() const;

  const std::vector<metrics::GateCheck>& gates() const;
  bool gate_failed() const { return metrics::any_failed(gates()); }

 private:
  std::unique_ptr<State> m_state;
};

// Reads the inputs and computes every coefficient. Throws InputError / UsageError.
AgreeRun agree(const AgreeRequest& request);

}  // namespace labelqa::commands
