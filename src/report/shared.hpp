// Helpers shared by the renderers of every command (private to src/report).
#pragma once

#include "labelqa/metrics/estimate.hpp"
#include "labelqa/report/format.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace labelqa::report {

inline nlohmann::json optional_number(std::optional<double> v) {
  if (!v) return nullptr;
  return *v == 0 ? 0.0 : *v;
}

inline nlohmann::json estimate_json(const metrics::Estimate& e) {
  nlohmann::json j = nlohmann::json::object();
  j["value"] = optional_number(e.value);
  j["ci_low"] = optional_number(e.ci_low);
  j["ci_high"] = optional_number(e.ci_high);
  j["ci_method"] = e.value ? nlohmann::json(e.ci_method) : nlohmann::json(nullptr);
  if (!e.value) j["undefined_reason"] = e.undefined_reason;
  if (e.value && !e.ci_low) j["ci_undefined_reason"] = e.ci_undefined_reason;
  if (e.value && e.se) j["se"] = optional_number(e.se);
  if (e.ci_method == "bootstrap" && e.value) j["ci_replicates"] = e.ci_replicates;
  if (!e.level.empty()) j["level"] = e.level;
  return j;
}

struct Style {
  bool on;
  std::string bold(std::string_view s) const { return on ? fmt::format("\033[1m{}\033[0m", s) : std::string(s); }
  std::string colour(std::string_view s, int code) const {
    return on ? fmt::format("\033[{}m{}\033[0m", code, s) : std::string(s);
  }
};

inline std::string value_cell(const metrics::Estimate& e) {
  return e.value ? fixed(*e.value) : std::string("—");
}

inline std::string ci_cell(const metrics::Estimate& e) {
  if (!e.value) return fmt::format("({})", e.undefined_reason);
  if (!e.ci_low) return "";
  return fmt::format("[{}, {}] {}", fixed(*e.ci_low), fixed(*e.ci_high), e.ci_method == "bootstrap" ? "boot" : "");
}

}  // namespace labelqa::report
