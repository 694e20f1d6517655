#!/usr/bin/env python3
"""SMTP client interoperability against `mailroom serve`, the cases
test_smtp.py does not cover: swaks on the implicit-TLS submissions
listener, swaks with every AUTH mechanism it has that the server offers
(PLAIN, LOGIN, CRAM-MD5), swaks plain on the MX listener and pipelined over
STARTTLS, BDAT when the installed swaks has it, and the DSN parameters
(RFC 3461) from the wire into the queued envelope, with the invalid forms
refused. Every accepted message is fetched back over POP3 and compared
with what was sent (after the Return-Path and Received lines the server
adds). SCRAM-SHA-1/256 are not in swaks: the POP3 tests' SCRAM client and
the SASL unit tests cover them."""

import os
import smtplib
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DOMAIN, NET_TIMEOUT, User, tls_client_context  # noqa: E402
from smtp_helpers import (DeliveryChecks, message, queued_envelopes, read_envelope, swaks,  # noqa: E402
                          swaks_help, swaks_version, xtext)

ALICE = User("alice@" + DOMAIN, "alice-Clients-17q")
LEGACY = User("legacy@" + DOMAIN, "legacy-Clients-28r", legacy=True)  # has a CRAM-MD5 secret

LISTENERS = [
    dict(name="pop3-plain", tls="starttls", plaintext_auth=True),
    dict(name="smtp", service="smtp", tls="starttls"),
    dict(name="submission", service="submission", tls="starttls"),
    dict(name="submissions", service="submission", tls="implicit"),
]

# What a listener may offer once TLS is up, and before it on a STARTTLS
# listener without plaintext_auth (RFC 4954 §4: no PLAIN/LOGIN in the clear).
# CRAM-MD5 is there only because a --legacy-auth user exists.
MECHS_TLS = {"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"}
MECHS_CLEAR = {"CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"}

# Mechanisms swaks has that the server offers, and the user each needs.
SWAKS_MECHS = [("PLAIN", ALICE), ("LOGIN", ALICE), ("CRAM-MD5", LEGACY)]


def tagged_message(tag):
    """A message whose body exercises dot-stuffing and an empty line."""
    return message("swaks " + tag, "body of %s\r\n.a line starting with a dot\r\n..two dots\r\n\r\nend\r\n" % tag)


def auth_args(mech, user):
    return ["--auth", mech, "--auth-user", user.address, "--auth-password", user.password,
            "--from", user.address, "--to", user.address]


class SmtpClientsTest(DeliveryChecks, harness.ServerTestCase):
    USERS = [ALICE, LEGACY]
    LISTENERS = LISTENERS

    def run_swaks(self, listener, args, sent):
        code, out = swaks(self.srv, listener, args, data=sent)
        self.assertEqual(code, 0, "swaks failed (exit %d):\n%s" % (code, out[-4000:]))
        return out

    # ---------------------------------------------------------- mechanisms offered
    def ehlo_auth(self, listener, starttls=False):
        host, port = self.srv.addr(listener)
        implicit = self.srv.listeners[listener].tls == "implicit"
        cls = smtplib.SMTP_SSL if implicit else smtplib.SMTP
        kw = dict(context=tls_client_context()) if implicit else {}
        with cls(host, port, timeout=NET_TIMEOUT, **kw) as s:
            s.ehlo("client.test")
            if starttls:
                s.starttls(context=tls_client_context())
                s.ehlo("client.test")
            return set(s.esmtp_features.get("auth", "").split())

    def test_offered_mechanisms_are_exactly_the_expected_ones(self):
        self.assertEqual(self.ehlo_auth("submission"), MECHS_CLEAR)
        self.assertEqual(self.ehlo_auth("submission", starttls=True), MECHS_TLS)
        self.assertEqual(self.ehlo_auth("submissions"), MECHS_TLS)
        # The MX listener offers the same (an authenticated client may relay).
        self.assertEqual(self.ehlo_auth("smtp"), MECHS_CLEAR)
        self.assertEqual(self.ehlo_auth("smtp", starttls=True), MECHS_TLS)

    # ---------------------------------------------------------- swaks, each mechanism
    def test_swaks_each_mechanism_over_starttls(self):
        for mech, user in SWAKS_MECHS:
            with self.subTest(mech=mech):
                sent = tagged_message("starttls " + mech)
                self.run_swaks("submission", ["--tls"] + auth_args(mech, user), sent)
                headers = self.assert_delivered(user, sent, via=b"with ESMTPSA id ")
                self.assertIn(b"(Authenticated sender: %s)" % user.address.encode(), headers)
                self.assertIn(b"(using TLSv1.", headers)

    def test_swaks_each_mechanism_over_implicit_tls(self):
        for mech, user in SWAKS_MECHS:
            with self.subTest(mech=mech):
                sent = tagged_message("implicit " + mech)
                self.run_swaks("submissions", ["--tls-on-connect"] + auth_args(mech, user), sent)
                headers = self.assert_delivered(user, sent, via=b"with ESMTPSA id ")
                self.assertIn(b"(Authenticated sender: %s)" % user.address.encode(), headers)
                self.assertIn(b"(using TLSv1.", headers)

    def test_cram_md5_over_cleartext_for_legacy_user(self):
        # CRAM-MD5 protects the password, so it is offered before STARTTLS.
        sent = tagged_message("cleartext CRAM-MD5")
        self.run_swaks("submission", auth_args("CRAM-MD5", LEGACY), sent)
        self.assert_delivered(LEGACY, sent, via=b"with ESMTPA id ")

    def test_cram_md5_for_non_legacy_user_fails_cleanly(self):
        # The server keeps no CRAM-MD5 secret for ALICE: it must fail exactly
        # like a wrong password (README "Legacy mechanisms"), and nothing is sent.
        code, out = swaks(self.srv, "submissions", ["--tls-on-connect"] + auth_args("CRAM-MD5", ALICE),
                          data=tagged_message("must not arrive"))
        self.assertNotEqual(code, 0, out)
        self.assertRegex(out, r"\n<~\* +535 5\.7\.8 ", out)  # swaks marks an error reply "<~*"
        self.assertNotIn("MAIL FROM", out)
        # The same session type still works for the right mechanism afterwards.
        sent = tagged_message("after the failure")
        self.run_swaks("submissions", ["--tls-on-connect"] + auth_args("PLAIN", ALICE), sent)
        self.assert_delivered(ALICE, sent)

    def test_plaintext_mechanisms_refused_before_starttls(self):
        # swaks is told not to use TLS: PLAIN is neither offered nor accepted.
        code, out = swaks(self.srv, "submission", auth_args("PLAIN", ALICE), data=tagged_message("no"))
        self.assertNotEqual(code, 0, out)
        self.assertNotIn("MAIL FROM", out)
        self.assertEqual(self.fetch_all(ALICE), [])
        # A client that sends it anyway: RFC 4954 §4, 538 5.7.11.
        with smtplib.SMTP(*self.srv.addr("submission"), timeout=NET_TIMEOUT) as s:
            s.ehlo("client.test")
            code, text = s.docmd("AUTH PLAIN " + harness.b64("\0%s\0%s" % (ALICE.address, ALICE.password)))
            self.assertEqual((code, text[:6]), (538, b"5.7.11"), text)

    # ---------------------------------------------------------- swaks, other modes
    def test_swaks_plain_to_mx_without_auth(self):
        sent = tagged_message("mx plain")
        out = self.run_swaks("smtp", ["--from", "tester@remote.example", "--to", ALICE.address], sent)
        self.assertNotIn("~> STARTTLS", out)
        headers = self.assert_delivered(ALICE, sent, via=b"with ESMTP id ")
        self.assertNotIn(b"(using TLS", headers)
        self.assertIn(b"Return-Path: <tester@remote.example>", headers)

    def test_swaks_pipelined_submission_over_starttls(self):
        sent = tagged_message("pipelined")
        out = self.run_swaks("submission", ["--tls", "--pipeline"] + auth_args("PLAIN", ALICE), sent)
        # swaks shows pipelined commands as one block of "~>" lines before
        # their replies: MAIL and RCPT are sent before the MAIL reply arrives.
        lines = [l.strip() for l in out.splitlines()]
        mail = next(i for i, l in enumerate(lines) if l.startswith("~> MAIL FROM:"))
        self.assertTrue(lines[mail + 1].startswith("~> RCPT TO:"), "\n".join(lines[mail - 2:mail + 6]))
        self.assert_delivered(ALICE, sent, via=b"with ESMTPSA id ")

    def test_swaks_bdat(self):
        help_text = swaks_help()
        if "bdat" not in help_text.lower() and "chunking" not in help_text.lower():
            reason = "swaks %s has no BDAT/CHUNKING support (BDAT is covered by test_smtp.py over a raw socket)" \
                     % swaks_version()
            print("SKIP test_swaks_bdat: " + reason, file=sys.stderr)
            self.skipTest(reason)
        # A swaks with CHUNKING support: it uses BDAT when the server offers it.
        sent = tagged_message("bdat")
        out = self.run_swaks("smtp", ["--from", "tester@remote.example", "--to", ALICE.address], sent)
        self.assertIn("BDAT", out)
        self.assert_delivered(ALICE, sent)

    # ---------------------------------------------------------- DSN (RFC 3461)
    def test_dsn_parameters_reach_the_queued_envelope(self):
        envid = "batch 7+x=y;42"  # space, '+' and '=' must travel as xtext
        orcpt = "rfc822;Remote+Tag=1@Elsewhere.test"
        remote = "remote@elsewhere.test"
        sent = message("dsn")
        before = set(queued_envelopes(self.srv))
        with smtplib.SMTP(*self.srv.addr("submission"), timeout=NET_TIMEOUT) as s:
            s.ehlo("laptop")
            s.starttls(context=tls_client_context())
            s.ehlo("laptop")
            self.assertTrue(s.has_extn("dsn"))
            s.login(ALICE.address, ALICE.password)
            refused = s.sendmail(ALICE.address, [remote, ALICE.address], sent,
                                 mail_options=["RET=HDRS", "ENVID=" + xtext(envid)],
                                 rcpt_options=["NOTIFY=SUCCESS,FAILURE", "ORCPT=" + xtext(orcpt)])
            self.assertEqual(refused, {})
        # The remote recipient's envelope (a "delivered" notice for Alice's
        # own copy may be queued too, for a moment: checked below).
        # The notice can be delivered (its file removed) between listing and
        # reading: a vanished envelope reads as None and is skipped.
        new = [e for e in (read_envelope(self.srv, n, missing_ok=True)
                           for n in sorted(set(queued_envelopes(self.srv)) - before))
               if e is not None and e["sender"] != "-"]  # "-": the null sender
        self.assertEqual(len(new), 1, "expected one new queued envelope, got %r" % new)
        env = new[0]
        self.assertEqual(env["sender"], ALICE.address)
        self.assertEqual(env["envid"], "batch%207+x=y;42")  # decoded, then the file's %-escaping
        self.assertEqual(env["ret"], "headers")
        self.assertEqual(env["auth"], ALICE.address)
        # Only the remote recipient waits in the queue; the local one is delivered.
        self.assertEqual(len(env["rcpt"]), 1)
        r = env["rcpt"][0]
        self.assertEqual(r["address"], remote.encode())
        self.assertEqual(r["orcpt"], orcpt.encode())
        self.assertEqual(r["notify"], 1 | 2)  # src/queue/envelope.hpp: success 1, failure 2
        self.assertEqual(r["state"], "pending")
        # Alice, a local recipient with NOTIFY=SUCCESS, gets her copy and a
        # "delivered" DSN about it (RFC 3461 §5.2.2) from the null sender.
        got = []
        deadline = time.monotonic() + 20
        while len(got) < 2 and time.monotonic() < deadline:
            got += self.fetch_all(ALICE)
            if len(got) < 2:
                time.sleep(0.05)
        self.assertEqual(len(got), 2, got)
        notice = [m for m in got if m.startswith(b"Return-Path: <>")]
        self.assertEqual(len(notice), 1, got)
        self.assertIn(b"multipart/report; report-type=delivery-status", notice[0])
        self.assertIn(b"Action: delivered", notice[0])
        self.assertIn(b"Final-Recipient: rfc822; " + ALICE.address.encode(), notice[0])
        self.assertIn(b"Original-Envelope-Id: " + envid.encode(), notice[0])
        self.assertNotIn(remote.encode(), notice[0].split(b"Content-Type: text/rfc822-headers")[0])
        copy = [m for m in got if not m.startswith(b"Return-Path: <>")][0]
        self.assertIn(b"with ESMTPSA id ", copy)
        self.assertTrue(copy.endswith(sent))

    def test_dsn_defaults_when_no_parameters(self):
        before = set(queued_envelopes(self.srv))
        with smtplib.SMTP_SSL(*self.srv.addr("submissions"), timeout=NET_TIMEOUT,
                              context=tls_client_context()) as s:
            s.login(ALICE.address, ALICE.password)
            self.assertEqual(s.sendmail(ALICE.address, ["other@elsewhere.test"], message("no dsn")), {})
        new = sorted(set(queued_envelopes(self.srv)) - before)
        self.assertEqual(len(new), 1)
        env = read_envelope(self.srv, new[0])
        self.assertEqual((env["envid"], env["ret"]), ("-", "unspecified"))
        self.assertEqual([(r["orcpt"], r["notify"]) for r in env["rcpt"]], [(b"", 0)])

    def test_invalid_dsn_parameters_get_501_5_5_4(self):
        # RFC 3461 §4: each DSN keyword at most once; §4.1 NEVER stands alone;
        # §4 xtext is "+" and two upper-case hex digits, no '=' or controls;
        # §4.2 ORCPT is addr-type ";" xtext; §4.2/§4.4 the decoded ORCPT and
        # ENVID are printable US-ASCII. RFC 3463 X.5.4: invalid command arguments.
        bad_mail = ["RET=HDRS RET=FULL", "RET=NEVER", "RET=", "ENVID=a+2", "ENVID=+zz", "ENVID=a+2b",
                    "ENVID=a=b", "ENVID=x ENVID=y", "ENVID=a+0D+0Ab", "ENVID=+00"]
        bad_rcpt = ["NOTIFY=NEVER,SUCCESS", "NOTIFY=FAILURE,NEVER", "NOTIFY=SUCCESS NOTIFY=FAILURE",
                    "NOTIFY=SOMETIMES", "NOTIFY=", "NOTIFY=SUCCESS,", "NOTIFY=,FAILURE",
                    "NOTIFY=SUCCESS,,DELAY", "ORCPT=noseparator", "ORCPT=rfc822;a+zz",
                    "ORCPT=rfc822;a@b.test ORCPT=rfc822;c@d.test", "ORCPT=;a@b.test",
                    "ORCPT=rfc822;a+0D+0AX-Injected:+20yes"]
        for params in bad_mail:
            with self.subTest(mail=params), self.mx_session() as s:
                code, text = s.docmd("MAIL FROM:<tester@remote.example> " + params)
                self.assertEqual((code, text[:5]), (501, b"5.5.4"), text)
        for params in bad_rcpt:
            with self.subTest(rcpt=params), self.mx_session() as s:
                self.assertEqual(s.docmd("MAIL FROM:<tester@remote.example>")[0], 250)
                code, text = s.docmd("RCPT TO:<%s> %s" % (ALICE.address, params))
                self.assertEqual((code, text[:5]), (501, b"5.5.4"), text)

    def test_transaction_survives_refused_dsn_parameters(self):
        # A few refusals (below the listener's max_bad_commands), then the
        # same transaction goes on and its message arrives.
        sent = message("after bad dsn parameters")
        with self.mx_session() as s:
            for params in ("RET=HDRS RET=FULL", "ENVID=a+0D+0Ab"):
                self.assertEqual(s.docmd("MAIL FROM:<tester@remote.example> " + params)[0], 501)
            self.assertEqual(s.docmd("MAIL FROM:<tester@remote.example> RET=FULL ENVID=ok+2B1")[0], 250)
            for params in ("NOTIFY=NEVER,SUCCESS", "ORCPT=rfc822;a+zz", "NOTIFY=SUCCESS,"):
                self.assertEqual(s.docmd("RCPT TO:<%s> %s" % (ALICE.address, params))[0], 501)
            code, _ = s.docmd("RCPT TO:<%s> NOTIFY=never ORCPT=RFC822;%s" % (ALICE.address, ALICE.address))
            self.assertEqual(code, 250)
            code, _ = s.data(sent)
            self.assertEqual(code, 250)
        self.assert_delivered(ALICE, sent, via=b"with ESMTP id ")

    def mx_session(self):
        s = smtplib.SMTP(*self.srv.addr("smtp"), timeout=NET_TIMEOUT)
        s.ehlo("client.remote.example")
        return s

    def test_dsn_parameters_need_ehlo(self):
        with smtplib.SMTP(*self.srv.addr("smtp"), timeout=NET_TIMEOUT) as s:
            s.helo("old.client")
            code, text = s.docmd("MAIL FROM:<tester@remote.example> RET=HDRS")
            self.assertEqual((code, text[:5]), (555, b"5.5.4"), text)
            code, _ = s.docmd("MAIL FROM:<tester@remote.example>")
            self.assertEqual(code, 250)
            code, text = s.docmd("RCPT TO:<%s> NOTIFY=SUCCESS" % ALICE.address)
            self.assertEqual((code, text[:5]), (555, b"5.5.4"), text)


class NoLegacyUserTest(DeliveryChecks, harness.ServerTestCase):
    """Without any --legacy-auth user CRAM-MD5 is not offered at all, and
    a client that tries it anyway gets 504."""
    USERS = [ALICE]
    LISTENERS = LISTENERS

    def test_cram_md5_not_offered_and_refused(self):
        with smtplib.SMTP_SSL(*self.srv.addr("submissions"), timeout=NET_TIMEOUT,
                              context=tls_client_context()) as s:
            s.ehlo("client.test")
            self.assertEqual(set(s.esmtp_features.get("auth", "").split()), MECHS_TLS - {"CRAM-MD5"})
            code, text = s.docmd("AUTH CRAM-MD5")
            self.assertEqual((code, text[:5]), (504, b"5.5.4"), text)
        code, out = swaks(self.srv, "submissions", ["--tls-on-connect"] + auth_args("CRAM-MD5", ALICE),
                          data=tagged_message("must not arrive"))
        self.assertNotEqual(code, 0, out)
        self.assertNotIn("MAIL FROM", out)
        self.assertEqual(self.fetch_all(ALICE), [])


if __name__ == "__main__":
    harness.main()
