// PNG masks (semantic class maps and instance-id maps), decoded with libspng, and the class map
// that names their values. See docs/formats.md.
#pragma once

#include "labelqa/io/coco_reader.hpp"
#include "labelqa/model/masks.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace labelqa::io {

// A decoded mask: one value per pixel, row-major. 8-bit grayscale and palette PNGs (the palette
// index is the value) fill `bytes`; 16-bit grayscale PNGs fill `words`.
struct MaskImage {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  int bit_depth = 8;                  // 8 or 16 after decoding
  std::vector<std::uint8_t> bytes;    // reused between calls: decode into the same object
  std::vector<std::uint16_t> words;
  // Set when the image decoded but the file does not end with a whole IEND chunk (truncated in or
  // after the last chunk's checksum): usable, and worth a warning.
  bool truncated_end = false;
  std::size_t pixels() const { return static_cast<std::size_t>(width) * height; }
  std::uint32_t at(std::size_t i) const { return bit_depth == 16 ? words[i] : bytes[i]; }
};

// Decodes one PNG. `file_buffer` is scratch space reused between calls. Throws InputError naming
// the file for an unreadable, corrupt or unsupported PNG (colour images need a colour map).
void decode_mask_png(const Input& input, std::vector<std::uint8_t>& file_buffer, MaskImage& out);

// Class names by mask value: CSV with columns value,name (header optional), or JSON: an object
// {"0": "background", ...}, a list of names (index = value), or a list of {"value"|"id", "name"}.
using ClassMap = std::map<std::uint32_t, std::string>;
ClassMap read_class_map(const std::string& path);

// Relative paths of the *.png files under a directory (recursively), sorted.
std::vector<std::string> list_png_files(const std::string& dir);

// Semantic masks, one directory per annotator: decodes every image each annotator delivered (in
// parallel) and keeps, per image and pair, the confusion of their values. Masks of one image must
// have the same size (else InputError naming both files). With `reference` >= 0 (the index of
// the gold directory in `dirs`), only pairs with it are compared; other pairs have no cells.
MaskComparison read_mask_comparison(const std::vector<std::string>& dirs, const std::vector<std::string>& names,
                                    std::uint32_t ignore, int reference = -1);

// Instance-id masks (one directory per annotator, the same relative names) as objects: every
// distinct value other than 0 and `ignore` is one object with that id; its class is value / 1000
// (named by the class map) for values of 1000 and more (the Cityscapes and MOTS encoding), else
// "object".
ObjectSet read_instance_masks(const std::vector<std::string>& dirs, const std::vector<std::string>& names,
                              const ClassMap& classes, std::uint32_t ignore);

}  // namespace labelqa::io
