// The fuzz targets: one per reader. Each writes the input bytes to a file of the reader's kind and
// reads it as labelqa would; bad input may throw InputError or UsageError and nothing else. Any
// other exception, crash, leak or undefined behaviour is a bug. Shared by the libFuzzer binaries
// (fuzz_main.cpp, built with clang) and the regression replay run by ctest (replay.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace labelqa::fuzz {

// Names of the targets: table, coco, rle, label_studio, cvat, voc, yolo, labelme, png, policy, spans, partial.
const std::vector<std::string>& target_names();

// Runs one input through a target; false for an unknown target.
bool run_target(const std::string& name, const std::uint8_t* data, std::size_t size);

}  // namespace labelqa::fuzz
