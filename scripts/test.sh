#!/usr/bin/env bash
# Installs what is missing, builds the library's tests and programs with the dev preset, and
# runs every test. Run from anywhere; works in the repository it belongs to.
#
# Then the hardening stages, each in its own build directory: the whole suite under ASan and
# UBSan, the threaded tests under TSan, the -fno-exceptions build, clang++ 14 with -Werror,
# clang-tidy, clang-format, and each fuzzer for 30 s. `scripts/test.sh dev` runs the first stage
# only; `scripts/test.sh STAGE...` runs those named (dev asan tsan noexcept clang tidy format
# fuzz). Each stage prints its time.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

jobs=$(nproc 2>/dev/null || echo 2)
stages=("$@")
[ "${#stages[@]}" -gt 0 ] || stages=(dev asan tsan noexcept clang tidy format fuzz)

stage_dev() {
  cmake --preset dev
  cmake --build --preset dev -j "$jobs"
  ctest --preset dev -j "$jobs"
}

stage_asan() {
  # The load test measures speed, which means nothing under ASan: it runs in the dev stage.
  cmake --preset asan >/dev/null
  cmake --build --preset asan -j "$jobs"
  ctest --preset asan -j "$jobs" -LE load
}

stage_tsan() {
  cmake --preset tsan >/dev/null
  local targets=()
  for t in megaport-webhooks-tests megaport-webhooks-sqlite-tests megaport-webhooks-redis-tests; do
    if cmake --build build-tsan --target help | grep -q "^\.\.\. $t\$"; then targets+=("$t"); fi
  done
  cmake --build build-tsan --target "${targets[@]}" -j "$jobs"
  ctest --preset tsan -j "$jobs"
}

stage_noexcept() {
  # The dev stage builds the unit tests with -fno-exceptions and runs them (label noexcept).
  test -x build/bin/megaport-webhooks-tests-noexcept
  grep -q -- "-fno-exceptions" \
    build/tests/CMakeFiles/megaport-webhooks-tests-noexcept.dir/flags.make
  ctest --test-dir build -L noexcept -j "$jobs" --output-on-failure | tail -3
}

stage_clang() {
  cmake --preset clang >/dev/null
  cmake --build --preset clang -j "$jobs"
}

stage_tidy() {
  # Every library header (the framework adapters apart: their frameworks clash in one unit),
  # then the fuzz harnesses, which instantiate the receiver, the parser and the stores.
  local unit=build-clang/tidy_all_headers.cpp
  mkdir -p build-clang
  (cd include && find megaport -name '*.hpp' -not -path '*/adapters/*' | sort) |
    sed 's/.*/#include <&>/' >"$unit"
  clang-tidy-14 --quiet "$unit" fuzz/*_fuzzer.cpp -- -std=c++17 -Iinclude -I/usr/include/hiredis
}

stage_format() {
  find include examples tests benchmarks fuzz \( -name '*.cpp' -o -name '*.hpp' \) \
    -not -path tests/catch.hpp -print0 | sort -z | xargs -0 clang-format-14 --dry-run --Werror
}

stage_fuzz() {
  fuzz/run.sh 30
}

for stage in "${stages[@]}"; do
  started=$SECONDS
  echo "=== stage $stage"
  "stage_$stage"
  echo "=== stage $stage passed in $((SECONDS - started)) s"
done
