// The libFuzzer binary, built with clang -fsanitize=fuzzer. One binary serves every target: it is
// installed once as labelqa_fuzz and linked as fuzz_<target>, and the name it is run by (or
// LABELQA_FUZZ_TARGET) says which target; one binary instead of one per target keeps a sanitizer
// build small on disk.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "targets.hpp"

namespace {
std::string g_target;
}

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  if (const char* env = std::getenv("LABELQA_FUZZ_TARGET"); env != nullptr && *env != '\0') {
    g_target = env;
  } else if (*argc > 0) {
    std::string name = (*argv)[0];
    if (const auto slash = name.rfind('/'); slash != std::string::npos) name.erase(0, slash + 1);
    if (name.rfind("fuzz_", 0) == 0) g_target = name.substr(5);
  }
  const auto& names = labelqa::fuzz::target_names();
  bool known = false;
  for (const auto& n : names) known = known || n == g_target;
  if (!known) {
    std::fprintf(stderr, "labelqa_fuzz: unknown target '%s'; run it as fuzz_<target> or set LABELQA_FUZZ_TARGET to one of:",
                 g_target.c_str());
    for (const auto& n : names) std::fprintf(stderr, " %s", n.c_str());
    std::fprintf(stderr, "\n");
    std::exit(2);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  labelqa::fuzz::run_target(g_target, data, size);
  return 0;
}
