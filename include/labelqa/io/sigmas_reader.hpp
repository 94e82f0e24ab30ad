// OKS sigmas from a JSON file (--sigmas): per class, a list of one sigma per keypoint in the class's
// order, or an object from keypoint name to sigma (the names of the delivery's keypoint schema).
//   {"person": [0.026, 0.025, ...], "hand": {"wrist": 0.05, "thumb_tip": 0.03, ...}}
#pragma once

#include "labelqa/io/mapped_file.hpp"
#include "labelqa/model/objects.hpp"

#include <map>
#include <string>
#include <vector>

namespace labelqa::io {

struct SigmaFile {
  std::string path;
  std::map<std::string, std::vector<double>> by_position;
  std::map<std::string, std::map<std::string, double>> by_name;
};
SigmaFile read_sigmas(const Input& input);

// The sigmas of each class in keypoint order; a class given by names needs a schema naming every
// keypoint once (else an error naming the file, the class and the name).
std::map<std::string, std::vector<double>> sigmas_in_order(const SigmaFile& file, const ObjectSet& set);

}  // namespace labelqa::io
