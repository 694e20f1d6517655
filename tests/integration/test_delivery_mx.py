#!/usr/bin/env python3
"""Outbound delivery by MX lookup between two real servers (issue #4):
instance A (mail.a.test, 127.0.0.1) delivers to instance B (mx.b.test,
127.0.0.2), found through dnsmasq's MX and A records, with STARTTLS. Also a
dead first MX host (the next one is tried), a null MX (RFC 7505: bounced at
once) and an unreachable host (a delay warning, then a bounce when the
message's lifetime is over).

A's max_lifetime and delay_warning are short: only the unreachable-host
test waits for them (a "delayed" DSN, then the bounce); every other message
here succeeds or fails for good at its first attempt."""

import os
import re
import sys
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from delivery_helpers import (Dsn, after_trace_headers, delivery_section, fetch_all, log_lines,  # noqa: E402
                              queue_id_of, queue_list, send, start_server, trace_headers,
                              wait_for_mail, wait_queue_empty)
from dnsmasq import Dnsmasq  # noqa: E402
from harness import User  # noqa: E402

LIFETIME = 6  # seconds: A bounces what it could not deliver by then
DELAY_WARNING = 2  # seconds: and warns the sender once after this long

ALICE = User("alice@a.test", "alice-Mx-31x")
BOB = User("bob@b.test", "bob-Mx-42y")
BACKUP = User("carl@backup.test", "carl-Mx-53z")

A_LISTENERS = [
    dict(name="pop3-plain", tls="starttls", plaintext_auth=True),
    dict(name="submission", service="submission", tls="starttls"),
    dict(name="smtp", service="smtp", tls="none"),
]
B_LISTENERS = [
    dict(name="pop3-plain", tls="starttls", plaintext_auth=True),
    dict(name="smtp", service="smtp", tls="starttls"),
]

DNS_RECORDS = [
    "--mx-host=b.test,mx.b.test,10",
    "--host-record=mx.b.test,127.0.0.2",
    # backup.test: the preferred host has an address where nothing listens.
    "--mx-host=backup.test,dead.backup.test,10",
    "--mx-host=backup.test,mx.b.test,20",
    "--host-record=dead.backup.test,127.0.0.4",
    # RFC 7505 null MX: preference 0, exchange "." (rdata 00 00 00).
    "--dns-rr=nullmx.test,15,000000",
    "--mx-host=down.test,mx.down.test,10",
    "--host-record=mx.down.test,127.0.0.4",
]


def long_body():
    """About 300 KB of 7-bit text: dots at line starts, lines up to 998 octets."""
    lines = []
    for i in range(3000):
        line = b"%05d " % i + bytes(48 + (i + k) % 75 for k in range(90 if i % 7 else 990))
        lines.append(b"." + line if i % 10 == 0 else line)
    return b"\r\n".join(lines) + b"\r\n"


class MxDeliveryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dns = Dnsmasq(DNS_RECORDS)
        cls.addClassCleanup(cls.dns.close)
        cls.b = start_server("B", "mx.b.test", "b.test", [BOB], B_LISTENERS, delivery_section(),
                             address="127.0.0.2")
        cls.addClassCleanup(cls.b.cleanup)
        cls.b.add_domain("backup.test")
        cls.b.add_user(BACKUP.address, BACKUP.password)
        # Every MX host is reached on B's SMTP port (smtp_port is global).
        cls.a = start_server("A", "mail.a.test", "a.test", [ALICE], A_LISTENERS,
                             delivery_section(cls.dns, smtp_port=cls.b.port("smtp"), max_lifetime=LIFETIME,
                                              delay_warning=DELAY_WARNING),
                             extra=dict(trusted_networks=["127.0.0.1/32"]))
        cls.addClassCleanup(cls.a.cleanup)

    @classmethod
    def tearDownClass(cls):
        for srv in (cls.a, cls.b):
            srv.stop()
            for pw in srv.passwords:
                assert pw not in srv.log_text, "a password appears in the log of %s" % srv.name

    def test_submitted_mail_reaches_the_mx_over_starttls(self):
        sent = (b"From: Alice <alice@a.test>\r\nTo: Bob <bob@b.test>\r\nSubject: over the wire\r\n"
                b"Message-ID: <mx-1@a.test>\r\n\r\n" + long_body())
        refused = send(self.a, "submission", ALICE.address, [BOB.address], sent, login=ALICE)
        self.assertEqual(refused, {})
        got = wait_for_mail(self.b, BOB)
        self.assertEqual(len(got), 1)
        self.assertEqual(after_trace_headers(got[0]), sent, "message changed between A and B")
        trace = trace_headers(got[0]).decode()
        self.assertTrue(trace.startswith("Return-Path: <alice@a.test>\r\n"), trace)
        received = re.findall(r"Received: (?:[^\r\n]|\r\n[ \t])*", trace)
        self.assertEqual(len(received), 2, trace)
        # B's own line first: from A's EHLO name, over STARTTLS (RFC 3848 ESMTPS).
        self.assertRegex(received[0], r"from mail\.a\.test .*\[127\.0\.0\.1\]")
        self.assertRegex(received[0], r"by mx\.b\.test")
        self.assertRegex(received[0], r"with ESMTPS\b")
        self.assertRegex(received[1], r"by mail\.a\.test (?:.|\s)*with ESMTPSA\b")
        self.assertTrue(log_lines(self.b, r" tls TLSv1\.[23] "), "B did not log a TLS session")
        qid = queue_id_of(self.a, BOB.address)
        sent_lines = log_lines(self.a, r"^.*%s to=<bob@b\.test> relay=mx\.b\.test\[127\.0\.0\.2\]:%d "
                                       r"tls=\"TLSv1\.[23] [^\"]* verified=no\" status=sent"
                               % (qid, self.b.port("smtp")))
        self.assertEqual(len(sent_lines), 1, self.a.read_log()[-3000:])
        wait_queue_empty(self.a)
        self.assertIn("the queue is empty", queue_list(self.a))
        self.assertEqual(fetch_all(self.a, ALICE), [], "no DSN was asked for")

    def test_dead_preferred_mx_falls_back_to_the_next(self):
        sent = b"Subject: backup\r\nMessage-ID: <mx-2@a.test>\r\n\r\nvia the second MX\r\n"
        send(self.a, "smtp", ALICE.address, [BACKUP.address], sent)
        got = wait_for_mail(self.b, BACKUP)
        self.assertEqual([after_trace_headers(m) for m in got], [sent])
        qid = queue_id_of(self.a, BACKUP.address)
        self.assertTrue(log_lines(self.a, r"%s relay=dead\.backup\.test.*unusable .*trying the next host" % qid),
                        "the dead host was not tried first")
        wait_queue_empty(self.a)

    def test_null_mx_bounces_at_once(self):
        sent = b"Subject: to a null MX\r\nMessage-ID: <mx-3@a.test>\r\n\r\nnobody takes this\r\n"
        start = time.monotonic()
        send(self.a, "smtp", ALICE.address, ["user@nullmx.test"], sent)
        got = wait_for_mail(self.a, ALICE)
        self.assertLess(time.monotonic() - start, LIFETIME, "the bounce waited for retries")
        self.assertEqual(len(got), 1)
        dsn = Dsn(got[0])
        self.assertTrue(got[0].startswith(b"Return-Path: <>\r\n"), got[0][:200])
        self.assertEqual(dsn.content_type, "multipart/report")
        self.assertEqual(dsn.msg.get_param("report-type"), "delivery-status")
        self.assertEqual(len(dsn.per_recipient), 1)
        rcpt = dsn.per_recipient[0]
        self.assertEqual(rcpt["action"], "failed")
        self.assertEqual(rcpt["status"], "5.1.10")  # RFC 7505 §4.2
        self.assertEqual(rcpt["final-recipient"], "rfc822; user@nullmx.test")
        self.assertIn(b"Message-ID: <mx-3@a.test>", dsn.returned_bytes())
        qid = queue_id_of(self.a, "user@nullmx.test")
        self.assertEqual(log_lines(self.a, r"%s .*status=deferred" % qid), [], "the null MX was retried")
        wait_queue_empty(self.a)

    def test_unreachable_host_warns_then_bounces_after_its_lifetime(self):
        sent = b"Subject: to a dead host\r\nMessage-ID: <mx-4@a.test>\r\n\r\nnobody listens\r\n"
        start = time.monotonic()
        send(self.a, "smtp", ALICE.address, ["user@down.test"], sent)
        qid = queue_id_of(self.a, "user@down.test")
        self.assertIn("user@down.test", queue_list(self.a))

        # First a "delayed" DSN (RFC 3464 §2.3.3), once, with the header only.
        got = wait_for_mail(self.a, ALICE, timeout=LIFETIME + 10)
        self.assertGreaterEqual(time.monotonic() - start, DELAY_WARNING - 0.5, "warned too early")
        self.assertEqual(len(got), 1, "the warning and the bounce came together")
        dsn = Dsn(got[0])
        self.assertEqual(dsn.per_recipient[0]["action"], "delayed")
        self.assertTrue(dsn.per_recipient[0]["status"].startswith("4."), dsn.per_recipient)
        self.assertIn("will-retry-until", dsn.per_recipient[0])
        self.assertEqual(dsn.returned.get_content_type(), "text/rfc822-headers")

        got = wait_for_mail(self.a, ALICE, timeout=LIFETIME + 10)
        self.assertGreaterEqual(time.monotonic() - start, LIFETIME - 0.5, "bounced before the lifetime was over")
        self.assertEqual(len(got), 1, "one bounce, and the warning only once")
        dsn = Dsn(got[0])
        rcpt = dsn.per_recipient[0]
        self.assertEqual(rcpt["action"], "failed")
        self.assertEqual(rcpt["status"], "4.4.7")  # RFC 3463: delivery time expired
        self.assertIn("Connection refused", rcpt.get("diagnostic-code", "") + dsn.human_text())
        self.assertIn(b"nobody listens", dsn.returned_bytes())
        attempts = log_lines(self.a, r"%s .*(?:unusable|status=deferred|status=bounced)" % qid)
        self.assertGreaterEqual(len(attempts), 3, "expected several attempts before the bounce")
        wait_queue_empty(self.a)
        self.assertEqual(fetch_all(self.a, ALICE), [])

if __name__ == "__main__":
    harness.main()
