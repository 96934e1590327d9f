#!/usr/bin/python3
"""Self-test of tests/lib/zkharness.py's version= parameter: for each of ZooKeeper 3.4, 3.8 and 3.9
a real 3-node ensemble on loopback forms a quorum (one leader, two followers), reports its version in
srvr, and a znode written through one node reads back through another.

    unshare --net --fork bash -c 'ip link set lo up && /usr/bin/python3 tests/integration/test_zkharness_versions.py'
"""

import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
from common import check, log, run_cases  # noqa: E402
import zkharness  # noqa: E402


def one_version(version, first_ip):
    def run():
        work = tempfile.mkdtemp(prefix="zkm-harness-%s-" % version)
        try:
            with zkharness.Ensemble(os.path.join(work, "e"), size=3, first_ip=first_ip, heap="96m",
                                    version=version, jvm_flags={"zookeeper.preAllocSize": "64"}) as ens:
                ens.start()
                modes = ens.wait_serving(90)
                check(sorted(modes.values()) == ["follower", "follower", "leader"],
                      "ZooKeeper %s: one leader, two followers (%s)" % (version, modes))
                full = zkharness.ZK_VERSIONS[version][0]
                got = ens.srvr(1)["version"]
                check(got.startswith(full), "srvr says version %s (%s)" % (full, got))
                check(zkharness.zk_version(version) == full, "zk_version(%r) == %s" % (version, full))
                zk = ens.client(1)
                try:
                    zk.create("/zkm-self-test", b"written on node 1")
                finally:
                    common.stop_client(zk)
                zk = ens.client(3)
                try:
                    zk.sync("/zkm-self-test")
                    data, stat = zk.get("/zkm-self-test")
                finally:
                    common.stop_client(zk)
                check(data == b"written on node 1", "node 3 reads the znode node 1 wrote")
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return run


def main():
    common.quiet_kazoo()
    cases = [(1, "ZooKeeper 3.4", one_version("3.4", 171)),
             (2, "ZooKeeper 3.8", one_version("3.8", 174)),
             (3, "ZooKeeper 3.9", one_version("3.9", 177))]
    passed, failed = run_cases(cases, None, lambda fn: fn())
    log("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
