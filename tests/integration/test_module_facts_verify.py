#!/usr/bin/python3
"""Integration test of the module states `facts` and `verify` against real ZooKeeper 3.8 on loopback.

    /usr/bin/python3 tests/integration/test_module_facts_verify.py [--keep-work] [--only 1,2,...]

The binary is driven the way Ansible drives it: a JSON arguments file as the only argument, one JSON
object on stdout.  Cases:
  1  facts on a running standalone source: running, mode, zxid; settings from the JVM command line
     and from the conf dir's java.env; the /proc process found
  2  facts on the same node stopped: running false (refused), last zxid on disk = the srvr zxid seen
     before the stop, newest valid snapshot, sizes, free space
  3  4lw.commands.whitelist=ruok: srvr still answers (ZooKeeper always allows it), mntr is
     classified not_whitelisted; a fake server refusing srvr is not_whitelisted and running, one that
     never answers is a timeout with the port open
  4  bad environment / arguments: missing zoo.cfg, bad timeout, unknown option
  5  verify on a standalone target started from the bundle's consolidated snapshot: ok (warning:
     standalone); a manifest with a wrong znode count fails naming node_count; deep ok; a changed
     znode makes deep fail naming tree_digest; a stopped target fails naming serving
  6  verify on a one-node quorum target (standaloneEnabled=false, leader, new epoch) with the
     manifest at its default place <dataDir>/zkmigrate/manifest.json; deep ok

Servers use 127.0.0.44-48.  The work dir is under /tmp, removed unless a case failed or --keep-work.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
from common import Ensemble, log, stop_client  # noqa: E402
from kazoo.security import READ_ACL_UNSAFE, make_digest_acl  # noqa: E402
import zkharness  # noqa: E402

SRC_IP, WL_IP, STANDALONE_IP, QUORUM_IP = 44, 45, 46, 47


from common import Failed, check  # noqa: E402,F401


def module(work, args, timeout=120):
    """Run zk_snapshot as Ansible does; returns the parsed JSON (raises if stdout is not one object)."""
    fd, path = tempfile.mkstemp(prefix="args-", suffix=".json", dir=work)
    with os.fdopen(fd, "w") as f:
        json.dump(dict(args, _ansible_check_mode=False, _ansible_diff=False), f)
    r = subprocess.run([common.ZK_SNAPSHOT, path], capture_output=True, timeout=timeout)
    out = r.stdout.decode("utf-8", "replace")
    try:
        res = json.loads(out)
    except ValueError:
        raise Failed("stdout is not one JSON object (exit %d):\n%s\n%s" % (r.returncode, out, r.stderr.decode()))
    res["_rc"] = r.returncode
    return res


def brief(res):
    return json.dumps({k: v for k, v in res.items() if k != "ansible_facts"}, indent=1)[:4000]


class State(object):
    src = None            # stopped source Ensemble
    srvr_zxid = None      # srvr zxid of the source just before the stop
    bundle = None         # bundle dir
    manifest = None       # parsed manifest.json


S = State()


def workload(zk):
    zk.create("/d", b"data")
    zk.create("/d/null", None)
    zk.create("/d/empty", b"")
    zk.create("/d/ro", b"read only", acl=READ_ACL_UNSAFE)
    zk.create("/d/seq", b"")
    for _ in range(8):
        zk.create("/d/seq/n-", b"s", sequence=True)
    for k in range(10):
        zk.create("/d/x%d" % k, b"%d" % k)
        zk.set("/d/x%d" % k, b"again %d" % k)
    zk.delete("/d/x9")
    t = zk.transaction()
    t.create("/d/m", b"")
    t.set_data("/d", b"in multi")
    t.commit()
    zk.create("/d/\u00fcn\u00efcode", "\u65e5\u672c".encode())
    # Readable only by alice (and the super user): a deep walk needs credentials.
    zk.create("/d/secret", b"alice only", acl=[make_digest_acl("alice", "pw", all=True)])


def case1(work):
    ens = Ensemble(os.path.join(work, "src"), size=1, first_ip=SRC_IP, snap_count=20,
                   jvm_flags=common.COMMON_FLAGS, heap=common.HEAP)
    S.src = ens
    conf_dir = os.path.dirname(ens.node_conf_path(1))
    with open(os.path.join(conf_dir, "java.env"), "w") as f:
        f.write('# read by zkEnv.sh\nexport SERVER_JVMFLAGS="-Dzookeeper.closeSessionTxn.enabled=false -Xmx1g"\n')
    ens.start()
    ens.wait_serving(60)
    zk = ens.client()
    try:
        workload(zk)
    finally:
        stop_client(zk)
    res = module(work, {"state": "facts", "config": ens.node_conf_path(1), "timeout": 5})
    node = res.get("node") or {}
    check(res["failed"] is False and res["changed"] is False, "facts ok, changed false", brief(res))
    check(res.get("ansible_facts", {}).get("zk_node") == node, "ansible_facts.zk_node equals node")
    check(node.get("running") is True and node.get("serving") is True, "running and serving")
    check(node.get("mode") == "standalone", "mode standalone")
    live = ens.srvr(1)
    check(node.get("zxid") == live["zxid"], "zxid %s from srvr" % node.get("zxid_hex"))
    check(node.get("node_count") == live["node_count"], "node_count %s" % node.get("node_count"))
    check(node.get("probe", {}).get("status") == "ok", "probe status ok")
    check(node.get("mntr", {}).get("status") == "ok" and node["mntr"].get("server_state") == "standalone",
          "mntr ok, server_state standalone")
    check(node.get("process", {}) and node["process"].get("pid") == ens.pid(1),
          "the JVM found in /proc (pid %s)" % ens.pid(1), brief(res))
    st = node.get("settings", {})
    check(st.get("jute_maxbuffer", {}).get("value") == "4194304" and
          st["jute_maxbuffer"]["source"].startswith("cmdline of pid"),
          "jute.maxbuffer 4194304 from the command line", json.dumps(st.get("jute_maxbuffer")))
    check(st.get("extended_types_enabled", {}).get("value") == "true", "extendedTypesEnabled from -D")
    cst = st.get("close_session_txn_enabled", {})
    check(cst.get("value") == "false" and cst.get("source", "").endswith("java.env:2"),
          "closeSessionTxn.enabled=false from java.env:2", json.dumps(cst))
    check(st.get("snap_count", {}).get("value") == "20" and "zoo.cfg" in st["snap_count"]["source"],
          "snapCount 20 from zoo.cfg")
    check(node.get("disk", {}).get("status") == "ok", "disk readable while running")


def case2(work):
    ens = S.src
    if ens is None:
        raise Failed("case 1 did not build the source")
    S.srvr_zxid = ens.zxid(1)
    ens.stop()
    res = module(work, {"state": "facts", "config": ens.node_conf_path(1), "timeout": "3"})
    node = res.get("node") or {}
    check(res["failed"] is False, "facts of a stopped node do not fail", brief(res))
    check(node.get("running") is False and node.get("probe", {}).get("status") == "refused",
          "running false, probe refused", brief(res))
    check(node.get("process") is None, "no JVM in /proc")
    check(node.get("last_zxid") == S.srvr_zxid,
          "last logged zxid %s = srvr zxid before the stop" % node.get("last_zxid_hex"), brief(res))
    disk = node.get("disk", {})
    snaps = common.list_files(os.path.join(ens.data_dir(1), "version-2"), "snapshot")
    check(disk.get("snapshot", {}).get("name") == snaps[-1][1], "newest valid snapshot %s" % snaps[-1][1])
    check(disk.get("snapshot_count") == len(snaps) and disk.get("log_bytes", 0) > 0, "snapshot count and log sizes")
    free = node.get("free_space", {}).get("data_dir", {})
    check(free.get("bytes_available", 0) > 0, "free space on the dataDir filesystem")
    check(node.get("current_epoch") is None, "standalone: no currentEpoch")
    # bundle the stopped source for cases 5 and 6 (the real flow: facts, bundle, place, verify)
    S.bundle = os.path.join(work, "bundle")
    os.makedirs(S.bundle)
    b = module(work, {"state": "bundle", "config": ens.node_conf_path(1), "dest": S.bundle})
    check(b["failed"] is False, "bundle of the stopped source", brief(b))
    with open(os.path.join(S.bundle, "manifest.json")) as f:
        S.manifest = json.load(f)
    check(S.manifest["last_zxid"] == S.srvr_zxid, "manifest last_zxid = source zxid")


class FakeServer(object):
    """Answers every connection with `answer` (None: accepts and never answers)."""

    def __init__(self, answer):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.answer = answer
        self.conns = []
        self.stop = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    @property
    def endpoint(self):
        return "127.0.0.1:%d" % self.sock.getsockname()[1]

    def serve(self):
        self.sock.settimeout(0.1)
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            if self.answer is None:
                self.conns.append(c)
                continue
            try:
                cmd = c.recv(4).decode()
                c.sendall(self.answer(cmd).encode())
            finally:
                c.close()

    def close(self):
        self.stop = True
        self.thread.join(2)
        for c in self.conns:
            c.close()
        self.sock.close()


def case3(work):
    with Ensemble(os.path.join(work, "wl"), size=1, first_ip=WL_IP, heap=common.HEAP,
                  extra_cfg={"4lw.commands.whitelist": "ruok"}) as ens:
        ens.start()
        ens.wait_serving(60)
        res = module(work, {"state": "facts", "config": ens.node_conf_path(1)})
        node = res.get("node") or {}
        check(res["failed"] is False and node.get("running") is True, "facts ok, running", brief(res))
        check(node.get("probe", {}).get("status") == "ok", "srvr answers although only ruok is whitelisted")
        check(node.get("mntr", {}).get("status") == "not_whitelisted", "mntr classified not_whitelisted",
              brief(res))
        check(node["settings"]["four_letter_whitelist"]["value"] == "ruok", "4lw whitelist reported")
    stopped_cfg = ens.node_conf_path(1)  # its JVM is gone, so only the endpoint speaks
    fake = FakeServer(lambda cmd: "%s is not executed because it is not in the whitelist.\n" % cmd)
    try:
        res = module(work, {"state": "facts", "config": stopped_cfg, "client": fake.endpoint})
    finally:
        fake.close()
    node = res.get("node") or {}
    check(node.get("probe", {}).get("status") == "not_whitelisted", "srvr refused: not_whitelisted", brief(res))
    check(node.get("running") is True and node.get("mode") is None, "not_whitelisted is running, mode unknown")
    silent = FakeServer(None)
    try:
        t0 = time.time()
        res = module(work, {"state": "facts", "config": stopped_cfg, "client": silent.endpoint,
                            "timeout": 1})
        took = time.time() - t0
    finally:
        silent.close()
    node = res.get("node") or {}
    pr = node.get("probe", {})
    check(pr.get("status") == "timeout" and pr.get("connect") == "ok", "silent port: timeout, connect ok",
          brief(res))
    check(node.get("running") is None, "running unknown (null) when the port is open but silent")
    check(took < 10, "the timeout bounds the call (%.1fs)" % took)


def case4(work):
    res = module(work, {"state": "facts", "config": os.path.join(work, "nowhere", "zoo.cfg")})
    check(res["failed"] is True and "nowhere/zoo.cfg" in res["msg"], "missing zoo.cfg: %s" % res["msg"])
    res = module(work, {"state": "facts", "config": S.src.node_conf_path(1), "timeout": "soon"})
    check(res["failed"] is True and "timeout" in res["msg"], "bad timeout: %s" % res["msg"])
    res = module(work, {"state": "facts", "config": S.src.node_conf_path(1), "timeout": 0})
    check(res["failed"] is True and "timeout" in res["msg"], "zero timeout: %s" % res["msg"])
    res = module(work, {"state": "verify", "config": S.src.node_conf_path(1)})
    check(res["failed"] is True and "manifest" in res["msg"], "verify without a manifest: %s" % res["msg"])
    res = module(work, {"state": "facts", "config": S.src.node_conf_path(1), "colour": "blue"})
    check(res["failed"] is True and "colour" in res["msg"], "unknown option: %s" % res["msg"])


def snapshot_of_bundle():
    snaps = [f["name"] for f in S.manifest["files"] if f["role"] == "snapshot"]
    return os.path.join(S.bundle, snaps[0])


def failed_check(res):
    for c in res.get("checks", []):
        if c["status"] == "failed":
            return c["name"]
    return None


def case5(work):
    if S.manifest is None:
        raise Failed("case 2 did not make the bundle")
    manifest = os.path.join(S.bundle, "manifest.json")
    ens = common.fresh_server(os.path.join(work, "t-standalone"), snapshot_of_bundle(), size=1,
                              first_ip=STANDALONE_IP)
    with ens:
        cfg = ens.node_conf_path(1)
        res = module(work, {"state": "verify", "config": cfg, "manifest": manifest})
        check(res["failed"] is False and res.get("verified") is True, "verify ok: %s" % res["msg"], brief(res))
        check(any("standalone" in w for w in res.get("warnings", [])), "warning: standalone target")
        names = [c["name"] for c in res["checks"]]
        check(names[:5] == ["serving", "mode", "zxid", "epoch", "node_count"], "checks listed: %s" % names)
        res = module(work, {"state": "verify", "config": cfg, "manifest": manifest, "deep": True})
        check(res["failed"] is True and res.get("deep", {}).get("unreadable") == 1,
              "deep verify without credentials cannot read /d/secret: %s" % res["msg"], brief(res))
        secret = "digest:%s:%s" % (zkharness.SUPER_USER, zkharness.SUPER_PASSWORD)
        res = module(work, {"state": "verify", "config": cfg, "manifest": manifest, "deep": True,
                            "auth": [secret]})
        check(res["failed"] is False, "deep verify with auth ok (digest %s)"
              % res.get("deep", {}).get("tree_digest"), brief(res))
        check(zkharness.SUPER_PASSWORD not in json.dumps(res), "the credential is not echoed")
        res = module(work, {"state": "verify", "config": cfg, "manifest": manifest, "deep": True,
                            "auth": "digest:%s:wrong" % zkharness.SUPER_USER})
        check(res["failed"] is True, "deep verify with a wrong password fails: %s" % res["msg"])
        auth = [secret]
        wrong = dict(S.manifest, znodes=S.manifest["znodes"] + 3)
        wrong_path = os.path.join(work, "wrong-manifest.json")
        with open(wrong_path, "w") as f:
            json.dump(wrong, f)
        res = module(work, {"state": "verify", "config": cfg, "manifest": wrong_path})
        check(res["failed"] is True and failed_check(res) == "node_count" and "node_count" in res["msg"],
              "wrong znode count fails: %s" % res["msg"], brief(res))
        zk = ens.client()
        try:
            zk.set("/d/x3", b"changed on the target")
        finally:
            stop_client(zk)
        res = module(work, {"state": "verify", "config": cfg, "manifest": manifest, "deep": True,
                            "auth": auth})
        check(res["failed"] is True and failed_check(res) == "tree_digest" and "digest" in res["msg"],
              "a changed znode fails the deep check: %s" % res["msg"], brief(res))
        ens.stop()
        res = module(work, {"state": "verify", "config": cfg, "manifest": manifest, "timeout": 2})
        check(res["failed"] is True and failed_check(res) == "serving", "stopped target: %s" % res["msg"])


def case6(work):
    if S.manifest is None:
        raise Failed("case 2 did not make the bundle")
    ip = "127.0.0.%d" % QUORUM_IP
    extra = {"standaloneEnabled": "false", "reconfigEnabled": "false",
             "server.1": "%s:2888:3888;%s:2181" % (ip, ip)}
    base = os.path.join(work, "t-quorum")
    ens = Ensemble(base, size=1, first_ip=QUORUM_IP, jvm_flags=common.COMMON_FLAGS, heap=common.HEAP,
                   extra_cfg=extra)
    with ens:
        v2 = os.path.join(ens.data_dir(1), "version-2")
        os.makedirs(v2)
        shutil.copy2(snapshot_of_bundle(), v2)
        with open(os.path.join(ens.data_dir(1), "myid"), "w") as f:
            f.write("1\n")
        os.makedirs(os.path.join(ens.data_dir(1), "zkmigrate"))
        shutil.copy2(os.path.join(S.bundle, "manifest.json"), os.path.join(ens.data_dir(1), "zkmigrate"))
        ens.start()
        modes = ens.wait_serving(90)
        check(modes[1] == "leader", "one-node quorum runs as leader")
        res = module(work, {"state": "verify", "config": ens.node_conf_path(1), "deep": "yes",
                            "auth": "digest:%s:%s" % (zkharness.SUPER_USER, zkharness.SUPER_PASSWORD)})
        check(res["failed"] is False, "verify ok with the default manifest place: %s" % res["msg"], brief(res))
        epoch = [c for c in res["checks"] if c["name"] == "epoch"][0]
        check(epoch["status"] == "ok", "epoch check ok: %s > %s" % (epoch["actual"], epoch["expected"]))
        check(res["manifest_path"].endswith("/zkmigrate/manifest.json"), "default manifest path used")


CASES = [("1", "facts on a running node", case1), ("2", "facts on a stopped node", case2),
         ("3", "4lw whitelist, not_whitelisted and silent endpoints", case3),
         ("4", "bad environment and arguments", case4),
         ("5", "verify a standalone target (ok, wrong count, deep, changed znode, stopped)", case5),
         ("6", "verify a one-node quorum target (new epoch, default manifest)", case6)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keep-work", action="store_true")
    ap.add_argument("--only", help="comma-separated case numbers")
    args = ap.parse_args()
    common.quiet_kazoo()
    only = set(args.only.split(",")) if args.only else None
    if not os.access(common.ZK_SNAPSHOT, os.X_OK):
        log("FAIL setup: %s is missing (build first)" % common.ZK_SNAPSHOT)
        log("0 passed, 1 failed")
        return 1
    work = tempfile.mkdtemp(prefix="zkm-it-facts-verify-")
    log("work dir %s, zk_snapshot %s, ZooKeeper %s" % (work, common.ZK_SNAPSHOT, common.zkharness.zk_version()))
    passed, failed = common.run_cases(CASES, only, lambda fn: fn(work))
    common.zkharness._stop_all_live()
    if failed or args.keep_work:
        log("work dir kept: %s" % work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    log("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
