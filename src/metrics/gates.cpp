// Quality gates (see gates.hpp).
#include "labelqa/metrics/gates.hpp"

#include "labelqa/error.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace labelqa::metrics {

std::string_view gate_on_name(GateOn g) { return g == GateOn::ci_low ? "ci_low" : "value"; }

std::optional<GateOn> parse_gate_on(std::string_view name) {
  if (name == "value") return GateOn::value;
  if (name == "ci_low") return GateOn::ci_low;
  return std::nullopt;
}

std::optional<double> gated_value(const Estimate& e, GateOn on) { return on == GateOn::ci_low ? e.ci_low : e.value; }

std::vector<GateCheck> check_gates(const std::vector<MinGate>& gates, GateOn on, const std::map<std::string, Estimate>& overall) {
  std::vector<GateCheck> out;
  for (const auto& gate : gates) {
    const auto it = overall.find(gate.metric);
    if (it == overall.end()) {
      std::string known;
      for (const auto& [k, e] : overall) known += (known.empty() ? "" : ", ") + k;
      throw UsageError(fmt::format("gate on an unknown metric \"{}\" (this run reports: {})", gate.metric, known), "min");
    }
    GateCheck g;
    g.metric = gate.metric;
    g.threshold = gate.threshold;
    g.compared = on;
    g.actual = gated_value(it->second, on);
    g.passed = g.actual.has_value() && *g.actual >= g.threshold;
    out.push_back(std::move(g));
  }
  return out;
}

bool any_failed(const std::vector<GateCheck>& checks) {
  return std::any_of(checks.begin(), checks.end(), [](const GateCheck& g) { return !g.passed; });
}

}  // namespace labelqa::metrics
