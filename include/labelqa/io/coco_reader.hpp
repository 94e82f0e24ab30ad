// COCO instances JSON (one file per annotator) into the spatial model, parsed with simdjson's
// On-Demand API straight from a memory map.
//
// An image is identified by its file_name (by its id when it has none, and by both when two
// images share a file name); images of different files are matched as merge_deliveries says,
// categories by name. A bare list of annotations (a COCO results file) is accepted: images are then keyed by
// image_id and categories by category_id. See docs/formats.md.
#pragma once

#include "labelqa/error.hpp"
#include "labelqa/io/deliveries.hpp"
#include "labelqa/io/mapped_file.hpp"
#include "labelqa/model/objects.hpp"

#include <optional>
#include <utility>

#include <cstddef>
#include <string>
#include <vector>

namespace labelqa::io {

// `names` gives the annotator of each file (empty: the file stem). Throws InputError (exit 2)
// naming the file, byte offset, line and annotation on malformed input. The annotations list is
// parsed in slices of about `slice_bytes`, in parallel; the result does not depend on it.
ObjectSet read_coco_files(const std::vector<std::string>& paths, const std::vector<std::string>& names,
                          std::size_t slice_bytes = std::size_t{1} << 20, ItemMatch match = ItemMatch::automatic);
// The same for inputs that may be in memory.
ObjectSet read_coco_inputs(const std::vector<Input>& inputs, const std::vector<std::string>& names,
                           std::size_t slice_bytes = std::size_t{1} << 20, ItemMatch match = ItemMatch::automatic);

// Reads one COCO file for `labelqa validate`: a problem of one image, category or annotation is
// recorded in `check` and the thing left out, instead of throwing. Only a file that cannot be
// parsed at all (broken JSON, not COCO) throws InputError.
LocalDelivery read_coco_checked(const Input& input, LenientRead& check, std::size_t slice_bytes = std::size_t{1} << 20);

// Whether a .json file looks like COCO (an object with "annotations" or "images", or a list of
// objects with "image_id"), judged from its first bytes.
bool looks_like_coco(const std::string& path);

}  // namespace labelqa::io
