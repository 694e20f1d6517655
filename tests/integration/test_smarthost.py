#!/usr/bin/env python3
"""Relaying through a smarthost ([delivery.smarthost], issue #4): instance
A sends every remote message to instance B's submission listener with
STARTTLS, a verified certificate (B's self-signed one, made for B's host
name smtp.b.test, which dnsmasq resolves to 127.0.0.2, given to A as
ca_file) and AUTH as a user of B. B queues the message for its own
outbound delivery, to a scripted peer for the third domain c.test.

A mailroom submission listener only takes a sender the login owns (RFC
6409 §8.1), so the relayed message is sent as B's user. A second A with a
wrong password must keep its message queued with B's 535 as the last
error and send no bounce; a third that does not trust B's certificate must
not send anything through it."""

import os
import sys
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from delivery_helpers import (after_trace_headers, count, delivery_section, log_lines, queue_list,  # noqa: E402
                              send, start_server, trace_headers, wait_queue_empty, wait_until)
from dnsmasq import Dnsmasq  # noqa: E402
from harness import User  # noqa: E402
from smtp_peer import ScriptedPeer  # noqa: E402

WAIT = 20
RELAY = User("relay@b.test", "relay-Smart-31x")
ALICE = User("alice@a.test", "alice-Smart-42y")
WRONG = "wrong-password"  # in harness.ServerTestCase.SECRETS_NOT_LOGGED too

A_LISTENERS = [
    dict(name="pop3-plain", tls="starttls", plaintext_auth=True),
    dict(name="smtp", service="smtp", tls="none"),
]
B_LISTENERS = [dict(name="submission", service="submission", tls="starttls")]


class SmarthostTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dns = Dnsmasq(["--host-record=smtp.b.test,127.0.0.2"])
        cls.addClassCleanup(cls.dns.close)
        cls.peer = ScriptedPeer({}, connections=None)
        cls.addClassCleanup(cls.peer.close)
        cls.b = start_server("B", "smtp.b.test", "b.test", [RELAY], B_LISTENERS,
                             delivery_section(routes={"c.test": "[127.0.0.1]:%d" % cls.peer.port}),
                             address="127.0.0.2")
        cls.addClassCleanup(cls.b.cleanup)

    def smarthost_client(self, hostname, password, ca_file=True):
        smarthost = dict(host="smtp.b.test", port=self.b.port("submission"), tls="starttls",
                         verify_certificate=True, username=RELAY.address, password=password)
        if ca_file:
            smarthost["ca_file"] = os.path.join(self.b.data_dir, "tls", "cert.pem")
        a = start_server("A-" + hostname, hostname, "a.test", [ALICE], A_LISTENERS,
                         delivery_section(self.dns, smarthost=smarthost, retry_initial=2, retry_max=2),
                         extra=dict(trusted_networks=["127.0.0.1/32"]))
        self.addCleanup(a.cleanup)
        return a

    def assert_no_secret_logged(self, *servers):
        for srv in servers:
            for pw in (RELAY.password, WRONG):
                self.assertNotIn(pw, srv.read_log(), "a password in the log of %s" % srv.name)

    def test_relayed_through_the_smarthost_with_verified_tls_and_auth(self):
        a = self.smarthost_client("mail.a.test", RELAY.password)
        sent = b"From: <relay@b.test>\r\nSubject: via the smarthost\r\nMessage-ID: <smart-1@a.test>\r\n\r\nhello c\r\n"
        send(a, "smtp", RELAY.address, ["carol@c.test"], sent)
        self.peer.wait_for(lambda p: any(t.complete for t in p.transactions), WAIT, "the relayed message")
        t = self.peer.completed()[-1]
        self.assertEqual(t.mail, "MAIL FROM:<relay@b.test>")
        self.assertEqual(t.rcpts, ["RCPT TO:<carol@c.test>"])
        self.assertEqual(after_trace_headers(t.data), sent)
        trace = trace_headers(t.data).decode()
        # B's Received: first: from A, authenticated over TLS (RFC 3848 ESMTPSA).
        self.assertRegex(trace, r"^Received: from mail\.a\.test (?:.|\r\n\s)*by smtp\.b\.test (?:.|\r\n\s)*"
                                r"with ESMTPSA\b")
        self.assertEqual(trace.count("Received: "), 2, trace)
        self.assertTrue(log_lines(a, r"to=<carol@c\.test> relay=smtp\.b\.test\[127\.0\.0\.2\]:%d "
                                     r"tls=\"TLSv1\.[23] [^\"]* verified=yes\" status=sent"
                                  % self.b.port("submission")), a.read_log()[-3000:])
        self.assertTrue(log_lines(self.b, r"auth ok user=relay@b\.test .*tls=yes"))
        wait_queue_empty(a)
        wait_queue_empty(self.b)
        self.assert_no_secret_logged(a, self.b)

    def test_wrong_password_keeps_the_message_queued_without_a_bounce(self):
        a = self.smarthost_client("bad.a.test", WRONG)
        delivered_before = len(self.peer.completed())
        send(a, "smtp", ALICE.address, ["carol@c.test"], b"Subject: refused login\r\n\r\nx\r\n")
        listing = wait_until(lambda: (lambda q: q if "535" in q else None)(queue_list(a)),
                             "the 535 as the last error in the queue listing")
        self.assertIn("1 message,", listing)
        self.assertRegex(listing, r"to   <carol@c\.test>  pending  \(\"535 ")
        self.assertTrue(log_lines(self.b, r"auth failed user=\S+ mech=SCRAM-SHA-256 tls=yes"), "B saw no failed AUTH")
        # One retry later it is still there, alone: no bounce was queued.
        wait_until(lambda: "attempts 2" in queue_list(a), "a second attempt", timeout=WAIT)
        listing = queue_list(a)
        self.assertIn("1 message,", listing)
        self.assertEqual(count(a, ALICE), 0, "an authentication failure is ours to fix: no bounce")
        self.assertEqual(len(self.peer.completed()), delivered_before)
        self.assert_no_secret_logged(a, self.b)

    def test_untrusted_certificate_sends_nothing(self):
        # No ca_file: the system's trust store, which does not know B's certificate.
        a = self.smarthost_client("untrusting.a.test", RELAY.password, ca_file=False)
        auth_before = len(log_lines(self.b, r"auth (?:ok|failed) "))
        send(a, "smtp", RELAY.address, ["carol@c.test"], b"Subject: not trusted\r\n\r\nx\r\n")
        listing = wait_until(lambda: (lambda q: q if "attempts 1" in q else None)(queue_list(a)), "an attempt")
        self.assertRegex(listing, r"to   <carol@c\.test>  pending")
        self.assertEqual(len(log_lines(self.b, r"auth (?:ok|failed) ")), auth_before,
                         "AUTH was sent to an unverified server")
        self.assertEqual(count(a, ALICE), 0)


if __name__ == "__main__":
    harness.main()
