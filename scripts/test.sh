#!/usr/bin/env bash
# Installs what is missing, builds the library's tests and programs with the dev preset, and
# runs every test. Run from anywhere; works in the repository it belongs to.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset dev
cmake --build --preset dev -j "$jobs"
ctest --preset dev -j "$jobs"
