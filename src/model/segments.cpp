// Times of the segment model (see segments.hpp).
#include "labelqa/model/segments.hpp"

#include <charconv>
#include <cmath>
#include <fmt/format.h>

namespace labelqa {

std::optional<Micros> parse_seconds(std::string_view s) {
  // Plain decimals are read digit by digit (exact); anything else (exponents) through a double.
  std::size_t at = 0;
  bool negative = false;
  if (at < s.size() && (s[at] == '-' || s[at] == '+')) negative = s[at++] == '-';
  Micros whole = 0;
  std::size_t digits = 0;
  constexpr Micros k_limit = Micros{1} << 53;
  while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
    whole = whole * 10 + (s[at++] - '0');
    ++digits;
    if (whole > k_limit / k_micros_per_second) return std::nullopt;
  }
  Micros frac = 0;
  int places = 0;
  bool round_up = false;
  if (at < s.size() && s[at] == '.') {
    ++at;
    std::size_t first = at;
    while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
      if (places < 6) {
        frac = frac * 10 + (s[at] - '0');
        ++places;
      } else if (at == first + 6) {
        round_up = s[at] >= '5';
      }
      ++at;
      ++digits;
    }
  }
  if (digits == 0) return std::nullopt;
  if (at != s.size()) {
    // An exponent or other syntax: the double closest to the text, rounded to microseconds.
    double v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v) || std::fabs(v) * 1e6 > static_cast<double>(k_limit)) return std::nullopt;
    return static_cast<Micros>(std::llround(v * 1e6));
  }
  for (; places < 6; ++places) frac *= 10;
  Micros t = whole * k_micros_per_second + frac + (round_up ? 1 : 0);
  return negative ? -t : t;
}

std::string format_seconds(Micros t) {
  const bool negative = t < 0;
  const std::uint64_t u = negative ? static_cast<std::uint64_t>(-(t + 1)) + 1 : static_cast<std::uint64_t>(t);
  std::string out = fmt::format("{}{}", negative ? "-" : "", u / 1000000);
  std::uint64_t frac = u % 1000000;
  if (frac) {
    std::string f = fmt::format("{:06d}", frac);
    while (f.back() == '0') f.pop_back();
    out += "." + f;
  }
  return out;
}

}  // namespace labelqa
