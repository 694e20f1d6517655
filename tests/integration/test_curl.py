#!/usr/bin/env python3
"""curl as a POP3 client of `mailroom serve`: pop3:// on the plaintext_auth
listener, pop3:// with --ssl-reqd (STLS) on the default listener, pop3s://
on the implicit TLS listener; listing (LIST), retrieval (RETR N), UIDL.

curl prefers CRAM-MD5 whenever the server offers it, and CRAM-MD5 needs the
legacy secret, so the tests with normal users pass --login-options
AUTH=PLAIN (what such a user has to do with curl).

curl prints a retrieved message with its CRLF line ends, un-dot-stuffed and
without the terminating '.' line (checked against a reference server), so
its output must equal harness.expected_wire(injected) byte for byte."""

import os
import shutil
import subprocess
import sys
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DOMAIN, User, expected_wire  # noqa: E402

STD = harness.standard_messages()
SMALL = [harness.simple_message("c%d" % i) for i in range(1, 3)]

ALICE = User("alice@" + DOMAIN, "alice-Curl-1x", messages=STD)
BOB = User("bob@" + DOMAIN, "bob-Curl-Legacy-2y", legacy=True, messages=SMALL)
DELEU = User("dele@" + DOMAIN, "dele-Curl-3z", messages=SMALL)


@unittest.skipUnless(shutil.which("curl"), "curl is not installed")
class CurlTest(harness.ServerTestCase):
    USERS = [ALICE, BOB, DELEU]

    def curl(self, url, user, *extra, check=True):
        if not user.legacy and "--login-options" not in extra:
            extra = ("--login-options", "AUTH=PLAIN") + extra
        cmd = ["curl", "--silent", "--show-error", "--max-time", "60", "--connect-timeout", "10",
               "--user", "%s:%s" % (user.address, user.password)] + list(extra) + [url]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=90)
        if check:
            self.assertEqual(p.returncode, 0, "curl %s failed (%d): %r" % (url, p.returncode, p.stderr))
        return p

    def url(self, scheme, listener, path=""):
        host, port = self.srv.addr(listener)
        return "%s://%s:%d/%s" % (scheme, host, port, path)

    def listing(self, scheme, listener, *extra):
        out = self.curl(self.url(scheme, listener), ALICE, *extra).stdout
        self.assertTrue(out.endswith(b"\r\n"), out)
        sizes = {}
        for line in out.split(b"\r\n")[:-1]:
            n, size = line.split()
            sizes[int(n)] = int(size)
        self.assertEqual(sorted(sizes), list(range(1, len(STD) + 1)))
        self.assertEqual(sorted(sizes.values()), sorted(len(expected_wire(m)) for m in STD))
        return sizes

    def retrieve_all(self, scheme, listener, *extra):
        sizes = self.listing(scheme, listener, *extra)
        expected = sorted(expected_wire(m) for m in STD)
        got = []
        for n in sorted(sizes):
            body = self.curl(self.url(scheme, listener, str(n)), ALICE, *extra).stdout
            self.assertEqual(len(body), sizes[n], "message %d: LIST size vs curl output" % n)
            self.assertIn(body, expected, "message %d matches no injected message: %r" % (n, body[:300]))
            got.append(body)
        self.assertEqual(sorted(got), expected)

    def test_pop3_plaintext_listener(self):
        self.retrieve_all("pop3", "pop3-plain")

    def test_pop3_stls_required_on_default_listener(self):
        self.retrieve_all("pop3", "pop3", "--ssl-reqd", "--insecure")

    def test_pop3s_implicit(self):
        self.retrieve_all("pop3s", "pop3s", "--insecure")

    def test_plaintext_user_refused_on_default_listener(self):
        # Without TLS the default listener offers no PLAIN: curl asked for
        # AUTH=PLAIN must not get in.
        p = self.curl(self.url("pop3", "pop3", ""), ALICE, "--login-options", "AUTH=PLAIN", check=False)
        self.assertNotEqual(p.returncode, 0, p.stdout)

    def test_apop_via_curl(self):
        out = self.curl(self.url("pop3", "pop3", "1"), BOB, "--login-options", "AUTH=+APOP").stdout
        self.assertIn(out, [expected_wire(m) for m in SMALL])

    def test_cram_md5_via_curl_legacy_user(self):
        out = self.curl(self.url("pop3", "pop3", "1"), BOB, "--login-options", "AUTH=CRAM-MD5").stdout
        self.assertIn(out, [expected_wire(m) for m in SMALL])

    def test_uidl(self):
        out = self.curl(self.url("pop3", "pop3-plain"), ALICE, "--request", "UIDL").stdout
        lines = out.split(b"\r\n")[:-1]
        self.assertEqual(len(lines), len(STD))
        self.assertEqual(len({l.split()[1] for l in lines}), len(STD))

    def test_default_mechanism_legacy_user_tls(self):
        # Whatever curl picks by itself (CRAM-MD5 here) works for a legacy user.
        out = self.curl(self.url("pop3s", "pop3s", "1"), BOB, "--insecure").stdout
        self.assertIn(out, [expected_wire(m) for m in SMALL])

    def test_wrong_password(self):
        p = subprocess.run(["curl", "--silent", "--max-time", "30", "--login-options", "AUTH=PLAIN", "--user",
                            "%s:%s" % (ALICE.address, "wrong"), self.url("pop3", "pop3-plain")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(p.returncode, 67, "curl: login denied")

    def test_dele_via_curl(self):
        # curl -X DELE marks the message; curl then QUITs, so it is removed.
        self.curl(self.url("pop3", "pop3-plain", "1"), DELEU, "--request", "DELE", "--list-only")
        sizes = self.curl(self.url("pop3", "pop3-plain"), DELEU).stdout.split(b"\r\n")[:-1]
        self.assertEqual(len(sizes), len(SMALL) - 1)


if __name__ == "__main__":
    harness.main()
