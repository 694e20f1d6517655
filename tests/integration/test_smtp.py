#!/usr/bin/env python3
"""SMTP against `mailroom serve`: receiving for local users (smtp listener),
submission with STARTTLS and AUTH, no open relay, POP-before-SMTP, and the
smuggling sequences, with real clients (smtplib, swaks, msmtp, curl). Every
accepted message is fetched back over POP3 and compared byte for byte
(after the Return-Path and Received lines the server adds)."""

import os
import poplib
import re
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DOMAIN, NET_TIMEOUT, User, tls_client_context  # noqa: E402
from smtp_helpers import DeliveryChecks, message, queued_envelopes  # noqa: E402

ALICE = User("alice@" + DOMAIN, "alice-Smtp-31x")
BOB = User("bob@" + DOMAIN, "bob-Smtp-42y")
CAROL = User("carol@" + DOMAIN, "carol-Smtp-53z")
DAVE = User("dave@" + DOMAIN, "dave-Smtp-64w")

LISTENERS = [
    dict(name="pop3-plain", tls="starttls", plaintext_auth=True),
    dict(name="smtp", service="smtp", tls="starttls"),
    dict(name="submission", service="submission", tls="starttls"),
    dict(name="submission-plain", service="submission", tls="none", plaintext_auth=True),
]


class SmtpTest(DeliveryChecks, harness.ServerTestCase):
    USERS = [ALICE, BOB, CAROL, DAVE]
    LISTENERS = LISTENERS

    # ---------------------------------------------------------- receiving
    def test_mx_delivery_with_smtplib(self):
        sent = message("mx")
        with smtplib.SMTP(*self.srv.addr("smtp"), timeout=NET_TIMEOUT) as s:
            s.ehlo("client.remote.example")
            self.assertTrue(s.has_extn("pipelining") and s.has_extn("8bitmime") and s.has_extn("starttls"))
            self.assertTrue(s.has_extn("chunking") and s.has_extn("smtputf8") and s.has_extn("dsn"))
            refused = s.sendmail("tester@remote.example", [ALICE.address], sent)
            self.assertEqual(refused, {})
        headers = self.assert_delivered(ALICE, sent, via=b"with ESMTP id ")
        self.assertIn(b"Return-Path: <tester@remote.example>", headers)
        self.assertIn(b"for <alice@example.test>", headers)

    def test_unknown_user_and_relay_tricks_refused(self):
        with smtplib.SMTP(*self.srv.addr("smtp"), timeout=NET_TIMEOUT) as s:
            s.ehlo("c")
            s.mail("tester@remote.example")
            code, text = s.rcpt("nobody@" + DOMAIN)
            self.assertEqual((code, text[:5]), (550, b"5.1.1"))
            for trick in ("<victim%far.example@example.test>", "<@relay.example:victim@far.example>",
                          "<far.example!victim@example.test>"):
                code, _ = s.docmd("RCPT TO:" + trick)
                self.assertEqual(code, 501, trick)
            code, _ = s.docmd("DATA")
            self.assertEqual(code, 554)

    def test_smuggling_is_refused_and_nothing_smuggled_is_delivered(self):
        sock = socket.create_connection(self.srv.addr("smtp"), timeout=NET_TIMEOUT)
        f = sock.makefile("rb")
        try:
            def cmd(line):
                sock.sendall(line + b"\r\n")
                return read_reply()

            def read_reply():
                while True:
                    l = f.readline()
                    if l[3:4] != b"-":
                        return l
            read_reply()
            cmd(b"EHLO c")
            self.assertTrue(cmd(b"MAIL FROM:<tester@remote.example>").startswith(b"250"))
            self.assertTrue(cmd(b"RCPT TO:<" + BOB.address.encode() + b">").startswith(b"250"))
            self.assertTrue(cmd(b"DATA").startswith(b"354"))
            sock.sendall(b"Subject: legit\r\n\r\nhi\n.\nMAIL FROM:<admin@example.test>\r\nRCPT TO:<"
                         + CAROL.address.encode() + b">\r\nDATA\r\nSubject: spoofed\r\n\r\nx\r\n.\r\n")
            self.assertTrue(read_reply().startswith(b"550 5.6.0"))
            self.assertTrue(cmd(b"QUIT").startswith(b"221"))
        finally:
            sock.close()
        self.assertEqual(self.fetch_all(BOB), [])
        self.assertEqual(self.fetch_all(CAROL), [])

    def raw_session(self, listener="smtp"):
        sock = socket.create_connection(self.srv.addr(listener), timeout=NET_TIMEOUT)
        f = sock.makefile("rb")

        def reply():
            lines = []
            while True:
                l = f.readline()
                lines.append(l)
                if l[3:4] != b"-":
                    return b"".join(lines)
        reply()
        return sock, reply

    def test_bdat_chunks_and_smtputf8_arrive_byte_exact(self):
        sock, reply = self.raw_session()
        try:
            sock.sendall(b"EHLO c\r\n")
            self.assertIn(b"CHUNKING", reply())
            body = "Subject: gr\u00fc\u00dfe\r\n\r\n.not stuffed in BDAT\r\n\u00e9t\u00e9\r\n".encode()
            first, second = body[:17], body[17:]
            # Pipelined: MAIL, RCPT and both chunks in one write (RFC 3030 allows it).
            sock.sendall(b"MAIL FROM:<tester@remote.example> SMTPUTF8 BODY=8BITMIME\r\nRCPT TO:<"
                         + ALICE.address.encode() + b">\r\nBDAT %d\r\n" % len(first) + first
                         + b"BDAT %d LAST\r\n" % len(second) + second)
            self.assertTrue(reply().startswith(b"250 2.1.0"))
            self.assertTrue(reply().startswith(b"250 2.1.5"))
            self.assertTrue(reply().startswith(b"250 2.0.0 %d octets" % len(first)))
            self.assertTrue(reply().startswith(b"250 2.0.0 Ok: queued as "))
            sock.sendall(b"QUIT\r\n")
            self.assertTrue(reply().startswith(b"221"))
        finally:
            sock.close()
        # BDAT content is not dot-unstuffed; POP3 stuffs on the way out and
        # poplib unstuffs, so the body must come back exactly.
        self.assert_delivered(ALICE, body, via=b"with UTF8SMTP id ")

    def test_large_messages_are_streamed_and_a_dropped_one_leaves_nothing(self):
        # Far above the 128 KiB a connection keeps in memory: staged in the
        # spool's tmp/ on the way, by DATA and by BDAT, and copied whole.
        line = b"x" * 998 + b"\r\n"
        big = b"Subject: big\r\n\r\n" + b".dot first\r\n" + line * 3000  # ~3 MiB
        with smtplib.SMTP(*self.srv.addr("smtp"), timeout=NET_TIMEOUT) as s:
            s.ehlo("c")
            self.assertEqual(s.sendmail("tester@remote.example", [DAVE.address], big), {})
        self.assert_delivered(DAVE, big)
        sock, reply = self.raw_session()
        try:
            sock.sendall(b"EHLO c\r\n")
            reply()
            sock.sendall(b"MAIL FROM:<tester@remote.example>\r\nRCPT TO:<" + DAVE.address.encode() + b">\r\n")
            reply()
            reply()
            half = len(big) // 2
            sock.sendall(b"BDAT %d\r\n" % half + big[:half])
            self.assertTrue(reply().startswith(b"250 2.0.0 %d octets" % half))
            sock.sendall(b"BDAT %d LAST\r\n" % (len(big) - half) + big[half:])
            self.assertTrue(reply().startswith(b"250 2.0.0 Ok: queued as "))
            sock.sendall(b"QUIT\r\n")
            reply()
        finally:
            sock.close()
        self.assert_delivered(DAVE, big)
        staging = os.path.join(self.srv.data_dir, "queue", "tmp")
        self.assertEqual(os.listdir(staging), [])
        # Dropped in the middle of the text: no message, no staged file.
        sock, reply = self.raw_session()
        try:
            sock.sendall(b"EHLO c\r\nMAIL FROM:<tester@remote.example>\r\nRCPT TO:<"
                         + DAVE.address.encode() + b">\r\nDATA\r\n")
            for _ in range(4):
                reply()
            sock.sendall(big[:2 * 1024 * 1024])
            deadline = time.monotonic() + 10
            while not os.listdir(staging) and time.monotonic() < deadline:
                time.sleep(0.02)
            self.assertNotEqual(os.listdir(staging), [], "a 2 MiB body is staged on disk")
        finally:
            sock.shutdown(socket.SHUT_RDWR)  # the reader's makefile() keeps the fd open
            sock.close()
        deadline = time.monotonic() + 10
        while os.listdir(staging) and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertEqual(os.listdir(staging), [])
        self.assertEqual(self.fetch_all(DAVE), [])

    # ---------------------------------------------------------- submission
    def test_submission_requires_auth_and_owned_sender(self):
        with smtplib.SMTP(*self.srv.addr("submission"), timeout=NET_TIMEOUT) as s:
            s.ehlo("laptop")
            code, _ = s.docmd("MAIL FROM:<%s>" % CAROL.address)
            self.assertEqual(code, 530)
            self.assertNotIn("PLAIN", s.esmtp_features.get("auth", ""))  # not over cleartext
            s.starttls(context=tls_client_context())
            s.ehlo("laptop")
            self.assertIn("PLAIN", s.esmtp_features.get("auth", ""))
            s.login(CAROL.address, CAROL.password)
            code, _ = s.docmd("MAIL FROM:<%s>" % BOB.address)
            self.assertEqual(code, 553)
            sent = message("submitted")
            self.assertEqual(s.sendmail(CAROL.address, [CAROL.address], sent), {})
        headers = self.assert_delivered(CAROL, sent, via=b"with ESMTPSA id ")
        self.assertIn(b"(Authenticated sender: carol@example.test)", headers)
        self.assertIn(b"(using TLSv1.", headers)

    def test_wrong_password_refused_and_delayed(self):
        with smtplib.SMTP(*self.srv.addr("submission-plain"), timeout=NET_TIMEOUT) as s:
            s.ehlo("c")
            t0 = time.monotonic()
            with self.assertRaises(smtplib.SMTPAuthenticationError):
                s.login(CAROL.address, "wrong-password")
            self.assertGreaterEqual(time.monotonic() - t0, 0.045)

    def test_swaks_each_auth_mechanism_over_starttls(self):
        for mech in ("PLAIN", "LOGIN", "SCRAM-SHA-1", "SCRAM-SHA-256"):
            if mech.startswith("SCRAM"):
                continue  # swaks has no SCRAM; covered by the POP3 tests' SCRAM client and unit tests
            body = "swaks body for %s\n.with a dot\n" % mech
            p = subprocess.run(["swaks", "--server", "127.0.0.1", "--port", str(self.srv.port("submission")),
                                "--tls", "--auth", mech, "--auth-user", DAVE.address, "--auth-password",
                                DAVE.password, "--from", DAVE.address, "--to", DAVE.address,
                                "--header", "Subject: swaks " + mech, "--body", body, "--pipeline"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
            self.assertEqual(p.returncode, 0, p.stdout.decode(errors="replace")[-3000:])
            got = self.fetch_all(DAVE)
            self.assertEqual(len(got), 1, mech)
            self.assertIn(b"Subject: swaks " + mech.encode(), got[0])
            self.assertIn(b"\r\n.with a dot\r\n", got[0])

    def test_msmtp_and_curl(self):
        with tempfile.TemporaryDirectory() as work:
            sent = message("msmtp").replace(b"\r\n", b"\n")
            p = subprocess.run(["msmtp", "--host=127.0.0.1", "--port=%d" % self.srv.port("submission"),
                                "--tls=on", "--tls-starttls=on", "--tls-certcheck=off", "--auth=plain",
                                "--user=" + DAVE.address, "--passwordeval=echo " + DAVE.password,
                                "--from=" + DAVE.address, DAVE.address],
                               input=sent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60,
                               env=dict(os.environ, HOME=work))
            self.assertEqual(p.returncode, 0, p.stdout.decode(errors="replace"))
            self.assert_delivered(DAVE, sent.replace(b"\n", b"\r\n"), client_adds_headers=True)

            mail = os.path.join(work, "mail.txt")
            sent = message("curl")
            with open(mail, "wb") as f:
                f.write(sent)
            p = subprocess.run(["curl", "-sS", "--ssl-reqd", "-k", "--url",
                                "smtp://127.0.0.1:%d" % self.srv.port("submission"), "--login-options",
                                "AUTH=PLAIN", "-u", "%s:%s" % (DAVE.address, DAVE.password), "--mail-from",
                                DAVE.address, "--mail-rcpt", DAVE.address, "--upload-file", mail],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
            self.assertEqual(p.returncode, 0, p.stdout.decode(errors="replace"))
            self.assert_delivered(DAVE, sent)



class RelayPolicyTest(harness.ServerTestCase):
    """No open relay; POP-before-SMTP opens relaying for its window only, and
    only on a listener that turns it on (issue #12: off by default).
    Its own server, so no POP3 login of another test has opened the window."""
    USERS = [ALICE]
    LISTENERS = LISTENERS + [dict(name="smtp-pbs", service="smtp", tls="starttls", pop_before_smtp=True)]
    EXTRA_CONFIG = dict(pop_before_smtp_window=2)

    def relay_reply(self, listener="smtp-pbs"):
        with smtplib.SMTP(*self.srv.addr(listener), timeout=NET_TIMEOUT) as s:
            s.ehlo("c")
            s.mail("tester@remote.example")
            return s.rcpt("someone@far.example")

    def test_pop_before_smtp_window(self):
        code, text = self.relay_reply()
        self.assertEqual((code, text[:5]), (554, b"5.7.1"))  # no open relay
        c = poplib.POP3(*self.srv.addr("pop3-plain"), timeout=NET_TIMEOUT)
        c.user(ALICE.address)
        c.pass_(ALICE.password)
        c.quit()
        # Relaying is allowed now where the listener says so: accepted, and
        # queued for outbound delivery; the default listener still refuses.
        self.assertEqual(self.relay_reply()[0], 250)
        self.assertEqual(self.relay_reply("smtp")[0], 554)
        time.sleep(3.2)  # the window (2 s) has passed
        self.assertEqual(self.relay_reply()[0], 554)


ERIN = User("erin@" + DOMAIN, "erin-Smtp-75v")
FRANK = User("frank@" + DOMAIN, "frank-Smtp-86u")


class AliasTest(harness.ServerTestCase):
    """Aliases expand at acceptance: local targets get one copy each, remote
    targets wait in the queue; a catch-all takes unknown local parts; a user
    may submit as an alias that lists them."""
    USERS = [ERIN, FRANK]
    LISTENERS = LISTENERS

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv.cli("alias", "add", "list@" + DOMAIN, ERIN.address, FRANK.address, "far@remote.example")
        cls.srv.cli("alias", "add", "@" + DOMAIN, FRANK.address)

    def fetch_subjects(self, user):
        c = poplib.POP3(*self.srv.addr("pop3-plain"), timeout=NET_TIMEOUT)
        try:
            c.user(user.address)
            c.pass_(user.password)
            subjects = []
            for n in range(1, c.stat()[0] + 1):
                for line in c.retr(n)[1]:
                    if line.startswith(b"Subject: "):
                        subjects.append(line[9:].decode())
                c.dele(n)
            return subjects
        finally:
            c.quit()

    def test_alias_expands_and_remote_target_is_queued(self):
        before = len(queued_envelopes(self.srv))
        with smtplib.SMTP(*self.srv.addr("smtp"), timeout=NET_TIMEOUT) as s:
            self.assertEqual(s.sendmail("x@remote.example", ["list@" + DOMAIN, ERIN.address],
                                        message("to the list")), {})
        self.assertEqual(self.fetch_subjects(ERIN), ["to the list"])  # once, though named twice
        self.assertEqual(self.fetch_subjects(FRANK), ["to the list"])
        self.assertEqual(len(queued_envelopes(self.srv)), before + 1)

    def test_queue_list_and_show_while_running(self):
        with smtplib.SMTP(*self.srv.addr("smtp"), timeout=NET_TIMEOUT) as s:
            self.assertEqual(s.sendmail("x@remote.example", ["list@" + DOMAIN], message("queued for far")), {})
        self.fetch_subjects(ERIN)
        self.fetch_subjects(FRANK)
        listing = self.srv.cli("queue", "list").stdout.decode()
        ids = [line.split()[0] for line in listing.splitlines() if re.match(r"^[0-9a-f]{16} ", line)]
        self.assertTrue(ids, listing)
        self.assertIn("  from <x@remote.example>", listing)
        self.assertIn("  to   <far@remote.example>  pending", listing)
        self.assertRegex(listing, r"\n\d+ messages?, \d+ bytes\n$")
        shown = self.srv.cli("queue", "show", ids[-1]).stdout.decode()
        self.assertIn("to   <far@remote.example>  pending", shown)
        self.assertIn("Subject: ", shown)
        self.assertIn("Received: from ", shown)  # the header section as queued
        self.assertNotIn("line one", shown)  # the header section only
        body = self.srv.cli("queue", "show", "--body", ids[-1]).stdout.decode()
        self.assertIn("line one\r\n.line starting with a dot", body)  # as queued: not dot-stuffed
        missing = self.srv.cli("queue", "show", "0123456789abcdef", check=False)
        self.assertEqual(missing.returncode, 1)
        self.assertIn(b"no message 0123456789abcdef in the queue", missing.stderr)

    def test_catch_all_takes_unknown_local_parts(self):
        with smtplib.SMTP(*self.srv.addr("smtp"), timeout=NET_TIMEOUT) as s:
            self.assertEqual(s.sendmail("x@remote.example", ["whoever@" + DOMAIN], message("catch-all")), {})
        self.assertEqual(self.fetch_subjects(FRANK), ["catch-all"])

    def test_submission_as_an_owned_alias(self):
        with smtplib.SMTP(*self.srv.addr("submission-plain"), timeout=NET_TIMEOUT) as s:
            s.ehlo("c")
            s.login(ERIN.address, ERIN.password)
            self.assertEqual(s.sendmail("list@" + DOMAIN, [ERIN.address], message("as the list")), {})
            code, _ = s.docmd("MAIL FROM:<%s>" % FRANK.address)
            self.assertEqual(code, 553)
        self.assertEqual(self.fetch_subjects(ERIN), ["as the list"])


if __name__ == "__main__":
    harness.main()
