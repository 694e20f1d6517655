// imap_search::message_source: how SEARCH, SORT and THREAD read a message
// (its header block, its bytes, its MIME structure), and store_source, the
// one that reads a store::mailbox (structure kept with cache_blob). The
// evaluator asks only when flags, dates and sizes do not decide. Blocking:
// called on the storage pool by run_search (run.cpp) and by the tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "mail/mime/structure.hpp"
#include "store/mail_store.hpp"

namespace mailroom::imap_search {

class message_source {
public:
    virtual ~message_source() = default;
    // The stored header block (LF line ends, blank line included); errc::not_found when expunged.
    virtual result<std::string> header(std::uint32_t uid) = 0;
    // The whole stored message.
    virtual result<std::string> message(std::uint32_t uid) = 0;
    // The MIME structure of `bytes` (= message(uid)); a source may keep it.
    virtual mime::message_structure structure(std::uint32_t uid, const std::string& bytes) = 0;
};

// Reads through the mailbox; messages over max_message_bytes are searched
// in their first max_message_bytes only (a bound on one search's memory).
class store_source final : public message_source {
public:
    explicit store_source(store::mailbox& box, std::size_t max_message_bytes = 64u << 20)
        : box_(box), max_(max_message_bytes) {}
    result<std::string> header(std::uint32_t uid) override;
    result<std::string> message(std::uint32_t uid) override;
    mime::message_structure structure(std::uint32_t uid, const std::string& bytes) override;

private:
    store::mailbox& box_;
    std::size_t max_;
};

// The header block of a stored message: up to and including the first empty line.
std::string_view header_block(std::string_view stored);

}  // namespace mailroom::imap_search
