#!/usr/bin/env python3
"""APPEND streamed (issue #10 §3) against `mailroom serve`: 20 sessions
each APPEND 30 MiB at once while the server's memory above idle stays small
per session, and each message comes back from BODY[] byte for byte; an
APPEND whose connection drops mid-literal leaves no message and no staged
file; a bare CR is refused (RFC 5322 §2.3) and the octets come back as sent; the first BODYSTRUCTURE of a 30 MiB
message is parsed without reading the file whole."""

import hashlib
import os
import re
import socket
import sys
import threading
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DOMAIN, NET_TIMEOUT, User  # noqa: E402
from test_imaplib import RawImap  # noqa: E402
from test_pop3_retrieval import rss_kib, under_asan  # noqa: E402

SESSIONS = 20
SIZE = 30 * 1024 * 1024
WRITERS = [User("stream%d@%s" % (i, DOMAIN), "stream-Pw-%02dq" % i) for i in range(SESSIONS)]
DROPPER = User("dropper@" + DOMAIN, "dropper-Pw-9z")
EXACT = User("exact@" + DOMAIN, "exact-Pw-4k")
STRUCT = User("struct@" + DOMAIN, "struct-Pw-8m")
LISTENERS = [dict(name="imap", service="imap", tls="none", plaintext_auth=True)]


def peak_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


def big_message(n, size=SIZE):
    """A message of exactly `size` octets: headers, then base64-like lines
    of 76 characters (as a large attachment has), CRLF line ends."""
    head = (b"From: a@example.test\r\nTo: b@example.test\r\nSubject: stream %d\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" % n)
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    line = bytes(alphabet[(i * 7 + n) % 64] for i in range(76)) + b"\r\n"
    body_size = size - len(head)
    body = line * (body_size // len(line))
    tail = body_size - len(body)
    return head + body + (b"x" * (tail - 2) + b"\r\n" if tail >= 2 else b"\r\n"[:tail])


class Raw(RawImap):
    def tagged(self, tag, timeout=NET_TIMEOUT):
        untagged = []
        while True:
            line = self.line(timeout)
            if line.startswith(tag.encode() + b" "):
                return untagged, line
            untagged.append(line)

    def read_exact(self, n, timeout=NET_TIMEOUT):
        self.sock.settimeout(timeout)
        chunks = [self.buf]
        have = len(self.buf)
        while have < n:
            data = self.sock.recv(min(1 << 20, n - have))
            if not data:
                raise EOFError("closed after %d of %d" % (have, n))
            chunks.append(data)
            have += len(data)
        data = b"".join(chunks)
        self.buf = data[n:]
        return data[:n]

    def fetch_body(self, tag, uid):
        """UID FETCH BODY.PEEK[] of one message: its literal's octets."""
        self.send("%s UID FETCH %d (BODY.PEEK[])" % (tag, uid))
        head = self.line()
        m = re.search(rb"\{(\d+)\}$", head)
        assert m, head
        body = self.read_exact(int(m.group(1)))
        _, done = self.tagged(tag)
        assert b" OK " in done, done
        return body


def login(srv, user):
    r = Raw(*srv.addr("imap"))
    _, done = r.command("l", "LOGIN %s %s" % (user.address, user.password))
    assert b"l OK" in done, done
    return r


def append(r, tag, mailbox, data):
    """APPEND with a synchronising literal; returns the tagged line."""
    r.send("%s APPEND %s {%d}" % (tag, mailbox, len(data)))
    cont = r.line()
    if not cont.startswith(b"+"):
        return cont
    r.sock.sendall(data)
    r.sock.sendall(b"\r\n")
    return r.tagged(tag, timeout=120)[1]


class AppendStreamTest(harness.ServerTestCase):
    USERS = WRITERS + [DROPPER, EXACT, STRUCT]
    LISTENERS = LISTENERS

    def maildir(self, user):
        local, domain = user.address.split("@")
        return os.path.join(self.srv.data_dir, "mail", domain, local)

    def test_twenty_sessions_of_30_mib_with_bounded_memory(self):
        clients = [login(self.srv, u) for u in WRITERS]
        time.sleep(0.3)
        idle = rss_kib(self.srv.pid)
        with open("/proc/%d/clear_refs" % self.srv.pid, "w") as f:
            f.write("5")  # resets VmHWM, the peak read below
        results = [None] * SESSIONS
        errors = []

        def run(i):
            try:
                results[i] = append(clients[i], "a%d" % i, "INBOX", big_message(i))
            except Exception as e:  # reported below, with the session's number
                errors.append((i, e))

        threads = [threading.Thread(target=run, args=(i,)) for i in range(SESSIONS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        peak = peak_kib(self.srv.pid)
        self.assertEqual(errors, [])
        uids = []
        for i, line in enumerate(results):
            m = re.search(rb"OK \[APPENDUID \d+ (\d+)\]", line)
            self.assertIsNotNone(m, (i, line))
            uids.append(int(m.group(1)))
        per_session = (peak - idle) / SESSIONS
        print("idle %d KiB, peak %d KiB, %.0f KiB per session above idle" % (idle, peak, per_session))
        if not under_asan(self.srv.pid):
            # Held whole, each would cost 30 MiB; streamed, one 64 KiB piece
            # in the engine and the writer's 64 KiB buffer.
            self.assertLess(per_session, 1024, "%.0f KiB per APPENDing session" % per_session)
        for i in range(SESSIONS):
            r = clients[i]
            _, done = r.command("s", "SELECT INBOX")
            self.assertIn(b"s OK", done)
            if i < 4:  # byte for byte (the rest by digest, to keep the run short)
                self.assertEqual(r.fetch_body("f", uids[i]), big_message(i))
            else:
                got = hashlib.sha256(r.fetch_body("f", uids[i])).digest()
                self.assertEqual(got, hashlib.sha256(big_message(i)).digest(), i)
            r.close()
        for u in WRITERS:
            self.assertEqual(os.listdir(os.path.join(self.maildir(u), "tmp")), [])

    def test_dropped_mid_literal_leaves_nothing(self):
        r = login(self.srv, DROPPER)
        r.send("d1 APPEND INBOX {%d}" % SIZE)
        self.assertTrue(r.line().startswith(b"+"))
        r.sock.sendall(big_message(0)[:10 * 1024 * 1024])
        tmp = os.path.join(self.maildir(DROPPER), "tmp")
        deadline = time.time() + 10
        while not os.listdir(tmp) and time.time() < deadline:
            time.sleep(0.05)
        self.assertNotEqual(os.listdir(tmp), [], "nothing was staged while the literal came")
        r.sock.shutdown(socket.SHUT_RDWR)
        r.close()
        deadline = time.time() + 10
        while os.listdir(tmp) and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(os.listdir(tmp), [])
        r = login(self.srv, DROPPER)
        untagged, done = r.command("s", "STATUS INBOX (MESSAGES)")
        self.assertIn(b"MESSAGES 0", b"".join(untagged))
        r.close()

    def test_first_structure_fetch_reads_by_windows(self):
        # A 30 MiB message with a large attachment: its first BODYSTRUCTURE
        # (nothing cached yet) is parsed from the file by windows, not read whole.
        r = login(self.srv, STRUCT)
        text = b"Content-Type: text/plain\r\n\r\nsee the attachment\r\n"
        msg = (b"Subject: big structure\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n"
               b"\r\n--b\r\n" + text + b"--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner one\r\n"
               b"From: i@example.test\r\n\r\ninner body\r\n--b\r\n" + big_message(7).split(b"\r\n", 3)[3] +
               b"--b--\r\n")
        line = append(r, "t1", "INBOX", msg)
        uid = re.search(rb"OK \[APPENDUID \d+ (\d+)\]", line).group(1).decode()
        _, done = r.command("s", "SELECT INBOX")
        self.assertIn(b"s OK", done)
        time.sleep(0.3)
        before = rss_kib(self.srv.pid)
        with open("/proc/%d/clear_refs" % self.srv.pid, "w") as f:
            f.write("5")  # resets VmHWM: a buffer freed before the reply still shows
        untagged, done = r.command("f", "UID FETCH %s (BODYSTRUCTURE ENVELOPE BODY.PEEK[1] "
                                        "BODY.PEEK[2.HEADER.FIELDS (SUBJECT)])" % uid)
        after = peak_kib(self.srv.pid)
        self.assertIn(b"f OK", done)
        joined = b"\r\n".join(untagged)
        self.assertIn(b'("application" "octet-stream"', joined)
        self.assertIn(b'"big structure"', joined)
        self.assertIn(b"see the attachment", joined)
        self.assertIn(b"BODY[2.HEADER.FIELDS (SUBJECT)] {22}\r\nSubject: inner one\r\n\r\n", b"\r\n".join(untagged) + b"\r\n")
        print("first BODYSTRUCTURE of %d octets: server peak +%d KiB" % (len(msg), after - before))
        if not under_asan(self.srv.pid):
            self.assertLess(after - before, 8 * 1024, "server grew %d KiB" % (after - before))
        r.close()

    def test_bare_cr_refused_and_octets_kept(self):
        r = login(self.srv, EXACT)
        msg = b"Subject: exact\r\n\r\nline one\r\n.dot\r\n"
        line = append(r, "e1", "INBOX", msg)
        m = re.search(rb"OK \[APPENDUID \d+ (\d+)\]", line)
        self.assertIsNotNone(m, line)
        # RFC 5322 §2.3: CR only in CRLF; kept it could not come back as sent
        line = append(r, "e2", "INBOX", b"Subject: cr\r\n\r\na\rb\r\n")
        self.assertIn(b"e2 NO", line)
        _, done = r.command("s", "SELECT INBOX")
        self.assertIn(b"s OK", done)
        self.assertEqual(r.fetch_body("f", int(m.group(1))), msg)
        untagged, _ = r.command("n", "STATUS INBOX (MESSAGES)")
        self.assertIn(b"MESSAGES 1", b"".join(untagged))
        r.close()


if __name__ == "__main__":
    unittest.main()
