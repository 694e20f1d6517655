#!/usr/bin/env python3
"""SMTP acceptance benchmark: mailroom against Postfix + Dovecot (issue #3).

    bench/smtp_accept.py [--quick] [--repeats R] [--sizes 1024,102400]
                         [--clients 1,10,50] [--servers mailroom,postfix] ...

Starts mailroom (release build, fresh data dir) and the reference stack
(bench/reference/reference-stack.sh, private dir under /tmp, own base port),
measures memory per idle SMTP connection on both, then for every message
size and client count sends N messages with smtp-source to each server's
MX-role port, R times, alternating servers, and prints medians: accepted/s,
delivered/s, server CPU per message, and the ratio mailroom/Postfix. Every
run checks that each message landed exactly once. See bench/README.md.
Exit status: 0 when every run completed and verified (targets missed are
reported, and fail the run only with --strict), 1 otherwise. Run as root
(the reference stack needs it).
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from benchlib import report  # noqa: E402
from benchlib.idle_memory import measure_idle  # noqa: E402
from benchlib.load_point import PointFailed, run_point, SMTP_SOURCE  # noqa: E402
from benchlib.process_group import ProcessGroup  # noqa: E402
from benchlib.servers import Mailroom, ReferenceStack  # noqa: E402

REPO = os.path.dirname(HERE)
DEFAULT_BIN = os.path.join(REPO, "build", "release", "src", "cli", "mailroom")

# Messages per run, chosen so one run takes a few seconds on 2 cores at
# Postfix's pace (about 140 delivered/s of 1 KiB with 10+ clients).
MESSAGES = {
    (1024, 1): 400, (1024, 10): 1000, (1024, 50): 2000,
    (102400, 1): 150, (102400, 10): 300, (102400, 50): 500,
}
QUICK_DIVISOR = 5
MIN_MESSAGES = 20
WARMUP_MESSAGES = 50


def messages_for(size, clients, quick):
    n = MESSAGES.get((size, clients))
    if n is None:  # a size/client count outside the table: scale by size
        n = 1000 if size <= 16384 else 300
    if quick:
        n = max(MIN_MESSAGES, n // QUICK_DIVISOR)
    return max(n, clients)


def int_list(text):
    return [int(x) for x in text.split(",") if x.strip()]


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="one run per point, N/%d messages, small idle test" % QUICK_DIVISOR)
    ap.add_argument("--repeats", type=int, help="runs per point (default 3, quick 1)")
    ap.add_argument("--sizes", type=int_list, default=[1024, 102400],
                    help="payload sizes in bytes, comma separated")
    ap.add_argument("--clients", type=int_list, default=[1, 10, 50],
                    help="concurrent sessions, comma separated")
    ap.add_argument("--servers", default="mailroom,postfix",
                    help="which servers: mailroom, postfix or both")
    ap.add_argument("--idle-mailroom", type=int, default=1000,
                    help="idle connections opened to mailroom (default 1000)")
    ap.add_argument("--idle-postfix", type=int, default=50,
                    help="idle connections (= smtpd processes) opened to Postfix (default 50)")
    ap.add_argument("--time-limit", type=float, default=180.0,
                    help="seconds one run may take before it counts as failed")
    ap.add_argument("--reuse-connections", action="store_true",
                    help="smtp-source -d: several messages per session")
    ap.add_argument("--binary", default=DEFAULT_BIN, help="mailroom binary")
    ap.add_argument("--before", metavar="BIN",
                    help="also run this mailroom binary (named 'before'), interleaved with --binary, "
                         "e.g. --servers mailroom --before OLD to compare two builds")
    ap.add_argument("--ref-base-port", type=int, help="reference stack base port (default: first free from 21000)")
    ap.add_argument("--no-cgroup", action="store_true",
                    help="count CPU from /proc instead of a cgroup v2 per server")
    ap.add_argument("--keep", action="store_true", help="keep data dirs and logs")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    a = ap.parse_args(argv)
    if a.repeats is None:
        a.repeats = 1 if a.quick else 3
    if a.quick:
        a.idle_mailroom = min(a.idle_mailroom, 200)
        a.idle_postfix = min(a.idle_postfix, 20)
    a.servers = [s.strip() for s in a.servers.split(",") if s.strip()]
    for s in a.servers:
        if s not in ("mailroom", "postfix"):
            ap.error("unknown server %r" % s)
    if a.repeats < 1 or any(c < 1 for c in a.clients) or any(s < 1 for s in a.sizes):
        ap.error("repeats, sizes and clients must be positive")
    return a


def log(msg):
    print(msg, flush=True)


class BeforeMailroom(Mailroom):
    """A second mailroom build in the same run; its binary is chosen at
    start (Mailroom takes $MAILROOM_BIN, which the CLI calls also read)."""
    name = "before"

    def __init__(self, binary, max_connections, use_cgroup, current):
        super().__init__(binary, max_connections, use_cgroup=False)
        self.group = ProcessGroup("before", use_cgroup)  # its own cgroup, beside "mailroom"'s
        self.binary, self.current = binary, current
        os.environ["MAILROOM_BIN"] = current

    def start(self):
        os.environ["MAILROOM_BIN"] = self.binary
        try:
            super().start()
        finally:
            os.environ["MAILROOM_BIN"] = self.current


def dump_logs(server, lines=40):
    for path in server.logs:
        try:
            with open(path, "rb") as f:
                tail = f.read().decode("utf-8", "replace").splitlines()[-lines:]
        except OSError:
            continue
        sys.stderr.write("----- %s (last %d lines)\n%s\n" % (path, len(tail), "\n".join(tail)))


def main(argv):
    a = parse_args(argv)
    if not os.access(SMTP_SOURCE, os.X_OK):
        sys.exit("%s missing: run scripts/install-bench-deps" % SMTP_SOURCE)
    if "postfix" in a.servers and os.geteuid() != 0:
        sys.exit("the reference stack (Postfix + Dovecot) must be started as root")
    if "mailroom" in a.servers and not os.access(a.binary, os.X_OK):
        sys.exit("%s missing: build the release preset first" % a.binary)
    use_cgroup = not a.no_cgroup
    servers = []
    if "mailroom" in a.servers:
        servers.append(Mailroom(a.binary, max(a.idle_mailroom + 100, 1000), use_cgroup))
    if a.before:
        servers.append(BeforeMailroom(a.before, max(a.idle_mailroom + 100, 1000), use_cgroup, a.binary))
    if "postfix" in a.servers:
        servers.append(ReferenceStack(a.ref_base_port, use_cgroup))
    started = []
    ok = True
    points = {}
    idle = {}
    t_begin = time.monotonic()
    load_begin = os.getloadavg()[0]
    try:
        for s in servers:
            s.start()
            started.append(s)
            log("started %s on %s:%d (CPU by %s)" % (s.name, s.host, s.port, s.group.method))
        # Idle memory first: on fresh servers no idle smtpd can be reused.
        for s in servers:
            k = a.idle_postfix if s.name == "postfix" else a.idle_mailroom
            idle[s.name] = measure_idle(s, k)
            log("idle %s: %d connections, %.1f KiB Pss each"
                % (s.name, k, idle[s.name].pss_kib_per_conn))
        for s in servers:  # first sessions pay for process starts and caches
            run_point(s, 1024, 10, WARMUP_MESSAGES, "bench-warmup", a.time_limit)
        for size in a.sizes:
            for clients in a.clients:
                n = messages_for(size, clients, a.quick)
                row = points.setdefault((size, clients), {"n": n})
                for rep in range(a.repeats):
                    # Servers alternate, so load from other users of the
                    # machine falls on both alike.
                    for s in servers:
                        tag = "bench-%s-%d-%d-%d" % (s.name, size, clients, rep)
                        try:
                            r = run_point(s, size, clients, n, tag, a.time_limit,
                                          a.reuse_connections)
                        except PointFailed as e:
                            ok = False
                            log("FAILED %s %s x %d run %d: %s"
                                % (s.name, report.size_label(size), clients, rep + 1, e))
                            dump_logs(s)
                            continue
                        row.setdefault(s.name, []).append(r)
                        log("%-8s %-7s x %2d run %d: N=%d accepted %.0f/s delivered %.0f/s "
                            "cpu %.3f ms/msg" % (s.name, report.size_label(size), clients,
                                                 rep + 1, n, r.accepted_per_s,
                                                 r.delivered_per_s, r.cpu_ms_per_msg))
    except Exception:
        for s in started:
            dump_logs(s)
        raise
    finally:
        for s in started:
            s.stop()
        if not a.keep:
            for s in servers:
                s.cleanup()
        else:
            for s in servers:
                log("kept %s: %s" % (s.name, ", ".join(s.logs)))

    print()
    print("\n".join(report.point_table(points, servers, a.repeats)))
    print()
    print("\n".join(report.idle_table(idle)))
    print()
    print("CPU counted by: " + "; ".join("%s %s" % (s.name, s.group.method) for s in servers))
    print("Targets (issue #3):")
    missed = False
    for text, met in report.target_lines(points, idle):
        mark = "n/a " if met is None else ("MET " if met else "MISS")
        missed = missed or met is False
        print("  [%s] %s" % (mark, text))
    # Other jobs on the machine share its cores with both servers.
    print("load average %.1f at start, %.1f at end, %d CPUs"
          % (load_begin, os.getloadavg()[0], os.cpu_count() or 0))
    print("total %.0f s%s" % (time.monotonic() - t_begin, "" if ok else "; SOME RUNS FAILED"))
    if not ok or (a.strict and missed):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
