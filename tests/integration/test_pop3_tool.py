#!/usr/bin/env python3
"""`mailroom pop3` against `mailroom serve` and against a private Dovecot:
every subcommand, every login method, STLS and implicit TLS verified against
a test CA (and refused for a wrong name or an unknown CA), plaintext refused
without --allow-plaintext, the trace masked, stable exit codes; fetch into a
Maildir and an mbox compared byte for byte with what was delivered, a second
run fetching nothing, a fetch SIGKILLed mid-message resumed without loss or
duplicate, and --delete removing only what was stored. Needs Dovecot
(dovecot-core, dovecot-pop3d) for the second part; without it that part
exits 77 (skipped)."""

import os
import resource
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
from harness import DOMAIN, User, expected_lf, expected_wire, expected_top  # noqa: E402
from pop3_tool_helpers import (Dovecot, DOVECOT, SlowRelay, maildir_messages, make_ca,  # noqa: E402
                               parse_mboxrd, run_pop3)

CA_DIR = tempfile.mkdtemp(prefix="mailroom-pop3tool-ca-")
TLS = make_ca(CA_DIR)
STD = harness.standard_messages()
SMALL = [harness.simple_message("t%d" % i) for i in range(1, 4)]
BIG = [harness.msg_big(), harness.simple_message("between"), harness.msg_big(2 * 1024 * 1024),
       harness.msg_dots()]

ALICE = User("alice@" + DOMAIN, "alice-Pw-9f2e", legacy=True, messages=STD)
DELE = User("dele@" + DOMAIN, "dele-Pw-22bb", messages=SMALL)
FETCH = User("fetch@" + DOMAIN, "fetch-Pw-33cc", messages=STD)
KILL = User("kill@" + DOMAIN, "kill-Pw-44dd")  # mail injected by the test
LIMIT = User("limit@" + DOMAIN, "limit-Pw-55ee", messages=[SMALL[0], harness.msg_big(), SMALL[1]])
DEST = User("dest@" + DOMAIN, "dest-Pw-66ff")

EXIT_COMMAND, EXIT_LOGIN, EXIT_TLS, EXIT_STORE, EXIT_CONNECTION = 2, 3, 4, 74, 75


def out(p):
    return "exit %d\nstdout: %r\nstderr: %s" % (p.returncode, p.stdout[:400], p.stderr.decode(errors="replace")[-2000:])


class Pop3ToolCase(unittest.TestCase):
    def pop3(self, server, user, *args, password=None, expect=0, **kw):
        a = ["--server", server]
        if user is not None:
            a += ["--user", user.address]
            if password is None:
                password = user.password
        p = run_pop3(a + list(args), password=password, **kw)
        if expect is not None:
            self.assertEqual(p.returncode, expect, out(p))
        return p

    def assert_same(self, got, messages):
        self.assertEqual(sorted(got), sorted(expected_lf(m) for m in messages))


class AgainstMailroom(Pop3ToolCase, harness.ServerTestCase):
    USERS = [ALICE, DELE, FETCH, KILL, LIMIT, DEST]
    EXTRA_CONFIG = dict(tls=dict(cert=TLS["cert"], key=TLS["key"]))

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="mailroom-pop3tool-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def plain(self):   # STLS listener that allows plaintext logins
        return "127.0.0.1:%d" % self.srv.port("pop3-plain")

    def stls(self):    # STLS listener without plaintext logins before TLS
        return "127.0.0.1:%d" % self.srv.port("pop3")

    def pop3s(self):
        return "127.0.0.1:%d" % self.srv.port("pop3s")

    # ------------------------------------------------------------ subcommands
    def test_capa_without_login(self):
        p = self.pop3(self.stls(), None, "--ca", TLS["ca"], "capa")
        lines = p.stdout.decode().splitlines()
        self.assertIn("UIDL", lines)
        self.assertNotIn("STLS", lines, "capabilities after STLS, not before (RFC 2595 §4)")
        p = self.pop3(self.stls(), None, "--tls", "none", "capa")
        self.assertIn("STLS", p.stdout.decode().splitlines())

    def test_capa_after_login(self):
        p = self.pop3(self.stls(), ALICE, "--ca", TLS["ca"], "capa")
        self.assertIn("UIDL", p.stdout.decode().splitlines())

    def test_stat_list_uidl_top_retr(self):
        common = ["--ca", TLS["ca"]]
        p = self.pop3(self.stls(), ALICE, *common, "stat")
        wire = [expected_wire(m) for m in STD]
        self.assertEqual(p.stdout, b"%d %d\n" % (len(STD), sum(len(w) for w in wire)))
        p = self.pop3(self.stls(), ALICE, *common, "list")
        sizes = dict(l.split() for l in p.stdout.decode().splitlines())
        self.assertEqual(len(sizes), len(STD))
        p = self.pop3(self.stls(), ALICE, *common, "list", "2")
        self.assertEqual(p.stdout.decode().split(), ["2", sizes["2"]])
        p = self.pop3(self.stls(), ALICE, *common, "uidl")
        uids = dict(l.split() for l in p.stdout.decode().splitlines())
        self.assertEqual(sorted(uids), sorted(sizes))
        p = self.pop3(self.stls(), ALICE, *common, "uidl", "3")
        self.assertEqual(p.stdout.decode().split(), ["3", uids["3"]])
        got = []
        for n in sorted(sizes, key=int):
            p = self.pop3(self.stls(), ALICE, *common, "retr", n)
            self.assertEqual(len(p.stdout), int(sizes[n]), "RETR %s: the exact bytes LIST announced" % n)
            got.append(p.stdout)
        self.assertEqual(sorted(got), sorted(wire))
        p = self.pop3(self.stls(), ALICE, *common, "top", "1", "1")
        retr1 = self.pop3(self.stls(), ALICE, *common, "retr", "1").stdout
        original = [m for m in STD if expected_wire(m) == retr1][0]
        self.assertEqual(p.stdout, expected_top(original, 1))
        p = self.pop3(self.stls(), ALICE, *common, "retr", "99", expect=EXIT_COMMAND)
        self.assertIn(b"-ERR", p.stderr)
        self.pop3(self.stls(), ALICE, *common, "retr", "x", expect=1)

    def test_dele_is_all_or_nothing(self):
        common = ["--ca", TLS["ca"]]
        p = self.pop3(self.stls(), DELE, *common, "dele", "1", "9", expect=EXIT_COMMAND)
        self.assertIn(b"nothing deleted", p.stderr)
        self.assertEqual(self.server_count(DELE), len(SMALL))
        self.pop3(self.stls(), DELE, *common, "dele", "1", "2")
        self.assertEqual(self.server_count(DELE), len(SMALL) - 2)

    # ------------------------------------------------------------ logins
    def test_every_login_method(self):
        for method in ("user", "plain", "login", "apop", "cram-md5", "scram-sha-1", "scram-sha-256", "auto"):
            with self.subTest(method=method):
                p = self.pop3(self.stls(), ALICE, "--ca", TLS["ca"], "--auth", method, "--trace", "stat")
                trace = p.stderr.decode()
                self.assertNotIn(ALICE.password, trace)
                if method == "auto":
                    self.assertIn("logged in with SCRAM-SHA-256", trace)
                else:
                    self.assertIn("logged in with " + method.upper(), trace)
                if method == "user":
                    self.assertIn("C: PASS ********", trace)

    def test_wrong_password_is_exit_3_naming_the_reply(self):
        p = self.pop3(self.stls(), ALICE, "--ca", TLS["ca"], "--auth", "scram-sha-256", "stat",
                      password="not-the-password", expect=EXIT_LOGIN)
        self.assertIn(b"-ERR", p.stderr)

    def test_plaintext_refused_without_allow_plaintext(self):
        p = self.pop3(self.plain(), ALICE, "--tls", "none", "--auth", "user", "stat", expect=EXIT_LOGIN)
        self.assertIn(b"--allow-plaintext", p.stderr)
        p = self.pop3(self.plain(), ALICE, "--tls", "none", "--auth", "user", "--allow-plaintext", "stat")
        self.assertIn(b"warning", p.stderr)
        # auto without TLS takes a method that does not reveal the password.
        p = self.pop3(self.plain(), ALICE, "--tls", "none", "--trace", "stat")
        self.assertIn(b"logged in with SCRAM-SHA-256", p.stderr)

    # ------------------------------------------------------------ TLS
    def test_implicit_tls_verified(self):
        p = self.pop3(self.pop3s(), ALICE, "--tls", "implicit", "--ca", TLS["ca"], "--trace", "stat")
        self.assertIn(b"verified=yes", p.stderr)

    def test_tls_refused_for_wrong_name_or_unknown_ca(self):
        port = self.srv.port("pop3s")
        p = self.pop3("localhost:%d" % port, ALICE, "--tls", "implicit", "--ca", TLS["ca"], "stat",
                      expect=EXIT_TLS)
        self.assertIn(b"TLS", p.stderr)
        self.pop3(self.pop3s(), ALICE, "--tls", "implicit", "stat", expect=EXIT_TLS)  # system CAs only
        self.pop3(self.stls(), ALICE, "stat", expect=EXIT_TLS)
        p = self.pop3(self.stls(), ALICE, "--insecure", "--trace", "stat")
        self.assertIn(b"verified=no", p.stderr)

    def test_connection_failure_is_75(self):
        p = self.pop3("127.0.0.1:%d" % harness.closed_port(), ALICE, "--tls", "none", "stat",
                      expect=EXIT_CONNECTION)
        self.assertIn(b"127.0.0.1", p.stderr)

    # ------------------------------------------------------------ fetch
    def test_fetch_maildir_and_mbox_byte_for_byte_then_nothing_new(self):
        md = os.path.join(self.tmp, "Maildir")
        mbox = os.path.join(self.tmp, "mbox")
        for to in ("maildir:" + md, "mbox:" + mbox):
            p = self.pop3(self.stls(), FETCH, "--ca", TLS["ca"], "fetch", "--to", to)
            self.assertIn(b"%d fetched" % len(STD), p.stderr)
            p = self.pop3(self.stls(), FETCH, "--ca", TLS["ca"], "fetch", "--to", to)
            self.assertIn(b"0 fetched", p.stderr)
        self.assert_same(maildir_messages(md), STD)
        with open(mbox, "rb") as f:
            self.assert_same(parse_mboxrd(f.read()), STD)
        self.assertEqual(self.server_count(FETCH), len(STD), "--keep is the default")

    def test_fetch_local(self):
        p = self.pop3(self.stls(), FETCH, "--ca", TLS["ca"], "fetch", "--to", "local:" + DEST.address,
                      "--config", self.srv.config_path)
        self.assertIn(b"%d fetched" % len(STD), p.stderr)
        p = self.pop3(self.stls(), DEST, "--ca", TLS["ca"], "list")
        self.assertEqual(len(p.stdout.splitlines()), len(STD))
        got = [self.pop3(self.stls(), DEST, "--ca", TLS["ca"], "retr", str(n)).stdout
               for n in range(1, len(STD) + 1)]
        self.assertEqual(sorted(got), sorted(expected_wire(m) for m in STD))

    def killed_then_resumed(self, to, contents):
        """A fetch --delete through a slow relay, SIGKILLed in the middle of
        the second large message, then run again (through the same address:
        the journal is per server address and user)."""
        relay = SlowRelay(("127.0.0.1", self.srv.port("pop3s")))
        try:
            args = ["--server", "127.0.0.1:%d" % relay.port, "--tls", "implicit", "--ca", TLS["ca"],
                    "--user", KILL.address, "fetch", "--to", to, "--delete"]
            env = dict(os.environ, MAILROOM_PASSWORD=KILL.password)
            proc = subprocess.Popen([harness.mailroom_bin(), "pop3"] + args, env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            deadline = time.time() + 60
            while contents() < len(expected_lf(BIG[0])) + 500000:
                self.assertIsNone(proc.poll(), "the fetch ended before it could be killed")
                self.assertLess(time.time(), deadline)
                time.sleep(0.02)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            self.assertEqual(self.server_count(KILL), len(BIG), "nothing deleted by a session without QUIT")
            relay.pause = 0
            p = run_pop3(args[:-4] + ["fetch", "--to", to, "--delete"], password=KILL.password)
            self.assertEqual(p.returncode, 0, out(p))
        finally:
            relay.close()
        self.assertEqual(self.server_count(KILL), 0)
        return p

    def test_fetch_sigkilled_mid_message_resumes_without_loss_or_duplicate(self):
        for kind in ("mbox", "maildir"):
            with self.subTest(kind=kind):
                for m in BIG:
                    self.srv.inject(KILL.address, m)
                if kind == "mbox":
                    path = os.path.join(self.tmp, "killed.mbox")
                    size = lambda: os.path.getsize(path) if os.path.exists(path) else 0  # noqa: E731
                else:
                    path = os.path.join(self.tmp, "killed-maildir")

                    def size():
                        total = 0
                        for sub in ("tmp", "new"):
                            d = os.path.join(path, sub)
                            if os.path.isdir(d):
                                total += sum(os.path.getsize(os.path.join(d, n)) for n in os.listdir(d))
                        return total
                p = self.killed_then_resumed(kind + ":" + path, size)
                self.assertRegex(p.stderr, rb"[1-9] stored before", "the killed run had stored some")
                if kind == "mbox":
                    with open(path, "rb") as f:
                        self.assert_same(parse_mboxrd(f.read()), BIG)
                else:
                    self.assert_same(maildir_messages(path), BIG)
                    self.assertEqual(os.listdir(os.path.join(path, "tmp")), [])

    def test_delete_removes_only_what_was_stored(self):
        md = os.path.join(self.tmp, "limited")

        def small_files():  # writes past 1 MiB fail with EFBIG instead of SIGXFSZ
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))
        common = ["--ca", TLS["ca"], "fetch", "--to", "maildir:" + md, "--delete"]
        p = self.pop3(self.stls(), LIMIT, *common, expect=EXIT_STORE, preexec_fn=small_files)
        self.assertIn(b"cannot store", p.stderr)
        self.assertEqual(self.server_count(LIMIT), 3, "no deletion without every stored message being durable")
        self.assert_same(maildir_messages(md), LIMIT.messages[:1])
        self.pop3(self.stls(), LIMIT, *common)
        self.assert_same(maildir_messages(md), LIMIT.messages)
        self.assertEqual(self.server_count(LIMIT), 0)


@unittest.skipUnless(os.path.exists(DOVECOT), "Dovecot is not installed")
class AgainstDovecot(Pop3ToolCase):
    BOB = User("bob@example.org", "bob-Dove-7788", messages=STD)
    CAROL = User("carol@example.org", "carol-Dove-99aa", messages=SMALL)

    @classmethod
    def setUpClass(cls):
        cls.dovecot = Dovecot([cls.BOB, cls.CAROL], TLS)

    @classmethod
    def tearDownClass(cls):
        cls.dovecot.stop()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="mailroom-pop3tool-dv-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def pop3(self, *args, **kw):
        try:
            return super().pop3(*args, **kw)
        except AssertionError:
            print(self.dovecot.log(), file=sys.stderr)
            raise

    def pop3_port(self):
        return "127.0.0.1:%d" % self.dovecot.pop3_port

    def test_every_login_method(self):
        for method in ("user", "plain", "login", "apop", "cram-md5", "scram-sha-1", "scram-sha-256", "auto"):
            with self.subTest(method=method):
                p = self.pop3(self.pop3_port(), self.CAROL, "--ca", TLS["ca"], "--auth", method, "--trace", "stat")
                self.assertEqual(p.stdout.split()[0], b"%d" % len(SMALL))
                self.assertNotIn(self.CAROL.password, p.stderr.decode())

    def test_apop_and_cram_md5_without_tls(self):
        for method in ("apop", "cram-md5"):
            with self.subTest(method=method):
                self.pop3(self.pop3_port(), self.CAROL, "--tls", "none", "--auth", method, "stat")
        p = self.pop3(self.pop3_port(), self.CAROL, "--tls", "none", "--auth", "user", "stat", expect=EXIT_LOGIN)
        self.assertIn(b"--allow-plaintext", p.stderr)

    def test_implicit_tls_and_wrong_name(self):
        port = self.dovecot.pop3s_port
        p = self.pop3("127.0.0.1:%d" % port, self.CAROL, "--tls", "implicit", "--ca", TLS["ca"], "--trace", "uidl")
        self.assertEqual(len(p.stdout.splitlines()), len(SMALL))
        self.assertIn(b"verified=yes", p.stderr)
        self.pop3("localhost:%d" % port, self.CAROL, "--tls", "implicit", "--ca", TLS["ca"], "stat",
                  expect=EXIT_TLS)
        self.pop3(self.pop3_port(), self.CAROL, "stat", expect=EXIT_TLS)

    def test_wrong_password(self):
        p = self.pop3(self.pop3_port(), self.CAROL, "--ca", TLS["ca"], "stat", password="wrong-password",
                      expect=EXIT_LOGIN)
        self.assertIn(b"-ERR", p.stderr)

    def test_retr_top_list(self):
        p = self.pop3(self.pop3_port(), self.CAROL, "--ca", TLS["ca"], "list")
        sizes = dict(l.split() for l in p.stdout.decode().splitlines())
        got = [self.pop3(self.pop3_port(), self.CAROL, "--ca", TLS["ca"], "retr", n).stdout for n in sizes]
        self.assertEqual(sorted(got), sorted(expected_wire(m) for m in SMALL))
        p = self.pop3(self.pop3_port(), self.CAROL, "--ca", TLS["ca"], "top", "1", "0")
        self.assertTrue(p.stdout.endswith(b"\r\n\r\n"), p.stdout)

    def test_fetch_maildir_mbox_then_delete(self):
        md = os.path.join(self.tmp, "Maildir")
        mbox = os.path.join(self.tmp, "mbox")
        common = ["--ca", TLS["ca"], "--auth", "scram-sha-256", "fetch"]
        for to in ("maildir:" + md, "mbox:" + mbox):
            p = self.pop3(self.pop3_port(), self.BOB, *common, "--to", to)
            self.assertIn(b"%d fetched" % len(STD), p.stderr)
            p = self.pop3(self.pop3_port(), self.BOB, *common, "--to", to)
            self.assertIn(b"0 fetched", p.stderr)
        self.assert_same(maildir_messages(md), STD)
        with open(mbox, "rb") as f:
            self.assert_same(parse_mboxrd(f.read()), STD)
        # New mail, then --delete: the new one is fetched, and both the new
        # one and the ones stored before are deleted (all are stored).
        extra = [harness.simple_message("late")]
        self.dovecot.deliver(self.BOB, extra)
        p = self.pop3(self.pop3_port(), self.BOB, *common, "--to", "maildir:" + md, "--delete")
        self.assertIn(b"1 fetched", p.stderr)
        self.assert_same(maildir_messages(md), STD + extra)
        self.assertEqual(self.dovecot.count(self.BOB), 0)


def tearDownModule():
    shutil.rmtree(CA_DIR, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
