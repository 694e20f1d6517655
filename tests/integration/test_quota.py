#!/usr/bin/env python3
"""Quotas (issue #12) against `mailroom serve`, with log_format = "json":
RCPT answers 452 4.2.2 for a full mailbox and 552 5.2.2 when the declared
SIZE does not fit; a message that fits no recipient gets 552 5.2.2 at end of
data; a full mailbox among others that fit is queued, deferred with 4.2.2
and bounced at the queue's lifetime; `mailroom user list` shows usage and
quota. Every log line is one JSON object, and one message is followed by its
queue ids from acceptance to the bounce."""

import glob
import imaplib
import json
import os
import smtplib
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from delivery_helpers import delivery_section, queue_list, wait_until  # noqa: E402
from harness import DOMAIN, NET_TIMEOUT, User  # noqa: E402

ALICE = User("alice@" + DOMAIN, "alice-Quota-1")
BOB = User("bob@" + DOMAIN, "bob-Quota-2")
CAROL = User("carol@" + DOMAIN, "carol-Quota-3")


def body(tag, size):
    head = b"From: <x@a.test>\r\nSubject: " + tag.encode() + b"\r\n\r\n"
    line = b"x" * 78 + b"\r\n"
    return head + line * max(1, (size - len(head)) // len(line))


def maildir_files(srv, user):
    local = user.address.split("@")[0]
    root = os.path.join(srv.data_dir, "mail", DOMAIN, local)
    return sorted(glob.glob(os.path.join(root, "new", "*")) + glob.glob(os.path.join(root, "cur", "*")))


class QuotaTest(harness.ServerTestCase):
    USERS = [ALICE, BOB, CAROL]
    LISTENERS = [dict(name="smtp", service="smtp", tls="none"),
                 dict(name="imap", service="imap", tls="none", plaintext_auth=True)]
    EXTRA_CONFIG = dict(default_quota="1M", log_format="json",
                        delivery=delivery_section(retry_initial=1, retry_max=1, max_lifetime=4))

    def smtp(self):
        s = smtplib.SMTP(*self.srv.addr("smtp"), timeout=NET_TIMEOUT)
        s.ehlo("client.a.test")
        return s

    def listed(self):
        out = {}
        # With the server's configuration: its default_quota.
        for line in self.srv.cli("user", "list", "--config", self.srv.config_path).stdout.decode().splitlines():
            address, *fields = line.split()
            out[address] = dict(f.split("=", 1) for f in fields)
        return out

    def test_1_rcpt_size_and_full(self):
        self.srv.cli("user", "set", ALICE.address, "--quota", "4K")
        s = self.smtp()
        try:
            # SIZE= says it cannot fit: 552 for alice only (RFC 1870, RFC 3463).
            self.assertEqual(s.mail("x@a.test", ["SIZE=5000"])[0], 250)
            code, text = s.rcpt(ALICE.address)
            self.assertEqual(code, 552, text)
            self.assertIn(b"5.2.2", text)
            self.assertEqual(s.rcpt(BOB.address)[0], 250)
            s.rset()
            # Without SIZE: taken at RCPT, refused at end of data (no recipient fits).
            self.assertEqual(s.mail("x@a.test")[0], 250)
            self.assertEqual(s.rcpt(ALICE.address)[0], 250)
            code, text = s.data(body("too big", 6000))
            self.assertEqual(code, 552, text)
            self.assertIn(b"5.2.2", text)
            # One that fits is delivered.
            self.assertEqual(s.sendmail("x@a.test", [ALICE.address], body("fits", 3000)), {})
        finally:
            s.quit()
        self.assertEqual(len(maildir_files(self.srv, ALICE)), 1)
        used = int(self.listed()[ALICE.address]["storage"].split("/")[0])
        self.assertGreater(used, 3000)
        # A quota lowered below what the mailbox holds: full, 452 at RCPT.
        self.srv.cli("user", "set", ALICE.address, "--quota", "2K")
        s = self.smtp()
        try:
            self.assertEqual(s.mail("x@a.test")[0], 250)
            code, text = s.rcpt(ALICE.address)
            self.assertEqual(code, 452, text)
            self.assertIn(b"4.2.2", text)
        finally:
            s.quit()
        # The message count too.
        self.srv.cli("user", "set", ALICE.address, "--quota", "0", "--quota-messages", "1")
        s = self.smtp()
        try:
            self.assertEqual(s.mail("x@a.test")[0], 250)
            self.assertEqual(s.rcpt(ALICE.address)[0], 452)
        finally:
            s.quit()
        # Back to the default: room again.
        self.srv.cli("user", "set", ALICE.address, "--quota", "default")
        self.assertEqual(self.listed()[ALICE.address]["quota"], "default")
        self.assertEqual(self.listed()[ALICE.address]["storage"].split("/")[1], str(1 << 20))

    def test_2_user_list(self):
        listed = self.listed()
        self.assertEqual(set(listed), {ALICE.address, BOB.address, CAROL.address})
        self.assertEqual(listed[BOB.address]["messages"].split("/")[1], "-")
        p = self.srv.cli("user", "set", BOB.address, "--quota", "lots", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.srv.cli("user", "set", BOB.address, "--quota-messages", "500")
        b = self.listed()[BOB.address]
        self.assertEqual((b["messages"].split("/")[1], b["quota"]), ("500", "own"))
        self.srv.cli("user", "set", BOB.address, "--quota", "default")

    def test_3_full_mailbox_among_others_is_queued_then_bounced(self):
        self.srv.cli("user", "set", CAROL.address, "--quota", "3K")
        self.srv.inject(CAROL.address, body("already here", 2000))  # the administrator's inject: no quota
        s = self.smtp()
        try:
            # Carol is not full at RCPT, but the message (no SIZE=) does not fit her.
            self.assertEqual(s.mail(BOB.address)[0], 250)
            self.assertEqual(s.rcpt(BOB.address)[0], 250)
            self.assertEqual(s.rcpt(CAROL.address)[0], 250)
            code, text = s.data(body("for two", 1500))
            self.assertEqual(code, 250, text)
        finally:
            s.quit()
        self.assertEqual(len(maildir_files(self.srv, BOB)), 1)
        self.assertEqual(len(maildir_files(self.srv, CAROL)), 1)
        wait_until(lambda: "4.2.2" in queue_list(self.srv) or "mailbox full" in queue_list(self.srv),
                   "carol's copy deferred as over quota")
        # Bounced at the queue's lifetime: the notice goes to bob.
        wait_until(lambda: len(maildir_files(self.srv, BOB)) == 2, "the bounce in bob's mailbox")
        with open(maildir_files(self.srv, BOB)[-1], "rb") as f:
            dsn = f.read()
        self.assertIn(b"carol@" + DOMAIN.encode(), dsn)
        self.assertIn(b"mailbox full (over quota)", dsn)  # the last attempt's reason; Status 4.4.7 (expired)
        wait_until(lambda: "the queue is empty" in queue_list(self.srv), "an empty queue")
        self.assertEqual(len(maildir_files(self.srv, CAROL)), 1)

        # The JSON log: every line an object; the message followed by its ids.
        lines = [json.loads(ln) for ln in self.srv.read_log().splitlines() if ln.strip()]
        for ln in lines:
            self.assertEqual(set(ln) - {"session", "queue_id"}, {"time", "level", "component", "message", "fields"})
        accepted = [ln for ln in lines if ln["message"].startswith("accepted ") and
                    ln["fields"].get("from") == BOB.address]
        self.assertEqual(len(accepted), 1, accepted)
        acc = accepted[0]
        self.assertEqual(acc["component"], "smtp")
        self.assertRegex(acc["session"], r"^S[0-9a-f]+$")
        smtp_id, queued = acc["queue_id"], acc["fields"]["queue"]
        self.assertRegex(queued, r"^[0-9a-f]{16}$")
        over = [ln for ln in lines if ln.get("queue_id") == smtp_id and "over quota" in ln["message"]]
        self.assertEqual([ln["fields"]["to"] for ln in over], [CAROL.address])
        self.assertEqual(over[0]["session"], acc["session"])
        # Every line with the spool's id, in order: attempts, the bounce, removal.
        story = [ln for ln in lines if ln.get("queue_id") == queued]
        deferred = [ln for ln in story if ln["fields"].get("status") == "deferred"]
        self.assertTrue(deferred, story)
        self.assertEqual(deferred[0]["fields"]["to"], CAROL.address)
        self.assertEqual(deferred[0]["component"], "queue")
        self.assertTrue(any("notification queued" in ln["message"] for ln in story), story)
        self.assertEqual(story[-1]["message"], "removed", story)
        # Session lines carry their session id.
        for ln in lines:
            if ln["message"].startswith(("connect ", "disconnect ")):
                self.assertIn("session", ln, ln)

    def test_4_imap_quota_and_overquota(self):
        dave = User("dave@" + DOMAIN, "dave-Quota-4")
        self.srv.add_user(dave.address, dave.password)
        self.srv.cli("user", "set", dave.address, "--quota", "3K", "--quota-messages", "10")
        c = imaplib.IMAP4(*self.srv.addr("imap"), timeout=NET_TIMEOUT)
        try:
            c.login(dave.address, dave.password)
            self.assertIn("QUOTA=RES-STORAGE", c.capabilities)
            typ, data = c.getquotaroot("INBOX")
            self.assertEqual(typ, "OK")
            self.assertEqual(data, [[b'INBOX ""'], [b'"" (STORAGE 0 3 MESSAGE 0 10)']])
            msg = b"Subject: q\r\n\r\n" + b"y" * 2000 + b"\r\n"
            self.assertEqual(c.append("INBOX", None, None, msg)[0], "OK")
            typ, data = c.getquota('""')
            self.assertEqual(data, [b'"" (STORAGE 2 3 MESSAGE 1 10)'])
            # The second does not fit: NO [OVERQUOTA] (RFC 9208 §5.3), nothing stored.
            typ, data = c.append("INBOX", None, None, msg)
            self.assertEqual(typ, "NO")
            self.assertIn(b"[OVERQUOTA]", data[0])
            self.assertEqual(len(maildir_files(self.srv, dave)), 1)
            typ, data = c.getquotaroot("Nope")
            self.assertEqual(typ, "NO")
            typ, data = c.setquota('""', "(STORAGE 99999)")
            self.assertEqual(typ, "NO")
            self.assertIn(b"[NOPERM]", data[0])
        finally:
            c.logout()


if __name__ == "__main__":
    harness.main()
