#!/usr/bin/env python3
"""The administration commands of the `mailroom` binary: config check,
domain add/list/del, user add/list/passwd/del, alias add/list/del, inject;
and the same commands
while `mailroom serve` runs (SQLite WAL), serve's start and stop."""

import os
import poplib
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import CLI_TIMEOUT, DOMAIN, NET_TIMEOUT, User, expected_wire, run_cli  # noqa: E402


def text(p):
    return (p.stdout + p.stderr).decode("utf-8", "replace")


class ConfigCheckTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="mailroom-cfg-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, name, content):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(content)
        return path

    def test_valid_file(self):
        path = self.write("good.toml", harness.make_config(os.path.join(self.tmp, "data"),
                                                           harness.default_listeners()))
        p = run_cli(["config", "check", path], check=False)
        self.assertEqual(p.returncode, 0, text(p))

    def test_unknown_top_level_key(self):
        path = self.write("bad.toml", 'hostname = "mail.example.test"\n'
                                      'data_dir = "x"\n'
                                      'no_such_key = 1\n')
        p = run_cli(["config", "check", path], check=False)
        self.assertNotEqual(p.returncode, 0, text(p))
        self.assertRegex(text(p), re.escape(path) + r":3:\d+: ")
        self.assertIn("no_such_key", text(p))

    def test_unknown_listener_key_and_bad_values(self):
        path = self.write("bad2.toml", 'hostname = "mail.example.test"\n'
                                       '\n'
                                       '[[listener]]\n'
                                       'name = "pop3"\n'
                                       'service = "pop3"\n'
                                       'address = "127.0.0.1"\n'
                                       'port = 0\n'
                                       'tls = "sometimes"\n'
                                       'bogus = true\n')
        p = run_cli(["config", "check", path], check=False)
        out = text(p)
        self.assertNotEqual(p.returncode, 0, out)
        self.assertRegex(out, re.escape(path) + r":8:\d+: ", "tls value error on line 8")
        self.assertRegex(out, re.escape(path) + r":9:\d+: ", "unknown key error on line 9 (all errors)")

    def test_delivery_settings_printed_without_the_password(self):
        secret = self.write("smarthost.secret", "hunter2-do-not-print\n")
        path = self.write("delivery.toml", 'hostname = "mail.example.test"\n'
                                           '[delivery]\n'
                                           'smtp_port = 2526\n'
                                           'max_parallel = 3\n'
                                           'dns_forwarder = "[::1]:5353"\n'
                                           'dns_special_zones = ["test"]\n'
                                           '[delivery.routes]\n'
                                           '"partner.example" = "[::1]:2525"\n'
                                           '[delivery.smarthost]\n'
                                           'host = "smtp.isp.example"\n'
                                           'tls = "implicit"\n'
                                           'username = "me@isp.example"\n'
                                           'password_file = "smarthost.secret"\n')
        p = run_cli(["config", "check", path], check=False)
        out = text(p)
        self.assertEqual(p.returncode, 0, out)
        self.assertIn("MX hosts on port 2526", out)
        self.assertIn("3 at once (3 per domain)", out)
        self.assertIn("DNS via [::1]:5353, special zones asked upstream: test", out)
        self.assertIn("route partner.example -> [::1]:2525", out)
        self.assertIn("smarthost smtp.isp.example:465 for every domain without a route, implicit TLS", out)
        self.assertIn("AUTH as me@isp.example, password: (set)", out)
        self.assertNotIn("hunter2", out)

        # An unreadable password file is an error naming it, on its line.
        os.unlink(secret)
        p = run_cli(["config", "check", path], check=False)
        self.assertNotEqual(p.returncode, 0, text(p))
        self.assertRegex(text(p), re.escape(path) + r":13:\d+: 'password_file': cannot read '" + re.escape(secret))

    def test_toml_syntax_error(self):
        path = self.write("syntax.toml", 'hostname = "a"\nlog_level = \n')
        p = run_cli(["config", "check", path], check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertRegex(text(p), re.escape(path) + r":2:\d+: ")

    def test_serve_refuses_bad_config(self):
        path = self.write("bad3.toml", 'hostname = "a"\nunknown = 1\n')
        p = subprocess.run([harness.mailroom_bin(), "serve", "--config", path, "--data-dir",
                            os.path.join(self.tmp, "data")], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=CLI_TIMEOUT)
        self.assertNotEqual(p.returncode, 0)
        self.assertRegex(text(p), r":2:\d+: ")


class AdminTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="mailroom-admin-")
        self.data = os.path.join(self.tmp, "data")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def cli(self, *args, stdin=b"", check=True):
        return run_cli(args, data_dir=self.data, stdin=stdin, check=check)

    def test_domains(self):
        self.cli("domain", "add", "example.test")
        self.cli("domain", "add", "other.test")
        out = self.cli("domain", "list").stdout.decode().split()
        self.assertEqual(sorted(out), ["example.test", "other.test"])
        p = self.cli("domain", "add", "example.test", check=False)
        self.assertNotEqual(p.returncode, 0, "adding a domain twice")
        self.cli("domain", "del", "other.test")
        self.assertEqual(self.cli("domain", "list").stdout.decode().split(), ["example.test"])
        p = self.cli("domain", "del", "nowhere.test", check=False)
        self.assertNotEqual(p.returncode, 0)

    def test_users(self):
        self.cli("domain", "add", DOMAIN)
        self.cli("user", "add", "ann@" + DOMAIN, stdin=b"ann-pw-1\n")
        self.cli("user", "add", "ben@" + DOMAIN, "--legacy-auth", stdin=b"ben-pw-2\n")
        listed = [ln.split()[0] for ln in self.cli("user", "list").stdout.decode().splitlines()]
        self.assertEqual(sorted(listed), ["ann@" + DOMAIN, "ben@" + DOMAIN])
        self.assertTrue(os.path.isdir(os.path.join(self.data, "mail", DOMAIN, "ann", "new")))
        # RFC 6154 special-use folders, subscribed in Dovecot's format.
        for folder in ["Sent", "Drafts", "Trash", "Junk", "Archive"]:
            self.assertTrue(os.path.isdir(os.path.join(self.data, "mail", DOMAIN, "ann", "." + folder, "cur")))
        with open(os.path.join(self.data, "mail", DOMAIN, "ann", "subscriptions")) as f:
            self.assertEqual(f.read(), "V\t2\n\nINBOX\nSent\nDrafts\nTrash\nJunk\nArchive\n")
        # Twice, unknown domain, no password: errors.
        p = self.cli("user", "add", "ann@" + DOMAIN, stdin=b"x\n", check=False)
        self.assertNotEqual(p.returncode, 0)
        p = self.cli("user", "add", "zed@unknown.test", stdin=b"x\n", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("unknown.test", text(p))
        p = self.cli("user", "add", "cat@" + DOMAIN, stdin=b"", check=False)
        self.assertNotEqual(p.returncode, 0)
        # The password never appears in any output.
        self.assertNotIn("ann-pw-1", text(p))
        self.cli("user", "del", "ann@" + DOMAIN)
        self.assertEqual([ln.split()[0] for ln in self.cli("user", "list").stdout.decode().splitlines()],
                         ["ben@" + DOMAIN])
        p = self.cli("user", "del", "ann@" + DOMAIN, check=False)
        self.assertNotEqual(p.returncode, 0)
        p = self.cli("domain", "del", DOMAIN, check=False)
        self.assertNotEqual(p.returncode, 0, "a domain with users cannot be deleted")

    def test_aliases(self):
        self.cli("domain", "add", DOMAIN)
        self.cli("user", "add", "ann@" + DOMAIN, stdin=b"ann-pw-1\n")
        out = self.cli("alias", "add", "Info@" + DOMAIN, "ann@" + DOMAIN, "Friend@Remote.TEST",
                       "ANN@" + DOMAIN).stdout.decode()
        self.assertEqual(out, "added info@%s -> ann@%s, friend@remote.test\n" % (DOMAIN, DOMAIN))
        self.cli("alias", "add", "@" + DOMAIN.upper(), "ann@" + DOMAIN)
        listed = ["@%s -> ann@%s" % (DOMAIN, DOMAIN),
                  "info@%s -> ann@%s, friend@remote.test" % (DOMAIN, DOMAIN)]
        self.assertEqual(self.cli("alias", "list").stdout.decode().splitlines(), listed)
        self.assertEqual(self.cli("alias", "list", DOMAIN).stdout.decode().splitlines(), listed)
        self.cli("domain", "add", "other.test")
        self.assertEqual(self.cli("alias", "list", "other.test").stdout, b"")

    def test_alias_errors(self):
        self.cli("domain", "add", DOMAIN)
        self.cli("alias", "add", "info@" + DOMAIN, "ann@" + DOMAIN)

        def fails(*args, says):
            p = self.cli(*args, check=False)
            self.assertEqual(p.returncode, 1, text(p))
            self.assertIn(says, p.stderr.decode())
            self.assertEqual(p.stdout, b"")

        # One target exists already: nothing is added.
        fails("alias", "add", "info@" + DOMAIN, "new@" + DOMAIN, "ann@" + DOMAIN, says="exists already")
        fails("alias", "add", "x@unknown.test", "ann@" + DOMAIN, says="unknown.test")
        fails("alias", "add", "@unknown.test", "ann@" + DOMAIN, says="not local")
        fails("alias", "add", "not an address", "ann@" + DOMAIN, says="not a valid alias source")
        fails("alias", "add", "info@" + DOMAIN, "@" + DOMAIN, says="not a valid address")
        fails("alias", "list", "bad domain", says="not a domain name")
        fails("alias", "del", "nobody@" + DOMAIN, says="no such alias")
        fails("alias", "del", "info@" + DOMAIN, "new@" + DOMAIN, says="no such alias")
        self.assertEqual(self.cli("alias", "list").stdout.decode().splitlines(),
                         ["info@%s -> ann@%s" % (DOMAIN, DOMAIN)])
        p = self.cli("alias", "add", "info@" + DOMAIN, check=False)
        self.assertNotEqual(p.returncode, 0, "a target is required")

    def test_alias_del_and_domain_del(self):
        self.cli("domain", "add", DOMAIN)
        self.cli("domain", "add", "other.test")
        self.cli("alias", "add", "team@other.test", "ann@" + DOMAIN, "ben@" + DOMAIN)
        p = self.cli("domain", "del", "other.test", check=False)
        self.assertEqual(p.returncode, 1, "a domain with aliases cannot be deleted")
        self.assertIn("aliases", p.stderr.decode())
        out = self.cli("alias", "del", "Team@Other.test", "BEN@" + DOMAIN).stdout.decode()
        self.assertEqual(out, "deleted team@other.test -> ben@%s\n" % DOMAIN)
        self.assertEqual(self.cli("alias", "list").stdout.decode(),
                         "team@other.test -> ann@%s\n" % DOMAIN)
        self.assertEqual(self.cli("alias", "del", "team@other.test").stdout.decode(),
                         "deleted team@other.test\n")
        self.assertEqual(self.cli("alias", "list").stdout, b"")
        self.cli("domain", "del", "other.test")

    def test_inject(self):
        self.cli("domain", "add", DOMAIN)
        self.cli("user", "add", "ann@" + DOMAIN, stdin=b"ann-pw-1\n")
        msg = harness.msg_8bit()
        self.cli("inject", "ann@" + DOMAIN, stdin=msg)
        new = os.path.join(self.data, "mail", DOMAIN, "ann", "new")
        files = os.listdir(new)
        self.assertEqual(len(files), 1)
        with open(os.path.join(new, files[0]), "rb") as f:
            stored = f.read()
        # Stored as given (Maildir, LF) or as CRLF: either way the same content.
        self.assertIn(stored.replace(b"\r\n", b"\n"), (msg, msg.replace(b"\r\n", b"\n")))

    def test_inject_large_message_is_streamed(self):
        # 8 MiB: staged in queue/tmp (not held in memory), stored whole,
        # the staged file gone afterwards.
        self.cli("domain", "add", DOMAIN)
        self.cli("user", "add", "big@" + DOMAIN, stdin=b"big-pw-1\n")
        msg = b"Subject: big\n\n" + (b"y" * 998 + b"\n") * 8400
        self.cli("inject", "big@" + DOMAIN, stdin=msg)
        new = os.path.join(self.data, "mail", DOMAIN, "big", "new")
        files = os.listdir(new)
        self.assertEqual(len(files), 1)
        with open(os.path.join(new, files[0]), "rb") as f:
            self.assertEqual(f.read(), msg)
        self.assertEqual(os.listdir(os.path.join(self.data, "queue", "tmp")), [])

    def test_inject_through_aliases(self):
        # Local aliases are honoured; one with a remote target is refused
        # whole (no copy for the local target either); --sender adds
        # Return-Path.
        self.cli("domain", "add", DOMAIN)
        self.cli("user", "add", "bea@" + DOMAIN, stdin=b"bea-pw-1\n")
        self.cli("alias", "add", "desk@" + DOMAIN, "bea@" + DOMAIN)
        self.cli("alias", "add", "out@" + DOMAIN, "bea@" + DOMAIN)
        self.cli("alias", "add", "out@" + DOMAIN, "far@remote.test")
        self.cli("inject", "--sender", "Boss@Remote.test", "desk@" + DOMAIN, stdin=harness.simple_message("x"))
        p = self.cli("inject", "out@" + DOMAIN, stdin=harness.simple_message("y"), check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("remote targets", text(p))
        new = os.path.join(self.data, "mail", DOMAIN, "bea", "new")
        files = os.listdir(new)
        self.assertEqual(len(files), 1, "the refused message left no copy")
        with open(os.path.join(new, files[0]), "rb") as f:
            self.assertTrue(f.read().startswith(b"Return-Path: <boss@remote.test>"))

    def test_inject_unknown_user(self):
        self.cli("domain", "add", DOMAIN)
        p = self.cli("inject", "ghost@" + DOMAIN, stdin=harness.simple_message("x"), check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("ghost@" + DOMAIN, text(p))
        self.assertRegex(text(p).lower(), r"no such user|unknown user|not found")
        self.assertFalse(os.path.exists(os.path.join(self.data, "mail", DOMAIN, "ghost")))


ALICE = User("alice@" + DOMAIN, "alice-Cli-7g", messages=[harness.simple_message("first")])


class LiveServerTest(harness.ServerTestCase):
    """Administration while the server runs."""
    USERS = [ALICE]

    def login(self, address, password):
        c = poplib.POP3(*self.srv.addr("pop3-plain"), timeout=NET_TIMEOUT)
        c.user(address)
        c.pass_(password)
        return c

    def test_self_signed_certificate_made(self):
        tls = os.path.join(self.srv.data_dir, "tls")
        self.assertTrue(os.path.isfile(os.path.join(tls, "cert.pem")))
        self.assertTrue(os.path.isfile(os.path.join(tls, "key.pem")))
        mode = os.stat(os.path.join(tls, "key.pem")).st_mode & 0o777
        self.assertEqual(mode & 0o077, 0, "key.pem readable by others: %o" % mode)

    def test_user_add_and_inject_while_running(self):
        self.srv.add_user("late@" + DOMAIN, "late-Cli-8h")
        msg = harness.msg_dots()
        self.srv.inject("late@" + DOMAIN, msg)
        c = self.login("late@" + DOMAIN, "late-Cli-8h")
        try:
            self.assertEqual(c.stat(), (1, len(expected_wire(msg))))
        finally:
            c.quit()

    def test_inject_visible_to_next_session(self):
        c = self.login(ALICE.address, ALICE.password)
        n0 = c.stat()[0]
        c.quit()
        self.srv.inject(ALICE.address, harness.simple_message("second"))
        c = self.login(ALICE.address, ALICE.password)
        try:
            self.assertEqual(c.stat()[0], n0 + 1)
        finally:
            c.quit()

    def test_passwd_and_del_while_running(self):
        self.srv.add_user("pw@" + DOMAIN, "pw-old-9i")
        self.login("pw@" + DOMAIN, "pw-old-9i").quit()
        self.srv.passwords.append("pw-new-9j")
        self.srv.cli("user", "passwd", "pw@" + DOMAIN, stdin=b"pw-new-9j\n")
        with self.assertRaises(poplib.error_proto):
            self.login("pw@" + DOMAIN, "pw-old-9i")
        self.login("pw@" + DOMAIN, "pw-new-9j").quit()
        self.srv.cli("user", "del", "pw@" + DOMAIN)
        with self.assertRaises(poplib.error_proto):
            self.login("pw@" + DOMAIN, "pw-new-9j")


class ServeLifecycleTest(unittest.TestCase):
    def test_sigterm_stops_promptly(self):
        srv = harness.Server(listeners=[dict(name="only", tls="none", plaintext_auth=True)])
        try:
            srv.add_domain(DOMAIN)
            srv.start()
            self.assertEqual(len(srv.listeners), 1)
            # An idle client connected must not keep the server alive.
            c = poplib.POP3(*srv.addr("only"), timeout=NET_TIMEOUT)
            t0 = time.monotonic()
            os.kill(srv.pid, signal.SIGTERM)
            try:
                srv.proc.wait(harness.STOP_GRACE)
            except subprocess.TimeoutExpired:
                pass
            self.assertIsNotNone(srv.proc.poll(), "still running 5 s after SIGTERM")
            self.assertLess(time.monotonic() - t0, harness.STOP_GRACE)
            self.assertEqual(srv.proc.returncode, 0, "exit status after SIGTERM")
            c.close()
        finally:
            srv.cleanup()

    def test_domain_option(self):
        srv = harness.Server(listeners=[dict(name="only", tls="none", plaintext_auth=True)],
                             serve_args=["--domain", "first.test", "--domain", "second.test"])
        try:
            srv.start()
            listed = srv.cli("domain", "list").stdout.decode().split()
            self.assertIn("first.test", listed)
            self.assertIn("second.test", listed)
            srv.add_user("u@second.test", "u-Cli-1m")
            srv.inject("u@second.test", harness.msg_lf())
            c = poplib.POP3(*srv.addr("only"), timeout=NET_TIMEOUT)
            try:
                c.user("u@second.test")
                c.pass_("u-Cli-1m")
                self.assertEqual(c.stat(), (1, len(expected_wire(harness.msg_lf()))))
            finally:
                c.quit()
        finally:
            srv.cleanup()

    def test_second_start_reuses_data_dir(self):
        srv = harness.Server(listeners=[dict(name="only", tls="implicit")])
        try:
            srv.add_domain(DOMAIN)
            srv.add_user("keep@" + DOMAIN, "keep-Cli-0k")
            srv.inject("keep@" + DOMAIN, harness.msg_crlf())
            srv.start()
            with open(os.path.join(srv.data_dir, "tls", "cert.pem"), "rb") as f:
                cert1 = f.read()
            srv.stop()
            srv.start()
            with open(os.path.join(srv.data_dir, "tls", "cert.pem"), "rb") as f:
                self.assertEqual(f.read(), cert1, "the certificate is made once, then reused")
            c = poplib.POP3_SSL(*srv.addr("only"), timeout=NET_TIMEOUT,
                                context=harness.tls_client_context())
            try:
                c.user("keep@" + DOMAIN)
                c.pass_("keep-Cli-0k")
                self.assertEqual(c.stat()[0], 1)
            finally:
                c.quit()
        finally:
            srv.cleanup()


if __name__ == "__main__":
    harness.main()
