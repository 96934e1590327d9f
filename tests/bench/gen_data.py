#!/usr/bin/python3
"""Builds (or reuses) the benchmark data set: a dataDir written by REAL ZooKeeper.

Steps (every one done by Debian's ZooKeeper 3.8 through tests/lib/zkharness.py):

1. start a standalone server (big heap, snapCount so high that it never snapshots on its own,
   forceSync=no so the bulk load is not fsync-bound) on an empty dataDir;
2. create the znodes with kazoo async calls, pipelined: P parent dirs ``/bench/pNNNN`` holding
   about CHILDREN children ``cNNNN`` each, every child with DATA_MIN..DATA_MAX random bytes
   (a seeded PRNG, so the same parameters give the same tree);
3. stop it and start it again: loading replays the whole log and then writes
   ``snapshot.<lastZxid>`` holding every znode (docs/FORMATS.md 8.4);
4. make TAIL txns after that snapshot (setData, creates, deletes and a few multis) so that a
   consolidation has replay work, then stop the server;
5. assemble ``<key>/datadir/version-2`` = that snapshot + the logs after it (the bulk-load log
   and ``snapshot.0`` are dropped: every txn in them is <= the snapshot's zxid).

The result lives in ``tests/bench/work/<key>/`` where key encodes every parameter; a
``meta.json`` written last marks it complete, so a second run reuses it.

Usage: gen_data.py  (parameters from the environment, see tests/bench/README.md)
Prints the path of meta.json on its last stdout line.
"""

import collections
import json
import os
import random
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

import zkharness  # noqa: E402
from zkharness import Ensemble  # noqa: E402

FORMAT_VERSION = 1  # bump when the generation recipe changes, so old data sets are not reused


def params_from_env():
    p = {
        "znodes": int(os.environ.get("ZKM_BENCH_ZNODES", "1000000")),
        "children": int(os.environ.get("ZKM_BENCH_CHILDREN", "1000")),
        "data_min": int(os.environ.get("ZKM_BENCH_DATA_MIN", "400")),
        "data_max": int(os.environ.get("ZKM_BENCH_DATA_MAX", "560")),
        "tail": int(os.environ.get("ZKM_BENCH_TAIL_TXNS", "3000")),
        "seed": int(os.environ.get("ZKM_BENCH_SEED", "42")),
        "zk_version": zkharness.zk_version(),
        "recipe": FORMAT_VERSION,
    }
    if p["znodes"] < 10 or p["children"] < 1 or p["data_min"] > p["data_max"] or p["tail"] < 0:
        raise SystemExit("bad ZKM_BENCH_* parameters: %r" % p)
    return p


def key_of(p):
    return "zk%s-n%d-c%d-d%d_%d-t%d-s%d-r%d" % (
        p["zk_version"], p["znodes"], p["children"], p["data_min"], p["data_max"], p["tail"],
        p["seed"], p["recipe"])


def log(msg):
    print("[gen %s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


class Pipeline(object):
    """Keeps up to `window` kazoo async requests in flight; .get() the oldest when full."""

    def __init__(self, window=4000):
        self.window = window
        self.q = collections.deque()
        self.done = 0

    def add(self, async_result):
        self.q.append(async_result)
        if len(self.q) >= self.window:
            self._get()

    def drain(self):
        while self.q:
            self._get()

    def _get(self):
        r = self.q.popleft().get(timeout=120)
        # a multi's result is a list in which failed operations are exception objects
        if isinstance(r, list):
            bad = [x for x in r if isinstance(x, Exception)]
            if bad:
                raise RuntimeError("multi failed: %r" % bad[:3])
        self.done += 1


def zk_heap():
    return os.environ.get("ZKM_BENCH_ZK_HEAP", "6g")


def make_ensemble(base, ip):
    # snapCount: the server would otherwise write a (growing) snapshot every ~75k txns during the
    # bulk load, which costs minutes and GBs; the restart in step 3 writes the one we want.
    return Ensemble(base, size=1, first_ip=ip, heap=zk_heap(), snap_count=100000000,
                    extra_cfg={"forceSync": "no"})


def build(p, workdir, ip):
    tmp = workdir + ".partial"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    rnd = random.Random(p["seed"])
    n = p["znodes"]
    # the tree: /bench plus P parents plus children == n znodes we create
    n_parents = max(1, -(-(n - 1) // (p["children"] + 1)))
    n_children = n - 1 - n_parents
    per_parent = [n_children // n_parents + (1 if i < n_children % n_parents else 0)
                  for i in range(n_parents)]
    ens = make_ensemble(os.path.join(tmp, "gen"), ip)
    stats = {"parents": n_parents, "children": n_children}
    t0 = time.time()
    ens.start()
    ens.wait_serving(120)
    zk = ens.client(superuser=False, timeout=60)
    try:
        zk.create("/bench", b"zkmigrate benchmark")
        pl = Pipeline()
        for i in range(n_parents):
            pl.add(zk.create_async("/bench/p%04d" % i, b"parent %d" % i))
        pl.drain()
        created = 0
        t_load = time.time()
        # creates go in multis of up to 100 (one round trip and one log record for 100 znodes:
        # ~10x faster than single kazoo creates, which are bound by kazoo's Python overhead);
        # each multi is ~50 KB, far below jute.maxbuffer (1 MB)
        mpl = Pipeline(window=16)
        for i in range(n_parents):
            parent = "/bench/p%04d/" % i
            tx = zk.transaction()
            for j in range(per_parent[i]):
                data = rnd.randbytes(rnd.randint(p["data_min"], p["data_max"]))
                tx.create(parent + "c%04d" % j, data)
                if len(tx.operations) >= 100:
                    mpl.add(tx.commit_async())
                    tx = zk.transaction()
            if tx.operations:
                mpl.add(tx.commit_async())
            created += per_parent[i]
            if (i + 1) % 50 == 0 or i + 1 == n_parents:
                el = time.time() - t_load
                log("created %d/%d children (%.0f/s)" % (created, n_children, created / max(el, 1e-9)))
        mpl.drain()
        stats["bulk_load_s"] = round(time.time() - t_load, 1)
        bulk_zxid = ens.zxid(1)
    finally:
        zk.stop()
        zk.close()
    ens.stop(timeout=60)
    log("bulk load done, last zxid 0x%x; restarting so ZooKeeper writes a snapshot of everything" % bulk_zxid)
    v2 = os.path.join(ens.data_dir(1), "version-2")
    t_restart = time.time()
    ens.start()
    ens.wait_serving(1800)
    stats["restart_load_s"] = round(time.time() - t_restart, 1)
    snap_zxid = ens.zxid(1)
    snap_name = "snapshot.%x" % snap_zxid
    if not os.path.exists(os.path.join(v2, snap_name)):
        raise RuntimeError("ZooKeeper did not write %s after loading (files: %s)" % (
            snap_name, sorted(os.listdir(v2))))
    node_count_snapshot = ens.node_count(1)
    log("ZooKeeper wrote %s (%.1f MB), srvr node count %d" % (
        snap_name, os.path.getsize(os.path.join(v2, snap_name)) / 1e6, node_count_snapshot))

    # tail txns after the snapshot: setData on random children, creates, deletes, a few multis
    zk = ens.client(superuser=False, timeout=60)
    tail = p["tail"]
    kinds = collections.Counter()
    try:
        if tail:
            zk.create("/bench/tail", b"")
            kinds["create"] += 1
        pl = Pipeline(window=500)
        n_set = tail * 5 // 10
        n_create = tail * 3 // 10
        n_multi = tail // 100
        n_delete = max(0, tail - 1 - n_set - n_create - n_multi)

        def rand_child():
            i = rnd.randrange(n_parents)
            return "/bench/p%04d/c%04d" % (i, rnd.randrange(max(1, per_parent[i])))

        for k in range(n_set):
            pl.add(zk.set_async(rand_child(), rnd.randbytes(rnd.randint(p["data_min"], p["data_max"]))))
        kinds["setData"] += n_set
        for k in range(n_create):
            pl.add(zk.create_async("/bench/tail/t%06d" % k, rnd.randbytes(rnd.randint(0, p["data_max"]))))
        kinds["create"] += n_create
        pl.drain()
        deleted = []
        # delete children of the last parents, in order (no path twice, none of them is needed later)
        for i in range(n_parents - 1, -1, -1):
            for j in range(per_parent[i]):
                if len(deleted) >= n_delete:
                    break
                deleted.append("/bench/p%04d/c%04d" % (i, j))
                pl.add(zk.delete_async(deleted[-1]))
            if len(deleted) >= n_delete:
                break
        kinds["delete"] += len(deleted)
        pl.drain()
        for k in range(n_multi):
            t = zk.transaction()
            t.create("/bench/tail/m%06d" % k, b"multi")
            t.set_data("/bench/tail/t%06d" % (k % max(1, n_create)), b"changed in a multi")
            t.commit()
        kinds["multi"] += n_multi
        last_zxid = ens.zxid(1)
        node_count_last = ens.node_count(1)
    finally:
        zk.stop()
        zk.close()
    ens.stop(timeout=60)
    # closeSession of the kazoo clients is one more txn; the srvr zxid above is before it
    log("tail txns done: %s; zxid 0x%x -> 0x%x" % (dict(kinds), snap_zxid, last_zxid))

    # assemble the benchmark dataDir: the snapshot and the logs after it
    dd = os.path.join(tmp, "datadir", "version-2")
    os.makedirs(dd)
    logs = []
    for name in sorted(os.listdir(v2)):
        if name.startswith("log."):
            z = int(name.split(".")[1], 16)
            if z > snap_zxid:
                logs.append(name)
    if tail and not logs:
        raise RuntimeError("no txn log after %s in %s" % (snap_name, sorted(os.listdir(v2))))
    for name in [snap_name] + logs:
        os.link(os.path.join(v2, name), os.path.join(dd, name))
    # keep the server's logs/config for reference, drop its (big) raw dataDir
    shutil.rmtree(ens.data_dir(1))
    stats["total_s"] = round(time.time() - t0, 1)
    meta = {
        "params": p,
        "key": key_of(p),
        "datadir": os.path.join(workdir, "datadir"),
        "snapshot": os.path.join(workdir, "datadir", "version-2", snap_name),
        "snapshot_bytes": os.path.getsize(os.path.join(dd, snap_name)),
        "snapshot_zxid": "0x%x" % snap_zxid,
        "logs": logs,
        "log_bytes": sum(os.path.getsize(os.path.join(dd, x)) for x in logs),
        "znodes_in_snapshot": node_count_snapshot - 1,  # srvr counts the "/" alias too
        "srvr_node_count_at_snapshot": node_count_snapshot,
        "srvr_node_count_last": node_count_last,
        "last_zxid_before_close": "0x%x" % last_zxid,
        "tail_txns": dict(kinds),
        "generation": stats,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    with open(os.path.join(tmp, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)
    os.rename(tmp, workdir)  # atomic "done": only a complete data set has its final name
    return meta


def main():
    p = params_from_env()
    root = os.environ.get("ZKM_BENCH_WORK", os.path.join(HERE, "work"))
    workdir = os.path.join(root, key_of(p))
    meta_path = os.path.join(workdir, "meta.json")
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
        log("reusing data set %s (%d znodes, snapshot %.1f MB)" % (
            workdir, meta["znodes_in_snapshot"], meta["snapshot_bytes"] / 1e6))
    else:
        log("building data set %s" % workdir)
        meta = build(p, workdir, int(os.environ.get("ZKM_BENCH_GEN_IP", "231")))
        log("built in %.0f s: %s" % (meta["generation"]["total_s"], workdir))
    print(meta_path)


if __name__ == "__main__":
    main()
