// Errors shared by every layer (see error.hpp).
#include "labelqa/error.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace labelqa {

std::string safe_text(std::string_view text) {
  std::string out;
  out.reserve(std::min(text.size(), k_max_message_bytes) + 16);
  std::size_t i = 0;
  for (; i < text.size() && out.size() < k_max_message_bytes; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (c < 0x20 || c == 0x7F) out += fmt::format("\\x{:02x}", c);
    else out += static_cast<char>(c);
  }
  if (i < text.size()) out += fmt::format("... ({} more bytes)", text.size() - i);
  return out;
}

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
                             ? safe_text(message)
                             : safe_text(format_location(where) + " " + message)),
      m_where(std::move(where)),
      m_message(safe_text(message)),
      m_defect(defect) {}

}  // namespace labelqa
