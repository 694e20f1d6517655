#!/usr/bin/env python3
"""Idle connections held at once (issue #10 §3): K cleartext POP3 sessions
(greeting read) and K implicit-TLS POP3 sessions (handshake done, greeting
read) opened on a fresh mailroom; the server's Pss and VmRSS before, after
the cleartext half and after the TLS half give the memory per connection of
each kind; while all 2K are held, newcomers time their greeting (< 100 ms).

  python3 bench/idle_connections.py [--quick] [--connections 10000] [--bin PATH] [--before PATH]
"""

import argparse
import os
import socket
import ssl
import statistics
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib.idle_memory import raise_fd_limit  # noqa: E402
from benchlib.servers import REPO, harness, start_server  # noqa: E402
from benchlib.process_group import ProcessGroup  # noqa: E402

NET_TIMEOUT = 30.0
SETTLE_SECONDS = 2.0
NEWCOMERS = 50
GREETING_TARGET_MS = 100.0


def read_greeting(sock):
    buf = b""
    while b"\r\n" not in buf:
        chunk = sock.recv(512)
        if not chunk:
            raise RuntimeError("closed before the greeting")
        buf += chunk
    if not buf.startswith(b"+OK"):
        raise RuntimeError("greeting %r" % buf[:80])


def open_plain(addr):
    s = socket.create_connection(addr, timeout=NET_TIMEOUT)
    read_greeting(s)
    return s


def open_tls(addr, ctx):
    s = ctx.wrap_socket(socket.create_connection(addr, timeout=NET_TIMEOUT), server_hostname=None)
    read_greeting(s)
    return s


def memory(group):
    pss, rss, _ = group.memory_kib()
    return pss, rss


def newcomer_latencies(addr):
    out = []
    for _ in range(NEWCOMERS):
        t0 = time.monotonic()
        s = open_plain(addr)
        out.append((time.monotonic() - t0) * 1000.0)
        s.close()
        time.sleep(0.02)
    return out


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--connections", type=int, default=10000, help="total held, half TLS (default 10000)")
    p.add_argument("--quick", action="store_true", help="1000 connections")
    p.add_argument("--bin", default=os.path.join(REPO, "build", "release", "src", "cli", "mailroom"))
    p.add_argument("--before", metavar="BIN", help="an older mailroom binary, measured after --bin in the same run")
    p.add_argument("--no-cgroup", action="store_true")
    a = p.parse_args(argv)
    if a.quick:
        a.connections = 1000
    return a


def measure(binary, half, use_cgroup, name):
    """Holds `half` cleartext and `half` TLS sessions on a fresh server
    running `binary`; returns its figures (KiB per connection, ms)."""
    os.environ["MAILROOM_BIN"] = binary
    limit = 2 * half + NEWCOMERS + 100
    common = dict(service="pop3", max_connections=limit, max_connections_per_ip=limit, plaintext_auth=True)
    srv = harness.Server(listeners=[dict(name="pop3", tls="starttls", **common),
                                    dict(name="pop3s", tls="implicit", **common)],
                         extra_config={"log_level": "warn"}, name="bench-idle-" + name)
    group = ProcessGroup("mailroom-idle-" + name, use_cgroup)
    ctx = harness.tls_client_context()
    socks = []
    try:
        start_server(srv)
        group.adopt(srv.pid)
        plain, tls = srv.addr("pop3"), srv.addr("pop3s")
        for s in [open_plain(plain), open_tls(tls, ctx)]:  # warm-up: one of each kind
            s.close()
        time.sleep(SETTLE_SECONDS)
        m0 = memory(group)
        t0 = time.monotonic()
        for _ in range(half):
            socks.append(open_plain(plain))
        time.sleep(SETTLE_SECONDS)
        m1 = memory(group)
        t1 = time.monotonic()
        for _ in range(half):
            socks.append(open_tls(tls, ctx))
        t2 = time.monotonic()
        time.sleep(SETTLE_SECONDS)
        m2 = memory(group)
        lat = newcomer_latencies(plain)
        alive = 0
        for s in socks:  # every held session must still be there
            s.settimeout(0)
            try:
                alive += 1 if s.recv(1) else 0  # b"": closed by the server
            except (BlockingIOError, ssl.SSLWantReadError):
                alive += 1
            except OSError:
                pass
    finally:
        for s in socks:
            s.close()
        srv.stop()
        group.close()
        srv.cleanup()
    return dict(binary=binary, open_plain=t1 - t0, open_tls=t2 - t1, alive=alive,
                plain_pss=(m1[0] - m0[0]) / half, plain_rss=(m1[1] - m0[1]) / half,
                tls_pss=(m2[0] - m1[0]) / half, tls_rss=(m2[1] - m1[1]) / half,
                pss_before=m0[0], pss_held=m2[0], p50=statistics.median(lat), worst=max(lat), tries=len(lat))


def report(name, half, r):
    print("idle connections: %d cleartext + %d TLS held at once (%s: %s)" % (half, half, name, r["binary"]))
    print("  opened in %.1f s (cleartext) + %.1f s (TLS); still open at the end: %d"
          % (r["open_plain"], r["open_tls"], r["alive"]))
    print("  per cleartext connection: Pss %.1f KiB, RSS %.1f KiB" % (r["plain_pss"], r["plain_rss"]))
    print("  per TLS connection:       Pss %.1f KiB, RSS %.1f KiB" % (r["tls_pss"], r["tls_rss"]))
    print("  server Pss: %d KiB before, %d KiB with all held" % (r["pss_before"], r["pss_held"]))
    print("  newcomer greeting while held (%d tries): median %.1f ms, max %.1f ms -> %s (< %.0f ms)"
          % (r["tries"], r["p50"], r["worst"], "MET" if r["worst"] < GREETING_TARGET_MS else "MISS",
             GREETING_TARGET_MS))


def main(argv):
    a = parse_args(argv)
    half = a.connections // 2
    raise_fd_limit(2 * half + NEWCOMERS + 200)
    runs = [("mailroom", a.bin)] + ([("before", a.before)] if a.before else [])
    results = {name: measure(binary, half, not a.no_cgroup, name) for name, binary in runs}
    for name, _ in runs:
        report(name, half, results[name])
    if a.before:
        now, old = results["mailroom"], results["before"]
        print("  ratio mailroom / before: cleartext Pss %.2f, TLS Pss %.2f, newcomer median %.2f"
              % (now["plain_pss"] / old["plain_pss"], now["tls_pss"] / old["tls_pss"], now["p50"] / old["p50"]))
    return 0 if all(r["alive"] == 2 * half for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
