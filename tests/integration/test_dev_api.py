#!/usr/bin/env python3
"""`mailroom dev`'s HTTP API (issue #14) driven the way a test suite drives it:
smtplib sends, /api/wait long-polls for the match, /raw is the stored file byte
for byte and what POP3 and IMAP serve, /api/events streams the capture,
/api/sessions shows the dialogue, /api/reset empties, and fault rules added
through the API (error, delay, drop, truncate) are what poplib, smtplib and
imaplib then see; a seeded probability replays identically in a new run;
a release goes to the configured smarthost (another `mailroom dev`) over
STARTTLS and AUTH, to chosen recipients, and a refusal or an absent
smarthost is a 502, no smarthost a 501."""
import imaplib
import json
import os
import poplib
import smtplib
import socket
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from test_dev import Dev, message  # noqa: E402


def api(dev, method, path, body=None, params=None, timeout=30):
    url = dev.ports["http"] + path + ("?" + urllib.parse.urlencode(params) if params else "")
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers


def api_json(dev, method, path, body=None, params=None):
    status, raw, _ = api(dev, method, path, body, params)
    return status, (json.loads(raw) if raw else None)


def send(dev, tag, to="bob@one.test"):
    with smtplib.SMTP("127.0.0.1", dev.ports["smtp"], timeout=10) as s:
        s.sendmail("a@sender.example", [to], message(tag))


class DevApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dev = Dev()

    @classmethod
    def tearDownClass(cls):
        cls.dev.stop()

    def setUp(self):
        self.assertEqual(api(self.dev, "DELETE", "/api/faults")[0] // 100, 2)
        self.assertEqual(api(self.dev, "POST", "/api/reset")[0] // 100, 2)

    def test_wait_then_raw_is_what_pop3_and_imap_serve(self):
        # The long poll starts before the mail exists: the capture wakes it.
        result = {}
        waiter = threading.Thread(target=lambda: result.update(
            r=api_json(self.dev, "GET", "/api/wait", params={"to": "bob@", "subject": "waited", "timeout": 10})))
        waiter.start()
        time.sleep(0.3)
        send(self.dev, "waited")
        waiter.join(15)
        status, m = result["r"]
        self.assertEqual(status, 200, m)
        status, raw, headers = api(self.dev, "GET", "/api/messages/" + urllib.parse.quote(m["id"]) + "/raw")
        self.assertEqual(status, 200)
        # Stored as Maildir keeps it (LF line ends), the body exactly as sent
        # once smtplib's dot-stuffing is undone by the server.
        self.assertTrue(raw.endswith(b"\n\nline one\n..dot line\nend\n"), raw)
        self.assertIn(b"\nSubject: waited\n", raw)
        p = poplib.POP3("127.0.0.1", self.dev.ports["pop3"], timeout=10)
        p.user("bob@one.test")
        p.pass_("x")
        lines = p.retr(1)[1]
        p.quit()
        self.assertEqual(b"\r\n".join(lines) + b"\r\n", raw.replace(b"\n", b"\r\n"))
        i = imaplib.IMAP4("127.0.0.1", self.dev.ports["imap"])
        i.login("bob@one.test", "x")
        i.select("INBOX")
        typ, data = i.fetch("1", "(BODY.PEEK[])")
        i.logout()
        self.assertEqual(typ, "OK")
        self.assertEqual(data[0][1], raw.replace(b"\n", b"\r\n"))
        status, listed = api_json(self.dev, "GET", "/api/messages", params={"subject": "waited"})
        self.assertEqual(status, 200)
        self.assertIn(m["id"], json.dumps(listed))
        status, detail = api_json(self.dev, "GET", "/api/messages/" + urllib.parse.quote(m["id"]))
        self.assertEqual(status, 200)
        self.assertIn("line one", detail["text"])

    def test_wait_times_out_with_408(self):
        status, _ = api_json(self.dev, "GET", "/api/wait", params={"subject": "never sent", "timeout": 1})
        self.assertEqual(status, 408)

    def test_events_stream_announces_the_capture(self):
        sock = socket.create_connection(("127.0.0.1", int(self.dev.ports["http"].rsplit(":", 1)[1])), timeout=10)
        sock.sendall(b"GET /api/events HTTP/1.1\r\nHost: x\r\n\r\n")
        got = b""
        while b"\r\n\r\n" not in got:
            got += sock.recv(4096)
        send(self.dev, "evented")
        deadline = time.time() + 10
        while b"event: message" not in got and time.time() < deadline:
            got += sock.recv(4096)
        sock.close()
        self.assertIn(b"text/event-stream", got)
        self.assertIn(b"event: message", got)
        self.assertIn(b"bob@one.test", got)

    def test_sessions_show_the_dialogue(self):
        send(self.dev, "dialogue")
        status, sessions = api_json(self.dev, "GET", "/api/sessions")
        self.assertEqual(status, 200)
        text = json.dumps(sessions)
        self.assertIn("smtp", text)
        ids = [s["id"] for s in (sessions if isinstance(sessions, list) else sessions["sessions"])]
        found = False
        for sid in ids:
            status, one = api_json(self.dev, "GET", "/api/sessions/%s" % sid)
            if "mail from:<a@sender.example>" in json.dumps(one).lower():
                found = True
        self.assertTrue(found, text[:2000])

    def test_reset_empties_every_mailbox(self):
        send(self.dev, "to be reset")
        self.assertEqual(api_json(self.dev, "GET", "/api/wait", params={"subject": "to be reset", "timeout": 10})[0], 200)
        self.assertEqual(api(self.dev, "POST", "/api/reset")[0] // 100, 2)
        status, listed = api_json(self.dev, "GET", "/api/messages")
        self.assertNotIn("to be reset", json.dumps(listed))

    def add_fault(self, rule):
        status, body = api_json(self.dev, "POST", "/api/faults", rule)
        self.assertEqual(status // 100, 2, body)

    def test_fault_error_on_pop3_retr(self):
        send(self.dev, "faulted")
        self.add_fault({"protocol": "pop3", "command": "RETR", "action": "error", "text": "injected by test"})
        p = poplib.POP3("127.0.0.1", self.dev.ports["pop3"], timeout=10)
        p.user("bob@one.test")
        p.pass_("x")
        with self.assertRaises(poplib.error_proto) as e:
            p.retr(1)
        self.assertIn(b"injected by test", e.exception.args[0])
        p.quit()

    def test_fault_error_on_smtp_data(self):
        self.add_fault({"protocol": "smtp", "command": "DATA", "action": "error", "code": 451, "text": "try later"})
        with smtplib.SMTP("127.0.0.1", self.dev.ports["smtp"], timeout=10) as s:
            with self.assertRaises(smtplib.SMTPDataError) as e:
                s.sendmail("a@sender.example", ["bob@one.test"], message("refused"))
            self.assertEqual(e.exception.smtp_code, 451)

    def test_fault_delay_on_imap_login(self):
        self.add_fault({"protocol": "imap", "command": "LOGIN", "action": "delay", "delay_ms": 700})
        i = imaplib.IMAP4("127.0.0.1", self.dev.ports["imap"])
        started = time.monotonic()
        i.login("bob@one.test", "x")
        self.assertGreaterEqual(time.monotonic() - started, 0.65)
        i.logout()

    def test_fault_drop_on_imap_fetch(self):
        send(self.dev, "dropped")
        self.assertEqual(api_json(self.dev, "GET", "/api/wait", params={"subject": "dropped", "timeout": 10})[0], 200)
        self.add_fault({"protocol": "imap", "command": "FETCH", "action": "drop"})
        i = imaplib.IMAP4("127.0.0.1", self.dev.ports["imap"])
        i.login("bob@one.test", "x")
        i.select("INBOX")
        with self.assertRaises((imaplib.IMAP4.abort, OSError)):
            i.fetch("1", "(BODY.PEEK[])")

    def test_fault_truncate_on_pop3_retr(self):
        send(self.dev, "truncated")
        self.assertEqual(api_json(self.dev, "GET", "/api/wait", params={"subject": "truncated", "timeout": 10})[0], 200)
        self.add_fault({"protocol": "pop3", "command": "RETR", "action": "truncate", "keep_bytes": 40})
        p = poplib.POP3("127.0.0.1", self.dev.ports["pop3"], timeout=10)
        p.user("bob@one.test")
        p.pass_("x")
        with self.assertRaises((poplib.error_proto, EOFError, OSError)):
            p.retr(1)


def stat_outcomes(dev, n):
    out = []
    for _ in range(n):
        p = poplib.POP3("127.0.0.1", dev.ports["pop3"], timeout=10)
        p.user("bob@one.test")
        p.pass_("x")
        try:
            p.stat()
            out.append("ok")
        except poplib.error_proto:
            out.append("err")
        p.quit()
    return out


class SeededReplayTest(unittest.TestCase):
    def test_same_seed_same_faults(self):
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
            f.write('seed = 7\n[[fault]]\nprotocol = "pop3"\ncommand = "STAT"\nprobability = 0.5\n'
                    'action = "error"\ntext = "coin"\ntimes = "always"\n')
        runs = []
        try:
            for _ in range(2):
                dev = Dev("--faults", f.name)
                try:
                    runs.append(stat_outcomes(dev, 16))
                finally:
                    dev.stop()
        finally:
            os.unlink(f.name)
        self.assertEqual(runs[0], runs[1])
        self.assertIn("ok", runs[0])
        self.assertIn("err", runs[0])


def smarthost_config(directory, name, port):
    """A --config file whose [delivery.smarthost] is a dev's submission port."""
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write('[delivery.smarthost]\nhost = "127.0.0.1"\nport = %d\ntls = "starttls"\n'
                'verify_certificate = false\nusername = "releaser@relay.test"\npassword = "pw"\n' % port)
    return path


def captured(test, dev, tag):
    """Sends a message tagged TAG over SMTP and returns its id once captured."""
    send(dev, tag)
    status, m = api_json(dev, "GET", "/api/wait", params={"subject": tag, "timeout": 10})
    test.assertEqual(status, 200, m)
    return m["id"]


def release(dev, mid, body=None):
    return api_json(dev, "POST", "/api/messages/%s/release" % urllib.parse.quote(mid), b"" if body is None else body)


class ReleaseTest(unittest.TestCase):
    """POST /api/messages/{id}/release to the [delivery.smarthost] of --config:
    here a second `mailroom dev` (STARTTLS and AUTH on its submission port)
    plays the smarthost and captures what arrives."""

    @classmethod
    def setUpClass(cls):
        cls.relay = Dev()
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dev = Dev("--config", smarthost_config(cls.tmp.name, "dev.toml", cls.relay.ports["submission"]))

    @classmethod
    def tearDownClass(cls):
        cls.dev.stop()
        if cls.relay.proc.poll() is None:
            cls.relay.stop()
        cls.tmp.cleanup()

    def captured(self, tag):
        return captured(self, self.dev, tag)

    def release(self, mid, body=None):
        return release(self.dev, mid, body)

    def raw(self, dev, mid):
        status, raw, _ = api(dev, "GET", "/api/messages/%s/raw" % urllib.parse.quote(mid))
        self.assertEqual(status, 200)
        return raw

    def test_release_to_the_captured_mailbox(self):
        mid = self.captured("release me")
        status, out = self.release(mid)
        self.assertEqual(status, 200, out)
        self.assertEqual([(r["address"], r["status"]) for r in out["recipients"]], [("bob@one.test", "accepted")])
        self.assertRegex(out["tls"], r"^TLSv1\.[23] ")
        self.assertEqual(out["smarthost"], "127.0.0.1:%d" % self.relay.ports["submission"])
        status, m = api_json(self.relay, "GET", "/api/wait",
                             params={"to": "bob@one.test", "subject": "release me", "timeout": 10})
        self.assertEqual(status, 200, m)
        sent, arrived = self.raw(self.dev, mid), self.raw(self.relay, m["id"])
        # The relay wrote its own Return-Path (the original envelope sender)
        # and Received; the rest is what the sandbox captured, after its
        # Return-Path, which is not sent on (RFC 5321 §4.4).
        self.assertTrue(arrived.startswith(b"Return-Path: <a@sender.example>\n"), arrived[:80])
        self.assertEqual(arrived.count(b"Return-Path:"), 1)
        self.assertTrue(arrived.endswith(sent[sent.index(b"\n") + 1:]), (sent, arrived))
        self.assertIn(b"Authenticated sender: releaser@relay.test", arrived)

    def test_release_to_chosen_recipients_and_sender(self):
        mid = self.captured("release elsewhere")
        status, out = self.release(mid, {"to": ["carol@three.test", "dan@three.test"], "from": "qa@sender.example"})
        self.assertEqual(status, 200, out)
        for box in ["carol@three.test", "dan@three.test"]:
            status, m = api_json(self.relay, "GET", "/api/wait",
                                 params={"mailbox": box, "subject": "release elsewhere", "timeout": 10})
            self.assertEqual(status, 200, (box, m))
            self.assertTrue(self.raw(self.relay, m["id"]).startswith(b"Return-Path: <qa@sender.example>\n"))
        # The request cannot pick the host, nor smuggle a second command.
        for body in [{"smarthost": "127.0.0.1:25"}, {"to": ["x@y.test>\r\nRCPT TO:<z@y.test"]}, {"to": []}]:
            status, out = self.release(mid, body)
            self.assertEqual(status, 400, (body, out))

    def test_refused_login_at_the_smarthost_is_502(self):
        # A smarthost that checks passwords (--users) and does not know ours.
        users = os.path.join(self.tmp.name, "users")
        with open(users, "w") as f:
            f.write("releaser@relay.test not-our-password\n")
        strict = Dev("--users", users)
        dev = Dev("--config", smarthost_config(self.tmp.name, "strict.toml", strict.ports["submission"]))
        try:
            mid = captured(self, dev, "refused release")
            status, out = release(dev, mid)
            self.assertEqual(status, 502, out)
            self.assertNotEqual(out["recipients"][0]["status"], "accepted", out)
            self.assertIn("535", json.dumps(out), out)
            # The message stays captured whatever the smarthost said, and
            # the smarthost stored nothing.
            self.assertEqual(api(dev, "GET", "/api/messages/%s/raw" % urllib.parse.quote(mid))[0], 200)
            self.assertEqual(api_json(strict, "GET", "/api/messages")[1]["total"], 0)
        finally:
            dev.stop()
            strict.stop()

    def test_zz_smarthost_gone(self):  # last: it stops the relay
        mid = self.captured("nobody listens")
        self.relay.stop()
        status, out = self.release(mid)
        self.assertEqual(status, 502, out)
        self.assertTrue(out["error"], out)
        self.assertEqual(out["peer"], "")


class NoSmarthostTest(unittest.TestCase):
    def test_release_without_a_smarthost_is_501(self):
        dev = Dev()
        try:
            status, out = release(dev, captured(self, dev, "stays here"))
            self.assertEqual(status, 501, out)
            self.assertIn("[delivery.smarthost]", out["error"])
        finally:
            dev.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
