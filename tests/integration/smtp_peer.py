"""A scripted SMTP server on loopback for the client-side tests (`mailroom
send`, outbound delivery): it answers from a table, records every line and
every transaction it saw, and can stall before a reply. Plain sockets, no
STARTTLS: what the client does with an unencrypted peer is part of the test.

answers maps a command verb ("MAIL", "RCPT", "DATA", "AUTH", ...), or
"greeting", or "." (the end of the data), to a reply. A reply is a string
(several lines joined by "\\n"), a (seconds, string) pair to stall first, or
a function f(line, transaction, connection) returning either. Missing verbs
get "250 2.0.0 ok" ("354 go" for DATA after an accepted RCPT, else 554). `answers` may also be a list: one
table per connection in arrival order, the last one reused.
"""

import socket
import threading
import time

from harness import NET_TIMEOUT

DEFAULT_EHLO = ("250-peer.test", "250 PIPELINING")
MAX_LINES_PER_CONNECTION = 100000  # a bound on a misbehaving client


class Transaction:
    """One MAIL ... end of data on one connection."""

    def __init__(self, connection, mail):
        self.connection = connection
        self.mail = mail            # the MAIL FROM line, without CRLF
        self.rcpts = []             # the RCPT TO lines, without CRLF
        self.parts = []             # the lines of `data`: joined when read (+= on bytes is quadratic)
        self.complete = False       # the final "." arrived
        self.reply = None           # what we answered to it (None: connection lost first)

    @property
    def data(self):
        """Dot-unstuffed, CRLF lines, without the final "."."""
        return b"".join(self.parts)

    def __repr__(self):
        return "Transaction(conn=%d %r rcpts=%r %d bytes complete=%s reply=%r)" % (
            self.connection, self.mail, self.rcpts, len(self.data), self.complete, self.reply)


class ScriptedPeer:
    def __init__(self, answers=None, ehlo_lines=DEFAULT_EHLO, connections=1, host="127.0.0.1"):
        """connections: how many to serve before the listening socket is
        closed (None: until close())."""
        self.answers = answers if answers is not None else {}
        self.ehlo_lines = ehlo_lines
        self.max_connections = connections
        self.received = []          # every line from every connection, with CRLF
        self.transactions = []
        self.connections = 0
        self.connected_at = []      # time.monotonic() of each accepted connection
        self.cond = threading.Condition()
        self.closed = False
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)   # so close() is noticed
        self.host = host
        self.port = self.sock.getsockname()[1]
        self.workers = []
        self.thread = threading.Thread(target=self.accept_loop, daemon=True)
        self.thread.start()

    # -- public
    def join(self):
        """Waits (bounded) until the connections asked for were served."""
        self.thread.join(NET_TIMEOUT)
        for w in list(self.workers):
            w.join(NET_TIMEOUT)

    def close(self):
        with self.cond:
            self.closed = True
        self.thread.join(NET_TIMEOUT)

    def wait_for(self, predicate, timeout, what):
        """Waits until predicate(self) is true (under the lock); raises
        AssertionError naming `what` after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("peer on port %d: no %s within %ds; transactions: %r"
                                         % (self.port, what, timeout, self.transactions))
                self.cond.wait(min(left, 0.5))

    def completed(self):
        """Transactions whose data ended, in order (a copy)."""
        with self.cond:
            return [t for t in self.transactions if t.complete]

    # -- serving
    def table_for(self, n):
        if isinstance(self.answers, list):
            return self.answers[min(n, len(self.answers) - 1)]
        return self.answers

    def accept_loop(self):
        try:
            while True:
                with self.cond:
                    if self.closed or (self.max_connections is not None
                                       and self.connections >= self.max_connections):
                        return
                try:
                    conn, _ = self.sock.accept()
                except socket.timeout:
                    continue
                except OSError:
                    return
                with self.cond:
                    n = self.connections
                    self.connections += 1
                    self.connected_at.append(time.monotonic())
                w = threading.Thread(target=self.serve, args=(conn, n), daemon=True)
                self.workers.append(w)
                w.start()
        finally:
            self.sock.close()

    def reply(self, table, key, default, line, txn, n):
        r = table.get(key, default)
        if callable(r):
            r = r(line, txn, n)
        if isinstance(r, tuple):
            time.sleep(r[0])
            r = r[1]
        return r

    def serve(self, conn, n):
        conn.settimeout(NET_TIMEOUT)
        f = conn.makefile("rwb")
        table = self.table_for(n)
        txn = None

        def say(text):
            f.write(b"".join(l.encode() + b"\r\n" for l in text.split("\n")))
            f.flush()

        try:
            greeting = self.reply(table, "greeting", "220 peer.test ESMTP", None, None, n)
            say(greeting)
            if greeting.startswith("4") or greeting.startswith("5"):
                f.readline()
                return
            in_data = False
            for _ in range(MAX_LINES_PER_CONNECTION):
                line = f.readline()
                if not line:
                    return
                with self.cond:
                    self.received.append(line)
                if in_data:
                    if line == b".\r\n":
                        in_data = False
                        with self.cond:
                            txn.complete = True
                            self.cond.notify_all()
                        answer = self.reply(table, ".", "250 2.0.0 ok", line, txn, n)
                        with self.cond:
                            txn.reply = answer
                            self.cond.notify_all()
                        say(answer)
                        txn = None
                    else:
                        txn.parts.append(line[1:] if line.startswith(b".") else line)
                    continue
                verb = line.split(b" ")[0].split(b":")[0].strip().upper().decode("ascii", "replace")
                if verb in ("EHLO", "HELO"):
                    say("\n".join(self.ehlo_lines))
                    continue
                if verb == "QUIT":
                    say("221 2.0.0 bye")
                    return
                default = "250 2.0.0 ok"
                if verb == "DATA":  # as a real server: no DATA without a recipient (RFC 5321 §3.3)
                    default = "354 go" if txn is not None and txn.rcpts else "554 5.5.1 no valid recipients"
                answer = self.reply(table, verb, default, line, txn, n)
                text = line.rstrip(b"\r\n").decode("utf-8", "replace")
                with self.cond:
                    if verb == "MAIL" and answer.startswith("2"):
                        txn = Transaction(n, text)
                        self.transactions.append(txn)
                    elif verb == "RCPT" and txn is not None and answer.startswith("2"):
                        txn.rcpts.append(text)
                    elif verb == "RSET":
                        txn = None
                    self.cond.notify_all()
                say(answer)
                if verb == "DATA" and answer.startswith("354"):
                    in_data = True
                    if txn is None:  # DATA without a transaction: still record what comes
                        with self.cond:
                            txn = Transaction(n, "")
                            self.transactions.append(txn)
        except OSError:
            return
        finally:
            try:
                conn.close()
            except OSError:
                pass
            with self.cond:
                self.cond.notify_all()
