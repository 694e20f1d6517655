#!/usr/bin/env python3
"""POP3 against `mailroom serve` with Python's poplib and a raw socket client:
USER/PASS, APOP, STLS, implicit TLS, SASL (PLAIN, LOGIN, CRAM-MD5, SCRAM),
CAPA per state and policy, TOP/UIDL/LIST/STAT, RSET, DELE, [IN-USE], failed
logins. Content is compared byte for byte with what was injected."""

import hashlib
import hmac
import os
import poplib
import re
import socket
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (NET_TIMEOUT, DOMAIN, HOSTNAME, RawPop3, User, b64, dot_stuff,  # noqa: E402
                     expected_top, expected_wire, tls_client_context)
from pop3_helpers import SMALL, connect, login, pop_lines_to_bytes, scram_auth, sorted_bytes  # noqa: E402

STD = harness.standard_messages()

ALICE = User("alice@" + DOMAIN, "alice-Pw-9f2e", messages=STD)
BOB = User("bob@" + DOMAIN, "bob-Legacy-4k1", legacy=True, messages=SMALL)
RSETU = User("rset@" + DOMAIN, "rset-Pw-11aa", messages=SMALL)
DELEU = User("dele@" + DOMAIN, "dele-Pw-22bb", messages=SMALL)
DROPU = User("drop@" + DOMAIN, "drop-Pw-33cc", messages=SMALL)
INUSE = User("inuse@" + DOMAIN, "inuse-Pw-44dd", messages=SMALL[:1])
EMPTY = User("empty@" + DOMAIN, "empty-Pw-55ee")


class Pop3Test(harness.ServerTestCase):
    USERS = [ALICE, BOB, RSETU, DELEU, DROPU, INUSE, EMPTY]

    # ------------------------------------------------------------ helpers
    def assert_maildrop(self, c, messages):
        """STAT, LIST and RETR of every message against `messages` (any order)."""
        expected = [expected_wire(m) for m in messages]
        count, total = c.stat()
        self.assertEqual(count, len(expected))
        self.assertEqual(total, sum(len(e) for e in expected))
        resp, listing, _ = c.list()
        self.assertTrue(resp.startswith(b"+OK"), resp)
        sizes = {}
        for entry in listing:
            n, size = entry.split()
            sizes[int(n)] = int(size)
        self.assertEqual(sorted(sizes), list(range(1, len(expected) + 1)))
        got = []
        for n in range(1, len(expected) + 1):
            resp, lines, _ = c.retr(n)
            self.assertTrue(resp.startswith(b"+OK"), resp)
            body = pop_lines_to_bytes(lines)
            self.assertEqual(len(body), sizes[n], "LIST size of message %d" % n)
            single = c.list(n)
            self.assertEqual(single, b"+OK %d %d" % (n, sizes[n]))
            got.append(body)
        self.assertEqual(len(got), len(expected))
        for g in got:
            self.assertIn(g, expected, "retrieved message not among the injected ones: %r" % g[:200])
        self.assertEqual(sorted_bytes(got), sorted_bytes(expected))
        return got

    # ------------------------------------------------------------ listeners
    def test_listening_lines(self):
        ls = self.srv.listeners
        self.assertEqual(set(ls), {"pop3", "pop3-plain", "pop3s"})
        self.assertEqual((ls["pop3"].tls, ls["pop3"].plaintext_auth), ("starttls", False))
        self.assertEqual((ls["pop3-plain"].tls, ls["pop3-plain"].plaintext_auth), ("starttls", True))
        self.assertEqual(ls["pop3s"].tls, "implicit")
        for l in ls.values():
            self.assertEqual(l.host, "127.0.0.1")
            self.assertNotEqual(l.port, 0)
        self.assertEqual(self.srv.pid, self.srv.proc.pid)

    def test_greeting_has_apop_timestamp(self):
        c = connect(self.srv, "pop3")
        try:
            g = c.getwelcome()
            self.assertTrue(g.startswith(b"+OK"), g)
            m = re.search(rb"<[\x21-\x7e]+@([\x21-\x3d\x3f-\x7e]+)>", g)
            self.assertIsNotNone(m, g)
            self.assertEqual(m.group(1).decode(), HOSTNAME, "APOP timestamp host = configured hostname")
        finally:
            c.quit()
        # A new timestamp for every connection (RFC 1939 §7).
        c2 = connect(self.srv, "pop3")
        try:
            self.assertNotEqual(c2.getwelcome(), g)
        finally:
            c2.quit()

    # ------------------------------------------------------------ USER/PASS
    def test_user_pass_plaintext_listener_content(self):
        c = login(self.srv, ALICE, "pop3-plain")
        try:
            self.assert_maildrop(c, STD)
        finally:
            self.assertTrue(c.quit().startswith(b"+OK"))

    def test_user_refused_on_default_cleartext_listener(self):
        c = connect(self.srv, "pop3")
        try:
            with self.assertRaises(poplib.error_proto) as cm:
                c.user(ALICE.address)
                c.pass_(ALICE.password)
            self.assertIn("Plaintext authentication disallowed", str(cm.exception))
            self.assertTrue(str(cm.exception).startswith("b'-ERR"), str(cm.exception))
        finally:
            c.quit()

    def test_user_accepted_after_stls(self):
        c = connect(self.srv, "pop3")
        try:
            resp = c.stls(context=tls_client_context())
            self.assertTrue(resp.startswith(b"+OK"), resp)
            c.user(ALICE.address)
            c.pass_(ALICE.password)
            self.assert_maildrop(c, STD)
        finally:
            c.quit()

    def test_pop3_ssl_implicit_listener(self):
        c = login(self.srv, ALICE, "pop3s")
        try:
            self.assertIsNotNone(c.sock.version() if hasattr(c.sock, "version") else "tls")
            self.assert_maildrop(c, STD)
        finally:
            c.quit()

    def test_raw_retr_is_dot_stuffed_crlf(self):
        """The exact octets on the wire: CRLF line ends, dot-stuffing, and the
        LIST size equal to the un-stuffed CRLF octets."""
        r = RawPop3(*self.srv.addr("pop3-plain"))
        try:
            r.login(ALICE.address, ALICE.password)
            stat = r.ok("STAT").split()
            self.assertEqual(int(stat[1]), len(STD))
            expected = {expected_wire(m): dot_stuff(expected_wire(m)) for m in STD}
            seen = []
            for n in range(1, len(STD) + 1):
                size = int(r.ok("LIST %d" % n).split()[2])
                raw = r.retr_raw(n)
                match = [w for w, s in expected.items() if s == raw]
                self.assertEqual(len(match), 1, "message %d on the wire matches no injected "
                                 "message byte for byte: %r" % (n, raw[:300]))
                self.assertEqual(size, len(match[0]))
                seen.append(match[0])
            self.assertEqual(sorted(seen), sorted(expected))
            self.assertTrue(r.quit().startswith(b"+OK"))
        finally:
            r.close()

    # ------------------------------------------------------------ TOP, UIDL
    def test_top(self):
        c = login(self.srv, ALICE)
        try:
            by_size = {}
            for entry in c.list()[1]:
                n, size = entry.split()
                by_size.setdefault(int(size), []).append(int(n))
            for m in STD:
                size = len(expected_wire(m))
                self.assertIn(size, by_size)
                n = by_size[size][0]
                for lines in (0, 1, 3, 100000):
                    resp, got, _ = c.top(n, lines)
                    self.assertTrue(resp.startswith(b"+OK"), resp)
                    self.assertEqual(pop_lines_to_bytes(got), expected_top(m, lines),
                                     "TOP %d %d" % (n, lines))
            with self.assertRaises(poplib.error_proto):
                c.top(len(STD) + 1, 0)
        finally:
            c.quit()

    def test_uidl_unique_and_stable(self):
        def uidls():
            c = login(self.srv, ALICE)
            try:
                resp, lines, _ = c.uidl()
                self.assertTrue(resp.startswith(b"+OK"))
                table = {}
                for l in lines:
                    n, uid = l.split()
                    table[int(n)] = uid
                    self.assertRegex(uid, rb"^[\x21-\x7e]{1,70}$")
                    self.assertEqual(c.uidl(int(n)), b"+OK " + l)
                sizes = {int(e.split()[0]): int(e.split()[1]) for e in c.list()[1]}
                return table, sizes
            finally:
                c.quit()
        first, sizes1 = uidls()
        second, sizes2 = uidls()
        self.assertEqual(sorted(first), list(range(1, len(STD) + 1)))
        self.assertEqual(len(set(first.values())), len(STD), "UIDs must be unique")
        self.assertEqual({first[n]: sizes1[n] for n in first}, {second[n]: sizes2[n] for n in second},
                         "UIDs must be stable across sessions")

    # ------------------------------------------------------------ RSET, DELE
    def test_rset_undeletes(self):
        c = login(self.srv, RSETU)
        try:
            c.dele(1)
            c.dele(2)
            self.assertEqual(c.stat()[0], len(SMALL) - 2)
            with self.assertRaises(poplib.error_proto):
                c.retr(1)          # deleted messages cannot be read
            with self.assertRaises(poplib.error_proto):
                c.dele(1)          # nor deleted twice
            self.assertTrue(c.rset().startswith(b"+OK"))
            self.assertEqual(c.stat()[0], len(SMALL))
        finally:
            self.assertTrue(c.quit().startswith(b"+OK"))
        c = login(self.srv, RSETU)
        try:
            self.assert_maildrop(c, SMALL)
        finally:
            c.quit()

    def test_dele_then_quit_removes(self):
        c = login(self.srv, DELEU)
        try:
            uids = {int(l.split()[0]): l.split()[1] for l in c.uidl()[1]}
            bodies = {n: pop_lines_to_bytes(c.retr(n)[1]) for n in uids}
            self.assertTrue(c.dele(2).startswith(b"+OK"))
        finally:
            self.assertTrue(c.quit().startswith(b"+OK"))
        c = login(self.srv, DELEU)
        try:
            remaining = [bodies[1], bodies[3]]
            got = self.assert_maildrop(c, [b.replace(b"\r\n", b"\n") for b in remaining])
            self.assertNotIn(bodies[2], got)
            new_uids = sorted(l.split()[1] for l in c.uidl()[1])
            self.assertEqual(new_uids, sorted([uids[1], uids[3]]))
        finally:
            c.quit()

    def test_dele_then_dropped_connection_deletes_nothing(self):
        r = RawPop3(*self.srv.addr("pop3-plain"))
        r.login(DROPU.address, DROPU.password)
        r.ok("DELE 1")
        r.ok("DELE 2")
        r.sock.shutdown(socket.SHUT_RDWR)
        r.close()
        c = self._login_retrying_in_use(DROPU)
        try:
            self.assert_maildrop(c, SMALL)
        finally:
            c.quit()

    def _login_retrying_in_use(self, user, name="pop3-plain"):
        """The server notices a dropped peer asynchronously: allow it 3 s."""
        deadline = time.monotonic() + 3
        for _ in range(100):
            c = connect(self.srv, name)
            try:
                c.user(user.address)
                c.pass_(user.password)
                return c
            except poplib.error_proto as e:
                c.close()
                if b"[IN-USE]" not in e.args[0] or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        raise AssertionError("unreachable")

    def test_in_use(self):
        first = login(self.srv, INUSE)
        try:
            second = connect(self.srv, "pop3-plain")
            try:
                second.user(INUSE.address)
                with self.assertRaises(poplib.error_proto) as cm:
                    second.pass_(INUSE.password)
                self.assertTrue(cm.exception.args[0].startswith(b"-ERR [IN-USE]"), cm.exception.args[0])
            finally:
                second.close()
            self.assertEqual(first.stat()[0], 1)   # the first session is unharmed
        finally:
            first.quit()
        again = self._login_retrying_in_use(INUSE)
        again.quit()

    def test_empty_maildrop(self):
        c = login(self.srv, EMPTY)
        try:
            self.assertEqual(c.stat(), (0, 0))
            self.assertEqual(c.list()[1], [])
            self.assertEqual(c.uidl()[1], [])
            with self.assertRaises(poplib.error_proto):
                c.retr(1)
        finally:
            c.quit()

    # ------------------------------------------------------------ failures
    def _failed_pass(self, address, password):
        c = connect(self.srv, "pop3-plain")
        try:
            c.user(address)
            t0 = time.monotonic()
            with self.assertRaises(poplib.error_proto) as cm:
                c.pass_(password)
            elapsed = time.monotonic() - t0
            return cm.exception.args[0], elapsed
        finally:
            c.close()

    def test_wrong_password_and_unknown_user(self):
        # USER for an unknown user must not reveal anything.
        c = connect(self.srv, "pop3-plain")
        try:
            self.assertTrue(c.user("nobody@" + DOMAIN).startswith(b"+OK"))
        finally:
            c.close()
        wrong, t_wrong = self._failed_pass(ALICE.address, "not-the-password")
        unknown, t_unknown = self._failed_pass("nobody@" + DOMAIN, "not-the-password")
        self.assertTrue(wrong.startswith(b"-ERR"), wrong)
        self.assertEqual(wrong, unknown, "the same reply for a wrong password and an unknown user")
        self.assertGreaterEqual(t_wrong, 0.045, "failed login must be delayed (50 ms configured)")
        self.assertGreaterEqual(t_unknown, 0.045, "failed login must be delayed (50 ms configured)")
        # The right password still works afterwards.
        c = login(self.srv, ALICE)
        c.quit()

    def test_apop(self):
        c = connect(self.srv, "pop3")
        try:
            resp = c.apop(BOB.address, BOB.password)
            self.assertTrue(resp.startswith(b"+OK"), resp)
            self.assert_maildrop(c, SMALL)
        finally:
            c.quit()

    def test_apop_fails_without_legacy_secret(self):
        c = connect(self.srv, "pop3")
        try:
            with self.assertRaises(poplib.error_proto):
                c.apop(ALICE.address, ALICE.password)
        finally:
            c.close()
        c = connect(self.srv, "pop3")
        try:
            with self.assertRaises(poplib.error_proto):
                c.apop(BOB.address, "wrong-password")
        finally:
            c.close()

    # ------------------------------------------------------------ CAPA
    def capa(self, name, stls=False, login_as=None):
        r = RawPop3(*self.srv.addr(name), implicit_tls=(self.srv.listeners[name].tls == "implicit"))
        try:
            if stls:
                r.stls()
            if login_as:
                r.login(login_as.address, login_as.password)
            caps = r.capa()
            self.assertTrue(r.quit().startswith(b"+OK"))
        finally:
            r.close()
        table = {}
        for c in caps:
            parts = c.decode().split()
            self.assertNotIn(parts[0].upper(), table, "capability listed twice: %r" % caps)
            table[parts[0].upper()] = parts[1:]
        return table

    def assert_common_caps(self, caps):
        for cap in ("TOP", "UIDL", "RESP-CODES"):
            self.assertIn(cap, caps)

    def test_capa_default_listener_before_stls(self):
        caps = self.capa("pop3")
        self.assert_common_caps(caps)
        self.assertIn("STLS", caps)
        self.assertNotIn("USER", caps)
        self.assertIn("SASL", caps)
        mechs = set(caps["SASL"])
        self.assertFalse(mechs & {"PLAIN", "LOGIN"}, mechs)
        self.assertEqual(mechs, {"CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"})

    def test_capa_default_listener_after_stls(self):
        caps = self.capa("pop3", stls=True)
        self.assert_common_caps(caps)
        self.assertNotIn("STLS", caps)
        self.assertIn("USER", caps)
        self.assertEqual(set(caps["SASL"]), {"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"})

    def test_capa_plaintext_listener(self):
        caps = self.capa("pop3-plain")
        self.assert_common_caps(caps)
        self.assertIn("STLS", caps)
        self.assertIn("USER", caps)
        self.assertEqual(set(caps["SASL"]), {"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"})

    def test_capa_implicit_listener(self):
        caps = self.capa("pop3s")
        self.assert_common_caps(caps)
        self.assertNotIn("STLS", caps)
        self.assertIn("USER", caps)
        self.assertIn("PLAIN", caps["SASL"])

    def test_capa_transaction_state(self):
        caps = self.capa("pop3-plain", login_as=ALICE)
        # RFC 2449 §5 asks AUTHORIZATION-state capabilities to be announced in
        # both states, so only the TRANSACTION capabilities are checked here.
        self.assert_common_caps(caps)

    def test_stls_refused_after_tls_and_pipelined_cleartext_discarded(self):
        r = RawPop3(*self.srv.addr("pop3"))
        try:
            # Cleartext pipelined behind STLS must be discarded, never executed inside TLS.
            r.sock.sendall(b"STLS\r\nUSER " + ALICE.address.encode() + b"\r\n")
            self.assertTrue(r.line().startswith(b"+OK"))
            r.buf = b""
            r.sock = tls_client_context().wrap_socket(r.sock, server_hostname=None)
            # If USER had been kept, PASS would succeed here; it must say "no USER".
            resp = r.cmd("PASS " + ALICE.password)
            self.assertTrue(resp.startswith(b"-ERR"), resp)
            self.assertTrue(r.cmd("STLS").startswith(b"-ERR"))
            r.login(ALICE.address, ALICE.password)
            r.quit()
        finally:
            r.close()

    # ------------------------------------------------------------ SASL
    def _after_auth_check(self, r, user, expected_msgs):
        stat = r.ok("STAT").split()
        self.assertEqual(int(stat[1]), len(expected_msgs))
        self.assertEqual(int(stat[2]), sum(len(expected_wire(m)) for m in expected_msgs))
        self.assertTrue(r.quit().startswith(b"+OK"))

    def test_auth_plain_initial_response(self):
        r = RawPop3(*self.srv.addr("pop3-plain"))
        try:
            resp = r.cmd("AUTH PLAIN " + b64("\0%s\0%s" % (ALICE.address, ALICE.password)))
            self.assertTrue(resp.startswith(b"+OK"), resp)
            self._after_auth_check(r, ALICE, STD)
        finally:
            r.close()

    def test_auth_plain_without_initial_response(self):
        r = RawPop3(*self.srv.addr("pop3", ), )
        try:
            r.stls()
            resp = r.cmd("AUTH PLAIN")
            self.assertTrue(resp.startswith(b"+"), resp)
            self.assertFalse(resp.startswith(b"+OK"), resp)
            resp = r.cmd(b64("\0%s\0%s" % (ALICE.address, ALICE.password)))
            self.assertTrue(resp.startswith(b"+OK"), resp)
            self._after_auth_check(r, ALICE, STD)
        finally:
            r.close()

    def test_auth_plain_refused_on_default_cleartext(self):
        r = RawPop3(*self.srv.addr("pop3"))
        try:
            resp = r.cmd("AUTH PLAIN " + b64("\0%s\0%s" % (ALICE.address, ALICE.password)))
            self.assertTrue(resp.startswith(b"-ERR"), resp)
            resp = r.cmd("AUTH LOGIN")
            self.assertTrue(resp.startswith(b"-ERR"), resp)
            r.quit()
        finally:
            r.close()

    def test_auth_plain_wrong_password(self):
        r = RawPop3(*self.srv.addr("pop3-plain"))
        try:
            t0 = time.monotonic()
            resp = r.cmd("AUTH PLAIN " + b64("\0%s\0%s" % (ALICE.address, "wrong")))
            self.assertTrue(resp.startswith(b"-ERR"), resp)
            self.assertGreaterEqual(time.monotonic() - t0, 0.045)
            r.quit()
        finally:
            r.close()

    def test_auth_login(self):
        r = RawPop3(*self.srv.addr("pop3-plain"))
        try:
            c1 = r.cmd("AUTH LOGIN")
            self.assertTrue(c1.startswith(b"+ "), c1)
            c2 = r.cmd(b64(ALICE.address))
            self.assertTrue(c2.startswith(b"+ "), c2)
            resp = r.cmd(b64(ALICE.password))
            self.assertTrue(resp.startswith(b"+OK"), resp)
            self._after_auth_check(r, ALICE, STD)
        finally:
            r.close()

    def _cram_md5(self, user, password):
        r = RawPop3(*self.srv.addr("pop3"))
        try:
            ch = r.cmd("AUTH CRAM-MD5")
            self.assertTrue(ch.startswith(b"+ "), ch)
            challenge = harness.base64.b64decode(ch[2:], validate=True)
            self.assertRegex(challenge, rb"^<[^<>]+>$")
            digest = hmac.new(password.encode(), challenge, hashlib.md5).hexdigest()
            resp = r.cmd(b64("%s %s" % (user.address, digest)))
            return r, resp
        except Exception:
            r.close()
            raise

    def test_auth_cram_md5_legacy_user(self):
        r, resp = self._cram_md5(BOB, BOB.password)
        try:
            self.assertTrue(resp.startswith(b"+OK"), resp)
            self._after_auth_check(r, BOB, SMALL)
        finally:
            r.close()

    def test_auth_cram_md5_fails(self):
        for user, pw in ((ALICE, ALICE.password), (BOB, "wrong")):
            r, resp = self._cram_md5(user, pw)
            try:
                self.assertTrue(resp.startswith(b"-ERR"), (user.address, resp))
            finally:
                r.close()

    def _scram(self, name, hashname, user, password, initial_response, tamper=False):
        r = RawPop3(*self.srv.addr(name))
        try:
            resp, sig_ok = scram_auth(r, hashname, user.address, password, initial_response, tamper)
            if sig_ok is not None:
                self.assertTrue(sig_ok, "server signature (v=) does not verify")
            return r, resp
        except Exception:
            r.close()
            raise

    def test_auth_scram_sha_256(self):
        for initial in (False, True):
            r, resp = self._scram("pop3", "sha256", ALICE, ALICE.password, initial)
            try:
                self.assertTrue(resp.startswith(b"+OK"), (initial, resp))
                self._after_auth_check(r, ALICE, STD)
            finally:
                r.close()

    def test_auth_scram_sha_1(self):
        r, resp = self._scram("pop3", "sha1", ALICE, ALICE.password, True)
        try:
            self.assertTrue(resp.startswith(b"+OK"), resp)
            self._after_auth_check(r, ALICE, STD)
        finally:
            r.close()

    def test_auth_scram_sha_256_legacy_user(self):
        r, resp = self._scram("pop3", "sha256", BOB, BOB.password, True)
        try:
            self.assertTrue(resp.startswith(b"+OK"), resp)
            self._after_auth_check(r, BOB, SMALL)
        finally:
            r.close()

    def test_auth_scram_sha_256_bad_proof(self):
        r, resp = self._scram("pop3", "sha256", ALICE, ALICE.password, True, tamper=True)
        try:
            self.assertTrue(resp.startswith(b"-ERR"), resp)
        finally:
            r.close()
        r, resp = self._scram("pop3", "sha256", ALICE, "wrong-password", True)
        try:
            self.assertTrue(resp.startswith(b"-ERR"), resp)
        finally:
            r.close()

    def test_auth_cancel(self):
        r = RawPop3(*self.srv.addr("pop3-plain"))
        try:
            ch = r.cmd("AUTH LOGIN")
            self.assertTrue(ch.startswith(b"+ "), ch)
            self.assertTrue(r.cmd("*").startswith(b"-ERR"))
            r.login(ALICE.address, ALICE.password)     # still usable
            r.quit()
        finally:
            r.close()

    # ------------------------------------------------------------ misc
    def test_unknown_and_wrong_state_commands(self):
        r = RawPop3(*self.srv.addr("pop3-plain"))
        try:
            self.assertTrue(r.cmd("FOO").startswith(b"-ERR"))
            self.assertTrue(r.cmd("STAT").startswith(b"-ERR"))
            self.assertTrue(r.cmd("RETR 1").startswith(b"-ERR"))
            r.login(ALICE.address, ALICE.password)
            self.assertTrue(r.cmd("USER x").startswith(b"-ERR"))
            self.assertTrue(r.cmd("RETR 0").startswith(b"-ERR"))
            self.assertTrue(r.cmd("RETR x").startswith(b"-ERR"))
            self.assertTrue(r.cmd("NOOP").startswith(b"+OK"))
            self.assertTrue(r.quit().startswith(b"+OK"))
        finally:
            r.close()

    def test_ipv4_only_bound(self):
        """Nothing else on the port: the listener is bound to 127.0.0.1 only."""
        port = self.srv.port("pop3")
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.settimeout(NET_TIMEOUT)
        try:
            with self.assertRaises(OSError):
                s.connect(("::1", port))
        finally:
            s.close()


if __name__ == "__main__":
    harness.main()
