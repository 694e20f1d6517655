// mail::trace_headers: the trace fields a server adds to a message it
// accepts (RFC 5321 §4.4): Received: when it is queued, Return-Path: at
// final delivery. Pure functions; the SMTP driver fills in the facts.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace mailroom::mail {

struct received_info {
    std::string helo;            // what the client said in EHLO/HELO
    std::string client_address;  // IP literal of the peer
    std::string by_host;         // our host name
    std::string queue_id;
    std::string recipient;  // "for <...>" when the message has exactly one recipient, else ""
    bool esmtp = true;      // EHLO (vs HELO)
    bool tls = false;
    std::string tls_description;  // e.g. "TLSv1.3 TLS_AES_256_GCM_SHA384"
    std::string auth_user;        // never a password; "" when not authenticated
    bool smtputf8 = false;
    std::chrono::system_clock::time_point when;
};

// RFC 3848 / RFC 6531 §4.3 protocol name: SMTP, ESMTP, ESMTPS, ESMTPA,
// ESMTPSA, UTF8SMTP, UTF8SMTPS, UTF8SMTPA, UTF8SMTPSA.
std::string with_protocol(const received_info& r);

// One folded "Received: ..." field ending in CRLF. Client-supplied text
// (HELO) is sanitised so it cannot break the header or add fields.
std::string received_header(const received_info& r);

// "Return-Path: <sender>\r\n" (RFC 5321 §4.4; "<>" for bounces).
std::string return_path_header(std::string_view sender);

// RFC 5322 §3.3 date-time in UTC, e.g. "Sun, 22 Nov 2026 19:40:00 +0000".
std::string rfc5322_date(std::chrono::system_clock::time_point t);

}  // namespace mailroom::mail
