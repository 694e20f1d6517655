"""CPU time and memory of all processes of one server under test.

Method, chosen once per group:
- cgroup v2 (preferred): a child cgroup is made next to ours (on a hybrid
  v1/v2 host, under the cgroup2 mount, e.g. /sys/fs/cgroup/unified). Every
  process started in it, and every child those fork later, stays in it;
  `cpu.stat` usage_usec counts their CPU including processes that have
  already exited (Postfix's smtpd, cleanup, lmtp; Dovecot's lmtp), which no
  /proc snapshot can see. The base `cpu.stat` needs no cpu controller.
- /proc (fallback, when no cgroup can be made): the process tree below the
  given root pids, summing utime+stime+cutime+cstime of every process in it.
  A child that exited counts in its parent's cutime/cstime once reaped
  (Postfix's master and Dovecot's master reap theirs at once); a process
  that daemonises away from the tree is lost, so roots must be the daemons.
Memory is the sum over the group's processes of Pss (smaps_rollup: shared
pages divided among their users) and of VmRSS.
Not a test fixture: used only by bench/smtp_accept.py.
"""

import os
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _cgroup2_mount():
    with open("/proc/self/mounts") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[2] == "cgroup2":
                return parts[1]
    return None


def _own_cgroup2_path():
    with open("/proc/self/cgroup") as f:
        for line in f:
            if line.startswith("0::"):
                return line[3:].strip()
    return None


def _read_stat(pid):
    """(ppid, utime+stime, cutime+cstime) in clock ticks, or None if gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: split after the last ')'.
    fields = data[data.rindex(")") + 2:].split()
    # fields[0] is field 3 (state) of proc(5): ppid is field 4, utime 14 ... cstime 17.
    ppid = int(fields[1])
    own = int(fields[11]) + int(fields[12])
    reaped = int(fields[13]) + int(fields[14])
    return ppid, own, reaped


def _all_pids():
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _memory_kib(pid):
    """(Pss, VmRSS) of one process in KiB; (0, 0) if it is gone."""
    pss = rss = 0
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                    break
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                    break
    except OSError:
        return 0, 0
    return pss, rss


class ProcessGroup:
    """The processes of one server: started inside it (`preexec`), or
    adopted by pid (`adopt`), or found below root pids (`set_roots`)."""

    def __init__(self, name, use_cgroup=True):
        self.name = name
        self.cgroup = None
        self.roots = []
        if use_cgroup:
            self.cgroup = self._make_cgroup(name)
        self.method = "cgroup v2 cpu.stat" if self.cgroup else "/proc process tree"

    @staticmethod
    def _make_cgroup(name):
        mount, own = _cgroup2_mount(), _own_cgroup2_path()
        if mount is None or own is None:
            return None
        path = os.path.join(mount, own.lstrip("/"), "mailroom-bench-%d-%s" % (os.getpid(), name))
        try:
            os.mkdir(path)
            # Old kernels have no base cpu.stat without the cpu controller.
            with open(os.path.join(path, "cpu.stat")) as f:
                f.read()
        except OSError:
            try:
                os.rmdir(path)
            except OSError:
                pass
            return None
        return path

    # -- membership
    def preexec(self):
        """A Popen preexec_fn that puts the child into the cgroup before it
        execs, so everything it starts is counted. None without cgroup."""
        if not self.cgroup:
            return None
        procs = os.path.join(self.cgroup, "cgroup.procs")

        def enter():
            with open(procs, "w") as f:
                f.write("0")  # "0" is the writing process itself
        return enter

    def adopt(self, pid):
        """Moves a running process (all its threads) into the group."""
        if self.cgroup:
            with open(os.path.join(self.cgroup, "cgroup.procs"), "w") as f:
                f.write(str(pid))
        else:
            self.roots.append(pid)

    def set_roots(self, pids):
        """The daemons below which the /proc fallback looks."""
        self.roots = list(pids)

    def pids(self):
        if self.cgroup:
            with open(os.path.join(self.cgroup, "cgroup.procs")) as f:
                return [int(x) for x in f.read().split()]
        return list(self._tree())

    def _tree(self):
        stats = {}
        for pid in _all_pids():
            st = _read_stat(pid)
            if st is not None:
                stats[pid] = st
        members = {p for p in self.roots if p in stats}
        # Breadth-first by ppid; bounded by the number of processes.
        for _ in range(len(stats) + 1):
            grown = {p for p, st in stats.items() if st[0] in members} - members
            if not grown:
                break
            members |= grown
        return {p: stats[p] for p in members}

    # -- measurements
    def cpu_seconds(self):
        """CPU (user + system) used by the group so far."""
        if self.cgroup:
            with open(os.path.join(self.cgroup, "cpu.stat")) as f:
                for line in f:
                    key, value = line.split()
                    if key == "usage_usec":
                        return int(value) / 1e6
            raise RuntimeError("no usage_usec in %s/cpu.stat" % self.cgroup)
        ticks = sum(own + reaped for _, own, reaped in self._tree().values())
        return ticks / CLK_TCK

    def memory_kib(self):
        """(sum of Pss, sum of VmRSS, process count) over the group, KiB."""
        pss = rss = n = 0
        for pid in self.pids():
            p, r = _memory_kib(pid)
            if r:
                pss, rss, n = pss + p, rss + r, n + 1
        return pss, rss, n

    def close(self, wait_seconds=10.0):
        """Removes the cgroup once its processes are gone (the servers are
        stopped by their own scripts, never from here). True on success."""
        if not self.cgroup:
            return True
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                os.rmdir(self.cgroup)
                self.cgroup = None
                return True
            except OSError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.2)
