#!/usr/bin/env bash
# Builds labelqa and runs its tests: unit tests, tests of the binary, oracle comparisons, the
# byte-for-byte report check, the core-library program and the layer check (Release build).
#   scripts/test.sh          the above (what a contributor runs; CI runs it first)
#   scripts/test.sh --full   then the same tests under AddressSanitizer + UndefinedBehaviorSanitizer
#                            (clang), and every libFuzzer target of that build for 10 s
#                            (LABELQA_FUZZ_SECONDS), as CI does
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --deps-only

jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DLABELQA_TESTS=ON
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"

[ "${1:-}" = "--full" ] || exit 0

# One clang build serves both: the tests under ASan + UBSan, and the libFuzzer targets. -O1 as the
# sanitizers advise, and line tables only: reports keep file and line, and the build stays small.
CC=clang-14 CXX=clang++-14 cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -gline-tables-only" -DLABELQA_SANITIZE=ON -DLABELQA_FUZZ=ON -DLABELQA_TESTS=ON
cmake --build build-asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp" \
  ctest --test-dir build-asan --output-on-failure -j "$jobs"

LABELQA_FUZZ_BUILD=build-asan tools/fuzz/run.sh "${LABELQA_FUZZ_SECONDS:-10}"
