"""Tables and target checks printed by bench/smtp_accept.py (text only)."""

import statistics

# The targets (#3), against the reference stack measured in the same run.
TARGET_RATIO_50_1K = 10.0        # mailroom delivered/s >= 10x Postfix, 1 KiB, 50 clients
TARGET_CPU_MS_1K = 1.0           # mailroom CPU per 1 KiB message below this
TARGET_IDLE_KIB = 16.0           # mailroom memory per idle SMTP connection below this


def size_label(size):
    return "%d KiB" % (size // 1024) if size % 1024 == 0 else "%d B" % size


def median_of(results, attr):
    return statistics.median(getattr(r, attr) for r in results)


def point_table(points, servers, repeats):
    """points: {(size, clients): {"n": N, server_name: [Result, ...]}}."""
    names = [s.name for s in servers]
    head = "%-7s %7s %5s" % ("size", "clients", "N")
    for name in names:
        head += " | %-8s %7s %7s %7s" % (name, "acc/s", "del/s", "cpu ms")
    if len(names) == 2:
        head += " | %9s %9s" % ("del ratio", "cpu ratio")
    lines = ["SMTP acceptance: median of %d run(s); acc/s accepted, del/s delivered "
             "into the Maildir, cpu ms = server CPU per message" % repeats, head,
             "-" * len(head)]
    for (size, clients), row in sorted(points.items()):
        line = "%-7s %7d %5d" % (size_label(size), clients, row["n"])
        meds = {}
        for name in names:
            rs = row.get(name) or []
            if not rs:
                line += " | %-8s %7s %7s %7s" % ("", "-", "-", "-")
                continue
            meds[name] = (median_of(rs, "accepted_per_s"), median_of(rs, "delivered_per_s"),
                          median_of(rs, "cpu_ms_per_msg"))
            line += " | %-8s %7.0f %7.0f %7.2f" % (("",) + meds[name])
        if len(names) == 2:
            a, b = names
            if a in meds and b in meds:
                line += " | %8.1fx %8.2fx" % (meds[a][1] / meds[b][1], meds[a][2] / meds[b][2])
            else:
                line += " | %9s %9s" % ("-", "-")
        lines.append(line)
    return lines


def idle_table(idle):
    """idle: {server_name: IdleResult}."""
    lines = ["Memory per idle SMTP connection (banner + EHLO, then idle):",
             "%-8s %6s %14s %14s %10s" % ("server", "K", "Pss KiB/conn", "RSS KiB/conn",
                                          "processes+")]
    for name, r in idle.items():
        lines.append("%-8s %6d %14.1f %14.1f %10d" % (name, r.k, r.pss_kib_per_conn,
                                                       r.rss_kib_per_conn, r.processes_added))
    return lines


def target_lines(points, idle):
    """One line per target of the issue: (text, met?) — met is None when
    the run did not measure what the target needs."""
    out = []

    def med(size, clients, name, attr):
        rs = points.get((size, clients), {}).get(name)
        return median_of(rs, attr) if rs else None

    m = med(1024, 50, "mailroom", "delivered_per_s")
    p = med(1024, 50, "postfix", "delivered_per_s")
    if m is not None and p is not None:
        out.append(("delivered 1 KiB x 50 clients >= %.0fx Postfix: %.1fx"
                    % (TARGET_RATIO_50_1K, m / p), m / p >= TARGET_RATIO_50_1K))
    else:
        out.append(("delivered 1 KiB x 50 clients >= %.0fx Postfix: not measured"
                    % TARGET_RATIO_50_1K, None))
    slower = []
    compared = 0
    for key, row in sorted(points.items()):
        if row.get("mailroom") and row.get("postfix"):
            compared += 1
            for attr in ("accepted_per_s", "delivered_per_s"):
                if median_of(row["mailroom"], attr) <= median_of(row["postfix"], attr):
                    slower.append("%s x %d %s" % (size_label(key[0]), key[1], attr.split("_")[0]))
    out.append(("faster than Postfix at every point (%d compared)%s"
                % (compared, ": slower at " + ", ".join(slower) if slower else ""),
                (not slower) if compared else None))
    cpus = [median_of(row["mailroom"], "cpu_ms_per_msg")
            for (size, _), row in points.items() if size == 1024 and row.get("mailroom")]
    if cpus:
        worst = max(cpus)
        out.append(("mailroom CPU per 1 KiB message < %.1f ms: worst median %.3f ms"
                    % (TARGET_CPU_MS_1K, worst), worst < TARGET_CPU_MS_1K))
    if "mailroom" in idle:
        v = idle["mailroom"].pss_kib_per_conn
        out.append(("mailroom memory per idle connection < %.0f KiB: %.1f KiB (Pss)"
                    % (TARGET_IDLE_KIB, v), v < TARGET_IDLE_KIB))
    return out
