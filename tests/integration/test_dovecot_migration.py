"""Taking over a Maildir that Dovecot served (issue #11, "Migration").

A private Dovecot imap process, started on pipes by imaplib.IMAP4_stream
(pre-authenticated, no port, no daemon: hermetic), APPENDs messages with
flags and keywords, expunges one and changes flags; then it is gone and
mailroom's store (store_dump) opens the Maildir: UIDVALIDITY, UIDs, the
next UID, flags, keywords and INTERNALDATE must be what Dovecot reported.

Needs Dovecot's imap binary (Debian dovecot-imapd); exits 77 (skipped)
without it. $STORE_DUMP is set by ctest.
"""

import imaplib
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

DOVECOT_IMAP = "/usr/lib/dovecot/imap"
STORE_DUMP = os.environ.get("STORE_DUMP", "")


def dovecot_config(home):
    lines = [
        "# A private Dovecot for one test: Maildir++ in " + home + "/Maildir.",
        "mail_location = maildir:%s/Maildir" % home,
        "base_dir = %s/run" % home,
        "state_dir = %s/state" % home,
        "log_path = %s/dovecot.log" % home,
        "ssl = no",
        "protocols = imap",
    ]
    if os.geteuid() == 0:
        # Dovecot refuses to touch mail as root: the mail belongs to nobody.
        lines += ["first_valid_uid = 1", "mail_uid = nobody", "mail_gid = nogroup"]
    return "\n".join(lines) + "\n"


class DovecotMigration(unittest.TestCase):
    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="mailroom-dovecot-")
        os.chmod(self.home, 0o755)
        os.makedirs(os.path.join(self.home, "Maildir"))
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(os.path.join(self.home, "Maildir"), nobody.pw_uid, nobody.pw_gid)
        self.conf = os.path.join(self.home, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write(dovecot_config(self.home))
        self.maildir = os.path.join(self.home, "Maildir")

    def tearDown(self):
        shutil.rmtree(self.home, ignore_errors=True)

    def dovecot(self):
        return imaplib.IMAP4_stream("env USER=alice HOME=%s %s -c %s" % (self.home, DOVECOT_IMAP, self.conf))

    def ok(self, answer):
        typ, data = answer
        self.assertEqual(typ, "OK", data)
        return data

    def dump(self, folder="INBOX"):
        out = subprocess.run([STORE_DUMP, self.maildir, folder], capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = out.stdout.splitlines()
        head = dict(l.split(" ", 1) for l in lines[:2])
        msgs = {}
        for l in lines[2:]:
            uid, flags, keywords, date = l.split(" ")
            msgs[int(uid)] = (set() if flags == "-" else set(flags.split(",")),
                              set() if keywords == "-" else set(keywords.split(",")), int(date))
        return int(head["uidvalidity"]), int(head["next_uid"]), msgs

    def dovecot_view(self, m, folder="INBOX"):
        """UIDVALIDITY, UIDNEXT and {uid: (system flags, keywords)} as Dovecot reports them."""
        self.ok(m.select(folder))
        status = self.ok(m.status(folder, "(UIDVALIDITY UIDNEXT)"))[0].decode()
        uidvalidity = int(re.search(r"UIDVALIDITY (\d+)", status).group(1))
        uidnext = int(re.search(r"UIDNEXT (\d+)", status).group(1))
        msgs = {}
        for item in self.ok(m.uid("FETCH", "1:*", "(FLAGS INTERNALDATE)")):
            if not item:
                continue
            text = item.decode()
            uid = int(re.search(r"UID (\d+)", text).group(1))
            flags = re.search(r"FLAGS \(([^)]*)\)", text).group(1).split()
            system = {f for f in flags if f.startswith("\\") and f != "\\Recent"}
            date = int(time.mktime(imaplib.Internaldate2tuple(item)))
            msgs[uid] = (system, {f for f in flags if not f.startswith("\\")}, date)
        return uidvalidity, uidnext, msgs

    def test_uids_flags_and_keywords_survive_the_move(self):
        m = self.dovecot()
        for i, flags in enumerate([r"(\Seen Work)", r"(\Flagged $Label1)", r"(\Seen \Answered)", r"()",
                                   r"(\Draft Later Work)"]):
            # Some with an INTERNALDATE of their own, as a migration tool appends them.
            date = imaplib.Time2Internaldate(1500000000 + i * 86400) if i % 2 == 0 else None
            self.ok(m.append("INBOX", flags, date, b"Subject: m%d\r\n\r\nbody %d\r\n" % (i, i)))
        self.ok(m.select("INBOX"))
        self.ok(m.uid("STORE", "3", "+FLAGS", r"(\Deleted)"))
        self.ok(m.expunge())
        self.ok(m.uid("STORE", "4", "+FLAGS", r"(\Flagged Project-X)"))
        self.ok(m.uid("STORE", "1", "-FLAGS", r"(Work)"))
        want = self.dovecot_view(m)
        m.logout()
        self.assertEqual(sorted(want[2]), [1, 2, 4, 5])
        self.assertEqual(want[2][1][2], 1500000000)

        uidvalidity, next_uid, msgs = self.dump()
        self.assertEqual((uidvalidity, next_uid), want[:2])
        self.assertEqual(msgs, want[2])
        # Taken over: a second look (now from mailroom-uidlist) agrees.
        self.assertTrue(os.path.exists(os.path.join(self.maildir, "mailroom-uidlist")))
        self.assertEqual(self.dump(), (uidvalidity, next_uid, msgs))

    def test_folders_and_subscriptions_dovecot_made(self):
        m = self.dovecot()
        for name in ["Sent", "Archive.2020", "Entw&APw-rfe", "&U,BTFw-"]:
            self.ok(m.create(name))
        for name in ["Sent", "Archive.2020", "Entw&APw-rfe"]:
            self.ok(m.subscribe(name))
        self.ok(m.append("Entw&APw-rfe", r"(\Seen Draft1)", None, b"Subject: d\r\n\r\ndraft\r\n"))
        want = self.dovecot_view(m, "Entw&APw-rfe")
        m.logout()
        out = subprocess.run([STORE_DUMP, self.maildir, "--folders"], capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = out.stdout.splitlines()
        self.assertEqual([l[7:] for l in lines if l.startswith("folder ")],
                         ["INBOX", "Archive.2020", "Entwürfe", "Sent", "台北"])
        self.assertEqual([l[11:] for l in lines if l.startswith("subscribed ")], ["Sent", "Archive.2020", "Entwürfe"])
        self.assertEqual(self.dump("Entwürfe"), want)

    def test_a_message_dovecot_never_numbered_gets_the_next_uid(self):
        m = self.dovecot()
        self.ok(m.append("INBOX", r"(\Seen)", None, b"Subject: one\r\n\r\n1\r\n"))
        want = self.dovecot_view(m)
        m.logout()
        # Dropped in by another program after Dovecot left.
        with open(os.path.join(self.maildir, "new", "1700000000.M1P1.other"), "w") as f:
            f.write("Subject: two\n\n2\n")
        uidvalidity, next_uid, msgs = self.dump()
        self.assertEqual(uidvalidity, want[0])
        self.assertEqual(msgs[1][:2], want[2][1][:2])
        self.assertEqual(sorted(msgs), [1, want[1]])
        self.assertEqual(next_uid, want[1] + 1)


if __name__ == "__main__":
    if not os.access(DOVECOT_IMAP, os.X_OK):
        print("skipped: no Dovecot at " + DOVECOT_IMAP)
        sys.exit(77)
    if not STORE_DUMP:
        sys.exit("STORE_DUMP is not set (ctest sets it)")
    unittest.main()
