#!/usr/bin/env bash
# Configures and builds zk_snapshot and the unit tests in ./build (2 jobs: the
# machines here have 2 cores). The binary is also copied to plugins/modules/.
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache, when the machine has it, shares objects between checkouts (worktrees).
launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
cmake --build build -j "${ZKM_JOBS:-2}"
# collections/ansible_collections/zkmigrate/zookeeper (a committed relative link to
# this checkout, restored here if missing) lets ./ansible.cfg resolve
# zkmigrate.zookeeper.* (CMake installs the module into plugins/modules/).
mkdir -p collections/ansible_collections/zkmigrate
if [ ! -L collections/ansible_collections/zkmigrate/zookeeper ]; then
  ln -s ../../.. collections/ansible_collections/zkmigrate/zookeeper
fi
