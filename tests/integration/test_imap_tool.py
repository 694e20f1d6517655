#!/usr/bin/env python3
"""`mailroom imap` (issue #13) against `mailroom serve` and against a private
Dovecot on loopback (passwd-file with {PLAIN} passwords, TLS with a test CA
made here): every subcommand, LOGIN and each AUTHENTICATE mechanism,
STARTTLS and implicit TLS with the certificate verified (and refused for an
unknown CA), plaintext refused without --allow-plaintext, --trace never
showing the password, the stable exit codes; fetch into a Maildir and an mbox
compared byte for byte, a second run fetching nothing, a SIGKILLed fetch
resumed without loss or duplicate, --delete removing only what was stored.
Needs Dovecot (dovecot-imapd, in scripts/install-deps) for the Dovecot
part; without it that class is reported skipped."""

import base64
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DOMAIN, User, mailroom_bin  # noqa: E402

DOVECOT = "/usr/sbin/dovecot"
CLI_TIMEOUT = 120


def imap(args, password=None, timeout=CLI_TIMEOUT):
    """Runs `mailroom imap ARGS`; returns (exit code, stdout bytes, stderr text)."""
    env = dict(os.environ)
    env.pop("MAILROOM_PASSWORD", None)
    if password is not None:
        env["MAILROOM_PASSWORD"] = password
    p = subprocess.run([mailroom_bin(), "imap"] + list(args), env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def password_forms(user, pw):
    """The password as it could leak: plain, and in PLAIN's base64."""
    return [pw, base64.b64encode(pw.encode()).decode(),
            base64.b64encode(("\0%s\0%s" % (user, pw)).encode()).decode(),
            base64.b64encode(pw.encode()).decode().rstrip("=")]


def maildir_messages(d):
    out = []
    for sub in ("new", "cur"):
        p = os.path.join(d, sub)
        if os.path.isdir(p):
            for f in sorted(os.listdir(p)):
                with open(os.path.join(p, f), "rb") as fh:
                    out.append(fh.read())
    return out


def mbox_messages(path):
    """Splits an mboxrd file into messages (From_ lines removed, >From unquoted)."""
    with open(path, "rb") as f:
        data = f.read()
    msgs, cur = [], None
    for line in data.split(b"\n"):
        if line.startswith(b"From "):
            if cur is not None:
                msgs.append(cur)
            cur = []
            continue
        if cur is None:
            raise AssertionError("mbox does not start with From_: %r" % data[:80])
        if line.startswith(b">") and line.lstrip(b">").startswith(b"From "):
            line = line[1:]
        cur.append(line)
    if cur is not None:
        msgs.append(cur)
    out = []
    for m in msgs:
        # Each message ends with an empty separator line before the next From_.
        while m and m[-1] == b"":
            m.pop()
        out.append(b"\n".join(m) + b"\n")
    return out


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, deadline):
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


class ToolChecks:
    """Tests both servers pass; the subclass sets up self.host, ports, CA, users."""

    def base(self, listener, user=None, tls=None, extra=()):
        port, mode = self.listener(listener)
        args = ["--server", "localhost:%d" % port, "--tls", tls or mode, "--ca", self.ca]
        if user is not None:
            args += ["--user", user.address]
        return args + list(extra)

    def run_ok(self, args, user=None):
        code, out, err = imap(args, password=user.password if user else None)
        self.assertEqual(code, 0, err)
        return out, err

    def test_capabilities_without_login(self):
        out, err = self.run_ok(self.base("starttls") + ["--trace", "capabilities"])
        caps = out.decode().split()
        self.assertIn("IMAP4rev1", caps)
        self.assertIn("C: A1 STARTTLS", err)
        self.assertIn("verified=yes", err)
        self.assertNotIn("STARTTLS", caps)  # asked again over TLS (RFC 9051 §6.2.1)

    def test_list_status_search_append(self):
        u = self.users["carol"]
        out, _ = self.run_ok(self.base("implicit", u) + ["list"], u)
        self.assertIn(b"INBOX", out.split())
        out, _ = self.run_ok(self.base("implicit", u) + ["status", "INBOX"], u)
        status = dict(line.split() for line in out.decode().splitlines())
        before = int(status["MESSAGES"])
        self.assertEqual(before, len(self.mail["carol"]))
        self.assertIn("UIDVALIDITY", status)
        msg_file = os.path.join(self.tmp, "append.eml")
        body = harness.simple_message("appended-by-tool")
        with open(msg_file, "wb") as f:
            f.write(body)  # LF line ends: sent as CRLF
        out, _ = self.run_ok(self.base("starttls", u) + ["append", "INBOX", msg_file], u)
        text = out.decode()
        self.assertIn("UIDVALIDITY " + status["UIDVALIDITY"], text)
        uid = text.split("UID ")[-1].split()[0]
        self.assertEqual(uid, status["UIDNEXT"])
        out, _ = self.run_ok(self.base("implicit", u) + ["search", "INBOX", "SUBJECT", "appended-by-tool"], u)
        self.assertEqual(out.split(), [uid.encode()])
        out, _ = self.run_ok(self.base("implicit", u) + ["search", "INBOX"], u)
        self.assertEqual(len(out.split()), before + 1)
        code, _, err = imap(self.base("implicit", u) + ["status", "No Such Folder"], u.password)
        self.assertEqual(code, 2, err)
        self.assertIn("STATUS refused: NO", err)

    def test_login_methods_and_masked_trace(self):
        u = self.users["alice"]
        for method in self.METHODS:
            with self.subTest(method=method):
                code, out, err = imap(self.base("implicit", u, extra=["--auth", method, "--trace"]) +
                                      ["capabilities"], u.password)
                self.assertEqual(code, 0, err)
                want = "LOGIN" if method == "login" else ("LOGIN" if method == "sasl-login" else method.upper())
                self.assertIn("logged in with " + want, err)
                self.assertIn("********", err)
                for f in password_forms(u.address, u.password):
                    self.assertNotIn(f, err)

    def test_wrong_password_is_exit_3(self):
        u = self.users["alice"]
        code, _, err = imap(self.base("implicit", u, extra=["--auth", "plain"]) + ["capabilities"], "wrong-password")
        self.assertEqual(code, 3, err)
        self.assertIn("login refused (plain): NO", err)

    def test_plaintext_refused_without_allow_plaintext(self):
        u = self.users["alice"]
        code, _, err = imap(self.base("plain", u, tls="none", extra=["--auth", "login"]) + ["capabilities"],
                            u.password)
        self.assertEqual(code, 3, err)
        self.assertIn("--allow-plaintext", err)
        code, _, err = imap(self.base("plain", u, tls="none", extra=["--auth", "login", "--allow-plaintext"]) +
                            ["capabilities"], u.password)
        self.assertEqual(code, 0, err)
        self.assertIn("warning", err)

    def test_unknown_ca_is_exit_4(self):
        u = self.users["alice"]
        port, _ = self.listener("implicit")
        code, _, err = imap(["--server", "localhost:%d" % port, "--tls", "implicit", "--user", u.address,
                             "capabilities"], u.password)
        self.assertEqual(code, 4, err)
        code, _, err = imap(["--server", "localhost:%d" % port, "--tls", "implicit", "--insecure",
                             "capabilities"])
        self.assertEqual(code, 0, err)

    def test_connection_refused_is_exit_75(self):
        code, _, err = imap(["--server", "127.0.0.1:%d" % harness.closed_port(), "--tls", "none", "capabilities"])
        self.assertEqual(code, 75, err)

    # ---------------------------------------------------------------- fetch

    def dest(self, name):
        return os.path.join(self.tmp, "dest-%s-%s" % (type(self).__name__, name))

    def server_messages(self, u):
        out, _ = self.run_ok(self.base("implicit", u) + ["status", "INBOX"], u)
        return int(dict(line.split() for line in out.decode().splitlines())["MESSAGES"])

    def expected(self, name):
        return sorted(harness.expected_lf(m) for m in self.mail[name])

    def test_fetch_maildir_twice(self):
        u = self.users["alice"]
        d = self.dest("maildir")
        code, _, err = imap(self.base("implicit", u) + ["fetch", "--to", "maildir:" + d], u.password)
        self.assertEqual(code, 0, err)
        self.assertEqual(sorted(maildir_messages(d)), self.expected("alice"))
        self.assertIn("%d fetched" % len(self.mail["alice"]), err)
        # The journal is per server, port, user and folder: the same listener again.
        code, _, err = imap(self.base("implicit", u) + ["fetch", "--to", "maildir:" + d], u.password)
        self.assertEqual(code, 0, err)
        self.assertIn("0 fetched", err)
        self.assertIn("%d stored before" % len(self.mail["alice"]), err)
        self.assertEqual(sorted(maildir_messages(d)), self.expected("alice"))
        self.assertEqual(self.server_messages(u), len(self.mail["alice"]))  # --keep is the default

    def test_fetch_mbox(self):
        u = self.users["alice"]
        f = self.dest("inbox.mbox")
        code, _, err = imap(self.base("implicit", u) + ["fetch", "--to", "mbox:" + f, "--keep"], u.password)
        self.assertEqual(code, 0, err)
        self.assertEqual(sorted(mbox_messages(f)), self.expected("alice"))
        code, _, err = imap(self.base("implicit", u) + ["fetch", "--to", "mbox:" + f], u.password)
        self.assertEqual(code, 0, err)
        self.assertIn("0 fetched", err)
        self.assertEqual(sorted(mbox_messages(f)), self.expected("alice"))

    def test_sigkill_mid_fetch_then_rerun_with_delete(self):
        """Killed while a big message streams in: nothing lost, nothing twice,
        and --delete removes on the server only what was stored."""
        u = self.users["erin"]
        d = self.dest("killed")
        env = dict(os.environ, MAILROOM_PASSWORD=u.password)
        args = [mailroom_bin(), "imap"] + self.base("implicit", u) + ["fetch", "--to", "maildir:" + d, "--delete"]
        p = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        tmp_dir = os.path.join(d, "tmp")
        killed_mid_message = False
        while time.time() < deadline and p.poll() is None:
            if os.path.isdir(tmp_dir) and any(os.path.getsize(os.path.join(tmp_dir, f)) > 0
                                              for f in os.listdir(tmp_dir)) and len(maildir_messages(d)) >= 1:
                p.send_signal(signal.SIGKILL)
                killed_mid_message = True
                break
            time.sleep(0.005)
        p.wait(timeout=30)
        stored = maildir_messages(d)
        if os.environ.get("IMAP_TOOL_DEBUG"):
            print("killed mid-message:", killed_mid_message, "stored before the kill:", len(stored), file=sys.stderr)
        expected = self.expected("erin")
        for m in stored:
            self.assertIn(m, expected)
        self.assertEqual(len(set(stored)), len(stored))
        # Deleted on the server only once stored (the kill came before any EXPUNGE).
        self.assertGreaterEqual(self.server_messages(u) + len(stored), len(expected))
        code, _, err = imap(self.base("implicit", u) + ["fetch", "--to", "maildir:" + d, "--delete"], u.password)
        self.assertEqual(code, 0, err)
        self.assertEqual(sorted(maildir_messages(d)), expected, "killed mid-message: %s" % killed_mid_message)
        self.assertEqual(self.server_messages(u), 0)
        self.assertIn("%d deleted on the server" % len(expected), err)
        code, _, err = imap(self.base("implicit", u) + ["fetch", "--to", "maildir:" + d, "--delete"], u.password)
        self.assertEqual(code, 0, err)
        self.assertIn("0 fetched", err)
        self.assertEqual(sorted(maildir_messages(d)), expected)

    def test_fetch_several_folders(self):
        u = self.users["dave"]
        msg_file = os.path.join(self.tmp, "archived.eml")
        with open(msg_file, "wb") as f:
            f.write(harness.simple_message("archived-one"))
        self.run_ok(self.base("implicit", u) + ["append", self.ARCHIVE, msg_file], u)
        d = self.dest("folders")
        code, _, err = imap(self.base("implicit", u) + ["fetch", "--to", "maildir:" + d, "--folder", "INBOX",
                                                        "--folder", self.ARCHIVE], u.password)
        self.assertEqual(code, 0, err)
        want = sorted(self.expected("dave") + [harness.expected_lf(harness.simple_message("archived-one"))])
        self.assertEqual(sorted(maildir_messages(d)), want)
        code, _, err = imap(self.base("implicit", u) + ["fetch", "--to", "maildir:" + d, "--folder", "INBOX",
                                                        "--folder", self.ARCHIVE], u.password)
        self.assertEqual(code, 0, err)
        self.assertIn("0 fetched", err)
        code, _, err = imap(self.base("implicit", u) + ["fetch", "--to", "maildir:" + d, "--folder", "Nope"],
                            u.password)
        self.assertEqual(code, 2, err)


class MailroomTool(ToolChecks, unittest.TestCase):
    ARCHIVE = "Archive"
    METHODS = ("login", "plain", "sasl-login", "scram-sha-1", "scram-sha-256")

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="mailroom-imap-tool-")
        cls.mail = {
            "alice": [harness.simple_message("a%d" % i) for i in range(3)] + [harness.msg_dots(), harness.msg_8bit()],
            "carol": [harness.simple_message("c%d" % i) for i in range(2)],
            "dave": [harness.simple_message("d%d" % i) for i in range(4)],
            "erin": [harness.msg_big(4 << 20), harness.msg_big((4 << 20) + 999), harness.msg_lf(), harness.msg_big(3 << 20)],
        }
        cls.users = {n: User("%s@%s" % (n, DOMAIN), "%s-Tool-5x" % n, messages=m) for n, m in cls.mail.items()}
        listeners = [dict(name="imap", service="imap", tls="starttls", plaintext_auth=False),
                     dict(name="imap-plain", service="imap", tls="starttls", plaintext_auth=True),
                     dict(name="imaps", service="imap", tls="implicit")]
        cls.srv = harness.standard_server(list(cls.users.values()), listeners)
        tls_dir = os.path.join(cls.srv.data_dir, "tls")
        cls.ca = [os.path.join(tls_dir, f) for f in os.listdir(tls_dir) if f.endswith(".pem") and "key" not in f][0]

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.srv.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_fetch_into_local_mailbox(self):
        """local:ADDRESS: into a mailroom mailbox by the same durable delivery as SMTP."""
        u = self.users["carol"]
        target = User("frank@" + DOMAIN, "frank-Tool-5x")
        self.srv.add_user(target.address, target.password)
        code, _, err = imap(self.base("implicit", u) + ["fetch", "--to", "local:" + target.address,
                                                        "--data-dir", self.srv.data_dir, "-c", self.srv.config_path],
                            u.password)
        self.assertEqual(code, 0, err)
        fetched = int(err.split(" fetched")[0].split()[-1])
        self.assertGreaterEqual(fetched, len(self.mail["carol"]))
        self.assertEqual(self.server_messages(target), fetched)
        code, _, err = imap(self.base("implicit", u) + ["fetch", "--to", "local:" + target.address,
                                                        "--data-dir", self.srv.data_dir, "-c", self.srv.config_path],
                            u.password)
        self.assertEqual(code, 0, err)
        self.assertIn("0 fetched", err)
        self.assertEqual(self.server_messages(target), fetched)

    def listener(self, kind):
        name = {"starttls": "imap", "implicit": "imaps", "plain": "imap-plain"}[kind]
        return self.srv.port(name), ("implicit" if kind == "implicit" else "starttls")


DOVECOT_USERS = ("alice", "carol", "dave", "erin")


class DovecotTool(ToolChecks, unittest.TestCase):
    ARCHIVE = "Archive"  # made below as Maildir++ .Archive
    METHODS = ("login", "plain", "sasl-login", "cram-md5", "scram-sha-1", "scram-sha-256")

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(DOVECOT) or not os.path.exists("/usr/lib/dovecot/imap"):
            raise unittest.SkipTest("Dovecot (dovecot-imapd) is not installed")
        cls.tmp = tempfile.mkdtemp(prefix="mailroom-imap-dovecot-")
        os.chmod(cls.tmp, 0o755)
        cls.mail = {
            "alice": [harness.simple_message("da%d" % i) for i in range(3)] + [harness.msg_dots(), harness.msg_8bit()],
            "carol": [harness.simple_message("dc%d" % i) for i in range(2)],
            "dave": [harness.simple_message("dd%d" % i) for i in range(4)],
            "erin": [harness.msg_big(4 << 20), harness.msg_big((4 << 20) + 999), harness.msg_lf(), harness.msg_big(3 << 20)],
        }
        cls.users = {n: User("%s@%s" % (n, DOMAIN), "%s-Dove-6y" % n) for n in DOVECOT_USERS}
        cls.ca = cls.make_tls()
        cls.ports = {"plain": free_port(), "implicit": free_port()}
        nobody = pwd.getpwnam("nobody")
        with open(os.path.join(cls.tmp, "passwd"), "w") as f:
            for n, u in cls.users.items():
                f.write("%s:{PLAIN}%s::::::\n" % (u.address, u.password))
        for n, msgs in cls.mail.items():
            md = os.path.join(cls.tmp, "mail", n, "Maildir")
            for sub in ("new", "cur", "tmp", ".Archive/new", ".Archive/cur", ".Archive/tmp"):
                os.makedirs(os.path.join(md, sub))
            for i, m in enumerate(msgs):
                with open(os.path.join(md, "new", "100%d.M%dP1.test" % (i, i)), "wb") as f:
                    f.write(harness.expected_wire(m))
            for root, dirs, files in os.walk(os.path.join(cls.tmp, "mail", n)):
                for x in dirs + files:
                    os.chown(os.path.join(root, x), nobody.pw_uid, nobody.pw_gid)
            os.chown(os.path.join(cls.tmp, "mail", n), nobody.pw_uid, nobody.pw_gid)
        os.chown(os.path.join(cls.tmp, "mail"), nobody.pw_uid, nobody.pw_gid)
        conf = os.path.join(cls.tmp, "dovecot.conf")
        with open(conf, "w") as f:
            f.write(cls.config(nobody))
        cls.conf = conf
        subprocess.run([DOVECOT, "-c", conf], check=True, timeout=30)
        if not wait_port(cls.ports["implicit"], time.time() + 20) or not wait_port(cls.ports["plain"], time.time() + 5):
            raise AssertionError("Dovecot did not listen: " + cls.log())

    @classmethod
    def make_tls(cls):
        d = os.path.join(cls.tmp, "tls")
        os.makedirs(d)
        run = lambda *a: subprocess.run(list(a), check=True, capture_output=True, timeout=60)  # noqa: E731
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Test CA",
            "-keyout", d + "/ca.key", "-out", d + "/ca.pem")
        run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
            "-keyout", d + "/key.pem", "-out", d + "/req.pem")
        with open(d + "/ext.cnf", "w") as f:
            f.write("subjectAltName=DNS:localhost\n")
        run("openssl", "x509", "-req", "-in", d + "/req.pem", "-CA", d + "/ca.pem", "-CAkey", d + "/ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", d + "/ext.cnf", "-out", d + "/cert.pem")
        os.chmod(d + "/key.pem", 0o600)
        return d + "/ca.pem"

    @classmethod
    def config(cls, nobody):
        t = cls.tmp
        return "\n".join([
            "instance_name = mailroom-imap-tool-%d" % os.getpid(),
            "base_dir = %s/run" % t, "state_dir = %s/state" % t,
            "log_path = %s/dovecot.log" % t, "info_log_path = %s/dovecot.log" % t,
            "protocols = imap", "listen = 127.0.0.1",
            "ssl = yes", "ssl_cert = <%s/tls/cert.pem" % t, "ssl_key = <%s/tls/key.pem" % t,
            "disable_plaintext_auth = yes",  # no password in clear unless on TLS (tested)
            "auth_mechanisms = plain login cram-md5 scram-sha-1 scram-sha-256",
            "passdb {", "  driver = passwd-file", "  args = scheme=PLAIN username_format=%%u %s/passwd" % t, "}",
            "userdb {", "  driver = static",
            "  args = uid=%d gid=%d home=%s/mail/%%n" % (nobody.pw_uid, nobody.pw_gid, t), "}",
            "mail_location = maildir:~/Maildir", "first_valid_uid = 1",
            "service imap-login {",
            "  inet_listener imap {", "    address = 127.0.0.1", "    port = %d" % cls.ports["plain"], "  }",
            "  inet_listener imaps {", "    address = 127.0.0.1", "    port = %d" % cls.ports["implicit"],
            "    ssl = yes", "  }", "}",
            "service anvil {", "  unix_listener anvil-auth-penalty {", "    mode = 0", "  }", "}",
            "service imap-urlauth-login {", "  inet_listener imap-urlauth {", "    port = 0", "  }", "}",
            "service doveadm {", "  inet_listener {", "    port = 0", "  }", "}",
            "service stats {", "  unix_listener stats-reader {", "    mode = 0600", "  }",
            "  unix_listener stats-writer {", "    mode = 0600", "  }", "}",
        ]) + "\n"

    @classmethod
    def log(cls):
        try:
            with open(os.path.join(cls.tmp, "dovecot.log"), errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return "(no log)"

    @classmethod
    def tearDownClass(cls):
        subprocess.run([DOVECOT, "-c", cls.conf, "stop"], timeout=30, capture_output=True)
        time.sleep(0.5)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def listener(self, kind):
        if kind == "implicit":
            return self.ports["implicit"], "implicit"
        return self.ports["plain"], "starttls"

    def test_uidvalidity_change_refetches(self):
        u = self.users["dave"]
        d = self.dest("validity")
        code, _, err = imap(self.base("implicit", u) + ["fetch", "--to", "maildir:" + d], u.password)
        self.assertEqual(code, 0, err)
        first = len(maildir_messages(d))
        self.assertGreaterEqual(first, len(self.mail["dave"]))
        # Dovecot makes a new UIDVALIDITY when its uidlist and indexes are gone.
        md = os.path.join(self.tmp, "mail", "dave", "Maildir")
        time.sleep(1.1)  # UIDVALIDITY is a time in seconds
        for f in os.listdir(md):
            if f.startswith("dovecot"):
                os.unlink(os.path.join(md, f))
        code, _, err = imap(self.base("implicit", u) + ["fetch", "--to", "maildir:" + d], u.password)
        self.assertEqual(code, 0, err)
        self.assertIn("UIDVALIDITY of INBOX changed", err)
        self.assertIn("%d fetched" % len(self.mail["dave"]), err)
        self.assertEqual(len(maildir_messages(d)), first + len(self.mail["dave"]))

    def test_plaintext_refused_without_allow_plaintext(self):
        # Dovecot says LOGINDISABLED in clear: our side refuses before even asking.
        u = self.users["alice"]
        code, _, err = imap(self.base("plain", u, tls="none", extra=["--auth", "plain"]) + ["capabilities"],
                            u.password)
        self.assertEqual(code, 3, err)
        self.assertIn("--allow-plaintext", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
