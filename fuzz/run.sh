#!/usr/bin/env bash
# Builds the libFuzzer harnesses with the `fuzz` preset and runs each for SECONDS seconds
# (default 30), one after the other, starting from the seeds made from the delivery fixtures and
# the saved regressions. The corpus grows in build-fuzz/corpus/NAME; an input that breaks a
# harness is saved in build-fuzz/artifacts/ and ends the run with a failure: copy it into
# fuzz/regressions/NAME/ so that the replay tests keep it fixed.
#
#   fuzz/run.sh [SECONDS] [NAME...]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-30}"
shift || true

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j 2 >/dev/null

out=build-fuzz
python3 fuzz/make_seeds.py --fixtures tests/fixtures/deliveries --out "$out/seeds" >/dev/null
mkdir -p "$out/artifacts"

names=("$@")
if [ "${#names[@]}" -eq 0 ]; then
  for binary in "$out"/bin/fuzz-*; do names+=("${binary##*/fuzz-}"); done
fi

# Bodies a little over the receiver fuzzer's 4 KiB limit, so that 413 is reached too.
declare -A max_len=([body]=8192 [receiver]=8192 [headers]=256 [signature]=4096)

status=0
for name in "${names[@]}"; do
  mkdir -p "$out/corpus/$name"
  echo "== fuzz-$name for ${seconds}s"
  if ! ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 \
      UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      "$out/bin/fuzz-$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len="${max_len[$name]:-4096}" -print_final_stats=1 \
      -artifact_prefix="$out/artifacts/$name-" \
      "$out/corpus/$name" "$out/seeds/$name" "fuzz/regressions/$name" \
      > "$out/fuzz-$name.log" 2>&1; then
    echo "fuzz-$name FAILED: see $out/fuzz-$name.log and $out/artifacts/"
    tail -40 "$out/fuzz-$name.log"
    status=1
  fi
  grep -E "stat::number_of_executed_units|cov: " "$out/fuzz-$name.log" | tail -2 || true
done
exit "$status"
