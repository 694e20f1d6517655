#!/usr/bin/env python3
"""A Maildir file without a final line end (as Dovecot or another MUA may
leave one), with and without Dovecot's S=/W= sizes in its name: every size
IMAP and POP3 announce equals the octets they then send (RFC 9051 §7.5.2: a
literal's count is exact). RFC822.SIZE, BODY[], BODY[]<partial>, BODY[TEXT],
BINARY[1] and BINARY.SIZE[1] over IMAP; LIST and RETR over POP3."""

import imaplib
import os
import re
import socket
import sys
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import NET_TIMEOUT, DOMAIN, User  # noqa: E402

READER = User("noend@" + DOMAIN, "noend-Fl-1a")
LISTENERS = [dict(name="imap", service="imap", tls="none", plaintext_auth=True),
             dict(name="pop3", service="pop3", tls="none", plaintext_auth=True)]

HEADER = b"From: a@example.test\r\nSubject: no final line end\r\n\r\n"
BODY = b"first line\nsecond line\r\nlast line without an end"
RAW = HEADER + BODY
WIRE = re.sub(rb"(?<!\r)\n", b"\r\n", RAW) + b"\r\n"  # what a client must receive


class FinalLineEndTest(harness.ServerTestCase):
    USERS = [READER]
    LISTENERS = LISTENERS

    def setUp(self):
        super().setUp()
        c = self.imap()  # the Maildir exists once the user logged in
        c.select("INBOX")
        c.logout()
        md = os.path.join(self.srv.data_dir, "mail", DOMAIN, "noend")
        wire_size = len(re.sub(rb"(?<!\r)\n", b"\r\n", RAW))
        for name in ("1600000000.M1P1.mua:2,S",
                     "1600000001.M2P2.dovecot,S=%d,W=%d:2,S" % (len(RAW), wire_size)):
            with open(os.path.join(md, "tmp", name), "wb") as f:
                f.write(RAW)
            os.rename(os.path.join(md, "tmp", name), os.path.join(md, "cur", name))

    def imap(self):
        c = imaplib.IMAP4(*self.srv.addr("imap"), timeout=NET_TIMEOUT)
        c.login(READER.address, READER.password)
        return c

    def fetch(self, c, uid, item):
        typ, data = c.uid("FETCH", str(uid), "(" + item + ")")
        self.assertEqual(typ, "OK", item)
        return data

    def literal(self, c, uid, item):
        data = self.fetch(c, uid, item)
        self.assertIsInstance(data[0], tuple, item)
        # imaplib reads exactly the announced count; the rest of the response must follow cleanly.
        self.assertEqual(data[1], b")", item)
        return data[0][1]

    def test_imap_sizes_match_what_is_sent(self):
        c = self.imap()
        c.select("INBOX")
        for uid in (1, 2):
            with self.subTest(uid=uid):
                size = self.fetch(c, uid, "RFC822.SIZE")[0]
                self.assertIn(b"RFC822.SIZE %d" % len(WIRE), size)
                self.assertEqual(self.literal(c, uid, "BODY.PEEK[]"), WIRE)
                self.assertEqual(self.literal(c, uid, "BODY.PEEK[]<40.1000>"), WIRE[40:])
                self.assertEqual(self.literal(c, uid, "BODY.PEEK[]<%d.10>" % (len(WIRE) - 3)), WIRE[-3:])
                self.assertEqual(self.literal(c, uid, "BODY.PEEK[TEXT]"), WIRE[len(HEADER):])
                text = WIRE[len(HEADER):]
                self.assertEqual(self.literal(c, uid, "BINARY.PEEK[1]"), text)
                self.assertIn(b"BINARY.SIZE[1] %d" % len(text), self.fetch(c, uid, "BINARY.SIZE[1]")[0])
        c.logout()

    def test_pop3_list_equals_retr(self):
        s = socket.create_connection(self.srv.addr("pop3"), timeout=NET_TIMEOUT)
        f = s.makefile("rb")

        def cmd(line):
            s.sendall(line.encode() + b"\r\n")
            reply = f.readline()
            self.assertTrue(reply.startswith(b"+OK"), (line, reply))
            return reply

        self.assertTrue(f.readline().startswith(b"+OK"))
        cmd("USER " + READER.address)
        cmd("PASS " + READER.password)
        for n in (1, 2):
            with self.subTest(message=n):
                listed = int(cmd("LIST %d" % n).split()[2])
                cmd("RETR %d" % n)
                got = b""
                while True:
                    line = f.readline()
                    self.assertTrue(line.endswith(b"\r\n"), line)
                    if line == b".\r\n":
                        break
                    got += line[1:] if line.startswith(b".") else line  # RFC 1939 §3 byte-stuffing
                self.assertEqual(got, WIRE)
                self.assertEqual(listed, len(got))
        cmd("QUIT")
        s.close()


if __name__ == "__main__":
    unittest.main()
