#!/usr/bin/python3
"""Calibrates the plan's heap estimate (module_src/plan/plan.cc HeapEstimate, docs/HEAP.md)
on real ZooKeeper JVMs.

For each of three tree shapes a standalone "source" ZooKeeper 3.8 (tests/lib/zkharness.py) is
loaded in stages:

    empty     a fresh server (only /, /zookeeper, /zookeeper/quota, /zookeeper/config)
    bare      the shape's znodes, no data, the open ACL
    data      setData on every znode with the shape's data sizes
    acls      distinct ACL lists (digest, ip, world with varied perms) set on some znodes
    sessions  sessions left open (raw ConnectRequests, long timeout), some owning ephemerals

After each stage the source is stopped and

  * the engine reads the tree's figures from the stopped data dir (`zk_snapshot` module
    state=facts: disk.tree.{znodes,path_bytes,data_bytes,acl_entries,sessions}, the figures the
    plan uses), and `zk_snapshot plan --facts` gives the plan's current heap estimate;
  * `zk_snapshot consolidate` writes the snapshot a migration target would load, and a fresh
    "target" JVM (-Xmx2g, SerialGC as in zkharness) loads it; its LIVE heap is measured:
    `jcmd <pid> GC.run` (a full GC) then `jcmd <pid> GC.heap_info`, three times, the minimum used.

The live heaps are fitted by least squares, relative (each row divided by its measured heap, so
small trees count as much as big ones), to
    live = base + a*znodes + b*path_bytes + c*data_bytes + d*acl_entries + e*sessions
and the -Xmx the plan should ask for is that live set times HEADROOM (docs/HEAP.md says why).

Writes tests/bench/work/heap_calibration.json and prints a table. Run it in a private network
namespace:
    unshare --net --fork bash -c 'ip link set lo up && /usr/bin/python3 tests/bench/heap_calibration.py'
Environment: ZKM_BIN (default build/zk_snapshot), ZKM_BENCH_WORK (default tests/bench/work),
ZKM_HEAP_SCALE (default 1.0: multiplies every shape's counts, e.g. 0.1 for a quick try).
"""

import json
import os
import random
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

import zkharness  # noqa: E402
from zkharness import Ensemble  # noqa: E402
from kazoo.security import ACL, Id, make_digest_acl  # noqa: E402

ZKM_BIN = os.environ.get("ZKM_BIN", os.path.join(ROOT, "build", "zk_snapshot"))
WORK = os.environ.get("ZKM_BENCH_WORK", os.path.join(HERE, "work"))
SCALE = float(os.environ.get("ZKM_HEAP_SCALE", "1.0"))
HEAP = "2g"            # -Xmx of the measured JVMs
HEADROOM = 2.0         # -Xmx needed / live set (docs/HEAP.md, "Headroom")
SESSION_TIMEOUT_MS = 1200000
SRC_IP, TGT_IP = 241, 242

# name, znodes, children per parent, path segment padding, data min/max bytes,
# distinct ACL lists, sessions, ephemerals per session (on every other session)
SHAPES = [
    dict(name="small", znodes=20000, children=200, pad=4, data=(0, 200), acls=500,
         sessions=300, ephemerals=2),
    dict(name="medium", znodes=100000, children=1000, pad=24, data=(600, 1400), acls=3000,
         sessions=1500, ephemerals=2),
    dict(name="large", znodes=300000, children=500, pad=60, data=(20, 180), acls=15000,
         sessions=4000, ephemerals=1),
]
FIGURES = ("znodes", "path_bytes", "data_bytes", "acl_entries", "sessions")
TERMS = ("base",) + FIGURES


def log(msg):
    print("[heap %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


# --- a raw client: sessions that stay open after their socket is gone ------------------------------

def _frame(b):
    return struct.pack(">i", len(b)) + b


def _read_frame(s):
    def exact(n):
        out = b""
        while len(out) < n:
            c = s.recv(n - len(out))
            if not c:
                raise OSError("connection closed by the server")
            out += c
        return out
    n = struct.unpack(">i", exact(4))[0]
    return exact(n)


def _zk_string(x):
    b = x.encode()
    return struct.pack(">i", len(b)) + b


def open_abandoned_session(host, port, ephemerals):
    """ConnectRequest with a long timeout, `ephemerals` ephemeral creates, then the socket is
    closed without closeSession: the session lives on (and is written to the log) until it
    expires."""
    s = socket.create_connection((host, port), timeout=10)
    try:
        # protocolVersion, lastZxidSeen, timeOut, sessionId, passwd, readOnly
        s.sendall(_frame(struct.pack(">iqiq", 0, 0, SESSION_TIMEOUT_MS, 0) +
                         struct.pack(">i", 16) + b"\0" * 16 + b"\0"))
        resp = _read_frame(s)
        session_id = struct.unpack(">q", resp[8:16])[0]
        for k, path in enumerate(ephemerals):
            body = struct.pack(">ii", k + 1, 1)  # xid, OpCode.create
            body += _zk_string(path) + struct.pack(">i", 8) + b"ephemera"
            body += struct.pack(">i", 1) + struct.pack(">i", 31) + _zk_string("world") + _zk_string("anyone")
            body += struct.pack(">i", 1)  # CreateMode.EPHEMERAL
            s.sendall(_frame(body))
            reply = _read_frame(s)
            err = struct.unpack(">i", reply[12:16])[0]
            if err != 0:
                raise RuntimeError("create %s failed: error %d" % (path, err))
        return session_id
    finally:
        s.close()


# --- the tree --------------------------------------------------------------------------------------

def paths_of(shape):
    n = max(10, int(shape["znodes"] * SCALE))
    pad = "x" * shape["pad"]
    per = shape["children"]
    top = "/cal-%s-%s" % (shape["name"], pad)
    parents, children = [], []
    remaining = n - 1
    i = 0
    while remaining > 0:
        p = "%s/parent-%s-%05d" % (top, pad, i)
        parents.append(p)
        remaining -= 1
        for j in range(min(per, remaining)):
            children.append("%s/node-%s-%06d" % (p, pad, j))
        remaining -= min(per, remaining)
        i += 1
    return top, parents, children


def wait_all(results):
    for r in results:
        v = r.get(timeout=120)
        if isinstance(v, list):
            bad = [x for x in v if isinstance(x, Exception)]
            if bad:
                raise RuntimeError("multi failed: %r" % bad[:3])


def in_batches(zk, ops, window=16):
    """ops: callables taking a transaction; committed in multis of 100, `window` in flight."""
    pending = []
    tx = zk.transaction()
    for op in ops:
        op(tx)
        if len(tx.operations) >= 100:
            pending.append(tx.commit_async())
            tx = zk.transaction()
            if len(pending) >= window:
                wait_all(pending)
                pending = []
    if tx.operations:
        pending.append(tx.commit_async())
    wait_all(pending)


def stage_bare(zk, shape, rnd, st):
    top, parents, children = paths_of(shape)
    zk.create(top, b"")
    in_batches(zk, [lambda tx, p=p: tx.create(p, b"") for p in parents])
    in_batches(zk, [lambda tx, p=p: tx.create(p, b"") for p in children])
    st["paths"] = [top] + parents + children


def stage_data(zk, shape, rnd, st):
    lo, hi = shape["data"]
    in_batches(zk, [lambda tx, p=p: tx.set_data(p, rnd.randbytes(rnd.randint(lo, hi)))
                    for p in st["paths"]])


def stage_acls(zk, shape, rnd, st):
    n = max(1, int(shape["acls"] * SCALE))
    targets = rnd.sample(st["paths"][1:], min(n, len(st["paths"]) - 1))
    pending = []
    for k, p in enumerate(targets):
        kind = k % 4
        if kind == 0:
            acl = [make_digest_acl("user%06d" % k, "pw%d" % k, all=True)]
        elif kind == 1:
            acl = [make_digest_acl("app%06d" % k, "pw%d" % k, read=True, write=True),
                   ACL(1, Id("world", "anyone"))]
        elif kind == 2:
            acl = [ACL(31, Id("ip", "10.%d.%d.0/24" % (k // 256 % 256, k % 256)))]
        else:
            acl = [make_digest_acl("ops%06d" % k, "pw%d" % k, all=True),
                   ACL(31, Id("ip", "192.168.%d.%d" % (k // 256 % 256, k % 256)))]
        pending.append(zk.set_acls_async(p, acl))
        if len(pending) >= 500:
            wait_all(pending)
            pending = []
    wait_all(pending)


def stage_sessions(ens, zk, shape, rnd, st):
    n = max(1, int(shape["sessions"] * SCALE))
    base = "/cal-%s-ephemerals" % shape["name"]
    zk.create(base, b"")
    for k in range(n):
        eph = ["%s/s%05d-e%d" % (base, k, e) for e in range(shape["ephemerals"])] if k % 2 == 0 else []
        open_abandoned_session(ens.host(1), ens.client_port, eph)


# --- measuring -------------------------------------------------------------------------------------

def jcmd(pid, *args):
    r = subprocess.run(["jcmd", str(pid)] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError("jcmd %s %s failed: %s" % (pid, " ".join(args), r.stdout))
    return r.stdout


def heap_used_after_gc(pid, repeats=3):
    """Minimum heap used (bytes) after a full GC; also the class histogram's total, once."""
    used = []
    for _ in range(repeats):
        jcmd(pid, "GC.run")
        info = jcmd(pid, "GC.heap_info")
        # SerialGC: "def new generation total ..K, used ..K" and "tenured generation ... used ..K"
        gens = re.findall(r"(?:new generation|tenured generation|young|old|region)\S*\s+total \d+K, used (\d+)K",
                          info)
        if not gens:
            raise RuntimeError("no 'used' figures in GC.heap_info:\n%s" % info)
        used.append(sum(int(g) for g in gens) * 1024)
    hist = jcmd(pid, "GC.class_histogram")
    m = re.search(r"^Total\s+(\d+)\s+(\d+)", hist, re.M)
    return min(used), used, int(m.group(2)) if m else None


def engine_facts(ens):
    args = {"state": "facts", "config": ens.node_conf_path(1), "_ansible_check_mode": False}
    with tempfile.NamedTemporaryFile("w", prefix="zkm-heap-args-", suffix=".json", delete=False) as f:
        json.dump(args, f)
    try:
        r = subprocess.run([ZKM_BIN, f.name], stdout=subprocess.PIPE, universal_newlines=True, timeout=600)
    finally:
        os.unlink(f.name)
    res = json.loads(r.stdout)
    tree = ((res.get("node") or {}).get("disk") or {}).get("tree")
    if not tree:
        raise RuntimeError("facts returned no disk.tree: %s" % r.stdout[:2000])
    return res, {k: int(tree[k]) for k in FIGURES}


def engine_plan_heap(facts):
    with tempfile.NamedTemporaryFile("w", prefix="zkm-heap-facts-", suffix=".json", delete=False) as f:
        json.dump({"source": {"src1": facts}, "target": {}}, f)
    try:
        r = subprocess.run([ZKM_BIN, "plan", "--json", "--facts", f.name], stdout=subprocess.PIPE,
                           universal_newlines=True, timeout=120)
    finally:
        os.unlink(f.name)
    doc = json.loads(r.stdout)
    heap = (doc.get("estimates") or {}).get("heap")
    if heap is not None:
        return int(heap["bytes"])
    raise RuntimeError("plan gave no heap estimate: %s" % r.stdout[:2000])


def measure_target(src, work, shape_name, stage):
    """Consolidates the source's data dir and measures a fresh JVM that loads only that snapshot."""
    out = os.path.join(work, "consolidated")
    shutil.rmtree(out, ignore_errors=True)
    r = subprocess.run([ZKM_BIN, "consolidate", "--config", src.node_conf_path(1), "--out", out,
                        "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, timeout=600)
    if r.returncode != 0 and stage == "empty":
        # consolidate refuses the empty server's snapshot.0 (no digest: "the written snapshot's
        # digest does not verify"); the target then loads the source's own files
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(os.path.join(src.data_dir(1), "version-2"), out)
    elif r.returncode != 0:
        raise RuntimeError("consolidate failed: %s" % r.stdout)
    tgt_base = os.path.join(work, "target")
    shutil.rmtree(tgt_base, ignore_errors=True)
    tgt = Ensemble(tgt_base, size=1, first_ip=TGT_IP, heap=HEAP,
                   extra_cfg={"maxSessionTimeout": SESSION_TIMEOUT_MS})
    v2 = os.path.join(tgt.data_dir(1), "version-2")
    os.makedirs(v2)
    for name in os.listdir(out):
        shutil.copy(os.path.join(out, name), v2)
    try:
        tgt.start()
        tgt.wait_serving(300)
        count = tgt.node_count(1)
        used, all_used, hist_total = heap_used_after_gc(tgt.pid(1))
    finally:
        tgt.stop(timeout=60)
    shutil.rmtree(tgt_base, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    return {"live_bytes": used, "live_samples": all_used, "histogram_total": hist_total,
            "srvr_node_count": count}


# --- fit -------------------------------------------------------------------------------------------

def solve(a, b):
    """Gaussian elimination with partial pivoting (no numpy on the system Python)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        if abs(m[c][c]) < 1e-300:
            raise RuntimeError("singular fit: the shapes do not separate term %s" % TERMS[c])
        for r in range(n):
            if r != c:
                f = m[r][c] / m[c][c]
                for k in range(c, n + 1):
                    m[r][k] -= f * m[c][k]
    return [m[i][n] / m[i][i] for i in range(n)]


def fit(rows):
    """Relative least squares: minimise sum(((x.coef) - live) / live)^2."""
    xs = [[1.0] + [float(r["figures"][k]) for k in FIGURES] for r in rows]
    ys = [float(r["live_bytes"]) for r in rows]
    w = [1.0 / y for y in ys]
    n = len(TERMS)
    # scale columns so the normal equations are well conditioned
    scale = [max(abs(x[j]) for x in xs) or 1.0 for j in range(n)]
    xa = [[x[j] / scale[j] * w[i] for j in range(n)] for i, x in enumerate(xs)]
    ya = [ys[i] * w[i] for i in range(len(ys))]
    ata = [[sum(xa[i][j] * xa[i][k] for i in range(len(xa))) for k in range(n)] for j in range(n)]
    aty = [sum(xa[i][j] * ya[i] for i in range(len(xa))) for j in range(n)]
    coef = solve(ata, aty)
    return {TERMS[j]: coef[j] / scale[j] for j in range(n)}


def predict(coef, figures):
    return coef["base"] + sum(coef[k] * figures[k] for k in FIGURES)


# --- main ------------------------------------------------------------------------------------------

def run_shape(shape, root):
    work = os.path.join(root, shape["name"])
    shutil.rmtree(work, ignore_errors=True)
    src = Ensemble(os.path.join(work, "source"), size=1, first_ip=SRC_IP, heap=HEAP,
                   snap_count=100000000,
                   extra_cfg={"forceSync": "no", "maxSessionTimeout": SESSION_TIMEOUT_MS,
                              "maxClientCnxns": 0})
    rnd = random.Random(7)
    st = {}
    rows = []
    stages = [("empty", None), ("bare", stage_bare), ("data", stage_data), ("acls", stage_acls),
              ("sessions", "sessions")]
    try:
        src.start()
        src.wait_serving(120)
        for name, fn in stages:
            t0 = time.time()
            if fn is not None:
                zk = src.client(superuser=False, timeout=60)
                try:
                    if fn == "sessions":
                        stage_sessions(src, zk, shape, rnd, st)
                    else:
                        fn(zk, shape, rnd, st)
                finally:
                    zk.stop()
                    zk.close()
            src.stop(timeout=60)
            facts, figures = engine_facts(src)
            estimate = engine_plan_heap(facts)
            m = measure_target(src, work, shape["name"], name)
            row = {"shape": shape["name"], "stage": name, "figures": figures,
                   "plan_heap_estimate": estimate, "seconds": round(time.time() - t0, 1)}
            row.update(m)
            rows.append(row)
            log("%s/%s: %s live %.1f MiB (plan estimate %.1f MiB)" % (
                shape["name"], name, figures, m["live_bytes"] / 1048576.0, estimate / 1048576.0))
            if name != stages[-1][0]:
                src.start()
                src.wait_serving(300)
    finally:
        src.stop(timeout=60)
        shutil.rmtree(work, ignore_errors=True)
    return rows


def java_version():
    r = subprocess.run(["java", "-version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True)
    return r.stdout.splitlines()[0] if r.stdout else "unknown"


def main():
    for tool in ("jcmd", "java"):
        if shutil.which(tool) is None:
            print("missing %s (default-jdk-headless)" % tool, file=sys.stderr)
            return 2
    if not os.access(ZKM_BIN, os.X_OK):
        print("missing %s: run scripts/build.sh" % ZKM_BIN, file=sys.stderr)
        return 2
    os.makedirs(WORK, exist_ok=True)
    root = tempfile.mkdtemp(prefix="zkm-heap-", dir=WORK)
    t0 = time.time()
    rows = []
    try:
        for shape in SHAPES:
            rows += run_shape(shape, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    coef = fit(rows)
    for r in rows:
        r["fitted_live_bytes"] = round(predict(coef, r["figures"]))
        r["fit_error_pct"] = round(100.0 * (r["fitted_live_bytes"] - r["live_bytes"]) / r["live_bytes"], 1)
        r["plan_vs_live"] = round(r["plan_heap_estimate"] / float(r["live_bytes"]), 2)
    result = {
        "zookeeper": zkharness.zk_version(), "java": java_version(), "gc": "SerialGC (zkharness)",
        "xmx": HEAP, "scale": SCALE, "headroom": HEADROOM, "cores": os.cpu_count(),
        "seconds": round(time.time() - t0, 1),
        "fitted_live_coefficients": coef,
        "xmx_constants": {k: round(v * HEADROOM, 1) for k, v in coef.items()},
        "rows": rows,
    }
    path = os.path.join(WORK, "heap_calibration.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=1)
    hdr = "%-7s %-9s %8s %10s %11s %6s %6s %9s %9s %7s %9s %6s" % (
        "shape", "stage", "znodes", "path_B", "data_B", "acls", "sess", "live_MiB", "fit_MiB",
        "fit_err", "plan_MiB", "plan/x")
    print(hdr)
    for r in rows:
        fg = r["figures"]
        print("%-7s %-9s %8d %10d %11d %6d %6d %9.1f %9.1f %6.1f%% %9.1f %6.2f" % (
            r["shape"], r["stage"], fg["znodes"], fg["path_bytes"], fg["data_bytes"], fg["acl_entries"],
            fg["sessions"], r["live_bytes"] / 1048576.0, r["fitted_live_bytes"] / 1048576.0,
            r["fit_error_pct"], r["plan_heap_estimate"] / 1048576.0, r["plan_vs_live"]))
    print("live set = %s" % " + ".join("%.2f*%s" % (coef[k], k) for k in TERMS))
    print("-Xmx (x%.1f) = %s" % (HEADROOM, " + ".join("%.1f*%s" % (coef[k] * HEADROOM, k) for k in TERMS)))
    print("results: %s (%.0f s)" % (path, time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
