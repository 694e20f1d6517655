#!/usr/bin/env python3
"""APPEND, COPY and MOVE against `mailroom serve` (imaplib, a raw socket
and curl): what APPEND took comes back from FETCH BODY[] and RFC822.SIZE
byte for byte (a 3 MiB message too), flags, keywords and the date kept, [APPENDUID]
naming the message, MULTIAPPEND, [TRYCREATE], a literal over APPENDLIMIT
refused before "+", COPY and MOVE with [COPYUID] and the content and
keywords of the copies, curl's APPEND (--upload-file) and fetch by UID."""

import imaplib
import os
import re
import subprocess
import sys
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import NET_TIMEOUT, DOMAIN, User, expected_wire  # noqa: E402
from test_imaplib import RawImap  # noqa: E402

WRITER = User("writer@" + DOMAIN, "writer-App-1a")
MOVER = User("mover@" + DOMAIN, "mover-App-2b", messages=[harness.simple_message("m%d" % i) for i in range(3)])
CURLER = User("curler@" + DOMAIN, "curler-App-3c")

LISTENERS = [dict(name="imap", service="imap", tls="none", plaintext_auth=True)]

MESSAGE = (b"From: a@example.test\r\nTo: b@example.test\r\nSubject: appended\r\n\r\nline one\r\n"
           b"line two\r\n\r\n.last\r\n")


def send_raw(r, data):
    r.sock.sendall(data)


def read_until_tagged(r, tag):
    untagged = []
    while True:
        line = r.line()
        if line.startswith(tag.encode() + b" "):
            return untagged, line
        untagged.append(line)


def literal(data):
    for part in data:
        if isinstance(part, tuple):
            return part[1]
    raise AssertionError("no literal in %r" % (data,))


class AppendTest(harness.ServerTestCase):
    USERS = [WRITER, MOVER, CURLER]
    LISTENERS = LISTENERS

    def login(self, user):
        c = imaplib.IMAP4(*self.srv.addr("imap"), timeout=NET_TIMEOUT)
        c.login(user.address, user.password)
        return c

    def fetch_body(self, c, uid):
        typ, data = c.uid("FETCH", str(uid), "(BODY.PEEK[] RFC822.SIZE FLAGS)")
        self.assertEqual(typ, "OK", data)
        return data, literal(data)

    def test_append_byte_exact_with_appenduid(self):
        c = self.login(WRITER)
        self.assertIn("APPENDLIMIT=", " ".join(c.capabilities))
        for m in (MESSAGE, expected_wire(harness.msg_big())):
            typ, data = c.append("INBOX", r"(\Flagged $Work)", None, m)
            self.assertEqual(typ, "OK", data)
            code = re.search(rb"\[APPENDUID (\d+) (\d+)\]", data[0])
            self.assertIsNotNone(code, data)
            c.select("INBOX")
            raw, body = self.fetch_body(c, int(code.group(2)))
            self.assertEqual(body, m)
            self.assertIn(b"RFC822.SIZE %d" % len(m), raw[0][0] + raw[-1])
            self.assertIn(b"\\Flagged", raw[0][0] + raw[-1])
            self.assertIn(b"$Work", raw[0][0] + raw[-1])
            typ, st = c.status("INBOX", "(UIDVALIDITY)")
            self.assertIn(b"UIDVALIDITY " + code.group(1), st[0])
        # RFC 9051 §6.3.12: the date-time is the INTERNALDATE, its zone kept as an instant
        typ, data = c.append("INBOX", None, '"07-Dec-2020 11:30:00 +0100"', MESSAGE)
        uid = re.search(rb"\[APPENDUID \d+ (\d+)\]", data[0]).group(1)
        c.select("INBOX")
        typ, data = c.uid("FETCH", uid.decode(), "(INTERNALDATE)")
        self.assertEqual(typ, "OK", data)
        self.assertIn(b'INTERNALDATE "07-Dec-2020 10:30:00 +0000"', data[0])
        typ, data = c.append("Nope", None, None, MESSAGE)
        self.assertEqual(typ, "NO")
        c.logout()

    def test_multiappend_and_limit(self):
        r = RawImap(*self.srv.addr("imap"))
        _, done = r.command("r1", "LOGIN %s %s" % (WRITER.address, WRITER.password))
        self.assertIn(b"OK", done)
        _, done = r.command("r2", "CREATE Multi")
        self.assertIn(b"OK", done)
        one, two = b"Subject: one\r\n\r\n1\r\n", b"Subject: two\r\n\r\n2\r\n"
        send_raw(r, b"r3 APPEND Multi {%d+}\r\n%s (\\Seen) {%d+}\r\n%s\r\n" % (len(one), one, len(two), two))
        _, done = read_until_tagged(r, "r3")
        self.assertRegex(done, rb"r3 OK \[APPENDUID \d+ 1:2\]")
        # over APPENDLIMIT: refused before "+" (RFC 7889), the connection goes on
        send_raw(r, b"r4 APPEND Multi {999999999999}\r\n")
        _, done = read_until_tagged(r, "r4")
        self.assertIn(b"r4 NO [TOOBIG]", done)
        untagged, done = r.command("r5", "STATUS Multi (MESSAGES)")
        self.assertIn(b"MESSAGES 2", b"".join(untagged))
        r.close()

    def test_copy_and_move_with_copyuid(self):
        c = self.login(MOVER)
        self.assertEqual(c.create("Kept")[0], "OK")
        c.select("INBOX")
        c.store("1", "+FLAGS", r"(\Answered $Label)")
        typ, data = c.copy("1:2", "Kept")
        self.assertEqual(typ, "OK", data)
        code = re.search(rb"\[COPYUID \d+ (\S+) (\S+)\]", data[0])
        self.assertIsNotNone(code, data)
        self.assertEqual(code.group(1), b"1:2")
        typ, data = c.uid("MOVE", "3", "Kept")
        self.assertEqual(typ, "OK", data)
        typ, data = c.uid("COPY", "1", "Nowhere")
        self.assertEqual(typ, "NO")
        self.assertIn(b"TRYCREATE", data[0])
        c.select("INBOX")
        typ, data = c.search(None, "ALL")
        self.assertEqual(data[0].split(), [b"1", b"2"])
        c.select("Kept", readonly=True)
        for uid, m in zip((1, 2, 3), MOVER.messages):
            raw, body = self.fetch_body(c, uid)
            self.assertEqual(body, expected_wire(m))
            if uid == 1:
                self.assertIn(b"$Label", raw[0][0] + raw[-1])
                self.assertIn(b"\\Answered", raw[0][0] + raw[-1])
        c.logout()

    def test_curl_append_and_fetch_by_uid(self):
        host, port = self.srv.addr("imap")
        path = os.path.join(self.srv.tmp, "curl-upload.eml")
        with open(path, "wb") as f:
            f.write(MESSAGE)
        base = "imap://%s:%d/INBOX" % (host, port)
        user = "%s:%s" % (CURLER.address, CURLER.password)
        subprocess.run(["curl", "-sS", "--max-time", "30", "-u", user, "--upload-file", path, base],
                       check=True, capture_output=True)
        got = subprocess.run(["curl", "-sS", "--max-time", "30", "-u", user, base + "/;UID=1"],
                             check=True, capture_output=True).stdout
        self.assertEqual(got, MESSAGE)


if __name__ == "__main__":
    unittest.main()
