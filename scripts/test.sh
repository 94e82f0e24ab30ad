#!/usr/bin/env bash
# Builds labelqa and runs every test: a Release build (unit tests, tests of the binary, oracle
# comparisons), then the same tests under AddressSanitizer + UndefinedBehaviorSanitizer, then every
# libFuzzer target for 30 seconds (clang-14, ASan + UBSan).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --deps-only

jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DLABELQA_TESTS=ON
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DLABELQA_SANITIZE=ON -DLABELQA_TESTS=ON
cmake --build build-asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp" \
  ctest --test-dir build-asan --output-on-failure

tools/fuzz/run.sh "${LABELQA_FUZZ_SECONDS:-30}"
