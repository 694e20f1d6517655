#!/usr/bin/env python3
"""The systemd side of `mailroom serve` (issue #12): etc/mailroom.service
passes `systemd-analyze verify` (with the binary's path put in), and the
server tells a NOTIFY_SOCKET (a unix datagram socket this test binds, as
systemd would) READY=1 once its listeners accept, RELOADING=1 and READY=1
around a SIGHUP reload, and STOPPING=1 at SIGTERM."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

UNIT = os.path.join(harness.REPO, "etc", "mailroom.service")


class UnitFileTest(unittest.TestCase):
    def test_unit_verifies(self):
        analyze = shutil.which("systemd-analyze")
        if not analyze:
            self.skipTest("systemd-analyze is not installed (Debian package systemd)")
        tmp = tempfile.mkdtemp(prefix="mailroom-unit-")
        self.addCleanup(shutil.rmtree, tmp, True)
        with open(UNIT) as f:
            text = f.read()
        self.assertIn("ExecStart=/usr/local/bin/mailroom serve", text)
        self.assertIn("Type=notify", text)
        unit = os.path.join(tmp, "mailroom.service")
        with open(unit, "w") as f:
            f.write(text.replace("/usr/local/bin/mailroom", os.path.abspath(harness.mailroom_bin())))
        p = subprocess.run([analyze, "verify", unit], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=harness.CLI_TIMEOUT)
        out = (p.stdout + p.stderr).decode("utf-8", "replace")
        # Unknown keys and bad values are warnings with exit status 0: any
        # line about our unit is a failure.
        about_us = [l for l in out.splitlines() if "mailroom.service" in l]
        self.assertEqual(p.returncode, 0, out)
        self.assertEqual(about_us, [], out)

    def test_verify_notices_a_broken_unit(self):
        """The check above can fail: a wrong binary path is reported."""
        analyze = shutil.which("systemd-analyze")
        if not analyze:
            self.skipTest("systemd-analyze is not installed (Debian package systemd)")
        tmp = tempfile.mkdtemp(prefix="mailroom-unit-")
        self.addCleanup(shutil.rmtree, tmp, True)
        with open(UNIT) as f:
            text = f.read().replace("/usr/local/bin/mailroom", os.path.join(tmp, "no-such-binary"))
        unit = os.path.join(tmp, "mailroom.service")
        with open(unit, "w") as f:
            f.write(text)
        p = subprocess.run([analyze, "verify", unit], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=harness.CLI_TIMEOUT)
        self.assertNotEqual(p.returncode, 0, p.stderr)


class NotifyTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="mailroom-notify-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.path = os.path.join(self.tmp, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.addCleanup(self.sock.close)
        os.environ["NOTIFY_SOCKET"] = self.path
        self.addCleanup(os.environ.pop, "NOTIFY_SOCKET", None)

    def next_message(self, timeout=harness.NET_TIMEOUT):
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(4096).decode()
        except socket.timeout:
            self.fail("no notification within %ds" % timeout)

    def test_ready_reloading_stopping(self):
        srv = harness.Server(listeners=[dict(name="pop3-plain", tls="starttls", plaintext_auth=True)])
        self.addCleanup(srv.cleanup)
        srv.start()
        self.assertEqual(self.next_message(), "READY=1")
        # READY=1 means the listeners accept already.
        with socket.create_connection(srv.addr("pop3-plain"), timeout=harness.NET_TIMEOUT) as c:
            self.assertTrue(c.recv(100).startswith(b"+OK"))

        os.kill(srv.pid, signal.SIGHUP)
        reloading = self.next_message()
        lines = reloading.split("\n")
        self.assertEqual(lines[0], "RELOADING=1", reloading)
        self.assertRegex(lines[1], r"^MONOTONIC_USEC=\d+$")
        self.assertEqual(self.next_message(), "READY=1")

        os.kill(srv.pid, signal.SIGTERM)
        self.assertEqual(self.next_message(), "STOPPING=1")
        srv.proc.wait(harness.STOP_GRACE)
        self.assertEqual(srv.proc.returncode, 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
