"""Server memory per idle SMTP connection.

Opens K connections to the server's SMTP port, reads each banner, sends
EHLO and reads its reply, then leaves them idle. The server's memory (sum of
Pss, and of VmRSS, over its process group) is read before and after; the
difference divided by K is the cost of one idle connection. For Postfix
that is one smtpd process per connection (Pss splits shared library pages
among processes, so the Pss sum is the real total; the RSS sum counts
shared pages once per process). Run on a freshly started server: an smtpd
left idle by earlier sessions would take a connection for free.
Used by bench/smtp_accept.py.
"""

import resource
import socket
import time

NET_TIMEOUT = 15.0
SETTLE_SECONDS = 1.0
MAX_REPLY_LINES = 100


class SmtpReplyError(Exception):
    pass


def read_reply(sock, buf):
    """One complete SMTP reply (RFC 5321 §4.2.1: 'xyz-' continues, 'xyz '
    ends); returns (code, rest of buffer)."""
    for _ in range(MAX_REPLY_LINES * 10):
        while b"\r\n" in buf:
            line, buf = buf.split(b"\r\n", 1)
            if len(line) >= 4 and line[3:4] == b" ":
                return int(line[:3]), buf
            if len(line) < 4 or line[3:4] != b"-":
                raise SmtpReplyError("malformed reply line %r" % line[:100])
        chunk = sock.recv(4096)
        if not chunk:
            raise SmtpReplyError("connection closed")
        buf += chunk
    raise SmtpReplyError("reply too long")


def open_idle(host, port):
    sock = socket.create_connection((host, port), timeout=NET_TIMEOUT)
    code, buf = read_reply(sock, b"")
    if code != 220:
        sock.close()
        raise SmtpReplyError("banner %d" % code)
    sock.sendall(b"EHLO client.test\r\n")
    code, buf = read_reply(sock, buf)
    if code != 250:
        sock.close()
        raise SmtpReplyError("EHLO answered %d" % code)
    return sock


def raise_fd_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = needed if hard == resource.RLIM_INFINITY else min(hard, max(soft, needed))
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


class IdleResult:
    def __init__(self, k, before, after):
        self.k = k
        self.pss_kib_per_conn = (after[0] - before[0]) / k
        self.rss_kib_per_conn = (after[1] - before[1]) / k
        self.processes_added = after[2] - before[2]


def measure_idle(server, k):
    """K idle sessions on SERVER; returns an IdleResult."""
    raise_fd_limit(k + 100)
    before = server.group.memory_kib()
    socks = []
    try:
        for _ in range(k):
            socks.append(open_idle(server.host, server.port))
        time.sleep(SETTLE_SECONDS)
        after = server.group.memory_kib()
    finally:
        for s in socks:
            s.close()
    return IdleResult(k, before, after)
