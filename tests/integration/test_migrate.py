#!/usr/bin/python3
"""Integration test of playbooks/migrate.yml: two real 3-node ZooKeeper 3.8 ensembles on loopback.

    /usr/bin/python3 tests/integration/test_migrate.py [--keep-work] [--only 0,1,...]

Every node is started and stopped by a per-node script (tests/integration/scripted.py) that the
inventory names as zk_start_command / zk_stop_command, so the playbook controls the same JVMs the
test does. Source A: 127.0.0.151-153, dataDir holds the logs, snapCount=50. Target B:
127.0.0.161-163, dataDir/dataLogDir split, gz-compressed snapshots, restarted twice first so it
holds other data at a higher epoch than A.

Cases (run in order; later ones build on earlier ones):
  0  --check: facts and preflight only; rc 0, nothing changed, no report written, A still serves.
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
  6  playbooks/inspect.yml on the running A and B, then again with --check: rc 0, changed=0 on every
     host, the JSON report (zk_inspect_file) lists both clusters and, per node, the mode, the zxid
     and the last zxid on disk that the nodes themselves show.
  7  playbooks/rolling_restart.yml on the running target B while a client reads (sync + get) in a
     loop: every node gets a new JVM, the followers first and the leader last (playbook log and
     process start times), each one back in the quorum before the next goes down (srvr sampled all
     along), one leader and two followers at the end, every znode unchanged, and the reader's
     session survives with only brief connection losses.
  8  the preflight refuses, one run each, the other cases of the issue, on the running B as the
     source and the stopped A as the target: (a) a target too old for the files (zk_version
     3.4.14 on A's hosts, a raw bundle of B's gz snapshots and 3.5+ logs), (b) a target
     jute.maxbuffer (100000, from a java.env beside A's zoo.cfg) below B's 300 KB znode, (c) too
     little disk (zk_work_dir and zk_controller_dir on a 64 KB tmpfs). Each run exits non-zero
     naming the problem and what to change; A's files are the same (sha256) and A stays stopped,
     B keeps serving in the same JVMs with the same tree.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
from common import compare_source_target, log, stop_client, summarize_diffs, walk, wait_same_zxid  # noqa: E402
import zkharness  # noqa: E402
from scripted import ScriptedEnsemble, recap_changed, run_playbook, write_inventory  # noqa: E402

from kazoo.client import KazooClient, KazooState  # noqa: E402

SRC_IP, DST_IP = 151, 161
SNAP_COUNT = 50
HEAP = "128m"


from common import Failed, check  # noqa: E402,F401


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
            lines = [ln for ln in f.read().splitlines() if ln.strip()]
        report = json.loads(lines[-1])  # the run file: one JSON line per pair and run, newest last
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
            "zk_report_file": os.path.join(work, "report.jsonl"),
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
    check(rep is None and not os.path.exists(W.ev["zk_report_file"]),
          "check mode writes no report (%s)" % W.ev["zk_report_file"])
    check("check mode: the record of" in out, "check mode says the record is not written", tail(out))
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
    # /big was written at 300 KB before the burst that makes every node snapshot, then
    # shrunk to 1,000 bytes: the snapshots hold the old value, only the logs the new one.
    check(tree.get("/big", {}).get("dataLength") == 1000, "/big was shrunk after the snapshot")
    read_report_fresh()
    # The deep walk authenticates as the target's super user, so the ACL-protected
    # znodes of the workload are hashed too (a full, not partial, deep check).
    auth = {"zk_verify_auth": ["digest:%s:%s" % (zkharness.SUPER_USER, zkharness.SUPER_PASSWORD)]}
    rc, out, rep, secs = playbook("migrate.yml", W.inv_ab, "1", extra=auth)
    W.timings["migrate A->B"] = secs
    check(rc == 0, "migrate.yml exits 0", tail(out, 80))
    check(rep["result"] == "migrated", "the report says migrated: %s" % rep["msg"])
    log("  report: bundle on %s, source %s -> target %s, %s znodes, %s bytes, source down %ss, verification %s %s"
        % (rep["bundle_host"], rep["source_last_zxid_hex"], rep["target_zxid_hex"], rep["znodes"], rep["bytes_moved"],
           rep["source_down_seconds"], rep["verification_strength"],
           {v["host"]: v["strength"] for v in rep["verification"]}))
    check(rep["source_last_zxid"] == last, "the bundle holds the source's last zxid 0x%x" % last)
    check(sorted(v["host"] for v in rep["verification"]) == ["b1", "b2", "b3"] and
          all(v["verified"] for v in rep["verification"]) and
          any(v["strength"] == "full" for v in rep["verification"]) and rep["verification_strength"] == "full",
          "every target node verified, one deeply (every znode read): strength full")
    check(rep["pair"] == "zk_source-zk_target" and rep["source_down_seconds"] > 0 and rep["bytes_moved"] > 0,
          "the record names the pair, the time the source was down and the bytes moved")
    base = W.ev["zk_report_file"][:-len(".jsonl")]
    with open(base + ".md") as f:
        md = f.read()
    with open(base + ".html") as f:
        html = f.read()
    check("| zk_source-zk_target | migrated |" in md and "<table" in html,
          "the Markdown and HTML renders beside the run file show the pair")
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


def ensure_serving(ens):
    """Start the nodes of `ens` that are down and wait until every node serves; {id: mode}."""
    if len(ens.running()) < len(ens.ids):
        ens.start()
    return ens.wait_serving(90, nodes=ens.ids)


def mark(ens, path, data):
    """Write `path` (one txn in the current epoch on every node) and return the zxid all agree on."""
    zk = ens.client()
    try:
        if zk.exists(path):
            zk.set(path, data)
        else:
            zk.create(path, data)
        zk.sync(path)
    finally:
        stop_client(zk)          # its closeSession is one more txn; wait_same_zxid waits for it
    return wait_same_zxid(ens)


def hosts_of(ens, prefix):
    return {"%s%d" % (prefix, i): i for i in ens.ids}


def case_6():
    """playbooks/inspect.yml on the running A and B, and with --check: read-only, JSON per cluster."""
    clusters = [("zk_source", W.a, "a"), ("zk_target", W.b, "b")]
    for _, ens, _ in clusters:
        ensure_serving(ens)
    z0 = {g: mark(ens, "/zkm-inspect-mark", b"before inspect") for g, ens, _ in clusters}
    modes = {g: {h: ens.mode(i) for h, i in hosts_of(ens, p).items()} for g, ens, p in clusters}
    all_hosts = sorted(h for g in modes for h in modes[g]) + ["localhost"]
    for check_mode in (False, True):
        name = "inspect.yml" + (" --check" if check_mode else "")
        path = os.path.join(W.work, "inspect%s.json" % ("-check" if check_mode else ""))
        rc, out, _, secs = playbook("inspect.yml", W.inv_ab, "6c" if check_mode else "6",
                                    extra={"zk_inspect_file": path}, check_mode=check_mode)
        W.timings[name] = secs
        check(rc == 0, "%s exits 0" % name, tail(out, 60))
        changed = recap_changed(out)
        check(sorted(changed) == all_hosts and all(v == 0 for v in changed.values()),
              "%s: changed=0 on every host of the recap: %s" % (name, changed), tail(out, 30))
        try:
            with open(path) as f:
                rep = json.load(f)
        except (OSError, ValueError) as e:
            raise Failed("%s wrote no readable JSON report to %s: %s" % (name, path, e))
        check([c.get("cluster") for c in rep] == ["zk_source", "zk_target"],
              "%s: the report lists both clusters" % name, json.dumps(rep)[:2000])
        z1 = {g: wait_same_zxid(ens) for g, ens, _ in clusters}
        for c in rep:
            g = c["cluster"]
            want_leader = [h for h, m in modes[g].items() if m == "leader"]
            check(c["members"] == 3 and c["serving"] == 3 and [c["leader"]] == want_leader,
                  "%s: %s has 3 members, 3 serving, leader %s" % (name, g, c["leader"]))
            check(sorted(n["host"] for n in c["nodes"]) == sorted(modes[g]), "%s: %s lists every node" % (name, g))
            for n in c["nodes"]:
                zx = int(n["zxid_hex"], 16) if n.get("zxid_hex") else None
                last = int(n["last_zxid_hex"], 16) if n.get("last_zxid_hex") else None
                check(n["ok"] and n["running"] and n["mode"] == modes[g][n["host"]]
                      and zx is not None and z0[g] <= zx <= z1[g]
                      and last is not None and z0[g] <= last <= z1[g],
                      "%s: %s %s zxid %s, last zxid on disk %s (the node serves 0x%x)"
                      % (name, n["host"], n["mode"], n.get("zxid_hex"), n.get("last_zxid_hex"), z1[g]),
                      json.dumps(n, indent=1))
            check("%s: 3/3 serving, leader %s" % (g, c["leader"]) in out, "%s: the summary of %s is printed" % (name, g))
    check(all(sorted(m.values()) == quorum_modes(ens) for (g, ens, _), m in zip(clusters, modes.values())),
          "A and B still serve with one leader and two followers")


class Reader(threading.Thread):
    """A client of the whole ensemble doing sync + get of one znode in a loop until stopped.

    A sync goes through the leader, so every successful read was served inside a quorum."""

    def __init__(self, ens, path, want):
        super(Reader, self).__init__(daemon=True)
        self.path, self.want = path, want
        self.ok_times, self.errors, self.wrong, self.states = [], {}, 0, []
        self.done = threading.Event()
        self.zk = KazooClient(hosts=ens.connection_string(), timeout=10.0,
                              connection_retry={"max_tries": -1, "delay": 0.1, "max_delay": 0.5})
        self.zk.add_listener(lambda st: self.states.append((time.time(), st)))
        self.zk.start(timeout=30)
        self.session = self.zk.client_id[0]

    def run(self):
        while not self.done.is_set():
            try:
                self.zk.sync_async(self.path).get(timeout=5)
                data, _ = self.zk.get_async(self.path).get(timeout=5)
                if data == self.want:
                    self.ok_times.append(time.time())
                else:
                    self.wrong += 1
            except Exception as e:        # ConnectionLoss, SessionExpiredError while reconnecting, timeouts
                k = type(e).__name__
                self.errors[k] = self.errors.get(k, 0) + 1
                time.sleep(0.1)
            time.sleep(0.05)

    def finish(self):
        """Stop reading; True when the session is the one it started with.  The connection states
        seen until then are kept in self.seen (closing the client reports LOST itself)."""
        self.done.set()
        self.join(15)
        same = self.zk.client_id is not None and self.zk.client_id[0] == self.session
        self.seen = list(self.states)
        stop_client(self.zk)
        return same


class Sampler(threading.Thread):
    """Samples (time, {id: (pid or None, srvr mode or None)}) of every node until stopped."""

    def __init__(self, ens, every=0.2):
        super(Sampler, self).__init__(daemon=True)
        self.ens, self.every, self.samples = ens, every, []
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            s = {}
            for i in self.ens.ids:
                pid = self.ens.pid(i) if self.ens.is_running(i) else None
                try:
                    mode = self.ens.srvr(i, timeout=1.0)["mode"]
                except (OSError, ValueError):
                    mode = None
                s[i] = (pid, mode)
            self.samples.append((time.time(), s))
            self.done.wait(self.every)

    def finish(self):
        self.done.set()
        self.join(15)
        return self.samples


def proc_start_ticks(pid):
    """Start time of a process in clock ticks since boot (/proc/<pid>/stat field 22)."""
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[19])


def stop_order_from_log(out):
    """Hosts in the order the playbook ran "Run the stop command on ..." (from each result line)."""
    lines = out.splitlines()
    order = []
    for k, line in enumerate(lines):
        if line.startswith("TASK [") and "Run the stop command on" in line:
            for nxt in lines[k + 1:k + 8]:
                m = re.match(r"^(changed|ok|fatal|skipping): \[([^\]]+)\]", nxt)
                if m:
                    order.append(m.group(2).split(" -> ")[-1])
                    break
    return order


def case_7():
    """playbooks/rolling_restart.yml on the running target B: followers first, leader last, no loss."""
    b = W.b
    W.a.stop()                  # A is not needed any more; spare the CPU
    ensure_serving(b)
    if b.leader() == b.ids[-1]:
        # move the leadership off the last host of the inventory, so that "leader last" is not
        # simply the inventory order: restart the leader alone, another node is elected
        old = b.leader()
        b.stop(old)
        b.wait_serving(60, nodes=[i for i in b.ids if i != old])
        b.start(old)
        b.wait_serving(90, nodes=b.ids)
        log("  leadership moved off b%d: leader now b%d" % (old, b.leader()))
    probe, value = "/zkm-rolling-probe", b"read all through the rolling restart"
    mark(b, probe, value)
    before = walk_ens(b)
    hosts = hosts_of(b, "b")
    leader = b.leader()
    check(leader is not None and leader != b.ids[-1], "B's leader b%s is not the last host of the inventory" % leader)
    old_pids = {i: b.pid(i) for i in b.ids}
    log("  B before: leader b%d, pids %s" % (leader, old_pids))
    sampler, reader = Sampler(b), Reader(b, probe, value)
    sampler.start()
    reader.start()
    try:
        rc, out, _, secs = playbook("rolling_restart.yml", W.inv_ab, "7", extra={"zk_cluster": "zk_target"})
    finally:
        session_kept = reader.finish()
        samples = sampler.finish()
    W.timings["rolling_restart.yml"] = secs
    check(rc == 0, "rolling_restart.yml exits 0", tail(out, 80))
    # the order: from the playbook log and from the new JVMs' start times
    order = [hosts[h] for h in stop_order_from_log(out) if h in hosts]
    new_pids = {i: b.pid(i) for i in b.ids}
    check(all(new_pids[i] and new_pids[i] != old_pids[i] and b.is_running(i) for i in b.ids),
          "every node runs in a new JVM: %s -> %s" % (old_pids, new_pids))
    by_start = sorted(b.ids, key=lambda i: proc_start_ticks(new_pids[i]))
    log("  stop order in the log: %s; new JVMs by start time: %s" % (order, by_start))
    check(sorted(order) == sorted(b.ids) and order[-1] == leader,
          "the log stops each node once, the followers first and the leader b%d last: %s" % (leader, order))
    check(by_start == order, "the new JVMs started in that order too: %s" % by_start)
    # each node back in the quorum (its new JVM serving as leader or follower) before the next goes down
    # (down: the first sample after the old JVM's last serving one, so a slow srvr answer is no stop)
    serving = ("leader", "follower")

    def went_down(i):
        last = max((k for k, (_, s) in enumerate(samples) if s[i][0] == old_pids[i] and s[i][1] in serving),
                   default=None)
        return samples[last + 1][0] if last is not None and last + 1 < len(samples) else None

    t_down = {i: went_down(i) for i in b.ids}
    t_back = {i: next((t for t, s in samples if s[i][0] == new_pids[i] and s[i][1] in serving), None)
              for i in b.ids}
    t0 = samples[0][0] if samples else 0
    log("  %d srvr samples; down/back per node (s into the run): %s" % (len(samples), ", ".join(
        "b%d %.1f/%.1f" % (i, (t_down[i] or t0) - t0, (t_back[i] or t0) - t0) for i in order)))
    check(all(t_down[i] is not None and t_back[i] is not None for i in b.ids), "every node went down and came back")
    check(all(t_back[order[k]] < t_down[order[k + 1]] for k in range(len(order) - 1)),
          "each node served in the quorum again before the next one went down")
    check(quorum_modes(b) == ["follower", "follower", "leader"], "B ends with one leader and two followers")
    diffs = compare_source_target(before, walk_ens(b), names=("B before", "B after"))
    check(not diffs, "every znode of B unchanged: %s" % summarize_diffs(diffs))
    # the client's view: reads served by a quorum throughout, only brief connection losses
    gaps = [y - x for x, y in zip(reader.ok_times, reader.ok_times[1:])]
    worst = max(gaps) if gaps else float("inf")
    lost = [st for _, st in reader.seen if st == KazooState.LOST]
    log("  reader: %d reads ok, errors %s, longest gap between reads %.1fs, states %s"
        % (len(reader.ok_times), reader.errors, worst, [str(st) for _, st in reader.seen]))
    check(reader.wrong == 0, "every read returned the probe's data")
    check(len(reader.ok_times) >= 20 and worst < 15.0,
          "the reader was served all along (longest gap %.1fs < 15s)" % worst)
    check(not lost and session_kept, "the reader's session survived the restarts (no expiry, same session id)")


def inventory_with(path, base, target_vars):
    """A copy of inventory `base` with `target_vars` added to every host of zk_target."""
    with open(base) as f:
        inv = json.load(f)
    for h in inv["all"]["children"]["zk_target"]["hosts"].values():
        h.update(target_vars)
    with open(path, "w") as f:
        json.dump(inv, f, indent=2)
    return path


def case_8():
    """The preflight refuses a target too old, a target jute.maxbuffer too small, too little disk."""
    a, b = W.a, W.b
    a.stop()                                    # the target: stopped, so zk_version is what preflight reads
    ensure_serving(b)                           # the source: serving
    zk = b.client()
    try:
        big = bytes(range(256)) * (common.BIG_SIZE // 256)
        if zk.exists("/case8-big"):
            zk.set("/case8-big", big)
        else:
            zk.create("/case8-big", big)
        zk.sync("/")
    finally:
        stop_client(zk)
    wait_same_zxid(b)
    btree = walk_ens(b)
    b_pids = {i: b.pid(i) for i in b.ids}
    a_files = hash_files(a)
    newest = [common.list_files(common.snap_dir(b, i), "snapshot")[-1:] for i in b.ids]
    compressed = any(n and n[0][1].endswith(".gz") for n in newest)
    log("  source B serves (pids %s, %d znodes, /case8-big %d bytes, gz snapshots: %s); target A stopped, %d files hashed"
        % (b_pids, len(btree), len(big), compressed, len(a_files)))

    def refused(sub, inv, extra, wants):
        rc, out, _, secs = playbook("migrate.yml", inv, "8" + sub, extra=extra)
        W.timings["preflight refusal 8" + sub] = secs
        check(rc != 0, "(%s) migrate.yml refuses (rc %d)" % (sub, rc), tail(out, 30))
        check("preflight refused the migration" in out, "(%s) the preflight names itself" % sub, tail(out, 30))
        for what in wants:
            check(what in out, "(%s) the refusal says: %s" % (sub, what), tail(out, 30))
        check("zkmigrate.zookeeper.zk_quiesce :" not in out and "zkmigrate.zookeeper.zk_bundle :" not in out,
              "(%s) nothing ran after the preflight (no zk_quiesce, no zk_bundle task)" % sub)
        check(a.running() == [] and hash_files(a) == a_files,
              "(%s) A is still stopped and its files are the same (sha256 of %d files)" % (sub, len(a_files)))
        check({i: b.pid(i) for i in b.ids} == b_pids and quorum_modes(b) == ["follower", "follower", "leader"],
              "(%s) B still serves in the same JVMs, one leader and two followers" % sub)

    # (a) too old: a raw bundle of B's files for a 3.4 target
    inv = inventory_with(os.path.join(W.work, "inventory-ba-old.yml"), W.inv_ba, {"zk_version": "3.4.14"})
    wants = ["runs ZooKeeper 3.4.14", "need 3.5+", "upgrade the target or set zk_bundle_mode=consolidated"]
    if compressed:
        wants.append("raw bundles need 3.6+")
    refused("a", inv, {"zk_bundle_mode": "raw"}, wants)

    # (b) jute.maxbuffer 100000 on the target (java.env beside zoo.cfg, read while it is stopped)
    envs = [os.path.join(os.path.dirname(a.node_conf_path(i)), "java.env") for i in a.ids]
    try:
        for p in envs:
            with open(p, "w") as f:
                f.write('SERVER_JVMFLAGS="-Djute.maxbuffer=100000"\n')
        refused("b", W.inv_ba, {}, ["has jute.maxbuffer 100000", "java.env", "holds a znode of",
                                    "start the target with -Djute.maxbuffer="])
    finally:
        for p in envs:
            if os.path.exists(p):
                os.unlink(p)

    # (c) too little disk: the remote and the controller staging dirs on a 64 KB tmpfs
    tiny = os.path.join(W.work, "tiny")
    os.makedirs(tiny, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", tiny], capture_output=True, text=True)
    if r.returncode != 0:
        log("  SKIP (c) too little disk: mount -t tmpfs refused (%s)" % (r.stderr.strip() or r.returncode))
    else:
        try:
            refused("c", W.inv_ba, {"zk_work_dir": os.path.join(tiny, "remote"),
                                    "zk_controller_dir": os.path.join(tiny, "controller")},
                    ["bytes free for " + os.path.join(tiny, "remote"), "set zk_work_dir elsewhere",
                     "the controller has", "bytes free for " + os.path.join(tiny, "controller"),
                     "set zk_controller_dir elsewhere"])
            check(os.listdir(tiny) == [], "(c) nothing was written to the tiny file system")
        finally:
            subprocess.run(["umount", tiny], capture_output=True)
    diffs = compare_source_target(btree, walk_ens(b), names=("B before", "B after"))
    check(not diffs, "every znode of B unchanged: %s" % summarize_diffs(diffs))


CASES = [("0", case_0), ("1", case_1), ("2", case_2), ("3", case_3), ("4", case_4), ("5", case_5),
         ("6", case_6), ("7", case_7), ("8", case_8)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep-work", action="store_true")
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    common.quiet_kazoo()
    only = set(x for x in args.only.split(",") if x)
    if not os.access(os.path.join(common.REPO, "plugins", "bin", "zk_snapshot"), os.X_OK):
        log("FAIL setup: plugins/bin/zk_snapshot is missing (run scripts/build.sh)")
        log("0 passed, 1 failed")
        return 1
    work = tempfile.mkdtemp(prefix="zkm-migrate-")
    log("work dir %s" % work)
    W.timings = {}
    passed = failed = 0  # setup may fail before the cases run
    t_all = time.time()
    try:
        t0 = time.time()
        try:
            setup(work)
        except Exception:
            log("FAIL setup (%.1fs): %s" % (time.time() - t0, traceback.format_exc()))
            log("0 passed, 1 failed")
            return 1
        passed, failed = common.run_cases([(num, fn.__doc__.strip(), fn) for num, fn in CASES], only,
                                          lambda fn: fn())
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
