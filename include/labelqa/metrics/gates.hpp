// Quality gates: a minimum per metric, compared with its value or with the lower bound of its
// interval. agree's --min gates are checked here; gold's policy rules (gold.hpp) compare through
// gated_value too, so every command gates the same way.
#pragma once

#include "labelqa/metrics/estimate.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace labelqa::metrics {

enum class GateOn : std::uint8_t { value, ci_low };

std::string_view gate_on_name(GateOn g);                    // "value", "ci_low"
std::optional<GateOn> parse_gate_on(std::string_view name);  // nullopt for another name

// The number a gate compares: the estimate's value or its lower bound (absent when undefined).
std::optional<double> gated_value(const Estimate& e, GateOn on);

struct MinGate {
  std::string metric;
  double threshold = 0;
};

struct GateCheck {
  std::string metric;
  double threshold = 0;
  GateOn compared = GateOn::value;
  std::optional<double> actual;  // absent when the metric (or its lower bound) is undefined
  bool passed = false;
};

// Each gate against the overall metrics of a run; UsageError naming the metrics the run reports
// when a gate names another.
std::vector<GateCheck> check_gates(const std::vector<MinGate>& gates, GateOn on, const std::map<std::string, Estimate>& overall);

bool any_failed(const std::vector<GateCheck>& checks);

}  // namespace labelqa::metrics
