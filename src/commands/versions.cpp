// What labelqa was built with (see versions.hpp).
#include "labelqa/commands/versions.hpp"

#include "labelqa/report/charts.hpp"
#include "labelqa/validate/findings.hpp"

#include <boost/version.hpp>
#include <fmt/format.h>

namespace labelqa::commands {

std::string version_text(const io::LibraryVersions& front_end) {
  io::LibraryVersions all = io::library_versions();
  all.emplace_back("GEOS", validate::geos_version());
  all.emplace_back("cairo", report::cairo_version());
  all.emplace_back("fmt", fmt::format("{}.{}.{}", FMT_VERSION / 10000, FMT_VERSION / 100 % 100, FMT_VERSION % 100));
  all.emplace_back("Boost", fmt::format("{}.{}.{}", BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100));
  all.insert(all.end(), front_end.begin(), front_end.end());
  std::string out = fmt::format("labelqa {}\n", LABELQA_VERSION);
  for (const auto& [name, version] : all) out += fmt::format("  {} {}\n", name, version);
  return out;
}

}  // namespace labelqa::commands
