#!/usr/bin/env python3
"""Peer-supplied values in the server log and in `mailroom queue list|show`
(common/log_field.hpp): a HELO name with an ESC sequence and a BEL, and a
quoted local part that tries to add a field (`"a x=1"@remote.example`),
arrive escaped or quoted, never raw."""

import os
import re
import socket
import sys
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DOMAIN, NET_TIMEOUT, User  # noqa: E402

ERIN = User("erin@" + DOMAIN, "erin-Log-77q")
HELO = "\x1b[2Jevil\x07.example and more"  # the engine keeps the first word
SENDER = '"a x=1"@remote.example'


class LogFieldTest(harness.ServerTestCase):
    USERS = [ERIN]
    LISTENERS = [dict(name="smtp", service="smtp", tls="none")]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A remote alias target keeps the message in the queue to be shown.
        cls.srv.cli("alias", "add", "list@" + DOMAIN, ERIN.address, "far@remote.example")

    def send_raw(self):
        sock = socket.create_connection(self.srv.addr("smtp"), timeout=NET_TIMEOUT)
        f = sock.makefile("rb")

        def reply():
            while True:
                line = f.readline()
                if line[3:4] != b"-":
                    return line

        replies = [reply()]
        for cmd in ("EHLO " + HELO, "MAIL FROM:<%s>" % SENDER, "RCPT TO:<list@%s>" % DOMAIN, "DATA"):
            sock.sendall(cmd.encode() + b"\r\n")
            replies.append(reply())
        sock.sendall(b"Subject: log fields\r\n\r\nbody \x1b[31m red\r\n.\r\nQUIT\r\n")
        replies.append(reply())
        sock.close()
        return replies

    def test_hostile_helo_and_quoted_local_part(self):
        replies = self.send_raw()
        self.assertEqual([r[:3] for r in replies], [b"220", b"250", b"250", b"250", b"354", b"250"], replies)
        qid = harness_wait(lambda: re.search(r" accepted from=.* queue=(\w+)", self.srv.read_log()))[1]

        log = self.srv.read_log()
        self.assertNotIn("\x1b", log, "an ESC reached the log")
        accepted = [l for l in log.splitlines() if " accepted from=" in l][-1]
        self.assertIn(r'from=<"\"a x=1\"@remote.example">', accepted)
        self.assertNotIn(" x=1", accepted.replace(r'"\"a x=1\"', ""), "a forged field")
        # The disconnect line names the HELO, escaped.
        harness_wait(lambda: " disconnect " in self.srv.read_log())
        self.assertIn(r'helo="\x1b[2Jevil\x07.example"', self.srv.read_log())

        listing = self.srv.cli("queue", "list").stdout.decode()
        self.assertIn(r'  from <"\"a x=1\"@remote.example">', listing)
        shown = self.srv.cli("queue", "show", "--body", qid).stdout.decode()
        self.assertNotIn("\x1b", shown, "an ESC reached the terminal")
        self.assertIn(r'helo "\x1b[2Jevil\x07.example"', shown)
        self.assertIn("body \\x1b[31m red", shown)


def harness_wait(cond, timeout=10.0):
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = cond()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError("timed out")


if __name__ == "__main__":
    unittest.main()
