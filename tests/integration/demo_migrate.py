#!/usr/bin/python3
"""The demo of scripts/demo.sh: migrate one real 3-node ZooKeeper ensemble to another with
playbooks/migrate.yml and print the report.

    /usr/bin/python3 tests/integration/demo_migrate.py [--keep] [--work DIR]

1. starts a source ensemble (127.0.0.111-113) and a target ensemble (127.0.0.121-123, which
   holds data of its own) with Debian's ZooKeeper, each node controlled by a small script
   (node<i>/zkctl.sh start|stop) that the inventory names as zk_start_command/zk_stop_command;
2. writes sample data to the source through kazoo (ACLs, sequential nodes, a multi, an ephemeral
   of an open session, a 300 KB znode, non-ASCII paths), some of it after the last snapshot;
3. writes the inventory and runs `ansible-playbook -i <inventory> playbooks/migrate.yml`
   (its output streams to the terminal);
4. prints the JSON report and compares every znode of source and target through kazoo.

Exit 0 only when the playbook succeeded and the trees are equal. Every ZooKeeper it started is
stopped at the end; the work dir is under /tmp, kept only on failure or with --keep.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
from common import compare_source_target, log, stop_client, summarize_diffs, walk, wait_same_zxid  # noqa: E402
from scripted import REPO, ScriptedEnsemble, write_inventory  # noqa: E402
from kazoo.security import ACL, Id, Permissions, make_digest_acl  # noqa: E402


def sample_data(ens, zk, held):
    zk.create("/app", b"config v1")
    zk.create("/app/db", b"postgres://db:5432/app", acl=[make_digest_acl("app", "secret", all=True),
                                                          ACL(Permissions.READ, Id("world", "anyone"))])
    zk.create("/app/ip-only", b"ops", acl=[ACL(Permissions.ALL, Id("ip", "127.0.0.1"))])
    zk.create("/app/big", bytes(range(256)) * 1200)           # 300 KB
    zk.create("/jobs", b"")
    for _ in range(20):
        zk.create("/jobs/job-", b"queued", sequence=True)
    zk.create("/ünïcode", "grüße".encode())
    zk.create("/ünïcode/日本", "データ".encode())
    zk.create("/members", b"")
    held.create("/members/worker-1", b"alive", ephemeral=True)
    t = zk.transaction()
    t.create("/app/feature-flags", b"{}")
    t.set_data("/app", b"config v2")
    t.commit()
    zk.delete("/jobs/job-0000000003")
    # enough writes for every node to snapshot, then a few that live only in the txn logs
    zk.create("/filler", b"")
    for k in range(120):
        zk.set("/filler", b"%d" % k)
    for k in range(8):
        zk.create("/after-snapshot-%d" % k, b"only in the txn log")
    zk.set_acls("/app/feature-flags", [ACL(Permissions.READ, Id("world", "anyone"))])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep", action="store_true", help="keep the work dir")
    ap.add_argument("--work", help="work dir (default: a new one under /tmp)")
    args = ap.parse_args()
    common.quiet_kazoo()
    work = args.work or tempfile.mkdtemp(prefix="zkm-demo-")
    os.makedirs(work, exist_ok=True)
    ok = False
    src = dst = None
    clients = []
    try:
        log("== 1. two 3-node ZooKeeper ensembles on loopback (work dir %s)" % work)
        src = ScriptedEnsemble(os.path.join(work, "source"), size=3, first_ip=111, snap_count=100,
                               jvm_flags=common.COMMON_FLAGS, heap="128m", extra_cfg=common.SOURCE_EXTRA_CFG)
        dst = ScriptedEnsemble(os.path.join(work, "target"), size=3, first_ip=121, split_log_dir=True,
                               jvm_flags=common.COMMON_FLAGS, heap="128m")
        src.start()
        dst.start()
        log("   source %s: %s" % (src.connection_string(), src.wait_serving(90)))
        log("   target %s: %s" % (dst.connection_string(), dst.wait_serving(90)))
        zk = dst.client()
        zk.create("/old-target-data", b"replaced by the migration (kept in a backup)")
        stop_client(zk)

        log("== 2. sample data on the source")
        zk = src.client()
        held = common.long_session_client(src)
        clients += [zk, held]
        sample_data(src, zk, held)
        zk.sync("/")
        wait_same_zxid(src)
        tree = walk(zk)
        log("   %d znodes, last zxid 0x%x" % (len(tree), src.zxid(src.leader())))

        log("== 3. ansible-playbook playbooks/migrate.yml")
        inv = write_inventory(os.path.join(work, "inventory.yml"),
                              [("zk_source", src, "source"), ("zk_target", dst, "target")])
        report_path = os.path.join(work, "zkmigrate-report.jsonl")
        ev = {"zk_work_dir": os.path.join(work, "remote"), "zk_controller_dir": os.path.join(work, "controller"),
              "zk_report_file": report_path, "zk_start_delay": 1}
        cmd = ["ansible-playbook", "-i", inv, "playbooks/migrate.yml", "-e", json.dumps(ev)]
        log("   $ cd %s && %s '%s'" % (REPO, " ".join(cmd[:-1]), cmd[-1]))
        env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"))
        t0 = time.time()
        rc = subprocess.run(cmd, cwd=REPO, env=env).returncode
        log("   ansible-playbook exited %d after %.1fs" % (rc, time.time() - t0))
        for c in clients:
            stop_client(c)             # the source is stopped: no closeSession reaches it
        clients = []

        log("== 4. the report (%s, rendered beside it as .md and .html)" % report_path)
        with open(report_path[:-len(".jsonl")] + ".md") as f:
            print(f.read(), flush=True)
        if rc != 0:
            raise SystemExit("the migration failed")
        zk = dst.client()
        try:
            zk.sync("/")
            after = walk(zk)
        finally:
            stop_client(zk)
        diffs = compare_source_target(tree, after)
        log("   source vs target, every znode (data, ACL, every stat field): %s" % summarize_diffs(diffs))
        ok = not diffs
    finally:
        for c in clients:
            stop_client(c)
        for e in (src, dst):
            if e is not None:
                e.stop()
        if ok and not args.keep and not args.work:
            shutil.rmtree(work, ignore_errors=True)
        else:
            log("work dir kept: %s" % work)
    log("DEMO %s" % ("OK: the target holds exactly the source's tree" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
