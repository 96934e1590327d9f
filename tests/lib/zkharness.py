"""zkharness: run real Apache ZooKeeper servers on loopback for zkmigrate's tests.

Stdlib + kazoo only. Run it with the system interpreter (``/usr/bin/python3``), which has
Debian's ``python3-kazoo``; the servers come from Debian's ``zookeeper`` package
(``/usr/share/java/zookeeper.jar``, 3.8.0), or with ``Ensemble(..., version="3.4")`` / ``"3.9"`` from
the 3.4.13 / 3.9.3 jars that ``scripts/install-deps.sh`` extracts into /var/cache/zkmigrate.

Layout written by :class:`Ensemble` for every node *i* (1-based)::

    <base>/node<i>/conf/zoo.cfg
    <base>/node<i>/log4j.properties   (on the JVM classpath; logs to <base>/node<i>/zookeeper.log)
    <base>/node<i>/data/myid
    <base>/node<i>/data/version-2/    (snapshots; also logs unless split_log_dir=True)
    <base>/node<i>/datalog/version-2/ (logs, only with split_log_dir=True)
    <base>/node<i>/zk.out             (JVM stdout/stderr)

Every node listens on its own loopback address ``<ip_prefix><first_ip + i - 1>`` and all nodes use the
same ports (client 2181, quorum 2888, election 3888).  Linux answers the whole 127.0.0.0/8 on ``lo``, so
two Ensembles with different ``first_ip`` (e.g. 11 for a source, 21 for a target) can run at once.

Typical use::

    from zkharness import Ensemble, walk, compare_trees
    with Ensemble("/tmp/t/src", size=3, first_ip=11) as ens:
        ens.start()
        ens.wait_serving(60)
        zk = ens.client()
        zk.create("/a", b"x")
        tree = walk(zk)
        zk.stop(); zk.close()
    # leaving the "with" (or interpreter exit) stops every JVM the Ensemble started

Servers run as their own process group; :meth:`Ensemble.stop` sends SIGTERM to the group, then SIGKILL
after a timeout.  An ``atexit`` hook stops any Ensemble still running when the interpreter exits.

By default the JVMs get a super-user digest (``super:<SUPER_PASSWORD>``) so that :meth:`Ensemble.client`
with ``superuser=True`` (the default) can read every znode whatever its ACL, which :func:`walk` needs.
"""

import atexit
import base64
import errno
import os
import re
import signal
import socket
import subprocess
import threading
import time
import weakref

from kazoo.client import KazooClient
from kazoo.exceptions import NoNodeError
from kazoo.security import make_digest_acl_credential

__all__ = [
    "Ensemble", "ZK_CLASSPATH", "SUPER_USER", "SUPER_PASSWORD", "four_letter", "srvr",
    "walk", "compare_trees", "tree_to_json", "tree_from_json", "STAT_FIELDS", "zk_version",
    "ZK_VERSIONS", "zk_classpath",
]

ZK_JAR = "/usr/share/java/zookeeper.jar"
# zookeeper.jar's manifest Class-Path brings jute, netty, snappy-java, jetty, ...; logging is added here.
ZK_CLASSPATH = [ZK_JAR, "/usr/share/java/slf4j-log4j12.jar", "/usr/share/java/log4j-1.2.jar"]

#: Where scripts/install-deps.sh extracts the other Debian releases' libzookeeper-java (no install).
ZK_CACHE = os.environ.get("ZKM_ZK_CACHE", "/var/cache/zkmigrate")
_JAVA = "/usr/share/java"
#: The server versions an Ensemble can run: version -> (full version, classpath).
#:  3.8: Debian 12's own package.
#:  3.9: Debian 13's 3.9.3 jar names Debian 12's 3.8 zookeeper-jute.jar in its manifest Class-Path,
#:       so its own zookeeper-jute-3.9.3.jar comes first; the rest (netty, jetty, ...) is Debian 12's.
#:  3.4: Debian 11's 3.4.13 runs on Debian 12's log4j 1.2, slf4j-api and slf4j-log4j12 (jline is
#:       only for its CLI, which the harness does not run).
ZK_VERSIONS = {
    "3.8": ("3.8.0", ZK_CLASSPATH),
    "3.9": ("3.9.3", [
        "%s/zookeeper-3.9.3/usr/share/java/zookeeper-jute-3.9.3.jar" % ZK_CACHE,
        "%s/zookeeper-3.9.3/usr/share/java/zookeeper-3.9.3.jar" % ZK_CACHE,
        _JAVA + "/slf4j-log4j12.jar", _JAVA + "/log4j-1.2.jar"]),
    "3.4": ("3.4.13", [
        "%s/zookeeper-3.4.13/usr/share/java/zookeeper-3.4.13.jar" % ZK_CACHE,
        _JAVA + "/log4j-1.2.jar", _JAVA + "/slf4j-api.jar", _JAVA + "/slf4j-log4j12.jar"]),
}


def zk_classpath(version="3.8"):
    """The JVM classpath (list) for a server of `version` ("3.4", "3.8", "3.9").

    Raises RuntimeError naming scripts/install-deps.sh when that version's jars are not there.
    """
    if version not in ZK_VERSIONS:
        raise ValueError("unknown ZooKeeper version %r (known: %s)" % (version, ", ".join(sorted(ZK_VERSIONS))))
    cp = ZK_VERSIONS[version][1]
    missing = [j for j in cp if not os.path.exists(j)]
    if missing:
        raise RuntimeError("ZooKeeper %s is not available (missing %s): run scripts/install-deps.sh"
                           % (version, ", ".join(missing)))
    return list(cp)
JAVA = os.environ.get("ZKHARNESS_JAVA", "java")

SUPER_USER = "super"
SUPER_PASSWORD = "zkharness"

#: Stat fields recorded by walk(), in kazoo's ZnodeStat order-independent naming.
STAT_FIELDS = ("czxid", "mzxid", "ctime", "mtime", "version", "cversion", "aversion",
               "ephemeralOwner", "pzxid", "dataLength", "numChildren")

_LIVE = weakref.WeakSet()
_LIVE_LOCK = threading.Lock()


def _stop_all_live():
    with _LIVE_LOCK:
        live = list(_LIVE)
    for ens in live:
        try:
            ens.stop()
        except Exception:  # pragma: no cover - best effort at exit
            pass


atexit.register(_stop_all_live)


# ---------------------------------------------------------------------------------------------------
# four-letter words
# ---------------------------------------------------------------------------------------------------

def four_letter(host, port, cmd, timeout=5.0):
    """Send a four-letter word (e.g. ``"srvr"``, ``"mntr"``, ``"ruok"``) and return the decoded answer.

    Raises OSError (e.g. ConnectionRefusedError, socket.timeout) if the server does not answer.
    """
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(cmd.encode("ascii"))
        chunks = []
        s.settimeout(timeout)
        while True:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
    return b"".join(chunks).decode("utf-8", "replace")


def srvr(host, port=2181, timeout=5.0):
    """Ask ``srvr`` and parse it.

    Returns a dict: ``version`` (str), ``zxid`` (int), ``mode`` (str: leader/follower/standalone/...),
    ``node_count`` (int), ``connections`` (int, if present), ``raw`` (the full text).
    Raises OSError when the server does not answer, ValueError when the answer is not a srvr report
    (e.g. "This ZooKeeper instance is not currently serving requests").
    """
    raw = four_letter(host, port, "srvr", timeout)
    fields = {}
    for line in raw.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            fields[k.strip()] = v.strip()
    if "Mode" not in fields or "Zxid" not in fields:
        raise ValueError("not a srvr report from %s:%s: %r" % (host, port, raw.strip()))
    out = {
        "version": fields.get("Zookeeper version", ""),
        "zxid": int(fields["Zxid"], 16),
        "mode": fields["Mode"],
        "node_count": int(fields["Node count"]) if "Node count" in fields else None,
        "raw": raw,
    }
    if "Connections" in fields:
        out["connections"] = int(fields["Connections"])
    return out


def zk_version(version="3.8"):
    """Full version of the ZooKeeper jar an Ensemble of `version` runs (e.g. '3.8.0'), from its Maven
    pom.properties (3.4's jar has none: its Implementation-Version is used)."""
    import zipfile
    jar = ZK_JAR if version == "3.8" else [j for j in ZK_VERSIONS[version][1] if "/zookeeper-3" in j
                                           and "jute" not in j][0]
    try:
        with zipfile.ZipFile(jar) as z:
            if "META-INF/maven/org.apache.zookeeper/zookeeper/pom.properties" not in z.namelist():
                return ZK_VERSIONS[version][0]
            props = z.read("META-INF/maven/org.apache.zookeeper/zookeeper/pom.properties").decode()
        m = re.search(r"^version=(\S+)", props, re.M)
        if m:
            return m.group(1)
    except (OSError, KeyError, zipfile.BadZipFile):
        pass
    return "unknown"


# ---------------------------------------------------------------------------------------------------
# Ensemble
# ---------------------------------------------------------------------------------------------------

_LOG4J_TEMPLATE = """\
# written by zkharness: everything goes to a file in the node's directory
log4j.rootLogger=INFO, FILE
log4j.appender.FILE=org.apache.log4j.FileAppender
log4j.appender.FILE.File={logfile}
log4j.appender.FILE.Append=true
log4j.appender.FILE.layout=org.apache.log4j.PatternLayout
log4j.appender.FILE.layout.ConversionPattern=%d{{ISO8601}} [myid:%X{{myid}}] - %-5p [%t:%C{{1}}@%L] - %m%n
"""


class Ensemble(object):
    """A ZooKeeper ensemble (size >= 2, quorum mode) or a standalone server (size=1) on loopback.

    Parameters
    ----------
    base_dir : str
        Directory for the node dirs (created if missing).
    size : int
        1 = standalone (no ``server.N`` lines), otherwise the number of quorum members.
    ip_prefix, first_ip : str, int
        Node *i* listens on ``ip_prefix + str(first_ip + i - 1)``.  Use disjoint ranges for Ensembles
        that run at the same time.
    client_port, quorum_port, election_port : int
        Same on every node (the nodes differ by address).
    split_log_dir : bool
        Put txn logs in ``node<i>/datalog`` (``dataLogDir``) instead of ``dataDir``.
    snap_count : int or None
        ``snapCount`` (the server snapshots after snapCount/2 + random(snapCount/2) txns).
    jvm_flags : dict
        Extra ``-Dkey=value`` system properties; value None means a bare ``-Dkey``.
    heap : str
        ``-Xmx`` value.
    tick_time, init_limit, sync_limit : int
        Usual zoo.cfg values.
    extra_cfg : dict
        Extra zoo.cfg lines (key=value), written after the generated ones.
    super_password : str or None
        Enables ``zookeeper.DigestAuthenticationProvider.superDigest`` for user ``super``; None disables.
    version : str
        Server version: "3.8" (Debian 12's, the default), "3.9" (3.9.3) or "3.4" (3.4.13); the last two
        come from scripts/install-deps.sh's cache (see ZK_VERSIONS).  A 3.4 zoo.cfg has no 4lw
        whitelist, no admin server, no reconfigEnabled and no ``server.N=...;clientPort`` form.
    """

    def __init__(self, base_dir, size=3, ip_prefix="127.0.0.", first_ip=11, client_port=2181,
                 quorum_port=2888, election_port=3888, split_log_dir=False, snap_count=None,
                 jvm_flags=None, heap="256m", tick_time=2000, init_limit=10, sync_limit=5,
                 extra_cfg=None, super_password=SUPER_PASSWORD, version="3.8"):
        if version not in ZK_VERSIONS:
            raise ValueError("unknown ZooKeeper version %r" % (version,))
        self.version = version
        if size < 1:
            raise ValueError("size must be >= 1")
        if first_ip < 1 or first_ip + size - 1 > 254:
            raise ValueError("first_ip out of range")
        self.base_dir = os.path.abspath(base_dir)
        self.size = size
        self.ip_prefix = ip_prefix
        self.first_ip = first_ip
        self.client_port = client_port
        self.quorum_port = quorum_port
        self.election_port = election_port
        self.split_log_dir = split_log_dir
        self.snap_count = snap_count
        self.jvm_flags = dict(jvm_flags or {})
        self.heap = heap
        self.tick_time = tick_time
        self.init_limit = init_limit
        self.sync_limit = sync_limit
        self.extra_cfg = dict(extra_cfg or {})
        self.super_password = super_password
        self._procs = {}      # i -> Popen
        self._outs = {}       # i -> open zk.out file
        self.write_config()

    # -- naming -------------------------------------------------------------------------------------
    @property
    def ids(self):
        """Server ids, 1..size."""
        return list(range(1, self.size + 1))

    def host(self, i):
        """Loopback address of node i."""
        self._check_id(i)
        return "%s%d" % (self.ip_prefix, self.first_ip + i - 1)

    def node_dir(self, i):
        self._check_id(i)
        return os.path.join(self.base_dir, "node%d" % i)

    def node_conf_path(self, i):
        """Path of node i's zoo.cfg."""
        return os.path.join(self.node_dir(i), "conf", "zoo.cfg")

    def data_dir(self, i):
        """Node i's dataDir (holds myid and version-2/ with snapshots and epoch files)."""
        return os.path.join(self.node_dir(i), "data")

    def log_dir(self, i):
        """Node i's dataLogDir (equal to data_dir(i) unless split_log_dir)."""
        if self.split_log_dir:
            return os.path.join(self.node_dir(i), "datalog")
        return self.data_dir(i)

    def out_path(self, i):
        """JVM stdout/stderr of node i."""
        return os.path.join(self.node_dir(i), "zk.out")

    def zk_log_path(self, i):
        """log4j file of node i."""
        return os.path.join(self.node_dir(i), "zookeeper.log")

    def connection_string(self, i=None):
        """``host:port[,host:port...]`` for node i or for every node."""
        ids = self.ids if i is None else [i]
        return ",".join("%s:%d" % (self.host(n), self.client_port) for n in ids)

    def _check_id(self, i):
        if not isinstance(i, int) or not 1 <= i <= self.size:
            raise ValueError("no node %r in an ensemble of %d" % (i, self.size))

    # -- config -------------------------------------------------------------------------------------
    def cfg_lines(self, i):
        """The zoo.cfg lines written for node i."""
        lines = [
            "tickTime=%d" % self.tick_time,
            "initLimit=%d" % self.init_limit,
            "syncLimit=%d" % self.sync_limit,
            "dataDir=%s" % self.data_dir(i),
        ]
        if self.split_log_dir:
            lines.append("dataLogDir=%s" % self.log_dir(i))
        lines += [
            "clientPort=%d" % self.client_port,
            "clientPortAddress=%s" % self.host(i),
        ]
        if self.version != "3.4":
            lines += ["4lw.commands.whitelist=*", "admin.enableServer=false"]
        lines.append("autopurge.purgeInterval=0")
        if self.snap_count is not None:
            lines.append("snapCount=%d" % self.snap_count)
        if self.size > 1:
            if self.version != "3.4":
                lines.append("reconfigEnabled=false")
            for n in self.ids:
                if self.version == "3.4":
                    lines.append("server.%d=%s:%d:%d" % (n, self.host(n), self.quorum_port, self.election_port))
                else:
                    lines.append("server.%d=%s:%d:%d;%s:%d" % (
                        n, self.host(n), self.quorum_port, self.election_port, self.host(n),
                        self.client_port))
        for k, v in self.extra_cfg.items():
            lines.append("%s=%s" % (k, v))
        return lines

    def write_config(self):
        """(Re)write conf/zoo.cfg, log4j.properties and data/myid for every node; create the dirs."""
        for i in self.ids:
            nd = self.node_dir(i)
            for d in (os.path.join(nd, "conf"), self.data_dir(i), self.log_dir(i)):
                os.makedirs(d, exist_ok=True)
            with open(self.node_conf_path(i), "w") as f:
                f.write("\n".join(self.cfg_lines(i)) + "\n")
            with open(os.path.join(nd, "log4j.properties"), "w") as f:
                f.write(_LOG4J_TEMPLATE.format(logfile=self.zk_log_path(i)))
            if self.size > 1:
                with open(os.path.join(self.data_dir(i), "myid"), "w") as f:
                    f.write("%d\n" % i)

    def jvm_args(self, i):
        """Full command line used to start node i."""
        flags = {
            "file.encoding": "UTF-8",
            "zookeeper.log.dir": self.node_dir(i),
        }
        if self.super_password is not None:
            flags["zookeeper.DigestAuthenticationProvider.superDigest"] = \
                make_digest_acl_credential(SUPER_USER, self.super_password)
        flags.update(self.jvm_flags)
        cp = ":".join(zk_classpath(self.version) + [self.node_dir(i)])
        args = [JAVA, "-Xmx%s" % self.heap, "-XX:+UseSerialGC", "-Xss512k", "-cp", cp]
        for k, v in flags.items():
            args.append("-D%s" % k if v is None else "-D%s=%s" % (k, v))
        args += ["org.apache.zookeeper.server.quorum.QuorumPeerMain", self.node_conf_path(i)]
        return args

    # -- processes ----------------------------------------------------------------------------------
    def _targets(self, i):
        return self.ids if i is None else [i]

    def is_running(self, i):
        p = self._procs.get(i)
        return p is not None and p.poll() is None

    def running(self):
        """Ids of nodes whose JVM is alive."""
        return [i for i in self.ids if self.is_running(i)]

    def pid(self, i):
        p = self._procs.get(i)
        return p.pid if p is not None else None

    def _port_free(self, host, port):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
            return True
        except OSError as e:
            if e.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
        finally:
            s.close()

    def start(self, i=None):
        """Start node i (or every node not yet running).  Does not wait; see wait_serving()."""
        for n in self._targets(i):
            if self.is_running(n):
                continue
            ports = [self.client_port] + ([self.quorum_port, self.election_port] if self.size > 1 else [])
            for port in ports:
                if not self._port_free(self.host(n), port):
                    raise RuntimeError("%s:%d is already in use (a leftover server?)" % (self.host(n), port))
            out = open(self.out_path(n), "ab")
            out.write(("\n=== zkharness start %s: %s\n" % (time.strftime("%Y-%m-%d %H:%M:%S"),
                                                          " ".join(self.jvm_args(n)))).encode())
            out.flush()
            proc = subprocess.Popen(self.jvm_args(n), stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, cwd=self.node_dir(n),
                                    start_new_session=True)
            self._procs[n] = proc
            self._outs[n] = out
            with _LIVE_LOCK:
                _LIVE.add(self)

    def stop(self, i=None, timeout=20.0):
        """Stop node i (or all): SIGTERM to its process group, SIGKILL after `timeout` s; waits for exit.

        Returns {id: returncode} for the nodes that were running.
        """
        codes = {}
        targets = [n for n in self._targets(i) if n in self._procs]
        for n in targets:
            p = self._procs[n]
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.time() + timeout
        for n in targets:
            p = self._procs[n]
            try:
                p.wait(max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(10)
            codes[n] = p.returncode
            del self._procs[n]
            self._outs.pop(n).close()
        if not self._procs:
            with _LIVE_LOCK:
                _LIVE.discard(self)
        return codes

    def kill(self, i=None):
        """SIGKILL node i (or all) right away, like a crash."""
        for n in self._targets(i):
            p = self._procs.get(n)
            if p is not None and p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        return self.stop(i, timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- status -------------------------------------------------------------------------------------
    def srvr(self, i, timeout=5.0):
        """Parsed ``srvr`` of node i (see module function srvr)."""
        return srvr(self.host(i), self.client_port, timeout)

    def mode(self, i):
        """'leader', 'follower', 'standalone', ... of node i (raises if it does not serve)."""
        return self.srvr(i)["mode"]

    def zxid(self, i):
        """Last processed zxid of node i, as an int."""
        return self.srvr(i)["zxid"]

    def node_count(self, i):
        """srvr 'Node count' of node i (number of znodes + 1, see docs/FORMATS.md 8.4)."""
        return self.srvr(i)["node_count"]

    def wait_serving(self, timeout=60.0, nodes=None):
        """Wait until every running node (or `nodes`) answers srvr with Mode leader/follower/standalone.

        Returns {id: mode}.  Raises RuntimeError if a JVM exits, TimeoutError on timeout (with the
        tail of the node's zk.out / zookeeper.log in the message).
        """
        want = list(nodes) if nodes is not None else self.running()
        if not want:
            raise RuntimeError("no running node to wait for")
        deadline = time.time() + timeout
        modes = {}
        while True:
            for n in want:
                if n in modes:
                    continue
                p = self._procs.get(n)
                if p is None or p.poll() is not None:
                    raise RuntimeError("node %d is not running (exit %s)\n%s" % (
                        n, None if p is None else p.returncode, self.tail(n)))
                try:
                    m = self.srvr(n, timeout=2.0)["mode"]
                except (OSError, ValueError):
                    continue
                if m in ("leader", "follower", "standalone", "observer"):
                    modes[n] = m
            if len(modes) == len(want):
                return modes
            if time.time() > deadline:
                missing = [n for n in want if n not in modes]
                raise TimeoutError("nodes %s not serving after %.0fs\n%s" % (
                    missing, timeout, "\n".join(self.tail(n) for n in missing)))
            time.sleep(0.25)

    def leader(self):
        """Id of the node answering Mode: leader (or standalone), or None."""
        for n in self.running():
            try:
                if self.mode(n) in ("leader", "standalone"):
                    return n
            except (OSError, ValueError):
                pass
        return None

    def tail(self, i, lines=30):
        """Last lines of node i's zookeeper.log and zk.out, for error messages."""
        out = []
        for path in (self.zk_log_path(i), self.out_path(i)):
            try:
                with open(path, "rb") as f:
                    text = f.read()[-20000:].decode("utf-8", "replace").splitlines()[-lines:]
                out.append("--- %s\n%s" % (path, "\n".join(text)))
            except OSError:
                pass
        return "\n".join(out)

    # -- clients ------------------------------------------------------------------------------------
    def client(self, i=None, superuser=True, timeout=30.0, **kwargs):
        """A started KazooClient for node i (or the whole ensemble).

        With superuser=True (default) the client adds the ``super`` digest auth, so it may read and
        change every znode.  Extra kwargs go to KazooClient (e.g. ``auth_data``, ``timeout``).
        The caller must ``stop()`` and ``close()`` it.
        """
        kwargs.setdefault("connection_retry", {"max_tries": -1, "delay": 0.2, "max_delay": 1.0})
        kwargs.setdefault("command_retry", {"max_tries": 5, "delay": 0.2, "max_delay": 2.0})
        auth = list(kwargs.pop("auth_data", None) or [])
        if superuser and self.super_password is not None:
            auth.append(("digest", "%s:%s" % (SUPER_USER, self.super_password)))
        zk = KazooClient(hosts=self.connection_string(i), auth_data=auth or None, **kwargs)
        zk.start(timeout=timeout)
        return zk


# ---------------------------------------------------------------------------------------------------
# trees
# ---------------------------------------------------------------------------------------------------

def _is_quota_stats(path):
    return path.startswith("/zookeeper/quota/") and path.endswith("/zookeeper_stats")


def walk(client, root="/", include_quota_stats=False):
    """Read every znode below `root` (inclusive) through `client`.

    Returns ``{path: {"data": bytes|None, "acl": [(perms, scheme, id), ...], <STAT_FIELDS>: int,
    "cversion_persisted": int}}``.  The stat fields are the client-visible Stat; note its ``cversion`` is
    ``2 * persisted_cversion - numChildren`` (ZooKeeper's DataNode.copyStat), so the value stored in
    snapshots is given as ``cversion_persisted``.  The Stat's ``ephemeralOwner`` is 0 for container and TTL
    nodes (the server hides their on-disk encodings 0x8000000000000000 and 0xFF<<56|ttl).
    ``data`` is None for a znode stored with null data, b"" for empty data.
    Quota usage nodes (``/zookeeper/quota/.../zookeeper_stats``) are skipped unless
    include_quota_stats: ZooKeeper recomputes them locally on every load (docs/FORMATS.md 4.9).
    The client needs read (and READ_ACL) rights everywhere: use Ensemble.client(superuser=True).
    Nodes that vanish during the walk (e.g. ephemerals) are skipped.
    """
    tree = {}
    stack = [root]
    while stack:
        path = stack.pop()
        if _is_quota_stats(path) and not include_quota_stats:
            continue
        try:
            data, stat = client.get(path)
            acls, _ = client.get_acls(path)
            children = client.get_children(path)
        except NoNodeError:
            continue
        entry = {"data": data,
                 "acl": [(a.perms, a.id.scheme, a.id.id) for a in acls]}
        for f in STAT_FIELDS:
            entry[f] = getattr(stat, f)
        # the Stat's cversion is 2*persisted - numChildren (DataNode.copyStat); snapshots and the
        # txn rules hold the persisted value
        entry["cversion_persisted"] = (stat.cversion + stat.numChildren) // 2
        tree[path] = entry
        for c in sorted(children, reverse=True):
            stack.append(("" if path == "/" else path) + "/" + c)
    return tree


def compare_trees(a, b, ignore_fields=(), ignore_paths=(), names=("a", "b")):
    """Differences between two walk() results as a list of human-readable strings ([] if equal).

    ignore_fields: keys not to compare (e.g. ("ephemeralOwner", "ctime")).
    ignore_paths: paths, or prefixes ending in "/", not to compare.
    """
    def ignored(p):
        return any(p == x or (x.endswith("/") and p.startswith(x)) for x in ignore_paths)

    diffs = []
    na, nb = names
    for p in sorted(set(a) - set(b)):
        if not ignored(p):
            diffs.append("%s: only in %s" % (p, na))
    for p in sorted(set(b) - set(a)):
        if not ignored(p):
            diffs.append("%s: only in %s" % (p, nb))
    for p in sorted(set(a) & set(b)):
        if ignored(p):
            continue
        ea, eb = a[p], b[p]
        for k in sorted(set(ea) | set(eb)):
            if k in ignore_fields:
                continue
            va, vb = ea.get(k), eb.get(k)
            if k == "acl":
                va = sorted(tuple(x) for x in (va or []))
                vb = sorted(tuple(x) for x in (vb or []))
            if va != vb:
                diffs.append("%s: %s differs: %s=%s %s=%s" % (p, k, na, _short(va), nb, _short(vb)))
    return diffs


def _short(v, limit=80):
    r = repr(v)
    return r if len(r) <= limit else r[:limit] + "...(%d chars)" % len(r)


def tree_to_json(tree):
    """walk() result -> JSON-serialisable dict (data as base64 or null, acl as [perms, scheme, id])."""
    out = {}
    for p, e in tree.items():
        j = dict(e)
        j["data"] = None if e["data"] is None else base64.b64encode(e["data"]).decode("ascii")
        j["acl"] = [list(x) for x in e["acl"]]
        out[p] = j
    return out


def tree_from_json(obj):
    """Inverse of tree_to_json()."""
    out = {}
    for p, j in obj.items():
        e = dict(j)
        e["data"] = None if j["data"] is None else base64.b64decode(j["data"])
        e["acl"] = [tuple(x) for x in j["acl"]]
        out[p] = e
    return out
