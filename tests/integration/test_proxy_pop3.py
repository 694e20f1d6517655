#!/usr/bin/env python3
"""`mailroom proxy pop3` (src/proxy/pop3_relay.cpp, src/proto/pop3/
proxy_front.cpp): Python poplib and fetchmail log in with plain USER/PASS
to the proxy, which logs in upstream to a private Dovecot that accepts only
APOP (no TLS: the capturing relay between proxy and Dovecot must show the
APOP digest and never the password) and to one that accepts only implicit
TLS (the certificate verified against the test's CA), and to mailroom's own
POP3 listener with STLS. Messages are compared byte for byte. Hostile
cases: wrong password (the upstream's -ERR reaches the program), upstream
down, an unverifiable certificate, a flood of bytes, too many connections.
Skipped (77) without Dovecot."""

import getpass
import os
import poplib
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import proxy_dovecot  # noqa: E402
from harness import DOMAIN, NET_TIMEOUT, User  # noqa: E402
from proxy_helpers import CaptureRelay, Proxy  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MDA = os.path.join(HERE, "mda_store.py")
USER, PASSWORD = "alice", "alice-Dove-88k"
MESSAGES = [harness.msg_crlf(), harness.msg_dots(), harness.msg_8bit()]


def start_proxy(test, upstream, tls, auth="auto", ca=None, extra=()):
    args = ["pop3", "--listen", "127.0.0.1:0", "--upstream", upstream, "--upstream-tls", tls,
            "--upstream-auth", auth] + (["--ca", ca] if ca else []) + list(extra)
    p = Proxy(args).start()

    def stop():
        log = p.stop()
        test.assertNotIn(PASSWORD, log, "the password appears in the proxy's log")
        test.proxy_log = log
    test.addCleanup(stop)
    return p


def login(port, user=USER, password=PASSWORD):
    c = poplib.POP3("127.0.0.1", port, timeout=NET_TIMEOUT)
    c.user(user)
    c.pass_(password)
    return c


def retr_all(c):
    out = []
    for n in range(1, c.stat()[0] + 1):
        out.append(b"".join(l + b"\r\n" for l in c.retr(n)[1]))
    return out


def fetchmail(test, port, password=PASSWORD, expect_rc=(0,)):
    work = tempfile.mkdtemp(prefix="proxy-fetchmail-")
    test.addCleanup(shutil.rmtree, work, True)
    os.chmod(work, 0o700)
    out = os.path.join(work, "out")
    os.mkdir(out, 0o700)
    rc = os.path.join(work, "fetchmailrc")
    with open(rc, "w") as f:
        f.write('set no syslog\nset invisible\n'
                'poll 127.0.0.1 proto POP3 port %d auth password uidl timeout 30\n'
                '  user "%s" there with password "%s" is "%s" here\n'
                "  options no rewrite keep sslproto ''\n"
                '  mda "/usr/bin/python3 %s %s"\n' % (port, USER, password, getpass.getuser(), MDA, out))
    os.chmod(rc, 0o600)
    env = dict(os.environ, FETCHMAILHOME=work, HOME=work, LC_ALL="C")
    p = subprocess.run(["fetchmail", "--nosyslog", "--fetchmailrc", rc, "--idfile", os.path.join(work, "ids"),
                        "--pidfile", os.path.join(work, "pid"), "-v"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, timeout=120)
    test.assertIn(p.returncode, expect_rc, p.stdout.decode("utf-8", "replace")[-4000:])
    got = []
    for name in sorted(os.listdir(out)):
        with open(os.path.join(out, name), "rb") as f:
            got.append(f.read())
    return got


class DovecotCase(unittest.TestCase):
    SHAPE = None
    dovecot = None

    @classmethod
    def setUpClass(cls):
        cls.dovecot = proxy_dovecot.Dovecot(cls.SHAPE, [(USER, PASSWORD)])
        for i, m in enumerate(MESSAGES):
            cls.dovecot.deliver(USER, "%d.test:2," % i, m)
        cls.dovecot.start()

    @classmethod
    def tearDownClass(cls):
        if cls.dovecot:
            cls.dovecot.cleanup()

    def assert_messages(self, got, lf=False):
        want = [harness.expected_lf(m) if lf else harness.expected_wire(m) for m in MESSAGES]
        self.assertEqual(sorted(got), sorted(want))


class ApopOnlyDovecotTest(DovecotCase):
    SHAPE = "apop_only"

    def setUp(self):
        self.relay = CaptureRelay("127.0.0.1", self.dovecot.port)
        self.addCleanup(self.relay.close)
        self.proxy = start_proxy(self, "127.0.0.1:%d" % self.relay.port, "none", "apop")

    def test_poplib_user_pass_becomes_apop(self):
        c = login(self.proxy.port)
        self.assert_messages(retr_all(c))
        uidl = c.uidl()[1]
        self.assertEqual(len(uidl), len(MESSAGES))
        c.quit()
        wire = self.relay.upstream_bytes
        self.assertRegex(wire, rb"APOP alice [0-9a-f]{32}\r\n")
        self.assertNotIn(PASSWORD.encode(), wire)
        self.assertNotIn(b"PASS", wire)
        self.proxy.stop()
        self.assertRegex(self.proxy.log_text, r"session from=127\.0\.0\.1 user=alice upstream=127\.0\.0\.1\[127\.0\.0"
                                              r"\.1\]:\d+ tls=\"-\" auth=APOP .* result=(upstream|program)_closed")

    def test_capa_lists_only_what_the_proxy_honours(self):
        c = poplib.POP3("127.0.0.1", self.proxy.port, timeout=NET_TIMEOUT)
        caps = c.capa()
        self.assertIn("USER", caps)
        self.assertIn("UIDL", caps)
        self.assertIn("TOP", caps)
        for absent in ("SASL", "STLS", "AUTH-RESP-CODE"):
            self.assertNotIn(absent, caps)
        self.assertNotIn(b"<", c.getwelcome())  # no APOP timestamp toward the program
        c.quit()

    @unittest.skipUnless(shutil.which("fetchmail"), "fetchmail is not installed")
    def test_fetchmail(self):
        self.assert_messages(fetchmail(self, self.proxy.port), lf=True)
        self.assertNotIn(PASSWORD.encode(), self.relay.upstream_bytes)

    def test_wrong_password_gets_the_upstream_verdict(self):
        c = poplib.POP3("127.0.0.1", self.proxy.port, timeout=NET_TIMEOUT)
        c.user(USER)
        with self.assertRaises(poplib.error_proto) as e:
            c.pass_("wrong-password")
        self.assertIn(b"-ERR [AUTH]", e.exception.args[0])
        # The program may try again on the same connection.
        c.user(USER)
        c.pass_(PASSWORD)
        self.assertEqual(c.stat()[0], len(MESSAGES))
        c.quit()


class TlsOnlyDovecotTest(DovecotCase):
    SHAPE = "tls_only"

    def test_poplib_and_fetchmail_through_implicit_tls(self):
        relay = CaptureRelay("127.0.0.1", self.dovecot.port)
        self.addCleanup(relay.close)
        p = start_proxy(self, "localhost:%d" % relay.port, "implicit", ca=self.dovecot.cert)
        c = login(p.port)
        self.assert_messages(retr_all(c))
        c.quit()
        if shutil.which("fetchmail"):
            self.assert_messages(fetchmail(self, p.port), lf=True)
        wire = relay.upstream_bytes
        self.assertNotIn(PASSWORD.encode(), wire)
        self.assertNotIn(b"USER", wire)
        p.stop()
        self.assertRegex(self.proxy_log if hasattr(self, "proxy_log") else p.log_text,
                         r"tls=\"TLSv1\.[23] \S+ verified=yes\" auth=(PLAIN|USER)")

    def test_unverifiable_certificate(self):
        p = start_proxy(self, "localhost:%d" % self.dovecot.port, "implicit")  # no --ca: not trusted
        c = poplib.POP3("127.0.0.1", p.port, timeout=NET_TIMEOUT)
        c.user(USER)
        with self.assertRaises(poplib.error_proto) as e:
            c.pass_(PASSWORD)
        self.assertIn(b"-ERR [SYS/TEMP]", e.exception.args[0])

    def test_cleartext_to_a_tls_port_fails_cleanly(self):
        p = start_proxy(self, "127.0.0.1:%d" % self.dovecot.port, "none", "apop", extra=["--upstream-timeout", "3"])
        c = poplib.POP3("127.0.0.1", p.port, timeout=NET_TIMEOUT)
        c.user(USER)
        with self.assertRaises(poplib.error_proto) as e:
            c.pass_(PASSWORD)
        self.assertIn(b"-ERR [SYS/TEMP]", e.exception.args[0])


class MailroomUpstreamTest(harness.ServerTestCase):
    ALICE = User("alice@" + DOMAIN, PASSWORD, messages=MESSAGES)
    USERS = [ALICE]
    LISTENERS = [dict(name="pop3", tls="starttls", plaintext_auth=False)]

    def cert_path(self):
        tls_dir = os.path.join(self.srv.data_dir, "tls")
        return os.path.join(tls_dir, [f for f in os.listdir(tls_dir) if f.endswith(".pem") and "key" not in f][0])

    def test_stls_upstream_and_hostile_program(self):
        p = start_proxy(self, "localhost:%d" % self.srv.port("pop3"), "starttls", ca=self.cert_path(),
                        extra=["--max-connections-per-ip", "2"])
        c = login(p.port, self.ALICE.address)
        got = retr_all(c)
        self.assertEqual(sorted(got), sorted(harness.expected_wire(m) for m in MESSAGES))
        c.quit()
        # A line that never ends: -ERR, then the connection is closed.
        s = socket.create_connection(("127.0.0.1", p.port), timeout=NET_TIMEOUT)
        s.recv(512)
        try:
            for _ in range(64):
                s.sendall(b"Y" * 16384)
        except OSError:
            pass
        got = b""
        try:
            while len(got) < 65536:
                chunk = s.recv(4096)
                if not chunk:
                    break
                got += chunk
        except OSError:
            pass
        s.close()
        self.assertIn(b"-ERR", got)
        held = [socket.create_connection(("127.0.0.1", p.port), timeout=NET_TIMEOUT) for _ in range(2)]
        for h in held:
            self.assertTrue(h.recv(512).startswith(b"+OK"))
        third = socket.create_connection(("127.0.0.1", p.port), timeout=NET_TIMEOUT)
        self.assertTrue(third.recv(512).startswith(b"-ERR [SYS/TEMP]"))
        for h in held + [third]:
            h.close()

    def test_upstream_down(self):
        p = start_proxy(self, "127.0.0.1:%d" % harness.closed_port(), "starttls")
        c = poplib.POP3("127.0.0.1", p.port, timeout=NET_TIMEOUT)
        c.user(self.ALICE.address)
        with self.assertRaises(poplib.error_proto) as e:
            c.pass_(PASSWORD)
        self.assertIn(b"-ERR [SYS/TEMP]", e.exception.args[0])


if __name__ == "__main__":
    if not proxy_dovecot.available():
        print("dovecot-core / dovecot-pop3d not installed: skipped")
        sys.exit(77)
    unittest.main(verbosity=2)
