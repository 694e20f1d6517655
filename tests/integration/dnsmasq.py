"""A real dnsmasq (Debian package dnsmasq-base) serving test records on a
free loopback UDP port, started and stopped by pid: the DNS of the outbound
delivery tests (the C++ twin is tests/support/dnsmasq.hpp)."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time


def _free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_taken(port):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
        return False


class Dnsmasq:
    """records: dnsmasq options such as "--mx-host=b.test,mx.b.test,10" or
    "--host-record=mx.b.test,127.0.0.2". Names under .test that no record
    mentions get NXDOMAIN; other names get REFUSED (no upstream)."""

    def __init__(self, records):
        self.tmp = tempfile.mkdtemp(prefix="mailroom-dns-")
        self.proc = None
        for _ in range(5):  # another process may take the port between probe and bind
            self.port = _free_udp_port()
            if self._start(records):
                return
        raise RuntimeError("dnsmasq did not start; log in " + self.log_path)

    @property
    def log_path(self):
        return os.path.join(self.tmp, "dnsmasq.log")

    def _start(self, records):
        exe = "/usr/sbin/dnsmasq" if os.path.exists("/usr/sbin/dnsmasq") else shutil.which("dnsmasq")
        if not exe:
            raise RuntimeError("dnsmasq is not installed (scripts/install-deps installs dnsmasq-base)")
        args = [exe, "--keep-in-foreground", "--no-resolv", "--no-hosts", "--conf-file=/dev/null",
                "--listen-address=127.0.0.1", "--bind-interfaces", "--port=%d" % self.port,
                "--pid-file=" + os.path.join(self.tmp, "dnsmasq.pid"),
                "--log-facility=" + self.log_path, "--log-queries", "--local=/test/"] + list(records)
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if _port_taken(self.port):
                return True
            time.sleep(0.05)
        self.stop()
        return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def close(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)
