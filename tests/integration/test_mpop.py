#!/usr/bin/env python3
"""mpop as a POP3 client of `mailroom serve`, delivering into a Maildir whose
files are compared with what was injected.

mpop stores messages in a Maildir with LF line ends (verified against a
reference server), un-dot-stuffed, and `received_header off` keeps it from
adding a header, so every file must equal harness.expected_lf(injected)."""

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

STD = harness.standard_messages()
SMALL = [harness.simple_message("p%d" % i) for i in range(1, 4)]

KEEP = User("keep@" + DOMAIN, "keep-Mp-1a", messages=STD)
STLSU = User("stls@" + DOMAIN, "stls-Mp-2b", messages=STD)
SSLU = User("ssl@" + DOMAIN, "ssl-Mp-3c", messages=SMALL)
APOPU = User("apop@" + DOMAIN, "apop-Mp-4d", legacy=True, messages=SMALL)
SCRAMU = User("scram@" + DOMAIN, "scram-Mp-5e", messages=SMALL)
CRAMU = User("cram@" + DOMAIN, "cram-Mp-6f", legacy=True, messages=SMALL)


def mpop_supports(method):
    try:
        out = subprocess.run(["mpop", "--version"], stdout=subprocess.PIPE, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    lines = out.decode("utf-8", "replace").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Supported authentication methods") and i + 1 < len(lines):
            return method in lines[i + 1].split()
    return False


@unittest.skipUnless(shutil.which("mpop"), "mpop is not installed")
class MpopTest(harness.ServerTestCase):
    USERS = [KEEP, STLSU, SSLU, APOPU, SCRAMU, CRAMU]

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="mpop-it-")
        self.maildir = os.path.join(self.work, "Maildir")
        for sub in ("new", "cur", "tmp"):
            os.makedirs(os.path.join(self.maildir, sub))
        self.uidls = os.path.join(self.work, "uidls")

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def mpop(self, user, listener, settings, expect_ok=True):
        host, port = self.srv.addr(listener)
        rc = os.path.join(self.work, "mpoprc")
        with open(rc, "w") as f:
            f.write("defaults\ntimeout 30\nreceived_header off\n\n"
                    "account test\nhost %s\nport %d\nuser %s\npassword %s\n"
                    "delivery maildir %s\n%s\n"
                    % (host, port, user.address, user.password, self.maildir, settings))
        os.chmod(rc, 0o600)
        env = dict(os.environ, HOME=self.work, LC_ALL="C")
        p = subprocess.run(["mpop", "--file=" + rc, "--uidls-file=" + self.uidls, "--debug", "test"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, timeout=120,
                           stdin=subprocess.DEVNULL)
        log = p.stdout.decode("utf-8", "replace")
        if expect_ok:
            self.assertEqual(p.returncode, 0, "mpop failed (%d):\n%s" % (p.returncode, log[-6000:]))
        else:
            self.assertNotEqual(p.returncode, 0, "mpop should have failed:\n%s" % log[-6000:])
        return log

    def stored(self):
        data = []
        for sub in ("new", "cur"):
            d = os.path.join(self.maildir, sub)
            for name in sorted(os.listdir(d)):
                with open(os.path.join(d, name), "rb") as f:
                    data.append(f.read())
        return data

    def assert_stored(self, messages):
        self.assert_same_messages(self.stored(), messages)

    def clear_maildir(self):
        for sub in ("new", "cur"):
            d = os.path.join(self.maildir, sub)
            for name in os.listdir(d):
                os.unlink(os.path.join(d, name))

    def test_user_tls_off_plaintext_listener_keep(self):
        log = self.mpop(KEEP, "pop3-plain", "tls off\nauth user\nkeep on")
        self.assertIn("USER ", log)
        self.assert_stored(STD)
        self.assertEqual(self.server_count(KEEP), len(STD))
        # keep on + the UIDLs file: a second run fetches nothing new.
        self.clear_maildir()
        self.mpop(KEEP, "pop3-plain", "tls off\nauth user\nkeep on")
        self.assertEqual(self.stored(), [])
        self.assertTrue(os.path.getsize(self.uidls) > 0)

    def test_starttls_keep_off_deletes(self):
        log = self.mpop(STLSU, "pop3", "tls on\ntls_starttls on\ntls_certcheck off\nauth user\nkeep off")
        self.assertIn("STLS", log)
        self.assert_stored(STD)
        self.assertEqual(self.server_count(STLSU), 0)

    def test_implicit_tls(self):
        self.mpop(SSLU, "pop3s", "tls on\ntls_starttls off\ntls_certcheck off\nauth plain\nkeep on")
        self.assert_stored(SMALL)
        self.assertEqual(self.server_count(SSLU), len(SMALL))

    def test_user_refused_without_tls_on_default_listener(self):
        self.mpop(KEEP, "pop3", "tls off\nauth user\nkeep on", expect_ok=False)
        self.assertEqual(self.stored(), [])

    def test_apop_cleartext(self):
        log = self.mpop(APOPU, "pop3", "tls off\nauth apop\nkeep on")
        self.assertIn("APOP ", log)
        self.assert_stored(SMALL)

    def test_apop_fails_for_non_legacy_user(self):
        self.mpop(SCRAMU, "pop3", "tls off\nauth apop\nkeep on", expect_ok=False)
        self.assertEqual(self.stored(), [])

    @unittest.skipUnless(mpop_supports("scram-sha-256"), "mpop without SCRAM-SHA-256")
    def test_scram_sha_256_cleartext(self):
        log = self.mpop(SCRAMU, "pop3", "tls off\nauth scram-sha-256\nkeep on")
        self.assertIn("AUTH SCRAM-SHA-256", log)
        self.assert_stored(SMALL)

    @unittest.skipUnless(mpop_supports("cram-md5"), "mpop without CRAM-MD5")
    def test_cram_md5_cleartext(self):
        self.mpop(CRAMU, "pop3", "tls off\nauth cram-md5\nkeep on")
        self.assert_stored(SMALL)

    def test_wrong_password(self):
        self.mpop(User(KEEP.address, "wrong-password"), "pop3-plain", "tls off\nauth user\nkeep on",
                  expect_ok=False)
        self.assertEqual(self.stored(), [])


if __name__ == "__main__":
    harness.main()
