#!/usr/bin/env python3
"""The SMTP and server defects of issue #12 against `mailroom serve`: a
cleartext AUTH does not survive STARTTLS; the TLS handshake has its own
short deadline (implicit TLS and STLS), so stalled handshakes free their
slots; connection_limit_exceptions (default: trusted_networks) lift the
per-address limit; failed logins are penalised per address across
connections and protocols without slowing the real user elsewhere, and
logged in the format docs/fail2ban.md's filter matches.
Other loopback addresses (127.0.0.2, ...) stand for other clients."""

import base64
import os
import re
import smtplib
import socket
import ssl
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DOMAIN, NET_TIMEOUT, User, tls_client_context  # noqa: E402

ALICE = User("alice@" + DOMAIN, "alice-Sec-19q")
FAR = "someone@far.example"
DOCS = os.path.join(harness.REPO, "docs", "fail2ban.md")


def plain_ir(user):
    return base64.b64encode(b"\0" + user.address.encode() + b"\0" + user.password.encode()).decode()


def connect_from(addr, source, timeout=NET_TIMEOUT):
    s = socket.create_connection(addr, timeout=timeout, source_address=(source, 0))
    s.settimeout(timeout)
    return s


def read_line(sock, limit=4096):
    buf = b""
    while not buf.endswith(b"\r\n") and len(buf) < limit:
        chunk = sock.recv(1)
        if not chunk:
            break
        buf += chunk
    return buf


def closed_within(sock, seconds):
    """True if the server closes SOCK (EOF or reset) within SECONDS."""
    sock.settimeout(0.2)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            if sock.recv(4096) == b"":
                return True
        except socket.timeout:
            continue
        except (ConnectionResetError, OSError):
            return True
    return False


def pop3_login_from(addr, source, user, password):
    """USER/PASS from SOURCE; (reply line, seconds the PASS reply took)."""
    s = connect_from(addr, source)
    try:
        assert read_line(s).startswith(b"+OK")
        s.sendall(b"USER " + user.encode() + b"\r\n")
        assert read_line(s).startswith(b"+OK")
        t0 = time.monotonic()
        s.sendall(b"PASS " + password.encode() + b"\r\n")
        reply = read_line(s)
        took = time.monotonic() - t0
        s.sendall(b"QUIT\r\n")
        read_line(s)
        return reply, took
    finally:
        s.close()


class StartTlsForgetsAuthTest(harness.ServerTestCase):
    """AUTH PLAIN in cleartext -> STARTTLS -> EHLO -> MAIL -> RCPT remote:
    refused, because TLS starts a new session (RFC 3207 §4.2)."""
    USERS = [ALICE]
    LISTENERS = [
        dict(name="smtp", service="smtp", tls="starttls", plaintext_auth=True),
        dict(name="submission", service="submission", tls="starttls", plaintext_auth=True),
    ]

    def authed_then_tls(self, listener):
        s = smtplib.SMTP(*self.srv.addr(listener), timeout=NET_TIMEOUT)
        s.ehlo("laptop")
        code, _ = s.docmd("AUTH", "PLAIN " + plain_ir(ALICE))
        self.assertEqual(code, 235)
        code, _ = s.starttls(context=tls_client_context())
        self.assertEqual(code, 220)
        s.ehlo("laptop")
        self.assertTrue(s.has_extn("auth"), "AUTH must be offered again after STARTTLS")
        return s

    def test_mx_relay_refused_after_starttls(self):
        with self.authed_then_tls("smtp") as s:
            self.assertEqual(s.mail(ALICE.address)[0], 250)
            code, text = s.rcpt(FAR)
            self.assertEqual((code, text[:5]), (554, b"5.7.1"))
            s.rset()
            # A new AUTH inside TLS does let the user relay.
            self.assertEqual(s.docmd("AUTH", "PLAIN " + plain_ir(ALICE))[0], 235)
            self.assertEqual(s.mail(ALICE.address)[0], 250)
            self.assertEqual(s.rcpt(FAR)[0], 250)

    def test_submission_needs_auth_again_after_starttls(self):
        with self.authed_then_tls("submission") as s:
            code, text = s.mail(ALICE.address)
            self.assertEqual((code, text[:5]), (530, b"5.7.0"))
            self.assertEqual(s.docmd("AUTH", "PLAIN " + plain_ir(ALICE))[0], 235)
            self.assertEqual(s.mail(ALICE.address)[0], 250)
            self.assertEqual(s.rcpt(FAR)[0], 250)


class HandshakeDeadlineTest(harness.ServerTestCase):
    """Half-sent ClientHellos are dropped after tls_handshake_timeout, not
    after idle_timeout: the address's slots come back for the next client."""
    USERS = [ALICE]
    LISTENERS = [
        dict(name="pop3s", tls="implicit", tls_handshake_timeout=1, idle_timeout=120, max_connections_per_ip=3),
        dict(name="pop3", tls="starttls", tls_handshake_timeout=1, idle_timeout=120),
        dict(name="smtp", service="smtp", tls="starttls", tls_handshake_timeout=1, idle_timeout=120),
    ]
    # A TLS record header announcing 200 bytes of handshake, and 2 of them.
    HALF_HELLO = b"\x16\x03\x01\x00\xc8\x01\x00"

    def test_implicit_tls_stalled_handshakes_free_their_slots(self):
        addr = self.srv.addr("pop3s")
        stalled = [connect_from(addr, "127.0.0.1") for _ in range(3)]
        try:
            for s in stalled:
                s.sendall(self.HALF_HELLO)
            t0 = time.monotonic()
            for s in stalled:
                self.assertTrue(closed_within(s, 5), "a stalled handshake was kept past its deadline")
            self.assertLess(time.monotonic() - t0, 5)
        finally:
            for s in stalled:
                s.close()
        # The address's three slots are free again: a real client gets in.
        deadline = time.monotonic() + 5
        while True:
            try:
                c = harness.RawPop3(*addr, implicit_tls=True)
                break
            except (ssl.SSLError, OSError, harness.Pop3Error):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.assertTrue(c.greeting.startswith(b"+OK"))
        c.sock.close()
        self.assertRegex(self.srv.read_log(), r"tls failed ip=127\.0\.0\.1 reason=timeout")

    def test_stls_and_starttls_handshakes_have_the_deadline(self):
        s = connect_from(self.srv.addr("pop3"), "127.0.0.1")
        try:
            self.assertTrue(read_line(s).startswith(b"+OK"))
            s.sendall(b"STLS\r\n")
            self.assertTrue(read_line(s).startswith(b"+OK"))
            s.sendall(self.HALF_HELLO)
            self.assertTrue(closed_within(s, 5), "STLS handshake not bounded")
        finally:
            s.close()
        s = connect_from(self.srv.addr("smtp"), "127.0.0.1")
        try:
            self.assertTrue(read_line(s).startswith(b"220"))
            s.sendall(b"EHLO c\r\n")
            while not read_line(s).startswith(b"250 "):
                pass
            s.sendall(b"STARTTLS\r\n")
            self.assertTrue(read_line(s).startswith(b"220"))
            self.assertTrue(closed_within(s, 5), "STARTTLS handshake not bounded")
        finally:
            s.close()


class LimitExceptionsTest(harness.ServerTestCase):
    """connection_limit_exceptions: those addresses are free of
    max_connections_per_ip; everyone else is not."""
    LISTENERS = [dict(name="pop3", tls="starttls", max_connections=20, max_connections_per_ip=2)]
    EXTRA_CONFIG = dict(connection_limit_exceptions=["127.0.0.2/32"], trusted_networks=["127.0.0.3/32"])
    EXEMPT = "127.0.0.2"
    NOT_EXEMPT = ("127.0.0.1", "127.0.0.3")  # explicit exceptions replace the trusted default

    def greetings(self, source, n):
        socks = [connect_from(self.srv.addr("pop3"), source) for _ in range(n)]
        try:
            return [read_line(s) for s in socks]
        finally:
            for s in socks:
                s.close()

    def test_exempt_address_passes_the_per_address_limit(self):
        for source in self.NOT_EXEMPT:
            got = self.greetings(source, 3)
            self.assertTrue(got[0].startswith(b"+OK") and got[1].startswith(b"+OK"), got)
            self.assertTrue(got[2].startswith(b"-ERR [SYS/TEMP]"), (source, got))
            time.sleep(0.3)  # the slots are given back once the server sees the closes
        got = self.greetings(self.EXEMPT, 6)
        self.assertTrue(all(g.startswith(b"+OK") for g in got), got)


class LimitExceptionsDefaultTest(LimitExceptionsTest):
    """Without connection_limit_exceptions, trusted_networks are exempt
    (Postfix: smtpd_client_event_limit_exceptions = $mynetworks)."""
    EXTRA_CONFIG = dict(trusted_networks=["127.0.0.3/32"])
    EXEMPT = "127.0.0.3"
    NOT_EXEMPT = ("127.0.0.1",)


class LoginPenaltyTest(harness.ServerTestCase):
    """Guessing from one address slows every later login from it, over any
    connection and protocol; the real user on another address is not slowed."""
    USERS = [ALICE]
    NO_DELAY = dict(auth_failure_delay_ms=0, max_auth_failure_delay_ms=0)
    LISTENERS = [
        dict(name="pop3-plain", tls="starttls", plaintext_auth=True, **NO_DELAY),
        dict(name="submission-plain", service="submission", tls="none", plaintext_auth=True, **NO_DELAY),
    ]
    EXTRA_CONFIG = dict(login_penalty_delay_ms=400, login_penalty_max_delay_ms=1600, login_penalty_decay=3600)
    SECRETS_NOT_LOGGED = ("guess-1", "guess-2", "guess-3", "guess-4")

    def smtp_auth_from(self, source):
        with smtplib.SMTP(*self.srv.addr("submission-plain"), timeout=NET_TIMEOUT,
                          source_address=(source, 0)) as s:
            s.ehlo("c")
            t0 = time.monotonic()
            code, _ = s.docmd("AUTH", "PLAIN " + plain_ir(ALICE))
            return code, time.monotonic() - t0

    def test_brute_force_slowed_real_user_elsewhere_not(self):
        pop3 = self.srv.addr("pop3-plain")
        took = []
        for guess in self.SECRETS_NOT_LOGGED:  # each on a new connection
            reply, t = pop3_login_from(pop3, "127.0.0.1", ALICE.address, guess)
            self.assertTrue(reply.startswith(b"-ERR"), reply)
            took.append(t)
        # Penalty before attempt k: 0, 0.4, 0.8, 1.6 s.
        self.assertLess(took[0], 0.35, took)
        self.assertGreaterEqual(took[1], 0.35, took)
        self.assertGreaterEqual(took[3], 1.5, took)
        # The same address over SMTP waits too, even with the right password.
        code, t = self.smtp_auth_from("127.0.0.1")
        self.assertEqual(code, 235)
        self.assertGreaterEqual(t, 1.5)
        # The real user elsewhere logs in at once, over both protocols.
        reply, t = pop3_login_from(pop3, "127.0.0.2", ALICE.address, ALICE.password)
        self.assertTrue(reply.startswith(b"+OK"), reply)
        self.assertLess(t, 0.35)
        code, t = self.smtp_auth_from("127.0.0.2")
        self.assertEqual(code, 235)
        self.assertLess(t, 0.35)

        # The documented fail2ban filter matches exactly the four failures.
        with open(DOCS) as f:
            failregex = re.search(r"^failregex = (.*)$", f.read(), re.M).group(1)
        host = re.compile(failregex.replace("<HOST>", r"(?P<host>[0-9A-Fa-f:.]+)"))
        hosts = []
        for line in self.srv.read_log().splitlines():
            m = host.match(line.split(" ", 1)[1] if " " in line else line)  # the date cut, as fail2ban does
            if m:
                hosts.append(m.group("host"))
        self.assertEqual(hosts, ["127.0.0.1"] * 4, "fail2ban's failregex against the log")


class LoginPenaltyLeftoversTest(harness.ServerTestCase):
    """A successful login forgets its address's penalty; exempt networks
    (connection_limit_exceptions) are never slowed; a failed login logs one
    line at the default levels, login_guard's stable one."""
    USERS = [ALICE]
    NO_DELAY = dict(auth_failure_delay_ms=0, max_auth_failure_delay_ms=0)
    LISTENERS = [dict(name="pop3-plain", tls="starttls", plaintext_auth=True, **NO_DELAY)]
    EXTRA_CONFIG = dict(login_penalty_delay_ms=400, login_penalty_max_delay_ms=1600, login_penalty_decay=3600,
                        connection_limit_exceptions=["127.0.0.5/32"])
    SECRETS_NOT_LOGGED = ("guess-a", "guess-b", "guess-c", "guess-x")

    def test_success_resets_the_penalty(self):
        pop3 = self.srv.addr("pop3-plain")
        _, t0 = pop3_login_from(pop3, "127.0.0.4", ALICE.address, "guess-a")
        _, t1 = pop3_login_from(pop3, "127.0.0.4", ALICE.address, "guess-b")
        self.assertLess(t0, 0.35)
        self.assertGreaterEqual(t1, 0.35)
        # The real user from the same address (a NAT) waits this once...
        reply, t = pop3_login_from(pop3, "127.0.0.4", ALICE.address, ALICE.password)
        self.assertTrue(reply.startswith(b"+OK"), reply)
        self.assertGreaterEqual(t, 0.75)
        # ...and then the address starts from nothing: no wait, then 0.4 s.
        reply, t = pop3_login_from(pop3, "127.0.0.4", ALICE.address, "guess-c")
        self.assertTrue(reply.startswith(b"-ERR"), reply)
        self.assertLess(t, 0.35)
        reply, t = pop3_login_from(pop3, "127.0.0.4", ALICE.address, ALICE.password)
        self.assertTrue(reply.startswith(b"+OK"), reply)
        self.assertGreaterEqual(t, 0.35)
        self.assertLess(t, 0.75)

    def test_exempt_network_is_not_penalised_but_logged(self):
        pop3 = self.srv.addr("pop3-plain")
        for _ in range(4):
            reply, t = pop3_login_from(pop3, "127.0.0.5", ALICE.address, "guess-x")
            self.assertTrue(reply.startswith(b"-ERR"), reply)
            self.assertLess(t, 0.35)
        stable = [ln for ln in self.srv.read_log().splitlines()
                  if re.search(r" warning [A-Z][0-9a-f]+ login failure penalty_ms=0 ip=127\.0\.0\.5$", ln)]
        self.assertEqual(len(stable), 4, stable)

    def test_one_line_per_failure_above_debug(self):
        pop3 = self.srv.addr("pop3-plain")
        pop3_login_from(pop3, "127.0.0.6", ALICE.address, "guess-x")
        log = self.srv.read_log().splitlines()
        ids = {m.group(1) for ln in log for m in [re.search(r" ([A-Z][0-9a-f]+) connect .*ip=127\.0\.0\.6 ", ln)] if m}
        self.assertEqual(len(ids), 1, ids)
        sid = ids.pop()
        about = [ln for ln in log if f" {sid} login" in ln]
        shown = [ln for ln in about if " debug " not in ln]
        self.assertEqual(len(shown), 1, about)
        self.assertRegex(shown[0], r" warning [A-Z][0-9a-f]+ login failure penalty_ms=\d+ ip=127\.0\.0\.6$")
        # The user name tried stays in the debug line.
        self.assertTrue(any(" debug " in ln and "login failed user=" + ALICE.address in ln for ln in about), about)


if __name__ == "__main__":
    harness.main()
