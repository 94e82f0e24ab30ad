// Errors and exit codes shared by the core and the CLI.
// The core never prints and never exits: it throws these, and only a front end (src/cli/main.cpp)
// catches them. Core messages name settings in words, never a front end's flags.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace labelqa {

// Process exit codes (ripgrep's 0/1/2 shape).
enum class ExitCode : int {
  ok = 0,          // everything ran and every gate passed
  gate_failed = 1, // a quality gate (--min, policy rule) was missed
  bad_input = 2,   // bad usage or unreadable/invalid input
};

// Where in an input something went wrong. Fields that do not apply stay empty/zero.
struct Location {
  std::string file;
  std::uint64_t line = 0;    // 1-based; 0 = unknown
  std::uint64_t offset = 0;  // byte offset, used when line is unknown
  bool has_offset = false;
  std::string item;          // item / image / task id
  std::string field;         // column, JSON key or XML path
};

// What is wrong with an input, in the terms of `labelqa validate` (its finding codes).
enum class Defect : std::uint8_t {
  broken_file,        // unreadable, truncated or corrupt file (JSON/XML/CSV/PNG syntax)
  schema,             // a missing field, a value of the wrong type, a path leaving the delivery
  missing_reference,  // an id naming nothing (image, category, task), a duplicate id
  out_of_image,       // geometry or mask size that does not fit its image
  degenerate,         // NaN/inf coordinates, an empty or impossible shape
  unknown_class,      // a label or attribute value the export's own schema does not declare
  duplicate_key,      // a JSON object key given twice (the last is read, as Python's json does)
};

// Messages echo what a file holds: they are cut after this many bytes (with "... (N more bytes)")
// and their control characters escaped (\n, \t, \xNN), so no input can flood or drive a terminal.
inline constexpr std::size_t k_max_message_bytes = 2000;
std::string safe_text(std::string_view text);

// Bad input: rendered as `file:line: item "x", column "label": message`.
class InputError : public std::runtime_error {
 public:
  InputError(Location where, const std::string& message, Defect defect = Defect::schema);
  const Location& where() const { return m_where; }
  const std::string& message() const { return m_message; }
  Defect defect() const { return m_defect; }
  // The setting that would change the outcome (a request field such as "duplicates"), or "": a
  // front end names it its own way (the CLI as --duplicates).
  const std::string& setting() const { return m_setting; }
  InputError& with_setting(std::string setting) {
    m_setting = std::move(setting);
    return *this;
  }

 private:
  Location m_where;
  std::string m_message;
  Defect m_defect;
  std::string m_setting;
};

// Bad usage: a setting that cannot be honoured (unknown metric, bad threshold ...). Messages name
// settings in words; setting() names the request field concerned, if one is.
class UsageError : public std::runtime_error {
 public:
  explicit UsageError(const std::string& message, std::string setting = {}) : std::runtime_error(safe_text(message)), m_setting(std::move(setting)) {}
  const std::string& setting() const { return m_setting; }

 private:
  std::string m_setting;
};

std::string format_location(const Location& where);

}  // namespace labelqa
