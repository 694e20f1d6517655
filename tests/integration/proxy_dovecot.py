"""A private Dovecot POP3 server for the proxy tests (test_proxy_pop3.py):
its own configuration, passwd-file with plaintext passwords (so APOP and
CRAM-MD5 work), state and Maildirs in a temporary directory, listening on
free loopback ports, run in the foreground (`dovecot -F`) and stopped by
its pid. Two shapes: `apop_only` (no TLS, plaintext logins refused, APOP
the only mechanism) and `tls_only` (implicit TLS on a POP3S port, nothing
in cleartext). Needs Debian's dovecot-core and dovecot-pop3d."""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

DOVECOT = "/usr/sbin/dovecot"
START_TIMEOUT = 30.0


def available():
    return os.path.exists(DOVECOT) and os.path.exists("/usr/lib/dovecot/pop3")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_cert(directory):
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    return cert, key


class Dovecot:
    def __init__(self, shape, users):
        assert shape in ("apop_only", "tls_only")
        self.shape = shape
        self.dir = tempfile.mkdtemp(prefix="mailroom-proxy-dovecot-")
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        self.cert, self.key = make_cert(self.dir)
        self.log = os.path.join(self.dir, "dovecot.log")
        as_root = os.geteuid() == 0
        owner = pwd.getpwnam("nobody") if as_root else pwd.getpwuid(os.geteuid())
        self.mail = os.path.join(self.dir, "mail")
        os.makedirs(self.mail)
        os.chown(self.mail, owner.pw_uid, owner.pw_gid)
        with open(os.path.join(self.dir, "passwd"), "w") as f:
            for user, pw in users:
                f.write("%s:{PLAIN}%s:%d:%d::%s/%s::\n" % (user, pw, owner.pw_uid, owner.pw_gid, self.mail, user))
        tls = self.shape == "tls_only"
        conf = [
            "instance_name = mailroom-proxy-test-%d" % self.port,
            "base_dir = %s/run" % self.dir,
            "state_dir = %s/state" % self.dir,
            "log_path = %s" % self.log,
            "protocols = pop3",
            "listen = 127.0.0.1",
            "ssl = %s" % ("required" if tls else "no"),
            "disable_plaintext_auth = yes",
            "auth_mechanisms = %s" % ("plain login" if tls else "apop"),
            "passdb {\n  driver = passwd-file\n  args = scheme=PLAIN %s/passwd\n}" % self.dir,
            "userdb {\n  driver = passwd-file\n  args = %s/passwd\n}" % self.dir,
            "mail_location = maildir:~/Maildir",
            "first_valid_uid = 1",
            "pop3_uidl_format = %08Xu%08Xv",
            "service anvil {\n  unix_listener anvil-auth-penalty {\n    mode = 0\n  }\n}",
            "service pop3-login {\n  inet_listener pop3 {\n    port = %d\n  }\n"
            "  inet_listener pop3s {\n    port = %d\n    ssl = yes\n  }\n}"
            % ((0, self.port) if tls else (self.port, 0)),
            "service imap-login {\n  inet_listener imap {\n    port = 0\n  }\n  inet_listener imaps {\n"
            "    port = 0\n  }\n}",
        ]
        if tls:
            conf += ["ssl_cert = <%s" % self.cert, "ssl_key = <%s" % self.key]
        self.conf = os.path.join(self.dir, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write("\n".join(conf) + "\n")
        self.proc = None

    def start(self):
        with open(self.log + ".stderr", "wb") as err:
            self.proc = subprocess.Popen([DOVECOT, "-F", "-c", self.conf], stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("dovecot exited: %s" % self.logs())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError("dovecot did not listen: %s" % self.logs())

    def deliver(self, user, name, message):
        """A message straight into USER's Maildir new/ (Dovecot picks it up)."""
        new = os.path.join(self.mail, user, "Maildir", "new")
        for sub in ("new", "cur", "tmp"):
            os.makedirs(os.path.join(self.mail, user, "Maildir", sub), exist_ok=True)
        with open(os.path.join(new, name), "wb") as f:
            f.write(message)
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            for root, dirs, files in os.walk(os.path.join(self.mail, user)):
                for p in [root] + [os.path.join(root, x) for x in files]:
                    os.chown(p, nobody.pw_uid, nobody.pw_gid)

    def logs(self):
        out = ""
        for p in (self.log, self.log + ".stderr"):
            try:
                with open(p, errors="replace") as f:
                    out += f.read()
            except OSError:
                pass
        return out

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
