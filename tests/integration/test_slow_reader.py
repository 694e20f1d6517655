#!/usr/bin/env python3
"""Write deadlines bound progress, not the whole write (issue #10 §3): a POP3
client that RETRs a multi-megabyte message reading a few KiB at a time, with
pauses shorter than idle_timeout but a total far longer, gets it whole; a
client that stops reading altogether is dropped once idle_timeout passes
with no byte sent."""

import os
import socket
import sys
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DOMAIN, RawPop3, User, dot_stuff, expected_wire, msg_big  # noqa: E402

IDLE = 2                        # seconds: the listener's idle_timeout (and write limit)
SLOW_MSG = msg_big(12 * 1024 * 1024)
STUCK_MSG = msg_big(8 * 1024 * 1024)  # more than the kernel's largest send buffer (4 MiB)
CHUNK = 16 * 1024               # bytes per read of the slow client
PAUSE = 0.01                    # seconds between reads, well under IDLE
# The server sees progress only when its socket turns writable again, which
# Linux reports once a third of the send buffer (autotuned to about 2.6 MB on
# loopback) is free: the client must drain that within IDLE, hence ~1 MB/s
# here (3x margin); the whole message still takes several times IDLE.


def small_receive_buffer_client(addr):
    """A RawPop3 whose socket has a small receive buffer, so that the server's
    sends wait for this client's reads instead of filling a large window."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    sock.settimeout(harness.NET_TIMEOUT)
    sock.connect(addr)
    r = RawPop3.__new__(RawPop3)
    r.sock, r.buf = sock, b""
    r.greeting = r.line()
    return r


class SlowReaderTest(harness.ServerTestCase):
    USERS = [User("slow@" + DOMAIN, "slow-Pw-11aa", messages=[SLOW_MSG]),
             User("stuck@" + DOMAIN, "stuck-Pw-22bb", messages=[STUCK_MSG])]
    LISTENERS = [dict(name="pop3", tls="none", plaintext_auth=True, idle_timeout=IDLE)]

    def disconnect_line(self, user):
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            lines = [l for l in self.srv.read_log().splitlines()
                     if " disconnect reason=" in l and ("user=" + user) in l]
            if lines:
                return lines[-1]
            time.sleep(0.05)
        self.fail("no disconnect line for %s in the log:\n%s" % (user, self.srv.read_log()[-3000:]))

    def test_slow_reader_gets_the_whole_message(self):
        r = small_receive_buffer_client(self.srv.addr("pop3"))
        try:
            r.login("slow@" + DOMAIN, "slow-Pw-11aa")
            want = dot_stuff(expected_wire(SLOW_MSG))
            r.send("RETR 1")
            t0 = time.monotonic()
            got = bytearray(r.buf)
            r.buf = b""
            longest_pause = 0.0
            for _ in range(1 << 20):
                eol = got.find(b"\r\n")
                if eol >= 0 and len(got) - (eol + 2) >= len(want):
                    break
                time.sleep(PAUSE)
                t = time.monotonic()
                data = r.sock.recv(CHUNK)
                longest_pause = max(longest_pause, time.monotonic() - t)
                if not data:
                    self.fail("server closed after %d of %d bytes (%.1f s): %s"
                              % (len(got), len(want), time.monotonic() - t0,
                                 self.disconnect_line("slow@" + DOMAIN)))
                got += data
            elapsed = time.monotonic() - t0
            status, body = bytes(got[:eol]), bytes(got[eol + 2:eol + 2 + len(want)])
            self.assertTrue(status.startswith(b"+OK"), status)
            self.assertEqual(body, want)
            # The point of the test: the whole send took far longer than the limit.
            self.assertGreater(elapsed, 3 * IDLE, "too fast to test anything: %.1f s" % elapsed)
            self.assertLess(longest_pause, IDLE)
        finally:
            r.close()
        # The server's idle timer starts once the last bytes are in the kernel,
        # so a client this slow may be logged out (timeout) while it drains
        # them; what must never happen is a failed write.
        self.assertNotIn("reason=write_failed", self.disconnect_line("slow@" + DOMAIN))

    def test_stopped_reader_is_dropped(self):
        r = small_receive_buffer_client(self.srv.addr("pop3"))
        try:
            r.login("stuck@" + DOMAIN, "stuck-Pw-22bb")
            r.send("RETR 1")
            t0 = time.monotonic()
            line = self.disconnect_line("stuck@" + DOMAIN)  # waits up to 5 s, reading nothing
            self.assertGreaterEqual(time.monotonic() - t0, 0.9 * IDLE)
            self.assertIn("reason=write_failed", line)
            # What is left to read is what the kernels held, then the end.
            r.sock.settimeout(2)
            got = len(r.buf)
            for _ in range(1 << 20):
                try:
                    data = r.sock.recv(65536)
                except (socket.timeout, OSError):
                    break
                if not data:
                    break
                got += len(data)
            self.assertLess(got, len(STUCK_MSG))
        finally:
            r.close()


if __name__ == "__main__":
    harness.main()
