#!/usr/bin/env bash
# Runs every test: the unit tests (GoogleTest through CTest) and the integration
# tests against real ZooKeeper ensembles on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
echo "== unit tests"
(cd build && ctest --output-on-failure -j 2)
echo "== integration tests"
status=0
for t in tests/integration/test_*.py; do
  [ -e "$t" ] || continue
  echo "-- $t"
  if ! /usr/bin/python3 "$t"; then status=1; fi
done
exit $status
