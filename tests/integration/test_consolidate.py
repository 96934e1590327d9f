#!/usr/bin/python3
"""Integration test of `zk_snapshot consolidate` against real ZooKeeper 3.8 servers on loopback.

    /usr/bin/python3 tests/integration/test_consolidate.py [--keep-work] [--only 1,2,...]

Cases (see the README of the brief; each prints what it checked):
  1  3-node source (split dataDir/dataLogDir, snapCount=50, writes after the newest snapshot) ->
     pick the node by (currentEpoch, last zxid) via `inspect --json` -> consolidate -> a fresh standalone
     server and a fresh 3-node ensemble load only that file; every znode's data, ACL and stat equal;
     sequential numbering continues; the target's epoch is newer.
  2  the naive recipe (newest snapshot.* alone) loses data: the walk differs.
  3  `diff` data dir vs the consolidated snapshot: exit 0; naive snapshot vs data dir: exit 1.
  4  ephemerals of a session open at the stop are kept (sessions > 0); --drop-sessions drops them.
  5  a missing middle log: `check` and `consolidate` exit 1, mention the gap, write nothing.
  6  gz and snappy compressed standalone sources consolidate and load equal.
  7  every snapshot of every source node, with only the logs ZooKeeper needs for it (the set to ship,
     docs/FORMATS.md 8.2/13.1), passes check and consolidates to the case-1 tree (fuzzy snapshots included).

Servers use 127.0.0.51-53 (source), .61-.63 (fresh standalone), .71-.73 (3-node target),
.81-.84 (compressed). The work dir is under /tmp and removed unless a case failed or --keep-work.
"""

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
from common import (Ensemble, cli_ok, compare_source_target, copy_files, find_key, fresh_server,  # noqa: E402
                    list_files, log, log_dir, needed_logs, run_cli, snap_dir, stop_client, summarize_diffs,
                    walk, walk_via, wait_same_zxid)

SRC_IP, FRESH_IP, NAIVE_IP, NOSESS_IP, TARGET_IP = 51, 61, 62, 63, 71
COMPRESSED = (("gz", 81, 82), ("snappy", 83, 84))
SNAP_COUNT = 50


from common import Failed, check  # noqa: E402,F401


class Source(object):
    """The case-1 source, built once and shared by cases 1-5."""
    ens = None
    tree = None
    full_count = None
    last_zxid = None
    chosen = None
    cfg = None
    held_session = None
    held_paths = None
    out_dir = None
    out_file = None
    consolidate = None
    seq_cversion = None
    facts = None


SRC = Source()


def build_source(work):
    """Run the 3-node source, write the workload, walk it, stop it and pick the node."""
    t0 = time.time()
    ens = Ensemble(os.path.join(work, "src"), size=3, first_ip=SRC_IP, split_log_dir=True,
                   snap_count=SNAP_COUNT, jvm_flags=common.COMMON_FLAGS, heap=common.HEAP,
                   extra_cfg=common.SOURCE_EXTRA_CFG)
    zk = held = None
    facts = {}
    try:
        ens.start()
        modes = ens.wait_serving(90)
        leader = ens.leader()
        log("  source ensemble up in %.1fs: %s" % (time.time() - t0, modes))
        zk = ens.client()
        held = common.long_session_client(ens)
        SRC.held_session = held.client_id[0]
        common.rich_workload(ens, zk, held, leader, facts)
        zk.sync("/")
        wait_same_zxid(ens)
        SRC.tree = walk(zk)
        SRC.full_count = len(walk(zk, include_quota_stats=True))
        SRC.seq_cversion = SRC.tree["/seq"]["cversion"]
        # no txn after the walk: the super client is closed only after the stop, like the held one
        SRC.last_zxid = wait_same_zxid(ens)
        leader, codes = common.stop_ensemble_followers_first(ens)
        log("  workload done, stopped followers then leader %d (exit codes %s), last zxid 0x%x, %d znodes"
            % (leader, codes, SRC.last_zxid, len(SRC.tree)))
    finally:
        ens.stop()
        stop_client(zk)                       # only after the stop: the sessions stay in the files
        stop_client(held)
    SRC.ens = ens
    SRC.facts = facts
    SRC.held_paths = sorted(p for p, e in SRC.tree.items() if e["ephemeralOwner"] == SRC.held_session)
    log("  held session 0x%x owns %s" % (SRC.held_session, SRC.held_paths))
    for i in ens.ids:
        snaps = list_files(snap_dir(ens, i), "snapshot")
        logs = list_files(log_dir(ens, i), "log")
        log("  node%d: %d snapshots (newest 0x%x), %d logs; %d txns after the newest snapshot"
            % (i, len(snaps), snaps[-1][0], len(logs), SRC.last_zxid - snaps[-1][0]))
    log("  source ready in %.1fs" % (time.time() - t0))


# ---------------------------------------------------------------------------------------------------

def case1(work):
    build_source(work)
    ens = SRC.ens
    check(len(SRC.held_paths) >= 2, "the held session owns ephemerals in the source (%d)" % len(SRC.held_paths))
    check(SRC.tree["/seq"]["numChildren"] == 37 and SRC.seq_cversion == 37,
          "source /seq has 37 sequential children, client cversion %d" % SRC.seq_cversion)
    for i in ens.ids:
        s = list_files(snap_dir(ens, i), "snapshot")
        check(len(s) >= 2 and len(list_files(log_dir(ens, i), "log")) >= 2,
              "node%d has several snapshots and logs" % i)
        check(s[-1][0] < SRC.last_zxid, "node%d: newest snapshot 0x%x < last zxid 0x%x"
              % (i, s[-1][0], SRC.last_zxid))
    # choose the node
    chosen, results, keys = common.choose_source_node(ens)
    log("  inspect keys (currentEpoch, last zxid): %s"
        % {i: (k[0], "0x%x" % k[1]) for i, k in keys.items()})
    check(all(r.json.get("ok") is True for r in results.values()), "inspect --json ok on all three nodes")
    check(all(k[1] == SRC.last_zxid for k in keys.values()),
          "every node's replayed last zxid equals srvr's 0x%x" % SRC.last_zxid)
    check(all(k[0] == SRC.last_zxid >> 32 for k in keys.values()),
          "currentEpoch %d read on every node" % (SRC.last_zxid >> 32))
    SRC.chosen, SRC.cfg = chosen, ens.node_conf_path(chosen)
    rep = results[chosen].json["report"]
    snap_z = find_key(rep.get("snapshot"), "zxid")
    check(snap_z is not None and snap_z < SRC.last_zxid,
          "chosen node%d loads snapshot 0x%x, last zxid 0x%x (%d txns replayed from logs)"
          % (chosen, snap_z or -1, SRC.last_zxid, SRC.last_zxid - (snap_z or 0)))
    check(results[chosen].json.get("znodes") == SRC.full_count,
          "inspect znodes %s == live znode count %d" % (results[chosen].json.get("znodes"), SRC.full_count))
    # consolidate
    out = os.path.join(work, "out-full")
    os.makedirs(out)
    r = run_cli("consolidate", "--config", SRC.cfg, "--out", out, "--json")
    log("  consolidate took %.2fs" % r.seconds)
    cli_ok(r, "consolidate")
    res = r.json["result"]
    files = os.listdir(out)
    check(len(files) == 1 and files[0] == "snapshot.%x" % SRC.last_zxid,
          "exactly one file in --out: %s" % files)
    SRC.out_dir, SRC.out_file = out, os.path.join(out, files[0])
    check(res.get("zxid") == SRC.last_zxid, "result zxid 0x%x == last zxid" % res.get("zxid", -1))
    check(res.get("nodes") == SRC.full_count, "result nodes %s == live znode count %d"
          % (res.get("nodes"), SRC.full_count))
    with open(SRC.out_file, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    check(res.get("sha256") == sha, "result sha256 matches the file")
    check(os.path.abspath(res.get("output", "")) == os.path.abspath(SRC.out_file), "result output path")
    SRC.consolidate = res
    # a fresh standalone server
    t0 = time.time()
    with fresh_server(os.path.join(work, "fresh1"), SRC.out_file, size=1, first_ip=FRESH_IP) as fr:
        s = fr.srvr(1)
        log("  fresh standalone serving in %.1fs: zxid 0x%x, node count %s" % (time.time() - t0, s["zxid"],
                                                                               s["node_count"]))
        check(s["zxid"] == SRC.last_zxid, "fresh standalone srvr zxid == source last zxid")
        check(s["node_count"] == SRC.full_count + 1, "srvr node count %s == znodes + 1" % s["node_count"])
        tree = walk_via(fr)
        diffs = compare_source_target(SRC.tree, tree)
        check(not diffs, "fresh standalone: %d znodes, data/ACL/every stat equal (%s)"
              % (len(tree), summarize_diffs(diffs)))
        check(all(p in tree and tree[p]["ephemeralOwner"] == SRC.held_session for p in SRC.held_paths),
              "the open session's ephemerals %s are there, owned by 0x%x" % (SRC.held_paths, SRC.held_session))
        zk = fr.client()
        try:
            p = zk.create("/seq/n-", b"next", sequence=True)
        finally:
            stop_client(zk)
        check(p == "/seq/n-%010d" % SRC.seq_cversion and p == "/seq/n-0000000037",
              "next sequential node continues the numbering: %s" % p)
    # a fresh 3-node ensemble
    t0 = time.time()
    with fresh_server(os.path.join(work, "target3"), SRC.out_file, size=3, first_ip=TARGET_IP,
                      timeout=120) as tg:
        modes = tg.wait_serving(60)
        log("  3-node target serving in %.1fs: %s" % (time.time() - t0, modes))
        check(sorted(modes.values()) == ["follower", "follower", "leader"], "one leader and two followers")
        for i in tg.ids:
            tree = walk_via(tg, i)
            diffs = compare_source_target(SRC.tree, tree)
            check(not diffs, "3-node target via node%d (%s): %d znodes equal (%s)"
                  % (i, modes[i], len(tree), summarize_diffs(diffs)))
        # srvr shows the last processed zxid: the new epoch shows once a txn ran in it (the walks'
        # createSession/closeSession did)
        src_epoch = SRC.last_zxid >> 32
        wait_same_zxid(tg)
        for i in tg.ids:
            z = tg.zxid(i)
            with open(os.path.join(snap_dir(tg, i), "currentEpoch")) as f:
                ce = int(f.read().strip())
            check(z >> 32 > src_epoch and ce == z >> 32,
                  "node%d srvr zxid 0x%x: epoch %d > source epoch %d (currentEpoch file %d)"
                  % (i, z, z >> 32, src_epoch, ce))


def need_source():
    if SRC.out_file is None:
        raise Failed("the case-1 source or its consolidated snapshot is not available")


def case2(work):
    need_source()
    ens = SRC.ens
    z, name = list_files(snap_dir(ens, SRC.chosen), "snapshot")[-1]
    naive = os.path.join(snap_dir(ens, SRC.chosen), name)
    SRC.naive_file = naive
    with fresh_server(os.path.join(work, "naive"), naive, size=1, first_ip=NAIVE_IP) as fr:
        s = fr.srvr(1)
        tree = walk_via(fr)
    diffs = compare_source_target(SRC.tree, tree, names=("source", "naive"))
    missing, extra, changed = common.classify_diffs(diffs, ("source", "naive"))
    log("  naive copy of node%d's %s: zxid 0x%x (source 0x%x); %d znodes missing, %d extra, %d changed"
        % (SRC.chosen, name, s["zxid"], SRC.last_zxid, len(missing), len(extra), len(changed)))
    log("  e.g. missing: %s" % sorted(missing)[:6])
    check(len(diffs) >= 1, "the naive snapshot-only import differs from the source (%d differences)" % len(diffs))
    check(s["zxid"] < SRC.last_zxid, "naive server's zxid 0x%x is behind the source" % s["zxid"])


def case3(work):
    need_source()
    ens = SRC.ens
    # the chosen node's files in one data dir (dataDir == dataLogDir) as well
    merged = os.path.join(work, "merged-datadir")
    copy_files(snap_dir(ens, SRC.chosen), os.path.join(merged, "version-2"))
    copy_files(log_dir(ens, SRC.chosen), os.path.join(merged, "version-2"))
    problems = []

    def soft(cond, msg, detail=None):
        try:
            check(cond, msg, detail)
        except Failed as e:
            log("    NOT ok: %s" % e)
            problems.append(msg)

    # the source dataDir alone has no logs (split dataLogDir): give diff the merged copy and the zoo.cfg
    for a, what in ((merged, "merged source dataDir"), (SRC.cfg, "source zoo.cfg (split dirs)")):
        for b, bwhat in ((SRC.out_dir, "consolidated --out dir"), (SRC.out_file, "consolidated file")):
            r = run_cli("diff", a, b)
            soft(r.rc == 0, "diff <%s> <%s> exits 0 (%.2fs)" % (what, bwhat, r.seconds), r.describe(600))
    r = run_cli("diff", merged, SRC.out_file, "--json")
    soft(r.rc == 0 and find_key(r.json, "identical") is True,
         "diff <merged dataDir> <consolidated file> --json: identical", r.describe(1000))
    naive = getattr(SRC, "naive_file", None) or os.path.join(
        snap_dir(ens, SRC.chosen), list_files(snap_dir(ens, SRC.chosen), "snapshot")[-1][1])
    r = run_cli("diff", naive, merged, "--json")
    d = (r.json or {}).get("diff") or {}
    log("  naive vs data dir: only_in_a=%s only_in_b=%s data=%s acl=%s stat=%s"
        % (d.get("only_in_a"), d.get("only_in_b"), d.get("data"), d.get("acl"), d.get("stat")))
    soft(r.rc == 1 and d.get("identical") is False,
         "diff <naive snapshot> <source dataDir> exits 1 with differences", r.describe(600))
    if problems:
        raise Failed("; ".join(problems))


def case4(work):
    need_source()
    r = run_cli("inspect", SRC.out_file, "--json")
    cli_ok(r, "inspect of the consolidated snapshot")
    sessions = find_key(r.json, "sessions")
    check(isinstance(sessions, int) and sessions > 0, "consolidated snapshot holds %s sessions" % sessions)
    owners = {int(e["session"], 16): e["count"] for e in (find_key(r.json, "ephemerals_by_owner") or [])}
    check(owners.get(SRC.held_session) == len(SRC.held_paths),
          "held session 0x%x owns %s ephemerals in the file (expected %d)"
          % (SRC.held_session, owners.get(SRC.held_session), len(SRC.held_paths)))
    check(not SRC.consolidate.get("dropped_ephemerals"), "consolidate dropped no ephemeral by default")
    # case 1 already compared the whole tree; say so explicitly for the held ephemerals
    out = os.path.join(work, "out-nosess")
    os.makedirs(out)
    r = run_cli("consolidate", "--config", SRC.cfg, "--out", out, "--json", "--drop-sessions")
    cli_ok(r, "consolidate --drop-sessions")
    files = os.listdir(out)
    check(len(files) == 1, "one file written with --drop-sessions: %s" % files)
    dropped = r.json["result"].get("dropped_ephemerals") or []
    check(sorted(dropped) == SRC.held_paths, "reported dropped ephemerals %s" % sorted(dropped))
    ri = run_cli("inspect", os.path.join(out, files[0]), "--json")
    cli_ok(ri, "inspect of the --drop-sessions snapshot")
    check(find_key(ri.json, "sessions") == 0, "no session left in the --drop-sessions file")
    with fresh_server(os.path.join(work, "nosess"), os.path.join(out, files[0]), size=1,
                      first_ip=NOSESS_IP) as fr:
        tree = walk_via(fr)
    for p in SRC.held_paths:
        check(p not in tree, "%s absent from the fresh server's tree" % p)
    parents = sorted({p.rsplit("/", 1)[0] or "/" for p in SRC.held_paths})
    diffs = compare_source_target(SRC.tree, tree, extra_ignore=tuple(SRC.held_paths) + tuple(parents))
    check(not diffs, "every other znode equal (%s)" % summarize_diffs(diffs))
    for par in parents:
        a, b = SRC.tree[par], tree[par]
        gone = sum(1 for p in SRC.held_paths if (p.rsplit("/", 1)[0] or "/") == par)
        check(b["numChildren"] == a["numChildren"] - gone and
              all(a[k] == b[k] for k in ("data", "acl", "czxid", "mzxid", "version", "aversion")),
              "parent %s: %d children dropped, data/ACL/czxid/mzxid/version kept (pzxid 0x%x -> 0x%x)"
              % (par, gone, a["pzxid"], b["pzxid"]))


def case5(work):
    need_source()
    ens = SRC.ens
    node = SRC.chosen
    base = os.path.join(work, "gap")
    data, datalog = os.path.join(base, "data"), os.path.join(base, "datalog")
    copy_files(snap_dir(ens, node), os.path.join(data, "version-2"))
    copy_files(log_dir(ens, node), os.path.join(datalog, "version-2"))
    snaps = list_files(os.path.join(data, "version-2"), "snapshot")
    logs = list_files(os.path.join(datalog, "version-2"), "log")
    # the newest snapshot that needs >= 3 logs (drop newer snapshots so that it is the one loaded)
    pick = None
    for z, n in reversed(snaps):
        if len(needed_logs(logs, z)) >= 3:
            pick = (z, n)
            break
    check(pick is not None, "a snapshot needing >= 3 logs exists (logs %s)" % [n for _, n in logs])
    removed_snaps = [n for z, n in snaps if z > pick[0]]
    for n in removed_snaps:
        os.remove(os.path.join(data, "version-2", n))
    need = needed_logs(logs, pick[0])
    victim = need[len(need) // 2][1]
    os.remove(os.path.join(datalog, "version-2", victim))
    cfg = os.path.join(base, "zoo.cfg")
    with open(cfg, "w") as f:
        f.write("tickTime=2000\ndataDir=%s\ndataLogDir=%s\nclientPort=2181\n" % (data, datalog))
    log("  copy of node%d: removed snapshots %s; loads %s, needs %s; deleted %s"
        % (node, removed_snaps, pick[1], [n for _, n in need], victim))
    r = run_cli("check", cfg)
    log("  $ zk_snapshot check %s -> exit %d\n      %s" % (cfg, r.rc, "\n      ".join(r.text.strip().splitlines()[:8])))
    check(r.rc == 1, "check exits 1")
    import re
    check(re.search(r"gap|missing", r.text, re.I) is not None, "check's message mentions the gap/missing txns")
    rj = run_cli("check", cfg, "--json")
    check(rj.rc == 1 and rj.json is not None and rj.json.get("ok") is False, "check --json: ok false")
    out = os.path.join(base, "out")
    os.makedirs(out)
    r = run_cli("consolidate", "--config", cfg, "--out", out)
    log("  $ zk_snapshot consolidate --config %s --out %s -> exit %d\n      %s"
        % (cfg, out, r.rc, "\n      ".join(r.text.strip().splitlines()[:6])))
    check(r.rc == 1, "consolidate exits 1")
    check(re.search(r"gap|missing", r.text, re.I) is not None, "consolidate's message mentions the gap")
    left = os.listdir(out)
    check(not [n for n in left if n.startswith("snapshot")], "no snapshot written into --out (%s)" % left)
    check(not left, "--out left empty (no temporary file either)")


def case6(work):
    for method, src_ip, dst_ip in COMPRESSED:
        t0 = time.time()
        flags = dict(common.COMMON_FLAGS)
        flags["zookeeper.snapshot.compression.method"] = method
        ens = Ensemble(os.path.join(work, "src-" + method), size=1, first_ip=src_ip, snap_count=30,
                       jvm_flags=flags, heap=common.HEAP)
        zk = None
        try:
            ens.start()
            ens.wait_serving(60)
            zk = ens.client()
            common.small_workload(ens, zk)
            tree = walk(zk)
            stop_client(zk)
            zk = None
            last = ens.zxid(1)
        finally:
            stop_client(zk)
            ens.stop()
        snaps = list_files(snap_dir(ens, 1), "snapshot")
        check(snaps and all(n.endswith("." + method) for _, n in snaps),
              "%s source: snapshots %s" % (method, [n for _, n in snaps]))
        check(snaps[-1][0] < last, "%s: newest snapshot 0x%x < last zxid 0x%x" % (method, snaps[-1][0], last))
        out = os.path.join(work, "out-" + method)
        os.makedirs(out)
        r = run_cli("consolidate", "--config", ens.node_conf_path(1), "--out", out, "--json")
        cli_ok(r, "consolidate (%s)" % method)
        files = os.listdir(out)
        check(files == ["snapshot.%x" % last], "%s: one file %s" % (method, files))
        with fresh_server(os.path.join(work, "fresh-" + method), os.path.join(out, files[0]), size=1,
                          first_ip=dst_ip) as fr:
            check(fr.zxid(1) == last, "%s: fresh server zxid 0x%x" % (method, last))
            t2 = walk_via(fr)
        diffs = compare_source_target(tree, t2)
        check(not diffs, "%s: %d znodes equal (%s)" % (method, len(t2), summarize_diffs(diffs)))
        log("  %s done in %.1fs" % (method, time.time() - t0))


def case7(work):
    """Every snapshot of every source node, shipped with only the logs it needs (docs/FORMATS.md 8.2, 13.1),
    is what ZooKeeper would load: check must pass and consolidate must give the case-1 tree."""
    need_source()
    ens = SRC.ens
    bad = []
    n = 0
    for i in ens.ids:
        logs = list_files(log_dir(ens, i), "log")
        for z, name in list_files(snap_dir(ens, i), "snapshot"):
            n += 1
            base = os.path.join(work, "single", "node%d-%s" % (i, name))
            data, datalog, out = (os.path.join(base, x) for x in ("data", "datalog", "out"))
            for x in (os.path.join(data, "version-2"), os.path.join(datalog, "version-2"), out):
                os.makedirs(x)
            shutil.copy2(os.path.join(snap_dir(ens, i), name), os.path.join(data, "version-2", name))
            need = needed_logs(logs, z)
            for _, ln in need:
                shutil.copy2(os.path.join(log_dir(ens, i), ln), os.path.join(datalog, "version-2", ln))
            cfg = os.path.join(base, "zoo.cfg")
            with open(cfg, "w") as f:
                f.write("dataDir=%s\ndataLogDir=%s\nclientPort=2181\n" % (data, datalog))
            si = run_cli("inspect", os.path.join(data, "version-2", name), "--json")
            snap = (si.json or {}).get("snapshot") or {}
            fuzzy = "fuzzy (max zxid 0x%x)" % snap.get("max_zxid", 0) if snap.get("fuzzy") else "not fuzzy"
            rc = run_cli("check", cfg)
            rd = None
            if rc.rc == 0:
                run_cli("consolidate", "--config", cfg, "--out", out)
                files = os.listdir(out)
                rd = run_cli("diff", os.path.join(out, files[0]), SRC.out_file) if len(files) == 1 else None
            good = rc.rc == 0 and rd is not None and rd.rc == 0
            log("    %s node%d %s (%s, digest %s) + %s: check exit %d%s"
                % ("ok:" if good else "NOT ok:", i, name, fuzzy, find_key(snap.get("digest"), "check"),
                   [x for _, x in need], rc.rc, "" if rd is None else ", consolidated == case 1: %s" % (rd.rc == 0)))
            if not good:
                bad.append("node%d %s\n%s" % (i, name, (rc if rd is None else rd).describe(1500)))
    if bad:
        raise Failed("%d of %d snapshot+needed-logs sets refused or different (ZooKeeper loads each of them):\n%s"
                     % (len(bad), n, "\n".join(bad)))


CASES = [
    ("1", "3-node source -> consolidate -> fresh standalone and fresh 3-node target equal", case1),
    ("2", "naive newest-snapshot copy loses data", case2),
    ("3", "diff: data dir vs consolidated = identical; naive vs data dir = differences", case3),
    ("4", "ephemerals of an open session kept; --drop-sessions drops them", case4),
    ("5", "a missing middle log is refused by check and consolidate", case5),
    ("6", "gz and snappy compressed sources", case6),
    ("7", "every snapshot shipped with only the logs it needs consolidates to the same tree", case7),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keep-work", action="store_true")
    ap.add_argument("--only", help="comma-separated case numbers")
    args = ap.parse_args()
    common.quiet_kazoo()
    only = set(args.only.split(",")) if args.only else None
    if not common.ensure_binary():
        log("FAIL setup: %s is missing or is not the CLI yet (run scripts/build.sh)" % common.ZK_SNAPSHOT)
        log("0 passed, 1 failed")
        return 1
    work = tempfile.mkdtemp(prefix="zkm-it-consolidate-")
    log("work dir %s, zk_snapshot %s, ZooKeeper %s" % (work, common.ZK_SNAPSHOT, common.zkharness.zk_version()))
    t_all = time.time()
    passed, failed = common.run_cases(CASES, only, lambda fn: fn(work),
                                      after_each=common.zkharness._stop_all_live)
    log("total %.1fs" % (time.time() - t_all))
    if failed or args.keep_work:
        log("work dir kept: %s" % work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    log("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
