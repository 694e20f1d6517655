"""A small IMAP client for the benchmarks (bench/imap_*.py): one command at
a time, literals read by their octet count, every tagged reply checked.
Lean on purpose: the Python client is often the limit of what a benchmark
can show, so it does no parsing beyond framing.
"""

import socket

NET_TIMEOUT = 120.0


class ImapError(RuntimeError):
    pass


class Client:
    def __init__(self, addr, timeout=NET_TIMEOUT):
        self.sock = socket.create_connection(addr, timeout=timeout)
        self.buf = bytearray()
        self.tag = 0
        greeting = self.line()
        if not greeting.startswith(b"* OK") and not greeting.startswith(b"* PREAUTH"):
            raise ImapError("greeting %r" % greeting[:80])

    def _fill(self):
        data = self.sock.recv(262144)
        if not data:
            raise ImapError("connection closed")
        self.buf += data

    def line(self):
        """One line without its CRLF."""
        start = 0
        while True:
            i = self.buf.find(b"\r\n", start)
            if i >= 0:
                out = bytes(self.buf[:i])
                del self.buf[:i + 2]
                return out
            start = max(0, len(self.buf) - 1)
            self._fill()

    def octets(self, n):
        while len(self.buf) < n:
            self._fill()
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def response(self):
        """One response: the line with each literal {n} followed by its
        octets and the rest of the line; returns (text, [literals])."""
        parts, literals = [], []
        while True:
            ln = self.line()
            parts.append(ln)
            if ln.endswith(b"}") and b"{" in ln:
                n = int(ln[ln.rindex(b"{") + 1:-1].rstrip(b"+"))
                literals.append(self.octets(n))
                continue
            return b"".join(parts), literals

    def send(self, text):
        self.tag += 1
        t = b"a%d" % self.tag
        self.sock.sendall(t + b" " + text + b"\r\n")
        return t

    def command(self, text):
        """Sends text, returns the untagged responses [(line, literals)];
        raises unless the tagged reply is OK."""
        t = self.send(text)
        out = []
        while True:
            ln, lits = self.response()
            if ln.startswith(t + b" "):
                if not ln.startswith(t + b" OK"):
                    raise ImapError("%r -> %r" % (text[:60], ln[:200]))
                return out
            out.append((ln, lits))

    def login(self, user, password):
        self.command(b"LOGIN %s %s" % (user.encode(), password.encode()))

    def logout(self):
        try:
            self.command(b"LOGOUT")
        except ImapError:
            pass
        self.sock.close()
