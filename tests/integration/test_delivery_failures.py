#!/usr/bin/env python3
"""Outbound delivery against scripted SMTP peers (smtp_peer.py) reached by
static routes ([delivery.routes] "domain" = "[127.0.0.1]:PORT", issue #4):
a 4xx retried until it is accepted, 5xx bounces (RFC 3464 report to the
local sender, from the null sender, one report for every failure of a
round), no bounce for a bounce, the DSN parameters of RFC 3461 (NOTIFY,
RET, ENVID, ORCPT; "relayed" for a peer without DSN, parameters passed on
to one with it), and a static route that needs no DNS at all."""

import os
import sys
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from delivery_helpers import (Dsn, after_trace_headers, count, delivery_section, log_lines,  # noqa: E402
                              queue_id_of, send, start_server, wait_for_mail, wait_queue_empty, wait_until)
from dnsmasq import Dnsmasq  # noqa: E402
from harness import User  # noqa: E402
from smtp_peer import ScriptedPeer  # noqa: E402

WAIT = 20

RETRY = User("retry@a.test", "retry-Fail-31x")
BOUNCE = User("bounce@a.test", "bounce-Fail-42y")
DSN = User("dsn@a.test", "dsn-Fail-53z")
STATIC = User("static@a.test", "static-Fail-64w")

A_LISTENERS = [
    dict(name="pop3-plain", tls="starttls", plaintext_auth=True),
    dict(name="smtp", service="smtp", tls="none"),
]
DSN_EHLO = ("250-dsn.peer.test", "250-PIPELINING", "250-DSN", "250 8BITMIME")


def with_a_received_line(data, sent):
    """DATA as the peer got it: A's Received: field, then SENT unchanged."""
    return data.startswith(b"Received: from ") and after_trace_headers(data) == sent


class FailuresTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.peers = dict(
            # First connection: the recipient is refused for now; later ones take it.
            retry=ScriptedPeer([{"RCPT": "451 4.2.0 mailbox busy, try again later (scripted)"}, {}],
                               connections=None),
            # The same after the whole message was sent: refused at its end.
            retrydata=ScriptedPeer([{".": "452 4.3.1 out of space for now (scripted)"}, {}], connections=None),
            reject=ScriptedPeer({"RCPT": "550 5.1.1 no such user here (scripted)"}, connections=None),
            rejectdata=ScriptedPeer({".": "554 5.6.0 content refused by policy (scripted)"}, connections=None),
            accept=ScriptedPeer({}, connections=None),
            dsnpeer=ScriptedPeer({}, ehlo_lines=DSN_EHLO, connections=None),
            fwdpeer=ScriptedPeer({}, ehlo_lines=DSN_EHLO, connections=None),  # alias targets
            partner=ScriptedPeer({}, connections=None),
            # Never takes the message: it stays queued until its domain is ours.
            later=ScriptedPeer({"RCPT": "451 4.2.0 not yet (scripted)"}, ehlo_lines=DSN_EHLO, connections=None),
        )
        for p in cls.peers.values():
            cls.addClassCleanup(p.close)
        # No records: a name that reached DNS would be NXDOMAIN (and logged).
        cls.dns = Dnsmasq([])
        cls.addClassCleanup(cls.dns.close)
        routes = {"%s.test" % name: "[127.0.0.1]:%d" % p.port for name, p in cls.peers.items()}
        cls.a = start_server("A", "mail.a.test", "a.test", [RETRY, BOUNCE, DSN, STATIC], A_LISTENERS,
                             delivery_section(cls.dns, routes=routes),
                             extra=dict(trusted_networks=["127.0.0.1/32"]))
        cls.addClassCleanup(cls.a.cleanup)

    def test_4xx_is_retried_until_accepted(self):
        peer = self.peers["retry"]
        sent = b"Subject: retried\r\nMessage-ID: <retry-1@a.test>\r\n\r\nsecond time lucky\r\n"
        send(self.a, "smtp", RETRY.address, ["user@retry.test"], sent)
        peer.wait_for(lambda p: any(t.complete for t in p.transactions), WAIT, "delivery after the retry")
        self.assertGreaterEqual(peer.connections, 2)
        done = peer.completed()
        self.assertEqual(len(done), 1, done)
        self.assertEqual(done[0].connection, 1, "the first connection must not have carried the data")
        self.assertTrue(with_a_received_line(done[0].data, sent), done[0].data[:500])
        # retry_initial = 1: not before a second has passed.
        self.assertGreaterEqual(peer.connected_at[1] - peer.connected_at[0], 0.9)
        qid = queue_id_of(self.a, "user@retry.test")
        wait_queue_empty(self.a)
        attempts = log_lines(self.a, r"%s to=<user@retry\.test> relay=127\.0\.0\.1\[127\.0\.0\.1\]:%d .*status="
                             % (qid, peer.port))
        self.assertEqual(len(attempts), 2, attempts)
        self.assertIn('status=deferred ("451 4.2.0 mailbox busy, try again later (scripted)")', attempts[0])
        self.assertIn('status=sent ("250 2.0.0 ok")', attempts[1])
        self.assertEqual(count(self.a, RETRY), 0, "no DSN for a message delivered after a retry")

    def test_4xx_at_the_end_of_data_is_retried(self):
        peer = self.peers["retrydata"]
        sent = b"Subject: retried after data\r\nMessage-ID: <retry-2@a.test>\r\n\r\nsent twice\r\n"
        send(self.a, "smtp", RETRY.address, ["user@retrydata.test"], sent)
        peer.wait_for(lambda p: sum(t.complete for t in p.transactions) >= 2, WAIT, "the second transfer")
        first, second = peer.completed()[:2]
        self.assertEqual((first.connection, second.connection), (0, 1))
        self.assertTrue(first.reply.startswith("452"))
        self.assertEqual(first.data, second.data)
        self.assertTrue(with_a_received_line(second.data, sent))
        qid = queue_id_of(self.a, "user@retrydata.test")
        wait_queue_empty(self.a)
        self.assertEqual(len(log_lines(self.a, r"%s .*status=deferred \(\"452 4\.3\.1 out of space" % qid)), 1)
        self.assertEqual(peer.connections, 2, "delivered: not tried again")
        self.assertEqual(count(self.a, RETRY), 0)

    def test_5xx_bounces_to_the_sender_with_one_report_per_round(self):
        sent = (b"From: Bounce <bounce@a.test>\r\nTo: two remote people\r\nSubject: will bounce\r\n"
                b"Message-ID: <bounce-1@a.test>\r\nX-Original-Header: kept\r\n\r\nthe body comes back\r\n")
        send(self.a, "smtp", BOUNCE.address, ["someone@reject.test", "other@rejectdata.test"], sent)
        got = wait_for_mail(self.a, BOUNCE)
        self.assertEqual(len(got), 1, "both failures of one round belong in one report")
        self.assertTrue(got[0].startswith(b"Return-Path: <>\r\n"), got[0][:200])
        dsn = Dsn(got[0])
        self.assertEqual(dsn.content_type, "multipart/report")
        self.assertEqual(dsn.msg.get_param("report-type"), "delivery-status")
        self.assertEqual(dsn.msg["From"], "Mail Delivery System <MAILER-DAEMON@mail.a.test>")
        self.assertEqual(dsn.msg["To"].strip("<>"), BOUNCE.address)
        self.assertEqual(dsn.per_message["reporting-mta"], "dns; mail.a.test")
        by_rcpt = {r["final-recipient"]: r for r in dsn.per_recipient}
        self.assertEqual(set(by_rcpt), {"rfc822; someone@reject.test", "rfc822; other@rejectdata.test"})
        rcpt = by_rcpt["rfc822; someone@reject.test"]
        self.assertEqual((rcpt["action"], rcpt["status"]), ("failed", "5.1.1"))
        self.assertEqual(rcpt["diagnostic-code"], "smtp; 550 5.1.1 no such user here (scripted)")
        self.assertEqual(rcpt["remote-mta"], "dns; 127.0.0.1")
        rcpt = by_rcpt["rfc822; other@rejectdata.test"]
        self.assertEqual((rcpt["action"], rcpt["status"]), ("failed", "5.6.0"))
        self.assertIn("554 5.6.0 content refused by policy (scripted)", rcpt["diagnostic-code"])
        self.assertIn("host 127.0.0.1 said: 550 5.1.1 no such user here (scripted)",
                      " ".join(dsn.human_text().split()))
        # No RET: the whole message comes back, original header fields and all.
        self.assertEqual(dsn.returned.get_content_type(), "message/rfc822")
        returned = dsn.returned_bytes()
        for field in (b"Subject: will bounce", b"Message-ID: <bounce-1@a.test>", b"X-Original-Header: kept",
                      b"the body comes back"):
            self.assertIn(field, returned)
        wait_queue_empty(self.a)
        self.assertEqual(count(self.a, BOUNCE), 0, "exactly one bounce")

    def test_no_bounce_for_a_bounce(self):
        sent = b"Subject: a failing notification\r\nMessage-ID: <null-1@a.test>\r\n\r\nfrom <>\r\n"
        send(self.a, "smtp", "", ["someone@reject.test"], sent)
        qid = queue_id_of(self.a, "someone@reject.test")
        wait_until(lambda: log_lines(self.a, r"%s to=<someone@reject\.test> undeliverable with the null sender: "
                                              r"no notification, dropped \(\"550 5\.1\.1 " % qid),
                   "the null-sender drop in the log")
        wait_queue_empty(self.a)
        self.assertEqual(log_lines(self.a, r"%s notification queued" % qid), [])

    def test_dsn_parameters(self):
        # NOTIFY=SUCCESS to a peer without DSN: we must say "relayed"
        # (RFC 3461 §5.2.3), with ENVID and ORCPT, and only the header back.
        sent = b"Subject: dsn relayed\r\nMessage-ID: <dsn-1@a.test>\r\n\r\nbody not returned\r\n"
        send(self.a, "smtp", DSN.address, ["user@accept.test"], sent, mail_options=["ENVID=envid+2Bone"],
             rcpt_options=["NOTIFY=SUCCESS,FAILURE", "ORCPT=rfc822;first@a.test"])
        dsn = Dsn(wait_for_mail(self.a, DSN)[0])
        self.assertEqual(dsn.per_message.get("original-envelope-id"), "envid+one")  # xtext decoded
        rcpt = dsn.per_recipient[0]
        self.assertEqual(rcpt["action"], "relayed")
        self.assertTrue(rcpt["status"].startswith("2."), rcpt)
        self.assertEqual(rcpt["original-recipient"].replace(" ", ""), "rfc822;first@a.test")
        self.assertEqual(rcpt["final-recipient"], "rfc822; user@accept.test")
        self.assertIn(b"Message-ID: <dsn-1@a.test>", dsn.returned_bytes())
        self.assertNotIn(b"body not returned", dsn.raw)
        wait_queue_empty(self.a)

        # A peer with DSN gets the parameters and reports itself: no DSN from us.
        peer = self.peers["dsnpeer"]
        sent = b"Subject: dsn passed on\r\nMessage-ID: <dsn-2@a.test>\r\n\r\nbody\r\n"
        send(self.a, "smtp", DSN.address, ["user@dsnpeer.test"], sent, mail_options=["ENVID=env2", "RET=HDRS"],
             rcpt_options=["NOTIFY=SUCCESS,FAILURE", "ORCPT=rfc822;second@a.test"])
        peer.wait_for(lambda p: any(t.complete for t in p.transactions), WAIT, "the message")
        t = peer.completed()[0]
        self.assertRegex(t.mail, r"^MAIL FROM:<dsn@a\.test>.* RET=HDRS")
        self.assertRegex(t.mail, r" ENVID=env2\b")
        self.assertRegex(t.rcpts[0], r"^RCPT TO:<user@dsnpeer\.test> .*NOTIFY=SUCCESS,FAILURE")
        self.assertRegex(t.rcpts[0], r" ORCPT=rfc822;second@a\.test\b")
        wait_queue_empty(self.a)
        self.assertEqual(count(self.a, DSN), 0, "the DSN-capable peer reports, not us")

        # NOTIFY=NEVER: the failure is silent.
        send(self.a, "smtp", DSN.address, ["never@reject.test"], b"Subject: never\r\n\r\nx\r\n",
             rcpt_options=["NOTIFY=NEVER"])
        qid = queue_id_of(self.a, "never@reject.test")
        wait_until(lambda: log_lines(self.a, r"%s to=<never@reject\.test> .*status=bounced" % qid), "the 550")
        wait_queue_empty(self.a)
        self.assertEqual(count(self.a, DSN), 0, "NOTIFY=NEVER must suppress the bounce")

        # RET=HDRS on a failure: the header section only.
        sent = b"Subject: headers only\r\nMessage-ID: <dsn-4@a.test>\r\n\r\nsecret body text\r\n"
        send(self.a, "smtp", DSN.address, ["hdrs@reject.test"], sent, mail_options=["RET=HDRS", "ENVID=env4"])
        dsn = Dsn(wait_for_mail(self.a, DSN)[0])
        self.assertEqual(dsn.per_recipient[0]["action"], "failed")
        self.assertEqual(dsn.per_message.get("original-envelope-id"), "env4")
        self.assertNotIn("original-recipient", dsn.per_recipient[0], "no ORCPT was given")
        self.assertEqual(dsn.returned.get_content_type(), "text/rfc822-headers")
        self.assertIn(b"Subject: headers only", dsn.returned_bytes())
        self.assertNotIn(b"secret body text", dsn.raw)
        wait_queue_empty(self.a)

    def test_remote_alias_target_is_queued(self):
        # An alias with a local and a remote target: the local copy at once,
        # the remote one through the queue, with the original sender.
        self.a.cli("alias", "add", "team@a.test", STATIC.address, "far@partner.test")
        peer = self.peers["partner"]
        sent = b"Subject: to the team\r\nMessage-ID: <alias-1@a.test>\r\n\r\nfor everyone\r\n"
        send(self.a, "smtp", "someone@elsewhere.test", ["team@a.test"], sent)
        peer.wait_for(lambda p: any(t.complete and t.rcpts == ["RCPT TO:<far@partner.test>"] for t in p.transactions),
                      WAIT, "the copy for the remote target")
        t = [t for t in peer.completed() if t.rcpts == ["RCPT TO:<far@partner.test>"]][0]
        self.assertEqual(t.mail, "MAIL FROM:<someone@elsewhere.test>")
        self.assertTrue(with_a_received_line(t.data, sent), t.data[:500])
        got = wait_for_mail(self.a, STATIC)
        self.assertEqual([after_trace_headers(m) for m in got], [sent])
        wait_queue_empty(self.a)

    def fwdpeer_transaction(self, rcpt):
        peer = self.peers["fwdpeer"]
        line = "RCPT TO:<%s>" % rcpt
        peer.wait_for(lambda p: any(t.complete and t.rcpts and t.rcpts[0].startswith(line) for t in p.transactions),
                      WAIT, "the copy for <%s>" % rcpt)
        return [t for t in peer.completed() if t.rcpts and t.rcpts[0].startswith(line)][0]

    def test_alias_target_keeps_the_dsn_options_at_acceptance(self):
        # An alias met at SMTP acceptance: its remote target is queued with
        # the recipient's ORCPT and NOTIFY and the message's ENVID, RET and
        # BODY. SUCCESS is answered here ("delivered" at the alias), so the
        # target is asked for FAILURE only: one success notice, not two.
        self.a.cli("alias", "add", "fwd@a.test", "far@fwdpeer.test")
        sent = b"Subject: forwarded\r\nMessage-ID: <alias-dsn-1@a.test>\r\n\r\ncaf\xc3\xa9 8-bit\r\n"
        send(self.a, "smtp", DSN.address, ["fwd@a.test"], sent, mail_options=["BODY=8BITMIME", "ENVID=fwd1", "RET=HDRS"],
             rcpt_options=["NOTIFY=SUCCESS,FAILURE", "ORCPT=rfc822;fwd@a.test"])
        t = self.fwdpeer_transaction("far@fwdpeer.test")
        self.assertRegex(t.mail, r"^MAIL FROM:<dsn@a\.test>")
        for param in ("BODY=8BITMIME", "ENVID=fwd1", "RET=HDRS"):
            self.assertIn(" " + param, t.mail)
        self.assertRegex(t.rcpts[0], r" NOTIFY=FAILURE\b")
        self.assertIn(" ORCPT=rfc822;fwd@a.test", t.rcpts[0])
        dsn = Dsn(wait_for_mail(self.a, DSN)[0])
        self.assertEqual(dsn.per_message.get("original-envelope-id"), "fwd1")
        self.assertEqual(dsn.per_recipient[0]["action"], "delivered")
        wait_queue_empty(self.a)
        self.assertEqual(count(self.a, DSN), 0, "exactly one success notice")

    def test_alias_target_met_in_the_queue_keeps_the_dsn_options(self):
        # A queued message whose domain became ours and whose address is an
        # alias elsewhere: the re-queued copy keeps NOTIFY=NEVER (no bounce
        # for a sender who asked for none) and BODY=8BITMIME.
        sent = b"Subject: late alias\r\nMessage-ID: <alias-dsn-2@a.test>\r\n\r\n\xe2\x82\xac 8-bit\r\n"
        send(self.a, "smtp", DSN.address, ["late@later.test"], sent, mail_options=["BODY=8BITMIME"],
             rcpt_options=["NOTIFY=NEVER"])
        queue_id_of(self.a, "late@later.test")
        self.a.cli("domain", "add", "later.test")
        self.a.cli("alias", "add", "late@later.test", "late@fwdpeer.test")
        t = self.fwdpeer_transaction("late@fwdpeer.test")
        self.assertIn(" BODY=8BITMIME", t.mail)
        self.assertIn(" NOTIFY=NEVER", t.rcpts[0])
        self.assertTrue(after_trace_headers(t.data).endswith(b"\xe2\x82\xac 8-bit\r\n"), t.data[-200:])
        wait_queue_empty(self.a)
        self.assertEqual(count(self.a, DSN), 0)

    def test_static_route_needs_no_dns(self):
        peer = self.peers["partner"]
        sent = b"Subject: static\r\nMessage-ID: <static-1@a.test>\r\n\r\nstraight to the partner\r\n"
        send(self.a, "smtp", STATIC.address, ["user@partner.test"], sent)
        peer.wait_for(lambda p: any(t.complete and t.mail == "MAIL FROM:<static@a.test>" for t in p.transactions),
                      WAIT, "the message")
        t = [t for t in peer.completed() if t.mail == "MAIL FROM:<static@a.test>"][0]
        self.assertEqual(t.rcpts, ["RCPT TO:<user@partner.test>"])
        self.assertTrue(with_a_received_line(t.data, sent), t.data[:500])
        wait_queue_empty(self.a)
        with open(self.dns.log_path, errors="replace") as f:
            queries = f.read()
        self.assertNotRegex(queries, r"query\[\w+\] [\w.]*partner\.test", "a static route asked DNS")
        self.assertEqual(count(self.a, STATIC), 0)


if __name__ == "__main__":
    harness.main()
