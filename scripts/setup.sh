#!/usr/bin/env bash
# Installs every Debian package labelqa needs (build, tests, oracles), builds a Release binary
# into build/, installs the Python package for Debian's python3, and runs `labelqa agree`, `gold`,
# `validate` and `report` on the examples in examples/.
#   scripts/setup.sh             install what is missing, build, run the example
#   scripts/setup.sh --deps-only install what is missing and stop
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  cmake g++ make pkg-config dpkg-dev
  libcli11-dev nlohmann-json3-dev libfmt-dev doctest-dev libboost-dev
  libsimdjson-dev libspng-dev libgeos-dev libpugixml-dev zlib1g-dev libtbb-dev libtomlplusplus-dev libcairo2-dev fonts-dejavu-core
  python3 python3-numpy python3-sklearn python3-statsmodels python3-nltk python3-shapely time sctk
  python3-dev pybind11-dev python3-pybind11 python3-pytest python3-pandas python3-distributed
  python3-pip python3-setuptools python3-wheel python3-venv
  clang-14 libclang-rt-14-dev libfuzzer-14-dev
  chromium
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "labelqa setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi
[ "${1:-}" = "--deps-only" ] && exit 0

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DLABELQA_TESTS=OFF
cmake --build build -j "$(nproc)" --target labelqa
echo
status=0
for example in "examples/sentiment.csv" "examples/coco/alice.json examples/coco/bob.json" \
               "--masks examples/masks/ann1 examples/masks/ann2 --classes examples/masks/classes.csv"; do
  echo "\$ build/labelqa agree $example"
  # shellcheck disable=SC2086  # the example's words are separate arguments
  build/labelqa agree $example || status=$?
  echo
done
echo "\$ build/labelqa gold examples/gold/delivery.csv --gold examples/gold/gold.csv --policy examples/gold/qa.toml"
build/labelqa gold examples/gold/delivery.csv --gold examples/gold/gold.csv --policy examples/gold/qa.toml || status=$?
echo
echo "\$ build/labelqa validate examples/validate/instances.json --classes examples/validate/classes.txt"
build/labelqa validate examples/validate/instances.json --classes examples/validate/classes.txt || status=$?
echo
echo "\$ build/labelqa report examples/report/ratings.csv --gold examples/report/gold.csv --out build/example-report"
build/labelqa report examples/report/ratings.csv --gold examples/report/gold.csv --out build/example-report || status=$?
echo
# The Python package, built from the same build folder, for Debian's interpreter (whose numpy and
# pandas it uses). Debian marks its Python as externally managed: pip installs into /usr/local
# (root) or ~/.local, which apt never touches.
echo "\$ LABELQA_BUILD_DIR=build /usr/bin/python3 -m pip install --no-build-isolation --break-system-packages ."
pip_user=()
[ "$(id -u)" -ne 0 ] && pip_user=(--user)
LABELQA_BUILD_DIR=build /usr/bin/python3 -m pip install --no-build-isolation --no-index --break-system-packages -q "${pip_user[@]}" . || status=$?
/usr/bin/python3 -c "import labelqa; print('labelqa', labelqa.__version__, 'imported from', labelqa.__file__)" || status=$?
echo
echo "labelqa built at build/labelqa (the examples exited with $status)"
