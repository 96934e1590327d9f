"""Ensembles whose JVMs are started and stopped by small per-node shell scripts.

The migration playbooks control ZooKeeper through the inventory contract
(``zk_start_command`` / ``zk_stop_command``), so the tests and the demo give every node a
``node<i>/zkctl.sh start|stop|status`` that launches the JVM exactly as
:class:`zkharness.Ensemble` would (same command line, same zk.out), detached into its own
session with a pid file, and stops it with SIGTERM to the process group (SIGKILL after 20 s).
:class:`ScriptedEnsemble` is an Ensemble whose start/stop/is_running go through those
scripts, so the harness helpers (client, srvr, walk) and the playbooks see the same processes.

Also here: writing the inventory for a source/target pair and running ansible-playbook.
"""

import atexit
import json
import os
import shlex
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))

from zkharness import Ensemble  # noqa: E402

_ALL = []

_SCRIPT = """#!/bin/sh
# written by tests/integration/scripted.py: start|stop|status ZooKeeper node {i} of {base}
PIDFILE={pidfile}
alive() {{ [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }}
case "$1" in
start)
  if alive; then echo "already running (pid $(cat "$PIDFILE"))"; exit 0; fi
  cd {nodedir} || exit 1
  printf '\\n=== zkctl start %s\\n' "$(date '+%F %T')" >> {out}
  setsid {cmd} >> {out} 2>&1 < /dev/null &
  echo $! > "$PIDFILE"
  echo "started pid $!"
  ;;
stop)
  if ! alive; then rm -f "$PIDFILE"; echo "not running"; exit 0; fi
  pid=$(cat "$PIDFILE")
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
  n=0
  while kill -0 "$pid" 2>/dev/null && [ $n -lt 200 ]; do sleep 0.1; n=$((n+1)); done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid"; sleep 0.5; fi
  rm -f "$PIDFILE"
  echo "stopped pid $pid"
  ;;
kill)
  if alive; then kill -KILL -- "-$(cat "$PIDFILE")" 2>/dev/null; sleep 0.5; fi
  rm -f "$PIDFILE"
  ;;
status)
  if alive; then echo "running pid $(cat "$PIDFILE")"; exit 0; fi
  echo "stopped"; exit 3
  ;;
*) echo "usage: $0 start|stop|kill|status" >&2; exit 2 ;;
esac
"""


def _stop_all():
    for ens in list(_ALL):
        try:
            ens.stop()
        except Exception:
            pass


atexit.register(_stop_all)


class ScriptedEnsemble(Ensemble):
    """An Ensemble controlled through node<i>/zkctl.sh (see the module docstring)."""

    def write_config(self):
        super(ScriptedEnsemble, self).write_config()
        for i in self.ids:
            path = self.ctl_path(i)
            with open(path, "w") as f:
                f.write(_SCRIPT.format(
                    i=i, base=self.base_dir, pidfile=shlex.quote(self.pid_path(i)),
                    nodedir=shlex.quote(self.node_dir(i)), out=shlex.quote(self.out_path(i)),
                    cmd=" ".join(shlex.quote(a) for a in self.jvm_args(i))))
            os.chmod(path, 0o755)
        if self not in _ALL:
            _ALL.append(self)

    def ctl_path(self, i):
        return os.path.join(self.node_dir(i), "zkctl.sh")

    def pid_path(self, i):
        return os.path.join(self.node_dir(i), "zk.pid")

    def start_command(self, i):
        return "%s start" % shlex.quote(self.ctl_path(i))

    def stop_command(self, i):
        return "%s stop" % shlex.quote(self.ctl_path(i))

    def _ctl(self, i, what):
        r = subprocess.run([self.ctl_path(i), what], capture_output=True, text=True, timeout=60)
        return r.returncode

    def pid(self, i):
        try:
            with open(self.pid_path(i)) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def is_running(self, i):
        p = self.pid(i)
        if p is None:
            return False
        try:
            os.kill(p, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        # a zombie counts as gone
        try:
            with open("/proc/%d/stat" % p) as f:
                return f.read().split(")")[-1].split()[0] != "Z"
        except OSError:
            return False

    def start(self, i=None):
        for n in self._targets(i):
            if not self.is_running(n):
                self._ctl(n, "start")

    def stop(self, i=None, timeout=20.0):
        codes = {}
        for n in self._targets(i):
            if self.is_running(n) or os.path.exists(self.pid_path(n)):
                codes[n] = self._ctl(n, "stop")
        return codes

    def kill(self, i=None):
        for n in self._targets(i):
            self._ctl(n, "kill")

    def wait_serving(self, timeout=60.0, nodes=None):
        want = list(nodes) if nodes is not None else self.running()
        if not want:
            raise RuntimeError("no running node to wait for")
        deadline = time.time() + timeout
        modes = {}
        while True:
            for n in want:
                if n in modes:
                    continue
                if not self.is_running(n):
                    raise RuntimeError("node %d is not running\n%s" % (n, self.tail(n)))
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


def write_inventory(path, pairs, extra_vars=None):
    """Inventory (YAML, written as JSON) with one group per (group name, ScriptedEnsemble, prefix).

    Hosts are ``<prefix><i>`` with ansible_connection=local, zk_config and the zkctl commands.
    """
    inv = {"all": {"vars": {"ansible_connection": "local",
                            "ansible_python_interpreter": sys.executable if sys.executable.startswith("/usr/bin/") else "/usr/bin/python3"},
                   "children": {}}}
    inv["all"]["vars"].update(extra_vars or {})
    for group, ens, prefix in pairs:
        hosts = {}
        for i in ens.ids:
            hosts["%s%d" % (prefix, i)] = {
                "zk_config": ens.node_conf_path(i),
                "zk_start_command": ens.start_command(i),
                "zk_stop_command": ens.stop_command(i),
            }
        inv["all"]["children"][group] = {"hosts": hosts}
    with open(path, "w") as f:
        json.dump(inv, f, indent=2)
    return path


def run_playbook(playbook, inventory, extra_vars=None, check=False, tags=None, timeout=900, log_path=None,
                 env=None):
    """ansible-playbook from the repository root (so its ansible.cfg applies). Returns (rc, output, seconds)."""
    cmd = ["ansible-playbook", "-i", inventory, os.path.join(REPO, "playbooks", playbook)]
    if extra_vars:
        cmd += ["-e", json.dumps(extra_vars)]
    if check:
        cmd.append("--check")
    if tags:
        cmd += ["--tags", tags]
    e = dict(os.environ)
    e.setdefault("ANSIBLE_FORCE_COLOR", "0")
    e["ANSIBLE_NOCOLOR"] = "1"
    e["ANSIBLE_CONFIG"] = os.path.join(REPO, "ansible.cfg")
    e.update(env or {})
    t0 = time.time()
    r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout, env=e)
    out = r.stdout + r.stderr
    if log_path:
        with open(log_path, "w") as f:
            f.write("$ %s\n%s" % (" ".join(shlex.quote(c) for c in cmd), out))
    return r.returncode, out, time.time() - t0


def recap_changed(output):
    """{host: changed count} from the PLAY RECAP of ansible-playbook output."""
    out = {}
    in_recap = False
    for line in output.splitlines():
        if line.startswith("PLAY RECAP"):
            in_recap = True
            continue
        if in_recap and ":" in line and "changed=" in line:
            host = line.split(":")[0].strip()
            for part in line.split():
                if part.startswith("changed="):
                    out[host] = int(part.split("=")[1])
    return out
