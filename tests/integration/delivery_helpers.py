"""Helpers for the outbound delivery tests (test_delivery_*.py,
test_smarthost.py): servers with a [delivery] section, bounded waits on
mailboxes, the queue and the log, and reading a delivery status
notification (RFC 3464 inside RFC 6522 multipart/report)."""

import email
import email.policy
import os
import poplib
import re
import smtplib
import time

import harness
from harness import NET_TIMEOUT

WAIT = 20.0  # seconds: the bound of every wait for a delivery


def delivery_section(dns=None, **keys):
    """A [delivery] table for make_config: fast retries, IPv4 (the tests
    listen on 127.0.0.x), and dnsmasq as the only DNS server when given."""
    d = dict(opportunistic_tls=True, address_order="ipv4_only", connect_timeout=5,
             retry_initial=1, retry_max=2, retry_growth=2.0, max_lifetime=120)
    if dns is not None:
        d.update(dns_forwarder="127.0.0.1:%d" % dns.port, dns_special_zones=["test"])
    d.update(keys)
    return d


def start_server(name, hostname, domain, users, listeners, delivery, address="127.0.0.1", extra=None):
    """A started `mailroom serve` named NAME with host name HOSTNAME, local
    DOMAIN and USERS (harness.User), listeners bound to ADDRESS."""
    config = dict(hostname=hostname, delivery=delivery)
    config.update(extra or {})
    specs = []
    for l in listeners:
        spec = dict(address=address)
        spec.update(l)
        specs.append(spec)
    srv = harness.Server(listeners=specs, extra_config=config, name=name)
    srv.add_domain(domain)
    for u in users:
        srv.add_user(u.address, u.password)
    return srv.start()


def wait_until(predicate, what, timeout=WAIT, interval=0.1):
    """Polls predicate() until it returns a true value, which is returned;
    AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %ds waiting for %s" % (timeout, what))
        time.sleep(interval)


# ---------------------------------------------------------------- mailboxes

def pop3(srv, user, listener="pop3-plain"):
    c = poplib.POP3(*srv.addr(listener), timeout=NET_TIMEOUT)
    c.user(user.address)
    c.pass_(user.password)
    return c


def count(srv, user):
    """Messages in USER's Maildir (DATA/mail/DOMAIN/LOCAL/{new,cur}): polled
    on disk, which costs no login; the content is fetched over POP3."""
    local, domain = user.address.split("@")
    base = os.path.join(srv.data_dir, "mail", domain, local)
    return sum(len(os.listdir(os.path.join(base, d))) for d in ("new", "cur")
               if os.path.isdir(os.path.join(base, d)))


def fetch_all(srv, user):
    """Every message of USER on SRV over POP3 (CRLF lines), then deleted."""
    c = pop3(srv, user)
    try:
        out = []
        for n in range(1, c.stat()[0] + 1):
            out.append(b"".join(l + b"\r\n" for l in c.retr(n)[1]))
            c.dele(n)
        return out
    finally:
        c.quit()


def wait_for_mail(srv, user, n=1, timeout=WAIT):
    """Waits until USER has at least N messages; returns them all (deleted)."""
    wait_until(lambda: count(srv, user) >= n, "%d message(s) for %s" % (n, user.address), timeout)
    return fetch_all(srv, user)


def after_trace_headers(msg):
    """The message after the leading Return-Path: and Received: fields (and
    their continuation lines): what the first sender wrote."""
    lines = msg.split(b"\r\n")
    i = 0
    while i < len(lines) and (lines[i].startswith((b"Return-Path:", b"Received:"))
                              or (i > 0 and lines[i][:1] in (b" ", b"\t"))):
        i += 1
    return b"\r\n".join(lines[i:])


def trace_headers(msg):
    return msg[:len(msg) - len(after_trace_headers(msg))]


# ---------------------------------------------------------------- queue, log

def queue_list(srv):
    return srv.cli("queue", "list").stdout.decode("utf-8", "replace")


def queue_empty(srv):
    return "the queue is empty" in queue_list(srv)


def wait_queue_empty(srv, timeout=WAIT):
    wait_until(lambda: queue_empty(srv), "an empty queue on %s" % srv.name, timeout)


def log_lines(srv, pattern):
    """Lines of SRV's log matching the regular expression."""
    return [l for l in srv.read_log().splitlines() if re.search(pattern, l)]


def queue_id_of(srv, recipient):
    """The queue id the server logged for the message accepted for RECIPIENT."""
    lines = wait_until(lambda: log_lines(srv, r" accepted from=<[^>]*> to=[^ ]*%s.* queue=(\w+)"
                                         % re.escape(recipient)),
                       "the acceptance of mail for %s in the log" % recipient)
    return re.search(r" queue=(\w+)", lines[-1]).group(1)


# ---------------------------------------------------------------- sending

def send(srv, listener, sender, recipients, msg, mail_options=(), rcpt_options=(), login=None):
    """One message through smtplib (STARTTLS when offered, AUTH when LOGIN
    is a harness.User). Returns smtplib's refused-recipients dict."""
    with smtplib.SMTP(*srv.addr(listener), timeout=NET_TIMEOUT) as s:
        s.ehlo("client.a.test")
        if s.has_extn("starttls"):
            s.starttls(context=harness.tls_client_context())
            s.ehlo("client.a.test")
        if login is not None:
            s.login(login.address, login.password)
        return s.sendmail(sender, recipients, msg, mail_options=list(mail_options),
                          rcpt_options=list(rcpt_options))


def message(subject, body=b"first line\r\n.a line starting with a dot\r\n\r\nlast line\r\n", sender="x@a.test"):
    subject = subject.encode() if isinstance(subject, str) else subject
    return (b"From: <" + sender.encode() + b">\r\nTo: <someone@elsewhere.test>\r\nSubject: " + subject +
            b"\r\nMessage-ID: <" + subject.replace(b" ", b".") + b"@a.test>\r\n\r\n" + body)


# ---------------------------------------------------------------- DSNs

class Dsn:
    """A delivery status notification as a mail client sees it."""

    def __init__(self, raw):
        self.raw = raw
        self.msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        parts = self.msg.get_payload() if self.msg.is_multipart() else []
        self.parts = parts
        self.status = None        # the message/delivery-status part
        self.per_message = {}     # RFC 3464 §2.2 fields
        self.per_recipient = []   # RFC 3464 §2.3 fields, one dict per recipient
        self.returned = None      # the third part: message/rfc822 or text/rfc822-headers
        for p in parts:
            ct = p.get_content_type()
            if ct in ("message/delivery-status", "message/global-delivery-status"):
                self.status = p
                blocks = p.get_payload()
                self.per_message = {k.lower(): v for k, v in blocks[0].items()}
                self.per_recipient = [{k.lower(): v for k, v in b.items()} for b in blocks[1:]]
            elif ct in ("message/rfc822", "text/rfc822-headers", "message/global", "message/global-headers"):
                self.returned = p

    @property
    def content_type(self):
        return self.msg.get_content_type()

    def returned_bytes(self):
        """The returned message or header section, as bytes."""
        p = self.returned
        if p is None:
            return b""
        if p.get_content_type().startswith("message/"):
            inner = p.get_payload()[0]
            return inner.as_bytes(policy=email.policy.compat32.clone(linesep="\r\n"))
        return p.get_payload(decode=True)

    def human_text(self):
        first = self.parts[0] if self.parts else None
        return first.get_payload(decode=True).decode("utf-8", "replace") if first is not None else ""
