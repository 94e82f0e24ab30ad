// Attributes of matched objects (CVAT attributes, occlusion, Label Studio per-region choices,
// LabelMe flags): each matched pair of one class is an item rated by the pair's two annotators,
// per attribute; percent agreement, Cohen's and Fleiss' kappa, Krippendorff's alpha and Gwet's AC1
// by the same functions as categorical `agree`, and the confusion of values. docs/attributes.md.
#pragma once

#include "labelqa/metrics/analyze.hpp"
#include "labelqa/model/objects.hpp"

#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace labelqa::metrics {

struct AttributeOptions {
  std::set<std::string> only;     // compare only these attributes (empty: all)
  std::set<std::string> ignored;  // never compare these
  bool wanted(const std::string& name) const { return !ignored.count(name) && (only.empty() || only.count(name)); }
};

// The value an object lacks an attribute with, where the other side of its pair has it.
inline constexpr const char* k_no_value = "(none)";

// One attribute's values on the two sides of matched pairs, and how often.
struct AttributeCount {
  int pair = 0;                  // annotator pair (set order)
  std::string name;
  std::string value_a, value_b;  // k_no_value where a side lacks the attribute
  long long count = 0;
};

struct AttributeTally {
  std::vector<AttributeCount> counts;
  // Matched objects ka of a and kb of b (indices into their objects), of one class.
  void add_pair(const AnnotatorObjects& a, std::size_t ka, const AnnotatorObjects& b, std::size_t kb, int pair, const AttributeOptions& options);
  void merge();  // one count per (pair, name, values), sorted
};

// Agreement on one categorical variable rated in pairs: (pair, category a, category b, count), the
// pairs over `annotators` in set order. Percent agreement, Cohen's kappa (two annotators), Fleiss'
// kappa, Krippendorff's alpha and Gwet's AC1, analytic intervals.
MetricMap paired_agreement(std::size_t annotators, const std::vector<std::tuple<int, int, int, long long>>& ratings, int categories, double confidence);

struct AttributePair {
  int annotator_a = 0, annotator_b = 0;
  long long items = 0;
  MetricMap metrics;
};

struct AttributeScores {
  std::string name;
  long long items = 0;                        // matched pairs where either side gives the attribute
  long long differing = 0;                    // of which the values differ
  std::vector<std::string> values;            // sorted
  std::vector<std::vector<long long>> confusion;  // first annotator's value (rows) x second's (columns), pooled over pairs
  MetricMap metrics;
  std::vector<AttributePair> pairs;           // annotator pairs that compared it
};

struct AttributeResult {
  bool present = false;                       // some compared object carries an attribute
  std::vector<AttributeScores> attributes;    // by name
};

// `set`: the outline (annotator names).
AttributeResult summarize_attributes(const ObjectSet& set, const std::vector<AttributeTally>& images, double confidence);

}  // namespace labelqa::metrics
