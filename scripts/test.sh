#!/usr/bin/env bash
# Runs every test: the unit tests (GoogleTest through CTest), ansible-lint on the
# roles and playbooks, and the integration tests against real ZooKeeper ensembles
# on loopback. Ends with one line "total: N passed, M failed" over all of them.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh || exit 1
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
passed=0
failed=0
status=0

# Adds the counts of ctest's summary line in $1 to the totals (no summary: one failure).
count_ctest() {
  local line f n
  if line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$1"); then
    f=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$line")
    n=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/' <<<"$line")
    passed=$((passed + n - f))
    failed=$((failed + f))
  else
    failed=$((failed + 1))
  fi
}

echo "== unit tests"
(cd build && ctest --output-on-failure -j 2) | tee "$log/ctest.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
count_ctest "$log/ctest.txt"

# The same unit tests built with ASan+UBSan (clang, -O1) in build-asan, together with the
# libFuzzer targets (docs/FUZZING.md). UBSan's one suppression is Debian's RapidJSON
# (tests/sanitize/ubsan.supp); any other finding fails its test.
echo "== unit tests under ASan+UBSan (build-asan)"
export UBSAN_OPTIONS="suppressions=$PWD/tests/sanitize/ubsan.supp:print_stacktrace=1:halt_on_error=1"
export ASAN_OPTIONS="detect_leaks=1"
if scripts/build-asan.sh >"$log/asan-build.txt" 2>&1; then
  (cd build-asan && ctest --output-on-failure -j 2) | tee "$log/ctest-asan.txt"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  count_ctest "$log/ctest-asan.txt"
else
  tail -n 40 "$log/asan-build.txt"
  failed=$((failed + 1)); status=1
fi

echo "== fuzz targets: regression inputs and a short run each (tests/fuzz/run.sh)"
tests/fuzz/run.sh build-asan "${ZKM_FUZZ_SECONDS:-20}" 2>&1 | tee "$log/fuzz.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
if line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log/fuzz.txt" | tail -n 1); then
  passed=$((passed + $(cut -d' ' -f1 <<<"$line")))
  failed=$((failed + $(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")))
else
  failed=$((failed + 1))
fi
unset UBSAN_OPTIONS ASAN_OPTIONS

echo "== clang-format (module_src, tests/unit, tests/fuzz)"
if clang-format --dry-run --Werror $(git ls-files "module_src/*.h" "module_src/*.cc" "tests/unit/*.cc" "tests/unit/*.h" "tests/fuzz/*.cc"); then
  passed=$((passed + 1))
else
  failed=$((failed + 1)); status=1
fi

echo "== fleet variables (tests/arch/check_vars.py)"
if /usr/bin/python3 tests/arch/check_vars.py; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi

echo "== layers (tests/arch/check_layers.py)"
if /usr/bin/python3 tests/arch/check_layers.py; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi

echo "== doc citations (tests/arch/check_doc_refs.py)"
if /usr/bin/python3 tests/arch/check_doc_refs.py; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi

echo "== ansible-lint (roles and playbooks)"
if ansible-lint --offline -q roles playbooks; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi

echo "== integration tests"
for t in tests/integration/test_*.py; do
  [ -e "$t" ] || continue
  echo "-- $t"
  /usr/bin/python3 "$t" 2>&1 | tee "$log/it.txt"
  rc=${PIPESTATUS[0]}
  [ "$rc" -eq 0 ] || status=1
  if line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log/it.txt" | tail -n 1); then
    passed=$((passed + $(cut -d' ' -f1 <<<"$line")))
    f=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
    failed=$((failed + f))
    [ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || failed=$((failed + 1))
  else
    failed=$((failed + 1))  # the script died before its summary
  fi
done
echo "total: $passed passed, $failed failed"
exit $status
