#!/usr/bin/env python3
"""Crash safety of SMTP acceptance: many concurrent senders, `mailroom serve`
killed with SIGKILL in the middle, restarted on the same data directory.
Every message that got its 250 must be in its mailbox exactly once, and no
message may appear twice (DESIGN.md "Storage and durability")."""

import os
import poplib
import re
import signal
import smtplib
import sys
import threading
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DOMAIN, NET_TIMEOUT, User  # noqa: E402

USERS = [User("crash%d@%s" % (i, DOMAIN), "crash-Pw-%d9x" % i) for i in range(2)]
SENDERS = 8             # concurrent clients
PER_SENDER = 200        # upper bound of messages per client
KILL_AFTER = 1.0        # seconds of load before SIGKILL


class CrashTest(unittest.TestCase):
    def test_sigkill_loses_no_acknowledged_message(self):
        srv = harness.standard_server(USERS, listeners=[dict(name="pop3-plain", tls="starttls", plaintext_auth=True),
                                                        dict(name="smtp", service="smtp", tls="none",
                                                             max_connections_per_ip=100)])
        try:
            acked, lock = [], threading.Lock()
            addr = srv.addr("smtp")

            def sender(k):
                try:
                    with smtplib.SMTP(*addr, timeout=NET_TIMEOUT) as s:
                        for i in range(PER_SENDER):
                            mid = "<crash-%d-%d@test>" % (k, i)
                            rcpt = USERS[(k + i) % len(USERS)].address
                            body = ("Message-ID: %s\r\nSubject: load\r\n\r\n%s\r\n" % (mid, "x" * 512)).encode()
                            s.sendmail("load@remote.example", [rcpt], body)
                            with lock:
                                acked.append((rcpt, mid))  # only after the 250
                except (OSError, smtplib.SMTPException):
                    pass  # the server died under us: expected

            threads = [threading.Thread(target=sender, args=(k,)) for k in range(SENDERS)]
            for t in threads:
                t.start()
            time.sleep(KILL_AFTER)
            os.kill(srv.pid, signal.SIGKILL)
            for t in threads:
                t.join(timeout=30)
                self.assertFalse(t.is_alive(), "a sender hung after the kill")
            srv.stop()
            self.assertGreater(len(acked), 0, "no message was acknowledged before the kill")

            srv.start()
            found = {}
            for u in USERS:
                c = poplib.POP3(*srv.addr("pop3-plain"), timeout=NET_TIMEOUT)
                try:
                    c.user(u.address)
                    c.pass_(u.password)
                    for n in range(1, c.stat()[0] + 1):
                        text = b"\n".join(c.retr(n)[1]).decode()
                        m = re.search(r"^Message-ID: (<[^>]+>)$", text, re.M)
                        self.assertIsNotNone(m, "a stored message without its Message-ID: %r" % text[:300])
                        found.setdefault((u.address, m.group(1)), 0)
                        found[(u.address, m.group(1))] += 1
                finally:
                    c.quit()
            duplicates = [k for k, v in found.items() if v != 1]
            self.assertEqual(duplicates, [], "messages stored more than once")
            missing = [k for k in acked if k not in found]
            self.assertEqual(missing, [], "acknowledged messages lost by the crash")
            print("crash test: %d acknowledged before SIGKILL, %d stored, none lost"
                  % (len(acked), len(found)), file=sys.stderr)
        finally:
            srv.stop()
            srv.cleanup()


if __name__ == "__main__":
    harness.main()
