// A message_source over in-memory messages (UID -> stored bytes) that
// counts its reads, so tests can check that cheap keys open nothing.
#pragma once

#include <map>
#include <string>

#include "common/errors.hpp"
#include "mail/mime/parser.hpp"
#include "server/imap_search/message_source.hpp"

namespace mailroom::imap_search::test {

class fake_source final : public message_source {
public:
    std::map<std::uint32_t, std::string> messages;
    int header_reads = 0, message_reads = 0;

    result<std::string> header(std::uint32_t uid) override {
        ++header_reads;
        auto it = messages.find(uid);
        if (it == messages.end()) return make_error_code(errc::not_found);
        return std::string(header_block(it->second));
    }
    result<std::string> message(std::uint32_t uid) override {
        ++message_reads;
        auto it = messages.find(uid);
        if (it == messages.end()) return make_error_code(errc::not_found);
        return it->second;
    }
    mime::message_structure structure(std::uint32_t, const std::string& bytes) override {
        return mime::parse_message(bytes);
    }
};

}  // namespace mailroom::imap_search::test
