// imap::session handlers of the commands valid in more than one state:
// CAPABILITY, NOOP, LOGOUT, ID (RFC 9051 §6.1, RFC 2971), ENABLE (RFC 5161),
// NAMESPACE (RFC 2342), IDLE (RFC 2177), and the capability list itself.
#include "proto/common/auth_policy.hpp"
#include "proto/common/keyword.hpp"
#include "proto/imap/session.hpp"

namespace mailroom::imap {

std::string session::capabilities() const {
    // Only what this engine implements; the list grows with the commands.
    std::string caps = "IMAP4rev1 IMAP4rev2 LITERAL+ ENABLE IDLE NAMESPACE ID UNSELECT CHILDREN";
    caps += " ESEARCH SEARCHRES SORT SORT=DISPLAY THREAD=ORDEREDSUBJECT THREAD=REFERENCES";  // H2
    // H3: APPEND, COPY, MOVE (cmd_append.cpp); RFC 7889 §4: the limit for every mailbox.
    caps += " MULTIAPPEND UIDPLUS MOVE CATENATE APPENDLIMIT=" + std::to_string(lim_.max_message_bytes);
    caps += " LIST-EXTENDED LIST-STATUS SPECIAL-USE UTF8=ACCEPT";  // folders (cmd_list.cpp)
    caps += " CONDSTORE QRESYNC";                                  // RFC 7162 (cmd_qresync.cpp)
    caps += " QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE";          // RFC 9208 §3.1 (cmd_quota.cpp); no QUOTASET
    if (state_ != state::not_authenticated) return caps;
    caps += " SASL-IR";
    const bool plaintext_ok = proto::plaintext_allowed(policy_.tls_active, policy_.plaintext_auth);
    if (policy_.starttls_offered && !policy_.tls_active) caps += " STARTTLS";
    // RFC 9051 §6.2.3: LOGIN refused (before TLS) is announced as LOGINDISABLED.
    if (!plaintext_ok) caps += " LOGINDISABLED";
    for (const auto& m : proto::offered_mechanisms(policy_.sasl_mechanisms, plaintext_ok)) caps += " AUTH=" + m;
    return caps;
}

void session::cmd_capability(const command&) {
    untagged("CAPABILITY " + capabilities());
    ok("", "Capability completed.");
}

void session::cmd_noop(const command&) {
    if (state_ != state::selected) return ok("", "NOOP completed.");
    // RFC 9051 §6.1.2: NOOP is how a client polls for new messages.
    after_sync_ = after_sync::noop;
    request(sync_mailbox{});
    wait_for(awaiting::sync);
}

void session::cmd_logout(const command&) {
    // RFC 9051 §6.1.3: BYE, then the tagged OK, then the server closes.
    state_ = state::logout;
    untagged("BYE Logging out.");
    ok("", "Logout completed.");
    request(close_connection{close_reason::quit});
    state_ = state::closed;
}

void session::cmd_id(const command&) {
    // RFC 2971 §3.3: the server's own fields; the client's are not echoed.
    untagged("ID (\"name\" \"" + policy_.implementation + "\")");
    ok("", "ID completed.");
}

void session::cmd_enable(const command& c) {
    const auto& e = std::get<enable_command>(c.args);
    std::string enabled;
    for (const auto& cap : e.capabilities) {
        // RFC 5161 §3.1: unknown capabilities are ignored; only those
        // enabled by this command are listed.
        if (proto::keyword_equals(cap, "IMAP4rev2") && !rev2_) {
            rev2_ = true;
            enabled += " IMAP4rev2";
        } else if (proto::keyword_equals(cap, "UTF8=ACCEPT") && !utf8_accept_) {
            // RFC 6855 §3: mailbox names and quoted strings in UTF-8 from now on.
            utf8_accept_ = true;
            enabled += " UTF8=ACCEPT";
        } else if (proto::keyword_equals(cap, "CONDSTORE") && !condstore_) {
            condstore_ = true;  // RFC 7162 §3.1
            enabled += " CONDSTORE";
        } else if (proto::keyword_equals(cap, "QRESYNC") && !qresync_) {
            qresync_ = condstore_ = true;  // RFC 7162 §3.2.3: QRESYNC implies CONDSTORE
            enabled += " QRESYNC";
        }
    }
    untagged("ENABLED" + enabled);
    ok("", "ENABLE completed.");
}

void session::cmd_namespace(const command&) {
    // RFC 2342 §5: one personal namespace, '.' as in Maildir++; no others.
    untagged("NAMESPACE ((\"\" \".\")) NIL NIL");
    ok("", "NAMESPACE completed.");
}

void session::cmd_idle(const command&) {
    // RFC 2177 §3: "+" until DONE; changes are told as they happen.
    idling_ = true;
    request(send_reply{"+ idling\r\n"});
    if (state_ == state::selected && changed_) {
        after_sync_ = after_sync::nothing;
        request(sync_mailbox{});
        wait_for(awaiting::sync);
    }
}

}  // namespace mailroom::imap
