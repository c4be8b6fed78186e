#!/usr/bin/env bash
# Installs, with apt-get, the Debian 12 packages that the build, the tests and the demo need and
# that this machine lacks. Does nothing when all of them are present.
set -euo pipefail

packages=(
  cmake g++ clang make pkg-config python3
  libsimdjson-dev catch2 libcpp-httplib-dev libcli11-dev libssl-dev
  libsqlite3-dev sqlite3 libhiredis-dev redis-server openssl
  clang-14 clang-tidy-14 clang-format-14 libclang-rt-14-dev
  libboost-dev libpistache-dev librestinio-dev libasio-dev libcivetweb-dev
  nodejs
)
# npm only where the npm command is missing: a Node.js that bundles it conflicts with Debian's npm.
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

echo "installing: ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
