#!/usr/bin/env python3
"""Graceful stop (issue #12): at SIGTERM the server stops accepting, lets
each session finish the command under way, then closes it with the
protocol's goodbye - SMTP 421 (after the 250 of a DATA in progress), POP3
-ERR (after the whole RETR in progress; no UPDATE: nothing deleted), IMAP
BYE - and lets a delivery round whose reply is still coming end, all
within shutdown_timeout. After the restart nothing is sent twice."""

import os
import poplib
import re
import signal
import socket
import sys
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from delivery_helpers import delivery_section, send, start_server, wait_queue_empty, wait_until  # noqa: E402
from harness import NET_TIMEOUT, User  # noqa: E402
from smtp_peer import ScriptedPeer  # noqa: E402

ALICE = User("alice@example.test", "alice-Stop-4k")
LISTENERS = [
    dict(name="pop3-plain", tls="starttls", plaintext_auth=True),
    dict(name="smtp", service="smtp", tls="none"),
    dict(name="imap", service="imap", tls="starttls"),
]
EXIT_WAIT = 15.0


def read_line(sock):
    out = b""
    while not out.endswith(b"\r\n"):
        b = sock.recv(1)
        if not b:
            break
        out += b
    return out


def wait_exit(srv, timeout=EXIT_WAIT):
    srv.proc.wait(timeout)
    code = srv.proc.returncode
    srv.stop()
    return code


class StopTest(unittest.TestCase):
    def server(self, extra=None):
        config = dict(shutdown_timeout=20)  # a loaded machine is slow
        config.update(extra or {})
        srv = harness.Server(listeners=LISTENERS, extra_config=config)
        self.addCleanup(srv.cleanup)
        srv.add_domain()
        srv.add_user(ALICE.address, ALICE.password)
        return srv

    def test_sigterm_mid_data_finishes_the_message_then_421(self):
        srv = self.server().start()
        idle = socket.create_connection(srv.addr("imap"), timeout=NET_TIMEOUT)
        self.addCleanup(idle.close)
        self.assertTrue(read_line(idle).startswith(b"* OK"))
        s = socket.create_connection(srv.addr("smtp"), timeout=NET_TIMEOUT)
        self.addCleanup(s.close)
        self.assertTrue(read_line(s).startswith(b"220"))
        for cmd, code in ((b"EHLO client.test", b"250 "), (b"MAIL FROM:<bob@elsewhere.test>", b"250"),
                          (b"RCPT TO:<%s>" % ALICE.address.encode(), b"250"), (b"DATA", b"354")):
            s.sendall(cmd + b"\r\n")
            line = read_line(s)
            while line.startswith(b"250-"):
                line = read_line(s)
            self.assertTrue(line.startswith(code), (cmd, line))
        s.sendall(b"Subject: mid-data\r\nMessage-ID: <mid-data@example.test>\r\n\r\nfirst half\r\n")
        time.sleep(0.3)
        os.kill(srv.pid, signal.SIGTERM)
        # The idle IMAP session is told at once; the SMTP one finishes its DATA.
        self.assertEqual(read_line(idle), b"* BYE [UNAVAILABLE] Server shutting down.\r\n")
        time.sleep(0.5)
        self.assertIsNone(srv.proc.poll(), "exited with a DATA under way")
        s.sendall(b"second half\r\n.\r\n")
        self.assertTrue(read_line(s).startswith(b"250 "))
        self.assertRegex(read_line(s), rb"^421 4\.3\.2 .*shutting down")
        self.assertEqual(s.recv(10), b"")
        self.assertEqual(wait_exit(srv), 0)
        self.assertIn("reason=shutdown", srv.log_text)
        # Accepted is kept: the message is there after the restart.
        srv.start()
        pop = poplib.POP3(*srv.addr("pop3-plain"), timeout=NET_TIMEOUT)
        pop.user(ALICE.address)
        pop.pass_(ALICE.password)
        self.assertEqual(pop.stat()[0], 1)
        self.assertIn(b"second half", b"\r\n".join(pop.retr(1)[1]))
        pop.quit()

    def test_sigterm_mid_retr_sends_the_whole_message_and_deletes_nothing(self):
        srv = self.server()
        big = harness.msg_big(4 * 1024 * 1024)
        srv.inject(ALICE.address, big)
        srv.inject(ALICE.address, harness.simple_message("second"))
        srv.start()
        s = socket.create_connection(srv.addr("pop3-plain"), timeout=NET_TIMEOUT)
        self.addCleanup(s.close)
        self.assertTrue(read_line(s).startswith(b"+OK"))
        for cmd in (b"USER " + ALICE.address.encode(), b"PASS " + ALICE.password.encode(), b"DELE 2"):
            s.sendall(cmd + b"\r\n")
            self.assertTrue(read_line(s).startswith(b"+OK"), cmd)
        s.sendall(b"RETR 1\r\n")
        first = s.recv(4096)
        self.assertTrue(first.startswith(b"+OK"))
        # Not reading: the server is blocked in the middle of its 4 MiB.
        time.sleep(0.5)
        os.kill(srv.pid, signal.SIGTERM)
        time.sleep(0.5)
        data = first
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        body_end = data.index(b"\r\n.\r\n") + 5
        self.assertEqual(data[data.index(b"\r\n") + 2:body_end], harness.dot_stuff(harness.expected_wire(big)))
        self.assertEqual(data[body_end:], b"-ERR [SYS/TEMP] Server shutting down, try again later.\r\n")
        self.assertEqual(wait_exit(srv), 0)
        # No UPDATE: DELE 2 was not applied.
        srv.start()
        pop = poplib.POP3(*srv.addr("pop3-plain"), timeout=NET_TIMEOUT)
        pop.user(ALICE.address)
        pop.pass_(ALICE.password)
        self.assertEqual(pop.stat()[0], 2)
        pop.quit()

    def test_sigterm_during_delivery_waits_for_the_reply_and_sends_nothing_twice(self):
        stall = {"on": True}

        def end_of_data(line, txn, n):
            return (2.0, "250 2.0.0 ok, slowly") if stall["on"] else "250 2.0.0 ok"

        peer = ScriptedPeer({".": end_of_data}, connections=None)
        self.addCleanup(peer.close)
        srv = start_server("A", "mail.a.test", "a.test", [User("alice@a.test", "alice-Stop-4k")],
                           [dict(name="smtp", service="smtp", tls="none")],
                           delivery_section(routes={"slow.test": "[127.0.0.1]:%d" % peer.port}),
                           extra=dict(trusted_networks=["127.0.0.1/32"], shutdown_timeout=10))
        self.addCleanup(srv.cleanup)
        send(srv, "smtp", "alice@a.test", ["bob@slow.test"],
             b"Subject: in flight\r\nMessage-ID: <in-flight@a.test>\r\n\r\nbody\r\n")
        peer.wait_for(lambda p: any(t.complete for t in p.transactions), 20, "the message sent")
        os.kill(srv.pid, signal.SIGTERM)  # while the peer sits on its 250
        self.assertEqual(wait_exit(srv), 0)
        with peer.cond:
            self.assertEqual([t.reply is not None for t in peer.transactions], [True], peer.transactions)
        self.assertRegex(srv.log_text, r"to=<bob@slow\.test> .*status=sent")
        stall["on"] = False
        srv.start()
        wait_queue_empty(srv)
        time.sleep(1.5)  # a second copy would go out at once
        with peer.cond:
            self.assertEqual(len(peer.transactions), 1, peer.transactions)


if __name__ == "__main__":
    unittest.main(verbosity=2)
