#!/usr/bin/env python3
"""CONDSTORE, QRESYNC and \\Recent against `mailroom serve` with two imaplib
sessions: one changes flags and expunges, the other reconnects with SELECT
(QRESYNC ...) and must end with exactly the server's flags and UIDs; again
after the mailbox index is deleted between its two sessions (MODSEQs restart
higher, the expunge history is lost: every change must still be learnt).
STORE (UNCHANGEDSINCE) loses against another session's change; \\Recent goes
to the first SELECT only (EXAMINE takes none); APPEND to the selected
mailbox tells its EXISTS before the tagged OK."""

import imaplib
import os
import re
import sys
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import NET_TIMEOUT, DOMAIN, User  # noqa: E402
from test_imaplib import RawImap  # noqa: E402

SYNCER = User("syncer@" + DOMAIN, "syncer-Qr-1a", messages=[harness.simple_message("q%d" % i) for i in range(6)])
RACER = User("racer@" + DOMAIN, "racer-Qr-2b", messages=[harness.simple_message("r%d" % i) for i in range(2)])
RECENT = User("recent@" + DOMAIN, "recent-Qr-3c")

LISTENERS = [dict(name="imap", service="imap", tls="none", plaintext_auth=True)]

FETCH_RE = re.compile(rb"^\d+ \(UID (\d+) FLAGS \(([^)]*)\) MODSEQ \((\d+)\)\)$")


def parse_uid_set(text):
    out = set()
    for part in text.split(b","):
        lo, _, hi = part.partition(b":")
        out.update(range(int(lo), int(hi or lo) + 1))
    return out


def uid_set(uids):
    return ",".join(str(u) for u in sorted(uids))


class SyncTest(harness.ServerTestCase):
    USERS = [SYNCER, RACER, RECENT]
    LISTENERS = LISTENERS

    def connect(self, user):
        c = imaplib.IMAP4(*self.srv.addr("imap"), timeout=NET_TIMEOUT)
        c.login(user.address, user.password)
        return c

    def truth(self, user):
        """{uid: flags} as the server has them now, from a fresh session."""
        c = self.connect(user)
        c.select("INBOX", readonly=True)
        typ, data = c.uid("FETCH", "1:*", "(UID FLAGS MODSEQ)")
        self.assertEqual(typ, "OK")
        c.logout()
        return self.parse_fetches(d for d in data if d)

    def parse_fetches(self, lines):
        out = {}
        for d in lines:
            m = FETCH_RE.match(d)
            self.assertTrue(m, d)
            out[int(m.group(1))] = set(m.group(2).split()) - {b"\\Recent"}
        return out

    def qresync_select(self, c, uidvalidity, modseq, known):
        """SELECT INBOX (QRESYNC ...): (vanished UIDs, {uid: flags} changed, untagged)."""
        c.untagged_responses.clear()
        typ, data = c.enable("QRESYNC")
        self.assertEqual(typ, "OK", data)
        self.assertIn(b"QRESYNC", c.untagged_responses.get("ENABLED", [b""])[0])
        typ, data = c._simple_command("SELECT", "INBOX", "(QRESYNC (%d %d %s))" % (uidvalidity, modseq, uid_set(known)))
        self.assertEqual(typ, "OK", data)
        c.state = "SELECTED"
        r = c.untagged_responses
        vanished = set()
        for v in r.get("VANISHED", []):
            self.assertTrue(v.startswith(b"(EARLIER) "), v)
            vanished |= parse_uid_set(v[len(b"(EARLIER) "):])
        changed = self.parse_fetches(r.get("FETCH", []))
        return vanished, changed, dict(r)

    def test_qresync_after_reconnect_and_after_index_rebuild(self):
        # Session A: the first full sync (CONDSTORE), its cache of UIDs and flags.
        a = self.connect(SYNCER)
        typ, _ = a._simple_command("SELECT", "INBOX", "(CONDSTORE)")
        self.assertEqual(typ, "OK")
        a.state = "SELECTED"
        uidvalidity = int(a.untagged_responses["UIDVALIDITY"][0])
        modseq = int(a.untagged_responses["HIGHESTMODSEQ"][0])
        typ, data = a.uid("FETCH", "1:*", "(FLAGS MODSEQ)")
        cache = self.parse_fetches(d for d in data if d)
        self.assertEqual(sorted(cache), [1, 2, 3, 4, 5, 6])
        a.logout()

        # Session B: flags, keywords, expunges, while A is away.
        b = self.connect(SYNCER)
        b.select("INBOX")
        b.uid("STORE", "2", "+FLAGS", "(\\Flagged)")
        b.uid("STORE", "5", "+FLAGS", "($Work)")
        b.uid("STORE", "3,4", "+FLAGS", "(\\Deleted)")
        typ, _ = b.expunge()
        self.assertEqual(typ, "OK")
        b.logout()
        self.srv.inject(SYNCER.address, harness.simple_message("q-new"))

        # A again: QRESYNC tells the expunges and the changed flags.
        a = self.connect(SYNCER)
        vanished, changed, r = self.qresync_select(a, uidvalidity, modseq, cache.keys())
        self.assertEqual(vanished, {3, 4})
        self.assertEqual(set(changed), {2, 5})
        for u in vanished:
            cache.pop(u)
        cache.update(changed)
        new_modseq = int(r["HIGHESTMODSEQ"][0])
        self.assertGreater(new_modseq, modseq)
        self.assertEqual(r["UIDNEXT"], [b"8"])
        a.logout()
        truth = self.truth(SYNCER)
        self.assertEqual(cache, {u: f for u, f in truth.items() if u in cache})
        self.assertEqual(set(truth) - set(cache), {7})  # the new message: EXISTS, not a change
        cache[7] = truth[7]

        # B changes more; then the index is lost (deleted between A's sessions).
        b = self.connect(SYNCER)
        b.select("INBOX")
        b.uid("STORE", "1", "+FLAGS", "(\\Answered)")
        b.uid("STORE", "6", "+FLAGS", "(\\Deleted)")
        b.expunge()
        b.logout()
        index = os.path.join(self.srv.data_dir, "mail", DOMAIN, "syncer", "mailroom-index")
        self.assertTrue(os.path.exists(index), index)
        os.remove(index)

        a = self.connect(SYNCER)
        vanished, changed, r = self.qresync_select(a, uidvalidity, new_modseq, cache.keys())
        self.assertGreater(int(r["HIGHESTMODSEQ"][0]), new_modseq)  # MODSEQ restarted higher
        self.assertEqual(int(r["UIDVALIDITY"][0]), uidvalidity)  # the uidlist kept the UIDs
        self.assertIn(6, vanished)  # the history is gone: more may be named, never fewer
        self.assertFalse(vanished & {1, 2, 5, 7})
        for u in vanished:
            cache.pop(u, None)
        cache.update(changed)
        # Once resynced, further changes come as VANISHED and FETCH with MODSEQ.
        b = self.connect(SYNCER)
        b.select("INBOX")
        b.uid("STORE", "7", "+FLAGS", "(\\Deleted)")
        b.expunge()
        b.logout()
        a.untagged_responses.clear()
        typ, _ = a.noop()
        self.assertEqual(a.untagged_responses.get("VANISHED"), [b"7"])
        cache.pop(7)
        a.logout()
        self.assertEqual(cache, self.truth(SYNCER))

    def test_unchangedsince_loses_to_another_session(self):
        a = RawImap(*self.srv.addr("imap"))
        a.command("a1", "LOGIN %s %s" % (RACER.address, RACER.password))
        a.command("a2", "SELECT INBOX")
        untagged, done = a.command("a3", "UID FETCH 1 (MODSEQ)")
        self.assertIn(b"OK [HIGHESTMODSEQ ", untagged[0])  # the first CONDSTORE enabling command
        seen = int(re.search(rb"HIGHESTMODSEQ (\d+)", untagged[0]).group(1))  # no message is newer
        b = self.connect(RACER)
        b.select("INBOX")
        b.uid("STORE", "1", "+FLAGS", "(\\Seen)")
        b.logout()
        untagged, done = a.command("a4", "UID STORE 1,2 (UNCHANGEDSINCE %d) +FLAGS.SILENT (\\Flagged)" % seen)
        self.assertTrue(done.startswith(b"a4 OK [MODIFIED 1] "), done)
        # Another session's change, then ours (.SILENT: its MODSEQ only), each with UID and MODSEQ.
        self.assertTrue(any(re.match(rb"\* 1 FETCH \(UID 1 FLAGS \(\\Seen \\Recent\) MODSEQ \(\d+\)\)$", u) for u in untagged),
                        untagged)
        self.assertTrue(any(re.match(rb"\* 2 FETCH \(UID 2 MODSEQ \(\d+\)\)$", u) for u in untagged), untagged)
        a.command("a5", "LOGOUT")
        a.close()
        flags = self.truth(RACER)
        self.assertEqual(flags[1], {b"\\Seen"})  # left alone
        self.assertEqual(flags[2], {b"\\Flagged"})

    def test_recent_goes_to_the_first_select_and_append_tells_exists(self):
        self.srv.inject(RECENT.address, harness.simple_message("rc0"))
        looker = self.connect(RECENT)
        looker.select("INBOX", readonly=True)
        self.assertEqual(looker.untagged_responses.get("RECENT"), [b"1"])  # EXAMINE takes none
        looker.logout()
        first = RawImap(*self.srv.addr("imap"))
        first.command("f1", "LOGIN %s %s" % (RECENT.address, RECENT.password))
        untagged, done = first.command("f2", "SELECT INBOX")
        self.assertIn(b"* 1 RECENT", untagged)
        second = self.connect(RECENT)
        second.select("INBOX")
        self.assertEqual(second.untagged_responses.get("RECENT"), [b"0"])
        untagged, _ = first.command("f3", "FETCH 1 FLAGS")
        self.assertIn(b"\\Recent", untagged[0])
        typ, data = second.fetch("1", "(FLAGS)")
        self.assertNotIn(b"\\Recent", data[0])
        # APPEND to the selected mailbox: its EXISTS before the tagged OK.
        msg = harness.simple_message("rc1").replace(b"\n", b"\r\n")
        first.send("f4 APPEND INBOX {%d+}" % len(msg))
        first.sock.sendall(msg + b"\r\n")
        lines = []
        while True:
            line = first.line()
            lines.append(line)
            if line.startswith(b"f4 "):
                break
        self.assertIn(b"* 2 EXISTS", lines, lines)
        self.assertTrue(lines[-1].startswith(b"f4 OK [APPENDUID "), lines)
        untagged, _ = first.command("f5", "SEARCH RECENT")
        self.assertIn(b"* SEARCH 1 2", untagged)
        typ, data = second.search(None, "RECENT")
        self.assertEqual(data, [b""])
        first.command("f6", "LOGOUT")
        first.close()
        second.logout()


if __name__ == "__main__":
    harness.main()
