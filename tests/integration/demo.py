#!/usr/bin/python3
"""zkmigrate demo: migrate a live-looking 3-node ZooKeeper ensemble to a new one through its files.

    /usr/bin/python3 tests/integration/demo.py [--keep] [--work DIR]

1. starts a SOURCE ensemble (127.0.0.111-113, split dataDir/dataLogDir, snapCount=100) and writes
   sample data, a good part of it after the last snapshot; one client keeps an ephemeral lock;
2. stops it (followers first, then the leader) and picks the node ZooKeeper would elect;
3. shows `zk_snapshot inspect` of that node and what copying only its newest snapshot.* would lose;
4. `zk_snapshot consolidate` -> ONE snapshot file;
5. starts a TARGET ensemble (127.0.0.121-123) with that file on all three nodes (no logs, no epoch
   files), waits for a quorum, walks it through every node and compares every znode with the source.

Exit 0 only if the target equals the source.  Every JVM is stopped at the end; the work dir (under
/tmp unless --work) is removed unless --keep.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
from common import (Ensemble, cli_ok, compare_source_target, fresh_server, list_files, log,  # noqa: E402
                    run_cli, snap_dir, stop_client, walk, walk_via, wait_same_zxid)
from kazoo.security import make_digest_acl  # noqa: E402

SOURCE_IP, TARGET_IP = 111, 121


def banner(title):
    log("")
    log("=" * 78)
    log("  " + title)
    log("=" * 78)


def indent(text, n=4):
    return "\n".join(" " * n + line for line in text.rstrip().splitlines())


def demo_workload(ens, zk, lock_client, leader):
    """An application-like tree; returns the number of writes after the leader's last snapshot."""
    zk.create("/demo", b"zkmigrate demo")
    zk.create("/demo/config", b"")
    zk.create("/demo/config/db.url", b"postgres://db.internal:5432/app")
    zk.create("/demo/config/feature-flags", b'{"new-checkout": false, "dark-mode": true}')
    zk.create("/demo/config/empty", b"")
    zk.create("/demo/secrets", b"", acl=[make_digest_acl("ops", "s3cret", all=True)])
    zk.create("/demo/secrets/api-key", b"k-123", acl=[make_digest_acl("ops", "s3cret", all=True)])
    zk.create("/demo/services", b"")
    for svc in ("api", "web", "worker"):
        zk.create("/demo/services/%s" % svc, b"")
        for k in range(8):
            zk.create("/demo/services/%s/instance-" % svc, b"10.0.0.%d:8080" % k, sequence=True)
    zk.create("/demo/counters", b"")
    zk.create("/demo/counters/orders", b"0")
    for n in range(1, 31):
        zk.set("/demo/counters/orders", b"%d" % n)
    zk.create("/demo/locks", b"")
    lock_client.create("/demo/locks/leader-election-", b"worker-1", ephemeral=True, sequence=True)
    # wait for the leader to snapshot, then keep writing: all this lives only in log.* files
    zk.create("/demo/filler", b"")
    common._filler_until_snapshot(ens, zk, leader, "/demo/filler")
    zk.set("/demo/config/feature-flags", b'{"new-checkout": true, "dark-mode": true}')
    zk.create("/demo/services/billing", b"added after the snapshot")
    for k in range(4):
        zk.create("/demo/services/billing/instance-", b"10.0.1.%d:8080" % k, sequence=True)
    for c in sorted(zk.get_children("/demo/services/web"))[:3]:
        zk.delete("/demo/services/web/" + c)
    t = zk.transaction()
    t.create("/demo/config/migrated-at", str(time.time()).encode())
    t.set_data("/demo/config/db.url", b"postgres://db2.internal:5432/app")
    t.commit()
    for n in range(31, 41):
        zk.set("/demo/counters/orders", b"%d" % n)
    gaps, _ = common._writes_after_every_snapshot(ens, zk, 10, "/demo/audit-entry")
    return gaps


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keep", action="store_true", help="keep the work dir")
    ap.add_argument("--work", help="work dir (default: a new one under /tmp)")
    args = ap.parse_args()
    common.quiet_kazoo()
    if not common.ensure_binary():
        log("zk_snapshot (%s) is missing or not built: run scripts/build.sh" % common.ZK_SNAPSHOT)
        return 1
    if args.work:
        work = os.path.abspath(args.work)
        if os.path.exists(work):
            shutil.rmtree(work)
        os.makedirs(work)
    else:
        work = tempfile.mkdtemp(prefix="zkmigrate-demo-")
    t_start = time.time()
    ok = False
    try:
        ok = run_demo(work)
    finally:
        common.zkharness._stop_all_live()
        if args.keep or not ok:
            log("work dir kept: %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    log("demo %s in %.1fs" % ("PASSED" if ok else "FAILED", time.time() - t_start))
    return 0 if ok else 1


def run_demo(work):
    t0 = time.time()
    banner("1. SOURCE: a 3-node ZooKeeper %s ensemble on 127.0.0.%d-%d"
           % (common.zkharness.zk_version(), SOURCE_IP, SOURCE_IP + 2))
    src = Ensemble(os.path.join(work, "source"), size=3, first_ip=SOURCE_IP, split_log_dir=True,
                   snap_count=100, jvm_flags=common.COMMON_FLAGS, heap=common.HEAP,
                   extra_cfg=common.SOURCE_EXTRA_CFG)
    zk = lock = None
    try:
        src.start()
        modes = src.wait_serving(90)
        log("  serving: %s" % ", ".join("node%d %s" % (i, m) for i, m in sorted(modes.items())))
        zk = src.client()
        lock = common.long_session_client(src)
        gaps = demo_workload(src, zk, lock, src.leader())
        zk.sync("/")
        last = wait_same_zxid(src)
        source_tree = walk(zk)
        log("  wrote sample data: %d znodes, last zxid 0x%x; txns after each node's newest snapshot: %s"
            % (len(source_tree), last, ", ".join("node%d %d" % kv for kv in sorted(gaps.items()))))
        log("  a client holds the ephemeral lock %s (its session stays open during the stop)"
            % [p for p, e in source_tree.items() if e["ephemeralOwner"] == lock.client_id[0]])
        leader, _ = common.stop_ensemble_followers_first(src)
        log("  stopped the followers, then the leader (node%d)" % leader)
    finally:
        src.stop()
        stop_client(zk)
        stop_client(lock)
    for i in src.ids:
        s = list_files(snap_dir(src, i), "snapshot")
        log("  node%d: newest snapshot.%x, %d txns after it exist only in log.* files"
            % (i, s[-1][0], last - s[-1][0]))

    banner("2. Which node? zk_snapshot inspect on every node's zoo.cfg")
    chosen, results, keys = common.choose_source_node(src)
    for i in src.ids:
        log("  node%d: currentEpoch %s, last zxid 0x%x%s" % (i, keys[i][0], keys[i][1],
                                                             "   <- chosen" if i == chosen else ""))
    cfg = src.node_conf_path(chosen)
    r = run_cli("inspect", cfg)
    cli_ok(r, "inspect")
    log("\n  $ zk_snapshot inspect %s" % cfg)
    log(indent(r.stdout))

    banner("3. What the usual recipe (copy the newest snapshot.* only) would lose")
    name = list_files(snap_dir(src, chosen), "snapshot")[-1][1]
    naive = os.path.join(snap_dir(src, chosen), name)
    r = run_cli("diff", naive, cfg, "--json", "--limit", "100000")
    d = (r.json or {}).get("diff") or {}
    if r.json is None or r.rc not in (0, 1):
        log(r.describe())
        return False
    kinds = {}
    for e in d.get("differences", []):
        kinds.setdefault(e["kind"], set()).add(e["path"])
    changed = set().union(*[v for k, v in kinds.items() if k not in ("only_in_a", "only_in_b")] or [set()])
    log("  %s alone (zxid 0x%x) vs the replayed data dir (zxid 0x%x):" % (name, int(name.split(".")[1], 16), last))
    log("    %d znodes missing (created after the snapshot), e.g. %s"
        % (len(kinds.get("only_in_b", ())), sorted(kinds.get("only_in_b", ()))[:3]))
    log("    %d znodes that should be gone (deleted after it)" % len(kinds.get("only_in_a", ())))
    log("    %d znodes with stale data, ACL or stat, e.g. %s" % (len(changed), sorted(changed)[:3]))

    banner("4. zk_snapshot consolidate: newest valid snapshot + every log -> ONE snapshot")
    out = os.path.join(work, "consolidated")
    os.makedirs(out)
    r = run_cli("consolidate", "--config", cfg, "--out", out)
    log("  $ zk_snapshot consolidate --config %s --out %s" % (cfg, out))
    log(indent(r.stdout + r.stderr))
    if r.rc != 0:
        return False
    files = os.listdir(out)
    if len(files) != 1:
        log("  expected exactly one file in %s, found %s" % (out, files))
        return False
    snapshot = os.path.join(out, files[0])

    banner("5. TARGET: a new 3-node ensemble on 127.0.0.%d-%d with only %s on every node"
           % (TARGET_IP, TARGET_IP + 2, files[0]))
    t1 = time.time()
    with fresh_server(os.path.join(work, "target"), snapshot, size=3, first_ip=TARGET_IP, timeout=120) as tg:
        modes = tg.wait_serving(60)
        log("  quorum in %.1fs: %s" % (time.time() - t1, ", ".join("node%d %s" % kv for kv in sorted(modes.items()))))
        total = 0
        all_diffs = []
        for i in tg.ids:
            tree = walk_via(tg, i)
            diffs = compare_source_target(source_tree, tree)
            total += len(tree)
            all_diffs += ["node%d %s" % (i, x) for x in diffs]
            log("  walked via node%d (%s): %d znodes, %d differences" % (i, modes[i], len(tree), len(diffs)))
        target_zxid = {i: tg.zxid(i) for i in tg.ids}

    banner("REPORT")
    log("  znodes compared:      %d per node x 3 nodes (every znode's data, ACL and stat;"
        " /zookeeper/config excluded)" % len(source_tree))
    log("  differences:          %d" % len(all_diffs))
    for x in all_diffs[:10]:
        log("      " + x)
    log("  source last zxid:     0x%x (epoch %d)" % (last, last >> 32))
    log("  target zxid:          %s" % ", ".join("node%d 0x%x" % kv for kv in sorted(target_zxid.items())))
    log("  time:                 %.1fs (target quorum + verification %.1fs)" % (time.time() - t0, time.time() - t1))
    return not all_diffs


if __name__ == "__main__":
    sys.exit(main())
