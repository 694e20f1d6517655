#!/usr/bin/env python3
"""`mailroom queue flush|delete|bounce` against a running server (through
DATA/control.sock) and with the server stopped (on the spool itself).

Remote mail is routed by [delivery.routes] to a closed loopback port, so
every attempt fails temporarily and the message stays queued with a last
error; the retry delay (default 5 min) is longer than the test, so only a
flush makes a new attempt. Senders are local users: a bounce's failure DSN
lands in their Maildir, where the test looks for it."""

import os
import re
import smtplib
import socket
import stat
import sys
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DOMAIN, NET_TIMEOUT, User  # noqa: E402
from smtp_helpers import queued_envelopes  # noqa: E402

ALICE = User("alice@" + DOMAIN, "alice-Queue-11a")
BOB = User("bob@" + DOMAIN, "bob-Queue-22b")
CAROL = User("carol@" + DOMAIN, "carol-Queue-33c")
DAVE = User("dave@" + DOMAIN, "dave-Queue-44d")

REMOTE = "remote.test"
WAIT = 30.0  # seconds, every wait for the server to act

LISTENERS = [dict(name="smtp", service="smtp", tls="starttls")]


def make_server():
    delivery = dict(routes={REMOTE: "[127.0.0.1]:%d" % harness.closed_port()})
    srv = harness.Server(listeners=LISTENERS, extra_config=dict(trusted_networks=["127.0.0.0/8"], delivery=delivery))
    srv.add_domain(DOMAIN)
    for u in (ALICE, BOB, CAROL, DAVE):
        srv.add_user(u.address, u.password)
    return srv


ENTRY_RE = re.compile(r"^([0-9a-f]{16})  .* bytes  attempts (\d+)  next (\S+ \S+|-)$")
RCPT_RE = re.compile(r"^  to   <([^>]*)>  (\w+)(?:  \((.*)\))?$")


def queue_list(srv):
    """{id: dict(attempts, next, sender, rcpts=[(address, state, last_error)])}
    from `mailroom queue list`, which must show each of those fields."""
    out = srv.cli("queue", "list").stdout.decode()
    entries, cur = {}, None
    for line in out.splitlines():
        m = ENTRY_RE.match(line)
        if m:
            cur = entries[m.group(1)] = dict(attempts=int(m.group(2)), next=m.group(3), sender=None, rcpts=[])
        elif line.startswith("  from <") and cur is not None:
            cur["sender"] = line[len("  from <"):-1]
        elif RCPT_RE.match(line) and cur is not None:
            a, state, err = RCPT_RE.match(line).groups()
            cur["rcpts"].append((a, state, err or ""))
    return entries


def text(p):
    return (p.stdout + p.stderr).decode("utf-8", "replace")


def maildir_new(srv, user):
    local = user.address.split("@")[0]
    d = os.path.join(srv.data_dir, "mail", DOMAIN, local, "new")
    out = []
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        with open(os.path.join(d, name), "rb") as f:
            out.append(f.read())
    return out


class QueueControlCase(unittest.TestCase):
    srv = None

    def send_remote(self, sender, subject):
        """Relays one message from SENDER (a local user) to REMOTE; returns its queue id."""
        before = set(queued_envelopes(self.srv))
        msg = ("From: <%s>\r\nTo: <far@%s>\r\nSubject: %s\r\n\r\nbody of %s\r\n"
               % (sender.address, REMOTE, subject, subject)).encode()
        with smtplib.SMTP(*self.srv.addr("smtp"), timeout=NET_TIMEOUT) as s:
            self.assertEqual(s.sendmail(sender.address, ["far@" + REMOTE], msg), {})
        # The scheduler may be quick, but not quicker than a 5-minute retry.
        new = sorted(set(queued_envelopes(self.srv)) - before)
        self.assertEqual(len(new), 1, new)
        return new[0][:-len(".env")]

    def wait_for(self, what, cond):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            got = cond()
            if got:
                return got
            time.sleep(0.05)
        self.fail("timed out after %ds waiting for %s\n%s" % (WAIT, what, self.srv.read_log()[-4000:]))

    def wait_attempts(self, qid, n):
        """The queue entry of QID once it has at least N attempts."""
        return self.wait_for("%s to reach %d attempts" % (qid, n),
                             lambda: (queue_list(self.srv).get(qid) or {}).get("attempts", 0) >= n
                             and queue_list(self.srv)[qid])

    def wait_dsn(self, user, qid_subject):
        return self.wait_for("a DSN for %s" % user.address,
                             lambda: [m for m in maildir_new(self.srv, user) if qid_subject.encode() in m])

    def assert_admin_dsn(self, dsn, subject):
        self.assertIn(b"Subject: Undelivered Mail Returned to Sender", dsn)
        self.assertIn(b"message is administratively expired", dsn)
        self.assertIn(b"Status: 5.0.0", dsn)
        self.assertIn(b"Final-Recipient: rfc822; far@" + REMOTE.encode(), dsn)
        self.assertIn(b"Subject: " + subject.encode(), dsn)  # the returned message
        self.assertIn(b"Return-Path: <>", dsn)


class OnlineTest(QueueControlCase):
    """The running server reacts at once, without a restart."""

    @classmethod
    def setUpClass(cls):
        cls.srv = make_server().start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def test_socket_is_private(self):
        st = os.lstat(os.path.join(self.srv.data_dir, "control.sock"))
        self.assertTrue(stat.S_ISSOCK(st.st_mode))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)

    def test_list_then_flush_makes_attempts_grow(self):
        qid = self.send_remote(ALICE, "flush me")
        entry = self.wait_attempts(qid, 1)
        self.assertEqual(entry["sender"], ALICE.address)
        self.assertEqual(len(entry["rcpts"]), 1)
        address, state, last_error = entry["rcpts"][0]
        self.assertEqual((address, state), ("far@" + REMOTE, "pending"))
        self.assertNotEqual(last_error, "", "a last error after the first attempt")
        self.assertNotEqual(entry["next"], "-")
        time.sleep(0.3)
        self.assertEqual(queue_list(self.srv)[qid]["attempts"], 1, "no retry before its time")

        p = self.srv.cli("queue", "flush", qid)
        self.assertIn(qid, p.stdout.decode())
        self.wait_attempts(qid, 2)
        p = self.srv.cli("queue", "flush")
        self.assertRegex(p.stdout.decode(), r"^\d+ messages? (is|are) being delivered now\n$")
        self.wait_attempts(qid, 3)

        p = self.srv.cli("queue", "flush", "0123456789abcdef", check=False)
        self.assertEqual(p.returncode, 1, text(p))
        self.assertIn("no message 0123456789abcdef in the queue", p.stderr.decode())
        p = self.srv.cli("queue", "flush", "../../etc", check=False)
        self.assertEqual(p.returncode, 1, text(p))
        self.assertIn("not a queue id", p.stderr.decode())
        self.srv.cli("queue", "delete", qid)

    def test_bounce_returns_the_message_to_its_sender(self):
        qid = self.send_remote(BOB, "bounce me " + "x" * 8)
        self.wait_attempts(qid, 1)
        p = self.srv.cli("queue", "bounce", qid)
        self.assertIn(qid + " bounced", p.stdout.decode())
        self.assertNotIn(qid, queue_list(self.srv))
        dsn = self.wait_dsn(BOB, "bounce me " + "x" * 8)
        self.assertEqual(len(dsn), 1)
        self.assert_admin_dsn(dsn[0], "bounce me " + "x" * 8)
        # The DSN itself was delivered locally and left the queue.
        self.wait_for("an empty queue of DSNs", lambda: not any(
            e["sender"] == "" for e in queue_list(self.srv).values()))
        p = self.srv.cli("queue", "bounce", qid, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("no message %s in the queue" % qid, p.stderr.decode())

    def test_delete_removes_without_notice(self):
        qid = self.send_remote(CAROL, "delete me")
        self.wait_attempts(qid, 1)
        p = self.srv.cli("queue", "delete", qid)
        self.assertEqual(p.stdout.decode(), qid + " deleted\n")
        self.assertNotIn(qid, queue_list(self.srv))
        self.assertFalse(os.path.exists(os.path.join(self.srv.data_dir, "queue", "queue", qid + ".msg")))
        time.sleep(0.5)  # a DSN would be queued and delivered within this
        self.assertEqual(maildir_new(self.srv, CAROL), [])
        p = self.srv.cli("queue", "delete", qid, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("no message %s in the queue" % qid, p.stderr.decode())
        self.assertIn("DELETE %s" % qid, self.srv.read_log())


class OfflineTest(QueueControlCase):
    """With the server stopped, delete and bounce work on the spool; the
    server sends the bounce when it starts again."""

    def setUp(self):
        self.srv = make_server().start()

    def tearDown(self):
        self.srv.cleanup()

    def test_offline_delete_and_bounce_then_restart(self):
        gone = self.send_remote(CAROL, "offline delete")
        back = self.send_remote(DAVE, "offline bounce")
        self.wait_attempts(gone, 1)
        self.wait_attempts(back, 1)
        self.srv.stop()
        sock = os.path.join(self.srv.data_dir, "control.sock")
        self.assertFalse(os.path.exists(sock), "the socket file goes with the server")

        p = self.srv.cli("queue", "flush", check=False)
        self.assertEqual(p.returncode, 1, text(p))
        self.assertIn("no server is running on %s; queued mail is tried when it starts" % self.srv.data_dir,
                      p.stderr.decode())

        p = self.srv.cli("queue", "delete", gone)
        self.assertIn("deleted (no server running)", p.stdout.decode())
        p = self.srv.cli("queue", "bounce", back)
        self.assertIn("1 pending recipient failed", p.stdout.decode())
        listed = queue_list(self.srv)
        self.assertNotIn(gone, listed)
        self.assertEqual(listed[back]["rcpts"][0][1], "failed")
        self.assertIn("administratively expired", listed[back]["rcpts"][0][2])
        p = self.srv.cli("queue", "delete", gone, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("no message %s in the queue" % gone, p.stderr.decode())

        # A socket file left by a crash does not stop the next start.
        stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        stale.bind(sock)
        stale.close()
        self.srv.start()
        dsn = self.wait_dsn(DAVE, "offline bounce")
        self.assertEqual(len(dsn), 1)
        self.assert_admin_dsn(dsn[0], "offline bounce")
        self.wait_for("the bounced message to leave the queue", lambda: back not in queue_list(self.srv))
        self.assertEqual(maildir_new(self.srv, CAROL), [])
        # The restarted server answers on the replaced socket.
        p = self.srv.cli("queue", "flush")
        self.assertEqual(p.returncode, 0, text(p))

    def test_offline_refused_while_a_server_holds_the_queue_without_socket(self):
        qid = self.send_remote(ALICE, "held")
        # A server that does not answer on the socket (say, an older one)
        # still holds the spool lock: the CLI must not touch the queue.
        os.unlink(os.path.join(self.srv.data_dir, "control.sock"))
        p = self.srv.cli("queue", "delete", qid, check=False)
        self.assertEqual(p.returncode, 1, text(p))
        self.assertIn("holds the queue", p.stderr.decode())
        self.assertIn(qid, queue_list(self.srv))


if __name__ == "__main__":
    unittest.main()
