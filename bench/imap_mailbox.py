#!/usr/bin/env python3
"""IMAP on big mailboxes, mailroom next to Dovecot (issue #11 "Speed and
memory"): SELECT and UID FETCH 1:* (FLAGS) on a mailbox of N (100,000)
messages, first open (neither server has an index or UID list of it: both
are deleted before each such run) and warm (the next session); and SEARCH
TEXT over S (10,000) messages of 10 KiB. Both stores are filled the same way
(files written into cur/ with a mix of flags for the big mailbox, new/ for
the search one). Time of each command, and the serving process's peak
memory: VmHWM of /proc/PID/status (reset with clear_refs just before the
command), printed as the peak and as the growth over the RSS before it.
For Dovecot the serving process is the session's `imap` process; for
mailroom, the server. Servers alternate run by run; medians of R runs.

  python3 bench/imap_mailbox.py [--quick] [--messages 100000] [--search-messages 10000] [--runs 3] [--bin PATH]
"""

import argparse
import glob
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

BIG, FINDER = "big", "finder"
PASSWORD = "imapbench-pw"
NET_TIMEOUT = 600.0
NEEDLE = "zebraneedle"  # in one message of every NEEDLE_EVERY, on its first body line
NEEDLE_EVERY = 100
SEARCH_BODY = 10 * 1024
# What each server keeps beside the Maildir; deleted for a first open.
INDEX_FILES = {"mailroom": ("mailroom-uidlist", "mailroom-index", "mailroom-blobs"),
               "dovecot": ("dovecot-uidlist", "dovecot.index*", "dovecot.list.index*")}


def big_message(i):
    return maildir_fill.text_message("%s@%s" % (BIG, DOMAIN), i, 600, subject="big")


def search_message(i):
    return maildir_fill.text_message("%s@%s" % (FINDER, DOMAIN), i, SEARCH_BODY, subject="finder",
                                     words=NEEDLE if i % NEEDLE_EVERY == 0 else "hay")


# ---- which process serves a connection (Dovecot: the session's imap process)

def _socket_inode(local_port, peer_port):
    """The inode of the server side of the loopback connection peer_port -> local_port."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for ln in f:
                    fields = ln.split()
                    lp, rp = int(fields[1].split(":")[1], 16), int(fields[2].split(":")[1], 16)
                    if lp == local_port and rp == peer_port:
                        return fields[9]
        except OSError:
            pass
    return None


def serving_pid(client, server_port, candidates):
    inode = _socket_inode(server_port, client.sock.getsockname()[1])
    want = "socket:[%s]" % inode
    for pid in candidates:
        try:
            for fd in os.listdir("/proc/%d/fd" % pid):
                if os.readlink("/proc/%d/fd/%s" % (pid, fd)) == want:
                    return pid
        except OSError:
            pass
    raise RuntimeError("no process holds the connection (inode %s)" % inode)


def timed(client, pid, text):
    """Runs one command; (seconds, peak KiB, growth KiB over the RSS before it, untagged)."""
    before = maildir_fill.rss_kib(pid)
    maildir_fill.reset_peak(pid)
    t0 = time.monotonic()
    out = client.command(text)
    dt = time.monotonic() - t0
    peak = maildir_fill.peak_kib(pid)
    return dt, peak, peak - before, out


def session(server, user):
    c = Client(server["addr"], NET_TIMEOUT)
    c.login("%s@%s" % (user, DOMAIN), PASSWORD)
    pid = server["pid"] if server["name"] == "mailroom" else \
        serving_pid(c, server["addr"][1], maildir_fill.processes_named("imap"))
    return c, pid


def big_run(server, n, first_open):
    """SELECT then UID FETCH 1:* (FLAGS) in one session; each command's figures."""
    if first_open:
        for pattern in INDEX_FILES[server["name"]]:
            for f in glob.glob(os.path.join(server["maildirs"][BIG], pattern)):
                os.unlink(f)
    c, pid = session(server, BIG)
    sel = timed(c, pid, b"SELECT INBOX")
    exists = [int(ln.split()[1]) for ln, _ in sel[3] if ln.endswith(b" EXISTS")]
    if exists != [n]:
        raise ImapError("%s: SELECT gave EXISTS %r, want %d" % (server["name"], exists, n))
    fetch = timed(c, pid, b"UID FETCH 1:* (FLAGS)")
    rows = [ln for ln, _ in fetch[3] if b" FETCH (" in ln]
    seen = sum(1 for ln in rows if b"\\Seen" in ln)
    want_seen = sum(1 for i in range(n) if "S" in maildir_fill.FLAG_CYCLE[i % len(maildir_fill.FLAG_CYCLE)])
    if len(rows) != n or seen != want_seen:
        raise ImapError("%s: UID FETCH gave %d rows, %d \\Seen; want %d, %d"
                        % (server["name"], len(rows), seen, n, want_seen))
    c.logout()
    return sel[:3], fetch[:3]


def search_run(server, n):
    c, pid = session(server, FINDER)
    c.command(b"SELECT INBOX")
    r = timed(c, pid, b"SEARCH TEXT " + NEEDLE.encode())
    hits = [ln for ln, _ in r[3] if ln.startswith(b"* SEARCH")]
    got = len(hits[0].split()) - 2 if hits else -1
    want = (n + NEEDLE_EVERY - 1) // NEEDLE_EVERY
    if got != want:
        raise ImapError("%s: SEARCH TEXT found %d, want %d" % (server["name"], got, want))
    c.logout()
    return r[:3]


def start_mailroom(binary, n, s, use_cgroup):
    os.environ["MAILROOM_BIN"] = binary
    srv = harness.Server(listeners=[dict(name="imap", service="imap", tls="starttls", plaintext_auth=True)],
                         extra_config={"log_level": "warn"}, name="bench-imap-box")
    srv.add_domain(DOMAIN)
    boxes = {}
    for user, count, make, where in ((BIG, n, big_message, "cur"), (FINDER, s, search_message, "new")):
        srv.add_user("%s@%s" % (user, DOMAIN), PASSWORD)
        boxes[user] = os.path.join(srv.data_dir, "mail", DOMAIN, user)
        maildir_fill.fill(boxes[user], count, make, where=where)
    group = ProcessGroup("mailroom-imap-box", use_cgroup)
    start_server(srv)
    group.adopt(srv.pid)
    return dict(name="mailroom", addr=srv.addr("imap"), pid=srv.pid, maildirs=boxes,
                stop=lambda: (srv.stop(), group.close(), srv.cleanup()))


def start_dovecot(n, s, use_cgroup):
    ref = ReferenceStack(use_cgroup=use_cgroup)
    ref.start()
    add = os.path.join(os.path.dirname(ref.script), "add-user.sh")
    boxes = {}
    for user, count, make, where in ((BIG, n, big_message, "cur"), (FINDER, s, search_message, "new")):
        subprocess.run([add, "--dir", ref.dir, "%s@%s" % (user, DOMAIN), PASSWORD], check=True,
                       stdout=subprocess.DEVNULL, timeout=120)
        boxes[user] = os.path.join(ref.dir, "mail", DOMAIN, user, "Maildir")
        maildir_fill.fill(boxes[user], count, make, where=where, owner=maildir_fill.OWNER_DOVECOT)
    return dict(name="dovecot", addr=("127.0.0.1", ref.base + 143), pid=None, maildirs=boxes,
                stop=lambda: (ref.stop(), ref.cleanup()))


def med(rows, i):
    return statistics.median(r[i] for r in rows)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--messages", type=int, default=100000, help="in the big mailbox (default 100000)")
    p.add_argument("--search-messages", type=int, default=10000, help="searched by SEARCH TEXT (default 10000)")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="one run of each case")
    p.add_argument("--bin", default=os.path.join(REPO, "build", "release", "src", "cli", "mailroom"))
    p.add_argument("--no-cgroup", action="store_true")
    a = p.parse_args(argv)
    if a.quick:
        a.runs = 1
    servers, results = [], {}
    try:
        t0 = time.monotonic()
        servers.append(start_mailroom(a.bin, a.messages, a.search_messages, not a.no_cgroup))
        servers.append(start_dovecot(a.messages, a.search_messages, not a.no_cgroup))
        print("  filled both stores in %.0f s" % (time.monotonic() - t0), flush=True)
        for s in servers:  # warm-up: the search mailbox indexed and read once
            search_run(s, a.search_messages)
        for r in range(a.runs):
            for s in (servers if r % 2 == 0 else servers[::-1]):
                for case, first in (("first open", True), ("warm", False)):
                    sel, fetch = big_run(s, a.messages, first)
                    results.setdefault(("SELECT, " + case, s["name"]), []).append(sel)
                    results.setdefault(("UID FETCH 1:* (FLAGS), " + case, s["name"]), []).append(fetch)
                    print("  %-8s run %d %-10s SELECT %.3f s (peak +%d KiB), UID FETCH FLAGS %.3f s (peak +%d KiB)"
                          % (s["name"], r + 1, case, sel[0], sel[2], fetch[0], fetch[2]), flush=True)
                sr = search_run(s, a.search_messages)
                results.setdefault(("SEARCH TEXT", s["name"]), []).append(sr)
                print("  %-8s run %d SEARCH TEXT %.3f s (peak +%d KiB)" % (s["name"], r + 1, sr[0], sr[2]),
                      flush=True)
    finally:
        for s in servers:
            s["stop"]()
    print("IMAP big mailboxes: SELECT / UID FETCH 1:* (FLAGS) on %d messages, SEARCH TEXT over %d x %d KiB; "
          "median of %d run(s)" % (a.messages, a.search_messages, SEARCH_BODY // 1024, a.runs))
    print("%-32s %9s %9s %7s %11s %11s %11s %11s %6s" % ("case", "ours s", "dovecot s", "time x", "ours peak",
                                                         "dovecot pk", "ours +KiB", "dovecot +", "met"))
    status = 0
    for case in ("SELECT, first open", "UID FETCH 1:* (FLAGS), first open", "SELECT, warm",
                 "UID FETCH 1:* (FLAGS), warm", "SEARCH TEXT"):
        m, d = results[(case, "mailroom")], results[(case, "dovecot")]
        ok = med(m, 0) <= med(d, 0) and med(m, 2) <= med(d, 2)
        print("%-32s %9.3f %9.3f %7.2f %11d %11d %11d %11d %6s"
              % (case, med(m, 0), med(d, 0), med(m, 0) / med(d, 0), med(m, 1), med(d, 1), med(m, 2), med(d, 2),
                 "MET" if ok else "MISS"))
    print("  (peak: VmHWM of the serving process in KiB; +KiB: that peak minus its RSS before the command;\n"
          "   met: time <= Dovecot's, and growth <= Dovecot's growth)")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
