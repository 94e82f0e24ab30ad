#include "labelqa/commands/common.hpp"

#include "labelqa/io/sigmas_reader.hpp"

namespace labelqa::commands {

void apply_object_requests(const KeypointRequest& k, const AttributeRequest& a, const LineRequest& l, metrics::KeypointOptions& keypoints,
                           metrics::AttributeOptions& attributes, metrics::LineOptions& lines, const ObjectSet* set) {
  keypoints.oks_threshold = k.oks_threshold;
  keypoints.pck = k.pck;
  if (set && !k.sigmas_path.empty()) keypoints.sigmas = io::sigmas_in_order(io::read_sigmas(k.sigmas_path), *set);
  attributes.only = {a.only.begin(), a.only.end()};
  attributes.ignored = {a.ignored.begin(), a.ignored.end()};
  lines.thickness = l.thickness;
  lines.compare_direction = l.compare_direction;
}

}  // namespace labelqa::commands
