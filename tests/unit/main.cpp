// The unit tests' main: doctest in a fresh scratch folder per run (deleted when every test passes,
// kept and named when one fails), as ccache's unittest/main.cpp does.
#define DOCTEST_CONFIG_IMPLEMENT
#include "helpers.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <unistd.h>

namespace labelqa::test {
std::string& scratch() {
  static std::string dir;  // set once by main, before any test runs
  return dir;
}

const std::string& tmp_dir() { return scratch(); }

std::optional<std::string> samples(const std::string& what) {
  const std::string dir = LABELQA_SHARED_SAMPLES;
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return dir;
  static std::set<std::string> said;
  if (said.insert(what).second) std::printf("skipped: %s (needs ../shared/samples beside the repository)\n", what.c_str());
  return std::nullopt;
}

}  // namespace labelqa::test

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(LABELQA_TEST_TMP) / ("run-" + std::to_string(::getpid()));
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "cannot create the scratch folder %s: %s\n", dir.c_str(), ec.message().c_str());
    return 2;
  }
  labelqa::test::scratch() = dir.string();
  doctest::Context context(argc, argv);
  const int status = context.run();
  if (context.shouldExit()) return status;
  if (status == 0) {
    fs::remove_all(dir, ec);
  } else {
    std::fprintf(stderr, "the scratch folder of this run is kept: %s\n", dir.c_str());
  }
  return status;
}
