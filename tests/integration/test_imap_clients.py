#!/usr/bin/env python3
"""Real IMAP clients against `mailroom serve` on the plaintext test
listener, content compared with what was delivered (line ends aside:
Maildir clients store LF): mbsync syncing two folders both ways and again
with nothing to do, offlineimap3, fetchmail IMAP, getmail6 IMAP, movemail
imap://. Each method is its own ctest (integration_imap_client_<name>)."""

import getpass
import imaplib
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import NET_TIMEOUT, DOMAIN, User, expected_wire  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MDA = os.path.join(HERE, "mda_store.py")


def small(prefix):
    return [harness.simple_message("%s%d" % (prefix, i)) for i in range(3)]


MBSYNC = User("mbsync@" + DOMAIN, "mbsync-Cl-1a", messages=small("mb"))
OFFLINE = User("offline@" + DOMAIN, "offline-Cl-2b", messages=small("oi"))
FETCHM = User("fetchm@" + DOMAIN, "fetchm-Cl-3c", messages=small("fm"))
GETMAIL = User("getmail@" + DOMAIN, "getmail-Cl-4d", messages=small("gm"))
MOVEMAIL = User("movemail@" + DOMAIN, "movemail-Cl-5e", messages=small("mm"))
WORK_MSG = b"From: w@example.test\r\nTo: x@example.test\r\nSubject: work\r\n\r\nin Work\r\n"
LOCAL_MSG = b"From: l@example.test\r\nTo: x@example.test\r\nSubject: local\r\n\r\nmade locally\r\n"


def lf(data):
    return data.replace(b"\r\n", b"\n")


def without_added(data, fields):
    """Without the header lines a client adds itself (mbsync: X-TUID;
    getmail: Return-Path, X-getmail-retrieved-from-mailbox)."""
    return b"".join(line for line in data.splitlines(keepends=True) if not line.startswith(fields))


def without_tuid(data):
    return without_added(data, (b"X-TUID: ",))


def maildir_messages(path):
    out = []
    for sub in ("new", "cur"):
        d = os.path.join(path, sub)
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            with open(os.path.join(d, name), "rb") as f:
                out.append(f.read())
    return out


class ClientsTest(harness.ServerTestCase):
    USERS = [MBSYNC, OFFLINE, FETCHM, GETMAIL, MOVEMAIL]
    LISTENERS = [dict(name="imap", service="imap", tls="none", plaintext_auth=True)]

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="imap-clients-")
        os.chmod(self.work, 0o700)

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def run_tool(self, args, expect_rc=(0,), env=None):
        env = dict(os.environ, HOME=self.work, LC_ALL="C", **(env or {}))
        p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, timeout=120)
        self.assertIn(p.returncode, expect_rc, "%s exit %d:\n%s" % (args[0], p.returncode,
                                                                   p.stdout.decode("utf-8", "replace")[-6000:]))
        return p.stdout.decode("utf-8", "replace")

    def server_messages(self, user, mailbox):
        c = imaplib.IMAP4(*self.srv.addr("imap"), timeout=NET_TIMEOUT)
        c.login(user.address, user.password)
        c.select(mailbox, readonly=True)
        typ, data = c.fetch("1:*", "(BODY.PEEK[])")
        c.logout()
        return [part[1] for part in data if isinstance(part, tuple)] if typ == "OK" else []

    def seed_work_folder(self, user):
        c = imaplib.IMAP4(*self.srv.addr("imap"), timeout=NET_TIMEOUT)
        c.login(user.address, user.password)
        c.create("Work")
        self.assertEqual(c.append("Work", None, None, WORK_MSG)[0], "OK")
        c.logout()

    def test_mbsync(self):
        if not shutil.which("mbsync"):
            self.skipTest("mbsync is not installed")
        self.seed_work_folder(MBSYNC)
        host, port = self.srv.addr("imap")
        local = os.path.join(self.work, "mail")
        os.mkdir(local)
        rc = os.path.join(self.work, "mbsyncrc")
        with open(rc, "w") as f:
            f.write("IMAPAccount t\nHost %s\nPort %d\nUser %s\nPass %s\nSSLType None\nAuthMechs LOGIN\n\n"
                    "IMAPStore far\nAccount t\n\nMaildirStore near\nPath %s/\nInbox %s/INBOX\nSubFolders Verbatim\n\n"
                    "Channel c\nFar :far:\nNear :near:\nPatterns INBOX Work\nCreate Both\nSyncState *\nSync All\n"
                    % (host, port, MBSYNC.address, MBSYNC.password, local, local))
        self.run_tool(["mbsync", "-c", rc, "-a"])
        got = [without_tuid(m) for m in maildir_messages(os.path.join(local, "INBOX"))]
        self.assertEqual(sorted(got), sorted(lf(expected_wire(m)) for m in MBSYNC.messages))
        self.assertEqual([without_tuid(m) for m in maildir_messages(os.path.join(local, "Work"))], [lf(WORK_MSG)])
        # a message made locally goes up, byte for byte (CRLF on the wire)
        with open(os.path.join(local, "Work", "new", "1.local"), "wb") as f:
            f.write(lf(LOCAL_MSG))
        self.run_tool(["mbsync", "-c", rc, "-a"])
        self.assertEqual(sorted(without_tuid(m) for m in self.server_messages(MBSYNC, "Work")),
                         sorted([WORK_MSG, LOCAL_MSG]))
        # and again: nothing to do, nothing changes on either side
        self.run_tool(["mbsync", "-c", rc, "-a"])
        self.assertEqual(len(self.server_messages(MBSYNC, "Work")), 2)
        self.assertEqual(len(maildir_messages(os.path.join(local, "Work"))), 2)

    def test_offlineimap(self):
        if not shutil.which("offlineimap"):
            self.skipTest("offlineimap is not installed")
        self.seed_work_folder(OFFLINE)
        host, port = self.srv.addr("imap")
        local = os.path.join(self.work, "mail")
        rc = os.path.join(self.work, "offlineimaprc")
        with open(rc, "w") as f:
            f.write("[general]\naccounts = t\nmetadata = %s/meta\n\n[Account t]\nlocalrepository = l\n"
                    "remoterepository = r\n\n[Repository l]\ntype = Maildir\nlocalfolders = %s\n\n"
                    "[Repository r]\ntype = IMAP\nremotehost = %s\nremoteport = %d\nssl = no\nstarttls = no\n"
                    "remoteuser = %s\nremotepass = %s\n" % (self.work, local, host, port, OFFLINE.address,
                                                          OFFLINE.password))
        self.run_tool(["offlineimap", "-c", rc, "-o", "-u", "basic"])
        self.assertEqual(sorted(lf(m) for m in maildir_messages(os.path.join(local, "INBOX"))),
                         sorted(lf(expected_wire(m)) for m in OFFLINE.messages))
        self.assertEqual([lf(m) for m in maildir_messages(os.path.join(local, "Work"))], [lf(WORK_MSG)])
        self.run_tool(["offlineimap", "-c", rc, "-o", "-u", "basic"])  # nothing to do

    def test_fetchmail_imap(self):
        host, port = self.srv.addr("imap")
        out = os.path.join(self.work, "out")
        os.mkdir(out, 0o700)
        rc = os.path.join(self.work, "fetchmailrc")
        with open(rc, "w") as f:
            f.write('set no syslog\nset invisible\npoll %s proto IMAP port %d auth password timeout 30\n'
                    '  user "%s" there with password "%s" is "%s" here\n  options no rewrite keep sslproto \'\'\n'
                    '  mda "/usr/bin/python3 %s %s"\n' % (host, port, FETCHM.address, FETCHM.password,
                                                         getpass.getuser(), MDA, out))
        os.chmod(rc, 0o600)
        self.run_tool(["fetchmail", "--nosyslog", "--fetchmailrc", rc, "--pidfile",
                       os.path.join(self.work, "fm.pid"), "-v"], env={"FETCHMAILHOME": self.work})
        got = []
        for name in sorted(os.listdir(out)):
            with open(os.path.join(out, name), "rb") as f:
                got.append(f.read())
        self.assert_same_messages(got, FETCHM.messages, "fetched")

    def test_getmail_imap(self):
        if not shutil.which("getmail"):
            self.skipTest("getmail is not installed")
        host, port = self.srv.addr("imap")
        out = os.path.join(self.work, "out")
        os.mkdir(out, 0o700)
        rc = os.path.join(self.work, "getmailrc")
        with open(rc, "w") as f:
            f.write("[retriever]\ntype = SimpleIMAPRetriever\nserver = %s\nport = %d\nusername = %s\n"
                    "password = %s\nmailboxes = (\"INBOX\",)\n\n[destination]\ntype = MDA_external\n"
                    "path = /usr/bin/python3\narguments = (\"%s\", \"%s\")\nallow_root_commands = true\n\n"
                    "[options]\nread_all = true\ndelete = false\ndelivered_to = false\nreceived = false\n"
                    "message_log_syslog = false\n" % (host, port, GETMAIL.address, GETMAIL.password, MDA, out))
        self.run_tool(["getmail", "--rcfile", rc, "--getmaildir", self.work])
        got = []
        for name in sorted(os.listdir(out)):
            with open(os.path.join(out, name), "rb") as f:
                got.append(without_added(f.read(), (b"Return-Path: ", b"X-getmail-retrieved-from-mailbox: ")))
        self.assert_same_messages(got, GETMAIL.messages, "retrieved")

    def test_movemail_imap(self):
        if not shutil.which("movemail"):
            self.skipTest("movemail is not installed")
        host, port = self.srv.addr("imap")
        dest = os.path.join(self.work, "mbox")
        url = "imap://%s:%s@%s:%d/INBOX" % (MOVEMAIL.address.replace("@", "%40"), MOVEMAIL.password, host, port)
        self.run_tool(["movemail", "--preserve", url, dest])
        with open(dest, "rb") as f:
            mbox = f.read()
        for m in MOVEMAIL.messages:
            body = lf(expected_wire(m)).partition(b"\n\n")[2]
            self.assertIn(body, mbox)
        self.assertEqual(mbox.count(b"\nFrom ") + mbox.startswith(b"From "), len(MOVEMAIL.messages))


if __name__ == "__main__":
    unittest.main()
