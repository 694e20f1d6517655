#!/usr/bin/env python3
"""Compares our BODYSTRUCTURE, BODY, ENVELOPE, RFC822.SIZE and 14 BODY[section]s with a real
Dovecot's for every message in messages/: Dovecot's imap binary is run in
PREAUTH mode on a throw-away Maildir holding the same files, and both answers
are parsed into values (so quoted vs literal strings do not matter) and
compared. Skipped (exit 77) when Dovecot is not installed.
usage: compare_dovecot.py RENDER_SAMPLE_BINARY"""
import glob, os, pwd, shutil, subprocess, sys, tempfile, threading

DOVECOT_IMAP = "/usr/lib/dovecot/imap"
HERE = os.path.dirname(os.path.abspath(__file__))
# The sections render_sample.cpp sends, in Dovecot's echo of them.
SECTIONS = [b"", b"HEADER", b"TEXT", b"1", b"1.MIME", b"2", b"2.MIME", b"1.1", b"1.2.MIME", b"3.HEADER", b"3.TEXT",
            b"3.1", b"HEADER.FIELDS (FROM SUBJECT CONTENT-TYPE)", b"HEADER.FIELDS.NOT (FROM SUBJECT CONTENT-TYPE)"]


def parse_values(data, i=0, end=b")"):
    """IMAP values up to `end`: lists, NIL, numbers/atoms, quoted, literals."""
    out = []
    while i < len(data):
        c = data[i:i + 1]
        if c == b" ":
            i += 1
        elif c == end:
            return out, i + 1
        elif c == b"(":
            v, i = parse_values(data, i + 1)
            out.append(v)
        elif c == b'"':
            j, s = i + 1, bytearray()
            while data[j:j + 1] != b'"':
                if data[j:j + 1] == b"\\":
                    j += 1
                s += data[j:j + 1]
                j += 1
            out.append(bytes(s))
            i = j + 1
        elif c in (b"{", b"~"):
            j = data.index(b"}", i)
            n = int(data[i + (2 if c == b"~" else 1):j].rstrip(b"+"))
            start = j + 3  # "}\r\n"
            out.append(data[start:start + n])
            i = start + n
        else:
            j = i
            while j < len(data) and data[j:j + 1] not in (b" ", b"(", b")", b"\r"):
                j += 1
            if b"[" in data[i:j] and b"]" not in data[i:j]:  # BODY[HEADER.FIELDS (A B)]
                j = data.index(b"]", i) + 1
            tok = data[i:j]
            out.append(None if tok == b"NIL" else tok)
            i = j
            if data[i:i + 1] == b"\r":
                return out, i
    return out, i


def fetch_responses(data):
    """{n: {item: value}} from every "* n FETCH (...)" in a byte stream."""
    result = {}
    pos = 0
    while True:
        k = data.find(b"* ", pos)
        if k < 0:
            return result
        parts = data[k + 2:k + 40].split(b" ")
        if len(parts) > 2 and parts[1] == b"FETCH" and parts[0].isdigit():
            start = data.index(b"(", k)
            vals, pos = parse_values(data, start + 1)
            result[int(parts[0])] = {vals[j]: vals[j + 1] for j in range(0, len(vals), 2)}
        else:
            pos = k + 2


def main():
    if not os.access(DOVECOT_IMAP, os.X_OK):
        print("dovecot imap not installed: skipped")
        return 77
    ours_bin = sys.argv[1]
    files = sorted(glob.glob(os.path.join(HERE, "messages", "*.eml")))
    tmp = tempfile.mkdtemp(prefix="mime-dovecot-")
    try:
        md = os.path.join(tmp, "Maildir")
        for d in ("new", "cur", "tmp"):
            os.makedirs(os.path.join(md, d))
        for n, f in enumerate(files, 1):
            shutil.copy(f, os.path.join(md, "cur", "%d.host:2," % n))
        conf = os.path.join(tmp, "dovecot.conf")
        with open(conf, "w") as c:
            c.write("mail_location = maildir:%s\nssl = no\nlog_path = %s/log\n" % (md, tmp))
        preexec, user = None, pwd.getpwuid(os.getuid()).pw_name
        if os.getuid() == 0:  # Dovecot refuses to run as root: drop to nobody
            nobody = pwd.getpwnam("nobody")
            for root, dirs, names in os.walk(tmp):
                for x in [root] + [os.path.join(root, y) for y in dirs + names]:
                    os.chown(x, nobody.pw_uid, nobody.pw_gid)
            user = "nobody"

            def preexec():
                os.setgroups([])
                os.setgid(nobody.pw_gid)
                os.setuid(nobody.pw_uid)
        sections = [b"BODY.PEEK[%s]" % s for s in SECTIONS]
        script = b"a SELECT INBOX\r\nb FETCH 1:* (RFC822.SIZE BODYSTRUCTURE BODY ENVELOPE %s)\r\nc LOGOUT\r\n" % (
            b" ".join(sections))
        env = {"USER": user, "HOME": tmp, "PATH": "/usr/bin:/bin"}
        # stdin stays open until LOGOUT is answered: Dovecot drops pending
        # output when it sees the client's end of input.
        dv = subprocess.Popen([DOVECOT_IMAP, "-c", conf], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=env, preexec_fn=preexec)
        watchdog = threading.Timer(60, dv.kill)
        watchdog.start()
        dv.stdin.write(script)
        dv.stdin.flush()
        answer = b""
        while b"\r\nc OK" not in answer:
            chunk = dv.stdout.read1(65536)
            if not chunk:
                break
            answer += chunk
        dv.stdin.close()
        dv.wait()
        watchdog.cancel()
        theirs = fetch_responses(answer)
        if len(theirs) != len(files):
            print("dovecot answered %d of %d messages:\n%s\n%s" % (len(theirs), len(files), answer[-2000:],
                                                                    dv.stderr.read()[-2000:]))
            return 1
        ours = fetch_responses(subprocess.run([ours_bin] + files, capture_output=True, check=True).stdout)
        failures = 0
        for n, f in enumerate(files, 1):
            for item in [b"RFC822.SIZE", b"BODYSTRUCTURE", b"BODY", b"ENVELOPE"] + [b"BODY[%s]" % s for s in SECTIONS]:
                a, b = ours.get(n, {}).get(item), theirs[n].get(item)
                if a != b:
                    failures += 1
                    print("%s %s differs:\n  ours    %r\n  dovecot %r" % (os.path.basename(f), item.decode(), a, b))
        print("%d messages, %d differences" % (len(files), failures))
        return 1 if failures else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
