#!/usr/bin/env python3
"""A crash during outbound delivery loses nothing (issue #4, DESIGN.md
"Nothing acknowledged is lost"): four messages are queued for a slow
scripted peer that stalls before its final 250; with two sent at a time
(max_per_domain = 2), A is killed with SIGKILL while two wait for that 250
and two wait in the queue. Restarted on the same data directory, A must
deliver every message: the two in flight again (SMTP allows that
duplicate: the peer never acknowledged them), the two others once."""

import os
import re
import sys
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from delivery_helpers import delivery_section, queue_list, send, start_server, wait_queue_empty  # noqa: E402
from harness import User  # noqa: E402
from smtp_peer import ScriptedPeer  # noqa: E402

WAIT = 20
STALL = 6.0  # seconds the slow peer sits on a complete message before "250"
MESSAGES = 4

ALICE = User("alice@a.test", "alice-Restart-31x")
LISTENERS = [
    dict(name="pop3-plain", tls="starttls", plaintext_auth=True),
    dict(name="smtp", service="smtp", tls="none"),
]


def message_id(data):
    m = re.search(rb"^Message-ID: <([^>]+)>", data, re.M)
    return m.group(1).decode() if m else None


class RestartTest(unittest.TestCase):
    def test_sigkill_during_delivery_loses_nothing(self):
        slow = {"on": True}
        peer = ScriptedPeer({".": lambda line, txn, n: (STALL, "250 2.0.0 ok") if slow["on"] else "250 2.0.0 ok"},
                            connections=None)
        self.addCleanup(peer.close)
        a = start_server("A", "mail.a.test", "a.test", [ALICE], LISTENERS,
                         delivery_section(max_per_domain=2, routes={"slow.test": "[127.0.0.1]:%d" % peer.port}),
                         extra=dict(trusted_networks=["127.0.0.1/32"]))
        self.addCleanup(a.cleanup)

        ids = ["restart-%d@a.test" % i for i in range(MESSAGES)]
        for i, mid in enumerate(ids):
            send(a, "smtp", ALICE.address, ["user%d@slow.test" % i],
                 b"Subject: restart %d\r\nMessage-ID: <%s>\r\n\r\nbody %d\r\n" % (i, mid.encode(), i))
        peer.wait_for(lambda p: sum(t.complete for t in p.transactions) >= 2, WAIT, "two messages in flight")
        in_flight = {message_id(t.data) for t in peer.completed()}
        self.assertEqual(len(in_flight), 2, "max_per_domain = 2: %r" % peer.transactions)
        self.assertIn("4 messages", queue_list(a))

        a.kill()
        slow["on"] = False
        connections_before = peer.connections
        a.start()
        for mid in ids:
            peer.wait_for(lambda p, mid=mid: any(t.complete and t.connection >= connections_before
                                                 and message_id(t.data) == mid for t in p.transactions),
                          WAIT, "delivery of <%s> after the restart" % mid)
        wait_queue_empty(a)

        arrivals = {mid: sum(1 for t in peer.completed() if message_id(t.data) == mid) for mid in ids}
        for mid in ids:
            if mid in in_flight:
                self.assertLessEqual(arrivals[mid], 2, "<%s> was in flight: at most twice" % mid)
            else:
                self.assertEqual(arrivals[mid], 1, "<%s> waited in the queue: exactly once" % mid)
        a.stop()
        self.assertFalse(re.search(r"notification queued", a.log_text), "nothing failed: no DSN")


if __name__ == "__main__":
    harness.main()
