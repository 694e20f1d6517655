#!/usr/bin/env python3
"""SEARCH, ESEARCH, SEARCHRES, SORT and THREAD against `mailroom serve`
(imaplib and a raw socket) over messages delivered over SMTP: flags, dates,
RFC 2047 subjects and a quoted-printable latin-1 body searched in UTF-8,
BADCHARSET, RETURN (MIN MAX COUNT ALL), SAVE and "$" in FETCH, SORT by
base subject and date, THREAD=REFERENCES and ORDEREDSUBJECT."""

import imaplib
import os
import sys
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import NET_TIMEOUT, DOMAIN, User  # noqa: E402
import delivery_helpers  # noqa: E402
from test_imaplib import RawImap  # noqa: E402

SEARCHER = User("searcher@" + DOMAIN, "searcher-Srch-1a")

LISTENERS = [
    dict(name="imap", service="imap", tls="none", plaintext_auth=True),
    dict(name="smtp", service="smtp", tls="none"),
]


def mail(subject, date, msgid, body, extra=b""):
    return (b"From: Boss <boss@a.test>\r\nTo: <" + SEARCHER.address.encode() + b">\r\nSubject: " + subject +
            b"\r\nDate: " + date + b"\r\nMessage-ID: <" + msgid + b">\r\n" + extra + b"\r\n" + body)


MESSAGES = [
    mail(b"=?UTF-8?Q?Caf=C3=A9?= opening", b"Mon, 1 Jan 2024 10:00:00 +0000", b"m1@a.test", b"opening hours\r\n"),
    mail(b"Re: =?UTF-8?Q?Caf=C3=A9?= opening", b"Tue, 2 Jan 2024 10:00:00 +0000", b"m2@a.test",
         b"Du cr=E8me br=FBl=E9e.\r\n",
         b"References: <m1@a.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
         b"Content-Transfer-Encoding: quoted-printable\r\n"),
    mail(b"[list] budget", b"Wed, 3 Jan 2024 10:00:00 +0000", b"m3@a.test", b"the numbers\r\n"),
    mail(b"Fwd: budget (fwd)", b"Thu, 4 Jan 2024 10:00:00 +0000", b"m4@a.test", b"see the numbers\r\n"),
]


class SearchTest(harness.ServerTestCase):
    USERS = [SEARCHER]
    LISTENERS = LISTENERS

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for m in MESSAGES:  # one at a time: UIDs in this order
            delivery_helpers.send(cls.srv, "smtp", "boss@a.test", [SEARCHER.address], m)
            c = imaplib.IMAP4(*cls.srv.addr("imap"), timeout=NET_TIMEOUT)
            c.login(SEARCHER.address, SEARCHER.password)
            want = MESSAGES.index(m) + 1
            deadline = time.monotonic() + 20
            while int(c.select("INBOX", readonly=True)[1][0]) < want and time.monotonic() < deadline:
                time.sleep(0.1)
            c.logout()

    def login(self):
        c = imaplib.IMAP4(*self.srv.addr("imap"), timeout=NET_TIMEOUT)
        c.login(SEARCHER.address, SEARCHER.password)
        typ, data = c.select("INBOX")
        self.assertEqual((typ, data[0]), ("OK", b"4"))
        return c

    def raw(self):
        r = RawImap(*self.srv.addr("imap"))
        _, done = r.command("r1", "LOGIN %s %s" % (SEARCHER.address, SEARCHER.password))
        self.assertIn(b"OK", done)
        _, done = r.command("r2", "SELECT INBOX")
        self.assertIn(b"OK", done)
        return r

    def search(self, c, *criteria, charset=None):
        typ, data = c.search(charset, *criteria)
        self.assertEqual(typ, "OK")
        return data[0].split()

    def test_capabilities(self):
        c = self.login()
        for cap in ("ESEARCH", "SEARCHRES", "SORT", "THREAD=REFERENCES", "THREAD=ORDEREDSUBJECT"):
            self.assertIn(cap, c.capabilities)
        c.logout()

    def test_keys_over_delivered_messages(self):
        c = self.login()
        self.assertEqual(self.search(c, "ALL"), [b"1", b"2", b"3", b"4"])
        self.assertEqual(self.search(c, "SUBJECT", "budget"), [b"3", b"4"])
        self.assertEqual(self.search(c, "FROM", "boss@a.test", "TEXT", "numbers"), [b"3", b"4"])
        self.assertEqual(self.search(c, "HEADER", "Message-ID", "m1@a"), [b"1"])
        self.assertEqual(self.search(c, "SENTSINCE", "3-Jan-2024"), [b"3", b"4"])
        self.assertEqual(self.search(c, "SENTON", "2-Jan-2024"), [b"2"])
        self.assertEqual(self.search(c, "SINCE", "1-Jan-2020", "LARGER", "10"), [b"1", b"2", b"3", b"4"])
        self.assertEqual(self.search(c, "BEFORE", "1-Jan-2020"), [])
        self.assertEqual(self.search(c, "OR", "BODY", "hours", "NOT", "SUBJECT", "budget"), [b"1", b"2"])
        c.store("3", "+FLAGS", "(\\Flagged $Budget)")
        self.assertEqual(self.search(c, "FLAGGED"), [b"3"])
        self.assertEqual(self.search(c, "KEYWORD", "$Budget", "UNSEEN"), [b"3"])
        self.assertEqual(self.search(c, "CHARSET", "US-ASCII", "UNFLAGGED", "2:*"), [b"2", b"4"])
        c.store("3", "-FLAGS", "(\\Flagged $Budget)")
        typ, data = c.uid("SEARCH", "SUBJECT", "budget")
        uids = data[0].split()
        self.assertEqual(len(uids), 2)
        self.assertLess(int(uids[0]), int(uids[1]))
        c.logout()

    def test_utf8_charset_and_badcharset(self):
        r = self.raw()
        untagged, done = r.command("s1", "SEARCH CHARSET UTF-8 SUBJECT {5+}\r\ncaf\u00c9")
        self.assertEqual((untagged, done[:5]), ([b"* SEARCH 1 2"], b"s1 OK"))
        # the latin-1 quoted-printable body, converted, matched case-insensitively
        untagged, done = r.command("s2", "SEARCH CHARSET UTF-8 BODY {9+}\r\nCR\u00c8ME BR")
        self.assertEqual((untagged, done[:5]), ([b"* SEARCH 2"], b"s2 OK"))
        _, done = r.command("s3", "SEARCH CHARSET ISO-8859-1 SUBJECT x")
        self.assertTrue(done.startswith(b"s3 NO [BADCHARSET (US-ASCII UTF-8)]"), done)
        r.close()

    def test_esearch_and_searchres(self):
        r = self.raw()
        untagged, _ = r.command("e1", "UID SEARCH RETURN (ALL) ALL")
        uids = [int(u) for u in untagged[0].rsplit(b" ", 1)[1].replace(b":", b",").split(b",")]
        first, last = min(uids), max(uids)
        untagged, done = r.command("e2", "UID SEARCH RETURN (MIN MAX COUNT ALL) TEXT numbers")
        self.assertEqual(untagged, [b'* ESEARCH (TAG "e2") UID MIN %d MAX %d COUNT 2 ALL %d:%d' %
                                    (last - 1, last, last - 1, last)])
        untagged, _ = r.command("e3", "SEARCH RETURN (COUNT MIN) SUBJECT nothing-like-this")
        self.assertEqual(untagged, [b'* ESEARCH (TAG "e3") COUNT 0'])
        untagged, done = r.command("e4", "SEARCH RETURN (SAVE) SUBJECT opening")
        self.assertEqual((untagged, done[:5]), ([], b"e4 OK"))
        untagged, done = r.command("e5", "FETCH $ (UID)")
        self.assertEqual(untagged, [b"* 1 FETCH (UID %d)" % first, b"* 2 FETCH (UID %d)" % (first + 1)])
        untagged, _ = r.command("e6", "SEARCH $ TEXT hours")
        self.assertEqual(untagged, [b"* SEARCH 1"])
        r.close()

    def test_sort_and_thread(self):
        c = self.login()
        typ, data = c.sort("(SUBJECT)", "UTF-8", "ALL")  # "budget" < "café opening"
        self.assertEqual((typ, data[0]), ("OK", b"3 4 1 2"))
        typ, data = c.sort("(REVERSE DATE)", "UTF-8", "ALL")
        self.assertEqual(data[0], b"4 3 2 1")
        # delivered within a second or two: equal arrivals fall back to the sequence number (RFC 5256 §3)
        typ, data = c.sort("(ARRIVAL)", "UTF-8", "ALL")
        self.assertEqual(data[0], b"1 2 3 4")
        typ, data = c.sort("(SUBJECT REVERSE DATE)", "US-ASCII", "NOT", "2")
        self.assertEqual(data[0], b"4 3 1")
        typ, data = c.thread("REFERENCES", "UTF-8", "ALL")
        self.assertEqual((typ, data[0]), ("OK", b"(1 2)(3 4)"))
        typ, data = c.thread("ORDEREDSUBJECT", "UTF-8", "ALL")
        self.assertEqual(data[0], b"(1 2)(3 4)")
        typ, data = c.sort("(SUBJECT)", "KOI8-R", "ALL")  # imaplib returns NO rather than raising
        self.assertEqual(typ, "NO")
        c.logout()


if __name__ == "__main__":
    harness.main()
