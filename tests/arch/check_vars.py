#!/usr/bin/python3
"""Checks that the variables the fleet check knows (module_src/plan/fleet.cc, KnownHostVariables)
are the zk_* variables roles/ and playbooks/ read, so a new variable cannot be refused as a typo and
a removed one cannot hide one.

    /usr/bin/python3 tests/arch/check_vars.py
"""
import glob
import os
import re
import sys

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def main():
    with open(os.path.join(REPO, "module_src", "plan", "fleet.cc")) as f:
        text = f.read()
    block = text[text.index("// BEGIN known host variables"):text.index("// END known host variables")]
    known = re.findall(r'"(zk_[a-z0-9_]+)"', block)
    roles = {os.path.basename(d) for d in glob.glob(os.path.join(REPO, "roles", "*"))}
    used = set()
    for p in glob.glob(os.path.join(REPO, "roles", "*", "*", "*.yml")) + glob.glob(os.path.join(REPO, "playbooks", "*.yml")):
        with open(p) as f:
            for line in f:
                code = line.split("#", 1)[0]
                used |= set(re.findall(r"\b(zk_[a-z0-9_]+)\b", code))
    used -= roles | {"zk_snapshot", "zk_source", "zk_target"}  # module and default group names
    problems = []
    if known != sorted(known):
        problems.append("KnownHostVariables is not sorted")
    for v in sorted(used - set(known)):
        problems.append("%s is read by roles/playbooks but missing from KnownHostVariables" % v)
    for v in sorted(set(known) - used):
        problems.append("%s is in KnownHostVariables but no role or playbook reads it" % v)
    for p in problems:
        print("FAIL " + p)
    print("%d passed, %d failed" % (0 if problems else 1, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
