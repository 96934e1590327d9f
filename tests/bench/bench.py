#!/usr/bin/python3
"""zkmigrate benchmark: zk_snapshot against ZooKeeper's own tools, measured in the same run.

Run through tests/bench/run.sh (which checks the prerequisites and builds zk_snapshot first).
Parameters come from the environment (tests/bench/README.md lists them). Every timed command
runs under ``/usr/bin/time -f '%e %M'`` for its peak memory (max RSS); wall time is taken
around the process with a monotonic clock. Each measurement is repeated ZKM_BENCH_REPEATS
times, round-robin over the tools, and the median is reported.

Exit code: 0 when every measured command worked (targets missed still exit 0, unless
ZKM_BENCH_STRICT=1), 1 when a command failed or produced the wrong result.
"""

import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)

import gen_data  # noqa: E402
import zkharness  # noqa: E402
from zkharness import Ensemble  # noqa: E402

TIME = "/usr/bin/time"
ZK_JAR = "/usr/share/java/zookeeper.jar"
FORMATTER_CLASS = "org.apache.zookeeper.server.SnapshotFormatter"

TARGETS = [
    # key, label, op, limit
    ("formatter_over_check", "SnapshotFormatter time / check time", ">=", 6.0),
    ("check_over_sha256", "check time / sha256 time", "<=", 2.0),
    ("consolidate_rss_over_snapshot", "consolidate peak RSS / snapshot size", "<=", 1.5),
]
RATIO_TOOLS = {  # the measurements each target depends on: a failed run voids the verdict
    "formatter_over_check": ("formatter", "check"),
    "check_over_sha256": ("check", "sha256"),
    "consolidate_rss_over_snapshot": ("consolidate",),
}
INFO_RATIOS = [
    ("consolidate_over_zk_load", "consolidate time / ZooKeeper load time"),
    ("zk_load_rss_over_consolidate_rss", "ZooKeeper load RSS / consolidate RSS"),
    ("formatter_rss_over_check_rss", "SnapshotFormatter RSS / check RSS"),
]


def log(msg):
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


def env_int(name, default):
    return int(os.environ.get(name, str(default)))


# ---------------------------------------------------------------------------------------------
# measuring one process
# ---------------------------------------------------------------------------------------------

def parse_time_file(path):
    """Last line of a GNU time -o file written with -f '%e %M' -> (elapsed_s, maxrss_kb)."""
    with open(path) as f:
        lines = [ln.strip() for ln in f if ln.strip()]
    # a child ended by a signal adds a line "Command terminated by signal N" before the format
    for ln in reversed(lines):
        parts = ln.split()
        if len(parts) == 2:
            try:
                return float(parts[0]), int(parts[1])
            except ValueError:
                continue
    raise RuntimeError("cannot parse %s: %r" % (path, lines))


def timed(cmd, stdout_path, stderr_path, cwd=None):
    """Runs cmd under /usr/bin/time; returns dict(wall_s, time_e_s, rss_kb, rc)."""
    fd, tf = tempfile.mkstemp(prefix="zkm-bench-time.")
    os.close(fd)
    try:
        with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
            t0 = time.perf_counter()
            p = subprocess.run([TIME, "-f", "%e %M", "-o", tf] + cmd, stdin=subprocess.DEVNULL,
                               stdout=out, stderr=err, cwd=cwd)
            wall = time.perf_counter() - t0
        e, m = parse_time_file(tf)
    finally:
        os.unlink(tf)
    return {"wall_s": wall, "time_e_s": e, "rss_kb": m, "rc": p.returncode}


def tail_of(path, n=15):
    try:
        with open(path, "rb") as f:
            return "\n".join(f.read()[-8000:].decode("utf-8", "replace").splitlines()[-n:])
    except OSError:
        return ""


# ---------------------------------------------------------------------------------------------
# the tools
# ---------------------------------------------------------------------------------------------

class Bench(object):
    def __init__(self, meta, zk_bin, run_dir, repeats):
        self.meta = meta
        self.bin = zk_bin
        self.run_dir = run_dir
        self.repeats = repeats
        self.snapshot = meta["snapshot"]
        self.datadir = meta["datadir"]
        self.zk_heap = os.environ.get("ZKM_BENCH_ZK_HEAP", "6g")
        self.formatter_heap = os.environ.get("ZKM_BENCH_FORMATTER_HEAP", "")
        self.load_ip = env_int("ZKM_BENCH_LOAD_IP", 232)
        self.results = {}   # tool -> list of runs
        self.failures = []
        self.extra = {}

    def out(self, name):
        return os.path.join(self.run_dir, name)

    def record(self, tool, r, ok_msg=None):
        self.results.setdefault(tool, []).append(r)
        log("%-12s run %d: %.3f s, max RSS %.1f MiB, rc %s%s" % (
            tool, len(self.results[tool]), r["wall_s"], r["rss_kb"] / 1024.0, r["rc"],
            (", " + ok_msg) if ok_msg else ""))

    def fail(self, tool, msg):
        log("FAILED %s: %s" % (tool, msg))
        self.failures.append("%s: %s" % (tool, msg))

    # -- zk_snapshot check ----------------------------------------------------------------------
    def cmd_check(self):
        return [self.bin, "check", self.snapshot]

    def run_check(self):
        so, se = self.out("check.stdout"), self.out("check.stderr")
        r = timed(self.cmd_check(), so, se)
        self.record("check", r)
        if r["rc"] != 0:
            self.fail("check", "exit %d\n%s\n%s" % (r["rc"], tail_of(so), tail_of(se)))

    # -- ZooKeeper's SnapshotFormatter ----------------------------------------------------------
    def cmd_formatter(self):
        cmd = ["java"]
        if self.formatter_heap:
            cmd.append("-Xmx" + self.formatter_heap)
        return cmd + ["-cp", ZK_JAR, FORMATTER_CLASS, self.snapshot]

    def run_formatter(self):
        se = self.out("formatter.stderr")
        r = timed(self.cmd_formatter(), os.devnull, se)
        self.record("formatter", r)
        if r["rc"] != 0:
            self.fail("formatter", "exit %d\n%s" % (r["rc"], tail_of(se)))

    # -- openssl dgst -sha256 -------------------------------------------------------------------
    def cmd_sha256(self):
        return ["openssl", "dgst", "-sha256", self.snapshot]

    def run_sha256(self):
        so, se = self.out("sha256.stdout"), self.out("sha256.stderr")
        r = timed(self.cmd_sha256(), so, se)
        self.record("sha256", r)
        if r["rc"] != 0:
            self.fail("sha256", "exit %d\n%s" % (r["rc"], tail_of(se)))

    # -- zk_snapshot consolidate ----------------------------------------------------------------
    def consolidate_out(self):
        return self.out("consolidate-out")

    def cmd_consolidate(self):
        return [self.bin, "consolidate", "--data-dir", self.datadir, "--out", self.consolidate_out()]

    def run_consolidate(self):
        od = self.consolidate_out()
        shutil.rmtree(od, ignore_errors=True)
        os.makedirs(od)
        so, se = self.out("consolidate.stdout"), self.out("consolidate.stderr")
        r = timed(self.cmd_consolidate(), so, se)
        files = sorted(os.listdir(od))
        snaps = [f for f in files if f.startswith("snapshot.")]
        r["out_files"] = files
        if snaps:
            r["out_snapshot"] = snaps[-1]
            r["out_bytes"] = os.path.getsize(os.path.join(od, snaps[-1]))
        self.record("consolidate", r, "wrote %s" % (snaps or "nothing"))
        if r["rc"] != 0:
            self.fail("consolidate", "exit %d\n%s\n%s" % (r["rc"], tail_of(so), tail_of(se)))
        elif len(snaps) != 1:
            self.fail("consolidate", "expected one snapshot.* in %s, found %s" % (od, files))

    # -- a standalone ZooKeeper loading a copy of the dataDir -----------------------------------
    def run_zk_load(self):
        base = self.out("zkload")
        shutil.rmtree(base, ignore_errors=True)
        ens = Ensemble(base, size=1, first_ip=self.load_ip, heap=self.zk_heap)
        host = ens.host(1)
        if not ens._port_free(host, ens.client_port):
            raise RuntimeError("%s:%d is in use: a leftover server?" % (host, ens.client_port))
        # the copy is not timed; it is written through the page cache, so it is warm too
        dst = os.path.join(ens.data_dir(1), "version-2")
        shutil.copytree(os.path.join(self.datadir, "version-2"), dst)
        fd, tf = tempfile.mkstemp(prefix="zkm-bench-time.")
        os.close(fd)
        cmd = [TIME, "-f", "%e %M", "-o", tf] + ens.jvm_args(1)
        out = open(ens.out_path(1), "ab")
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                             cwd=ens.node_dir(1), start_new_session=True)
        serving = None
        info = None
        deadline = t0 + env_int("ZKM_BENCH_ZK_TIMEOUT", 1800)
        try:
            while time.perf_counter() < deadline:
                if p.poll() is not None:
                    break
                try:
                    info = zkharness.srvr(host, ens.client_port, timeout=2.0)
                except (OSError, ValueError):
                    time.sleep(0.05)
                    continue
                if info["mode"] in ("standalone", "leader"):
                    serving = time.perf_counter() - t0
                    break
                time.sleep(0.05)
        finally:
            # stop the JVM (the child of /usr/bin/time) with SIGTERM so time can still report
            java_pids = []
            try:
                with open("/proc/%d/task/%d/children" % (p.pid, p.pid)) as f:
                    java_pids = [int(x) for x in f.read().split()]
            except OSError:
                pass
            for jp in java_pids:
                try:
                    os.kill(jp, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(10)
            out.close()
        wall_total = time.perf_counter() - t0
        try:
            e, m = parse_time_file(tf)
        except (OSError, RuntimeError):
            e, m = wall_total, 0
        os.unlink(tf)
        r = {"wall_s": serving if serving is not None else float("nan"), "time_e_s": e,
             "rss_kb": m, "rc": 0 if serving is not None else 1, "process_total_s": wall_total}
        if info:
            r["srvr_zxid"] = "0x%x" % info["zxid"]
            r["srvr_node_count"] = info["node_count"]
        loaded = self.zk_loaded_line(ens.zk_log_path(1))
        if loaded:
            r["zk_log_snapshot_loaded"] = loaded
        v2 = dst
        r["zk_wrote"] = sorted(x for x in os.listdir(v2) if x.startswith("snapshot.")
                               and x != os.path.basename(self.snapshot))
        self.record("zk_load", r, "srvr zxid %s, node count %s" % (r.get("srvr_zxid"), r.get("srvr_node_count")))
        if serving is None:
            self.fail("zk_load", "ZooKeeper did not serve (exit %s)\n%s" % (p.returncode, ens.tail(1)))
        elif info["node_count"] != self.meta["srvr_node_count_last"]:
            self.fail("zk_load", "srvr node count %s, expected %s" % (
                info["node_count"], self.meta["srvr_node_count_last"]))
        self.extra["zk_snapshot_dir"] = v2

    @staticmethod
    def zk_loaded_line(path):
        try:
            with open(path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return None
        import re
        m = re.findall(r"Snapshot loaded in (\d+) ms, highest zxid is (0x[0-9a-f]+), digest is (-?\d+)", text)
        if not m:
            return None
        ms, zxid, digest = m[-1]
        return {"ms": int(ms), "zxid": zxid, "digest": int(digest)}

    # -- everything -----------------------------------------------------------------------------
    def run_all(self):
        tools = [("check", self.run_check), ("formatter", self.run_formatter),
                 ("sha256", self.run_sha256), ("consolidate", self.run_consolidate),
                 ("zk_load", self.run_zk_load)]
        only = [x for x in os.environ.get("ZKM_BENCH_ONLY", "").split(",") if x]
        for rep in range(self.repeats):
            log("--- repeat %d/%d" % (rep + 1, self.repeats))
            for name, fn in tools:
                if only and name not in only:
                    continue
                fn()

    def cross_check(self):
        """Untimed: is zk_snapshot's consolidated snapshot the tree ZooKeeper itself wrote?"""
        od = self.consolidate_out()
        zkdir = self.extra.get("zk_snapshot_dir")
        if not zkdir or not os.path.isdir(od):
            return None
        ours = sorted(x for x in os.listdir(od) if x.startswith("snapshot."))
        theirs = sorted(x for x in os.listdir(zkdir) if x.startswith("snapshot.")
                        and x != os.path.basename(self.snapshot))
        res = {"consolidated": ours, "zookeeper_wrote": theirs}
        if len(ours) != 1 or len(theirs) != 1:
            res["verdict"] = "not compared"
            return res
        res["same_name"] = ours[0] == theirs[0]
        so, se = self.out("diff.stdout"), self.out("diff.stderr")
        r = timed([self.bin, "diff", os.path.join(od, ours[0]), os.path.join(zkdir, theirs[0])], so, se)
        res["diff_rc"] = r["rc"]
        res["diff_wall_s"] = round(r["wall_s"], 3)
        res["verdict"] = {0: "identical", 1: "differs"}.get(r["rc"], "diff failed (exit %d)" % r["rc"])
        if r["rc"] != 0:
            res["diff_output_tail"] = (tail_of(so) + "\n" + tail_of(se)).strip()
        return res


# ---------------------------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------------------------

def median_of(runs, key):
    vals = [r[key] for r in runs if r.get(key) is not None and r[key] == r[key]]
    return statistics.median(vals) if vals else float("nan")


def warm_cache(paths):
    total = 0
    t0 = time.perf_counter()
    buf = bytearray(8 << 20)
    for p in paths:
        with open(p, "rb", buffering=0) as f:
            while True:
                n = f.readinto(buf)
                if not n:
                    break
                total += n
    return total, time.perf_counter() - t0


def host_info():
    info = {"python": platform.python_version(), "kernel": platform.release(),
            "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as f:
            for ln in f:
                if ln.startswith("model name"):
                    info["cpu"] = ln.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            info["mem_total_kb"] = int(f.readline().split()[1])
    except OSError:
        pass

    def first_line(cmd):
        try:
            out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 timeout=60).stdout.decode("utf-8", "replace")
            return out.strip().splitlines()[0] if out.strip() else ""
        except (OSError, subprocess.TimeoutExpired):
            return ""
    info["java"] = first_line(["java", "-version"])
    info["openssl"] = first_line(["openssl", "version"])
    info["zookeeper"] = zkharness.zk_version()
    info["git"] = first_line(["git", "-C", REPO, "describe", "--always", "--dirty"])
    return info


def no_nan(x):
    """JSON has no NaN: NaN -> None, recursively."""
    if isinstance(x, float) and x != x:
        return None
    if isinstance(x, dict):
        return {k: no_nan(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [no_nan(v) for v in x]
    return x


def fmt_ratio(v):
    return "n/a" if v != v else ("%.2fx" % v)


def main():
    repeats = env_int("ZKM_BENCH_REPEATS", 3)
    if repeats < 1:
        raise SystemExit("ZKM_BENCH_REPEATS must be >= 1")
    zk_bin = os.path.abspath(os.environ.get("ZKM_BIN", os.path.join(REPO, "build", "zk_snapshot")))
    work = os.environ.get("ZKM_BENCH_WORK", os.path.join(HERE, "work"))

    # 1. the data set (built by real ZooKeeper, or reused)
    p = gen_data.params_from_env()
    workdir = os.path.join(work, gen_data.key_of(p))
    meta_path = os.path.join(workdir, "meta.json")
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
        log("reusing data set %s" % workdir)
    else:
        log("building data set %s (real ZooKeeper; ~1 min per million znodes)" % workdir)
        meta = gen_data.build(p, workdir, env_int("ZKM_BENCH_GEN_IP", 231))
    run_dir = os.path.join(workdir, "run")
    shutil.rmtree(run_dir, ignore_errors=True)
    os.makedirs(run_dir)

    # 2. warm the page cache: read the snapshot and the logs once
    files = [meta["snapshot"]] + [os.path.join(meta["datadir"], "version-2", x) for x in meta["logs"]]
    warm_bytes, warm_s = warm_cache(files)
    log("page cache warmed: read %d files, %.1f MB in %.2f s" % (len(files), warm_bytes / 1e6, warm_s))

    bench = Bench(meta, zk_bin, run_dir, repeats)
    load_before = os.getloadavg()
    t_start = time.time()
    bench.run_all()
    cross = None
    if os.environ.get("ZKM_BENCH_CROSSCHECK", "1") == "1" and not os.environ.get("ZKM_BENCH_ONLY"):
        cross = bench.cross_check()
        if cross:
            log("cross-check consolidate vs ZooKeeper's own snapshot: %s" % cross.get("verdict"))
    total_s = time.time() - t_start
    load_after = os.getloadavg()

    # 3. medians, ratios, targets
    snap_bytes = meta["snapshot_bytes"]
    med = {}
    for tool, runs in bench.results.items():
        med[tool] = {"wall_s": median_of(runs, "wall_s"), "rss_kb": median_of(runs, "rss_kb"),
                     "min_wall_s": min(r["wall_s"] for r in runs), "max_wall_s": max(r["wall_s"] for r in runs),
                     "max_rss_kb": max(r["rss_kb"] for r in runs)}

    def m(tool, key):
        return med.get(tool, {}).get(key, float("nan"))

    ratios = {
        "formatter_over_check": m("formatter", "wall_s") / m("check", "wall_s"),
        "check_over_sha256": m("check", "wall_s") / m("sha256", "wall_s"),
        "consolidate_rss_over_snapshot": m("consolidate", "rss_kb") * 1024.0 / snap_bytes,
        "consolidate_over_zk_load": m("consolidate", "wall_s") / m("zk_load", "wall_s"),
        "zk_load_rss_over_consolidate_rss": m("zk_load", "rss_kb") / m("consolidate", "rss_kb"),
        "formatter_rss_over_check_rss": m("formatter", "rss_kb") / m("check", "rss_kb"),
    }
    verdicts = {}
    failed_tools = {f.split(":", 1)[0] for f in bench.failures}
    for key, label, op, limit in TARGETS:
        v = ratios[key]
        if failed_tools & set(RATIO_TOOLS[key]):
            verdicts[key] = "FAIL"  # a command behind this ratio failed: the figure means nothing
        elif v != v:
            verdicts[key] = "n/a"
        elif (op == ">=" and v >= limit) or (op == "<=" and v <= limit):
            verdicts[key] = "PASS"
        else:
            verdicts[key] = "MISS"

    # 4. the table
    n_logs = len(meta["logs"])
    lines = []
    lines.append("zkmigrate benchmark: %d znodes written by ZooKeeper %s" % (
        meta["znodes_in_snapshot"], meta["params"]["zk_version"]))
    lines.append("  snapshot %s: %.1f MB (%d bytes); %d log(s) after it, %s tail txns" % (
        os.path.basename(meta["snapshot"]), snap_bytes / 1e6, snap_bytes, n_logs,
        sum(meta["tail_txns"].values())))
    lines.append("  page cache warmed before timing: read %.1f MB once in %.2f s" % (warm_bytes / 1e6, warm_s))
    lines.append("  %d repeat(s) per command, round-robin; median wall [min..max]; RSS = median of max RSS (GNU time %%M)" % repeats)
    lines.append("  host: %d CPUs, load average %.2f before / %.2f after (1 min; other work on the machine adds noise)" % (
        os.cpu_count(), load_before[0], load_after[0]))
    lines.append("")
    rows = [
        ("check", "zk_snapshot check <snapshot>"),
        ("formatter", "SnapshotFormatter (plain mode) >/dev/null"),
        ("sha256", "openssl dgst -sha256 <snapshot>"),
        ("consolidate", "zk_snapshot consolidate --data-dir"),
        ("zk_load", "ZooKeeper standalone: start -> serving"),
    ]
    lines.append("%-44s %9s %21s %12s %9s" % ("command", "wall s", "[min..max]", "max RSS MiB", "MB/s"))
    for tool, label in rows:
        if tool not in med:
            continue
        w = m(tool, "wall_s")
        lines.append("%-44s %9.3f %21s %12.1f %9.0f" % (
            label, w, "[%.3f..%.3f]" % (m(tool, "min_wall_s"), m(tool, "max_wall_s")),
            m(tool, "rss_kb") / 1024.0, snap_bytes / 1e6 / w if w == w and w > 0 else float("nan")))
    lines.append("")
    lines.append("%-44s %9s %9s %8s" % ("ratio", "value", "target", "result"))
    for key, label, op, limit in TARGETS:
        lines.append("%-44s %9s %9s %8s" % (label, fmt_ratio(ratios[key]), "%s %gx" % (op, limit), verdicts[key]))
    for key, label in INFO_RATIOS:
        lines.append("%-44s %9s %9s %8s" % (label, fmt_ratio(ratios[key]), "-", "info"))
    if cross:
        lines.append("")
        lines.append("cross-check (untimed): consolidated %s vs ZooKeeper's own %s: %s" % (
            ",".join(cross.get("consolidated", [])) or "-", ",".join(cross.get("zookeeper_wrote", [])) or "-",
            cross.get("verdict")))
    zl = [r.get("zk_log_snapshot_loaded") for r in bench.results.get("zk_load", []) if r.get("zk_log_snapshot_loaded")]
    if zl:
        lines.append("ZooKeeper's own log: \"Snapshot loaded in\" %s ms (median; the rest of start->serving is JVM"
                     " start, log replay, the snapshot it writes at load)" % statistics.median(x["ms"] for x in zl))
    if bench.failures:
        lines.append("")
        lines.append("FAILURES:")
        for f in bench.failures:
            lines.append("  " + f.replace("\n", "\n    "))
    table = "\n".join(lines)
    print(table, flush=True)

    results = {
        "schema": 1,
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "bench_seconds": round(total_s, 1),
        "loadavg_before": load_before,
        "loadavg_after": load_after,
        "host": host_info(),
        "params": meta["params"],
        "repeats": repeats,
        "data_set": meta,
        "warm_cache": {"bytes": warm_bytes, "seconds": round(warm_s, 3), "files": files},
        "commands": {
            "check": bench.cmd_check(),
            "formatter": bench.cmd_formatter(),
            "sha256": bench.cmd_sha256(),
            "consolidate": bench.cmd_consolidate(),
            "zk_load": "standalone QuorumPeerMain (tests/lib/zkharness.py, -Xmx%s) on a copy of the dataDir;"
                       " wall = process start until srvr answers Mode: standalone" % bench.zk_heap,
        },
        "runs": bench.results,
        "median": med,
        "ratios": ratios,
        "targets": {k: {"label": label, "op": op, "limit": lim, "value": ratios[k], "result": verdicts[k]}
                    for k, label, op, lim in TARGETS},
        "cross_check": cross,
        "failures": bench.failures,
        "table": table,
    }
    os.makedirs(work, exist_ok=True)
    out = os.path.join(work, "results.json")
    for path in (out, os.path.join(workdir, "results.json")):
        with open(path, "w") as f:
            json.dump(no_nan(results), f, indent=2, default=str)
    log("results written to %s (and %s)" % (out, os.path.join(workdir, "results.json")))
    if bench.failures:
        return 1
    if os.environ.get("ZKM_BENCH_STRICT") == "1" and any(v != "PASS" for v in verdicts.values()):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
