#!/usr/bin/env bash
# Builds zk_snapshot, then runs the demo: two real 3-node ZooKeeper ensembles on loopback
# (source 127.0.0.111-113 with sample data, some written after its last snapshot; target
# 127.0.0.121-123 holding data of its own), `ansible-playbook playbooks/migrate.yml` moves the
# source's data to the target, and the report is printed; then every znode is compared.
# Exit 0 only if the playbook succeeded and the target holds exactly the source's tree. Every
# ZooKeeper it starts is stopped; the work dir is under /tmp (kept only on failure or with --keep).
#   scripts/demo.sh [--keep] [--work DIR]
# The earlier CLI-only demo (consolidate + a fresh ensemble) is tests/integration/demo.py.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
exec /usr/bin/python3 tests/integration/demo_migrate.py "$@"
