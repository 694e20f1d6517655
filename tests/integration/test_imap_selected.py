#!/usr/bin/env python3
"""The IMAP selected state against `mailroom serve` (imaplib and a raw
socket): FETCH BODY[] of messages delivered over SMTP and injected (3 MiB
too) byte for byte, headers only, sections, partials, RFC822.SIZE, the
implicit \\Seen, STORE seen by a second session, EXPUNGE and a POP3 DELE
told as EXPUNGE in an IDLE session, a message delivered over SMTP announced
in an IDLE session within a second."""

import imaplib
import os
import poplib
import re
import sys
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import NET_TIMEOUT, DOMAIN, User, expected_wire  # noqa: E402
import delivery_helpers  # noqa: E402
from test_imaplib import RawImap  # noqa: E402

INJECTED = [harness.msg_crlf(), harness.msg_lf(), harness.msg_8bit(), harness.msg_big()]
READER = User("reader@" + DOMAIN, "reader-Sel-1a", messages=INJECTED)
SMTPUSER = User("smtpuser@" + DOMAIN, "smtpuser-Sel-2b")
FLAGS = User("flags@" + DOMAIN, "flags-Sel-3c", messages=[harness.simple_message("f%d" % i) for i in range(4)])
POPPER = User("popper@" + DOMAIN, "popper-Sel-4d", messages=[harness.simple_message("p%d" % i) for i in range(3)])
IDLER = User("idler2@" + DOMAIN, "idler2-Sel-5e", messages=[harness.simple_message("i0")])

LISTENERS = [
    dict(name="imap", service="imap", tls="none", plaintext_auth=True),
    dict(name="pop3-plain", service="pop3", tls="none", plaintext_auth=True),
    dict(name="smtp", service="smtp", tls="none"),
]

MULTIPART = (b"From: a@example.test\r\nTo: b@example.test\r\nSubject: parts\r\nMIME-Version: 1.0\r\n"
             b"Content-Type: multipart/mixed; boundary=\"xx\"\r\n\r\npreamble\r\n--xx\r\n"
             b"Content-Type: text/plain; charset=us-ascii\r\n\r\nhello part one\r\n--xx\r\n"
             b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
             b"AAECAwQ=\r\n--xx--\r\n")


def fetch_one(c, what, arg):
    typ, data = c.uid("FETCH", arg, what) if what.startswith("(UID") else c.fetch(arg, what)
    assert typ == "OK", (typ, data)
    return data


def literal(data):
    """The first literal of an imaplib FETCH answer."""
    for part in data:
        if isinstance(part, tuple):
            return part[1]
    raise AssertionError("no literal in %r" % (data,))


class SelectedTest(harness.ServerTestCase):
    USERS = [READER, SMTPUSER, FLAGS, POPPER, IDLER]
    LISTENERS = LISTENERS

    def login(self, user, mailbox="INBOX", readonly=False):
        c = imaplib.IMAP4(*self.srv.addr("imap"), timeout=NET_TIMEOUT)
        c.login(user.address, user.password)
        typ, _ = c.select(mailbox, readonly=readonly)
        self.assertEqual(typ, "OK")
        return c

    def raw(self, user):
        r = RawImap(*self.srv.addr("imap"))
        _, done = r.command("r1", "LOGIN %s %s" % (user.address, user.password))
        self.assertIn(b"OK", done)
        untagged, done = r.command("r2", "SELECT INBOX")
        self.assertIn(b"OK", done)
        return r, untagged

    # ------------------------------------------------------------ FETCH
    def test_fetch_injected_messages_byte_exact(self):
        c = self.login(READER, readonly=True)
        for n, m in enumerate(INJECTED, 1):
            data = fetch_one(c, "(BODY.PEEK[] RFC822.SIZE)", str(n))
            self.assertEqual(literal(data), expected_wire(m), "message %d" % n)
            self.assertIn(b"RFC822.SIZE %d" % len(expected_wire(m)), data[0][0] + data[1])
            head = expected_wire(m).partition(b"\r\n\r\n")[0] + b"\r\n\r\n"
            self.assertEqual(literal(fetch_one(c, "(BODY.PEEK[HEADER])", str(n))), head)
            self.assertEqual(literal(fetch_one(c, "(RFC822.HEADER)", str(n))), head)
            body = expected_wire(m).partition(b"\r\n\r\n")[2]
            self.assertEqual(literal(fetch_one(c, "(BODY.PEEK[TEXT])", str(n))), body)
        # partials: origin and length on the CRLF form, the origin past the end
        big = expected_wire(INJECTED[3])
        data = fetch_one(c, "(BODY.PEEK[]<1000000.70000>)", "4")
        self.assertIn(b"BODY[]<1000000> {70000}", data[0][0])
        self.assertEqual(literal(data), big[1000000:1070000])
        data = fetch_one(c, "(BODY.PEEK[]<%d.10>)" % (len(big) + 5), "4")
        self.assertIn(b"{0}", data[0][0])
        typ, data = c.fetch("1", "(BODY.PEEK[HEADER.FIELDS (Subject Message-ID)])")
        self.assertEqual(literal(data), b"Subject: crlf\r\nMessage-ID: <crlf@example.test>\r\n\r\n")
        for _ in range(2):  # the second time from the cached structure and the header alone
            typ, data = c.fetch("4", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            self.assertEqual(literal(data), b"Subject: big\r\n\r\n")
        typ, data = c.fetch("2", "(ENVELOPE FLAGS UID INTERNALDATE)")
        self.assertRegex(data[0], rb'ENVELOPE \(NIL "lf only" \(\(NIL NIL "sender" "example.test"\)\)')
        self.assertRegex(data[0], rb'INTERNALDATE "\d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d \+0000"')
        typ, data = c.fetch("1:*", "(FLAGS)")
        self.assertIn(len(data), (4, 5))  # the multipart test may have added one
        with self.assertRaises(imaplib.IMAP4.error) as e:
            c.fetch("9", "(FLAGS)")
        self.assertIn("BAD", str(e.exception))
        c.logout()

    def test_smtp_delivered_message_fetched_as_pop3_gives_it(self):
        msg = delivery_helpers.message("over smtp")
        delivery_helpers.send(self.srv, "smtp", "x@a.test", [SMTPUSER.address], msg)
        c = imaplib.IMAP4(*self.srv.addr("imap"), timeout=NET_TIMEOUT)
        c.login(SMTPUSER.address, SMTPUSER.password)
        deadline = time.monotonic() + 20
        while True:
            typ, data = c.select("INBOX")
            if int(data[0]) >= 1 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(int(data[0]), 1)
        body = literal(fetch_one(c, "(UID BODY[])", "1"))
        self.assertTrue(body.endswith(expected_wire(msg)), body[-400:])
        p = poplib.POP3(*self.srv.addr("pop3-plain"), timeout=NET_TIMEOUT)
        p.user(SMTPUSER.address)
        p.pass_(SMTPUSER.password)
        lines = p.retr(1)[1]
        p.quit()
        self.assertEqual(body, b"".join(l + b"\r\n" for l in lines))
        # BODY[] (not PEEK) set \Seen, told with FLAGS
        typ, data = c.fetch("1", "(FLAGS)")
        self.assertIn(b"\\Seen", data[0])
        c.logout()

    def test_multipart_sections_and_binary(self):
        msg = MULTIPART
        self.srv.inject(READER.address, msg)  # READER's 5th message
        c = self.login(READER, readonly=True)
        typ, data = c.fetch("5", "(BODYSTRUCTURE)")
        self.assertIn(b'("text" "plain" ("charset" "us-ascii")', data[0])
        self.assertEqual(literal(fetch_one(c, "(BODY.PEEK[1])", "5")), b"hello part one")
        self.assertEqual(literal(fetch_one(c, "(BODY.PEEK[2.MIME])", "5")),
                         b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n")
        typ, data = c.fetch("5", "(BINARY.SIZE[2])")
        self.assertIn(b"BINARY.SIZE[2] 5", data[0])
        r = RawImap(*self.srv.addr("imap"))
        r.command("b1", "LOGIN %s %s" % (READER.address, READER.password))
        r.command("b2", "EXAMINE INBOX")
        r.send("b3 FETCH 5 (BINARY.PEEK[2])")
        self.assertEqual(r.line(), b"* 5 FETCH (BINARY[2] ~{5}")
        while len(r.buf) < 5:
            r.buf += r.sock.recv(100)
        self.assertEqual(r.buf[:5], b"\x00\x01\x02\x03\x04")
        r.buf = r.buf[5:]
        self.assertEqual(r.line(), b")")
        self.assertEqual(r.line(), b"b3 OK FETCH completed.")
        r.close()
        c.logout()

    # ------------------------------------------------------------ STORE, EXPUNGE
    def test_store_seen_by_second_session_and_expunge_in_idle(self):
        a = self.login(FLAGS)
        b, _ = self.raw(FLAGS)
        typ, data = a.store("2", "+FLAGS", "(\\Flagged $Work)")
        self.assertEqual(typ, "OK")
        # A selected first: its messages are \Recent to it (RFC 3501 §2.3.2), not to B.
        self.assertRegex(data[0], rb"2 \(FLAGS \(\\Flagged \\Recent \$Work\)\)")
        untagged, done = b.command("n1", "NOOP")
        self.assertEqual(done, b"n1 OK NOOP completed.")
        self.assertTrue(any(re.fullmatch(rb"\* 2 FETCH \(UID \d+ FLAGS \(\\Flagged \$Work\)\)", l) for l in untagged),
                        untagged)
        typ, data = a.store("2", "-FLAGS.SILENT", "($Work)")
        self.assertEqual((typ, data), ("OK", [None]))
        typ, data = a.uid("STORE", "1:*", "FLAGS", "(\\Seen)")
        self.assertEqual(typ, "OK")
        self.assertEqual(len(data), 4)
        # EXPUNGE by A is told to B while B idles
        b.send("i1 IDLE")
        while b.line() != b"+ idling":  # A's UID STORE may be told first
            pass
        a.store("3", "+FLAGS", "(\\Deleted)")
        typ, data = a.expunge()
        self.assertEqual((typ, data), ("OK", [b"3"]))
        start = time.monotonic()
        seen = []
        while b"* 3 EXPUNGE" not in seen:
            seen.append(b.line(timeout=5))
        self.assertLess(time.monotonic() - start, 2.0)
        b.send("DONE")
        while b.line() != b"i1 OK IDLE terminated.":
            pass
        untagged, _ = b.command("f1", "FETCH 1:* (FLAGS)")
        self.assertEqual(len([l for l in untagged if b"FETCH" in l]), 3)
        a.logout()
        b.close()

    def test_pop3_dele_seen_as_expunge_in_idle(self):
        b, untagged = self.raw(POPPER)
        self.assertIn(b"* 3 EXISTS", untagged)
        b.send("i1 IDLE")
        self.assertEqual(b.line(), b"+ idling")
        p = poplib.POP3(*self.srv.addr("pop3-plain"), timeout=NET_TIMEOUT)
        p.user(POPPER.address)
        p.pass_(POPPER.password)
        p.dele(1)
        p.quit()
        self.assertEqual(b.line(timeout=5), b"* 1 EXPUNGE")
        self.assertEqual(b.line(), b"* 2 RECENT")  # one of its recent messages is gone
        b.send("DONE")
        self.assertEqual(b.line(), b"i1 OK IDLE terminated.")
        b.close()

    def test_smtp_delivery_announced_in_idle_within_a_second(self):
        b, untagged = self.raw(IDLER)
        self.assertIn(b"* 1 EXISTS", untagged)
        b.send("i1 IDLE")
        self.assertEqual(b.line(), b"+ idling")
        delivery_helpers.send(self.srv, "smtp", "x@a.test", [IDLER.address], delivery_helpers.message("idle smtp"))
        start = time.monotonic()
        self.assertEqual(b.line(timeout=5), b"* 2 EXISTS")
        elapsed = time.monotonic() - start
        print("delivered over SMTP, told in IDLE after %.3f s" % elapsed, file=sys.stderr)
        self.assertLess(elapsed, 1.0)
        self.assertEqual(b.line(), b"* 2 RECENT")  # rev1: first told of it
        b.send("DONE")
        self.assertEqual(b.line(), b"i1 OK IDLE terminated.")
        b.close()


if __name__ == "__main__":
    unittest.main()
