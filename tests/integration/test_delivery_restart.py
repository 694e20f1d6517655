#!/usr/bin/env python3
"""A crash during outbound delivery loses nothing and repeats only what
SMTP allows (issue #4, DESIGN.md "Nothing acknowledged is lost").

Four messages for one domain wait in A's queue (the scripted peer first
refuses with 421), then go out together on one connection. The peer
accepts the first two at once and stalls before its "250" for the third;
A is killed with SIGKILL during that stall and restarted on the same data
directory. Every message must then arrive: the two acknowledged before the
crash exactly once (A had their 250: sending them again would be a
duplicate SMTP does not excuse), the one in flight at most twice (its 250
never came: a second copy is allowed), the fourth, never sent, once."""

import os
import re
import sys
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from delivery_helpers import (delivery_section, queue_list, send, start_server, wait_queue_empty,  # noqa: E402
                              wait_until)
from harness import User  # noqa: E402
from smtp_peer import ScriptedPeer  # noqa: E402

WAIT = 20
STALL = 8.0  # seconds the peer sits on the third message before "250"
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
    def test_sigkill_during_delivery_loses_and_repeats_nothing_acknowledged(self):
        phase = {"now": "refuse"}  # refuse -> stall -> fast

        def greeting(line, txn, n):
            return "421 4.3.2 not yet (scripted)" if phase["now"] == "refuse" else "220 peer.test ESMTP"

        def end_of_data(line, txn, n):
            # The third message of the connection waits; which one that is
            # depends on the queue's order.
            if phase["now"] == "stall" and [t.connection for t in peer.transactions].count(n) == 3 \
                    and peer.transactions[-1] is txn:
                return (STALL, "250 2.0.0 ok, at last")
            return "250 2.0.0 ok"

        peer = ScriptedPeer({"greeting": greeting, ".": end_of_data}, connections=None)
        self.addCleanup(peer.close)
        a = start_server("A", "mail.a.test", "a.test", [ALICE], LISTENERS,
                         delivery_section(routes={"slow.test": "[127.0.0.1]:%d" % peer.port}),
                         extra=dict(trusted_networks=["127.0.0.1/32"]))
        self.addCleanup(a.cleanup)

        ids = ["restart-%d@a.test" % i for i in range(MESSAGES)]
        for i, mid in enumerate(ids):
            send(a, "smtp", ALICE.address, ["user%d@slow.test" % i],
                 b"Subject: restart %d\r\nMessage-ID: <%s>\r\n\r\nbody %d\r\n" % (i, mid.encode(), i))
        wait_until(lambda: len(set(re.findall(r"(\w+) to=<\S+> .*status=deferred \(\"421 ", a.read_log()))) == MESSAGES,
                   "every message deferred once")
        phase["now"] = "stall"
        peer.wait_for(lambda p: sum(t.complete for t in p.transactions) >= 3, WAIT, "three messages sent")
        with peer.cond:
            acknowledged = {message_id(t.data) for t in peer.transactions if t.complete and t.reply}
            in_flight = {message_id(t.data) for t in peer.transactions if t.complete and not t.reply}
            connections = {t.connection for t in peer.transactions}
        self.assertEqual(len(connections), 1, "one connection for the backlog: %r" % peer.transactions)
        self.assertEqual(len(acknowledged), 2, peer.transactions)
        self.assertEqual(len(in_flight), 1, peer.transactions)
        # What the peer acknowledged left the queue before the next message went out.
        listing = queue_list(a)
        self.assertIn("\n2 messages, ", listing)
        for i in range(MESSAGES):
            self.assertEqual("<user%d@slow.test>" % i in listing, "restart-%d@a.test" % i not in acknowledged, listing)

        a.kill()
        phase["now"] = "fast"
        connections_before = peer.connections
        a.start()
        wait_queue_empty(a)

        arrivals = {mid: sum(1 for t in peer.completed() if message_id(t.data) == mid) for mid in ids}
        for mid in ids:
            if mid in acknowledged:
                self.assertEqual(arrivals[mid], 1, "<%s> was acknowledged before the crash: sent again" % mid)
            elif mid in in_flight:
                self.assertIn(arrivals[mid], (1, 2), "<%s> was in flight: once or twice" % mid)
            else:
                self.assertEqual(arrivals[mid], 1, "<%s> was never sent before the crash" % mid)
        for mid in ids:
            self.assertTrue(mid in acknowledged or any(
                t.connection >= connections_before and message_id(t.data) == mid for t in peer.completed()),
                "<%s> was never acknowledged" % mid)
        a.stop()
        self.assertNotIn("notification queued", a.log_text, "nothing failed: no DSN")


if __name__ == "__main__":
    harness.main()
