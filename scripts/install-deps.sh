#!/usr/bin/env bash
# Installs everything zkmigrate needs to build, test and demo on Debian 12.
# Safe to run again; uses sudo when not root.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
PKGS=(
  build-essential cmake g++ pkg-config git clang-format
  libpoco-dev libssl-dev rapidjson-dev zlib1g-dev libsnappy-dev libgtest-dev
  zookeeper default-jre-headless python3 python3-kazoo
  openssl procps iproute2 file
  ansible-core ansible-lint libzookeeper-mt-dev yamllint
  clang libclang-rt-14-dev llvm
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Debian's zookeeper package may start a system service on 2181; tests use their
# own loopback addresses, but stop it so nothing else answers there.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet zookeeper 2>/dev/null; then
  $SUDO systemctl stop zookeeper || true
fi
