#!/usr/bin/python3
"""Integration test of the Ansible module zkmigrate.zookeeper.zk_snapshot and its collection.

    /usr/bin/python3 tests/integration/test_ansible_module.py [--keep-work] [--only NAME[,NAME...]] [--list]

Real `ansible-playbook` / `ansible` runs (ansible-core 2.14, local connection) from the checkout,
so that ./ansible.cfg and collections/ansible_collections/zkmigrate/zookeeper resolve the FQCN,
against real ZooKeeper 3.8 nodes (tests/lib/zkharness.py):

  * a source ensemble src1-3 on 127.0.0.91-93 (split dataDir/dataLogDir) and a target ensemble
    tgt1-3 on 127.0.0.94-96, one inventory host each with its own zoo.cfg (`zk_config`);
  * the playbooks in tests/integration/ansible/ (facts, bundle, place, verify, rollback, types, fleet_report);
  * results are read from the JSON lines written by the test callback
    tests/integration/ansible/callback_plugins/zkm_results.py, the recap from stdout.

Cases without servers: the docs (ansible-doc, the .py stub in step with the sidecar, the binary's
options and choices equal the documented ones, yamllint, --syntax-check), the galaxy build and
install (the installed copy runs), ./ansible.cfg + the collections link, module_defaults through the
action group, 14 bad arguments (ad-hoc k=v strings) + typed YAML ones, and bad environments built
from tests/fixtures (missing zoo.cfg, no dataDir, missing dataDir, no snapshot, damaged snapshots, a
log gap, dest is a file, tampered bundle, missing bundle, permission denied as `nobody`: needs root).
Cases with servers: running nodes refused by bundle/place, facts on every host (+ check mode),
the source chosen from the facts, bundle (+ check mode, idempotency, raw mode), place (+ check and
diff mode, idempotency), start, verify (at once, then + deep + the tree compared through kazoo, + a
wrong manifest), rollback (+ check/diff mode; version-2 is then byte-identical to what place moved
aside; idempotent), and last: every key returned by any run is documented in RETURN.

Prints PASS/FAIL per case and "N passed, M failed"; exit 1 on any failure. A failure caused only
by a state the binary does not implement yet says so ("state X is not implemented yet").
The work dir (/tmp/zkm-ansible-*) is removed unless a case failed or --keep-work.
"""

import argparse
import glob
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import common  # noqa: E402
from common import Ensemble, REPO, compare_source_target, log, stop_client, walk_via  # noqa: E402

PLAYBOOKS = os.path.join(HERE, "ansible")
CALLBACKS = os.path.join(PLAYBOOKS, "callback_plugins")
MODULE_BIN = os.path.join(REPO, "plugins", "bin", "zk_snapshot")
FQCN = "zkmigrate.zookeeper.zk_snapshot"
SRC_IP, TGT_IP = 91, 94
FIXTURES = os.path.join(REPO, "tests", "fixtures")
STATES = ("facts", "bundle", "place", "verify", "rollback", "fleet", "report")
OPTIONS = ("state", "config", "dest", "src", "mode", "backup_dir", "migration_id", "manifest", "deep", "auth",
           "allow_running", "drop_sessions", "format", "owner", "group", "client", "timeout", "max_buffer", "inventory",
           "report_file", "record", "facts", "source_hosts", "target_hosts", "source_group", "target_group",
           "phase", "force", "controller_dir", "heap", "server_version", "work_dir")
ADHOC_TIMEOUT = 120
PLAY_TIMEOUT = 300
#: every top-level result key seen in any run -> (state, command), for returns_documented
SEEN_KEYS = {}
#: keys the controller adds or keeps for itself (not the module's return values)
CONTROLLER_KEYS = {"changed", "failed", "_ansible_no_log", "_ansible_verbose_always", "_ansible_verbose_override",
                   "invocation", "results", "msg_loop", "failed_when_result"}


from common import Failed, check  # noqa: E402,F401


class Skipped(Exception):
    pass


# ---------------------------------------------------------------------------------------------------
# running Ansible
# ---------------------------------------------------------------------------------------------------

class Run(object):
    """One ansible / ansible-playbook run: rc, stdout, stderr, results (callback JSON lines), recap."""

    def __init__(self, cmd, rc, out, err, results, seconds):
        self.cmd, self.rc, self.out, self.err, self.results, self.seconds = cmd, rc, out, err, results, seconds
        self.recap = {}
        for m in re.finditer(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+"
                             r"skipped=(\d+)\s+rescued=(\d+)\s+ignored=(\d+)", out, re.M):
            self.recap[m.group(1)] = dict(zip(("ok", "changed", "unreachable", "failed", "skipped", "rescued",
                                               "ignored"), map(int, m.groups()[1:])))

    def by_host(self):
        """{host: result dict} of the module task(s) (the last result per host)."""
        return {r["host"]: r for r in self.results}

    def one(self, host=None):
        hosts = self.by_host()
        if host is None:
            if len(hosts) != 1:
                raise Failed("expected one host's result, got %s\n%s" % (sorted(hosts), self.describe()))
            host = next(iter(hosts))
        if host not in hosts:
            raise Failed("no result for %s\n%s" % (host, self.describe()))
        return hosts[host]

    def total(self, key):
        return sum(v[key] for v in self.recap.values())

    def describe(self, limit=4000):
        t = self.out + ("\n[stderr]\n" + self.err if self.err.strip() else "")
        if len(t) > limit:
            t = t[:limit // 2] + "\n...\n" + t[-limit // 2:]
        return "$ %s\n[exit %d, %.1fs]\n%s" % (" ".join(self.cmd), self.rc, self.seconds, t)


def ansible_env(extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update({
        "ANSIBLE_CALLBACK_PLUGINS": CALLBACKS,
        "ANSIBLE_CALLBACKS_ENABLED": "zkm_results",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_DEPRECATION_WARNINGS": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    env.update(extra or {})
    return env


def run_ansible(cmd, work, env_extra=None, cwd=REPO, timeout=PLAY_TIMEOUT, user=None):
    """Runs cmd from the checkout (./ansible.cfg applies) and collects the callback's results."""
    fd, results_file = tempfile.mkstemp(prefix="results-", suffix=".jsonl", dir=work)
    os.close(fd)
    env = ansible_env(env_extra)
    env["ZKM_RESULTS_FILE"] = results_file
    full = list(cmd)
    if user is not None:
        os.chmod(results_file, 0o666)
        full = ["runuser", "-u", user, "--", "env"] + ["%s=%s" % kv for kv in sorted(env.items())] + full
    t0 = time.time()
    try:
        p = subprocess.run(full, cwd=cwd, env=env, capture_output=True, timeout=timeout)
        rc, out, err = p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        rc, out, err = -9, (e.stdout or b"").decode("utf-8", "replace"), "TIMEOUT after %ds" % timeout
    results = []
    with open(results_file) as f:
        for line in f:
            if line.strip():
                results.append(json.loads(line))
    for rec in results:
        # a loop's result holds each item's module result under "results"
        for res in [rec["result"]] + [r for r in rec["result"].get("results", []) if isinstance(r, dict)]:
            if res.get("censored") or (res is not rec["result"] and "state" not in res):
                continue
            for k in res:
                if k in ("item", "ansible_loop_var", "_ansible_item_label") and res is not rec["result"]:
                    continue
                SEEN_KEYS.setdefault(k, (res.get("state"), " ".join(cmd)[:200]))
    os.remove(results_file)
    return Run(cmd, rc, out, err, results, time.time() - t0)


def playbook(name, work, inventory, extra_vars=None, args=(), **kw):
    cmd = ["ansible-playbook", "-i", inventory, os.path.join(PLAYBOOKS, name)]
    if extra_vars:
        cmd += ["-e", json.dumps(extra_vars)]
    cmd += list(args)
    return run_ansible(cmd, work, **kw)


def adhoc(host, module_args, work, inventory, args=(), **kw):
    """`ansible HOST -m FQCN -a ARGS -o` (k=v arguments arrive as strings)."""
    cmd = ["ansible", host, "-i", inventory, "-m", FQCN, "-a", module_args, "-o"] + list(args)
    env = dict(kw.pop("env_extra", None) or {})
    env["ANSIBLE_LOAD_CALLBACK_PLUGINS"] = "1"
    return run_ansible(cmd, work, env_extra=env, timeout=ADHOC_TIMEOUT, **kw)


def module_result(run, host=None):
    return run.one(host)["result"]


def expect_ok(run, what, host=None, changed=None):
    rec = run.one(host)
    res = rec["result"]
    check(rec["status"] in ("ok", "changed"),
          "%s: succeeds" % what, "%s\nresult: %s" % (run.describe(), json.dumps(res)[:3000]))
    if changed is not None:
        check(bool(res.get("changed")) is changed, "%s: changed=%s" % (what, changed), json.dumps(res)[:3000])
    return res


def expect_fail(run, what, pattern, host=None):
    """The task failed and its msg matches `pattern` (a regex; re.escape() for exact text)."""
    rec = run.one(host)
    res = rec["result"]
    msg = res.get("msg", "")
    check(rec["status"] == "failed",
          "%s: failed" % what, "%s\nresult: %s" % (run.describe(), json.dumps(res)[:3000]))
    check(re.search(pattern, msg) is not None, "%s: msg %r" % (what, msg[:300]),
          "msg does not match %r: %r" % (pattern, msg))
    check(res.get("changed") is False, "%s: changed=false" % what)
    return res


# ---------------------------------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------------------------------

def tree_hashes(*dirs):
    """{path: (mode, size, sha256)} of every file and dir (relative to each root)."""
    out = {}
    for root in dirs:
        if not os.path.exists(root):
            out[root] = None
            continue
        for dp, dns, fns in os.walk(root):
            for n in dns + fns:
                p = os.path.join(dp, n)
                st = os.lstat(p)
                h = None
                if stat.S_ISREG(st.st_mode):
                    with open(p, "rb") as f:
                        h = hashlib.sha256(f.read()).hexdigest()
                out[p] = (stat.S_IMODE(st.st_mode), st.st_size if h else None, h)
    return out


def describe_changes(before, after):
    lines = []
    for p in sorted(set(before) | set(after)):
        if before.get(p) != after.get(p):
            lines.append("%s: %s -> %s" % (p, before.get(p), after.get(p)))
    return "\n".join(lines[:40])


def flip_byte(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ 0xFF]))


def copy_fixture(name, dst):
    """A copy of tests/fixtures/<name> with its zoo.cfg pointing at the copy; returns the zoo.cfg path."""
    shutil.copytree(os.path.join(FIXTURES, name), dst)
    cfg = os.path.join(dst, "zoo.cfg")
    with open(cfg) as f:
        lines = f.read().splitlines()
    out = []
    for ln in lines:
        if ln.startswith("dataDir="):
            ln = "dataDir=" + os.path.join(dst, "data")
        elif ln.startswith("dataLogDir="):
            ln = "dataLogDir=" + os.path.join(dst, "datalog")
        elif ln.startswith("clientPortAddress="):
            ln = "clientPortAddress=127.0.0.99"   # nothing listens there: the node counts as stopped
        out.append(ln)
    with open(cfg, "w") as f:
        f.write("\n".join(out) + "\n")
    return cfg


# ---------------------------------------------------------------------------------------------------
# the shared world: work dir, inventory, ensembles
# ---------------------------------------------------------------------------------------------------

class World(object):
    work = None
    inventory = None
    src = None          # Ensemble
    tgt = None          # Ensemble
    src_tree = None     # walk() of the source before it stopped
    chosen = None       # source host name picked from the facts
    bundle = None       # bundle dir
    pre_place = None    # tree_hashes of the target data dirs before place
    placed = False
    env_cfgs = {}       # bad-environment host -> zoo.cfg


W = World()


def src_host(i):
    return "src%d" % i


def tgt_host(i):
    return "tgt%d" % i


def write_inventory():
    w = W.work
    W.bundle = os.path.join(w, "bundle")
    lines = ["[zk_source]"]
    for i in W.src.ids:
        lines.append("%s ansible_host=%s zk_config=%s zk_client=%s:2181" % (
            src_host(i), W.src.host(i), W.src.node_conf_path(i), W.src.host(i)))
    lines.append("")
    lines.append("[zk_target]")
    for i in W.tgt.ids:
        lines.append("%s ansible_host=%s zk_config=%s zk_client=%s:2181 zk_backup_dir=%s" % (
            tgt_host(i), W.tgt.host(i), W.tgt.node_conf_path(i), W.tgt.host(i),
            os.path.join(W.tgt.node_dir(i), "backup")))
    lines.append("")
    lines.append("[zk_env]")
    for h, cfg in sorted(W.env_cfgs.items()):
        lines.append("%s zk_config=%s zk_backup_dir=%s" % (h, cfg, os.path.join(os.path.dirname(cfg), "backup")))
    lines += ["", "[all:vars]", "ansible_connection=local", "ansible_python_interpreter=/usr/bin/python3",
              "zk_bundle_dir=%s" % W.bundle]
    W.inventory = os.path.join(w, "inventory.ini")
    with open(W.inventory, "w") as f:
        f.write("\n".join(lines) + "\n")


def setup_world(work):
    W.work = work
    flags = dict(common.COMMON_FLAGS)
    W.src = Ensemble(os.path.join(work, "src"), size=3, first_ip=SRC_IP, split_log_dir=True, snap_count=50,
                     jvm_flags=flags, heap=common.HEAP, extra_cfg=common.SOURCE_EXTRA_CFG)
    W.tgt = Ensemble(os.path.join(work, "tgt"), size=3, first_ip=TGT_IP, split_log_dir=True,
                     jvm_flags=flags, heap=common.HEAP)
    setup_env_fixtures()
    write_inventory()


def start_servers():
    """Start both ensembles; write a workload on the source, a marker on the target."""
    common.quiet_kazoo()
    W.src.start()
    W.tgt.start()
    W.src.wait_serving(90)
    W.tgt.wait_serving(90)
    zk = W.src.client()
    try:
        zk.create("/app", b"source")
        for k in range(40):
            zk.create("/app/n-", b"v%d" % k, sequence=True)
        # readable by anyone: verify deep walks without credentials
        zk.create("/app/acl", b"secret", acl=[common.make_digest_acl("u", "p", all=True), common.READ_ACL_UNSAFE[0]])
        t = zk.transaction()
        t.create("/app/multi", b"")
        t.set_data("/app", b"in a multi")
        t.commit()
        for k in range(60):
            zk.set("/app/multi", b"churn %d" % k)    # > snapCount/2 txns: a snapshot, then more logs
        zk.create("/app/after", b"after the snapshot")
        zk.sync("/")
        W.src_tree = common.walk(zk)
    finally:
        stop_client(zk)
    zk = W.tgt.client()
    try:
        zk.create("/target-marker", b"the target's own data before the migration")
    finally:
        stop_client(zk)


def stop_servers():
    for ens in (W.src, W.tgt):
        if ens is not None:
            try:
                common.stop_ensemble_followers_first(ens) if ens.running() else None
            except Exception:
                ens.stop()


# ---------------------------------------------------------------------------------------------------
# bad-environment nodes built from the fixtures (no server needed)
# ---------------------------------------------------------------------------------------------------

def setup_env_fixtures():
    base = os.path.join(W.work, "env")
    os.makedirs(base)
    cfgs = {}

    def cfg_file(name, text):
        d = os.path.join(base, name)
        os.makedirs(d, exist_ok=True)
        p = os.path.join(d, "zoo.cfg")
        with open(p, "w") as f:
            f.write(text)
        return p

    cfgs["env_nocfg"] = os.path.join(base, "nocfg", "zoo.cfg")          # never created
    cfgs["env_nodatadir"] = cfg_file("nodatadir", "tickTime=2000\nclientPort=2181\nclientPortAddress=127.0.0.99\n")
    cfgs["env_missingdata"] = cfg_file("missingdata", "tickTime=2000\ndataDir=%s\nclientPort=2181\n"
                                       "clientPortAddress=127.0.0.99\n" % os.path.join(base, "missingdata", "nope"))
    empty = os.path.join(base, "nosnap", "data")
    os.makedirs(os.path.join(empty, "version-2"))
    cfgs["env_nosnap"] = cfg_file("nosnap", "tickTime=2000\ndataDir=%s\nclientPort=2181\n"
                                  "clientPortAddress=127.0.0.99\n" % empty)
    # every snapshot damaged (a flipped byte inside its first ACL): no valid snapshot is left
    cfgs["env_damaged"] = copy_fixture("standalone-plain", os.path.join(base, "damaged"))
    for p in glob.glob(os.path.join(base, "damaged", "data", "version-2", "snapshot.*")):
        flip_byte(p, 200)
    # the newest snapshot needs log.31 and log.44; without log.31 the txns after it are missing
    cfgs["env_gap"] = copy_fixture("standalone-plain", os.path.join(base, "gap"))
    os.remove(os.path.join(base, "gap", "data", "version-2", "log.31"))
    # a healthy standalone copy: bundles made from it feed the tampered/permission cases
    cfgs["env_good"] = copy_fixture("standalone-plain", os.path.join(base, "good"))
    # a stopped, empty target node for placing damaged bundles
    scratch = os.path.join(base, "scratch", "data")
    os.makedirs(os.path.join(scratch, "version-2"))
    cfgs["env_scratch"] = cfg_file("scratch", "tickTime=2000\ndataDir=%s\nclientPort=2181\n"
                                   "clientPortAddress=127.0.0.99\n" % scratch)
    # a zoo.cfg only root may read (the permission case runs Ansible as nobody)
    cfgs["env_private"] = copy_fixture("standalone-plain", os.path.join(base, "private"))
    os.chmod(cfgs["env_private"], 0o600)
    W.env_cfgs = cfgs


# ---------------------------------------------------------------------------------------------------
# cases
# ---------------------------------------------------------------------------------------------------

CASES = []


def case(name, servers=False):
    def deco(fn):
        CASES.append((name, fn, servers))
        return fn
    return deco


# -- collection, docs, packaging --------------------------------------------------------------------

@case("docs_stub_in_step")
def _docs_stub():
    r = subprocess.run([sys.executable, os.path.join(REPO, "scripts", "module-docs.py"), "--check"],
                       capture_output=True, text=True)
    check(r.returncode == 0, "plugins/modules/zk_snapshot.py matches zk_snapshot.yml", r.stdout + r.stderr)
    import yaml
    with open(os.path.join(REPO, "plugins", "modules", "zk_snapshot.yml")) as f:
        side = yaml.safe_load(f)
    ns = {}
    with open(os.path.join(REPO, "plugins", "modules", "zk_snapshot.py")) as f:
        exec(compile(f.read(), "zk_snapshot.py", "exec"), ns)
    for key in ("DOCUMENTATION", "RETURN"):
        check(yaml.safe_load(ns[key]) == side[key], "%s of the stub equals the sidecar's" % key)
    check(ns["EXAMPLES"].strip() == side["EXAMPLES"].strip(), "EXAMPLES of the stub equals the sidecar's")
    opts = side["DOCUMENTATION"]["options"]
    check(sorted(opts) == sorted(OPTIONS), "every option is documented, and only those", sorted(opts))
    for n, o in opts.items():
        check(o.get("type") and o.get("description"), "option %s has a type and a description" % n)
    ex = yaml.safe_load(side["EXAMPLES"])
    used = {t[FQCN]["state"] for t in ex if FQCN in t} | {
        b[FQCN]["state"] for t in ex for b in t.get("block", []) if FQCN in b}
    check(used >= set(STATES), "an example for every state (%s)" % sorted(used))
    for k, v in side["RETURN"].items():
        check("returned" in v and "type" in v and "description" in v, "RETURN %s has returned/type/description" % k)


@case("yamllint")
def _yamllint():
    files = [os.path.join(REPO, p) for p in ("galaxy.yml", "meta/runtime.yml", "plugins/modules/zk_snapshot.yml")]
    files += sorted(glob.glob(os.path.join(PLAYBOOKS, "*.yml")))
    conf = "{extends: default, rules: {line-length: {max: 120}, truthy: {allowed-values: ['true', 'false']}}}"
    r = subprocess.run(["yamllint", "-s", "-d", conf] + files, capture_output=True, text=True)
    check(r.returncode == 0, "yamllint (strict) passes on the collection metadata, sidecar and playbooks",
          r.stdout + r.stderr)
    for pb in sorted(glob.glob(os.path.join(PLAYBOOKS, "*.yml"))):
        r = subprocess.run(["ansible-playbook", "--syntax-check", "-i", "localhost,",
                            "-e", "zk_hosts=localhost zk_bundle_host=localhost", pb],
                           cwd=REPO, env=ansible_env(), capture_output=True, text=True, timeout=120)
        check(r.returncode == 0, "ansible-playbook --syntax-check %s" % os.path.basename(pb), r.stdout + r.stderr)


@case("ansible_doc")
def _ansible_doc():
    env = ansible_env()
    r = subprocess.run(["ansible-doc", FQCN], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, "ansible-doc %s exits 0" % FQCN, r.stdout[-2000:] + r.stderr)
    check("ZKMIGRATE.ZOOKEEPER.ZK_SNAPSHOT" in r.stdout and "[WARNING]" not in r.stderr,
          "it renders the module without warnings", r.stderr[-2000:])
    for o in OPTIONS:
        check(re.search(r"^[-=] %s$" % o, r.stdout, re.M) is not None, "option %s is shown" % o)
    j = subprocess.run(["ansible-doc", "-j", FQCN], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    doc = json.loads(j.stdout)[FQCN]["doc"]
    check(doc["attributes"]["check_mode"]["support"] == "full" and doc["attributes"]["diff_mode"]["support"] == "full"
          and doc["attributes"]["platform"]["platforms"] == "posix", "attributes: check_mode/diff_mode full, posix")
    # the binary sits in plugins/bin/ (run through plugins/action/zk_snapshot.py), so ansible-doc reads
    # only the stub: the list names the module and warns about nothing
    lr = subprocess.run(["ansible-doc", "-l", "zkmigrate.zookeeper"], cwd=REPO, env=env, capture_output=True,
                        text=True, timeout=120)
    check(lr.returncode == 0 and FQCN in lr.stdout and "WARNING" not in lr.stderr,
          "ansible-doc -l zkmigrate.zookeeper lists %s without a warning" % FQCN, lr.stdout + lr.stderr)
    check(not os.path.exists(os.path.join(REPO, "plugins", "modules", "zk_snapshot")),
          "no binary in plugins/modules/ (ansible-doc would read it)")


@case("spec_matches_docs")
def _spec_docs():
    """The option list and choices the binary enforces equal the documented ones."""
    import yaml
    with open(os.path.join(REPO, "plugins", "modules", "zk_snapshot.yml")) as f:
        opts = yaml.safe_load(f)["DOCUMENTATION"]["options"]
    res = module_result(adhoc("src1", "state=facts zzz_unknown=1", W.work, W.inventory))
    m = re.search(r"Supported parameters include: (.*)\.$", res.get("msg", ""))
    check(m is not None, "the unknown-option message lists the supported parameters", res.get("msg"))
    check(sorted(m.group(1).split(", ")) == sorted(opts), "the binary's options are the documented ones",
          "%s vs %s" % (m.group(1), sorted(opts)))
    for opt, bad in (("state", "nope"), ("mode", "nope"), ("format", "9.9")):
        res = module_result(adhoc("src1", "state=bundle dest=/tmp/x %s=%s" % (opt, bad), W.work, W.inventory))
        m = re.search(r"must be one of: (.*), got: ", res.get("msg", ""))
        check(m is not None and m.group(1).split(", ") == [str(c) for c in opts[opt]["choices"]],
              "choices of %s as documented" % opt, res.get("msg"))


@case("galaxy_build_install")
def _galaxy():
    out = os.path.join(W.work, "galaxy")
    os.makedirs(out)
    r = subprocess.run(["ansible-galaxy", "collection", "build", "--output-path", out, REPO], cwd=REPO,
                       env=ansible_env(), capture_output=True, text=True, timeout=300)
    check(r.returncode == 0, "ansible-galaxy collection build exits 0", r.stdout + r.stderr)
    tars = glob.glob(os.path.join(out, "zkmigrate-zookeeper-*.tar.gz"))
    check(len(tars) == 1 and tars[0].endswith("-0.1.0.tar.gz"), "one tarball zkmigrate-zookeeper-0.1.0.tar.gz",
          tars)
    with tarfile.open(tars[0]) as t:
        members = {m.name: m for m in t.getmembers()}
    names = sorted(members)
    binm = members.get("plugins/bin/zk_snapshot")
    check(binm is not None and binm.isfile() and binm.mode & 0o111 == 0o111,
          "the built module is in it, executable (%s)" % (oct(binm.mode) if binm else None))
    check(binm.size == os.path.getsize(MODULE_BIN), "it is the built binary (size %d)" % binm.size)
    for n in ("plugins/modules/zk_snapshot.yml", "plugins/modules/zk_snapshot.py", "plugins/action/zk_snapshot.py",
              "meta/runtime.yml",
              "README.md", "MANIFEST.json", "FILES.json"):
        check(n in members, "%s is in it" % n)
    bad = [n for n in names if re.match(r"(build[^/]*|module_src|collections|scripts|tests/(unit|fixtures|"
                                        r"integration|bench|lib)|\.git|ansible\.cfg|CMakeLists\.txt)(/|$)", n)]
    check(not bad, "no sources, tests, build trees or checkouts in it", bad[:20])
    log("    tarball: %d entries, %.1f MB" % (len(names), os.path.getsize(tars[0]) / 1e6))
    inst = os.path.join(W.work, "installed")
    r = subprocess.run(["ansible-galaxy", "collection", "install", "--offline", "-p", inst, tars[0]],
                       cwd=W.work, env=ansible_env(), capture_output=True, text=True, timeout=300)
    if r.returncode != 0 and "--offline" in r.stderr:     # older clients: no --offline
        r = subprocess.run(["ansible-galaxy", "collection", "install", "-p", inst, tars[0]],
                           cwd=W.work, env=ansible_env(), capture_output=True, text=True, timeout=300)
    check(r.returncode == 0, "ansible-galaxy collection install into a temp path", r.stdout + r.stderr)
    ibin = os.path.join(inst, "ansible_collections", "zkmigrate", "zookeeper", "plugins", "bin", "zk_snapshot")
    check(os.access(ibin, os.X_OK), "installed module is executable")
    # from outside the checkout (its ansible.cfg does not apply), only the installed copy is found
    env = {"ANSIBLE_COLLECTIONS_PATH": inst}
    r = subprocess.run(["ansible-doc", FQCN], cwd=W.work, env=ansible_env(env), capture_output=True, text=True,
                       timeout=120)
    check(r.returncode == 0 and inst in r.stdout, "ansible-doc renders the installed copy", r.stdout[:300] + r.stderr)
    run = run_ansible(["ansible", "localhost", "-m", FQCN, "-a", "state=bogus", "-o"], W.work, cwd=W.work,
                      env_extra=dict(env, ANSIBLE_LOAD_CALLBACK_PLUGINS="1"), timeout=ADHOC_TIMEOUT)
    expect_fail(run, "the installed module runs", re.escape(
        "value of state must be one of: facts, bundle, place, verify, rollback, fleet, report, plan, got: bogus"))


@case("checkout_cfg_resolves_fqcn")
def _checkout():
    link = os.path.join(REPO, "collections", "ansible_collections", "zkmigrate", "zookeeper")
    check(os.path.islink(link) and not os.path.isabs(os.readlink(link)) and
          os.path.samefile(link, REPO), "collections/ansible_collections/zkmigrate/zookeeper -> the checkout "
          "(relative link)")
    r = subprocess.run(["ansible-config", "dump", "--only-changed"], cwd=REPO, env=ansible_env(),
                       capture_output=True, text=True, timeout=60)
    check(os.path.join(REPO, "ansible.cfg") in r.stdout and os.path.join(REPO, "collections") in r.stdout,
          "./ansible.cfg is read and puts ./collections on the collections path", r.stdout)


@case("fleet_and_report")
def _fleet_and_report():
    """state=fleet on the real inventory, state=report into a run file (and nothing in check mode)."""
    d = os.path.join(W.work, "fleet")
    os.makedirs(d)
    inv = os.path.join(d, "inventory.ini")
    with open(inv, "w") as f:
        f.write("[a_src]\nas1\nas2 zk_confg=/etc/zk.cfg\n[a_dst]\nad1\n[b_src]\nbs1\n[b_dst]\nbd1 zk_own_note=1\n"
                "[all:vars]\nansible_connection=local\nansible_python_interpreter=/usr/bin/python3\n"
                "zk_migrations=[{'name': 'a', 'source': 'a_src', 'target': 'a_dst'}, "
                "{'name': 'b', 'source': 'b_src', 'target': 'b_dst', 'zk_verify_deep': 'after'}]\n")
    report = os.path.join(d, "out", "run.jsonl")
    os.makedirs(os.path.dirname(report))
    run = playbook("fleet_report.yml", W.work, inv, {"report_file": report, "run_id": "r1"}, args=["--check"])
    check(run.rc == 0, "fleet + report under --check", run.describe())
    check(not os.path.exists(report), "check mode writes no report file")
    run = playbook("fleet_report.yml", W.work, inv, {"report_file": report, "run_id": "r1"})
    check(run.rc == 0 and run.total("changed") == 0, "fleet + report: ok, changed=0", run.describe())
    fleet = [r["result"] for r in run.results if r["result"].get("state") == "fleet"][0]
    pairs = {p["name"]: p for p in fleet["pairs"]}
    check(sorted(pairs) == ["a", "b"], "two pairs from zk_migrations", fleet)
    check(pairs["a"]["problems"] == ["host as2 sets zk_confg, which zkmigrate does not read: did you mean "
                                     "zk_config?"] and not pairs["a"]["ok"], "the typo refuses pair a", pairs["a"])
    check(pairs["b"]["ok"] and pairs["b"]["overrides"] == {"zk_verify_deep": "after"} and
          pairs["b"]["target_hosts"] == ["bd1"], "pair b goes on with its override", pairs["b"])
    check(any("zk_own_note" in w for w in fleet.get("warnings", [])), "an unknown, distant name only warns")
    with open(report) as f:
        recs = [json.loads(line) for line in f]
    check([(r["pair"], r["result"], r["source_down_seconds"]) for r in recs] ==
          [("a", "refused", 10.5), ("b", "migrated", 10.5)], "one JSON line per pair", recs)
    with open(os.path.join(d, "out", "run.md")) as f:
        md = f.read()
    check("## Run r1" in md and "| b | migrated | 10.5 | 30.0 |" in md, "the Markdown table", md)
    check(os.path.getsize(os.path.join(d, "out", "run.html")) > 0, "the HTML page beside it")
    noinv = run_ansible(["ansible-playbook", os.path.join(PLAYBOOKS, "fleet_report.yml"), "-e",
                         json.dumps({"report_file": report, "run_id": "r2"})], W.work)
    check(noinv.rc != 0 and "give one with -i" in noinv.out + noinv.err,
          "without -i: one sentence naming -i", noinv.describe())
    # playbooks/migrate.yml checks the inventory first, before any node is touched
    mig = os.path.join(REPO, "playbooks", "migrate.yml")
    run = run_ansible(["ansible-playbook", mig], W.work)
    check(run.rc != 0 and "give one with -i" in run.out and run.out.count("PLAY [") == 1,
          "migrate.yml without -i: refused by its first play, naming -i", run.describe())
    inv2 = os.path.join(d, "typo.ini")
    with open(inv2, "w") as f:
        f.write("[zk_source]\ns1 zk_confg=/etc/zookeeper/conf/zoo.cfg\n[zk_target]\nt1\n"
                "[all:vars]\nansible_connection=local\n")
    run = run_ansible(["ansible-playbook", "-i", inv2, mig], W.work)
    check(run.rc != 0 and "did you mean zk_config?" in run.out and run.out.count("PLAY [") == 1,
          "migrate.yml with a typo'd host variable: refused before any node is touched", run.describe())


# -- bad arguments (no server needed; ad-hoc k=v strings) -------------------------------------------

SUPPORTED = ("Supported parameters include: " + ", ".join(OPTIONS) + ".")

BAD_ARGS = [
    ("arg_unknown_option", "state=facts bogus=1",
     re.escape("Unsupported parameters for (zk_snapshot) module: bogus. " + SUPPORTED)),
    ("arg_unknown_options_sorted", "state=facts zeta=1 alpha=2",
     re.escape("Unsupported parameters for (zk_snapshot) module: alpha, zeta. ")),
    ("arg_missing_state", "config=/etc/zookeeper/conf/zoo.cfg", r"^missing required arguments: state$"),
    ("arg_bad_state", "state=present",
     re.escape("value of state must be one of: facts, bundle, place, verify, rollback, fleet, report, plan, got: present")),
    ("arg_bad_mode", "state=bundle dest=/tmp/zkm-never mode=fast",
     re.escape("value of mode must be one of: consolidated, raw, got: fast")),
    ("arg_bad_format", "state=bundle dest=/tmp/zkm-never format=4.0",
     re.escape("value of format must be one of: 3.4, 3.5, 3.6, 3.7, 3.8, 3.9, got: 4.0")),
    ("arg_bad_bool", "state=verify deep=maybe", re.escape("option deep must be a boolean (yes/no, true/false)")),
    ("arg_negative_timeout", "state=facts timeout=-1", r"^option timeout must not be negative$"),
    ("arg_zero_timeout", "state=facts timeout=0", r"^option timeout must be at least 1 second$"),
    ("arg_text_timeout", "state=facts timeout=abc", r"^option timeout must be an integer$"),
    ("arg_negative_max_buffer", "state=facts max_buffer=-5", r"^option max_buffer must not be negative$"),
    ("arg_bundle_without_dest", "state=bundle", r"^state is bundle but all of the following are missing: dest$"),
    ("arg_place_without_src", "state=place", r"^state is place but all of the following are missing: src$"),
    ("arg_empty_config", "state=facts config=''", r"^option config must not be empty$"),
]


def _bad_arg_case(args, pattern):
    def fn():
        run = adhoc("src1", args, W.work, W.inventory)
        check(run.rc != 0 and " | FAILED! => " in run.out, "ad-hoc -o prints FAILED! (exit %d)" % run.rc,
              run.describe())
        expect_fail(run, "-a '%s'" % args, pattern)
    return fn


for _name, _args, _pat in BAD_ARGS:
    case(_name)(_bad_arg_case(_args, _pat))


@case("arg_typed_yaml_refused")
def _typed_refused():
    for args, pattern in (({"state": "facts", "timeout": [1]}, r"^option timeout must be an integer$"),
                          ({"state": "verify", "deep": 2}, re.escape("option deep must be a boolean")),
                          ({"state": "facts", "config": 5}, r"^option config must be a path$"),
                          ({"state": "facts", "client": {"host": "x"}}, r"^option client must be a string$")):
        run = playbook("types.yml", W.work, W.inventory, {"zk_hosts": "src1", "zk_args": args})
        expect_fail(run, "YAML args %s" % json.dumps(args), pattern)


@case("arg_strings_coerced")
def _coerced():
    """k=v strings (ad-hoc) and quoted YAML scalars are coerced: timeout="3", deep="yes", format=3.6."""
    cfg = W.env_cfgs["env_good"]
    run = adhoc("env_good", "state=facts config=%s timeout=3 deep=yes max_buffer=4194304 allow_running=no" % cfg,
                W.work, W.inventory)
    expect_ok(run, "ad-hoc state=facts with string options", changed=False)
    run = playbook("types.yml", W.work, W.inventory, {"zk_hosts": "env_good", "zk_args": {
        "state": "facts", "config": cfg, "timeout": "3", "deep": "yes", "format": 3.6, "drop_sessions": 0}})
    expect_ok(run, "playbook state=facts with quoted/float/int options", changed=False)


@case("module_defaults_group")
def _module_defaults():
    """meta/runtime.yml's action group: group/zkmigrate.zookeeper.all defaults reach the binary."""
    run = playbook("module_defaults.yml", W.work, W.inventory, {"zk_hosts": "env_good"})
    res = expect_ok(run, "facts with config only from module_defaults", changed=False)
    check((res.get("node") or {}).get("config_path") == W.env_cfgs["env_good"] and
          res["node"].get("config_found_by") == "option", "the group default config was used")


# -- bad environments (fixture copies; no server needed) --------------------------------------------

@case("env_zoo_cfg_missing")
def _env_nocfg():
    cfg = W.env_cfgs["env_nocfg"]
    for state in ("facts", "bundle dest=%s" % os.path.join(W.work, "never1")):
        run = adhoc("env_nocfg", "state=%s config=%s" % (state, cfg), W.work, W.inventory)
        expect_fail(run, "state=%s, zoo.cfg missing" % state.split()[0], re.escape("zoo.cfg %s does not exist" % cfg))
    check(not os.path.exists(os.path.join(W.work, "never1")), "no dest created")


@case("env_zoo_cfg_without_datadir")
def _env_nodatadir():
    run = adhoc("env_nodatadir", "state=facts config=%s" % W.env_cfgs["env_nodatadir"], W.work, W.inventory)
    expect_fail(run, "zoo.cfg without dataDir", r"dataDir is not set")


@case("env_datadir_missing")
def _env_missingdata():
    cfg = W.env_cfgs["env_missingdata"]
    missing = os.path.join(os.path.dirname(cfg), "nope")
    dest = os.path.join(W.work, "never2")
    run = adhoc("env_missingdata", "state=bundle config=%s dest=%s" % (cfg, dest), W.work, W.inventory)
    expect_fail(run, "bundle, dataDir missing", re.escape("dataDir %s does not exist" % missing))
    check(not os.path.exists(dest), "no dest created")


@case("env_no_snapshot")
def _env_nosnap():
    cfg = W.env_cfgs["env_nosnap"]
    dest = os.path.join(W.work, "never3")
    run = adhoc("env_nosnap", "state=bundle config=%s dest=%s" % (cfg, dest), W.work, W.inventory)
    expect_fail(run, "bundle, no snapshot", r"no snapshot and no log in %s" % re.escape(
        os.path.join(os.path.dirname(cfg), "data", "version-2")))
    check(not os.path.exists(dest) or not os.listdir(dest), "nothing written to dest")


@case("env_damaged_snapshot")
def _env_damaged():
    cfg = W.env_cfgs["env_damaged"]
    dest = os.path.join(W.work, "never4")
    before = tree_hashes(os.path.dirname(cfg))
    run = adhoc("env_damaged", "state=bundle config=%s dest=%s" % (cfg, dest), W.work, W.inventory)
    expect_fail(run, "bundle, every snapshot damaged", r"no valid snapshot in .*version-2")
    check(not os.path.exists(dest) or not os.listdir(dest), "nothing written to dest")
    check(tree_hashes(os.path.dirname(cfg)) == before, "the source files are untouched")


@case("env_gap_in_logs")
def _env_gap():
    cfg = W.env_cfgs["env_gap"]
    dest = os.path.join(W.work, "never5")
    run = adhoc("env_gap", "state=bundle config=%s dest=%s" % (cfg, dest), W.work, W.inventory)
    expect_fail(run, "bundle, a log missing", r"(?i)jump from zxid 0x42 to 0x44|gap")
    check(not os.path.exists(dest) or not os.listdir(dest), "nothing written to dest")


@case("env_dest_is_a_file")
def _env_dest_file():
    dest = os.path.join(W.work, "dest-file")
    with open(dest, "w") as f:
        f.write("not a dir\n")
    run = adhoc("env_good", "state=bundle config=%s dest=%s" % (W.env_cfgs["env_good"], dest), W.work, W.inventory)
    expect_fail(run, "bundle into a path that is a file", r"not a directory")


def good_bundle():
    """A bundle of the healthy fixture copy (made once, by the module)."""
    dest = os.path.join(W.work, "env-bundle")
    if not os.path.exists(os.path.join(dest, "manifest.json")):
        run = adhoc("env_good", "state=bundle config=%s dest=%s" % (W.env_cfgs["env_good"], dest),
                    W.work, W.inventory)
        expect_ok(run, "bundle of the healthy fixture copy", changed=True)
    return dest


@case("env_tampered_bundle")
def _env_tampered():
    src = good_bundle()
    bad = os.path.join(W.work, "env-bundle-tampered")
    shutil.copytree(src, bad)
    snaps = [n for n in os.listdir(bad) if n.startswith("snapshot.")]
    check(len(snaps) == 1, "the bundle holds one snapshot (%s)" % sorted(os.listdir(bad)))
    flip_byte(os.path.join(bad, snaps[0]), os.path.getsize(os.path.join(bad, snaps[0])) // 2)
    cfg = W.env_cfgs["env_scratch"]
    before = tree_hashes(os.path.dirname(cfg))
    run = adhoc("env_scratch", "state=place config=%s src=%s" % (cfg, bad), W.work, W.inventory)
    expect_fail(run, "place a bundle with a flipped byte",
                re.escape("the bundle in %s does not match its manifest: " % bad) + r".*" + re.escape(snaps[0]))
    check(tree_hashes(os.path.dirname(cfg)) == before, "the target node is untouched",
          describe_changes(before, tree_hashes(os.path.dirname(cfg))))


@case("env_place_src_missing")
def _env_src_missing():
    cfg = W.env_cfgs["env_scratch"]
    src = os.path.join(W.work, "no-such-bundle")
    run = adhoc("env_scratch", "state=place config=%s src=%s" % (cfg, src), W.work, W.inventory)
    expect_fail(run, "place from a missing bundle dir", r"^%s$" % re.escape("src %s is not a bundle directory" % src))


@case("env_rollback_without_backup")
def _env_no_backup():
    """No backup at all is nothing to do (changed=false), not a failure."""
    cfg = W.env_cfgs["env_scratch"]
    backup = os.path.join(W.work, "no-such-backup")
    before = tree_hashes(os.path.dirname(cfg))
    run = adhoc("env_scratch", "state=rollback config=%s backup_dir=%s" % (cfg, backup), W.work, W.inventory)
    res = expect_ok(run, "rollback with no backup", changed=False)
    check(res.get("msg", "").startswith("nothing to roll back: ") and backup in res.get("msg", ""),
          "msg %r" % res.get("msg"))
    check(tree_hashes(os.path.dirname(cfg)) == before, "the node is untouched")


def as_nobody(host, module_args):
    if os.geteuid() != 0:
        raise Skipped("needs root to run Ansible as nobody (runuser)")
    home = os.path.join(W.work, "nobody-home")
    os.makedirs(home, exist_ok=True)
    os.chmod(home, 0o777)
    return adhoc(host, module_args, W.work, W.inventory, user="nobody",
                 env_extra={"HOME": home, "ANSIBLE_LOCAL_TEMP": os.path.join(home, "tmp"),
                            "ANSIBLE_REMOTE_TEMP": os.path.join(home, "rtmp")})


@case("env_permission_denied_config")
def _env_perm_cfg():
    """Ansible runs as nobody; zoo.cfg is root's, mode 0600."""
    cfg = W.env_cfgs["env_private"]
    run = as_nobody("env_private", "state=bundle config=%s dest=%s" % (cfg, os.path.join(W.work, "never6")))
    expect_fail(run, "bundle as nobody with a root-only zoo.cfg", r"(?i)permission denied")
    run = as_nobody("env_private", "state=facts config=%s" % cfg)
    expect_fail(run, "facts as nobody with a root-only zoo.cfg", r"(?i)permission denied")


@case("env_permission_denied_dest")
def _env_perm_dest():
    """Ansible runs as nobody; the source is readable, dest's parent is root's (0755)."""
    parent = os.path.join(W.work, "root-only")
    os.makedirs(parent, exist_ok=True)
    os.chmod(parent, 0o755)
    dest = os.path.join(parent, "bundle")
    run = as_nobody("env_good", "state=bundle config=%s dest=%s" % (W.env_cfgs["env_good"], dest))
    expect_fail(run, "bundle as nobody into a root-owned dir",
                r"^%s.*(?i:permission denied|not writable)" % re.escape("cannot write the bundle into %s: " % dest))
    check(not os.path.exists(dest), "no dest created")


# -- with servers ------------------------------------------------------------------------------------

@case("running_source_refused", servers=True)
def _running_bundle():
    cfg = W.src.node_conf_path(1)
    dest = os.path.join(W.work, "never-running")
    run = adhoc("src1", "state=bundle config=%s dest=%s" % (cfg, dest), W.work, W.inventory)
    expect_fail(run, "bundle on a running node", re.escape(
        "ZooKeeper is running on %s:2181 (from %s); stop it before state bundle" % (W.src.host(1), cfg)))
    check(not os.path.exists(dest) or not os.listdir(dest), "nothing written")
    fuzzy = os.path.join(W.work, "fuzzy-bundle")
    run = adhoc("src1", "state=bundle config=%s dest=%s allow_running=true" % (cfg, fuzzy), W.work, W.inventory)
    res = expect_ok(run, "bundle with allow_running=true", changed=True)
    check(any("fuzzy" in w for w in res.get("warnings", [])), "a warning says the copy is fuzzy",
          res.get("warnings"))
    check(os.path.exists(os.path.join(fuzzy, "manifest.json")), "the fuzzy bundle has a manifest")


@case("running_target_refused", servers=True)
def _running_place():
    cfg = W.tgt.node_conf_path(1)
    before = tree_hashes(W.tgt.data_dir(1), W.tgt.log_dir(1))
    src = good_bundle()
    run = adhoc("tgt1", "state=place config=%s src=%s" % (cfg, src), W.work, W.inventory)
    expect_fail(run, "place on a running node", re.escape(
        "ZooKeeper is running on %s:2181 (from %s); stop it before state place" % (W.tgt.host(1), cfg)))
    after = tree_hashes(W.tgt.data_dir(1), W.tgt.log_dir(1))
    check(after == before, "the running target is untouched", describe_changes(before, after))


@case("facts_all_hosts_running", servers=True)
def _facts_running():
    run = playbook("facts.yml", W.work, W.inventory, {"zk_hosts": "zk_source:zk_target"})
    check(run.rc == 0 and run.total("failed") == 0 and run.total("changed") == 0,
          "facts on 6 hosts: ok, changed=0 in the recap", run.describe())
    hosts = run.by_host()
    check(sorted(hosts) == sorted([src_host(i) for i in W.src.ids] + [tgt_host(i) for i in W.tgt.ids]),
          "a result for every host")
    for ens, name in ((W.src, src_host), (W.tgt, tgt_host)):
        for i in ens.ids:
            res = hosts[name(i)]["result"]
            text = json.dumps(res)
            check(ens.data_dir(i) in text and ens.log_dir(i) in text, "%s: its own dataDir/dataLogDir" % name(i))
            check(common.find_key(res, "myid") == i, "%s: myid %d" % (name(i), i), text[:2000])
            mode = common.find_key(res, "mode")
            check(mode in ("leader", "follower"), "%s: serving as %s" % (name(i), mode), text[:2000])


@case("facts_check_mode", servers=True)
def _facts_check():
    run = playbook("facts.yml", W.work, W.inventory, {"zk_hosts": "src1"}, args=["--check"])
    res = expect_ok(run, "facts under --check", changed=False)
    check(common.find_key(res, "myid") == 1, "facts are reported in check mode too")


def stop_all():
    common.stop_ensemble_followers_first(W.src)
    common.stop_ensemble_followers_first(W.tgt)


@case("facts_stopped_choose_source", servers=True)
def _facts_stopped():
    stop_all()
    run = playbook("facts.yml", W.work, W.inventory, {"zk_hosts": "zk_source"})
    check(run.rc == 0 and run.total("failed") == 0, "facts on the stopped sources", run.describe())
    keys = {}
    for i in W.src.ids:
        res = run.by_host()[src_host(i)]["result"]
        ce = common.find_key(res, "current_epoch")
        lz = common.find_key(res, "last_zxid")
        check(isinstance(lz, int) and lz > 0, "%s: last logged zxid %s" % (src_host(i), lz), json.dumps(res)[:2000])
        keys[i] = (ce if ce is not None else -1, lz, i)
    chosen = max(W.src.ids, key=lambda i: keys[i])
    cli_choice = common.choose_source_node(W.src)[0]
    check(chosen == cli_choice, "the facts pick node %d as the CLI does" % chosen)
    W.chosen = src_host(chosen)


def need_chosen():
    if W.chosen is None:
        raise Failed("no source node chosen (facts_stopped_choose_source failed)")


@case("bundle_check_mode", servers=True)
def _bundle_check():
    need_chosen()
    dest = os.path.join(W.work, "bundle-check")
    before = tree_hashes(W.src.node_dir(1), W.src.node_dir(2), W.src.node_dir(3))
    run = playbook("bundle.yml", W.work, W.inventory, {"zk_bundle_host": W.chosen, "zk_bundle_dir": dest},
                   args=["--check"])
    expect_ok(run, "bundle --check", changed=True)
    check(not os.path.exists(dest), "--check created no dest")
    check(tree_hashes(W.src.node_dir(1), W.src.node_dir(2), W.src.node_dir(3)) == before, "sources untouched")


@case("bundle", servers=True)
def _bundle():
    need_chosen()
    run = playbook("bundle.yml", W.work, W.inventory, {"zk_bundle_host": W.chosen})
    res = expect_ok(run, "bundle on %s" % W.chosen, changed=True)
    check(run.recap.get(W.chosen, {}).get("changed") == 1, "recap: changed=1")
    names = sorted(os.listdir(W.bundle))
    check("manifest.json" in names and len([n for n in names if n.startswith("snapshot.")]) == 1 and
          not [n for n in names if n.startswith("log.") or "tmp" in n],
          "dest holds manifest.json and one consolidated snapshot (%s)" % names)
    with open(os.path.join(W.bundle, "manifest.json")) as f:
        man = json.load(f)
    last = common.find_key(man, "last_zxid")
    node = int(W.chosen[3:])
    check(last == common.inspect_node(W.src.node_conf_path(node))[1][1],
          "manifest last_zxid 0x%x is the node's last logged zxid" % (last or 0))
    znodes = common.find_key(man, "znodes")
    check(isinstance(znodes, int) and znodes >= len(W.src_tree), "manifest has the znode count (%s)" % znodes)
    check(common.find_key(res, "last_zxid") == last, "the result reports last_zxid", json.dumps(res)[:2000])


@case("bundle_idempotent", servers=True)
def _bundle_again():
    need_chosen()
    before = tree_hashes(W.bundle)
    run = playbook("bundle.yml", W.work, W.inventory, {"zk_bundle_host": W.chosen})
    expect_ok(run, "bundle again", changed=False)
    check(run.recap.get(W.chosen, {}).get("changed") == 0, "recap: changed=0", run.describe())
    check(tree_hashes(W.bundle) == before, "the bundle is untouched", describe_changes(before, tree_hashes(W.bundle)))


@case("bundle_raw", servers=True)
def _bundle_raw():
    """mode=raw ships the newest valid snapshot and the logs it needs, unchanged; again: changed=0."""
    need_chosen()
    dest = os.path.join(W.work, "bundle-raw")
    ev = {"zk_bundle_host": W.chosen, "zk_bundle_dir": dest, "zk_bundle_mode": "raw"}
    run = playbook("bundle.yml", W.work, W.inventory, ev)
    res = expect_ok(run, "raw bundle", changed=True)
    with open(os.path.join(dest, "manifest.json")) as f:
        man = json.load(f)
    node = int(W.chosen[3:])
    roles = sorted(x["role"] for x in man["files"])
    check(man["mode"] == "raw" and roles.count("snapshot") == 1 and "log" in roles,
          "the manifest lists one snapshot and its logs (%s)" % [x["name"] for x in man["files"]])
    for x in man["files"]:
        d = common.snap_dir(W.src, node) if x["role"] == "snapshot" else common.log_dir(W.src, node)
        with open(os.path.join(d, x["name"]), "rb") as f:
            check(hashlib.sha256(f.read()).hexdigest() == x["sha256"], "%s is the source's file, unchanged" % x["name"])
    check(res["bundle"]["last_zxid"] == common.find_key(man, "last_zxid"), "same last zxid as the manifest")
    run = playbook("bundle.yml", W.work, W.inventory, ev)
    check(run.recap.get(W.chosen, {}).get("changed") == 0, "raw bundle again: recap changed=0", run.describe())


def target_dirs():
    dirs = []
    for i in W.tgt.ids:
        dirs += [W.tgt.data_dir(i), W.tgt.log_dir(i), os.path.join(W.tgt.node_dir(i), "backup")]
    return dirs


@case("place_check_diff", servers=True)
def _place_check():
    if not os.path.exists(os.path.join(W.bundle, "manifest.json")):
        raise Failed("no bundle (the bundle case failed)")
    W.pre_place = tree_hashes(*target_dirs())
    run = playbook("place.yml", W.work, W.inventory, args=["--check", "--diff"])
    check(run.rc == 0 and run.total("failed") == 0, "place --check --diff runs", run.describe())
    check(run.total("changed") == 3, "recap: changed=3 (it would change every target)", run.describe())
    after = tree_hashes(*target_dirs())
    check(after == W.pre_place, "--check changed no file, mode or hash on the targets",
          describe_changes(W.pre_place, after))
    check("--- before" in run.out and "+++ after" in run.out, "--diff shows before/after", run.out[-3000:])
    for i in W.tgt.ids:
        d = module_result(run, tgt_host(i)).get("diff") or {}
        check("before" in d and "after" in d, "%s: result has diff.before/after" % tgt_host(i))
        check(os.path.basename([n for n in os.listdir(W.bundle) if n.startswith("snapshot.")][0]) in
              json.dumps(d["after"]), "%s: diff.after names the bundle's snapshot" % tgt_host(i))


@case("place", servers=True)
def _place():
    if W.pre_place is None:
        W.pre_place = tree_hashes(*target_dirs())
    run = playbook("place.yml", W.work, W.inventory)
    check(run.rc == 0 and run.total("failed") == 0 and run.total("changed") == 3,
          "place on 3 targets: changed=3", run.describe())
    snap = [n for n in os.listdir(W.bundle) if n.startswith("snapshot.")][0]
    for i in W.tgt.ids:
        v2 = os.path.join(W.tgt.data_dir(i), "version-2")
        names = sorted(os.listdir(v2))
        check(snap in names and not [n for n in names if n.startswith(("currentEpoch", "acceptedEpoch", "log."))],
              "%s: version-2 holds the bundle's snapshot, no epoch files, no logs (%s)" % (tgt_host(i), names))
        check(not [n for n in os.listdir(os.path.join(W.tgt.log_dir(i), "version-2")) if n.startswith("log.")],
              "%s: no old logs left in dataLogDir" % tgt_host(i))
        with open(os.path.join(W.tgt.data_dir(i), "myid")) as f:
            check(f.read().strip() == str(i), "%s: myid kept" % tgt_host(i))
        check(os.listdir(os.path.join(W.tgt.node_dir(i), "backup")), "%s: a backup was made" % tgt_host(i))
    W.placed = True


@case("place_idempotent", servers=True)
def _place_again():
    if not W.placed:
        raise Failed("place did not run")
    before = tree_hashes(*target_dirs())
    run = playbook("place.yml", W.work, W.inventory)
    check(run.rc == 0 and run.total("changed") == 0 and run.total("failed") == 0,
          "place again: changed=0 on every host", run.describe())
    check(tree_hashes(*target_dirs()) == before, "nothing on disk changed")


@case("start_targets_verify_at_once", servers=True)
def _verify_at_once():
    """verify right after the ordered start, before any client connects (what a playbook does)."""
    if not W.placed:
        raise Failed("place did not run")
    W.tgt.start()
    W.tgt.wait_serving(120)
    run = playbook("verify.yml", W.work, W.inventory)
    check(run.rc == 0 and run.total("failed") == 0 and run.total("changed") == 0,
          "verify on 3 freshly started targets: ok, changed=0", run.describe())


@case("verify_deep_and_tree", servers=True)
def _verify_deep():
    if not W.tgt.running():
        raise Failed("targets not running")
    # a client session is a transaction: every member has now seen the new epoch
    diffs = compare_source_target(W.src_tree, walk_via(W.tgt))
    check(not diffs, "kazoo walk: every znode's data, ACL and stat on the target equals the source's",
          "\n".join(diffs[:20]))
    run = playbook("verify.yml", W.work, W.inventory)
    check(run.rc == 0 and run.total("failed") == 0 and run.total("changed") == 0,
          "verify on 3 targets: ok, changed=0", run.describe())
    for i in W.tgt.ids:
        res = module_result(run, tgt_host(i))
        check(res.get("verified") is True and all(c["status"] in ("ok", "skipped") for c in res.get("checks", [])),
              "%s: verified, every check ok" % tgt_host(i), json.dumps(res.get("checks"))[:2000])
    run = playbook("verify.yml", W.work, W.inventory, {"zk_deep": True})
    check(run.rc == 0 and run.total("failed") == 0, "verify deep=true: ok", run.describe())
    for i in W.tgt.ids:
        names = [c["name"] for c in module_result(run, tgt_host(i)).get("checks", []) if c["status"] == "ok"]
        check("tree_digest" in names and "acl_count" in names, "%s: tree digest and ACLs compared (%s)"
              % (tgt_host(i), names))


@case("verify_wrong_manifest", servers=True)
def _verify_wrong():
    if not W.tgt.running():
        raise Failed("targets not running")
    bad = os.path.join(W.work, "bad-manifest")
    os.makedirs(bad, exist_ok=True)
    with open(os.path.join(W.bundle, "manifest.json")) as f:
        man = json.load(f)
    man["znodes"] = man.get("znodes", 0) + 7
    with open(os.path.join(bad, "manifest.json"), "w") as f:
        json.dump(man, f)
    run = playbook("verify.yml", W.work, W.inventory, {"zk_hosts": "tgt1", "zk_bundle_dir": bad})
    expect_fail(run, "verify against a manifest with another znode count", r"^%s\d+%s$" % (
        re.escape("verify failed on %s:2181: node_count: srvr Node count " % W.tgt.host(1)),
        re.escape(" is not the manifest's %d znodes + 1" % man["znodes"])))


def version2_dirs():
    dirs = []
    for i in W.tgt.ids:
        dirs += [os.path.join(W.tgt.data_dir(i), "version-2"), os.path.join(W.tgt.log_dir(i), "version-2"),
                 os.path.join(W.tgt.data_dir(i), "myid")]
    return dirs


@case("rollback", servers=True)
def _rollback():
    if not W.placed:
        raise Failed("place did not run")
    common.stop_ensemble_followers_first(W.tgt)
    before = tree_hashes(*target_dirs())
    run = playbook("rollback.yml", W.work, W.inventory, args=["--check", "--diff"])
    check(run.rc == 0 and run.total("changed") == 3, "rollback --check --diff: changed=3", run.describe())
    check(tree_hashes(*target_dirs()) == before, "rollback --check changed nothing",
          describe_changes(before, tree_hashes(*target_dirs())))
    check("--- before" in run.out and "+++ after" in run.out, "--diff shows before/after", run.out[-3000:])
    run = playbook("rollback.yml", W.work, W.inventory)
    check(run.rc == 0 and run.total("failed") == 0 and run.total("changed") == 3, "rollback: changed=3",
          run.describe())
    keep = tuple(version2_dirs())
    pre = {p: v for p, v in W.pre_place.items() if p.startswith(keep)}
    after = {p: v for p, v in tree_hashes(*target_dirs()).items() if p.startswith(keep)}
    check(len(pre) > 9, "the comparison covers %d entries" % len(pre))
    check(after == pre, "version-2 (snapshots, logs, epoch files) and myid are byte-identical to before place",
          describe_changes(pre, after))
    for i in W.tgt.ids:
        res = module_result(run, tgt_host(i))
        check(res.get("displaced") or res.get("warnings"),
              "%s: what ZooKeeper wrote after the placement is kept aside and reported" % tgt_host(i),
              json.dumps(res)[:2000])
    run = playbook("rollback.yml", W.work, W.inventory)
    check(run.rc == 0 and run.total("changed") == 0, "rollback again: changed=0", run.describe())
    check(all(module_result(run, tgt_host(i)).get("msg", "").startswith("nothing to roll back")
              for i in W.tgt.ids),
          "it says the original data is already restored",
          [module_result(run, tgt_host(i)).get("msg", "") for i in W.tgt.ids])
    W.tgt.start()
    W.tgt.wait_serving(120)
    zk = W.tgt.client()
    try:
        data, _ = zk.get("/target-marker")
        check(data.startswith(b"the target's own data"), "the restarted target serves its old /target-marker")
        check(not zk.exists("/app"), "and none of the migrated data")
    finally:
        stop_client(zk)
    common.stop_ensemble_followers_first(W.tgt)


@case("returns_documented", servers=True)
def _returns_documented():
    """Every key any run above returned is in RETURN (runs last, after every state ran)."""
    import yaml
    with open(os.path.join(REPO, "plugins", "modules", "zk_snapshot.yml")) as f:
        documented = set(yaml.safe_load(f)["RETURN"])
    states = {v[0] for v in SEEN_KEYS.values()}
    check(set(STATES) <= states, "results of every state were seen (%s)" % sorted(s for s in states if s))
    missing = {k: v for k, v in SEEN_KEYS.items() if k not in documented and k not in CONTROLLER_KEYS}
    check(not missing, "every returned key is documented in RETURN (%d keys seen)" % len(SEEN_KEYS),
          "\n".join("%s (state %s, from %s)" % (k, v[0], v[1]) for k, v in sorted(missing.items())))


# ---------------------------------------------------------------------------------------------------

def classify(text):
    m = re.search(r"state (\w+) is not implemented yet", text)
    return "state %s is not implemented yet" % m.group(1) if m else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep-work", action="store_true")
    ap.add_argument("--only", default="")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    if a.list:
        for name, _, servers in CASES:
            print(name + (" (servers)" if servers else ""))
        return 0
    only = set(x for x in a.only.split(",") if x)
    if not os.access(MODULE_BIN, os.X_OK):
        print("FAIL setup: %s is not built (run scripts/build.sh)" % MODULE_BIN)
        print("0 passed, 1 failed")
        return 1
    t0 = time.time()
    work = tempfile.mkdtemp(prefix="zkm-ansible-")
    os.chmod(work, 0o755)
    log("work dir: %s" % work)
    passed, failed, skipped, notes = [], [], [], {}
    try:
        setup_world(work)
        todo = [(n, fn, s) for n, fn, s in CASES if not only or n in only]
        started = False
        for name, fn, servers in todo:
            if servers and not started:
                log("== starting source (127.0.0.%d-%d) and target (127.0.0.%d-%d) ensembles"
                    % (SRC_IP, SRC_IP + 2, TGT_IP, TGT_IP + 2))
                try:
                    start_servers()
                except Exception:
                    failed.append("servers")
                    print("FAIL servers\n%s" % traceback.format_exc(), flush=True)
                    break
                started = True
            log("== %s" % name)
            c0 = time.time()
            try:
                fn()
                passed.append(name)
                print("PASS %s (%.1fs)" % (name, time.time() - c0), flush=True)
            except Skipped as e:
                skipped.append(name)
                print("SKIP %s: %s" % (name, e), flush=True)
            except Exception as e:
                failed.append(name)
                text = str(e) if isinstance(e, Failed) else traceback.format_exc()
                why = classify(text)
                if why:
                    notes[name] = why
                print("FAIL %s (%.1fs)%s\n%s" % (name, time.time() - c0, " [%s]" % why if why else "",
                                                 "\n".join("    " + l for l in text.splitlines()[:60])), flush=True)
    finally:
        stop_servers()
        if failed or a.keep_work:
            log("work dir kept: %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    if notes:
        log("failing only because a state is missing: %s" % ", ".join(
            "%s (%s)" % (n, w) for n, w in sorted(notes.items())))
    log("total %.0fs" % (time.time() - t0))
    if skipped:
        log("skipped: %s" % ", ".join(skipped))
    print("%d passed, %d failed" % (len(passed), len(failed)), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
