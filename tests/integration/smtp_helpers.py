"""Helpers shared by the SMTP integration tests: test messages, fetching a
mailbox back over POP3 and comparing it with what was sent, running swaks,
and reading the queue's envelope files (src/queue/envelope.hpp)."""

import os
import poplib
import re
import subprocess

from harness import NET_TIMEOUT

CLIENT_TIMEOUT = 60  # seconds, every run of an external client


def message(subject, body="line one\r\n.line starting with a dot\r\n\r\nlast line\r\n"):
    return ("From: Tester <tester@remote.example>\r\nTo: someone\r\nSubject: %s\r\n\r\n%s"
            % (subject, body)).encode()


class DeliveryChecks:
    """Mixin for a harness.ServerTestCase whose server has a "pop3-plain"
    listener: every message in a mailbox, and the check that exactly the
    sent message arrived."""

    def fetch_all(self, user):
        """Every message in USER's mailbox (as sent by POP3, CRLF), then deleted."""
        c = poplib.POP3(*self.srv.addr("pop3-plain"), timeout=NET_TIMEOUT)
        try:
            c.user(user.address)
            c.pass_(user.password)
            out = []
            for n in range(1, c.stat()[0] + 1):
                lines = c.retr(n)[1]
                out.append(b"".join(l + b"\r\n" for l in lines))
                c.dele(n)
            return out
        finally:
            c.quit()

    def assert_delivered(self, user, sent, via=None, client_adds_headers=False):
        """USER's mailbox holds exactly one message: SENT after the
        Return-Path and Received lines the server adds. Returns those lines."""
        got = self.fetch_all(user)
        self.assertEqual(len(got), 1, "expected exactly one message for %s" % user.address)
        msg = got[0]
        self.assertTrue(msg.startswith(b"Return-Path: <"), msg[:200])
        received = msg.index(b"Received: from ")
        body_start = msg.index(b"\r\n", msg.index(b"; ", received)) + 2
        if client_adds_headers:  # msmtp adds Date: and Message-ID: before ours
            self.assertTrue(msg[body_start:].endswith(sent), "message changed in transit: %r" % msg[-300:])
        else:
            self.assertEqual(msg[body_start:], sent, "message changed in transit")
        if via:
            self.assertIn(via, msg[:body_start])
        return msg[:body_start]


# ---------------------------------------------------------------- swaks

def swaks(srv, listener, args, data=None):
    """Runs swaks against LISTENER of SRV with ARGS; DATA (bytes, CRLF line
    ends), if given, is the whole message, passed in a file. swaks
    dot-stuffs it and ends it with CRLF "." CRLF after the data as given,
    so the data's own final CRLF is left out: what arrives is then DATA
    exactly. Returns (exit code, transcript text)."""
    host, port = srv.addr(listener)
    cmd = ["swaks", "--server", host, "--port", str(port), "--timeout", "30"] + list(args)
    path = None
    if data is not None:
        path = os.path.join(srv.tmp, "swaks-data.eml")
        with open(path, "wb") as f:
            f.write(data[:-2] if data.endswith(b"\r\n") else data)
        cmd += ["--data", "@" + path]
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=CLIENT_TIMEOUT)
    finally:
        if path:
            os.unlink(path)
    return p.returncode, p.stdout.decode(errors="replace")


def swaks_help():
    p = subprocess.run(["swaks", "--help"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=CLIENT_TIMEOUT)
    return p.stdout.decode(errors="replace")


def swaks_version():
    p = subprocess.run(["swaks", "--version"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=CLIENT_TIMEOUT)
    m = re.search(r"swaks version (\S+)", p.stdout.decode(errors="replace"))
    return m.group(1) if m else "unknown"


# ---------------------------------------------------------------- queue

def queue_dir(srv):
    return os.path.join(srv.data_dir, "queue", "queue")


def queued_envelopes(srv):
    """Names of the committed envelope files in the queue."""
    d = queue_dir(srv)
    return sorted(n for n in os.listdir(d) if n.endswith(".env")) if os.path.isdir(d) else []


def unescape(token):
    """The envelope file's value escaping: "-" is empty, %XX a byte."""
    if token == "-":
        return b""
    out = bytearray()
    i = 0
    while i < len(token):
        if token[i] == "%":
            out.append(int(token[i + 1:i + 3], 16))
            i += 3
        else:
            out += token[i].encode()
            i += 1
    return bytes(out)


def read_envelope(srv, name, missing_ok=False):
    """The fields of a queued envelope file: single-valued keys map to their
    raw text, "rcpt" to a list of dicts (address, orcpt, notify, state).
    With MISSING_OK, None when the file is gone (delivered since listed)."""
    try:
        with open(os.path.join(queue_dir(srv), name), "r", encoding="ascii") as f:
            text = f.read()
    except FileNotFoundError:
        if missing_ok:
            return None
        raise
    fields = {"rcpt": []}
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if key == "rcpt":
            # Envelope format v3: address orcpt notify state error remote-mta
            # dsn-status last-attempt success-notice reported (src/queue/envelope.hpp).
            address, orcpt, notify, state = value.split(" ")[:4]
            fields["rcpt"].append(dict(address=unescape(address), orcpt=unescape(orcpt),
                                       notify=int(notify), state=state))
        else:
            fields[key] = value
    return fields


def xtext(value):
    """RFC 3461 §4 xtext: '+', '=' and bytes outside 0x21-0x7E as "+XX"."""
    return "".join(c if 0x21 <= ord(c) <= 0x7E and c not in "+=" else "+%02X" % ord(c) for c in value)

