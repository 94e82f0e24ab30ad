// ISO 8601 date-times to milliseconds since the Unix epoch.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace labelqa::io {

// Accepts YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS[.fff...]] with 'T' or ' ' between date and time, and an
// optional zone: Z, +HH:MM, +HHMM or +HH. No zone means UTC. Returns nullopt if malformed.
std::optional<std::int64_t> parse_iso8601_ms(std::string_view text);

}  // namespace labelqa::io
