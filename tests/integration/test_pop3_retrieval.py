#!/usr/bin/env python3
"""POP3 RETR and TOP streamed from the Maildir by ranges (issue #10 §3)
against `mailroom serve`: a message far larger than any buffer comes byte
exact while the server's memory stays bounded even when the client does not
read; TOP stops early; pipelined RETRs answer in order; a message removed by
another program is an -ERR and the session goes on."""

import os
import sys
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DOMAIN, RawPop3, User, expected_wire  # noqa: E402

BIG = harness.msg_big(24 * 1024 * 1024)
SMALL = [harness.simple_message("r%d" % i) for i in range(3)] + [harness.msg_crlf()]
USER = User("ranges@" + DOMAIN, "ranges-Pw-71xy", messages=[BIG] + SMALL)
GONE = User("gone@" + DOMAIN, "gone-Pw-33ab", messages=SMALL[:2])


def unstuff(wire):
    """The message body of a multi-line response (RFC 1939 §3): the
    terminating line removed and one leading dot taken off each line."""
    assert wire.endswith(b".\r\n"), wire[-20:]
    lines = wire[:-3].split(b"\r\n")
    assert lines[-1] == b""
    return b"".join((l[1:] if l.startswith(b".") else l) + b"\r\n" for l in lines[:-1])


def read_file(path):
    with open(path, "rb") as f:
        return f.read()


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def under_asan(pid):
    # AddressSanitizer keeps freed ranges in its quarantine and adds shadow
    # memory, so RSS says nothing about what the server holds there: the
    # memory bound is checked by the release build's run only.
    with open("/proc/%d/maps" % pid) as f:
        return "libasan" in f.read()


class RetrievalTest(harness.ServerTestCase):
    USERS = [USER, GONE]

    def login(self, user):
        r = RawPop3(*self.srv.addr("pop3-plain"))
        r.ok("USER " + user.address)
        r.ok("PASS " + user.password)
        return r

    def test_big_message_with_bounded_memory(self):
        r = self.login(USER)
        try:
            before = rss_kib(self.srv.pid)
            r.send("RETR 1")
            # The client reads nothing for a while: the server must wait
            # with a range in hand, not read the 24 MiB file (or its wire
            # form) into memory.
            time.sleep(1.0)
            stalled = rss_kib(self.srv.pid)
            status = r.line()
            self.assertTrue(status.startswith(b"+OK %d octets" % len(expected_wire(BIG))), status)
            body = r.multiline_raw()
            after = rss_kib(self.srv.pid)
            self.assertEqual(unstuff(body), expected_wire(BIG))
            if under_asan(self.srv.pid):
                r.ok("QUIT")
                return
            self.assertLess(stalled - before, 8 * 1024, "server grew %d KiB while the client did not read"
                            % (stalled - before))
            self.assertLess(after - before, 8 * 1024, "server grew %d KiB over one RETR" % (after - before))
            r.ok("NOOP")
            r.ok("QUIT")
        finally:
            r.close()

    def test_top_stops_after_its_lines(self):
        r = self.login(USER)
        try:
            status = r.cmd("TOP 1 2")
            self.assertTrue(status.startswith(b"+OK"), status)
            head, _, body = expected_wire(BIG).partition(b"\r\n\r\n")
            want = head + b"\r\n\r\n" + b"".join(l + b"\r\n" for l in body.split(b"\r\n")[:2])
            self.assertEqual(unstuff(r.multiline_raw()), want)
            r.ok("NOOP")  # nothing of the message follows
            self.assertEqual(r.buf, b"")
            r.ok("QUIT")
        finally:
            r.close()

    def test_pipelined_retrs_answer_in_order(self):
        r = self.login(USER)
        try:
            order = [5, 2, 4, 2, 3]
            r.sock.sendall(b"".join(b"RETR %d\r\n" % n for n in order) + b"NOOP\r\n")
            for n in order:
                self.assertTrue(r.line().startswith(b"+OK"))
                self.assertEqual(unstuff(r.multiline_raw()), expected_wire(USER.messages[n - 1]), n)
            self.assertTrue(r.line().startswith(b"+OK"), "NOOP after the RETRs")
            r.ok("QUIT")
        finally:
            r.close()

    def test_message_removed_by_another_program(self):
        r = self.login(GONE)
        try:
            box = os.path.join(self.srv.data_dir, "mail", DOMAIN, "gone")
            files = [os.path.join(box, d, f) for d in ("new", "cur") for f in os.listdir(os.path.join(box, d))]
            self.assertEqual(len(files), 2)
            os.unlink(next(p for p in files if read_file(p) == SMALL[0]))
            status = r.cmd("RETR 1")
            self.assertTrue(status.startswith(b"-ERR [SYS/PERM]"), status)
            status = r.cmd("TOP 1 0")
            self.assertTrue(status.startswith(b"-ERR [SYS/PERM]"), status)
            self.assertTrue(r.cmd("RETR 2").startswith(b"+OK"))
            self.assertEqual(unstuff(r.multiline_raw()), expected_wire(SMALL[1]))
            r.ok("QUIT")
        finally:
            r.close()


if __name__ == "__main__":
    unittest.main()
