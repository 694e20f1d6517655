"""Fills Maildirs the same way for mailroom and Dovecot (bench/imap_*.py):
messages written straight into new/ (as another delivery agent would) or
into cur/ with a flag suffix (a mailbox already read), then each server
builds its own index on first open. Dovecot's Maildir is owned by 65534,
as its LMTP would leave it.
"""

import os

OWNER_DOVECOT = 65534  # the reference stack's mail owner
FLAG_CYCLE = ("", "S", "S", "FS", "RS", "S", "", "DS")  # a mix of flags, Maildir info letters


def text_message(to, i, body_bytes, subject="bench", words=None):
    """A plain message of about body_bytes; `words` (if given) go on its
    first body line."""
    head = ("From: sender@remote.test\nTo: %s\nSubject: %s %d\nMessage-Id: <%d.%s@bench>\n"
            "Date: Mon, 7 Dec 2026 03:00:00 +0000\n\n" % (to, subject, i, i, to.replace("@", ".")))
    first = ((words or "") + " line zero of message %d\n" % i)
    line = "the quick brown fox jumps over the lazy dog again and again, %06d\n" % i
    body = first + line * max(0, (body_bytes - len(head) - len(first)) // len(line))
    return (head + body).encode()


def fill(root, n, make, where="new", owner=None, stamp=1700000000):
    """n messages make(i) -> bytes into ROOT/new (or ROOT/cur with flags)."""
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    pid = os.getpid()
    for i in range(n):
        name = "%d.M%dP%d.bench" % (stamp + i, i, pid)
        if where == "cur":
            name += ":2," + FLAG_CYCLE[i % len(FLAG_CYCLE)]
        path = os.path.join(root, where, name)
        with open(path, "wb") as f:
            f.write(make(i))
        os.utime(path, (stamp + i, stamp + i))
    if owner is not None:
        chown_tree(root, owner)


def chown_tree(root, owner):
    for dirpath, _, files in os.walk(root):
        os.chown(dirpath, owner, owner)
        for f in files:
            os.chown(os.path.join(dirpath, f), owner, owner)


def peak_kib(pid):
    """VmHWM of a process (KiB): its peak resident memory since start or the last reset_peak."""
    with open("/proc/%d/status" % pid) as f:
        for ln in f:
            if ln.startswith("VmHWM:"):
                return int(ln.split()[1])
    return 0


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for ln in f:
            if ln.startswith("VmRSS:"):
                return int(ln.split()[1])
    return 0


def reset_peak(pid):
    """Sets VmHWM back to the current RSS (Linux clear_refs, value 5)."""
    with open("/proc/%d/clear_refs" % pid, "w") as f:
        f.write("5")


def processes_named(comm):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/comm" % d) as f:
                    if f.read().strip() == comm:
                        out.append(int(d))
            except OSError:
                pass
    return out
