// Errors and exit codes shared by the core and the CLI.
// The core never prints and never exits: it throws these, and only src/cli/main.cpp catches them.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

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

// Bad input: rendered as `file:line: item "x", column "label": message`.
class InputError : public std::runtime_error {
 public:
  InputError(Location where, const std::string& message);
  const Location& where() const { return m_where; }
  const std::string& message() const { return m_message; }

 private:
  Location m_where;
  std::string m_message;
};

// Bad usage: a flag value that cannot be honoured (unknown metric, bad threshold ...).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string format_location(const Location& where);

}  // namespace labelqa
