// Replays the kept fuzz inputs (tests/fuzz/regressions/<target>/*: every crash a fuzzer found,
// kept after the fix) and the seed corpus through the targets, under whatever build runs it (the
// sanitizer build in CI). Usage: fuzz_replay DIR... where each DIR is named after its target or
// holds one subdirectory per target.
#include "targets.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace fs = std::filesystem;

static int replay_dir(const std::string& target, const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    labelqa::fuzz::run_target(target, bytes.data(), bytes.size());
  }
  return static_cast<int>(files.size());
}

int main(int argc, char** argv) {
  int n = 0;
  const auto& names = labelqa::fuzz::target_names();
  for (int i = 1; i < argc; ++i) {
    const fs::path dir = argv[i];
    if (!fs::is_directory(dir)) continue;
    const std::string name = dir.filename().string();
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      n += replay_dir(name, dir);
      continue;
    }
    for (const auto& t : names) {
      if (fs::is_directory(dir / t)) n += replay_dir(t, dir / t);
    }
  }
  std::printf("replayed %d inputs\n", n);
  return n > 0 ? 0 : 1;
}
