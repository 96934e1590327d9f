#!/usr/bin/env bash
# Runs the libFuzzer targets built into BUILD_DIR (cmake -DZKM_FUZZ=ON, see
# docs/FUZZING.md), for each target:
#   1. every kept regression input in tests/fuzz/regress/<target>/ once (a crash fails);
#   2. a short fuzzing run of SECONDS from the seed corpus (tests/fixtures files, and
#      tests/fuzz/seeds/<target>/); a crash, leak, timeout or out-of-memory fails, and
#      the input is copied into tests/fuzz/regress/<target>/ to be committed.
# Ends with "N passed, M failed" (one check per regression input, one per run).
#
#   tests/fuzz/run.sh [BUILD_DIR [SECONDS]]        (defaults: build-asan 20)
#   ZKM_FUZZ_TARGETS="txnlog replay" tests/fuzz/run.sh   (a subset)
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
build=${1:-build-asan}
seconds=${2:-20}
targets=${ZKM_FUZZ_TARGETS:-zoo_cfg snapshot txnlog replay manifest module_args}
fixtures=$root/tests/fixtures
export UBSAN_OPTIONS="suppressions=$root/tests/sanitize/ubsan.supp:print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"

work=$(mktemp -d /tmp/zkm-fuzz-XXXXXX)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

# A log without its preallocated zero padding (kept: 16 zero bytes), so that seeds
# are the records and not 64 KiB of zeros.
trim_log() {
  /usr/bin/python3 -c 'import sys; d = open(sys.argv[1], "rb").read().rstrip(b"\0"); sys.stdout.buffer.write(d + b"\0" * 16)' "$1"
}

# Fills $1 with the seed inputs of target $2.
seeds() {
  local dir=$1 target=$2 f n i
  mkdir -p "$dir"
  case $target in
    zoo_cfg)
      n=0
      for f in $(find "$fixtures" -name zoo.cfg | sort); do cp "$f" "$dir/cfg$((n++))"; done
      # a dynamic file after the NUL byte (see zoo_cfg_fuzz.cc)
      { printf 'dataDir=/var/lib/zk\nclientPort=2181\ndynamicConfigFile=zoo.cfg.dynamic.100000000\n\0'
        printf 'server.1=10.0.0.1:2888:3888:participant;2181\nserver.2=[::1]:2888:3888:observer;0.0.0.0:2181\n'
      } >"$dir/dynamic"
      ;;
    snapshot)
      for f in $(find "$fixtures" -name 'snapshot.*' -size -64k | sort); do
        cp "$f" "$dir/$(basename "$(dirname "$(dirname "$(dirname "$f")")")")-$(basename "$f")"
      done
      ;;
    txnlog)
      for f in $(find "$fixtures" -name 'log.*' | sort); do
        trim_log "$f" >"$dir/$(basename "$(dirname "$(dirname "$(dirname "$f")")")")-$(basename "$f")"
      done
      ;;
    replay)
      # byte 0 picks the snapshot (the order of the list in replay_fuzz.cc), the rest is a log
      # of the same fixture
      i=0
      for base in standalone-plain/data standalone-plain/data standalone-plain/data \
                  standalone-plain/data standalone-nodigest/data fuzzy-digest/datalog; do
        for f in "$fixtures/$base"/version-2/log.*; do
          { printf "\\x$(printf %02x $i)"; trim_log "$f"; } >"$dir/s$i-$(basename "$f")"
        done
        i=$((i + 1))
      done
      ;;
    manifest | module_args)
      cp "$root/tests/fuzz/seeds/$target"/* "$dir/"
      ;;
  esac
}

for t in $targets; do
  bin=$build/${t}_fuzz
  echo "-- $t"
  if [ ! -x "$bin" ]; then
    echo "FAIL $t: $bin is not built (cmake -DZKM_FUZZ=ON)"
    failed=$((failed + 1))
    continue
  fi
  regress=$root/tests/fuzz/regress/$t
  if [ -d "$regress" ]; then
    for f in "$regress"/*; do
      [ -f "$f" ] || continue
      if "$bin" -rss_limit_mb=2048 -timeout=30 "$f" >"$work/$t-regress.log" 2>&1; then
        passed=$((passed + 1))
      else
        echo "FAIL $t: regression input $f"
        tail -n 40 "$work/$t-regress.log"
        failed=$((failed + 1))
      fi
    done
  fi
  seeds "$work/$t-seeds" "$t"
  mkdir -p "$work/$t-corpus" "$work/$t-artifacts"
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$work/$t-artifacts/" \
    "$work/$t-corpus" "$work/$t-seeds" >"$work/$t.log" 2>&1
  rc=$?
  stats=$(grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)' "$work/$t.log" | tr '\n' ' ')
  cov=$(grep -E '^#[0-9]+.*(DONE|cov:)' "$work/$t.log" | tail -n 1)
  echo "   $cov"
  echo "   $stats"
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1))
  else
    echo "FAIL $t: the fuzzer stopped with $rc"
    grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$work/$t.log" | head -n 20
    tail -n 60 "$work/$t.log"
    mkdir -p "$regress"
    for a in "$work/$t-artifacts"/*; do
      [ -f "$a" ] || continue
      cp "$a" "$regress/"
      echo "   kept $regress/$(basename "$a") (commit it with the fix)"
    done
    failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
