// A gold policy: the rules a delivery's scores on gold items must meet, and the settings of the
// scoring (docs/gold.md). Plain data, read by io::read_policy and evaluated by
// metrics::evaluate_rules.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace labelqa {

struct GoldRule {
  std::string metric;
  double min = 0;
  std::string subject = "all";    // "vendor", "each_annotator", "all" (vendor and each annotator), or a name
  std::string cls;                // "" or the class whose score is compared
  std::string compare;            // "value" or "ci_low"; "" = the policy's default
  std::string origin;             // where the rule came from, for messages ("qa.toml:12", "--min")
};

struct GoldPolicy {
  std::optional<double> iou_threshold;
  std::optional<double> low_overlap;
  long long min_items = 10;       // per subject: fewer gold items scored -> insufficient
  std::string compare = "value";
  std::optional<long long> max_gold_missing;  // fail when more gold items are missing from the delivery
  bool insufficient_fails = true; // an "insufficient" outcome fails the gate (on_insufficient = "fail")
  std::vector<GoldRule> rules;
};

}  // namespace labelqa
