#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 (ASan + UBSan) and runs each for a fixed time on the
# seed corpus, as many at once as there are cores. Any crash fails the run; its input is left in
# <build>/crashes/ to be fixed and kept as a regression test under tests/fuzz/regressions/<target>/.
#   tools/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default 30 s, every target)
# The build is build-fuzz (optimised, -O1), or the clang build LABELQA_FUZZ_BUILD names, configured
# with -DLABELQA_FUZZ=ON (scripts/test.sh --full reuses its sanitizer build so).
# The random seed is fixed (LABELQA_FUZZ_SEED, default 1) so that a CI run explores the same inputs.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-30}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(table coco rle label_studio cvat voc yolo labelme png policy spans partial segments)

out="${LABELQA_FUZZ_BUILD:-build-fuzz}"
if [ -z "${LABELQA_FUZZ_BUILD:-}" ]; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$out" -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" -DLABELQA_FUZZ=ON -DLABELQA_TESTS=OFF >/dev/null
fi
cmake --build "$out" -j "$(nproc)" --target labelqa_fuzz
rm -rf "$out/corpus"
python3 tools/fuzz/make_corpus.py "$out/corpus"
mkdir -p "$out/crashes"
# One target: its log in <build>/<target>.log, a line of statistics (or the crash) on stdout.
run_one() {
  local t=$1
  mkdir -p "$out/corpus/$t" "$out/work/$t"
  local regressions=()
  [ -d "tests/fuzz/regressions/$t" ] && regressions=("tests/fuzz/regressions/$t")
  if ! ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "$out/fuzz_$t" "$out/work/$t" "$out/corpus/$t" "${regressions[@]}" \
      -max_total_time="$seconds" -seed="${LABELQA_FUZZ_SEED:-1}" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 -max_len=65536 \
      -artifact_prefix="$out/crashes/$t-" -print_final_stats=1 > "$out/$t.log" 2>&1; then
    echo "fuzz_$t FOUND A CRASH ($out/$t.log):"
    grep -E 'ERROR|SUMMARY|Test unit written|exiting' "$out/$t.log" | head -5 || true
    return 1
  fi
  echo "fuzz_$t: ${seconds} s $(grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$out/$t.log" | tr '\n' ' ' || true)"
}

# As many targets at once as there are cores, each for the same time; reports in target order.
status=0
parallel=$(nproc)
pids=()
names=()
for t in "${targets[@]}"; do
  run_one "$t" > "$out/$t.summary" &
  pids+=($!)
  names+=("$t")
  if [ ${#pids[@]} -ge "$parallel" ]; then
    wait "${pids[0]}" || status=1
    cat "$out/${names[0]}.summary"
    pids=("${pids[@]:1}")
    names=("${names[@]:1}")
  fi
done
for k in "${!pids[@]}"; do
  wait "${pids[$k]}" || status=1
  cat "$out/${names[$k]}.summary"
done
exit $status
