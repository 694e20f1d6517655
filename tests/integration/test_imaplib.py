#!/usr/bin/env python3
"""IMAP against `mailroom serve` with Python's imaplib, a raw socket client
and curl: LOGIN (refused before TLS without plaintext_auth, LOGINDISABLED),
AUTHENTICATE PLAIN, CAPABILITY per listener and state, STARTTLS, IMAP4_SSL,
NAMESPACE, ID, ENABLE, LIST/CREATE/RENAME/DELETE/STATUS, SELECT/EXAMINE,
CLOSE/UNSELECT, IDLE told of a message delivered meanwhile, LOGOUT; curl
imap:// (LIST), imaps:// and --ssl-reqd STARTTLS. One log line per login
and select; never a password in the log."""

import base64
import imaplib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import NET_TIMEOUT, DOMAIN, User, tls_client_context  # noqa: E402

ALICE = User("alice@" + DOMAIN, "alice-Imap-7q", messages=[harness.simple_message("i%d" % i) for i in range(3)])
BOB = User("bob@" + DOMAIN, "bob-Imap-8r")
IDLER = User("idler@" + DOMAIN, "idler-Imap-9s", messages=[harness.simple_message("idle0")])

LISTENERS = [
    dict(name="imap", service="imap", tls="starttls", plaintext_auth=False),
    dict(name="imap-plain", service="imap", tls="starttls", plaintext_auth=True),
    dict(name="imaps", service="imap", tls="implicit"),
]


def caps_of(line):
    m = re.search(rb"\[CAPABILITY ([^\]]*)\]", line)
    return set(m.group(1).split()) if m else None


class RawImap:
    """Exact bytes on a socket, for what imaplib hides (greeting, IDLE)."""

    def __init__(self, host, port, implicit_tls=False):
        self.sock = socket.create_connection((host, port), timeout=NET_TIMEOUT)
        if implicit_tls:
            self.sock = tls_client_context().wrap_socket(self.sock)
        self.buf = b""
        self.greeting = self.line()

    def line(self, timeout=NET_TIMEOUT):
        self.sock.settimeout(timeout)
        while b"\r\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("closed; unread %r" % self.buf)
            self.buf += data
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def send(self, data):
        self.sock.sendall(data.encode() + b"\r\n")

    def command(self, tag, data):
        """Sends `tag data`; returns (untagged lines, tagged line)."""
        self.send("%s %s" % (tag, data))
        untagged = []
        while True:
            line = self.line()
            if line.startswith(tag.encode() + b" "):
                return untagged, line
            untagged.append(line)

    def close(self):
        self.sock.close()


class ImapTest(harness.ServerTestCase):
    USERS = [ALICE, BOB, IDLER]
    LISTENERS = LISTENERS

    def connect(self, listener, ssl=False):
        host, port = self.srv.addr(listener)
        if ssl:
            return imaplib.IMAP4_SSL(host, port, ssl_context=tls_client_context(), timeout=NET_TIMEOUT)
        return imaplib.IMAP4(host, port, timeout=NET_TIMEOUT)

    # ------------------------------------------------------------ capabilities
    def test_greeting_capabilities_per_listener(self):
        c = RawImap(*self.srv.addr("imap"))
        caps = caps_of(c.greeting)
        self.assertTrue(c.greeting.startswith(b"* OK [CAPABILITY "), c.greeting)
        for cap in (b"IMAP4rev1", b"IMAP4rev2", b"STARTTLS", b"LOGINDISABLED", b"SASL-IR", b"IDLE", b"NAMESPACE",
                    b"ID", b"ENABLE", b"UNSELECT", b"LITERAL+"):
            self.assertIn(cap, caps)
        self.assertNotIn(b"AUTH=PLAIN", caps)
        self.assertIn(b"AUTH=SCRAM-SHA-256", caps)
        c.close()
        c = RawImap(*self.srv.addr("imap-plain"))
        caps = caps_of(c.greeting)
        self.assertIn(b"AUTH=PLAIN", caps)
        self.assertNotIn(b"LOGINDISABLED", caps)
        self.assertIn(b"STARTTLS", caps)
        c.close()
        c = RawImap(*self.srv.addr("imaps"), implicit_tls=True)
        caps = caps_of(c.greeting)
        self.assertIn(b"AUTH=PLAIN", caps)
        self.assertNotIn(b"STARTTLS", caps)
        self.assertNotIn(b"LOGINDISABLED", caps)
        c.close()

    # ------------------------------------------------------------ logins
    def test_login_refused_before_tls_then_allowed_after_starttls(self):
        c = self.connect("imap")
        self.assertIn("LOGINDISABLED", c.capabilities)
        with self.assertRaises(imaplib.IMAP4.error) as e:
            c.login(ALICE.address, ALICE.password)
        self.assertIn("PRIVACYREQUIRED", str(e.exception))
        c.starttls(ssl_context=tls_client_context())
        self.assertNotIn("STARTTLS", c.capabilities)
        self.assertNotIn("LOGINDISABLED", c.capabilities)
        typ, data = c.login(ALICE.address, ALICE.password)
        self.assertEqual(typ, "OK")
        self.assertIn(b"CAPABILITY", data[0])
        typ, data = c.capability()
        self.assertNotIn(b"AUTH=", data[0])
        c.logout()
        self.assertIn("login user=%s mech=LOGIN tls=yes" % ALICE.address, self.srv.read_log())

    def test_login_plaintext_listener_and_wrong_password(self):
        c = self.connect("imap-plain")
        with self.assertRaises(imaplib.IMAP4.error) as e:
            c.login(ALICE.address, "wrong-password")
        self.assertIn("AUTHENTICATIONFAILED", str(e.exception))
        typ, _ = c.login(ALICE.address, ALICE.password)
        self.assertEqual(typ, "OK")
        self.assertEqual(c.state, "AUTH")
        typ, _ = c.logout()
        self.assertEqual(typ, "BYE")

    def test_authenticate_plain_over_implicit_tls(self):
        c = self.connect("imaps", ssl=True)
        typ, _ = c.authenticate("PLAIN", lambda _: ("\0%s\0%s" % (BOB.address, BOB.password)).encode())
        self.assertEqual(typ, "OK")
        c.logout()
        self.assertIn("login user=%s mech=PLAIN tls=yes" % BOB.address, self.srv.read_log())

    def test_authenticate_plain_with_initial_response(self):
        c = RawImap(*self.srv.addr("imaps"), implicit_tls=True)
        ir = base64.b64encode(("\0%s\0%s" % (BOB.address, BOB.password)).encode()).decode()
        _, done = c.command("a1", "AUTHENTICATE PLAIN " + ir)
        self.assertTrue(done.startswith(b"a1 OK [CAPABILITY "), done)
        _, done = c.command("a2", "LOGOUT")
        self.assertEqual(done, b"a2 OK Logout completed.")
        c.close()

    # ------------------------------------------------------------ authenticated state
    def test_namespace_id_enable(self):
        imaplib.Commands.setdefault("ID", ("NONAUTH", "AUTH", "SELECTED"))  # RFC 2971; imaplib lacks it
        c = self.connect("imaps", ssl=True)
        typ, data = c._simple_command("ID", '("name" "imaplib")')
        self.assertEqual(typ, "OK")
        self.assertEqual(c._untagged_response(typ, data, "ID")[1], [b'("name" "mailroom")'])
        c.login(ALICE.address, ALICE.password)
        typ, data = c.namespace()
        self.assertEqual(data, [b'(("" ".")) NIL NIL'])
        typ, _ = c.enable("IMAP4rev2")
        self.assertEqual(typ, "OK")
        self.assertEqual(c.response("ENABLED"), ("ENABLED", [b"IMAP4rev2"]))
        c.logout()

    def test_folders_list_create_rename_delete_status(self):
        c = self.connect("imaps", ssl=True)
        c.login(BOB.address, BOB.password)
        self.assertEqual(c.create("Work")[0], "OK")
        self.assertEqual(c.create("Work.Projects")[0], "OK")
        typ, data = c.create("Work")
        self.assertEqual(typ, "NO")
        self.assertIn(b"ALREADYEXISTS", data[0])
        typ, data = c.list()
        self.assertEqual(typ, "OK")
        listing = {line.rsplit(b" ", 1)[1]: line for line in data}
        self.assertIn(b"INBOX", listing)
        self.assertIn(b"\\HasChildren", listing[b"Work"])
        self.assertIn(b"\\HasNoChildren", listing[b"Work.Projects"])
        typ, data = c.list('""', "%")
        self.assertNotIn(b"Work.Projects", b" ".join(data))
        self.assertEqual(c.rename("Work.Projects", "Work.Done")[0], "OK")
        typ, data = c.status("Work.Done", "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN)")
        self.assertEqual(typ, "OK")
        self.assertRegex(data[0], rb"^Work\.Done \(MESSAGES 0 UIDNEXT 1 UIDVALIDITY \d+ UNSEEN 0\)$")
        self.assertEqual(c.delete("Work.Done")[0], "OK")
        typ, data = c.delete("Work.Done")
        self.assertEqual(typ, "NO")
        self.assertEqual(c.delete("INBOX")[0], "NO")
        c.logout()

    def test_select_examine_close_unselect(self):
        c = self.connect("imap-plain")
        c.login(ALICE.address, ALICE.password)
        typ, data = c.select("INBOX")
        self.assertEqual((typ, data), ("OK", [b"3"]))
        self.assertEqual(c.untagged_responses.get("READ-WRITE"), [b""])
        self.assertTrue(c.untagged_responses.get("UIDVALIDITY"))
        self.assertEqual(c.untagged_responses.get("UIDNEXT"), [b"4"])
        typ, data = c.status("INBOX", "(MESSAGES UNSEEN)")
        self.assertEqual(data, [b"INBOX (MESSAGES 3 UNSEEN 3)"])
        self.assertEqual(c.close()[0], "OK")
        typ, data = c.select("INBOX", readonly=True)
        self.assertEqual((typ, data), ("OK", [b"3"]))
        self.assertEqual(c.unselect()[0], "OK")
        typ, data = c.select("Nope")
        self.assertEqual(typ, "NO")
        c.logout()
        self.assertIn("select mailbox=INBOX messages=3", self.srv.read_log())

    def test_idle_is_told_of_a_delivered_message(self):
        c = RawImap(*self.srv.addr("imaps"), implicit_tls=True)
        c.command("a1", "LOGIN %s %s" % (IDLER.address, IDLER.password))
        untagged, done = c.command("a2", "SELECT INBOX")
        self.assertIn(b"* 1 EXISTS", untagged)
        c.send("a3 IDLE")
        self.assertEqual(c.line(), b"+ idling")
        start = time.monotonic()
        self.srv.inject(IDLER.address, harness.simple_message("idle1"))
        self.assertEqual(c.line(timeout=10), b"* 2 EXISTS")
        self.assertEqual(c.line(), b"* 2 RECENT")  # rev1: this session saw both first (RFC 3501 §2.3.2)
        self.assertLess(time.monotonic() - start, 5.0)
        c.send("DONE")
        self.assertEqual(c.line(), b"a3 OK IDLE terminated.")
        _, done = c.command("a4", "LOGOUT")
        self.assertEqual(done, b"a4 OK Logout completed.")
        c.close()

    def test_bad_and_wrong_state_commands(self):
        c = RawImap(*self.srv.addr("imap"))
        _, done = c.command("a1", "SELECT INBOX")
        self.assertEqual(done, b"a1 BAD Command not valid in this state.")
        _, done = c.command("a2", "XYZZY")
        self.assertEqual(done, b"a2 BAD Unknown command.")
        c.send("a3 STARTTLS\r\na4 LOGIN mallory pw")  # pipelined cleartext must be dropped
        self.assertEqual(c.line(), b"a3 OK Begin TLS negotiation now.")
        c.sock = tls_client_context().wrap_socket(c.sock)
        _, done = c.command("a5", "NOOP")
        self.assertEqual(done, b"a5 OK NOOP completed.")
        c.close()


@unittest.skipUnless(shutil.which("curl"), "curl is not installed")
class CurlImapTest(harness.ServerTestCase):
    USERS = [User("carol@" + DOMAIN, "carol-Curl-Imap-1")]
    LISTENERS = LISTENERS

    def curl(self, url, *extra):
        u = self.USERS[0]
        cmd = ["curl", "--silent", "--show-error", "--max-time", "60", "--connect-timeout", "10",
               "--login-options", "AUTH=PLAIN", "--user", "%s:%s" % (u.address, u.password)] + list(extra) + [url]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=90)
        self.assertEqual(p.returncode, 0, "curl %s failed (%d): %r" % (url, p.returncode, p.stderr))
        return p.stdout

    def url(self, scheme, listener):
        host, port = self.srv.addr(listener)
        return "%s://%s:%d/" % (scheme, host, port)

    def assert_lists_inbox(self, out):
        self.assertIn(b'* LIST (\\HasNoChildren) "." INBOX\r\n', out)

    def test_imap_plaintext_listener(self):
        self.assert_lists_inbox(self.curl(self.url("imap", "imap-plain")))

    def test_imap_starttls_required(self):
        self.assert_lists_inbox(self.curl(self.url("imap", "imap"), "--ssl-reqd", "--insecure"))

    def test_imaps(self):
        self.assert_lists_inbox(self.curl(self.url("imaps", "imaps"), "--insecure"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
