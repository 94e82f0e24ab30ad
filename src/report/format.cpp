#include "labelqa/report/format.hpp"

#include <charconv>

#include <fmt/format.h>

namespace labelqa::report {

std::string number(std::optional<double> v) {
  if (!v) return "";
  double x = *v == 0 ? 0.0 : *v;  // no "-0"
  return fmt::format("{}", x);
}

bool csv_needs_quotes(std::string_view s) {
  // One pass (find_first_of with a set looks each character up in the set with a call).
  for (const char c : s) {
    if (c == ',' || c == '"' || c == '\r' || c == '\n') return true;
  }
  return false;
}

std::string csv_cell(std::string_view text) {
  // A cell a spreadsheet would run as a formula (=, +, -, @ first, and not a number) is written
  // with a leading apostrophe, as OWASP advises against CSV injection.
  std::string guarded;
  std::string_view s = text;
  if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@')) {
    double v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) {
      guarded = "'" + std::string(s);
      s = guarded;
    }
  }
  if (!csv_needs_quotes(s)) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string fixed(double v, int digits) {
  std::string s = fmt::format("{:.{}f}", v, digits);
  if (s.size() > 1 && s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);
  return s;
}

std::string markup_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out += ' ';  // not representable in XML 1.0
        } else {
          out += c;
        }
    }
  }
  return out;
}

}  // namespace labelqa::report
