"""Helpers for the `mailroom proxy` tests (test_proxy.py): the proxy as a
process (`mailroom proxy ...` started with its listening ports read from
stdout, stopped by its pid) and a capturing relay, a TCP forwarder put
between the proxy and the upstream server that keeps every byte the proxy
sent upstream, so a test can check the password never crossed in clear."""

import os
import re
import select
import signal
import socket
import subprocess
import tempfile
import threading
import time

from harness import NET_TIMEOUT, mailroom_bin

START_TIMEOUT = 20.0
STOP_GRACE = 5.0
LISTEN_RE = re.compile(rb"^proxy (\S+) \((pop3|smtp)\) listening on (\S+) port (\d+) ")


class Proxy:
    """`mailroom proxy ARGS`; .ports maps each entry name to its port."""

    def __init__(self, args, env=None):
        self.tmp = tempfile.mkdtemp(prefix="mailroom-proxy-")
        self.log_path = os.path.join(self.tmp, "proxy.stderr")
        self.args = list(args)
        self.env = env
        self.proc = None
        self.ports = {}
        self.log_text = ""
        self.exit_code = None

    def path(self, name):
        return os.path.join(self.tmp, name)

    def write(self, name, text):
        p = self.path(name)
        with open(p, "w") as f:
            f.write(text)
        return p

    def start(self, expect_entries=1):
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen([mailroom_bin(), "proxy"] + self.args, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=log, env=self.env)
        finally:
            log.close()
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + START_TIMEOUT
        buf = b""
        while len(self.ports) < expect_entries:
            left = deadline - time.monotonic()
            if left <= 0:
                self.stop()
                raise AssertionError("proxy did not start: %r\n%s" % (buf, self.log_text))
            r, _, _ = select.select([fd], [], [], min(left, 0.5))
            if not r:
                if self.proc.poll() is not None:
                    self.stop()
                    raise AssertionError("proxy exited %s before listening\n%s" % (self.exit_code, self.log_text))
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                self.stop()
                raise AssertionError("proxy closed stdout (exit %s)\n%s" % (self.exit_code, self.log_text))
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                m = LISTEN_RE.match(line)
                if m:
                    self.ports[m.group(1).decode()] = int(m.group(4))
        return self

    @property
    def port(self):
        assert len(self.ports) == 1, self.ports
        return next(iter(self.ports.values()))

    def stop(self):
        if self.proc is None:
            return self.log_text
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(STOP_GRACE)
        self.exit_code = self.proc.returncode
        self.proc.stdout.close()
        self.proc = None
        with open(self.log_path, "rb") as f:
            self.log_text = f.read().decode("utf-8", "replace")
        return self.log_text


def run_proxy_command(args, timeout=20):
    """`mailroom proxy ARGS` expected to exit (a refused configuration)."""
    p = subprocess.run([mailroom_bin(), "proxy"] + list(args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace")


class CaptureRelay:
    """Listens on a loopback port and forwards each connection to
    (host, port), keeping what the client (the proxy) sent in .upstream_bytes."""

    def __init__(self, host, port):
        self.target = (host, port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.sent = []
        self.lock = threading.Lock()
        self.stopping = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def upstream_bytes(self):
        with self.lock:
            return b"".join(self.sent)

    def _accept(self):
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._pipe_pair, args=(c,), daemon=True).start()

    def _pipe_pair(self, client):
        try:
            upstream = socket.create_connection(self.target, timeout=NET_TIMEOUT)
        except OSError:
            client.close()
            return
        socks = [client, upstream]
        deadline = time.monotonic() + 120
        try:
            while time.monotonic() < deadline:
                r, _, _ = select.select(socks, [], [], 1.0)
                for s in r:
                    data = s.recv(65536)
                    if not data:
                        return
                    if s is client:
                        with self.lock:
                            self.sent.append(data)
                        upstream.sendall(data)
                    else:
                        client.sendall(data)
        except OSError:
            return
        finally:
            client.close()
            upstream.close()

    def close(self):
        self.stopping = True
        self.sock.close()
