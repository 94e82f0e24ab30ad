// One annotator's delivery as a reader sees it (images and categories by name), what a lenient
// reading left out of it, and how deliveries read apart are merged into one ObjectSet. Every
// reader of image regions (COCO, CVAT, Label Studio, the folder formats) produces these.
#pragma once

#include "labelqa/error.hpp"
#include "labelqa/model/objects.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace labelqa::io {

// What a lenient reading found wrong with one image, category or annotation (and left it out).
struct ReadProblem {
  Location where;
  std::string message;
  Defect defect = Defect::schema;
  const char* kind = "annotation";     // "image", "category" or "annotation"
  std::optional<std::int64_t> id;      // its id, when the file gave one
};
struct LenientRead {
  std::vector<ReadProblem> problems;                      // in file order
  std::vector<std::pair<std::uint64_t, double>> areas;    // per annotation read: byte offset, its "area"
};

// Annotator name for a path: the file stem (or directory name).
std::string annotator_from_path(const std::string& path);

// Annotator names for a list of inputs: the explicit list (which must have one per input) or the
// stems; throws UsageError on a count mismatch or two inputs with the same name.
std::vector<std::string> annotator_names(const std::vector<std::string>& paths, const std::vector<std::string>& explicit_names);

// Merges per-annotator deliveries whose images and categories are given by name into one set:
// images and categories sorted by name, annotators by name, objects indexed.
struct LocalDelivery {
  AnnotatorObjects objects;                  // image/category fields index the two lists below
  std::vector<ImageInfo> images;
  std::vector<std::string> categories;
};
ObjectSet merge_deliveries(std::vector<LocalDelivery> deliveries);

// Merges object sets read apart (a delivery and its gold, in different formats): images and
// categories matched by name.
ObjectSet merge_object_sets(std::vector<ObjectSet> sets);

}  // namespace labelqa::io
