// Limits of class-by-class structures (see class_limits.hpp).
#include "labelqa/metrics/class_limits.hpp"

#include "labelqa/error.hpp"

#include <fmt/format.h>

namespace labelqa::metrics {

void check_class_cells(const std::string& file, std::uint64_t classes, std::uint64_t matrices, std::uint64_t units, std::string_view unit,
                       std::string_view what) {
  const std::uint64_t limit = k_matrix_cells_floor + k_matrix_cells_per_rating * units;
  // classes^2 x matrices, without overflow: compared as doubles (exact far beyond any limit here).
  const double cells = static_cast<double>(classes) * static_cast<double>(classes) * static_cast<double>(matrices);
  if (cells <= static_cast<double>(limit)) return;
  throw InputError({.file = file}, fmt::format("{} classes: the {} ({} of {} x {}) would hold {:.0f} cells, more than the {} its {} {} allow "
                                               "(2^20 plus 4 per {}, docs/limits.md); agree has no such limit",
                                               classes, what, matrices, classes, classes, cells, limit, units, unit, unit.substr(0, unit.size() - 1)));
}

void check_class_matrices(const RatingSet& set, std::uint64_t matrices, std::string_view what, std::uint64_t classes) {
  check_class_cells(set.files.empty() ? std::string() : set.files.front(), classes ? classes : set.categories.size(), matrices, set.rating_count(),
                    "ratings", what);
}

}  // namespace labelqa::metrics
