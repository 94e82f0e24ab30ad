// Paths named inside exports (image files, mask files) stay inside the delivery: nothing is read
// from a path that leads elsewhere unless the user allows it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace labelqa::io {

// Whether a path named in an export leads outside the folder it is relative to: an absolute path,
// or one whose ".." components climb above its start.
bool leaves_root(const std::string& name);

// root / name when it stays under root (symbolic links resolved), else nullopt; with
// allow_outside, root / name (or name itself when absolute) as given.
std::optional<std::filesystem::path> contained_path(const std::string& root, const std::string& name, bool allow_outside);

// Where a file found inside a delivery folder really is, when a symbolic link takes it outside
// `root` (the file, or a folder on the way, links elsewhere); nullopt when it stays inside.
std::optional<std::filesystem::path> link_outside(const std::filesystem::path& file, const std::filesystem::path& root);

}  // namespace labelqa::io
