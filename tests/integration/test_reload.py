#!/usr/bin/env python3
"""Reload without dropping anyone (issue #12): `mailroom reload` and SIGHUP
re-read the configuration and the TLS certificate. Connections open during
the reload keep working on their old settings (a POP3 session over TLS, an
SMTP transaction half done); new connections get the new certificate (the
peer certificate's SHA-256 fingerprint changes); a listener added opens and
one removed closes; a broken configuration - bad TOML, a certificate that
does not load, a port already taken - is refused with the old listeners
still serving, and `mailroom reload` exits non-zero with the error."""

import hashlib
import os
import poplib
import re
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import threading
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import NET_TIMEOUT, User  # noqa: E402

ALICE = User("alice@example.test", "alice-Reload-7q")
LISTENERS = [
    dict(name="pop3s", tls="implicit"),
    dict(name="smtp", service="smtp", tls="none"),
    dict(name="imap", service="imap", tls="starttls"),
]
WAIT = 10.0


class RecordingServer(harness.Server):
    """Keeps the stdout lines printed after "ready" (listening / closed)."""

    def _drain(self, fd):
        buf = b""
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                self.stdout_lines.append(line)

    def wait_line(self, pattern, what):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            for line in list(self.stdout_lines):
                m = re.match(pattern, line)
                if m:
                    return m
            time.sleep(0.05)
        raise AssertionError("no stdout line %s (%r)\n%s" % (what, self.stdout_lines, self.read_log()))


def make_cert(directory, name):
    cert, key = os.path.join(directory, name + ".pem"), os.path.join(directory, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=" + name + ".example.test"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    return cert, key


def fingerprint_of(tls_sock):
    return hashlib.sha256(tls_sock.getpeercert(binary_form=True)).hexdigest()


def client_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def pop3s_fingerprint(addr):
    with socket.create_connection(addr, timeout=NET_TIMEOUT) as raw:
        with client_context().wrap_socket(raw) as s:
            assert s.recv(200).startswith(b"+OK")
            return fingerprint_of(s)


def refused(addr):
    try:
        socket.create_connection(addr, timeout=NET_TIMEOUT).close()
        return False
    except ConnectionRefusedError:
        return True


class ReloadTest(unittest.TestCase):
    def setUp(self):
        self.srv = RecordingServer(listeners=LISTENERS)
        self.addCleanup(self.srv.cleanup)
        self.srv.add_domain()
        self.srv.add_user(ALICE.address, ALICE.password)
        self.srv.inject(ALICE.address, harness.simple_message("before-reload"))
        self.old_cert, self.old_key = make_cert(self.srv.tmp, "old")
        self.write_config(LISTENERS, self.old_cert, self.old_key)
        self.srv.start()

    def write_config(self, listeners, cert, key, extra=None):
        config = dict(self.srv.extra_config)
        config["tls"] = dict(cert=cert, key=key)
        config.update(extra or {})
        with open(self.srv.config_path, "w") as f:
            f.write(harness.make_config(self.srv.data_dir, listeners, config))

    def reload(self, check=True):
        p = harness.run_cli(["reload", "--config", self.srv.config_path], data_dir=self.srv.data_dir, check=False)
        if check:
            self.assertEqual(p.returncode, 0, p.stderr)
        return p

    def test_certificate_and_listeners_swapped_under_open_connections(self):
        srv = self.srv
        old_fp = pop3s_fingerprint(srv.addr("pop3s"))
        # Open during the reload: a POP3 session over TLS, logged in...
        pop = poplib.POP3_SSL(*srv.addr("pop3s"), context=client_context(), timeout=NET_TIMEOUT)
        self.addCleanup(pop.close)
        self.assertEqual(fingerprint_of(pop.sock), old_fp)
        pop.user(ALICE.address)
        pop.pass_(ALICE.password)
        # ...and an SMTP transaction half done.
        smtp = smtplib.SMTP(*srv.addr("smtp"), timeout=NET_TIMEOUT)
        self.addCleanup(smtp.close)
        smtp.ehlo("client.test")
        self.assertEqual(smtp.mail("bob@elsewhere.test")[0], 250)
        imap_addr = srv.addr("imap")

        new_cert, new_key = make_cert(srv.tmp, "new")
        new_listeners = [l for l in LISTENERS if l["name"] != "imap"] + [
            dict(name="pop3-new", tls="starttls", plaintext_auth=True)]
        self.write_config(new_listeners, new_cert, new_key)
        p = self.reload()
        self.assertIn(b"configuration reloaded", p.stdout)
        m = srv.wait_line(rb"^listening pop3-new 127\.0\.0\.1:(\d+) ", "for pop3-new")
        srv.wait_line(rb"^closed imap$", "for imap")

        # The connections open during the reload go on.
        self.assertEqual(pop.stat()[0], 1)
        self.assertIn(b"before-reload", b"\r\n".join(pop.retr(1)[1]))
        self.assertEqual(smtp.rcpt(ALICE.address)[0], 250)
        self.assertEqual(smtp.data(harness.expected_wire(harness.simple_message("during-reload")))[0], 250)
        pop.quit()
        smtp.quit()
        # New connections: the new certificate, the new listener, not the removed one.
        new_fp = pop3s_fingerprint(srv.addr("pop3s"))
        self.assertNotEqual(new_fp, old_fp)
        with open(new_cert) as f:
            want = hashlib.sha256(ssl.PEM_cert_to_DER_cert(f.read())).hexdigest()
        self.assertEqual(new_fp, want)
        added = poplib.POP3("127.0.0.1", int(m.group(1)), timeout=NET_TIMEOUT)
        added.user(ALICE.address)
        added.pass_(ALICE.password)
        self.assertEqual(added.stat()[0], 2)  # before-reload and during-reload
        added.quit()
        self.assertTrue(refused(imap_addr), "imap still accepts after its removal")

    def assert_still_serving(self, fingerprint):
        self.assertEqual(pop3s_fingerprint(self.srv.addr("pop3s")), fingerprint)
        with smtplib.SMTP(*self.srv.addr("smtp"), timeout=NET_TIMEOUT) as s:
            self.assertEqual(s.ehlo("client.test")[0], 250)
        with socket.create_connection(self.srv.addr("imap"), timeout=NET_TIMEOUT) as c:
            self.assertTrue(c.recv(200).startswith(b"* OK"))

    def test_broken_configurations_refused_old_one_kept(self):
        srv = self.srv
        fp = pop3s_fingerprint(srv.addr("pop3s"))
        # Not TOML.
        with open(srv.config_path, "a") as f:
            f.write("\nthis is = = not toml\n")
        p = self.reload(check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(b"invalid configuration", p.stderr)
        self.assert_still_serving(fp)
        # Valid TOML, a certificate that does not exist: the server refuses.
        extra = [dict(name="pop3-new", tls="starttls", plaintext_auth=True)]
        self.write_config(LISTENERS + extra, os.path.join(srv.tmp, "missing.pem"), self.old_key)
        p = self.reload(check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(b"reload refused", p.stderr)
        self.assertIn(b"missing.pem", p.stderr)
        self.assert_still_serving(fp)
        # A port already taken: refused, and pop3-new (fine by itself) not opened either.
        taken = socket.socket()
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        self.addCleanup(taken.close)
        self.write_config(LISTENERS + extra + [dict(name="busy", port=taken.getsockname()[1])],
                          self.old_cert, self.old_key)
        p = self.reload(check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(b"busy", p.stderr)
        self.assert_still_serving(fp)
        self.assertFalse([l for l in srv.stdout_lines if l.startswith(b"listening pop3-new")])
        # SIGHUP with a broken file: logged, still serving.
        with open(srv.config_path, "a") as f:
            f.write("\nunknown_key = 1\n")
        os.kill(srv.pid, signal.SIGHUP)
        deadline = time.monotonic() + WAIT
        while "unknown key 'unknown_key'" not in srv.read_log() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertRegex(srv.read_log(), r"reload refused, the running configuration stays .*unknown_key")
        self.assert_still_serving(fp)
        # Who the server runs as is for a restart only.
        self.write_config(LISTENERS, self.old_cert, self.old_key, extra=dict(user="nobody"))
        os.kill(srv.pid, signal.SIGHUP)
        deadline = time.monotonic() + WAIT
        while "'user' cannot change" not in srv.read_log() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertIn("'user' cannot change on reload", srv.read_log())
        self.assert_still_serving(fp)

if __name__ == "__main__":
    unittest.main(verbosity=2)
