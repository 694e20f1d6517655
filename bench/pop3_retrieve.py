#!/usr/bin/env python3
"""POP3 retrieval, mailroom next to Dovecot (issue #10 §3): M messages of
10 KiB per mailbox; one session RETRs a whole mailbox, then ten users at once
each RETR their own (one mailbox per session: ours are locked to one). The
same client (one RETR at a time, every reply checked) drives both servers;
servers alternate run by run. Prints messages/s and server CPU per message
(cgroup or /proc, as bench/smtp_accept.py), counted once every session has
logged in, and the ratios mailroom/Dovecot.

With --before PATH, a second mailroom binary (an older build) runs in the
same runs as a third server, so a change is measured against both.

  python3 bench/pop3_retrieve.py [--quick] [--messages 1000] [--runs 3] [--bin PATH] [--before PATH]
"""

import argparse
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib.process_group import ProcessGroup  # noqa: E402
from benchlib.servers import DOMAIN, REPO, ReferenceStack, harness, start_server  # noqa: E402

USERS = ["pop%d" % i for i in range(10)]
PASSWORD = "popbench-pw"
BODY_BYTES = 10 * 1024
NET_TIMEOUT = 60.0
OWNER_DOVECOT = 65534  # the reference stack's mail owner


def message(user, i):
    head = ("From: sender@remote.test\nTo: %s@%s\nSubject: pop bench %d\nMessage-Id: <%d.%s@bench>\n\n"
            % (user, DOMAIN, i, i, user)).encode()
    line = b"x" * 76 + b"\n"
    body = line * ((BODY_BYTES - len(head)) // len(line))
    return head + body


def fill_maildir(root, user, n, owner=None):
    """n messages dropped into ROOT/new as another delivery agent would."""
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    for i in range(n):
        name = "%d.M%dP%d.bench" % (1700000000 + i, i, os.getpid())
        tmp = os.path.join(root, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(message(user, i))
        os.rename(tmp, os.path.join(root, "new", name))
    if owner is not None:
        for dirpath, _, files in os.walk(root):
            os.chown(dirpath, owner, owner)
            for f in files:
                os.chown(os.path.join(dirpath, f), owner, owner)


class Client:
    def __init__(self, addr):
        self.sock = socket.create_connection(addr, timeout=NET_TIMEOUT)
        self.buf = b""
        self.line()

    def line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                out, self.buf = self.buf[:i], self.buf[i + 2:]
                return out
            self._fill()

    def _fill(self):
        data = self.sock.recv(262144)
        if not data:
            raise RuntimeError("connection closed")
        self.buf += data

    def ok(self, cmd):
        self.sock.sendall(cmd + b"\r\n")
        r = self.line()
        if not r.startswith(b"+OK"):
            raise RuntimeError("%r -> %r" % (cmd, r))
        return r

    def multiline(self):
        start = 0
        while True:
            i = self.buf.find(b"\r\n.\r\n", start)
            if i >= 0:
                out, self.buf = self.buf[:i + 2], self.buf[i + 5:]
                return out
            start = max(0, len(self.buf) - 4)
            self._fill()


_logged_in = None  # a multiprocessing.Barrier in the measured runs' workers


def _set_barrier(barrier):
    global _logged_in
    _logged_in = barrier


def retrieve_all(args):
    """One session: login, STAT, RETR 1..n, QUIT; returns bytes received.
    In a measured run, waits after STAT until every session has logged in."""
    addr, user, n = args
    c = Client(addr)
    c.ok(b"USER %s@%s" % (user.encode(), DOMAIN.encode()))
    c.ok(b"PASS " + PASSWORD.encode())
    count = int(c.ok(b"STAT").split()[1])
    if count != n:
        raise RuntimeError("%s: STAT says %d messages, want %d" % (user, count, n))
    if _logged_in is not None:
        _logged_in.wait(NET_TIMEOUT)
    total = 0
    for i in range(1, n + 1):
        c.ok(b"RETR %d" % i)
        body = c.multiline()
        if b"Subject: pop bench " not in body or len(body) < BODY_BYTES - 200:
            raise RuntimeError("%s: RETR %d returned %d bytes" % (user, i, len(body)))
        total += len(body)
    c.ok(b"QUIT")
    c.sock.close()
    return total


def run(server, users, n):
    """Retrieval only: the clock and the CPU count start once every session
    has logged in (the reference's passwords are PLAIN, ours yescrypt: a
    login costs us milliseconds, and is not what this measures)."""
    barrier = multiprocessing.Barrier(len(users) + 1)
    with multiprocessing.Pool(len(users), initializer=_set_barrier, initargs=(barrier,)) as pool:
        done = pool.map_async(retrieve_all, [(server["addr"], u, n) for u in users])
        barrier.wait(NET_TIMEOUT)
        cpu0 = server["group"].cpu_seconds()
        t0 = time.monotonic()
        done.get(NET_TIMEOUT * n)
        wall = time.monotonic() - t0
    time.sleep(0.3)
    cpu = server["group"].cpu_seconds() - cpu0
    msgs = n * len(users)
    return msgs / wall, cpu * 1000.0 / msgs


def start_mailroom(binary, n, use_cgroup, name="mailroom"):
    os.environ["MAILROOM_BIN"] = binary
    srv = harness.Server(listeners=[dict(name="pop3", service="pop3", tls="starttls", plaintext_auth=True,
                                         max_connections_per_ip=100)],
                         extra_config={"log_level": "warn"}, name="bench-pop3-" + name)
    srv.add_domain(DOMAIN)
    for u in USERS:
        srv.add_user("%s@%s" % (u, DOMAIN), PASSWORD)
        fill_maildir(os.path.join(srv.data_dir, "mail", DOMAIN, u), u, n)
    group = ProcessGroup(name + "-pop3", use_cgroup)
    start_server(srv)
    group.adopt(srv.pid)
    return dict(name=name, addr=srv.addr("pop3"), group=group, stop=lambda: (srv.stop(), group.close(),
                                                                                   srv.cleanup()))


def start_dovecot(n, use_cgroup):
    ref = ReferenceStack(use_cgroup=use_cgroup)
    ref.start()
    add = os.path.join(os.path.dirname(ref.script), "add-user.sh")
    for u in USERS:
        subprocess.run([add, "--dir", ref.dir, "%s@%s" % (u, DOMAIN), PASSWORD], check=True,
                       stdout=subprocess.DEVNULL, timeout=120)
        fill_maildir(os.path.join(ref.dir, "mail", DOMAIN, u, "Maildir"), u, n, owner=OWNER_DOVECOT)
    return dict(name="dovecot", addr=("127.0.0.1", ref.base + 110), group=ref.group,
                stop=lambda: (ref.stop(), ref.cleanup()))


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--messages", type=int, default=1000, help="per mailbox (default 1000)")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="one run of each case")
    p.add_argument("--bin", default=os.path.join(REPO, "build", "release", "src", "cli", "mailroom"))
    p.add_argument("--before", help="an older mailroom binary, measured in the same runs")
    p.add_argument("--no-cgroup", action="store_true")
    a = p.parse_args(argv)
    if a.quick:
        a.runs = 1
    servers = []
    pool = multiprocessing.Pool(len(USERS))
    try:
        servers.append(start_mailroom(a.bin, a.messages, not a.no_cgroup))
        if a.before:
            servers.append(start_mailroom(a.before, a.messages, not a.no_cgroup, name="before"))
        servers.append(start_dovecot(a.messages, not a.no_cgroup))
        for s in servers:  # warm-up: a first pass reads (and, for Dovecot, indexes) every mailbox
            pool.map(retrieve_all, [(s["addr"], u, a.messages) for u in USERS])
        results = {}
        for case, users in (("1 session", USERS[:1]), ("10 users at once", USERS)):
            for r in range(a.runs):
                for s in (servers if r % 2 == 0 else servers[::-1]):  # each server first and last by turns
                    rate, cpu = run(s, users, a.messages)
                    results.setdefault((case, s["name"]), []).append((rate, cpu))
                    print("  %-16s %-8s run %d: %7.0f msg/s  %.3f ms CPU/msg" % (case, s["name"], r + 1, rate, cpu),
                          flush=True)
    finally:
        pool.terminate()
        for s in servers:
            s["stop"]()
    print("POP3 retrieval, %d x %d KiB per mailbox, median of %d run(s); CPU counted by: %s"
          % (a.messages, BODY_BYTES // 1024, a.runs, servers[0]["group"].method))
    print("%-18s %-8s %10s %12s %14s %14s %10s %10s" % ("case", "server", "msg/s", "dovecot/s", "ms CPU/msg",
                                                      "dovecot ms", "rate x", "cpu x"))
    for case in ("1 session", "10 users at once"):
        d = [statistics.median(x) for x in zip(*results[(case, "dovecot")])]
        for name in [s["name"] for s in servers if s["name"] != "dovecot"]:
            m = [statistics.median(x) for x in zip(*results[(case, name)])]
            print("%-18s %-8s %10.0f %12.0f %14.3f %14.3f %10.2f %10.2f"
                  % (case, name, m[0], d[0], m[1], d[1], m[0] / d[0], m[1] / d[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
