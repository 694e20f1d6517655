#!/usr/bin/env python3
"""IMAP IDLE woken by the mailbox's inotify watch (issue #11): a message
that another program drops into new/, one `mailroom inject` delivers and a
flag another program renames in cur/ are told at once to every IDLE session
of that mailbox, and only to those; while nothing happens, IDLE sessions
cost the server no wake-ups (no polling: context switches over all its
threads are counted)."""

import glob
import os
import sys
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DOMAIN, User  # noqa: E402
from test_imaplib import RawImap  # noqa: E402

WATCHED = User("watched@" + DOMAIN, "watched-Wk-1a", messages=[harness.simple_message("w0")])
OTHER = User("other@" + DOMAIN, "other-Wk-2b", messages=[harness.simple_message("o0")])
QUIET = User("quiet@" + DOMAIN, "quiet-Wk-3c", messages=[harness.simple_message("q0")])
LISTENERS = [dict(name="imap", service="imap", tls="none", plaintext_auth=True)]
TOLD_WITHIN = 0.5  # seconds; the old 1 s Maildir stat would often miss this


def context_switches(pid):
    n = 0
    for status in glob.glob("/proc/%d/task/*/status" % pid):
        try:
            with open(status) as f:
                for ln in f:
                    if ln.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        n += int(ln.split()[1])
        except OSError:
            pass
    return n


class IdleWakeTest(harness.ServerTestCase):
    USERS = [WATCHED, OTHER, QUIET]
    LISTENERS = LISTENERS

    def maildir(self, user):
        return os.path.join(self.srv.data_dir, "mail", DOMAIN, user.address.split("@")[0])

    def idle(self, user):
        r = RawImap(*self.srv.addr("imap"))
        _, done = r.command("r1", "LOGIN %s %s" % (user.address, user.password))
        self.assertIn(b"OK", done)
        untagged, done = r.command("r2", "SELECT INBOX")
        self.assertIn(b"OK", done)
        r.send("i1 IDLE")
        self.assertEqual(r.line(), b"+ idling")
        return r, untagged

    def done(self, r):
        r.send("DONE")
        while r.line() != b"i1 OK IDLE terminated.":
            pass
        r.close()

    def drop(self, user, tag):
        md = self.maildir(user)
        name = "%d.M%d.otherprogram" % (int(time.time()), time.monotonic_ns())
        with open(os.path.join(md, "tmp", name), "wb") as f:
            f.write(harness.simple_message(tag))
        os.rename(os.path.join(md, "tmp", name), os.path.join(md, "new", name))

    def expect_line(self, r, want, within):
        start = time.monotonic()
        while True:
            line = r.line(timeout=max(0.05, within + 2 - (time.monotonic() - start)))
            if line == want:
                elapsed = time.monotonic() - start
                self.assertLess(elapsed, within, "%r after %.3f s" % (want, elapsed))
                return elapsed

    def test_drop_and_inject_told_to_every_idle_session_of_the_mailbox_only(self):
        a, untagged = self.idle(WATCHED)
        b, _ = self.idle(WATCHED)
        o, _ = self.idle(OTHER)
        self.assertIn(b"* 1 EXISTS", untagged)
        self.drop(WATCHED, "dropped")
        ta = self.expect_line(a, b"* 2 EXISTS", TOLD_WITHIN)
        tb = self.expect_line(b, b"* 2 EXISTS", TOLD_WITHIN)
        print("dropped into new/, told in IDLE after %.3f / %.3f s" % (ta, tb), file=sys.stderr)
        self.srv.inject(WATCHED.address, harness.simple_message("injected"))
        self.expect_line(a, b"* 3 EXISTS", TOLD_WITHIN)
        self.expect_line(b, b"* 3 EXISTS", TOLD_WITHIN)
        with self.assertRaises(OSError):  # the other mailbox's session heard nothing
            o.line(timeout=0.3)
        for r in (a, b, o):
            self.done(r)

    def test_flag_renamed_by_another_program_told_in_idle(self):
        r, _ = self.idle(OTHER)
        md = self.maildir(OTHER)
        files = [os.path.join(sub, f) for sub in ("new", "cur") for f in os.listdir(os.path.join(md, sub))]
        self.assertEqual(len(files), 1, files)
        base = os.path.basename(files[0]).split(":2,")[0]
        os.rename(os.path.join(md, files[0]), os.path.join(md, "cur", base + ":2,F"))  # as mutt would flag it
        start = time.monotonic()
        while True:
            line = r.line(timeout=2)
            if line.startswith(b"* 1 FETCH") and b"\\Flagged" in line:
                break
        self.assertLess(time.monotonic() - start, TOLD_WITHIN)
        self.done(r)

    def test_idle_sessions_cost_no_wake_ups(self):
        pid = self.srv.pid
        time.sleep(0.5)
        s0 = context_switches(pid)
        time.sleep(3)
        base = context_switches(pid) - s0  # the server's own timers, if any
        sessions = [self.idle(QUIET)[0] for _ in range(20)]
        time.sleep(0.5)
        s1 = context_switches(pid)
        time.sleep(3)
        with_idle = context_switches(pid) - s1
        print("context switches in 3 s: %d without sessions, %d with 20 in IDLE" % (base, with_idle),
              file=sys.stderr)
        # Polling four times a second would be 240 wake-ups of the event loop alone.
        self.assertLess(with_idle, base + 40)
        for r in sessions:
            self.done(r)


if __name__ == "__main__":
    unittest.main()
