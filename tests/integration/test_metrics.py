"""/metrics and /healthz on the HTTP listener (issue #12, "Metrics and health").

One server runs a scripted workload - N messages over SMTP to a local user,
M to remote peers (tests/integration/smtp_peer.py) that accept, reject
(5xx: a bounce, whose DSN goes to a local sender) or defer (4xx), SMTP AUTH,
POP3 and IMAP logins good and bad, some sessions over STARTTLS - then
/metrics is scraped and every count is checked against what the workload
did. The text is parsed with the Python prometheus_client parser (and
`promtool check metrics` when installed). /healthz answers 200 "ok", and 503
with the reason once the queue directory cannot be written.
"""

import http.client
import imaplib
import os
import poplib
import shutil
import smtplib
import subprocess
import sys
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from delivery_helpers import delivery_section, start_server, wait_until  # noqa: E402
from harness import NET_TIMEOUT, User  # noqa: E402
from smtp_peer import ScriptedPeer  # noqa: E402

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    # scripts/install-deps installs Debian's python3-prometheus-client (pure
    # Python), which a python3 not Debian's own (pyenv, venv) does not see.
    sys.path.append("/usr/lib/python3/dist-packages")
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        text_string_to_metric_families = None

ALICE = User("alice@example.test", "alice-Metrics-1x")
BOB = User("bob@example.test", "bob-Metrics-2y")

LISTENERS = [
    dict(name="smtp", service="smtp", tls="starttls"),
    dict(name="submission", service="submission", tls="starttls"),
    dict(name="pop3-plain", tls="starttls", plaintext_auth=True),
    dict(name="imap", service="imap", tls="starttls", plaintext_auth=True),
]

N_LOCAL = 5        # to alice, over the smtp listener; the first N_LOCAL_TLS with STARTTLS
N_LOCAL_TLS = 2
M_ACCEPTED = 3     # relayed to accept.test
M_REJECTED = 2     # 550 at RCPT from reject.test: bounced, DSN to bob (local)
M_DEFERRED = 1     # 451 at RCPT from later.test: stays queued (retry in an hour)
POP3_GOOD, POP3_BAD = 2, 1
IMAP_GOOD, IMAP_BAD = 1, 2


def message(subject):
    return ("From: <x@a.test>\r\nSubject: %s\r\nMessage-ID: <%s@a.test>\r\n\r\nmetrics body\r\n"
            % (subject, subject.replace(" ", "."))).encode()


def smtp_send(srv, sender, rcpt, msg, tls=False):
    with smtplib.SMTP(*srv.addr("smtp"), timeout=NET_TIMEOUT) as s:
        s.ehlo("client.a.test")
        if tls:
            s.starttls(context=harness.tls_client_context())
            s.ehlo("client.a.test")
        s.sendmail(sender, [rcpt], msg)


def submission_login(srv, user, password):
    """AUTH PLAIN after STARTTLS; True when accepted."""
    with smtplib.SMTP(*srv.addr("submission"), timeout=NET_TIMEOUT) as s:
        s.ehlo("client.a.test")
        s.starttls(context=harness.tls_client_context())
        s.ehlo("client.a.test")
        s.user, s.password = user, password
        try:
            s.auth("PLAIN", s.auth_plain)
            return True
        except smtplib.SMTPAuthenticationError:
            return False


def samples(text):
    """{(sample name, frozenset(labels)): value} and the parsed families."""
    out = {}
    families = list(text_string_to_metric_families(text))
    for fam in families:
        for s in fam.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out, families


def value(table, name, **labels):
    return table.get((name, frozenset(labels.items())), 0.0)


@unittest.skipIf(text_string_to_metric_families is None, "python3-prometheus-client is not installed")
class MetricsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.peers = dict(
            accept=ScriptedPeer({}, connections=None),
            reject=ScriptedPeer({"RCPT": "550 5.1.1 no such user here (scripted)"}, connections=None),
            later=ScriptedPeer({"RCPT": "451 4.2.0 not yet (scripted)"}, connections=None),
        )
        for p in cls.peers.values():
            cls.addClassCleanup(p.close)
        routes = {"%s.test" % name: "[127.0.0.1]:%d" % p.port for name, p in cls.peers.items()}
        cls.srv = start_server("metrics", harness.HOSTNAME, harness.DOMAIN, [ALICE, BOB], LISTENERS,
                               delivery_section(routes=routes, retry_initial=3600, retry_max=7200),
                               extra=dict(trusted_networks=["127.0.0.1/32"]))
        cls.addClassCleanup(cls.srv.cleanup)
        cls.run_workload()

    @classmethod
    def run_workload(cls):
        srv = cls.srv
        for i in range(N_LOCAL):
            smtp_send(srv, "x@a.test", ALICE.address, message("local %d" % i), tls=i < N_LOCAL_TLS)
        for i in range(M_ACCEPTED):
            smtp_send(srv, "x@a.test", "user%d@accept.test" % i, message("accepted %d" % i))
        for i in range(M_REJECTED):
            smtp_send(srv, BOB.address, "user%d@reject.test" % i, message("rejected %d" % i))
        for i in range(M_DEFERRED):
            smtp_send(srv, "x@a.test", "user%d@later.test" % i, message("deferred %d" % i))
        assert submission_login(srv, ALICE.address, ALICE.password)
        assert not submission_login(srv, ALICE.address, "wrong-password")
        for i in range(POP3_GOOD + POP3_BAD):
            c = poplib.POP3(*srv.addr("pop3-plain"), timeout=NET_TIMEOUT)
            try:
                c.user(ALICE.address)
                c.pass_(ALICE.password if i < POP3_GOOD else "wrong-password")
            except poplib.error_proto:
                pass
            finally:
                c.quit()
        for i in range(IMAP_GOOD + IMAP_BAD):
            c = imaplib.IMAP4(*srv.addr("imap"), timeout=NET_TIMEOUT)
            try:
                c.login(ALICE.address, ALICE.password if i < IMAP_GOOD else "wrong-password")
            except imaplib.IMAP4.error:
                pass
            finally:
                c.logout()

    def scrape(self):
        status, body, headers = self.srv.http_get("/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/plain; version=0.0.4"), headers)
        return body.decode()

    def settled(self):
        """The metrics once every delivery of the workload is done and every
        session closed (bounded wait)."""
        def done():
            t, _ = samples(self.scrape())
            d = "mailroom_recipients_delivered_total"
            ready = (value(t, d, destination="local") >= N_LOCAL + M_REJECTED
                     and value(t, d, destination="remote") >= M_ACCEPTED
                     and value(t, "mailroom_recipients_bounced_total") >= M_REJECTED
                     and value(t, "mailroom_recipients_deferred_total") >= M_DEFERRED
                     and all(value(t, "mailroom_sessions_active", listener=l["name"]) == 0 for l in LISTENERS)
                     and all(value(t, "mailroom_connections_open", listener=l["name"]) == 0 for l in LISTENERS))
            return t if ready else None
        return wait_until(done, "the workload's deliveries and closes in /metrics", timeout=30)

    def test_counts_match_the_workload(self):
        t = self.settled()
        time.sleep(0.5)  # nothing more may come: the counts are exact
        t, _ = samples(self.scrape())
        smtp_connections = N_LOCAL + M_ACCEPTED + M_REJECTED + M_DEFERRED
        expected_connections = {"smtp": smtp_connections, "submission": 2, "pop3-plain": POP3_GOOD + POP3_BAD,
                                "imap": IMAP_GOOD + IMAP_BAD}
        for name, n in expected_connections.items():
            self.assertEqual(value(t, "mailroom_connections_total", listener=name), n, name)
            self.assertEqual(value(t, "mailroom_sessions_total", listener=name), n, name)
            self.assertEqual(value(t, "mailroom_connections_refused_total", listener=name), 0, name)
            self.assertEqual(value(t, "mailroom_sessions_active", listener=name), 0, name)
        self.assertEqual(value(t, "mailroom_messages_received_total", listener="smtp"), smtp_connections)
        self.assertEqual(value(t, "mailroom_messages_received_total", listener="submission"), 0)

        d = "mailroom_recipients_delivered_total"
        self.assertEqual(value(t, d, destination="local"), N_LOCAL + M_REJECTED)  # + the DSNs to bob
        self.assertEqual(value(t, d, destination="remote"), M_ACCEPTED)
        self.assertEqual(value(t, "mailroom_recipients_bounced_total"), M_REJECTED)
        self.assertEqual(value(t, "mailroom_recipients_deferred_total"), M_DEFERRED)
        h = "mailroom_delivery_latency_seconds"
        self.assertEqual(value(t, h + "_count", destination="local"), N_LOCAL + M_REJECTED)
        self.assertEqual(value(t, h + "_count", destination="remote"), M_ACCEPTED)
        self.assertEqual(value(t, h + "_bucket", destination="remote", le="+Inf"), M_ACCEPTED)
        self.assertLess(value(t, h + "_sum", destination="remote"), 60 * M_ACCEPTED)

        self.assertEqual(value(t, "mailroom_queue_messages"), M_DEFERRED)
        age = value(t, "mailroom_queue_oldest_age_seconds")
        self.assertGreater(age, 0)
        self.assertLess(age, 300)

        lg = "mailroom_logins_total"
        self.assertEqual(value(t, lg, protocol="pop3", mechanism="USER", result="success"), POP3_GOOD)
        self.assertEqual(value(t, lg, protocol="pop3", mechanism="USER", result="failure"), POP3_BAD)
        self.assertEqual(value(t, lg, protocol="imap", mechanism="LOGIN", result="success"), IMAP_GOOD)
        self.assertEqual(value(t, lg, protocol="imap", mechanism="LOGIN", result="failure"), IMAP_BAD)
        self.assertEqual(value(t, lg, protocol="smtp", mechanism="PLAIN", result="success"), 1)
        self.assertEqual(value(t, lg, protocol="smtp", mechanism="PLAIN", result="failure"), 1)
        logins = sum(v for (name, _), v in t.items() if name == lg)
        self.assertEqual(logins, POP3_GOOD + POP3_BAD + IMAP_GOOD + IMAP_BAD + 2)

        ended = "mailroom_sessions_ended_total"
        self.assertEqual(value(t, ended, listener="smtp", tls="TLSv1.3"), N_LOCAL_TLS)
        self.assertEqual(value(t, ended, listener="smtp", tls="none"), smtp_connections - N_LOCAL_TLS)
        self.assertEqual(value(t, ended, listener="submission", tls="TLSv1.3"), 2)
        self.assertEqual(value(t, ended, listener="imap", tls="none"), IMAP_GOOD + IMAP_BAD)

    def test_format_parses(self):
        text = self.scrape()
        _, families = samples(text)
        by_name = {f.name: f for f in families}
        # prometheus_client names a counter family without its _total suffix.
        for name, kind in [("mailroom_connections", "counter"), ("mailroom_connections_open", "gauge"),
                           ("mailroom_sessions", "counter"), ("mailroom_sessions_active", "gauge"),
                           ("mailroom_logins", "counter"), ("mailroom_messages_received", "counter"),
                           ("mailroom_recipients_delivered", "counter"), ("mailroom_recipients_deferred", "counter"),
                           ("mailroom_recipients_bounced", "counter"), ("mailroom_queue_messages", "gauge"),
                           ("mailroom_queue_oldest_age_seconds", "gauge"),
                           ("mailroom_delivery_latency_seconds", "histogram")]:
            self.assertIn(name, by_name, sorted(by_name))
            self.assertEqual(by_name[name].type, kind, name)
            self.assertTrue(by_name[name].documentation, name)
        promtool = shutil.which("promtool")
        if promtool:
            p = subprocess.run([promtool, "check", "metrics"], input=text.encode(), capture_output=True,
                               timeout=60)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_other_paths_and_methods(self):
        status, body, _ = self.srv.http_get("/nothing-here")
        self.assertEqual(status, 404)
        c = http.client.HTTPConnection(*self.srv.http, timeout=NET_TIMEOUT)
        try:
            c.request("POST", "/metrics", body=b"x")
            r = c.getresponse()
            r.read()
            self.assertEqual(r.status, 405)
            self.assertEqual(r.getheader("Allow"), "GET")
            c.request("GET", "/healthz")  # the same connection: keep-alive
            r = c.getresponse()
            self.assertEqual((r.status, r.read()), (200, b"ok\n"))
        finally:
            c.close()
        t, _ = samples(self.scrape())
        self.assertGreaterEqual(value(t, "mailroom_http_requests_total", code="405"), 1)

    def test_healthz_reports_an_unwritable_queue(self):
        self.assertEqual(self.srv.http_get("/healthz")[:2], (200, b"ok\n"))
        queue = os.path.join(self.srv.data_dir, "queue")
        # root writes anywhere chmod allows nothing: an immutable directory.
        if os.geteuid() == 0:
            if not shutil.which("chattr") or subprocess.run(["chattr", "+i", queue]).returncode != 0:
                self.skipTest("cannot make the queue unwritable as root (no chattr +i here)")
            undo = ["chattr", "-i", queue]
        else:
            os.chmod(queue, 0o500)
            undo = None
        try:
            status, body, _ = self.srv.http_get("/healthz")
            self.assertEqual(status, 503, body)
            self.assertIn(b"queue is not writable", body)
        finally:
            if undo:
                subprocess.run(undo, check=True)
            else:
                os.chmod(queue, 0o700)
        self.assertEqual(self.srv.http_get("/healthz")[:2], (200, b"ok\n"))


class HttpConfigTest(unittest.TestCase):
    def test_disabled_prints_no_http_line(self):
        srv = harness.Server(listeners=[dict(name="only", tls="none", plaintext_auth=True)],
                             extra_config=dict(http=dict(enabled=False)))
        try:
            srv.add_domain(harness.DOMAIN)
            srv.start()
            self.assertIsNone(srv.http)
            self.assertFalse(any(l.startswith(b"listening http ") for l in srv.stdout_lines))
        finally:
            srv.cleanup()

    def test_port_taken_is_a_startup_error(self):
        first = harness.Server(listeners=[dict(name="only", tls="none", plaintext_auth=True)])
        try:
            first.add_domain(harness.DOMAIN)
            first.start()
            second = harness.Server(listeners=[dict(name="only", tls="none", plaintext_auth=True)],
                                    extra_config=dict(http=dict(port=first.http[1])))
            try:
                with self.assertRaises(AssertionError):
                    second.start()
                self.assertIn("http: cannot listen on 127.0.0.1:%d" % first.http[1], second.log_text)
            finally:
                second.cleanup()
        finally:
            first.cleanup()


if __name__ == "__main__":
    unittest.main()
