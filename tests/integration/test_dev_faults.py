#!/usr/bin/env python3
"""`mailroom dev`'s fault injection (issue #14), action by action and protocol
by protocol, judged by what the real clients see: smtplib, poplib, imaplib and
ssl, a raw socket where a library hides the malformation, fetchmail and mpop.

Covered here (test_dev_api.py has error on RETR/DATA, delay on LOGIN, drop on
FETCH, truncate on RETR and a seeded probability): error replies on SMTP,
POP3 and IMAP (greetings, RCPT, FETCH NO, BAD); delay on SMTP, POP3 and the
IMAP greeting; drip on each protocol (complete reply, paced); truncate then
drop on SMTP and IMAP; drop on SMTP and POP3; malformed replies (wrong octet
count on an IMAP literal and POP3 LIST/RETR, bare LF on all three, missing
terminating line on POP3 and SMTP, not applicable on IMAP); failed TLS
handshakes after STLS/STARTTLS and on the implicit-TLS listeners, each
followed by a working connection; once / times = N / always and the API's
"fired" counters; nth in a session and nth overall; rules from a
`--faults FILE` scenario, replayed identically by a second run with the same
seed; fetchmail when RETR is cut mid-message and mpop when RETR is dropped,
each followed by a clean run that fetches the message intact.

Only loopback; the server picks its ports (--port-base 0) and is stopped by
pid; every socket read has a deadline and every loop a bound."""
import email.utils
import gc
import getpass
import imaplib
import json
import os
import poplib
import re
import select
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import warnings

sys.dont_write_bytecode = True  # keep the source tree clean
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from harness import mailroom_bin  # noqa: E402

HOST = "127.0.0.1"
TLS = ssl._create_unverified_context()  # the sandbox's self-signed certificate
MDA = os.path.join(HERE, "mda_store.py")
NET = 10  # seconds: every client's socket timeout


class Dev:
    """`mailroom dev --port-base 0 ARGS`; its log goes to a file (a pipe nobody
    reads could fill and stall the server)."""

    def __init__(self, *args):
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([mailroom_bin(), "dev", "--port-base", "0", *args], stdout=subprocess.PIPE,
                                     stderr=self.log)
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline() if ready else b""
        if not line:
            self.proc.kill()
            self.proc.wait(timeout=30)
            raise AssertionError("no JSON line from mailroom dev: " + self.log_text())
        self.ports = json.loads(line)

    def log_text(self):
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")[-4000:]

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            rc = self.proc.wait(timeout=30)
        self.proc.stdout.close()
        self.log.close()
        return rc


def api(dev, method, path, body=None, params=None):
    url = dev.ports["http"] + path + ("?" + urllib.parse.urlencode(params) if params else "")
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            raw = r.read()
            return r.status, raw
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def api_json(dev, method, path, body=None, params=None):
    status, raw = api(dev, method, path, body, params)
    return status, (json.loads(raw) if raw else None)


def message(to, tag, lines=12):
    body = "".join("line %03d of %s: the quick brown fox jumps over the lazy dog\r\n" % (n, tag)
                   for n in range(lines))
    return ("From: a@sender.example\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@sender.example>\r\n"
            "\r\n%s" % (to, tag, email.utils.formatdate(), tag, body)).encode()


def crlf(lf):
    return lf.replace(b"\n", b"\r\n")


def smtp_reply_done(buf):
    """A complete SMTP reply: its last line has a space after the code (RFC 5321 §4.2.1)."""
    return re.search(rb"(?:^|\n)\d{3} [^\n]*\n\Z", buf) is not None


class Raw:
    """A socket that shows the bytes exactly; every read has a deadline."""

    def __init__(self, port, tls=False):
        self.sock = socket.create_connection((HOST, port), timeout=NET)
        if tls:
            self.sock = TLS.wrap_socket(self.sock)
        self.buf = b""
        self.closed = False

    def send(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def read(self, done=lambda b: False, seconds=NET):
        """Bytes until done(bytes) holds, the server closes, or `seconds` pass."""
        deadline = time.monotonic() + seconds
        for _ in range(100000):
            if done(self.buf) or self.closed:
                break
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                break
            except ConnectionError:
                data = b""
            if not data:
                self.closed = True
            self.buf += data
        out, self.buf = self.buf, b""
        return out

    def line(self):
        return self.read(lambda b: b.endswith(b"\n"))

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class FaultCase(unittest.TestCase):
    """One `mailroom dev` for the class; rules and messages emptied before each test."""

    @classmethod
    def setUpClass(cls):
        cls.dev = Dev()
        cls.p = cls.dev.ports

    @classmethod
    def tearDownClass(cls):
        cls.dev.stop()

    def setUp(self):
        self.assertEqual(api(self.dev, "DELETE", "/api/faults")[0], 204)
        self.assertEqual(api(self.dev, "POST", "/api/reset")[0], 204)
        self.user = "u-%s@faults.test" % self._testMethodName.replace("test_", "")[:40]

    def tearDown(self):
        if not getattr(self._outcome, "success", True):
            sys.stderr.write("\n--- mailroom dev log (tail) ---\n%s\n" % self.dev.log_text())

    def add(self, **rule):
        status, body = api_json(self.dev, "POST", "/api/faults", rule)
        self.assertEqual(status, 201, body)
        return body["id"]

    def rule(self, rid):
        status, body = api_json(self.dev, "GET", "/api/faults")
        self.assertEqual(status, 200)
        for r in body["faults"]:
            if r["id"] == rid:
                return r
        self.fail("no rule %d in %r" % (rid, body))

    def deliver(self, tag, lines=12, user=None):
        """Sends a message to the test's user; returns the stored bytes (LF line ends)."""
        user = user or self.user
        with smtplib.SMTP(HOST, self.p["smtp"], timeout=NET) as s:
            s.sendmail("a@sender.example", [user], message(user, tag, lines))
        status, m = api_json(self.dev, "GET", "/api/wait", params={"subject": tag, "timeout": 10})
        self.assertEqual(status, 200, m)
        status, raw = api(self.dev, "GET", "/api/messages/" + urllib.parse.quote(m["id"]) + "/raw")
        self.assertEqual(status, 200)
        self.assertIn(b"Subject: " + tag.encode(), raw)
        return raw

    def pop(self, port=None):
        p = poplib.POP3(HOST, port or self.p["pop3"], timeout=NET)
        p.user(self.user)
        p.pass_("x")
        return p

    def imap(self, select_inbox=True):
        i = imaplib.IMAP4(HOST, self.p["imap"], timeout=NET)
        i.login(self.user, "x")
        if select_inbox:
            self.assertEqual(i.select("INBOX")[0], "OK")
        return i

    def stored_count(self):
        p = self.pop()
        n = p.stat()[0]
        p.quit()
        return n

    def raw_pop(self):
        r = Raw(self.p["pop3"])
        self.assertTrue(r.line().startswith(b"+OK"))
        for cmd in ("USER " + self.user, "PASS x"):
            r.send(cmd)
            self.assertTrue(r.line().startswith(b"+OK"))
        return r

    def raw_imap(self):
        r = Raw(self.p["imap"])
        self.assertTrue(r.line().startswith(b"* OK"))
        for tag, cmd in (("a1", "LOGIN %s x" % self.user), ("a2", "SELECT INBOX")):
            r.send("%s %s" % (tag, cmd))
            got = imap_reply(r, tag)
            self.assertIn(("%s OK" % tag).encode(), got)
        return r

    def session_notes(self):
        """Every session's dialogue and notes, as one text."""
        status, listed = api_json(self.dev, "GET", "/api/sessions")
        self.assertEqual(status, 200)
        out = []
        for s in listed["sessions"]:
            status, one = api_json(self.dev, "GET", "/api/sessions/%d" % s["id"])
            out.append(json.dumps(one))
        return "\n".join(out)


def imap_reply(raw, tag, seconds=NET):
    """Bytes through the tagged reply's line."""
    end = re.compile(rb"(?:^|\r\n)" + re.escape(tag.encode()) + rb" [^\r\n]*\r\n\Z")
    return raw.read(lambda b: end.search(b) is not None, seconds)


def refused(error, connect):
    """The args of the `error` a client's constructor raises. poplib and
    imaplib leave their socket to the collector then: collected here, quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            connect()
        except error as e:
            args = e.args
        else:
            raise AssertionError("the connection was not refused")
        gc.collect()
    return args


def quietly(close):
    """A close after a failed handshake or a drop: the socket may be gone."""
    try:
        close()
    except OSError:
        pass


def drip_floor(nbytes, rate):
    """The pauses a drip of nbytes at `rate` must take at least, if written at
    once (pieces of rate/10 bytes, 100 ms apart); halved for replies the
    engine writes in several pieces."""
    piece = max(1, rate // 10)
    pieces = -(-nbytes // piece)
    return 0.5 * (pieces - 1) * piece / rate


class ErrorTest(FaultCase):
    def test_smtp_greeting_error_then_rcpt_error(self):
        g = self.add(protocol="smtp", listener="smtp", command="greeting", action="error", code=421,
                     text="greeting refused by test")
        with self.assertRaises(smtplib.SMTPConnectError) as e:
            smtplib.SMTP(HOST, self.p["smtp"], timeout=NET)
        self.assertEqual(e.exception.smtp_code, 421)
        self.assertEqual(e.exception.smtp_error, b"greeting refused by test")
        self.assertEqual(self.rule(g)["fired"], 1)
        self.add(protocol="smtp", command="RCPT", action="error", code=550, text="no such mailbox here")
        with smtplib.SMTP(HOST, self.p["smtp"], timeout=NET) as s:  # the greeting rule is used up
            with self.assertRaises(smtplib.SMTPRecipientsRefused) as e:
                s.sendmail("a@sender.example", [self.user], message(self.user, "refused"))
            self.assertEqual(e.exception.recipients, {self.user: (550, b"no such mailbox here")})
            s.sendmail("a@sender.example", [self.user], message(self.user, "accepted"))  # once: the next passes
        self.assertEqual(api_json(self.dev, "GET", "/api/wait", params={"subject": "accepted", "timeout": 10})[0],
                         200)
        self.assertEqual(self.stored_count(), 1)

    def test_pop3_and_imap_greeting_errors(self):
        self.add(protocol="pop3", command="greeting", action="error", text="pop3 greeting refused")
        self.assertEqual(refused(poplib.error_proto, lambda: poplib.POP3(HOST, self.p["pop3"], timeout=NET)),
                         (b"-ERR pop3 greeting refused",))
        self.pop().quit()  # once: the next connection is greeted
        # two rules of one use each: one for a raw socket, one for imaplib
        self.add(protocol="imap", command="greeting", action="error", text="imap greeting refused")
        self.add(protocol="imap", command="greeting", action="error", text="imap greeting refused")
        # RFC 9051 §7.1.5: BYE as the greeting, then the connection closes.
        r = Raw(self.p["imap"])
        self.assertEqual(r.read(seconds=5), b"* BYE imap greeting refused\r\n")
        self.assertTrue(r.closed)
        r.close()
        args = refused(imaplib.IMAP4.error, lambda: imaplib.IMAP4(HOST, self.p["imap"], timeout=NET))
        self.assertIn("imap greeting refused", str(args))
        self.imap(select_inbox=False).logout()

    def test_imap_fetch_no_and_noop_bad(self):
        raw = self.deliver("imap error")
        self.add(protocol="imap", command="FETCH", action="error", text="fetch refused by test")
        self.add(protocol="imap", command="NOOP", action="error", code=1, text="noop is bad today")
        i = self.imap()
        self.assertEqual(i.fetch("1", "(BODY.PEEK[])"), ("NO", [b"fetch refused by test"]))
        typ, data = i.fetch("1", "(BODY.PEEK[])")  # once: the second FETCH is served
        self.assertEqual(typ, "OK")
        self.assertEqual(data[0][1], crlf(raw))
        with self.assertRaises(imaplib.IMAP4.error) as e:  # imaplib raises on BAD
            i.noop()
        self.assertIn("BAD", str(e.exception))
        self.assertIn("noop is bad today", str(e.exception))
        self.assertEqual(i.noop()[0], "OK")
        i.logout()


class DelayTest(FaultCase):
    def test_smtp_mail_delayed(self):
        rid = self.add(protocol="smtp", command="MAIL", action="delay", delay_ms=800)
        with smtplib.SMTP(HOST, self.p["smtp"], timeout=NET) as s:
            s.ehlo()
            started = time.monotonic()
            code, _ = s.mail("a@sender.example")
            took = time.monotonic() - started
            self.assertEqual(code, 250)
            self.assertGreaterEqual(took, 0.75)
            self.assertLess(took, 10)
            started = time.monotonic()
            self.assertEqual(s.rcpt(self.user)[0], 250)
            self.assertLess(time.monotonic() - started, 0.75, "only MAIL is delayed")
        self.assertEqual(self.rule(rid)["fired"], 1)

    def test_pop3_stat_delayed(self):
        self.deliver("pop3 delay")
        self.add(protocol="pop3", command="STAT", action="delay", delay_ms=800)
        p = self.pop()
        started = time.monotonic()
        count, size = p.stat()
        took = time.monotonic() - started
        p.quit()
        self.assertEqual(count, 1)
        self.assertGreater(size, 0)
        self.assertGreaterEqual(took, 0.75)
        self.assertLess(took, 10)

    def test_imap_greeting_delayed(self):
        self.add(protocol="imap", listener="imap", command="greeting", action="delay", delay_ms=800)
        started = time.monotonic()
        i = imaplib.IMAP4(HOST, self.p["imap"], timeout=NET)
        took = time.monotonic() - started
        self.assertTrue(i.welcome.startswith(b"* OK"), i.welcome)
        i.login(self.user, "x")
        i.logout()
        self.assertGreaterEqual(took, 0.75)
        self.assertLess(took, 10)


class DripTest(FaultCase):
    def test_smtp_ehlo_dripped_arrives_complete(self):
        with smtplib.SMTP(HOST, self.p["smtp"], timeout=NET) as s:
            s.ehlo("client.test")
            normal = s.ehlo_resp
        lines = normal.split(b"\n")
        wire = sum(len(line) + 6 for line in lines)  # "250-" ... CRLF
        rate = max(20, int(wire / 1.2))
        rid = self.add(protocol="smtp", command="EHLO", action="drip", bytes_per_second=rate)
        with smtplib.SMTP(HOST, self.p["smtp"], timeout=NET) as s:
            started = time.monotonic()
            code, _ = s.ehlo("client.test")
            took = time.monotonic() - started
            self.assertEqual(code, 250)
            self.assertEqual(s.ehlo_resp, normal)
        self.assertGreaterEqual(took, drip_floor(wire, rate), "%d bytes at %d B/s" % (wire, rate))
        self.assertLess(took, 20)
        self.assertEqual(self.rule(rid)["bytes_per_second"], rate)

    def test_pop3_retr_dripped_arrives_complete(self):
        raw = self.deliver("pop3 drip", lines=10)
        rate = int(len(raw) / 1.2)
        self.add(protocol="pop3", command="RETR", action="drip", bytes_per_second=rate)
        p = self.pop()
        started = time.monotonic()
        _, lines, _ = p.retr(1)
        took = time.monotonic() - started
        p.quit()
        self.assertEqual(b"\r\n".join(lines) + b"\r\n", crlf(raw))
        self.assertGreaterEqual(took, drip_floor(len(crlf(raw)), rate), "%d bytes at %d B/s" % (len(raw), rate))
        self.assertLess(took, 20)

    def test_imap_fetch_dripped_arrives_complete(self):
        raw = self.deliver("imap drip", lines=10)
        rate = int(len(raw) / 1.2)
        self.add(protocol="imap", command="FETCH", action="drip", bytes_per_second=rate)
        i = self.imap()
        started = time.monotonic()
        typ, data = i.fetch("1", "(BODY.PEEK[])")
        took = time.monotonic() - started
        i.logout()
        self.assertEqual(typ, "OK")
        self.assertEqual(data[0][1], crlf(raw))
        self.assertGreaterEqual(took, drip_floor(len(crlf(raw)), rate), "%d bytes at %d B/s" % (len(raw), rate))
        self.assertLess(took, 20)


class TruncateDropTest(FaultCase):
    def test_smtp_ehlo_truncated_then_dropped(self):
        self.add(protocol="smtp", command="EHLO", nth=2, action="truncate", keep_bytes=17)
        r = Raw(self.p["smtp"])
        self.assertTrue(r.read(smtp_reply_done).startswith(b"220"))
        r.send("EHLO client.test")
        normal = r.read(smtp_reply_done)
        self.assertTrue(smtp_reply_done(normal), normal)
        r.send("EHLO client.test")  # the session's 2nd EHLO: 17 bytes of the same reply, then the close
        cut = r.read(seconds=5)
        self.assertTrue(r.closed)
        r.close()
        self.assertEqual(cut, normal[:17])
        self.add(protocol="smtp", command="EHLO", action="truncate", keep_bytes=17)
        with smtplib.SMTP(HOST, self.p["smtp"], timeout=NET) as s:
            with self.assertRaises(smtplib.SMTPServerDisconnected):
                s.ehlo("client.test")

    def test_imap_fetch_truncated_then_dropped(self):
        self.deliver("imap truncate")
        self.add(protocol="imap", command="FETCH", nth=2, action="truncate", keep_bytes=60)
        r = self.raw_imap()
        r.send("a3 FETCH 1 (BODY.PEEK[])")
        normal = imap_reply(r, "a3")
        self.assertIn(b"\r\na3 OK", normal)
        r.send("a4 FETCH 1 (BODY.PEEK[])")
        cut = r.read(seconds=5)
        self.assertTrue(r.closed)
        r.close()
        self.assertEqual(cut, normal[:60])
        self.add(protocol="imap", command="FETCH", action="truncate", keep_bytes=60)
        i = self.imap()
        with self.assertRaises((imaplib.IMAP4.abort, OSError)):
            i.fetch("1", "(BODY.PEEK[])")
        quietly(i.shutdown)

    def test_smtp_rcpt_dropped(self):
        rid = self.add(protocol="smtp", command="RCPT", action="drop")
        s = smtplib.SMTP(HOST, self.p["smtp"], timeout=NET)
        with self.assertRaises(smtplib.SMTPServerDisconnected):
            s.sendmail("a@sender.example", [self.user], message(self.user, "never"))
        s.close()
        self.assertEqual(self.rule(rid)["fired"], 1)
        self.deliver("after the drop")  # once: the next transaction goes through
        self.assertEqual(self.stored_count(), 1)

    def test_pop3_retr_dropped_message_stays(self):
        raw = self.deliver("pop3 drop")
        self.deliver("pop3 drop, second")
        self.add(protocol="pop3", command="RETR", action="drop")
        p = self.pop()
        self.assertEqual(p.dele(2)[:3], b"+OK")  # marked, but no QUIT will follow
        with self.assertRaises(poplib.error_proto) as e:
            p.retr(1)
        self.assertEqual(e.exception.args[0], "-ERR EOF")  # poplib's word for a closed connection
        p.close()
        # RFC 1939 §6: no UPDATE state without QUIT, so the DELE is forgotten.
        p = self.pop()
        self.assertEqual(p.stat()[0], 2)
        self.assertEqual(b"\r\n".join(p.retr(1)[1]) + b"\r\n", crlf(raw))
        p.quit()


class MalformedTest(FaultCase):
    def test_imap_literal_wrong_octet_count(self):
        raw = crlf(self.deliver("imap octets"))
        self.add(protocol="imap", command="FETCH", action="malformed", kind="wrong_octet_count")
        r = self.raw_imap()
        r.send("a3 FETCH 1 (BODY.PEEK[])")
        got = imap_reply(r, "a3")
        r.close()
        m = re.match(rb"\* 1 FETCH \(BODY\[\] \{(\d+)\}\r\n", got)
        self.assertIsNotNone(m, got[:200])
        self.assertEqual(int(m.group(1)), len(raw) + 7)  # announced 7 more octets than sent
        self.assertEqual(got[m.end():m.end() + len(raw) + 3], raw + b")\r\n")
        # imaplib believes the count: it reads 7 octets of what follows into the
        # literal, then the rest of the line, and waits for a tagged reply that
        # went into the literal.
        self.add(protocol="imap", command="FETCH", action="malformed", kind="wrong_octet_count")
        i = imaplib.IMAP4(HOST, self.p["imap"], timeout=2)
        i.login(self.user, "x")
        i.select("INBOX")
        with self.assertRaises((TimeoutError, imaplib.IMAP4.abort)):  # 3.11: the socket's TimeoutError
            i.fetch("1", "(BODY.PEEK[])")
        quietly(i.shutdown)

    def test_pop3_list_and_retr_wrong_octet_count(self):
        raw = crlf(self.deliver("pop3 octets"))
        p = self.pop()
        normal = p.list(1)
        self.add(protocol="pop3", command="LIST", action="malformed", kind="wrong_octet_count")
        self.add(protocol="pop3", command="RETR", action="malformed", kind="wrong_octet_count")
        size = int(normal.split()[2])
        self.assertEqual(p.list(1), b"+OK 1 %d" % (size + 7))
        resp, lines, octets = p.retr(1)
        self.assertEqual(resp, b"+OK %d octets" % (size + 7))
        self.assertEqual(b"\r\n".join(lines) + b"\r\n", raw)  # the lines themselves untouched
        self.assertEqual(p.list(1), normal)  # both rules were once
        p.quit()

    def test_bare_lf_pop3_smtp_imap(self):
        self.deliver("bare lf")
        self.add(protocol="pop3", command="RETR", nth=2, action="malformed", kind="bare_lf")
        r = self.raw_pop()
        r.send("RETR 1")
        normal = r.read(lambda b: b.endswith(b"\r\n.\r\n"))
        r.send("RETR 1")
        bare = r.read(lambda b: b.endswith(b"\n.\n"))
        r.close()
        self.assertTrue(normal.endswith(b"\r\n.\r\n"), normal[-40:])
        self.assertNotIn(b"\r", bare)
        self.assertEqual(bare, normal.replace(b"\r\n", b"\n"))
        # poplib strips a bare LF as it strips CRLF: the client notices nothing.
        self.add(protocol="pop3", command="RETR", action="malformed", kind="bare_lf")
        p = self.pop()
        self.assertEqual(b"\n".join(p.retr(1)[1]) + b"\n", bare[bare.index(b"\n") + 1:-2])
        p.quit()

        self.add(protocol="smtp", command="EHLO", nth=2, action="malformed", kind="bare_lf")
        r = Raw(self.p["smtp"])
        r.read(smtp_reply_done)
        r.send("EHLO client.test")
        normal = r.read(smtp_reply_done)
        r.send("EHLO client.test")
        bare = r.read(smtp_reply_done)
        r.close()
        self.assertIn(b"\r\n", normal)
        self.assertEqual(bare, normal.replace(b"\r\n", b"\n"))
        self.add(protocol="smtp", command="EHLO", action="malformed", kind="bare_lf")
        with smtplib.SMTP(HOST, self.p["smtp"], timeout=NET) as s:  # smtplib strips it too
            self.assertEqual(s.ehlo("client.test")[0], 250)
            self.assertIn("size", s.esmtp_features)

        # imaplib insists on CRLF (RFC 9051 §2.2): the CAPABILITY it sends
        # while connecting gets a bare LF, and it aborts.
        self.add(protocol="imap", command="CAPABILITY", action="malformed", kind="bare_lf")
        with self.assertRaises(imaplib.IMAP4.abort) as e:
            imaplib.IMAP4(HOST, self.p["imap"], timeout=NET)
        self.assertIn("unterminated line: b'* CAPABILITY IMAP4rev1", str(e.exception))
        self.assertTrue(str(e.exception).endswith("\\n'"), str(e.exception))
        self.imap(select_inbox=False).logout()  # once: the next client connects

    def test_pop3_retr_missing_final_dot(self):
        self.deliver("no final dot")
        self.add(protocol="pop3", command="RETR", nth=2, action="malformed", kind="missing_final_dot")
        r = self.raw_pop()
        r.send("RETR 1")
        normal = r.read(lambda b: b.endswith(b"\r\n.\r\n"))
        r.send("RETR 1")
        cut = r.read(lambda b: b.endswith(b"\r\n.\r\n"), seconds=1.5)
        self.assertFalse(r.closed)
        r.close()
        self.assertTrue(normal.endswith(b"\r\n.\r\n"))
        self.assertEqual(cut, normal[:-3])
        # poplib waits for the dot until its socket times out.
        self.add(protocol="pop3", command="RETR", action="malformed", kind="missing_final_dot")
        p = poplib.POP3(HOST, self.p["pop3"], timeout=1.5)
        p.user(self.user)
        p.pass_("x")
        with self.assertRaises(TimeoutError):
            p.retr(1)
        p.close()

    def test_smtp_reply_never_finished(self):
        # missing_final_dot on SMTP: the last line "250 ..." becomes "250-...",
        # a multi-line reply that never ends.
        self.add(protocol="smtp", command="NOOP", nth=2, action="malformed", kind="missing_final_dot")
        r = Raw(self.p["smtp"])
        r.read(smtp_reply_done)
        r.send("NOOP")
        normal = r.read(smtp_reply_done)
        r.send("NOOP")
        cut = r.read(smtp_reply_done, seconds=1.5)
        r.close()
        self.assertTrue(normal.startswith(b"250 "), normal)
        self.assertEqual(cut, b"250-" + normal[4:])
        self.add(protocol="smtp", command="NOOP", action="malformed", kind="missing_final_dot")
        s = smtplib.SMTP(HOST, self.p["smtp"], timeout=1.5)
        with self.assertRaises(smtplib.SMTPServerDisconnected) as e:
            s.noop()
        self.assertIn("timed out", str(e.exception))
        s.close()

    def test_missing_final_dot_does_not_apply_to_imap(self):
        rid = self.add(protocol="imap", command="NOOP", action="malformed", kind="missing_final_dot")
        i = imaplib.IMAP4(HOST, self.p["imap"], timeout=NET)
        self.assertEqual(i.noop()[0], "OK")
        i.logout()
        self.assertEqual(self.rule(rid)["fired"], 1)
        self.assertIn("fault %d: malformed on NOOP (not applicable to imap)" % rid, self.session_notes())


class TlsFailureTest(FaultCase):
    def assert_handshake_fails(self, fn):
        with self.assertRaises(OSError) as e:  # not poplib.error_proto & co: the command itself was fine
            fn()
        self.assertIsInstance(e.exception, (ssl.SSLError, ConnectionError), repr(e.exception))
        return e.exception

    def test_stls_and_starttls_handshakes_fail_once(self):
        rid = self.add(protocol="pop3", command="STLS", action="tls_failure")
        p = poplib.POP3(HOST, self.p["pop3"], timeout=NET)
        self.assert_handshake_fails(lambda: p.stls(context=TLS))
        quietly(p.close)
        p = poplib.POP3(HOST, self.p["pop3"], timeout=NET)
        p.stls(context=TLS)
        p.user(self.user)
        p.pass_("x")
        self.assertEqual(p.stat()[0], 0)
        p.quit()
        self.assertEqual(self.rule(rid)["fired"], 1)

        rid = self.add(protocol="imap", command="STARTTLS", action="tls_failure")
        i = imaplib.IMAP4(HOST, self.p["imap"], timeout=NET)
        self.assert_handshake_fails(lambda: i.starttls(ssl_context=TLS))
        quietly(i.shutdown)
        i = imaplib.IMAP4(HOST, self.p["imap"], timeout=NET)
        self.assertEqual(i.starttls(ssl_context=TLS)[0], "OK")
        i.login(self.user, "x")
        i.logout()
        self.assertEqual(self.rule(rid)["fired"], 1)

        rid = self.add(protocol="smtp", listener="submission", command="STARTTLS", action="tls_failure")
        s = smtplib.SMTP(HOST, self.p["submission"], timeout=NET)
        s.ehlo()
        self.assert_handshake_fails(lambda: s.starttls(context=TLS))
        quietly(s.close)
        with smtplib.SMTP(HOST, self.p["submission"], timeout=NET) as s:
            self.assertEqual(s.starttls(context=TLS)[0], 220)
            s.login(self.user, "x")
        self.assertEqual(self.rule(rid)["fired"], 1)
        self.assertIn("TLS handshake refused", self.session_notes())

    def test_implicit_tls_handshakes_fail_once(self):
        clients = {
            "pop3s": lambda: poplib.POP3_SSL(HOST, self.p["pop3s"], context=TLS, timeout=NET),
            "imaps": lambda: imaplib.IMAP4_SSL(HOST, self.p["imaps"], ssl_context=TLS, timeout=NET),
            "submissions": lambda: smtplib.SMTP_SSL(HOST, self.p["submissions"], context=TLS, timeout=NET),
        }
        for listener, connect in clients.items():
            with self.subTest(listener=listener):
                rid = self.add(listener=listener, command="tls", action="tls_failure")
                self.assert_handshake_fails(connect)
                self.assertEqual(self.rule(rid)["fired"], 1)
                c = connect()  # the next handshake works
                if listener == "pop3s":
                    c.user(self.user)
                    c.pass_("x")
                    c.quit()
                elif listener == "imaps":
                    c.login(self.user, "x")
                    c.logout()
                else:
                    c.login(self.user, "x")
                    c.quit()


    def test_drop_on_the_handshake_refuses_it_too(self):
        rid = self.add(listener="imaps", command="tls", action="drop")
        self.assert_handshake_fails(lambda: imaplib.IMAP4_SSL(HOST, self.p["imaps"], ssl_context=TLS, timeout=NET))
        self.assertEqual(self.rule(rid)["fired"], 1)
        i = imaplib.IMAP4_SSL(HOST, self.p["imaps"], ssl_context=TLS, timeout=NET)
        i.login(self.user, "x")
        i.logout()

class CountingTest(FaultCase):
    def test_once_on_smtp(self):
        rid = self.add(protocol="smtp", command="NOOP", action="error", times="once")
        with smtplib.SMTP(HOST, self.p["smtp"], timeout=NET) as s:
            self.assertEqual(s.noop(), (451, b"fault injected by mailroom dev"))  # the default code and text
            self.assertEqual(s.noop()[0], 250)
        r = self.rule(rid)
        self.assertEqual((r["times"], r["fired"]), (1, 1))

    def test_times_three_on_pop3(self):
        rid = self.add(protocol="pop3", command="NOOP", action="error", text="not now", times=3)
        seen = []
        for _ in range(2):
            p = self.pop()
            for _ in range(3):
                try:
                    p.noop()
                    seen.append("ok")
                except poplib.error_proto as e:
                    self.assertEqual(e.args[0], b"-ERR not now")
                    seen.append("err")
            p.quit()
        self.assertEqual(seen, ["err", "err", "err", "ok", "ok", "ok"])  # counted across sessions
        r = self.rule(rid)
        self.assertEqual((r["times"], r["fired"]), (3, 3))

    def test_always_on_imap(self):
        rid = self.add(protocol="imap", command="NOOP", action="error", text="never", times="always")
        for _ in range(2):
            i = imaplib.IMAP4(HOST, self.p["imap"], timeout=NET)
            self.assertEqual([i.noop()[0] for _ in range(3)], ["NO"] * 3)
            i.logout()
        r = self.rule(rid)
        self.assertEqual((r["times"], r["fired"]), ("always", 6))

    def test_nth_in_session_on_pop3(self):
        rid = self.add(protocol="pop3", command="NOOP", nth=3, action="error", times="always")
        for _ in range(2):
            p = self.pop()
            seen = []
            for _ in range(4):
                try:
                    p.noop()
                    seen.append("ok")
                except poplib.error_proto:
                    seen.append("err")
            p.quit()
            self.assertEqual(seen, ["ok", "ok", "err", "ok"])  # the count restarts per session
        self.assertEqual(self.rule(rid)["fired"], 2)

    def test_nth_overall_on_imap(self):
        rid = self.add(protocol="imap", command="NOOP", nth_overall=3, action="error")
        seen = []
        for _ in range(3):
            i = imaplib.IMAP4(HOST, self.p["imap"], timeout=NET)
            seen.append([i.noop()[0], i.noop()[0]])
            i.logout()
        self.assertEqual(seen, [["OK", "OK"], ["NO", "OK"], ["OK", "OK"]])  # the 3rd NOOP of all sessions
        self.assertEqual(self.rule(rid)["fired"], 1)


SCENARIO = """\
seed = 20240611
[[fault]]
name = "first SMTP greeting refused"
protocol = "smtp"
listener = "smtp"
command = "greeting"
action = "error"
code = 421
text = "scenario says no"
times = "once"
[[fault]]
name = "IMAP NOOP coin"
protocol = "imap"
command = "NOOP"
probability = 0.5
action = "error"
text = "imap coin"
times = "always"
[[fault]]
name = "SMTP RSET coin"
protocol = "smtp"
command = "RSET"
probability = 0.5
action = "error"
code = 452
times = "always"
[[fault]]
name = "slow POP3 STAT"
protocol = "pop3"
command = "STAT"
action = "delay"
delay_ms = 300
times = 2
"""


class ScenarioFileTest(unittest.TestCase):
    def run_scenario(self, path):
        dev = Dev("--faults", path)
        try:
            status, faults = api_json(dev, "GET", "/api/faults")
            self.assertEqual(status, 200)
            with self.assertRaises(smtplib.SMTPConnectError) as e:
                smtplib.SMTP(HOST, dev.ports["smtp"], timeout=NET)
            self.assertEqual((e.exception.smtp_code, e.exception.smtp_error), (421, b"scenario says no"))
            outcomes = []
            for _ in range(3):
                i = imaplib.IMAP4(HOST, dev.ports["imap"], timeout=NET)
                outcomes += [i.noop()[0] for _ in range(4)]
                i.logout()
                with smtplib.SMTP(HOST, dev.ports["smtp"], timeout=NET) as s:
                    outcomes += [s.rset()[0] for _ in range(4)]
            p = poplib.POP3(HOST, dev.ports["pop3"], timeout=NET)
            p.user("scenario@faults.test")
            p.pass_("x")
            started = time.monotonic()
            p.stat()
            p.stat()
            outcomes.append(time.monotonic() - started >= 0.55)
            p.quit()
            status, after = api_json(dev, "GET", "/api/faults")
            return faults, outcomes, after
        finally:
            dev.stop()

    def test_rules_from_file_and_seeded_replay(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "faults.toml")
            with open(path, "w") as f:
                f.write(SCENARIO)
            faults, first, after = self.run_scenario(path)
            _, second, _ = self.run_scenario(path)
        self.assertEqual(faults["seed"], 20240611)
        self.assertEqual([r["name"] for r in faults["faults"]],
                         ["first SMTP greeting refused", "IMAP NOOP coin", "SMTP RSET coin", "slow POP3 STAT"])
        greeting, coin, rset, slow = faults["faults"]
        self.assertEqual((greeting["action"], greeting["code"], greeting["times"], greeting["fired"]),
                         ("error", 421, 1, 0))
        self.assertEqual((coin["probability"], coin["times"]), (0.5, "always"))
        self.assertEqual((slow["action"], slow["delay_ms"], slow["times"]), ("delay", 300, 2))
        self.assertEqual(first, second, "the same seed and the same sessions: the same faults")
        self.assertTrue(first[-1], "both STATs delayed")
        self.assertEqual(set(first[:-1]), {"OK", "NO", 250, 452}, first)  # both coins came up both ways
        fired = {r["name"]: r["fired"] for r in after["faults"]}
        self.assertEqual(fired["first SMTP greeting refused"], 1)
        self.assertEqual(fired["IMAP NOOP coin"], first.count("NO"))
        self.assertEqual(fired["SMTP RSET coin"], first.count(452))
        self.assertEqual(fired["slow POP3 STAT"], 2)


class RetrievalToolsTest(FaultCase):
    """fetchmail when RETR is cut mid-message (truncate: part of the message,
    then the connection drops), mpop when RETR is dropped; then each again
    without the fault."""

    def setUp(self):
        super().setUp()
        self.work = tempfile.mkdtemp(prefix="dev-faults-")
        os.chmod(self.work, 0o700)

    def tearDown(self):
        super().tearDown()
        shutil.rmtree(self.work, ignore_errors=True)

    def fetchmail(self, out):
        rc_path = os.path.join(self.work, "fetchmailrc")
        with open(rc_path, "w") as f:
            f.write('set no syslog\nset invisible\n'
                    'poll %s proto POP3 port %d auth password timeout 20\n'
                    '  user "%s" there with password "x" is "%s" here\n'
                    "  options no keep fetchall no rewrite sslproto ''\n"  # fetchall: RETR, not TOP
                    '  mda "/usr/bin/python3 %s %s"\n'
                    % (HOST, self.p["pop3"], self.user, getpass.getuser(), MDA, out))
        os.chmod(rc_path, 0o600)
        env = dict(os.environ, FETCHMAILHOME=self.work, HOME=self.work, LC_ALL="C")
        p = subprocess.run(["fetchmail", "--nosyslog", "-f", rc_path, "--idfile", os.path.join(self.work, "ids"),
                            "--pidfile", os.path.join(self.work, "fetchmail.pid"), "-v"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                           timeout=60)
        return p.returncode, p.stdout.decode("utf-8", "replace")

    def files(self, d):
        out = []
        for sub in ("", "new", "cur"):
            base = os.path.join(d, sub)
            if not os.path.isdir(base):
                continue
            for name in sorted(os.listdir(base)):
                if os.path.isfile(os.path.join(base, name)):
                    with open(os.path.join(base, name), "rb") as f:
                        out.append(f.read())
        return out

    @unittest.skipUnless(shutil.which("fetchmail"), "fetchmail is not installed")
    def test_fetchmail_retr_cut_mid_message(self):
        raw = self.deliver("for fetchmail", lines=200)
        rid = self.add(protocol="pop3", command="RETR", action="truncate", keep_bytes=3000)
        out = os.path.join(self.work, "out")
        os.mkdir(out, 0o700)
        rc, log = self.fetchmail(out)
        sys.stderr.write("\n[fetchmail, RETR cut after 3000 bytes: exit %d]\n%s\n" % (
            rc, "\n".join(line for line in log.splitlines() if not line.startswith("fetchmail: POP3> PASS"))[-1500:]))
        self.assertEqual(rc, 2, log)  # PS_SOCKET
        self.assertEqual(self.rule(rid)["fired"], 1)
        self.assertIn("socket error while fetching from " + self.user + "@" + HOST, log)
        self.assertIn("Query status=2 (SOCKET)", log)
        # fetchmail pipes the message into its MDA as it reads: the MDA got the
        # part before the drop and, seeing a plain end of input, stored it.
        partial = self.files(out)
        self.assertEqual(len(partial), 1, partial)
        self.assertTrue(0 < len(partial[0]) < len(raw) and raw.startswith(partial[0]), len(partial[0]))
        sys.stderr.write("[fetchmail's MDA stored %d of %d bytes] " % (len(partial[0]), len(raw)))
        self.assertEqual(self.stored_count(), 1, "the message stays on the server")
        # Again, the rule used up: the whole message, then deleted (no keep).
        for name in os.listdir(out):
            os.unlink(os.path.join(out, name))
        rc, log = self.fetchmail(out)
        self.assertEqual(rc, 0, log)
        self.assertEqual(self.files(out), [raw])  # fetchmail hands its MDA LF line ends, as stored
        self.assertEqual(self.stored_count(), 0)

    @unittest.skipUnless(shutil.which("mpop"), "mpop is not installed")
    def test_mpop_retr_dropped(self):
        # A drop, not a truncation: mpop 1.4.18 does not notice an EOF in the
        # middle of a message (it spins at full CPU until killed), so the
        # connection closes before the message's first byte here.
        raw = self.deliver("for mpop", lines=200)
        rid = self.add(protocol="pop3", command="RETR", action="drop")
        maildir = os.path.join(self.work, "Maildir")
        for sub in ("new", "cur", "tmp"):
            os.makedirs(os.path.join(maildir, sub))
        rc_path = os.path.join(self.work, "mpoprc")
        with open(rc_path, "w") as f:
            f.write("defaults\ntimeout 20\nreceived_header off\n\naccount dev\nhost %s\nport %d\nuser %s\n"
                    "password x\ntls off\nauth user\nkeep off\ndelivery maildir %s\n"
                    % (HOST, self.p["pop3"], self.user, maildir))
        os.chmod(rc_path, 0o600)
        env = dict(os.environ, HOME=self.work, LC_ALL="C")

        def mpop():
            p = subprocess.run(["mpop", "--file=" + rc_path, "--uidls-file=" + os.path.join(self.work, "uidls"),
                                "dev"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               env=env, timeout=30)
            return p.returncode, p.stdout.decode("utf-8", "replace")

        rc, log = mpop()
        sys.stderr.write("\n[mpop, RETR dropped: exit %d]\n%s\n" % (rc, log[-1500:]))
        self.assertEqual(rc, 76, log)  # EX_PROTOCOL
        self.assertIn("POP3 server sent an empty reply", log)
        self.assertEqual(self.rule(rid)["fired"], 1)
        self.assertEqual(self.files(maildir), [], "nothing delivered")
        self.assertEqual(self.stored_count(), 1, "the message stays on the server")
        rc, log = mpop()  # the rule used up: plaintext USER/PASS, the whole message, then deleted (keep off)
        self.assertEqual(rc, 0, log)
        self.assertEqual(self.files(maildir), [raw])
        self.assertEqual(self.stored_count(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
