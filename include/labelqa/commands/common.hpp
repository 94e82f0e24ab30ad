// What the commands share: which kind of labels a comparison is about.
#pragma once

#include "labelqa/metrics/attributes.hpp"
#include "labelqa/metrics/keypoints.hpp"
#include "labelqa/metrics/polylines.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace labelqa::commands {

// What inputs holding several kinds are compared on; automatic picks the first kind both sides hold.
enum class Compare : std::uint8_t { automatic, objects, spans, labels, transcripts, segments };

// How keypoint objects are compared (every command alike; docs/keypoints.md).
struct KeypointRequest {
  double oks_threshold = 0.5;  // matched keypoint objects need OKS (PCK share without sigmas) >= this
  double pck = 0.2;            // PCK: within this fraction of the reference box's diagonal
  std::string sigmas_path;     // per-class OKS sigmas (JSON); COCO's person sigmas for 17 keypoints
};

// How polylines are compared (docs/spatial.md, "Polylines").
struct LineRequest {
  double thickness = 0.01;
  bool compare_direction = false;
};

// Which attributes of matched objects are compared (docs/attributes.md).
struct AttributeRequest {
  std::vector<std::string> only;     // empty: all
  std::vector<std::string> ignored;
};

// The requests above as the matcher's options (agree, gold and report alike). With `set`, the
// sigmas file is read and ordered by the set's keypoint classes.
void apply_object_requests(const KeypointRequest& k, const AttributeRequest& a, const LineRequest& l, metrics::KeypointOptions& keypoints,
                           metrics::AttributeOptions& attributes, metrics::LineOptions& lines, const ObjectSet* set = nullptr);

}  // namespace labelqa::commands
