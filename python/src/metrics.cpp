// labelqa.metrics' native part: the agreement coefficients of `agree` on a rating matrix, through
// the same function (metrics::analyze_agreement). python/labelqa/metrics.py turns numpy arrays and
// DataFrames into the codes this takes.
#include "labelqa/metrics/analyze.hpp"

#include <fmt/format.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <vector>

namespace py = pybind11;

namespace labelqa::python {
namespace {

py::object maybe(const std::optional<double>& v) { return v ? py::object(py::float_(*v)) : py::object(py::none()); }

py::dict estimate_dict(const metrics::Estimate& e) {
  py::dict d;
  d["value"] = maybe(e.value);
  d["se"] = maybe(e.se);
  d["ci_low"] = maybe(e.ci_low);
  d["ci_high"] = maybe(e.ci_high);
  d["ci_method"] = e.ci_method == metrics::CiMethod::none ? py::object(py::none()) : py::object(py::str(metrics::ci_method_name(e.ci_method)));
  d["undefined_reason"] = e.value ? py::object(py::none()) : py::object(py::str(metrics::reason_name(e.undefined_reason)));
  if (e.ci_undefined_reason != metrics::Reason::none) d["ci_undefined_reason"] = metrics::reason_name(e.ci_undefined_reason);
  return d;
}

// ({coefficient: estimate}, {units, pairable_units, ratings}). codes: raters x units, -1 where a rater did not rate a unit; categories in the model's order
// (nominal: by name; otherwise by score, with `scores` their values).
py::tuple agreement(const py::array_t<std::int32_t, py::array::c_style | py::array::forcecast>& codes, const std::vector<std::string>& categories,
                   const std::vector<double>& scores, const std::string& level, double confidence, const std::string& ci, int bootstrap,
                   std::uint64_t seed) {
  if (codes.ndim() != 2) throw py::value_error("ratings must be a two-dimensional array");
  const auto raters = static_cast<std::size_t>(codes.shape(0)), units = static_cast<std::size_t>(codes.shape(1));
  RatingSet set;
  set.level = level == "ordinal" ? Level::ordinal : level == "interval" ? Level::interval : level == "ratio" ? Level::ratio : Level::nominal;
  if (set.level == Level::nominal && level != "nominal") throw py::value_error("level must be nominal, ordinal, interval or ratio");
  set.files = {"<array>"};
  set.categories = categories;
  if (set.level != Level::nominal) set.category_scores = scores;
  // Zero-padded names sort in rater order, as the model keeps annotators sorted by name.
  const int width = static_cast<int>(fmt::format("{}", raters).size());
  for (std::size_t r = 0; r < raters; ++r) set.annotators.push_back(fmt::format("rater {:0{}}", r, width));
  const std::int32_t* c = codes.data();
  set.item_offsets.push_back(0);
  for (std::size_t u = 0; u < units; ++u) {
    bool any = false;
    for (std::size_t r = 0; r < raters; ++r) {
      const std::int32_t v = c[r * units + u];
      if (v < 0) continue;
      if (static_cast<std::size_t>(v) >= categories.size()) throw py::value_error("a rating's code is not a category");
      set.ratings.push_back({static_cast<std::int32_t>(r), v});
      set.sources.push_back({0, 0});
      any = true;
    }
    if (!any) continue;
    set.items.push_back(fmt::format("unit {}", u));
    set.item_offsets.push_back(static_cast<std::uint32_t>(set.ratings.size()));
  }
  metrics::AgreeOptions options;
  options.confidence = confidence;
  options.ci = ci == "analytic" ? metrics::CiMode::analytic : ci == "bootstrap" ? metrics::CiMode::bootstrap : metrics::CiMode::automatic;
  options.bootstrap = bootstrap;
  options.seed = seed;
  metrics::AgreeResult result;
  {
    py::gil_scoped_release release;
    result = metrics::analyze_agreement(set, options);
  }
  py::dict out;
  for (const auto& [name, e] : result.overall) out[py::str(name)] = estimate_dict(e);
  py::dict meta;
  meta["units"] = result.items;
  meta["pairable_units"] = result.pairable_items;
  meta["ratings"] = result.ratings;
  return py::make_tuple(out, meta);
}

}  // namespace

void bind_metrics(py::module_& m) {
  auto sub = m.def_submodule("metrics", "agree's coefficients on rating matrices (see labelqa.metrics)");
  sub.def("agreement", &agreement);
}

}  // namespace labelqa::python
