// imap::client responses: decoders for the data responses `mailroom imap`
// uses - LIST/LSUB, STATUS, SEARCH, ESEARCH (RFC 4731), FETCH, and the
// codes [UIDVALIDITY n], [UIDNEXT n], [APPENDUID v u] (RFC 4315 §3). Each
// returns nullopt when the response is not that kind or is malformed.
// Pure functions over response_reader's tree; called by the CLI driver.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "proto/imap/client/response_reader.hpp"

namespace mailroom::imap::client {

struct list_entry {
    std::vector<std::string> attributes;  // "\HasNoChildren", ...
    std::string delimiter;                // one character, empty for NIL
    std::string name;                     // as sent (modified UTF-7 for IMAP4rev1)
};
std::optional<list_entry> parse_list(const response& r);  // * LIST / * LSUB (RFC 9051 §7.3.1)

struct status_entry {
    std::string mailbox;
    std::vector<std::pair<std::string, std::uint64_t>> items;  // ("MESSAGES", 3), upper case
};
std::optional<status_entry> parse_status(const response& r);  // * STATUS (RFC 9051 §7.3.5)

// * SEARCH n... (RFC 3501 §7.2.5): the numbers, maybe none.
std::optional<std::vector<std::uint64_t>> parse_search(const response& r);

struct esearch_result {
    std::string tag;  // the command's tag from (TAG "A3")
    bool uid = false;
    std::optional<std::uint64_t> min, max, count;
    std::string all;  // a sequence set, "1:4,7"
};
std::optional<esearch_result> parse_esearch(const response& r);  // * ESEARCH (RFC 9051 §7.3.4)

struct fetch_entry {
    std::uint64_t seq = 0;
    std::optional<std::uint64_t> uid, size;
    std::vector<std::string> flags;
    std::string internal_date;
    bool has_body = false;  // a streamed BODY[]/BINARY[]/RFC822 came with it
};
std::optional<fetch_entry> parse_fetch(const response& r);  // * n FETCH (RFC 9051 §7.5.2)

// The number of "[CODE n]" when r carries that code (UIDVALIDITY, UIDNEXT, ...).
std::optional<std::uint64_t> code_number(const std::string& code, const std::string& args, const std::string& want);

struct append_uid {
    std::uint64_t uidvalidity = 0;
    std::uint64_t uid = 0;
};
std::optional<append_uid> parse_appenduid(const std::string& code, const std::string& args);

// Expands a sequence set of numbers ("1:3,7") into at most max_count numbers;
// nullopt when malformed, contains "*", or is larger.
std::optional<std::vector<std::uint64_t>> expand_set(const std::string& set, std::size_t max_count);

}  // namespace mailroom::imap::client
