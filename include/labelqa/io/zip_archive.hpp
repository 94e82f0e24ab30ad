// Reads one member of a zip archive (stored or deflated, as CVAT and Label Studio write their
// export archives) into memory, with zlib. No zip64, no encryption.
#pragma once

#include <optional>
#include <string>

namespace labelqa::io {

// Whether the file is a zip archive holding `member` (a path inside the archive).
bool zip_has_member(const std::string& path, const std::string& member);

// The member's bytes. Throws InputError naming the archive when it is not a readable zip archive
// or the member is missing or corrupt.
std::string read_zip_member(const std::string& path, const std::string& member);

}  // namespace labelqa::io
