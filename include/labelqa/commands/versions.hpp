// What labelqa was built with: its version and every library's, for `labelqa --version`.
#pragma once

#include "labelqa/io/versions.hpp"

#include <string>

namespace labelqa::commands {

// "labelqa 0.1.0" and one line per library ("  simdjson 3.0.1").
std::string version_text(const io::LibraryVersions& front_end = {});

}  // namespace labelqa::commands
