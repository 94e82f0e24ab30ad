// Number and cell formatting shared by the renderers.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace labelqa::report {

// Shortest text that reads back as the same double (locale-independent); "" when absent.
std::string number(std::optional<double> v);
// A CSV cell, quoted per RFC 4180 when it holds a comma, quote or line break.
// A cell that starts with =, +, - or @ and is not a number gets a leading apostrophe (no formula).
std::string csv_cell(std::string_view s);
// Whether a CSV cell must be quoted (it holds a comma, a quote or a line break).
bool csv_needs_quotes(std::string_view s);
// Text for XML and HTML: & < > " ' escaped; control characters XML 1.0 cannot hold become spaces.
std::string markup_escape(std::string_view s);
// Fixed-point with `digits` decimals, for terminal tables.
std::string fixed(double v, int digits = 3);

}  // namespace labelqa::report
