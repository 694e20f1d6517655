#!/usr/bin/env python3
"""`mailroom serve` runs its [[proxy]] entries (src/server/server.cpp,
proxy::proxy_set): a POP3 program logs in with plain USER/PASS on the
proxy's listener, which logs in to the same server's own POP3 listener over
STLS (certificate verified against the server's own), and the message
comes back byte for byte; the upstream side seen by a capture relay
carries STLS and never the password. A graceful stop ends the proxy too."""

import os
import poplib
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DOMAIN, NET_TIMEOUT  # noqa: E402
from proxy_helpers import CaptureRelay  # noqa: E402

USER, PASSWORD = "alice@" + DOMAIN, "alice-Serve-Proxy-3k"


class ServeRunsProxyTest(harness.unittest.TestCase):
    def test_pop3_proxy_entry_relays_to_own_listener_over_stls(self):
        pop3_port = harness.closed_port()
        srv = harness.Server(listeners=[dict(name="pop3", port=pop3_port, tls="starttls")])
        self.addCleanup(srv.cleanup)
        relay = CaptureRelay("127.0.0.1", pop3_port)
        self.addCleanup(relay.close)
        with open(srv.config_path, "a") as f:
            f.write('\n[[proxy]]\nname = "legacy"\nprotocol = "pop3"\nlisten = "127.0.0.1:0"\n'
                    'upstream = "localhost:%d"\nupstream_tls = "starttls"\nca_file = "%s"\n'
                    % (relay.port, os.path.join(srv.data_dir, "tls", "cert.pem")))
        srv.start()
        srv.add_domain()
        srv.add_user(USER, PASSWORD)
        sent = harness.msg_dots()
        srv.inject(USER, sent)
        self.assertEqual(srv.listeners["proxy:legacy"].tls, "none")
        c = poplib.POP3("127.0.0.1", srv.port("proxy:legacy"), timeout=NET_TIMEOUT)
        c.user(USER)
        c.pass_(PASSWORD)
        got = b"".join(l + b"\r\n" for l in c.retr(1)[1])
        c.quit()
        self.assertEqual(got, harness.expected_wire(sent))
        wire = relay.upstream_bytes
        self.assertIn(b"STLS\r\n", wire)
        self.assertNotIn(PASSWORD.encode(), wire)
        self.assertNotIn(b"PASS", wire)
        srv.stop()
        self.assertEqual(srv.exit_code, 0, srv.log_text[-3000:])
        self.assertFalse(srv.killed)
        self.assertRegex(srv.log_text, r"proxy legacy \(pop3\) listening on 127\.0\.0\.1 port \d+")
        self.assertNotIn(PASSWORD, srv.log_text)


if __name__ == "__main__":
    harness.unittest.main(verbosity=2)
