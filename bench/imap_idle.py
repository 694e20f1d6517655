#!/usr/bin/env python3
"""IMAP IDLE held at scale (issue #11 "Speed and memory"): K (10,000)
cleartext IMAP sessions on U (100) mailboxes, each logged in, INBOX
selected and in IDLE, held at once by mailroom. Measured:
- memory per IDLE session: the server's Pss and RSS before and after all K
  are idling (2 s settled), divided by K (target <= 32 KiB);
- what K idle sessions cost while nothing happens: server CPU and context
  switches (every thread's, /proc/PID/task/*/status) over 10 s;
- delivery latency: a message is dropped into every mailbox's new/ (as
  another MDA or a Dovecot sharing the Maildir would: only the inotify
  watch can tell mailroom), R rounds; every session must see its
  "* n EXISTS" within 1 s: median, p99 and max over all K x R.
Dovecot (one imap process per session) gets D (50) sessions on one mailbox
in the same way, for its memory per session and latency.

Logging in is not what this measures: our users' yescrypt hash costs tens of
milliseconds per login on a loaded machine (10,000 logins: minutes), so the
bench users' stored hash is replaced by a sha256-crypt one ($5$, which
crypt(3) verifies as well) before the server starts; --real-hash keeps
yescrypt. The reference's passwords are PLAIN.

  python3 bench/imap_idle.py [--quick] [--connections 10000] [--users 100] [--rounds 3] [--bin PATH]
"""

import argparse
import asyncio
import glob
import os
import sqlite3
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import maildir_fill  # noqa: E402
from benchlib.idle_memory import raise_fd_limit  # noqa: E402
from benchlib.process_group import ProcessGroup  # noqa: E402
from benchlib.servers import DOMAIN, REPO, ReferenceStack, harness  # noqa: E402

PASSWORD = "idlebench-pw"
NET_TIMEOUT = 120.0
SETTLE_SECONDS = 2.0
QUIET_SECONDS = 10.0
LATENCY_TARGET = 1.0
MEMORY_TARGET_KIB = 32.0
SETUP_PARALLEL = 64  # sessions logging in at once


class Session:
    """One IDLE session: LOGIN, SELECT INBOX, IDLE; then waits for EXISTS."""

    def __init__(self, user):
        self.user = user
        self.exists = 0
        self.seen_at = None  # monotonic time of the last EXISTS that grew
        self.reader = self.writer = None

    async def line(self):
        ln = await asyncio.wait_for(self.reader.readline(), NET_TIMEOUT)
        if not ln:
            raise RuntimeError("%s: connection closed" % self.user)
        return ln

    async def until_tagged(self, tag):
        while True:
            ln = await self.line()
            if ln.endswith(b" EXISTS\r\n"):
                self.exists = int(ln.split()[1])
            if ln.startswith(tag + b" "):
                if not ln.startswith(tag + b" OK"):
                    raise RuntimeError("%s: %r" % (self.user, ln))
                return

    async def open(self, addr):
        self.reader, self.writer = await asyncio.open_connection(*addr)
        await self.line()  # greeting
        self.writer.write(b"a LOGIN %s@%s %s\r\n" % (self.user.encode(), DOMAIN.encode(), PASSWORD.encode()))
        await self.until_tagged(b"a")
        self.writer.write(b"b SELECT INBOX\r\nc IDLE\r\n")
        await self.until_tagged(b"b")
        ln = await self.line()
        if not ln.startswith(b"+"):
            raise RuntimeError("%s: IDLE answered %r" % (self.user, ln))

    async def watch(self):
        """Runs for the session's life: notes the time each EXISTS grows."""
        while True:
            ln = await self.reader.readline()
            if not ln:
                return
            if ln.endswith(b" EXISTS\r\n"):
                n = int(ln.split()[1])
                if n > self.exists:
                    self.exists, self.seen_at = n, time.monotonic()


def thread_stats(pid):
    """(cpu seconds, voluntary + involuntary context switches) over every thread."""
    ticks = os.sysconf("SC_CLK_TCK")
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    switches = 0
    for status in glob.glob("/proc/%d/task/*/status" % pid):
        try:
            with open(status) as f:
                for ln in f:
                    if ln.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        switches += int(ln.split()[1])
        except OSError:
            pass
    return cpu, switches


def drop(maildir, n, owner=None):
    """One new message into maildir/new, as another delivery agent would."""
    name = "%d.M%dP%d.idle" % (int(time.time()), n, os.getpid())
    tmp = os.path.join(maildir, "tmp", name)
    with open(tmp, "wb") as f:
        f.write(maildir_fill.text_message("x@" + DOMAIN, n, 2000, subject="idle"))
    if owner is not None:
        os.chown(tmp, owner, owner)
    os.rename(tmp, os.path.join(maildir, "new", name))


async def hold_and_deliver(addr, sessions, maildirs, rounds, owner=None, measure=None):
    """Opens every session, calls measure() while all idle, then runs the
    delivery rounds; returns (setup seconds, measure's result, latencies)."""
    sem = asyncio.Semaphore(SETUP_PARALLEL)

    async def one(s):
        async with sem:
            await s.open(addr)

    t0 = time.monotonic()
    await asyncio.gather(*(one(s) for s in sessions))
    setup = time.monotonic() - t0
    watchers = [asyncio.ensure_future(s.watch()) for s in sessions]
    await asyncio.sleep(SETTLE_SECONDS)
    measured = await measure() if measure else None
    latencies, late = [], 0
    for r in range(rounds):
        want = {s: s.exists + 1 for s in sessions}
        t_drop = {}
        for user, md in maildirs.items():
            t_drop[user] = time.monotonic()
            drop(md, 1000 + r, owner)
        deadline = time.monotonic() + 10.0
        while time.monotonic() < deadline and any(s.exists < want[s] for s in sessions):
            await asyncio.sleep(0.01)
        for s in sessions:
            if s.exists < want[s]:
                late += 1
                latencies.append(float("inf"))
            else:
                latencies.append(s.seen_at - t_drop[s.user])
        await asyncio.sleep(1.0)
    alive = sum(1 for w in watchers if not w.done())
    for s in sessions:
        s.writer.close()
    for w in watchers:
        w.cancel()
    return setup, measured, latencies, late, alive


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]


def summary(name, lat):
    ms = [x * 1000.0 for x in lat]
    return "%-8s %7d %10.1f %10.1f %10.1f" % (name, len(ms), statistics.median(ms), percentile(ms, 0.99), max(ms))


def cheapen_logins(data_dir, pattern):
    """Stores a sha256-crypt hash of PASSWORD for the users matching pattern."""
    cheap = subprocess.run(["openssl", "passwd", "-5", "-salt", "idlebench", PASSWORD], check=True,
                           stdout=subprocess.PIPE, text=True).stdout.strip()
    db = sqlite3.connect(os.path.join(data_dir, "mailroom.db"))
    with db:
        n = db.execute("UPDATE users SET password_hash = ? WHERE address LIKE ?", (cheap, pattern)).rowcount
    db.close()
    return n


def run_mailroom(a):
    os.environ["MAILROOM_BIN"] = a.bin
    limit = a.connections + 200
    srv = harness.Server(listeners=[dict(name="imap", service="imap", tls="starttls", plaintext_auth=True,
                                         max_connections=limit, max_connections_per_ip=limit)],
                         extra_config={"log_level": "warn"}, name="bench-imap-idle")
    srv.add_domain(DOMAIN)
    users = ["idle%d" % i for i in range(a.users)]
    maildirs = {}
    for u in users:
        srv.add_user("%s@%s" % (u, DOMAIN), PASSWORD)
        maildirs[u] = os.path.join(srv.data_dir, "mail", DOMAIN, u)
        maildir_fill.fill(maildirs[u], 10, lambda i: maildir_fill.text_message("x@" + DOMAIN, i, 2000))
    if not a.real_hash:
        cheapen_logins(srv.data_dir, "idle%@" + DOMAIN)
    group = ProcessGroup("mailroom-imap-idle", not a.no_cgroup)
    sessions = [Session(users[i % len(users)]) for i in range(a.connections)]
    try:
        srv.start()
        group.adopt(srv.pid)
        addr = srv.addr("imap")
        asyncio.run(hold_and_deliver(addr, [Session(u) for u in users[:1]], {}, 0))  # warm-up
        time.sleep(SETTLE_SECONDS)
        m0 = group.memory_kib()

        async def measure():
            m1 = group.memory_kib()
            c0, s0 = thread_stats(srv.pid)
            await asyncio.sleep(QUIET_SECONDS)
            c1, s1 = thread_stats(srv.pid)
            return m1, (c1 - c0) / QUIET_SECONDS, (s1 - s0) / QUIET_SECONDS

        setup, (m1, cpu_rate, switch_rate), lat, late, alive = asyncio.run(
            hold_and_deliver(addr, sessions, maildirs, a.rounds, measure=measure))
    finally:
        srv.stop()
        group.close()
        srv.cleanup()
    k = a.connections
    return dict(setup=setup, pss=(m1[0] - m0[0]) / k, rss=(m1[1] - m0[1]) / k, cpu=cpu_rate, switches=switch_rate,
                lat=lat, late=late, alive=alive)


def run_dovecot(a):
    ref = ReferenceStack(use_cgroup=not a.no_cgroup)
    ref.start()
    try:
        add = os.path.join(os.path.dirname(ref.script), "add-user.sh")
        subprocess.run([add, "--dir", ref.dir, "idle0@" + DOMAIN, PASSWORD], check=True,
                       stdout=subprocess.DEVNULL, timeout=120)
        md = os.path.join(ref.dir, "mail", DOMAIN, "idle0", "Maildir")
        maildir_fill.fill(md, 10, lambda i: maildir_fill.text_message("x@" + DOMAIN, i, 2000),
                          owner=maildir_fill.OWNER_DOVECOT)
        addr = ("127.0.0.1", ref.base + 143)
        asyncio.run(hold_and_deliver(addr, [Session("idle0")], {}, 0))  # warm-up: index built
        time.sleep(SETTLE_SECONDS)
        m0 = ref.group.memory_kib()

        async def measure():
            return ref.group.memory_kib()

        sessions = [Session("idle0") for _ in range(a.dovecot_connections)]
        _, m1, lat, late, alive = asyncio.run(hold_and_deliver(addr, sessions, {"idle0": md}, a.rounds,
                                                               owner=maildir_fill.OWNER_DOVECOT, measure=measure))
    finally:
        ref.stop()
        ref.cleanup()
    k = a.dovecot_connections
    return dict(pss=(m1[0] - m0[0]) / k, rss=(m1[1] - m0[1]) / k, lat=lat, late=late, alive=alive)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--connections", type=int, default=10000, help="IDLE sessions held by mailroom (default 10000)")
    p.add_argument("--users", type=int, default=100, help="mailboxes they are spread over (default 100)")
    p.add_argument("--dovecot-connections", type=int, default=50)
    p.add_argument("--rounds", type=int, default=3, help="deliveries to every mailbox (default 3)")
    p.add_argument("--quick", action="store_true", help="1000 sessions, 2 rounds")
    p.add_argument("--bin", default=os.path.join(REPO, "build", "release", "src", "cli", "mailroom"))
    p.add_argument("--no-dovecot", action="store_true")
    p.add_argument("--real-hash", action="store_true", help="keep the users' yescrypt hash (slow logins)")
    p.add_argument("--no-cgroup", action="store_true")
    a = p.parse_args(argv)
    if a.quick:
        a.connections, a.rounds = 1000, 2
    raise_fd_limit(a.connections + a.dovecot_connections + 500)
    ours = run_mailroom(a)
    theirs = None if a.no_dovecot else run_dovecot(a)
    print("IMAP IDLE: %d cleartext sessions on %d mailboxes held by mailroom (logged in and idling in %.1f s);"
          " still open at the end: %d" % (a.connections, a.users, ours["setup"], ours["alive"]))
    print("  memory per IDLE session: Pss %.1f KiB, RSS %.1f KiB -> %s (<= %.0f KiB)"
          % (ours["pss"], ours["rss"], "MET" if ours["pss"] <= MEMORY_TARGET_KIB else "MISS", MEMORY_TARGET_KIB))
    print("  all idle for %.0f s: server CPU %.1f ms/s, %.1f context switches/s (all threads)"
          % (QUIET_SECONDS, ours["cpu"] * 1000.0, ours["switches"]))
    if theirs:
        print("  dovecot, %d sessions: Pss %.1f KiB, RSS %.1f KiB per IDLE session"
              % (a.dovecot_connections, theirs["pss"], theirs["rss"]))
    print("new message -> EXISTS latency, %d round(s) of one drop into every mailbox's new/:" % a.rounds)
    print("%-8s %7s %10s %10s %10s" % ("server", "told", "median ms", "p99 ms", "max ms"))
    print(summary("mailroom", ours["lat"]))
    if theirs:
        print(summary("dovecot", theirs["lat"]))
    worst = max(ours["lat"])
    print("  every session told within %.0f s: %s (late or never: %d)"
          % (LATENCY_TARGET, "MET" if worst <= LATENCY_TARGET else "MISS", ours["late"]))
    return 0 if ours["alive"] == a.connections and ours["late"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
