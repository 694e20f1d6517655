#!/usr/bin/env python3
"""`mailroom send` (src/cli/send.cpp, src/delivery/transfer.cpp) against a
real `mailroom serve`: STARTTLS + AUTH with every mechanism on submission,
implicit TLS on submissions, plain on the MX listener; each message fetched
back over POP3 and compared. Also: wrong password (535, non-zero exit),
certificate verification with and without --ca, --trace never showing the
password, and a scripted SMTP peer (plain sockets) that refuses at chosen
stages or offers no STARTTLS, to check exit codes and reported text."""

import base64
import os
import subprocess
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DOMAIN, User, mailroom_bin  # noqa: E402
from smtp_helpers import DeliveryChecks, message  # noqa: E402
from smtp_peer import ScriptedPeer  # noqa: E402

ALICE = User("alice@" + DOMAIN, "alice-Send-31x")
LEGACY = User("legacy@" + DOMAIN, "legacy-Send-42y", legacy=True)  # has a CRAM-MD5 secret

LISTENERS = [
    dict(name="pop3-plain", tls="starttls", plaintext_auth=True),
    dict(name="smtp", service="smtp", tls="none"),
    dict(name="submission", service="submission", tls="starttls"),
    dict(name="submissions", service="submission", tls="implicit"),
]

RUN_TIMEOUT = 60  # seconds per `mailroom send`


def send(args, data=None, password=None):
    """Runs `mailroom send ARGS`; returns (exit code, stdout+stderr text)."""
    env = dict(os.environ)
    env.pop("MAILROOM_PASSWORD", None)
    if password is not None:
        env["MAILROOM_PASSWORD"] = password
    cmd = [mailroom_bin(), "send"] + list(args)
    if data is not None:
        cmd += ["--data", "-"]
    p = subprocess.run(cmd, input=data or b"", stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=RUN_TIMEOUT, env=env)
    return p.returncode, p.stdout.decode("utf-8", "replace")


class SendTest(DeliveryChecks, harness.ServerTestCase):
    USERS = [ALICE, LEGACY]
    LISTENERS = LISTENERS

    def server_arg(self, listener):
        host, port = self.srv.addr(listener)
        return ["--server", "%s:%d" % (host, port)]

    def auth_args(self, user, mech):
        return ["--user", user.address, "--mech", mech, "--from", user.address, "--to", user.address]

    def test_starttls_auth_every_mechanism(self):
        for mech, user in [("PLAIN", ALICE), ("LOGIN", ALICE), ("SCRAM-SHA-256", ALICE),
                           ("SCRAM-SHA-1", ALICE), ("CRAM-MD5", LEGACY)]:
            with self.subTest(mech=mech):
                sent = message("send " + mech)
                code, out = send(self.server_arg("submission") + ["--tls", "starttls"] +
                                 self.auth_args(user, mech), data=sent, password=user.password)
                self.assertEqual(code, 0, out)
                self.assertIn("%s: accepted: 250" % user.address, out)
                self.assertIn("tls: TLSv1", out)
                self.assert_delivered(user, sent)

    def test_implicit_tls(self):
        sent = message("send implicit")
        code, out = send(self.server_arg("submissions") + ["--tls", "implicit"] +
                         self.auth_args(ALICE, "SCRAM-SHA-256"), data=sent, password=ALICE.password)
        self.assertEqual(code, 0, out)
        self.assert_delivered(ALICE, sent)

    def test_plain_mx_without_tls_or_auth(self):
        sent = message("send plain", "a\nb\n")  # LF only: send makes CRLF
        code, out = send(self.server_arg("smtp") + ["--tls", "none", "--from", "someone@remote.example",
                                                    "--to", ALICE.address], data=sent)
        self.assertEqual(code, 0, out)
        self.assertIn("tls: none", out)
        self.assert_delivered(ALICE, sent.replace(b"\n", b"\r\n").replace(b"\r\r\n", b"\r\n"))

    def test_generated_message(self):
        code, out = send(self.server_arg("smtp") + ["--tls", "none", "--from", "someone@remote.example",
                                                    "--to", ALICE.address])
        self.assertEqual(code, 0, out)
        got = self.fetch_all(ALICE)
        self.assertEqual(len(got), 1)
        self.assertIn(b"Subject: test ", got[0])
        self.assertIn(b"To: <%s>" % ALICE.address.encode(), got[0])

    def test_wrong_password(self):
        code, out = send(self.server_arg("submission") + self.auth_args(ALICE, "PLAIN"),
                         data=message("nope"), password="wrong-password")
        self.assertNotEqual(code, 0, out)
        self.assertIn("535", out)
        self.assertEqual(self.server_count(ALICE), 0)

    def test_trace_masks_the_password(self):
        pw = ALICE.password
        forms = [pw, base64.b64encode(pw.encode()).decode(),
                 base64.b64encode(("\0%s\0%s" % (ALICE.address, pw)).encode()).decode(),
                 base64.b64encode(("%s\0%s\0%s" % (ALICE.address, ALICE.address, pw)).encode()).decode()]
        for mech in ("PLAIN", "LOGIN"):
            with self.subTest(mech=mech):
                code, out = send(self.server_arg("submission") + ["--trace"] + self.auth_args(ALICE, mech),
                                 data=message("trace " + mech), password=pw)
                self.assertEqual(code, 0, out)
                self.assertIn("C: STARTTLS", out)
                self.assertIn("********", out)
                for f in forms:
                    self.assertNotIn(f, out)
                self.fetch_all(ALICE)

    def cert_path(self):
        tls_dir = os.path.join(self.srv.data_dir, "tls")
        certs = [f for f in os.listdir(tls_dir) if f.endswith(".pem") and "key" not in f]
        self.assertEqual(len(certs), 1, certs)
        return os.path.join(tls_dir, certs[0])

    def test_verify_self_signed(self):
        port = self.srv.port("submission")
        base = ["--server", "localhost:%d" % port] + self.auth_args(ALICE, "PLAIN")
        code, out = send(base + ["--verify"], data=message("verify"), password=ALICE.password)
        self.assertEqual(code, 75, out)
        self.assertNotIn("MAIL FROM", out)
        code, out = send(base + ["--ca", self.cert_path()], data=message("verify ca"), password=ALICE.password)
        self.assertEqual(code, 0, out)
        self.assertIn("verified=yes", out)
        self.assert_delivered(ALICE, message("verify ca"))


class ScriptedPeerTest(harness.unittest.TestCase):
    def run_against(self, answers, extra=(), **kw):
        peer = ScriptedPeer(answers, **kw)
        code, out = send(["--server", "127.0.0.1:%d" % peer.port, "--tls", "none",
                          "--from", "a@remote.example", "--to", "b@peer.test"] + list(extra),
                         data=message("scripted"))
        peer.join()
        return code, out, peer

    def test_all_accepted(self):
        code, out, _ = self.run_against({})
        self.assertEqual(code, 0, out)

    def test_rcpt_refused_permanently(self):
        code, out, _ = self.run_against({"RCPT": "550 5.1.1 no such user here"})
        self.assertEqual(code, 2, out)
        self.assertIn("b@peer.test: refused: 550 5.1.1 no such user here", out)

    def test_mail_refused_temporarily(self):
        code, out, _ = self.run_against({"MAIL": "451 4.3.0 try later"})
        self.assertEqual(code, 75, out)
        self.assertIn("451 4.3.0 try later", out)

    def test_end_of_data_refused(self):
        code, out, _ = self.run_against({".": "554 5.6.0 content rejected"})
        self.assertEqual(code, 2, out)
        self.assertIn("554 5.6.0 content rejected", out)

    def test_greeting_421(self):
        code, out, _ = self.run_against({"greeting": "421 4.3.2 busy"})
        self.assertEqual(code, 75, out)
        self.assertIn("421", out)

    def test_starttls_required_but_not_offered(self):
        peer = ScriptedPeer({})
        code, out = send(["--server", "127.0.0.1:%d" % peer.port, "--tls", "starttls",
                          "--from", "a@remote.example", "--to", "b@peer.test"], data=message("secret body"))
        peer.join()
        self.assertEqual(code, 75, out)
        sent = b"".join(peer.received)
        self.assertNotIn(b"MAIL FROM", sent)
        self.assertNotIn(b"secret body", sent)

    def test_scram_success_without_server_proof_is_not_trusted(self):
        # RFC 5802 §5.1: the server-final "v=" proves the server knows our
        # keys; a 235 straight after client-first proves nothing.
        peer = ScriptedPeer({"AUTH": "235 2.7.0 sure"},
                            ehlo_lines=("250-peer.test", "250 AUTH SCRAM-SHA-256"))
        code, out = send(["--server", "127.0.0.1:%d" % peer.port, "--tls", "none", "--user", "a@peer.test",
                          "--from", "a@remote.example", "--to", "b@peer.test"], data=message("x"),
                         password="pw-Send-55z")
        peer.join()
        self.assertEqual(code, 75, out)
        self.assertIn("without proving", out)
        self.assertNotIn(b"MAIL FROM", b"".join(peer.received))


if __name__ == "__main__":
    harness.unittest.main()
