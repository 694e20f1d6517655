// Unit tests of imap::client::response_reader: status responses and codes,
// data trees, continuation requests, literals kept or streamed, each wire
// fed whole and split at every offset; then the bounds and malformed input.
#include "proto/imap/client/response_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mailroom::imap::client {
namespace {

std::string render(const value& v) {
    switch (v.what) {
        case value::kind::atom: return v.text;
        case value::kind::number: return "#" + std::to_string(v.number);
        case value::kind::string: return "\"" + v.text + "\"";
        case value::kind::nil: return "NIL";
        case value::kind::streamed: return "{streamed " + std::to_string(v.number) + "}";
        case value::kind::list: {
            std::string s = "(";
            for (const auto& i : v.items) s += (s.size() > 1 ? " " : "") + render(i);
            return s + ")";
        }
    }
    return "?";
}

// Every event but line_read, one per line; literal_data pieces joined.
struct drain {
    std::string out;
    std::string data;
    bool failed = false;

    void from(response_reader& r) {
        for (;;) {
            auto ev = r.next();
            if (std::holds_alternative<std::monostate>(ev)) return;
            if (std::holds_alternative<line_read>(ev)) continue;
            if (auto* d = std::get_if<literal_data>(&ev)) {
                data += d->bytes;
                continue;
            }
            if (!data.empty()) out += "data " + std::exchange(data, {}) + "\n";
            if (auto* e = std::get_if<reader_error>(&ev)) {
                out += "error " + std::string(describe(*e)) + "\n";
                failed = true;
                return;
            }
            if (auto* c = std::get_if<continuation_request>(&ev)) out += "+ " + c->text + "\n";
            else if (auto* b = std::get_if<literal_begin>(&ev))
                out += "begin " + std::to_string(b->size) + " " + b->item + "\n";
            else if (std::holds_alternative<literal_end>(ev)) out += "end\n";
            else {
                const auto& x = std::get<response>(ev);
                std::string s = x.tag + (x.tagged ? " tagged" : "");
                if (x.state != status::none) s += " status" + std::to_string(static_cast<int>(x.state));
                if (!x.code.empty()) s += " [" + x.code + "|" + x.code_args + "]";
                if (!x.text.empty()) s += " text=" + x.text;
                for (const auto& v : x.data) s += " " + render(v);
                out += s + "\n";
            }
        }
    }
};

struct valid_case {
    std::string wire;
    std::string want;
};

const std::vector<valid_case> valid = {
    {"* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n", "* status1 [CAPABILITY|IMAP4rev1 LITERAL+] text=ready\n"},
    {"A1 NO [AUTHENTICATIONFAILED] bad\r\n", "A1 tagged status2 [AUTHENTICATIONFAILED|] text=bad\n"},
    {"a2 ok done\r\n", "a2 tagged status1 text=done\n"},
    {"* BYE\r\n", "* status4\n"},
    {"* PREAUTH hi\r\n", "* status5 text=hi\n"},
    {"+ Y2hhbA==\r\n+\r\n", "+ Y2hhbA==\n+ \n"},
    {"* 23 EXISTS\r\n", "* #23 EXISTS\n"},
    {"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n", "* CAPABILITY IMAP4rev1 AUTH=PLAIN\n"},
    {"* LIST (\\HasNoChildren) \".\" \"a \\\"b\\\\\"\r\n", "* LIST (\\HasNoChildren) \".\" \"a \"b\\\"\n"},
    {"* LIST () NIL {3}\r\nx\r\n\r\n", "* LIST () NIL \"x\r\n\"\n"},
    {"* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\r\n", "* STATUS blurdybloop (MESSAGES #231 UIDNEXT #44292)\n"},
    {"* 1 FETCH (UID 5 BODY[] {5}\r\nab\r\nc FLAGS (\\Seen))\r\n",
     "begin 5 BODY[]\ndata ab\r\nc\nend\n* #1 FETCH (UID #5 BODY[] {streamed 5} FLAGS (\\Seen))\n"},
    {"* 2 FETCH (BINARY[1] ~{0}\r\n)\r\n", "begin 0 BINARY[1]\nend\n* #2 FETCH (BINARY[1] {streamed 0})\n"},
    {"* 3 FETCH (BODY[HEADER.FIELDS (FROM TO)]<0> {2}\r\nhi)\r\n",
     "begin 2 BODY[HEADER.FIELDS (FROM TO)]<0>\ndata hi\nend\n"
     "* #3 FETCH (BODY[HEADER.FIELDS (FROM TO)]<0> {streamed 2})\n"},
    // Only a body item directly in the FETCH list streams; an ENVELOPE string is kept.
    {"* 4 FETCH (ENVELOPE (NIL {2}\r\nab) RFC822 {1}\r\nz)\r\n",
     "begin 1 RFC822\ndata z\nend\n* #4 FETCH (ENVELOPE (NIL \"ab\") RFC822 {streamed 1})\n"},
    {"* ESEARCH (TAG \"A3\") UID ALL 1:3,5\r\n", "* ESEARCH (TAG \"A3\") UID ALL 1:3,5\n"},
    {"* OK [PERMANENTFLAGS (\\Seen \\*)] Limited\r\n", "* status1 [PERMANENTFLAGS|(\\Seen \\*)] text=Limited\n"},
    {"* NO a\x1b[2Jb\r\n", "* status2 text=a?[2Jb\n"},
    // A number too long for 64 bits stays an atom.
    {"* SEARCH 99999999999999999999\r\n", "* SEARCH 99999999999999999999\n"},
};

TEST(ImapClientResponseReader, ValidAtEverySplit) {
    for (const auto& c : valid) {
        for (std::size_t cut = 0; cut <= c.wire.size(); ++cut) {
            response_reader r;
            drain d;
            r.feed(c.wire.substr(0, cut));
            d.from(r);
            r.feed(c.wire.substr(cut));
            d.from(r);
            EXPECT_EQ(d.out, c.want) << c.wire << " cut at " << cut;
            EXPECT_FALSE(r.has_unread_bytes());
        }
    }
}

TEST(ImapClientResponseReader, ByteByByteStreamsInPieces) {
    response_reader r;
    const std::string wire = "* 1 FETCH (BODY[] {6}\r\nabcdef)\r\n";
    int pieces = 0;
    for (char c : wire) {
        r.feed(std::string_view(&c, 1));
        for (auto ev = r.next(); !std::holds_alternative<std::monostate>(ev); ev = r.next())
            if (std::holds_alternative<literal_data>(ev)) ++pieces;
    }
    EXPECT_EQ(pieces, 6);  // never waits for the whole literal
}

struct invalid_case {
    std::string wire;
    reader_error want;
};

TEST(ImapClientResponseReader, Malformed) {
    const std::vector<invalid_case> cases = {
        {"220 smtp ready\r\n", reader_error::bad_syntax},
        {"A1 FETCH (x)\r\n", reader_error::bad_syntax},  // tagged but not a status
        {"*\r\n", reader_error::bad_syntax},
        {" OK\r\n", reader_error::bad_syntax},
        {"* OK [ALERT no close\r\n", reader_error::bad_syntax},
        {"* 1 FETCH (UID 1\r\n", reader_error::bad_syntax},
        {"* 1 FETCH UID 1)\r\n", reader_error::bad_syntax},
        {"* LIST () \"/\" \"open\r\n", reader_error::bad_syntax},
        {"* LIST () \"/\" {3} x\r\n", reader_error::bad_syntax},
        {"* LIST () \"/\" {}\r\n", reader_error::bad_syntax},
        {"* 1 FETCH (BODY[HEADER {3}\r\n", reader_error::bad_syntax},
        {"* 1 FETCH (BODY[] {99999999999999999999}\r\n", reader_error::literal_too_large},
    };
    for (const auto& c : cases) {
        response_reader r;
        r.feed(c.wire);
        drain d;
        d.from(r);
        ASSERT_TRUE(d.failed) << c.wire;
        EXPECT_EQ(std::get<reader_error>(r.next()), c.want) << c.wire;  // stays failed
    }
}

TEST(ImapClientResponseReader, Limits) {
    {
        response_reader r({.max_line_bytes = 32});
        r.feed("* OK " + std::string(100, 'x'));
        EXPECT_EQ(std::get<reader_error>(r.next()), reader_error::line_too_long);
    }
    {
        response_reader r({.max_literal_bytes = 4});
        r.feed("* LIST () \"/\" {5}\r\n");
        drain d;
        d.from(r);
        EXPECT_EQ(d.out, "error literal too large\n");
    }
    {
        response_reader r({.max_message_bytes = 4});
        r.feed("* 1 FETCH (BODY[] {5}\r\n");
        drain d;
        d.from(r);
        EXPECT_EQ(d.out, "error literal too large\n");
    }
    {
        response_reader r({.max_response_bytes = 1000});
        std::string line = "* SEARCH";
        for (int i = 0; i < 100; ++i) line += " 1";
        r.feed(line + "\r\n");
        drain d;
        d.from(r);
        EXPECT_EQ(d.out, "error response too large\n");
    }
    {
        response_reader r({.max_depth = 3});
        r.feed("* X ((((a))))\r\n");
        drain d;
        d.from(r);
        EXPECT_EQ(d.out, "error response too large\n");
    }
}

TEST(ImapClientResponseReader, ClearDropsReadAhead) {
    response_reader r;
    r.feed("A1 OK Begin TLS\r\n* CAPABILITY EVIL\r\n");
    EXPECT_TRUE(std::holds_alternative<line_read>(r.next()));
    EXPECT_TRUE(std::holds_alternative<response>(r.next()));
    r.clear();
    EXPECT_FALSE(r.has_unread_bytes());
    EXPECT_TRUE(std::holds_alternative<std::monostate>(r.next()));
}

}  // namespace
}  // namespace mailroom::imap::client
