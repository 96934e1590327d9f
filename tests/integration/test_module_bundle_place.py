#!/usr/bin/python3
"""The zk_snapshot module's bundle / place / rollback states, driven directly with JSON argument files
against real ZooKeeper 3.8 servers on loopback (127.0.0.64 source, .65 target, .66 spare).

    /usr/bin/python3 tests/integration/test_module_bundle_place.py [--keep-work]

Covers: bundle from a stopped source, again (changed false), check mode (touches nothing), raw mode;
place on a stopped target holding other data, check mode, twice (changed false), its backup in
<dataDir>/zkmigrate-backup/<migration_id> (the journal says done); the target serves the source's znodes;
rollback (without migration_id: the one placed.json names) restores the old files exactly (names +
sha256), twice, and by migration_id (changed false); errors: a bad migration_id,
running node, missing src, tampered bundle, a file in place of a directory, a gap in the source logs,
disk full and read-only filesystem (tiny tmpfs mounts, skipped when mount is not allowed).
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
from common import (Ensemble, compare_source_target, list_files, log, needed_logs, small_workload,  # noqa: E402
                    snap_dir, stop_client, summarize_diffs, walk_via)

SRC_IP, TGT_IP = 64, 65
RESULTS = {"passed": 0, "failed": 0}


def check(cond, what, detail=None):
    if cond:
        RESULTS["passed"] += 1
        log("    ok: " + what)
    else:
        RESULTS["failed"] += 1
        log("  FAIL: " + what + ("\n" + str(detail) if detail is not None else ""))
    return cond


def module(work, **args):
    """Run the binary as Ansible would: one JSON arguments file. Returns the parsed result."""
    args.setdefault("_ansible_check_mode", False)
    path = os.path.join(work, "args.json")
    with open(path, "w") as f:
        json.dump(args, f)
    r = subprocess.run([common.ZK_SNAPSHOT, path], capture_output=True, timeout=600)
    out = r.stdout.decode("utf-8", "replace")
    try:
        res = json.loads(out)
    except ValueError:
        res = {"failed": True, "msg": "not JSON: " + out[:2000] + r.stderr.decode()[:2000]}
    res["_rc"] = r.returncode
    return res


def tree_state(*dirs):
    """{relative path: sha256} of every file under dirs (a missing dir counts as empty)."""
    out = {}
    for d in dirs:
        for root, _, files in os.walk(d):
            for n in files:
                p = os.path.join(root, n)
                with open(p, "rb") as f:
                    out[os.path.relpath(p, d) + "@" + d] = hashlib.sha256(f.read()).hexdigest()
    return out


def failed_with(res, words, what):
    ok = res.get("failed") is True and res.get("changed") is False and \
        all(w.lower() in res.get("msg", "").lower() for w in words)
    return check(ok, "%s -> failed: %s" % (what, res.get("msg")), json.dumps(res)[:1500])


def try_mount_tmpfs(path, size, ro=False):
    os.makedirs(path, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s%s" % (size, ",ro" if ro else ""),
                        "tmpfs", path], capture_output=True)
    return r.returncode == 0


def umount(path):
    subprocess.run(["umount", path], capture_output=True)


def run(work):
    flags = dict(common.COMMON_FLAGS)
    src = Ensemble(os.path.join(work, "src"), size=1, first_ip=SRC_IP, snap_count=20,
                   jvm_flags=flags, heap=common.HEAP)
    tgt = Ensemble(os.path.join(work, "tgt"), size=1, first_ip=TGT_IP, jvm_flags=flags, heap=common.HEAP)
    scfg, tcfg = src.node_conf_path(1), tgt.node_conf_path(1)
    bdir = os.path.join(work, "bundle")
    try:
        log("source: workload")
        src.start()
        src.wait_serving(90)
        zk = src.client()
        small_workload(src, zk)
        stop_client(zk)
        src_tree = walk_via(src)
        res = module(work, state="bundle", config=scfg, dest=bdir)
        failed_with(res, ["running"], "bundle of a running source")
        check(not os.path.exists(bdir), "the refused bundle wrote nothing")
        res = module(work, state="bundle", config=scfg, dest=bdir, allow_running=True)
        check(res.get("failed") is False and any("fuzzy" in w for w in res.get("warnings", [])),
              "allow_running bundles with a fuzzy-copy warning", res)
        shutil.rmtree(bdir, ignore_errors=True)
        src.stop()

        log("bundle")
        res = module(work, state="bundle", config=scfg, dest=bdir, _ansible_check_mode=True)
        check(res.get("changed") is True and not res.get("failed") and not os.path.exists(bdir),
              "check mode: changed, nothing written", res)
        res = module(work, state="bundle", config=scfg, dest=bdir, _ansible_diff=True)
        check(res.get("changed") is True and res.get("failed") is False, "bundle: changed", res)
        b = res.get("bundle", {})
        check(sorted(os.listdir(bdir)) == sorted(b.get("files", []) + ["manifest.json"]),
              "dest holds exactly snapshot + manifest.json: %s" % os.listdir(bdir))
        check(b.get("znodes") == len(src_tree) + 0 or b.get("znodes", 0) > 10,
              "manifest znodes %s (walk saw %d)" % (b.get("znodes"), len(src_tree)))
        check("diff" in res and res["diff"]["after"].get("files") == b.get("files"), "diff after lists files")
        man = json.load(open(os.path.join(bdir, "manifest.json")))
        f0 = man["files"][0]
        check(hashlib.sha256(open(os.path.join(bdir, f0["name"]), "rb").read()).hexdigest() == f0["sha256"],
              "manifest sha256 matches the file")
        before = tree_state(bdir)
        res = module(work, state="bundle", config=scfg, dest=bdir)
        check(res.get("changed") is False and not res.get("failed") and tree_state(bdir) == before,
              "bundle again: changed false, bundle untouched", res)
        raw = os.path.join(work, "raw")
        res = module(work, state="bundle", config=scfg, dest=raw, mode="raw")
        rman = json.load(open(os.path.join(raw, "manifest.json"))) if os.path.exists(raw) else {}
        check(res.get("changed") is True and len(rman.get("files", [])) >= 2 and rman.get("mode") == "raw",
              "raw bundle: snapshot + logs unchanged (%d files)" % len(rman.get("files", [])), res)

        log("target with other data")
        tgt.start()
        tgt.wait_serving(90)
        zk = tgt.client()
        zk.create("/old-target", b"old")
        stop_client(zk)
        old_tree = walk_via(tgt)
        res = module(work, state="place", config=tcfg, src=bdir)
        failed_with(res, ["running"], "place on a running target")
        tgt.stop()
        tdirs = [tgt.data_dir(1)]
        t_before = tree_state(os.path.join(tgt.data_dir(1), "version-2"))

        res = module(work, state="place", config=tcfg, src=bdir, _ansible_check_mode=True, _ansible_diff=True)
        check(res.get("changed") is True and tree_state(*tdirs) == tree_state(*tdirs) and
              tree_state(os.path.join(tgt.data_dir(1), "version-2")) == t_before and
              not os.path.exists(os.path.join(tgt.data_dir(1), "zkmigrate")),
              "place check mode: changed, nothing touched", res)
        check("diff" in res and res["diff"]["before"].get("snapshot_dir"), "place diff shows the current files", res)

        # errors that must change nothing
        failed_with(module(work, state="place", config=tcfg, src=os.path.join(work, "nope")),
                    ["not a bundle directory"], "missing src")
        bad = os.path.join(work, "tampered")
        shutil.copytree(bdir, bad)
        with open(os.path.join(bad, f0["name"]), "r+b") as f:
            f.seek(100)
            c = f.read(1)
            f.seek(100)
            f.write(bytes([c[0] ^ 0xFF]))
        failed_with(module(work, state="place", config=tcfg, src=bad), ["does not match its manifest"],
                    "tampered bundle")
        check(tree_state(os.path.join(tgt.data_dir(1), "version-2")) == t_before,
              "target untouched after the refused placements")
        failed_with(module(work, state="place", config=os.path.join(work, "no", "zoo.cfg"), src=bdir),
                    ["does not exist"], "missing zoo.cfg")
        failed_with(module(work, state="place", config=tcfg, src=bdir, migration_id="../up"),
                    ["migration_id ../up must be"], "a migration_id that is not a folder name")
        check(tree_state(os.path.join(tgt.data_dir(1), "version-2")) == t_before and
              not os.path.exists(os.path.join(tgt.data_dir(1), "zkmigrate-backup")),
              "target untouched after the refused migration_id")

        log("place")
        mid = "it-run-1"
        journal = os.path.join(tgt.data_dir(1), "zkmigrate-backup", mid, "backup.json")
        res = module(work, state="place", config=tcfg, src=bdir, migration_id=mid, _ansible_diff=True)
        check(res.get("changed") is True and res.get("failed") is False, "place: changed", res)
        check(res.get("migration_id") == mid and res.get("recovered") == [] and
              res.get("backup_dir") == os.path.dirname(journal),
              "place: the backup is <dataDir>/zkmigrate-backup/<migration_id>, nothing to recover", res)
        check(json.load(open(journal)).get("phase") == "done", "the journal says done")
        v2 = sorted(os.listdir(os.path.join(tgt.data_dir(1), "version-2")))
        check(v2 == [f0["name"]], "version-2 holds only the bundle snapshot (no epoch files): %s" % v2)
        placed = json.load(open(os.path.join(tgt.data_dir(1), "zkmigrate", "placed.json")))
        check(placed.get("bundle_id") == res.get("bundle_id"), "placed.json records the bundle id")
        res2 = module(work, state="place", config=tcfg, src=bdir, migration_id=mid)
        check(res2.get("changed") is False and res2.get("failed") is False, "place twice: changed false", res2)

        log("start the target")
        tgt.start()
        tgt.wait_serving(90)
        got = walk_via(tgt)
        diffs = compare_source_target(src_tree, got)
        check(not diffs, "target serves the source's znodes (%d): %s" % (len(got), summarize_diffs(diffs)))
        check("/old-target" not in got, "the target's old data is gone")
        tgt.stop()

        log("rollback")
        res = module(work, state="rollback", config=tcfg, _ansible_check_mode=True)
        check(res.get("changed") is True and sorted(os.listdir(os.path.join(tgt.data_dir(1), "version-2")))[0:1]
              != [], "rollback check mode: changed", res)
        res = module(work, state="rollback", config=tcfg)
        check(res.get("changed") is True and res.get("failed") is False, "rollback: changed", res)
        check(res.get("migration_id") == mid and json.load(open(journal)).get("phase") == "restored",
              "rollback without migration_id restores the migration placed.json names", res)
        t_after = tree_state(os.path.join(tgt.data_dir(1), "version-2"))
        check(t_after == t_before, "the old files are back exactly (names + sha256)",
              {"before": sorted(t_before), "after": sorted(t_after)})
        res = module(work, state="rollback", config=tcfg)
        check(res.get("changed") is False and "nothing to roll back" in res.get("msg", ""),
              "rollback again: changed false", res)
        res = module(work, state="rollback", config=tcfg, migration_id=mid)
        check(res.get("changed") is False and res.get("failed") is False and
              "nothing to roll back" in res.get("msg", ""), "rollback again by migration_id: changed false", res)
        tgt.start()
        tgt.wait_serving(90)
        back = walk_via(tgt)
        check(not compare_source_target(old_tree, back), "the rolled-back target serves its old tree")
        tgt.stop()

        log("bad environments")
        afile = os.path.join(work, "afile")
        open(afile, "w").write("x")
        failed_with(module(work, state="bundle", config=scfg, dest=os.path.join(afile, "b")),
                    ["cannot write the bundle"], "dest under a file (permission-like refusal)")
        bad_t = Ensemble(os.path.join(work, "badt"), size=1, first_ip=TGT_IP + 1, jvm_flags=flags)
        v2file = os.path.join(bad_t.data_dir(1), "version-2")
        open(v2file, "w").write("not a dir")
        failed_with(module(work, state="place", config=bad_t.node_conf_path(1), src=bdir),
                    ["not a directory"], "version-2 is a file")
        check(open(v2file).read() == "not a dir" and not os.path.exists(
            os.path.join(bad_t.data_dir(1), "zkmigrate-backup")), "nothing changed on the bad target")

        # a gap: keep only the oldest snapshot, drop a middle log
        gap = Ensemble(os.path.join(work, "gap"), size=1, first_ip=TGT_IP + 1, jvm_flags=flags)
        gv2 = os.path.join(gap.data_dir(1), "version-2")
        shutil.copytree(snap_dir(src, 1), gv2, dirs_exist_ok=True)
        snaps = list_files(gv2, "snapshot")
        for _, n in snaps[1:]:
            os.remove(os.path.join(gv2, n))
        logs = needed_logs(list_files(gv2, "log"), snaps[0][0])
        if check(len(logs) >= 3, "the gap case has %d logs to break" % len(logs)):
            os.remove(os.path.join(gv2, logs[len(logs) // 2][1]))
            gdest = os.path.join(work, "gap-bundle")
            failed_with(module(work, state="bundle", config=gap.node_conf_path(1), dest=gdest),
                        ["cannot be bundled"], "gap in the source logs")
            check(not os.path.exists(gdest), "nothing written for the gap")

        full = os.path.join(work, "full")
        if try_mount_tmpfs(full, "64k"):
            try:
                failed_with(module(work, state="bundle", config=scfg, dest=os.path.join(full, "b")),
                            ["free space"], "disk full (64k tmpfs)")
                check(os.listdir(full) == [], "nothing left on the full disk")
            finally:
                umount(full)
        ro = os.path.join(work, "ro")
        if try_mount_tmpfs(ro, "1m", ro=True):
            try:
                failed_with(module(work, state="bundle", config=scfg, dest=os.path.join(ro, "b")),
                            ["read-only"], "read-only filesystem")
            finally:
                umount(ro)
    finally:
        src.stop()
        tgt.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep-work", action="store_true")
    a = ap.parse_args()
    common.quiet_kazoo()
    work = tempfile.mkdtemp(prefix="zkm-bundle-place-")
    try:
        run(work)
    except Exception:
        RESULTS["failed"] += 1
        traceback.print_exc()
    finally:
        if a.keep_work or RESULTS["failed"]:
            log("work dir kept: " + work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed" % (RESULTS["passed"], RESULTS["failed"]), flush=True)
    sys.exit(1 if RESULTS["failed"] else 0)


if __name__ == "__main__":
    main()
