#!/usr/bin/env bash
# Configures and builds the ASan+UBSan unit tests and the libFuzzer targets in
# ./build-asan with Debian's clang (-O1 -g, assertions on). The module binary built
# here is not shipped (ZKM_SHIPPED_BINARY points inside build-asan). See docs/FUZZING.md.
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
# ZKM_WERROR stays on in ./build (g++); clang's extra warnings are not made errors here.
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DZKM_WERROR=OFF -DZKM_SANITIZE=ON -DZKM_FUZZ=ON \
  -DZKM_SHIPPED_BINARY="$PWD/build-asan/shipped/zk_snapshot" "${launcher[@]}" >/dev/null
cmake --build build-asan -j "${ZKM_JOBS:-2}"
