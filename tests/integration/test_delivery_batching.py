#!/usr/bin/env python3
"""Outbound delivery sends a backlog for one domain over few connections:
instance A queues 30 messages for b.test while B (on 127.0.0.2) is down,
then B starts and A delivers them 20 per SMTP connection (the scheduler's
max_messages_per_connection), each exactly once, and A's queue empties."""

import os
import re
import smtplib
import sys
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import NET_TIMEOUT  # noqa: E402

MESSAGES = 30
DEADLINE = 30.0  # seconds for the whole backlog


class BacklogTest(unittest.TestCase):
    def setUp(self):
        b_port = harness.closed_port()
        self.b = harness.Server(
            listeners=[dict(name="smtp", service="smtp", tls="starttls", address="127.0.0.2", port=b_port)],
            extra_config=dict(hostname="mx.b.test"), name="B")
        self.b.add_domain("b.test")
        self.b.add_user("bob@b.test", "bob-Batch-19q")
        self.a = harness.Server(
            listeners=[dict(name="smtp", service="smtp", tls="starttls")],
            extra_config=dict(hostname="a.test", trusted_networks=["127.0.0.0/8"],
                              delivery=dict(retry_initial=1, retry_max=1,
                                            routes={"b.test": "[127.0.0.2]:%d" % b_port})),
            name="A")
        self.a.add_domain("a.test")

    def tearDown(self):
        for s in (self.a, self.b):
            s.cleanup()

    def test_backlog_goes_out_on_few_connections(self):
        self.a.start()
        with smtplib.SMTP(*self.a.addr("smtp"), timeout=NET_TIMEOUT) as s:
            for n in range(MESSAGES):
                body = "From: x@a.test\r\nSubject: backlog %d\r\n\r\nmessage %d\r\n" % (n, n)
                self.assertEqual(s.sendmail("x@a.test", ["bob@b.test"], body), {})
        # Every message met the closed port once before B starts.
        deadline = time.monotonic() + DEADLINE
        while self.a.read_log().count("status=deferred") < MESSAGES and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertGreaterEqual(self.a.read_log().count("status=deferred"), MESSAGES, self.a.read_log())

        self.b.start()
        while len(harness.maildir_files(self.b.data_dir)) < MESSAGES and time.monotonic() < deadline:
            time.sleep(0.05)
        files = harness.maildir_files(self.b.data_dir)
        subjects = []
        for path in files:
            with open(path, "rb") as f:
                m = re.search(rb"^Subject: (backlog \d+)\r?$", f.read(), re.M)
                subjects.append(m.group(1).decode() if m else path)
        self.assertEqual(sorted(subjects), sorted("backlog %d" % n for n in range(MESSAGES)))

        while "the queue is empty" not in self.a.cli("queue", "list").stdout.decode() \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertIn("the queue is empty", self.a.cli("queue", "list").stdout.decode())
        self.b.stop()
        connections = len(re.findall(r" connect listener=smtp ", self.b.log_text))
        # 30 messages at 20 per connection: 2, and one more if a retry came
        # due while B was starting.
        self.assertLessEqual(connections, 3, self.b.log_text)
        self.assertGreaterEqual(connections, 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
