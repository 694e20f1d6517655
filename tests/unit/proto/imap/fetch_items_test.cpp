#include "proto/imap/fetch_items.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "reader_driver.hpp"

namespace mailroom::imap {
namespace {

using fa = fetch_attribute;

fetch_item plain(fa what) { return fetch_item{what, false, {}, std::nullopt}; }
fetch_item section(fa what, bool peek, section_spec spec, std::optional<partial_range> partial = std::nullopt) {
    return fetch_item{what, peek, std::move(spec), partial};
}

struct fetch_case {
    std::string text;
    std::vector<fetch_item> items;
    std::size_t used = 1;
};

TEST(ImapFetchItems, ValidItems) {
    const std::vector<fetch_case> cases{
        {"ALL", {plain(fa::flags), plain(fa::internaldate), plain(fa::rfc822_size), plain(fa::envelope)}},
        {"fast", {plain(fa::flags), plain(fa::internaldate), plain(fa::rfc822_size)}},
        {"FULL",
         {plain(fa::flags), plain(fa::internaldate), plain(fa::rfc822_size), plain(fa::envelope), plain(fa::body)}},
        {"FLAGS", {plain(fa::flags)}},
        {"(UID RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY INTERNALDATE MODSEQ RFC822 RFC822.HEADER RFC822.TEXT)",
         {plain(fa::uid), plain(fa::rfc822_size), plain(fa::envelope), plain(fa::bodystructure), plain(fa::body),
          plain(fa::internaldate), plain(fa::modseq), plain(fa::rfc822), plain(fa::rfc822_header),
          plain(fa::rfc822_text)}},
        {"BODY[]", {section(fa::body_section, false, {})}},
        {"body.peek[]<0.1024>", {section(fa::body_section, true, {}, partial_range{0, 1024})}},
        {"BODY[1.2.3]", {section(fa::body_section, false, {{1, 2, 3}, section_text::none, {}})}},
        {"BODY[HEADER]", {section(fa::body_section, false, {{}, section_text::header, {}})}},
        {"BODY[TEXT]<10.5>", {section(fa::body_section, false, {{}, section_text::text, {}}, partial_range{10, 5})}},
        {"BODY[2.MIME]", {section(fa::body_section, false, {{2}, section_text::mime, {}})}},
        {"BODY[1.HEADER]", {section(fa::body_section, false, {{1}, section_text::header, {}})}},
        {"BODY.PEEK[HEADER.FIELDS (From To \"Subject\" {7}\r\nX-Other)]",
         {section(fa::body_section, true, {{}, section_text::header_fields, {"From", "To", "Subject", "X-Other"}})},
         3},
        {"(FLAGS BODY[1.HEADER.FIELDS.NOT (Received)]<0.100> UID)",
         {plain(fa::flags),
          section(fa::body_section, false, {{1}, section_text::header_fields_not, {"Received"}}, partial_range{0, 100}),
          plain(fa::uid)}},
        {"BINARY[]", {section(fa::binary, false, {})}},
        {"BINARY.PEEK[1.2]<0.10>", {section(fa::binary, true, {{1, 2}, section_text::none, {}}, partial_range{0, 10})}},
        {"BINARY.SIZE[3]", {section(fa::binary_size, false, {{3}, section_text::none, {}})}},
    };
    for (const auto& c : cases) {
        const auto args = test::lex(c.text);
        ASSERT_FALSE(args.empty()) << c.text;
        const auto r = parse_fetch_items(args);
        ASSERT_TRUE(r) << c.text;
        EXPECT_EQ(r->items, c.items) << c.text;
        EXPECT_EQ(r->used, c.used) << c.text;
    }
}

TEST(ImapFetchItems, InvalidItems) {
    for (const std::string text : {"()",
                                   "FOO",
                                   "(FLAGS FOO)",
                                   "BODY[",
                                   "BODY[HEADER",
                                   "BODY.PEEK",
                                   "BODY[MIME]",
                                   "BODY[0]",
                                   "BODY[1.]",
                                   "BODY[1..2]",
                                   "BODY[HEADER.FIELDS]",
                                   "BODY[HEADER.FIELDS ()]",
                                   "BODY[HEADER.FIELDS (From)",
                                   "BODY[TEXT.HEADER]",
                                   "BODY[]<0.0>",
                                   "BODY[]<0>",
                                   "BODY[]<a.1>",
                                   "BODY[]<1.2",
                                   "BODY[]x",
                                   "BINARY[HEADER]",
                                   "BINARY[1.TEXT]",
                                   "BINARY.SIZE[1]<0.1>",
                                   "BINARY.PEEK",
                                   "\"FLAGS\"",
                                   "(FLAGS (UID))",
                                   "BODY[HEADER.FIELDS ((From))]",
                                   "(BODY[HEADER.FIELDS (From)] ])"})
        EXPECT_FALSE(parse_fetch_items(test::lex(text))) << text;
    // "]" must be glued to the header list: a separate "]" is not a section end.
    EXPECT_FALSE(parse_fetch_items(test::lex("BODY[HEADER.FIELDS (From) ]")));
}

}  // namespace
}  // namespace mailroom::imap
