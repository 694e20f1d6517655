// sandbox::http_api JSON: what GET /api/mailboxes/{m}/messages and GET
// /api/messages/{id} answer for one stored message (LF line ends, parsed by
// mime::parse_message): its search facts, a summary, and the detail (decoded
// headers, text and HTML parts, attachments), every text bounded. Leaf parts
// are numbered 1..n depth first, the {n} of /api/messages/{id}/parts/{n}.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mail/mime/structure.hpp"
#include "sandbox/http_api_search.hpp"

namespace mailroom::sandbox {

struct render_limits {
    std::size_t max_headers = 200;             // fields listed in a detail
    std::size_t max_header_bytes = 8192;       // one decoded value
    std::size_t max_text_bytes = 1024 * 1024;  // the text and the HTML part each
};

// From, To+Cc, Subject decoded (RFC 2047), the Date:'s day, and the text/*
// parts' decoded content up to max_text bytes in all.
search_facts message_facts(std::string_view stored, const mime::message_structure& m, std::size_t max_text);

// {"id","mailbox","size","from","to","subject","date"}: date is the raw Date: value or null.
boost::json::object summary_json(std::string_view id, std::string_view mailbox, std::uint64_t size,
                                 std::string_view stored, const search_facts& f);

// summary fields plus "headers":[{"name","value"}], "text", "html" (null when
// absent), "text_truncated"/"html_truncated", and "parts":[{"part","content_type",
// "filename","size","attachment"}] for every leaf part (size decoded).
boost::json::object detail_json(std::string_view id, std::string_view mailbox, std::string_view stored,
                                const mime::message_structure& m, const render_limits& lim = {});

// The leaf part numbered n (1-based, depth first), or nullptr.
const mime::body_part* leaf_part(const mime::message_structure& m, std::size_t n);

// "type/subtype" in lower case, with the charset parameter when there is one:
// the Content-Type /parts/{n} answers with.
std::string part_content_type(const mime::body_part& p);

// The part's filename (Content-Disposition filename, else Content-Type name), or "".
std::string part_filename(const mime::body_part& p);

// {"error": message}: the body of every 4xx/5xx answer of the API.
std::string error_json(std::string_view message);

}  // namespace mailroom::sandbox
