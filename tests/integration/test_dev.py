#!/usr/bin/env python3
"""`mailroom dev` (issue #14) driven by real clients: the JSON line of ports,
any login on every listener (smtplib, swaks, poplib with APOP/STLS/TLS,
imaplib with STARTTLS/TLS, curl), the catch-all across domains byte for byte,
nothing queued for delivery, strict logins with --users, the temporary data
directory removed after SIGTERM unless --keep. Stops the server by pid."""
import email.utils
import json
import os
import poplib
import imaplib
import select
import signal
import smtplib
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import mailroom_bin  # noqa: E402

TLS = ssl._create_unverified_context()  # the sandbox's self-signed certificate
NAMES = ["smtp", "submission", "submissions", "pop3", "pop3s", "imap", "imaps"]


class Dev:
    def __init__(self, *args):
        self.proc = subprocess.Popen([mailroom_bin(), "dev", "--port-base", "0", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline() if ready else b""
        if not line:
            self.proc.kill()
            raise AssertionError("no JSON line: " + self.proc.stderr.read().decode(errors="replace"))
        self.ports = json.loads(line)
        self.data_dir = self.ports["data_dir"]

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
        rc = self.proc.wait(timeout=30)
        rest = self.proc.stdout.read()
        self.proc.stderr.close()
        self.proc.stdout.close()
        return rc, rest


def message(tag):
    return ("From: a@sender.example\r\nTo: bob@one.test, eve@two.test\r\nSubject: %s\r\nDate: %s\r\n"
            "Message-ID: <%s@sender.example>\r\n\r\nline one\r\n..dot line\r\nend\r\n"
            % (tag, email.utils.formatdate(), tag)).encode()


def pop_all(port, user, password="anything"):
    p = poplib.POP3("127.0.0.1", port, timeout=10)
    p.user(user)
    p.pass_(password)
    out = [b"\r\n".join(p.retr(i + 1)[1]) + b"\r\n" for i in range(p.stat()[0])]
    p.quit()
    return out


def body_of(stored):
    # local delivery puts Return-Path: first (RFC 5321 §4.4)
    assert stored.startswith(b"Return-Path:"), stored[:40]
    return stored[stored.index(b"\r\n") + 2:]


class DevTest(unittest.TestCase):
    def setUp(self):
        self.dev = Dev()
        self.addCleanup(self.dev.stop)
        self.p = self.dev.ports

    def test_json_line_has_every_port_and_the_web_address(self):
        for n in NAMES:
            self.assertIsInstance(self.p[n], int)
            self.assertGreater(self.p[n], 0)
        self.assertTrue(self.p["http"].startswith("http://127.0.0.1:"))
        self.assertNotIn("token", self.p)
        out = subprocess.run(["curl", "-s", self.p["http"] + "/healthz"], capture_output=True, timeout=20)
        self.assertEqual(out.returncode, 0)
        self.assertTrue(os.path.isdir(self.dev.data_dir))

    def test_catch_all_two_domains_byte_for_byte_and_nothing_queued(self):
        msg = message("catchall")
        with smtplib.SMTP("127.0.0.1", self.p["smtp"], timeout=10) as s:
            refused = s.sendmail("a@sender.example", ["bob@one.test", "eve@two.test"], msg)
        self.assertEqual(refused, {})
        copies = []
        for box in ["bob@one.test", "eve@two.test"]:
            got = pop_all(self.p["pop3"], box)
            self.assertEqual(len(got), 1)
            # the message as sent, after our trace fields (both ends undo the dot-stuffing)
            self.assertTrue(body_of(got[0]).endswith(b"\r\n" + msg))
            copies.append(got[0])
        self.assertEqual(copies[0], copies[1])
        queued = [f for d, _, fs in os.walk(os.path.join(self.dev.data_dir, "queue")) for f in fs
                  if "/tmp" not in d and not f.startswith(".") and not f.endswith(".lock") and f != "lock"]
        self.assertEqual(queued, [])

    def test_submission_any_password_with_and_without_tls(self):
        with smtplib.SMTP("127.0.0.1", self.p["submission"], timeout=10) as s:
            s.login("writer@three.test", "no-such-password")
            s.sendmail("writer@three.test", ["r1@four.test"], message("plain"))
        with smtplib.SMTP("127.0.0.1", self.p["submission"], timeout=10) as s:
            s.starttls(context=TLS)
            s.login("writer@three.test", "other")
            s.sendmail("writer@three.test", ["r1@four.test"], message("starttls"))
        with smtplib.SMTP_SSL("127.0.0.1", self.p["submissions"], context=TLS, timeout=10) as s:
            s.login("writer@three.test", "third")
            s.sendmail("writer@three.test", ["r1@four.test"], message("implicit"))
        out = subprocess.run(["swaks", "--server", "127.0.0.1", "--port", str(self.p["submission"]), "--to",
                              "r1@four.test", "--from", "sw@five.test", "--auth", "CRAM-MD5", "--auth-user",
                              "sw@five.test", "--auth-password", "x", "--tls"], capture_output=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stdout.decode(errors="replace")[-800:])
        self.assertEqual(len(pop_all(self.p["pop3"], "r1@four.test")), 4)

    def test_pop3_user_pass_apop_stls_and_tls(self):
        with smtplib.SMTP("127.0.0.1", self.p["smtp"], timeout=10) as s:
            s.sendmail("a@sender.example", ["carol@six.test"], message("pop"))
        p = poplib.POP3("127.0.0.1", self.p["pop3"], timeout=10)
        p.apop("carol@six.test", "whatever")
        self.assertEqual(p.stat()[0], 1)
        p.quit()
        p = poplib.POP3("127.0.0.1", self.p["pop3"], timeout=10)
        p.stls(context=TLS)
        p.user("carol@six.test")
        p.pass_("x")
        self.assertEqual(p.stat()[0], 1)
        p.quit()
        p = poplib.POP3_SSL("127.0.0.1", self.p["pop3s"], context=TLS, timeout=10)
        p.user("newbie")  # a bare name: newbie@localhost, created on first use
        p.pass_("x")
        self.assertEqual(p.stat()[0], 0)
        p.quit()
        self.assertEqual(len(pop_all(self.p["pop3"], "carol@six.test", "plain")), 1)

    def test_imap_login_starttls_and_tls(self):
        with smtplib.SMTP("127.0.0.1", self.p["smtp"], timeout=10) as s:
            s.sendmail("a@sender.example", ["dan@seven.test"], message("imap"))
        i = imaplib.IMAP4("127.0.0.1", self.p["imap"], timeout=10)
        i.login("dan@seven.test", "any")
        self.assertEqual(i.select("INBOX"), ("OK", [b"1"]))
        i.logout()
        i = imaplib.IMAP4("127.0.0.1", self.p["imap"], timeout=10)
        i.starttls(ssl_context=TLS)
        i.login("dan@seven.test", "any")
        self.assertEqual(i.select("INBOX")[0], "OK")
        i.logout()
        i = imaplib.IMAP4_SSL("127.0.0.1", self.p["imaps"], ssl_context=TLS, timeout=10)
        i.login("dan@seven.test", "any")
        i.select("INBOX")
        typ, data = i.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        self.assertIn(b"Subject: imap", data[0][1])
        i.logout()

    def test_curl_pop3_and_imap(self):
        with smtplib.SMTP("127.0.0.1", self.p["smtp"], timeout=10) as s:
            s.sendmail("a@sender.example", ["erin@eight.test"], message("curl"))
        for url in ["pop3://127.0.0.1:%d/1" % self.p["pop3"], "imap://127.0.0.1:%d/INBOX;UID=1" % self.p["imap"]]:
            out = subprocess.run(["curl", "-s", "--user", "erin@eight.test:pw", url], capture_output=True, timeout=30)
            self.assertEqual(out.returncode, 0, url)
            self.assertIn(b"Subject: curl", out.stdout)


class DevLifecycleTest(unittest.TestCase):
    def test_temporary_dir_removed_after_sigterm(self):
        dev = Dev()
        self.assertTrue(os.path.isdir(dev.data_dir))
        rc, rest = dev.stop()
        self.assertEqual(rc, 0)
        self.assertEqual(rest, b"")  # one line on stdout, nothing after it
        self.assertFalse(os.path.exists(dev.data_dir))

    def test_keep_and_data_dir_are_kept(self):
        dev = Dev("--keep")
        dev.stop()
        self.assertTrue(os.path.isdir(dev.data_dir))
        subprocess.run(["rm", "-rf", dev.data_dir], check=True)
        with tempfile.TemporaryDirectory() as d:
            mine = os.path.join(d, "sandbox")
            dev = Dev("--data-dir", mine)
            self.assertEqual(dev.data_dir, mine)
            dev.stop()
            self.assertTrue(os.path.isdir(os.path.join(mine, "mail")))

    def test_users_file_makes_logins_strict(self):
        with tempfile.TemporaryDirectory() as d:
            users = os.path.join(d, "users")
            with open(users, "w") as f:
                f.write("# test users\nann@nine.test secret one\n")
            dev = Dev("--users", users)
            try:
                p = poplib.POP3("127.0.0.1", dev.ports["pop3"], timeout=10)
                p.user("ann@nine.test")
                with self.assertRaises(poplib.error_proto):
                    p.pass_("wrong")
                p.quit()
                p = poplib.POP3("127.0.0.1", dev.ports["pop3"], timeout=10)
                p.user("ann@nine.test")
                p.pass_("secret one")
                p.quit()
                i = imaplib.IMAP4("127.0.0.1", dev.ports["imap"], timeout=10)
                with self.assertRaises(imaplib.IMAP4.error):
                    i.login("ann@nine.test", "wrong")
                i.logout()
                s = smtplib.SMTP("127.0.0.1", dev.ports["submission"], timeout=10)
                with self.assertRaises(smtplib.SMTPResponseException):  # 535 per mechanism, then 421
                    s.login("ann@nine.test", "wrong")
                s.close()
                s = smtplib.SMTP("127.0.0.1", dev.ports["submission"], timeout=10)
                s.login("ann@nine.test", "secret one")
                s.quit()
                # the catch-all still takes mail for anyone
                with smtplib.SMTP("127.0.0.1", dev.ports["smtp"], timeout=10) as s:
                    s.sendmail("x@y.test", ["nobody@ten.test"], message("strict"))
            finally:
                dev.stop()

    def test_bad_faults_file_exits_2_with_its_line(self):
        with tempfile.NamedTemporaryFile("w", suffix=".toml") as f:
            f.write('[[fault]]\nprotocol = "pop3"\naction = "explode"\n')
            f.flush()
            out = subprocess.run([mailroom_bin(), "dev", "--port-base", "0", "--faults", f.name],
                                 capture_output=True, timeout=30)
        self.assertEqual(out.returncode, 2)
        self.assertEqual(out.stdout, b"")
        self.assertIn(b"line ", out.stderr)


if __name__ == "__main__":
    unittest.main()
