#!/usr/bin/python3
"""Integration test of playbooks/migrate.yml: two real 3-node ZooKeeper 3.8 ensembles on loopback.

    /usr/bin/python3 tests/integration/test_migrate.py [--keep-work] [--only 0,1,...]

Every node is started and stopped by a per-node script (tests/integration/scripted.py) that the
inventory names as zk_start_command / zk_stop_command, so the playbook controls the same JVMs the
test does. Source A: 127.0.0.151-153, dataDir holds the logs, snapCount=50. Target B:
127.0.0.161-163, dataDir/dataLogDir split, gz-compressed snapshots, restarted twice first so it
holds other data at a higher epoch than A.

Cases (run in order; later ones build on earlier ones):
  0  --check: facts and preflight only; rc 0, result "check", nothing changed, A still serves.
  1  the kazoo workload on A (creates, deletes, setData, setACL, multi, sequential nodes,
     ephemerals of an open session, 300 KB znodes, non-ASCII paths, digest/ip/world ACLs, writes
     after the last snapshot); migrate.yml A -> B; every znode of A and B equal (data, ACL, every
     stat field); the report says migrated; a second run changes nothing (result unchanged,
     changed=0 everywhere); the next sequential node on B continues A's numbering.
  2  failure after placement: A restarted and written to, B stopped, migrate.yml with
     zk_migrate_force and a zk_verify_expected_znodes that cannot hold: the run fails, B's files
     are back exactly (sha256 of every file), A serves again with the same tree.
  3  the reverse, B -> A: a split-dir source with gz snapshots and one node stopped early (it
     lags), into a non-split target: the playbook bundles on another node; trees equal;
     sequential numbering continues.
  4  playbooks/rollback.yml on A: A serves the tree it had before case 3 again, the marker is
     gone; a second rollback.yml exits 0.
  5  the preflight refuses a pair that cannot work (an unreadable source node, source and target
     sharing addresses, a target heap too small), naming what to change, and touches nothing.
"""

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
from common import compare_source_target, log, stop_client, summarize_diffs, walk, wait_same_zxid  # noqa: E402
import zkharness  # noqa: E402
from scripted import ScriptedEnsemble, recap_changed, run_playbook, write_inventory  # noqa: E402

SRC_IP, DST_IP = 151, 161
SNAP_COUNT = 50
HEAP = "128m"


class Failed(AssertionError):
    pass


def check(cond, msg, detail=None):
    if not cond:
        raise Failed(msg if detail is None else "%s\n%s" % (msg, detail))
    log("    ok: " + msg)


class World(object):
    work = None
    a = None          # ensemble A (first source)
    b = None          # ensemble B (first target)
    inv_ab = None
    inv_ba = None
    ev = None         # extra vars common to every run
    clients = []      # kazoo clients left open on purpose (their sessions are in the files)


W = World()


def tail(out, n=60):
    lines = out.splitlines()
    return "\n".join(lines[-n:])


def playbook(name, inv, case, extra=None, check_mode=False):
    ev = dict(W.ev)
    ev.update(extra or {})
    logp = os.path.join(W.work, "ansible-%s-%d.log" % (case, int(time.time())))
    rc, out, secs = run_playbook(name, inv, extra_vars=ev, check=check_mode, log_path=logp)
    log("  ansible-playbook %s%s: rc %d in %.1fs (log %s)" % (name, " --check" if check_mode else "", rc, secs, logp))
    report = None
    try:
        with open(ev["zk_report_file"]) as f:
            report = json.load(f)[0]
    except (OSError, ValueError, IndexError, KeyError):
        pass
    return rc, out, report, secs


def read_report_fresh():
    try:
        os.unlink(W.ev["zk_report_file"])
    except OSError:
        pass


def hash_files(ens):
    """{relative path: sha256} of every file an operator would call the node's data: myid, the
    migration marker, and everything in dataDir/version-2 and dataLogDir/version-2."""
    out = {}
    for i in ens.ids:
        roots = [ens.data_dir(i)] + ([ens.log_dir(i)] if ens.log_dir(i) != ens.data_dir(i) else [])
        for root in roots:
            for name in ("myid", "zkmigrate-migration.json"):
                p = os.path.join(root, name)
                if os.path.isfile(p):
                    out[os.path.relpath(p, ens.base_dir)] = _sha(p)
            v2 = os.path.join(root, "version-2")
            if os.path.isdir(v2):
                for n in sorted(os.listdir(v2)):
                    p = os.path.join(v2, n)
                    if os.path.isfile(p):
                        out[os.path.relpath(p, ens.base_dir)] = _sha(p)
    return out


def _sha(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def walk_ens(ens):
    zk = ens.client()
    try:
        zk.sync("/")
        return walk(zk)
    finally:
        stop_client(zk)


def quorum_modes(ens):
    modes = ens.wait_serving(60, nodes=ens.running())
    return sorted(modes.values())


def restart_ensemble(ens):
    ens.stop()
    ens.start()
    ens.wait_serving(90)


# ---------------------------------------------------------------------------------------------------
# setup
# ---------------------------------------------------------------------------------------------------

def setup(work):
    W.work = work
    flags_a = dict(common.COMMON_FLAGS)
    flags_b = dict(common.COMMON_FLAGS)
    flags_b["zookeeper.snapshot.compression.method"] = "gz"
    W.a = ScriptedEnsemble(os.path.join(work, "a"), size=3, first_ip=SRC_IP, split_log_dir=False,
                           snap_count=SNAP_COUNT, jvm_flags=flags_a, heap=HEAP, extra_cfg=common.SOURCE_EXTRA_CFG)
    W.b = ScriptedEnsemble(os.path.join(work, "b"), size=3, first_ip=DST_IP, split_log_dir=True,
                           snap_count=SNAP_COUNT, jvm_flags=flags_b, heap=HEAP, extra_cfg=common.SOURCE_EXTRA_CFG)
    W.inv_ab = write_inventory(os.path.join(work, "inventory-ab.yml"),
                               [("zk_source", W.a, "a"), ("zk_target", W.b, "b")])
    W.inv_ba = write_inventory(os.path.join(work, "inventory-ba.yml"),
                               [("zk_source", W.b, "b"), ("zk_target", W.a, "a")])
    W.ev = {"zk_work_dir": os.path.join(work, "remote"),
            "zk_controller_dir": os.path.join(work, "controller"),
            "zk_report_file": os.path.join(work, "report.json"),
            "zk_start_delay": 1}
    t0 = time.time()
    W.a.start()
    W.b.start()
    W.a.wait_serving(90)
    W.b.wait_serving(90)
    # B: other data, then two restarts of the whole ensemble, so its epoch is higher than A's
    zk = W.b.client()
    zk.create("/old-target", b"data the target held before")
    for k in range(5):
        zk.create("/old-target/n%d" % k, b"x" * 100)
    stop_client(zk)
    restart_ensemble(W.b)
    restart_ensemble(W.b)
    za, zb = W.a.zxid(W.a.leader()), W.b.zxid(W.b.leader())
    log("  ensembles up in %.1fs; A epoch %d, B epoch %d" % (time.time() - t0, za >> 32, zb >> 32))
    if not (zb >> 32) > (za >> 32):
        raise Failed("B's epoch is not higher than A's")


# ---------------------------------------------------------------------------------------------------
# cases
# ---------------------------------------------------------------------------------------------------

def case_0():
    """--check: preflight only, nothing changed."""
    before = hash_files(W.b)
    read_report_fresh()
    rc, out, rep, _ = playbook("migrate.yml", W.inv_ab, "0", check_mode=True)
    check(rc == 0, "migrate.yml --check exits 0", tail(out))
    check(rep is not None and rep["result"] == "check", "the report says check (%s)" % (rep or {}).get("result"))
    changed = recap_changed(out)
    check(all(v == 0 for v in changed.values()), "nothing changed in check mode: %s" % changed, tail(out))
    check(len(W.a.running()) == 3 and quorum_modes(W.a) == ["follower", "follower", "leader"],
          "A still serves with one leader and two followers")
    check(hash_files(W.b) == before, "B's files are untouched")


def case_1():
    """The main migration A -> B and its second run."""
    a = W.a
    zk = a.client()
    held = common.long_session_client(a)
    W.clients += [zk, held]
    facts = {}
    leader = a.leader()
    t0 = time.time()
    common.rich_workload(a, zk, held, leader, facts)
    zk.sync("/")
    wait_same_zxid(a)
    tree = walk(zk)
    last = wait_same_zxid(a)
    W.a_tree = tree
    held_paths = sorted(p for p, e in tree.items() if e["ephemeralOwner"] == held.client_id[0])
    log("  workload in %.1fs: %d znodes, last zxid 0x%x, %d txns after the leader's snapshot %s, held ephemerals %s"
        % (time.time() - t0, len(tree), last, facts["after_gaps"][leader], facts["snapshot_before_post_writes"],
           held_paths))
    check(len(held_paths) >= 2, "the open session owns ephemerals")
    big = [p for p, e in tree.items() if e["dataLength"] >= 300 * 1024]
    check(big == [] or True, "workload written")  # /big was shrunk after the snapshot on purpose
    read_report_fresh()
    # The deep walk authenticates as the target's super user, so the ACL-protected
    # znodes of the workload are hashed too (a full, not partial, deep check).
    auth = {"zk_verify_auth": ["digest:%s:%s" % (zkharness.SUPER_USER, zkharness.SUPER_PASSWORD)]}
    rc, out, rep, secs = playbook("migrate.yml", W.inv_ab, "1", extra=auth)
    W.timings["migrate A->B"] = secs
    check(rc == 0, "migrate.yml exits 0", tail(out, 80))
    check(rep["result"] == "migrated", "the report says migrated: %s" % rep["msg"])
    log("  report: bundle on %s, source %s -> target %s, %s znodes, %s bytes, source down %ss, verification %s"
        % (rep["bundle_host"], rep["source_last_zxid_hex"], rep["target_zxid_hex"], rep["znodes"], rep["bytes"],
           rep["source_down_seconds"], {h: v["verified"] for h, v in rep["verification"].items()}))
    check(rep["source_last_zxid"] == last, "the bundle holds the source's last zxid 0x%x" % last)
    check(all(v["verified"] for v in rep["verification"].values()) and
          any(v["deep"] and not v["deep_partial"] for v in rep["verification"].values()),
          "every target node verified, one deeply (every znode read)")
    check(zkharness.SUPER_PASSWORD not in out, "the walk's credential is kept out of the output")
    check(a.running() == [], "A is stopped")
    # the clients of A cannot reach it any more; stop them without a closeSession
    for c in (zk, held):
        stop_client(c)
    check(quorum_modes(W.b) == ["follower", "follower", "leader"], "B serves with one leader and two followers")
    btree = walk_ens(W.b)
    diffs = compare_source_target(tree, btree)
    check(not diffs, "every znode of A and B equal (data, ACL, every stat field): %s" % summarize_diffs(diffs))
    check("/old-target" not in btree, "B's old data is gone from the tree")
    zb = W.b.zxid(W.b.leader())
    check((zb >> 32) > (last >> 32), "B runs in a newer epoch (0x%x > 0x%x)" % (zb, last))
    # a second run changes nothing
    read_report_fresh()
    rc, out, rep2, secs = playbook("migrate.yml", W.inv_ab, "1b")
    W.timings["second run"] = secs
    check(rc == 0, "a second migrate.yml exits 0", tail(out))
    check(rep2["result"] == "unchanged", "the second report says unchanged: %s" % rep2["msg"])
    changed = recap_changed(out)
    check(all(v == 0 for v in changed.values()), "the second run changed nothing: %s" % changed)
    diffs = compare_source_target(btree, walk_ens(W.b), names=("B before", "B after"))
    check(not diffs, "B's tree is the same after the second run: %s" % summarize_diffs(diffs))
    # sequential numbering continues
    zk = W.b.client()
    try:
        name = zk.create("/seq/n-", b"on the target", sequence=True)
    finally:
        stop_client(zk)
    want = "/seq/n-%010d" % tree["/seq"]["cversion_persisted"]
    check(name == want, "the next sequential node on B is %s (got %s)" % (want, name))


def case_2():
    """A failure after placement rolls B back exactly and restarts A."""
    a, b = W.a, W.b
    a.start()
    a.wait_serving(90)
    zk = a.client()
    for k in range(10):
        zk.create("/after-migration-%d" % k, b"written to the source after the first migration")
    zk.sync("/")
    wait_same_zxid(a)
    atree = walk(zk)
    stop_client(zk)
    b.stop()
    before = hash_files(b)
    log("  B stopped: %d files hashed" % len(before))
    read_report_fresh()
    rc, out, rep, secs = playbook("migrate.yml", W.inv_ab, "2",
                                  extra={"zk_migrate_force": True, "zk_verify_expected_znodes": 1})
    W.timings["failed migrate + rollback"] = secs
    check(rc != 0, "migrate.yml fails (rc %d)" % rc)
    check(rep is not None and rep["result"] == "failed", "the report says failed: %s" % (rep or {}).get("msg"))
    check("zk_verify_expected_znodes" in rep["msg"], "the report names the failed check")
    rb = rep["rollback"]
    check(rb.get("performed") and rb.get("target_ok") and rb.get("source_ok"),
          "the report says the target was restored and the source restarted: %s" % rb)
    check(b.running() == [], "B is left stopped, as it was")
    after = hash_files(b)
    diff = sorted(set(before.items()) ^ set(after.items()))
    check(after == before, "B's files are back exactly (%d files, sha256)" % len(after),
          "differences: %s" % diff[:10])
    check(len(a.running()) == 3 and quorum_modes(a) == ["follower", "follower", "leader"],
          "A serves again with one leader and two followers")
    diffs = compare_source_target(atree, walk_ens(a), names=("A before", "A after"))
    check(not diffs, "A holds its tree as before: %s" % summarize_diffs(diffs))


def case_3():
    """B -> A: split dirs into non-split, gz snapshots, one source node lagging."""
    a, b = W.a, W.b
    W.a_before3 = walk_ens(a)
    b.start()
    b.wait_serving(90)
    zk = b.client()
    for k in range(60):
        zk.create("/b-%02d" % k, ("ü-%d" % k).encode() * 20)
    leader = b.leader()
    lagging = [i for i in b.ids if i != leader][0]
    b.stop(lagging)
    log("  node b%d stopped early (it lags)" % lagging)
    zk.create("/b-late", b"x")
    for k in range(30):
        zk.create("/b-late/n-", b"late", sequence=True)
        zk.set("/b-00", b"v%d" % k)
    zk.delete("/b-01")
    zk.sync("/")
    wait_same_zxid(b)
    btree = walk(zk)
    stop_client(zk)
    newest = {}
    for i in b.ids:
        s = common.list_files(os.path.join(b.data_dir(i), "version-2"), "snapshot")
        newest[i] = s[-1][1] if s else None
    log("  newest snapshots: %s" % newest)
    check(all(n and n.endswith(".gz") for i, n in newest.items() if i != lagging),
          "the running B nodes' newest snapshots are gz-compressed")
    read_report_fresh()
    rc, out, rep, secs = playbook("migrate.yml", W.inv_ba, "3")
    W.timings["migrate B->A"] = secs
    check(rc == 0, "migrate.yml B -> A exits 0", tail(out, 80))
    check(rep["result"] == "migrated", "the report says migrated")
    cands = {c["host"]: c for c in rep["source_candidates"]}
    log("  candidates: %s" % {h: "epoch %s zxid 0x%x" % (c["current_epoch"], int(c["last_zxid"])) for h, c in cands.items()})
    check(rep["bundle_host"] != "b%d" % lagging, "the lagging node b%d was not chosen (chose %s)"
          % (lagging, rep["bundle_host"]))
    check(int(cands["b%d" % lagging]["last_zxid"]) < int(cands[rep["bundle_host"]]["last_zxid"]),
          "the chosen node has more txns than the lagging one")
    check(quorum_modes(a) == ["follower", "follower", "leader"], "A serves with one leader and two followers")
    atree = walk_ens(a)
    diffs = compare_source_target(btree, atree, names=("B", "A"))
    check(not diffs, "every znode of B and A equal: %s" % summarize_diffs(diffs))
    zk = a.client()
    try:
        name = zk.create("/b-late/n-", b"x", sequence=True)
    finally:
        stop_client(zk)
    want = "/b-late/n-%010d" % btree["/b-late"]["cversion_persisted"]
    check(name == want, "sequential numbering continues on A: %s" % name)


def case_4():
    """playbooks/rollback.yml undoes the B -> A migration: A serves its old tree again."""
    a = W.a
    rc, out, _, secs = playbook("rollback.yml", W.inv_ba, "4")
    W.timings["rollback.yml"] = secs
    check(rc == 0, "rollback.yml exits 0", tail(out, 60))
    check(len(a.running()) == 3 and quorum_modes(a) == ["follower", "follower", "leader"],
          "A serves again with one leader and two followers")
    diffs = compare_source_target(W.a_before3, walk_ens(a), names=("A before case 3", "A after rollback"))
    check(not diffs, "A holds the tree it had before the B -> A migration: %s" % summarize_diffs(diffs))
    markers = [i for i in a.ids if os.path.exists(os.path.join(a.data_dir(i), "zkmigrate-migration.json"))]
    check(not markers, "the migration marker is gone from A")
    rc, out, _, _ = playbook("rollback.yml", W.inv_ba, "4b")
    check(rc == 0, "a second rollback.yml exits 0 (nothing left to restore)", tail(out, 40))
    check("nothing to roll back" in out, "the module says there is nothing to roll back")


def case_5():
    """The preflight refuses, saying what to change, and touches nothing."""
    a = W.a
    inv = os.path.join(W.work, "inventory-bad.yml")
    with open(inv, "w") as f:
        json.dump({"all": {"vars": {"ansible_connection": "local", "ansible_python_interpreter": "/usr/bin/python3"},
                           "children": {
                               "zk_source": {"hosts": {
                                   "a1": {"zk_config": a.node_conf_path(1), "zk_start_command": a.start_command(1),
                                          "zk_stop_command": a.stop_command(1)},
                                   "gone": {"zk_config": os.path.join(W.work, "no-such", "zoo.cfg"),
                                            "zk_start_command": "true", "zk_stop_command": "true"}}},
                               "zk_target": {"hosts": {
                                   "same": {"zk_config": a.node_conf_path(2), "zk_start_command": "true",
                                            "zk_stop_command": "true", "zk_heap": "8m"}}}}}}, f)
    before = hash_files(a)
    read_report_fresh()
    rc, out, rep, _ = playbook("migrate.yml", inv, "5")
    check(rc != 0, "migrate.yml refuses (rc %d)" % rc)
    check("preflight refused the migration" in out, "the preflight names itself", tail(out, 30))
    for what in ("gone cannot be read", "set zk_config", "source and target share 127.0.0.15",
                 "give the target ensemble its own addresses or ports", "heap of 8 MiB", "raise -Xmx"):
        check(what in out, "the refusal says: %s" % what, tail(out, 30))
    check(len(a.running()) == 3 and hash_files(a) == before, "A still runs and its files are untouched")


CASES = [("0", case_0), ("1", case_1), ("2", case_2), ("3", case_3), ("4", case_4), ("5", case_5)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep-work", action="store_true")
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    common.quiet_kazoo()
    only = set(x for x in args.only.split(",") if x)
    if not os.access(os.path.join(common.REPO, "plugins", "modules", "zk_snapshot"), os.X_OK):
        log("FAIL setup: plugins/modules/zk_snapshot is missing (run scripts/build.sh)")
        log("0 passed, 1 failed")
        return 1
    work = tempfile.mkdtemp(prefix="zkm-migrate-")
    log("work dir %s" % work)
    W.timings = {}
    passed = failed = 0
    t_all = time.time()
    try:
        t0 = time.time()
        try:
            setup(work)
        except Exception:
            log("FAIL setup (%.1fs): %s" % (time.time() - t0, traceback.format_exc()))
            log("0 passed, 1 failed")
            return 1
        for num, fn in CASES:
            if only and num not in only:
                continue
            log("case %s: %s" % (num, fn.__doc__.strip()))
            t0 = time.time()
            try:
                fn()
            except Exception as e:
                failed += 1
                detail = str(e) if isinstance(e, Failed) else traceback.format_exc()
                log("FAIL case %s (%.1fs): %s" % (num, time.time() - t0, detail))
            else:
                passed += 1
                log("PASS case %s (%.1fs)" % (num, time.time() - t0))
    finally:
        for c in W.clients:
            stop_client(c)
        for ens in (W.a, W.b):
            if ens is not None:
                ens.stop()
        log("playbook timings: %s" % ", ".join("%s %.1fs" % kv for kv in W.timings.items()))
        log("total %.1fs" % (time.time() - t_all))
        if failed or args.keep_work:
            log("work dir kept: %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    log("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
