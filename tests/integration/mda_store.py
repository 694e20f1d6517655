#!/usr/bin/env python3
"""MDA for the fetchmail tests: stores standard input, unchanged, as a new
file DIR/NNNN.msg (the first free number; bounded)."""
import os
import sys


def main():
    out = sys.argv[1]
    data = sys.stdin.buffer.read()
    for n in range(1, 100000):
        path = os.path.join(out, "%04d.msg" % n)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        return 0
    return 75  # EX_TEMPFAIL


if __name__ == "__main__":
    sys.exit(main())
