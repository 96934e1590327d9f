#!/usr/bin/env bash
# Builds zk_snapshot, then runs the demo: a real 3-node ZooKeeper source ensemble on loopback
# (127.0.0.111-113) with data written after its last snapshot is stopped, consolidated into one
# snapshot, and loaded by a new 3-node ensemble (127.0.0.121-123) that is compared znode by znode.
# Exit 0 only if the target holds exactly the source's tree. Every ZooKeeper it starts is stopped;
# the work dir is under /tmp (kept only on failure or with --keep).
#   scripts/demo.sh [--keep] [--work DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
exec /usr/bin/python3 tests/integration/demo.py "$@"
