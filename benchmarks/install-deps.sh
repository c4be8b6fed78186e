#!/usr/bin/env bash
# Installs, with apt-get, the Debian 12 packages that the benchmark suite needs beyond the
# project's own (scripts/install-deps.sh): Google Benchmark, nlohmann::json and RapidJSON for the
# C++ benchmarks, wrk and Node.js for the HTTP comparison. The build and the tests never need
# them. Does nothing when all of them are present.
set -euo pipefail

bash "$(dirname "$0")/../scripts/install-deps.sh"

packages=(libbenchmark-dev nlohmann-json3-dev rapidjson-dev wrk nodejs linux-perf)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# A Node.js from another source than Debian counts if it runs.
if command -v node >/dev/null 2>&1; then
  kept=()
  for p in "${missing[@]}"; do [ "$p" = nodejs ] || kept+=("$p"); done
  missing=("${kept[@]}")
fi

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

echo "installing: ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
