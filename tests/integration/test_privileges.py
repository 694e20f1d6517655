#!/usr/bin/env python3
"""Privileges and ports (issue #12), run as root (CI is root): started as
root with `user`, `mailroom serve` runs as that user - every uid and gid,
the user's groups only, CAP_NET_BIND_SERVICE the only capability left -
and the files it writes (the delivered message, the queue, the database)
are that user's; a listener added by a reload on a port below 1024 still
opens. Root without `user` is refused on a port below 1024 and warned on
unprivileged ones; an unknown user is refused. The test user is created
with useradd and removed at the end. Not root: skipped (exit 77)."""

import os
import poplib
import pwd
import re
import shutil
import smtplib
import socket
import subprocess
import sys
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import NET_TIMEOUT, User  # noqa: E402

TEST_USER = "mailroom-it"
ALICE = User("alice@example.test", "alice-Priv-8z")
LISTENERS = [
    dict(name="pop3-plain", tls="starttls", plaintext_auth=True),
    dict(name="smtp", service="smtp", tls="none"),
]
CAP_NET_BIND_SERVICE = 10
created_user = False


def setUpModule():
    global created_user
    try:
        pwd.getpwnam(TEST_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", "--user-group", TEST_USER], check=True, timeout=60)
        created_user = True


def tearDownModule():
    if created_user:
        subprocess.run(["userdel", TEST_USER], timeout=60)


def status_of(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.split()
    return fields


def free_low_port():
    for port in range(1023, 899, -1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise unittest.SkipTest("no free port below 1024 on 127.0.0.1")


class PrivilegeTest(unittest.TestCase):
    def server(self, extra=None, listeners=LISTENERS):
        srv = harness.Server(listeners=listeners, extra_config=extra)
        self.addCleanup(srv.cleanup)
        # The dropped user must reach the data directory and read the
        # configuration (a reload reads it again).
        os.chmod(srv.tmp, 0o755)
        os.chmod(srv.config_path, 0o644)
        return srv

    def test_runs_as_the_user_and_writes_its_files(self):
        pw = pwd.getpwnam(TEST_USER)
        srv = self.server(dict(user=TEST_USER))
        # Administration as root before the first start: files owned by root...
        srv.add_domain()
        srv.add_user(ALICE.address, ALICE.password)
        srv.start()
        st = status_of(srv.pid)
        self.assertEqual(st["Uid"], [str(pw.pw_uid)] * 4, st["Uid"])
        self.assertEqual(st["Gid"], [str(pw.pw_gid)] * 4, st["Gid"])
        self.assertEqual(st["Groups"], [str(pw.pw_gid)])
        self.assertEqual(int(st["CapEff"][0], 16), 1 << CAP_NET_BIND_SERVICE)
        self.assertEqual(int(st["CapPrm"][0], 16), 1 << CAP_NET_BIND_SERVICE)
        self.assertEqual(st["NoNewPrivs"] if "NoNewPrivs" in st else ["0"], ["0"])
        self.assertIn("privileges dropped user=%s" % TEST_USER, srv.read_log())

        # ...handed over at start, and what it writes now is the user's.
        with smtplib.SMTP(*srv.addr("smtp"), timeout=NET_TIMEOUT) as s:
            s.sendmail("bob@elsewhere.test", [ALICE.address], harness.expected_wire(harness.simple_message("owned")))
        pop = poplib.POP3(*srv.addr("pop3-plain"), timeout=NET_TIMEOUT)
        pop.user(ALICE.address)
        pop.pass_(ALICE.password)
        self.assertEqual(pop.stat()[0], 1)
        pop.quit()
        wrong = []
        for root, dirs, files in os.walk(srv.data_dir):
            for name in dirs + files:
                path = os.path.join(root, name)
                st = os.lstat(path)
                if st.st_uid != pw.pw_uid or st.st_gid != pw.pw_gid:
                    wrong.append((path, st.st_uid, st.st_gid))
        self.assertEqual(wrong, [])
        delivered = [f for r, _, fs in os.walk(os.path.join(srv.data_dir, "mail")) for f in fs
                     if os.sep + "new" in r or os.sep + "cur" in r]
        self.assertTrue(delivered, "no message file in the Maildir")

        # A reload can still open a port below 1024 (the one capability kept).
        low = free_low_port()
        with open(srv.config_path, "w") as f:
            f.write(harness.make_config(srv.data_dir, LISTENERS + [dict(name="low", port=low)],
                                        dict(srv.extra_config)))
        p = harness.run_cli(["reload", "--config", srv.config_path], data_dir=srv.data_dir)
        self.assertIn(b"configuration reloaded", p.stdout)
        with socket.create_connection(("127.0.0.1", low), timeout=NET_TIMEOUT) as c:
            self.assertTrue(c.recv(100).startswith(b"+OK"))

    def test_admin_commands_as_root_create_the_users_files(self):
        pw = pwd.getpwnam(TEST_USER)
        srv = self.server(dict(user=TEST_USER))
        os.makedirs(srv.data_dir)
        os.chown(srv.data_dir, pw.pw_uid, pw.pw_gid)
        for args, stdin in ((["domain", "add", harness.DOMAIN], b""),
                            (["user", "add", ALICE.address], ALICE.password.encode() + b"\n")):
            harness.run_cli(args + ["--config", srv.config_path], data_dir=srv.data_dir, stdin=stdin)
        owners = {os.lstat(os.path.join(r, n)).st_uid for r, ds, fs in os.walk(srv.data_dir) for n in ds + fs}
        self.assertEqual(owners, {pw.pw_uid})

    def test_root_without_user_refused_below_1024(self):
        srv = self.server(listeners=[dict(name="smtp", service="smtp", tls="none", port=25)])
        p = subprocess.run([harness.mailroom_bin(), "serve", "--config", srv.config_path, "--data-dir", srv.data_dir],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=harness.CLI_TIMEOUT)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(b"listener smtp binds port 25 and no 'user' is configured", p.stderr)
        self.assertNotIn(b"listening", p.stdout)
        self.assertFalse(os.path.exists(srv.data_dir), "refused after making the data directory")

    def test_root_without_user_warned_on_unprivileged_ports(self):
        srv = self.server()
        srv.start()
        self.assertEqual(status_of(srv.pid)["Uid"][0], "0")
        self.assertRegex(srv.read_log(), r"warn.*running as root: set 'user'")

    def test_unknown_user_refused(self):
        srv = self.server(dict(user="no-such-user-x"))
        p = subprocess.run([harness.mailroom_bin(), "serve", "--config", srv.config_path, "--data-dir", srv.data_dir],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=harness.CLI_TIMEOUT)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(b"user 'no-such-user-x' (config key 'user') does not exist", p.stderr)


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("test_privileges: skipped, needs root (useradd, setuid): run as root as CI does")
        sys.exit(77)
    unittest.main(verbosity=2)
