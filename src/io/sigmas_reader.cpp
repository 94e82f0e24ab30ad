#include "json_document.hpp"
#include "labelqa/io/sigmas_reader.hpp"

#include "labelqa/error.hpp"
#include "labelqa/io/line_index.hpp"

#include <cmath>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

namespace labelqa::io {

namespace {

double sigma_of(const nlohmann::json& v, const std::string& path, const std::string& pointer) {
  if (!v.is_number() || !(v.get<double>() > 0) || !std::isfinite(v.get<double>())) {
    throw InputError({.file = path, .field = pointer}, fmt::format("expected a sigma (a positive number), got {}", v.dump()));
  }
  return v.get<double>();
}

}  // namespace

SigmaFile read_sigmas(const Input& input) {
  SigmaFile out;
  out.path = input.path;
  const MappedFile file(input);
  const std::string_view text = file.view();
  const nlohmann::json j = detail::parse_json_document(text, out.path, "an object from class name to sigmas");
  if (!j.is_object()) throw InputError({.file = out.path, .field = "/"}, "expected an object from class name to a list of sigmas or to {keypoint: sigma}");
  for (const auto& [cls, v] : j.items()) {
    const std::string at = "/" + cls;
    if (v.is_array()) {
      auto& list = out.by_position[cls];
      for (std::size_t k = 0; k < v.size(); ++k) list.push_back(sigma_of(v[k], out.path, fmt::format("{}/{}", at, k)));
      if (list.empty()) throw InputError({.file = out.path, .field = at}, "expected at least one sigma");
    } else if (v.is_object()) {
      auto& named = out.by_name[cls];
      for (const auto& [name, s] : v.items()) named[name] = sigma_of(s, out.path, at + "/" + name);
      if (named.empty()) throw InputError({.file = out.path, .field = at}, "expected at least one keypoint");
    } else {
      throw InputError({.file = out.path, .field = at}, "expected a list of sigmas or an object from keypoint name to sigma");
    }
  }
  return out;
}

std::map<std::string, std::vector<double>> sigmas_in_order(const SigmaFile& file, const ObjectSet& set) {
  std::map<std::string, std::vector<double>> out = file.by_position;
  for (const auto& [cls, named] : file.by_name) {
    const auto schema = set.keypoints.find(cls);
    if (schema == set.keypoints.end()) {
      throw InputError({.file = file.path, .field = "/" + cls},
                       fmt::format("sigmas are given by keypoint name for class \"{}\", but the delivery names no keypoints of that class; give a list "
                                   "in keypoint order",
                                   cls));
    }
    std::vector<double> list;
    for (const auto& name : schema->second.names) {
      const auto it = named.find(name);
      if (it == named.end()) {
        throw InputError({.file = file.path, .field = "/" + cls},
                         fmt::format("no sigma for keypoint \"{}\" of class \"{}\" (its keypoints: {})", name, cls, fmt::join(schema->second.names, ", ")));
      }
      list.push_back(it->second);
    }
    for (const auto& [name, s] : named) {
      if (std::find(schema->second.names.begin(), schema->second.names.end(), name) == schema->second.names.end()) {
        throw InputError({.file = file.path, .field = "/" + cls + "/" + name},
                         fmt::format("class \"{}\" has no keypoint \"{}\" (its keypoints: {})", cls, name, fmt::join(schema->second.names, ", ")));
      }
    }
    out[cls] = std::move(list);
  }
  return out;
}

}  // namespace labelqa::io
