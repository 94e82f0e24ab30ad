// The readers' library versions (see versions.hpp).
#include "labelqa/io/versions.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <oneapi/tbb/version.h>
#include <pugixml.hpp>
#include <simdjson.h>
#include <spng.h>
#include <toml++/toml.h>
#include <zlib.h>

namespace labelqa::io {

LibraryVersions library_versions() {
  return {
      {"simdjson", fmt::format("{}.{}.{}", static_cast<int>(simdjson::SIMDJSON_VERSION_MAJOR), static_cast<int>(simdjson::SIMDJSON_VERSION_MINOR),
                               static_cast<int>(simdjson::SIMDJSON_VERSION_REVISION))},
      {"pugixml", fmt::format("{}.{}", PUGIXML_VERSION / 1000, PUGIXML_VERSION / 10 % 100)},
      {"zlib", zlibVersion()},
      {"libspng", spng_version_string()},
      {"toml++", fmt::format("{}.{}.{}", TOML_LIB_MAJOR, TOML_LIB_MINOR, TOML_LIB_PATCH)},
      {"nlohmann/json", fmt::format("{}.{}.{}", NLOHMANN_JSON_VERSION_MAJOR, NLOHMANN_JSON_VERSION_MINOR, NLOHMANN_JSON_VERSION_PATCH)},
      {"oneTBB", TBB_runtime_version()},
  };
}

}  // namespace labelqa::io
