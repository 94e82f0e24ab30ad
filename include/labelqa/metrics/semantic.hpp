// `agree` for semantic masks: pixel accuracy, per-class IoU and Dice, and mean IoU over the
// classes present, overall (pixel counts summed over images and pairs), per pair, per class and
// per image, with bootstrap intervals over images. Pure: takes a MaskComparison.
#pragma once

#include "labelqa/metrics/analyze.hpp"
#include "labelqa/metrics/estimate.hpp"
#include "labelqa/model/masks.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace labelqa::metrics {

struct SemanticOptions {
  double confidence = 0.95;
  int bootstrap = 1000;  // replicates resampling images; 0 = no intervals
  std::uint64_t seed = 1;
};

struct PixelScores {
  std::uint64_t pixels = 0;    // compared pixels (ignore excluded), summed over pairs
  std::uint64_t agreeing = 0;  // pixels with the same value on both sides
  Estimate pixel_accuracy;     // agreeing / pixels
  Estimate mean_iou;           // mean of per-class IoU over classes present in either mask
  Estimate mean_dice;
  int classes_present = 0;
};

struct SemanticClass {
  std::uint32_t value = 0;
  std::string name;
  std::uint64_t pixels_a = 0, pixels_b = 0, intersection = 0;
  Estimate iou;   // intersection / (pixels_a + pixels_b - intersection)
  Estimate dice;  // 2 intersection / (pixels_a + pixels_b)
};

struct SemanticPair {
  int annotator_a = 0, annotator_b = 0;
  long long images = 0, images_only_a = 0, images_only_b = 0;
  std::uint64_t ignored = 0;
  PixelScores scores;
};

struct SemanticImage {
  std::uint32_t image = 0;
  int pairs = 0;
  PixelScores scores;
};

struct SemanticResult {
  long long images = 0;
  long long images_compared = 0;
  std::uint64_t ignored = 0;
  PixelScores overall;
  std::vector<SemanticClass> classes;  // by value
  std::vector<SemanticPair> pairs;
  std::vector<SemanticImage> per_image;  // compared images, worst first (lowest mean IoU, then accuracy, then name)
  std::vector<Warning> warnings;
};

// `names` names mask values (the class map); values it does not name are reported by number.
SemanticResult analyze_masks(const MaskComparison& masks, const std::map<std::uint32_t, std::string>& names,
                             const SemanticOptions& options);

}  // namespace labelqa::metrics
