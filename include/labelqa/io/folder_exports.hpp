// Exports that are a folder of per-image files, one folder per annotator: Pascal VOC XML
// (LabelImg, CVAT's VOC export), YOLO txt (with a class list and image sizes), LabelMe JSON.
// Each maps onto the core model through DeliveryBuilder. See docs/formats.md.
#pragma once

#include "labelqa/io/export_data.hpp"

#include <string>
#include <vector>

namespace labelqa::io {

enum class FolderFormat { voc, yolo, labelme };

struct FolderOptions {
  std::string yolo_classes;  // class names file (one per line); default: classes.txt, obj.names or data.yaml in the folder
  std::string image_sizes;   // CSV image,width,height; default: read from the images found next to the labels
  bool follow_symlinks = false;  // read files whose symbolic links lead outside the export folder
};

// The folder format of a directory (or a single VOC .xml / LabelMe .json file), if any.
bool looks_like_folder_export(const std::string& path, FolderFormat& format);

// One input (directory) per annotator. Throws InputError naming the file, line and field.
ExportData read_folder_exports(const std::vector<std::string>& paths, const std::vector<std::string>& names, FolderFormat format,
                               const FolderOptions& options);

// Width and height of a PNG, JPEG, BMP or GIF image from its header; false when unknown.
bool image_dimensions(const std::string& path, std::uint32_t& width, std::uint32_t& height);

}  // namespace labelqa::io
