#!/usr/bin/env python3
"""fetchmail as a POP3 client of `mailroom serve`, delivering through an MDA
(mda_store.py) into files that are compared with what was injected.

fetchmail hands the MDA each message with LF line ends (it strips the CRs
when an MDA is used) and `set invisible` keeps it from adding a Received
header, so every stored file must equal harness.expected_lf(injected)."""

import getpass
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DOMAIN, User  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MDA = os.path.join(HERE, "mda_store.py")
STD = harness.standard_messages()
SMALL = [harness.simple_message("f%d" % i) for i in range(1, 4)]

KEEP = User("keep@" + DOMAIN, "keep-Fm-1a", messages=STD)
FLUSH = User("flush@" + DOMAIN, "flush-Fm-2b", messages=STD)
SSLU = User("ssl@" + DOMAIN, "ssl-Fm-3c", messages=SMALL)
APOPU = User("apop@" + DOMAIN, "apop-Fm-4d", legacy=True, messages=SMALL)
CRAMU = User("cram@" + DOMAIN, "cram-Fm-5e", legacy=True, messages=SMALL)


@unittest.skipUnless(shutil.which("fetchmail"), "fetchmail is not installed")
class FetchmailTest(harness.ServerTestCase):
    USERS = [KEEP, FLUSH, SSLU, APOPU, CRAMU]

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="fetchmail-it-")
        os.chmod(self.work, 0o700)
        self.out = os.path.join(self.work, "out")
        os.mkdir(self.out, 0o700)

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def fetch(self, user, listener, proto="POP3", options="", auth="password", expect_rc=(0,)):
        host, port = self.srv.addr(listener)
        rc_path = os.path.join(self.work, "fetchmailrc")
        with open(rc_path, "w") as f:
            f.write('set no syslog\nset invisible\n'
                    'poll %s proto %s port %d auth %s uidl timeout 30\n'
                    '  user "%s" there with password "%s" is "%s" here\n'
                    '  options no rewrite %s\n'
                    '  mda "/usr/bin/python3 %s %s"\n'
                    % (host, proto, port, auth, user.address, user.password, getpass.getuser(),
                       options, MDA, self.out))
        os.chmod(rc_path, 0o600)
        env = dict(os.environ, FETCHMAILHOME=self.work, HOME=self.work, LC_ALL="C")
        p = subprocess.run(["fetchmail", "--nosyslog", "--fetchmailrc", rc_path,
                            "--idfile", os.path.join(self.work, "fetchids"),
                            "--pidfile", os.path.join(self.work, "fetchmail.pid"), "-v"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, timeout=120)
        self.assertIn(p.returncode, expect_rc, "fetchmail exit %d:\n%s"
                      % (p.returncode, p.stdout.decode("utf-8", "replace")[-6000:]))
        return p

    def delivered(self):
        files = sorted(os.listdir(self.out))
        data = []
        for name in files:
            with open(os.path.join(self.out, name), "rb") as f:
                data.append(f.read())
        return data

    def assert_delivered(self, messages):
        self.assert_same_messages(self.delivered(), messages, "delivered")

    def clear_out(self):
        for name in os.listdir(self.out):
            os.unlink(os.path.join(self.out, name))

    def test_keep_uidl_plaintext_listener(self):
        self.fetch(KEEP, "pop3-plain", options="keep sslproto ''")
        self.assert_delivered(STD)
        self.assertEqual(self.server_count(KEEP), len(STD), "keep leaves the mail on the server")
        self.clear_out()
        # Second run, keep + uidl: nothing new (fetchmail exits 1 = no mail).
        self.fetch(KEEP, "pop3-plain", options="keep sslproto ''", expect_rc=(1,))
        self.assertEqual(self.delivered(), [])
        self.assertEqual(self.server_count(KEEP), len(STD))

    def test_stls_no_keep_deletes(self):
        p = self.fetch(FLUSH, "pop3", options="no keep sslproto 'auto' no sslcertck")
        self.assertIn(b"STLS", p.stdout)
        self.assert_delivered(STD)
        self.assertEqual(self.server_count(FLUSH), 0, "no keep deletes the mail on the server")

    def test_implicit_ssl_keep(self):
        self.fetch(SSLU, "pop3s", options="keep ssl no sslcertck")
        self.assert_delivered(SMALL)
        self.assertEqual(self.server_count(SSLU), len(SMALL))

    def test_apop_cleartext(self):
        p = self.fetch(APOPU, "pop3", proto="APOP", options="keep sslproto ''")
        self.assertIn(b"APOP ", p.stdout)
        self.assert_delivered(SMALL)

    def test_cram_md5_cleartext(self):
        self.fetch(CRAMU, "pop3", options="keep sslproto ''", auth="cram-md5")
        self.assert_delivered(SMALL)

    def test_wrong_password(self):
        bad = User(KEEP.address, "not-the-password")
        p = self.fetch(bad, "pop3-plain", options="keep sslproto ''", expect_rc=(3,))
        self.assertEqual(self.delivered(), [], p.stdout)


if __name__ == "__main__":
    harness.main()
