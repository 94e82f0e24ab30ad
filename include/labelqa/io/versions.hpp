// The versions of the libraries a layer was built with and runs with, for `labelqa --version` and
// bug reports: (library, version) pairs.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace labelqa::io {

using LibraryVersions = std::vector<std::pair<std::string, std::string>>;

// The readers' libraries: simdjson, pugixml, zlib, libspng, toml++, nlohmann/json, oneTBB.
LibraryVersions library_versions();

}  // namespace labelqa::io
