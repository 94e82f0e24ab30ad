// Errors shared by every layer (see error.hpp).
#include "labelqa/error.hpp"

#include <fmt/format.h>

namespace labelqa {

std::string format_location(const Location& where) {
  std::string out = where.file.empty() ? std::string("<input>") : where.file;
  if (where.line > 0) {
    out += fmt::format(":{}", where.line);
    if (where.has_offset) out += fmt::format(" (byte {})", where.offset);
  } else if (where.has_offset) {
    out += fmt::format(": byte {}", where.offset);
  }
  out += ":";
  if (!where.item.empty()) out += fmt::format(" item \"{}\",", where.item);
  if (!where.field.empty()) out += fmt::format(" field \"{}\",", where.field);
  return out;
}

InputError::InputError(Location where, const std::string& message, Defect defect)
    : std::runtime_error(where.file.empty() && where.line == 0 && !where.has_offset && where.item.empty() && where.field.empty()
                             ? message
                             : format_location(where) + " " + message),
      m_where(std::move(where)),
      m_message(message),
      m_defect(defect) {}

}  // namespace labelqa
