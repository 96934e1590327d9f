#!/usr/bin/python3
"""Checks module_src's include graph against the layers in module_src/README.md.

    /usr/bin/python3 tests/arch/check_layers.py

Every `#include "folder/x.h"` of a file in module_src/<folder>/ must name a folder that
the file's folder may include (ALLOWED below, the same table as the README), and every
local include must name a folder (no bare "x.h"). Prints each violation and ends with
"N passed, M failed" like the other test scripts.
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "module_src")

# folder -> folders it may include (besides itself)
ALLOWED = {
    "base": set(),
    "format": {"base"},
    "tree": {"base", "format"},
    "node": {"base", "format", "tree"},
    "net": {"base", "format", "tree"},
    "plan": {"base", "format", "tree", "node"},
    "recipes": {"base", "format", "tree", "node", "net"},
    "report": {"base", "format", "tree", "node", "net", "plan", "recipes"},
    "module": {"base", "format", "tree", "node", "net", "plan", "recipes", "report"},
    "cli": {"base", "format", "tree", "node", "net", "plan", "recipes", "report"},
    ".": {"module", "cli", "base"},
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def main():
    problems = []
    files = 0
    for dirpath, _, names in os.walk(ROOT):
        for n in sorted(names):
            if not n.endswith((".h", ".cc")):
                continue
            files += 1
            path = os.path.join(dirpath, n)
            folder = os.path.relpath(dirpath, ROOT)
            if folder not in ALLOWED:
                problems.append("%s: folder %s is not in the layer table" % (path, folder))
                continue
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for inc in INCLUDE.findall(text):
                if "/" not in inc:
                    problems.append("%s/%s: include \"%s\" names no folder" % (folder, n, inc))
                    continue
                target = inc.split("/", 1)[0]
                if target != folder and target not in ALLOWED[folder]:
                    problems.append("%s/%s includes %s: %s may not include %s" % (folder, n, inc, folder, target))
                if not os.path.exists(os.path.join(ROOT, inc)):
                    problems.append("%s/%s includes %s, which does not exist" % (folder, n, inc))
    for p in problems:
        print("FAIL " + p)
    print("checked %d files" % files)
    print("%d passed, %d failed" % (1 if not problems else 0, 1 if problems else 0))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
