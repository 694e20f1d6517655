"""Client-side helpers shared by the POP3 integration tests: poplib
connections and logins, and an RFC 5802 SCRAM client over RawPop3."""

import hashlib
import hmac
import os
import poplib

import harness
from harness import NET_TIMEOUT, b64, tls_client_context

SMALL = [harness.simple_message("m%d" % i) for i in range(1, 4)]


def pop_lines_to_bytes(lines):
    """poplib strips CRLF and un-dot-stuffs: put the CRLFs back."""
    return b"".join(l + b"\r\n" for l in lines)


def connect(srv, name="pop3-plain"):
    host, port = srv.addr(name)
    if srv.listeners[name].tls == "implicit":
        return poplib.POP3_SSL(host, port, timeout=NET_TIMEOUT, context=tls_client_context())
    return poplib.POP3(host, port, timeout=NET_TIMEOUT)


def login(srv, user, name="pop3-plain"):
    c = connect(srv, name)
    c.user(user.address)
    c.pass_(user.password)
    return c


def sorted_bytes(items):
    return sorted(items)

def scram_auth(r, hashname, address, password, initial_response, tamper=False):
    """RFC 5802 client (RFC 7677 for SHA-256) over RawPop3 `r`. Returns the
    final reply line and whether the server signature verified (None if the
    server sent none)."""
    h = getattr(hashlib, hashname)
    mech = "SCRAM-SHA-1" if hashname == "sha1" else "SCRAM-SHA-256"
    cnonce = b64(os.urandom(18))
    saslname = address.replace("=", "=3D").replace(",", "=2C")
    first_bare = "n=%s,r=%s" % (saslname, cnonce)
    gs2 = "n,,"
    if initial_response:
        ch = r.cmd("AUTH %s %s" % (mech, b64(gs2 + first_bare)))
    else:
        ch = r.cmd("AUTH " + mech)
        if ch.rstrip() != b"+":
            raise AssertionError("expected an empty challenge '+ ', got %r" % ch)
        ch = r.cmd(b64(gs2 + first_bare))
    if not ch.startswith(b"+ "):
        return ch, None
    server_first = harness.base64.b64decode(ch[2:], validate=True).decode()
    attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
    if not (attrs["r"].startswith(cnonce) and len(attrs["r"]) > len(cnonce)):
        raise AssertionError("server nonce does not extend ours: %r" % server_first)
    salt = harness.base64.b64decode(attrs["s"])
    iters = int(attrs["i"])
    if iters < 4096:
        raise AssertionError("iteration count below 4096: %r" % server_first)
    salted = hashlib.pbkdf2_hmac(hashname, password.encode(), salt, iters)
    client_key = hmac.new(salted, b"Client Key", h).digest()
    stored_key = h(client_key).digest()
    final_wo_proof = "c=%s,r=%s" % (b64(gs2), attrs["r"])
    auth_message = ",".join([first_bare, server_first, final_wo_proof]).encode()
    client_sig = hmac.new(stored_key, auth_message, h).digest()
    proof = bytes(a ^ b for a, b in zip(client_key, client_sig))
    if tamper:
        proof = bytes([proof[0] ^ 1]) + proof[1:]
    server_key = hmac.new(salted, b"Server Key", h).digest()
    server_sig = hmac.new(server_key, auth_message, h).digest()
    resp = r.cmd(b64("%s,p=%s" % (final_wo_proof, b64(proof))))
    sig_ok = None
    if resp.startswith(b"+ "):
        server_final = harness.base64.b64decode(resp[2:], validate=True).decode()
        sig_ok = server_final == "v=" + b64(server_sig)
        resp = r.cmd("")
    return resp, sig_ok
