// imap_search::message_facts: what SORT and THREAD (RFC 5256) compare of a
// message, taken from its header block once: base subject, first
// From/To/Cc mailboxes and display names, the sent date (Date:, else the
// internal date), Message-ID and References. Called by sort_thread.cpp and
// run.cpp; parse_date_header is exposed for the tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/imap/selected_view.hpp"

namespace mailroom::imap_search {

struct message_facts {
    std::uint32_t seq = 0;
    std::uint64_t size = 0;
    std::int64_t arrival = 0;              // internal date
    std::int64_t sent = 0;                 // Date: in UTC seconds, or the internal date (RFC 5256 §2.2)
    std::string subject;                   // casemap key of the base subject (RFC 5256 §2.1)
    bool reply = false;                    // the subject had Re:/Fwd:/(fwd)/[fwd:]
    std::string from, to, cc;              // casemap keys of the first addr-mailbox (RFC 5256 §3)
    std::string display_from, display_to;  // RFC 5957: display name, else the address
    std::string message_id;                // without <>, empty if none
    std::vector<std::string> references;   // References, else In-Reply-To (RFC 5256 §3 REFERENCES (1)(B))
};

message_facts facts_of(std::string_view header, const imap::message_state& m, std::uint32_t seq);

// RFC 5322 §3.3 date-time (with the obsolete zones of §4.3) to UTC seconds.
std::optional<std::int64_t> parse_date_header(std::string_view value);

// The msg-ids of a References/In-Reply-To value, in order, without <>.
std::vector<std::string> message_ids(std::string_view value);

}  // namespace mailroom::imap_search
