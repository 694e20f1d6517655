// server::message_fetcher: the driver side of IMAP FETCH - one message's
// ENVELOPE, BODY/BODYSTRUCTURE, BODY[section]<partial>, BINARY[...] and
// BINARY.SIZE from the store and the mime library; the structure parsed once
// per message, kept in the store's blob cache (and for the session); the
// literals handed out in bounded chunks read by ranges of the file (a 30 MiB
// BODY[] is never held whole). Blocking: runs on the storage pool. Owned by
// imap_mailboxes.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "mail/mime/section.hpp"
#include "mail/mime/structure.hpp"
#include "proto/imap/session.hpp"
#include "store/mail_store.hpp"

namespace mailroom::server {

class message_fetcher {
public:
    // `stored_size`/`crlf_size`: the message's sizes as the store has them.
    result<imap::fetched_message> fetch(store::mailbox& box, std::uint32_t uid, std::uint64_t stored_size,
                                        std::uint64_t crlf_size, const std::vector<imap::fetch_item>& items);
    // The next at most `max` bytes of literal `item` of the last fetch();
    // empty once all its bytes were given.
    result<std::string> next_chunk(store::mailbox& box, std::size_t item, std::size_t max);
    void forget() { cache_.clear(); }  // another mailbox selected

private:
    // Where a literal's bytes come from: memory (decoded BINARY, HEADER.FIELDS)
    // or ranges of the stored file sent in CRLF form; then the <partial> window.
    struct source {
        bool in_memory = false;
        std::string memory;
        std::vector<mime::byte_range> ranges;
        bool blank_line = false;
        std::uint64_t skip = 0, remaining = 0;  // of the CRLF form
        std::size_t range = 0;
        std::uint64_t pos = 0;  // in ranges[range]
        bool blank_sent = false;
    };
    const mime::message_structure* structure(store::mailbox& box, std::uint32_t uid, std::uint64_t stored_size,
                                             std::string& stored, std::error_code& ec);

    std::uint32_t uid_ = 0;
    std::vector<source> sources_;  // by item index
    std::deque<std::pair<std::uint32_t, mime::message_structure>> cache_;
};

}  // namespace mailroom::server
