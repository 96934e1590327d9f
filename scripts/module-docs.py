#!/usr/bin/python3
"""Writes plugins/modules/zk_snapshot.py, the docs-only stub, from the sidecar zk_snapshot.yml.

    scripts/module-docs.py           # regenerate the stub
    scripts/module-docs.py --check   # exit 1 if the stub does not match the sidecar

The sidecar (zk_snapshot.yml) is the source. `ansible-doc`, `ansible-doc -l` and the
sanity tests read the .py (docs/ANSIBLE.md 1.5), and when both exist ansible-doc reads
the .py first: the two must therefore say the same thing, which this script guarantees.
"""

import os
import sys

import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
SIDECAR = os.path.join(REPO, "plugins", "modules", "zk_snapshot.yml")
STUB = os.path.join(REPO, "plugins", "modules", "zk_snapshot.py")

HEADER = '''\
# -*- coding: utf-8 -*-
# Documentation only: the module is the compiled binary plugins/bin/zk_snapshot
# (built by scripts/build.sh), which the action plugin plugins/action/zk_snapshot.py
# runs in place of this file (docs/ANSIBLE.md 1.5). This stub is what ansible-doc,
# `ansible-doc -l` and the sanity tests read.
# GENERATED from zk_snapshot.yml by scripts/module-docs.py: edit the .yml, then run it.

from __future__ import absolute_import, division, print_function
__metaclass__ = type
'''


def dump(value):
    text = yaml.safe_dump(value, sort_keys=False, default_flow_style=False, allow_unicode=True, width=100)
    if "'''" in text:
        raise SystemExit("a ''' in the docs cannot go into a raw string")
    return text


def render():
    with open(SIDECAR) as f:
        docs = yaml.safe_load(f)
    parts = [HEADER]
    for key in ("DOCUMENTATION", "EXAMPLES", "RETURN"):
        value = docs[key]
        # EXAMPLES is a YAML text block in the sidecar: keep it verbatim.
        text = value if isinstance(value, str) else dump(value)
        parts.append("\n%s = r'''\n%s'''\n" % (key, text if text.endswith("\n") else text + "\n"))
    return "".join(parts)


def main():
    want = render()
    if "--check" in sys.argv[1:]:
        try:
            with open(STUB) as f:
                have = f.read()
        except OSError:
            have = None
        if have != want:
            print("%s is out of date: run scripts/module-docs.py" % os.path.relpath(STUB, REPO))
            return 1
        return 0
    with open(STUB, "w") as f:
        f.write(want)
    return 0


if __name__ == "__main__":
    sys.exit(main())
