#!/usr/bin/env python3
"""IMAP FETCH BODY[], mailroom next to Dovecot (issue #11 "Speed and
memory"): M messages of 10 KiB per mailbox; one session fetches a whole
mailbox, one FETCH n BODY[] at a time, then ten users at once each fetch
their own. Every reply is checked (one literal, the right Subject, about
10 KiB). Servers alternate run by run. Prints messages/s and server CPU per
message (cgroup or /proc, as bench/pop3_retrieve.py), counted once every
session has logged in and selected, and the ratios mailroom/Dovecot.

  python3 bench/imap_fetch.py [--quick] [--messages 1000] [--runs 3] [--bin PATH] [--before PATH]
"""

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import maildir_fill  # noqa: E402
from benchlib.imap_client import Client, ImapError  # noqa: E402
from benchlib.process_group import ProcessGroup  # noqa: E402
from benchlib.servers import DOMAIN, REPO, ReferenceStack, harness, start_server  # noqa: E402

USERS = ["imap%d" % i for i in range(10)]
PASSWORD = "imapbench-pw"
BODY_BYTES = 10 * 1024
NET_TIMEOUT = 120.0
TARGET_RATE_X = 2.0  # issue #11: at least twice Dovecot's messages/s


def message_of(user):
    return lambda i: maildir_fill.text_message("%s@%s" % (user, DOMAIN), i, BODY_BYTES, subject="imap bench")


_selected = None  # a multiprocessing.Barrier in the measured runs' workers


def _set_barrier(barrier):
    global _selected
    _selected = barrier


def fetch_all(args):
    """One session: LOGIN, SELECT, FETCH i BODY[] for i in 1..n, LOGOUT.
    In a measured run, waits after SELECT until every session is there."""
    addr, user, n = args
    c = Client(addr, NET_TIMEOUT)
    c.login("%s@%s" % (user, DOMAIN), PASSWORD)
    exists = [ln for ln, _ in c.command(b"SELECT INBOX") if ln.endswith(b" EXISTS")]
    if not exists or int(exists[0].split()[1]) != n:
        raise ImapError("%s: SELECT says %r, want %d messages" % (user, exists, n))
    if _selected is not None:
        _selected.wait(NET_TIMEOUT)
    total = 0
    for i in range(1, n + 1):
        untagged = c.command(b"FETCH %d BODY[]" % i)
        bodies = [lits[0] for ln, lits in untagged if lits and ln.startswith(b"* %d FETCH" % i)]
        if len(bodies) != 1 or b"Subject: imap bench %d\r\n" % (i - 1) not in bodies[0] \
                or len(bodies[0]) < BODY_BYTES - 200:
            raise ImapError("%s: FETCH %d returned %r" % (user, i, [ln[:80] for ln, _ in untagged]))
        total += len(bodies[0])
    c.logout()
    return total


def run(server, users, n):
    """Fetching only: the clock and the CPU count start once every session
    has logged in and selected (the reference's passwords are PLAIN, ours
    yescrypt; Dovecot's SELECT is measured by bench/imap_mailbox.py)."""
    barrier = multiprocessing.Barrier(len(users) + 1)
    with multiprocessing.Pool(len(users), initializer=_set_barrier, initargs=(barrier,)) as pool:
        done = pool.map_async(fetch_all, [(server["addr"], u, n) for u in users])
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
    srv = harness.Server(listeners=[dict(name="imap", service="imap", tls="starttls", plaintext_auth=True,
                                         max_connections_per_ip=100)],
                         extra_config={"log_level": "warn"}, name="bench-imap-" + name)
    srv.add_domain(DOMAIN)
    for u in USERS:
        srv.add_user("%s@%s" % (u, DOMAIN), PASSWORD)
        maildir_fill.fill(os.path.join(srv.data_dir, "mail", DOMAIN, u), n, message_of(u))
    group = ProcessGroup(name + "-imap", use_cgroup)
    start_server(srv)  # an older --before binary: keys it lacks removed
    group.adopt(srv.pid)
    return dict(name=name, addr=srv.addr("imap"), group=group,
                stop=lambda: (srv.stop(), group.close(), srv.cleanup()))


def start_dovecot(n, use_cgroup):
    ref = ReferenceStack(use_cgroup=use_cgroup)
    ref.start()
    add = os.path.join(os.path.dirname(ref.script), "add-user.sh")
    for u in USERS:
        subprocess.run([add, "--dir", ref.dir, "%s@%s" % (u, DOMAIN), PASSWORD], check=True,
                       stdout=subprocess.DEVNULL, timeout=120)
        maildir_fill.fill(os.path.join(ref.dir, "mail", DOMAIN, u, "Maildir"), n, message_of(u),
                          owner=maildir_fill.OWNER_DOVECOT)
    return dict(name="dovecot", addr=("127.0.0.1", ref.base + 143), group=ref.group,
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
        for s in servers:  # warm-up: a first pass indexes every mailbox and sets \Seen everywhere
            pool.map(fetch_all, [(s["addr"], u, a.messages) for u in USERS])
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
    print("IMAP FETCH BODY[], %d x %d KiB per mailbox, median of %d run(s); CPU counted by: %s"
          % (a.messages, BODY_BYTES // 1024, a.runs, servers[0]["group"].method))
    print("%-18s %-8s %10s %12s %14s %14s %10s %10s" % ("case", "server", "msg/s", "dovecot/s", "ms CPU/msg",
                                                      "dovecot ms", "rate x", "cpu x"))
    for case in ("1 session", "10 users at once"):
        d = [statistics.median(x) for x in zip(*results[(case, "dovecot")])]
        for name in [s["name"] for s in servers if s["name"] != "dovecot"]:
            m = [statistics.median(x) for x in zip(*results[(case, name)])]
            print("%-18s %-8s %10.0f %12.0f %14.3f %14.3f %10.2f %10.2f"
                  % (case, name, m[0], d[0], m[1], d[1], m[0] / d[0], m[1] / d[1]))
            if name == "mailroom":
                print("  target rate >= %.1fx Dovecot: %s" % (TARGET_RATE_X,
                                                             "MET" if m[0] / d[0] >= TARGET_RATE_X else "MISS"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
