// A whole small JSON file (a policy, sigmas) parsed, its syntax errors located by line.
#pragma once

#include "labelqa/error.hpp"
#include "labelqa/io/line_index.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace labelqa::io::detail {

// `expected` says what the file should hold, for the message of a syntax error.
inline nlohmann::json parse_json_document(std::string_view text, const std::string& path, std::string_view expected) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError({.file = path, .line = io::line_of(text, e.byte)}, fmt::format("invalid JSON (expected {})", expected), Defect::broken_file);
  } catch (const nlohmann::json::exception& e) {  // a number too large for a double, ...
    throw InputError({.file = path}, fmt::format("invalid JSON: {}", e.what()), Defect::broken_file);
  }
}

}  // namespace labelqa::io::detail
