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

# Targets of the asan stage: the library's tests and programs. The framework adapters' examples
# are left to the clang stage: sanitizing the frameworks' own code adds minutes and tests none
# of ours that the adapter tests do not already run in the dev stage.
asan_targets=(megaport-webhooks-tests megaport-webhooks-two-tu megaport-webhook-receiver
  megaport-webhook-send megaport-webhook-inbox megaport-webhooks-sqlite-tests
  megaport-webhooks-redis-tests megaport-webhooks-inbox-tests megaport-webhooks-signature-tests
  megaport-webhook-send-tests megaport-webhooks-signature-peer replay-body replay-headers
  replay-signature replay-receiver)

existing_targets() {  # the names among "$@" that the build in $build defines
  local help
  help=$(cmake --build "$build" --target help)
  for t in "$@"; do
    if grep -q "^\.\.\. $t\$" <<<"$help"; then echo "$t"; fi
  done
}

stage_asan() {
  # clang++ with -Werror, so this is the clang build of everything it builds too. The load test
  # measures speed, which means nothing under ASan: it runs in the dev stage.
  cmake --preset asan >/dev/null
  build=build-asan
  mapfile -t targets < <(existing_targets "${asan_targets[@]}")
  cmake --build build-asan --target "${targets[@]}" -j "$jobs"
  ctest --preset asan -j "$jobs" -L "unit|e2e|sqlite|redis|inbox|signature|sender|hostile" -LE load
}

stage_tsan() {
  cmake --preset tsan >/dev/null
  build=build-tsan
  mapfile -t targets < <(existing_targets megaport-webhooks-tests megaport-webhooks-sqlite-tests \
    megaport-webhooks-redis-tests megaport-webhooks-inbox-tests)
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
  # What the asan stage (clang++, -Werror) did not build: the adapters' examples and the Beast
  # adapter's test, unoptimised.
  cmake --preset clang >/dev/null
  build=build-clang
  mapfile -t targets < <(existing_targets megaport-webhooks-beast-tests \
    megaport-webhooks-example-beast megaport-webhooks-example-pistache \
    megaport-webhooks-example-restinio megaport-webhooks-example-civetweb)
  [ "${#targets[@]}" -eq 0 ] || cmake --build build-clang --target "${targets[@]}" -j "$jobs"
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
