#!/usr/bin/env python3
"""Server memory while C connections each send one S MiB message at once
(issue #10 §3; default 50 x 30 MiB). mailroom's MX-role SMTP listener takes
them into a local Maildir; the server's Pss and VmRSS are sampled every
20 ms from before the first connection until the last 250, and the peak
and the peak minus the idle figure (and that / C) are printed. Every
message must arrive whole (size checked in the Maildir), and no staged
body may be left in queue/tmp. Bodies are streamed to a staged file as
they arrive, so the figure per connection is a small constant (before
#10: 52.2 MiB per connection for 30 MiB messages; --max-mib-per-connection
makes a bigger one fail the run).

  python3 bench/big_messages.py [--quick] [--clients 50] [--mib 30] [--bin PATH] [--before PATH]
"""

import argparse
import os
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib.idle_memory import raise_fd_limit, read_reply  # noqa: E402
from benchlib.load_point import count_messages, maildir_files  # noqa: E402
from benchlib.servers import REPO, RECIPIENT, Mailroom  # noqa: E402

NET_TIMEOUT = 300.0
SAMPLE_SECONDS = 0.02
SEND_CHUNK = 1 << 20


def body(mib, tag):
    head = ("From: sender@remote.test\r\nTo: %s\r\nSubject: big %s\r\n\r\n" % (RECIPIENT, tag)).encode()
    line = b"y" * 998 + b"\r\n"
    return head + line * (mib * 1024 * 1024 // len(line))


def send_one(addr, data, errors):
    try:
        s = socket.create_connection(addr, timeout=NET_TIMEOUT)
        buf = b""
        for cmd in (None, b"EHLO client.test", b"MAIL FROM:<sender@remote.test>",
                    b"RCPT TO:<%s>" % RECIPIENT.encode(), b"DATA"):
            if cmd is not None:
                s.sendall(cmd + b"\r\n")
            code, buf = read_reply(s, buf)
            if code not in (220, 250, 354):
                raise RuntimeError("%r -> %d" % (cmd, code))
        view = memoryview(data)
        for i in range(0, len(data), SEND_CHUNK):
            s.sendall(view[i:i + SEND_CHUNK])
        s.sendall(b".\r\n")
        code, buf = read_reply(s, buf)
        if code != 250:
            raise RuntimeError("end of data -> %d" % code)
        s.sendall(b"QUIT\r\n")
        s.close()
    except Exception as e:  # noqa: BLE001  (reported by the main thread)
        errors.append(repr(e))


def measure(binary, clients, mib, use_cgroup):
    """C connections at once, one S MiB message each, on a fresh server."""
    server = Mailroom(binary, max_connections=clients + 10, use_cgroup=use_cgroup)
    data = body(mib, "x")
    errors, peak = [], [0, 0]
    try:
        server.start()
        time.sleep(1.0)
        idle_pss, idle_rss, _ = server.group.memory_kib()
        threads = [threading.Thread(target=send_one, args=((server.host, server.port), data, errors))
                   for _ in range(clients)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            pss, rss, _ = server.group.memory_kib()
            peak[0], peak[1] = max(peak[0], pss), max(peak[1], rss)
            time.sleep(SAMPLE_SECONDS)
        wall = time.monotonic() - t0
        for t in threads:
            t.join()
        stored = count_messages(server.maildir)
        sizes = [os.path.getsize(f) for f in maildir_files(server.maildir)]
        staging = os.path.join(server.srv.data_dir, "queue", "tmp")
        left = len(os.listdir(staging)) if os.path.isdir(staging) else 0
    finally:
        server.stop()
        server.cleanup()
    # Stored with LF or CRLF line ends, plus a Received: header.
    bad = [n for n in sizes if n < len(data) - data.count(b"\r\n")]
    return dict(binary=binary, wall=wall, idle_pss=idle_pss, idle_rss=idle_rss, peak_pss=peak[0],
                peak_rss=peak[1], per_connection=(peak[0] - idle_pss) / 1024 / clients, stored=stored,
                bad=len(bad), left=left, errors=errors)


def report(name, clients, mib, r):
    print("big messages: %d connections x %d MiB at once (%s: %s), %.1f s" % (clients, mib, name, r["binary"],
                                                                             r["wall"]))
    print("  server idle: Pss %d KiB, RSS %d KiB" % (r["idle_pss"], r["idle_rss"]))
    print("  server peak: Pss %d KiB, RSS %d KiB; above idle: Pss %.1f MiB (%.2f MiB per connection)"
          % (r["peak_pss"], r["peak_rss"], (r["peak_pss"] - r["idle_pss"]) / 1024, r["per_connection"]))
    print("  stored %d of %d messages; %d short; %d staged files left; errors: %d%s"
          % (r["stored"], clients, r["bad"], r["left"], len(r["errors"]),
             (" first: " + r["errors"][0]) if r["errors"] else ""))


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--mib", type=int, default=30)
    p.add_argument("--quick", action="store_true", help="same 50 x 30 MiB, one run (it is one run anyway)")
    p.add_argument("--bin", default=os.path.join(REPO, "build", "release", "src", "cli", "mailroom"))
    p.add_argument("--before", metavar="BIN",
                   help="an older mailroom binary, measured after --bin in the same run (before #10 it "
                        "held each message whole: about 2.6 GiB for 50 x 30 MiB)")
    p.add_argument("--no-cgroup", action="store_true")
    p.add_argument("--max-mib-per-connection", type=float, default=None,
                   help="fail when the peak above idle per connection is larger")
    a = p.parse_args(argv)
    raise_fd_limit(a.clients + 100)
    runs = [("mailroom", a.bin)] + ([("before", a.before)] if a.before else [])
    results = {name: measure(binary, a.clients, a.mib, not a.no_cgroup) for name, binary in runs}
    ok = True
    for name, _ in runs:
        r = results[name]
        report(name, a.clients, a.mib, r)
        ok = ok and r["stored"] == a.clients and not r["bad"] and not r["errors"] and not r["left"]
    if a.before:
        print("  ratio mailroom / before, peak above idle: %.3f"
              % (results["mailroom"]["per_connection"] / results["before"]["per_connection"]))
    per_connection = results["mailroom"]["per_connection"]
    too_big = a.max_mib_per_connection is not None and per_connection > a.max_mib_per_connection
    if too_big:
        print("  FAIL: %.2f MiB per connection > %.2f" % (per_connection, a.max_mib_per_connection))
    return 0 if ok and not too_big else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
