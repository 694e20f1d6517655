#!/usr/bin/env python3
"""IMAP folders against `mailroom serve`: names in modified UTF-7 for an
IMAP4rev1 client (imaplib) and in UTF-8 after ENABLE IMAP4rev2 or
UTF8=ACCEPT (raw socket), each landing in the Maildir++ directory Dovecot
would name (".Entw&APw-rfe"); SUBSCRIBE/UNSUBSCRIBE/LSUB in Dovecot's
subscriptions file; LIST-EXTENDED, LIST-STATUS and the special-use folders
of a new user. Last, a private Dovecot (Debian dovecot-imapd, on pipes)
opens the same Maildir and sees the folders, the subscriptions and the
message byte for byte (skipped without Dovecot)."""

import imaplib
import os
import pwd
import re
import shutil
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import NET_TIMEOUT, DOMAIN, User  # noqa: E402
from test_imaplib import RawImap  # noqa: E402

CARLA = User("carla@" + DOMAIN, "carla-Folders-4t")
DORA = User("dora@" + DOMAIN, "dora-Folders-5u")
DOVECOT_IMAP = "/usr/lib/dovecot/imap"
MESSAGE = b"From: a@example.test\r\nSubject: Entw\xc3\xbcrfe\r\n\r\nDraft one.\r\n"

LISTENERS = [dict(name="imap", service="imap", tls="none", plaintext_auth=True)]


class FoldersTest(harness.ServerTestCase):
    USERS = [CARLA, DORA]
    LISTENERS = LISTENERS

    def maildir(self, user):
        local = user.address.split("@")[0]
        return os.path.join(self.srv.data_dir, "mail", DOMAIN, local)

    def subscriptions(self, user):
        with open(os.path.join(self.maildir(user), "subscriptions"), encoding="ascii") as f:
            return f.read()

    def imaplib_login(self, user):
        c = imaplib.IMAP4(*self.srv.addr("imap"), timeout=NET_TIMEOUT)
        self.assertEqual(c.login(user.address, user.password)[0], "OK")
        return c

    def raw_login(self, user):
        r = RawImap(*self.srv.addr("imap"))
        _, done = r.command("l1", "LOGIN %s %s" % (user.address, user.password))
        self.assertTrue(done.startswith(b"l1 OK"), done)
        return r

    def test_rev1_names_are_modified_utf7_and_dovecots_directories(self):
        c = self.imaplib_login(CARLA)
        self.assertEqual(c.create("Entw&APw-rfe")[0], "OK")
        self.assertEqual(c.create("Entw&APw-rfe.&ZeVnLIqe-")[0], "OK")
        # Maildir++ as Dovecot names it: ".<mUTF-7 name>" with the maildirfolder marker.
        for d in (".Entw&APw-rfe", ".Entw&APw-rfe.&ZeVnLIqe-"):
            path = os.path.join(self.maildir(CARLA), d)
            self.assertTrue(os.path.isdir(os.path.join(path, "cur")), path)
            self.assertTrue(os.path.isfile(os.path.join(path, "maildirfolder")), path)
        typ, data = c.list('""', "Entw*")
        self.assertEqual(typ, "OK")
        self.assertEqual(data, [b'(\\HasChildren) "." Entw&APw-rfe',
                                b'(\\HasNoChildren) "." Entw&APw-rfe.&ZeVnLIqe-'])
        typ, data = c.append("Entw&APw-rfe", r"(\Draft)", None, MESSAGE)
        self.assertEqual(typ, "OK", data)
        typ, data = c.status("Entw&APw-rfe", "(MESSAGES)")
        self.assertEqual(data, [b"Entw&APw-rfe (MESSAGES 1)"])
        self.assertEqual(c.select("Entw&APw-rfe")[0], "OK")
        typ, data = c.fetch("1", "(BODY.PEEK[])")
        self.assertEqual(data[0][1], MESSAGE)
        # The log has the store's UTF-8 name (non-ASCII octets escaped, common/log_field.hpp).
        self.assertIn('select mailbox="Entw\\xc3\\xbcrfe" messages=1', self.srv.read_log())
        # Malformed modified UTF-7 (unterminated, 8-bit) names nothing.
        typ, data = c.create("&Jjo")
        self.assertEqual((typ, data), ("NO", [b"Mailbox name is not valid mUTF-7."]))
        c.logout()

    def test_subscribe_unsubscribe_lsub_in_dovecots_file(self):
        c = self.imaplib_login(DORA)
        self.assertEqual(c.create("Projekt-&AMQ-")[0], "OK")
        self.assertEqual(c.subscribe("Projekt-&AMQ-")[0], "OK")
        self.assertEqual(c.unsubscribe("Junk")[0], "OK")
        typ, data = c.subscribe("Nowhere")
        self.assertEqual(typ, "NO")
        self.assertIn(b"NONEXISTENT", data[0])
        # Version 2, one mUTF-7 name per line, in the order subscribed.
        self.assertEqual(self.subscriptions(DORA), "V\t2\n\nINBOX\nSent\nDrafts\nTrash\nArchive\nProjekt-&AMQ-\n")
        typ, data = c.lsub('""', "*")
        self.assertEqual(typ, "OK")
        self.assertEqual(sorted(data), sorted([b'() "." INBOX', b'() "." Sent', b'() "." Drafts', b'() "." Trash',
                                               b'() "." Archive', b'() "." Projekt-&AMQ-']))
        c.logout()

    def test_list_extended_status_and_special_use(self):
        r = self.raw_login(CARLA)
        untagged, done = r.command("a1", 'LIST (SPECIAL-USE) "" "*" RETURN (SUBSCRIBED)')
        self.assertTrue(done.startswith(b"a1 OK"), done)
        self.assertEqual(sorted(untagged), sorted([
            b'* LIST (\\Subscribed \\HasNoChildren \\Archive) "." Archive',
            b'* LIST (\\Subscribed \\HasNoChildren \\Drafts) "." Drafts',
            b'* LIST (\\Subscribed \\HasNoChildren \\Junk) "." Junk',
            b'* LIST (\\Subscribed \\HasNoChildren \\Sent) "." Sent',
            b'* LIST (\\Subscribed \\HasNoChildren \\Trash) "." Trash']))
        untagged, done = r.command("a2", 'LIST "" (INBOX Sent) RETURN (STATUS (MESSAGES UIDNEXT))')
        self.assertTrue(done.startswith(b"a2 OK"), done)
        self.assertEqual(untagged, [b'* LIST (\\HasNoChildren) "." INBOX', b"* STATUS INBOX (MESSAGES 0 UIDNEXT 1)",
                                    b'* LIST (\\HasNoChildren \\Sent) "." Sent', b"* STATUS Sent (MESSAGES 0 UIDNEXT 1)"])
        r.close()

    def test_rev2_and_utf8_accept_names_are_utf8(self):
        r = self.raw_login(DORA)
        _, done = r.command("a1", "ENABLE IMAP4rev2")
        self.assertTrue(done.startswith(b"a1 OK"), done)
        _, done = r.command("a2", 'CREATE "Entwürfe"')
        self.assertTrue(done.startswith(b"a2 OK"), done)
        self.assertTrue(os.path.isdir(os.path.join(self.maildir(DORA), ".Entw&APw-rfe", "cur")))
        untagged, done = r.command("a3", 'LIST "" "Entw*"')
        self.assertEqual(untagged, ['* LIST (\\HasNoChildren) "." "Entwürfe"'.encode()])
        untagged, done = r.command("a4", 'SELECT "Entwürfe"')
        self.assertTrue(done.startswith(b"a4 OK [READ-WRITE]"), done)
        r.close()
        r = self.raw_login(DORA)
        untagged, done = r.command("b1", "ENABLE UTF8=ACCEPT")
        self.assertEqual(untagged, [b"* ENABLED UTF8=ACCEPT"])
        _, done = r.command("b2", 'CREATE "Über"')
        self.assertTrue(done.startswith(b"b2 OK"), done)
        self.assertTrue(os.path.isdir(os.path.join(self.maildir(DORA), ".&ANw-ber", "cur")))
        untagged, done = r.command("b3", 'STATUS "Über" (MESSAGES)')
        self.assertEqual(untagged, ['* STATUS "Über" (MESSAGES 0)'.encode()])
        r.sock.sendall(b'b4 DELETE "\xff"\r\n')  # not UTF-8: a syntax error (RFC 6855 §3)
        self.assertEqual(r.line(), b"b4 BAD Mailbox name is not valid UTF-8.")
        r.close()

    @unittest.skipUnless(os.access(DOVECOT_IMAP, os.X_OK), "needs Dovecot's imap binary")
    def test_dovecot_reads_what_we_made(self):
        c = self.imaplib_login(CARLA)
        self.assertEqual(c.create("Ablage-&AMQ-")[0], "OK")
        self.assertEqual(c.subscribe("Ablage-&AMQ-")[0], "OK")
        self.assertEqual(c.append("Ablage-&AMQ-", r"(\Seen)", None, MESSAGE)[0], "OK")
        c.logout()
        home = tempfile.mkdtemp(prefix="mailroom-dovecot-")
        try:
            maildir = os.path.join(home, "Maildir")
            shutil.copytree(self.maildir(CARLA), maildir)
            os.chmod(home, 0o755)
            conf = os.path.join(home, "dovecot.conf")
            lines = ["mail_location = maildir:%s" % maildir, "base_dir = %s/run" % home,
                     "state_dir = %s/state" % home, "log_path = %s/dovecot.log" % home, "ssl = no",
                     "protocols = imap"]
            if os.geteuid() == 0:
                nobody = pwd.getpwnam("nobody")
                for root, dirs, files in os.walk(maildir):
                    for n in dirs + files + [""]:
                        os.chown(os.path.join(root, n), nobody.pw_uid, nobody.pw_gid)
                lines += ["first_valid_uid = 1", "mail_uid = nobody", "mail_gid = nogroup"]
            with open(conf, "w") as f:
                f.write("\n".join(lines) + "\n")
            d = imaplib.IMAP4_stream("env USER=carla HOME=%s %s -c %s" % (home, DOVECOT_IMAP, conf))
            typ, data = d.list('""', "Ablage*")
            self.assertEqual(typ, "OK")
            self.assertTrue(any(line.endswith(b"Ablage-&AMQ-") for line in data), data)
            typ, data = d.lsub('""', "Ablage*")
            self.assertTrue(any(line.endswith(b"Ablage-&AMQ-") for line in data), data)
            self.assertEqual(d.select("Ablage-&AMQ-")[0], "OK")
            typ, data = d.fetch("1", "(FLAGS BODY.PEEK[])")
            self.assertEqual(data[0][1], MESSAGE)
            self.assertTrue(re.search(rb"\\Seen", data[0][0]), data[0][0])
            d.logout()
        finally:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
