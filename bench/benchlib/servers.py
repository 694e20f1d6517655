"""The two servers under test, behind one small interface.

Each has: `name`, `host`/`port` of its MX-role SMTP listener, `maildir`
(the recipient's Maildir, holding new/ and cur/), `group` (ProcessGroup for
CPU and memory), `start()`, `stop()`, `logs` (paths worth reading on failure).
mailroom is started through the integration harness (tests/integration/
harness.py); Postfix + Dovecot through bench/reference/reference-stack.sh
in a private directory on its own base port. Used by bench/smtp_accept.py.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile

from .process_group import ProcessGroup

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
REPO = os.path.dirname(BENCH)
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
import harness  # noqa: E402  (the integration tests' server runner)

DOMAIN = "example.test"
RECIPIENT = "bench@" + DOMAIN
UNKNOWN_KEY = re.compile(r"unknown key '([A-Za-z0-9_]+)'")


def start_server(srv, attempts=6):
    """srv.start(); an older binary (--before) that refuses keys the harness
    writes today ("unknown key 'K'") gets them removed from its config - a
    plain key's line, or a [K] table with its lines - and is started again.
    The current binary never takes that path."""
    for _ in range(attempts):
        try:
            return srv.start()
        except AssertionError as e:
            keys = set(UNKNOWN_KEY.findall(str(e)))
            if not keys:
                raise
            with open(srv.config_path) as f:
                lines = f.readlines()
            with open(srv.config_path, "w") as f:
                f.writelines(without_keys(lines, keys))
    return srv.start()


def without_keys(lines, keys):
    """The TOML lines without top-level `k = ...` and `[k]`/`[k.sub]` tables
    for each k in keys."""
    out, dropping = [], False
    for l in lines:
        s = l.strip()
        if s.startswith("["):
            table = s.strip("[]").split(".")[0].strip()
            dropping = table in keys
        if dropping or s.split("=")[0].strip() in keys:
            continue
        out.append(l)
    return out
SCRIPT_TIMEOUT = 120.0     # seconds for reference-stack.sh start/stop


class Mailroom:
    name = "mailroom"

    def __init__(self, binary, max_connections, use_cgroup=True):
        os.environ["MAILROOM_BIN"] = binary
        self.group = ProcessGroup("mailroom", use_cgroup)
        # One MX-role listener. STARTTLS is offered as Postfix does (smtp-source
        # does not use it); connection limits raised for the idle-memory test.
        listener = dict(name="smtp", service="smtp", tls="starttls",
                        max_connections=max_connections,
                        max_connections_per_ip=max_connections)
        # "info" logs one line per event, as Postfix logs to its file.
        self.srv = harness.Server(listeners=[listener], extra_config={"log_level": "info"},
                                  name="bench")
        self.maildir = os.path.join(self.srv.data_dir, "mail", DOMAIN, "bench")
        self.logs = [self.srv.log_path]
        self.host = self.port = None

    def start(self):
        self.srv.add_domain(DOMAIN)
        self.srv.add_user(RECIPIENT, "bench-password")
        start_server(self.srv)
        self.host, self.port = self.srv.addr("smtp")
        # The server does not fork: moving its pid (every thread) is enough.
        self.group.adopt(self.srv.pid)

    def stop(self):
        self.srv.stop()
        self.group.close()

    def cleanup(self):
        self.srv.cleanup()


def _ports_free(ports):
    for p in ports:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", p))
            except OSError:
                return False
    return True


def free_base_port(first=21000, last=40000, step=100):
    """A base port whose eight reference-stack ports are all free."""
    offsets = (25, 587, 465, 110, 995, 143, 993, 2525)
    for base in range(first, last, step):
        if _ports_free([base + o for o in offsets]):
            return base
    raise RuntimeError("no free base port for the reference stack in %d..%d" % (first, last))


class ReferenceStack:
    name = "postfix"

    def __init__(self, base_port=None, use_cgroup=True):
        self.script = os.path.join(BENCH, "reference", "reference-stack.sh")
        self.dir = tempfile.mkdtemp(prefix="mailroom-bench-ref-")
        self.base = base_port or free_base_port()
        self.group = ProcessGroup("postfix", use_cgroup)
        self.host, self.port = "127.0.0.1", self.base + 25
        # The reference README: Dovecot's Maildir for user@domain.
        self.maildir = os.path.join(self.dir, "mail", DOMAIN, "bench", "Maildir")
        log = os.path.join(self.dir, "log")
        self.logs = [os.path.join(log, n) for n in ("start.log", "postfix.log", "dovecot.log")]

    def _run(self, verb, group=None):
        return subprocess.run(
            [self.script, verb, "--base-port", str(self.base), "--dir", self.dir],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            timeout=SCRIPT_TIMEOUT, preexec_fn=group.preexec() if group else None)

    def start(self):
        # Started inside the group: Postfix's master, Dovecot and every
        # process they fork are counted.
        p = self._run("start", self.group)
        if p.returncode != 0:
            raise RuntimeError("reference-stack.sh start failed:\n" + p.stdout)
        self.group.set_roots(self._daemon_pids())

    def _daemon_pids(self):
        pids = []
        for f in (os.path.join(self.dir, "postfix", "queue", "pid", "master.pid"),
                  os.path.join(self.dir, "run", "dovecot", "master.pid")):
            with open(f) as fh:
                pids.append(int(fh.read().split()[0]))
        return pids

    def stop(self):
        p = self._run("stop")
        if p.returncode != 0:
            sys.stderr.write("reference-stack.sh stop: %s\n" % p.stdout)
        if not self.group.close():
            sys.stderr.write("note: cgroup %s still has processes\n" % self.group.cgroup)

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)
