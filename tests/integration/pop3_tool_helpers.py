"""Helpers of test_pop3_tool.py: a test CA with a server certificate, a
private Dovecot POP3 server (passwd-file, plaintext passwords so APOP,
CRAM-MD5 and SCRAM work), a throttling TCP relay (to catch a fetch in the
middle of a message), mboxrd parsing and running `mailroom pop3`."""

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import harness

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def make_ca(directory):
    """CA certificate ca.pem and a server certificate srv.pem/srv.key for
    mail.example.test and 127.0.0.1 (not localhost: the wrong-name case)."""
    def ssl(*args):
        subprocess.run(["openssl"] + list(args), cwd=directory, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "3", "-subj", "/CN=mailroom test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key", "-out", "srv.csr",
        "-subj", "/CN=mail.example.test")
    with open(os.path.join(directory, "ext.cnf"), "w") as f:
        f.write("subjectAltName=DNS:mail.example.test,IP:127.0.0.1\n"
                "extendedKeyUsage=serverAuth\n")
    ssl("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "srv.pem", "-days", "3", "-extfile", "ext.cnf")
    return {k: os.path.join(directory, v) for k, v in
            dict(ca="ca.pem", cert="srv.pem", key="srv.key").items()}


def run_pop3(args, password=None, timeout=120, preexec_fn=None):
    """`mailroom pop3 ARGS`; the password through MAILROOM_PASSWORD."""
    env = dict(os.environ)
    env.pop("MAILROOM_PASSWORD", None)
    if password is not None:
        env["MAILROOM_PASSWORD"] = password
    return subprocess.run([harness.mailroom_bin(), "pop3"] + list(args), env=env,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout, preexec_fn=preexec_fn)


def parse_mboxrd(data):
    """The messages of an mboxrd file, as they were before quoting."""
    parts = re.split(rb"(?m)^From MAILER-DAEMON [^\n]*\n", data)
    assert parts[0] == b"", parts[0][:100]
    out = []
    for p in parts[1:]:
        assert p.endswith(b"\n\n") or p == b"\n", p[-20:]
        p = p[:-1]
        out.append(re.sub(rb"(?m)^>(>*From )", rb"\1", p))
    return out


def maildir_messages(d):
    """Contents of every message file in a Maildir's new/ and cur/."""
    out = []
    for sub in ("new", "cur"):
        for name in sorted(os.listdir(os.path.join(d, sub))):
            with open(os.path.join(d, sub, name), "rb") as f:
                out.append(f.read())
    return out


class SlowRelay:
    """127.0.0.1:port → target, the server's bytes sent on in 16 KiB pieces
    with a pause between them, so a 3 MiB message takes about two seconds;
    pause = 0 makes later connections fast."""

    def __init__(self, target, piece=16384, pause=0.01):
        self.target, self.piece, self.pause = target, piece, pause
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            s = socket.create_connection(self.target, timeout=harness.NET_TIMEOUT)
            threading.Thread(target=self._pump, args=(c, s, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(s, c, True), daemon=True).start()

    def _pump(self, src, dst, slow):
        try:
            while True:
                data = src.recv(self.piece if slow else 65536)
                if not data:
                    break
                dst.sendall(data)
                if slow and self.pause:
                    time.sleep(self.pause)
        except OSError:
            pass
        for x in (src, dst):
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            x.close()

    def close(self):
        self.stopped = True
        self.sock.close()


def free_port():
    return harness.closed_port()


class Dovecot:
    """A private Dovecot POP3 server on loopback (plain+STLS and implicit
    TLS), users in a passwd-file with {PLAIN} passwords, mail in Maildirs
    owned by nobody. Stopped by its pid (it runs in the foreground)."""

    delivered = 0  # messages written by deliver(), for unique file names

    def __init__(self, users, tls):
        self.home = tempfile.mkdtemp(prefix="mailroom-dovecot-pop3-")
        os.chmod(self.home, 0o755)
        self.pop3_port, self.pop3s_port = free_port(), free_port()
        self.users = users
        passwd = os.path.join(self.home, "passwd")
        with open(passwd, "w") as f:
            for u in users:
                f.write("%s:{PLAIN}%s::::::\n" % (u.address, u.password))
        os.chmod(passwd, 0o644)
        self.mail = os.path.join(self.home, "mail")
        os.makedirs(self.mail)
        conf = os.path.join(self.home, "dovecot.conf")
        with open(conf, "w") as f:
            f.write(DOVECOT_CONF % dict(home=self.home, passwd=passwd, cert=tls["cert"], key=tls["key"],
                                        pop3=self.pop3_port, pop3s=self.pop3s_port, mail=self.mail))
        self.conf = conf
        for u in users:
            self.deliver(u, u.messages)
        with open(os.path.join(self.home, "start.log"), "wb") as log:
            self.proc = subprocess.Popen([DOVECOT, "-F", "-c", conf], stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.time() + 20
        while not (self._listening(self.pop3_port) and self._listening(self.pop3s_port)):
            if self.proc.poll() is not None or time.time() > deadline:
                raise AssertionError("dovecot did not start: %s" % self.log())
            time.sleep(0.1)

    def maildir(self, user):
        local, domain = user.address.split("@")
        return os.path.join(self.mail, domain, local, "Maildir")

    def deliver(self, user, messages):
        """Files in the user's Maildir/new, as an MDA would write them (LF)."""
        d = self.maildir(user)
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        for m in messages:
            # Unique across calls: a second delivery in the same second must
            # not reuse the base name of a message Dovecot moved to cur/.
            Dovecot.delivered += 1
            name = "%d.M%dP%d.test" % (time.time(), Dovecot.delivered, os.getpid())
            with open(os.path.join(d, "new", name), "wb") as f:
                f.write(harness.expected_lf(m))
        for root, dirs, files in os.walk(os.path.join(self.mail)):
            for n in dirs + files:
                os.chown(os.path.join(root, n), 65534, 65534)
        os.chown(self.mail, 65534, 65534)

    def count(self, user):
        d = self.maildir(user)
        return sum(len(os.listdir(os.path.join(d, s))) for s in ("new", "cur"))

    @staticmethod
    def _listening(port):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            return False

    def log(self):
        text = ""
        for n in ("dovecot.log", "start.log"):
            try:
                with open(os.path.join(self.home, n), "rb") as f:
                    text += f.read().decode(errors="replace")[-3000:]
            except OSError:
                pass
        return text

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        shutil.rmtree(self.home, ignore_errors=True)


DOVECOT_CONF = """
instance_name = mailroom-test-pop3-%(pop3)d
base_dir = %(home)s/run
state_dir = %(home)s/state
log_path = %(home)s/dovecot.log
protocols = pop3
listen = 127.0.0.1
ssl = yes
ssl_cert = <%(cert)s
ssl_key = <%(key)s
ssl_dh = </usr/share/dovecot/dh.pem
disable_plaintext_auth = no
auth_mechanisms = plain login cram-md5 apop scram-sha-1 scram-sha-256
auth_username_format = %%Lu
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%Lu %(passwd)s
}
userdb {
  driver = passwd-file
  args = username_format=%%Lu %(passwd)s
  default_fields = uid=65534 gid=65534 home=%(mail)s/%%d/%%n
}
mail_location = maildir:~/Maildir
first_valid_uid = 1
first_valid_gid = 1
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = %(pop3)d
  }
  inet_listener pop3s {
    address = 127.0.0.1
    port = %(pop3s)d
    ssl = yes
  }
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service imap-urlauth-login {
  inet_listener imap-urlauth {
    port = 0
  }
}
service doveadm {
  inet_listener {
    port = 0
  }
}
protocol pop3 {
  pop3_uidl_format = %%08Xu%%08Xv
}
"""
