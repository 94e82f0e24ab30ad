// One annotator's delivery as a reader sees it (images and categories by name), what a lenient
// reading left out of it, and how deliveries read apart are merged into one ObjectSet. Every
// reader of image regions (COCO, CVAT, Label Studio, the folder formats) produces these.
#pragma once

#include "labelqa/error.hpp"
#include "labelqa/model/objects.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
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
  std::string image;                   // an annotation's image, when its image id names one
  bool kept = false;                   // the annotation was read all the same (a problem of one field)
};
struct LenientRead {
  std::vector<ReadProblem> problems;                      // in file order
  std::vector<std::pair<std::uint64_t, double>> areas;    // per annotation read: byte offset, its "area"
};

// Annotator name for a path: the file stem (or directory name).
std::string annotator_from_path(const std::string& path);

// OLD=NEW annotator renames (UsageError for a malformed pair or two olds renamed alike), or
// nullopt when `given` holds plain names.
std::optional<std::map<std::string, std::string>> parse_annotator_renames(const std::vector<std::string>& given);

// Annotator names for a list of inputs: the explicit list (which must have one per input), the
// stems renamed by OLD=NEW pairs, or the stems; throws UsageError on a count mismatch or two
// inputs with the same name.
std::vector<std::string> annotator_names(const std::vector<std::string>& paths, const std::vector<std::string>& explicit_names);

// Merges per-annotator deliveries whose images and categories are given by name into one set:
// images and categories sorted by name, annotators by name, objects indexed.
// Objects of two annotators on one image are compared pair by pair (a dense IoU matrix): at most
// this many pairs per image. check_pairs_per_image throws InputError naming the file and image
// past it.
inline constexpr std::uint64_t k_max_pairs_per_image = std::uint64_t{1} << 24;

struct LocalDelivery {
  AnnotatorObjects objects;                  // image/category fields index the two lists below
  std::vector<ImageInfo> images;
  std::vector<std::string> categories;
  std::map<std::string, KeypointSchema> keypoints;  // keypoint classes by category name
};

// How images of different inputs are taken to be the same item.
enum class ItemMatch : std::uint8_t {
  automatic,  // id when every input is of one format and they share ids, name otherwise
  id,         // what identifies the image in its export (ImageInfo::key)
  path,       // the path the export writes (ImageInfo::path)
  name,       // the file name alone
};
std::optional<ItemMatch> parse_item_match(std::string_view name);
const char* item_match_name(ItemMatch m);

// Images are matched by `match`; a name (or path) two images of one input share is ambiguous: those
// images are matched with nothing and a warning names them. Images that end up sharing a name get
// their qualified name (see qualified_name), with a warning.
ObjectSet merge_deliveries(std::vector<LocalDelivery> deliveries, ItemMatch match = ItemMatch::automatic);
void check_pairs_per_image(const ObjectSet& set);

// Merges object sets read apart (a delivery and its gold, in different formats), images matched
// as merge_deliveries does and categories by name.
ObjectSet merge_object_sets(std::vector<ObjectSet> sets, ItemMatch match = ItemMatch::automatic);

}  // namespace labelqa::io
