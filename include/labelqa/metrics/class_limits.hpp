// What class-by-class structures cost. A confusion matrix holds classes^2 cells, one per
// annotator (and per scored subject in `gold`), and Dawid-Skene fits classes^2 error rates per
// annotator and classes posteriors per item: 50,000 class names in a table of a megabyte would
// ask for terabytes. These limits are checked before anything is built (docs/limits.md).
#pragma once

#include "labelqa/model/ratings.hpp"

#include <cstdint>
#include <string_view>

namespace labelqa::metrics {

// Cells of classes x classes matrices in all: a floor, plus an allowance per rating.
inline constexpr std::uint64_t k_matrix_cells_floor = std::uint64_t{1} << 20;
inline constexpr std::uint64_t k_matrix_cells_per_rating = 4;
// Dawid-Skene's cost a step: the larger of ratings x classes and annotators x classes^2.
inline constexpr std::uint64_t k_max_dawid_skene_work = std::uint64_t{1} << 24;

// Throws InputError naming the set's first file when `matrices` classes x classes matrices over
// the set's classes pass k_matrix_cells_floor + k_matrix_cells_per_rating x ratings; `what` says
// which matrices (for the message). `classes` defaults to the set's own.
void check_class_matrices(const RatingSet& set, std::uint64_t matrices, std::string_view what, std::uint64_t classes = 0);
// The same for any input: `units` of it (ratings, objects, pixels: `unit` names them) allow
// k_matrix_cells_floor + k_matrix_cells_per_rating x units cells; throws InputError naming `file`.
void check_class_cells(const std::string& file, std::uint64_t classes, std::uint64_t matrices, std::uint64_t units, std::string_view unit,
                       std::string_view what);

}  // namespace labelqa::metrics
