#!/usr/bin/env python3
"""Reload without dropping anyone (issue #12): `mailroom reload` and SIGHUP
re-read the configuration and the TLS certificate. Connections open during
the reload keep working on their old settings (a POP3 session over TLS, an
SMTP transaction half done); new connections get the new certificate (the
peer certificate's SHA-256 fingerprint changes); a listener added opens and
one removed closes; a broken configuration - bad TOML, a certificate that
does not load, a port already taken - is refused with the old listeners
still serving, and `mailroom reload` exits non-zero with the error. The
rest of the configuration follows too: [delivery] (a static route moved to
another port of the next hop), [http] (moved to another port; a port in use
refuses the reload) and the login penalty."""

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


class FollowingSettingsTest(unittest.TestCase):
    """[delivery], [http] and login_penalty_* after a reload. B, the next
    hop for b.test, listens on two ports; A routes b.test to the first,
    then after a reload to the second."""

    def setUp(self):
        self.b = harness.Server(listeners=[dict(name="mx1", service="smtp", tls="none"),
                                           dict(name="mx2", service="smtp", tls="none")],
                                extra_config=dict(hostname="mx.b.test"), name="B")
        self.addCleanup(self.b.cleanup)
        self.b.add_domain("b.test")
        self.b.add_user("bob@b.test", "bob-Reload-31q")
        self.b.start()
        self.a_listeners = [dict(name="smtp", service="smtp", tls="none"),
                            dict(name="pop3", tls="none", plaintext_auth=True)]
        self.a = RecordingServer(listeners=self.a_listeners, extra_config=self.a_config("mx1"), name="A")
        self.addCleanup(self.a.cleanup)
        self.a.add_domain()
        self.a.add_user(ALICE.address, ALICE.password)
        self.a.start()

    def a_config(self, mx, **top):
        # No exceptions: loopback, trusted for relaying, still pays the login penalty.
        config = dict(hostname="a.example.test", trusted_networks=["127.0.0.0/8"], connection_limit_exceptions=[],
                      delivery=dict(retry_initial=1, retry_max=1,
                                    routes={"b.test": "[127.0.0.1]:%d" % self.b.addr(mx)[1]}))
        config.update(top)
        return config

    def reload_with(self, config, check=True):
        with open(self.a.config_path, "w") as f:
            f.write(harness.make_config(self.a.data_dir, self.a_listeners, config))
        p = harness.run_cli(["reload", "--config", self.a.config_path], data_dir=self.a.data_dir, check=False)
        if check:
            self.assertEqual(p.returncode, 0, p.stderr)
        return p

    def relay(self, subject):
        """Relays one message to bob@b.test through A; (the B listener the
        delivery came in on, messages in B's mailboxes) once it is there."""
        before = len(harness.maildir_files(self.b.data_dir))
        with smtplib.SMTP(*self.a.addr("smtp"), timeout=NET_TIMEOUT) as s:
            body = "From: alice@example.test\r\nSubject: %s\r\n\r\nbody\r\n" % subject
            self.assertEqual(s.sendmail(ALICE.address, ["bob@b.test"], body), {})
        deadline = time.monotonic() + WAIT
        while len(harness.maildir_files(self.b.data_dir)) == before and time.monotonic() < deadline:
            time.sleep(0.05)
        # B logs each connection with its listener: A's delivery is the last.
        sessions = re.findall(r"connect listener=(mx\d)", self.b.read_log())
        return (sessions[-1] if sessions else None), len(harness.maildir_files(self.b.data_dir))

    def failed_login_penalty(self):
        before = len(re.findall(r"login failure penalty_ms=(\d+)", self.a.read_log()))
        with self.assertRaises(poplib.error_proto):
            c = poplib.POP3(*self.a.addr("pop3"), timeout=NET_TIMEOUT)
            try:
                c.user(ALICE.address)
                c.pass_("wrong password")
            finally:
                c.close()
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            found = re.findall(r"login failure penalty_ms=(\d+)", self.a.read_log())
            if len(found) > before:
                return int(found[-1])
            time.sleep(0.05)
        self.fail("no login failure line\n" + self.a.read_log())

    def test_delivery_http_and_penalty_follow(self):
        a = self.a
        self.assertEqual(self.relay("via-mx1"), ("mx1", 1))
        old_http = a.http
        self.assertEqual(self.failed_login_penalty(), 50)  # make_config's login_penalty_delay_ms

        new_port = harness.closed_port()
        self.reload_with(self.a_config("mx2", http=dict(port=new_port), login_penalty_delay_ms=300,
                                       login_penalty_max_delay_ms=300))
        self.assertIn("reloaded", a.read_log())
        # [delivery]: the route now leads to B's second port.
        self.assertEqual(self.relay("via-mx2"), ("mx2", 2))
        # [http]: the old port closed, the new one answers.
        a.wait_line(rb"^listening http 127\.0\.0\.1:%d " % new_port, "for the moved HTTP listener")
        self.assertTrue(refused(old_http), old_http)
        a.http = ("127.0.0.1", new_port)
        self.assertEqual(a.http_get("/healthz")[0], 200)
        # login_penalty_*: the failure before counts with the new delay
        # (two failures: 300 ms doubled, capped at 300 ms).
        self.assertEqual(self.failed_login_penalty(), 300)

        # An [http] port in use refuses the reload: route and port stay.
        taken = socket.socket()
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        self.addCleanup(taken.close)
        p = self.reload_with(self.a_config("mx1", http=dict(port=taken.getsockname()[1])), check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(b"reload refused", p.stderr)
        self.assertEqual(a.http_get("/healthz")[0], 200)
        self.assertEqual(self.relay("still-via-mx2"), ("mx2", 3))


if __name__ == "__main__":
    unittest.main(verbosity=2)
