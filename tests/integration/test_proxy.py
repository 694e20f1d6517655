#!/usr/bin/env python3
"""`mailroom proxy smtp` (src/proxy/) against a real `mailroom serve` whose
submission listeners require STARTTLS (or implicit TLS) and AUTH: smtplib
and swaks submit plain SMTP to the proxy, the message must arrive byte for
byte, and a capturing relay between proxy and upstream shows the upstream
side carried TLS and never the password. Hostile cases: wrong upstream
password, upstream refusing a recipient, upstream down, an unverifiable
certificate, the device's own login refused, a flood of bytes, too many
connections, a non-loopback listen address refused, [[proxy]] entries from
a configuration file."""

import base64
import os
import smtplib
import socket
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DOMAIN, NET_TIMEOUT, User  # noqa: E402
from proxy_helpers import CaptureRelay, Proxy, run_proxy_command  # noqa: E402
from smtp_helpers import DeliveryChecks, message  # noqa: E402

ALICE = User("alice@" + DOMAIN, "alice-Proxy-77q")
DEVICE_USER, DEVICE_PASSWORD = "scanner", "scanner-Local-5z"

LISTENERS = [
    dict(name="pop3-plain", tls="starttls", plaintext_auth=True),
    dict(name="submission", service="submission", tls="starttls"),
    dict(name="submissions", service="submission", tls="implicit"),
]


def password_forms(user, pw):
    """The password as it would cross the wire in PLAIN, LOGIN or in clear."""
    return [pw.encode(), base64.b64encode(pw.encode()),
            base64.b64encode(("\0%s\0%s" % (user, pw)).encode()),
            base64.b64encode(("%s\0%s\0%s" % (user, user, pw)).encode())]


class SmtpProxyTest(DeliveryChecks, harness.ServerTestCase):
    USERS = [ALICE]
    LISTENERS = LISTENERS
    SECRETS_NOT_LOGGED = ("not-the-password", "wrong-password", DEVICE_PASSWORD)

    def cert_path(self):
        tls_dir = os.path.join(self.srv.data_dir, "tls")
        certs = [f for f in os.listdir(tls_dir) if f.endswith(".pem") and "key" not in f]
        return os.path.join(tls_dir, certs[0])

    def start_proxy(self, upstream_port, tls="starttls", password=None, extra=(), verify=True, user=None):
        p = Proxy([])
        pwfile = p.write("upstream.pw", (password or ALICE.password) + "\n")
        args = ["smtp", "--listen", "127.0.0.1:0", "--upstream", "localhost:%d" % upstream_port,
                "--upstream-tls", tls, "--upstream-user", user or ALICE.address, "--upstream-password-file", pwfile]
        if verify:
            args += ["--ca", self.cert_path()]
        p.args = args + list(extra)
        p.start()
        self.addCleanup(self.stop_proxy, p)
        return p

    def stop_proxy(self, p):
        log = p.stop()
        for pw in (ALICE.password, DEVICE_PASSWORD):
            self.assertNotIn(pw, log, "a password appears in the proxy's log")

    def submit(self, port, sent, rcpt=None, login=None):
        """smtplib in plain SMTP to the proxy; returns the refusal or None."""
        c = smtplib.SMTP("127.0.0.1", port, timeout=NET_TIMEOUT)
        try:
            c.ehlo("device.local")
            self.assertNotIn("starttls", c.esmtp_features)
            if login:
                c.login(*login)
            c.sendmail(ALICE.address, [rcpt or ALICE.address], sent)
            return None
        except smtplib.SMTPResponseException as e:
            return e.smtp_code, e.smtp_error
        except smtplib.SMTPRecipientsRefused as e:
            return list(e.recipients.values())[0]
        finally:
            try:
                c.quit()
            except (smtplib.SMTPException, OSError):
                pass

    def test_smtplib_starttls_upstream_never_carries_the_password(self):
        relay = CaptureRelay("127.0.0.1", self.srv.port("submission"))
        self.addCleanup(relay.close)
        p = self.start_proxy(relay.port)
        sent = message("through the proxy")
        self.assertIsNone(self.submit(p.port, sent))
        self.assert_delivered(ALICE, sent)
        wire = relay.upstream_bytes
        self.assertIn(b"STARTTLS\r\n", wire)
        self.assertNotIn(b"AUTH", wire)  # AUTH went inside TLS
        self.assertNotIn(b"through the proxy", wire)  # so did the message
        for form in password_forms(ALICE.address, ALICE.password):
            self.assertNotIn(form, wire)
        log = p.stop()
        self.assertRegex(log, r"session from=127\.0\.0\.1 upstream=localhost\[127\.0\.0\.1\]:\d+ "
                              r"tls=\"TLSv1\.[23] \S+ verified=yes\" auth=SCRAM-SHA-256 .*messages=1 refused=0")

    def test_implicit_tls_and_a_big_message(self):
        p = self.start_proxy(self.srv.port("submissions"), tls="implicit", extra=["--upstream-auth", "plain"])
        sent = harness.expected_wire(harness.msg_big(3 * 1024 * 1024))  # over the memory part: a file
        self.assertIsNone(self.submit(p.port, sent))
        self.assert_delivered(ALICE, sent)
        self.assertIn("auth=PLAIN", p.stop())

    def test_swaks_with_the_devices_own_login(self):
        p = Proxy([])
        local = p.write("local.pw", DEVICE_PASSWORD + "\n")
        p = self.start_proxy(self.srv.port("submission"),
                             extra=["--local-user", DEVICE_USER, "--local-password-file", local])
        sent = message("swaks login")
        code, out = swaks_at(p.port, ["--from", ALICE.address, "--to", ALICE.address, "--auth", "LOGIN",
                                      "--auth-user", DEVICE_USER, "--auth-password", DEVICE_PASSWORD], sent)
        self.assertEqual(code, 0, out)
        self.assertIn("235 ", out)
        self.assert_delivered(ALICE, sent)
        # Without the login, or with a wrong one, nothing goes through.
        self.assertEqual(self.submit(p.port, message("no login"))[0], 530)
        self.assertEqual(self.submit(p.port, message("bad login"), login=(DEVICE_USER, "wrong-password"))[0], 535)
        self.assertEqual(self.server_count(ALICE), 0)

    def test_wrong_upstream_password_is_a_temporary_refusal(self):
        p = self.start_proxy(self.srv.port("submission"), password="not-the-password")
        code, text = self.submit(p.port, message("bad upstream login"))
        self.assertEqual(code // 100, 4, text)
        self.assertIn(b"535", text)
        self.assertEqual(self.server_count(ALICE), 0)

    def test_upstream_refusal_keeps_its_class(self):
        p = self.start_proxy(self.srv.port("submission"))
        code, text = self.submit(p.port, message("nobody"), rcpt="nobody@" + DOMAIN)
        self.assertEqual(code, 550, text)
        self.assertIn(b"5.1.1", text)
        self.assertIn("refused from=", p.stop())

    def test_upstream_down(self):
        p = self.start_proxy(harness.closed_port())
        code, text = self.submit(p.port, message("down"))
        self.assertEqual(code, 451, text)
        self.assertIn(b"upstream", text)

    def test_unverifiable_certificate(self):
        # No --ca: the self-signed certificate does not verify against the
        # system's anchors, so nothing (no AUTH, no mail) goes to that server.
        relay = CaptureRelay("127.0.0.1", self.srv.port("submission"))
        self.addCleanup(relay.close)
        p = self.start_proxy(relay.port, verify=False)
        code, text = self.submit(p.port, message("mitm"))
        self.assertEqual(code // 100, 4, text)
        self.assertNotIn(b"MAIL FROM", relay.upstream_bytes)
        self.assertEqual(self.server_count(ALICE), 0)
        # --insecure is the explicit opt-out.
        p2 = self.start_proxy(self.srv.port("submission"), verify=False, extra=["--insecure"])
        self.assertIsNone(self.submit(p2.port, message("insecure")))
        self.assert_delivered(ALICE, message("insecure"))

    def test_flood_and_connection_limit(self):
        p = self.start_proxy(self.srv.port("submission"), extra=["--max-connections-per-ip", "2"])
        # A command line that never ends: refused, connection closed, proxy fine.
        s = socket.create_connection(("127.0.0.1", p.port), timeout=NET_TIMEOUT)
        s.recv(512)
        try:
            for _ in range(64):
                s.sendall(b"X" * 16384)
        except OSError:
            pass  # the proxy closed on us: what we want
        got = b""
        try:
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                got += chunk
        except OSError:
            pass
        s.close()
        self.assertRegex(got, rb"^5\d\d ")
        held = [socket.create_connection(("127.0.0.1", p.port), timeout=NET_TIMEOUT) for _ in range(2)]
        for h in held:
            self.assertTrue(h.recv(512).startswith(b"220 "))
        third = socket.create_connection(("127.0.0.1", p.port), timeout=NET_TIMEOUT)
        self.assertTrue(third.recv(512).startswith(b"421 "))
        for h in held + [third]:
            h.close()
        time.sleep(0.3)
        self.assertIsNone(self.submit(p.port, message("after the flood")))
        self.assert_delivered(ALICE, message("after the flood"))

    def test_config_file_with_two_entries(self):
        p = Proxy([])
        pw = p.write("up.pw", ALICE.password + "\n")
        p.write("proxy.toml", """
[[proxy]]
name = "scanner"
protocol = "smtp"
listen = "127.0.0.1:0"
upstream = "localhost:%d"
upstream_tls = "starttls"
upstream_user = "%s"
upstream_password_file = "up.pw"
ca_file = "%s"

[[proxy]]
name = "printer"
protocol = "smtp"
listen = "[::1]:0"
upstream = "localhost:%d"
upstream_tls = "implicit"
upstream_user = "%s"
upstream_password_file = "%s"
ca_file = "%s"
""" % (self.srv.port("submission"), ALICE.address, self.cert_path(), self.srv.port("submissions"), ALICE.address,
       pw, self.cert_path()))
        p.args = ["--config", p.path("proxy.toml")]
        p.start(expect_entries=2)
        self.addCleanup(self.stop_proxy, p)
        self.assertIsNone(self.submit(p.ports["scanner"], message("one")))
        c = smtplib.SMTP("::1", p.ports["printer"], timeout=NET_TIMEOUT)
        c.sendmail(ALICE.address, [ALICE.address], message("two"))
        c.quit()
        self.assertEqual(len(self.fetch_all(ALICE)), 2)


def swaks_at(port, args, data):
    import subprocess
    import tempfile
    with tempfile.NamedTemporaryFile(suffix=".eml") as f:
        f.write(data[:-2] if data.endswith(b"\r\n") else data)
        f.flush()
        p = subprocess.run(["swaks", "--server", "127.0.0.1", "--port", str(port), "--timeout", "30",
                            "--data", "@" + f.name] + list(args), stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    return p.returncode, p.stdout.decode(errors="replace")


class RefusedSetupTest(harness.unittest.TestCase):
    def test_non_loopback_listen_needs_allow_remote(self):
        code, out = run_proxy_command(["smtp", "--listen", "0.0.0.0:0", "--upstream", "localhost:1"])
        self.assertEqual(code, 1, out)
        self.assertIn("allow-remote", out)

    def test_no_cleartext_upstream_for_smtp(self):
        code, out = run_proxy_command(["smtp", "--listen", "127.0.0.1:0", "--upstream", "localhost:1",
                                       "--upstream-tls", "none"])
        self.assertEqual(code, 1, out)
        self.assertIn("TLS", out)

    def test_config_errors_name_the_line(self):
        p = Proxy([])
        p.write("bad.toml", '[[proxy]]\nprotocol = "smtp"\nlisten = "192.0.2.1:25"\nupstream = "mail.example"\n'
                            'upstream_tls = "starttls"\n')
        code, out = run_proxy_command(["--config", p.path("bad.toml")])
        self.assertEqual(code, 1, out)
        self.assertIn("bad.toml:1:", out)
        self.assertIn("not loopback", out)


if __name__ == "__main__":
    harness.unittest.main(verbosity=2)
