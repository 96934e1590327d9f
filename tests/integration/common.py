"""Shared helpers for zkmigrate's integration tests and the demo.

Run everything with the system interpreter (``/usr/bin/python3``): kazoo comes from Debian.

* :func:`run_cli` runs ``zk_snapshot`` and parses its ``--json`` output;
* :func:`rich_workload` / :func:`small_workload` write the test data through kazoo;
* :func:`stop_ensemble_followers_first`, :func:`choose_source_node` stop a source and pick the node
  ZAB would elect (highest (currentEpoch, last zxid, myid)) from ``zk_snapshot inspect --json``;
* :func:`fresh_server` starts a brand-new ZooKeeper (standalone or quorum) whose empty data dirs
  receive only one snapshot file;
* :func:`compare_source_target` compares two :func:`zkharness.walk` trees, ignoring only what
  legitimately differs after a migration.
"""

import json
import logging
import os
import shutil
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))

import zkharness  # noqa: E402
from zkharness import Ensemble, walk, compare_trees, srvr  # noqa: E402,F401

from kazoo.client import KazooClient  # noqa: E402
from kazoo.exceptions import (BadVersionError, NodeExistsError, NoNodeError,  # noqa: E402
                              RuntimeInconsistency)
from kazoo.security import ACL, Id, Permissions, READ_ACL_UNSAFE, make_digest_acl  # noqa: E402

ZK_SNAPSHOT = os.environ.get("ZK_SNAPSHOT") or os.path.join(REPO, "build", "zk_snapshot")

#: JVM flags used by every server of the tests (sources and targets alike).
COMMON_FLAGS = {
    "zookeeper.preAllocSize": "64",              # 64 KB logs instead of 64 MB (they are copied around)
    "zookeeper.extendedTypesEnabled": "true",    # TTL nodes
    "jute.maxbuffer": "4194304",
}
HEAP = "160m"
#: Sessions that must survive into a target get a long timeout (the server caps it at maxSessionTimeout).
LONG_SESSION_S = 600
SOURCE_EXTRA_CFG = {"maxSessionTimeout": str(LONG_SESSION_S * 1000)}

#: Paths whose contents legitimately differ between a source and a migrated target:
#: /zookeeper/config holds the source's (or, on followers, the target's own) membership text.
#: Quota usage nodes (.../zookeeper_stats) are recomputed on every load; walk() skips them already.
IGNORE_PATHS = ("/zookeeper/config",)


def log(msg):
    print(msg, flush=True)


class Failed(AssertionError):
    """A check that did not hold (reported as the case's failure, without a traceback)."""


def check(cond, msg, detail=None):
    """Assert `cond`; print the one-line `msg` (plus `detail`, e.g. a tool's output, on failure)."""
    if not cond:
        raise Failed(msg if detail is None else "%s\n%s" % (msg, detail))
    log("    ok: " + msg)


def run_cases(cases, only, call, after_each=None):
    """Runs [(num, title, fn)] (those in `only`, if given) through `call(fn)`.

    Prints "== case N: title", then "PASS case N (s)" or "FAIL case N (s): why" per case,
    goes on after a failure, and returns (passed, failed)."""
    passed = failed = 0
    for num, title, fn in cases:
        if only and num not in only:
            continue
        log("== case %s: %s" % (num, title))
        t0 = time.time()
        try:
            call(fn)
        except Exception as e:  # noqa: BLE001 - report every failure and go on
            failed += 1
            detail = str(e) if isinstance(e, Failed) else traceback.format_exc()
            log("FAIL case %s (%.1fs): %s" % (num, time.time() - t0, detail))
        else:
            passed += 1
            log("PASS case %s (%.1fs)" % (num, time.time() - t0))
        finally:
            if after_each:
                after_each()
    return passed, failed


def quiet_kazoo():
    logging.getLogger("kazoo").setLevel(logging.CRITICAL)


# ---------------------------------------------------------------------------------------------------
# the CLI
# ---------------------------------------------------------------------------------------------------

class CliResult(object):
    def __init__(self, cmd, rc, stdout, stderr, data, seconds):
        self.cmd, self.rc, self.stdout, self.stderr, self.json, self.seconds = \
            cmd, rc, stdout, stderr, data, seconds

    @property
    def text(self):
        return self.stdout + self.stderr

    def describe(self, limit=3000):
        t = self.text
        if len(t) > limit:
            t = t[:limit] + "...(%d chars)" % len(t)
        return "$ %s\n[exit %d]\n%s" % (" ".join(self.cmd), self.rc, t)


def run_cli(*args, want_json=None, timeout=600):
    """Run zk_snapshot with `args`; parse stdout as JSON when --json is among the args."""
    cmd = [ZK_SNAPSHOT] + [str(a) for a in args]
    if want_json is None:
        want_json = "--json" in cmd
    t0 = time.time()
    r = subprocess.run(cmd, capture_output=True, timeout=timeout)
    out = r.stdout.decode("utf-8", "replace")
    err = r.stderr.decode("utf-8", "replace")
    data = None
    if want_json:
        try:
            data = json.loads(out)
        except ValueError:
            data = None
    return CliResult(cmd, r.returncode, out, err, data, time.time() - t0)


def cli_ok(res, what):
    """Assert exit 0 and (for --json) "ok": true."""
    if res.rc != 0:
        raise AssertionError("%s: exit %d\n%s" % (what, res.rc, res.describe()))
    if "--json" in res.cmd:
        if res.json is None:
            raise AssertionError("%s: stdout is not JSON\n%s" % (what, res.describe()))
        if res.json.get("ok") is not True:
            raise AssertionError("%s: ok is not true\n%s" % (what, res.describe()))
    return res


def find_key(obj, key):
    """First value of `key` anywhere in a JSON document (depth first), or None."""
    if isinstance(obj, dict):
        if key in obj:
            return obj[key]
        for v in obj.values():
            r = find_key(v, key)
            if r is not None:
                return r
    elif isinstance(obj, list):
        for v in obj:
            r = find_key(v, key)
            if r is not None:
                return r
    return None


def ensure_binary(wait_s=0):
    """True when the CLI answers `inspect` (i.e. is more than a stub); retries up to wait_s."""
    deadline = time.time() + wait_s
    while True:
        if os.access(ZK_SNAPSHOT, os.X_OK):
            r = run_cli("inspect", "/nonexistent-zkm-path", "--json")
            if r.rc == 2:
                return True
        if time.time() >= deadline:
            return False
        time.sleep(30)


# ---------------------------------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------------------------------

def zxid_of(name, prefix):
    parts = name.split(".")
    if parts[0] != prefix or len(parts) < 2:
        return None
    try:
        return int(parts[1], 16)
    except ValueError:
        return None


def list_files(d, prefix):
    """[(zxid, name)] of `prefix`.* files in directory d, sorted by zxid."""
    out = []
    if os.path.isdir(d):
        for n in os.listdir(d):
            z = zxid_of(n, prefix)
            if z is not None:
                out.append((z, n))
    return sorted(out)


def snap_dir(ens, i):
    return os.path.join(ens.data_dir(i), "version-2")


def log_dir(ens, i):
    return os.path.join(ens.log_dir(i), "version-2")


def newest_snapshot(ens, i):
    s = list_files(snap_dir(ens, i), "snapshot")
    return s[-1] if s else (None, None)


def wait_snapshot_complete(path, timeout=30):
    """Wait until a snapshot file stops growing (and a plain one ends with its seal)."""
    deadline = time.time() + timeout
    last = -1
    while time.time() < deadline:
        size = os.path.getsize(path)
        if size == last and size > 0:
            if path.endswith(".gz") or path.endswith(".snappy"):
                return size
            with open(path, "rb") as f:
                f.seek(-5, 2)
                if f.read() == b"\x00\x00\x00\x01/":
                    return size
        last = size
        time.sleep(0.3)
    raise TimeoutError("snapshot %s not complete" % path)


def copy_files(src, dst):
    os.makedirs(dst, exist_ok=True)
    for n in sorted(os.listdir(src)):
        p = os.path.join(src, n)
        if os.path.isfile(p):
            shutil.copy2(p, os.path.join(dst, n))


def needed_logs(logs, snap_zxid):
    """docs/FORMATS.md 8.2: the newest log named <= Z plus every later log (all logs if none <= Z)."""
    older = [l for l in logs if l[0] <= snap_zxid]
    start = older[-1][0] if older else -1
    return [l for l in logs if l[0] >= start]


# createContainer / createTTL requests: tests/lib/zkrequests.py
from zkrequests import create_container, create_ttl  # noqa: E402,F401


# ---------------------------------------------------------------------------------------------------
# clients
# ---------------------------------------------------------------------------------------------------

def stop_client(zk):
    if zk is None:
        return
    quiet_kazoo()
    for fn in (zk.stop, zk.close):
        try:
            fn()
        except Exception:
            pass


def long_session_client(ens, node=None):
    """A plain (non-super) client whose session outlives the migration (LONG_SESSION_S)."""
    zk = KazooClient(hosts=ens.connection_string(node), timeout=LONG_SESSION_S,
                     connection_retry={"max_tries": -1, "delay": 0.2, "max_delay": 1.0})
    zk.start(timeout=30)
    return zk


def expect_error(exc_type, fn):
    try:
        fn()
    except exc_type:
        return
    raise AssertionError("expected %s" % exc_type.__name__)


def wait_same_zxid(ens, timeout=30):
    """Wait until every running node answers srvr with the same zxid; return it."""
    deadline = time.time() + timeout
    while True:
        zx = {}
        for i in ens.running():
            try:
                zx[i] = ens.zxid(i)
            except (OSError, ValueError):
                zx[i] = None
        if None not in zx.values() and len(set(zx.values())) == 1:
            return list(zx.values())[0]
        if time.time() > deadline:
            raise RuntimeError("nodes disagree on zxid: %s" % zx)
        time.sleep(0.2)


# ---------------------------------------------------------------------------------------------------
# workloads
# ---------------------------------------------------------------------------------------------------

DIGEST_ACL = make_digest_acl("alice", "secret", all=True)
IP_ACLS = [ACL(Permissions.ALL, Id("ip", "127.0.0.1")), ACL(Permissions.READ, Id("ip", "10.0.0.0/8"))]
BIG_SIZE = 300 * 1024
SEQ_BEFORE, SEQ_AFTER = 30, 7      # /seq/n- creates before and after the last snapshot (37 in all)


def _filler_until_snapshot(ens, zk, node, path, limit=120):
    """setData `path` until node's newest snapshot is newer than it was at the start."""
    before, _ = newest_snapshot(ens, node)
    before = -1 if before is None else before
    for n in range(limit):
        z, name = newest_snapshot(ens, node)
        if z is not None and z > before:
            wait_snapshot_complete(os.path.join(snap_dir(ens, node), name))
            return name, n
        zk.set(path, b"filler-%d" % n)
        time.sleep(0.02)
    raise RuntimeError("no new snapshot on node %d after %d filler writes" % (node, limit))


def _writes_after_every_snapshot(ens, zk, min_after, prefix, limit=200):
    """Create prefix-k nodes until every node has >= min_after txns after its newest snapshot."""
    for k in range(limit):
        zk.sync("/")
        cur = wait_same_zxid(ens)
        time.sleep(0.5)            # a snapshot the last txn triggered may appear a little later
        gaps = {i: cur - (newest_snapshot(ens, i)[0] or 0) for i in ens.ids}
        if all(g >= min_after for g in gaps.values()):
            return gaps, k
        zk.create("%s-%d" % (prefix, k), b"extra %d" % k)
    raise RuntimeError("could not get %d writes after every node's newest snapshot" % min_after)


def rich_workload(ens, zk, held, leader, facts):
    """The case-1 workload on a running ensemble.

    zk: super client; held: a long-session client left open at the stop; leader: node id whose
    snapshot schedule decides where "after the last snapshot" begins.  Fills `facts`.
    """
    # plain data, empty and null data
    zk.create("/app", b"root data")
    zk.create("/app/empty", b"")
    zk.create("/app/null", None)
    zk.create("/app/set-null", b"x")
    zk.set("/app/set-null", None)
    zk.create("/app/set-empty", b"x")
    zk.set("/app/set-empty", b"")
    for k in range(6):
        zk.create("/app/n%d" % k, b"data %d" % k)
    # persistent sequential (first part)
    zk.create("/seq", b"sequential parent")
    for _ in range(SEQ_BEFORE):
        zk.create("/seq/n-", b"s", sequence=True)
    # ACLs on create and by setACL
    zk.create("/acl", b"")
    zk.create("/acl/digest", b"secret data", acl=[DIGEST_ACL])
    zk.create("/acl/ip", b"ip data", acl=IP_ACLS)
    zk.create("/acl/world-read", b"ro", acl=READ_ACL_UNSAFE)
    zk.create("/acl/mixed", b"m", acl=[DIGEST_ACL, ACL(Permissions.READ, Id("world", "anyone"))])
    zk.set_acls("/app/n0", [DIGEST_ACL, IP_ACLS[0]])
    zk.set_acls("/app/n1", [ACL(Permissions.READ | Permissions.WRITE, Id("world", "anyone"))])
    # non-ASCII paths and data
    zk.create("/ünïcode", "ü".encode())
    zk.create("/ünïcode/日本", "データ".encode())
    # (ZooKeeper refuses surrogate pairs in paths, PathUtils; an emoji is fine in data)
    zk.create("/ünïcode/日本/straße", "\U0001F600 ok".encode())
    # multi: successful and failed
    t = zk.transaction()
    t.create("/multi", b"m")
    t.create("/multi/a", b"a")
    t.set_data("/app", b"set in multi")
    t.check("/app/n2", 0)
    t.delete("/app/n3")
    res = t.commit()
    assert not any(isinstance(r, Exception) for r in res), res
    t = zk.transaction()
    t.create("/multi/never", b"b")
    t.check("/app", 999)
    t.set_data("/app", b"never")
    res = t.commit()
    assert isinstance(res[1], BadVersionError) and isinstance(res[2], RuntimeInconsistency), res
    # error txns
    expect_error(NodeExistsError, lambda: zk.create("/app"))
    expect_error(NoNodeError, lambda: zk.delete("/no/such"))
    # deletes
    zk.create("/del", b"")
    for k in range(5):
        zk.create("/del/x%d" % k, b"")
    zk.delete("/del/x1")
    zk.delete("/del/x3")
    # ephemerals of a closed session (closeSession deletes them) and of the held session
    closed = ens.client(superuser=False)
    zk.create("/eph", b"")
    closed.create("/eph/closed", b"bye", ephemeral=True)
    closed.create("/eph/closed-seq-", b"bye", ephemeral=True, sequence=True)
    held.create("/eph/held", b"alive", ephemeral=True)
    held.create("/eph/held-seq-", b"alive", ephemeral=True, sequence=True)
    stop_client(closed)
    # a big znode
    big = bytes(range(256)) * (BIG_SIZE // 256)
    zk.create("/big", big)
    # a pipelined burst (more than snapCount txns) while the tree holds the big znode: every node
    # snapshots during it, which makes fuzzy snapshots (content newer than the name) likely
    zk.create("/burst", b"")
    for r in [zk.set_async("/burst", b"b%d" % k) for k in range(60)]:
        r.get(timeout=30)
    # containers and TTL nodes (kept: containers with a child, TTL of one day)
    create_container(zk, "/cont", b"kept")
    zk.create("/cont/child", b"")
    create_ttl(zk, "/ttl", 86400000, b"stays")
    create_ttl(zk, "/ttl-seq-", 86400000, b"s", sequential=True)
    # quota (limits + stats nodes, as zkCli setquota does)
    zk.create("/quotaed", b"q")
    zk.create("/zookeeper/quota/quotaed", b"")
    zk.create("/zookeeper/quota/quotaed/zookeeper_stats", b"count=0,bytes=0")
    zk.create("/zookeeper/quota/quotaed/zookeeper_limits", b"count=10,bytes=-1")
    zk.create("/quotaed/child", b"12345")

    # wait for a fresh snapshot on the leader, then write things a snapshot-only copy loses
    # (fewer than snapCount/2 txns, so the leader cannot snapshot again in the middle)
    zk.create("/filler", b"")
    facts["snapshot_before_post_writes"], facts["filler_writes"] = _filler_until_snapshot(ens, zk, leader, "/filler")
    zk.create("/after", b"written after the snapshot")
    for _ in range(SEQ_AFTER):
        zk.create("/seq/n-", b"s", sequence=True)
    zk.set("/app/n4", b"changed after the snapshot")
    zk.set("/big", big[:1000])
    zk.delete("/del/x4")
    zk.set_acls("/acl/world-read", [ACL(Permissions.ALL, Id("world", "anyone"))])
    t = zk.transaction()
    t.create("/after/m", b"")
    t.set_data("/after", b"set in multi")
    t.commit()
    held.create("/after/held-eph", b"late ephemeral", ephemeral=True)
    zk.create("/after/null", None)
    # then more writes until every node has some txns after its own newest snapshot
    facts["after_gaps"], facts["extra_writes"] = _writes_after_every_snapshot(ens, zk, 10, "/after/extra")


def small_workload(ens, zk, prefix="/s"):
    """A compact workload for standalone sources (snapCount small), ending after a new snapshot."""
    zk.create(prefix, b"small")
    zk.create(prefix + "/null", None)
    zk.create(prefix + "/empty", b"")
    zk.create(prefix + "/seq", b"")
    for _ in range(12):
        zk.create(prefix + "/seq/n-", b"s", sequence=True)
    zk.create(prefix + "/acl", b"a", acl=[DIGEST_ACL, IP_ACLS[0]])
    zk.create(prefix + "/ünïcode-日本", "データ".encode())
    zk.create(prefix + "/big", bytes(range(256)) * 200)
    t = zk.transaction()
    t.create(prefix + "/m", b"")
    t.set_data(prefix, b"in multi")
    t.commit()
    zk.delete(prefix + "/empty")
    for k in range(8):
        zk.create(prefix + "/x%d" % k, b"%d" % k)
        zk.set(prefix + "/x%d" % k, b"again %d" % k)
    zk.create(prefix + "/filler", b"")
    name, _ = _filler_until_snapshot(ens, zk, 1, prefix + "/filler")
    for k in range(6):
        zk.create(prefix + "/after-%d" % k, b"after the snapshot")
    zk.set(prefix + "/seq", b"changed after")
    return name


# ---------------------------------------------------------------------------------------------------
# source ensembles
# ---------------------------------------------------------------------------------------------------

def stop_ensemble_followers_first(ens):
    """Stop every node but the leader, then the leader. Returns (leader id, exit codes)."""
    leader = ens.leader()
    codes = {}
    for i in ens.running():
        if i != leader:
            codes.update(ens.stop(i))
    if leader is not None:
        codes.update(ens.stop(leader))
    codes.update(ens.stop())
    return leader, codes


def inspect_node(cfg):
    """inspect --json of a zoo.cfg: (CliResult, (currentEpoch, last_zxid))."""
    r = run_cli("inspect", cfg, "--json")
    rep = (r.json or {}).get("report") or {}
    scan = rep.get("scan") or {}
    ce = scan.get("current_epoch")
    return r, (ce if ce is not None else -1, rep.get("last_zxid", -1))


def choose_source_node(ens):
    """inspect every node's zoo.cfg; all must be ok.  Returns (chosen id, {id: CliResult}, {id: key}).

    The choice follows ZAB's vote order: highest (currentEpoch, last zxid), then highest myid.
    """
    results, keys = {}, {}
    for i in ens.ids:
        r, key = inspect_node(ens.node_conf_path(i))
        cli_ok(r, "inspect node%d" % i)
        results[i], keys[i] = r, key
    chosen = max(ens.ids, key=lambda i: (keys[i][0], keys[i][1], i))
    return chosen, results, keys


# ---------------------------------------------------------------------------------------------------
# targets
# ---------------------------------------------------------------------------------------------------

def fresh_server(base, snapshot_file, size=1, first_ip=61, jvm_flags=None, timeout=90, start=True):
    """A new Ensemble whose empty dataDir/version-2 on every node receives only `snapshot_file`.

    No logs, no epoch files (docs/FORMATS.md 13.2).  Started and waited for unless start=False; the
    caller stops it (use it in a ``with``).
    """
    flags = dict(COMMON_FLAGS)
    flags.update(jvm_flags or {})
    if os.path.exists(base):
        shutil.rmtree(base)
    ens = Ensemble(base, size=size, first_ip=first_ip, jvm_flags=flags, heap=HEAP)
    for i in ens.ids:
        v2 = snap_dir(ens, i)
        os.makedirs(v2, exist_ok=True)
        if os.listdir(v2):
            raise RuntimeError("%s is not empty" % v2)
        shutil.copy2(snapshot_file, os.path.join(v2, os.path.basename(snapshot_file)))
    if start:
        try:
            ens.start()
            ens.wait_serving(timeout)
        except BaseException:
            ens.stop()
            raise
    return ens


def walk_via(ens, node=None):
    """walk() through a super client on `node` (after a sync)."""
    zk = ens.client(node)
    try:
        zk.sync("/")
        return walk(zk)
    finally:
        stop_client(zk)


def compare_source_target(src, dst, names=("source", "target"), extra_ignore=()):
    """compare_trees() with every stat field, data and ACL; only IGNORE_PATHS are skipped."""
    return compare_trees(src, dst, ignore_paths=tuple(IGNORE_PATHS) + tuple(extra_ignore), names=names)


def summarize_diffs(diffs, limit=12):
    if not diffs:
        return "no differences"
    s = "\n    ".join(diffs[:limit])
    if len(diffs) > limit:
        s += "\n    ... %d more" % (len(diffs) - limit)
    return "%d differences:\n    %s" % (len(diffs), s)


def classify_diffs(diffs, names=("source", "target")):
    """(missing, extra, changed) path sets from compare_trees() output made with `names`."""
    missing, extra, changed = set(), set(), set()
    for d in diffs:
        path, rest = d.rsplit(": only in ", 1) if ": only in " in d else d.split(": ", 1)
        if rest == names[0]:
            missing.add(path)
        elif rest == names[1]:
            extra.add(path)
        else:
            changed.add(path.split(": ", 1)[0])
    return missing, extra, changed
