#include "labelqa/io/paths.hpp"

namespace labelqa::io {

namespace fs = std::filesystem;

bool leaves_root(const std::string& name) {
  if (name.empty()) return false;
  const fs::path p(name);
  if (p.is_absolute() || p.has_root_name() || name[0] == '/' || name[0] == '\\') return true;
  int depth = 0;
  for (const auto& part : p.lexically_normal()) {
    if (part == "..") {
      if (--depth < 0) return true;
    } else if (part != "." && !part.empty()) {
      ++depth;
    }
  }
  return false;
}

std::optional<fs::path> contained_path(const std::string& root, const std::string& name, bool allow_outside) {
  const fs::path p(name);
  if (allow_outside) return p.is_absolute() ? p : fs::path(root) / p;
  if (leaves_root(name)) return std::nullopt;
  std::error_code ec;
  const fs::path base = fs::weakly_canonical(root, ec);
  if (ec) return std::nullopt;
  const fs::path full = fs::weakly_canonical(base / p, ec);
  if (ec) return std::nullopt;
  // Under base after resolving symbolic links: base's components are a prefix of full's.
  auto b = base.begin(), f = full.begin();
  for (; b != base.end(); ++b, ++f) {
    if (f == full.end() || *b != *f) return std::nullopt;
  }
  return full;
}

std::optional<fs::path> link_outside(const fs::path& file, const fs::path& root) {
  std::error_code ec;
  const fs::path base = fs::weakly_canonical(root, ec);
  if (ec) return std::nullopt;
  const fs::path real = fs::weakly_canonical(file, ec);
  if (ec) return std::nullopt;
  auto b = base.begin(), f = real.begin();
  for (; b != base.end(); ++b, ++f) {
    if (f == real.end() || *b != *f) return real;
  }
  return std::nullopt;
}

}  // namespace labelqa::io
