// COCO instances JSON (one file per annotator) into the spatial model, parsed with simdjson's
// On-Demand API straight from a memory map.
//
// Images are matched across files by file_name (by id when an image has none), categories by
// name. A bare list of annotations (a COCO results file) is accepted: images are then keyed by
// image_id and categories by category_id. See docs/formats.md.
#pragma once

#include "labelqa/error.hpp"
#include "labelqa/model/objects.hpp"

#include <optional>
#include <utility>

#include <cstddef>
#include <string>
#include <vector>

namespace labelqa::io {

// What lenient reading found wrong with one image, category or annotation (and left it out).
struct CocoProblem {
  Location where;
  std::string message;
  Defect defect = Defect::schema;
  const char* kind = "annotation";     // "image", "category" or "annotation"
  std::optional<std::int64_t> id;      // its id, when the file gave one
};
struct CocoCheck {
  std::vector<CocoProblem> problems;                      // in file order
  std::vector<std::pair<std::uint64_t, double>> areas;    // per annotation read: byte offset, its "area"
};

// `names` gives the annotator of each file (empty: the file stem). Throws InputError (exit 2)
// naming the file, byte offset, line and annotation on malformed input. The annotations list is
// parsed in slices of about `slice_bytes`, in parallel; the result does not depend on it.
ObjectSet read_coco_files(const std::vector<std::string>& paths, const std::vector<std::string>& names,
                          std::size_t slice_bytes = std::size_t{1} << 20);

// Reads one COCO file for `labelqa validate`: a problem of one image, category or annotation is
// recorded in `check` and the thing left out, instead of throwing. Only a file that cannot be
// parsed at all (broken JSON, not COCO) throws InputError.
struct LocalDelivery;
LocalDelivery read_coco_checked(const std::string& path, CocoCheck& check, std::size_t slice_bytes = std::size_t{1} << 20);

// Whether a .json file looks like COCO (an object with "annotations" or "images", or a list of
// objects with "image_id"), judged from its first bytes.
bool looks_like_coco(const std::string& path);

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
