#!/usr/bin/env python3
"""POP3 listener policies and limits against `mailroom serve`: an IPv6
listener, apop = false, a restricted mechanism list, max_bad_commands,
max_auth_failures, storage errors and the idle timeout."""

import os
import poplib
import socket
import sys
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (NET_TIMEOUT, DOMAIN, RawPop3, Pop3Error, User, expected_wire,  # noqa: E402
                     tls_client_context)
from pop3_helpers import SMALL, pop_lines_to_bytes, scram_auth  # noqa: E402


class Ipv6Test(unittest.TestCase):
    """A listener on ::1 (the listening line shows the host in brackets)."""

    @classmethod
    def setUpClass(cls):
        try:
            s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            s.bind(("::1", 0))
            s.close()
        except OSError:
            raise unittest.SkipTest("no IPv6 loopback")
        cls.srv = harness.standard_server(
            [User("v6@" + DOMAIN, "v6-Pw-66ff", messages=SMALL[:2])],
            listeners=[dict(name="pop3-v6", address="::1", tls="none", plaintext_auth=True)])

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def test_ipv6(self):
        line = [l for l in self.srv.stdout_lines if l.startswith(b"listening pop3-v6 ")][0]
        self.assertRegex(line, rb"^listening pop3-v6 \[::1\]:\d+ tls=none plaintext_auth=yes$")
        c = poplib.POP3("::1", self.srv.port("pop3-v6"), timeout=NET_TIMEOUT)
        try:
            caps = c.capa()
            self.assertNotIn("STLS", caps)
            c.user("v6@" + DOMAIN)
            c.pass_("v6-Pw-66ff")
            self.assertEqual(c.stat()[0], 2)
        finally:
            c.quit()


class PolicyTest(harness.ServerTestCase):
    """Listener options: apop = false, a restricted mechanism list, tls = none
    without plaintext_auth, max_bad_commands, max_auth_failures."""
    USERS = [User("carl@" + DOMAIN, "carl-Legacy-77", legacy=True, messages=SMALL[:1])]
    LISTENERS = [
        dict(name="noapop", tls="none", plaintext_auth=False, apop=False,
             mechanisms=["SCRAM-SHA-256"], max_bad_commands=3, max_auth_failures=2),
    ]

    def test_no_apop_timestamp_and_apop_refused(self):
        c = poplib.POP3(*self.srv.addr("noapop"), timeout=NET_TIMEOUT)
        try:
            self.assertNotRegex(c.getwelcome(), rb"<[^<>]+@[^<>]+>")
            with self.assertRaises(poplib.error_proto):
                c._shortcmd("APOP carl@%s %s" % (DOMAIN, "0" * 32))
        finally:
            c.close()

    def test_capa_restricted(self):
        r = RawPop3(*self.srv.addr("noapop"))
        try:
            caps = [c.decode() for c in r.capa()]
            self.assertNotIn("STLS", caps)
            self.assertNotIn("USER", caps)
            self.assertIn("SASL SCRAM-SHA-256", caps)
            self.assertTrue(r.cmd("AUTH CRAM-MD5").startswith(b"-ERR"))
            self.assertTrue(r.cmd("USER carl@" + DOMAIN).startswith(b"-ERR"))
            r.quit()
        finally:
            r.close()

    def test_too_many_bad_commands_closes(self):
        r = RawPop3(*self.srv.addr("noapop"))
        try:
            closed = False
            for i in range(10):
                try:
                    resp = r.cmd("BOGUS%d" % i)
                except (Pop3Error, OSError):
                    closed = True
                    break
                self.assertTrue(resp.startswith(b"-ERR"), resp)
            self.assertTrue(closed, "connection still open after 10 bad commands (max_bad_commands=3)")
        finally:
            r.close()

    def test_too_many_auth_failures_closes(self):
        r = RawPop3(*self.srv.addr("noapop"))
        try:
            closed = False
            for i in range(6):
                try:
                    resp, _ = scram_auth(r, "sha256", "carl@" + DOMAIN, "wrong-%d" % i, True)
                except (Pop3Error, OSError):
                    closed = True
                    break
                self.assertTrue(resp.startswith(b"-ERR"), resp)
            self.assertTrue(closed, "connection still open after 6 failed logins (max_auth_failures=2)")
        finally:
            r.close()

    def test_scram_works_on_restricted_listener(self):
        r = RawPop3(*self.srv.addr("noapop"))
        try:
            resp, sig_ok = scram_auth(r, "sha256", "carl@" + DOMAIN, "carl-Legacy-77", False)
            self.assertTrue(resp.startswith(b"+OK"), resp)
            self.assertTrue(sig_ok)
            r.quit()
        finally:
            r.close()

ERRU = User("err@" + DOMAIN, "err-Pw-88gg", messages=[harness.msg_big(), harness.msg_crlf()])


class ErrorScenarioTest(harness.ServerTestCase):
    """STYLE.md §9 error scenarios: silence, line too long, drop during RETR,
    TLS failure, connection limits. The server must survive each one."""
    USERS = [ERRU]
    LISTENERS = [
        dict(name="short", tls="starttls", plaintext_auth=True, max_connections_per_ip=3),
        dict(name="tls", tls="implicit"),
        dict(name="main", tls="starttls", plaintext_auth=True),
    ]

    def assert_still_serving(self):
        c = poplib.POP3(*self.srv.addr("main"), timeout=NET_TIMEOUT)
        try:
            self.assertTrue(c.getwelcome().startswith(b"+OK"))
            self.assertIn("TOP", c.capa())
        finally:
            c.quit()

    def wait_closed(self, sock, seconds):
        """Reads until EOF; returns what came, or None if still open."""
        sock.settimeout(0.2)
        got = b""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                data = sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return got
            if not data:
                return got
            got += data
        return None

    def test_line_too_long(self):
        r = RawPop3(*self.srv.addr("main"))
        try:
            r.sock.sendall(b"USER " + b"x" * 20000 + b"\r\n")
            try:
                resp = r.line()
                self.assertTrue(resp.startswith(b"-ERR"), resp)
            except (Pop3Error, OSError):
                pass            # closing the connection is also acceptable
        finally:
            r.close()
        self.assert_still_serving()

    def test_drop_during_retr(self):
        r = RawPop3(*self.srv.addr("main"))
        r.login(ERRU.address, ERRU.password)
        r.ok("DELE 2")
        r.send("RETR 1")
        r._fill()
        r.sock.shutdown(socket.SHUT_RDWR)
        r.close()
        deadline = time.monotonic() + 3
        for _ in range(100):
            c = poplib.POP3(*self.srv.addr("main"), timeout=NET_TIMEOUT)
            try:
                c.user(ERRU.address)
                c.pass_(ERRU.password)
                break
            except poplib.error_proto as e:
                c.close()
                if b"[IN-USE]" not in e.args[0] or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        try:
            self.assertEqual(c.stat()[0], 2, "a dropped session deletes nothing")
            got = sorted(pop_lines_to_bytes(c.retr(n)[1]) for n in (1, 2))
            self.assertEqual(got, sorted(expected_wire(m) for m in ERRU.messages))
        finally:
            c.quit()

    def test_tls_garbage_on_implicit_listener(self):
        s = socket.create_connection(self.srv.addr("tls"), timeout=NET_TIMEOUT)
        try:
            s.sendall(b"USER plain-text-on-a-tls-port\r\n" * 4)
            self.assertIsNotNone(self.wait_closed(s, 8), "server keeps a failed TLS handshake open")
        finally:
            s.close()
        self.assert_still_serving()
        c = poplib.POP3_SSL(*self.srv.addr("tls"), timeout=NET_TIMEOUT, context=tls_client_context())
        c.quit()

    def test_tls_garbage_after_stls(self):
        r = RawPop3(*self.srv.addr("main"))
        try:
            r.ok("STLS")
            r.sock.sendall(b"\x16\x03\x01\x00\x05garbage-not-a-client-hello\r\n")
            self.assertIsNotNone(self.wait_closed(r.sock, 8))
        finally:
            r.close()
        self.assert_still_serving()

    def test_max_connections_per_ip(self):
        socks = []
        try:
            for _ in range(3):
                socks.append(RawPop3(*self.srv.addr("short")))
            s = socket.create_connection(self.srv.addr("short"), timeout=NET_TIMEOUT)
            socks.append(s)
            s.settimeout(NET_TIMEOUT)
            data = b""
            for _ in range(100):
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
                if b"\r\n" in data:
                    break
            self.assertFalse(data.startswith(b"+OK"), "fourth connection accepted with "
                             "max_connections_per_ip = 3: %r" % data)
        finally:
            for x in socks:
                x.close()
        self.assert_still_serving()


class IdleTimeoutTest(harness.ServerTestCase):
    """idle_timeout = 1 s: a silent client is disconnected (RFC 1939 asks
    10 minutes by default; the option exists for tests and small servers)."""
    USERS = [User("idle@" + DOMAIN, "idle-Pw-99hh")]
    LISTENERS = [dict(name="idle", tls="starttls", plaintext_auth=True, idle_timeout=1)]
    wait_closed = ErrorScenarioTest.wait_closed

    def assert_still_serving(self):
        c = poplib.POP3(*self.srv.addr("idle"), timeout=NET_TIMEOUT)
        try:
            self.assertIn("TOP", c.capa())
        finally:
            c.quit()

    def test_idle_timeout(self):
        r = RawPop3(*self.srv.addr("idle"))
        try:
            t0 = time.monotonic()
            rest = self.wait_closed(r.sock, 8)
            self.assertIsNotNone(rest, "still open 8 s after idle_timeout = 1 s")
            self.assertGreaterEqual(time.monotonic() - t0, 0.9)
        finally:
            r.close()
        self.assert_still_serving()


if __name__ == "__main__":
    harness.main()
