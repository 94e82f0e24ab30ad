// Limits of class-by-class structures (see class_limits.hpp).
#include "labelqa/metrics/class_limits.hpp"

#include "labelqa/error.hpp"

#include <fmt/format.h>

namespace labelqa::metrics {

void check_class_matrices(const RatingSet& set, std::uint64_t matrices, std::string_view what, std::uint64_t classes) {
  const std::uint64_t q = classes ? classes : set.categories.size();
  const std::uint64_t ratings = set.rating_count();
  const std::uint64_t limit = k_matrix_cells_floor + k_matrix_cells_per_rating * ratings;
  // q^2 x matrices, without overflow: compared as doubles (exact far beyond any limit here).
  const double cells = static_cast<double>(q) * static_cast<double>(q) * static_cast<double>(matrices);
  if (cells <= static_cast<double>(limit)) return;
  throw InputError({.file = set.files.empty() ? std::string() : set.files.front()},
                   fmt::format("{} classes: the {} ({} of {} x {}) would hold {:.0f} cells, more than the {} its {} ratings allow "
                               "(2^20 plus 4 per rating, docs/limits.md); agree has no such limit",
                               q, what, matrices, q, q, cells, limit, ratings));
}

}  // namespace labelqa::metrics
