// A libFuzzer binary for one target (LABELQA_FUZZ_TARGET), built with clang -fsanitize=fuzzer.
#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  labelqa::fuzz::run_target(LABELQA_FUZZ_TARGET, data, size);
  return 0;
}
