"""Integration harness: runs the real `mailroom serve` on loopback.

Each test class starts one server in a fresh temporary data directory with a
generated configuration (listeners on 127.0.0.1, port 0: the real ports are
read from the `listening` lines), creates users with `mailroom user add`,
injects messages with `mailroom inject`, and stops the server by its pid
(SIGTERM, then SIGKILL after 5 s). The server's stderr log is kept and printed
when a test fails. Every network call has a timeout; every loop is bounded.

The binary comes from $MAILROOM_BIN (ctest passes it); without it the debug
build in the source tree is used.
"""

import base64
import poplib
import os
import re
import select
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_BIN = os.path.join(REPO, "build", "debug", "src", "cli", "mailroom")

NET_TIMEOUT = 15.0        # seconds, every socket operation
CLI_TIMEOUT = 60.0        # seconds, every subprocess run
START_TIMEOUT = 30.0      # seconds until "ready pid=" (first start makes a certificate)
STOP_GRACE = 5.0          # SIGTERM, then SIGKILL

DOMAIN = "example.test"
HOSTNAME = "mail.example.test"


def mailroom_bin():
    return os.environ.get("MAILROOM_BIN") or DEFAULT_BIN


def run_cli(args, data_dir=None, stdin=b"", timeout=CLI_TIMEOUT, check=True):
    """Runs `mailroom ARGS [--data-dir DIR]`; returns CompletedProcess (bytes)."""
    cmd = [mailroom_bin()] + list(args)
    if data_dir is not None:
        cmd += ["--data-dir", data_dir]
    p = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError("command failed (exit %d): %s\nstdout: %r\nstderr: %r"
                             % (p.returncode, " ".join(cmd), p.stdout, p.stderr))
    return p


# ---------------------------------------------------------------- messages

def expected_wire(message):
    """What a client must receive for an injected message (before dot-stuffing):
    every line end CRLF, and a final CRLF added if the message lacks one."""
    body = message.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    return body


def expected_lf(message):
    """The same content with LF line ends (what Maildir-writing clients store)."""
    return expected_wire(message).replace(b"\r\n", b"\n")


def dot_stuff(wire):
    """RFC 1939 §3 multi-line body as sent: dot-stuffed, ended by CRLF.CRLF."""
    lines = wire.split(b"\r\n")
    assert lines[-1] == b""
    out = [(b"." + l if l.startswith(b".") else l) for l in lines[:-1]]
    return b"".join(l + b"\r\n" for l in out) + b".\r\n"


def expected_top(message, n):
    """TOP msg n: the header, the blank line, then the first n body lines."""
    wire = expected_wire(message)
    head, sep, body = wire.partition(b"\r\n\r\n")
    if not sep:
        return wire
    lines = body.split(b"\r\n")[:-1]
    return head + b"\r\n\r\n" + b"".join(l + b"\r\n" for l in lines[:n])


def msg_8bit():
    """Every byte value 0x01-0xFF except CR and LF, mixed into lines."""
    values = bytes(b for b in range(1, 256) if b not in (0x0A, 0x0D))
    lines = [values[i:i + 50] for i in range(0, len(values), 50)]
    lines += [values[::-1][i:i + 37] for i in range(0, len(values), 37)]
    lines.append(b"\xff\xfe tail \x80\x01")
    return (b"From: sender@example.test\nTo: alice@example.test\nSubject: eight bit\n"
            b"MIME-Version: 1.0\nContent-Type: application/octet-stream\n"
            b"Content-Transfer-Encoding: 8bit\n\n" + b"\n".join(lines) + b"\n")


def msg_dots():
    return (b"From: sender@example.test\r\nTo: alice@example.test\r\nSubject: dots\r\n\r\n"
            b".\r\n..\r\n...\r\n.leading dot\r\nmiddle . dot\r\n. space after dot\r\n"
            b"..double\r\n.\r\nlast line\r\n")


def msg_no_final_newline():
    return (b"From: sender@example.test\nTo: alice@example.test\nSubject: no newline\n\n"
            b"first line\nthe last line has no newline")


def msg_big(size=3 * 1024 * 1024):
    """About `size` bytes in 76-character lines (LF line ends)."""
    head = (b"From: sender@example.test\nTo: alice@example.test\nSubject: big\n\n")
    lines = []
    total = len(head)
    i = 0
    while total < size:
        line = (b"%08d " % i) + bytes((65 + (i + k) % 26) for k in range(67))
        if i % 1000 == 0:
            line = b"." + line          # dot-stuffing inside a large body too
        lines.append(line)
        total += len(line) + 1
        i += 1
    return head + b"\n".join(lines) + b"\n"


def msg_lf():
    return (b"From: sender@example.test\nTo: alice@example.test\nSubject: lf only\n"
            b"Message-ID: <lf@example.test>\n\nline one\nline two\n\nline four\n")


def msg_crlf():
    return (b"From: sender@example.test\r\nTo: alice@example.test\r\nSubject: crlf\r\n"
            b"Message-ID: <crlf@example.test>\r\n\r\nline one\r\nline two\r\n\r\nline four\r\n")


def simple_message(tag):
    tag = tag.encode() if isinstance(tag, str) else tag
    return (b"From: sender@example.test\nTo: someone@example.test\nSubject: " + tag +
            b"\nMessage-ID: <" + tag + b"@example.test>\n\nbody of " + tag + b"\n")


def standard_messages(big=True):
    """The standard maildrop, in injection order."""
    msgs = [msg_crlf(), msg_lf(), msg_dots(), msg_8bit(), msg_no_final_newline()]
    if big:
        msgs.append(msg_big())
    return msgs


# ---------------------------------------------------------------- config

def default_listeners():
    return [
        dict(name="pop3", tls="starttls", plaintext_auth=False),
        dict(name="pop3-plain", tls="starttls", plaintext_auth=True),
        dict(name="pop3s", tls="implicit"),
    ]


LISTENER_DEFAULTS = dict(service="pop3", address="127.0.0.1", port=0,
                         auth_failure_delay_ms=50, max_auth_failure_delay_ms=200)


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)  # 2.0, inf, nan: TOML spells them the same
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    s = str(v).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + s + '"'


def toml_key(k):
    """A bare key, or a quoted one ("partner.example" in [delivery.routes])."""
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else toml_value(k)


def toml_table(name, table, out):
    """[name] with its plain keys, then each dict value as [name.key]."""
    out.append("\n[%s]" % name)
    out += ["%s = %s" % (toml_key(k), toml_value(v)) for k, v in table.items() if not isinstance(v, dict)]
    for k, v in table.items():
        if isinstance(v, dict):
            toml_table("%s.%s" % (name, toml_key(k)), v, out)


def make_config(data_dir, listeners, extra=None):
    # The per-address login penalty short, like the listeners' delays: tests
    # fail logins on purpose (test_security.py sets its own).
    # shutdown_timeout below STOP_GRACE: a session a test left mid-command
    # does not turn stop() into a SIGKILL. The HTTP listener on a port the
    # OS chooses, not 8025: tests run in parallel. A key given as None in
    # `extra` is left out.
    top = dict(hostname=HOSTNAME, data_dir=data_dir, log_level="debug",
               login_penalty_delay_ms=50, login_penalty_max_delay_ms=200, shutdown_timeout=2,
               http=dict(port=0))
    top.update(extra or {})
    top = {k: v for k, v in top.items() if v is not None}
    out = []
    for k, v in top.items():
        if not isinstance(v, dict):
            out.append("%s = %s" % (k, toml_value(v)))
    for k, v in top.items():
        if isinstance(v, dict):
            toml_table(k, v, out)
    for l in listeners:
        spec = dict(LISTENER_DEFAULTS)
        spec.update(l)
        out.append("\n[[listener]]")
        out += ["%s = %s" % (k, toml_value(v)) for k, v in spec.items()]
    return "\n".join(out) + "\n"


def maildir_files(data_dir):
    """Every message file under DATA/mail (new/ and cur/ of every mailbox)."""
    found = []
    for root, _, files in os.walk(os.path.join(data_dir, "mail")):
        if os.path.basename(root) in ("new", "cur"):
            found += [os.path.join(root, f) for f in files]
    return found


def closed_port():
    """A loopback TCP port nothing listens on (bound once, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hold_remote_mail():
    """A [delivery] table that keeps every remote message queued: all of it
    goes to a "smarthost" on a closed loopback port (a temporary failure,
    retried in an hour), so no test reaches a DNS server or the Internet.
    Servers get it unless their extra_config has its own 'delivery'."""
    return dict(retry_initial=3600,
                smarthost=dict(host="127.0.0.1", port=closed_port(), tls="starttls",
                               verify_certificate=False))


# ---------------------------------------------------------------- server

LISTEN_RE = re.compile(rb"^listening (\S+) (\[[^\]]+\]|[^:\s]+):(\d+) tls=(none|starttls|implicit)"
                       rb" plaintext_auth=(yes|no)$")

_all_servers = []


class Listener:
    def __init__(self, name, host, port, tls, plaintext_auth):
        self.name, self.host, self.port = name, host, port
        self.tls, self.plaintext_auth = tls, plaintext_auth

    def __repr__(self):
        return "Listener(%s %s:%d tls=%s plaintext_auth=%s)" % (
            self.name, self.host, self.port, self.tls, self.plaintext_auth)


class Server:
    """One `mailroom serve` process in its own temporary data directory."""

    def __init__(self, listeners=None, extra_config=None, name="server", serve_args=()):
        self.listener_specs = listeners if listeners is not None else default_listeners()
        extra_config = dict(extra_config or {})
        extra_config.setdefault("delivery", hold_remote_mail())
        self.extra_config = extra_config
        self.name = name
        self.serve_args = list(serve_args)
        self.tmp = tempfile.mkdtemp(prefix="mailroom-it-")
        self.data_dir = os.path.join(self.tmp, "data")
        self.config_path = os.path.join(self.tmp, "mailroom.toml")
        self.log_path = os.path.join(self.tmp, "serve.stderr")
        self.proc = None
        self.pid = None
        self.listeners = {}
        self.http = None                # (host, port) of the HTTP listener
        self.stdout_lines = []
        self.log_text = ""
        self.exit_code = None
        self.killed = False
        self.passwords = []
        with open(self.config_path, "w") as f:
            f.write(make_config(self.data_dir, self.listener_specs, extra_config))
        _all_servers.append(self)

    # -- administration through the CLI
    def cli(self, *args, stdin=b"", check=True):
        return run_cli(args, data_dir=self.data_dir, stdin=stdin, check=check)

    def add_domain(self, domain=DOMAIN):
        return self.cli("domain", "add", domain)

    def add_user(self, address, password, legacy=False):
        self.passwords.append(password)
        args = ["user", "add", address] + (["--legacy-auth"] if legacy else [])
        return self.cli(*args, stdin=password.encode() + b"\n")

    def inject(self, address, message):
        return self.cli("inject", address, stdin=message)

    # -- process
    def start(self):
        self.pid = None
        self.listeners = {}
        self.http = None
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(
                [mailroom_bin(), "serve", "--config", self.config_path, "--data-dir", self.data_dir]
                + self.serve_args,
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log)
        finally:
            log.close()
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + START_TIMEOUT
        buf = b""
        ready = False
        while not ready:
            left = deadline - time.monotonic()
            if left <= 0:
                self.stop()
                raise AssertionError("no 'ready pid=' from mailroom serve within %ds; stdout=%r\n%s"
                                     % (START_TIMEOUT, buf, self.log_text))
            r, _, _ = select.select([fd], [], [], min(left, 0.5))
            if not r:
                if self.proc.poll() is not None:
                    self.stop()
                    raise AssertionError("mailroom serve exited with %s before ready; stdout=%r\n%s"
                                         % (self.exit_code, buf, self.log_text))
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                self.stop()
                raise AssertionError("mailroom serve closed stdout before ready (exit %s); "
                                     "stdout=%r\n%s" % (self.exit_code, buf, self.log_text))
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                self.stdout_lines.append(line)
                m = LISTEN_RE.match(line)
                if m and m.group(1) == b"http":
                    # The HTTP listener (/metrics, /healthz): kept apart
                    # from the protocol listeners.
                    self.http = (m.group(2).decode().strip("[]"), int(m.group(3)))
                elif m:
                    host = m.group(2).decode().strip("[]")
                    self.listeners[m.group(1).decode()] = Listener(
                        m.group(1).decode(), host, int(m.group(3)), m.group(4).decode(),
                        m.group(5) == b"yes")
                elif line.startswith(b"ready pid="):
                    self.pid = int(line[len(b"ready pid="):])
                    ready = True
                    break
                else:
                    self.stop()
                    raise AssertionError("unexpected stdout line from mailroom serve: %r" % line)
        # Drain whatever else it prints so a full pipe can never block it.
        threading.Thread(target=self._drain, args=(fd,), daemon=True).start()
        return self

    def _drain(self, fd):
        try:
            for _ in range(1 << 20):
                if not os.read(fd, 65536):
                    return
        except OSError:
            return

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.kill(self.pid or self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                self.killed = True
                self.proc.kill()
                self.proc.wait(STOP_GRACE)
        self.exit_code = self.proc.returncode
        try:
            self.proc.stdout.close()
        except OSError:
            pass
        self.proc = None
        self.log_text = self.read_log()

    def kill(self):
        """SIGKILL, as a crash would: nothing in the server gets to clean up."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.pid or self.proc.pid, signal.SIGKILL)
            self.proc.wait(STOP_GRACE)
        self.stop()

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def port(self, name):
        return self.listeners[name].port

    def addr(self, name):
        l = self.listeners[name]
        return l.host, l.port

    def http_get(self, path):
        """(status, body bytes, headers) of GET PATH on the HTTP listener."""
        import http.client
        host, port = self.http
        c = http.client.HTTPConnection(host, port, timeout=NET_TIMEOUT)
        try:
            c.request("GET", path)
            r = c.getresponse()
            return r.status, r.read(), dict(r.getheaders())
        finally:
            c.close()


# ---------------------------------------------------------------- fixtures

class User:
    def __init__(self, address, password, legacy=False, messages=()):
        self.address, self.password, self.legacy = address, password, legacy
        self.messages = list(messages)


def standard_server(users, listeners=None, extra_config=None):
    """A started server with domain example.test and the given users and mail."""
    srv = Server(listeners=listeners, extra_config=extra_config)
    srv.add_domain(DOMAIN)
    for u in users:
        srv.add_user(u.address, u.password, u.legacy)
        for m in u.messages:
            srv.inject(u.address, m)
    return srv.start()


class ServerTestCase(unittest.TestCase):
    """Base class: one server per test class (USERS, LISTENERS, EXTRA_CONFIG)."""
    USERS = []
    LISTENERS = None
    EXTRA_CONFIG = None
    SECRETS_NOT_LOGGED = ("not-the-password", "wrong-password")
    srv = None

    @classmethod
    def setUpClass(cls):
        cls.srv = standard_server(cls.USERS, cls.LISTENERS, cls.EXTRA_CONFIG)

    @classmethod
    def tearDownClass(cls):
        if cls.srv is not None:
            cls.srv.stop()
            log = cls.srv.log_text
            cls.srv.cleanup()
            for pw in list(cls.srv.passwords) + list(cls.SECRETS_NOT_LOGGED):
                if pw in log:
                    raise AssertionError("a password appears in the server log: %r" % pw)

    def user(self, local):
        for u in self.USERS:
            if u.address.split("@")[0] == local:
                return u
        raise KeyError(local)

    def server_count(self, user, listener="pop3-plain"):
        """Messages left in USER's mailbox, by STAT over a plaintext login."""
        c = poplib.POP3(*self.srv.addr(listener), timeout=NET_TIMEOUT)
        try:
            c.user(user.address)
            c.pass_(user.password)
            return c.stat()[0]
        finally:
            c.quit()

    def assert_same_messages(self, got, messages, what="stored"):
        """GOT (files a client wrote, LF line ends) are exactly MESSAGES."""
        expected = sorted(expected_lf(m) for m in messages)
        self.assertEqual(len(got), len(expected))
        for g in got:
            self.assertIn(g, expected, "%s message matches no injected one: %r" % (what, g[:300]))
        self.assertEqual(sorted(got), expected)


def tls_client_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


# ---------------------------------------------------------------- raw POP3

class Pop3Error(Exception):
    pass


class RawPop3:
    """A minimal POP3 client on a socket: exact bytes, timeouts everywhere."""

    MAX_LINE = 1 << 16

    def __init__(self, host, port, implicit_tls=False, timeout=NET_TIMEOUT):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)
        if implicit_tls:
            self.sock = tls_client_context().wrap_socket(self.sock, server_hostname=None)
        self.buf = b""
        self.greeting = self.line()

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise Pop3Error("connection closed by server; unread %r" % self.buf)
        self.buf += data

    def line(self):
        """One line without its CRLF; the server must end it with CRLF."""
        for _ in range(1 << 16):
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                if b"\n" in line:
                    raise Pop3Error("bare LF inside a response line: %r" % line)
                return line
            if len(self.buf) > self.MAX_LINE:
                raise Pop3Error("response line too long")
            self._fill()
        raise Pop3Error("unbounded read")

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data + b"\r\n")

    def cmd(self, data):
        self.send(data)
        return self.line()

    def ok(self, data):
        r = self.cmd(data)
        if not r.startswith(b"+OK"):
            raise Pop3Error("%r -> %r" % (data, r))
        return r

    def multiline_raw(self):
        """The rest of a multi-line response exactly as sent, through the
        terminating '.' CRLF (which is included)."""
        for _ in range(1 << 22):
            if self.buf.startswith(b".\r\n"):
                end = 3
            else:
                i = self.buf.find(b"\r\n.\r\n")
                end = i + 5 if i >= 0 else -1
            if end >= 0:
                data, self.buf = self.buf[:end], self.buf[end:]
                return data
            self._fill()
        raise Pop3Error("unbounded read")

    def retr_raw(self, n):
        status = self.cmd("RETR %d" % n)
        if not status.startswith(b"+OK"):
            raise Pop3Error("RETR %d -> %r" % (n, status))
        return self.multiline_raw()

    def capa(self):
        status = self.cmd("CAPA")
        if not status.startswith(b"+OK"):
            raise Pop3Error("CAPA -> %r" % status)
        raw = self.multiline_raw()
        return raw[:-3].split(b"\r\n")[:-1] if raw != b".\r\n" else []

    def stls(self):
        r = self.cmd("STLS")
        if not r.startswith(b"+OK"):
            raise Pop3Error("STLS -> %r" % r)
        if self.buf:
            raise Pop3Error("data after the STLS reply: %r" % self.buf)
        self.sock = tls_client_context().wrap_socket(self.sock, server_hostname=None)
        return r

    def login(self, user, password):
        self.ok("USER " + user)
        return self.ok("PASS " + password)

    def quit(self):
        r = self.cmd("QUIT")
        self.close()
        return r

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.b64encode(data).decode()


# ---------------------------------------------------------------- main

def main():
    """unittest.main, then the servers' logs when something failed."""
    prog = unittest.main(exit=False, verbosity=2)
    ok = prog.result.wasSuccessful()
    if not ok:
        for s in _all_servers:
            log = s.log_text or s.read_log()
            lines = log.splitlines()
            sys.stderr.write("\n===== mailroom serve log (%s, %s), last %d of %d lines =====\n"
                             % (s.tmp, s.config_path, min(len(lines), 400), len(lines)))
            sys.stderr.write("\n".join(lines[-400:]) + "\n")
    if not os.path.exists(mailroom_bin()):
        sys.stderr.write("note: %s does not exist\n" % mailroom_bin())
    sys.exit(0 if ok else 1)
