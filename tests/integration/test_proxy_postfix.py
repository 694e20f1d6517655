#!/usr/bin/env python3
"""`mailroom proxy smtp` (src/proxy/smtp_relay.cpp) against a real Postfix
3.x submission listener (proxy_postfix.py) that requires STARTTLS before
AUTH (Dovecot SASL): smtplib and swaks submit plain SMTP to the proxy, the
message reaches Postfix's next hop byte for byte apart from the Received
Postfix adds, and a capturing relay between proxy and Postfix shows
STARTTLS and never AUTH, the body or the password. A wrong stored password
gives the device a 4xx and nothing is relayed. Skipped (77) without
Postfix or Dovecot."""

import base64
import os
import re
import smtplib
import subprocess
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import proxy_postfix  # noqa: E402
from harness import NET_TIMEOUT  # noqa: E402
from proxy_helpers import CaptureRelay, Proxy  # noqa: E402

USER, PASSWORD = "alice@example.test", "alice-Postfix-41x"
RCPT = "bob@elsewhere.example"


def sample(subject, body=b"line one\r\n.line starting with a dot\r\n\r\nlast line\r\n"):
    return (b"From: Alice <alice@example.test>\r\nTo: Bob <bob@elsewhere.example>\r\nSubject: " + subject.encode() +
            b"\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\nMessage-ID: <" + subject.replace(" ", ".").encode() +
            b"@example.test>\r\n\r\n" + body)


def without_received(got):
    """The message as Postfix passed it on, minus the one Received header
    (with its folded lines) its cleanup(8) prepends."""
    m = re.match(rb"Received: [^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*", got)
    assert m, got[:200]
    assert b"by mx.example.test (Postfix)" in m.group(0), m.group(0)
    return got[m.end():]


def password_forms(user, pw):
    return [pw.encode(), base64.b64encode(pw.encode()), base64.b64encode(("\0%s\0%s" % (user, pw)).encode())]


class PostfixProxyTest(unittest.TestCase):
    postfix = None

    @classmethod
    def setUpClass(cls):
        cls.postfix = proxy_postfix.Postfix([(USER, PASSWORD)]).start()

    @classmethod
    def tearDownClass(cls):
        if cls.postfix:
            cls.postfix.cleanup()

    def start_proxy(self, port, password=PASSWORD):
        p = Proxy([])
        pwfile = p.write("upstream.pw", password + "\n")
        p.args = ["smtp", "--listen", "127.0.0.1:0", "--upstream", "localhost:%d" % port, "--upstream-tls",
                  "starttls", "--upstream-user", USER, "--upstream-password-file", pwfile, "--ca", self.postfix.cert]
        p.start()

        def stop():
            log = p.stop()
            self.assertNotIn(PASSWORD, log, "the password appears in the proxy's log")
            self.proxy_log = log
        self.addCleanup(stop)
        return p

    def received_after(self, before, count=1):
        got = self.postfix.sink.wait(before + count)
        self.assertEqual(len(got), before + count, self.postfix.logs())
        return got[before:]

    def test_smtplib_through_the_proxy_to_postfix(self):
        relay = CaptureRelay("127.0.0.1", self.postfix.port)
        self.addCleanup(relay.close)
        p = self.start_proxy(relay.port)
        before = len(self.postfix.sink.messages)
        sent = [sample("smtplib one"), sample("eight bit", bytes(range(0x20, 0x7f)) + b"\r\n\xc3\xa9t\xc3\xa9\r\n"),
                sample("dots", b".\r\n..\r\n.x\r\nend\r\n")]
        c = smtplib.SMTP("127.0.0.1", p.port, timeout=NET_TIMEOUT)
        c.ehlo("scanner.local")
        self.assertNotIn("starttls", c.esmtp_features)
        for m in sent:
            c.sendmail(USER, [RCPT], m)
        c.quit()
        got = self.received_after(before, len(sent))
        self.assertEqual(sorted(without_received(g) for g in got), sorted(sent))
        wire = relay.upstream_bytes
        self.assertIn(b"STARTTLS\r\n", wire)
        self.assertNotIn(b"AUTH", wire)  # only inside TLS
        self.assertNotIn(b"smtplib one", wire)
        self.assertNotIn(b"line starting with a dot", wire)
        for form in password_forms(USER, PASSWORD):
            self.assertNotIn(form, wire)
        log = p.stop()
        self.assertRegex(log, r"upstream=localhost\[127\.0\.0\.1\]:\d+ tls=\"TLSv1\.[23] \S+ verified=yes\" "
                              r"auth=PLAIN .*messages=3 refused=0")

    def test_swaks_through_the_proxy_to_postfix(self):
        p = self.start_proxy(self.postfix.port)
        before = len(self.postfix.sink.messages)
        sent = sample("swaks")
        with tempfile.NamedTemporaryFile(suffix=".eml") as f:
            f.write(sent[:-2])  # swaks adds the final CRLF
            f.flush()
            r = subprocess.run(["swaks", "--server", "127.0.0.1", "--port", str(p.port), "--timeout", "30",
                                "--from", USER, "--to", RCPT, "--data", "@" + f.name], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        out = r.stdout.decode(errors="replace")
        self.assertEqual(r.returncode, 0, out)
        self.assertNotIn("STARTTLS", out)  # the device side stays plain
        got = self.received_after(before)
        self.assertEqual(without_received(got[0]), sent)

    def test_wrong_stored_password_is_a_temporary_refusal(self):
        p = self.start_proxy(self.postfix.port, password="not-the-password")
        before = len(self.postfix.sink.messages)
        c = smtplib.SMTP("127.0.0.1", p.port, timeout=NET_TIMEOUT)
        with self.assertRaises(smtplib.SMTPDataError) as e:
            c.sendmail(USER, [RCPT], sample("bad login"))
        self.assertEqual(e.exception.smtp_code // 100, 4, e.exception.smtp_error)
        self.assertIn(b"535", e.exception.smtp_error)  # Postfix's refusal named
        c.quit()
        self.assertEqual(len(self.postfix.sink.wait(before + 1, timeout=2)), before)
        self.assertRegex(p.stop(), r"refused|failed")


if __name__ == "__main__":
    if not proxy_postfix.available():
        print("postfix (or dovecot for its SASL) not installed: skipped")
        sys.exit(77)
    harness.unittest.main(verbosity=2)
