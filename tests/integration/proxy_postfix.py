"""A private Postfix submission listener for test_proxy_postfix.py: its own
config, queue and data directories in a temporary directory, a submission
port on loopback that requires STARTTLS before AUTH (Dovecot SASL: a
private `dovecot -F` serving only the auth socket, passwd-file with
plaintext passwords) and relays every accepted message to a sink in this
process, which keeps each DATA exactly as Postfix sent it. Stopped by the
master's pid (`postfix stop`) and the Dovecot pid. Needs Debian's postfix."""

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

from proxy_dovecot import DOVECOT, free_port, make_cert

POSTFIX = "/usr/sbin/postfix"
START_TIMEOUT = 30.0


def available():
    return os.path.exists(POSTFIX) and os.path.exists("/usr/lib/postfix/sbin/smtpd") and os.path.exists(DOVECOT)


class Sink:
    """A minimal SMTP server on loopback standing in for "the next hop": it
    accepts everything and keeps each message (dot-stuffing undone)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.messages = []
        self.cond = threading.Condition()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(c,), daemon=True).start()

    def _session(self, c):
        c.settimeout(60)
        f = c.makefile("rb")
        try:
            c.sendall(b"220 sink.invalid ESMTP\r\n")
            while True:
                line = f.readline(4096)
                if not line:
                    return
                verb = line[:4].upper()
                if verb == b"EHLO":
                    c.sendall(b"250-sink.invalid\r\n250-8BITMIME\r\n250 SIZE 100000000\r\n")
                elif verb == b"DATA":
                    c.sendall(b"354 go\r\n")
                    body = []
                    while True:
                        data = f.readline(1 << 20)
                        if not data or data == b".\r\n":
                            break
                        body.append(data[1:] if data.startswith(b".") else data)
                    with self.cond:
                        self.messages.append(b"".join(body))
                        self.cond.notify_all()
                    c.sendall(b"250 kept\r\n")
                elif verb == b"QUIT":
                    c.sendall(b"221 bye\r\n")
                    return
                else:
                    c.sendall(b"250 ok\r\n")
        except OSError:
            return
        finally:
            f.close()
            c.close()

    def wait(self, count, timeout=30.0):
        with self.cond:
            self.cond.wait_for(lambda: len(self.messages) >= count, timeout)
            return list(self.messages)

    def close(self):
        self.sock.close()


class Postfix:
    def __init__(self, users):
        self.dir = tempfile.mkdtemp(prefix="mailroom-proxy-postfix-")
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        self.cert, self.key = make_cert(self.dir)
        self.sink = Sink()
        self.conf = os.path.join(self.dir, "conf")
        self.queue = os.path.join(self.dir, "queue")
        data = os.path.join(self.dir, "data")
        for d in (self.conf, self.queue, data):
            os.makedirs(d)
        shutil.chown(data, "postfix", "postfix")
        self.log = os.path.join(self.dir, "postfix.log")
        with open(os.path.join(self.conf, "main.cf"), "w") as f:
            f.write("\n".join([
                "compatibility_level = 3.6", "config_directory = " + self.conf, "queue_directory = " + self.queue,
                "data_directory = " + data, "mail_owner = postfix", "setgid_group = postdrop",
                "syslog_name = postfix-mailroom-proxy-%d" % self.port, "maillog_file = " + self.log,
                "maillog_file_prefixes = " + self.dir, "myhostname = mx.example.test", "mydestination =",
                "local_recipient_maps =", "alias_maps =", "alias_database =", "inet_interfaces = loopback-only",
                "inet_protocols = ipv4", "mynetworks =", "biff = no", "readme_directory = no",
                # Every accepted message goes to the sink in this process, never elsewhere.
                "relayhost = [127.0.0.1]:%d" % self.sink.port, "smtp_dns_support_level = disabled",
                "smtp_tls_security_level = none", "smtpd_tls_cert_file = " + self.cert,
                "smtpd_tls_key_file = " + self.key, "smtpd_sasl_type = dovecot", "smtpd_sasl_path = private/auth",
                "local_header_rewrite_clients =", ""]))
        with open(os.path.join(self.conf, "master.cf"), "w") as f:
            f.write("127.0.0.1:%d inet n - n - 20 smtpd\n" % self.port)
            # RFC 4954 §4 / Postfix TLS_README: TLS first, AUTH only inside it.
            for opt in ("smtpd_tls_security_level=encrypt", "smtpd_tls_auth_only=yes", "smtpd_sasl_auth_enable=yes",
                        "smtpd_delay_reject=no", "smtpd_client_restrictions=", "smtpd_helo_restrictions=",
                        "smtpd_sender_restrictions=permit_sasl_authenticated,reject",
                        "smtpd_relay_restrictions=permit_sasl_authenticated,reject",
                        "smtpd_recipient_restrictions="):
                f.write("  -o %s\n" % opt)
            for line in ("pickup unix n - n 60 1 pickup", "cleanup unix n - n - 0 cleanup",
                         "qmgr unix n - n 300 1 qmgr", "tlsmgr unix - - n 1000? 1 tlsmgr",
                         "rewrite unix - - n - - trivial-rewrite", "bounce unix - - n - 0 bounce",
                         "defer unix - - n - 0 bounce", "trace unix - - n - 0 bounce", "verify unix - - n - 1 verify",
                         "flush unix n - n 1000? 0 flush", "proxymap unix - - n - - proxymap",
                         "smtp unix - - n - - smtp", "relay unix - - n - - smtp", "showq unix n - n - - showq",
                         "error unix - - n - - error", "retry unix - - n - - error", "discard unix - - n - - discard",
                         "anvil unix - - n - 1 anvil", "scache unix - - n - 1 scache",
                         "postlog unix-dgram n - n - 1 postlogd"):
                f.write(line + "\n")
        self.passwd = os.path.join(self.dir, "passwd")
        with open(self.passwd, "w") as f:
            for user, pw in users:
                f.write("%s:{PLAIN}%s::::::\n" % (user, pw))
        shutil.chown(self.passwd, "root", "dovecot")
        os.chmod(self.passwd, 0o640)
        self.dv_conf = os.path.join(self.dir, "dovecot.conf")
        with open(self.dv_conf, "w") as f:
            f.write("\n".join([
                "instance_name = mailroom-proxy-postfix-%d" % self.port, "base_dir = %s/dvrun" % self.dir,
                "state_dir = %s/dvstate" % self.dir, "log_path = %s/dovecot.log" % self.dir, "protocols = none",
                "ssl = no", "disable_plaintext_auth = no", "auth_mechanisms = plain login",
                "passdb {\n  driver = passwd-file\n  args = scheme=PLAIN %s\n}" % self.passwd,
                "userdb {\n  driver = static\n  args = uid=nobody gid=nogroup home=/nonexistent\n}",
                "service anvil {\n  unix_listener anvil-auth-penalty {\n    mode = 0\n  }\n}",
                "service auth {\n  unix_listener %s/private/auth {\n    mode = 0660\n    user = postfix\n"
                "    group = postfix\n  }\n}" % self.queue, ""]))
        self.dovecot = None
        self.started = False

    def _postfix(self, *args):
        return subprocess.run([POSTFIX, "-c", self.conf] + list(args), stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)

    def start(self):
        # `postfix check` creates the queue's subdirectories (private/ among them).
        for step in ("check", "start"):
            p = self._postfix(step)
            if p.returncode != 0:
                self.stop()
                raise AssertionError("postfix %s: %s\n%s" % (step, p.stdout.decode(errors="replace"), self.logs()))
            self.started = True
        with open(os.path.join(self.dir, "dovecot.stderr"), "wb") as err:
            self.dovecot = subprocess.Popen([DOVECOT, "-F", "-c", self.dv_conf], stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.dovecot.poll() is not None:
                break
            if os.path.exists(os.path.join(self.queue, "private", "auth")):
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                    return self
                except OSError:
                    pass
            time.sleep(0.1)
        logs = self.logs()
        self.stop()
        raise AssertionError("postfix or its SASL did not come up:\n" + logs)

    def master_pid(self):
        try:
            with open(os.path.join(self.queue, "pid", "master.pid")) as f:
                return int(f.read().strip() or 0)
        except (OSError, ValueError):
            return 0

    def logs(self):
        out = ""
        for name in ("postfix.log", "dovecot.log", "dovecot.stderr"):
            try:
                with open(os.path.join(self.dir, name), errors="replace") as f:
                    out += f.read()[-4000:]
            except OSError:
                pass
        return out

    def stop(self):
        if self.started:
            pid = self.master_pid()
            self._postfix("stop")  # signals the master pid recorded in this queue directory
            self.started = False
            deadline = time.monotonic() + 10
            while pid and time.monotonic() < deadline and os.path.exists("/proc/%d" % pid):
                time.sleep(0.1)
        if self.dovecot and self.dovecot.poll() is None:
            self.dovecot.terminate()
            try:
                self.dovecot.wait(10)
            except subprocess.TimeoutExpired:
                self.dovecot.kill()
                self.dovecot.wait(5)
        self.dovecot = None

    def cleanup(self):
        self.stop()
        self.sink.close()
        shutil.rmtree(self.dir, ignore_errors=True)
