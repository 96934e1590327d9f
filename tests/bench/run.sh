#!/usr/bin/env bash
# zkmigrate benchmark: zk_snapshot against ZooKeeper's own tools, measured in the same run.
#
#   tests/bench/run.sh            full run: 1,000,000 znodes (~575 MB snapshot), 3 repeats
#   tests/bench/run.sh --quick    20,000 znodes (unless ZKM_BENCH_ZNODES is set)
#
# Prerequisites (Debian 12): everything scripts/install-deps.sh installs (build tools and
# libraries, zookeeper, default-jre-headless, python3-kazoo, openssl) plus GNU `time`
# (/usr/bin/time, Debian package "time"), which this script installs with apt when missing.
# See tests/bench/README.md for the parameters (ZKM_BENCH_*), what is measured and the targets.
set -euo pipefail
cd "$(dirname "$0")/../.."

for arg in "$@"; do
  case "$arg" in
    --quick) export ZKM_BENCH_ZNODES="${ZKM_BENCH_ZNODES:-20000}" ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
  esac
done

# --- prerequisites
if ! /usr/bin/time -f '%e %M' true >/dev/null 2>&1; then
  echo "GNU time (/usr/bin/time) is missing: installing the Debian package 'time'" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends time
fi
missing=()
command -v java >/dev/null || missing+=("java (default-jre-headless)")
[ -f /usr/share/java/zookeeper.jar ] || missing+=("/usr/share/java/zookeeper.jar (zookeeper)")
command -v openssl >/dev/null || missing+=("openssl")
/usr/bin/python3 -c 'import kazoo' 2>/dev/null || missing+=("kazoo for /usr/bin/python3 (python3-kazoo)")
if [ "${#missing[@]}" -gt 0 ]; then
  echo "missing prerequisites: ${missing[*]} (run scripts/install-deps.sh)" >&2
  exit 2
fi

# --- zk_snapshot (built unless ZKM_BIN points at a binary or ZKM_BENCH_SKIP_BUILD=1)
if [ -z "${ZKM_BIN:-}" ] && [ "${ZKM_BENCH_SKIP_BUILD:-0}" != "1" ]; then
  scripts/build.sh >&2
fi
export ZKM_BIN="${ZKM_BIN:-$PWD/build/zk_snapshot}"
[ -x "$ZKM_BIN" ] || { echo "no zk_snapshot binary at $ZKM_BIN" >&2; exit 2; }

mkdir -p tests/bench/work
exec /usr/bin/python3 tests/bench/bench.py
