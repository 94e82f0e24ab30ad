// Small text helpers shared by the export readers (internal to src/io).
#pragma once

#include <cctype>
#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <optional>
#include <simdjson.h>
#include <string>
#include <string_view>

namespace labelqa::io::detail {

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// A finite number written in full (surrounding white space and a leading '+' allowed).
inline std::optional<double> parse_double(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// A JSON scalar as text (strings as they are, numbers as written by fmt); empty for null, and
// `containers` decides whether arrays and objects give their JSON text or nothing.
inline std::string json_text(simdjson::dom::element e, bool containers = false) {
  namespace dom = simdjson::dom;
  switch (e.type()) {
    case dom::element_type::STRING: return std::string(std::string_view(e.get_string().value_unsafe()));
    case dom::element_type::INT64: return std::to_string(e.get_int64().value_unsafe());
    case dom::element_type::UINT64: return std::to_string(e.get_uint64().value_unsafe());
    case dom::element_type::DOUBLE: return fmt::format("{}", e.get_double().value_unsafe());
    case dom::element_type::BOOL: return e.get_bool().value_unsafe() ? "true" : "false";
    case dom::element_type::NULL_VALUE: return {};
    default: return containers ? simdjson::to_string(e) : std::string();
  }
}

}  // namespace labelqa::io::detail
