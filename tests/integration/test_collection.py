#!/usr/bin/python3
"""The collection as a user gets it: metadata, changelog, build, install, docs.

    /usr/bin/python3 tests/integration/test_collection.py [--keep-work] [--only NAME[,NAME...]] [--list]

Needs the built binary plugins/bin/zk_snapshot (scripts/build.sh); starts no server and opens no
socket. Everything it makes lives in one temp dir zkmt-collection-* (removed at the end unless
--keep-work). Cases, in order (each later case needs the tarball of `build`):

  metadata   galaxy.yml names the repository, documentation, homepage and issues URLs, a license
             whose text is LICENSE (Apache-2.0), valid tags; meta/runtime.yml requires ansible-core
             >= 2.14.
  changelog  changelogs/ has antsibull-changelog's layout (config.yaml, changelog.yaml, fragments/);
             every fragment uses only the configured sections; the newest release in changelog.yaml
             is not above galaxy.yml's version; CHANGELOG.md has every release and every entry of it.
  build      `ansible-galaxy collection build` into the temp dir: one tarball, holding the binary
             (executable), its action plugin, the docs stub, LICENSE, CHANGELOG.md, changelogs/, docs/,
             and nothing of the build trees, work dirs, sources or tests (build_ignore); MANIFEST.json
             carries galaxy.yml's URLs and license.
  install    `ansible-galaxy collection install` of the tarball into the temp dir; from outside the
             checkout (so ./ansible.cfg does not apply) `ansible-doc -t module` renders the installed
             module, `ansible-doc -l zkmigrate.zookeeper` lists it without a warning, and the installed
             binary runs through its action plugin (a bad argument gets the module's own answer).

Prints PASS/FAIL per case and "N passed, M failed"; exit 1 on any failure.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import REPO, check, log  # noqa: E402

import yaml  # noqa: E402

FQCN = "zkmigrate.zookeeper.zk_snapshot"
BINARY = os.path.join(REPO, "plugins", "bin", "zk_snapshot")
URLS = {
    "repository": "https://github.com/zkmigrate/zookeeper",
    "documentation": "https://github.com/zkmigrate/zookeeper/blob/main/docs",
    "homepage": "https://github.com/zkmigrate/zookeeper",
    "issues": "https://github.com/zkmigrate/zookeeper/issues",
}
# Top-level paths of the checkout that must never reach the tarball: build trees, work dirs,
# local checkouts, sources and the tests that need them.
EXCLUDED = re.compile(r"^(build[^/]*|demo-work|\.cache|collections|module_src|scripts|CMakeLists\.txt|ansible\.cfg|"
                      r"\.git|\.ci|\.gitignore|\.clang-format|zkmt-[^/]*|tests/(unit|fixtures|integration|bench|lib|"
                      r"arch|output))(/|$)|(^|/)__pycache__(/|$)|\.pyc$|\.tar\.gz$")


class World(object):
    work = None
    tarball = None
    installed = None


W = World()


def ansible_env(extra=None):
    """The environment of a user: no ANSIBLE_* of ours, no ./ansible.cfg (cwd is the temp dir)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update({"ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0", "PYTHONDONTWRITEBYTECODE": "1",
                "ANSIBLE_LOCAL_TEMP": os.path.join(W.work, "ansible-local"),
                "ANSIBLE_REMOTE_TEMP": os.path.join(W.work, "ansible-remote")})
    env.update(extra or {})
    return env


def run(cmd, cwd=None, env=None, timeout=300):
    return subprocess.run(cmd, cwd=cwd or W.work, env=env or ansible_env(), capture_output=True, text=True,
                          timeout=timeout)


def load_yaml(*parts):
    with open(os.path.join(REPO, *parts), encoding="utf-8") as f:
        return yaml.safe_load(f)


def version_key(v):
    return tuple(int(x) for x in re.findall(r"\d+", v)[:3])


def md_unescape(text):
    """antsibull-changelog's Markdown escapes punctuation with a backslash."""
    return re.sub(r"\\(.)", r"\1", text)


# -- cases ------------------------------------------------------------------------------------------

def case_metadata():
    g = load_yaml("galaxy.yml")
    for k in ("namespace", "name", "version", "readme", "authors"):
        check(g.get(k), "galaxy.yml has %s" % k)
    check((g["namespace"], g["name"]) == ("zkmigrate", "zookeeper"), "the collection is zkmigrate.zookeeper")
    for k, url in URLS.items():
        check(g.get(k) == url, "galaxy.yml %s = %s" % (k, url), g.get(k))
    check(g.get("license") == ["Apache-2.0"] and not g.get("license_file"), "license: [Apache-2.0]", g.get("license"))
    with open(os.path.join(REPO, "LICENSE"), encoding="utf-8") as f:
        lic = f.read()
    check("Apache License" in lic and "Version 2.0, January 2004" in lic and "END OF TERMS AND CONDITIONS" in lic,
          "LICENSE is the full Apache-2.0 text (%d bytes)" % len(lic))
    tags = g.get("tags") or []
    check(tags and all(re.match(r"^[a-z0-9_]{1,64}$", t) for t in tags) and len(tags) <= 20,
          "tags are Galaxy-valid (%s)" % ", ".join(tags))
    rt = load_yaml("meta", "runtime.yml")
    check(version_key(rt.get("requires_ansible", "").lstrip(">=")) >= (2, 14, 0)
          and rt["requires_ansible"].startswith(">="), "meta/runtime.yml requires_ansible %s" % rt.get("requires_ansible"))


def case_changelog():
    cfg = load_yaml("changelogs", "config.yaml")
    sections = {s[0] for s in cfg["sections"]} | {cfg["prelude_section_name"], cfg["trivial_section_name"]}
    check(cfg.get("changes_file") == "changelog.yaml" and cfg.get("notesdir") == "fragments"
          and cfg.get("changes_format") == "combined", "config.yaml: changelog.yaml, fragments/, combined format")
    check("md" in (cfg.get("output_formats") or []), "config.yaml: Markdown output (CHANGELOG.md)")
    frag_dir = os.path.join(REPO, "changelogs", "fragments")
    frags = sorted(n for n in os.listdir(frag_dir) if n.endswith((".yml", ".yaml")))
    check(frags, "changelogs/fragments/ holds fragments (%s)" % ", ".join(frags))
    for n in frags:
        with open(os.path.join(frag_dir, n), encoding="utf-8") as f:
            body = yaml.safe_load(f)
        check(isinstance(body, dict) and body and set(body) <= sections, "%s uses only configured sections (%s)"
              % (n, ", ".join(sorted(body or {}))))
        for sec, entries in body.items():
            ok = isinstance(entries, str) if sec == cfg["prelude_section_name"] else (
                isinstance(entries, list) and entries and all(isinstance(e, str) and e.strip() for e in entries))
            check(ok, "%s: %s is %s" % (n, sec, "a string" if sec == cfg["prelude_section_name"]
                                        else "a list of sentences"))
    cl = load_yaml("changelogs", "changelog.yaml")
    releases = cl.get("releases") or {}
    check("ancestor" in cl and releases, "changelog.yaml has an ancestor and releases (%s)" % ", ".join(releases))
    g = load_yaml("galaxy.yml")
    newest = max(releases, key=version_key)
    check(version_key(newest) <= version_key(g["version"]),
          "the newest release %s is not above galaxy.yml's version %s" % (newest, g["version"]))
    with open(os.path.join(REPO, "CHANGELOG.md"), encoding="utf-8") as f:
        md = md_unescape(f.read())
    for ver, rel in releases.items():
        check(re.search(r"^## v%s$" % re.escape(ver), md, re.M), "CHANGELOG.md has a section for v%s" % ver)
        check(re.match(r"^\d{4}-\d\d-\d\d$", str(rel.get("release_date", ""))), "v%s has a release date" % ver)
        entries = []
        for sec, val in (rel.get("changes") or {}).items():
            check(sec in sections, "v%s: section %s is configured" % (ver, sec))
            entries += [val] if isinstance(val, str) else val
        for kind in ("modules", "plugins"):
            for p in rel.get(kind) or []:
                entries.append("zkmigrate.zookeeper.%s - %s." % (p["name"], p["description"]))
        for kind, objs in (rel.get("objects") or {}).items():
            for p in objs:
                entries.append("zkmigrate.zookeeper.%s - %s." % (p["name"], p["description"]))
        flat = " ".join(md.split())
        missing = [e for e in entries if " ".join(e.split()) not in flat]
        check(not missing, "CHANGELOG.md lists all %d entries of v%s" % (len(entries), ver), missing)


def case_build():
    check(os.access(BINARY, os.X_OK), "the binary is built (%s)" % BINARY)
    out = os.path.join(W.work, "dist")
    os.makedirs(out)
    r = run(["ansible-galaxy", "collection", "build", "--output-path", out, REPO])
    check(r.returncode == 0, "ansible-galaxy collection build exits 0", r.stdout + r.stderr)
    check("[WARNING]" not in r.stdout + r.stderr, "with no warning (galaxy.yml keys all known)", r.stdout + r.stderr)
    tars = [n for n in os.listdir(out) if n.endswith(".tar.gz")]
    version = load_yaml("galaxy.yml")["version"]
    check(tars == ["zkmigrate-zookeeper-%s.tar.gz" % version], "one tarball zkmigrate-zookeeper-%s.tar.gz" % version,
          tars)
    W.tarball = os.path.join(out, tars[0])
    with tarfile.open(W.tarball) as t:
        members = {m.name: m for m in t.getmembers()}
        manifest = json.load(t.extractfile("MANIFEST.json"))
    names = sorted(members)
    binm = members.get("plugins/bin/zk_snapshot")
    check(binm is not None and binm.isfile() and binm.mode & 0o111 == 0o111 and binm.size == os.path.getsize(BINARY),
          "plugins/bin/zk_snapshot is the built binary, executable")
    for n in ("plugins/action/zk_snapshot.py", "plugins/modules/zk_snapshot.py", "plugins/modules/zk_snapshot.yml",
              "meta/runtime.yml", "LICENSE", "README.md", "CHANGELOG.md", "changelogs/config.yaml",
              "changelogs/changelog.yaml", "docs/FORMATS.md", "docs/DESIGN.md", "docs/ANSIBLE.md", "docs/STYLE.md",
              "roles/zk_bundle/tasks/main.yml", "playbooks/migrate.yml", "MANIFEST.json", "FILES.json"):
        check(n in members, "%s is in it" % n)
    check(not any(n.startswith("plugins/modules/zk_snapshot") and not n.endswith((".py", ".yml")) for n in names),
          "no binary in plugins/modules/")
    bad = [n for n in names if EXCLUDED.search(n)]
    present = [d for d in os.listdir(REPO) if EXCLUDED.search(d)]
    check(not bad, "nothing of the build trees, work dirs, sources or tests (%s in the checkout)" % ", ".join(
        sorted(present)), bad[:20])
    info = manifest["collection_info"]
    for k, url in URLS.items():
        check(info.get(k) == url, "MANIFEST.json %s = %s" % (k, url), info.get(k))
    check(info.get("license") == ["Apache-2.0"], "MANIFEST.json license Apache-2.0", info.get("license"))
    log("    %s: %d entries, %.1f MB" % (os.path.basename(W.tarball), len(names), os.path.getsize(W.tarball) / 1e6))


def case_install():
    check(W.tarball is not None, "the tarball of case build exists")
    W.installed = os.path.join(W.work, "collections")
    r = run(["ansible-galaxy", "collection", "install", "--offline", "-p", W.installed, W.tarball])
    check(r.returncode == 0, "ansible-galaxy collection install into %s" % W.installed, r.stdout + r.stderr)
    root = os.path.join(W.installed, "ansible_collections", "zkmigrate", "zookeeper")
    check(os.access(os.path.join(root, "plugins", "bin", "zk_snapshot"), os.X_OK), "the installed binary is executable")
    check(os.path.isfile(os.path.join(root, "LICENSE")) and os.path.isdir(os.path.join(root, "docs")),
          "LICENSE and docs/ are installed")
    env = ansible_env({"ANSIBLE_COLLECTIONS_PATH": W.installed})
    r = run(["ansible-doc", "-t", "module", FQCN], env=env, timeout=120)
    check(r.returncode == 0 and "ZKMIGRATE.ZOOKEEPER.ZK_SNAPSHOT" in r.stdout and root in r.stdout,
          "ansible-doc -t module %s renders the installed copy" % FQCN, r.stdout[:500] + r.stderr)
    check("WARNING" not in r.stderr, "without a warning", r.stderr)
    r = run(["ansible-doc", "-t", "module", "-l", "zkmigrate.zookeeper"], env=env, timeout=120)
    check(r.returncode == 0 and re.search(r"^%s\s+\S" % re.escape(FQCN), r.stdout, re.M) and "WARNING" not in r.stderr,
          "ansible-doc -l zkmigrate.zookeeper lists it with its description, no warning", r.stdout + r.stderr)
    r = run(["ansible", "localhost", "-c", "local", "-i", "localhost,", "-m", FQCN, "-a", "state=bogus", "-o"],
            env=env, timeout=180)
    check(r.returncode != 0 and "value of state must be one of: facts" in r.stdout and "got: bogus" in r.stdout,
          "the installed module runs (its own answer to a bad state)", r.stdout[-1500:] + r.stderr[-1500:])


CASES = [
    ("metadata", "galaxy.yml, LICENSE and meta/runtime.yml", case_metadata),
    ("changelog", "changelogs/ in antsibull-changelog's layout and CHANGELOG.md", case_changelog),
    ("build", "ansible-galaxy collection build: what the tarball holds", case_build),
    ("install", "ansible-galaxy collection install, ansible-doc and a run from the installed copy", case_install),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep-work", action="store_true")
    ap.add_argument("--only", default="", help="comma-separated case names")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    a = ap.parse_args()
    if a.list:
        for name, title, _ in CASES:
            print("%-10s %s" % (name, title))
        return 0
    only = set(x for x in a.only.split(",") if x)
    unknown = only - {n for n, _, _ in CASES}
    if unknown:
        print("unknown case(s): %s (see --list)" % ", ".join(sorted(unknown)))
        return 2
    if "install" in only:
        only.add("build")
    W.work = tempfile.mkdtemp(prefix="zkmt-collection-")
    try:
        passed, failed = common.run_cases(CASES, only, lambda fn: fn())
    finally:
        if a.keep_work:
            log("work dir kept: %s" % W.work)
        else:
            shutil.rmtree(W.work, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
