"""One measurement point: N messages of one size from C concurrent clients.

smtp-source (Postfix's load generator) sends the messages, one SMTP session
per message, C sessions in parallel. Measured, the same way for every server:
- accepted/s  = N / wall time of smtp-source (it exits after the last 250
                and QUIT, so every message was acknowledged by then);
- delivered/s = N / time from smtp-source's start until N files are in the
                recipient's Maildir (new/ + cur/, polled every POLL_SECONDS);
- CPU/msg     = CPU of the server's process group from just before the
                start until SETTLE_SECONDS after the last delivery, / N.
Then the Maildir must hold exactly N messages, all with distinct
Message-Ids, and a sample of them must be exactly what smtp-source sent.
Used by bench/smtp_accept.py.
"""

import os
import random
import re
import subprocess
import tempfile
import threading
import time

SMTP_SOURCE = "/usr/sbin/smtp-source"
SENDER = "sender@remote.test"
CLIENT_NAME = "client.test"
POLL_SECONDS = 0.01
SETTLE_SECONDS = 0.5        # late work (queue file removal) and late duplicates
HEADER_BYTES = 4096         # enough to hold every header a server adds
SAMPLE = 5                  # messages whose content is checked in full


class PointFailed(Exception):
    pass


def maildir_files(maildir):
    """Message file paths in new/ and cur/ (not Dovecot's index files)."""
    out = []
    for sub in ("new", "cur"):
        d = os.path.join(maildir, sub)
        try:
            with os.scandir(d) as it:
                out += [e.path for e in it if not e.name.startswith(".")]
        except FileNotFoundError:
            pass
    return out


def count_messages(maildir):
    n = 0
    for sub in ("new", "cur"):
        try:
            with os.scandir(os.path.join(maildir, sub)) as it:
                n += sum(1 for e in it if not e.name.startswith("."))
        except FileNotFoundError:
            pass
    return n


def clear_maildir(maildir):
    """Removes every message, so the next point starts from an empty box."""
    for path in maildir_files(maildir):
        os.unlink(path)


class Result:
    def __init__(self, n, accept_s, deliver_s, cpu_s):
        self.n = n
        self.accept_s, self.deliver_s, self.cpu_s = accept_s, deliver_s, cpu_s

    @property
    def accepted_per_s(self):
        return self.n / self.accept_s

    @property
    def delivered_per_s(self):
        return self.n / self.deliver_s

    @property
    def cpu_ms_per_msg(self):
        return 1000.0 * self.cpu_s / self.n


def run_point(server, size, clients, n, tag, time_limit, reuse_connections=False):
    """Sends N messages of SIZE payload bytes from CLIENTS sessions to SERVER
    and returns a Result; raises PointFailed when anything is missing, extra,
    altered, or takes longer than TIME_LIMIT seconds."""
    clear_maildir(server.maildir)
    cmd = [SMTP_SOURCE, "-4", "-s", str(clients), "-m", str(n), "-l", str(size),
           "-f", SENDER, "-t", "bench@example.test", "-S", tag, "-M", CLIENT_NAME]
    if reuse_connections:
        cmd.append("-d")
    cmd.append("%s:%d" % (server.host, server.port))
    out = tempfile.TemporaryFile()
    finished = {}

    cpu0 = server.group.cpu_seconds()
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out)

    def wait_exit():
        proc.wait()
        finished["t"] = time.monotonic()
    waiter = threading.Thread(target=wait_exit, daemon=True)
    waiter.start()

    deadline = t0 + time_limit
    t_delivered = None
    while time.monotonic() < deadline:
        if t_delivered is None and count_messages(server.maildir) >= n:
            t_delivered = time.monotonic()
        if t_delivered is not None and "t" in finished:
            break
        if "t" in finished and proc.returncode != 0:
            break
        time.sleep(POLL_SECONDS)
    if "t" not in finished:
        proc.kill()
        waiter.join(5)
        raise PointFailed("smtp-source did not finish within %.0f s" % time_limit)
    waiter.join(5)
    out.seek(0)
    text = out.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        raise PointFailed("smtp-source exit %d: %s" % (proc.returncode, text.strip()[-500:]))
    if t_delivered is None:
        raise PointFailed("only %d of %d messages delivered within %.0f s"
                          % (count_messages(server.maildir), n, time_limit))
    time.sleep(SETTLE_SECONDS)
    cpu1 = server.group.cpu_seconds()
    verify_maildir(server.maildir, n, size, tag)
    return Result(n, finished["t"] - t0, t_delivered - t0, cpu1 - cpu0)


BODY_LINE = re.compile(rb"^[0-9]X*$")
LAST_BODY_LINE = re.compile(rb"^[0-9]?X*$")


def verify_maildir(maildir, n, size, tag):
    """Exactly N messages, each once (distinct Message-Id), from this point
    (Subject TAG); a sample checked line by line against smtp-source's body."""
    files = maildir_files(maildir)
    if len(files) != n:
        raise PointFailed("Maildir holds %d messages, expected exactly %d" % (len(files), n))
    ids = set()
    for path in files:
        with open(path, "rb") as f:
            head = f.read(HEADER_BYTES).split(b"\n\n", 1)[0]
        mid = re.search(rb"(?im)^Message-Id:\s*(\S+)", head)
        subj = re.search(rb"(?im)^Subject:\s*(.*)$", head)
        if not mid or not subj or subj.group(1).strip() != tag.encode():
            raise PointFailed("%s: not a message of this point (Subject %r)"
                              % (path, subj.group(1) if subj else None))
        ids.add(mid.group(1))
    if len(ids) != n:
        raise PointFailed("%d distinct Message-Ids among %d messages: duplicates"
                          % (len(ids), n))
    for path in random.Random(tag).sample(files, min(SAMPLE, n)):
        check_content(path, size)


def check_content(path, size):
    """smtp-source's payload: SIZE bytes as lines of a digit then X's (the
    last line may be X's only), each ended by CRLF on the wire (LF in the
    Maildir)."""
    with open(path, "rb") as f:
        data = f.read()
    if b"\r" in data:
        raise PointFailed("%s: CR in a Maildir file (expected LF line ends)" % path)
    head, sep, body = data.partition(b"\n\n")
    if not sep:
        raise PointFailed("%s: no header/body separator" % path)
    lines = body.split(b"\n")
    if lines[-1] != b"":
        raise PointFailed("%s: body does not end with a line end" % path)
    lines = lines[:-1]
    for i, line in enumerate(lines):
        pattern = LAST_BODY_LINE if i == len(lines) - 1 else BODY_LINE
        if not pattern.match(line):
            raise PointFailed("%s: body line %d altered: %r" % (path, i + 1, line[:100]))
    wire = sum(len(line) + 2 for line in lines)
    # smtp-source counts its line ends in SIZE and may end on a full line.
    if not size <= wire <= size + 2:
        raise PointFailed("%s: body is %d bytes on the wire, sent %d" % (path, wire, size))
